// IF.witness through a real server process: what an auditor holding only the
// public key can fetch and check, and what malformed requests get.
import assert from "node:assert/strict";
import {
  decodeEntry,
  fromBase64,
  fromHex,
  leafHash,
  openTreeHead,
  parseVerifierKey,
  toHex,
  verifyConsistency,
  verifyInclusion,
} from "../../witness/mod.ts";
import { runDeno, startCouncilProcess } from "../_helpers/council_process.ts";
import { deleteStored, readStored, writeStored } from "../unit/witness/_tamper.ts";
import { tempDir } from "../_helpers/temp.ts";

async function api(url: string, path: string, init?: RequestInit) {
  const res = await fetch(`${url}/api/v1/witness${path}`, init);
  return { status: res.status, body: await res.json() };
}

Deno.test("witness API: key, heads, entries and proofs verify with the public key alone", async () => {
  const kvPath = `${tempDir()}/council.kv`;
  let council = await startCouncilProcess({ COUNCIL_KV_PATH: kvPath });
  let firstHead;
  let verifier;
  try {
    const key = await api(council.url, "/key");
    assert.equal(key.status, 200);
    verifier = parseVerifierKey(key.body.verifierKey);
    assert.equal(verifier.name, "council.local/witness");

    const published = await api(council.url, "/head", { method: "POST" });
    firstHead = await openTreeHead(published.body.note, verifier);
    assert.equal(firstHead.size, 1, "the server witnessed its own start");

    const entries = await api(council.url, "/entries?start=0&end=1");
    assert.equal(entries.status, 200);
    const [e0] = entries.body.entries;
    const bytes = fromBase64(e0.entry)!;
    assert.equal(decodeEntry(bytes).type, "council.start");
    assert.equal(e0.type, "council.start");
    assert.equal(e0.leafHash, toHex(leafHash(bytes)));

    const byIndex = await api(council.url, "/proof/inclusion?index=0");
    assert.equal(byIndex.body.treeSize, 1);
    assert.ok(
      verifyInclusion(0, 1, leafHash(bytes), byIndex.body.path.map(fromHex), firstHead.rootHash),
    );
    const byEntry = await api(council.url, "/proof/inclusion", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ entry: e0.entry }),
    });
    assert.equal(byEntry.status, 200);
    assert.equal(byEntry.body.index, 0);
    const byHash = await api(council.url, `/proof/inclusion?leafHash=${e0.leafHash}`);
    assert.equal(byHash.body.index, 0);
  } finally {
    assert.equal(await council.stop(), 0);
  }

  // A restart appends (stop, start) and the new head is consistent with the old.
  council = await startCouncilProcess({ COUNCIL_KV_PATH: kvPath });
  try {
    const head = await openTreeHead(
      (await api(council.url, "/head", { method: "POST" })).body.note,
      verifier,
    );
    assert.ok(head.size >= 3, `size ${head.size}`);
    const proof = await api(
      council.url,
      `/proof/consistency?first=${firstHead.size}&second=${head.size}`,
    );
    assert.equal(proof.status, 200);
    assert.ok(
      verifyConsistency(
        firstHead.size,
        head.size,
        proof.body.path.map(fromHex),
        firstHead.rootHash,
        head.rootHash,
      ),
    );
    const types = (await api(council.url, `/entries?start=0&end=${head.size}`)).body.entries.map((
      e: { type: string },
    ) => e.type);
    assert.deepEqual(types.slice(0, 3), ["council.start", "council.stop", "council.start"]);
    const heads = await api(council.url, "/heads");
    for (const h of heads.body.heads) {
      assert.equal((await openTreeHead(h.note, verifier)).size, h.size);
    }
  } finally {
    assert.equal(await council.stop(), 0);
  }
});

Deno.test("witness API: malformed requests get 400 with a reason and write nothing", async () => {
  const council = await startCouncilProcess({});
  try {
    const before = (await api(council.url, "/head", { method: "POST" })).body.size;
    const bad: Array<[string, RequestInit | undefined, number, RegExp]> = [
      ["/proof/inclusion?index=abc", undefined, 400, /'index' must be a non-negative integer/],
      ["/proof/inclusion?index=-1", undefined, 400, /non-negative integer/],
      ["/proof/inclusion?index=0&size=999", undefined, 400, /'size' must be from 0 to/],
      ["/proof/inclusion?index=5", undefined, 404, /no entry 5/],
      ["/proof/inclusion?index=0&size=0", undefined, 400, /not covered by tree size 0/],
      ["/proof/inclusion?index=0&bogus=1", undefined, 400, /unknown query parameter 'bogus'/],
      ["/proof/inclusion?leafHash=zz", undefined, 400, /64 hex characters/],
      [
        "/proof/inclusion?leafHash=" + "00".repeat(32),
        undefined,
        404,
        /no entry has that leaf hash/,
      ],
      ["/proof/consistency?first=5&second=1", undefined, 400, /'first' must be from 0 to 1/],
      ["/proof/consistency?first=1", undefined, 200, /./],
      ["/entries?start=10", undefined, 400, /beyond the log size/],
      ["/entries?start=0&end=0", undefined, 400, /greater than 'start'/],
      ["/entries?start=0&end=5000", undefined, 400, /at most 1000/],
      ["/entries/1e3", undefined, 400, /non-negative integer/],
      ["/heads?limit=0", undefined, 400, /'limit' must be from 1/],
      ["/proof/inclusion", { method: "POST", body: "{nope" }, 400, /not valid JSON/],
      ["/proof/inclusion", { method: "POST", body: "[1]" }, 400, /JSON object/],
      ["/proof/inclusion", { method: "POST", body: '{"entry":1}' }, 400, /base64 entry bytes/],
      [
        "/proof/inclusion",
        { method: "POST", body: '{"entry":"AAAA","x":1}' },
        400,
        /unknown field 'x'/,
      ],
      ["/proof/inclusion", { method: "POST", body: '{"entry":"!!"}' }, 400, /not valid base64/],
      [
        "/proof/inclusion",
        { method: "POST", body: JSON.stringify({ entry: "x".repeat(70_000) }) },
        413,
        /larger than/,
      ],
    ];
    // A non-canonical entry: valid JSON payload with a space in it.
    const e0 = (await api(council.url, "/entries?start=0&end=1")).body.entries[0];
    const raw = fromBase64(e0.entry)!;
    const headerLength = 10 + raw[9];
    const payload = new TextDecoder().decode(raw.subarray(headerLength)).replace('":', '": ');
    const spaced = new Uint8Array([
      ...raw.subarray(0, headerLength),
      ...new TextEncoder().encode(payload),
    ]);
    bad.push([
      "/proof/inclusion",
      {
        method: "POST",
        body: JSON.stringify({ entry: btoa(String.fromCharCode(...spaced)) }),
      },
      400,
      /not a canonical entry: payload is not in RFC 8785 canonical form/,
    ]);

    for (const [path, init, status, reason] of bad) {
      const res = await api(council.url, path, init);
      assert.equal(res.status, status, `${path} ${init?.body ?? ""}: ${JSON.stringify(res.body)}`);
      if (status >= 400) {
        assert.match(res.body.error.message, reason, `${path}: ${res.body.error.message}`);
        assert.equal(typeof res.body.error.code, "string");
      }
    }
    const after = (await api(council.url, "/head", { method: "POST" })).body.size;
    assert.equal(after, before, "no request wrote to the log");
  } finally {
    await council.stop();
  }
});

Deno.test("council witness head|show|proof|verify|export against a running server", async () => {
  const kvPath = `${tempDir()}/council.kv`;
  const council = await startCouncilProcess({ COUNCIL_KV_PATH: kvPath });
  const cli = (...args: string[]) =>
    runDeno("cli/main.ts", ["witness", ...args, "--url", council.url], {});
  try {
    const head = await cli("head", "--publish", "--json");
    assert.equal(head.code, 0, head.stderr);
    assert.equal(JSON.parse(head.stdout).size, 1);

    const show = await cli("show", "0", "--json");
    assert.equal(JSON.parse(show.stdout).type, "council.start");

    const proof = await cli("proof", "0");
    assert.equal(proof.code, 0, proof.stderr);
    assert.match(proof.stdout, /^verified: entry 0 is in council\.local\/witness at size 1/);

    const verify = await cli("verify", "--json");
    assert.equal(verify.code, 0, verify.stderr);
    assert.equal(JSON.parse(verify.stdout).ok, true);

    const exported = await cli("export");
    const lines = exported.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.match(lines[0].key, /^council\.local\/witness\+[0-9a-f]{8}\+/);
    assert.ok(lines.some((l) => l.head));
    assert.ok(lines.some((l) => l.index === 0 && typeof l.entry === "string"));

    const missing = await cli("show", "99");
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /404 no entry 99/);
    const usage = await cli("proof", "x");
    assert.equal(usage.code, 2);
  } finally {
    await council.stop();
  }

  // Offline: the KV file after the server stopped, then tampered with.
  const offline = await runDeno("cli/main.ts", ["witness", "verify", "--kv", kvPath], {});
  assert.equal(offline.code, 0, offline.stderr + offline.stdout);
  assert.match(offline.stdout, /^ok: 2\/2 entries/);
  const kv = await Deno.openKv(kvPath);
  await deleteStored(kv, 0);
  kv.close();
  const tampered = await runDeno("cli/main.ts", ["witness", "verify", "--kv", kvPath], {});
  assert.equal(tampered.code, 1);
  assert.match(tampered.stdout, /^FAILED/);
  assert.match(tampered.stdout, /first bad index: 0/);
});

Deno.test("a byte changed in a running server's store is named over HTTP, and a restart refuses to serve it", async () => {
  const kvPath = `${tempDir()}/council.kv`;
  const env = { COUNCIL_KV_PATH: kvPath };
  const council = await startCouncilProcess(env);
  const cli = (...args: string[]) =>
    runDeno("cli/main.ts", ["witness", ...args, "--url", council.url], {});
  try {
    assert.equal((await api(council.url, "/head", { method: "POST" })).status, 200);
    // Someone with write access to the KV file flips a byte in entry 0 (the start).
    const kv = await Deno.openKv(kvPath);
    const bytes = (await readStored(kv, 0)).slice();
    bytes[bytes.length - 2] ^= 0x01;
    await writeStored(kv, 0, bytes);
    kv.close();
    const verify = await cli("verify");
    assert.equal(verify.code, 1, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /^FAILED/);
    assert.match(verify.stdout, /first bad index: 0/);
  } finally {
    await council.stop();
  }
  // The stored log now contradicts its signed head: the server must not start on it.
  await assert.rejects(
    () => startCouncilProcess(env),
    /server exited with 1 before ready[^]*contradicts its signed head: first bad index 0/,
  );
});
