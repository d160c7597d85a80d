// Council's stream chains over H.323 (docs/provenance.md, "SIP and H.323 members").
// H.245 has no RTP header extension negotiation (SIP's a=extmap), so it is a generic
// control capability in the TerminalCapabilitySet, identified by name:
//
//   genericControlCapability {
//     capabilityIdentifier domainBased "ifcouncil.org/provenance/v1",
//     collapsing {
//       { parameterIdentifier standard 1, parameterValue unsignedMin <extension ID 1-14> },
//       { parameterIdentifier standard 2, parameterValue octetString <stream id, 16 bytes> }  -- optional
//     } }
//
// Council's own set names the ID it would use. A terminal whose set has the
// capability takes Council's chain over the mix it is sent, in header extension
// element <ID> (the terminal's ID when it names one, as SIP's offerer's); with
// parameter 2 it says it signs what it sends under that stream id, in the same
// element, with its guardian's key, and Council verifies it.

/** The capability's name (an IA5String of at most 64 characters). */
export const PROVENANCE_CAPABILITY = "ifcouncil.org/provenance/v1";
/** The extension ID Council names in its own capability set. */
export const COUNCIL_EXT_ID = 5;
const EXT_ID_PARAMETER = 1;
const STREAM_ID_PARAMETER = 2;

type Msg = Record<string, unknown>;

/** What a terminal's capability set says about chains. */
export interface PeerProvenance {
  extId: number;
  /** The stream id it signs what it sends under, when it does. */
  signedStreamId?: Uint8Array;
}

/** The capability table entry's value (a Capability), for a TerminalCapabilitySet. */
export function provenanceCapability(
  extId = COUNCIL_EXT_ID,
  signedStreamId?: Uint8Array,
): Msg {
  return {
    genericControlCapability: {
      capabilityIdentifier: { domainBased: PROVENANCE_CAPABILITY },
      collapsing: [
        {
          parameterIdentifier: { standard: EXT_ID_PARAMETER },
          parameterValue: { unsignedMin: extId },
        },
        ...(signedStreamId
          ? [{
            parameterIdentifier: { standard: STREAM_ID_PARAMETER },
            parameterValue: { octetString: signedStreamId },
          }]
          : []),
      ],
    },
  };
}

export class ProvenanceCapabilityError extends Error {
  override name = "ProvenanceCapabilityError";
}

/**
 * The chain capability in a terminal's TerminalCapabilitySet, if it has one. A
 * capability with a bad extension ID or stream id is refused with the reason (the
 * call goes on without chains: H.245 has no way to refuse one capability).
 */
export function peerProvenance(tcs: Msg): PeerProvenance | undefined {
  for (const entry of (tcs.capabilityTable as Msg[] | undefined) ?? []) {
    const g = (entry.capability as Msg | undefined)?.genericControlCapability as
      | Msg
      | undefined;
    const id = (g?.capabilityIdentifier as Msg | undefined)?.domainBased;
    if (id !== PROVENANCE_CAPABILITY) continue;
    let extId: number | undefined;
    let signedStreamId: Uint8Array | undefined;
    for (const p of (g!.collapsing as Msg[] | undefined) ?? []) {
      const which = (p.parameterIdentifier as Msg | undefined)?.standard;
      const value = p.parameterValue as Msg | undefined;
      if (which === EXT_ID_PARAMETER) extId = value?.unsignedMin as number | undefined;
      if (which === STREAM_ID_PARAMETER) signedStreamId = value?.octetString as Uint8Array;
    }
    // One-byte header extension elements (RFC 8285 4.2) have IDs 1-14.
    if (typeof extId !== "number" || extId < 1 || extId > 14) {
      throw new ProvenanceCapabilityError(
        `the provenance capability needs an extension ID of 1-14 (parameter ${EXT_ID_PARAMETER})`,
      );
    }
    if (
      signedStreamId !== undefined &&
      (!(signedStreamId instanceof Uint8Array) || signedStreamId.length !== 16)
    ) {
      throw new ProvenanceCapabilityError(
        `the provenance capability's stream id (parameter ${STREAM_ID_PARAMETER}) is 16 bytes`,
      );
    }
    return { extId, ...(signedStreamId ? { signedStreamId } : {}) };
  }
  return undefined;
}
