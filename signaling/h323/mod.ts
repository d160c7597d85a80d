// Council's H.323 side: the gatekeeper (RAS) today; call signalling, H.245 and the
// SIP gateway join here (issue 7).

import type { Registry } from "prom-client";
import type { Guard, GuardianRegistry } from "../../guard/mod.ts";
import type { Store } from "../../store/mod.ts";
import type { Logger } from "../../telemetry/log.ts";
import type { WitnessLog } from "../../witness/mod.ts";
import { Endpoints } from "./ras/endpoints.ts";
import { Gatekeeper } from "./ras/gatekeeper.ts";
import { RasServer } from "./ras/server.ts";

export { RasServer } from "./ras/server.ts";
export { ARJ_REASON, Gatekeeper } from "./ras/gatekeeper.ts";
export { admissionToken, COUNCIL_TOKEN_OID } from "./ras/token.ts";
export { decodeRas, encodeRas, H225_PROTOCOL, type RasValue } from "./h225/mod.ts";

export interface GatekeeperConfig {
  host: string;
  rasPort: number;
  callSignalPort: number;
  gatekeeperId: string;
  timeToLive: number;
  guard: Guard;
  registry: GuardianRegistry;
  store: Store;
  witness: WitnessLog;
  log: Logger;
  metrics?: Registry;
}

/** Opens the endpoint registry and starts the RAS server. */
export async function startGatekeeper(c: GatekeeperConfig): Promise<RasServer> {
  const box: { gk?: Gatekeeper } = {};
  const endpoints = await Endpoints.load(c.store, (e) => {
    box.gk?.unregister(e, "ttl").catch((err) =>
      c.log.warn("expired endpoint not cleaned up", { err, endpointId: e.id })
    );
  });
  return await RasServer.start(
    { host: c.host, port: c.rasPort, log: c.log, metrics: c.metrics },
    // GCF and LCF announce the port actually bound (0 in tests picks one).
    (rasPort) =>
      box.gk = new Gatekeeper({
        gatekeeperId: c.gatekeeperId,
        ras: { host: c.host, port: rasPort },
        callSignal: { host: c.host, port: c.callSignalPort },
        timeToLive: c.timeToLive,
        guard: c.guard,
        registry: c.registry,
        endpoints,
        witness: c.witness,
        log: c.log,
      }),
    endpoints,
  );
}
