// Council behind GNU Gatekeeper 5.15 (issue 23), from the capture of a live run
// (tests/fixtures/h323/gnugk-upstream-council-mcu.pcapng; GnuGk in routed mode
// with SimplePasswordAuth required for RRQ and ARQ, Council's password
// "council-upstream-1" added with GnuGk's addpasswd; two H323Plus simph323
// terminals registered there dialled council-main, Council admitted them as the
// guardians their h323-IDs name, one heard the other's tone through the mix; then
// Council stopped). What the capture proves, and this test checks:
// - GnuGk confirmed every request Council sent it: GCF, RCF (twice: the second
//   for the new room's alias), ACF for each answerCall ARQ, DCF, UCF;
// - each of Council's requests carries an H.235.1 token that verifies with the
//   password, sendersID its alias before registration and its endpoint
//   identifier after (GnuGk refused the RRQ without sendersID: "hash does not
//   match");
// - GnuGk's own answers are signed, and Council's client accepts those exact
//   bytes, replayed to it, as a registration (it checks their tokens).

import assert from "node:assert/strict";
import { decodeRas, h235Key } from "../../../signaling/h323/mod.ts";
import { hashMatches, readHashedToken } from "../../../signaling/h323/security/h235_1.ts";
import { UpstreamGatekeeper } from "../../../signaling/h323/ras/upstream.ts";
import { createLogger } from "../../../telemetry/mod.ts";
import type { WitnessLog } from "../../../witness/mod.ts";
import { rasFrames } from "../../_helpers/ras.ts";
import { tpktMessages } from "../../_helpers/h323_capture.ts";
import { readCs } from "../../../signaling/h323/h225/signalling.ts";

type Msg = Record<string, unknown>;
const KEY = h235Key("council-upstream-1");
const CAPTURE = "gnugk-upstream-council-mcu.pcapng";
/** Council's frames (its upstream RAS socket) and GnuGk's answer to each. */
const EXCHANGES: [number, string, number, string][] = [
  [1, "gatekeeperRequest", 2, "gatekeeperConfirm"],
  [3, "registrationRequest", 4, "registrationConfirm"],
  [5, "registrationRequest", 6, "registrationConfirm"],
  [23, "admissionRequest", 24, "admissionConfirm"],
  [74, "admissionRequest", 75, "admissionConfirm"],
  [114, "disengageRequest", 115, "disengageConfirm"],
  [124, "disengageRequest", 125, "disengageConfirm"],
  [126, "unregistrationRequest", 127, "unregistrationConfirm"],
];

function body(bytes: Uint8Array): { kind: string; body: Msg } {
  const m = decodeRas(bytes);
  const [kind] = Object.keys(m);
  return { kind, body: m[kind] as Msg };
}

Deno.test("GnuGk confirmed every request Council sent it, each proven by H.235.1", async () => {
  const frames = await rasFrames(CAPTURE, 11719);
  let endpointId: string | undefined;
  for (const [req, reqKind, ans, ansKind] of EXCHANGES) {
    const r = body(frames.get(req)!);
    const a = body(frames.get(ans)!);
    assert.equal(r.kind, reqKind, `frame ${req}`);
    assert.equal(a.kind, ansKind, `frame ${ans} answers ${req}`);
    assert.equal(a.body.requestSeqNum, r.body.requestSeqNum);
    const t = readHashedToken(r.body);
    assert.ok(t.ok, `frame ${req} carries H.235.1`);
    assert.ok(hashMatches(frames.get(req)!, t.token.hash, KEY), `frame ${req}'s hash`);
    assert.equal(t.token.sendersID, endpointId ?? "council", `frame ${req}'s sendersID`);
    // generalID names the gatekeeper once its GCF did.
    assert.equal(t.token.generalID, req === 1 ? undefined : "TestGK");
    // GnuGk signs what it answers an H.235.1 endpoint (GCF excepted).
    if (ansKind !== "gatekeeperConfirm") {
      const at = readHashedToken(a.body);
      assert.ok(at.ok && hashMatches(frames.get(ans)!, at.token.hash, KEY), `frame ${ans}`);
    }
    if (ansKind === "registrationConfirm") endpointId = a.body.endpointIdentifier as string;
  }
  // Council registered as an MCU under its name, then with the room's alias too.
  const rrq = body(frames.get(5)!).body;
  assert.deepEqual((rrq.terminalType as Msg).mcu, {});
  assert.deepEqual(rrq.terminalAlias, [{ "h323-ID": "council" }, { "h323-ID": "council-main" }]);
  // The answerCall ARQs name the callers GnuGk routed (H323Plus's aliases).
  const callers = [23, 74].map((f) => body(frames.get(f)!).body);
  assert.deepEqual(callers.map((a) => a.answerCall), [true, true]);
  assert.deepEqual(callers.map((a) => a.srcInfo), [[{ "h323-ID": "alice" }], [{
    "h323-ID": "bob",
  }]]);
});

Deno.test("Council's upstream client takes GnuGk's signed answers, replayed byte for byte", async () => {
  const frames = await rasFrames(CAPTURE, 11719);
  const gk = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const answers = new Map<number, Uint8Array>(
    EXCHANGES.map((
      [, , ans],
    ) => [body(frames.get(ans)!).body.requestSeqNum as number, frames.get(ans)!]),
  );
  // The gatekeeper: each request gets GnuGk's captured answer to the same sequence number.
  const served: string[] = [];
  const serving = (async () => {
    try {
      while (true) {
        const [data, addr] = await gk.receive();
        const r = body(data);
        served.push(r.kind);
        const answer = answers.get(r.body.requestSeqNum as number);
        if (answer) await gk.send(answer, addr);
      }
    } catch { /* closed */ }
  })();
  const entries: string[] = [];
  const up = await UpstreamGatekeeper.start({
    gatekeeper: { host: "127.0.0.1", port: (gk.addr as Deno.NetAddr).port },
    bind: { host: "127.0.0.1", port: 0 },
    callSignal: { host: "127.0.0.1", port: 21720 },
    aliases: () => ["h323-ID:council-main"],
    name: "council",
    key: KEY,
    timeToLive: 300,
    witness: {
      append: (type: string) => {
        entries.push(type);
        return Promise.resolve({ index: entries.length - 1 });
      },
    } as unknown as WitnessLog,
    log: createLogger({ level: "error", sink: () => {} }),
    retryMs: 500,
    firstSequenceNumber: 21943,
  });
  try {
    for (let i = 0; i < 100 && !up.registered; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(up.status(), {
      state: "registered",
      gatekeeper: `127.0.0.1:${(gk.addr as Deno.NetAddr).port}`,
      gatekeeperId: "TestGK",
      aliases: ["h323-ID:council", "h323-ID:council-main"],
      timeToLive: 60,
      registeredAt: up.status().registeredAt,
    });
    await up.refresh(); // 21945: the capture's second RRQ
    const call = (n: number) => {
      const arq = body(frames.get(n)!).body;
      return {
        callId: (arq.callIdentifier as { guid: Uint8Array }).guid,
        conferenceId: arq.conferenceID as Uint8Array,
        callReference: arq.callReferenceValue as number,
      };
    };
    const admitted = [
      await up.admitAnswer({ ...call(23), srcInfo: [], destinationInfo: [], bandWidth: 1280 }),
      await up.admitAnswer({ ...call(74), srcInfo: [], destinationInfo: [], bandWidth: 1280 }),
    ];
    assert.deepEqual(admitted.map((a) => a.ok), [true, true]);
    await up.disengage(call(23), true);
    await up.disengage(call(74), true);
    assert.equal(up.counters.refusedAnswers, 0, "every GnuGk answer verified");
    assert.equal(up.counters.timeouts, 0);
  } finally {
    await up.close();
    gk.close();
    await serving;
  }
  assert.deepEqual(served, [
    "gatekeeperRequest",
    "registrationRequest",
    "registrationRequest",
    "admissionRequest",
    "admissionRequest",
    "disengageRequest",
    "disengageRequest",
    "unregistrationRequest",
  ]);
  assert.deepEqual(entries, ["h323.upstream.registered", "h323.upstream.unregistered"]);
});

Deno.test("GnuGk admitted Council's call to a terminal of its zone and routed it", async () => {
  // Captured live (gnugk-upstream-council-calls-out.pcapng): H323Plus's alice is
  // registered at GnuGk, not at Council; the operator calls her into council-main.
  const capture = "gnugk-upstream-council-calls-out.pcapng";
  const frames = [...(await rasFrames(capture, 11719)).values()].map(body);
  const arq = frames.find((m) =>
    m.kind === "admissionRequest" && m.body.answerCall === false &&
    JSON.stringify(m.body.destinationInfo) === JSON.stringify([{ "h323-ID": "alice" }])
  )!;
  assert.ok(arq, "Council asked GnuGk where alice is");
  const acf = frames.find((m) =>
    m.kind === "admissionConfirm" && m.body.requestSeqNum === arq.body.requestSeqNum
  )!;
  assert.ok(acf, "GnuGk admitted the call");
  const to = (acf.body.destCallSignalAddress as { ipAddress: { port: number } }).ipAddress.port;
  assert.equal(to, 11720, "routed through GnuGk's call signalling port");
  const setups = (await tpktMessages(capture))
    .filter((m) => m.dstPort === 11720)
    .map((m) => readCs(m.payload))
    .filter((m) => m.kind === "setup");
  const council = setups.find((m) =>
    JSON.stringify((m.body as Msg).destinationAddress) === JSON.stringify([{ "h323-ID": "alice" }])
  )!;
  assert.deepEqual((council.body as Msg).callIdentifier, arq.body.callIdentifier);
  assert.deepEqual((council.body as Msg).conferenceGoal, { create: null });
  // One DRQ for it, confirmed.
  const drqs = frames.filter((m) =>
    m.kind === "disengageRequest" &&
    JSON.stringify(m.body.callIdentifier) === JSON.stringify(arq.body.callIdentifier)
  );
  assert.equal(drqs.length, 1);
  assert.ok(
    frames.some((m) =>
      m.kind === "disengageConfirm" && m.body.requestSeqNum === drqs[0].body.requestSeqNum
    ),
  );
});
