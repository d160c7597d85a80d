// The main thread's view of the media workers: rooms are placed on the least loaded
// worker, commands go out as small messages, and when a worker dies (an uncaught
// error, or no answer to heartbeats) a replacement is started and its rooms are
// rebuilt elsewhere on the same ports, with each leg's signalled address and source
// lock, so RTP resumes without any signalling and no stranger can take a leg then.

import type { Subsystem } from "../../lifecycle/mod.ts";
import type { Logger } from "../../telemetry/mod.ts";
import { closeDescriptor } from "../../native/mod.ts";
import { newStreamId } from "../../provenance/chain.ts";
import { toHex } from "../../witness/hash.ts";
import type {
  AgentTicket,
  Command,
  LatchPolicy,
  LegSpec,
  LegStats,
  LegUpdate,
  ProvenanceAction,
  ProvenanceHeads,
  RecorderHead,
  RecorderSpec,
  Reply,
  RoomSpec,
  WorkerEvent,
  WorkerMessage,
  WorkerStats,
} from "./protocol.ts";

const WORKER_URL = new URL("../../workers/media_worker.ts", import.meta.url);
const REQUEST_TIMEOUT_MS = 5_000;

export class MediaError extends Error {
  override name = "MediaError";
}

export interface MediaEngineOptions {
  /** Media workers; 0 means one per core. */
  readonly workers?: number;
  readonly heartbeatMs?: number;
  /** Heartbeats a worker may miss before it is declared hung and replaced. */
  readonly missedHeartbeats?: number;
  readonly log?: Logger;
  /** libopus encoder complexity (0-10) for rooms that do not set their own. */
  readonly opusComplexity?: number;
  /** SCHED_RR priority (1-99) for the workers' threads where permitted; 0 or absent: off. */
  readonly realtimePriority?: number;
  /** Symmetric-RTP latching for peers behind NAT (media.latching); "off" when absent. */
  readonly latching?: LatchPolicy;
}

export type MediaEvent =
  | Exclude<WorkerEvent, { ev: "ready" }>
  | {
    ev: "failover";
    worker: number;
    rooms: string[];
    ms: number;
    reason: string;
    /**
     * Chains that ended with the dead worker (their final heads died with it): the
     * rebuilt legs chain again under new stream ids.
     */
    ended: { legId: string; roomId: string; streamId: string; direction: "out" | "in" }[];
  }
  /** A recording whose worker died: its files hold what was flushed (up to a second less). */
  | { ev: "recording.lost"; recordingId: string; reason: string };

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

class WorkerSlot {
  worker!: Worker;
  readonly pending = new Map<number, Pending>();
  readonly rooms = new Set<string>();
  alive = false;
  missed = 0;
  ready!: Promise<void>;
  /** Whether the worker's thread runs SCHED_RR (media.realtimePriority). */
  realtime = false;

  constructor(readonly index: number) {}
}

/** The chains a leg runs (what it is sent, what it sends), by stream id in hex. */
function endedChains(spec: LegSpec) {
  const out = spec.provenance?.streamId ?? spec.chain?.streamId;
  const chains = [];
  if (out) chains.push({ streamId: toHex(out), direction: "out" as const });
  const inbound = spec.verify ?? spec.verifyInband;
  if (inbound) chains.push({ streamId: toHex(inbound.streamId), direction: "in" as const });
  return chains.map((c) => ({ legId: spec.legId, roomId: spec.roomId, ...c }));
}

export class MediaEngine implements Subsystem {
  readonly name = "media";
  readonly #slots: WorkerSlot[] = [];
  readonly #rooms = new Map<
    string,
    { spec: RoomSpec; slot: WorkerSlot; legs: Map<string, LegSpec>; recordings: Set<string> }
  >();
  readonly #legRoom = new Map<string, string>();
  /** Socket descriptors of each leg, to close if its worker dies. */
  readonly #fds = new Map<string, number[]>();
  readonly #listeners = new Set<(e: MediaEvent) => void>();
  readonly #heartbeat: ReturnType<typeof setInterval>;
  #nextId = 1;
  #closing = false;

  private constructor(private readonly opts: MediaEngineOptions) {
    const count = opts.workers || navigator.hardwareConcurrency || 1;
    for (let i = 0; i < count; i++) this.#slots.push(this.#spawn(new WorkerSlot(i)));
    this.#heartbeat = setInterval(() => this.#beat(), opts.heartbeatMs ?? 1000);
  }

  /** Starts the workers and waits until each has loaded its codec libraries. */
  static async start(opts: MediaEngineOptions = {}): Promise<MediaEngine> {
    const engine = new MediaEngine(opts);
    try {
      await Promise.all(engine.#slots.map((s) => s.ready));
    } catch (err) {
      await engine.close();
      throw err;
    }
    const refused = await Promise.all(engine.#slots.map((s) => engine.#realtime(s)));
    if (opts.realtimePriority) {
      const why = refused.find((r) => r !== null);
      if (why) opts.log?.warn("media workers keep the normal scheduler", { reason: why });
      else opts.log?.info("media workers run real-time", { priority: opts.realtimePriority });
    }
    return engine;
  }

  /** Asks a worker to go SCHED_RR (when configured); null when it did or was not asked. */
  async #realtime(slot: WorkerSlot): Promise<string | null> {
    const priority = this.opts.realtimePriority ?? 0;
    if (priority <= 0) return null;
    const why = await this.#request(slot, { op: "realtime", priority }) as string | null;
    slot.realtime = why === null;
    return why;
  }

  get workerCount(): number {
    return this.#slots.length;
  }

  get liveWorkers(): number {
    return this.#slots.filter((s) => s.alive).length;
  }

  /** Index of the worker a room is on (for tests, stats and `top`). */
  workerOf(roomId: string): number | undefined {
    return this.#rooms.get(roomId)?.slot.index;
  }

  /** Each live worker's rooms and scheduling (for the operators' media view). */
  placement(): { worker: number; rooms: string[]; realtime: boolean }[] {
    return this.#slots.filter((s) => s.alive).map((s) => ({
      worker: s.index,
      rooms: [...s.rooms].sort(),
      realtime: s.realtime,
    }));
  }

  on(listener: (e: MediaEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  ready(): boolean {
    return !this.#closing && this.#slots.every((s) => s.alive);
  }

  async createRoom(given: RoomSpec): Promise<void> {
    const spec = { ...given, opusComplexity: given.opusComplexity ?? this.opts.opusComplexity };
    if (this.#rooms.has(spec.roomId)) throw new MediaError(`room ${spec.roomId} exists`);
    const slot = this.#leastLoaded();
    const entry = { spec, slot, legs: new Map<string, LegSpec>(), recordings: new Set<string>() };
    this.#rooms.set(spec.roomId, entry);
    slot.rooms.add(spec.roomId);
    try {
      await this.#request(slot, { op: "room.create", room: spec });
    } catch (err) {
      this.#rooms.delete(spec.roomId);
      slot.rooms.delete(spec.roomId);
      throw err;
    }
  }

  async closeRoom(roomId: string): Promise<void> {
    const room = this.#rooms.get(roomId);
    if (!room) return;
    this.#rooms.delete(roomId);
    room.slot.rooms.delete(roomId);
    for (const legId of room.legs.keys()) {
      this.#legRoom.delete(legId);
      this.#fds.delete(legId);
    }
    await this.#request(room.slot, { op: "room.close", roomId }).catch(() => {});
  }

  /** Opens a leg's RTP endpoint; resolves with the local port it listens on. */
  async createLeg(given: LegSpec): Promise<{ port: number }> {
    const spec = { ...given, latching: given.latching ?? this.opts.latching ?? "off" };
    const room = this.#rooms.get(spec.roomId);
    if (!room) throw new MediaError(`no room ${spec.roomId}`);
    if (this.#legRoom.has(spec.legId)) throw new MediaError(`leg ${spec.legId} exists`);
    this.#legRoom.set(spec.legId, spec.roomId);
    try {
      const { port, fds } = await this.#request(room.slot, { op: "leg.create", leg: spec }) as {
        port: number;
        fds: number[];
      };
      room.legs.set(spec.legId, { ...spec, port });
      this.#fds.set(spec.legId, fds);
      return { port };
    } catch (err) {
      this.#legRoom.delete(spec.legId);
      throw err;
    }
  }

  async updateLeg(legId: string, update: LegUpdate): Promise<void> {
    const { room, spec } = this.#legEntry(legId);
    // A new announced address drops the lock (the worker does the same).
    const moved = update.remote !== undefined &&
      (update.remote.address !== spec.remote?.address || update.remote.port !== spec.remote?.port);
    room.legs.set(legId, { ...spec, ...update, ...(moved ? { lock: undefined } : {}) });
    await this.#request(room.slot, { op: "leg.update", legId, update });
  }

  async sendDtmf(legId: string, digits: string): Promise<void> {
    const { room } = this.#legEntry(legId);
    await this.#request(room.slot, { op: "leg.dtmf", legId, digits });
  }

  /**
   * Plays a prompt to a leg instead of its mix (mono PCM at `rate`); resolves with its
   * length in ms. A worker failover drops it (the leg is rebuilt without it).
   */
  async playLeg(legId: string, pcm: Int16Array, rate: number): Promise<number> {
    const { room } = this.#legEntry(legId);
    return await this.#request(room.slot, { op: "leg.play", legId, pcm, rate }) as number;
  }

  /**
   * Verifies what a leg receives against its sender's chain, or hands it a checkpoint
   * (docs/provenance.md, "Browsers"). The spec is kept: a leg rebuilt after a failover
   * verifies again (unverified until its next checkpoint).
   */
  async legProvenance(legId: string, action: ProvenanceAction): Promise<void> {
    const { room, spec } = this.#legEntry(legId);
    if (action.do === "verify") room.legs.set(legId, { ...spec, verify: action.spec });
    if (action.do === "stop") room.legs.set(legId, { ...spec, verify: undefined });
    if (action.do === "chain") room.legs.set(legId, { ...spec, chain: action.spec });
    if (action.do === "sign") room.legs.set(legId, { ...spec, provenance: action.spec });
    if (action.do === "verifyInband") room.legs.set(legId, { ...spec, verifyInband: action.spec });
    await this.#request(room.slot, { op: "leg.provenance", legId, action });
  }

  /** Closes a leg; its chains' final heads (provenance.end) say `reason`. */
  async closeLeg(legId: string, reason?: string): Promise<void> {
    const roomId = this.#legRoom.get(legId);
    if (!roomId) return;
    this.#legRoom.delete(legId);
    this.#fds.delete(legId);
    const room = this.#rooms.get(roomId)!;
    room.legs.delete(legId);
    await this.#request(room.slot, { op: "leg.close", legId, reason }).catch(() => {});
  }

  /**
   * A one-time ticket for an agent leg's media connection: the URL of the leg's
   * worker endpoint and the ticket (agent_endpoint.ts). Asked again after a failover.
   */
  async agentTicket(legId: string): Promise<AgentTicket> {
    const { room } = this.#legEntry(legId);
    return await this.#request(room.slot, { op: "agent.ticket", legId }) as AgentTicket;
  }

  /** Starts recording a room's full mix (media/engine/recorder.ts). */
  async startRecording(roomId: string, recorder: RecorderSpec): Promise<void> {
    const room = this.#rooms.get(roomId);
    if (!room) throw new MediaError(`no room ${roomId}`);
    await this.#request(room.slot, { op: "recording.start", roomId, recorder });
    room.recordings.add(recorder.recordingId);
  }

  /** Ends a recording; resolves with its chain head. */
  async stopRecording(recordingId: string): Promise<RecorderHead> {
    const room = [...this.#rooms.values()].find((r) => r.recordings.has(recordingId));
    if (!room) throw new MediaError(`no recording ${recordingId}`);
    room.recordings.delete(recordingId);
    return await this.#request(room.slot, { op: "recording.stop", recordingId }) as RecorderHead;
  }

  /** The chain heads of every live recording and chained leg. */
  async provenanceHeads(): Promise<ProvenanceHeads> {
    const all = await Promise.all(
      this.#slots.filter((s) => s.alive).map((slot) =>
        this.#request(slot, { op: "provenance.heads" }).then(
          (h) => h as ProvenanceHeads,
          (): ProvenanceHeads => ({ recordings: [], legs: [], inbound: [] }),
        )
      ),
    );
    return {
      recordings: all.flatMap((h) => h.recordings),
      legs: all.flatMap((h) => h.legs),
      inbound: all.flatMap((h) => h.inbound),
    };
  }

  /** Per-leg stats from every live worker, and each worker's tick load. */
  async stats(): Promise<{ legs: LegStats[]; workers: (WorkerStats & { index: number })[] }> {
    const results = await Promise.all(
      this.#slots.filter((s) => s.alive).map(async (slot) => ({
        index: slot.index,
        ...(await this.#request(slot, { op: "stats" }) as WorkerStats),
      })),
    );
    return { legs: results.flatMap((r) => r.legs), workers: results };
  }

  /**
   * Kills a worker abruptly, as a crash would (failover drills, tests, benchmarks).
   * False when there is no such live worker.
   */
  killWorker(index: number): boolean {
    const slot = this.#slots[index];
    if (!slot?.alive) return false;
    this.#failover(slot, "killed");
    return true;
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearInterval(this.#heartbeat);
    await Promise.all(
      [...this.#rooms.keys()].map((roomId) => this.closeRoom(roomId)),
    );
    for (const slot of this.#slots) {
      slot.alive = false;
      slot.worker.terminate();
      for (const p of slot.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new MediaError("media engine closed"));
      }
      slot.pending.clear();
    }
  }

  // --- workers -------------------------------------------------------------

  #spawn(slot: WorkerSlot): WorkerSlot {
    const worker = new Worker(WORKER_URL, { type: "module", name: `media-${slot.index}` });
    slot.worker = worker;
    slot.missed = 0;
    slot.ready = new Promise<void>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
        const msg = e.data;
        if ("ev" in msg) {
          if (msg.ev === "ready") {
            slot.alive = true;
            resolve();
          } else this.#emit(msg);
          return;
        }
        this.#settle(slot, msg);
      };
      worker.onerror = (e: ErrorEvent) => {
        // Keep the process alive: a media worker's crash is handled, not fatal.
        e.preventDefault();
        if (!slot.alive) {
          return reject(new MediaError(`media worker failed to start: ${e.message}`));
        }
        this.#failover(slot, e.message);
      };
    });
    return slot;
  }

  #settle(slot: WorkerSlot, reply: Reply): void {
    const p = slot.pending.get(reply.id);
    if (!p) return;
    slot.pending.delete(reply.id);
    clearTimeout(p.timer);
    if (reply.ok) p.resolve(reply.result);
    else p.reject(new MediaError(reply.error));
  }

  #request(slot: WorkerSlot, cmd: Command): Promise<unknown> {
    if (!slot.alive) return Promise.reject(new MediaError(`media worker ${slot.index} is down`));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        slot.pending.delete(id);
        reject(new MediaError(`media worker ${slot.index} did not answer ${cmd.op}`));
      }, REQUEST_TIMEOUT_MS);
      slot.pending.set(id, { resolve, reject, timer });
      slot.worker.postMessage({ ...cmd, id });
    });
  }

  #beat(): void {
    const limit = this.opts.missedHeartbeats ?? 3;
    for (const slot of this.#slots) {
      if (!slot.alive) continue;
      if (slot.missed >= limit) {
        this.#failover(slot, `no heartbeat for ${slot.missed} intervals`);
        continue;
      }
      slot.missed++;
      this.#request(slot, { op: "ping" }).then(() => slot.missed = 0, () => {});
    }
  }

  #leastLoaded(exclude?: WorkerSlot): WorkerSlot {
    const live = this.#slots.filter((s) => s.alive && s !== exclude);
    if (live.length === 0) throw new MediaError("no media worker is running");
    const load = (s: WorkerSlot) =>
      [...s.rooms].reduce((n, r) => n + 1 + (this.#rooms.get(r)?.legs.size ?? 0), 0);
    return live.reduce((a, b) => (load(b) < load(a) ? b : a));
  }

  async #failover(slot: WorkerSlot, reason: string): Promise<void> {
    if (!slot.alive || this.#closing) return;
    const t0 = performance.now();
    slot.alive = false;
    slot.worker.terminate();
    for (const p of slot.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new MediaError(`media worker ${slot.index} died: ${reason}`));
    }
    slot.pending.clear();
    const moved = [...slot.rooms];
    slot.rooms.clear();
    const lost = moved.flatMap((roomId) => {
      const recordings = this.#rooms.get(roomId)?.recordings;
      const ids = [...recordings ?? []];
      recordings?.clear();
      return ids;
    });
    // Its sockets outlive it (they are native); close them so the ports can be rebound.
    for (const roomId of moved) {
      for (const legId of this.#rooms.get(roomId)?.legs.keys() ?? []) {
        for (const fd of this.#fds.get(legId) ?? []) closeDescriptor(fd);
        this.#fds.delete(legId);
      }
    }
    this.opts.log?.error("media worker died; rebuilding its rooms", {
      worker: slot.index,
      reason,
      rooms: moved.length,
    });
    // A fresh worker takes the dead one's place in the pool.
    this.#spawn(slot);
    try {
      await slot.ready;
      await this.#realtime(slot);
    } catch (err) {
      this.opts.log?.error("replacement media worker failed", { error: String(err) });
    }
    const ended = moved.flatMap((roomId) =>
      [...this.#rooms.get(roomId)?.legs.values() ?? []].flatMap(endedChains)
    );
    for (const roomId of moved) {
      const room = this.#rooms.get(roomId);
      if (!room) continue;
      const target = this.#leastLoaded();
      room.slot = target;
      target.rooms.add(roomId);
      try {
        await this.#request(target, { op: "room.create", room: room.spec });
        for (const legSpec of room.legs.values()) {
          // A chain restarts from its genesis: under a new stream id, not the old one's
          // (the same id from genesis again would be a fork of the dead worker's chain).
          const leg: LegSpec = {
            ...legSpec,
            ...(legSpec.chain ? { chain: { ...legSpec.chain, streamId: newStreamId() } } : {}),
            ...(legSpec.provenance
              ? { provenance: { ...legSpec.provenance, streamId: newStreamId() } }
              : {}),
          };
          room.legs.set(leg.legId, leg);
          const { fds } = await this.#request(target, { op: "leg.create", leg }) as {
            fds: number[];
          };
          this.#fds.set(leg.legId, fds);
        }
      } catch (err) {
        this.opts.log?.error("could not rebuild room", { room: roomId, error: String(err) });
      }
    }
    this.#emit({
      ev: "failover",
      worker: slot.index,
      rooms: moved,
      ms: performance.now() - t0,
      reason,
      ended,
    });
    for (const recordingId of lost) {
      this.#emit({ ev: "recording.lost", recordingId, reason: `media worker died: ${reason}` });
    }
  }

  #emit(e: MediaEvent): void {
    if (e.ev === "recording.ended") {
      for (const room of this.#rooms.values()) room.recordings.delete(e.head.recordingId);
    }
    if (e.ev === "leg.locked") {
      // Remember the peer's source, so a rebuilt leg takes it and nothing else.
      const roomId = this.#legRoom.get(e.legId);
      const spec = roomId ? this.#rooms.get(roomId)?.legs.get(e.legId) : undefined;
      if (spec) this.#rooms.get(roomId!)!.legs.set(e.legId, { ...spec, lock: e.lock });
      if (e.lock.latched) {
        this.opts.log?.info("media latched to a source other than the signalled one", {
          legId: e.legId,
          source: `${e.lock.address}:${e.lock.port}`,
          signalled: spec?.remote ? `${spec.remote.address}:${spec.remote.port}` : null,
        });
      }
    } else if (e.ev === "leg.rejected") {
      // Already rate-limited by the worker: one line per leg per 10 s at most.
      this.opts.log?.warn("media from an unexpected source dropped", {
        legId: e.legId,
        from: `${e.from.address}:${e.from.port}`,
        count: e.count,
        total: e.total,
      });
    }
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch (err) {
        this.opts.log?.error("media event listener failed", { error: String(err) });
      }
    }
  }

  #legEntry(legId: string) {
    const roomId = this.#legRoom.get(legId);
    const room = roomId ? this.#rooms.get(roomId) : undefined;
    const spec = room?.legs.get(legId);
    if (!room || !spec) throw new MediaError(`no leg ${legId}`);
    return { room, spec };
  }
}
