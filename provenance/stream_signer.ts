// The sending side of a live stream's chain: each frame linked, and its packet's
// provenance element made at once (rtp_ext.ts): the link's first bytes, and every K
// frames a checkpoint signed there and then, so it rides in the packet of the frame
// it covers. Signing is synchronous (OpenSSL's Ed25519 through node:crypto, tens of
// microseconds), so a media worker's tick never waits on it.

import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import {
  type Checkpoint,
  checkpointBytes,
  DEFAULT_CHECKPOINT_EVERY,
  genesisLink,
  isCheckpointIndex,
  nextLink,
} from "./chain.ts";
import { encodeProvenance } from "./rtp_ext.ts";
import { pkcs8FromSeed } from "../witness/ed25519_pkcs8.ts";
import { toBase64Url } from "../witness/base64.ts";

/** A KeyObject for OpenSSL's Ed25519 from a 32-byte seed. */
export function ed25519Key(seed: Uint8Array): KeyObject {
  return createPrivateKey({
    key: pkcs8FromSeed(seed) as unknown as Buffer,
    format: "der",
    type: "pkcs8",
  });
}

/**
 * A synchronous checkpoint check under one Ed25519 public key (OpenSSL through
 * node:crypto): what a media worker verifies members' checkpoints with.
 */
export function checkpointVerifier(
  publicKey: Uint8Array,
): (streamId: Uint8Array, cp: Checkpoint) => boolean {
  const key = createPublicKey({
    key: { kty: "OKP", crv: "Ed25519", x: toBase64Url(publicKey) },
    format: "jwk",
  });
  return (streamId, cp) => {
    try {
      return cp.signature.length === 64 &&
        verify(null, checkpointBytes(streamId, cp.index, cp.link), key, cp.signature);
    } catch {
      return false;
    }
  };
}

export class StreamSigner {
  readonly #key: KeyObject;
  #link: Uint8Array;
  #index = -1;
  #last: Checkpoint | undefined;

  constructor(
    readonly streamId: Uint8Array,
    seed: Uint8Array,
    readonly every = DEFAULT_CHECKPOINT_EVERY,
  ) {
    this.#key = ed25519Key(seed);
    this.#link = genesisLink(streamId);
  }

  get index(): number {
    return this.#index;
  }

  get link(): Uint8Array {
    return this.#link;
  }

  /** The last checkpoint signed (the health checks verify it apart from the worker). */
  get lastCheckpoint(): Checkpoint | undefined {
    return this.#last;
  }

  /** Links the next frame; returns its packet's provenance element. */
  next(rtpTimestamp: number, payload: Uint8Array): Uint8Array {
    this.#link = nextLink(this.#link, this.streamId, rtpTimestamp, payload);
    const index = ++this.#index;
    if (!isCheckpointIndex(index, this.every)) return encodeProvenance(this.#link);
    const signature = new Uint8Array(
      sign(null, checkpointBytes(this.streamId, index, this.#link), this.#key),
    );
    this.#last = { index, link: this.#link, signature };
    return encodeProvenance(this.#link, { streamId: this.streamId, checkpoint: this.#last });
  }
}
