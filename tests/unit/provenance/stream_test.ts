// Live stream chains (stream_signer.ts -> rtp_ext.ts -> stream_verifier.ts): what a
// listener concludes for each thing the network or an attacker can do to a stream.
// Loss (gaps the sequence numbers explain, reordering) is never "broken"; altered,
// dropped-and-renumbered, injected frames, forged or foreign checkpoints and a sender
// that stops signing always are, naming the frame.

import assert from "node:assert/strict";
import * as ed from "@noble/ed25519";
import { newStreamId, nextLink } from "../../../provenance/chain.ts";
import { StreamSigner } from "../../../provenance/stream_signer.ts";
import { type StateChange, StreamVerifier } from "../../../provenance/stream_verifier.ts";
import {
  decodeProvenance,
  encodeProvenance,
  ExtensionError,
  ONE_BYTE_PROFILE,
  parseElements,
  serializeElements,
} from "../../../provenance/rtp_ext.ts";

const K = 25;
const EXT_ID = 7;

interface Packet {
  seq: number;
  ts: number;
  payload: Uint8Array;
  ext: { profile: number; data: Uint8Array };
}

const secret = ed.utils.randomSecretKey();
const publicKey = await ed.getPublicKeyAsync(secret);

function stream(
  frames: number,
  o: { streamId?: Uint8Array; seq0?: number; signUntil?: number } = {},
) {
  const streamId = o.streamId ?? newStreamId();
  const signer = new StreamSigner(streamId, secret, K);
  const packets: Packet[] = [];
  for (let i = 0; i < frames; i++) {
    const payload = new Uint8Array(160).map((_, k) => (i * 7 + k) & 0xff);
    const ts = i * 160;
    // After signUntil, the sender sends link prefixes but no checkpoints.
    const element = o.signUntil !== undefined && i > o.signUntil
      ? encodeProvenance(unsignedLink(signer, ts, payload))
      : signer.next(ts, payload);
    packets.push({
      seq: ((o.seq0 ?? 1000) + i) & 0xffff,
      ts,
      payload,
      ext: serializeElements([{ id: EXT_ID, data: element }]),
    });
  }
  return { streamId, packets };
}

// Keeps the honest chain's link going, its checkpoint dropped (a sender that stopped signing).
function unsignedLink(s: StreamSigner, ts: number, payload: Uint8Array) {
  s.next(ts, payload);
  return s.link;
}

async function listen(streamId: Uint8Array, packets: Packet[]) {
  const changes: StateChange[] = [];
  const v = new StreamVerifier({
    streamId,
    publicKey,
    checkpointEvery: K,
    onChange: (c) => changes.push(c),
  });
  for (const p of packets) {
    const el = parseElements(p.ext.profile, p.ext.data).find((e) => e.id === EXT_ID);
    await v.frame(p.seq, p.ts, p.payload, el ? decodeProvenance(el.data) : undefined);
  }
  return { v, changes: changes.map((c) => `${c.state}@${c.index}`), reasons: changes };
}

Deno.test("a clean stream is verified from its first checkpoint, across a sequence wrap", async () => {
  const { streamId, packets } = stream(200, { seq0: 65_500 });
  const { v, changes } = await listen(streamId, packets);
  assert.deepEqual(changes, ["verified@24"]);
  assert.equal(v.provenThrough, 199 - (199 + 1) % K);
  assert.equal(v.counts.lost, 0);
  // Joined midway: unverified until the next checkpoint, then verified.
  const late = await listen(streamId, packets.slice(60));
  assert.deepEqual(late.changes, ["verified@74"]);
});

Deno.test("loss and reordering are loss: unverified until the next checkpoint, never broken", async () => {
  const { streamId, packets } = stream(150);
  const lossy = packets.filter((_, i) => i < 30 || i > 33);
  const r = await listen(streamId, lossy);
  assert.deepEqual(r.changes, ["verified@24", "unverified@34", "verified@49"]);
  assert.equal(r.v.counts.lost, 4);
  // The lost packet carried the checkpoint: the next one resynchronises.
  const noCp = await listen(streamId, packets.filter((_, i) => i !== 49));
  assert.deepEqual(noCp.changes, ["verified@24", "unverified@50", "verified@74"]);
  // Two packets swapped in the network (their sequence numbers with them).
  const swapped = [...packets];
  [swapped[40], swapped[41]] = [swapped[41], swapped[40]];
  const re = await listen(streamId, swapped);
  assert.deepEqual(re.changes, ["verified@24", "unverified@41", "verified@49"]);
  assert.equal(re.v.state, "verified");
});

Deno.test("altered, renumbered, injected and dropped frames break the chain, naming the frame", async () => {
  const { streamId, packets } = stream(100);
  // A payload altered, its link prefix left: seen at once.
  const altered = packets.map((p, i) =>
    i === 40 ? { ...p, payload: p.payload.map((b, k) => k === 3 ? b ^ 1 : b) } : p
  );
  const a = await listen(streamId, altered);
  assert.deepEqual(a.changes, ["verified@24", "broken@40"]);
  assert.equal(a.v.firstBad, 40);

  // The attacker recomputes every link prefix for the altered frame: the checkpoint catches it.
  let link: Uint8Array | undefined;
  const smart = altered.map((p, i) => {
    const el = decodeProvenance(parseElements(p.ext.profile, p.ext.data)[0].data);
    if (i === 24) link = (el as { checkpoint: { link: Uint8Array } }).checkpoint.link;
    if (i <= 24 || !link) return p;
    link = nextLink(link, streamId, p.ts, p.payload);
    if ("checkpoint" in el) return p; // the signed checkpoint cannot be remade
    return { ...p, ext: serializeElements([{ id: EXT_ID, data: encodeProvenance(link) }]) };
  });
  const s = await listen(streamId, smart);
  assert.deepEqual(s.changes, ["verified@24", "broken@49"]);
  assert.match(s.reasons[1].reason, /not what was sent/);

  // A frame dropped and the rest renumbered so no gap shows.
  const dropped = packets.filter((_, i) => i !== 30).map((p, i) =>
    i >= 30 ? { ...p, seq: p.seq - 1 } : p
  );
  assert.equal((await listen(streamId, dropped)).v.state, "broken");
  // A frame injected (a copy of another), the rest renumbered.
  const injected = [
    ...packets.slice(0, 30),
    { ...packets[10], seq: packets[30].seq },
    ...packets.slice(30).map((p) => ({ ...p, seq: p.seq + 1 })),
  ];
  const inj = await listen(streamId, injected);
  assert.equal(inj.v.state, "broken");
  assert.equal(inj.v.firstBad, 30);
});

Deno.test("forged and foreign checkpoints, and a sender that stops signing, break it", async () => {
  const { streamId, packets } = stream(100);
  const flip = (p: Packet): Packet => {
    const el = decodeProvenance(parseElements(p.ext.profile, p.ext.data)[0].data) as {
      prefix: Uint8Array;
      streamId: Uint8Array;
      checkpoint: { index: number; link: Uint8Array; signature: Uint8Array };
    };
    const signature = el.checkpoint.signature.slice();
    signature[5] ^= 1;
    const data = encodeProvenance(el.prefix, {
      streamId: el.streamId,
      checkpoint: { ...el.checkpoint, signature },
    });
    return { ...p, ext: serializeElements([{ id: EXT_ID, data }]) };
  };
  const forged = await listen(streamId, packets.map((p, i) => i === 49 ? flip(p) : p));
  assert.deepEqual(forged.changes, ["verified@24", "broken@49"]);
  assert.match(forged.reasons[1].reason, /signature does not verify/);

  // Another stream's checkpoint (same key) replayed into this one.
  const other = stream(100);
  const replayed = packets.map((p, i) => i === 49 ? { ...p, ext: other.packets[49].ext } : p);
  const rep = await listen(streamId, replayed);
  assert.equal(rep.v.state, "broken");
  assert.match(rep.reasons.at(-1)!.reason, /another stream|not what was sent/);

  // Signing stops after frame 60: broken once two checkpoint intervals pass without one.
  const stopped = stream(160, { streamId: newStreamId(), signUntil: 60 });
  const st = await listen(stopped.streamId, stopped.packets);
  assert.deepEqual(st.changes, ["verified@24", "broken@100"]);
  assert.match(st.reasons[1].reason, /stopped signing/);
});

Deno.test("header extensions: RFC 8285 forms, bounded, garbage refused with a reason", () => {
  const one = serializeElements([{ id: 3, data: Uint8Array.of(1, 2) }]);
  assert.equal(one.profile, ONE_BYTE_PROFILE);
  assert.deepEqual(parseElements(one.profile, one.data), [{ id: 3, data: Uint8Array.of(1, 2) }]);
  const big = serializeElements([{ id: 3, data: new Uint8Array(122) }]);
  assert.equal(big.profile, 0x1000);
  assert.equal(parseElements(big.profile, big.data)[0].data.length, 122);
  // Another profile is not ours: nothing, no error.
  assert.deepEqual(parseElements(0x1234, new Uint8Array(4)), []);
  assert.throws(() => parseElements(ONE_BYTE_PROFILE, Uint8Array.of(0x3f, 1, 2)), ExtensionError);
  assert.throws(() => parseElements(0x1000, Uint8Array.of(3, 200, 1)), /runs past the end/);
  assert.throws(() => parseElements(0x1000, Uint8Array.of(3)), /runs past the end/);
  assert.throws(() => decodeProvenance(new Uint8Array(7)), /2 or 122 bytes/);
  const many = new Uint8Array(40).fill(0x10); // 20 one-byte elements of 1 byte
  assert.throws(() => parseElements(ONE_BYTE_PROFILE, many), /more than 16 elements/);
});
