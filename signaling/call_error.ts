// The error a call Council places ends with: why, the status that says it (a SIP
// final response, or the HTTP-like status an H.323 failure maps to) and, where
// known, the Q.850 cause: the protocol-neutral reason the gateway carries from one
// side to the other (as ISUP and Q.931 gateways do).

export class CallError extends Error {
  override name = "CallError";
  constructor(message: string, readonly status?: number, readonly q850?: number) {
    super(message);
  }
}
