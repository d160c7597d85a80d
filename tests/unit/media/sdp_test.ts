import assert from "node:assert/strict";
import { answerOffer, createOffer, parseSdp, SdpError } from "../../../media/sdp/mod.ts";

const local = { address: "127.0.0.1", port: 40000 };
const crlf = (lines: string[]) => lines.join("\r\n") + "\r\n";

const OFFER = crlf([
  "v=0",
  "o=alice 2890844526 2890844526 IN IP4 192.0.2.10",
  "s=-",
  "c=IN IP4 192.0.2.10",
  "t=0 0",
  "m=audio 49170 RTP/AVP 0 8 97 101",
  "a=rtpmap:0 PCMU/8000",
  "a=rtpmap:8 PCMA/8000",
  "a=rtpmap:97 opus/48000/2",
  "a=fmtp:97 useinbandfec=1",
  "a=rtpmap:101 telephone-event/8000",
  "a=fmtp:101 0-15",
  "a=ptime:30",
  "a=sendrecv",
  "m=video 51372 RTP/AVP 96",
  "a=rtpmap:96 VP8/90000",
]);

function refuses(fn: () => unknown, code: SdpError["code"], reason: RegExp) {
  assert.throws(
    fn,
    (e: unknown) => e instanceof SdpError && e.code === code && reason.test(e.message),
    `${code} ${reason}`,
  );
}

Deno.test("the answer takes the offerer's first allowed codec, keeps telephone-event, declines video", () => {
  const { answer, agreement } = answerOffer(OFFER, { allowed: ["opus", "PCMA"], local });
  assert.deepEqual(agreement, {
    codec: "PCMA",
    payloadType: 8,
    clockRate: 8000,
    fmtp: undefined,
    dtmfPayloadType: 101,
    ptime: 30,
    direction: "sendrecv",
    remote: { address: "192.0.2.10", port: 49170 },
  });
  const parsed = parseSdp(answer);
  assert.equal(parsed.connection?.ip, "127.0.0.1");
  const [audio, video] = parsed.media!;
  assert.equal(audio.port, 40000);
  assert.equal(String(audio.payloads), "8 101");
  assert.equal(audio.direction, "sendrecv");
  assert.equal(video.type, "video");
  assert.equal(video.port, 0, "declined streams keep their place with port 0");
  assert.match(answer, /^m=audio 40000 RTP\/AVP 8 101\r$/m);
  assert.match(answer, /^a=rtpmap:101 telephone-event\/8000\r$/m);
});

Deno.test("SIPp's own uac offer is answered", async () => {
  const dump = await new Deno.Command("sipp", {
    args: ["-sd", "uac"],
    stdout: "piped",
    stderr: "null",
  }).output();
  const xml = new TextDecoder().decode(dump.stdout);
  const body = xml.slice(xml.indexOf("v=0"), xml.indexOf("]]>", xml.indexOf("v=0")));
  const offer = crlf(
    body.trim().split("\n").map((l) => l.trim()).map((l) =>
      l.replaceAll("[local_ip_type]", "4").replaceAll("[media_ip_type]", "4").replaceAll(
        "[local_ip]",
        "127.0.0.1",
      )
        .replaceAll("[media_ip]", "127.0.0.1").replaceAll("[media_port]", "6000")
    ),
  );
  assert.match(offer, /m=audio 6000 RTP\/AVP 0/);
  const { agreement } = answerOffer(offer, { allowed: ["opus", "PCMU"], local });
  assert.equal(agreement.codec, "PCMU");
  assert.equal(agreement.dtmfPayloadType, undefined);
  assert.deepEqual(agreement.remote, { address: "127.0.0.1", port: 6000 });
});

Deno.test("static payload types need no rtpmap; G.729 Annex B follows the offer", () => {
  const offer = (fmtp?: string) =>
    crlf([
      "v=0",
      "o=- 1 1 IN IP4 10.0.0.1",
      "s=-",
      "c=IN IP4 10.0.0.1",
      "t=0 0",
      "m=audio 5004 RTP/AVP 18 0",
      ...(fmtp ? [fmtp] : []),
    ]);
  assert.equal(answerOffer(offer(), { allowed: ["G729"], local }).agreement.fmtp, "annexb=yes");
  const noB = answerOffer(offer("a=fmtp:18 annexb=no"), { allowed: ["G729", "PCMU"], local });
  assert.equal(noB.agreement.codec, "G729");
  assert.equal(noB.agreement.fmtp, "annexb=no");
  assert.match(noB.answer, /^a=fmtp:18 annexb=no\r$/m);
});

Deno.test("hold: sendonly is answered recvonly, c=0.0.0.0 inactive", () => {
  const sendonly = OFFER.replace("a=sendrecv", "a=sendonly");
  assert.equal(answerOffer(sendonly, { allowed: ["PCMU"], local }).agreement.direction, "recvonly");
  const held = OFFER.replace("c=IN IP4 192.0.2.10", "c=IN IP4 0.0.0.0");
  assert.equal(answerOffer(held, { allowed: ["PCMU"], local }).agreement.direction, "inactive");
});

Deno.test("offers without a common codec, audio or supported transport are refused with a reason", () => {
  refuses(
    () => answerOffer(OFFER, { allowed: ["G729"], local }),
    "NO_COMMON_CODEC",
    /offered PCMU, PCMA, opus, telephone-event; allowed G729/,
  );
  refuses(
    () =>
      answerOffer(OFFER.replace("m=audio 49170 RTP/AVP", "m=audio 49170 RTP/SAVP"), {
        allowed: ["PCMU"],
        local,
      }),
    "UNSUPPORTED_TRANSPORT",
    /RTP\/SAVP/,
  );
  refuses(
    () => answerOffer(OFFER.replace("m=audio 49170", "m=audio 0"), { allowed: ["PCMU"], local }),
    "NO_AUDIO",
    /no active audio/,
  );
  refuses(() => parseSdp("hello"), "MALFORMED", /must start with v=0/);
  refuses(() => parseSdp("v=0\r\ns=-\r\n"), "MALFORMED", /no o= line/);
  refuses(
    () => parseSdp(crlf(["v=0", "o=- 1 1 IN IP4 1.2.3.4", "s=-", "t=0 0"])),
    "NO_AUDIO",
    /no m= line/,
  );
  refuses(() => parseSdp("v=0\r\n" + "a=x\r\n".repeat(5000)), "MALFORMED", /larger than/);
  refuses(
    () =>
      answerOffer(
        crlf(["v=0", "o=- 1 1 IN IP4 1.2.3.4", "s=-", "t=0 0", "m=audio 4000 RTP/AVP 0"]),
        { allowed: ["PCMU"], local },
      ),
    "MALFORMED",
    /no c= line/,
  );
});

Deno.test("our own offer is answered by our own answerer (outbound calls)", () => {
  const offer = createOffer({
    codecs: ["opus", "G729", "PCMU"],
    local: { address: "127.0.0.1", port: 41000 },
  });
  assert.match(offer, /^m=audio 41000 RTP\/AVP 96 18 0 97\r$/m);
  assert.match(offer, /^a=rtpmap:96 opus\/48000\/2\r$/m);
  const { agreement } = answerOffer(offer, { allowed: ["G729", "PCMU"], local });
  assert.equal(agreement.codec, "G729");
  assert.equal(agreement.dtmfPayloadType, 97);
  assert.deepEqual(agreement.remote, { address: "127.0.0.1", port: 41000 });
});
