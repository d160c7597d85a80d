// `council cost report|budget`: what the council has spent under the rate card,
// and the budgets that alert at 80 % and 100 %.

import { OPERATOR_FLAGS, OPERATOR_OPTIONS, operatorCommand } from "./_api.ts";
import { type Command, UsageError } from "./_command.ts";
import type { BudgetState, CostMeter } from "../cost/mod.ts";

const HELP = `council cost <command> [options]

  report                            spend today, this month and in total (all rooms
                                    and per room), the legs being metered, budgets
  budget list                       budgets with what they have spent and their state
  budget set ID --limit N [--room R] [--period day|month|total]
                                    create or change a budget (default: all rooms,
                                    month); alerts at 80 % and 100 % of N
  budget delete ID                  remove a budget

options:
${OPERATOR_OPTIONS}

exit codes: 0 ok, 1 refused by the server or no such budget, 2 usage error`;

const FLAGS = {
  ...OPERATOR_FLAGS,
  limit: { type: "string" },
  room: { type: "string" },
  period: { type: "string" },
} as const;

type Report = ReturnType<CostMeter["report"]>;

function budgetLine(b: BudgetState, currency: string): string {
  const pct = (b.fraction * 100).toFixed(1);
  const scope = b.scope === "*" ? "all rooms" : `room ${b.scope}`;
  return `${b.id}  ${scope}, ${b.period} ${b.periodKey}: ${b.spent} of ${b.limit} ${currency} ` +
    `(${pct} %) ${b.state}`;
}

function printReport(r: Report): void {
  const minutes = (m: Record<string, unknown>) =>
    Object.entries(m).filter(([, v]) => Number(v) > 0).map(([k, v]) => `${k} ${v} min`).join(
      ", ",
    ) || "no minutes";
  console.log(`cost in ${r.currency}, ${r.generatedAt}`);
  for (const [name, p] of Object.entries(r.periods)) {
    console.log(`  ${name.padEnd(5)} ${p.key.padEnd(10)} ${p.amount}  (${minutes(p.minutes)})`);
    for (const [room, u] of Object.entries(p.rooms)) {
      console.log(`        room ${room}: ${u.amount}  (${minutes(u.minutes)})`);
    }
  }
  console.log(r.legs.length ? "legs now:" : "legs now: none");
  for (const l of r.legs) {
    console.log(
      `  ${l.legId}  ${l.room}  ${l.guardianId}  ${l.kind} ${l.codec}  ${l.minutes} min  ${l.amount}`,
    );
  }
  console.log(r.budgets.length ? "budgets:" : "budgets: none");
  for (const b of r.budgets) console.log(`  ${budgetLine(b, r.currency)}`);
}

export const costCommand: Command = operatorCommand({
  name: "cost",
  summary: "spend under the rate card; budgets and their alerts",
  help: HELP,
  flags: FLAGS,
}, async ({ values, sub, rest, api }) => {
  if (sub === "report") {
    if (rest.length) throw new UsageError("report takes no arguments");
    const r = await api.request<Report>("GET", "/api/v1/cost");
    if (values.json) console.log(JSON.stringify(r));
    else printReport(r);
    return 0;
  }
  if (sub !== "budget") throw new UsageError(`unknown cost command '${sub}'`);
  const [action, id, ...extra] = rest;
  if (extra.length) throw new UsageError(`unexpected '${extra[0]}'`);
  switch (action) {
    case "list": {
      if (id) throw new UsageError("budget list takes no arguments");
      const [{ budgets }, { currency }] = await Promise.all([
        api.request<{ budgets: BudgetState[] }>("GET", "/api/v1/cost/budgets"),
        api.request<Report>("GET", "/api/v1/cost"),
      ]);
      if (values.json) console.log(JSON.stringify(budgets));
      else if (budgets.length === 0) console.log("(no budgets)");
      else for (const b of budgets) console.log(budgetLine(b, currency));
      return 0;
    }
    case "set": {
      if (!id) throw new UsageError("budget set needs an ID");
      if (values.limit === undefined) throw new UsageError("budget set needs --limit N");
      const limit = Number(values.limit);
      if (!/^[0-9]+(\.[0-9]+)?$/.test(values.limit) || !(limit > 0)) {
        throw new UsageError("--limit must be a positive number");
      }
      const budget = await api.request<BudgetState>(
        "PUT",
        `/api/v1/cost/budgets/${encodeURIComponent(id)}`,
        {
          limit,
          scope: values.room ?? "*",
          ...(values.period ? { period: values.period } : {}),
        },
      );
      console.log(values.json ? JSON.stringify(budget) : `budget ${budget.id} set`);
      return 0;
    }
    case "delete": {
      if (!id) throw new UsageError("budget delete needs an ID");
      await api.request("DELETE", `/api/v1/cost/budgets/${encodeURIComponent(id)}`);
      console.log(values.json ? JSON.stringify({ deleted: id }) : `budget ${id} deleted`);
      return 0;
    }
    default:
      throw new UsageError("budget takes list, set ID or delete ID");
  }
});
