// Hash chains and checkpoints (provenance/chain.ts): a checkpoint proves exactly
// its stream's frames up to its index; replayed into another stream or place,
// re-signed by another key, or over a fork, it fails. Garbage recordings get a
// reason, not a crash.

import assert from "node:assert/strict";
import * as ed from "@noble/ed25519";
import {
  ChainWriter,
  type Checkpoint,
  genesisLink,
  newStreamId,
  nextLink,
  verifyCheckpoint,
} from "../../../provenance/chain.ts";
import { readProvenance, verifyRecording } from "../../../provenance/recording_file.ts";
import { riffChunk, wavHeader } from "../../../provenance/wav.ts";

const frame = (n: number) => new Uint8Array(160).fill(n & 0xff);

async function chain(streamId: Uint8Array, secret: Uint8Array, frames: number[], every = 5) {
  const cps: Checkpoint[] = [];
  const w = new ChainWriter(streamId, secret, (cp) => cps.push(cp), every);
  for (const [i, n] of frames.entries()) w.push(i * 160, frame(n));
  w.seal();
  await w.flushed();
  return { cps, link: w.link };
}

Deno.test("a checkpoint every K frames, and one sealing the end, each verifying", async () => {
  const secret = ed.utils.randomSecretKey();
  const pub = await ed.getPublicKeyAsync(secret);
  const id = newStreamId();
  const { cps, link } = await chain(id, secret, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.deepEqual(cps.map((c) => c.index), [4, 9, 11]);
  for (const cp of cps) assert.equal(await verifyCheckpoint(id, cp, pub), true);
  // The links are the documented arithmetic.
  let l = genesisLink(id);
  for (let i = 0; i < 12; i++) l = nextLink(l, id, i * 160, frame(i + 1));
  assert.deepEqual(l, link);
  assert.deepEqual(cps[2].link, link);
});

Deno.test("replayed, re-keyed and forked checkpoints fail", async () => {
  const secret = ed.utils.randomSecretKey();
  const pub = await ed.getPublicKeyAsync(secret);
  const [a, b] = [newStreamId(), newStreamId()];
  const { cps } = await chain(a, secret, [1, 2, 3, 4, 5]);
  // Into another stream.
  assert.equal(await verifyCheckpoint(b, cps[0], pub), false);
  // Into another place of the same stream.
  assert.equal(await verifyCheckpoint(a, { ...cps[0], index: 9 }, pub), false);
  // Signed by someone else.
  const mallory = await ed.getPublicKeyAsync(ed.utils.randomSecretKey());
  assert.equal(await verifyCheckpoint(a, cps[0], mallory), false);
  // A fork: the same index over other frames has another link; its signature is for the first.
  const fork = await chain(a, secret, [1, 2, 9, 4, 5]);
  assert.notDeepEqual(fork.cps[0].link, cps[0].link);
  assert.equal(await verifyCheckpoint(a, { ...cps[0], link: fork.cps[0].link }, pub), false);
  // Garbage signatures are a no, not an exception.
  assert.equal(
    await verifyCheckpoint(a, { ...cps[0], signature: new Uint8Array(3) }, pub),
    false,
  );
});

Deno.test("garbage recordings are refused with the reason", async () => {
  const bad = [
    [new Uint8Array(10), /not a WAV/],
    [wavHeader(0), /no provenance chunk/],
    [
      (() => {
        const chunk = riffChunk("cprv", new TextEncoder().encode("{not json"));
        const h = wavHeader(0, 16000, chunk.length);
        const out = new Uint8Array(h.length + chunk.length);
        out.set(h);
        out.set(chunk, h.length);
        return out;
      })(),
      /not JSON/,
    ],
    [
      (() => {
        const h = wavHeader(0);
        new DataView(h.buffer).setUint32(40, 1_000_000, true);
        return h;
      })(),
      /runs past the end/,
    ],
  ] as const;
  for (const [bytes, reason] of bad) {
    assert.throws(() => readProvenance(bytes), reason);
    const r = await verifyRecording(bytes);
    assert.equal(r.ok, false);
    assert.match(r.problems.join(" "), reason);
  }
});
