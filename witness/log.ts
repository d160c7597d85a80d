// IF.witness: an append-only Merkle log over Deno KV (RFC 9162 hashing), with group
// commit, signed tree heads and proofs.
//
// Writes: appends queue up; one batch at a time becomes ONE atomic KV operation
// holding the entries, their hash index, the touched node tiles and the new tree
// state, guarded by a check on the previous state. An append resolves only after
// that commit, so a crash loses no acknowledged entry and never leaves half a
// batch. Reads (entries, proofs) only see committed state.

import * as ed from "@noble/ed25519";
import type { Subsystem } from "../lifecycle/mod.ts";
import type { Store } from "../store/mod.ts";
import { Counter, Gauge, Histogram, type Logger, type Registry } from "../telemetry/mod.ts";
import {
  type HeadError,
  type LogSigner,
  openTreeHead,
  signerFromSecret,
  signTreeHead,
  type TreeHead,
} from "./checkpoint.ts";
import { decodeEntry, encodeEntry, type Entry, type JsonValue } from "./entry.ts";
import { equalBytes, leafHash, toHex } from "./hash.ts";
import {
  consistencyProof,
  Frontier,
  inclusionProof,
  type NodeReader,
  rangeHash,
} from "./merkle.ts";
import { KEYS, type StoredKey, type StoredState } from "./_keys.ts";
import { checkStoredEntries } from "./startup_check.ts";
import { fits, type OpenBundle, packBundle, readEntries, unpackBundle } from "./bundles.ts";
import {
  packTile,
  type StoredTile,
  type Tile,
  TILE_WIDTH,
  TileEdge,
  tileReader,
  unpackTile,
} from "./tiles.ts";

export interface WitnessOptions {
  /** Log name: first line of every checkpoint and the signing key's name. */
  origin: string;
  /** Publish a head this often when the tree has grown. */
  headIntervalMs: number;
  /** ...or as soon as this many entries arrived since the last head. */
  headEveryEntries: number;
  log: Logger;
  registry?: Registry;
}

export interface Appended {
  index: number;
  leafHash: Uint8Array;
  timestamp: number;
}

export class WitnessError extends Error {
  override name = "WitnessError";
}

// Deno KV allows 1,000 mutations and 800 KiB per atomic operation. A batch writes
// the batch's entry bundles, up to ~10 node
// tiles of 16 KiB, and the state. The leaf-hash index is written behind it in its
// own operations: at ~20 us a row it would otherwise halve append throughput, and
// it is derived data that a restart rebuilds from the entries.
const MAX_BATCH_ENTRIES = 800;
// Index chunks are small and wait for a batch commit in flight: SQLite runs one
// write at a time, and a 900-row index write (~20 ms) queued in front of a batch
// showed directly in admission p99.
const MIN_INDEX_ROWS = 128;
const MAX_INDEX_ROWS = 900;
const INDEX_FLUSH_MS = 100;
const MAX_BATCH_ENTRY_BYTES = 480 * 1024;
const TILE_CACHE_SIZE = 4096;

interface Pending {
  bytes: Uint8Array;
  timestamp: number;
  resolve: (a: Appended) => void;
  reject: (e: Error) => void;
}

export class WitnessLog implements Subsystem {
  readonly name = "witness";
  #queue: Pending[] = [];
  #draining?: Promise<void>;
  #running = false;
  #closing = false;
  #failure?: Error;
  #timer?: ReturnType<typeof setInterval>;
  #headChain: Promise<unknown> = Promise.resolve();
  #headRequested = 0;
  #indexQueue: Array<{ index: number; leafHash: Uint8Array }> = [];
  #unindexed = new Map<string, number>();
  #indexing = false;
  #indexDrain?: Promise<void>;
  #indexTimer?: ReturnType<typeof setTimeout>;
  #batchCommit: Promise<void> = Promise.resolve();
  #tileCache = new Map<string, Tile>();
  #metrics;

  private constructor(
    private readonly store: Store,
    readonly signer: LogSigner,
    private readonly opts: WitnessOptions,
    private committed: { size: number; root: Uint8Array; versionstamp: string | null },
    private edge: TileEdge,
    private frontier: Frontier,
    private lastHead: TreeHead,
  ) {
    this.#metrics = witnessMetrics(opts.registry);
    this.#metrics.size.set(committed.size);
    this.#headRequested = lastHead.size;
  }

  /** Opens the log in the store, creating its key and first head if new, and checks it. */
  static async open(store: Store, opts: WitnessOptions): Promise<WitnessLog> {
    const kv = store.kv;
    const signer = await loadOrCreateKey(store, opts.origin);
    const state = await kv.get<StoredState>(KEYS.state);
    const size = state.value?.size ?? 0;
    const getTile = (t: number, k: number) =>
      kv.get<StoredTile>(KEYS.tile(t, k)).then((r) => unpackTile(r.value));
    const edge = await TileEdge.load(size, getTile);
    const reader = tileReader(getTile);
    const frontier = await Frontier.load(reader, size);
    if (state.value && !equalBytes(frontier.root(), state.value.root)) {
      throw new WitnessError(
        "stored tree state does not match its node tiles; run `council witness verify`",
      );
    }

    await checkNewestBundle(kv, size);
    let head = await latestStoredHead(store, signer);
    if (head) {
      if (head.size > size) {
        throw new WitnessError(
          `latest signed head covers ${head.size} entries but the log holds ${size}`,
        );
      }
      const root = await rangeHash(reader, 0, head.size);
      if (!equalBytes(root, head.rootHash)) {
        throw new WitnessError(
          `the log is not consistent with its signed head at size ${head.size}`,
        );
      }
      const started = performance.now();
      const problem = await checkStoredEntries(kv, signer, head, size, frontier.root());
      if (problem) {
        const at = problem.firstBadIndex !== undefined
          ? `first bad index ${problem.firstBadIndex}: `
          : "";
        throw new WitnessError(
          `the stored log contradicts its signed head: ${at}${problem.message}. Refusing to ` +
            `serve or sign over it; \`council witness verify --kv ${store.path}\` lists every problem`,
        );
      }
      opts.log.info("witness entries verified against the signed head", {
        entries: size,
        headSize: head.size,
        ms: Math.round(performance.now() - started),
      });
    } else {
      if (size > 0) throw new WitnessError("the log holds entries but no signed head");
      head = await signTreeHead(signer, {
        size: 0,
        rootHash: frontier.root(),
        timestamp: Date.now(),
      });
      await store.commit(
        kv.atomic().check({ key: KEYS.head(0), versionstamp: null }).set(KEYS.head(0), head.note),
      );
    }

    const log = new WitnessLog(
      store,
      signer,
      opts,
      { size, root: frontier.root(), versionstamp: state.versionstamp },
      edge,
      frontier,
      head,
    );
    // Index rows lag the log by design; after a crash, rebuild the missing tail.
    const indexed = (await kv.get<number>(KEYS.indexed)).value ?? 0;
    if (indexed < size) {
      const tail: Array<{ index: number; leafHash: Uint8Array }> = [];
      for await (const { index, bytes } of readEntries(kv, KEYS.bundlePrefix, indexed, size)) {
        tail.push({ index, leafHash: leafHash(bytes) });
      }
      log.#queueIndex(tail);
    }
    log.#timer = setInterval(() => {
      if (log.committed.size > log.#headRequested) log.publishHead().catch(() => {});
    }, opts.headIntervalMs);
    return log;
  }

  /** Entries whose leaf-hash index rows are not yet in KV (served from memory). */
  get indexBacklog(): number {
    return this.#unindexed.size;
  }

  /** Resolves when the leaf-hash index has caught up with the log. */
  async indexed(): Promise<void> {
    while (this.#unindexed.size > 0) {
      this.#flushIndex();
      await this.#indexDrain;
      if (this.#unindexed.size > 0) await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Committed tree size. */
  get size(): number {
    return this.committed.size;
  }

  get rootHash(): Uint8Array {
    return this.committed.root;
  }

  get latestHead(): TreeHead {
    return this.lastHead;
  }

  /** Appends one entry; resolves once it is durable in KV. */
  append(type: string, payload: JsonValue): Promise<Appended> {
    const timestamp = Date.now();
    let bytes: Uint8Array;
    try {
      bytes = encodeEntry({ type, timestamp, payload });
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#appendEncoded(bytes, timestamp);
  }

  /** Queues canonical entry bytes (from encodeEntry) for the next batch. */
  #appendEncoded(bytes: Uint8Array, timestamp: number): Promise<Appended> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#closing) {
      return Promise.reject(new WitnessError("witness is closing; append refused"));
    }
    return new Promise<Appended>((resolve, reject) => {
      this.#queue.push({ bytes, timestamp, resolve, reject });
      if (!this.#running) this.#draining = this.#drain();
    });
  }

  // One drain loop at a time. The flag is cleared in the same synchronous step as
  // the last empty-queue check, so an append can never be left queued with no loop.
  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length) {
        let bytes = 0;
        let n = 0;
        while (
          n < this.#queue.length && n < MAX_BATCH_ENTRIES &&
          (n === 0 || bytes + this.#queue[n].bytes.length <= MAX_BATCH_ENTRY_BYTES)
        ) {
          bytes += this.#queue[n++].bytes.length;
        }
        await this.#commitBatch(this.#queue.splice(0, n));
      }
    } finally {
      this.#running = false;
    }
  }

  async #commitBatch(batch: Pending[]): Promise<void> {
    const started = performance.now();
    const kv = this.store.kv;
    const edge = this.edge.clone();
    const frontier = this.frontier.clone();
    const dirty = new Map<string, { t: number; k: number; tile: Tile }>();
    // Each batch starts its own bundles: rewriting a half-full bundle on every
    // commit multiplied the bytes written at low load (and SQLite's checkpoints).
    let bundle: OpenBundle = { start: frontier.size, entries: [], bytes: 0 };
    const bundles = new Map<number, Uint8Array[]>();
    const op = kv.atomic().check({ key: KEYS.state, versionstamp: this.committed.versionstamp });
    const results: Appended[] = [];
    for (const item of batch) {
      const index = frontier.size;
      const hash = leafHash(item.bytes);
      frontier.push(hash, edge.appendLeaf(index, hash, dirty));
      if (!fits(bundle, item.bytes.length)) bundle = { start: index, entries: [], bytes: 0 };
      bundle.entries.push(item.bytes);
      bundle.bytes += 4 + item.bytes.length;
      bundles.set(bundle.start, bundle.entries);
      results.push({ index, leafHash: hash, timestamp: item.timestamp });
    }
    for (const [start, entries] of bundles) op.set(KEYS.bundle(start), packBundle(entries));
    for (const { t, k, tile } of dirty.values()) op.set(KEYS.tile(t, k), packTile(tile));
    const root = frontier.root();
    op.set(KEYS.state, { size: frontier.size, root } satisfies StoredState);

    let res: Deno.KvCommitResult | Deno.KvCommitError;
    try {
      const commit = this.store.commit(op);
      this.#batchCommit = commit.then(() => {}, () => {});
      res = await commit;
    } catch (err) {
      const error = new WitnessError(`witness write failed: ${(err as Error).message}`);
      this.opts.log.error("witness batch failed", { entries: batch.length, err });
      for (const item of batch) item.reject(error);
      return;
    }
    if (!res.ok) {
      // Someone else wrote this log: two servers on one KV. Stop rather than fork it.
      this.#failure = new WitnessError("witness state changed under this server (another writer?)");
      this.opts.log.error("witness stopped", { err: this.#failure });
      for (const item of [...batch, ...this.#queue.splice(0)]) item.reject(this.#failure);
      return;
    }
    this.edge = edge;
    this.frontier = frontier;
    this.committed = { size: frontier.size, root, versionstamp: res.versionstamp };
    for (const { t, k, tile } of dirty.values()) {
      if (tile.width === TILE_WIDTH) this.#cacheTile(t, k, tile);
    }
    batch.forEach((item, i) => item.resolve(results[i]));
    this.#queueIndex(results);

    const seconds = (performance.now() - started) / 1000;
    this.#metrics.entries.inc(batch.length);
    this.#metrics.batch.observe(batch.length);
    this.#metrics.commit.observe(seconds);
    this.#metrics.size.set(frontier.size);
    if (frontier.size - this.#headRequested >= this.opts.headEveryEntries) {
      this.publishHead().catch(() => {});
    }
  }

  #queueIndex(items: Array<{ index: number; leafHash: Uint8Array }>): void {
    for (const { index, leafHash } of items) {
      this.#unindexed.set(toHex(leafHash), index);
      this.#indexQueue.push({ index, leafHash });
    }
    // Coalesce: at low load, one index write per interval instead of one per
    // batch, so index writes do not queue in front of the next batch's commit.
    this.#metrics.indexBacklog.set(this.#indexQueue.length);
    if (this.#indexQueue.length >= 4 * MIN_INDEX_ROWS) this.#flushIndex();
    else this.#indexTimer ??= setTimeout(() => this.#flushIndex(), INDEX_FLUSH_MS);
  }

  #flushIndex(): void {
    clearTimeout(this.#indexTimer);
    this.#indexTimer = undefined;
    if (!this.#indexing) this.#indexDrain = this.#writeIndex();
  }

  async #writeIndex(): Promise<void> {
    this.#indexing = true;
    try {
      while (this.#indexQueue.length) {
        await this.#batchCommit;
        // Small chunks while the backlog is small (latency); large ones when it
        // grows, so the index keeps up with sustained load and memory stays bounded.
        const chunk = this.#indexQueue.length > 4 * MIN_INDEX_ROWS
          ? MAX_INDEX_ROWS
          : MIN_INDEX_ROWS;
        const rows = this.#indexQueue.splice(0, chunk);
        const op = this.store.kv.atomic();
        for (const { index, leafHash } of rows) op.set(KEYS.byHash(leafHash), index);
        op.set(KEYS.indexed, rows[rows.length - 1].index + 1);
        try {
          await this.store.commit(op);
          for (const { leafHash } of rows) this.#unindexed.delete(toHex(leafHash));
          this.#metrics.indexBacklog.set(this.#indexQueue.length);
        } catch (err) {
          // Lookups still find these in memory; a restart re-indexes from the entries.
          this.opts.log.warn("witness hash index write failed", { rows: rows.length, err });
        }
      }
    } finally {
      this.#indexing = false;
    }
  }

  /**
   * Signs and stores a head for the tree as committed at this moment, unless the
   * latest head already covers it. Heads are signed one at a time, in size order.
   */
  publishHead(): Promise<TreeHead> {
    const { size, root } = this.committed;
    this.#headRequested = Math.max(this.#headRequested, size);
    const next = this.#headChain.then(async () => {
      if (size <= this.lastHead.size) return this.lastHead;
      const head = await signTreeHead(this.signer, { size, rootHash: root, timestamp: Date.now() });
      const kv = this.store.kv;
      await this.store.commit(
        kv.atomic().check({ key: KEYS.head(size), versionstamp: null }).set(
          KEYS.head(size),
          head.note,
        ),
      );
      this.lastHead = head;
      this.#metrics.heads.inc();
      return head;
    });
    this.#headChain = next.catch((err) => this.opts.log.error("head publication failed", { err }));
    return next;
  }

  /** Signed heads in increasing size, from `fromSize` on, at most `limit`. */
  async heads(fromSize = 0, limit = 100): Promise<TreeHead[]> {
    const out: TreeHead[] = [];
    const iter = this.store.kv.list<string>(
      { prefix: KEYS.headPrefix, start: KEYS.head(fromSize) },
      { limit },
    );
    for await (const { value } of iter) out.push(await openTreeHead(value, this.signer));
    return out;
  }

  async entry(index: number): Promise<Uint8Array | undefined> {
    return (await this.entries(index, index + 1))[0]?.bytes;
  }

  /** Entries [start, end) of the committed log, in order. */
  async entries(start: number, end: number): Promise<Array<{ index: number; bytes: Uint8Array }>> {
    const stop = Math.min(end, this.committed.size);
    const out: Array<{ index: number; bytes: Uint8Array }> = [];
    if (!(start >= 0 && start < stop)) return out;
    for await (const e of readEntries(this.store.kv, KEYS.bundlePrefix, start, stop)) out.push(e);
    return out;
  }

  /**
   * Committed entries newest first, decoded, down to the first one older than
   * `oldest` (ms since the epoch): what a restart rebuilds recent state from.
   */
  async *newestFirst(
    oldest: number,
  ): AsyncIterable<Entry & { index: number; bytes: Uint8Array }> {
    for (let end = this.committed.size; end > 0; end -= 1000) {
      const page = await this.entries(Math.max(0, end - 1000), end);
      for (const { index, bytes } of page.reverse()) {
        const entry = decodeEntry(bytes);
        if (entry.timestamp < oldest) return;
        yield { ...entry, index, bytes };
      }
    }
  }

  async indexOf(leaf: Uint8Array): Promise<number | undefined> {
    const recent = this.#unindexed.get(toHex(leaf));
    if (recent !== undefined) return recent;
    const index = (await this.store.kv.get<number>(KEYS.byHash(leaf))).value;
    return index !== null && index < this.committed.size ? index : undefined;
  }

  async inclusionProof(index: number, size: number): Promise<Uint8Array[]> {
    this.#checkSize(size);
    return await inclusionProof(this.#reader, index, size);
  }

  async consistencyProof(first: number, second: number): Promise<Uint8Array[]> {
    this.#checkSize(second);
    return await consistencyProof(this.#reader, first, second);
  }

  /** Root hash of the tree as it was at `size`. */
  async rootAt(size: number): Promise<Uint8Array> {
    this.#checkSize(size);
    return await rangeHash(this.#reader, 0, size);
  }

  #checkSize(size: number): void {
    if (!(Number.isSafeInteger(size) && size >= 0 && size <= this.committed.size)) {
      throw new RangeError(`tree size ${size} is beyond the log's ${this.committed.size}`);
    }
  }

  /**
   * Node tile t/k as committed (RFC 9162 node hashes; public, derived from the
   * entries): lets an auditor over HTTP name the entry that no longer matches.
   */
  async tile(t: number, k: number): Promise<Tile | undefined> {
    const edge = this.edge.get(t, k);
    if (edge) return edge;
    const cached = this.#tileCache.get(`${t}/${k}`);
    if (cached) return cached;
    const tile = unpackTile((await this.store.kv.get<StoredTile>(KEYS.tile(t, k))).value);
    if (tile && tile.width === TILE_WIDTH) this.#cacheTile(t, k, tile);
    return tile;
  }

  #reader: NodeReader = tileReader((t, k) => this.tile(t, k));

  #cacheTile(t: number, k: number, tile: Tile): void {
    // Complete tiles never change, so caching them is always safe; evict oldest first.
    if (this.#tileCache.size >= TILE_CACHE_SIZE) {
      this.#tileCache.delete(this.#tileCache.keys().next().value!);
    }
    this.#tileCache.set(`${t}/${k}`, tile);
  }

  ready(): boolean {
    return !this.#failure && !this.#closing;
  }

  /** Refuses new appends, commits what is queued, publishes a final head. */
  async close(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#timer);
    await this.#draining;
    this.#flushIndex();
    await this.#indexDrain;
    if (!this.#failure) await this.publishHead().catch(() => {});
    await this.#headChain;
  }
}

async function loadOrCreateKey(store: Store, origin: string): Promise<LogSigner> {
  const kv = store.kv;
  const existing = await kv.get<StoredKey>(KEYS.signingKey);
  if (existing.value) return signerFromSecret(origin, existing.value.secretKey);
  const secretKey = ed.utils.randomSecretKey();
  const record: StoredKey = { secretKey, createdAt: new Date().toISOString() };
  const res = await store.commit(kv.atomic().check(existing).set(KEYS.signingKey, record));
  if (!res.ok) return loadOrCreateKey(store, origin); // another process created it first
  return signerFromSecret(origin, secretKey);
}

/** The newest bundle must end exactly at the tree size. */
async function checkNewestBundle(kv: Deno.Kv, size: number): Promise<void> {
  for await (
    const { key, value } of kv.list<Uint8Array>({ prefix: KEYS.bundlePrefix }, {
      reverse: true,
      limit: 1,
    })
  ) {
    const start = key[3] as number;
    let entries: Uint8Array[];
    try {
      entries = unpackBundle(value);
    } catch (err) {
      throw new WitnessError(`newest entry bundle is corrupt: ${(err as Error).message}`);
    }
    if (start + entries.length !== size) {
      throw new WitnessError(
        `entry bundles end at ${start + entries.length} but the tree has ${size}`,
      );
    }
    return;
  }
  if (size !== 0) throw new WitnessError(`the tree has ${size} entries but no entry bundles`);
}

async function latestStoredHead(store: Store, signer: LogSigner): Promise<TreeHead | undefined> {
  for await (
    const { value } of store.kv.list<string>({ prefix: KEYS.headPrefix }, {
      reverse: true,
      limit: 1,
    })
  ) {
    try {
      return await openTreeHead(value, signer);
    } catch (err) {
      throw new WitnessError(`latest signed head is invalid: ${(err as HeadError).message}`);
    }
  }
  return undefined;
}

function witnessMetrics(registry?: Registry) {
  const registers = registry ? [registry] : [];
  return {
    entries: new Counter({
      name: "council_witness_entries_total",
      help: "Entries appended.",
      registers,
    }),
    heads: new Counter({
      name: "council_witness_heads_total",
      help: "Signed tree heads published.",
      registers,
    }),
    size: new Gauge({ name: "council_witness_tree_size", help: "Committed tree size.", registers }),
    indexBacklog: new Gauge({
      name: "council_witness_index_backlog",
      help: "Entries whose leaf-hash index rows are not written yet.",
      registers,
    }),
    batch: new Histogram({
      name: "council_witness_batch_entries",
      help: "Entries per group commit.",
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 400],
      registers,
    }),
    commit: new Histogram({
      name: "council_witness_commit_seconds",
      help: "Time to build and commit one batch.",
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers,
    }),
  };
}

export type { Entry };
