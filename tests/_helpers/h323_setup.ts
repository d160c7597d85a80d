// Captured H.225.0 messages adjusted for a test or benchmark: a Setup dialling a
// Council room with a guardian's signed admission request and its Fast Start
// media addresses pointed at a local RTP port.

import { decode, encode } from "../../signaling/h323/asn1/per.ts";
import { H323UserInformation } from "../../signaling/h323/h225/mod.ts";
import { readCs } from "../../signaling/h323/h225/signalling.ts";
import { h245Address } from "../../signaling/h323/h245/capabilities.ts";
import { OpenLogicalChannel } from "../../signaling/h323/h245/mod.ts";
import { admissionToken } from "../../signaling/h323/mod.ts";
import { IE, serializeQ931 } from "../../signaling/h323/q931/message.ts";
import type { TestGuardian } from "./council_api.ts";

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
