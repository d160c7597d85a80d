// CANCEL of a dial-in that is still pending, made certain: the SIP stack runs in this
// process with a signature check held until SIPp's CANCEL has arrived, so the answer
// can only be 200 for the CANCEL and 487 for the INVITE (RFC 3261 9.2). The spawned
// server's test (sip_calls_test.ts) cannot hold admission and accepts either outcome.

import assert from "node:assert/strict";
import { admissionToken, type Verifier, webCryptoVerifier } from "../../guard/mod.ts";
import { MediaEngine } from "../../media/engine/mod.ts";
import { Rooms } from "../../rooms/mod.ts";
import { SipServer } from "../../signaling/sip/mod.ts";
import { createLogger } from "../../telemetry/mod.ts";
import { testApp } from "../_helpers/app.ts";
import { runSipp } from "../_helpers/sipp.ts";
import { until } from "../_helpers/wait.ts";
import { guardianWithKey } from "../unit/guard/_fixture.ts";

Deno.test({
  name: "a CANCEL while admission is pending: 200, 487, ACK; nothing left behind",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const real = webCryptoVerifier();
    let release!: () => void;
    const released = new Promise<void>((r) => release = r);
    const held: Verifier = {
      verify: async (...args) => {
        await released;
        return real.verify(...args);
      },
    };
    const t = await testApp({ verifier: held });
    const log = createLogger({ level: "error", sink: () => {} });
    const media = await MediaEngine.start({ workers: 1, log });
    const rooms = new Rooms(media, t.policies, log);
    const sip = await SipServer.start({
      host: "127.0.0.1",
      port: 0,
      udp: true,
      tcp: false,
      realm: "council.test",
      media: "mix",
      guard: t.guard,
      rooms,
      policies: t.policies,
      registry: t.registry,
      store: t.store,
      witness: t.witness,
      log,
      metrics: t.metrics.registry,
    });
    try {
      const g = await guardianWithKey(t, "canceller");
      const token = admissionToken(await g.sign({ room: "main", codecs: ["PCMA"] }));
      const cancels = async () => {
        const m = await t.metrics.registry.getSingleMetric("council_sip_messages_total")!.get();
        return m.values.find((v) => v.labels.method === "CANCEL")?.value ?? 0;
      };
      // The CANCEL is handled in the turn that counts it: then admission may go on.
      until("SIPp's CANCEL", cancels, 20_000).then(release, release);

      const run = await runSipp({
        scenario: "cancel.xml",
        target: `127.0.0.1:${sip.port}`,
        inject: ["SEQUENTIAL", `main;${token}`],
      });
      assert.equal(run.code, 0, run.stdout.slice(-1500) + run.messages.slice(-4000));
      const received = [
        ...run.messages.matchAll(/^SIP\/2\.0 (\d{3}).*\r?\n[^]*?^CSeq: \d+ (\w+)/gm),
      ]
        .map((m) => `${m[1]} ${m[2]}`);
      assert.deepEqual(received, ["100 INVITE", "200 CANCEL", "487 INVITE"]);
      assert.doesNotMatch(run.messages, /^BYE /m);
      // The 487 and the CANCEL's 200 carry one To tag (RFC 3261 9.2).
      const tags = [...run.messages.matchAll(/^To: .*;tag=(\S+)/gm)].map((m) => m[1]);
      assert.equal(tags.length >= 2 && new Set(tags).size, 1, tags.join(" "));

      // Admission went on after the CANCEL; the seat it took is given back.
      await until("the cancelled call's session ends", () => t.guard.sessions.length === 0);
      assert.deepEqual(sip.calls.list(), []);
      const types: string[] = [];
      for await (const e of t.witness.newestFirst(0)) types.push(e.type);
      assert.ok(types.includes("guard.decision"), types.join(" "));
      assert.ok(types.includes("guard.session_end"), types.join(" "));
      assert.ok(!types.includes("sip.call.started"), types.join(" "));
    } finally {
      release();
      await sip.close();
      await rooms.close();
      await media.close();
      await t.stop();
    }
  },
});
