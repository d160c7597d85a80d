// IF.guard through a real server process: operators register guardians with the
// CLI, guardians are admitted over HTTP with signed requests, and every reject
// reason arrives as the documented status.
import assert from "node:assert/strict";
import { type AdmissionRequest, signAdmissionRequest } from "../../guard/mod.ts";
import { fromBase64 } from "../../witness/mod.ts";
import { runDeno, startCouncilProcess } from "../_helpers/council_process.ts";
import { tempDir } from "../_helpers/temp.ts";

const TOKEN = "integration-operator-token-42";

async function post(url: string, path: string, body: unknown, token?: string) {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: await res.json().catch(() => undefined),
  };
}

Deno.test("guardians registered with the CLI are admitted over HTTP; rejects map to statuses", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: TOKEN });
  const cli = (...args: string[]) =>
    runDeno("cli/main.ts", ["guardian", ...args, "--url", council.url, "--token", TOKEN], {});
  try {
    const keygen = await cli("keygen");
    assert.equal(keygen.code, 0, keygen.stderr);
    const { publicKey, secretKey } = JSON.parse(keygen.stdout);
    const secret = fromBase64(secretKey)!;
    const add = await cli(
      "add",
      "if://guardian/technical",
      "--name",
      "Technical",
      "--role",
      "engineer",
      "--key",
      publicKey,
      "--bandwidth",
      "256",
      "--json",
    );
    assert.equal(add.code, 0, add.stderr);
    assert.equal(JSON.parse(add.stdout).status, "active");
    const dup = await cli(
      "add",
      "if://guardian/technical",
      "--name",
      "T",
      "--role",
      "engineer",
      "--key",
      publicKey,
    );
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /409 guardian if:\/\/guardian\/technical already exists/);

    const sign = (over: Partial<AdmissionRequest> = {}) =>
      signAdmissionRequest({
        guardianId: "if://guardian/technical",
        room: "council-main",
        callType: "ROUTINE",
        bandwidthKbps: 64,
        codecs: ["opus"],
        pii: false,
        ...over,
      }, secret);

    const ok = await post(council.url, "/api/v1/admission", await sign());
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(typeof ok.body.sessionId, "string");
    assert.equal(ok.body.bandwidthKbps, 64);
    assert.equal(ok.body.codec, "opus");
    assert.equal(ok.body.media.host, "127.0.0.1");
    assert.equal(typeof ok.body.witnessIndex, "number");

    const replayed = await sign();
    assert.equal(
      (await post(council.url, "/api/v1/admission", replayed)).status,
      200,
      "first use admitted",
    );
    const cases: Array<[string, unknown, number, string]> = [
      ["bad signature", { ...(await sign()), room: "elsewhere" }, 401, "INVALID_SIGNATURE"],
      [
        "unknown guardian",
        { ...(await sign()), guardianId: "if://guardian/nobody" },
        403,
        "NOT_REGISTERED",
      ],
      ["replay", replayed, 409, "REPLAYED"],
      ["stale", await sign({ timestamp: Date.now() - 120_000 }), 409, "REPLAYED"],
      [
        "pii in escalate",
        await sign({ callType: "ESCALATE", pii: true }),
        422,
        "PII_POLICY_VIOLATION",
      ],
      ["over quota", await sign({ bandwidthKbps: 1000 }), 422, "BANDWIDTH_EXCEEDED"],
    ];
    for (const [what, body, status, code] of cases) {
      const res = await post(council.url, "/api/v1/admission", body);
      assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, code, what);
      if (what === "stale") {
        // The second REPLAYED from this address within the aggregation interval: it
        // is counted into one aggregate entry, not witnessed on its own.
        assert.equal(res.body.witnessIndex, undefined, `${what} was aggregated`);
      } else {
        assert.equal(typeof res.body.witnessIndex, "number", `${what} was witnessed`);
      }
    }

    // Sessions: operator only; a DELETE revokes.
    const noAuth = await fetch(`${council.url}/api/v1/admission/sessions`);
    assert.equal(noAuth.status, 401);
    await noAuth.body?.cancel();
    const sessions = await (await fetch(`${council.url}/api/v1/admission/sessions`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })).json();
    const ids = sessions.sessions.map((s: { id: string }) => s.id);
    assert.equal(ids.length, 2);
    assert.ok(ids.includes(ok.body.sessionId));
    const del = await fetch(`${council.url}/api/v1/admission/sessions/${ok.body.sessionId}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(del.status, 204);
    const again = await fetch(`${council.url}/api/v1/admission/sessions/${ok.body.sessionId}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(again.status, 404);
    await again.body?.cancel();

    // The CLI signs and submits a request from a key file.
    const keyFile = `${tempDir()}/technical.key`;
    Deno.writeTextFileSync(keyFile, JSON.stringify({ publicKey, secretKey }));
    const viaCli = await cli(
      "admit",
      "if://guardian/technical",
      "--key-file",
      keyFile,
      "--room",
      "cli-room",
      "--codecs",
      "G729,PCMA",
      "--json",
    );
    assert.equal(viaCli.code, 0, viaCli.stderr);
    assert.equal(JSON.parse(viaCli.stdout).codec, "G729");
    const refusedCli = await cli(
      "admit",
      "if://guardian/technical",
      "--key-file",
      keyFile,
      "--room",
      "cli-room",
      "--call-type",
      "ESCALATE",
      "--pii",
    );
    assert.equal(refusedCli.code, 1);
    assert.match(refusedCli.stderr, /422 PII_POLICY_VIOLATION: requests carrying PII/);

    // Suspension through the CLI blocks the next admission.
    assert.equal((await cli("suspend", "if://guardian/technical")).code, 0);
    const suspended = await post(council.url, "/api/v1/admission", await sign());
    assert.equal(suspended.status, 403);
    const list = await cli("list", "--json");
    assert.equal(JSON.parse(list.stdout)[0].status, "suspended");
    const noToken = await runDeno("cli/main.ts", [
      "guardian",
      "list",
      "--url",
      council.url,
      "--token",
      "wrong-token-wrong-token",
    ], {});
    assert.equal(noToken.code, 1);
    assert.match(noToken.stderr, /401/);
  } finally {
    assert.equal(await council.stop(), 0);
  }
});

Deno.test("malformed admission requests get 400 naming the field; the registry is untouched", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: TOKEN });
  try {
    const valid = {
      guardianId: "if://guardian/x",
      room: "r",
      callType: "ROUTINE",
      bandwidthKbps: 64,
      codecs: ["opus"],
      pii: false,
      timestamp: Date.now(),
      nonce: "abcdefghijklmnop",
      signature: btoa(String.fromCharCode(...new Uint8Array(64))),
    };
    const bad: Array<[unknown, number, RegExp]> = [
      ["{nope", 400, /not valid JSON/],
      [[], 400, /JSON object/],
      [{ ...valid, extra: 1 }, 400, /^extra: unknown field/],
      [{ ...valid, room: undefined }, 400, /^room: required/],
      [{ ...valid, guardianId: "alice" }, 400, /^guardianId: expected if:\/\/guardian/],
      [{ ...valid, callType: "URGENT" }, 400, /^callType: expected one of/],
      [{ ...valid, bandwidthKbps: "64" }, 400, /^bandwidthKbps:/],
      [{ ...valid, codecs: ["opus", "opus"] }, 400, /^codecs:/],
      [{ ...valid, codecs: ["speex"] }, 400, /^codecs:/],
      [{ ...valid, pii: "no" }, 400, /^pii:/],
      [{ ...valid, timestamp: -5 }, 400, /^timestamp:/],
      [{ ...valid, nonce: "short" }, 400, /^nonce:/],
      [{ ...valid, signature: "AAAA" }, 400, /^signature:/],
      [{ ...valid, room: "x".repeat(20_000) }, 413, /larger than/],
    ];
    for (const [body, status, reason] of bad) {
      const res = await post(council.url, "/api/v1/admission", body);
      assert.equal(res.status, status, JSON.stringify(body).slice(0, 80));
      assert.match(res.body.error.message, reason);
    }
    const guardianBad: Array<[unknown, RegExp]> = [
      [
        { id: "nope", displayName: "n", role: "r", publicKey: valid.signature, bandwidthKbps: 1 },
        /^id:/,
      ],
      [
        { id: "if://guardian/a", displayName: "", role: "r", publicKey: "AAAA", bandwidthKbps: 1 },
        /^displayName:/,
      ],
      [
        { id: "if://guardian/a", displayName: "A", role: "r", publicKey: "AAAA", bandwidthKbps: 1 },
        /^publicKey:/,
      ],
      [{
        id: "if://guardian/a",
        displayName: "A",
        role: "r",
        publicKey: btoa("x".repeat(32)),
        bandwidthKbps: 0,
      }, /^bandwidthKbps:/],
      [{ id: "if://guardian/a", sneaky: true }, /unknown field 'sneaky'/],
    ];
    for (const [body, reason] of guardianBad) {
      const res = await post(council.url, "/api/v1/guardians", body, TOKEN);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(res.body.error.message, reason);
    }
    const unauthorized = await post(council.url, "/api/v1/guardians", {}, "not-the-token-000000");
    assert.equal(unauthorized.status, 401);
    const list = await (await fetch(`${council.url}/api/v1/guardians`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })).json();
    assert.deepEqual(list.guardians, []);
  } finally {
    await council.stop();
  }
});

Deno.test("without a configured token the server generates one beside the KV file", async () => {
  const dir = tempDir();
  const council = await startCouncilProcess({ COUNCIL_KV_PATH: `${dir}/council.kv` });
  try {
    const file = `${dir}/operator.token`;
    assert.equal(Deno.statSync(file).mode! & 0o777, 0o600);
    const token = Deno.readTextFileSync(file).trim();
    assert.ok(token.length >= 32);
    const res = await fetch(`${council.url}/api/v1/guardians`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200);
    await res.body?.cancel();
    // The CLI finds it through the config's KV path.
    const cli = await runDeno("cli/main.ts", ["guardian", "list", "--url", council.url, "--json"], {
      COUNCIL_KV_PATH: `${dir}/council.kv`,
    });
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(JSON.parse(cli.stdout), []);
  } finally {
    await council.stop();
  }
});

Deno.test("SIGHUP reloads the policy file; a bad file keeps the policy in force", async () => {
  const dir = tempDir();
  const policy = `${dir}/policy.json`;
  Deno.writeTextFileSync(policy, JSON.stringify({ version: "v1" }));
  const council = await startCouncilProcess({
    COUNCIL_API_OPERATOR_TOKEN: TOKEN,
    COUNCIL_GUARD_POLICY_FILE: policy,
  });
  try {
    const keys = JSON.parse((await runDeno("cli/main.ts", ["guardian", "keygen"], {})).stdout);
    const secret = fromBase64(keys.secretKey)!;
    const added = await post(council.url, "/api/v1/guardians", {
      id: "if://guardian/ops",
      displayName: "Ops",
      role: "ops",
      publicKey: keys.publicKey,
      bandwidthKbps: 10_000,
    }, TOKEN);
    assert.equal(added.status, 201);
    const version = async () => {
      const req = await signAdmissionRequest({
        guardianId: "if://guardian/ops",
        room: `r-${crypto.randomUUID().slice(0, 8)}`,
        callType: "ROUTINE",
        bandwidthKbps: 1,
        codecs: ["opus"],
        pii: false,
      }, secret);
      return (await post(council.url, "/api/v1/admission", req)).body.policyVersion;
    };
    assert.equal(await version(), "v1");
    // Write without waiting for the file watcher: SIGHUP must be enough on its own.
    Deno.writeTextFileSync(policy, JSON.stringify({ version: "v2" }));
    council.child.kill("SIGHUP");
    let seen = "";
    for (let i = 0; i < 50 && seen !== "v2"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await version();
    }
    assert.equal(seen, "v2");
    Deno.writeTextFileSync(policy, "{ broken");
    council.child.kill("SIGHUP");
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await version(), "v2");
    assert.ok(council.lines.some((l) => l.includes("policy refused")), council.lines.join("\n"));
  } finally {
    assert.equal(await council.stop(), 0);
  }
});
