// The bytes a stream checkpoint's signature covers, and the sizes and names the
// chain's parties agree on. Nothing here needs node:crypto, so the join page (which
// signs its own checkpoints in the browser) shares it with Council; chain.ts has the
// hashing and re-exports all of this.
//
//   Ed25519("IF.council/provenance/checkpoint/v1\n" || stream id || i (u64 BE) || link(i))

/** Stream ids are 16 random bytes (hex in JSON). */
export const STREAM_ID_BYTES = 16;
export const LINK_BYTES = 32;
export const DEFAULT_CHECKPOINT_EVERY = 25;

const CHECKPOINT = new TextEncoder().encode("IF.council/provenance/checkpoint/v1\n");

export class ChainError extends Error {
  override name = "ChainError";
}

export function checkStreamId(streamId: Uint8Array): void {
  if (streamId.length !== STREAM_ID_BYTES) {
    throw new ChainError(`a stream id is ${STREAM_ID_BYTES} bytes, not ${streamId.length}`);
  }
}

/** The bytes a checkpoint's signature covers. */
export function checkpointBytes(streamId: Uint8Array, index: number, link: Uint8Array): Uint8Array {
  checkStreamId(streamId);
  if (!Number.isSafeInteger(index) || index < 0) throw new ChainError(`bad frame index ${index}`);
  if (link.length !== LINK_BYTES) throw new ChainError(`a link is ${LINK_BYTES} bytes`);
  const out = new Uint8Array(CHECKPOINT.length + STREAM_ID_BYTES + 8 + LINK_BYTES);
  out.set(CHECKPOINT);
  out.set(streamId, CHECKPOINT.length);
  new DataView(out.buffer).setBigUint64(CHECKPOINT.length + STREAM_ID_BYTES, BigInt(index));
  out.set(link, CHECKPOINT.length + STREAM_ID_BYTES + 8);
  return out;
}

export const isCheckpointIndex = (index: number, every: number) => (index + 1) % every === 0;
