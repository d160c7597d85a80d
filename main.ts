// Composition root: config -> kv -> (witness -> guard -> media -> signalling, as
// they land) -> http, and graceful shutdown. Wiring only; behaviour lives in modules.

import { ConfigError, type CouncilConfig, loadConfig } from "./config/mod.ts";
import { VERSION } from "./config/version.ts";
import {
  checkPorts,
  connectionLimits,
  Lifecycle,
  listeningPorts,
  PortError,
  readyLine,
  settleFdLimit,
} from "./lifecycle/mod.ts";
import { buildApp, type HttpServer, ListenError, listenHttp } from "./routes/mod.ts";
import { dataDirectory, Store, StoreError } from "./store/mod.ts";
import { Counter, createLogger, createMetrics, type Logger } from "./telemetry/mod.ts";
import { verifierKey, WitnessError, WitnessLog } from "./witness/mod.ts";
import {
  Guard,
  GuardianRegistry,
  PolicyError,
  PolicyStore,
  RejectLedger,
  webCryptoVerifier,
} from "./guard/mod.ts";
import { operatorToken } from "./store/operator_token.ts";
import { loadMediaKey } from "./provenance/media_key.ts";
import { Recordings } from "./provenance/recordings.ts";
import { ProvenanceMonitor } from "./provenance/monitor.ts";
import { registerHealthMetrics } from "./provenance/health_metrics.ts";
import { Feeds } from "./rooms/feeds.ts";
import { SignedStreams } from "./rooms/signed_streams.ts";
import { lockDataDir } from "./store/data_lock.ts";
import { MediaEngine, noteRejectedSources, registerMediaMetrics } from "./media/engine/mod.ts";
import {
  Escalations,
  EvidenceBoard,
  Gateway,
  OPERATOR_CHANNEL,
  parseRoomDefinition,
  RoomOperations,
  RoomRegistry,
  Rooms,
  VoteBox,
} from "./rooms/mod.ts";
import {
  type DigestAlgorithm,
  SipServer,
  sipTlsIdentity,
  type TlsIdentity,
  tlsIdentityDir,
} from "./signaling/sip/mod.ts";
import { BudgetBook, CostMeter, rateCardOf, Webhook } from "./cost/mod.ts";
import { type H323, startH323 } from "./signaling/h323/mod.ts";
import { startWebRtc, type WebRtcSignalling } from "./signaling/webrtc/mod.ts";
import { startTalent } from "./talent/service.ts";

export interface Council {
  readonly config: CouncilConfig;
  readonly http: HttpServer;
  readonly store: Store;
  readonly witness: WitnessLog;
  readonly guard: Guard;
  readonly media: MediaEngine;
  readonly rooms: Rooms;
  readonly sip: SipServer;
  readonly h323: H323;
  /** Absent when the mediasoup worker could not start (the reason is logged and served). */
  readonly webrtc?: WebRtcSignalling;
  readonly lifecycle: Lifecycle;
  /** Graceful shutdown; resolves true when everything closed in time. */
  shutdown(reason: string): Promise<boolean>;
}

/** Exit codes of `council serve` (docs/API.md lists them for operators). */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2 } as const;

export async function startCouncil(config: CouncilConfig, log: Logger): Promise<Council> {
  const lifecycle = new Lifecycle(log);
  // RLIMIT_NOFILE's soft limit raised to the hard one before anything opens descriptors.
  const fdLimit = settleFdLimit();
  const metrics = createMetrics({ version: VERSION });
  lifecycle.add({
    name: "metrics",
    ready: () => true,
    close: () => Promise.resolve(metrics.stop()),
  });
  try {
    // One server per data directory, and every fixed port free, before anything is
    // opened or written: a second Council is refused here, leaving the first intact.
    const dataLock = await lockDataDir(config.kv.path);
    if (dataLock) lifecycle.hold(dataLock);
    checkPorts(listeningPorts(config));

    const store = lifecycle.add(await Store.open(config.kv.path));
    if (store.permissionsFixed.length) {
      log.warn("data files were readable by others; made private (0700/0600)", {
        paths: store.permissionsFixed,
      });
    }
    const instance = await store.recordStart();
    new Counter({
      name: "council_instance_starts_total",
      help: "Server starts recorded in this KV database.",
      registers: [metrics.registry],
    }).inc(instance.starts);

    const witness = lifecycle.add(
      await WitnessLog.open(store, {
        ...config.witness,
        log: log.child({ subsystem: "witness" }),
        registry: metrics.registry,
      }),
    );

    await witness.append("council.start", { version: VERSION, starts: instance.starts });

    const policies = new PolicyStore(
      config.guard.policyFile || undefined,
      log.child({ subsystem: "guard" }),
    );
    policies.watch();
    lifecycle.add({
      name: "policy",
      ready: () => true,
      close: () => Promise.resolve(policies.close()),
    });
    const registry = await GuardianRegistry.open(store);
    const guard = lifecycle.add(
      new Guard({
        registry,
        policies,
        witness,
        verifier: webCryptoVerifier(),
        media: {
          host: config.media.host,
          portMin: config.media.rtpPortMin,
          portMax: config.media.rtpPortMax,
        },
        log: log.child({ subsystem: "guard" }),
        metrics: metrics.registry,
      }),
    );
    await guard.restoreNonces();

    const media = lifecycle.add(
      await MediaEngine.start({
        workers: config.media.workers,
        opusComplexity: config.media.opusComplexity,
        realtimePriority: config.media.realtimePriority,
        latching: config.media.latching,
        log: log.child({ subsystem: "media" }),
      }),
    );
    registerMediaMetrics(media, metrics.registry);
    // Media from strangers, witnessed: one entry per source host and interval, not per packet.
    const mediaRejects = new RejectLedger({ witness, log: log.child({ subsystem: "media" }) });
    lifecycle.add({ name: "media-rejects", ready: () => true, close: () => mediaRejects.close() });
    noteRejectedSources(media, mediaRejects);
    // A failover moves calls between workers: the log keeps when and how long it took.
    media.on((e) => {
      if (e.ev !== "failover") return;
      witness.append("media.worker_failover", {
        worker: e.worker,
        rooms: e.rooms,
        ms: Math.round(e.ms * 10) / 10,
        reason: e.reason,
      }).catch((err) => log.warn("failover not witnessed", { err }));
    });
    const rooms = lifecycle.add(new Rooms(media, policies, log.child({ subsystem: "rooms" })));
    // An active guardian's registered key: what its members' signed streams verify with.
    const guardianKey = (id: string) => {
      const g = registry.get(id);
      return g?.status === "active" ? g.key : undefined;
    };
    // SIP and H.323 members that sign what they send (docs/provenance.md): their legs
    // verify in-band; states, alerts and the policy's mute as for browsers.
    const signedStreams = new SignedStreams(
      { policy: () => policies.current, webhook: () => webhook },
      { rooms, witness, log: log.child({ subsystem: "provenance" }) },
    );
    media.on((e) => {
      if (e.ev === "provenance.state" || e.ev === "provenance.bad") signedStreams.onMedia(e);
      else if (e.ev === "failover") signedStreams.failover(e.rooms);
    });
    rooms.useSignedStreams({ streams: signedStreams, guardianKey });
    // Rooms operators created (kept in KV) feed the policy guard admits by.
    const roomRegistry = await RoomRegistry.open(store, policies);
    rooms.useRegistry(roomRegistry);
    // Calls between endpoints (SIP <-> H.323); each stack registers itself with it.
    const gateway = new Gateway(witness, log.child({ subsystem: "gateway" }));
    // SIP over TLS: the operator's certificate, or one generated once beside the KV.
    let sipTls: TlsIdentity | undefined;
    if (config.sip.tls === "on") {
      const dir = await tlsIdentityDir(config.kv.path, lifecycle);
      sipTls = await sipTlsIdentity({
        configured: { cert: config.sip.tlsCert, key: config.sip.tlsKey },
        dir,
        host: config.sip.host,
      });
      if (sipTls.generated) {
        log.info("generated the SIP TLS certificate", {
          file: sipTls.certFile,
          fingerprint: sipTls.fingerprint,
        });
      }
    }
    const sip = lifecycle.add(
      await SipServer.start({
        host: config.sip.host,
        port: config.sip.port,
        udp: config.sip.transports !== "tcp",
        tcp: config.sip.transports !== "udp",
        tls: sipTls && { port: config.sip.tlsPort, cert: sipTls.cert, key: sipTls.key },
        realm: config.sip.realm,
        digestAlgorithms: config.sip.digestAlgorithms.split(",") as DigestAlgorithm[],
        media: config.sip.media,
        auth: config.sip,
        guard,
        rooms,
        gateway,
        policies,
        registry,
        store,
        witness,
        log: log.child({ subsystem: "sip" }),
        metrics: metrics.registry,
      }),
    );
    const h323 = await startH323({
      ...config.h323,
      guard,
      registry,
      rooms,
      gateway,
      policies,
      store,
      witness,
      log: log.child({ subsystem: "h323" }),
      metrics: metrics.registry,
    });
    // Shutdown runs in reverse: calls end before the gatekeeper stops answering,
    // and Council unregisters from its upstream gatekeeper last.
    if (h323.upstream) lifecycle.add(h323.upstream);
    lifecycle.add(h323.ras);
    lifecycle.add(h323.calls);
    // Browsers are one way in among three: without a mediasoup worker, Council
    // still serves SIP and H.323 and says why /ws is unavailable.
    const evidence = new EvidenceBoard(store, witness, rooms.events);
    let webrtc: WebRtcSignalling | undefined;
    let webrtcUnavailable = "";
    try {
      webrtc = lifecycle.add(
        await startWebRtc({
          ...config.webrtc,
          portMin: config.webrtc.rtcPortMin,
          portMax: config.webrtc.rtcPortMax,
        }, {
          guard,
          rooms,
          witness,
          mediaHost: config.media.host,
          evidence,
          log: log.child({ subsystem: "webrtc" }),
          // Browsers' signed audio: verified in the media workers (docs/provenance.md).
          provenance: {
            legProvenance: (legId, action) => media.legProvenance(legId, action),
            guardianKey,
            policy: () => policies.current,
            webhook: () => webhook,
            mediaKey: async () => {
              const key = await recordings.mediaKey();
              return { seed: key.secretKey, publicKey: key.publicKeyB64 };
            },
          },
        }),
      );
    } catch (err) {
      webrtcUnavailable = (err as Error).message;
      log.error("webrtc not started", { err: webrtcUnavailable });
    }
    // Each stack hangs up its own legs and calls guardians in for the rooms API.
    rooms.registerStack({
      protocol: "sip",
      dial: (room, guardianId) => sip.callGuardian({ room, guardianId }),
      hangup: (legId, reason) => sip.calls.hangup(legId, reason),
    });
    rooms.registerStack({
      protocol: "h323",
      dial: (room, guardianId) => h323.calls.calls.dialGuardian(room, guardianId),
      hangup: (legId, reason) => h323.calls.calls.hangup(legId, reason),
    });
    if (webrtc) {
      const w = webrtc;
      rooms.registerStack({
        protocol: "webrtc",
        hangup: (legId, reason) => w.hangup(legId, reason),
      });
    }
    const votes = new VoteBox({
      verify: (g, message, signature) => guard.verifyGuardian(g, message, signature),
      members: (room) => rooms.members(room).map((m) => m.guardianId),
      witness,
      events: rooms.events,
      log: log.child({ subsystem: "votes" }),
    });
    lifecycle.add({ name: "votes", ready: () => true, close: () => Promise.resolve(votes.stop()) });
    // Agents cast their signed ballots over /ws (docs/agent.md).
    webrtc?.useVotes(votes);
    const restoredVotes = await votes.restore();
    if (restoredVotes.open + restoredVotes.closed) {
      log.info("votes restored from the witness", restoredVotes);
    }
    const operations = new RoomOperations(rooms, roomRegistry, witness, evidence);
    // Recordings of rooms' mixes, hash-chained and signed with the media key, which the
    // witness binds to Council (docs/provenance.md).
    // With the store in memory, recordings are as passing as everything else: a scratch
    // directory removed at shutdown.
    const scratch = config.kv.path === ":memory:";
    const recordingsDir = scratch
      ? await Deno.makeTempDir({ prefix: "council-recordings-" })
      : `${dataDirectory(config.kv.path)}/recordings`;
    const recordings = await Recordings.open({
      store,
      witness,
      media,
      loadKey: () => loadMediaKey(store, witness),
      dir: recordingsDir,
      events: rooms.events,
      policy: () => policies.current,
      callTypeOf: (room) =>
        roomRegistry.get(room)?.callType ?? policies.current.rooms[room]?.callType,
      members: (room) =>
        rooms.members(room).map((m) => ({ memberId: m.legId, guardianId: m.guardianId })),
      log: log.child({ subsystem: "recordings" }),
    });
    // Broadcast feeds: program ingest and output as RTP with SDP (rooms/feeds.ts).
    const feeds = new Feeds({
      rooms,
      media,
      witness,
      mediaHost: config.media.host,
      log: log.child({ subsystem: "feeds" }),
    });
    lifecycle.add({ name: "feeds", ready: () => true, close: () => feeds.close() });
    // Members answer a recording's call for consent: pages over /ws, phones by keypad.
    const consent = (
      room: string,
      member: { memberId: string; guardianId: string },
      yes: boolean,
    ) => recordings.consent(room, member, yes);
    rooms.useConsent(consent);
    webrtc?.useConsent(consent);
    // SIP legs that offer the provenance header extension get their stream chained.
    rooms.useProvenance(async () => (await recordings.mediaKey()).secretKey);
    // Chain heads into the witness (every 10 s and at each stream's end), every live
    // chain checked, the witness audited on a schedule (docs/provenance.md, "Health").
    const provenance = new ProvenanceMonitor({
      media,
      witness,
      kv: store.kv,
      log: log.child({ subsystem: "provenance" }),
      // Only once a chain exists is there a key to check it with (made on first use).
      mediaPublicKey: async () => (await recordings.mediaKey()).publicKey,
      activeRooms: () =>
        rooms.active().map(({ room }) => ({
          room,
          since: Math.min(...rooms.members(room).map((m) => m.joinedAt)),
        })),
      auditEveryMs: config.witness.auditEverySec * 1000,
      onAuditFailure: (report) => {
        rooms.events.publish(OPERATOR_CHANNEL, { name: "witness.audit", data: { ...report } });
        webhook?.send({ type: "council.witness.audit_failed", ...report });
      },
    });
    registerHealthMetrics(provenance.health, provenance.auditor, metrics.registry);
    lifecycle.add({
      name: "provenance",
      ready: () => true,
      close: () => Promise.resolve(provenance.close()),
    });
    lifecycle.add({
      name: "recordings",
      ready: () => true,
      close: async () => {
        await recordings.close();
        if (scratch) await Deno.remove(recordingsDir, { recursive: true }).catch(() => {});
      },
    });
    const escalations = new Escalations({
      rooms,
      operations,
      registry,
      witness,
      log: log.child({ subsystem: "escalations" }),
    });
    if (webrtc) {
      const w = webrtc;
      escalations.useBrowsers((guardianId, invitation) => w.invite(guardianId, invitation));
    }
    // Talent: scouts, the sandbox, certificates, the swarm (docs/talent.md). Certificates
    // are signed with the node key the witness binds to Council (the media key).
    let httpUrl = "";
    const talent = await startTalent({
      store,
      witness,
      registry,
      log: log.child({ subsystem: "talent" }),
      nodeKey: async () => {
        const key = await recordings.mediaKey();
        return { secretKey: key.secretKey, publicKeyB64: key.publicKeyB64 };
      },
      config: config.talent,
      mediaHost: config.media.host,
      // Beside the store, so deployed agents outlive a restart (scratch when in memory).
      packagesDir: scratch ? undefined : `${dataDirectory(config.kv.path)}/talent-packages`,
      councilUrl: () => httpUrl,
      // Validation calls: a scratch room per call, the guardian called in (a phone) or
      // seated (a swarm agent), its leg's MOS read, alerts to operators and the webhook.
      calls: {
        ports: {
          openRoom: async (room) => {
            await operations.create(parseRoomDefinition({ name: room }, new Date()));
          },
          closeRoom: async (room) => {
            await operations.close(room);
          },
          callIn: async (room, guardianId) => {
            const agent = talentSwarm()?.get(guardianId);
            if (!agent) return await operations.invite(room, guardianId);
            const seat = await talentSwarm()!.invite(guardianId, room);
            return { legId: seat.memberId, protocol: "agent" };
          },
          mos: async (room, legId) =>
            (await rooms.status(room)).members.find((m) => m.memberId === legId)?.stats?.mos,
          hangUp: async (room, legId, guardianId) => {
            if (!await talentSwarm()?.release(guardianId, room)) {
              await rooms.remove(legId, "validated");
            }
          },
        },
        alert: (result) => {
          rooms.events.publish(OPERATOR_CHANNEL, { name: "validation.alert", data: { ...result } });
          webhook?.send({ type: "council.validation.alert", ...result });
        },
        registry: metrics.registry,
      },
    });
    const talentSwarm = () => talent?.talent.swarm;
    lifecycle.add({ name: "talent", ready: () => true, close: () => talent.close() });
    // ESCALATE calls seat the swarm's agents whose expertise matches the hazards.
    escalations.useSwarm({
      experts: (hazards) => talent.talent.swarm.experts(hazards).map((a) => a.guardianId),
      isAgent: (guardianId) => talent.talent.swarm.get(guardianId) !== undefined,
      seat: (guardianId, room) => talent.talent.swarm.invite(guardianId, room),
    });
    // Guard's decisions (admissions, and rejections with their reason) for operators.
    guard.events.addEventListener("decision", (e) => {
      const detail = (e as CustomEvent<Record<string, unknown>>).detail;
      rooms.events.publish(OPERATOR_CHANNEL, { name: "guard.decision", data: detail });
    });
    // Cost: the rate card meters every room member; budgets alert at 80 % and 100 %.
    const budgets = await BudgetBook.open(store);
    const webhook = config.cost.webhookUrl
      ? new Webhook(
        config.cost.webhookUrl,
        log.child({ subsystem: "webhook" }),
        `council/${VERSION}`,
      )
      : undefined;
    const meter = lifecycle.add(
      await CostMeter.start({
        legs: () => rooms.members(),
        card: rateCardOf(config.cost),
        store,
        budgets,
        witness,
        events: rooms.events,
        webhook,
        log: log.child({ subsystem: "cost" }),
        intervalMs: config.cost.meterIntervalMs,
        reportIntervalSec: config.cost.reportIntervalSec,
      }),
    );
    if (webhook) {
      lifecycle.add({
        name: "webhook",
        ready: () => true,
        close: () => Promise.resolve(webhook.close()),
      });
    }
    const operator = await operatorToken(store, config.api.operatorToken);
    if (operator.generated && operator.file) {
      log.info("operator token generated", { file: operator.file });
    } else if (!operator.file && !config.api.operatorToken) {
      // kv.path :memory: keeps the generated token where no client can read it.
      log.warn(
        "operator token in memory only: operator endpoints and the CLI cannot sign in; set COUNCIL_API_OPERATOR_TOKEN (api.operatorToken)",
      );
    }

    const app = buildApp({
      lifecycle,
      metrics,
      log,
      version: VERSION,
      witness,
      guard,
      registry,
      operatorToken: operator.token,
      sip,
      h323: h323.calls.calls,
      h323Upstream: h323.upstream ? () => h323.upstream!.status() : undefined,
      gateway,
      talent,
      media,
      cost: { meter, budgets },
      webrtc,
      webrtcUnavailable,
      rooms: {
        rooms,
        operations,
        evidence,
        votes,
      },
      escalations,
      recordings,
      feeds,
      provenance,
    });
    // Connection caps sized to the descriptors left once storage, workers and the
    // other listeners are open; SIP and H.225 take theirs now, HTTP at listen.
    const limits = connectionLimits(config.limits, fdLimit, log, metrics.registry);
    sip.transport.useTcpLimits(limits.sipTcp);
    h323.calls.useLimits(limits.h225);
    const http = lifecycle.add(
      listenHttp(app.fetch, config.http, { ...limits.http, log: log.child({ subsystem: "http" }) }),
    );
    httpUrl = http.url;
    log.info("council ready", {
      version: VERSION,
      http: http.url,
      kv: config.kv.path,
      starts: instance.starts,
      witness: { size: witness.size, key: verifierKey(witness.signer) },
      mediaWorkers: media.workerCount,
      sip: `${config.sip.host}:${sip.port} (${config.sip.transports})`,
      ...(sipTls
        ? {
          sipTls: `${config.sip.host}:${sip.transport.tlsPort}`,
          sipTlsFingerprint: sipTls.fingerprint,
        }
        : {}),
      h323Ras: `${config.h323.host}:${h323.ras.port}`,
      h323CallSignal: `${config.h323.host}:${h323.calls.port}`,
      webrtcWorkers: webrtc ? config.webrtc.workers || navigator.hardwareConcurrency : 0,
    });
    return {
      config,
      http,
      store,
      witness,
      guard,
      media,
      rooms,
      sip,
      h323,
      webrtc,
      lifecycle,
      async shutdown(reason) {
        // The log records its own server stopping, while it still can.
        await witness.append("council.stop", { reason }).catch((err) =>
          log.warn("stop not witnessed", { err })
        );
        return await lifecycle.shutdown(reason, config.shutdown.timeoutMs);
      },
    };
  } catch (err) {
    // Release whatever did start (e.g. KV opened, then the port was taken).
    await lifecycle.abort(config.shutdown.timeoutMs);
    throw err;
  }
}

/**
 * Runs the server until SIGINT or SIGTERM and returns the process exit code.
 * Configuration and startup problems print one line and return 2, never a stack.
 */
export async function serve(args: { configPath?: string }): Promise<number> {
  let config: CouncilConfig;
  let sources: Record<string, string>;
  try {
    ({ config, sources } = loadConfig({ configPath: args.configPath }));
  } catch (err) {
    if (err instanceof ConfigError) return usageError(err.message);
    throw err;
  }
  const log = createLogger({ level: config.log.level });

  let council: Council;
  try {
    council = await startCouncil(config, log);
  } catch (err) {
    if (err instanceof ListenError || err instanceof StoreError || err instanceof PortError) {
      return usageError(err.message);
    }
    // A port taken between the check and the subsystem's own bind: still one line.
    if (/address already in use/i.test((err as Error)?.message ?? "")) {
      return usageError(
        `a port was taken while starting (${
          (err as Error).message
        }): check http.port, sip.port, sip.tlsPort, h323.rasPort, h323.callSignalPort`,
      );
    }
    if (err instanceof PolicyError) return usageError(`guard.policyFile: ${err.message}`);
    // A log that fails its own consistency check must not serve; say why, once.
    if (err instanceof WitnessError) {
      console.error(`council: witness: ${err.message}`);
      return EXIT.FAILURE;
    }
    log.error("startup failed", { err });
    return EXIT.FAILURE;
  }

  // For people: where to go, on stdout (the log is JSON on stderr).
  console.log(readyLine({
    host: council.http.host,
    port: council.http.port,
    kvPath: config.kv.path,
    operatorToken: config.api.operatorToken,
    tokenSource: sources["api.operatorToken"],
  }));

  const signalled = new Promise<Deno.Signal>((resolve) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      Deno.addSignalListener(signal, () => {
        if (council.lifecycle.state !== "running") {
          log.warn("second signal during shutdown; exiting now", { signal });
          Deno.exit(EXIT.FAILURE);
        }
        resolve(signal);
      });
    }
  });
  const signal = await signalled;
  const clean = await council.shutdown(signal);
  return clean ? EXIT.OK : EXIT.FAILURE;
}

function usageError(message: string): number {
  console.error(`council: ${message}`);
  return EXIT.USAGE;
}

if (import.meta.main) {
  // `deno run main.ts [--config F]` is `council serve [--config F]`. No top-level
  // await here: cli/ imports this module, and awaiting would deadlock the cycle.
  import("./cli/main.ts").then(({ main }) => main(["serve", ...Deno.args])).then(Deno.exit);
}
