// The RAS channel around the gatekeeper: a slow decision gets one RequestInProgress
// (H.225.0 7.18), a retransmission is not decided twice, and the answer to it is the
// same bytes. The gatekeeper here is a stand-in whose decisions the test releases.

import assert from "node:assert/strict";
import { decodeRas, encodeRas, type RasValue } from "../../../signaling/h323/mod.ts";
import type { Endpoints } from "../../../signaling/h323/ras/endpoints.ts";
import type { Gatekeeper } from "../../../signaling/h323/ras/gatekeeper.ts";
import { RasServer } from "../../../signaling/h323/ras/server.ts";
import { createLogger } from "../../../telemetry/mod.ts";
import { RasClient, rasFrames } from "../../_helpers/ras.ts";

Deno.test("RAS: a slow ARQ gets one RIP, its retransmission waits, the answer is replayed", async () => {
  const asked: number[] = [];
  const held: Array<() => void> = [];
  const gatekeeper = {
    handle(m: RasValue): Promise<RasValue> {
      const seq = (m.admissionRequest as { requestSeqNum: number }).requestSeqNum;
      asked.push(seq);
      const answer = {
        admissionReject: { requestSeqNum: seq, rejectReason: { requestDenied: null } },
      };
      // Sequence number 2 is answered at once; the others when the test says.
      if (seq === 2) return Promise.resolve(answer);
      return new Promise((resolve) => held.push(() => resolve(answer)));
    },
  } as unknown as Gatekeeper;
  const endpoints = { close() {} } as unknown as Endpoints;
  const ras = await RasServer.start(
    {
      host: "127.0.0.1",
      port: 0,
      log: createLogger({ level: "error", sink: () => {} }),
      ripAfterMs: 200,
    },
    () => gatekeeper,
    endpoints,
  );
  const client = new RasClient(ras.port);
  try {
    const arq = decodeRas((await rasFrames("gnugk-ras-call.pcapng")).get(21)!).admissionRequest;
    const bytes = (seq: number) => encodeRas({ admissionRequest: { ...arq, requestSeqNum: seq } });

    const t0 = performance.now();
    await client.send(bytes(1));
    const rip = await client.next(5000);
    const waited = performance.now() - t0;
    assert.deepEqual(rip, { requestInProgress: { requestSeqNum: 1, delay: 10_000 } });
    assert.ok(waited >= 190, `RIP after ${waited.toFixed(0)} ms, before ripAfterMs`);

    // Sent again while undecided: not decided twice, and no second RIP.
    await client.send(bytes(1));
    // A quick one in between is answered straight away, without a RIP.
    await client.send(bytes(2));
    assert.deepEqual(await client.next(5000), {
      admissionReject: { requestSeqNum: 2, rejectReason: { requestDenied: null } },
    });
    await new Promise((r) => setTimeout(r, 400));
    held.shift()!();
    const first = await client.next(5000);
    assert.deepEqual(first, {
      admissionReject: { requestSeqNum: 1, rejectReason: { requestDenied: null } },
    });
    const answered = client.answers.at(-1)!;

    // A retransmission after the answer gets the same bytes from memory.
    await client.send(bytes(1));
    await client.next(5000);
    assert.deepEqual(client.answers.at(-1), answered);
    assert.deepEqual(asked, [1, 2]);
    assert.equal(ras.counters.retransmissions, 2);
  } finally {
    client.close();
    for (const release of held) release();
    await ras.close();
  }
});
