// Browsers' signed audio, on the main thread (docs/provenance.md, "Browsers"). A page
// announces the chain of its audio producer (`produce` with a stream id) and sends a
// signed checkpoint every K frames over /ws; the frames themselves go through
// mediasoup's PlainTransport bridge into the member's leg in a media worker, which
// verifies them (provenance/detached_verifier.ts). Here: the checkpoints are passed
// to that worker (never a frame: the main thread does not touch media); states,
// alerts and the policy's mute are every signed stream's (rooms/signed_streams.ts).
// The mix each page hears is chained too.

import type { ProvenanceAction } from "../../media/engine/protocol.ts";
import { DEFAULT_CHECKPOINT_EVERY } from "../../provenance/checkpoint.ts";
import { newStreamId } from "../../provenance/chain.ts";
import type { Rooms } from "../../rooms/mod.ts";
import { SignedStreams, type SignedStreamsDeps } from "../../rooms/signed_streams.ts";
import type { Logger } from "../../telemetry/mod.ts";
import { fromBase64, fromHex } from "../../witness/base64.ts";
import { toHex } from "../../witness/hash.ts";
import type { WitnessLog } from "../../witness/mod.ts";
import { ProtocolError, type RequestId } from "./protocol.ts";

/** What browsers' provenance needs from the rest of Council (wired in main.ts). */
export interface ProvenanceDeps extends SignedStreamsDeps {
  /** Tells a leg's media worker about its inbound chain (MediaEngine.legProvenance). */
  legProvenance(legId: string, action: ProvenanceAction): Promise<void>;
  /** An active guardian's registered Ed25519 public key (32 bytes). */
  guardianKey(guardianId: string): Uint8Array | undefined;
  /**
   * Council's media key (its seed, and its public key in base64, as witnessed): what a
   * browser member's mix is chained with. Absent: mixes are not chained.
   */
  mediaKey?(): Promise<{ seed: Uint8Array; publicKey: string }>;
}

/** The member as this module sees it. */
export interface ProvenanceMember {
  readonly memberId: string;
  readonly guardianId: string;
  readonly room: { readonly name: string };
}

export class BrowserProvenance extends SignedStreams {
  constructor(
    private readonly deps: ProvenanceDeps,
    o: { rooms: Rooms; witness: WitnessLog; log: Logger },
  ) {
    super(deps, o);
  }

  /**
   * Chains the mix a member's leg sends it (its page verifies it with the media key);
   * answers that key in base64 and the stream id in hex, or undefined when mixes are
   * not chained.
   */
  async chainMix(memberId: string): Promise<{ key: string; streamId: string } | undefined> {
    if (!this.deps.mediaKey) return undefined;
    const key = await this.deps.mediaKey();
    const streamId = newStreamId();
    await this.deps.legProvenance(memberId, {
      do: "chain",
      spec: { streamId, seed: key.seed, checkpointEvery: DEFAULT_CHECKPOINT_EVERY },
    });
    return { key: key.publicKey, streamId: toHex(streamId) };
  }

  /** The member's audio producer is chained under `streamId` (hex): its leg verifies it. */
  async start(member: ProvenanceMember, streamId: string, id: RequestId): Promise<void> {
    const key = this.deps.guardianKey(member.guardianId);
    if (!key) throw new ProtocolError("REJECTED", "the guardian has no active key", id);
    // Named one by one: a member's fields may be getters, which a spread would drop.
    const { memberId, guardianId } = member;
    this.track({ memberId, guardianId, room: member.room.name }, streamId);
    await this.deps.legProvenance(member.memberId, {
      do: "verify",
      spec: {
        streamId: fromHex(streamId)!,
        publicKey: key,
        checkpointEvery: DEFAULT_CHECKPOINT_EVERY,
      },
    });
  }

  /** A checkpoint from the member's page, for its leg's verifier. */
  checkpoint(
    member: ProvenanceMember,
    cp: { streamId: string; index: number; rtpTimestamp: number; link: string; signature: string },
    id: RequestId,
  ): Promise<void> {
    if (!this.has(member.memberId)) {
      throw new ProtocolError(
        "OUT_OF_ORDER",
        "checkpoint before a chained audio producer (produce with provenance)",
        id,
      );
    }
    this.counters.checkpoints++;
    // Another stream's checkpoint goes to the verifier too: it is refused there, named.
    return this.deps.legProvenance(member.memberId, {
      do: "checkpoint",
      checkpoint: {
        streamId: fromHex(cp.streamId)!,
        index: cp.index,
        rtpTimestamp: cp.rtpTimestamp,
        link: fromHex(cp.link)!,
        signature: fromBase64(cp.signature)!,
      },
    });
  }

  /** The member's socket is gone: its checkpoints cannot arrive until it resumes. */
  detached(memberId: string): void {
    if (!this.has(memberId)) return;
    this.deps.legProvenance(memberId, {
      do: "interrupt",
      reason: "the page's connection was lost; resynchronising",
    }).catch(() => {});
  }
}
