// The H.323 side of the gateway (rooms/gateway.ts): a dialled name reaches a
// registered terminal by its h323-ID or E.164 (dialledDigits) alias, and the
// callee leg is a Setup from Council (Fast Start, tunnelled H.245) to the
// terminal's call signalling address, showing the caller's name.

import type { Callee, CallOptions, Dialled, GatewayStack } from "../../rooms/mod.ts";
import type { H323Calls } from "./calls.ts";
import type { Gatekeeper } from "./ras/gatekeeper.ts";

export function h323GatewayStack(
  calls: H323Calls,
  gatekeeper: () => Gatekeeper | undefined,
): GatewayStack {
  return {
    protocol: "h323",
    locate(d: Dialled): Promise<Callee | undefined> {
      const endpoints = gatekeeper()?.o.endpoints;
      const e = endpoints?.byAlias(`h323-ID:${d.name}`) ??
        endpoints?.byAlias(`dialledDigits:${d.name}`);
      return Promise.resolve(
        e && e.callSignal.length
          ? { protocol: "h323", guardianId: e.guardianId, address: e.id }
          : undefined,
      );
    },
    call: (room: string, callee: Callee, o: CallOptions) =>
      calls.dialGuardian(room, callee.guardianId, {
        endpointId: callee.address,
        caller: o.caller,
        signal: o.signal,
        alerting: o.alerting,
      }),
    hangup: (legId, cause) => calls.hangup(legId, "gateway", cause),
    sendDigits: (legId, digits) => calls.sendDigits(legId, digits),
  };
}
