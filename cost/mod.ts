export {
  accrue,
  emptyUsage,
  LEG_KINDS,
  type LegKind,
  money,
  priceOf,
  type RateCard,
  rateCardOf,
  type Usage,
} from "./rates.ts";
export { type Period, periodKey, PERIODS } from "./periods.ts";
export { type Budget, BudgetBook, BudgetError, parseBudget } from "./budgets.ts";
export { type BudgetState, CostMeter, type MeteredLeg, THRESHOLDS } from "./meter.ts";
export { Webhook } from "./webhook.ts";
