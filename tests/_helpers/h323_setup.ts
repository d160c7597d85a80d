// Captured H.225.0 messages adjusted for a test or benchmark: a Setup dialling a
// Council room with a guardian's signed admission request and its Fast Start
// media addresses pointed at a local RTP port; a terminal's answer to Council's
// Setup.

import { decode, encode } from "../../signaling/h323/asn1/per.ts";
import { H323UserInformation } from "../../signaling/h323/h225/mod.ts";
import { type CsMessage, readCs } from "../../signaling/h323/h225/signalling.ts";
import { h245Address, hostPortOf } from "../../signaling/h323/h245/capabilities.ts";
import { encodeH245, type H245Message, OpenLogicalChannel } from "../../signaling/h323/h245/mod.ts";
import { admissionToken } from "../../signaling/h323/mod.ts";
import { IE, parseQ931, serializeQ931 } from "../../signaling/h323/q931/message.ts";
import type { TestGuardian } from "./council_api.ts";
import { tpktMessages } from "./h323_capture.ts";
import type { TpktClient } from "./h323_client.ts";

type Msg = Record<string, unknown>;

/** A captured call signalling message with its H.225.0 body changed by `edit`. */
export function adjust(raw: Uint8Array, edit: (body: Msg, pdu: Msg) => void): Uint8Array {
  const m = readCs(raw);
  const uu = structuredClone(m.uu!) as Msg;
  const pdu = uu["h323-uu-pdu"] as Msg;
  const body = (pdu["h323-message-body"] as Msg)[m.kind!] as Msg;
  edit(body, pdu);
  const encoded = encode(H323UserInformation, uu);
  const data = new Uint8Array(encoded.length + 1);
  data[0] = 5;
  data.set(encoded, 1);
  return serializeQ931({
    ...m.q931,
    ies: m.q931.ies.map((ie) => ie.id === IE.userUser ? { id: ie.id, data } : ie),
  });
}

/** A captured Setup for `room`, carrying `guardian`'s signed request, media to `rtpPort`. */
export async function setupFor(
  raw: Uint8Array,
  guardian: TestGuardian | undefined,
  phone?: { port: number },
  editMore?: (body: Msg) => void,
  room = "main",
): Promise<Uint8Array> {
  const token = guardian ? admissionToken(await guardian.request(room)) : undefined;
  return adjust(raw, (body) => {
    body.destinationAddress = [{ "h323-ID": `council-${room}` }];
    if (token) body.tokens = [token];
    else delete body.tokens;
    if (phone && body.fastStart) {
      body.fastStart = (body.fastStart as Uint8Array[]).map((b) => {
        const olc = decode(OpenLogicalChannel, b) as Msg;
        for (const dir of ["forwardLogicalChannelParameters", "reverseLogicalChannelParameters"]) {
          const p = ((olc[dir] as Msg | undefined)?.multiplexParameters as Msg | undefined)
            ?.h2250LogicalChannelParameters as Msg | undefined;
          if (!p) continue;
          if (p.mediaChannel) p.mediaChannel = h245Address({ host: "127.0.0.1", port: phone.port });
          if (p.mediaControlChannel) {
            p.mediaControlChannel = h245Address({ host: "127.0.0.1", port: phone.port + 1 });
          }
        }
        return encode(OpenLogicalChannel, olc);
      });
    }
    editMore?.(body);
  });
}

/**
 * A terminal's answer to a Setup from Council, as ooh323c answered (its Call
 * Proceeding, Alerting and Connect, frames 6, 8 and 10 of ooh323c-call.pcapng),
 * renumbered to this call: Connect accepts Council's Fast Start pair of
 * `capability` (e.g. "g711Ulaw64k", "g729AnnexA") with media to `phone`.
 */
export async function terminalAnswer(
  setup: CsMessage,
  phone: { port: number },
  capability = "g711Ulaw64k",
): Promise<{
  crv: number;
  guid: Uint8Array;
  callProceeding: Uint8Array;
  alerting: Uint8Array;
  connect: Uint8Array;
  /** Council's RTP port (its receive proposal). */
  councilRtp: number;
  /** A captured message of ooh323c's, as a message of this call (`edit` its body). */
  message: (frame: number, edit?: (body: Msg, pdu: Msg) => void) => Uint8Array;
}> {
  const frames = await tpktMessages("ooh323c-call.pcapng");
  const frame = (n: number) => frames.find((m) => m.frame === n)!.payload;
  const crv = setup.q931.callReference;
  const guid = ((setup.body as Msg).callIdentifier as Msg).guid as Uint8Array;
  const proposals = ((setup.body as Msg).fastStart as Uint8Array[]).map((b) =>
    decode(OpenLogicalChannel, b) as Msg
  );
  const params = (o: Msg, dir: string) => o[dir] as Msg | undefined;
  const carries = (o: Msg, dir: string) =>
    capability in ((params(o, dir)?.dataType as Msg | undefined)?.audioData as Msg ?? {});
  const sends = proposals.find((o) => carries(o, "forwardLogicalChannelParameters"));
  const receives = proposals.find((o) => carries(o, "reverseLogicalChannelParameters"));
  if (!sends || !receives) throw new Error(`Council proposed no ${capability} pair`);
  const councilRtp = hostPortOf(
    ((params(receives, "reverseLogicalChannelParameters")!.multiplexParameters as Msg)
      .h2250LogicalChannelParameters as Msg).mediaChannel,
  )!.port;
  const message = (n: number, edit?: (body: Msg, pdu: Msg) => void) => {
    const q = parseQ931(adjust(frame(n), (body, pdu) => {
      body.callIdentifier = { guid };
      edit?.(body, pdu);
    }));
    return serializeQ931({ ...q, callReference: crv, fromDestination: true });
  };
  const connect = message(10, (body) => {
    const [rev, fwd] = (body.fastStart as Uint8Array[]).map((b) =>
      decode(OpenLogicalChannel, b) as Msg
    );
    rev.forwardLogicalChannelNumber = receives.forwardLogicalChannelNumber;
    fwd.forwardLogicalChannelNumber = sends.forwardLogicalChannelNumber;
    // ooh323c accepted u-law; another codec is the same answer with its capability
    // (frames per packet: 20 ms).
    for (const [olc, dir] of [[rev, "reverse"], [fwd, "forward"]] as const) {
      const p = olc[`${dir}LogicalChannelParameters`] as Msg;
      if (!(capability in ((p.dataType as Msg).audioData as Msg))) {
        p.dataType = { audioData: { [capability]: capability.startsWith("g729") ? 2 : 20 } };
      }
    }
    const p = ((fwd.forwardLogicalChannelParameters as Msg).multiplexParameters as Msg)
      .h2250LogicalChannelParameters as Msg;
    p.mediaChannel = h245Address({ host: "127.0.0.1", port: phone.port });
    p.mediaControlChannel = h245Address({ host: "127.0.0.1", port: phone.port + 1 });
    body.fastStart = [rev, fwd].map((o) => encode(OpenLogicalChannel, o));
  });
  const plain = (n: number) => message(n, (body) => delete body.fastStart);
  return { crv, guid, callProceeding: plain(6), alerting: plain(8), connect, councilRtp, message };
}

/** The fast-start OLC Council accepted for the caller's transmit direction: Council's RTP port. */
export function acceptedRtpPort(connect: Msg): number {
  for (const b of (connect.fastStart as Uint8Array[]) ?? []) {
    const olc = decode(OpenLogicalChannel, b) as Msg;
    const p = ((olc.forwardLogicalChannelParameters as Msg).multiplexParameters as Msg)
      .h2250LogicalChannelParameters as Msg | undefined;
    const hp = hostPortOf(p?.mediaChannel);
    if (hp) return hp.port;
  }
  throw new Error("Connect accepted no transmit channel");
}

/** Answers Council's OpenLogicalChannel as a terminal would: send media to `phone`. */
export function olcAck(olc: Msg, phone: { port: number }): Uint8Array {
  return encodeH245({
    response: {
      openLogicalChannelAck: {
        forwardLogicalChannelNumber: olc.forwardLogicalChannelNumber,
        forwardMultiplexAckParameters: {
          h2250LogicalChannelAckParameters: {
            sessionID: 1,
            mediaChannel: h245Address({ host: "127.0.0.1", port: phone.port }),
            mediaControlChannel: h245Address({ host: "127.0.0.1", port: phone.port + 1 }),
          },
        },
      },
    },
  });
}

/** Council's OpenLogicalChannel carrying `capability`, at or after message `from`. */
export async function councilChannel(
  client: TpktClient,
  capability: string,
  from = 0,
): Promise<Msg> {
  const carries = (m: H245Message) => {
    const olc = m.request?.openLogicalChannel as Msg | undefined;
    const audio = ((olc?.forwardLogicalChannelParameters as Msg | undefined)?.dataType as
      | Msg
      | undefined)?.audioData as Msg | undefined;
    return audio !== undefined && capability in audio;
  };
  const r = await client.next((r) => r.h245.some(carries), { from });
  return r.h245.find(carries)!.request.openLogicalChannel as Msg;
}
