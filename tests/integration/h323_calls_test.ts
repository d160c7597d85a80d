// H.323 calls into a room against a running server, driven by what real H.323
// stacks sent: the Setup, Facility and Release Complete messages (and separate
// H.245 PDUs) of ooh323c, H323Plus and a device in tests/fixtures/h323, adjusted
// only where Council's deployment differs (room alias, admission token, media
// addresses pointing at the test's RTP phones). Every message Council sends back
// is checked by Wireshark's dissectors (tshark) as well as by Council's decoder.

import assert from "node:assert/strict";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR } from "../_helpers/council_api.ts";
import { tpktMessages } from "../_helpers/h323_capture.ts";
import {
  acceptedRtpPort,
  adjust,
  councilChannel,
  olcAck,
  setupFor,
  terminalAnswer,
} from "../_helpers/h323_setup.ts";
import { TpktClient } from "../_helpers/h323_client.ts";
import { RtpPhone } from "../_helpers/rtp_phone.ts";
import { rms, speech, windowedCorrelation } from "../_helpers/audio.ts";
import { assertCsDecodes, tsharkVerdicts } from "../_helpers/tshark.ts";
import { waitFor } from "../_helpers/wait.ts";
import { hostPortOf } from "../../signaling/h323/h245/capabilities.ts";
import { encodeH245 } from "../../signaling/h323/h245/mod.ts";
import { causeOf } from "../../signaling/h323/q931/message.ts";
import { admissionToken, decodeRas } from "../../signaling/h323/mod.ts";
import { H323_PASSWORD, RasClient, rasFrames, registerTerminal } from "../_helpers/ras.ts";

type Msg = Record<string, unknown>;
const ROOM = "main";

async function witnessed(url: string, type: string): Promise<Msg[]> {
  const log = (await api(url, "GET", "/api/v1/witness/entries?start=0")).body as {
    entries: { type: string; payload: Msg }[];
  };
  return log.entries.filter((e) => e.type === type).map((e) => e.payload);
}

async function calls(url: string): Promise<Msg[]> {
  return ((await api(url, "GET", "/api/v1/h323/calls")).body as { calls: Msg[] }).calls;
}

Deno.test("H.323 fast start: two callers (H323Plus/ooh323c Setups) hear each other through the room", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const fast = await tpktMessages("h323plus-fast-ooh323c.pcapng");
  const frame = (n: number) => fast.find((m) => m.frame === n)!.payload;
  const phones = [new RtpPhone("PCMU", 0, 8000), new RtpPhone("PCMU", 0, 8000)];
  const clients: TpktClient[] = [];
  try {
    const bob = await addGuardian(council.url, "bob");
    const carol = await addGuardian(council.url, "carol");
    const ports: number[] = [];
    for (const [i, [guardian, setupFrame]] of ([[bob, 4], [carol, 26]] as const).entries()) {
      const client = await TpktClient.connect(council.callSignalPort);
      clients.push(client);
      await client.send(await setupFor(frame(setupFrame), guardian, phones[i]));
      await client.cs("callProceeding");
      const connect = await client.cs("connect");
      // Tunnelled H.245 starts in Connect: capabilities and master-slave determination.
      assert.ok(connect.h245.some((m) => "terminalCapabilitySet" in (m.request ?? {})));
      assert.ok(connect.h245.some((m) => "masterSlaveDetermination" in (m.request ?? {})));
      ports.push(acceptedRtpPort(connect.cs!.body as Msg));
    }
    // The caller's tunnelled TCS and MSD as H323Plus sent them are acknowledged.
    await clients[0].send(frame(10));
    await clients[0].send(frame(12));
    await clients[0].h245("response.terminalCapabilitySetAck");
    const msdAck = await clients[0].h245("response.masterSlaveDeterminationAck");
    // Council (an MCU, terminal type 180) is master against a terminal (50).
    assert.deepEqual(msdAck.response.masterSlaveDeterminationAck, { decision: { slave: null } });

    const list = await calls(council.url);
    assert.equal(list.length, 2);
    assert.ok(list.every((c) => c.codec === "PCMU" && c.fastStart === true));
    assert.ok(list.every((c) => c.admittedBy === "token" && c.h245 === "tunnelled"));

    // Media both ways: bob speaks, carol hears him through the mix.
    const pcm = (await speech(1, 8000)).subarray(0, 8000 * 3);
    const since = performance.now();
    await phones[0].play(ports[0], pcm);
    await new Promise((r) => setTimeout(r, 400));
    const heard = phones[1].decodeReceived(8000, undefined, since);
    assert.ok(rms(heard) > 300, `carol heard rms ${rms(heard)}`);
    // Windowed: the receiving jitter buffer may shift the stream by a few ms.
    const c = windowedCorrelation(pcm.subarray(8000 * 0.5, 8000 * 2.5), heard, 4000, 8000);
    assert.ok(c.value > 0.8, `correlation ${c.value.toFixed(3)}`);

    // Digits as H.245 user input: *6 mutes bob, witnessed.
    for (const d of "*6") {
      await clients[0].send(adjust(frame(10), (_b, pdu) => {
        pdu.h245Control = [
          encodeH245({ indication: { userInput: { signal: { signalType: d } } } }),
        ];
      }));
    }
    await waitFor(async () => (await calls(council.url)).some((c) => c.muted === true));
    const mutes = await waitFor(async () => {
      const m = await witnessed(council.url, "h323.call.muted");
      return m.length ? m : undefined;
    });
    assert.deepEqual([mutes[0].muted, mutes[0].by], [true, "dtmf"]);

    // H323Plus's Release Complete ends bob's call; Council closes the connection.
    await clients[0].send(frame(44));
    await clients[0].done;
    await waitFor(async () => (await calls(council.url)).length === 1);
    const ended = await waitFor(async () => {
      const e = await witnessed(council.url, "h323.call.ended");
      return e.length ? e : undefined;
    });
    assert.equal(ended.length, 1);
    assert.match(String(ended[0].reason), /^released/);

    // An operator hangs carol up: EndSessionCommand and Release Complete reach her.
    const legId = (await calls(council.url))[0].legId as string;
    assert.equal((await api(council.url, "DELETE", `/api/v1/h323/calls/${legId}`)).status, 204);
    const rc = await clients[1].cs("releaseComplete");
    assert.ok(rc.h245.some((m) => "endSessionCommand" in (m.command ?? {})));
    await clients[1].done;

    for (const client of clients) await assertCsDecodes(client);
    const started = await witnessed(council.url, "h323.call.started");
    assert.equal(started.length, 2);
    assert.deepEqual(started.map((s) => s.fastStart), [true, true]);
  } finally {
    for (const c of clients) c.close();
    for (const p of phones) p.close();
    assert.equal(await council.stop(), 0);
  }
});

/** A call signalling connection the test closes in its finally. */
async function connectTracked(port: number, clients: TpktClient[]): Promise<TpktClient> {
  const c = await TpktClient.connect(port);
  clients.push(c);
  return c;
}

/** Council's RTP port from its OpenLogicalChannelAck. */
function ackedPort(ack: Msg): number {
  const p = (ack.forwardMultiplexAckParameters as Msg).h2250LogicalChannelAckParameters as Msg;
  return hostPortOf(p.mediaChannel)!.port;
}

Deno.test("H.323 without fast start: tunnelled H.245 (H323Plus) and a separate H.245 channel (device capture), PCMU and PCMA legs hear each other", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const tunnelled = await tpktMessages("h323plus-calls-ooh323c.pcapng");
  const device = await tpktMessages("ndpi-h323.pcap");
  const pick = (list: typeof device, n: number) => list.filter((m) => m.frame === n);
  const a = new RtpPhone("PCMU", 0, 8000), b = new RtpPhone("PCMA", 8, 8000);
  const clients: TpktClient[] = [];
  try {
    const bob = await addGuardian(council.url, "bob");
    const carol = await addGuardian(council.url, "carol");

    // A: tunnelled H.245 after Connect, as ooh323c did towards H323Plus.
    const csA = await TpktClient.connect(council.callSignalPort);
    clients.push(csA);
    await csA.send(await setupFor(pick(tunnelled, 4)[0].payload, bob));
    const connectA = await csA.cs("connect");
    assert.equal((connectA.cs!.body as Msg).fastStart, undefined);
    for (const n of [12, 14, 18]) await csA.send(pick(tunnelled, n)[0].payload);
    await csA.h245("response.terminalCapabilitySetAck");
    const ackA = (await csA.h245("response.openLogicalChannelAck")).response
      .openLogicalChannelAck as Msg;
    assert.equal(ackA.forwardLogicalChannelNumber, 101);
    // Council sends what the caller chose to send (G.711 u-law): if it opened its
    // channel with another codec first, it closes and reopens it.
    const olcA = await councilChannel(csA, "g711Ulaw64k");
    await csA.send(adjust(pick(tunnelled, 12)[0].payload, (_b, pdu) => {
      pdu.h245Control = [olcAck(olcA, a)];
    }));

    // B: no tunnelling; Council announces its H.245 address in Connect.
    const csB = await TpktClient.connect(council.callSignalPort);
    clients.push(csB);
    await csB.send(await setupFor(pick(device, 6)[0].payload, carol));
    const connectB = await csB.cs("connect");
    assert.equal(connectB.cs!.pdu!.h245Tunnelling, false);
    const h245Port = (connectB.cs!.body as { h245Address: { ipAddress: { port: number } } })
      .h245Address.ipAddress.port;
    const h245B = await TpktClient.connect(h245Port, true);
    clients.push(h245B);
    await h245B.h245("request.terminalCapabilitySet");
    for (const m of [...pick(device, 29), ...pick(device, 30), ...pick(device, 32)]) {
      await h245B.send(m.payload);
    }
    await h245B.send(pick(device, 38)[0].payload); // OpenLogicalChannel, G.711 A-law
    const ackB = (await h245B.h245("response.openLogicalChannelAck")).response
      .openLogicalChannelAck as Msg;
    const olcB = await councilChannel(h245B, "g711Alaw64k");
    await h245B.send(olcAck(olcB, b));

    const list = await waitFor(async () => {
      const l = await calls(council.url);
      return l.length === 2 && l.every((c) => c.remote) ? l : undefined;
    });
    assert.deepEqual(list.map((c) => c.h245).sort(), ["separate", "tunnelled"]);
    assert.deepEqual(list.map((c) => c.codec).sort(), ["PCMA", "PCMU"]);

    // Each hears the other through the mix, transcoded between the two G.711 laws.
    // (Both directions are recorded before any correlation: it blocks the event loop.)
    const pcmA = (await speech(1, 8000)).subarray(0, 8000 * 3);
    const pcmB = (await speech(2, 8000)).subarray(0, 8000 * 3);
    const sinceA = performance.now();
    await a.play(ackedPort(ackA), pcmA);
    await new Promise((r) => setTimeout(r, 400));
    const sinceB = performance.now();
    await b.play(ackedPort(ackB), pcmB);
    await new Promise((r) => setTimeout(r, 400));
    const bHeard = b.decodeReceived(8000, undefined, sinceA);
    const aHeard = a.decodeReceived(8000, undefined, sinceB);
    const cb = windowedCorrelation(pcmA.subarray(4000, 20000), bHeard, 4000, 8000);
    assert.ok(cb.value > 0.7, `B heard A: ${cb.value.toFixed(3)}`);
    const ca = windowedCorrelation(pcmB.subarray(4000, 20000), aHeard, 4000, 8000);
    assert.ok(ca.value > 0.7, `A heard B: ${ca.value.toFixed(3)}`);

    // Round-trip delay requests on the H.245 channel are answered.
    await h245B.send(encodeH245({ request: { roundTripDelayRequest: { sequenceNumber: 9 } } }));
    const rtd = await h245B.h245("response.roundTripDelayResponse");
    assert.deepEqual(rtd.response.roundTripDelayResponse, { sequenceNumber: 9 });

    // EndSessionCommand on B's H.245 channel ends B's call with a Release Complete.
    await h245B.send(encodeH245({ command: { endSessionCommand: { disconnect: null } } }));
    await csB.cs("releaseComplete");
    await waitFor(async () => (await calls(council.url)).length === 1);

    // Wireshark reads every call signalling message and every separate H.245 PDU.
    await assertCsDecodes(csA);
    await assertCsDecodes(csB);
    const h245Verdicts = await tsharkVerdicts("h245", h245B.received.map((r) => r.raw));
    for (const v of h245Verdicts) {
      assert.equal(v.malformed, false, v.detail);
      assert.deepEqual(v.problems, [], v.detail);
    }
  } finally {
    for (const c of clients) c.close();
    a.close();
    b.close();
    assert.equal(await council.stop(), 0);
  }
});

Deno.test("H.323 gatekeeper-routed: a Setup without a token is admitted by its ARQ; refusals carry H.225.0 reasons and Q.850 causes", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const ras = new RasClient(council.rasPort, { password: H323_PASSWORD });
  const fast = await tpktMessages("h323plus-fast-ooh323c.pcapng");
  const setupRaw = fast.find((m) => m.frame === 4)!.payload;
  const clients: TpktClient[] = [];
  const open = () => connectTracked(council.callSignalPort, clients);
  try {
    const bob = await addGuardian(council.url, "bob", { h323Password: H323_PASSWORD });
    const gnugk = await rasFrames("gnugk-ras-call.pcapng");
    const rrq = decodeRas(gnugk.get(3)!);
    delete rrq.registrationRequest.gatekeeperIdentifier;
    const rcf = (await ras.ask(rrq))!.registrationConfirm;
    // RCF points endpoints at the call signalling port Council really listens on.
    assert.equal(
      (rcf.callSignalAddress as { ipAddress: { port: number } }[])[0].ipAddress.port,
      council.callSignalPort,
    );
    const arq = decodeRas(gnugk.get(21)!).admissionRequest;
    const guid = new Uint8Array(16).map((_, i) => 0xa0 + i);
    const acf = (await ras.ask({
      admissionRequest: {
        ...arq,
        requestSeqNum: 7,
        endpointIdentifier: rcf.endpointIdentifier,
        destinationInfo: [{ "h323-ID": `council-${ROOM}` }],
        gatekeeperIdentifier: "Council",
        answerCall: false,
        callIdentifier: { guid },
        tokens: [admissionToken(await bob.request(ROOM))],
      },
    }))!;
    assert.ok(acf.admissionConfirm, JSON.stringify(acf));

    // The Setup for that callIdentifier needs no token of its own.
    const routed = await open();
    await routed.send(
      await setupFor(setupRaw, undefined, undefined, (body) => {
        body.callIdentifier = { guid };
      }),
    );
    await routed.cs("connect");
    const [call] = await calls(council.url);
    assert.equal(call.admittedBy, "gatekeeper");
    assert.equal(call.guardianId, bob.id);
    // The same admission cannot carry a second call.
    const twice = await open();
    await twice.send(
      await setupFor(setupRaw, undefined, undefined, (body) => {
        body.callIdentifier = { guid };
      }),
    );
    const again = await twice.cs("releaseComplete");
    assert.deepEqual((again.cs!.body as Msg).reason, { securityDenied: null });
    assert.equal((await calls(council.url)).length, 1);

    // No ARQ and no token: securityDenied.
    const bare = await open();
    await bare.send(await setupFor(setupRaw, undefined));
    const denied = await bare.cs("releaseComplete");
    assert.deepEqual((denied.cs!.body as Msg).reason, { securityDenied: null });
    assert.equal(causeOf(denied.cs!.q931), 21);
    await bare.done; // and the connection is closed

    // More bandwidth than the guardian may use: noBandwidth, cause 34 (H.225.0 Table 5).
    const greedy = await open();
    const token = admissionToken(await bob.request(ROOM, { bandwidthKbps: 50_000 }));
    await greedy.send(adjust(setupRaw, (body) => {
      body.destinationAddress = [{ "h323-ID": `council-${ROOM}` }];
      body.tokens = [token];
    }));
    const rc = await greedy.cs("releaseComplete");
    assert.deepEqual((rc.cs!.body as Msg).reason, { noBandwidth: null });
    assert.equal(causeOf(rc.cs!.q931), 34);

    for (const c of [routed, bare, greedy]) await assertCsDecodes(c);
  } finally {
    ras.close();
    for (const c of clients) c.close();
    assert.equal(await council.stop(), 0);
  }
});

Deno.test("H.323 bad input: broken TPKT and Q.931 close or get Q.931 answers; nothing is lost on the connection", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const fast = await tpktMessages("h323plus-fast-ooh323c.pcapng");
  const setupRaw = fast.find((m) => m.frame === 4)!.payload;
  const clients: TpktClient[] = [];
  const open = () => connectTracked(council.callSignalPort, clients);
  try {
    const bob = await addGuardian(council.url, "bob");

    // Not TPKT version 3: the stream cannot be trusted, Council closes it.
    const notTpkt = await open();
    await notTpkt.sendRaw(new Uint8Array([4, 0, 0, 12, 8, 2, 0, 1, 5, 0, 0, 0]));
    await notTpkt.done;
    // TPKT carrying something that is not Q.931: closed too.
    const notQ931 = await open();
    await notQ931.send(new Uint8Array([0x09, 2, 0, 1, 5]));
    await notQ931.done;

    // A Setup without H.225.0 user-user information: Release Complete, cause 96,
    // and the connection (which has no call) is closed.
    const bare = await open();
    await bare.send(new Uint8Array([8, 2, 0, 9, 5, 0x04, 0x03, 0x80, 0x90, 0xa5]));
    const missing = await bare.cs("releaseComplete");
    assert.equal(causeOf(missing.cs!.q931), 96);
    assert.equal(missing.cs!.q931.callReference, 9);
    await bare.done;

    const c = await open();
    // A Q.931 message whose IE overruns it, a truncated header, an unknown message
    // type: discarded (no call to answer for), and the connection carries on.
    await c.send(new Uint8Array([8, 2, 0, 1, 5, 0x04, 0x09, 0x80]));
    await c.send(new Uint8Array([8, 2, 0]));
    await c.send(new Uint8Array([8, 2, 0, 1, 0x33]));
    // A Facility for a call reference that does not exist: Release Complete, cause 81.
    const facility = fast.find((m) => m.frame === 10)!.payload;
    await c.send(facility);
    const unknown = await c.cs("releaseComplete");
    assert.equal(causeOf(unknown.cs!.q931), 81);
    // Still a working connection: a good Setup is answered.
    const from = c.received.length;
    await c.send(await setupFor(setupRaw, bob));
    await c.cs("connect", from);
    // Garbage where tunnelled H.245 belongs: FunctionNotSupported (syntaxError).
    await c.send(adjust(facility, (_b, pdu) => {
      pdu.h245Control = [new Uint8Array([0xff, 0xff, 0xff, 0x01])];
    }));
    const fns = await c.h245("indication.functionNotSupported");
    assert.deepEqual((fns.indication.functionNotSupported as Msg).cause, { syntaxError: null });
    assert.equal((await calls(council.url)).length, 1);
    for (const x of [bare, c]) await assertCsDecodes(x);
  } finally {
    for (const c of clients) c.close();
    assert.equal(await council.stop(), 0);
  }
});

Deno.test("H.323 outbound: Council calls a registered terminal into a room; ooh323c's answer (Fast Start) brings media; the terminal hangs up", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const ras = new RasClient(council.rasPort, { password: H323_PASSWORD });
  const terminal = Deno.listen({ hostname: "127.0.0.1", port: 0, transport: "tcp" });
  const phone = new RtpPhone("PCMU", 0, 8000);
  let callee: TpktClient | undefined;
  try {
    const bob = await addGuardian(council.url, "bob", { h323Password: H323_PASSWORD });
    const gnugk = await rasFrames("gnugk-ras-call.pcapng");
    const registered = await registerTerminal(ras, (terminal.addr as Deno.NetAddr).port);

    const dialling = api(council.url, "POST", "/api/v1/h323/calls", {
      room: ROOM,
      guardianId: bob.id,
    });
    callee = await TpktClient.accept(terminal);
    const setupMsg = await callee.cs("setup");
    const setup = setupMsg.cs!;
    const guid = ((setup.body as Msg).callIdentifier as Msg).guid as Uint8Array;
    // Before answering, the terminal asks its gatekeeper (answerCall ARQ): confirmed.
    const arq = decodeRas(gnugk.get(21)!).admissionRequest;
    const answerArq = await ras.ask({
      admissionRequest: {
        ...arq,
        requestSeqNum: 91,
        endpointIdentifier: registered.endpointIdentifier,
        answerCall: true,
        callIdentifier: { guid },
        gatekeeperIdentifier: "Council",
        // What H323Plus asks when answering (captured: 100000, and it was granted 800).
        bandWidth: 100_000,
      },
    });
    assert.ok(answerArq?.admissionConfirm, JSON.stringify(answerArq));
    // H.225.0 counts both directions: two-way G.711 needs at least 1280 (issue 23 item 5).
    const granted = (answerArq.admissionConfirm as { bandWidth: number }).bandWidth;
    assert.ok(granted >= 1280 && granted <= 100_000, `granted ${granted}`);
    // Council proposes, for each room codec, a channel it sends and one it receives;
    // ooh323c's own answer accepts the u-law pair (media to the terminal's phone).
    const answer = await terminalAnswer(setup, phone);
    await callee.send(answer.callProceeding);
    await callee.send(answer.alerting);
    await callee.send(answer.connect);
    const created = await dialling;
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const legId = (created.body as { legId: string }).legId;

    const [call] = await calls(council.url);
    assert.deepEqual(
      [call.legId, call.direction, call.admittedBy, call.codec, call.fastStart],
      [legId, "outbound", "operator", "PCMU", true],
    );
    // Media flows to the terminal's phone (to the address its Connect accepted).
    const before = phone.received.length;
    await waitFor(() => Promise.resolve(phone.received.length > before + 10));
    assert.ok(phone.received.every((r) => r.pt === 0));

    // The terminal hangs up (ooh323c's Release Complete, this call's reference).
    await callee.send(answer.message(62));
    await waitFor(async () => (await calls(council.url)).length === 0);
    await assertCsDecodes(callee);
    const started = await witnessed(council.url, "h323.call.started");
    assert.equal(started[0].direction, "outbound");
  } finally {
    callee?.close();
    terminal.close();
    ras.close();
    phone.close();
    assert.equal(await council.stop(), 0);
  }
});
