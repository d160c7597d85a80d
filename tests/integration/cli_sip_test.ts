// `council sip` against a running server (issue 25 item 4): a guardian's SIP
// password set from a file or stdin (never echoed, never in the witness), a phone
// registers with it, `council sip credentials` lists who has one without the
// password, `council sip registrations` shows the phone, and --clear ends both the
// password and the registration it proved.

import assert from "node:assert/strict";
import { childEnv, runDeno, startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR } from "../_helpers/council_api.ts";
import { registerOnce } from "../_helpers/sip_digest_client.ts";
import { tempDir } from "../_helpers/temp.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const FILE_PASSWORD = "alices sip password from a file";
const STDIN_PASSWORD = "bobs-password-from-stdin";

/** `council sip ...` with `input` on stdin. */
async function withStdin(args: string[], input: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}cli/main.ts`, "sip", ...args],
    env: childEnv({ COUNCIL_KV_PATH: ":memory:" }),
    clearEnv: true,
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(input));
  await w.close();
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("council sip: password from a file or stdin, credentials, registrations, --clear", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const connect = ["--url", council.url, "--token", OPERATOR];
  const sip = (...args: string[]) =>
    runDeno("cli/main.ts", ["sip", ...args, ...connect], { COUNCIL_KV_PATH: ":memory:" });
  const dir = tempDir();
  try {
    await addGuardian(council.url, "alice");
    await addGuardian(council.url, "bob");
    const file = `${dir}/alice.pw`;
    await Deno.writeTextFile(file, FILE_PASSWORD + "\n", { mode: 0o600 });

    // Nothing set yet.
    const none = await sip("credentials");
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout.trim(), "(no SIP passwords)");

    // Usage errors: no source, two sources, a password on the command line is no option.
    assert.equal((await sip("password", "alice")).code, 2);
    assert.equal(
      (await sip("password", "alice", "--password-file", file, "--password-stdin")).code,
      2,
    );
    assert.equal((await sip("password", "alice", "--password", FILE_PASSWORD)).code, 2);
    assert.equal((await sip("password", "Not A Name", "--password-file", file)).code, 2);

    // From a file, by name; from stdin, by guardian id.
    const set = await sip("password", "alice", "--password-file", file);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout.trim(), "set if://guardian/alice");
    const fromStdin = await withStdin(
      ["password", "if://guardian/bob", "--password-stdin", ...connect],
      STDIN_PASSWORD + "\n",
    );
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    assert.equal(fromStdin.stdout.trim(), "set if://guardian/bob");

    // Refusals from the server: exit 1 with its reason.
    const unknown = await sip("password", "nobody", "--password-file", file);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no guardian if:\/\/guardian\/nobody/);
    await Deno.writeTextFile(`${dir}/short.pw`, "short\n");
    const short = await sip("password", "alice", "--password-file", `${dir}/short.pw`);
    assert.equal(short.code, 1);
    assert.match(short.stderr, /8-128 characters/);

    // Listed without the password.
    const listed = await sip("credentials", "--json");
    assert.equal(listed.code, 0, listed.stderr);
    const creds = JSON.parse(listed.stdout) as { guardianId: string; usable: boolean }[];
    assert.deepEqual(creds.map((c) => [c.guardianId, c.usable]).sort(), [
      ["if://guardian/alice", true],
      ["if://guardian/bob", true],
    ]);
    const text = await sip("credentials");
    assert.match(text.stdout, /^if:\/\/guardian\/alice {2}set \d{4}-\d\d-\d\dT/m);
    for (const out of [listed.stdout, text.stdout]) {
      assert.equal(out.includes(FILE_PASSWORD) || out.includes(STDIN_PASSWORD), false);
      assert.doesNotMatch(out, /ha1|[0-9a-f]{32}/i);
    }

    // The passwords work: both register; the registrations command shows them.
    assert.equal(await registerOnce(council.sipPort, "alice", FILE_PASSWORD), 200);
    assert.equal(await registerOnce(council.sipPort, "bob", STDIN_PASSWORD), 200);
    const regs = await sip("registrations");
    assert.equal(regs.code, 0, regs.stderr);
    assert.match(regs.stdout, /^if:\/\/guardian\/alice {2}sip:alice@127\.0\.0\.1:\d+ {2}from UDP/m);

    // Cleared: alice's registration ends and her password no longer works; bob keeps his.
    const cleared = await sip("password", "alice", "--clear");
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.equal(cleared.stdout.trim(), "cleared if://guardian/alice");
    assert.doesNotMatch((await sip("registrations")).stdout, /guardian\/alice/);
    assert.match((await sip("registrations")).stdout, /guardian\/bob/);
    assert.equal(await registerOnce(council.sipPort, "alice", FILE_PASSWORD), 403);
    const again = await sip("password", "alice", "--clear");
    assert.equal(again.code, 1);
    assert.match(again.stderr, /has no SIP password/);
    assert.deepEqual(
      (JSON.parse((await sip("credentials", "--json")).stdout) as { guardianId: string }[])
        .map((c) => c.guardianId),
      ["if://guardian/bob"],
    );

    // The witness has each change, never a password.
    const head = (await api(council.url, "POST", "/api/v1/witness/head")).body as {
      size: number;
    };
    const all = JSON.stringify(
      (await api(council.url, "GET", `/api/v1/witness/entries?start=0&end=${head.size}`)).body,
    );
    assert.equal(all.match(/sip\.password_set/g)?.length, 2);
    assert.match(all, /sip\.password_cleared/);
    assert.equal(all.includes(FILE_PASSWORD) || all.includes(STDIN_PASSWORD), false);
  } finally {
    await council.stop();
  }
});
