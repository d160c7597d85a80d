// Hash chains over media frames, and the signed checkpoints that make a span of a
// stream provable (docs/provenance.md has the wire formats and the argument).
//
//   link(-1) = SHA-256("IF.council/provenance/genesis/v1\n" || stream id)
//   link(i)  = SHA-256(link(i-1) || stream id || RTP timestamp (u32 BE) || payload)
//
// Every K frames (frame index i with (i + 1) % K == 0) the sender signs a checkpoint:
//
//   Ed25519("IF.council/provenance/checkpoint/v1\n" || stream id || i (u64 BE) || link(i))
//
// The link is public arithmetic over public bytes: anyone on the path can recompute
// it for altered frames. What an attacker cannot make is a checkpoint: the signature
// over link(i) commits to every frame up to i, in order, so a dropped, altered,
// reordered or injected frame changes every later link and fails the next
// checkpoint. A checkpoint names its stream and index, so it cannot be replayed into
// another stream or another place of the same stream.

import { createSHA256 } from "hash-wasm";
import * as ed from "@noble/ed25519";
import {
  ChainError,
  checkpointBytes,
  checkStreamId,
  DEFAULT_CHECKPOINT_EVERY,
  isCheckpointIndex,
  LINK_BYTES,
  STREAM_ID_BYTES,
} from "./checkpoint.ts";

export {
  ChainError,
  checkpointBytes,
  DEFAULT_CHECKPOINT_EVERY,
  isCheckpointIndex,
  LINK_BYTES,
  STREAM_ID_BYTES,
};

const enc = new TextEncoder();
const GENESIS = enc.encode("IF.council/provenance/genesis/v1\n");
// hash-wasm rather than node:crypto: faster per frame here, and the join page verifies
// the mix it hears with this same module (docs/provenance.md, "Browsers").
const hasher = await createSHA256();

export function newStreamId(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(STREAM_ID_BYTES));
}

export function genesisLink(streamId: Uint8Array): Uint8Array {
  checkStreamId(streamId);
  hasher.init();
  hasher.update(GENESIS);
  hasher.update(streamId);
  return hasher.digest("binary");
}

/** link(i) from link(i-1) and frame i. */
export function nextLink(
  previous: Uint8Array,
  streamId: Uint8Array,
  rtpTimestamp: number,
  payload: Uint8Array,
): Uint8Array {
  const ts = new Uint8Array(4);
  new DataView(ts.buffer).setUint32(0, rtpTimestamp >>> 0);
  hasher.init();
  hasher.update(previous);
  hasher.update(streamId);
  hasher.update(ts);
  hasher.update(payload);
  return hasher.digest("binary");
}

export interface Checkpoint {
  index: number;
  link: Uint8Array;
  signature: Uint8Array;
}

export function signCheckpoint(
  streamId: Uint8Array,
  index: number,
  link: Uint8Array,
  secretKey: Uint8Array,
): Promise<Checkpoint> {
  return ed.signAsync(checkpointBytes(streamId, index, link), secretKey)
    .then((signature) => ({ index, link, signature }));
}

export async function verifyCheckpoint(
  streamId: Uint8Array,
  cp: Checkpoint,
  publicKey: Uint8Array,
): Promise<boolean> {
  try {
    return await ed.verifyAsync(
      cp.signature,
      checkpointBytes(streamId, cp.index, cp.link),
      publicKey,
    );
  } catch {
    return false;
  }
}

/**
 * The sending side of one stream: links every frame, signs a checkpoint every K
 * frames. Signing is asynchronous; checkpoints are handed to `onCheckpoint` in
 * index order as they are signed.
 */
export class ChainWriter {
  #link: Uint8Array;
  #index = -1;
  #signing: Promise<void> = Promise.resolve();

  constructor(
    readonly streamId: Uint8Array,
    private readonly secretKey: Uint8Array,
    private readonly onCheckpoint: (cp: Checkpoint) => void,
    readonly every = DEFAULT_CHECKPOINT_EVERY,
  ) {
    if (!Number.isInteger(every) || every < 1 || every > 10_000) {
      throw new ChainError("checkpoints every 1-10000 frames");
    }
    this.#link = genesisLink(streamId);
  }

  /** Index of the last frame linked (-1 before the first). */
  get index(): number {
    return this.#index;
  }

  get link(): Uint8Array {
    return this.#link;
  }

  /** Links one frame; returns its index and link. */
  push(rtpTimestamp: number, payload: Uint8Array): { index: number; link: Uint8Array } {
    this.#link = nextLink(this.#link, this.streamId, rtpTimestamp, payload);
    const index = ++this.#index;
    if (isCheckpointIndex(index, this.every)) this.#queue(index, this.#link);
    return { index, link: this.#link };
  }

  /** Signs a checkpoint at the last frame now (a stream's end), unless it has one. */
  seal(): void {
    if (this.#index >= 0 && !isCheckpointIndex(this.#index, this.every)) {
      this.#queue(this.#index, this.#link);
    }
  }

  /** Resolves when every checkpoint asked for so far is signed and handed over. */
  flushed(): Promise<void> {
    return this.#signing;
  }

  #queue(index: number, link: Uint8Array): void {
    this.#signing = this.#signing
      .then(() => signCheckpoint(this.streamId, index, link, this.secretKey))
      .then((cp) => this.onCheckpoint(cp));
  }
}
