export { MediaEngine, type MediaEngineOptions, MediaError, type MediaEvent } from "./pool.ts";
export type {
  AgentTicket,
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
export { MEDIA_REJECT_EVENT, noteRejectedSources, type RejectNotes } from "./rejects.ts";
