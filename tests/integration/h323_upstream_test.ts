// Council behind another gatekeeper (issue 23), end to end with the server
// process: Council registers with an upstream gatekeeper (here a scripted one on
// 127.0.0.2; the live run against GNU Gatekeeper is in docs/h323.md, its capture
// gnugk-upstream-council-mcu.pcapng, checked in upstream_gnugk_test.ts, and the
// routed Setup GnuGk sent is replayed here) with H.235.1 and its rooms as aliases; every
// call is admitted there first (ARQ answerCall, DRQ after). With
// h323.trustRouted = "aliases" a Setup whose connection comes from that
// gatekeeper's address and whose caller names a guardian is admitted as that
// guardian (h323-gatekeeper); the same Setup from anywhere else, an unknown
// caller, or a call the gatekeeper refuses (ARJ) is not. Council unregisters
// when it stops.

import assert from "node:assert/strict";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR, witnessed } from "../_helpers/council_api.ts";
import { tpktMessages } from "../_helpers/h323_capture.ts";
import { setupFor, terminalAnswer } from "../_helpers/h323_setup.ts";
import { TpktClient } from "../_helpers/h323_client.ts";
import { RtpPhone } from "../_helpers/rtp_phone.ts";
import { acfFor, rcfFor, ScriptedGatekeeper } from "../_helpers/scripted_gatekeeper.ts";
import { tempDir } from "../_helpers/temp.ts";
import { waitFor } from "../_helpers/wait.ts";
import { decodeRas, h235Key } from "../../signaling/h323/mod.ts";
import { RasClient, rasFrames } from "../_helpers/ras.ts";
import { causeOf } from "../../signaling/h323/q931/message.ts";
import { readCs, releaseMessage } from "../../signaling/h323/h225/signalling.ts";

type Msg = Record<string, unknown>;
const PASSWORD = "upstream-secret-1";

Deno.test({
  name: "H.323 upstream gatekeeper: registration, ARQ/DRQ per call, routed callers vouched",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const dir = await tempDir();
  const passwordFile = `${dir}/upstream.password`;
  await Deno.writeTextFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  const gk = new ScriptedGatekeeper("127.0.0.2", h235Key(PASSWORD));
  const council = await startCouncilProcess({
    COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
    COUNCIL_H323_UPSTREAM: `127.0.0.2:${gk.port}`,
    COUNCIL_H323_UPSTREAM_ID: "GK-1",
    COUNCIL_H323_UPSTREAM_PASSWORD_FILE: passwordFile,
    COUNCIL_H323_TRUST_ROUTED: "aliases",
  });
  const phone = new RtpPhone("PCMU", 0, 8000);
  const clients: TpktClient[] = [];
  try {
    // Registration: RRQ proven by H.235.1, no GRQ (the identifier is configured).
    const rrq = await gk.nextOf("registrationRequest");
    assert.ok(rrq.signed, "the RRQ carries H.235.1 with Council's password");
    assert.deepEqual(rrq.body.terminalAlias, [{ "h323-ID": "council" }]);
    await gk.send(rcfFor(rrq), rrq.port, h235Key(PASSWORD));
    await waitFor(
      async () =>
        ((await api(council.url, "GET", "/api/v1/h323/upstream")).body as Msg).state ===
          "registered",
      5000,
    );
    // A new room is registered as an alias at once.
    assert.equal((await api(council.url, "POST", "/api/v1/rooms", { name: "main" })).status, 201);
    const rrq2 = await gk.nextOf("registrationRequest");
    assert.deepEqual(rrq2.body.terminalAlias, [
      { "h323-ID": "council" },
      { "h323-ID": "council-main" },
    ]);
    await gk.send(rcfFor(rrq2), rrq2.port, h235Key(PASSWORD));
    await addGuardian(council.url, "alice");

    const fast = await tpktMessages("h323plus-fast-ooh323c.pcapng");
    const setup = (from: string) =>
      setupFor(fast.find((m) => m.frame === 4)!.payload, undefined, phone, (body) => {
        body.sourceAddress = [{ "h323-ID": from }];
      });

    // 1. Routed by the gatekeeper (its address), caller alice: ARQ there, then
    //    admitted. The Setup is the one GNU Gatekeeper 5.15 sent Council in the live
    //    run (routed mode, H323Plus's alice calling council-main; no Fast Start).
    const live = await tpktMessages("gnugk-upstream-council-mcu.pcapng");
    const routedSetup = live.find((m) =>
      m.dstPort === 21720 && readCs(m.payload).kind === "setup" &&
      JSON.stringify((readCs(m.payload).body as Msg).sourceAddress).includes("alice")
    )!.payload;
    const routed = await TpktClient.connectFrom(council.callSignalPort, "127.0.0.2");
    clients.push(routed);
    await routed.send(routedSetup);
    const arq = await gk.nextOf("admissionRequest");
    assert.ok(arq.signed);
    assert.equal(arq.body.answerCall, true);
    assert.deepEqual(arq.body.srcInfo, [{ "h323-ID": "alice" }]);
    assert.deepEqual(arq.body.destinationInfo, [{ "h323-ID": "council-main" }]);
    await gk.send(acfFor(arq), arq.port);
    await routed.cs("connect");
    const calls = ((await api(council.url, "GET", "/api/v1/h323/calls")).body as { calls: Msg[] })
      .calls;
    assert.equal(calls.length, 1);
    assert.equal(calls[0].admittedBy, "routed");
    assert.equal(calls[0].guardianId, "if://guardian/alice");
    const decisions = await witnessed(council.url, "guard.decision");
    const admission = decisions.find((d) =>
      (d.request as Msg).guardianId === "if://guardian/alice"
    )!;
    assert.equal(admission.decision, "admit");
    assert.equal((admission.request as Msg).authentication, "h323-gatekeeper");
    assert.equal((admission.request as Msg).callType, "ROUTINE");
    // Its end is told to the gatekeeper (DRQ, answered).
    await routed.send(releaseFor(routedSetup));
    const drq = await gk.nextOf("disengageRequest");
    assert.equal(drq.body.answeredCall, true);
    assert.deepEqual(drq.body.callIdentifier, arq.body.callIdentifier);
    await gk.send({ disengageConfirm: { requestSeqNum: drq.body.requestSeqNum } }, drq.port);

    // 2. The same caller straight from 127.0.0.1 (not the gatekeeper): admitted by the
    //    zone, but nobody vouches for alice, no token, no PIN: cause 21, then DRQ.
    const direct = await TpktClient.connect(council.callSignalPort);
    clients.push(direct);
    await direct.send(await setup("alice"));
    const arq2 = await gk.nextOf("admissionRequest");
    await gk.send(acfFor(arq2), arq2.port);
    assert.equal(causeOf((await direct.cs("releaseComplete")).cs!.q931), 21);
    const drq2 = await gk.nextOf("disengageRequest");
    assert.equal(drq2.body.answeredCall, false);
    await gk.send({ disengageConfirm: { requestSeqNum: drq2.body.requestSeqNum } }, drq2.port);

    // 3. Routed, but the caller names no guardian: cause 21.
    const stranger = await TpktClient.connectFrom(council.callSignalPort, "127.0.0.2");
    clients.push(stranger);
    await stranger.send(await setup("mallory"));
    const arq3 = await gk.nextOf("admissionRequest");
    await gk.send(acfFor(arq3), arq3.port);
    assert.equal(causeOf((await stranger.cs("releaseComplete")).cs!.q931), 21);

    // 4. The gatekeeper refuses the call (ARJ): released, nothing admitted by guard.
    const before = (await witnessed(council.url, "guard.decision")).length;
    const refused = await TpktClient.connectFrom(council.callSignalPort, "127.0.0.2");
    clients.push(refused);
    await refused.send(await setup("alice"));
    const arq4 = await gk.nextOf("admissionRequest");
    await gk.send({
      admissionReject: {
        requestSeqNum: arq4.body.requestSeqNum,
        rejectReason: { calledPartyNotRegistered: null },
      },
    }, arq4.port);
    assert.equal(causeOf((await refused.cs("releaseComplete")).cs!.q931), 21);
    assert.equal((await witnessed(council.url, "guard.decision")).length, before);

    // 5. Council calls alice, registered not here but in the gatekeeper's zone: an ARQ
    //    there says where (the zone's terminal, here a listener of the test's), the
    //    Setup goes there with the same call identifier, and one DRQ follows.
    const terminal = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const dialled = api(council.url, "POST", "/api/v1/h323/calls", {
      room: "main",
      guardianId: "if://guardian/alice",
    });
    const arq5 = await gk.nextOf("admissionRequest");
    assert.equal(arq5.body.answerCall, false);
    assert.deepEqual(arq5.body.destinationInfo, [{ "h323-ID": "alice" }]);
    const acf5 = acfFor(arq5);
    (acf5.admissionConfirm as Msg).destCallSignalAddress = {
      ipAddress: {
        ip: new Uint8Array([127, 0, 0, 1]),
        port: (terminal.addr as Deno.NetAddr).port,
      },
    };
    await gk.send(acf5, arq5.port);
    const callee = await TpktClient.accept(terminal);
    clients.push(callee);
    const setup5 = (await callee.cs("setup")).cs!;
    assert.deepEqual((setup5.body as Msg).destinationAddress, [{ "h323-ID": "alice" }]);
    assert.deepEqual((setup5.body as Msg).callIdentifier, arq5.body.callIdentifier);
    const answer = await terminalAnswer(setup5, phone, "g711Alaw64k");
    await callee.send(answer.alerting);
    await callee.send(answer.connect);
    assert.equal((await dialled).status, 201);
    const out = ((await api(council.url, "GET", "/api/v1/h323/calls")).body as { calls: Msg[] })
      .calls.find((c) =>
        c.direction === "outbound"
      )!;
    assert.equal((await api(council.url, "DELETE", `/api/v1/h323/calls/${out.legId}`)).status, 204);
    const drq5 = await gk.nextOf("disengageRequest");
    assert.deepEqual(drq5.body.callIdentifier, arq5.body.callIdentifier);
    await gk.send({ disengageConfirm: { requestSeqNum: drq5.body.requestSeqNum } }, drq5.port);
    terminal.close();
    const callouts = await witnessed(council.url, "h323.callout");
    assert.deepEqual(callouts.map((c) => c.proof), ["gatekeeper"]);

    // Stopping Council unregisters it.
    const stopped = council.stop();
    const urq = await gk.nextOf("unregistrationRequest");
    assert.ok(urq.signed);
    assert.equal(urq.body.endpointIdentifier, "EP-COUNCIL");
    await gk.send({ unregistrationConfirm: { requestSeqNum: urq.body.requestSeqNum } }, urq.port);
    assert.equal(await stopped, 0);
  } finally {
    for (const c of clients) c.close();
    phone.close();
    gk.close();
    await council.stop();
  }
});

/** The caller's Release Complete for the call `setup` placed. */
function releaseFor(setup: Uint8Array): Uint8Array {
  const m = readCs(setup);
  const guid = ((m.body as Msg).callIdentifier as Msg).guid as Uint8Array;
  return releaseMessage(m.q931.callReference, guid, false, undefined, 16, undefined, false);
}

Deno.test({
  name: "H.323 neighbour GNU Gatekeeper: its LRQ gets an LCF, the call it routes is vouched for",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  // Captured live: GnuGk 5.15 (routed mode) with Council as its neighbour; H323Plus's
  // alice, registered at GnuGk, dialled council-main; GnuGk asked Council (LRQ),
  // got an LCF and routed the call through itself.
  const council = await startCouncilProcess({
    COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
    COUNCIL_H323_NEIGHBOURS: "127.0.0.1",
    COUNCIL_H323_TRUST_ROUTED: "aliases",
  });
  const ras = new RasClient(council.rasPort);
  const clients: TpktClient[] = [];
  try {
    assert.equal((await api(council.url, "POST", "/api/v1/rooms", { name: "main" })).status, 201);
    await addGuardian(council.url, "alice");
    const frames = await rasFrames("gnugk-neighbour-lrq-routed-call.pcapng", 21719);
    const lrq = [...frames.values()].find((b) => "locationRequest" in decodeRas(b))!;
    assert.deepEqual(decodeRas(lrq).locationRequest.destinationInfo, [{
      "h323-ID": "council-main",
    }]);
    const lcf = (await ras.ask(lrq))?.locationConfirm as Msg | undefined;
    assert.ok(lcf, "Council answers its neighbour's LRQ with an LCF");
    assert.equal(
      ((lcf.callSignalAddress as Msg).ipAddress as Msg).port,
      council.callSignalPort,
    );

    const live = await tpktMessages("gnugk-neighbour-lrq-routed-call.pcapng");
    const routedSetup = live.find((m) =>
      m.dstPort === 21720 && readCs(m.payload).kind === "setup" &&
      JSON.stringify((readCs(m.payload).body as Msg).sourceAddress).includes("alice")
    )!.payload;
    const routed = await TpktClient.connect(council.callSignalPort);
    clients.push(routed);
    await routed.send(routedSetup);
    await routed.cs("connect");
    const calls = ((await api(council.url, "GET", "/api/v1/h323/calls")).body as { calls: Msg[] })
      .calls;
    assert.deepEqual(
      calls.map((c) => [c.admittedBy, c.guardianId]),
      [["routed", "if://guardian/alice"]],
    );
  } finally {
    for (const c of clients) c.close();
    ras.close();
    assert.equal(await council.stop(), 0);
  }
});
