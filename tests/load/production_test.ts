// The production test in CI: twelve guardians (4 baresip phones, 4 H.323 terminals,
// 4 Chromium browsers) in one ESCALATE room for COUNCIL_PRODUCTION_SECONDS (60 by
// default), through three failover drills (an error thrown in the media worker, the
// media worker hung, the mediasoup worker killed). It checks what must hold: everyone
// admitted and hearing everyone else's markers and never its own, a member muted
// through the API missing from everyone's hearing (and nothing else), the phones'
// recordings agreeing with what reached them, every drill run as asked and every
// member hearing a correct mix again after it, no call dropped. It prints the figures,
// each judged against its goal; the goals decide `deno task bench council` and
// `deno task production`, not this test (a shared CI host cannot promise latency).

import assert from "node:assert/strict";
import { judge } from "../../bench/figure.ts";
import { deafPaths, pathDetail, productionFigures, runProduction } from "./production.ts";

const SECONDS = Number(Deno.env.get("COUNCIL_PRODUCTION_SECONDS") ?? 60);

Deno.test({
  name:
    "production: 12 guardians (baresip, H.323, Chromium) in one ESCALATE room, through three failover drills",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const r = await runProduction({ seconds: SECONDS });
    for (const f of productionFigures(r)) console.log(JSON.stringify(judge(f)));
    const show = (x: unknown) => JSON.stringify(x);
    console.log(
      show({ drills: r.drills, control: r.control, phones: r.phones, browsers: r.browsers }),
    );
    // Paths short of every marker (a failure names those under 90%; these say how near).
    const short = deafPaths(r, 1);
    console.log(show({ short }));
    for (const p of r.paths.filter((p) => p.heard < p.expected)) {
      console.log(show(pathDetail(r, p.from, p.to)));
    }

    assert.equal(r.admitted, 12, `admitted: ${show(r.joins)}`);
    assert.deepEqual(r.dropped, [], "dropped calls");
    const silent = r.joins.filter((j) => j.ms === null).map((j) => j.name);
    assert.deepEqual(silent, [], "guardians that never heard the room");

    // Every member heard every other member's markers, and never its own.
    assert.deepEqual(deafPaths(r), [], "paths where markers went unheard");
    assert.deepEqual(r.self.filter((s) => s.count > 0), [], "members that heard themselves");
    // The control: while one member is muted through the API, nobody hears it (and the
    // same member passed above, outside the control): the judgement sees a cut member.
    assert.equal(r.control.why, undefined, `control: ${r.control.why}`);
    const cut = r.control.paths.filter((p) => p.from === r.control.member);
    assert.equal(cut.length, 11, `control paths: ${show(cut)}`);
    assert.deepEqual(
      cut.filter((p) => p.expected === 0 || p.heard > 0),
      [],
      `while muted, ${r.control.member} was still heard (or nothing was expected)`,
    );

    // The phones decoded what reached them: their recordings hold the same markers as
    // the capture (give or take one per drill), none of their own.
    for (const p of r.phones) {
      assert.equal(p.recorded[p.name], undefined, `${p.name} recorded its own marker`);
      for (const [from, n] of Object.entries(p.captured)) {
        const got = p.recorded[from] ?? 0;
        assert.ok(
          Math.abs(got - n) <= r.drills.length,
          `${p.name} recorded ${got} of ${from}'s ${n}`,
        );
      }
    }
    // The browsers played the mix, rejoined after the mediasoup kill (a second tap).
    for (const b of r.browsers) {
      assert.equal(b.state, "joined", `${b.name}: ${show(b)}`);
      assert.equal(b.error, undefined, `${b.name}'s ear: ${b.error}`);
      assert.ok(b.taps >= 2, `${b.name} did not play a rejoined mix: ${show(b)}`);
    }

    // Every drill ran as asked and ended; how fast is the figures' business.
    for (const d of r.drills) {
      assert.notEqual(d.at, null, `${d.name} drill did not run: ${d.why}`);
      assert.deepEqual(
        d.members.filter((m) => m.s === null).map((m) => m.name),
        [],
        `${d.name}: members that never heard a correct mix again (${d.why})`,
      );
      assert.equal(d.why, undefined, `${d.name}: ${d.why}`);
    }
    assert.deepEqual(r.drills.map((d) => d.name), ["throw", "hang", "mediasoup"]);
  },
});
