// An SRT feed's bridge (media/srt_bridge.ts) over Debian's libsrt, both ways, with a
// UDP socket standing in for the feed's media leg: raw s16le PCM in SRT messages
// becomes 20 ms L16 (big-endian) RTP frames, and back; a caller from another host
// than the feed's source is refused; NDI, absent here, is said to be absent.

import assert from "node:assert/strict";
import { SrtBridge, swap16 } from "../../../media/srt_bridge.ts";
import { SrtSocket } from "../../../native/srt.ts";
import { UdpSocket } from "../../../native/mod.ts";
import { parseRtp, serializeRtp } from "../../../media/rtp/mod.ts";
import { loadNdi, NdiUnavailable } from "../../../native/ndi.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `bridge` until `done()` or the time runs out. */
async function pump(bridge: SrtBridge, done: () => boolean, ms = 3000) {
  const end = performance.now() + ms;
  while (!done() && performance.now() < end) {
    bridge.poll(performance.now());
    await sleep(5);
  }
}

Deno.test("SRT in: a caller's PCM reaches the leg as 20 ms L16 frames", async () => {
  const leg = new UdpSocket("127.0.0.1", 0);
  const bridge = new SrtBridge({
    direction: "in",
    srt: { host: "127.0.0.1", port: 0 },
    sourceHost: "127.0.0.1",
    leg: { host: "127.0.0.1", port: leg.port, payloadType: 96 },
  });
  const caller = SrtSocket.connect("127.0.0.1", bridge.status.srtPort);
  try {
    await pump(bridge, () => caller.state === "connected");
    assert.equal(caller.state, "connected");
    // 1316-byte messages (ffmpeg's size), not frame-aligned: 3 x 1316 = 6 frames + 28 bytes.
    const pcm = new Uint8Array(3 * 1316).map((_, i) => i & 0xff);
    for (let i = 0; i < 3; i++) caller.send(pcm.subarray(i * 1316, (i + 1) * 1316));
    const frames: ReturnType<typeof parseRtp>[] = [];
    await pump(bridge, () => {
      for (const d of leg.poll()) frames.push(parseRtp(d.data.slice()));
      return frames.length >= 6;
    });
    assert.equal(frames.length, 6);
    assert.deepEqual(frames.map((f) => f.payloadType), Array(6).fill(96));
    assert.equal((frames[1].timestamp - frames[0].timestamp) >>> 0, 320);
    assert.deepEqual(swap16(frames[2].payload.slice()), pcm.subarray(1280, 1920));
    assert.equal(bridge.status.peer, "127.0.0.1");
    assert.equal(bridge.status.messagesIn, 3);
  } finally {
    caller.close();
    bridge.close();
    leg.close();
  }
});

Deno.test("SRT in: a caller from another host than the source is refused", async () => {
  const bridge = new SrtBridge({
    direction: "in",
    srt: { host: "127.0.0.1", port: 0 },
    sourceHost: "192.0.2.7",
    leg: { host: "127.0.0.1", port: 9, payloadType: 96 },
  });
  const caller = SrtSocket.connect("127.0.0.1", bridge.status.srtPort);
  try {
    await pump(bridge, () => bridge.status.refused > 0);
    assert.equal(bridge.status.refused, 1);
    assert.equal(bridge.status.peer, undefined);
  } finally {
    caller.close();
    bridge.close();
  }
});

Deno.test("SRT out: the leg's L16 frames reach the far end's listener as PCM", async () => {
  const far = SrtSocket.listen("127.0.0.1", 0);
  const leg = new UdpSocket("127.0.0.1", 0);
  const bridge = new SrtBridge({
    direction: "out",
    srt: { host: "127.0.0.1", port: far.port },
    leg: { host: "127.0.0.1", port: leg.port, payloadType: 96 },
  });
  let peer: SrtSocket | undefined;
  try {
    await pump(
      bridge,
      () => (peer ??= far.accept()) !== undefined && bridge.status.state === "connected",
    );
    assert.equal(bridge.status.state, "connected");
    const frame = new Uint8Array(640).map((_, i) => (i * 3) & 0xff);
    leg.send(
      serializeRtp({
        marker: false,
        payloadType: 96,
        sequenceNumber: 1,
        timestamp: 0,
        ssrc: 5,
        payload: frame,
      }),
      "127.0.0.1",
      bridge.status.rtpPort,
    );
    // Another payload type, and a stranger's port: neither goes out.
    leg.send(
      serializeRtp({
        marker: false,
        payloadType: 0,
        sequenceNumber: 2,
        timestamp: 0,
        ssrc: 5,
        payload: frame,
      }),
      "127.0.0.1",
      bridge.status.rtpPort,
    );
    const buf = new Uint8Array(1500);
    let n = 0;
    await pump(bridge, () => (n ||= peer!.recv(buf)) > 0);
    assert.equal(n, 640);
    assert.deepEqual(buf.subarray(0, 640), swap16(frame.slice()));
    await pump(bridge, () => false, 100);
    assert.equal(peer!.recv(buf), 0, "only the leg's L16 frames go out");
    assert.equal(bridge.status.messagesOut, 1);
  } finally {
    peer?.close();
    bridge.close();
    far.close();
    leg.close();
  }
});

Deno.test("NDI: without its runtime, loading says what is missing and where it looked", () => {
  assert.throws(
    () => loadNdi((name) => (name === "NDI_RUNTIME_DIR_V6" ? "/nonexistent/ndi" : undefined)),
    (e: unknown) =>
      e instanceof NdiUnavailable &&
      /not installed on this host \(looked for \/nonexistent\/ndi\/libndi\.so\.6/.test(e.message) &&
      /NDI_RUNTIME_DIR_V6/.test(e.message),
  );
});
