// Node hashes stored in tiles: a tile holds a perfect subtree of height 8, i.e. up to
// 256 nodes at its base level and every complete node above them inside the tile
// (510 hashes, 16,320 bytes, under Deno KV's 64 KiB value limit). Tile level t covers
// Merkle levels 8t..8t+7; the node at level 8t+8 is a base node of tile level t+1.
// So any proof reads a handful of tiles, and a batch of appends rewrites a handful.

import { HASH_SIZE, nodeHash } from "./hash.ts";
import type { NodeReader } from "./merkle.ts";

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 1 << TILE_HEIGHT;
const SLOTS = 2 * TILE_WIDTH - 2;
export const TILE_BYTES = SLOTS * HASH_SIZE;

/** Stored form of a tile: `width` base nodes present, hashes in fixed slots. */
export interface Tile {
  width: number;
  hashes: Uint8Array;
}

/**
 * Stored form: only the nodes present, level by level (floor(width / 2^j) hashes
 * at in-tile height j), so a partly filled tile costs what it holds. A batch at low
 * load rewrites a few hundred bytes of tiles instead of 16 KiB each.
 */
export interface StoredTile {
  width: number;
  hashes: Uint8Array;
}

export function packTile(tile: Tile): StoredTile {
  let size = 0;
  for (let j = 0; j < TILE_HEIGHT; j++) size += tile.width >> j;
  const out = new Uint8Array(size * HASH_SIZE);
  let at = 0;
  for (let j = 0; j < TILE_HEIGHT; j++) {
    const n = (tile.width >> j) * HASH_SIZE;
    const from = slot(j, 0) * HASH_SIZE;
    out.set(tile.hashes.subarray(from, from + n), at);
    at += n;
  }
  return { width: tile.width, hashes: out };
}

/** Expands a stored tile; undefined when its size does not match its width. */
export function unpackTile(stored: StoredTile | null | undefined): Tile | undefined {
  if (!stored || !Number.isInteger(stored.width) || stored.width < 0 || stored.width > TILE_WIDTH) {
    return undefined;
  }
  let size = 0;
  for (let j = 0; j < TILE_HEIGHT; j++) size += stored.width >> j;
  if (!(stored.hashes instanceof Uint8Array) || stored.hashes.length !== size * HASH_SIZE) {
    return undefined;
  }
  const tile = emptyTile();
  tile.width = stored.width;
  let at = 0;
  for (let j = 0; j < TILE_HEIGHT; j++) {
    const n = (stored.width >> j) * HASH_SIZE;
    tile.hashes.set(stored.hashes.subarray(at, at + n), slot(j, 0) * HASH_SIZE);
    at += n;
  }
  return tile;
}

/** Slot of the node at in-tile height j (0..7) and in-tile index i. */
function slot(j: number, i: number): number {
  return 2 * TILE_WIDTH - (2 * TILE_WIDTH >> j) + i;
}

export function emptyTile(): Tile {
  return { width: 0, hashes: new Uint8Array(TILE_BYTES) };
}

export function cloneTile(tile: Tile): Tile {
  return { width: tile.width, hashes: tile.hashes.slice() };
}

/** Where the node (level, index) lives: tile level, tile index, and position inside. */
export function locate(level: number, index: number) {
  const t = Math.floor(level / TILE_HEIGHT);
  const j = level % TILE_HEIGHT;
  const perTile = TILE_WIDTH >> j;
  const k = Math.floor(index / perTile);
  return { t, k, j, i: index - k * perTile };
}

export function tileNode(tile: Tile, j: number, i: number): Uint8Array | undefined {
  if (i >= tile.width >> j) return undefined;
  const at = slot(j, i) * HASH_SIZE;
  return tile.hashes.slice(at, at + HASH_SIZE);
}

/** Reads nodes out of tiles fetched by `getTile`; missing nodes are an error. */
export function tileReader(
  getTile: (t: number, k: number) => Promise<Tile | undefined>,
): NodeReader {
  return async (level, index) => {
    const { t, k, j, i } = locate(level, index);
    const tile = await getTile(t, k);
    const hash = tile && tileNode(tile, j, i);
    if (!hash) throw new Error(`witness: node (${level}, ${index}) is not stored`);
    return hash;
  };
}

/**
 * The right edge of the tree: the newest tile at each tile level, updated in place
 * as leaves arrive. Older tiles are complete and never change again.
 */
export class TileEdge {
  // tiles[t] = the newest tile at tile level t and its index k.
  constructor(private tiles: Array<{ k: number; tile: Tile }> = []) {}

  clone(): TileEdge {
    return new TileEdge(this.tiles.map(({ k, tile }) => ({ k, tile: cloneTile(tile) })));
  }

  /** The newest tile at level t, if it is tile k. */
  get(t: number, k: number): Tile | undefined {
    const edge = this.tiles[t];
    return edge && edge.k === k ? edge.tile : undefined;
  }

  /**
   * Adds leaf `index` and every node it completes; returns those parents (lowest
   * first) and marks the tiles it touched in `dirty` as "t/k".
   */
  appendLeaf(
    index: number,
    leaf: Uint8Array,
    dirty: Map<string, { t: number; k: number; tile: Tile }>,
  ): Uint8Array[] {
    const completed: Uint8Array[] = [];
    let hash = leaf;
    let globalIndex = index;
    for (let t = 0;; t++) {
      const k = Math.floor(globalIndex / TILE_WIDTH);
      let edge = this.tiles[t];
      if (!edge || edge.k !== k) {
        if (edge && edge.k + 1 !== k) throw new Error(`witness: tile ${t}/${k} out of order`);
        edge = this.tiles[t] = { k, tile: emptyTile() };
      }
      const tile = edge.tile;
      const local = globalIndex - k * TILE_WIDTH;
      if (local !== tile.width) throw new Error(`witness: node ${t}/${globalIndex} out of order`);
      tile.hashes.set(hash, slot(0, local) * HASH_SIZE);
      tile.width++;
      dirty.set(`${t}/${k}`, { t, k, tile });
      // Climb inside the tile while this node is a right child.
      let i = local;
      for (let j = 0; j < TILE_HEIGHT; j++) {
        if (i % 2 === 0) return completed;
        const left = tile.hashes.subarray(slot(j, i - 1) * HASH_SIZE, slot(j, i) * HASH_SIZE);
        hash = nodeHash(left, hash);
        completed.push(hash);
        i = Math.floor(i / 2);
        if (j + 1 < TILE_HEIGHT) tile.hashes.set(hash, slot(j + 1, i) * HASH_SIZE);
      }
      // The tile is full: its root is the next base node one tile level up.
      globalIndex = k;
    }
  }

  /** Rebuilds the edge for a tree of `size` leaves from stored tiles. */
  static async load(
    size: number,
    getTile: (t: number, k: number) => Promise<Tile | undefined>,
  ): Promise<TileEdge> {
    const tiles: Array<{ k: number; tile: Tile }> = [];
    for (let t = 0;; t++) {
      const nodes = Math.floor(size / TILE_WIDTH ** t);
      if (nodes === 0) break;
      const k = Math.floor((nodes - 1) / TILE_WIDTH);
      const tile = await getTile(t, k);
      if (!tile) throw new Error(`witness: tile ${t}/${k} is missing for size ${size}`);
      const expected = nodes - k * TILE_WIDTH;
      if (tile.width !== expected) {
        throw new Error(
          `witness: tile ${t}/${k} has width ${tile.width}, size ${size} needs ${expected}`,
        );
      }
      // A full tile is followed by a fresh one only when a node arrives for it.
      tiles[t] = { k, tile: cloneTile(tile) };
    }
    return new TileEdge(tiles);
  }
}
