// A full audit of a log from its public key: every entry is decoded (canonical
// form checked) and re-hashed, the whole tree rebuilt, every signed head's
// signature checked and its root compared with the rebuilt tree at its size, which
// also proves every pair of heads consistent. With access to storage the rebuilt
// node tiles are compared with the stored ones too, which pins a changed entry to
// its index even when no head has covered it yet.

import { type LogVerifier, openTreeHead, type TreeHead } from "./checkpoint.ts";
import { decodeEntry, EntryError } from "./entry.ts";
import { equalBytes, leafHash, toHex } from "./hash.ts";
import { Frontier } from "./merkle.ts";
import { type Tile, TILE_HEIGHT, TILE_WIDTH, TileEdge, tileNode } from "./tiles.ts";

export interface AuditSource {
  verifier: LogVerifier;
  /** The size the log claims to have. */
  size(): Promise<number>;
  /** Entries [start, end) in index order; a missing index is simply absent. */
  entries(start: number, end: number): AsyncIterable<{ index: number; bytes: Uint8Array }>;
  /** Every signed note, any order. */
  heads(): AsyncIterable<{ size: number; note: string }>;
  /** Stored node tile, when the auditor can read storage. */
  tile?(t: number, k: number): Promise<Tile | undefined>;
}

export interface AuditProblem {
  /** The entry index at fault, when one can be named. */
  index?: number;
  /** The signed head at fault, by tree size. */
  headSize?: number;
  message: string;
}

export interface AuditReport {
  ok: boolean;
  size: number;
  entriesChecked: number;
  headsChecked: number;
  /** Lowest entry index named by any problem. */
  firstBadIndex?: number;
  rootHash: string;
  problems: AuditProblem[];
  seconds: number;
}

const MAX_PROBLEMS = 100;
const PAGE = 1000;

export async function audit(
  source: AuditSource,
  onProgress?: (checked: number) => void,
): Promise<AuditReport> {
  const started = performance.now();
  const problems: AuditProblem[] = [];
  const badLeaves: number[] = [];
  const report = (p: AuditProblem) => {
    if (p.index !== undefined) badLeaves.push(p.index);
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  const size = await source.size();

  // Heads first: their signatures, then remember which sizes to check roots at.
  const heads = new Map<number, TreeHead>();
  let headsChecked = 0;
  for await (const { size: keySize, note } of source.heads()) {
    headsChecked++;
    try {
      const head = await openTreeHead(note, source.verifier);
      if (head.size !== keySize) {
        report({ headSize: keySize, message: `head stored at size ${keySize} says ${head.size}` });
      } else if (head.size > size) {
        report({
          headSize: head.size,
          message: `head covers ${head.size} entries; log has ${size}`,
        });
      } else heads.set(head.size, head);
    } catch (err) {
      report({ headSize: keySize, message: `head at size ${keySize}: ${(err as Error).message}` });
    }
  }
  const ordered = [...heads.values()].sort((a, b) => a.size - b.size);
  for (let i = 1; i < ordered.length; i++) {
    if (ordered[i].timestamp < ordered[i - 1].timestamp) {
      report({
        headSize: ordered[i].size,
        message: `head at size ${ordered[i].size} is older than the head before it`,
      });
    }
  }

  const frontier = new Frontier();
  const edge = new TileEdge();
  const dirty = new Map<string, { t: number; k: number; tile: Tile }>();
  // The stored level-0 tile holding the current entries, fetched once per 256.
  let leafTile: { k: number; tile: Tile | undefined } | undefined;
  const compareTile = async (t: number, k: number, rebuilt: Tile) => {
    const saved = t === 0 && leafTile?.k === k ? leafTile.tile : await source.tile!(t, k);
    if (!saved || saved.width < rebuilt.width) {
      report({
        index: k * TILE_WIDTH ** (t + 1),
        message: `node tile ${t}/${k} is missing or short`,
      });
      return;
    }
    if (equalBytes(saved.hashes, rebuilt.hashes)) return;
    for (let j = 0; j < TILE_HEIGHT; j++) {
      for (let i = 0; i < rebuilt.width >> j; i++) {
        if (!equalBytes(tileNode(saved, j, i)!, tileNode(rebuilt, j, i)!)) {
          const level = t * TILE_HEIGHT + j;
          const firstLeaf = (k * (TILE_WIDTH >> j) + i) * 2 ** level;
          // A changed entry already reported changes every node above it too.
          if (badLeaves.some((b) => b >= firstLeaf && b < firstLeaf + 2 ** level)) continue;
          report({
            index: firstLeaf,
            message: `stored node (${level}, ${
              k * (TILE_WIDTH >> j) + i
            }) differs from the entries`,
          });
          return;
        }
      }
    }
  };

  let expected = 0;
  for (let start = 0; start < size; start += PAGE) {
    const end = Math.min(size, start + PAGE);
    for await (const { index, bytes } of source.entries(start, end)) {
      if (index !== expected) {
        report({
          index: expected,
          message: index > expected
            ? `entry ${expected} is missing`
            : `entry ${index} out of order`,
        });
        if (index < expected) continue;
        // Hash nothing for the gap; the tree from here on cannot match, so stop.
        return finish();
      }
      try {
        decodeEntry(bytes);
      } catch (err) {
        report({ index, message: `entry ${index}: ${(err as EntryError).message}` });
      }
      const hash = leafHash(bytes);
      if (source.tile) {
        const k = Math.floor(index / TILE_WIDTH);
        if (leafTile?.k !== k) leafTile = { k, tile: await source.tile(0, k) };
        const savedHash = leafTile.tile && tileNode(leafTile.tile, 0, index - k * TILE_WIDTH);
        if (!savedHash || !equalBytes(savedHash, hash)) {
          report({ index, message: `entry ${index} does not hash to the stored leaf hash` });
        }
      }
      dirty.clear();
      frontier.push(hash, edge.appendLeaf(index, hash, dirty));
      if (source.tile) {
        for (const { t, k, tile } of dirty.values()) {
          if (tile.width === TILE_WIDTH) await compareTile(t, k, tile);
        }
      }
      expected++;
      const head = heads.get(expected);
      if (head && !equalBytes(head.rootHash, frontier.root())) {
        report({
          headSize: head.size,
          message: `signed head at size ${head.size} does not match the entries`,
        });
      }
    }
    onProgress?.(expected);
  }
  if (expected < size) report({ index: expected, message: `entry ${expected} is missing` });
  if (source.tile && expected === size) {
    for (let t = 0; size >= TILE_WIDTH ** t; t++) {
      const k = Math.floor((Math.floor(size / TILE_WIDTH ** t) - 1) / TILE_WIDTH);
      const tile = edge.get(t, k);
      if (tile && tile.width < TILE_WIDTH) await compareTile(t, k, tile);
    }
  }
  if (heads.has(0) && !equalBytes(heads.get(0)!.rootHash, new Frontier().root())) {
    report({ headSize: 0, message: "signed head at size 0 does not have the empty root" });
  }
  return finish();

  function finish(): AuditReport {
    const indices = problems.map((p) => p.index).filter((i): i is number => i !== undefined);
    return {
      ok: problems.length === 0,
      size,
      entriesChecked: expected,
      headsChecked,
      firstBadIndex: indices.length ? Math.min(...indices) : undefined,
      rootHash: toHex(frontier.root()),
      problems,
      seconds: (performance.now() - started) / 1000,
    };
  }
}
