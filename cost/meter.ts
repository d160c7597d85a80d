// Metering: every interval each leg in a room is charged for the time since the
// last tick under the rate card, into its room's and the all-rooms' spend for the
// current day, month and in total (kept in KV, so a restart loses nothing but the
// last tick). Budgets are checked on every tick; crossing 80 % and 100 % of one
// raises an alert once per budget, period and threshold: witnessed, published on
// the operators' event channel (and the room's), POSTed to the webhook.

import type { Store } from "../store/mod.ts";
import type { Logger } from "../telemetry/mod.ts";
import type { JsonValue, WitnessLog } from "../witness/mod.ts";
import { OPERATOR_CHANNEL, type RoomEvents } from "../rooms/mod.ts";
import { GATEWAY_ROOM } from "../guard/mod.ts";
import { accrue, emptyUsage, type LegKind, money, type RateCard, type Usage } from "./rates.ts";
import type { Budget, BudgetBook } from "./budgets.ts";
import { type Period, periodKey, PERIODS } from "./periods.ts";
import type { Webhook } from "./webhook.ts";

/** What metering needs to know of a leg (a room member). */
export interface MeteredLeg {
  legId: string;
  room: string;
  guardianId: string;
  protocol: "sip" | "h323" | "webrtc" | "feed" | "agent";
  codec: string;
}

export interface MeterOptions {
  legs: () => MeteredLeg[];
  card: RateCard;
  store: Store;
  budgets: BudgetBook;
  witness: WitnessLog;
  events: RoomEvents;
  webhook?: Webhook;
  log: Logger;
  intervalMs: number;
  reportIntervalSec: number;
  now?: () => number;
}

export const THRESHOLDS = [80, 100] as const;
const SPEND = ["cost", "v1", "spend"];
const ALERTS = ["cost", "v1", "alerts"];

interface LegRecord extends MeteredLeg {
  kind: LegKind;
  since: string;
  usage: Usage;
}

export interface BudgetState extends Budget {
  periodKey: string;
  spent: number;
  /** spent / limit. */
  fraction: number;
  state: "ok" | "warning" | "exceeded";
}

const spendKey = (period: Period, key: string, scope: string) => `${period}|${key}|${scope}`;

export class CostMeter {
  readonly name = "cost";
  #spend = new Map<string, Usage>();
  #dirty = new Set<string>();
  #legs = new Map<string, LegRecord>();
  #alerted = new Set<string>();
  #last: number;
  #lastReport: number;
  #timer?: ReturnType<typeof setInterval>;
  #busy = false;
  #now: () => number;

  private constructor(private readonly o: MeterOptions) {
    this.#now = o.now ?? Date.now;
    this.#last = this.#lastReport = this.#now();
  }

  /** Loads this period's spend and alerts from KV and starts metering. */
  static async start(o: MeterOptions): Promise<CostMeter> {
    const m = new CostMeter(o);
    const at = new Date(m.#last);
    for (const period of PERIODS) {
      const key = periodKey(period, at);
      for await (const e of o.store.kv.list<Usage>({ prefix: [...SPEND, period, key] })) {
        m.#spend.set(spendKey(period, key, String(e.key[5])), e.value);
      }
    }
    for await (const e of o.store.kv.list<number>({ prefix: ALERTS })) {
      m.#alerted.add(e.key.slice(3).join("|"));
    }
    m.#timer = setInterval(() => m.tick(), o.intervalMs);
    return m;
  }

  ready(): boolean {
    return this.#timer !== undefined;
  }

  /** One metering step (the timer's; tests may call it). */
  async tick(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const now = this.#now();
      this.#meter(now);
      await this.#persist();
      await this.#checkBudgets(now);
      if (now - this.#lastReport >= this.o.reportIntervalSec * 1000) {
        this.#lastReport = now;
        await this.#publishReport(now);
      }
    } catch (err) {
      this.o.log.error("cost metering failed", { err });
    } finally {
      this.#busy = false;
    }
  }

  #meter(now: number): void {
    const seconds = Math.max(0, (now - this.#last) / 1000);
    this.#last = now;
    const at = new Date(now);
    const keys = PERIODS.map((p) => [p, periodKey(p, at)] as const);
    // A new day or month starts from nothing (the old one stays in KV).
    for (const k of this.#spend.keys()) {
      const [p, key] = k.split("|");
      if (periodKey(p as Period, at) !== key) this.#spend.delete(k);
    }
    const legs = this.o.legs();
    const codecs = new Map<string, Set<string>>();
    for (const l of legs) {
      let set = codecs.get(l.room);
      if (!set) codecs.set(l.room, set = new Set());
      set.add(l.codec);
    }
    const present = new Set<string>();
    for (const l of legs) {
      present.add(l.legId);
      // A gateway call's legs and broadcast feeds are priced as trunks; an agent's leg
      // as a browser's (an internet client on the HTTP port, no telephony: docs/agent.md).
      const kind: LegKind = l.room.startsWith(`${GATEWAY_ROOM}/`) || l.protocol === "feed"
        ? "trunk"
        : l.protocol === "agent"
        ? "webrtc"
        : l.protocol;
      const rec = this.#legs.get(l.legId);
      if (!rec) {
        // A leg first seen now is charged from its next tick on.
        this.#legs.set(l.legId, {
          ...l,
          kind,
          since: at.toISOString(),
          usage: emptyUsage(),
        });
        continue;
      }
      const slice = { kind, seconds, transcoded: codecs.get(l.room)!.size > 1, recorded: false };
      accrue(rec.usage, this.o.card, slice);
      for (const [period, key] of keys) {
        for (const scope of [l.room, "*"]) {
          const k = spendKey(period, key, scope);
          let u = this.#spend.get(k);
          if (!u) this.#spend.set(k, u = emptyUsage());
          accrue(u, this.o.card, slice);
          this.#dirty.add(k);
        }
      }
      rec.codec = l.codec;
    }
    for (const id of this.#legs.keys()) if (!present.has(id)) this.#legs.delete(id);
  }

  async #persist(): Promise<void> {
    // KV takes at most 1000 mutations per atomic operation: write in chunks.
    const keys = [...this.#dirty];
    this.#dirty.clear();
    for (let i = 0; i < keys.length; i += 500) {
      const op = this.o.store.kv.atomic();
      for (const k of keys.slice(i, i + 500)) {
        const [period, key, scope] = k.split("|");
        op.set([...SPEND, period, key, scope], this.#spend.get(k)!);
      }
      await op.commit();
    }
  }

  spent(budget: Budget, at: Date): number {
    return this.#spend.get(spendKey(budget.period, periodKey(budget.period, at), budget.scope))
      ?.amount ?? 0;
  }

  async #checkBudgets(now: number): Promise<void> {
    const at = new Date(now);
    for (const b of this.o.budgets.list()) {
      const spent = this.spent(b, at);
      const key = periodKey(b.period, at);
      for (const threshold of THRESHOLDS) {
        const id = `${b.id}|${key}|${threshold}`;
        if (spent < (b.limit * threshold) / 100 || this.#alerted.has(id)) continue;
        this.#alerted.add(id);
        await this.o.store.kv.set([...ALERTS, b.id, key, threshold], now);
        await this.#alert(b, key, threshold, spent, at);
      }
    }
  }

  async #alert(b: Budget, key: string, threshold: number, spent: number, at: Date) {
    const alert = {
      budgetId: b.id,
      scope: b.scope,
      period: b.period,
      periodKey: key,
      threshold,
      spent: money(spent),
      limit: b.limit,
      currency: this.o.card.currency,
      at: at.toISOString(),
    };
    this.o.log.warn("budget alert", alert);
    await this.o.witness.append("cost.budget_alert", alert);
    this.o.events.publish(OPERATOR_CHANNEL, { name: "cost.alert", data: alert });
    if (b.scope !== "*") this.o.events.publish(b.scope, { name: "cost.alert", data: alert });
    this.o.webhook?.send({ type: "council.cost.alert", ...alert });
  }

  /** A budget changed: its thresholds may fire again. */
  async forgetAlerts(budgetId: string): Promise<void> {
    for (const id of [...this.#alerted]) {
      if (!id.startsWith(`${budgetId}|`)) continue;
      this.#alerted.delete(id);
      const [, key, threshold] = id.split("|");
      await this.o.store.kv.delete([...ALERTS, budgetId, key, Number(threshold)]);
    }
  }

  budgetStates(at = new Date(this.#now())): BudgetState[] {
    return this.o.budgets.list().map((b) => {
      const spent = this.spent(b, at);
      const fraction = spent / b.limit;
      return {
        ...b,
        periodKey: periodKey(b.period, at),
        spent: money(spent),
        fraction: Math.round(fraction * 1e4) / 1e4,
        state: fraction >= 1 ? "exceeded" : fraction >= 0.8 ? "warning" : "ok",
      };
    });
  }

  /** The report: spend per period (all rooms and per room), legs now, budgets. */
  report(at = new Date(this.#now())) {
    const shown = (u: Usage) => ({
      amount: money(u.amount),
      minutes: Object.fromEntries(
        Object.entries(u.seconds).map(([k, s]) => [k, Math.round(s / 6) / 10]),
      ),
    });
    const periods = Object.fromEntries(PERIODS.map((period) => {
      const key = periodKey(period, at);
      const rooms: Record<string, ReturnType<typeof shown>> = {};
      let all = emptyUsage();
      for (const [k, u] of this.#spend) {
        const [p, pk, scope] = k.split("|");
        if (p !== period || pk !== key) continue;
        if (scope === "*") all = u;
        else rooms[scope] = shown(u);
      }
      return [period, { key, ...shown(all), rooms }];
    }));
    return {
      currency: this.o.card.currency,
      rates: this.o.card,
      generatedAt: at.toISOString(),
      periods,
      legs: [...this.#legs.values()].map((l) => ({
        legId: l.legId,
        room: l.room,
        guardianId: l.guardianId,
        kind: l.kind,
        codec: l.codec,
        since: l.since,
        minutes: Math.round(l.usage.seconds[l.kind] / 6) / 10,
        amount: money(l.usage.amount),
      })),
      budgets: this.budgetStates(at),
    };
  }

  async #publishReport(now: number): Promise<void> {
    const r = this.report(new Date(now));
    const summary: Record<string, JsonValue> = {
      currency: r.currency,
      day: { key: r.periods.day.key, amount: r.periods.day.amount },
      month: { key: r.periods.month.key, amount: r.periods.month.amount },
      total: r.periods.total.amount,
      legs: r.legs.length,
      budgets: r.budgets.map((b) => ({ id: b.id, spent: b.spent, state: b.state })),
    };
    this.o.log.info("cost report", summary);
    await this.o.witness.append("cost.report", summary);
    this.o.events.publish(OPERATOR_CHANNEL, { name: "cost.report", data: summary });
  }

  close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    return this.#persist().catch(() => {});
  }
}
