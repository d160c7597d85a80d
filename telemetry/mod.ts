// Observability: structured logs and Prometheus metrics.
export { createLogger, type LogFields, type Logger, type LoggerOptions } from "./log.ts";
export {
  Counter,
  createMetrics,
  Gauge,
  Histogram,
  type Metrics,
  type Registry,
} from "./metrics.ts";
