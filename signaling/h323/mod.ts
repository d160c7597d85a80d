// Council's H.323 side: the gatekeeper (RAS, UDP) and the call signalling
// listener (H.225.0 over TCP, with H.245 and Fast Start) that puts H.323 legs
// into rooms.

import type { Registry } from "prom-client";
import {
  type Guard,
  type GuardianRegistry,
  type PolicyStore,
  RejectLedger,
} from "../../guard/mod.ts";
import type { Gateway, Rooms } from "../../rooms/mod.ts";
import type { Store } from "../../store/mod.ts";
import type { Logger } from "../../telemetry/log.ts";
import type { WitnessLog } from "../../witness/mod.ts";
import { roomPolicy } from "../../guard/policy.ts";
import { CallSignalServer } from "./call_server.ts";
import { H323Calls } from "./calls.ts";
import { h323GatewayStack } from "./gateway_leg.ts";
import { Endpoints } from "./ras/endpoints.ts";
import { Gatekeeper } from "./ras/gatekeeper.ts";
import { RasServer } from "./ras/server.ts";
import { UpstreamGatekeeper } from "./ras/upstream.ts";
import { h235Key } from "./security/h235_1.ts";
import { parseNeighbours } from "./security/neighbours.ts";
import { H323Passwords } from "./security/passwords.ts";
import { RasAuthenticator } from "./security/ras_auth.ts";

export { RasServer } from "./ras/server.ts";
export { UpstreamGatekeeper, type UpstreamStatus } from "./ras/upstream.ts";
export {
  checkPassword,
  councilRasToken,
  H235_1_OIDS,
  h235Key,
  H323Passwords,
  PasswordError,
  readHashedToken,
  signRas,
} from "./security/mod.ts";
export { CallSignalServer } from "./call_server.ts";
export { H323Calls } from "./calls.ts";
export { ARJ_REASON, Gatekeeper } from "./ras/gatekeeper.ts";
export { admissionToken, COUNCIL_TOKEN_OID } from "./ras/token.ts";
export { decodeRas, encodeRas, H225_PROTOCOL, type RasValue } from "./h225/mod.ts";

export interface H323Config {
  host: string;
  rasPort: number;
  callSignalPort: number;
  gatekeeperId: string;
  timeToLive: number;
  /** H.235.1 timeStamp window (s); replays are refused within twice this. */
  h235WindowSec: number;
  /** "host[:port][=password], ..." whose LRQs are answered. */
  neighbours: string;
  lrqFrom: "neighbours" | "anyone";
  /** "host[:port]" of a gatekeeper Council registers with, or "". */
  upstream: string;
  upstreamId: string;
  upstreamName: string;
  upstreamPasswordFile: string;
  trustRouted: "off" | "aliases";
  /** A connected call without agreed media is released after this long. */
  mediaTimeoutSec: number;
  rasPerSourcePerSec: number;
  rasPerIdentityPerSec: number;
  video: "off" | "on";
  guard: Guard;
  registry: GuardianRegistry;
  rooms: Rooms;
  /** Setups and ARQs that dial someone go through it (SIP <-> H.323). */
  gateway?: Gateway;
  policies: PolicyStore;
  store: Store;
  witness: WitnessLog;
  log: Logger;
  metrics?: Registry;
}

export interface H323 {
  calls: CallSignalServer;
  ras: RasServer;
  /** Per-guardian H.323 (H.235.1) passwords, set by the operator. */
  passwords: H323Passwords;
  /** Council's registration with another gatekeeper (h323.upstream), when configured. */
  upstream?: UpstreamGatekeeper;
}

export class H323SecretError extends Error {}

/** A password file: readable by its owner only, one line of 8-128 printable characters. */
export async function readPasswordFile(file: string): Promise<string> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (err) {
    throw new H323SecretError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const mode = (await Deno.stat(file)).mode ?? 0;
  if (mode & 0o077) {
    throw new H323SecretError(
      `${file} is readable by others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`,
    );
  }
  const password = text.replace(/\r?\n$/, "");
  if (!/^[\x20-\x7e]{8,128}$/.test(password)) {
    throw new H323SecretError(
      `${file}: the password must be one line of 8-128 printable characters`,
    );
  }
  return password;
}

/** The aliases Council registers upstream: each room's council-<room> and E.164 number. */
function roomAliases(policies: PolicyStore): string[] {
  const rooms = Object.entries(policies.current.rooms).filter(([r]) => r !== "gateway")
    .sort(([a], [b]) => a.localeCompare(b));
  return [
    ...rooms.map(([r]) => `h323-ID:council-${r}`),
    ...rooms.flatMap(([, p]) => p.number ? [`dialledDigits:${p.number}`] : []),
  ];
}

/**
 * Starts call signalling first (RCF and ACF announce the port it bound), then
 * the endpoint registry and the RAS server.
 */
export async function startH323(c: H323Config): Promise<H323> {
  const box: { gk?: Gatekeeper; upstream?: UpstreamGatekeeper } = {};
  const neighbours = parseNeighbours(c.neighbours);
  const calls = new H323Calls({
    guard: c.guard,
    rooms: c.rooms,
    policies: c.policies,
    witness: c.witness,
    gatekeeper: () => box.gk,
    host: c.host,
    video: c.video === "on",
    gateway: c.gateway,
    upstream: () => box.upstream,
    mediaDeadlineMs: c.mediaTimeoutSec * 1000,
    routed: {
      trust: c.trustRouted,
      upstreamHost: c.upstream ? c.upstream.split(":")[0] : undefined,
      neighbours,
      registry: c.registry,
    },
    log: c.log,
  });
  c.gateway?.register(h323GatewayStack(calls, () => box.gk));
  const cs = CallSignalServer.start(
    { host: c.host, port: c.callSignalPort, log: c.log, metrics: c.metrics },
    calls,
  );
  try {
    const passwords = await H323Passwords.open(c.store, c.witness);
    const ledger = new RejectLedger({ witness: c.witness, log: c.log });
    const auth = new RasAuthenticator({
      gatekeeperId: c.gatekeeperId,
      passwords,
      guard: c.guard,
      timestampWindowSec: c.h235WindowSec,
    });
    const endpoints = await Endpoints.load(c.store, (e) => {
      box.gk?.unregister(e, "ttl").catch((err) =>
        c.log.warn("expired endpoint not cleaned up", { err, endpointId: e.id })
      );
    });
    const ras = await RasServer.start(
      {
        host: c.host,
        port: c.rasPort,
        log: c.log,
        metrics: c.metrics,
        perSourcePerSec: c.rasPerSourcePerSec,
      },
      // GCF and LCF announce the port actually bound (0 in tests picks one).
      (rasPort) =>
        box.gk = new Gatekeeper({
          gatekeeperId: c.gatekeeperId,
          ras: { host: c.host, port: rasPort },
          callSignal: { host: c.host, port: cs.port },
          timeToLive: c.timeToLive,
          guard: c.guard,
          registry: c.registry,
          endpoints,
          gateway: c.gateway,
          witness: c.witness,
          log: c.log,
          auth,
          ledger,
          neighbours,
          lrqFrom: c.lrqFrom,
          perIdentityPerSec: c.rasPerIdentityPerSec,
          roomCallType: (room) => roomPolicy(c.policies.current, room)?.callType,
          policy: () => c.policies.current,
        }),
      endpoints,
    );
    let upstream: UpstreamGatekeeper | undefined;
    if (c.upstream) {
      const [host, port] = c.upstream.split(":");
      const password = c.upstreamPasswordFile
        ? await readPasswordFile(c.upstreamPasswordFile)
        : undefined;
      upstream = box.upstream = await UpstreamGatekeeper.start({
        gatekeeper: { host, port: port ? Number(port) : 1719 },
        gatekeeperId: c.upstreamId || undefined,
        bind: { host: c.host, port: 0 },
        callSignal: { host: c.host, port: cs.port },
        aliases: () => roomAliases(c.policies),
        name: c.upstreamName,
        key: password === undefined ? undefined : h235Key(password),
        timeToLive: 300,
        witness: c.witness,
        log: c.log.child({ part: "upstream" }),
      });
      let registered = roomAliases(c.policies).join(",");
      c.policies.onChange(() => {
        const now = roomAliases(c.policies).join(",");
        if (now === registered) return;
        registered = now;
        upstream!.refresh().catch((err) => c.log.warn("upstream re-registration failed", { err }));
      });
    }
    return { calls: cs, ras, passwords, upstream };
  } catch (err) {
    await cs.close();
    throw err;
  }
}
