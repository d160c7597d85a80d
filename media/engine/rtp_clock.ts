// Where a leg's outbound RTP starts: its first sequence number and timestamp follow
// the wall clock from a point its leg id fixes, instead of being drawn at random.
//
// A leg rebuilt on another worker after a failover keeps its SSRC when it has one
// (WebRTC legs: mediasoup was told it) and starts again from here. Drawn at random,
// its sequence numbers fell behind the dead worker's half the time, and an SRTP
// receiver of the same SSRC (mediasoup, then the browser) drops packets older than
// the highest it has seen as replays until the new ones pass it: the browsers heard
// nothing for seconds to minutes (the production test's failover drills). From here,
// a rebuilt leg starts ahead of everything its predecessor sent (that sent at most one
// packet a 20 ms tick since it began) and its timestamps carry on with the time that
// passed, as a receiver expects after a loss.
//
// Still unpredictable from outside (RFC 3550 5.1, 5.3.1): the offsets are hashes of
// the leg id, which carries a random UUID.

const FRAME_MS = 20;
/** Packets a rebuilt leg stays ahead of its predecessor's last, beyond the clock. */
const AHEAD = 3;

/** FNV-1a of `s` after a salt byte: 32 bits, the same on every worker. */
function hash32(s: string, salt: number): number {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The sequence number and timestamp a leg's outbound stream starts at, at `nowMs`. */
export function rtpStart(
  legId: string,
  clockRate: number,
  nowMs = Date.now(),
): { seq: number; ts: number } {
  const frames = Math.floor(nowMs / FRAME_MS);
  return {
    seq: (hash32(legId, 1) + frames + AHEAD) & 0xffff,
    ts: (hash32(legId, 2) + frames * (clockRate / 50)) >>> 0,
  };
}
