// What an attacker with write access to the KV file could do to stored entries.
import { packBundle, unpackBundle } from "../../../witness/bundles.ts";
import { WITNESS_KEYS } from "../../../witness/mod.ts";

async function bundleOf(kv: Deno.Kv, index: number) {
  const iter = kv.list<Uint8Array>({
    prefix: WITNESS_KEYS.bundlePrefix,
    end: WITNESS_KEYS.bundle(index + 1),
  }, {
    reverse: true,
    limit: 1,
  });
  for await (const { key, value } of iter) {
    return { start: key[3] as number, entries: unpackBundle(value) };
  }
  throw new Error(`no bundle holds ${index}`);
}

export async function readStored(kv: Deno.Kv, index: number): Promise<Uint8Array> {
  const b = await bundleOf(kv, index);
  return b.entries[index - b.start];
}

export async function writeStored(kv: Deno.Kv, index: number, bytes: Uint8Array): Promise<void> {
  const b = await bundleOf(kv, index);
  b.entries[index - b.start] = bytes;
  await kv.set(WITNESS_KEYS.bundle(b.start), packBundle(b.entries));
}

export async function deleteStored(kv: Deno.Kv, index: number): Promise<void> {
  const b = await bundleOf(kv, index);
  b.entries.splice(index - b.start, 1);
  await kv.set(WITNESS_KEYS.bundle(b.start), packBundle(b.entries));
}
