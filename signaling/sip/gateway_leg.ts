// The SIP side of the gateway (rooms/gateway.ts): a dialled name reaches a guardian
// by its SIP registration (the user part is the guardian's name), and the callee
// leg is an outbound INVITE to the binding's contact, sent where the REGISTER came
// from, with the caller's name in From.

import type { Callee, CallOptions, Dialled, GatewayStack } from "../../rooms/mod.ts";
import { CallError } from "../call_error.ts";
import type { Calls } from "./calls.ts";
import { guardianOfUser, type Registrar } from "./registrar.ts";

export function sipGatewayStack(calls: Calls, registrar: Registrar): GatewayStack {
  return {
    protocol: "sip",
    async locate(d: Dialled): Promise<Callee | undefined> {
      const guardianId = guardianOfUser(d.name.toLowerCase());
      if (!guardianId) return undefined;
      const binding = (await registrar.bindings(guardianId))[0];
      return binding ? { protocol: "sip", guardianId, address: binding.contact } : undefined;
    },
    async call(room: string, callee: Callee, o: CallOptions): Promise<string> {
      const bindings = await registrar.bindings(callee.guardianId);
      const binding = bindings.find((b) => b.contact === callee.address) ?? bindings[0];
      // Q.850 20, subscriber absent: the registration lapsed since it was found.
      if (!binding) throw new CallError(`${callee.guardianId} is no longer registered`, 480, 20);
      return await calls.dial({
        to: binding.source,
        target: binding.contact,
        room,
        guardianId: callee.guardianId,
        from: o.caller,
        signal: o.signal,
        alerting: o.alerting,
      });
    },
    hangup: (legId, cause) => calls.hangup(legId, "gateway", cause),
    sendDigits: (legId, digits) => calls.sendDigits(legId, digits),
  };
}
