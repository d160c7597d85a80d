// The main thread's handle on the SRT feeds' worker (workers/srt_worker.ts): one
// worker for every SRT feed, started with the first; small commands out, replies by
// id, and a bridge's failure reported so its feed can be removed. When libsrt is not
// on the host, SRT feeds are refused with the reason.

import type { SrtBridgeSpec, SrtBridgeStatus } from "../media/srt_bridge.ts";

export type SrtCommand =
  | { op: "open"; feedId: string; spec: SrtBridgeSpec }
  | { op: "leg"; feedId: string; port: number }
  | { op: "close"; feedId: string }
  | { op: "status" };

export type SrtWorkerMessage =
  | { id: number; ok: true; result?: unknown }
  | { id: number; ok: false; error: string }
  | { ev: "ready" }
  | { ev: "unavailable"; reason: string }
  | { ev: "failed"; feedId: string; reason: string };

const WORKER_URL = new URL("../workers/srt_worker.ts", import.meta.url);
const REQUEST_TIMEOUT_MS = 5000;

export class SrtUnavailable extends Error {
  override name = "SrtUnavailable";
}

export class SrtFeeds {
  #worker: Worker | undefined;
  #ready: Promise<void> | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  /** `failed`: a feed's bridge stopped (its SRT socket failed). */
  constructor(private readonly failed: (feedId: string, reason: string) => void) {}

  #start(): Promise<void> {
    this.#ready ??= new Promise<void>((resolve, reject) => {
      const w = new Worker(WORKER_URL, { type: "module", name: "srt-feeds" });
      this.#worker = w;
      w.onmessage = (e: MessageEvent<SrtWorkerMessage>) => {
        const m = e.data;
        if ("id" in m) {
          const p = this.#pending.get(m.id);
          this.#pending.delete(m.id);
          if (m.ok) p?.resolve(m.result);
          else p?.reject(new Error(m.error));
        } else if (m.ev === "ready") resolve();
        else if (m.ev === "unavailable") reject(new SrtUnavailable(m.reason));
        else if (m.ev === "failed") this.failed(m.feedId, m.reason);
      };
      w.onerror = (e) => {
        e.preventDefault();
        reject(new SrtUnavailable(`the SRT worker failed: ${e.message}`));
      };
    }).catch((err) => {
      this.close();
      throw err;
    });
    return this.#ready;
  }

  async #request(cmd: SrtCommand): Promise<unknown> {
    await this.#start();
    const id = this.#nextId++;
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`the SRT worker did not answer ${cmd.op}`));
      }, REQUEST_TIMEOUT_MS);
      this.#pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.#worker!.postMessage({ ...cmd, id });
    });
  }

  open(feedId: string, spec: SrtBridgeSpec): Promise<SrtBridgeStatus> {
    return this.#request({ op: "open", feedId, spec }) as Promise<SrtBridgeStatus>;
  }

  legPort(feedId: string, port: number): Promise<SrtBridgeStatus> {
    return this.#request({ op: "leg", feedId, port }) as Promise<SrtBridgeStatus>;
  }

  async closeFeed(feedId: string): Promise<void> {
    if (this.#worker) await this.#request({ op: "close", feedId }).catch(() => {});
  }

  async status(): Promise<Record<string, SrtBridgeStatus>> {
    if (!this.#worker) return {};
    return await this.#request({ op: "status" }) as Record<string, SrtBridgeStatus>;
  }

  close(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#ready = undefined;
    for (const p of this.#pending.values()) p.reject(new Error("SRT feeds closed"));
    this.#pending.clear();
  }
}
