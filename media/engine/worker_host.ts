// Everything a media worker does, independent of the Worker global so it can be
// tested in-process: owns UDP sockets, rooms and legs, runs the tick, answers
// commands from the main thread and reports events.

import { Leg, type LegTransport } from "./leg.ts";
import type {
  Command,
  LegSpec,
  Request,
  RoomSpec,
  WorkerMessage,
  WorkerStats,
} from "./protocol.ts";
import { Ticker, type TickInfo } from "./clock.ts";
import { Room } from "./room.ts";
import { realtimeThread, SpeexResampler, UdpSocket } from "../../native/mod.ts";
import { MAX_PLAY_SECONDS } from "./protocol.ts";

const HOUSEKEEP_EVERY_TICKS = 10;
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

export class WorkerHost {
  readonly #rooms = new Map<string, Room>();
  readonly #legs = new Map<string, { leg: Leg; room: Room; sockets: Sockets }>();
  readonly #ticker: Ticker;
  #tickMs = 0;
  #tickMaxMs = 0;
  #tickTotalMs = 0;

  constructor(private readonly post: (msg: WorkerMessage) => void) {
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
        return this.#closeLeg(cmd.legId);
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

  #closeRoom(roomId: string): void {
    const room = this.#rooms.get(roomId);
    if (!room) return;
    for (const legId of [...room.legs.keys()]) this.#closeLeg(legId);
    room.close();
    this.#rooms.delete(roomId);
    if (this.#rooms.size === 0) this.#ticker.stop();
  }

  #createLeg(spec: LegSpec): { port: number; fds: number[] } {
    const room = this.#rooms.get(spec.roomId);
    if (!room) throw new Error(`no room ${spec.roomId} on this worker`);
    if (this.#legs.has(spec.legId)) throw new Error(`leg ${spec.legId} exists`);
    const sockets = bindPair(spec.host, spec.port, spec.rtcpMux ?? false);
    const port = sockets.rtp.port;
    const transport: LegTransport = {
      send: (data, to, rtcp) => {
        (rtcp && sockets.rtcp ? sockets.rtcp : sockets.rtp).send(data, to.address, to.port);
      },
    };
    let leg: Leg;
    try {
      leg = new Leg({ ...spec, port }, room.mixRate, transport, {
        locked: (l, lock) => this.post({ ev: "leg.locked", legId: l.id, lock }),
        rejected: (l, from, count, total) =>
          this.post({ ev: "leg.rejected", legId: l.id, from, count, total }),
        dtmf: (l, digit) => this.post({ ev: "dtmf", legId: l.id, digit }),
      }, performance.now());
    } catch (err) {
      sockets.rtp.close();
      sockets.rtcp?.close();
      throw err;
    }
    room.add(leg);
    this.#legs.set(spec.legId, { leg, room, sockets });
    // The main thread keeps the descriptors: if this worker dies, it closes them.
    return { port, fds: [sockets.rtp.fd, ...(sockets.rtcp ? [sockets.rtcp.fd] : [])] };
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
    for (const { leg, sockets } of this.#legs.values()) {
      for (const d of sockets.rtp.poll()) leg.onDatagram(d.data, d, d.arrival, false);
      if (sockets.rtcp) {
        for (const d of sockets.rtcp.poll()) leg.onDatagram(d.data, d, d.arrival, true);
      }
    }
  }

  #closeLeg(legId: string): void {
    const entry = this.#legs.get(legId);
    if (!entry) return;
    this.#legs.delete(legId);
    entry.room.remove(legId);
    entry.leg.close();
    entry.sockets.rtp.close();
    entry.sockets.rtcp?.close();
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
    }
    this.#tickMs = performance.now() - t0;
    this.#tickTotalMs += this.#tickMs;
    if (this.#tickMs > this.#tickMaxMs) this.#tickMaxMs = this.#tickMs;
  }

  #stats(): WorkerStats {
    const stats: WorkerStats = {
      legs: [...this.#legs.values()].map(({ leg }) => leg.stats()),
      rooms: this.#rooms.size,
      tickMs: this.#tickMs,
      tickMaxMs: this.#tickMaxMs,
      tickTotalMs: this.#tickTotalMs,
      lateTicks: this.#ticker.late,
      skippedTicks: this.#ticker.skipped,
      cpuMs: threadCpuMs(),
    };
    this.#tickMaxMs = 0;
    return stats;
  }

  close(): void {
    for (const roomId of [...this.#rooms.keys()]) this.#closeRoom(roomId);
    this.#ticker.stop();
  }
}
