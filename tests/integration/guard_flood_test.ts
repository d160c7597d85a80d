// The witness-flooding attack (issue 22 item 5): admissions nobody can sign, sent as
// fast as HTTP allows from one address and then from 40, used to become one
// permanent witness entry each. Now a source that keeps failing is refused before
// any signature check, and repeated rejects are witnessed as counted aggregates:
// every reject is on record, the log grows by a bounded number of entries, and a
// guardian on another address is admitted throughout.

import assert from "node:assert/strict";
import net from "node:net";
import { addGuardian, OPERATOR, witnessed } from "../_helpers/council_api.ts";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { tempDir } from "../_helpers/temp.ts";

// Long enough that the whole flood falls in one aggregation interval even on a slow,
// busy host (it takes ~2 s here), so the entry count below does not depend on speed.
const AGGREGATION_SEC = 15;

/** POST /api/v1/admission from a chosen loopback address (fetch cannot pick one). */
function postFrom(
  localAddress: string,
  url: string,
  body: unknown,
): Promise<{ status: number; retryAfter?: string; body: Record<string, unknown> }> {
  const { hostname, port } = new URL(url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    const socket = net.connect({ host: hostname, port: Number(port), localAddress }, () => {
      // No half-close: the server closes after answering (connection: close).
      socket.write(
        `POST /api/v1/admission HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\n` +
          `content-length: ${
            new TextEncoder().encode(payload).length
          }\r\nconnection: close\r\n\r\n` +
          payload,
      );
    });
    socket.on("data", (c: Uint8Array) => chunks.push(c));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = new TextDecoder().decode(
        chunks.reduce((a, b) => new Uint8Array([...a, ...b]), new Uint8Array()),
      );
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
      const retryAfter = /\r\nretry-after: *(\d+)/i.exec(text)?.[1];
      const json = text.slice(text.indexOf("\r\n\r\n") + 4);
      try {
        resolve({ status, retryAfter, body: JSON.parse(json) });
      } catch {
        reject(new Error(`not a JSON answer: ${text.slice(0, 200)}`));
      }
    });
  });
}

/** A well-formed admission request for a guardian nobody registered. */
function forged(i: number) {
  return {
    guardianId: `if://guardian/intruder-${i}`,
    room: "council-main",
    callType: "ROUTINE",
    bandwidthKbps: 64,
    codecs: ["PCMU"],
    pii: false,
    timestamp: Date.now(),
    nonce: `nonce-flood-${String(i).padStart(8, "0")}`,
    signature: btoa(String.fromCharCode(...new Uint8Array(64).fill(i & 255))),
  };
}

interface Decided {
  decision?: string;
  reason?: string;
  count?: number;
  aggregated?: boolean;
}

Deno.test("a flood of unsigned admissions is refused early and witnessed as counted aggregates", async () => {
  const policy = `${tempDir()}/policy.json`;
  Deno.writeTextFileSync(
    policy,
    JSON.stringify({ version: "flood-test", rejectAggregationSec: AGGREGATION_SEC }),
  );
  const council = await startCouncilProcess({
    COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
    COUNCIL_GUARD_POLICY_FILE: policy,
  });
  try {
    const alice = await addGuardian(council.url, "alice");
    const before = (await witnessed(council.url)).length;

    // One address: its first failures are answered (and counted), then it is refused
    // before any signature check.
    const started = performance.now();
    const single: number[] = [];
    for (let i = 0; i < 300; i++) {
      const res = await postFrom("127.0.0.1", council.url, forged(i));
      single.push(res.status);
      if (res.status === 429) assert.ok(Number(res.retryAfter) >= 1, "429 says when to retry");
    }
    const elapsedSec = (performance.now() - started) / 1000;
    const refusedEarly = single.filter((s) => s === 429).length;
    const notRegistered = single.filter((s) => s === 403).length;
    assert.equal(refusedEarly + notRegistered, 300, `only 403 and 429: ${single}`);
    // A burst of 20 failures, then one a second refills.
    assert.ok(notRegistered >= 20, `${notRegistered} answered`);
    assert.ok(notRegistered <= 20 + Math.ceil(elapsedSec) + 1, `${notRegistered} answered`);

    // Forty addresses in forty networks, TRIES each: more than a burst of 20 plus any
    // refill (one a second) a slow host could give during them.
    const TRIES = 40;
    const spread = await Promise.all(Array.from({ length: 40 }, async (_, n) => {
      const statuses: number[] = [];
      for (let i = 0; i < TRIES; i++) {
        statuses.push(
          (await postFrom(`127.0.${n + 1}.9`, council.url, forged(1000 + n * TRIES + i)))
            .status,
        );
      }
      return statuses;
    }));
    for (const statuses of spread) {
      assert.ok(statuses.filter((s) => s === 429).length >= 1, `each source is limited`);
    }

    // A real guardian on another address is admitted during and after the flood.
    const ok = await postFrom("127.0.200.1", council.url, await alice.request("council-main"));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(typeof ok.body.witnessIndex, "number");

    // After the aggregation interval every reject is on record, in few entries.
    const rejects = 300 + 40 * TRIES;
    let decisions: Decided[] = [];
    let counted = 0;
    for (let tries = 0; tries < 4 * (AGGREGATION_SEC + 15) && counted < rejects; tries++) {
      await new Promise((r) => setTimeout(r, 250));
      decisions = (await witnessed(council.url, "guard.decision", before)) as Decided[];
      counted = decisions
        .filter((d) => d.decision === "reject")
        .reduce((sum, d) => sum + (d.count ?? 1), 0);
    }
    assert.equal(counted, rejects, "every reject counted in the witness");
    // 41 source networks x 2 reasons, each at most a first entry and an aggregate per
    // interval while the flood lasted; on the old code this was one entry a request.
    assert.ok(decisions.length < 200, `${decisions.length} witness entries for ${rejects} rejects`);
    assert.ok(decisions.some((d) => d.aggregated && (d.count ?? 0) > 100));
  } finally {
    await council.stop();
  }
});
