// The error a call Council places ends with: why, and the status that says it
// (a SIP final response, or the HTTP-like status an H.323 failure maps to).

export class CallError extends Error {
  override name = "CallError";
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}
