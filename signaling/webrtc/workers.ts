// The mediasoup workers: one process per core, each with one WebRtcServer (one UDP
// and one TCP port for all its browsers, friendlier to firewalls than a port per
// transport). A room's Router lives on the least loaded worker. A worker that dies
// is replaced; the rooms it carried are told so their members can rebuild.

import * as mediasoup from "mediasoup";
import type { types } from "mediasoup";
import type { Logger } from "../../telemetry/mod.ts";
import { ROUTER_CODECS } from "./codecs.ts";
import { checkWorkerBin } from "./worker_bin.ts";

export interface WorkerPoolOptions {
  workers: number;
  workerBin: string;
  /** Address browsers' ICE candidates are bound to. */
  listenIp: string;
  /** Address announced in ICE candidates (NAT / public address); empty: listenIp. */
  announcedAddress: string;
  portMin: number;
  portMax: number;
  log: Logger;
}

interface Slot {
  index: number;
  worker: types.Worker;
  server: types.WebRtcServer;
  routers: number;
}

export class WorkerPool {
  #slots: Slot[] = [];
  #closing = false;
  #onDied = new Set<(index: number) => void>();
  #routers = new Map<types.Router, Slot>();
  /**
   * What every room's Router offers: the same codec list gives the same
   * capabilities, so browsers get them with `welcome` and load their device while
   * their admission is decided.
   */
  rtpCapabilities!: types.RtpCapabilities;

  private constructor(private readonly o: WorkerPoolOptions) {}

  static async start(o: WorkerPoolOptions): Promise<WorkerPool> {
    checkWorkerBin(o.workerBin);
    const pool = new WorkerPool(o);
    const n = o.workers > 0 ? o.workers : navigator.hardwareConcurrency || 1;
    try {
      for (let i = 0; i < n; i++) pool.#slots.push(await pool.#spawn(i));
      const probe = await pool.#slots[0].worker.createRouter({ mediaCodecs: ROUTER_CODECS });
      pool.rtpCapabilities = probe.rtpCapabilities;
      probe.close();
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  get size(): number {
    return this.#slots.length;
  }

  /** Worker process ids (benchmarks read their CPU time). */
  get pids(): number[] {
    return this.#slots.map((s) => s.worker.pid);
  }

  /** A worker died; `index` names it (rooms know their worker's index). */
  onDied(listener: (index: number) => void): () => void {
    this.#onDied.add(listener);
    return () => this.#onDied.delete(listener);
  }

  async #spawn(index: number): Promise<Slot> {
    const worker = await mediasoup.createWorker({
      workerBin: this.o.workerBin,
      logLevel: "error",
      appData: { index },
    });
    const listen = (protocol: "udp" | "tcp"): types.TransportListenInfo => ({
      protocol,
      ip: this.o.listenIp,
      ...(this.o.announcedAddress ? { announcedAddress: this.o.announcedAddress } : {}),
      portRange: { min: this.o.portMin, max: this.o.portMax },
    });
    const server = await worker.createWebRtcServer({
      listenInfos: [listen("udp"), listen("tcp")],
    });
    const slot: Slot = { index, worker, server, routers: 0 };
    worker.on("died", (err) => this.#died(slot, err));
    return slot;
  }

  #died(slot: Slot, err: Error): void {
    if (this.#closing) return;
    this.o.log.error("mediasoup worker died", { index: slot.index, pid: slot.worker.pid, err });
    for (const [r, s] of this.#routers) if (s === slot) this.#routers.delete(r);
    this.#spawn(slot.index).then((fresh) => {
      this.#slots[slot.index] = fresh;
      this.o.log.info("mediasoup worker replaced", { index: slot.index, pid: fresh.worker.pid });
    }).catch((e) => this.o.log.error("mediasoup worker not replaced", { err: e }));
    for (const listener of this.#onDied) listener(slot.index);
  }

  /** A Router for a room on the least loaded live worker, and that worker's WebRtcServer. */
  async createRouter(
    room: string,
  ): Promise<{ router: types.Router; server: types.WebRtcServer; worker: number }> {
    const live = this.#slots.filter((s) => !s.worker.closed);
    if (live.length === 0) throw new Error("no mediasoup worker is running");
    const slot = live.reduce((a, b) => (b.routers < a.routers ? b : a));
    const router = await slot.worker.createRouter({
      mediaCodecs: ROUTER_CODECS,
      appData: { room },
    });
    slot.routers++;
    this.#routers.set(router, slot);
    router.observer.once("close", () => {
      if (this.#routers.delete(router)) slot.routers--;
    });
    return { router, server: slot.server, worker: slot.index };
  }

  /** Per worker: pid, routers, and the worker's own resource usage. */
  async stats(): Promise<
    { index: number; pid: number; routers: number; cpuMs: number; maxRssKb: number }[]
  > {
    return await Promise.all(this.#slots.map(async (s) => {
      const usage = s.worker.closed ? undefined : await s.worker.getResourceUsage();
      return {
        index: s.index,
        pid: s.worker.pid,
        routers: s.routers,
        cpuMs: usage ? usage.ru_utime + usage.ru_stime : 0,
        maxRssKb: usage?.ru_maxrss ?? 0,
      };
    }));
  }

  ready(): boolean {
    return !this.#closing && this.#slots.every((s) => !s.worker.closed);
  }

  close(): Promise<void> {
    this.#closing = true;
    for (const s of this.#slots) s.worker.close();
    return Promise.resolve();
  }
}
