// The one table of configuration keys. Defaults, file keys, environment names,
// validation and docs/configuration.md all derive from it, so a key cannot exist
// in one place and be missing from another.

/** How a raw value (from JSON or from an environment string) becomes a typed one. */
export interface ValueKind<T> {
  /** Human description used in error messages: "expected <describe>". */
  readonly describe: string;
  /** Parses a JSON value; returns undefined when it does not fit. */
  fromJson(raw: unknown): T | undefined;
  /** Parses an environment variable's text; returns undefined when it does not fit. */
  fromEnv(raw: string): T | undefined;
}

export interface KeySpec<T> {
  /** Dotted path in the config object and in council.json, e.g. "http.port". */
  readonly path: string;
  readonly kind: ValueKind<T>;
  readonly defaultValue: T;
  readonly doc: string;
}

function integer(min: number, max: number, what = "an integer"): ValueKind<number> {
  const fits = (n: number) => Number.isSafeInteger(n) && n >= min && n <= max;
  return {
    describe: `${what} from ${min} to ${max}`,
    fromJson: (raw) => (typeof raw === "number" && fits(raw) ? raw : undefined),
    fromEnv: (raw) => {
      if (!/^[0-9]+$/.test(raw.trim())) return undefined;
      const n = Number(raw.trim());
      return fits(n) ? n : undefined;
    },
  };
}

function oneOf<T extends string>(...choices: T[]): ValueKind<T> {
  const pick = (raw: unknown) =>
    typeof raw === "string" && (choices as string[]).includes(raw) ? raw as T : undefined;
  return { describe: `one of ${choices.join(", ")}`, fromJson: pick, fromEnv: pick };
}

// A host is a name or address to bind; whitespace, URLs and empty strings are the
// usual mistakes worth catching before the listener does.
const HOST_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[?[0-9A-Fa-f:.]+\]?)$/;
const host: ValueKind<string> = {
  describe: "a host name or IP address",
  fromJson: (raw) => (typeof raw === "string" && HOST_RE.test(raw) ? raw : undefined),
  fromEnv: (raw) => (HOST_RE.test(raw) ? raw : undefined),
};

const path: ValueKind<string> = {
  describe: `a file path or ":memory:"`,
  fromJson: (raw) => (typeof raw === "string" && raw.trim() !== "" ? raw : undefined),
  fromEnv: (raw) => (raw.trim() !== "" ? raw : undefined),
};

// A log origin doubles as the signed-note key name: printable ASCII, no space or '+'.
const ORIGIN_RE = /^[\x21-\x2a\x2c-\x7e]{1,128}$/;
const origin: ValueKind<string> = {
  describe: "1-128 printable ASCII characters without spaces or '+'",
  fromJson: (raw) => (typeof raw === "string" && ORIGIN_RE.test(raw) ? raw : undefined),
  fromEnv: (raw) => (ORIGIN_RE.test(raw) ? raw : undefined),
};

const optionalPath: ValueKind<string> = {
  describe: `a file path, or "" for none`,
  fromJson: (raw) => (typeof raw === "string" ? raw.trim() : undefined),
  fromEnv: (raw) => raw.trim(),
};

const optionalHost: ValueKind<string> = {
  describe: `a host name or IP address, or "" for none`,
  fromJson: (raw) => typeof raw === "string" && (raw === "" || HOST_RE.test(raw)) ? raw : undefined,
  fromEnv: (raw) => (raw === "" || HOST_RE.test(raw) ? raw : undefined),
};

// Empty means "generate one and keep it beside the KV file" (docs/configuration.md).
const TOKEN_RE = /^(?:|[A-Za-z0-9._~+/=-]{16,256})$/;
const token: ValueKind<string> = {
  describe: `"" or 16-256 characters of [A-Za-z0-9._~+/=-]`,
  fromJson: (raw) => (typeof raw === "string" && TOKEN_RE.test(raw) ? raw : undefined),
  fromEnv: (raw) => (TOKEN_RE.test(raw) ? raw : undefined),
};

const REALM_RE = /^[A-Za-z0-9.\-_]{1,64}$/;
const realm: ValueKind<string> = {
  describe: "1-64 characters of [A-Za-z0-9.-_]",
  fromJson: (raw) => (typeof raw === "string" && REALM_RE.test(raw) ? raw : undefined),
  fromEnv: (raw) => (REALM_RE.test(raw) ? raw : undefined),
};

// A price: a non-negative decimal with at most 6 places (a rate card's entries).
const PRICE_RE = /^(?:0|[1-9][0-9]{0,8})(?:\.[0-9]{1,6})?$/;
const price: ValueKind<number> = {
  describe: "a non-negative price with at most 6 decimal places",
  fromJson: (raw) =>
    typeof raw === "number" && raw >= 0 && PRICE_RE.test(String(raw)) ? raw : undefined,
  fromEnv: (raw) => (PRICE_RE.test(raw.trim()) ? Number(raw.trim()) : undefined),
};

const CURRENCY_RE = /^[A-Z]{3}$/;
const currency: ValueKind<string> = {
  describe: "an ISO 4217 code of three capital letters",
  fromJson: (raw) => (typeof raw === "string" && CURRENCY_RE.test(raw) ? raw : undefined),
  fromEnv: (raw) => (CURRENCY_RE.test(raw) ? raw : undefined),
};

// Where budget alerts are POSTed: an http(s) URL, or "" for none.
function isWebhook(raw: string): boolean {
  if (raw === "") return true;
  try {
    const u = new URL(raw);
    return (u.protocol === "http:" || u.protocol === "https:") && raw.length <= 2048;
  } catch {
    return false;
  }
}
const webhook: ValueKind<string> = {
  describe: `an http(s) URL, or "" for none`,
  fromJson: (raw) => (typeof raw === "string" && isWebhook(raw) ? raw : undefined),
  fromEnv: (raw) => (isWebhook(raw) ? raw : undefined),
};

// The gatekeeper Council registers with: "" or an IPv4 "host[:port]".
const UPSTREAM_RE = /^(?:|(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?)$/;
const upstream: ValueKind<string> = {
  describe: `"" or an IPv4 "host[:port]"`,
  fromJson: (
    raw,
  ) => (typeof raw === "string" && UPSTREAM_RE.test(raw.trim()) ? raw.trim() : undefined),
  fromEnv: (raw) => (UPSTREAM_RE.test(raw.trim()) ? raw.trim() : undefined),
};

// A gatekeeper or H.323 identifier: 1-128 printable characters.
const H323_ID_RE = /^[\x21-\x7e]{1,128}$/;
const h323Id: ValueKind<string> = {
  describe: "1-128 printable ASCII characters without spaces",
  fromJson: (raw) => (typeof raw === "string" && H323_ID_RE.test(raw) ? raw : undefined),
  fromEnv: (raw) => (H323_ID_RE.test(raw) ? raw : undefined),
};
const optionalH323Id: ValueKind<string> = {
  describe: `"" or ${h323Id.describe}`,
  fromJson: (raw) => (raw === "" ? "" : h323Id.fromJson(raw)),
  fromEnv: (raw) => (raw === "" ? "" : h323Id.fromEnv(raw)),
};

// H.323 neighbour gatekeepers: "host[:port][=password]" items, comma-separated.
const NEIGHBOUR_RE =
  /^\s*(?:|(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?:=[\x21-\x2b\x2d-\x7e]{8,128})?(?:\s*,\s*(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?:=[\x21-\x2b\x2d-\x7e]{8,128})?)*)\s*$/;
const neighbours: ValueKind<string> = {
  describe: `"" or comma-separated IPv4 "host[:port][=password]" (passwords 8-128 characters)`,
  fromJson: (raw) => (typeof raw === "string" && NEIGHBOUR_RE.test(raw) ? raw.trim() : undefined),
  fromEnv: (raw) => (NEIGHBOUR_RE.test(raw) ? raw.trim() : undefined),
};

export type SipTransports = "udp+tcp" | "udp" | "tcp";
export type H323Video = "off" | "on";
export type H323LrqFrom = "neighbours" | "anyone";
export type H323TrustRouted = "off" | "aliases";
export type SipMedia = "mix" | "none";
export type SipTls = "on" | "off";
/** media.latching: the media engine's LatchPolicy (media/engine/source_lock.ts). */
export type MediaLatching = "off" | "first-packets";
export type SipDigest = "SHA-256,MD5" | "MD5,SHA-256" | "SHA-256" | "MD5";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = typeof LOG_LEVELS[number];

export const KEYS = [
  {
    path: "http.host",
    kind: host,
    defaultValue: "127.0.0.1",
    doc: "Address the HTTP API, WebSocket and dashboard listen on.",
  } satisfies KeySpec<string>,
  {
    path: "http.port",
    kind: integer(0, 65535, "a TCP port"),
    defaultValue: 8080,
    doc: "HTTP port; 0 picks a free port (the chosen one is logged).",
  } satisfies KeySpec<number>,
  {
    path: "kv.path",
    kind: path,
    defaultValue: "data/council.kv",
    doc: `Deno KV database file (SQLite), created if absent; ":memory:" keeps nothing.`,
  } satisfies KeySpec<string>,
  {
    path: "log.level",
    kind: oneOf<LogLevel>(...LOG_LEVELS),
    defaultValue: "info" as LogLevel,
    doc: "Lowest level written to the structured JSON log on stderr.",
  } satisfies KeySpec<LogLevel>,
  {
    path: "witness.origin",
    kind: origin,
    defaultValue: "council.local/witness",
    doc: "Name of the witness log: first line of every signed tree head and its key's name.",
  } satisfies KeySpec<string>,
  {
    path: "witness.headIntervalMs",
    kind: integer(10, 3_600_000),
    defaultValue: 200,
    doc: "Publish a signed tree head this often (ms) when the log has grown.",
  } satisfies KeySpec<number>,
  {
    path: "witness.headEveryEntries",
    kind: integer(1, 1_000_000),
    defaultValue: 1000,
    doc: "Publish a signed tree head as soon as this many entries arrived since the last.",
  } satisfies KeySpec<number>,
  {
    path: "witness.auditEverySec",
    kind: integer(0, 604_800),
    defaultValue: 3600,
    doc:
      "Audit the whole witness log this often while Council runs (s; 0: only when asked, `council provenance audit`).",
  } satisfies KeySpec<number>,
  {
    path: "api.operatorToken",
    kind: token,
    defaultValue: "",
    doc:
      "Bearer token for operator endpoints; empty: generated on first start and written to operator.token beside the KV file.",
  } satisfies KeySpec<string>,
  {
    path: "guard.policyFile",
    kind: optionalPath,
    defaultValue: "",
    doc: "Admission policy (JSON), reloaded on change and SIGHUP; empty: the embedded defaults.",
  } satisfies KeySpec<string>,
  {
    path: "talent.policyFile",
    kind: optionalPath,
    defaultValue: "",
    doc:
      "Talent auto-approval policy (JSON, docs/talent.md): which sandbox results and tags deploy an agent without a human; empty: the embedded defaults.",
  } satisfies KeySpec<string>,
  {
    path: "talent.sourcesFile",
    kind: optionalPath,
    defaultValue: "",
    doc:
      "Where the talent scouts look (JSON: GitHub, Hugging Face, arXiv sources, docs/talent.md); empty: no scouting.",
  } satisfies KeySpec<string>,
  {
    path: "talent.scoutIntervalSec",
    kind: integer(0, 604_800),
    defaultValue: 3600,
    doc: "Seconds between scouting cycles over every source (0: only when asked).",
  } satisfies KeySpec<number>,
  {
    path: "talent.retestEverySec",
    kind: integer(0, 31_536_000),
    defaultValue: 86400,
    doc:
      "Seconds between re-tests of every deployed swarm agent through the sandbox (0: never); a failed re-certification suspends it.",
  } satisfies KeySpec<number>,
  {
    path: "talent.validate",
    kind: optionalPath,
    defaultValue: "",
    doc:
      'Guardians the scheduled validation calls reach (comma-separated names or if:// ids; "swarm": every active swarm agent); empty: none.',
  } satisfies KeySpec<string>,
  {
    path: "talent.validateEverySec",
    kind: integer(0, 604_800),
    defaultValue: 3600,
    doc: "Seconds between validation calls to talent.validate's guardians (0: never).",
  } satisfies KeySpec<number>,
  {
    path: "media.host",
    kind: host,
    defaultValue: "127.0.0.1",
    doc: "Address media endpoints are offered on (RTP).",
  } satisfies KeySpec<string>,
  {
    path: "media.rtpPortMin",
    kind: integer(1024, 65534, "a UDP port"),
    defaultValue: 40000,
    doc: "Lowest RTP port handed to sessions (even ports; RTCP on the next odd one).",
  } satisfies KeySpec<number>,
  {
    path: "media.rtpPortMax",
    kind: integer(1025, 65535, "a UDP port"),
    defaultValue: 49999,
    doc: "Highest RTP/RTCP port.",
  } satisfies KeySpec<number>,
  {
    path: "media.workers",
    kind: integer(0, 256),
    defaultValue: 0,
    doc: "Media worker threads (RTP, jitter buffers, transcoding, mixing); 0: one per CPU core.",
  } satisfies KeySpec<number>,
  {
    path: "media.realtimePriority",
    kind: integer(0, 99),
    defaultValue: 10,
    doc:
      "SCHED_RR priority for the media workers' threads, so a busy host does not make the 20 ms mix late; needs CAP_SYS_NICE or LimitRTPRIO (otherwise logged and skipped); 0: off.",
  } satisfies KeySpec<number>,
  {
    path: "media.opusComplexity",
    kind: integer(0, 10),
    defaultValue: 5,
    doc:
      "libopus encoder complexity for the mixes sent to Opus members: 5 costs under half of 9 per frame (docs/CODECS.md).",
  } satisfies KeySpec<number>,
  {
    path: "media.latching",
    kind: oneOf<MediaLatching>("off", "first-packets"),
    defaultValue: "off" as MediaLatching,
    doc:
      `"off": media only from the signalled host, sent to the signalled address; "first-packets": symmetric RTP for peers behind NAT (the first packet of the agreed stream within 5 s locks the leg, once; see docs/media.md).`,
  } satisfies KeySpec<MediaLatching>,
  {
    path: "sip.host",
    kind: host,
    defaultValue: "127.0.0.1",
    doc: "Address the SIP stack listens on (UDP and TCP), also used in Via and Contact.",
  } satisfies KeySpec<string>,
  {
    path: "sip.port",
    kind: integer(0, 65535, "a port"),
    defaultValue: 5060,
    doc: "SIP port (UDP and TCP share it); 0 picks a free one.",
  } satisfies KeySpec<number>,
  {
    path: "sip.transports",
    kind: oneOf<SipTransports>("udp+tcp", "udp", "tcp"),
    defaultValue: "udp+tcp" as SipTransports,
    doc: "Which SIP transports to listen on.",
  } satisfies KeySpec<SipTransports>,
  {
    path: "sip.realm",
    kind: realm,
    defaultValue: "council",
    doc: "Digest authentication realm (REGISTER and INVITE challenges).",
  } satisfies KeySpec<string>,
  {
    path: "sip.digestAlgorithms",
    kind: oneOf<SipDigest>("SHA-256,MD5", "MD5,SHA-256", "SHA-256", "MD5"),
    defaultValue: "MD5,SHA-256" as SipDigest,
    doc:
      "Digest challenges, one WWW-Authenticate each, in this order (RFC 8760). MD5 first by default: phones that read only the first challenge and lack SHA-256 (SIPp 3.6, older pjsip) answer it, RFC 8760 phones pick the first they support; baresip before 3.12 is offered MD5 alone (it refuses a 401 naming any other algorithm). SHA-256,MD5 for phones that all do SHA-256 (docs/sip.md).",
  } satisfies KeySpec<SipDigest>,
  {
    path: "sip.media",
    kind: oneOf<SipMedia>("mix", "none"),
    defaultValue: "mix" as SipMedia,
    doc:
      `"mix": every SIP call gets a media endpoint in its room's mix; "none": signalling only (load tests).`,
  } satisfies KeySpec<SipMedia>,
  {
    path: "sip.authPerSourcePerSec",
    kind: integer(1, 1_000_000),
    defaultValue: 10,
    doc:
      "Challenged requests (REGISTER, digest INVITE) per second from one source address (burst twice that), before any digest work; more get 503 with Retry-After.",
  } satisfies KeySpec<number>,
  {
    path: "sip.lockoutFailures",
    kind: integer(1, 1000),
    defaultValue: 5,
    doc:
      "Failed digest answers for one user name, from all sources together, that lock it; a locked name gets 503 with Retry-After and its password is not checked.",
  } satisfies KeySpec<number>,
  {
    path: "sip.lockoutMs",
    kind: integer(0, 86_400_000, "milliseconds"),
    defaultValue: 1000,
    doc: "The first lock of a user name; each further lock doubles, up to sip.lockoutMaxMs.",
  } satisfies KeySpec<number>,
  {
    path: "sip.lockoutMaxMs",
    kind: integer(0, 86_400_000, "milliseconds"),
    defaultValue: 300_000,
    doc: "The longest lock; a name quiet for twice this starts again from sip.lockoutMs.",
  } satisfies KeySpec<number>,
  {
    path: "sip.tlsPort",
    kind: integer(0, 65535, "a port"),
    defaultValue: 5061,
    doc: "SIP over TLS port (RFC 3261 26.2, `sips:`); 0 picks a free one.",
  } satisfies KeySpec<number>,
  {
    path: "sip.tls",
    kind: oneOf<SipTls>("on", "off"),
    defaultValue: "on" as SipTls,
    doc: "Whether SIP over TLS listens (rooms that require encryption need it).",
  } satisfies KeySpec<SipTls>,
  {
    path: "sip.tlsCert",
    kind: optionalPath,
    defaultValue: "",
    doc:
      "PEM certificate for SIP over TLS; empty: one generated on first start beside the KV file (sip-tls.crt) and kept.",
  } satisfies KeySpec<string>,
  {
    path: "sip.tlsKey",
    kind: optionalPath,
    defaultValue: "",
    doc: "PEM private key for sip.tlsCert (must be 0600); empty with sip.tlsCert empty.",
  } satisfies KeySpec<string>,
  {
    path: "h323.host",
    kind: host,
    defaultValue: "127.0.0.1",
    doc: "IPv4 address the H.323 gatekeeper (RAS) and call signalling listen on and announce.",
  } satisfies KeySpec<string>,
  {
    path: "h323.rasPort",
    kind: integer(0, 65535, "a port"),
    defaultValue: 1719,
    doc: "H.225.0 RAS port (UDP); 0 picks a free one.",
  } satisfies KeySpec<number>,
  {
    path: "h323.callSignalPort",
    kind: integer(0, 65535, "a port"),
    defaultValue: 1720,
    doc: "H.225.0 call signalling port (TCP), announced in RCF and ACF; 0 picks a free one.",
  } satisfies KeySpec<number>,
  {
    path: "h323.gatekeeperId",
    kind: realm,
    defaultValue: "Council",
    doc: "The gatekeeper identifier sent in GCF/RCF; GRQs and RRQs naming another are refused.",
  } satisfies KeySpec<string>,
  {
    path: "h323.video",
    kind: oneOf<H323Video>("off", "on"),
    defaultValue: "off" as H323Video,
    doc:
      `"on": H.264 and H.263 receive capabilities are advertised in H.245 (video channels are still refused until video forwarding lands).`,
  } satisfies KeySpec<H323Video>,
  {
    path: "h323.timeToLive",
    kind: integer(30, 86_400, "seconds"),
    defaultValue: 300,
    doc: "Longest registration granted (RCF timeToLive); endpoints re-register before it lapses.",
  } satisfies KeySpec<number>,
  {
    path: "h323.h235WindowSec",
    kind: integer(5, 3600, "seconds"),
    defaultValue: 60,
    doc:
      "How far an H.235.1 timeStamp (or a Council RAS token's time) may be from the gatekeeper's clock; replays are refused within twice this.",
  } satisfies KeySpec<number>,
  {
    path: "h323.neighbours",
    kind: neighbours,
    defaultValue: "",
    doc:
      `Gatekeepers whose LRQs are answered: "host[:port][=password]", comma-separated; with a password their LRQs must carry H.235.1 with it. Empty: none.`,
  } satisfies KeySpec<string>,
  {
    path: "h323.lrqFrom",
    kind: oneOf<H323LrqFrom>("neighbours", "anyone"),
    defaultValue: "neighbours" as H323LrqFrom,
    doc:
      `Who gets an LCF: "neighbours" (h323.neighbours only; others get LRJ securityDenial) or "anyone".`,
  } satisfies KeySpec<H323LrqFrom>,
  {
    path: "h323.upstream",
    kind: upstream,
    defaultValue: "",
    doc:
      `A gatekeeper Council registers with as an MCU whose aliases are its rooms (council-<room>), "host[:port]" (port 1719 when absent); its zone's calls to a room then reach Council, each admitted by an ARQ to it. Empty: none.`,
  } satisfies KeySpec<string>,
  {
    path: "h323.upstreamId",
    kind: optionalH323Id,
    defaultValue: "",
    doc: "That gatekeeper's identifier; empty: learnt from its GCF (Council sends a GRQ first).",
  } satisfies KeySpec<string>,
  {
    path: "h323.upstreamName",
    kind: h323Id,
    defaultValue: "council",
    doc:
      "The H.323 ID Council registers under first (the gatekeeper finds Council's password by it); the rooms' aliases follow.",
  } satisfies KeySpec<string>,
  {
    path: "h323.upstreamPasswordFile",
    kind: optionalPath,
    defaultValue: "",
    doc:
      "File (mode 0600) holding the H.235.1 password the upstream gatekeeper keeps for upstreamName; every RAS message to it is then proven, and its answers that carry a token must verify. Empty: no password.",
  } satisfies KeySpec<string>,
  {
    path: "h323.trustRouted",
    kind: oneOf<H323TrustRouted>("off", "aliases"),
    defaultValue: "off" as H323TrustRouted,
    doc:
      `Calls the upstream gatekeeper or a configured neighbour routes through itself (the Setup comes from its address): "aliases" admits a caller whose h323-ID names an active guardian as that guardian, vouched by the gatekeeper (a password-class proof: the call types guard's passwordCallTypes allow); "off": such callers need Council's token or the room's PIN.`,
  } satisfies KeySpec<H323TrustRouted>,
  {
    path: "h323.mediaTimeoutSec",
    kind: integer(2, 300, "seconds"),
    defaultValue: 30,
    doc:
      "How long a connected call may go without agreeing media (no Fast Start, no acknowledged logical channel) before Council releases it (cause 102) and frees its admission and port.",
  } satisfies KeySpec<number>,
  {
    path: "h323.rasPerSourcePerSec",
    kind: integer(1, 1_000_000),
    defaultValue: 2000,
    doc:
      "RAS requests per second taken from one source address (burst twice that) before any check; more are dropped and counted.",
  } satisfies KeySpec<number>,
  {
    path: "h323.rasPerIdentityPerSec",
    kind: integer(1, 1_000_000),
    defaultValue: 200,
    doc:
      "RAS requests per second for one claimed alias or endpoint (burst twice that) before any HMAC or signature check; more are dropped and counted.",
  } satisfies KeySpec<number>,
  {
    path: "webrtc.workers",
    kind: integer(0, 256),
    defaultValue: 0,
    doc:
      "mediasoup worker processes (one Router per room on the least loaded); 0: one per CPU core.",
  } satisfies KeySpec<number>,
  {
    path: "webrtc.workerBin",
    kind: optionalPath,
    defaultValue: "",
    doc:
      "The mediasoup worker binary. Empty: `$MEDIASOUP_WORKER_BIN`, else the one `deno task setup` built in `~/.cache/council/mediasoup-<version>/`.",
  } satisfies KeySpec<string>,
  {
    path: "webrtc.listenIp",
    kind: host,
    defaultValue: "127.0.0.1",
    doc: "Address browsers' ICE candidates (UDP and TCP) are bound to.",
  } satisfies KeySpec<string>,
  {
    path: "webrtc.announcedAddress",
    kind: optionalHost,
    defaultValue: "",
    doc:
      "Address announced in ICE candidates when browsers reach Council through NAT; empty: listenIp.",
  } satisfies KeySpec<string>,
  {
    path: "webrtc.rtcPortMin",
    kind: integer(1024, 65534, "a UDP port"),
    defaultValue: 50000,
    doc:
      "Lowest port of the mediasoup workers (one UDP and one TCP port each, plus one per audio bridge).",
  } satisfies KeySpec<number>,
  {
    path: "webrtc.rtcPortMax",
    kind: integer(1025, 65535, "a UDP port"),
    defaultValue: 59999,
    doc: "Highest port of the mediasoup workers.",
  } satisfies KeySpec<number>,
  {
    path: "webrtc.heartbeatMs",
    kind: integer(500, 60_000),
    defaultValue: 2500,
    doc:
      "WebSocket heartbeat: a ping after this much silence; a socket silent for three is dropped.",
  } satisfies KeySpec<number>,
  {
    path: "webrtc.resumeWindowMs",
    kind: integer(0, 600_000),
    defaultValue: 30_000,
    doc: "How long a browser whose socket dropped keeps its seat and media, waiting to resume.",
  } satisfies KeySpec<number>,
  {
    path: "webrtc.maxMessageBytes",
    kind: integer(1024, 1_048_576),
    defaultValue: 65_536,
    doc: "Largest WebSocket message accepted; a larger one closes the socket (1009).",
  } satisfies KeySpec<number>,
  {
    path: "cost.currency",
    kind: currency,
    defaultValue: "USD",
    doc: "Currency of the rate card and of every cost figure.",
  } satisfies KeySpec<string>,
  {
    path: "cost.sipPerMinute",
    kind: price,
    defaultValue: 0.004,
    doc: "Rate card: price of a minute of a SIP leg in a room.",
  } satisfies KeySpec<number>,
  {
    path: "cost.h323PerMinute",
    kind: price,
    defaultValue: 0.004,
    doc: "Rate card: price of a minute of an H.323 leg in a room.",
  } satisfies KeySpec<number>,
  {
    path: "cost.webrtcPerMinute",
    kind: price,
    defaultValue: 0.003,
    doc: "Rate card: price of a minute of a browser (WebRTC) leg in a room.",
  } satisfies KeySpec<number>,
  {
    path: "cost.trunkPerMinute",
    kind: price,
    defaultValue: 0.01,
    doc: "Rate card: price of a minute of a gateway call (SIP <-> H.323, a PSTN-like trunk).",
  } satisfies KeySpec<number>,
  {
    path: "cost.transcodedPerMinute",
    kind: price,
    defaultValue: 0.002,
    doc:
      "Rate card: added price of a leg minute while its room holds other codecs (Council converts its audio).",
  } satisfies KeySpec<number>,
  {
    path: "cost.recordedPerMinute",
    kind: price,
    defaultValue: 0.001,
    doc:
      "Rate card: added price of a recorded leg minute (no leg is recorded yet: always 0 minutes).",
  } satisfies KeySpec<number>,
  {
    path: "cost.meterIntervalMs",
    kind: integer(100, 60_000),
    defaultValue: 1000,
    doc: "How often legs are metered and budgets checked.",
  } satisfies KeySpec<number>,
  {
    path: "cost.reportIntervalSec",
    kind: integer(10, 86_400),
    defaultValue: 600,
    doc: "How often a cost report is published (event, log) and witnessed.",
  } satisfies KeySpec<number>,
  {
    path: "cost.webhookUrl",
    kind: webhook,
    defaultValue: "",
    doc: "Where budget alerts are POSTed as JSON (retried with backoff); empty: no webhook.",
  } satisfies KeySpec<string>,
  {
    path: "shutdown.timeoutMs",
    kind: integer(100, 600_000),
    defaultValue: 10_000,
    doc: "How long a graceful shutdown may take before the process exits with code 1.",
  } satisfies KeySpec<number>,
  {
    path: "limits.fdReserve",
    kind: integer(16, 1_000_000),
    defaultValue: 128,
    doc:
      "Descriptors kept free of connections for storage, media sockets, worker pipes and outbound calls; the connection caps are scaled down to fit RLIMIT_NOFILE minus this (docs/operations.md, Limits).",
  } satisfies KeySpec<number>,
  {
    path: "limits.httpConnections",
    kind: integer(1, 1_000_000),
    defaultValue: 512,
    doc: "Open HTTP connections at most (WebSockets included); more get 503 at accept.",
  } satisfies KeySpec<number>,
  {
    path: "limits.httpPerSource",
    kind: integer(1, 1_000_000),
    defaultValue: 64,
    doc: "Open HTTP connections from one source address at most.",
  } satisfies KeySpec<number>,
  {
    path: "limits.wsConnections",
    kind: integer(1, 1_000_000),
    defaultValue: 256,
    doc: "Open WebSockets (/ws, /api/v1/events) at most; more get 503.",
  } satisfies KeySpec<number>,
  {
    path: "limits.wsPerSource",
    kind: integer(1, 1_000_000),
    defaultValue: 32,
    doc: "Open WebSockets from one source address at most.",
  } satisfies KeySpec<number>,
  {
    path: "limits.httpHeaderTimeoutSec",
    kind: integer(1, 3600),
    defaultValue: 10,
    doc: "A request head must be complete this many seconds after its first byte (or the accept).",
  } satisfies KeySpec<number>,
  {
    path: "limits.httpBodyTimeoutSec",
    kind: integer(1, 3600),
    defaultValue: 30,
    doc: "A request body must be complete this many seconds after its head.",
  } satisfies KeySpec<number>,
  {
    path: "limits.httpIdleTimeoutSec",
    kind: integer(1, 3600),
    defaultValue: 60,
    doc:
      "A keep-alive connection with no request in progress is closed after this many idle seconds (keep it above 15: event streams send a keepalive every 15 s).",
  } satisfies KeySpec<number>,
  {
    path: "limits.sipTcpConnections",
    kind: integer(1, 1_000_000),
    defaultValue: 1024,
    doc: "Open SIP/TCP connections at most; more are closed at accept.",
  } satisfies KeySpec<number>,
  {
    path: "limits.sipTcpPerSource",
    kind: integer(1, 1_000_000),
    defaultValue: 64,
    doc: "Open SIP/TCP connections from one source address at most.",
  } satisfies KeySpec<number>,
  {
    path: "limits.sipTcpIdleSec",
    kind: integer(1, 86_400),
    defaultValue: 120,
    doc:
      "A SIP/TCP connection with no complete message (a CRLF keep-alive counts) for this many seconds is closed, unless it carries a call in progress (RFC 5626's default Flow-Timer is 120).",
  } satisfies KeySpec<number>,
  {
    path: "limits.h225Connections",
    kind: integer(1, 1_000_000),
    defaultValue: 1024,
    doc: "Open H.225 call signalling connections at most (each may add an H.245 channel).",
  } satisfies KeySpec<number>,
  {
    path: "limits.h225PerSource",
    kind: integer(1, 1_000_000),
    defaultValue: 64,
    doc: "Open H.225 call signalling connections from one source address at most.",
  } satisfies KeySpec<number>,
  {
    path: "limits.h225IdleSec",
    kind: integer(1, 86_400),
    defaultValue: 60,
    doc:
      "An H.225 (or separate H.245) connection with no complete message for this many seconds is closed, unless it carries a call in progress.",
  } satisfies KeySpec<number>,
  {
    path: "limits.tcpFirstMessageSec",
    kind: integer(1, 3600),
    defaultValue: 10,
    doc:
      "A new SIP/TCP or H.225 connection must deliver its first complete message within this many seconds.",
  } satisfies KeySpec<number>,
] as const;

/** The environment variable for a key: "shutdown.timeoutMs" -> COUNCIL_SHUTDOWN_TIMEOUT_MS. */
export function envName(keyPath: string): string {
  return "COUNCIL_" +
    keyPath.split(".").map((part) => part.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase())
      .join("_");
}

/** Names the file to read; not a config key itself. */
export const CONFIG_FILE_ENV = "COUNCIL_CONFIG";
/**
 * COUNCIL_* variables that are not settings: the config file, the build cache
 * (scripts/setup, the mediasoup worker) and the folder a single-file build runs from.
 */
export const NOT_SETTINGS: ReadonlySet<string> = new Set([
  CONFIG_FILE_ENV,
  "COUNCIL_CACHE_DIR",
  "COUNCIL_DIST",
]);
export const DEFAULT_CONFIG_FILE = "council.json";
