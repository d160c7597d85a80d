export { MediaEngine, type MediaEngineOptions, MediaError, type MediaEvent } from "./pool.ts";
export type {
  LegCodec,
  LegSpec,
  LegStats,
  LegUpdate,
  RemoteAddress,
  RoomSpec,
  WorkerStats,
} from "./protocol.ts";
export { estimateMos } from "./quality.ts";
export { registerMediaMetrics } from "./metrics.ts";
