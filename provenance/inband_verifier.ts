// A member's own signed stream over RTP (a SIP or H.323 member that negotiated it,
// docs/provenance.md "SIP and H.323 members"): every packet it sends carries its
// provenance element in the header extension Council agreed (the same element as
// Council's own, rtp_ext.ts), signed with the guardian's key. This reads the element
// out of each packet and hands it to stream_verifier.ts, strictly (verified only by
// frames linked up to a checkpoint, never by a signature alone).
//
// What a packet can do wrong here, beyond what the stream verifier names: an
// extension that does not parse, an element of the wrong size or a checkpoint
// index past any real stream ("garbage in the header extension": broken, named with
// the packet); packets with no element at all while the member promised one, or a
// member that announced a chain and never signs (broken after `neverSignedFrames`).

import { ExtensionError, parseElements, type ProvenanceElement } from "./rtp_ext.ts";
import { decodeProvenance } from "./rtp_ext.ts";
import { type StateChange, StreamVerifier } from "./stream_verifier.ts";
import { checkpointVerifier } from "./stream_signer.ts";

/** 11 s of 20 ms frames without a first checkpoint: the member never signs. */
export const NEVER_SIGNED_FRAMES = 550;

export interface InbandVerifierOptions {
  extId: number;
  streamId: Uint8Array;
  publicKey: Uint8Array;
  checkpointEvery: number;
  neverSignedFrames?: number;
  onChange(c: StateChange): void;
  /** Every failure, also after the stream is broken (alerts count them). */
  onBad?(index: number, reason: string): void;
}

export class InbandVerifier {
  readonly #v: StreamVerifier;
  #anchored = false;
  #unsigned = 0;
  /** Packets whose extension could not be read. */
  garbage = 0;

  constructor(private readonly o: InbandVerifierOptions) {
    const check = checkpointVerifier(o.publicKey);
    this.#v = new StreamVerifier({
      streamId: o.streamId,
      publicKey: o.publicKey,
      checkpointEvery: o.checkpointEvery,
      strict: true,
      verify: (sid, cp) => check(sid, cp),
      onChange: (c) => o.onChange(c),
      onBad: (i, r) => o.onBad?.(i, r),
    });
  }

  get verifier(): StreamVerifier {
    return this.#v;
  }

  /** One received audio packet: its sequence number, timestamp, payload and extension. */
  packet(
    seq: number,
    rtpTimestamp: number,
    payload: Uint8Array,
    extension: { profile: number; data: Uint8Array } | undefined,
  ): void {
    let element: ProvenanceElement | undefined;
    try {
      const found = extension
        ? parseElements(extension.profile, extension.data).find((e) => e.id === this.o.extId)
        : undefined;
      // Copied: the packet's buffer may be reused before the verifier's queue reaches it.
      element = found ? decodeProvenance(found.data.slice()) : undefined;
    } catch (err) {
      if (!(err instanceof ExtensionError)) throw err;
      this.garbage++;
      // The frame's index is the verifier's next one; the packet is named by its number.
      this.#v.fail(
        this.#v.provenThrough + 1,
        `garbage in the provenance header extension of packet ${seq}: ${err.message}`,
      );
      // The frame still counts (it arrived): no gap, which loss would explain away.
      element = undefined;
    }
    if (element?.checkpoint) this.#anchored = true;
    else if (
      !this.#anchored && ++this.#unsigned > (this.o.neverSignedFrames ?? NEVER_SIGNED_FRAMES)
    ) {
      this.#unsigned = -Infinity; // said once
      this.#v.fail(
        0,
        `no checkpoint in ${
          this.o.neverSignedFrames ?? NEVER_SIGNED_FRAMES
        } frames: the member announced a signed stream and does not sign`,
      );
    }
    this.#v.frame(seq, rtpTimestamp, payload, element).catch(() => {});
  }
}
