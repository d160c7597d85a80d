// Audio offer/answer (RFC 3264 over RFC 8866 SDP), parsed and written with
// sdp-transform; the choices are ours: the offerer's first codec the room allows,
// telephone-event (RFC 4733) kept when offered, direction mirrored (hold),
// unsupported streams declined with port 0. Every refusal is an SdpError whose
// code the SIP stack maps to 488 and H.323 to a capability failure.

import type { Codec } from "../../guard/mod.ts";
import { CODEC_INFO } from "../codecs/catalog.ts";
import { parse, type SdpMedia, type SdpSession, write } from "./_sdp_transform.ts";
import type { SrtpSuite } from "../../native/srtp.ts";
import { chooseCrypto, cryptoLine, isSecureProfile, newSrtpKey, type SrtpKeys } from "./sdes.ts";

/**
 * SRTP for a leg: "off" answers plain RTP only (a secure-only offer is refused),
 * "optional" takes SRTP when the offer carries a usable key, "required" refuses
 * an offer without one (policy for rooms and call types that demand it).
 */
export type SrtpMode = "off" | "optional" | "required";

export const MAX_SDP_BYTES = 16 * 1024;

export type Direction = "sendrecv" | "sendonly" | "recvonly" | "inactive";

export class SdpError extends Error {
  override name = "SdpError";
  constructor(
    readonly code: "MALFORMED" | "NO_AUDIO" | "NO_COMMON_CODEC" | "UNSUPPORTED_TRANSPORT",
    message: string,
  ) {
    super(message);
  }
}

const CODECS = CODEC_INFO;
const STATIC_NAMES = new Map(
  Object.entries(CODECS).filter(([, c]) => c.staticPt !== undefined).map((
    [name, c],
  ) => [c.staticPt!, name as Codec]),
);

export interface Endpoint {
  address: string;
  port: number;
}

/**
 * The RTP header extension that carries Council's stream chains (docs/provenance.md,
 * "On the wire"); a leg whose offer names it (a=extmap) gets it in the answer.
 */
export const PROVENANCE_EXT_URI = "urn:ifcouncil:params:rtp-hdrext:provenance:v1";

/**
 * A media attribute by which a peer says it signs what it sends (docs/provenance.md,
 * "SIP and H.323 members"): `a=ifcouncil-signed:<stream id, 32 hex>`, its chain in
 * the same header extension element as Council's, under the provenance a=extmap ID.
 */
export const SIGNED_STREAM_ATTRIBUTE = "ifcouncil-signed";

/** The stream id a peer's audio m= line says it signs under, if it does; throws on a bad one. */
function signedStreamOf(audio: SdpMedia, extId: number | undefined): Uint8Array | undefined {
  const lines = (audio.invalid ?? []).map((i) => String(i.value))
    .filter((v) => v.startsWith(`${SIGNED_STREAM_ATTRIBUTE}:`));
  if (lines.length === 0) return undefined;
  const hex = lines[0].slice(SIGNED_STREAM_ATTRIBUTE.length + 1).trim();
  if (lines.length > 1 || !/^[0-9a-f]{32}$/i.test(hex)) {
    throw new SdpError(
      "MALFORMED",
      `a=${SIGNED_STREAM_ATTRIBUTE} takes one stream id of 32 hex digits`,
    );
  }
  if (extId === undefined) {
    throw new SdpError(
      "MALFORMED",
      `a=${SIGNED_STREAM_ATTRIBUTE} needs a=extmap with ${PROVENANCE_EXT_URI} on the same m= line`,
    );
  }
  return new Uint8Array(hex.match(/../g)!.map((b) => parseInt(b, 16)));
}

export interface AudioAgreement {
  codec: Codec;
  payloadType: number;
  clockRate: number;
  /** fmtp of the chosen format, as agreed (e.g. G.729 annexb, Opus FEC). */
  fmtp?: string;
  /** RFC 4733 telephone-event payload type, when both sides have it. */
  dtmfPayloadType?: number;
  ptime: number;
  /** Our direction toward the peer. */
  direction: Direction;
  remote: Endpoint;
  /** SRTP keys when the stream is encrypted (RFC 4568 SDES). */
  srtp?: SrtpKeys;
  /** The a=extmap ID of Council's provenance extension, when the peer offered it. */
  provenanceExtId?: number;
  /** The stream id of the chain the peer signs what it sends with (a=ifcouncil-signed). */
  signedStreamId?: Uint8Array;
}

/** Parses and validates SDP text; bounded in size, every refusal explained. */
export function parseSdp(text: string): SdpSession {
  if (new TextEncoder().encode(text).length > MAX_SDP_BYTES) {
    throw new SdpError("MALFORMED", `SDP larger than ${MAX_SDP_BYTES} bytes`);
  }
  if (!/^v=0\r?\n/.test(text)) throw new SdpError("MALFORMED", "SDP must start with v=0");
  let session: SdpSession;
  try {
    session = parse(text);
  } catch (err) {
    throw new SdpError("MALFORMED", `SDP does not parse: ${(err as Error).message}`);
  }
  if (!session.origin) throw new SdpError("MALFORMED", "SDP has no o= line");
  if (!session.media?.length) throw new SdpError("NO_AUDIO", "SDP has no m= line");
  for (const [i, m] of session.media.entries()) {
    if (!Number.isInteger(m.port) || m.port < 0 || m.port > 65535) {
      throw new SdpError("MALFORMED", `m= line ${i + 1} has port ${m.port}`);
    }
  }
  return session;
}

interface OfferedFormat {
  pt: number;
  codec?: Codec;
  name: string;
  rate: number;
  fmtp?: string;
}

function formats(m: SdpMedia): OfferedFormat[] {
  const pts = String(m.payloads ?? "").trim().split(/\s+/).filter(Boolean).map(Number);
  return pts.filter((pt) => Number.isInteger(pt) && pt >= 0 && pt <= 127).map((pt) => {
    const rtp = m.rtp?.find((r) => r.payload === pt);
    const fmtp = m.fmtp?.find((f) => f.payload === pt)?.config;
    const name = rtp?.codec ?? (STATIC_NAMES.get(pt) ? CODECS[STATIC_NAMES.get(pt)!].rtpName : "");
    const rate = rtp?.rate ?? 8000;
    const codec = (Object.keys(CODECS) as Codec[]).find((c) =>
      CODECS[c].rtpName.toLowerCase() === name.toLowerCase() && CODECS[c].clockRate === rate
    );
    return { pt, codec, name, rate, fmtp };
  });
}

/** The session-level lines every SDP Council writes (o=, s=, c=, t=). */
function sessionHeader(
  local: Endpoint,
  sessionId: number | undefined,
  username = "council",
): SdpSession {
  const ipVer = local.address.includes(":") ? 6 : 4;
  return {
    version: 0,
    origin: {
      username,
      sessionId: sessionId ?? Date.now(),
      sessionVersion: 1,
      netType: "IN",
      ipVer,
      address: local.address,
    },
    name: "Council",
    connection: { version: ipVer, ip: local.address },
    timing: { start: 0, stop: 0 },
  };
}

function rtpmap(codec: Codec, payload: number) {
  const spec = CODECS[codec];
  return {
    payload,
    codec: spec.rtpName,
    rate: spec.clockRate,
    ...(spec.channels ? { encoding: spec.channels } : {}),
  };
}

function mirror(d: Direction): Direction {
  return d === "sendonly" ? "recvonly" : d === "recvonly" ? "sendonly" : d;
}

function connectionOf(session: SdpSession, m: SdpMedia): string {
  const ip = m.connection?.ip ?? session.connection?.ip;
  if (!ip) throw new SdpError("MALFORMED", "no c= line for the audio stream");
  return ip;
}

/**
 * Answers an offer for a room that allows `allowed`. Returns the answer text and
 * what was agreed for the first audio stream; other streams are declined.
 */
export function answerOffer(
  offerText: string,
  opts: {
    allowed: readonly Codec[];
    local: Endpoint;
    sessionId?: number;
    username?: string;
    srtp?: SrtpMode;
  },
): { answer: string; agreement: AudioAgreement } {
  const offer = parseSdp(offerText);
  const media = offer.media!;
  const audioIndex = media.findIndex((m) => m.type === "audio" && m.port !== 0);
  if (audioIndex < 0) throw new SdpError("NO_AUDIO", "the offer has no active audio stream");
  const audio = media[audioIndex];
  const secure = isSecureProfile(audio.protocol);
  if (!secure && !/^RTP\/AVPF?$/.test(audio.protocol)) {
    throw new SdpError(
      "UNSUPPORTED_TRANSPORT",
      `transport ${audio.protocol} is not supported (RTP/AVP, RTP/SAVP with SDES)`,
    );
  }
  const srtp = answerSrtp(audio, secure, opts.srtp ?? "off");
  const offered = formats(audio);
  const chosen = offered.find((f) => f.codec && opts.allowed.includes(f.codec));
  if (!chosen) {
    const names = offered.map((f) => f.name || String(f.pt)).join(", ");
    throw new SdpError(
      "NO_COMMON_CODEC",
      `no common codec: offered ${names}; allowed ${opts.allowed.join(", ")}`,
    );
  }
  const dtmf = offered.find((f) => f.name.toLowerCase() === "telephone-event" && f.rate === 8000);
  const remoteIp = connectionOf(offer, audio);
  const held = remoteIp === "0.0.0.0" || remoteIp === "::";
  const direction: Direction = held
    ? "inactive"
    : mirror(audio.direction ?? offer.direction ?? "sendrecv");
  const ptime = audio.ptime && audio.ptime >= 10 && audio.ptime <= 120 ? audio.ptime : 20;
  const codec = chosen.codec!;
  const spec = CODECS[codec];
  const fmtp = codec === "G729"
    ? (chosen.fmtp ?? "annexb=yes")
    : codec === "opus"
    ? spec.fmtp
    : undefined;

  // RFC 8285 section 6: an offered extension is accepted by answering its ID and URI.
  const provenance = audio.ext?.find((e) =>
    e.uri === PROVENANCE_EXT_URI && e.value >= 1 && e.value <= 255
  );
  const signedStreamId = signedStreamOf(audio, provenance?.value);
  const answerAudio: SdpMedia = {
    type: "audio",
    port: opts.local.port,
    // The profile answered is the one offered (RFC 3264 6); AVPF feedback is not used.
    protocol: secure ? "RTP/SAVP" : "RTP/AVP",
    ...(srtp ? { crypto: [cryptoLine(srtp.id, srtp.keys.suite, srtp.keys.outbound)] } : {}),
    payloads: [chosen.pt, ...(dtmf ? [dtmf.pt] : [])].join(" "),
    rtp: [
      {
        payload: chosen.pt,
        codec: spec.rtpName,
        rate: spec.clockRate,
        ...(spec.channels ? { encoding: spec.channels } : {}),
      },
      ...(dtmf ? [{ payload: dtmf.pt, codec: "telephone-event", rate: 8000 }] : []),
    ],
    fmtp: [
      ...(fmtp ? [{ payload: chosen.pt, config: fmtp }] : []),
      ...(dtmf ? [{ payload: dtmf.pt, config: "0-16" }] : []),
    ],
    ptime,
    direction,
    ...(provenance ? { ext: [{ value: provenance.value, uri: PROVENANCE_EXT_URI }] } : {}),
  };
  const answer: SdpSession = {
    ...sessionHeader(opts.local, opts.sessionId, opts.username),
    // RFC 3264 section 6: one m= line per offered one, in order; declined ones get port 0.
    media: media.map((m, i) =>
      i === audioIndex ? answerAudio : {
        type: m.type,
        port: 0,
        protocol: m.protocol,
        payloads: String(m.payloads ?? "").split(/\s+/)[0] || "0",
      }
    ),
  };
  return {
    answer: write(answer),
    agreement: {
      codec,
      payloadType: chosen.pt,
      clockRate: spec.clockRate,
      fmtp,
      dtmfPayloadType: dtmf?.pt,
      ptime,
      direction,
      remote: { address: remoteIp, port: audio.port },
      ...(srtp ? { srtp: srtp.keys } : {}),
      ...(provenance ? { provenanceExtId: provenance.value } : {}),
      ...(signedStreamId ? { signedStreamId } : {}),
    },
  };
}

/** The SRTP keys to answer an offer with, or undefined for plain RTP; refuses what mode forbids. */
function answerSrtp(
  audio: SdpMedia,
  secure: boolean,
  mode: SrtpMode,
): { id: number; keys: SrtpKeys } | undefined {
  if (!secure && (!audio.crypto?.length || mode === "off")) {
    if (mode === "required") {
      throw new SdpError("UNSUPPORTED_TRANSPORT", "this call requires SRTP (RTP/SAVP with SDES)");
    }
    return undefined;
  }
  if (mode === "off") {
    throw new SdpError(
      "UNSUPPORTED_TRANSPORT",
      `${audio.protocol} (SRTP) is not enabled here; offer RTP/AVP`,
    );
  }
  const chosen = chooseCrypto(audio.crypto);
  if (!chosen.ok) {
    // Best-effort SRTP (crypto lines in RTP/AVP) falls back to plain RTP when allowed.
    if (!secure && mode === "optional") return undefined;
    throw new SdpError("UNSUPPORTED_TRANSPORT", `no usable SRTP key: ${chosen.why}`);
  }
  return {
    id: chosen.id,
    keys: { suite: chosen.suite, inbound: chosen.key, outbound: newSrtpKey() },
  };
}

/** An offer for an outbound call: our codecs in preference order, with RFC 4733 events. */
export function createOffer(
  opts: {
    codecs: readonly Codec[];
    local: Endpoint;
    sessionId?: number;
    ptime?: number;
    /** Council's SRTP key: the offer is RTP/SAVP with it (RFC 4568). */
    srtp?: { suite: SrtpSuite; key: Uint8Array };
  },
): string {
  let dynamic = 96;
  // L16 is the agents' format (docs/agent.md): taken when a phone offers it, never offered.
  const entries = opts.codecs.filter((codec) => CODECS[codec].offered !== false)
    .map((codec) => ({ codec, pt: CODECS[codec].staticPt ?? dynamic++ }));
  const dtmfPt = dynamic++;
  const session: SdpSession = {
    ...sessionHeader(opts.local, opts.sessionId),
    media: [{
      type: "audio",
      port: opts.local.port,
      protocol: opts.srtp ? "RTP/SAVP" : "RTP/AVP",
      ...(opts.srtp ? { crypto: [cryptoLine(1, opts.srtp.suite, opts.srtp.key)] } : {}),
      payloads: [...entries.map((e) => e.pt), dtmfPt].join(" "),
      rtp: [...entries.map(({ codec, pt }) => rtpmap(codec, pt)), {
        payload: dtmfPt,
        codec: "telephone-event",
        rate: 8000,
      }],
      fmtp: [
        ...entries.filter((e) => CODECS[e.codec].fmtp).map((e) => ({
          payload: e.pt,
          config: CODECS[e.codec].fmtp!,
        })),
        { payload: dtmfPt, config: "0-16" },
      ],
      ptime: opts.ptime ?? 20,
      direction: "sendrecv",
    }],
  };
  return write(session);
}

/** The Council codecs an offer lists, in the offerer's order of preference. */
export function offeredCodecs(offerText: string): Codec[] {
  const offer = parseSdp(offerText);
  const audio = offer.media!.find((m) => m.type === "audio" && m.port !== 0);
  if (!audio) throw new SdpError("NO_AUDIO", "the offer has no active audio stream");
  const out: Codec[] = [];
  for (const f of formats(audio)) if (f.codec && !out.includes(f.codec)) out.push(f.codec);
  return out;
}

/**
 * Reads the answer to an offer Council made (createOffer): what the peer chose.
 * With `srtp` (the key Council offered) the answer must carry a usable key of the
 * same suite.
 */
export function acceptAnswer(
  answerText: string,
  offered: readonly Codec[],
  srtp?: { suite: SrtpSuite; key: Uint8Array },
): AudioAgreement {
  const answer = parseSdp(answerText);
  const audio = answer.media!.find((m) => m.type === "audio" && m.port !== 0);
  if (!audio) throw new SdpError("NO_AUDIO", "the answer declined the audio stream");
  let keys: SrtpKeys | undefined;
  if (srtp) {
    const chosen = chooseCrypto(audio.crypto);
    if (!isSecureProfile(audio.protocol) || !chosen.ok || chosen.suite !== srtp.suite) {
      throw new SdpError(
        "UNSUPPORTED_TRANSPORT",
        `the answer does not accept SRTP: ${chosen.ok ? audio.protocol : chosen.why}`,
      );
    }
    keys = { suite: srtp.suite, inbound: chosen.key, outbound: srtp.key };
  }
  const chosen = formats(audio).find((f) => f.codec && offered.includes(f.codec));
  if (!chosen) throw new SdpError("NO_COMMON_CODEC", "the answer chose no codec that was offered");
  const dtmf = formats(audio).find((f) => f.name.toLowerCase() === "telephone-event");
  const remoteIp = connectionOf(answer, audio);
  const held = remoteIp === "0.0.0.0" || remoteIp === "::";
  const codec = chosen.codec!;
  return {
    codec,
    payloadType: chosen.pt,
    clockRate: CODECS[codec].clockRate,
    fmtp: chosen.fmtp ?? CODECS[codec].fmtp,
    dtmfPayloadType: dtmf?.pt,
    ptime: audio.ptime && audio.ptime >= 10 && audio.ptime <= 120 ? audio.ptime : 20,
    direction: held ? "inactive" : mirror(audio.direction ?? answer.direction ?? "sendrecv"),
    remote: { address: remoteIp, port: audio.port },
    ...(keys ? { srtp: keys } : {}),
  };
}
