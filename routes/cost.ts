// Cost for operators (/api/v1/cost): the report on demand, and budgets, whose
// changes are witnessed like any other operator action.

import { Hono } from "hono";
import { type BudgetBook, BudgetError, type CostMeter, parseBudget } from "../cost/mod.ts";
import type { WitnessLog } from "../witness/mod.ts";
import { operatorOnly } from "./auth.ts";
import { BadRequest } from "./errors.ts";
import { jsonBody } from "./_params.ts";

export function costRoutes(
  meter: CostMeter,
  budgets: BudgetBook,
  witness: WitnessLog,
  token: string,
): Hono {
  return new Hono()
    .use("*", operatorOnly(token))
    .get("/", (c) => c.json(meter.report()))
    .get("/budgets", (c) => c.json({ budgets: meter.budgetStates() }))
    .put("/budgets/:id", async (c) => {
      const body = await jsonBody(c, 4096);
      let budget;
      try {
        budget = parseBudget(c.req.param("id"), body, new Date());
      } catch (err) {
        if (err instanceof BudgetError) throw new BadRequest(err.message);
        throw err;
      }
      const existed = budgets.get(budget.id) !== undefined;
      try {
        await budgets.put(budget);
      } catch (err) {
        if (err instanceof BudgetError) throw new BadRequest(err.message, "CONFLICT", 409);
        throw err;
      }
      await meter.forgetAlerts(budget.id);
      await witness.append("cost.budget_set", { ...budget });
      return c.json(budget, existed ? 200 : 201);
    })
    .delete("/budgets/:id", async (c) => {
      const id = c.req.param("id");
      if (!(await budgets.delete(id))) throw new BadRequest(`no budget ${id}`, "NOT_FOUND", 404);
      await meter.forgetAlerts(id);
      await witness.append("cost.budget_deleted", { id });
      return c.body(null, 204);
    });
}
