// Scheduled validation calls: on a schedule Council calls each named expert (a phone
// over SIP or H.323, or a swarm agent) into a scratch room of its own, and records
// whether it was reached, how long the call took to set up and the audio quality its
// leg showed (the MOS estimate), in the witness (talent.validation) and on /metrics,
// alerting operators when a result falls below the policy's floor.

import { Gauge, type Registry } from "../telemetry/mod.ts";
import type { WitnessLog } from "../witness/mod.ts";

export interface ValidationPolicy {
  /** Below this MOS estimate the call is reported (ITU-T G.107's "satisfied" is 3.6). */
  minMos: number;
  /** Slower set-up than this is reported. */
  maxSetupMs: number;
  /** How long the call stays up before its quality is read. */
  listenMs: number;
}

export const DEFAULT_VALIDATION_POLICY: ValidationPolicy = {
  minMos: 3.5,
  maxSetupMs: 5000,
  listenMs: 5000,
};

/** What a validation call needs of rooms and the swarm (wired in main.ts). */
export interface CallPorts {
  openRoom(room: string): Promise<void>;
  closeRoom(room: string): Promise<void>;
  /** Calls the guardian in; resolves once it is a member (its leg id and protocol). */
  callIn(room: string, guardianId: string): Promise<{ legId: string; protocol: string }>;
  /** The leg's MOS estimate now, when it has media statistics. */
  mos(room: string, legId: string): Promise<number | undefined>;
  hangUp(room: string, legId: string, guardianId: string): Promise<void>;
}

export interface ValidationResult {
  guardianId: string;
  at: string;
  reachable: boolean;
  protocol?: string;
  setupMs?: number;
  mos?: number;
  /** Why it fell below policy (empty when it did not). */
  problems: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ValidationCalls {
  #last = new Map<string, ValidationResult>();
  #timer?: ReturnType<typeof setInterval>;
  #running?: Promise<ValidationResult[]>;

  constructor(
    private readonly o: {
      ports: CallPorts;
      targets: () => string[];
      witness: WitnessLog;
      alert: (r: ValidationResult) => void;
      registry?: Registry;
      policy?: ValidationPolicy;
    },
  ) {
    if (o.registry) this.#metrics(o.registry);
  }

  get last(): ValidationResult[] {
    return [...this.#last.values()];
  }

  /** One call to one guardian; never throws (an unreachable expert is a result). */
  async call(guardianId: string): Promise<ValidationResult> {
    const p = this.o.policy ?? DEFAULT_VALIDATION_POLICY;
    const room = `validate-${crypto.randomUUID().slice(0, 8)}`;
    const result: ValidationResult = {
      guardianId,
      at: new Date().toISOString(),
      reachable: false,
      problems: [],
    };
    await this.o.ports.openRoom(room);
    try {
      const t0 = performance.now();
      let leg: { legId: string; protocol: string };
      try {
        leg = await this.o.ports.callIn(room, guardianId);
      } catch (err) {
        result.problems.push(`unreachable: ${(err as Error).message}`.slice(0, 300));
        return result;
      }
      result.reachable = true;
      result.protocol = leg.protocol;
      result.setupMs = Math.round(performance.now() - t0);
      if (result.setupMs > p.maxSetupMs) {
        result.problems.push(`set-up took ${result.setupMs} ms (policy: ${p.maxSetupMs})`);
      }
      await sleep(p.listenMs);
      result.mos = await this.o.ports.mos(room, leg.legId).catch(() => undefined);
      if (result.mos === undefined) result.problems.push("no audio statistics for its leg");
      else if (result.mos < p.minMos) {
        result.problems.push(`MOS ${result.mos} below ${p.minMos}`);
      }
      await this.o.ports.hangUp(room, leg.legId, guardianId).catch(() => {});
      return result;
    } finally {
      await this.o.ports.closeRoom(room).catch(() => {});
      this.#last.set(guardianId, result);
      this.#publish?.(result);
      await this.o.witness.append("talent.validation", { ...result });
      if (result.problems.length) this.o.alert(result);
    }
  }

  /** Calls every target once, one after another. */
  cycle(): Promise<ValidationResult[]> {
    this.#running ??= (async () => {
      const out: ValidationResult[] = [];
      for (const id of this.o.targets()) out.push(await this.call(id));
      return out;
    })().finally(() => (this.#running = undefined));
    return this.#running;
  }

  start(everyMs: number, onError: (err: unknown) => void): void {
    if (everyMs <= 0) return;
    this.#timer = setInterval(() => this.cycle().catch(onError), everyMs);
    Deno.unrefTimer(this.#timer);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running?.catch(() => {});
  }

  #metrics(registry: Registry): void {
    const gauge = (name: string, help: string) =>
      new Gauge({
        name: `council_validation_${name}`,
        help,
        labelNames: ["guardian"],
        registers: [registry],
      });
    const reachable = gauge("reachable", "1 when the last validation call reached the guardian");
    const setup = gauge("setup_ms", "Set-up time of the guardian's last validation call (ms)");
    const mos = gauge("mos", "MOS estimate of the guardian's last validation call");
    this.#publish = (r) => {
      const labels = { guardian: r.guardianId };
      reachable.set(labels, r.reachable ? 1 : 0);
      if (r.setupMs !== undefined) setup.set(labels, r.setupMs);
      if (r.mos !== undefined) mos.set(labels, r.mos);
    };
  }

  #publish?: (r: ValidationResult) => void;
}
