// `council guardian` against a running server (issue 25 items 5 and 10): a guardian
// registered from keygen's file with --key-file; a broken key file is one plain line
// and exit 2, never a parser's message or the file's secret; another guardian's key
// is named as such; `guardian set` and `guardian quota` change a guardian and are
// witnessed; the default quota lets a browser send video.

import assert from "node:assert/strict";
import { runDeno, startCouncilProcess } from "../_helpers/council_process.ts";
import { api, OPERATOR, witnessed } from "../_helpers/council_api.ts";
import { tempDir } from "../_helpers/temp.ts";
import { type Codec, generateGuardianKey, signAdmissionRequest } from "../../guard/mod.ts";
import { fromBase64 } from "../../witness/mod.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** `council guardian ...` against the server at `url`. */
function guardianCli(url: string) {
  return (...args: string[]) =>
    runDeno("cli/main.ts", ["guardian", ...args, "--url", url, "--token", OPERATOR], {
      COUNCIL_KV_PATH: ":memory:",
    });
}

interface Guardian {
  id: string;
  displayName: string;
  role: string;
  publicKey: string;
  bandwidthKbps: number;
  status: string;
}

/** What the join page asks for when it sends video (web/src/client.ts), and without. */
function browserJoinKbps(): { video: number; audio: number } {
  const source = Deno.readTextFileSync(`${ROOT}web/src/client.ts`);
  const m = /bandwidthKbps: this\.o\.bandwidthKbps \?\? \(this\.o\.video \? (\d+) : (\d+)\)/
    .exec(source);
  assert.ok(m, "web/src/client.ts no longer says what a join asks for: update this test");
  return { video: Number(m[1]), audio: Number(m[2]) };
}

Deno.test("council guardian add --key-file takes keygen's file; a broken key file is one plain line and exit 2", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const guardian = guardianCli(council.url);
  const dir = tempDir();
  try {
    // keygen --out: the public key printed, the pair in a file only its owner reads.
    const made = await guardian("keygen", "--out", `${dir}/alice.key`);
    assert.equal(made.code, 0, made.stderr);
    const pair = JSON.parse(await Deno.readTextFile(`${dir}/alice.key`));
    assert.equal(made.stdout.trim(), pair.publicKey);
    assert.equal((await Deno.stat(`${dir}/alice.key`)).mode! & 0o777, 0o600);
    const again = await guardian("keygen", "--out", `${dir}/alice.key`);
    assert.equal(again.code, 1, "an existing key file is not overwritten");

    // add --key-file, by name; the default quota.
    const added = await guardian(
      "add",
      "alice",
      "--name",
      "Alice",
      "--role",
      "engineer",
      "--key-file",
      `${dir}/alice.key`,
      "--json",
    );
    assert.equal(added.code, 0, added.stderr);
    const alice = JSON.parse(added.stdout) as Guardian;
    assert.equal(alice.id, "if://guardian/alice");
    assert.equal(alice.publicKey, pair.publicKey);
    assert.equal(alice.bandwidthKbps, 2048);
    assert.equal(
      (await api(council.url, "GET", "/api/v1/guardians/if%3A%2F%2Fguardian%2Falice")).status,
      200,
    );
    const both = await guardian(
      "add",
      "bob",
      "--name",
      "Bob",
      "--role",
      "engineer",
      "--key",
      pair.publicKey,
      "--key-file",
      `${dir}/alice.key`,
    );
    assert.equal(both.code, 2);
    assert.match(both.stderr, /give --key or --key-file, not both/);

    // Broken key files: one line naming the file and what is wrong, exit 2, nothing
    // of the file's content (the secret) and no parser's words; nothing registered.
    const secret = pair.secretKey as string;
    const other = await generateGuardianKey();
    const broken: Array<[string, string | null, RegExp]> = [
      [
        "cut.key",
        `{"publicKey":"${pair.publicKey}","secretKey":"${secret.slice(0, 20)}`,
        /cut short/,
      ],
      ["garbage.key", `publicKey=${pair.publicKey}; secretKey=${secret}`, /is not JSON/],
      ["empty.key", "", /is empty/],
      ["array.key", `["${secret}"]`, /not an object/],
      ["short.key", `{"secretKey":"${secret.slice(0, 12)}"}`, /secretKey is 9 bytes/],
      ["number.key", `{"publicKey": 42}`, /publicKey is not a string/],
      ["neither.key", `{"key":"${secret}"}`, /neither publicKey nor secretKey/],
      [
        "mixed.key",
        JSON.stringify({ publicKey: other.publicKey, secretKey: secret }),
        /does not belong to its secretKey/,
      ],
      ["missing.key", null, /no such file/],
    ];
    for (const [name, content, why] of broken) {
      const file = `${dir}/${name}`;
      if (content !== null) await Deno.writeTextFile(file, content);
      const r = await guardian(
        "add",
        `g-${name.split(".")[0]}`,
        "--name",
        "G",
        "--role",
        "engineer",
        "--key-file",
        file,
      );
      assert.equal(r.code, 2, `${name}: ${r.stderr}`);
      assert.equal(r.stdout, "", name);
      const lines = r.stderr.trimEnd().split("\n");
      assert.equal(lines.length, 1, `${name}: one line, got ${r.stderr}`);
      assert.ok(lines[0].startsWith(`council guardian: key file ${file}: `), lines[0]);
      assert.match(lines[0], why, name);
      assert.doesNotMatch(lines[0], /SyntaxError|JSON\.parse|Unexpected|position \d|at file:/);
      assert.equal(lines[0].includes(secret.slice(0, 12)), false, `${name}: the secret is shown`);
    }
    // admit needs the secret key: a bare public key file is refused the same way.
    await Deno.writeTextFile(`${dir}/public.key`, pair.publicKey + "\n");
    const bare = await guardian("admit", "alice", "--key-file", `${dir}/public.key`, "--room", "x");
    assert.equal(bare.code, 2);
    assert.match(
      bare.stderr,
      /^council guardian: key file .*public\.key: holds one bare key, not the secret key needed to sign/,
    );
    // ... though it registers a key (set, below, takes it).
    const listed = await guardian("list", "--json");
    assert.deepEqual(
      (JSON.parse(listed.stdout) as Guardian[]).map((g) => g.id),
      ["if://guardian/alice"],
      "no broken file registered anyone",
    );

    // Signing with another guardian's key: the server's reason, and whose keys differ.
    await Deno.writeTextFile(`${dir}/other.key`, JSON.stringify(other));
    const wrong = await guardian(
      "admit",
      "alice",
      "--key-file",
      `${dir}/other.key`,
      "--room",
      "main",
    );
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^council guardian: 401 INVALID_SIGNATURE: /);
    assert.ok(
      wrong.stderr.includes(
        `(public key ${other.publicKey}) is not if://guardian/alice's registered key (${pair.publicKey})`,
      ),
      wrong.stderr,
    );
    assert.match(wrong.stderr, /council guardian set if:\/\/guardian\/alice --key-file /);
    assert.doesNotMatch(wrong.stderr, /operator token|--token/, "not the operator token's fault");
    const right = await guardian(
      "admit",
      "alice",
      "--key-file",
      `${dir}/alice.key`,
      "--room",
      "main",
    );
    assert.equal(right.code, 0, right.stderr);
    assert.match(right.stdout, /^admitted: session \S+, opus, 64 kbps, media 127\.0\.0\.1:\d+$/m);
  } finally {
    assert.equal(await council.stop(), 0);
  }
});

Deno.test("council guardian set and quota change name, role, key and quota, each witnessed", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const guardian = guardianCli(council.url);
  const dir = tempDir();
  try {
    const first = await generateGuardianKey();
    const added = await guardian(
      "add",
      "if://guardian/bob",
      "--name",
      "Bob",
      "--role",
      "engineer",
      "--key",
      first.publicKey,
      "--bandwidth",
      "512",
    );
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.stdout.trim(), 'if://guardian/bob  active  engineer  512 kbps  "Bob"');

    const quota = await guardian("quota", "bob", "3000");
    assert.equal(quota.code, 0, quota.stderr);
    assert.equal(quota.stdout.trim(), 'if://guardian/bob  active  engineer  3000 kbps  "Bob"');

    const renamed = await guardian("set", "bob", "--name", "Robert", "--role", "chair", "--json");
    assert.equal(renamed.code, 0, renamed.stderr);
    const r = JSON.parse(renamed.stdout) as Guardian;
    assert.deepEqual([r.displayName, r.role, r.bandwidthKbps], ["Robert", "chair", 3000]);

    // A new key from a key file (keygen's, or a bare public key).
    const made = await guardian("keygen", "--out", `${dir}/bob2.key`);
    const rekeyed = await guardian(
      "set",
      "bob",
      "--key-file",
      `${dir}/bob2.key`,
      "--bandwidth",
      "2500",
    );
    assert.equal(rekeyed.code, 0, rekeyed.stderr);
    await Deno.writeTextFile(`${dir}/bob3.pub`, made.stdout);
    const stored = (await api(council.url, "GET", "/api/v1/guardians/if%3A%2F%2Fguardian%2Fbob"))
      .body as Guardian;
    assert.deepEqual(
      [stored.displayName, stored.role, stored.bandwidthKbps, stored.publicKey],
      ["Robert", "chair", 2500, made.stdout.trim()],
    );
    assert.equal((await guardian("set", "bob", "--key-file", `${dir}/bob3.pub`)).code, 0);

    // Each change is witnessed with what changed.
    const changes = (await witnessed(council.url, "guard.guardian_changed"))
      .filter((p) => p.id === "if://guardian/bob").map((p) => p.change);
    assert.deepEqual(changes, [
      { bandwidthKbps: 3000 },
      { displayName: "Robert", role: "chair" },
      { bandwidthKbps: 2500, publicKey: made.stdout.trim() },
      { publicKey: made.stdout.trim() },
    ]);

    // Suspend and reactivate; refusals and usage errors.
    assert.match((await guardian("suspend", "bob")).stdout, /^if:\/\/guardian\/bob {2}suspended /);
    assert.match((await guardian("reactivate", "bob")).stdout, /^if:\/\/guardian\/bob {2}active /);
    for (
      const [args, code, why] of [
        [["quota", "bob", "lots"], 2, /KBPS must be a whole number/],
        [["quota", "bob"], 2, /quota takes a guardian ID and KBPS/],
        [["set", "bob"], 2, /set needs at least one of/],
        [
          ["set", "bob", "--bandwidth", "0"],
          2,
          /--bandwidth must be a whole number of kbps, at least 1/,
        ],
        [
          ["quota", "bob", "200000"],
          1,
          /^council guardian: 400 bandwidthKbps: expected an integer from 1 to 100000$/m,
        ],
        [["quota", "nobody", "100"], 1, /^council guardian: 404 .*nobody/],
        [["set", "bob", "--role", "Not A Role"], 1, /role: expected/],
      ] as const
    ) {
      const res = await guardian(...args);
      assert.equal(res.code, code, `${args.join(" ")}: ${res.stderr}`);
      assert.match(res.stderr, why, args.join(" "));
    }
    assert.equal(
      ((await api(council.url, "GET", "/api/v1/guardians/if%3A%2F%2Fguardian%2Fbob"))
        .body as Guardian)
        .bandwidthKbps,
      2500,
      "refused changes changed nothing",
    );
    const removed = await guardian("remove", "bob");
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(removed.stdout.trim(), "removed if://guardian/bob");
    assert.equal((await guardian("list")).stdout.trim(), "(no guardians)");
  } finally {
    assert.equal(await council.stop(), 0);
  }
});

Deno.test("a guardian added with the default quota can send video; the old 512 kbps example could not", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const guardian = guardianCli(council.url);
  const dir = tempDir();
  try {
    const kbps = browserJoinKbps();
    const keys: Record<string, Uint8Array> = {};
    for (const [name, extra] of [["carol", []], ["dan", ["--bandwidth", "512"]]] as const) {
      const made = await guardian("keygen", "--out", `${dir}/${name}.key`);
      assert.equal(made.code, 0, made.stderr);
      keys[name] = fromBase64(JSON.parse(await Deno.readTextFile(`${dir}/${name}.key`)).secretKey)!;
      const added = await guardian(
        "add",
        name,
        "--name",
        name,
        "--role",
        "engineer",
        "--key-file",
        `${dir}/${name}.key`,
        ...extra,
      );
      assert.equal(added.code, 0, added.stderr);
    }
    // The browser's join with video, signed as the join page signs it, then a phone
    // leg at the same time.
    const join = (name: string, bandwidthKbps: number, codecs: Codec[]) =>
      signAdmissionRequest({
        guardianId: `if://guardian/${name}`,
        room: "main",
        callType: "ROUTINE",
        bandwidthKbps,
        codecs,
        pii: false,
      }, keys[name]).then((req) => api(council.url, "POST", "/api/v1/admission", req));

    const video = await join("carol", kbps.video, ["opus"]);
    assert.equal(video.status, 200, JSON.stringify(video.body));
    assert.equal((video.body as { bandwidthKbps: number }).bandwidthKbps, kbps.video);
    const phone = await join("carol", 100, ["PCMU"]);
    assert.equal(phone.status, 200, JSON.stringify(phone.body));

    // The quota the docs used to show refuses the same join: this is what the test
    // would catch if the default fell back.
    const refused = await join("dan", kbps.video, ["opus"]);
    assert.equal(refused.status, 422);
    assert.equal((refused.body as { error: { code: string } }).error.code, "BANDWIDTH_EXCEEDED");
    assert.equal((await join("dan", kbps.audio, ["opus"])).status, 200, "audio alone fits");

    // The CLI's own admit, asking what a video join asks.
    const admitVideo = () =>
      guardian("admit", "carol", "--key-file", `${dir}/carol.key`, "--room", "side", ...[
        "--bandwidth",
        String(kbps.video),
        "--codecs",
        "opus",
      ]);
    const admitted = await admitVideo();
    assert.equal(admitted.code, 1, "carol's video and phone legs hold most of her quota");
    assert.match(admitted.stderr, /422 BANDWIDTH_EXCEEDED: \d+ kbps exceeds the guardian's quota/);
    const sessions = (await api(council.url, "GET", "/api/v1/admission/sessions")).body as {
      sessions: { id: string; guardianId: string }[];
    };
    for (const s of sessions.sessions.filter((s) => s.guardianId === "if://guardian/carol")) {
      assert.equal(
        (await api(council.url, "DELETE", `/api/v1/admission/sessions/${s.id}`)).status,
        204,
      );
    }
    const again = await admitVideo();
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^admitted: session \\S+, opus, ${kbps.video} kbps`));
  } finally {
    assert.equal(await council.stop(), 0);
  }
});
