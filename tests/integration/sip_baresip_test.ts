// Two real SIP phones (baresip) register with digest and dial the same room; each
// sends speech from a file at a different time and records what it hears. Each must
// hear the other's speech (correlation) through Council's mix.

import assert from "node:assert/strict";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, OPERATOR } from "../_helpers/council_api.ts";
import { runBaresip } from "../_helpers/baresip.ts";
import { bestCorrelation, speech } from "../_helpers/audio.ts";

function withSilence(before: number, pcm: Int16Array, after: number): Int16Array {
  const out = new Int16Array(before + pcm.length + after);
  out.set(pcm, before);
  return out;
}

Deno.test("two baresip phones in one room hear each other (speech correlation)", async () => {
  // baresip 1.0's libre gives up when any challenge is SHA-256, so MD5 only here.
  const council = await startCouncilProcess({
    COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
    COUNCIL_SIP_DIGEST_ALGORITHMS: "MD5",
  });
  try {
    await addGuardian(council.url, "alice", { sipPassword: "alice-password-1" });
    await addGuardian(council.url, "bob", { sipPassword: "bobs-password-1" });
    const s1 = await speech(1, 8000);
    const s2 = await speech(2, 8000);
    const sec = 8000;
    // Alice talks in seconds 0.5-3.5 of her call, Bob in 5-8 of his (he joins 0.5 s later).
    const [alice, bob] = await Promise.all([
      runBaresip({
        sipPort: council.sipPort,
        user: "alice",
        password: "alice-password-1",
        room: "main",
        say: withSilence(sec / 2, s1, 8 * sec),
        seconds: 11,
      }),
      runBaresip({
        sipPort: council.sipPort,
        user: "bob",
        password: "bobs-password-1",
        room: "main",
        say: withSilence(4.5 * sec, s2, 2 * sec),
        seconds: 10,
        delayMs: 500,
      }),
    ]);
    assert.match(alice.log, /Call established/, alice.log.slice(-2000));
    assert.match(bob.log, /Call established/, bob.log.slice(-2000));
    const aliceHears = bestCorrelation(s2, alice.heard, alice.heard.length - s2.length);
    const bobHears = bestCorrelation(s1, bob.heard, Math.max(0, bob.heard.length - s1.length));
    assert.ok(aliceHears.value > 0.8, `alice hears bob: ${JSON.stringify(aliceHears)}`);
    assert.ok(bobHears.value > 0.8, `bob hears alice: ${JSON.stringify(bobHears)}`);
    // And nobody hears themselves (N-1): alice's speech is not in what alice heard.
    const echo = bestCorrelation(s1, alice.heard, alice.heard.length - s1.length);
    assert.ok(echo.value < 0.3, `alice hears herself: ${JSON.stringify(echo)}`);
  } finally {
    await council.stop();
  }
});
