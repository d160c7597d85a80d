import assert from "node:assert/strict";
import * as ed from "@noble/ed25519";
import {
  CHECK_IDS,
  decide,
  DEFAULT_APPROVAL_POLICY,
  issueCertificate,
  parseApprovalPolicy,
  type RunRecord,
  verifyCertificate,
} from "../../../talent/mod.ts";
import { toBase64 } from "../../../witness/mod.ts";
import type { WitnessLog } from "../../../witness/mod.ts";

function run(failed: string[] = [], expertise = ["acoustics"]): RunRecord {
  const results = CHECK_IDS.map((id) => ({ id, passed: !failed.includes(id), detail: "x" }));
  return {
    name: "namecaller",
    version: "1.0.0",
    digest: `sha256:${"a".repeat(64)}`,
    expertise,
    results,
    passed: results.filter((r) => r.passed).length,
    resources: { peakRssMb: 80, cpuSeconds: 3 },
  };
}

Deno.test("the default policy: all 25 and ordinary tags deploy; sensitive tags wait; hard failures reject", () => {
  const p = DEFAULT_APPROVAL_POLICY;
  assert.equal(decide(run(), p).decision, "approve");
  assert.deepEqual(decide(run([], ["safety", "acoustics"]), p), {
    decision: "review",
    reason: "tag(s) safety always need a human",
  });
  assert.equal(decide(run(["server.restart"]), p).decision, "review");
  assert.deepEqual(decide(run(["contained.permissions", "server.restart"]), p), {
    decision: "reject",
    reason: "failed contained.permissions",
  });
});

Deno.test("a policy file narrows or widens what deploys alone, and bad files are refused", () => {
  const p = parseApprovalPolicy(JSON.stringify({
    version: "ops-2",
    autoApprove: {
      requirePassed: ["admit.valid_signature", "hears.answers"],
      tags: ["acoustics"],
      reviewTags: [],
    },
  }));
  assert.equal(decide(run(["server.restart"]), p).decision, "approve");
  assert.equal(decide(run([], ["safety"]), p).decision, "review");
  assert.equal(decide(run(["pii.evidence"]), p).decision, "reject");
  assert.throws(() => parseApprovalPolicy("{"), /not JSON/);
  assert.throws(
    () => parseApprovalPolicy('{"autoApprove":{"requirePassed":["no.such"]}}'),
    /unknown check "no.such"/,
  );
  assert.throws(
    () => parseApprovalPolicy('{"autoReject":{"anyFailed":"all"}}'),
    /autoReject\.anyFailed/,
  );
  assert.throws(() => parseApprovalPolicy('{"other":1}'), /other: unknown field/);
});

Deno.test("a certificate is signed with the node key, witnessed, and any change breaks it", async () => {
  const secretKey = ed.utils.randomSecretKey();
  const key = { secretKey, publicKeyB64: toBase64(await ed.getPublicKeyAsync(secretKey)) };
  const appended: [string, unknown][] = [];
  const witness = {
    append: (type: string, payload: unknown) => {
      appended.push([type, payload]);
      return Promise.resolve({ index: appended.length - 1 });
    },
  } as unknown as WitnessLog;
  const cert = await issueCertificate(run(["server.restart"]), key, witness, new Date(0));
  assert.equal(cert.passed, 24);
  assert.equal(cert.total, 25);
  assert.equal(cert.issuedAt, "1970-01-01T00:00:00.000Z");
  assert.equal(cert.witnessIndex, 0);
  assert.equal(appended[0][0], "talent.certificate");
  assert.deepEqual((appended[0][1] as { failed: string[] }).failed, ["server.restart"]);
  assert.equal(await verifyCertificate(cert), true);
  assert.equal(await verifyCertificate({ ...cert, passed: 25 }), false);
  assert.equal(await verifyCertificate({ ...cert, digest: `sha256:${"b".repeat(64)}` }), false);
  assert.equal(await verifyCertificate({ ...cert, signature: "AAAA" }), false);
});
