// RFC 8285 header extension elements, and Council's provenance elements inside them.
//
// RFC 8285 section 4.2 (one-byte form, profile 0xBEDE): each element is a byte
// ID (4 bits, 1-14) | L (4 bits, length - 1) then L + 1 bytes; ID 0 is padding, ID 15
// ends the list. Section 4.3 (two-byte form, profile 0x100 << 4 | appbits): ID (1-255)
// byte, length byte (0-255), then the data; 0 bytes are padding. A packet uses one
// form; the two-byte form carries any element.
//
// Council's elements (docs/provenance.md, "On the wire"), both under the one
// negotiated ID (a=extmap), told apart by length:
//   2 bytes:   the first 2 bytes of this frame's link: a cheap early check, no proof.
//   122 bytes: a checkpoint: link prefix (2) | stream id (16) | index (u64 BE, 8) |
//              link (32) | Ed25519 signature (64). Sent in the packet of the frame it
//              checkpoints, so the receiver checks it with that frame's link.

import { type Checkpoint, LINK_BYTES, STREAM_ID_BYTES } from "./chain.ts";

export const ONE_BYTE_PROFILE = 0xbede;
const TWO_BYTE_PROFILE_MASK = 0xfff0;
const TWO_BYTE_PROFILE = 0x1000;
export const PREFIX_BYTES = 2;
export const CHECKPOINT_ELEMENT_BYTES = PREFIX_BYTES + STREAM_ID_BYTES + 8 + LINK_BYTES + 64;
/** Elements one packet may carry before the rest is refused (bounded parsing). */
const MAX_ELEMENTS = 16;

export class ExtensionError extends Error {
  override name = "ExtensionError";
}

export interface Element {
  id: number;
  data: Uint8Array;
}

/** The elements of an RTP header extension (RFC 8285 4.2, 4.3); throws with the reason. */
export function parseElements(profile: number, data: Uint8Array): Element[] {
  const out: Element[] = [];
  const twoByte = (profile & TWO_BYTE_PROFILE_MASK) === TWO_BYTE_PROFILE;
  if (profile !== ONE_BYTE_PROFILE && !twoByte) return out; // another profile: not ours
  let at = 0;
  while (at < data.length) {
    const b = data[at];
    if (b === 0) { // padding
      at++;
      continue;
    }
    if (out.length >= MAX_ELEMENTS) throw new ExtensionError(`more than ${MAX_ELEMENTS} elements`);
    let id: number, len: number;
    if (twoByte) {
      if (at + 2 > data.length) throw new ExtensionError("element header runs past the end");
      id = b;
      len = data[at + 1];
      at += 2;
    } else {
      id = b >> 4;
      if (id === 15) break; // RFC 8285 4.2: stop processing
      len = (b & 0x0f) + 1;
      at += 1;
    }
    if (at + len > data.length) {
      throw new ExtensionError(`element ${id} of ${len} bytes runs past the end`);
    }
    out.push({ id, data: data.subarray(at, at + len) });
    at += len;
  }
  return out;
}

/** An extension holding `elements`, in the one-byte form when they all fit it. */
export function serializeElements(elements: Element[]): { profile: number; data: Uint8Array } {
  const oneByte = elements.every((e) =>
    e.id >= 1 && e.id <= 14 && e.data.length >= 1 && e.data.length <= 16
  );
  for (const e of elements) {
    if (e.id < 1 || e.id > 255 || e.data.length > 255) throw new ExtensionError("bad element");
  }
  const raw = elements.reduce((n, e) => n + (oneByte ? 1 : 2) + e.data.length, 0);
  const data = new Uint8Array(Math.ceil(raw / 4) * 4);
  let at = 0;
  for (const e of elements) {
    if (oneByte) data[at++] = (e.id << 4) | (e.data.length - 1);
    else {
      data[at++] = e.id;
      data[at++] = e.data.length;
    }
    data.set(e.data, at);
    at += e.data.length;
  }
  return { profile: oneByte ? ONE_BYTE_PROFILE : TWO_BYTE_PROFILE, data };
}

/** What Council's element said: a link prefix, or a checkpoint too. */
export type ProvenanceElement =
  | { prefix: Uint8Array; streamId?: undefined; checkpoint?: undefined }
  | { prefix: Uint8Array; streamId: Uint8Array; checkpoint: Checkpoint };

export function encodeProvenance(
  prefix: Uint8Array,
  cp?: { streamId: Uint8Array; checkpoint: Checkpoint },
): Uint8Array {
  if (!cp) return prefix.slice(0, PREFIX_BYTES);
  const out = new Uint8Array(CHECKPOINT_ELEMENT_BYTES);
  out.set(prefix.subarray(0, PREFIX_BYTES));
  out.set(cp.streamId, PREFIX_BYTES);
  new DataView(out.buffer).setBigUint64(
    PREFIX_BYTES + STREAM_ID_BYTES,
    BigInt(cp.checkpoint.index),
  );
  out.set(cp.checkpoint.link, PREFIX_BYTES + STREAM_ID_BYTES + 8);
  out.set(cp.checkpoint.signature, PREFIX_BYTES + STREAM_ID_BYTES + 8 + LINK_BYTES);
  return out;
}

export function decodeProvenance(data: Uint8Array): ProvenanceElement {
  if (data.length === PREFIX_BYTES) return { prefix: data };
  if (data.length !== CHECKPOINT_ELEMENT_BYTES) {
    throw new ExtensionError(`a provenance element is 2 or 122 bytes, not ${data.length}`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const index = view.getBigUint64(PREFIX_BYTES + STREAM_ID_BYTES);
  if (index > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ExtensionError("checkpoint index too large");
  }
  const at = PREFIX_BYTES + STREAM_ID_BYTES + 8;
  return {
    prefix: data.subarray(0, PREFIX_BYTES),
    streamId: data.slice(PREFIX_BYTES, PREFIX_BYTES + STREAM_ID_BYTES),
    checkpoint: {
      index: Number(index),
      link: data.slice(at, at + LINK_BYTES),
      signature: data.slice(at + LINK_BYTES, at + LINK_BYTES + 64),
    },
  };
}
