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
import { parseNeighbours } from "./security/neighbours.ts";
import { H323Passwords } from "./security/passwords.ts";
import { RasAuthenticator } from "./security/ras_auth.ts";

export { RasServer } from "./ras/server.ts";
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
}

/**
 * Starts call signalling first (RCF and ACF announce the port it bound), then
 * the endpoint registry and the RAS server.
 */
export async function startH323(c: H323Config): Promise<H323> {
  const box: { gk?: Gatekeeper } = {};
  const calls = new H323Calls({
    guard: c.guard,
    rooms: c.rooms,
    policies: c.policies,
    witness: c.witness,
    gatekeeper: () => box.gk,
    host: c.host,
    video: c.video === "on",
    gateway: c.gateway,
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
          neighbours: parseNeighbours(c.neighbours),
          lrqFrom: c.lrqFrom,
          perIdentityPerSec: c.rasPerIdentityPerSec,
          roomCallType: (room) => roomPolicy(c.policies.current, room)?.callType,
        }),
      endpoints,
    );
    return { calls: cs, ras, passwords };
  } catch (err) {
    await cs.close();
    throw err;
  }
}
