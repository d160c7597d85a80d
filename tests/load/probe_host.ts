// The test's handle on the probe worker: create probes, start them speaking, mark a
// failover window, collect their reports.

import type { ProbeReport } from "./probe.ts";

export type ProbeRequest =
  & { seq: number }
  & (
    | { op: "create"; name: string; codec: "PCMU" | "PCMA"; injector: number }
    | { op: "speak"; name: string; remotePort: number; t0: number; until: number }
    | { op: "exclude"; ms: number }
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

  /** A probe listening on a fresh loopback port; returns the port. */
  async create(name: string, codec: "PCMU" | "PCMA", injector: number): Promise<number> {
    return (await this.#call({ op: "create", name, codec, injector })).port!;
  }

  async speak(name: string, remotePort: number, t0: number, until: number): Promise<void> {
    await this.#call({ op: "speak", name, remotePort, t0, until });
  }

  async exclude(ms: number): Promise<void> {
    await this.#call({ op: "exclude", ms });
  }

  async reports(): Promise<ProbeReport[]> {
    return (await this.#call({ op: "report" })).reports!;
  }

  async close(): Promise<void> {
    await this.#call({ op: "close" }).catch(() => {});
    this.#worker.terminate();
  }
}
