// Council registered with another gatekeeper (h323.upstream), against a scripted
// gatekeeper socket: GRQ then RRQ with the rooms' aliases, H.235.1 on every
// request, keep-alive RRQ, a URQ from the gatekeeper answered and followed by a
// new registration, ARQ/DRQ for a call, answers from elsewhere or with a wrong
// token ignored, URQ on close. (The live proof against GNU Gatekeeper is the
// capture tests/fixtures/h323/gnugk-upstream.pcapng and its test.)

import assert from "node:assert/strict";
import { encodeRas, h235Key } from "../../../signaling/h323/mod.ts";
import { acfFor, rcfFor, ScriptedGatekeeper } from "../../_helpers/scripted_gatekeeper.ts";
import { UpstreamGatekeeper } from "../../../signaling/h323/ras/upstream.ts";
import { createLogger } from "../../../telemetry/mod.ts";
import type { JsonValue, WitnessLog } from "../../../witness/mod.ts";

type Msg = Record<string, unknown>;
const KEY = h235Key("upstream-secret");

function witnessStub(): { log: WitnessLog; entries: { type: string; payload: JsonValue }[] } {
  const entries: { type: string; payload: JsonValue }[] = [];
  const log = {
    append(type: string, payload: JsonValue) {
      entries.push({ type, payload });
      return Promise.resolve({ index: entries.length - 1 });
    },
  } as unknown as WitnessLog;
  return { log, entries };
}

Deno.test("upstream gatekeeper: GRQ, RRQ with the rooms, keep-alive, URQ, ARQ/DRQ, close", async () => {
  const gk = new ScriptedGatekeeper("127.0.0.1", KEY);
  const witness = witnessStub();
  let rooms = ["h323-ID:council-main", "h323-ID:council-ops"];
  const up = await UpstreamGatekeeper.start({
    gatekeeper: { host: "127.0.0.1", port: gk.port },
    bind: { host: "127.0.0.1", port: 0 },
    callSignal: { host: "127.0.0.1", port: 1720 },
    aliases: () => rooms,
    name: "council",
    key: KEY,
    timeToLive: 12,
    witness: witness.log,
    log: createLogger({ level: "error", sink: () => {} }),
    retryMs: 300,
  });
  try {
    const grq = await gk.next();
    assert.equal(grq.kind, "gatekeeperRequest");
    assert.ok(grq.signed, "GRQ carries a verifying H.235.1 token");
    // An answer from another port is not the gatekeeper's: ignored, GRQ sent again.
    const stranger = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    await stranger.send(
      encodeRas({
        gatekeeperConfirm: {
          requestSeqNum: grq.body.requestSeqNum,
          protocolIdentifier: "0.0.8.2250.0.7",
          gatekeeperIdentifier: "EVIL",
          rasAddress: { ipAddress: { ip: new Uint8Array([127, 0, 0, 1]), port: 1 } },
        },
      }),
      { transport: "udp", hostname: "127.0.0.1", port: grq.port },
    );
    stranger.close();
    const again = await gk.next();
    assert.equal(again.kind, "gatekeeperRequest");
    assert.equal(again.body.requestSeqNum, grq.body.requestSeqNum, "a retransmission");
    await gk.send(
      {
        gatekeeperConfirm: {
          requestSeqNum: grq.body.requestSeqNum,
          protocolIdentifier: "0.0.8.2250.0.7",
          gatekeeperIdentifier: "GK-1",
          rasAddress: { ipAddress: { ip: new Uint8Array([127, 0, 0, 1]), port: gk.port } },
        },
      },
      grq.port,
      KEY,
    );

    let rrq = await gk.next();
    while (rrq.kind === "gatekeeperRequest") rrq = await gk.next(); // a late retransmission
    assert.equal(rrq.kind, "registrationRequest");
    assert.ok(rrq.signed);
    assert.equal(rrq.body.gatekeeperIdentifier, "GK-1");
    assert.equal(rrq.body.keepAlive, false);
    assert.deepEqual(rrq.body.terminalAlias, [
      { "h323-ID": "council" },
      { "h323-ID": "council-main" },
      { "h323-ID": "council-ops" },
    ]);
    assert.ok((rrq.body.terminalType as Msg).mcu, "registers as an MCU");
    // A wrongly signed RCF is refused; the right one registers.
    await gk.send(rcfFor(rrq, 12), rrq.port, h235Key("not the password"));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(up.status().state, "registering");
    await gk.send(rcfFor(rrq, 12), rrq.port, KEY);
    for (let i = 0; i < 50 && !up.registered; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(up.status().state, "registered");
    assert.equal(witness.entries.filter((e) => e.type === "h323.upstream.registered").length, 1);

    // ARQ (answerCall) for a call the zone routed to Council, then DRQ.
    const callId = crypto.getRandomValues(new Uint8Array(16));
    const admitted = up.admitAnswer({
      callId,
      conferenceId: callId,
      callReference: 42,
      srcInfo: [{ "h323-ID": "alice" }],
      destinationInfo: [{ "h323-ID": "council-main" }],
      bandWidth: 1280,
    });
    const arq = await gk.next();
    assert.equal(arq.kind, "admissionRequest");
    assert.ok(arq.signed);
    assert.equal(arq.body.answerCall, true);
    assert.equal(arq.body.endpointIdentifier, "EP-COUNCIL");
    await gk.send(acfFor(arq), arq.port);
    assert.deepEqual(await admitted, { ok: true, bandWidth: 1280 });
    const ended = up.disengage({ callId, conferenceId: callId, callReference: 42 }, true);
    const drq = await gk.next();
    assert.equal(drq.kind, "disengageRequest");
    await gk.send({ disengageConfirm: { requestSeqNum: drq.body.requestSeqNum } }, drq.port);
    await ended;

    // The gatekeeper unregisters Council: UCF, then a full registration at once.
    rooms = [...rooms, "h323-ID:council-new"];
    await gk.send({
      unregistrationRequest: {
        requestSeqNum: 900,
        callSignalAddress: [],
        endpointIdentifier: "EP-COUNCIL",
        reason: { reregistrationRequired: null },
      },
    }, arq.port);
    const ucf = await gk.next();
    assert.equal(ucf.kind, "unregistrationConfirm");
    assert.equal(ucf.body.requestSeqNum, 900);
    const rrq2 = await gk.next();
    assert.equal(rrq2.kind, "registrationRequest");
    assert.equal(rrq2.body.keepAlive, false);
    assert.equal((rrq2.body.terminalAlias as Msg[]).length, 4, "the new room is registered");
    // Granted 2 s: the lightweight RRQ comes after 1 s (Council renews early).
    await gk.send(rcfFor(rrq2, 2), rrq2.port, KEY);
    const keepAlive = await gk.next(3000);
    assert.equal(keepAlive.kind, "registrationRequest");
    assert.equal(keepAlive.body.keepAlive, true);
    assert.equal(keepAlive.body.endpointIdentifier, "EP-COUNCIL");
    assert.ok(keepAlive.signed);
    await gk.send(rcfFor(keepAlive, 12), keepAlive.port, KEY);
    for (let i = 0; i < 50 && up.status().timeToLive !== 12; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(up.status().state, "registered");
    assert.equal(up.status().timeToLive, 12);

    // Close: URQ with Council's identifier.
    const closing = up.close();
    const urq = await gk.next();
    assert.equal(urq.kind, "unregistrationRequest");
    assert.equal(urq.body.endpointIdentifier, "EP-COUNCIL");
    assert.ok(urq.signed);
    await gk.send({ unregistrationConfirm: { requestSeqNum: urq.body.requestSeqNum } }, urq.port);
    await closing;
    assert.deepEqual(
      witness.entries.map((e) => e.type),
      [
        "h323.upstream.registered",
        "h323.upstream.unregistered",
        "h323.upstream.registered",
        "h323.upstream.unregistered",
      ],
    );
  } finally {
    await up.close();
    gk.sock.close();
  }
});

Deno.test("upstream gatekeeper: RRJ leaves Council unregistered with the reason, witnessed once", async () => {
  const gk = new ScriptedGatekeeper("127.0.0.1", KEY);
  const witness = witnessStub();
  const up = await UpstreamGatekeeper.start({
    gatekeeper: { host: "127.0.0.1", port: gk.port },
    gatekeeperId: "GK-1",
    bind: { host: "127.0.0.1", port: 0 },
    callSignal: { host: "127.0.0.1", port: 1720 },
    aliases: () => [],
    name: "council",
    timeToLive: 60,
    witness: witness.log,
    log: createLogger({ level: "error", sink: () => {} }),
    retryMs: 300,
  });
  try {
    const rrq = await gk.next();
    assert.equal(rrq.kind, "registrationRequest", "no GRQ when the identifier is configured");
    assert.equal(rrq.signed, false);
    await gk.send({
      registrationReject: {
        requestSeqNum: rrq.body.requestSeqNum,
        protocolIdentifier: "0.0.8.2250.0.7",
        rejectReason: { securityDenial: null },
      },
    }, rrq.port);
    for (let i = 0; i < 50 && up.status().state !== "rejected"; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(up.status(), {
      state: "rejected",
      gatekeeper: `127.0.0.1:${gk.port}`,
      gatekeeperId: "GK-1",
      aliases: [],
      why: "RRJ securityDenial",
    });
    assert.deepEqual(witness.entries.map((e) => e.type), ["h323.upstream.failed"]);
    // Not registered: a routed call is not admitted.
    const callId = new Uint8Array(16);
    assert.deepEqual(
      await up.admitAnswer({
        callId,
        conferenceId: callId,
        callReference: 1,
        srcInfo: [],
        destinationInfo: [],
        bandWidth: 1280,
      }),
      { ok: false, why: "not registered with the gatekeeper" },
    );
  } finally {
    await up.close();
    gk.sock.close();
  }
});
