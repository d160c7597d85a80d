// H.225.0 call signalling and H.245 codecs: every TPKT message of the real
// captures (ooh323c, H323Plus, GNU Gatekeeper, a device) round-trips byte-
// identical through Council's Q.931, H.225.0 and H.245 codecs; the messages
// Council produces are read by Wireshark; TPKT, Q.931 and PER reject bad input
// with their own errors; H.245 procedures and Fast Start choose as H.323 says.

import assert from "node:assert/strict";
import { CALL_CAPTURES, tpktMessages } from "../../_helpers/h323_capture.ts";
import { mutations } from "../../_helpers/mutate.ts";
import { assertReencodes } from "../../_helpers/per_roundtrip.ts";
import { tsharkVerdicts } from "../../_helpers/tshark.ts";
import { decode, encode, PerError } from "../../../signaling/h323/asn1/per.ts";
import { H323UserInformation } from "../../../signaling/h323/h225/mod.ts";
import { readCs } from "../../../signaling/h323/h225/signalling.ts";
import {
  answerFastStart,
  audioChannel,
  audioChannelAck,
  hostPortOf,
  terminalCapabilitySet,
} from "../../../signaling/h323/h245/capabilities.ts";
import { H245Control } from "../../../signaling/h323/h245/control.ts";
import {
  decodeH245,
  encodeH245,
  h245Kind,
  type H245Message,
  OpenLogicalChannel,
} from "../../../signaling/h323/h245/mod.ts";
import { IE, parseQ931, Q931Error, serializeQ931 } from "../../../signaling/h323/q931/message.ts";
import { frameTpkt, TpktError, TpktReader } from "../../../signaling/h323/q931/tpkt.ts";
import { createLogger } from "../../../telemetry/mod.ts";

type Msg = Record<string, unknown>;
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

async function allMessages() {
  const out = [];
  for (const f of CALL_CAPTURES) {
    out.push(...(await tpktMessages(f)).map((m) => ({ ...m, file: f })));
  }
  return out;
}

Deno.test("captures: every call signalling and H.245 message re-encodes byte-identical", async () => {
  let cs = 0, h245 = 0, fastStart = 0, refused = 0;
  for (const m of await allMessages()) {
    if (m.payload[0] !== 0x08) {
      // Separate H.245 channel (the device capture).
      assert.equal(hex(encodeH245(decodeH245(m.payload))), hex(m.payload));
      h245++;
      continue;
    }
    const q = parseQ931(m.payload);
    assert.equal(hex(serializeQ931(q)), hex(m.payload), `${m.file} frame ${m.frame}`);
    const uuIe = q.ies.find((ie) => ie.id === IE.userUser)!.data;
    let uu: Msg;
    try {
      uu = decode(H323UserInformation, uuIe.subarray(1)) as Msg;
    } catch (err) {
      // The device's one Setup Wireshark also calls malformed.
      assert.ok(err instanceof PerError, String(err));
      refused++;
      continue;
    }
    assert.equal(hex(encode(H323UserInformation, uu)), hex(uuIe.subarray(1)));
    cs++;
    const pdu = uu["h323-uu-pdu"] as Msg;
    for (const b of (pdu.h245Control as Uint8Array[] | undefined) ?? []) {
      assert.equal(hex(encodeH245(decodeH245(b))), hex(b), `${m.file} frame ${m.frame}`);
      h245++;
    }
    const body = Object.values(pdu["h323-message-body"] as Msg)[0] as Msg | null;
    for (const b of (body?.fastStart as Uint8Array[] | undefined) ?? []) {
      assert.equal(hex(encode(OpenLogicalChannel, decode(OpenLogicalChannel, b))), hex(b));
      fastStart++;
    }
  }
  assert.equal(refused, 1);
  assert.ok(cs >= 80 && h245 >= 50 && fastStart >= 20, `${cs} CS, ${h245} H.245, ${fastStart} OLC`);
});

Deno.test("TPKT: reassembly across any split, and bad headers are errors", () => {
  const a = frameTpkt(new Uint8Array([8, 2, 0, 1, 5])), b = frameTpkt(new Uint8Array(300).fill(7));
  const stream = new Uint8Array([...a, ...b]);
  for (let cut = 0; cut <= stream.length; cut++) {
    const r = new TpktReader();
    const got = [...r.push(stream.subarray(0, cut)), ...r.push(stream.subarray(cut))];
    assert.deepEqual(got.map((g) => g.length), [5, 300]);
    assert.equal(r.pending, 0);
  }
  const byteByByte = new TpktReader();
  const got = [...stream].flatMap((x) => byteByByte.push(new Uint8Array([x])));
  assert.equal(got.length, 2);
  assert.throws(() => new TpktReader().push(new Uint8Array([4, 0, 0, 9])), TpktError);
  assert.throws(() => new TpktReader().push(new Uint8Array([3, 0, 0, 4])), TpktError);
  assert.throws(() => frameTpkt(new Uint8Array(65532)), TpktError);
});

Deno.test("Q.931: malformed messages are refused with the Q.850 cause to answer", () => {
  const cases: [number[], number][] = [
    [[8, 2, 0], 95], // too short
    [[9, 2, 0, 1, 5], 95], // not Q.931
    [[8, 1, 1, 5, 0], 81], // 1-octet call reference
    [[8, 2, 0, 1, 0x33], 97], // unknown message type
    [[8, 2, 0, 1, 5, 0x04, 9, 0x80], 100], // IE overruns the message
    [[8, 2, 0, 1, 5, 0x7e, 0], 100], // user-user header cut
  ];
  for (const [bytes, cause] of cases) {
    assert.throws(
      () => parseQ931(new Uint8Array(bytes)),
      (e) => e instanceof Q931Error && e.q850 === cause,
    );
  }
  // A hostile count of IEs is bounded.
  const many = new Uint8Array([8, 2, 0, 1, 5, ...new Array(200).fill(0xa1)]);
  assert.throws(() => parseQ931(many), Q931Error);
  // readCs: a user-user IE that is not H.225.0 PER.
  const bad = serializeQ931({
    callReference: 1,
    fromDestination: false,
    type: "setup",
    ies: [{ id: IE.userUser, data: new Uint8Array([5, 0xff, 0xff]) }],
  });
  assert.throws(() => readCs(bad), (e) => e instanceof Q931Error && e.q850 === 100);
});

Deno.test("fuzz: mutated call signalling and H.245 fail only with Q931Error / PerError; what decodes re-encodes", async () => {
  const messages = await allMessages();
  const cs = messages.filter((m) => m.payload[0] === 8).map((m) => m.payload);
  const h245 = messages.flatMap((m) => {
    if (m.payload[0] !== 8) return [m.payload];
    try {
      return ((readCs(m.payload).pdu?.h245Control as Uint8Array[]) ?? []);
    } catch {
      return [];
    }
  });
  const decodeUu = (b: Uint8Array) => decode(H323UserInformation, b) as Msg;
  const encodeUu = (v: Msg) => encode(H323UserInformation, v);
  let csOk = 0, uuOk = 0, h245Ok = 0;
  for (const input of mutations(cs, 2000, 7)) {
    let m;
    try {
      m = readCs(input);
    } catch (err) {
      if (!(err instanceof Q931Error)) throw new Error(`input ${hex(input)}: ${err}`);
      continue;
    }
    csOk++;
    // The Q.931 message re-serializes and reads back the same (user-user information included).
    assertReencodes(input, m, readCs, (v) => serializeQ931(v.q931));
    if (m.uu) {
      assertReencodes(input, m.uu, decodeUu, encodeUu);
      uuOk++;
    }
  }
  for (const input of mutations(h245, 2000, 11)) {
    let v;
    try {
      v = decodeH245(input);
    } catch (err) {
      if (!(err instanceof PerError)) throw new Error(`input ${hex(input)}: ${err}`);
      continue;
    }
    assertReencodes(input, v, decodeH245, encodeH245);
    h245Ok++;
  }
  assert.ok(csOk > 0 && csOk < 2000, `${csOk} CS decoded`);
  assert.ok(uuOk > 0, `${uuOk} user-user IEs re-encoded`);
  assert.ok(h245Ok > 0 && h245Ok < 2000, `${h245Ok} H.245 decoded`);
});

const LOCAL = { rtp: { host: "127.0.0.1", port: 40000 }, rtcp: { host: "127.0.0.1", port: 40001 } };

Deno.test("every H.245 message Council sends is read by Wireshark as that message", async () => {
  const ours: H245Message[] = [
    {
      request: {
        terminalCapabilitySet: terminalCapabilitySet({
          sequenceNumber: 1,
          codecs: ["PCMA", "PCMU", "G722", "G729"],
          video: true,
        }),
      },
    },
    { request: { masterSlaveDetermination: { terminalType: 180, statusDeterminationNumber: 99 } } },
    { response: { masterSlaveDeterminationAck: { decision: { slave: null } } } },
    { response: { masterSlaveDeterminationReject: { cause: { identicalNumbers: null } } } },
    { response: { terminalCapabilitySetAck: { sequenceNumber: 3 } } },
    {
      request: {
        openLogicalChannel: audioChannel(
          1,
          { codec: "G729", capability: "g729AnnexA" },
          LOCAL.rtcp,
        ),
      },
    },
    { response: { openLogicalChannelAck: audioChannelAck(101, LOCAL) } },
    {
      response: {
        openLogicalChannelReject: {
          forwardLogicalChannelNumber: 102,
          cause: { dataTypeNotAvailable: null },
        },
      },
    },
    {
      request: {
        closeLogicalChannel: { forwardLogicalChannelNumber: 1, source: { user: null } },
      },
    },
    { response: { closeLogicalChannelAck: { forwardLogicalChannelNumber: 101 } } },
    { response: { requestChannelCloseAck: { forwardLogicalChannelNumber: 1 } } },
    { request: { roundTripDelayRequest: { sequenceNumber: 4 } } },
    { response: { roundTripDelayResponse: { sequenceNumber: 4 } } },
    { indication: { userInput: { signal: { signalType: "#", duration: 100 } } } },
    { indication: { functionNotSupported: { cause: { syntaxError: null } } } },
    {
      response: {
        requestModeReject: { sequenceNumber: 1, cause: { modeUnavailable: null } },
      },
    },
    { command: { endSessionCommand: { disconnect: null } } },
  ];
  const verdicts = await tsharkVerdicts("h245", ours.map(encodeH245));
  for (const [i, v] of verdicts.entries()) {
    const kind = h245Kind(ours[i]).split(".")[1];
    assert.equal(v.malformed, false, v.detail);
    assert.deepEqual(v.problems, [], v.detail);
    assert.match(v.detail, new RegExp(kind, "i"), `${kind} not in the decode`);
  }
  // The capability set names the codecs and DTMF in Wireshark's terms.
  for (
    const field of [
      "g711Alaw64k",
      "g711Ulaw64k",
      "g722-64k",
      "g729AnnexA",
      "h263VideoCapability",
      "dtmf",
    ]
  ) {
    assert.match(verdicts[0].detail, new RegExp(field), field);
  }
  assert.match(verdicts[5].detail, /tsapIdentifier: 40001/);
});

Deno.test("Fast Start: one pair of ooh323c's proposals is accepted, with Council's addresses", async () => {
  const setup = (await tpktMessages("ooh323c-call.pcapng")).find((m) => m.frame === 4)!;
  const body = readCs(setup.payload).body as Msg;
  const proposals = (body.fastStart as Uint8Array[]).map((b) =>
    decode(OpenLogicalChannel, b) as Msg
  );
  const answer = answerFastStart(proposals, ["PCMA", "PCMU"], LOCAL)!;
  assert.equal(answer.choice.codec, "PCMU"); // the only law ooh323c offered
  assert.deepEqual(answer.remoteRtp, { host: "127.0.0.3", port: 14030 });
  assert.equal(answer.accepted.length, 2);
  const tx = answer.accepted.find((o) =>
    "audioData" in ((o.forwardLogicalChannelParameters as Msg).dataType as Msg)
  )!;
  const p = ((tx.forwardLogicalChannelParameters as Msg).multiplexParameters as Msg)
    .h2250LogicalChannelParameters as Msg;
  assert.deepEqual(hostPortOf(p.mediaChannel), LOCAL.rtp);
  // Accepted channels encode (they go back in Connect).
  for (const olc of answer.accepted) encode(OpenLogicalChannel, olc);
  // Nothing acceptable: no answer (the call falls back to H.245).
  assert.equal(answerFastStart(proposals, ["G729"], LOCAL), undefined);
});

Deno.test("H.245 control: master against terminals, identical numbers rejected, channel follows the peer's codec", () => {
  const sent: H245Message[] = [];
  const events: string[] = [];
  const control = new H245Control({
    send: (m) => sent.push(m),
    codecs: () => ["PCMA", "PCMU"],
    local: LOCAL,
    log: createLogger({ level: "error" }),
    events: {
      receiveChannel: (c) => (events.push(`rx ${c.codec}`), true),
      transmitChannel: (c, r) => events.push(`tx ${c.codec} ${r.port}`),
      digits: (d) => events.push(`digits ${d}`),
      endSession: () => events.push("end"),
      failed: (why) => events.push(`failed ${why}`),
    },
  });
  control.start();
  assert.deepEqual(sent.map(h245Kind), [
    "request.terminalCapabilitySet",
    "request.masterSlaveDetermination",
  ]);
  // A terminal (type 50) is slave to an MCU (180).
  control.handle({
    request: { masterSlaveDetermination: { terminalType: 50, statusDeterminationNumber: 5 } },
  });
  assert.deepEqual(sent.at(-1), {
    response: { masterSlaveDeterminationAck: { decision: { slave: null } } },
  });
  assert.equal(control.master, true);
  // The peer can receive both laws; Council opens A-law (its preference).
  control.handle({
    request: {
      terminalCapabilitySet: terminalCapabilitySet({ sequenceNumber: 1, codecs: ["PCMU", "PCMA"] }),
    },
  });
  const olc1 = sent.find((m) => m.request?.openLogicalChannel)!.request.openLogicalChannel as Msg;
  assert.deepEqual(((olc1.forwardLogicalChannelParameters as Msg).dataType as Msg).audioData, {
    g711Alaw64k: 20,
  });
  // The peer sends u-law: Council accepts, closes its A-law channel and reopens with u-law.
  control.handle({
    request: {
      openLogicalChannel: audioChannel(
        101,
        { codec: "PCMU", capability: "g711Ulaw64k" },
        LOCAL.rtcp,
      ),
    },
  });
  const tail = sent.slice(-3).map(h245Kind);
  assert.deepEqual(tail, [
    "response.openLogicalChannelAck",
    "request.closeLogicalChannel",
    "request.openLogicalChannel",
  ]);
  const olc2 = sent.at(-1)!.request.openLogicalChannel as Msg;
  assert.equal(olc2.forwardLogicalChannelNumber, 2);
  // Its ack gives where to send; a stale ack for channel 1 is ignored.
  const ack = (n: number, port: number) => ({
    response: {
      openLogicalChannelAck: audioChannelAck(n, {
        rtp: { host: "127.0.0.9", port },
        rtcp: LOCAL.rtcp,
      }),
    },
  });
  control.handle(ack(1, 1111));
  control.handle(ack(2, 2222));
  control.handle({ indication: { userInput: { alphanumeric: "*6" } } });
  control.handle({ command: { endSessionCommand: { disconnect: null } } });
  assert.deepEqual(events, ["rx PCMU", "tx PCMU 2222", "digits *6", "end"]);

  // Same terminal type: numbers decide; equal numbers are indeterminate.
  const sent2: H245Message[] = [];
  const twin = new H245Control({
    send: (m) => sent2.push(m),
    codecs: () => ["PCMU"],
    local: LOCAL,
    log: createLogger({ level: "error" }),
    events: {
      receiveChannel: () => true,
      transmitChannel: () => {},
      digits: () => {},
      endSession: () => {},
      failed: () => {},
    },
  });
  twin.start();
  const ours = (sent2[1].request.masterSlaveDetermination as Msg)
    .statusDeterminationNumber as number;
  twin.handle({
    request: { masterSlaveDetermination: { terminalType: 180, statusDeterminationNumber: ours } },
  });
  assert.equal(h245Kind(sent2.at(-1)!), "response.masterSlaveDeterminationReject");
  // Undecodable input: FunctionNotSupported, never a throw.
  twin.handleBytes(new Uint8Array([0xff, 0xfe]));
  assert.equal(h245Kind(sent2.at(-1)!), "indication.functionNotSupported");
});

Deno.test("Council's call-out Setup asks to create the conference, as H323Plus accepts (issue 23)", async () => {
  const { setup } = await import("../../../signaling/h323/h225/signalling.ts");
  const body = setup({
    guid: new Uint8Array(16).fill(7),
    conferenceID: new Uint8Array(16).fill(9),
    source: "council-main",
    destination: [{ "h323-ID": "bob" }],
    destCallSignalAddress: { ipAddress: { ip: new Uint8Array([127, 0, 0, 1]), port: 1720 } },
    fastStart: [],
  });
  const uu = {
    "h323-uu-pdu": { "h323-message-body": { setup: body }, h245Tunnelling: true },
  };
  const decoded = decode(H323UserInformation, encode(H323UserInformation, uu)) as Msg;
  const pdu = decoded["h323-uu-pdu"] as { "h323-message-body": { setup: Msg } };
  assert.deepEqual(pdu["h323-message-body"].setup.conferenceGoal, { create: null });
});

Deno.test("a terminal that refuses Council's channel is told to the call (no media sent, the reason kept)", async () => {
  const { fastStartAccepted } = await import("../../../signaling/h323/h245/capabilities.ts");
  const pcmu = { codec: "PCMU" as const, capability: "g711Ulaw64k" };
  // Fast Start: only the terminal's own channel (reverse parameters) accepted.
  const theirs = audioChannel(1, pcmu, LOCAL.rtcp);
  const reverseOnly = {
    forwardLogicalChannelNumber: 1,
    forwardLogicalChannelParameters: {
      dataType: { nullData: null },
      multiplexParameters: { none: null },
    },
    reverseLogicalChannelParameters: theirs.forwardLogicalChannelParameters,
  };
  assert.equal(fastStartAccepted([reverseOnly])?.sendAccepted, false);
  assert.equal(fastStartAccepted([audioChannel(1, pcmu, LOCAL.rtcp)])?.sendAccepted, true);

  // H.245: the terminal rejects Council's channel (H323Plus: insufficientBandwidth).
  const sent: H245Message[] = [];
  const refused: string[] = [];
  const control = new H245Control({
    send: (m) => sent.push(m),
    codecs: () => ["PCMU"],
    local: LOCAL,
    log: createLogger({ level: "error", sink: () => {} }),
    events: {
      receiveChannel: () => true,
      transmitChannel: () => refused.push("opened"),
      digits: () => {},
      endSession: () => {},
      failed: () => {},
      transmitRefused: (cause) => refused.push(cause),
    },
  });
  control.start();
  control.handle({
    request: { masterSlaveDetermination: { terminalType: 50, statusDeterminationNumber: 5 } },
  });
  control.handle({
    request: {
      terminalCapabilitySet: terminalCapabilitySet({ sequenceNumber: 1, codecs: ["PCMU"] }),
    },
  });
  const olc = sent.find((m) => m.request?.openLogicalChannel)!.request.openLogicalChannel as Msg;
  control.handle({
    response: {
      openLogicalChannelReject: {
        forwardLogicalChannelNumber: olc.forwardLogicalChannelNumber,
        cause: { insufficientBandwidth: null },
      },
    },
  });
  assert.deepEqual(refused, ["insufficientBandwidth"]);
});
