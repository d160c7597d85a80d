// The SIP <-> H.323 gateway against a running server, with real peers on the SIP
// side (baresip, SIPp) and real H.323 messages on the other (H323Plus's Setup,
// ooh323c's answers, GnuGk's RRQ from tests/fixtures/h323, adjusted only for the
// names dialled, tokens, codecs and media addresses). Council's H.323 messages are
// checked by Wireshark's dissectors as well.

import assert from "node:assert/strict";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR } from "../_helpers/council_api.ts";
import { tpktMessages } from "../_helpers/h323_capture.ts";
import { acceptedRtpPort, adjust, setupFor, terminalAnswer } from "../_helpers/h323_setup.ts";
import { TpktClient } from "../_helpers/h323_client.ts";
import { H323_PASSWORD, RasClient, rasFrames, registerTerminal } from "../_helpers/ras.ts";
import { RtpPhone } from "../_helpers/rtp_phone.ts";
import { runBaresip } from "../_helpers/baresip.ts";
import { freeUdpPort, runSipp } from "../_helpers/sipp.ts";
import { bestCorrelation, rms, speech, windowedCorrelation } from "../_helpers/audio.ts";
import { assertCsDecodes } from "../_helpers/tshark.ts";
import { waitFor } from "../_helpers/wait.ts";
import { decode, encode } from "../../signaling/h323/asn1/per.ts";
import { encodeH245, OpenLogicalChannel } from "../../signaling/h323/h245/mod.ts";
import { admissionToken, decodeRas } from "../../signaling/h323/mod.ts";
import {
  causeIe,
  causeOf,
  IE,
  ieOf,
  parseQ931,
  serializeQ931,
} from "../../signaling/h323/q931/message.ts";

type Msg = Record<string, unknown>;
const SEC = 8000;

function withSilence(before: number, pcm: Int16Array, after: number): Int16Array {
  const out = new Int16Array(before + pcm.length + after);
  out.set(pcm, before);
  return out;
}

/** Fast Start proposals retyped to another audio capability (e.g. G.729 Annex A). */
function retype(fastStart: Uint8Array[], capability: string, frames: number): Uint8Array[] {
  return fastStart.map((b) => {
    const olc = decode(OpenLogicalChannel, b) as Msg;
    for (const dir of ["forwardLogicalChannelParameters", "reverseLogicalChannelParameters"]) {
      const p = olc[dir] as Msg | undefined;
      if (p && "audioData" in (p.dataType as Msg)) {
        p.dataType = { audioData: { [capability]: frames } };
      }
    }
    return encode(OpenLogicalChannel, olc);
  });
}

/** Every witnessed payload of a type (the whole log, not only its first page). */
async function witnessed(url: string, type: string): Promise<Msg[]> {
  const { size } = (await api(url, "POST", "/api/v1/witness/head")).body as { size: number };
  const log = (await api(url, "GET", `/api/v1/witness/entries?start=0&end=${size}`)).body as {
    entries: { type: string; payload: Msg }[];
  };
  return log.entries.filter((e) => e.type === type).map((e) => e.payload);
}

async function list(url: string, path: string): Promise<Msg[]> {
  const body = (await api(url, "GET", path)).body as Record<string, Msg[]>;
  return Object.values(body)[0];
}

/** Nothing of a call is left: no legs, no gateway call, no guard session. */
async function allReleased(url: string): Promise<void> {
  await waitFor(async () =>
    (await list(url, "/api/v1/gateway/calls")).length === 0 &&
    (await list(url, "/api/v1/sip/calls")).length === 0 &&
    (await list(url, "/api/v1/h323/calls")).length === 0 &&
    (await list(url, "/api/v1/admission/sessions")).length === 0
  );
}

Deno.test("gateway: an H.323 terminal dials a SIP user by name; its G.729 and baresip's u-law hear each other; baresip's hangup releases the H.323 call", async () => {
  // baresip 1.0's libre gives up when any challenge is SHA-256, so MD5 only here.
  const council = await startCouncilProcess({
    COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
    COUNCIL_SIP_DIGEST_ALGORITHMS: "MD5",
  });
  const phone = new RtpPhone("G729", 18, 8000);
  let client: TpktClient | undefined;
  try {
    const alice = await addGuardian(council.url, "alice");
    await addGuardian(council.url, "bob", { sipPassword: "bobs-password-1" });
    const s1 = await speech(1, 8000);
    const s2 = await speech(2, 8000);
    // Bob's baresip answers at once, talks from 5 s into the call, hangs up at 11 s.
    const bob = runBaresip({
      sipPort: council.sipPort,
      user: "bob",
      password: "bobs-password-1",
      answer: true,
      say: withSilence(5 * SEC, s2, 3 * SEC),
      seconds: 12,
    });
    await waitFor(
      async () =>
        (await list(council.url, "/api/v1/sip/registrations")).some((b) =>
          b.guardianId === "if://guardian/bob"
        ),
      8000,
    );

    // Alice's terminal: H323Plus's Setup dialling "bob", signed for a gateway call,
    // proposing G.729 Annex A both ways.
    const fast = await tpktMessages("h323plus-fast-ooh323c.pcapng");
    const setupRaw = fast.find((m) => m.frame === 4)!.payload;
    client = await TpktClient.connect(council.callSignalPort);
    await client.send(
      await setupFor(setupRaw, alice, phone, (body) => {
        body.destinationAddress = [{ "h323-ID": "bob" }];
        body.fastStart = retype(body.fastStart as Uint8Array[], "g729AnnexA", 2);
      }, "gateway"),
    );
    await client.cs("callProceeding");
    // Connect comes when bob's phone answers, accepting G.729 for alice's leg.
    const connect = await client.cs("connect");
    const port = acceptedRtpPort(connect.cs!.body as Msg);
    const calls = await list(council.url, "/api/v1/gateway/calls");
    assert.equal(calls.length, 1);
    assert.equal(calls[0].state, "answered");
    assert.deepEqual(
      [(calls[0].caller as Msg).protocol, (calls[0].callee as Msg).protocol],
      ["h323", "sip"],
    );
    assert.equal((await list(council.url, "/api/v1/h323/calls"))[0].codec, "G729");

    await new Promise((r) => setTimeout(r, 500));
    await phone.play(port, s1);

    // Bob hangs up (baresip quits): Council's BYE... and alice's Release Complete.
    const heardByBob = await bob;
    assert.match(heardByBob.log, /Call established/, heardByBob.log.slice(-2000));
    const rc = await client.cs("releaseComplete");
    assert.equal(causeOf(rc.cs!.q931), 16);

    // Windowed: baresip records after its own adaptive jitter buffer, which may shift
    // the stream by a frame or two mid-call under load (one lag for 3 s then fails).
    const bobHears = windowedCorrelation(
      s1,
      heardByBob.heard,
      4000,
      Math.max(0, heardByBob.heard.length - s1.length),
    );
    assert.ok(bobHears.value > 0.6, `bob hears alice (G.729 -> u-law): ${bobHears.value}`);
    const heard = phone.decodeReceived(8000);
    assert.ok(rms(heard) > 300, `alice heard rms ${rms(heard)}`);
    const aliceHears = bestCorrelation(s2, heard, Math.max(0, heard.length - s2.length));
    assert.ok(aliceHears.value > 0.6, `alice hears bob (u-law -> G.729): ${aliceHears.value}`);

    const answered = await witnessed(council.url, "gateway.call.answered");
    assert.equal(answered.length, 1);
    assert.equal(answered[0].dialled, "bob");
    const ended = await waitFor(async () => {
      const e = await witnessed(council.url, "gateway.call.ended");
      return e.length ? e : undefined;
    });
    assert.deepEqual([ended[0].by, ended[0].cause], ["callee", 16]);
    await allReleased(council.url);
    await assertCsDecodes(client);
  } finally {
    client?.close();
    phone.close();
    assert.equal(await council.stop(), 0);
  }
});

Deno.test("gateway: a SIP phone (SIPp) dials an H.323 terminal's E.164 number; A-law meets G.729 both ways; digits cross; the terminal's Release Complete ends the SIP call", async () => {
  // SIPp answers only MD5 challenges, and takes the first one offered.
  const council = await startCouncilProcess({
    COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
    COUNCIL_SIP_DIGEST_ALGORITHMS: "MD5,SHA-256",
  });
  const ras = new RasClient(council.rasPort, { password: H323_PASSWORD });
  const terminal = Deno.listen({ hostname: "127.0.0.1", port: 0, transport: "tcp" });
  const phone = new RtpPhone("G729", 18, 8000);
  let callee: TpktClient | undefined;
  try {
    await addGuardian(council.url, "alice", { sipPassword: "alice-password-1" });
    await addGuardian(council.url, "bob", { h323Password: H323_PASSWORD });
    await registerTerminal(ras, (terminal.addr as Deno.NetAddr).port, [
      { "h323-ID": "bob" },
      { dialledDigits: "1002" },
    ]);
    // SIPp registers alice, dials 1002 and echoes the media it gets (-rtp_echo).
    const alice = {
      target: `127.0.0.1:${council.sipPort}`,
      inject: ["SEQUENTIAL", "alice;alice-password-1;1002"],
      auth: { user: "alice", password: "alice-password-1" },
      port: freeUdpPort(),
    };
    const registered = await runSipp({ ...alice, scenario: "register_only.xml" });
    assert.equal(registered.code, 0, registered.stdout.slice(-1500) + registered.messages);
    // SIPp's digest uri must be told to be the Request-URI (RFC 7616 3.4.6).
    const sipp = runSipp({
      ...alice,
      scenario: "gateway_call.xml",
      extra: ["-rtp_echo", "-auth_uri", `1002@127.0.0.1:${council.sipPort}`],
      timeoutS: 40,
    });
    callee = await Promise.race([
      TpktClient.accept(terminal),
      sipp.then((r) => Promise.reject(new Error(`SIPp ended first: ${r.stdout.slice(-2000)}`))),
    ]);
    const setup = (await callee.cs("setup")).cs!;
    // Council's Setup names the caller and the terminal's alias.
    const body = setup.body as Msg;
    assert.deepEqual(body.sourceAddress, [{ "h323-ID": "alice" }]);
    assert.deepEqual(body.destinationAddress, [{ "h323-ID": "bob" }]);
    assert.equal(new TextDecoder().decode(ieOf(setup.q931, IE.display)), "alice");

    // ooh323c's answer: Call Proceeding, Alerting (SIPp must see 180), Connect
    // accepting Council's G.729 pair.
    const answer = await terminalAnswer(setup, phone, "g729AnnexA");
    await callee.send(answer.callProceeding);
    await callee.send(answer.alerting);
    await callee.send(answer.connect);

    // SIPp's INFO "6" reaches the terminal as H.245 user input.
    const six = await callee.h245("indication.userInput");
    assert.deepEqual(
      (six.indication.userInput as Msg).signal,
      { signalType: "6", duration: 100 },
    );

    // The terminal speaks; SIPp echoes what it hears; the terminal hears itself back
    // through two transcodings each way (G.729 -> A-law -> G.729).
    const since = performance.now();
    const s1 = (await speech(1, 8000)).subarray(0, 3 * SEC);
    await phone.play(answer.councilRtp, s1);
    await new Promise((r) => setTimeout(r, 600));
    const echo = phone.decodeReceived(8000, undefined, since);
    assert.ok(rms(echo) > 300, `echo rms ${rms(echo)}`);
    const c = windowedCorrelation(s1.subarray(SEC / 2, 5 * SEC / 2), echo, 6000, 8000);
    assert.ok(c.value > 0.5, `echo correlation ${c.value.toFixed(3)}`);

    // The terminal's "5" (tunnelled user input in ooh323c's Facility) reaches SIPp
    // as INFO; then the terminal hangs up and SIPp must get a BYE with cause 16.
    await callee.send(answer.message(12, (_body, pdu) => {
      pdu.h245Control = [
        encodeH245({ indication: { userInput: { signal: { signalType: "5" } } } }),
      ];
    }));
    await new Promise((r) => setTimeout(r, 300));
    await callee.send(answer.message(62));
    const run = await sipp;
    assert.equal(run.code, 0, run.stdout.slice(-1500) + run.messages.slice(-5000));

    const ended = await waitFor(async () => {
      const e = await witnessed(council.url, "gateway.call.ended");
      return e.length ? e : undefined;
    });
    assert.deepEqual([ended[0].by, ended[0].dialled], ["callee", "1002"]);
    await allReleased(council.url);
    await assertCsDecodes(callee);
  } finally {
    callee?.close();
    terminal.close();
    ras.close();
    phone.close();
    assert.equal(await council.stop(), 0);
  }
});

Deno.test("gateway: refusals carry their cause across: unknown names, a busy terminal (SIP 486), a caller who gives up (CANCEL)", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const ras = new RasClient(council.rasPort, { password: H323_PASSWORD });
  const terminal = Deno.listen({ hostname: "127.0.0.1", port: 0, transport: "tcp" });
  const clients: TpktClient[] = [];
  try {
    const alice = await addGuardian(council.url, "alice");
    await addGuardian(council.url, "bob", { h323Password: H323_PASSWORD });
    await registerTerminal(ras, (terminal.addr as Deno.NetAddr).port, [{ "h323-ID": "bob" }]);
    const target = `127.0.0.1:${council.sipPort}`;

    // H.323 dialling a name nobody registered: Release Complete, cause 1.
    const fast = await tpktMessages("h323plus-fast-ooh323c.pcapng");
    const setupRaw = fast.find((m) => m.frame === 4)!.payload;
    const h323 = await TpktClient.connect(council.callSignalPort);
    clients.push(h323);
    await h323.send(
      await setupFor(setupRaw, alice, undefined, (body) => {
        body.destinationAddress = [{ dialledDigits: "5550100" }];
      }, "gateway"),
    );
    const nobody = await h323.cs("releaseComplete");
    assert.equal(causeOf(nobody.cs!.q931), 1);
    // SIP dialling a name nobody registered: 404 (SIPp's uac expects 200, so read
    // the trace).
    const unknown = await runSipp({
      scenario: "gateway_busy.xml",
      target,
      inject: ["SEQUENTIAL", `nobody;${await alice.token("gateway")}`],
      timeoutS: 10,
    });
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.messages, /SIP\/2.0 404/);

    // The terminal rings, then is busy (its Release Complete, cause 17): SIPp gets 486.
    const busy = runSipp({
      scenario: "gateway_busy.xml",
      target,
      inject: ["SEQUENTIAL", `bob;${await alice.token("gateway")}`],
      timeoutS: 20,
    });
    let callee = await TpktClient.accept(terminal);
    clients.push(callee);
    let answer = await terminalAnswer((await callee.cs("setup")).cs!, { port: 9 }, "g711Alaw64k");
    await callee.send(answer.alerting);
    const rc = parseQ931(answer.message(62));
    await callee.send(serializeQ931({
      ...rc,
      ies: rc.ies.map((ie) => ie.id === IE.cause ? causeIe(17) : ie),
    }));
    const refused = await busy;
    assert.equal(refused.code, 0, refused.stdout.slice(-1500) + refused.messages.slice(-4000));

    // The caller gives up while the terminal rings: CANCEL -> its Release Complete.
    const cancelled = runSipp({
      scenario: "gateway_cancel.xml",
      target,
      inject: ["SEQUENTIAL", `bob;${await alice.token("gateway")}`],
      timeoutS: 20,
    });
    callee = await TpktClient.accept(terminal);
    clients.push(callee);
    answer = await terminalAnswer((await callee.cs("setup")).cs!, { port: 9 }, "g711Alaw64k");
    await callee.send(answer.alerting);
    const released = await callee.cs("releaseComplete");
    assert.equal(causeOf(released.cs!.q931), 16);
    const gaveUp = await cancelled;
    assert.equal(gaveUp.code, 0, gaveUp.stdout.slice(-1500) + gaveUp.messages.slice(-4000));

    // The cancelled call is witnessed as its release completes, just after SIPp ends.
    const failed = await waitFor(async () => {
      const f = await witnessed(council.url, "gateway.call.failed");
      return f.length >= 2 && f;
    });
    assert.deepEqual(failed.map((f) => f.cause), [17, 16]);
    await allReleased(council.url);
    for (const c of clients) await assertCsDecodes(c);
  } finally {
    for (const c of clients) c.close();
    terminal.close();
    ras.close();
    assert.equal(await council.stop(), 0);
  }
});

Deno.test("gateway, gatekeeper-routed: a terminal's ARQ for a name is routed through Council (ARJ for nobody); its Setup reaches the other terminal; its Release Complete ends both", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const ras = new RasClient(council.rasPort, { password: H323_PASSWORD });
  const terminal = Deno.listen({ hostname: "127.0.0.1", port: 0, transport: "tcp" });
  const phones = [new RtpPhone("PCMU", 0, 8000), new RtpPhone("PCMU", 0, 8000)];
  const clients: TpktClient[] = [];
  try {
    const alice = await addGuardian(council.url, "alice", { h323Password: H323_PASSWORD });
    await addGuardian(council.url, "bob", { h323Password: H323_PASSWORD });
    const rcf = await registerTerminal(ras, 1720, [{ "h323-ID": "alice" }]);
    await registerTerminal(ras, (terminal.addr as Deno.NetAddr).port, [
      { "h323-ID": "bob" },
      { dialledDigits: "1002" },
    ]);
    const gnugk = await rasFrames("gnugk-ras-call.pcapng");
    const arq = decodeRas(gnugk.get(21)!).admissionRequest;
    const guid = new Uint8Array(16).map((_, i) => 0xb0 + i);
    const ask = async (seq: number, destination: Msg[], room: string) =>
      (await ras.ask({
        admissionRequest: {
          ...arq,
          requestSeqNum: seq,
          endpointIdentifier: rcf.endpointIdentifier,
          destinationInfo: destination,
          gatekeeperIdentifier: "Council",
          answerCall: false,
          callIdentifier: { guid },
          tokens: [admissionToken(await alice.request(room))],
        },
      }))!;
    const nobody = await ask(1, [{ dialledDigits: "5550100" }], "gateway");
    assert.deepEqual(nobody.admissionReject?.rejectReason, { calledPartyNotRegistered: null });
    // The token must be for a gateway call.
    const wrong = await ask(2, [{ dialledDigits: "1002" }], "main");
    assert.deepEqual(wrong.admissionReject?.rejectReason, { securityDenial: null });
    const acf = (await ask(3, [{ dialledDigits: "1002" }], "gateway")).admissionConfirm;
    assert.ok(acf, "ACF");
    assert.deepEqual(acf.callModel, { gatekeeperRouted: null });
    assert.equal(
      (acf.destCallSignalAddress as { ipAddress: { port: number } }).ipAddress.port,
      council.callSignalPort,
    );

    // Alice's Setup (no token: the ARQ admitted it) dials 1002 by its Called party
    // number only; Council calls bob's terminal, which answers.
    const fast = await tpktMessages("h323plus-fast-ooh323c.pcapng");
    const caller = await TpktClient.connect(council.callSignalPort);
    clients.push(caller);
    const setup = await setupFor(
      fast.find((m) => m.frame === 4)!.payload,
      undefined,
      phones[0],
      (b) => {
        b.callIdentifier = { guid };
        b.destinationAddress = [];
      },
    );
    const q = parseQ931(setup);
    await caller.send(serializeQ931({
      ...q,
      ies: [
        ...q.ies.filter((ie) => ie.id !== IE.calledPartyNumber && ie.id !== IE.userUser),
        {
          id: IE.calledPartyNumber,
          data: new Uint8Array([0x81, ...new TextEncoder().encode("1002")]),
        },
        ...q.ies.filter((ie) => ie.id === IE.userUser),
      ],
    }));
    await caller.cs("callProceeding");
    const callee = await TpktClient.accept(terminal);
    clients.push(callee);
    const answer = await terminalAnswer((await callee.cs("setup")).cs!, phones[1]);
    await callee.send(answer.callProceeding);
    await callee.send(answer.alerting);
    await caller.cs("alerting");
    await callee.send(answer.connect);
    const connect = await caller.cs("connect");

    // Speech from alice reaches bob's phone.
    const s1 = (await speech(1, 8000)).subarray(0, 2 * SEC);
    const since = performance.now();
    await phones[0].play(acceptedRtpPort(connect.cs!.body as Msg), s1);
    await new Promise((r) => setTimeout(r, 400));
    const heard = phones[1].decodeReceived(8000, undefined, since);
    const c = windowedCorrelation(s1.subarray(SEC / 2, 3 * SEC / 2), heard, 4000, 8000);
    assert.ok(c.value > 0.7, `bob hears alice: ${c.value.toFixed(3)}`);
    const [gw] = await list(council.url, "/api/v1/gateway/calls");
    assert.deepEqual(
      [(gw.caller as Msg).protocol, (gw.callee as Msg).protocol, gw.dialled],
      ["h323", "h323", "1002"],
    );

    // Alice hangs up (H323Plus's Release Complete): bob's terminal is released too.
    await caller.send(
      adjust(fast.find((m) => m.frame === 44)!.payload, (b) => b.callIdentifier = { guid }),
    );
    const rc = await callee.cs("releaseComplete");
    assert.equal(causeOf(rc.cs!.q931), 16);
    await allReleased(council.url);
    for (const cl of clients) await assertCsDecodes(cl);
  } finally {
    for (const cl of clients) cl.close();
    for (const p of phones) p.close();
    terminal.close();
    ras.close();
    assert.equal(await council.stop(), 0);
  }
});
