// Entries are stored in bundles of consecutive entries, one KV value each, because
// Deno KV's cost is per row: 250 entries as 250 rows took ~4.6 ms to commit here,
// as 8 bundles ~1.1 ms. A bundle is keyed by the index of its first entry and holds
// up to 16 entries or 40 KiB, whichever comes first (small enough that rewriting
// the newest bundle at low load stays cheap); it is rewritten as it fills.
//
// Packed form: for each entry, a 4-byte big-endian length, then the entry bytes.

import { MAX_ENTRY_BYTES } from "./entry.ts";

export const BUNDLE_ENTRIES = 16;
export const BUNDLE_BYTES = 40 * 1024;

export class BundleError extends Error {
  override name = "BundleError";
}

export function packBundle(entries: Uint8Array[]): Uint8Array {
  const size = entries.reduce((n, e) => n + 4 + e.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const e of entries) {
    view.setUint32(at, e.length);
    out.set(e, at + 4);
    at += 4 + e.length;
  }
  return out;
}

export function unpackBundle(packed: Uint8Array): Uint8Array[] {
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < packed.length) {
    if (at + 4 > packed.length) throw new BundleError("bundle ends inside a length prefix");
    const length = view.getUint32(at);
    if (length > MAX_ENTRY_BYTES || at + 4 + length > packed.length) {
      throw new BundleError(`bundle entry ${out.length} has an impossible length ${length}`);
    }
    out.push(packed.slice(at + 4, at + 4 + length));
    at += 4 + length;
    if (out.length > BUNDLE_ENTRIES) throw new BundleError("bundle holds too many entries");
  }
  return out;
}

/** The newest bundle while it fills: its first index and its entries so far. */
export interface OpenBundle {
  start: number;
  entries: Uint8Array[];
  bytes: number;
}

/** Whether an entry of `length` bytes still fits in the bundle. */
export function fits(bundle: OpenBundle, length: number): boolean {
  return bundle.entries.length < BUNDLE_ENTRIES && bundle.bytes + 4 + length <= BUNDLE_BYTES;
}

/**
 * Entries [start, end) as stored, in index order. A bundle that cannot be unpacked
 * is skipped, so its entries read as missing and an audit names the first of them.
 */
export async function* readEntries(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  start: number,
  end: number,
): AsyncIterable<{ index: number; bytes: Uint8Array }> {
  if (start >= end) return;
  // The bundle holding `start` is the one with the greatest first index <= start.
  let first = start;
  const before = kv.list({ prefix, end: [...prefix, start + 1] }, { reverse: true, limit: 1 });
  for await (const { key } of before) first = key[key.length - 1] as number;
  const bundles = kv.list<Uint8Array>({ start: [...prefix, first], end: [...prefix, end] }, {
    batchSize: 200,
  });
  for await (const { key, value } of bundles) {
    const bundleStart = key[key.length - 1] as number;
    let entries: Uint8Array[];
    try {
      entries = unpackBundle(value);
    } catch {
      continue;
    }
    for (let i = 0; i < entries.length; i++) {
      const index = bundleStart + i;
      if (index >= end) return;
      if (index >= start) yield { index, bytes: entries[i] };
    }
  }
}
