// The production test in CI: twelve guardians (4 SIP through SIPp, 4 H.323, 4
// browsers) in one ESCALATE room for COUNCIL_PRODUCTION_SECONDS (60 by default),
// with the media worker and then the mediasoup worker killed midway. It checks what
// must hold (everyone admitted and hearing everyone but themselves, no call dropped,
// media back after each kill) and prints the figures, each judged against its goal;
// the goals themselves decide `deno task bench council` and `deno task production`,
// not this test (a shared CI host cannot promise latency goals).

import assert from "node:assert/strict";
import { judge } from "../../bench/figure.ts";
import { productionFigures, runProduction } from "./production.ts";

const SECONDS = Number(Deno.env.get("COUNCIL_PRODUCTION_SECONDS") ?? 60);

Deno.test({
  name:
    "production: 12 guardians over SIP, H.323 and WebRTC in one ESCALATE room, through two worker kills",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const r = await runProduction({ seconds: SECONDS });
    for (const f of productionFigures(r)) console.log(JSON.stringify(judge(f)));
    const show = (x: unknown) => JSON.stringify(x);

    assert.equal(r.admitted, 12, `admitted: ${show(r.joins)}`);
    assert.deepEqual(r.dropped, [], "dropped calls");
    assert.equal(r.sipp.code, 0, `SIPp: ${show(r.sipp)}`);
    assert.equal(r.sipp.successful, 4, `SIPp: ${show(r.sipp)}`);
    // Every guardian got the room's mixed audio.
    const silent = r.joins.filter((j) => j.ms === null);
    assert.deepEqual(silent, [], "guardians that never heard the room");
    // Every RTP guardian heard every other one's markers, and never its own.
    const deaf = r.paths.filter((p) => p.sent === 0 || p.heard < p.sent * 0.9);
    assert.deepEqual(deaf, [], "paths where markers went unheard");
    assert.equal(r.selfHeard, 0, "a guardian heard its own marker");
    // The phones heard the browsers talk; the browsers received the room all along.
    for (const h of r.heardBrowsers) assert.ok(h.share > 0.05, `${h.name} heard ${show(h)}`);
    for (const b of r.browsers) {
      assert.equal(b.state, "joined", `${b.name}: ${show(b)}`);
      assert.ok(b.packets > 0, `${b.name} received nothing after its rejoin`);
    }
    assert.ok(r.loss.received >= r.loss.expected * 0.99, `loss ${show(r.loss)}`);
    // Media came back after each kill (how fast is the benchmark's figure).
    assert.notEqual(r.failover.mediaS, null, "media did not resume after the media worker kill");
    assert.notEqual(r.failover.webrtcS, null, "browsers did not heal after the mediasoup kill");
  },
});
