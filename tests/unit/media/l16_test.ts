// L16 (RFC 3551 4.5.11): 16-bit linear PCM in network byte order at 16 kHz, the agent
// leg's format. Council answers a phone that offers L16/16000 with it and never lists
// it in offers of its own.

import assert from "node:assert/strict";
import {
  CodecError,
  createDecoder,
  createEncoder,
  l16ToPcm,
  pcmToL16,
} from "../../../media/codecs/frame_codec.ts";
import { answerOffer, createOffer, offeredCodecs } from "../../../media/sdp/negotiate.ts";
import { CODECS } from "../../../guard/types.ts";

Deno.test("L16 payloads are big-endian samples; the frame codec round-trips exactly", () => {
  const pcm = new Int16Array([0, 1, -1, 0x1234, -32768, 32767]);
  const bytes = new Uint8Array(12);
  assert.equal(pcmToL16(pcm, bytes), 12);
  assert.deepEqual([...bytes], [0, 0, 0, 1, 0xff, 0xff, 0x12, 0x34, 0x80, 0, 0x7f, 0xff]);
  const back = new Int16Array(6);
  assert.equal(l16ToPcm(bytes, back), 6);
  assert.deepEqual([...back], [...pcm]);

  const enc = createEncoder({ codec: "L16", mixRate: 48000 });
  const dec = createDecoder({ codec: "L16", mixRate: 48000 });
  assert.equal(enc.pcmRate, 16000, "L16 runs at 16 kHz whatever the room mixes at");
  const frame = new Int16Array(320).map((_, i) => Math.round(9000 * Math.sin(i / 5)));
  const payload = new Uint8Array(640);
  assert.equal(enc.encode(frame, payload), 640);
  assert.equal(dec.duration(payload), 320);
  const out = new Int16Array(320);
  assert.equal(dec.decode(payload, out), 320);
  assert.deepEqual(out, frame);
  assert.throws(() => dec.duration(new Uint8Array(641)), CodecError);
  assert.throws(() => dec.duration(new Uint8Array(0)), CodecError);
  const concealed = new Int16Array(320);
  dec.conceal(concealed);
  dec.close();
  enc.close();
});

Deno.test("SDP: an offer of L16/16000 is answered with it; Council's own offers leave it out", () => {
  assert.ok((CODECS as readonly string[]).includes("L16"));
  const offer = [
    "v=0",
    "o=phone 1 1 IN IP4 127.0.0.1",
    "s=-",
    "c=IN IP4 127.0.0.1",
    "t=0 0",
    "m=audio 40100 RTP/AVP 98 0",
    "a=rtpmap:98 L16/16000",
    "a=rtpmap:0 PCMU/8000",
    "",
  ].join("\r\n");
  assert.deepEqual(offeredCodecs(offer), ["L16", "PCMU"]);
  const { answer, agreement } = answerOffer(offer, {
    allowed: [...CODECS],
    local: { address: "127.0.0.1", port: 41000 },
  });
  assert.equal(agreement.codec, "L16");
  assert.equal(agreement.payloadType, 98);
  assert.equal(agreement.clockRate, 16000);
  assert.match(answer, /a=rtpmap:98 L16\/16000/);
  // L16 at another rate (44.1 kHz, RFC 3551's static 10/11) is not ours.
  assert.deepEqual(offeredCodecs(offer.replace("L16/16000", "L16/44100")), ["PCMU"]);

  const ours = createOffer({ codecs: [...CODECS], local: { address: "127.0.0.1", port: 41000 } });
  assert.doesNotMatch(ours, /L16/);
  // The telephone-event payload type is where it was before L16 joined the catalog.
  const without = createOffer({
    codecs: CODECS.filter((c) => c !== "L16"),
    local: { address: "127.0.0.1", port: 41000 },
    sessionId: 7,
  });
  assert.equal(
    createOffer({
      codecs: [...CODECS],
      local: { address: "127.0.0.1", port: 41000 },
      sessionId: 7,
    }),
    without,
  );
});
