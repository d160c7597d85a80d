// WebRTC: browsers join rooms through mediasoup (one worker process per core, one
// Router per room) and WebSocket signalling; their audio is bridged into the MCU's
// mix, their video forwarded among browsers.

import type { Logger } from "../../telemetry/mod.ts";
import { type SignallingOptions, WebRtcSignalling } from "./server.ts";
import { workerBinPath } from "./worker_bin.ts";
import { WorkerPool } from "./workers.ts";

export { CLOSE, type SignallingOptions, WebRtcSignalling } from "./server.ts";
export { checkWorkerBin, WorkerBinError, workerBinPath } from "./worker_bin.ts";
export { WorkerPool } from "./workers.ts";
export * from "./protocol.ts";

export interface WebRtcConfig {
  readonly workers: number;
  readonly workerBin: string;
  readonly listenIp: string;
  readonly announcedAddress: string;
  readonly portMin: number;
  readonly portMax: number;
  readonly heartbeatMs: number;
  readonly resumeWindowMs: number;
  readonly maxMessageBytes: number;
}

/** Starts the mediasoup workers and the signalling that uses them. */
export async function startWebRtc(
  config: WebRtcConfig,
  deps:
    & Omit<
      SignallingOptions,
      | "workers"
      | "portMin"
      | "portMax"
      | "heartbeatMs"
      | "resumeWindowMs"
      | "maxMessageBytes"
      | "log"
    >
    & { log: Logger },
): Promise<WebRtcSignalling> {
  const workers = await WorkerPool.start({
    workers: config.workers,
    workerBin: workerBinPath(config.workerBin),
    listenIp: config.listenIp,
    announcedAddress: config.announcedAddress,
    portMin: config.portMin,
    portMax: config.portMax,
    log: deps.log,
  });
  return new WebRtcSignalling({
    ...deps,
    workers,
    portMin: config.portMin,
    portMax: config.portMax,
    heartbeatMs: config.heartbeatMs,
    resumeWindowMs: config.resumeWindowMs,
    maxMessageBytes: config.maxMessageBytes,
  });
}
