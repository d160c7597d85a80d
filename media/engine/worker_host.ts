// Everything a media worker does, independent of the Worker global so it can be
// tested in-process: owns UDP sockets, rooms and legs, runs the tick, answers
// commands from the main thread and reports events.

import { Leg, type LegEvents, type LegTransport } from "./leg.ts";
import type {
  Command,
  LegSpec,
  ProvenanceHeads,
  Request,
  RoomSpec,
  WorkerMessage,
  WorkerStats,
} from "./protocol.ts";
import { Ticker, type TickInfo } from "./clock.ts";
import { Room } from "./room.ts";
import { Recorder, type RecorderHead, type RecorderSpec } from "./recorder.ts";
import { realtimeThread, SpeexResampler, UdpSocket } from "../../native/mod.ts";
import { MAX_PLAY_SECONDS } from "./protocol.ts";
import { AGENT_PEER, AgentEndpoint } from "./agent_endpoint.ts";

const HOUSEKEEP_EVERY_TICKS = 10;
/**
 * Legs whose inbound stream is verified (a browser's signed audio) are read this often
 * between ticks too, so a frame that changes a chain's state is judged within a few ms
 * of its arrival rather than at the next 20 ms tick (the overlay's latency budget).
 * Reading early changes nothing else: the jitter buffer keeps kernel arrival times.
 */
const VERIFY_POLL_MS = 4;
const BIND_ATTEMPTS = 20;

interface Sockets {
  rtp: UdpSocket;
  rtcp?: UdpSocket;
}

/** Binds RTP on `port` (or an even ephemeral one) and RTCP on the next port unless muxed. */
function bindPair(host: string, port: number, mux: boolean): Sockets {
  if (port !== 0) {
    const rtp = new UdpSocket(host, port);
    if (mux) return { rtp };
    try {
      return { rtp, rtcp: new UdpSocket(host, port + 1) };
    } catch (err) {
      rtp.close();
      throw err;
    }
  }
  for (let i = 0; i < BIND_ATTEMPTS; i++) {
    const rtp = new UdpSocket(host, 0);
    if (mux) return { rtp };
    if (rtp.port % 2 === 0) {
      try {
        return { rtp, rtcp: new UdpSocket(host, rtp.port + 1) };
      } catch { /* taken: try another */ }
    }
    rtp.close();
  }
  throw new Error(`no free RTP/RTCP port pair on ${host}`);
}

/** CPU time this thread has used, ms (Linux: /proc/thread-self/stat, 100 Hz ticks). */
function threadCpuMs(): number | undefined {
  try {
    const stat = Deno.readTextFileSync("/proc/thread-self/stat");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of proc(5); fields[0] is field 3.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** A leg in this worker: its UDP sockets, or none for an agent leg (agent_endpoint.ts). */
interface LegEntry {
  leg: Leg;
  room: Room;
  sockets?: Sockets;
}

export class WorkerHost {
  readonly #rooms = new Map<string, Room>();
  readonly #legs = new Map<string, LegEntry>();
  /** Agents' media: a WebSocket endpoint of this worker's own, opened with the first. */
  readonly #agents: AgentEndpoint;
  readonly #ticker: Ticker;
  #tickMs = 0;
  #tickMaxMs = 0;
  #tickTotalMs = 0;
  #verifyPoll: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly post: (msg: WorkerMessage) => void,
    opts: { agentIdleMs?: number } = {},
  ) {
    this.#agents = new AgentEndpoint({ idleMs: opts.agentIdleMs });
    this.#ticker = new Ticker((tick, now) => this.#tick(tick, now));
  }

  async handle(req: Request): Promise<void> {
    try {
      const result = await this.#run(req);
      this.post({ id: req.id, ok: true, result });
    } catch (err) {
      this.post({ id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  }

  #run(cmd: Command): unknown {
    switch (cmd.op) {
      case "room.create":
        return this.#createRoom(cmd.room);
      case "room.close":
        return this.#closeRoom(cmd.roomId);
      case "leg.create":
        return this.#createLeg(cmd.leg);
      case "leg.update": {
        const entry = this.#leg(cmd.legId);
        const codecChanged = cmd.update.codec !== undefined;
        entry.leg.update(cmd.update);
        if (codecChanged) entry.room.mixer.resetLeg(entry.leg);
        return undefined;
      }
      case "leg.play":
        return this.#play(cmd.legId, cmd.pcm, cmd.rate);
      case "leg.dtmf":
        return this.#leg(cmd.legId).leg.sendDtmf(cmd.digits);
      case "leg.close":
        return this.#closeLeg(cmd.legId, cmd.reason ?? "leg closed");
      case "leg.provenance": {
        const entry = this.#leg(cmd.legId);
        // The frame a checkpoint covers may be in the socket still: take it now rather
        // than at the next tick, so the state it settles is known at once.
        if (cmd.action.do === "checkpoint") this.#receiveLeg(entry);
        entry.leg.provenance(cmd.action);
        return this.#syncVerifyPoll();
      }
      case "recording.start":
        return this.#startRecording(cmd.roomId, cmd.recorder);
      case "recording.stop":
        return this.#stopRecording(cmd.recordingId);
      case "agent.ticket":
        return this.#agents.ticket(this.#leg(cmd.legId).leg.id);
      case "provenance.heads":
        return this.#provenanceHeads();
      case "stats":
        return this.#stats();
      case "ping":
        return undefined;
      case "realtime":
        return realtimeThread(cmd.priority);
    }
  }

  #createRoom(spec: RoomSpec): void {
    if (this.#rooms.has(spec.roomId)) throw new Error(`room ${spec.roomId} exists`);
    this.#rooms.set(
      spec.roomId,
      new Room(
        spec.roomId,
        spec.mixRate,
        (room, legId) => this.post({ ev: "speaker", roomId: room.id, legId }),
        spec.opusComplexity,
      ),
    );
    this.#ticker.start();
  }

  #provenanceHeads(): ProvenanceHeads {
    const legs: ProvenanceHeads["legs"] = [];
    const inbound: ProvenanceHeads["inbound"] = [];
    for (const { leg } of this.#legs.values()) {
      const p = leg.provenanceHead();
      if (p) legs.push({ legId: leg.id, roomId: leg.roomId, ...p });
      const i = leg.inboundProvenance();
      if (i) inbound.push({ legId: leg.id, roomId: leg.roomId, inbound: i });
    }
    return {
      inbound,
      recordings: [...this.#rooms.values()].flatMap((r) =>
        [...r.recorders.values()].map((rec) => rec.head())
      ),
      legs,
    };
  }

  #startRecording(roomId: string, spec: RecorderSpec): void {
    const room = this.#rooms.get(roomId);
    if (!room) throw new Error(`no room ${roomId} on this worker`);
    if (this.#recordingRoom(spec.recordingId)) {
      throw new Error(`recording ${spec.recordingId} exists`);
    }
    room.recorders.set(spec.recordingId, new Recorder(spec, room.mixRate));
  }

  #recordingRoom(recordingId: string): Room | undefined {
    for (const room of this.#rooms.values()) if (room.recorders.has(recordingId)) return room;
    return undefined;
  }

  async #stopRecording(recordingId: string): Promise<RecorderHead> {
    const room = this.#recordingRoom(recordingId);
    if (!room) throw new Error(`no recording ${recordingId} on this worker`);
    const rec = room.recorders.get(recordingId)!;
    room.recorders.delete(recordingId);
    return await rec.close();
  }

  /** Ends a recording the main thread did not stop, and says why. */
  #endRecording(room: Room, recordingId: string, reason: string): void {
    const rec = room.recorders.get(recordingId);
    if (!rec) return;
    room.recorders.delete(recordingId);
    rec.close().then(
      (head) => this.post({ ev: "recording.ended", head, reason }),
      (err) => this.post({ ev: "recording.ended", head: rec.head(), reason: `${reason}; ${err}` }),
    );
  }

  #closeRoom(roomId: string): void {
    const room = this.#rooms.get(roomId);
    if (!room) return;
    for (const id of [...room.recorders.keys()]) this.#endRecording(room, id, "room closed");
    for (const legId of [...room.legs.keys()]) this.#closeLeg(legId, "room closed");
    room.close();
    this.#rooms.delete(roomId);
    if (this.#rooms.size === 0) this.#ticker.stop();
  }

  #createLeg(spec: LegSpec): { port: number; fds: number[] } {
    const room = this.#rooms.get(spec.roomId);
    if (!room) throw new Error(`no room ${spec.roomId} on this worker`);
    if (this.#legs.has(spec.legId)) throw new Error(`leg ${spec.legId} exists`);
    if (spec.transport === "agent") return this.#createAgentLeg(spec, room);
    const sockets = bindPair(spec.host, spec.port, spec.rtcpMux ?? false);
    const port = sockets.rtp.port;
    const transport: LegTransport = {
      send: (data, to, rtcp) => {
        (rtcp && sockets.rtcp ? sockets.rtcp : sockets.rtp).send(data, to.address, to.port);
      },
    };
    let leg: Leg;
    try {
      leg = new Leg(
        { ...spec, port },
        room.mixRate,
        transport,
        this.#legEvents(),
        performance.now(),
      );
    } catch (err) {
      sockets.rtp.close();
      sockets.rtcp?.close();
      throw err;
    }
    room.add(leg);
    this.#legs.set(spec.legId, { leg, room, sockets });
    this.#syncVerifyPoll();
    // The main thread keeps the descriptors: if this worker dies, it closes them.
    return { port, fds: [sockets.rtp.fd, ...(sockets.rtcp ? [sockets.rtcp.fd] : [])] };
  }

  /** A leg whose media is frames on this worker's agent endpoint, not RTP on UDP. */
  #createAgentLeg(spec: LegSpec, room: Room): { port: number; fds: number[] } {
    const bridge = this.#agents.open(
      spec.legId,
      spec.codec.codec,
      spec.codec.payloadType,
      spec.host,
    );
    const port = this.#agents.port;
    try {
      bridge.leg = new Leg(
        { ...spec, port, remote: AGENT_PEER, rtcpMux: true },
        room.mixRate,
        bridge.transport,
        this.#legEvents(),
        performance.now(),
      );
    } catch (err) {
      this.#agents.close(spec.legId);
      throw err;
    }
    room.add(bridge.leg);
    this.#legs.set(spec.legId, { leg: bridge.leg, room });
    return { port, fds: [] };
  }

  #legEvents(): LegEvents {
    return {
      locked: (l, lock) => this.post({ ev: "leg.locked", legId: l.id, lock }),
      rejected: (l, from, count, total) =>
        this.post({ ev: "leg.rejected", legId: l.id, from, count, total }),
      dtmf: (l, digit) => this.post({ ev: "dtmf", legId: l.id, digit }),
      provenance: (l, e) => this.post({ ...e, legId: l.id, roomId: l.roomId }),
    };
  }

  /** A prompt for one leg, resampled once to its room's mix rate; answers its length in ms. */
  #play(legId: string, pcm: Int16Array, rate: number): number {
    const { leg, room } = this.#leg(legId);
    if (!(pcm instanceof Int16Array) || !Number.isInteger(rate) || rate < 8000 || rate > 48000) {
      throw new Error("leg.play takes Int16Array PCM at 8000-48000 Hz");
    }
    const input = pcm.subarray(0, rate * MAX_PLAY_SECONDS);
    let out = input;
    if (rate !== room.mixRate && input.length > 0) {
      const resampler = new SpeexResampler(rate, room.mixRate);
      try {
        out = new Int16Array(Math.ceil((input.length * room.mixRate) / rate) + 64);
        const n = resampler.process(input, out);
        out = out.subarray(0, n);
      } finally {
        resampler.close();
      }
    }
    leg.play(out);
    return Math.round((out.length / room.mixRate) * 1000);
  }

  // Everything that arrived since the last tick, with its kernel arrival time: the
  // jitter buffer sees true arrival times, and nothing waits longer than before,
  // since playout happens at the tick anyway.
  #receive(): void {
    for (const entry of this.#legs.values()) this.#receiveLeg(entry);
  }

  #receiveLeg({ leg, sockets }: LegEntry): void {
    // An agent leg's frames are fed as they arrive on its WebSocket.
    if (!sockets) return;
    for (const d of sockets.rtp.poll()) leg.onDatagram(d.data, d, d.arrival, false);
    if (sockets.rtcp) {
      for (const d of sockets.rtcp.poll()) leg.onDatagram(d.data, d, d.arrival, true);
    }
  }

  /** Reads verified legs between ticks while there are any (VERIFY_POLL_MS). */
  #syncVerifyPoll(): void {
    const any = [...this.#legs.values()].some((e) => e.leg.verifying);
    if (any && this.#verifyPoll === undefined) {
      this.#verifyPoll = setInterval(() => {
        for (const entry of this.#legs.values()) if (entry.leg.verifying) this.#receiveLeg(entry);
      }, VERIFY_POLL_MS);
    } else if (!any && this.#verifyPoll !== undefined) {
      clearInterval(this.#verifyPoll);
      this.#verifyPoll = undefined;
    }
  }

  #closeLeg(legId: string, reason: string): void {
    const entry = this.#legs.get(legId);
    if (!entry) return;
    this.#legs.delete(legId);
    // The stream's last span is provable only from its final head: reported before
    // the reply to leg.close (or room.close), so it reaches the main thread first.
    const outbound = entry.leg.provenanceHead();
    const inbound = entry.leg.inboundProvenance();
    if (outbound || inbound) {
      this.post({
        ev: "provenance.end",
        legId,
        roomId: entry.leg.roomId,
        reason,
        ...(outbound ? { outbound } : {}),
        ...(inbound ? { inbound } : {}),
      });
    }
    this.#syncVerifyPoll();
    entry.room.remove(legId);
    entry.leg.close();
    if (!entry.sockets) this.#agents.close(legId);
    entry.sockets?.rtp.close();
    entry.sockets?.rtcp?.close();
  }

  #leg(legId: string) {
    const entry = this.#legs.get(legId);
    if (!entry) throw new Error(`no leg ${legId} on this worker`);
    return entry;
  }

  #tick({ index, skipped }: TickInfo, now: number): void {
    this.#receive();
    const t0 = performance.now();
    // Frames lost to a stall still passed on the peers' clocks (RFC 3550 5.1).
    if (skipped) { for (const { leg } of this.#legs.values()) leg.skipFrames(skipped); }
    for (const room of this.#rooms.values()) room.tick(now);
    if (index % HOUSEKEEP_EVERY_TICKS === 0) {
      for (const { leg } of this.#legs.values()) {
        const dead = leg.housekeep(now);
        if (dead) this.post({ ev: "leg.dead", legId: leg.id, reason: dead });
      }
      this.#agents.housekeep(now);
      for (const room of this.#rooms.values()) {
        for (const [id, rec] of room.recorders) {
          if (rec.failed) this.#endRecording(room, id, rec.failed);
        }
      }
    }
    this.#tickMs = performance.now() - t0;
    this.#tickTotalMs += this.#tickMs;
    if (this.#tickMs > this.#tickMaxMs) this.#tickMaxMs = this.#tickMs;
  }

  #stats(): WorkerStats {
    const stats: WorkerStats = {
      legs: [...this.#legs.values()].map(({ leg, sockets }) => {
        const agent = sockets ? undefined : this.#agents.legStats(leg.id);
        return agent ? { ...leg.stats(), agent } : leg.stats();
      }),
      rooms: this.#rooms.size,
      tickMs: this.#tickMs,
      tickMaxMs: this.#tickMaxMs,
      tickTotalMs: this.#tickTotalMs,
      lateTicks: this.#ticker.late,
      skippedTicks: this.#ticker.skipped,
      cpuMs: threadCpuMs(),
      ...(this.#agents.port
        ? { agents: { ...this.#agents.counters, port: this.#agents.port } }
        : {}),
    };
    this.#tickMaxMs = 0;
    return stats;
  }

  close(): void {
    for (const roomId of [...this.#rooms.keys()]) this.#closeRoom(roomId);
    // Rooms' recordings end asynchronously (their last checkpoint is signed first).
    this.#ticker.stop();
    clearInterval(this.#verifyPoll);
    this.#verifyPoll = undefined;
    this.#agents.shutdown().catch(() => {});
  }
}
