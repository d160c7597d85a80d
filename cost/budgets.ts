// Budgets: a limit on what one room, or all rooms together, may spend in a period.
// Kept in KV; each is checked at every metering tick.

import type { Store } from "../store/mod.ts";
import { ROOM_RE } from "../guard/mod.ts";
import { type Period, PERIODS } from "./periods.ts";

export interface Budget {
  id: string;
  /** A room's name, or "*" for all rooms together. */
  scope: string;
  period: Period;
  limit: number;
  createdAt: string;
}

export class BudgetError extends Error {
  override name = "BudgetError";
}

export const BUDGET_ID_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const PREFIX = ["cost", "v1", "budgets"];
const FIELDS = ["scope", "period", "limit"];
export const MAX_BUDGETS = 1000;

/** Checks a budget from the API; every error names its field. */
export function parseBudget(id: string, body: Record<string, unknown>, now: Date): Budget {
  if (!BUDGET_ID_RE.test(id)) {
    throw new BudgetError("id: 1-64 characters of [a-z0-9._-], starting with a letter or digit");
  }
  for (const key of Object.keys(body)) {
    if (!FIELDS.includes(key)) throw new BudgetError(`${key}: unknown field`);
  }
  const scope = body.scope ?? "*";
  if (typeof scope !== "string" || (scope !== "*" && !ROOM_RE.test(scope))) {
    throw new BudgetError(`scope: a room name or "*" for all rooms`);
  }
  const period = body.period ?? "month";
  if (!(PERIODS as readonly unknown[]).includes(period)) {
    throw new BudgetError(`period: expected one of ${PERIODS.join(", ")}`);
  }
  const limit = body.limit;
  if (typeof limit !== "number" || !Number.isFinite(limit) || limit <= 0 || limit > 1e9) {
    throw new BudgetError("limit: a positive amount up to 1e9");
  }
  return { id, scope, period: period as Period, limit, createdAt: now.toISOString() };
}

export class BudgetBook {
  #budgets = new Map<string, Budget>();

  private constructor(private readonly store: Store) {}

  static async open(store: Store): Promise<BudgetBook> {
    const book = new BudgetBook(store);
    for await (const e of store.kv.list<Budget>({ prefix: PREFIX })) {
      book.#budgets.set(e.value.id, e.value);
    }
    return book;
  }

  list(): Budget[] {
    return [...this.#budgets.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  get(id: string): Budget | undefined {
    return this.#budgets.get(id);
  }

  async put(b: Budget): Promise<void> {
    if (!this.#budgets.has(b.id) && this.#budgets.size >= MAX_BUDGETS) {
      throw new BudgetError(`at most ${MAX_BUDGETS} budgets`);
    }
    await this.store.kv.set([...PREFIX, b.id], b);
    this.#budgets.set(b.id, b);
  }

  async delete(id: string): Promise<boolean> {
    if (!this.#budgets.has(id)) return false;
    await this.store.kv.delete([...PREFIX, id]);
    this.#budgets.delete(id);
    return true;
  }
}
