// The test's handle on the probe worker: create probes, start them speaking, say where
// the counted run and its failover windows are, collect their reports.

import type { ProbeReport } from "./probe.ts";

export type ProbeRequest =
  & { seq: number }
  & (
    | { op: "create"; name: string; codec: "PCMU" | "PCMA"; member: number; offsetMs: number }
    | { op: "speak"; name: string; remotePort: number; t0: number; until: number }
    | { op: "count"; from: number; to: number; windowMs: number }
    | { op: "window"; at: number }
    | { op: "report" }
    | { op: "close" }
  );

export interface ProbeReply {
  seq: number;
  port?: number;
  reports?: ProbeReport[];
  error?: string;
}

type Body<T> = T extends unknown ? Omit<T, "seq"> : never;

export class ProbeHost {
  readonly #worker = new Worker(new URL("./probe_worker.ts", import.meta.url), { type: "module" });
  readonly #pending = new Map<number, (r: ProbeReply) => void>();
  #seq = 0;

  constructor() {
    this.#worker.onmessage = (e: MessageEvent<ProbeReply>) => {
      this.#pending.get(e.data.seq)?.(e.data);
      this.#pending.delete(e.data.seq);
    };
  }

  #call(req: Body<ProbeRequest>): Promise<ProbeReply> {
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      this.#pending.set(seq, (r) => r.error ? reject(new Error(r.error)) : resolve(r));
      this.#worker.postMessage({ seq, ...req });
    });
  }

  /** A probe for member `member` listening on a fresh loopback port; returns the port. */
  async create(
    name: string,
    codec: "PCMU" | "PCMA",
    member: number,
    offsetMs: number,
  ): Promise<number> {
    return (await this.#call({ op: "create", name, codec, member, offsetMs })).port!;
  }

  async speak(name: string, remotePort: number, t0: number, until: number): Promise<void> {
    await this.#call({ op: "speak", name, remotePort, t0, until });
  }

  /** Loss and jitter count packets arriving in [from, to); windows are `windowMs` long. */
  async count(from: number, to: number, windowMs: number): Promise<void> {
    await this.#call({ op: "count", from, to, windowMs });
  }

  /** A failover window opens at `at` (wall ms). */
  async window(at: number): Promise<void> {
    await this.#call({ op: "window", at });
  }

  async reports(): Promise<ProbeReport[]> {
    return (await this.#call({ op: "report" })).reports!;
  }

  async close(): Promise<void> {
    await this.#call({ op: "close" }).catch(() => {});
    this.#worker.terminate();
  }
}
