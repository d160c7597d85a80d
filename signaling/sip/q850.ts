// SIP status codes <-> Q.850 cause values, as RFC 3398 maps them (ISUP <-> SIP;
// H.323 speaks Q.850 causes too). Used where a SIP leg meets an H.323 leg.

/** RFC 3398 7.2.4.1: a cause that ended the other side -> the SIP final response. */
const STATUS_OF_CAUSE: Record<number, number> = {
  1: 404,
  2: 404,
  3: 404,
  // 16 before an answer: the far end cleared without answering.
  16: 480,
  17: 486,
  18: 408,
  19: 480,
  20: 480,
  21: 403,
  22: 410,
  23: 410,
  26: 404,
  27: 502,
  28: 484,
  29: 501,
  31: 480,
  34: 503,
  38: 503,
  41: 503,
  42: 503,
  47: 503,
  55: 403,
  57: 403,
  58: 503,
  65: 488,
  70: 488,
  79: 501,
  87: 403,
  88: 503,
  102: 504,
  111: 500,
  127: 500,
};

/** RFC 3398 8.2.6.1: a SIP final response -> the cause sent on. */
const CAUSE_OF_STATUS: Record<number, number> = {
  400: 41,
  401: 21,
  402: 21,
  403: 21,
  404: 1,
  405: 63,
  406: 79,
  407: 21,
  408: 102,
  410: 22,
  415: 79,
  480: 18,
  481: 41,
  482: 25,
  483: 25,
  484: 28,
  485: 1,
  486: 17,
  500: 41,
  501: 79,
  502: 38,
  503: 41,
  504: 102,
  600: 17,
  603: 21,
  604: 1,
  606: 58,
};

/** The SIP final response for a Q.850 cause (500 for causes RFC 3398 does not list). */
export function statusOfCause(cause: number | undefined): number {
  if (cause === undefined) return 500;
  return STATUS_OF_CAUSE[cause] ?? 500;
}

/** The Q.850 cause for a SIP final response (127, interworking, when unlisted). */
export function causeOfStatus(status: number): number {
  return CAUSE_OF_STATUS[status] ?? 127;
}
