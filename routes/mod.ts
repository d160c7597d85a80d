// The HTTP app, assembled in one visible place: middleware, then each route group.

import { Hono } from "hono";
import type { Lifecycle } from "../lifecycle/mod.ts";
import type { Logger, Metrics } from "../telemetry/mod.ts";
import type { WitnessLog } from "../witness/mod.ts";
import type { Guard, GuardianRegistry } from "../guard/mod.ts";
import { admissionRoutes } from "./admission.ts";
import { guardianRoutes } from "./guardians.ts";
import { notFound, onError } from "./errors.ts";
import { healthRoutes } from "./health.ts";
import { metricsRoutes } from "./metrics.ts";
import { observe } from "./observe.ts";
import { gatewayRoutes } from "./gateway.ts";
import { mediaRoutes } from "./media.ts";
import { costRoutes } from "./cost.ts";
import { eventsRoutes } from "./events.ts";
import type { BudgetBook, CostMeter } from "../cost/mod.ts";
import type { MediaEngine } from "../media/engine/mod.ts";
import { h323Routes } from "./h323.ts";
import { sipRoutes } from "./sip.ts";
import { witnessRoutes } from "./witness.ts";
import { webRoutes } from "./web.ts";
import { webrtcRoutes, wsRoutes } from "./webrtc.ts";
import type { WebRtcSignalling } from "../signaling/webrtc/mod.ts";
import type { SipServer } from "../signaling/sip/mod.ts";
import type { H323Calls, UpstreamStatus } from "../signaling/h323/mod.ts";
import type { Escalations, Gateway } from "../rooms/mod.ts";
import { escalationRoutes } from "./escalations.ts";
import { recordingRoutes } from "./recordings.ts";
import { feedRoutes } from "./feeds.ts";
import type { Feeds } from "../rooms/feeds.ts";
import type { Recordings } from "../provenance/recordings.ts";
import { provenanceRoutes } from "./provenance.ts";
import type { ProvenanceMonitor } from "../provenance/monitor.ts";
import { type RoomServices, roomsRoutes } from "./rooms.ts";
import { talentRoutes, type TalentServices } from "./talent.ts";

export { type HttpServer, ListenError, listenHttp } from "./listen.ts";
export { apiError, type ApiErrorBody, BadRequest } from "./errors.ts";

export interface AppDeps {
  lifecycle: Lifecycle;
  metrics: Metrics;
  log: Logger;
  version: string;
  witness: WitnessLog;
  guard: Guard;
  registry: GuardianRegistry;
  operatorToken: string;
  /** Absent when SIP is not running (some tests build the app without it). */
  sip?: SipServer;
  /** Absent when H.323 is not running. */
  h323?: H323Calls;
  /** Council's registration with an upstream gatekeeper, when h323.upstream is set. */
  h323Upstream?: () => UpstreamStatus | undefined;
  gateway?: Gateway;
  /** Cost metering and budgets; absent in tests that build the app without them. */
  cost?: { meter: CostMeter; budgets: BudgetBook };
  /** The media workers; absent in tests that build the app without media. */
  media?: MediaEngine;
  /** The rooms API; absent in tests that build the app without media. */
  rooms?: RoomServices;
  escalations?: Escalations;
  /** The talent pipeline; absent in tests that build the app without it. */
  talent?: TalentServices;
  /** Recordings and the media key that signs them; absent in tests without media. */
  recordings?: Recordings;
  /** Broadcast feeds (ingest and program out); absent in tests without media. */
  feeds?: Feeds;
  /** Chain health and witness audits; absent in tests without media. */
  provenance?: ProvenanceMonitor;
  /** Absent when WebRTC is not running; `webrtcUnavailable` says why. */
  webrtc?: WebRtcSignalling;
  webrtcUnavailable?: string;
}

export function buildApp(deps: AppDeps): Hono {
  const log = deps.log.child({ subsystem: "http" });
  return new Hono()
    .use(observe(deps.metrics.registry, log))
    .route("/", healthRoutes(deps.lifecycle, deps.version))
    .route("/", metricsRoutes(deps.metrics))
    .route("/api/v1/witness", witnessRoutes(deps.witness))
    .route("/api/v1/admission", admissionRoutes(deps.guard, deps.operatorToken))
    .route(
      "/api/v1/guardians",
      guardianRoutes(deps.registry, deps.guard, deps.witness, deps.operatorToken),
    )
    .route("/api/v1/sip", deps.sip ? sipRoutes(deps.sip, deps.operatorToken) : new Hono())
    .route(
      "/api/v1/h323",
      deps.h323 ? h323Routes(deps.h323, deps.operatorToken, deps.h323Upstream) : new Hono(),
    )
    .route(
      "/api/v1/gateway",
      deps.gateway ? gatewayRoutes(deps.gateway, deps.operatorToken) : new Hono(),
    )
    .route(
      "/api/v1/cost",
      deps.cost
        ? costRoutes(deps.cost.meter, deps.cost.budgets, deps.witness, deps.operatorToken)
        : new Hono(),
    )
    .route(
      "/api/v1/events",
      deps.rooms ? eventsRoutes(deps.rooms.rooms.events, deps.operatorToken) : new Hono(),
    )
    .route(
      "/api/v1/media",
      deps.media ? mediaRoutes(deps.media, deps.witness, deps.operatorToken) : new Hono(),
    )
    .route(
      "/api/v1/rooms",
      deps.rooms ? roomsRoutes(deps.rooms, deps.operatorToken) : new Hono(),
    )
    .route(
      "/api/v1/escalations",
      deps.escalations ? escalationRoutes(deps.escalations, deps.operatorToken) : new Hono(),
    )
    .route(
      "/api/v1/recordings",
      deps.recordings ? recordingRoutes(deps.recordings, deps.operatorToken) : new Hono(),
    )
    .route(
      "/api/v1/provenance",
      deps.provenance ? provenanceRoutes(deps.provenance, deps.operatorToken) : new Hono(),
    )
    .route(
      "/api/v1/feeds",
      deps.feeds ? feedRoutes(deps.feeds, deps.operatorToken) : new Hono(),
    )
    .route(
      "/api/v1/talent",
      deps.talent ? talentRoutes(deps.talent, deps.operatorToken) : new Hono(),
    )
    .route("/", wsRoutes(deps.webrtc, deps.webrtcUnavailable ?? "not started"))
    .route(
      "/api/v1/webrtc",
      deps.webrtc ? webrtcRoutes(deps.webrtc, deps.operatorToken) : new Hono(),
    )
    .route("/", webRoutes())
    .notFound(notFound)
    .onError(onError(log));
}
