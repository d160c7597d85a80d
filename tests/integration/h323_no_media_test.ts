// A terminal that connects and never opens a logical channel (issue 23, bad input:
// "a terminal that opens channels slowly or never"): after h323.mediaTimeoutSec
// Council releases the call (Release Complete, cause 102 recovery on timer
// expiry), ends its admission (the port and bandwidth go back) and witnesses why.
// The terminal is H323Plus's captured Setup without Fast Start.

import assert from "node:assert/strict";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR, witnessed } from "../_helpers/council_api.ts";
import { tpktMessages } from "../_helpers/h323_capture.ts";
import { setupFor } from "../_helpers/h323_setup.ts";
import { TpktClient } from "../_helpers/h323_client.ts";
import { until } from "../_helpers/wait.ts";
import { causeOf } from "../../signaling/h323/q931/message.ts";

Deno.test({
  name: "H.323: a call that never agrees media is released after h323.mediaTimeoutSec",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const council = await startCouncilProcess({
    COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
    COUNCIL_H323_MEDIA_TIMEOUT_SEC: "2",
  });
  let client: TpktClient | undefined;
  try {
    const bob = await addGuardian(council.url, "bob");
    const tunnelled = await tpktMessages("h323plus-calls-ooh323c.pcapng");
    client = await TpktClient.connect(council.callSignalPort);
    await client.send(await setupFor(tunnelled.find((m) => m.frame === 4)!.payload, bob));
    const connect = await client.cs("connect");
    assert.equal((connect.cs!.body as Record<string, unknown>).fastStart, undefined);
    const connectedAt = performance.now();
    // Nothing more from the terminal: no capabilities, no channel.
    const rc = await client.cs("releaseComplete", 0);
    const waited = performance.now() - connectedAt;
    assert.equal(causeOf(rc.cs!.q931), 102);
    assert.ok(waited >= 1500, `released after ${waited.toFixed(0)} ms, before the timeout`);
    const ended = await until(
      "the end witnessed",
      async () => (await witnessed(council.url, "h323.call.ended"))[0],
      5000,
    );
    assert.equal(ended.reason, "no media agreed");
    const sessionEnds = await until(
      "the admission ended",
      async () => (await witnessed(council.url, "guard.session_end"))[0],
      5000,
    );
    assert.equal(sessionEnds.reason, "released");
    const calls = (await api(council.url, "GET", "/api/v1/h323/calls")).body as {
      calls: unknown[];
    };
    assert.equal(calls.calls.length, 0);
  } finally {
    client?.close();
    assert.equal(await council.stop(), 0);
  }
});
