// Broadcast feeds (issue 26, "broadcast ingest and output"): an external program
// feed joins a room as a member, and a room's mix goes out to production tools, as
// plain RTP described by SDP (what ffmpeg, GStreamer, OBS or a hardware encoder
// speak). An operator adds each feed (bearer token; witnessed with who and where):
//
//   in   Council listens on a port for the feed's RTP, from the source host the
//        operator named only (the media source lock), and mixes it like a member
//        who talks; the answer carries the SDP to send with.
//   out  Council sends the room's full mix (everyone who talks) to the target, as a
//        member who only listens; the answer carries the SDP to receive with.
//
// A feed is no guardian: it is named `if://feed/<name>`, counts against the room's
// capacity, is listed and metered like a member (as a trunk), and is removed by the
// operator, with its room, or when an ingest feed falls silent (media.inactivity).
//
// Over SRT (`transport: "srt"`) the same feed's audio is raw 16 kHz PCM in SRT
// messages, through Debian's libsrt (media/srt_bridge.ts): in, Council listens
// for the far end's call (from the source host only); out, Council calls the far
// end's listener. The answer carries the srt:// URL for the far end instead of SDP.

import type { Codec } from "../guard/mod.ts";
import type { MediaEngine, MediaEvent } from "../media/engine/mod.ts";
import { CODEC_INFO, L16_PAYLOAD_TYPE } from "../media/codecs/catalog.ts";
import { SrtFeeds, SrtUnavailable } from "./srt_feeds.ts";
import { loadNdi, NdiUnavailable } from "../native/ndi.ts";
import type { Logger } from "../telemetry/mod.ts";
import type { WitnessLog } from "../witness/mod.ts";
import type { Rooms } from "./mod.ts";

export const FEED_CODECS = ["opus", "PCMU", "PCMA", "G722"] as const satisfies readonly Codec[];
export type FeedCodec = typeof FEED_CODECS[number];
const DYNAMIC_PT: Partial<Record<Codec, number>> = { opus: 111 };
/** An ingest feed silent this long is removed (an output feed never hears anything back). */
const INGEST_SILENCE_MS = 30_000;
const OUTPUT_SILENCE_MS = 365 * 24 * 3600_000;
export const MAX_FEEDS_PER_ROOM = 4;
const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const IPV4_RE = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

export type FeedDirection = "in" | "out";
/** How the feed's audio travels: RTP described by SDP, SRT (raw 16 kHz PCM), or NDI. */
export type FeedTransport = "rtp" | "srt" | "ndi";

export interface FeedSpec {
  room: string;
  name: string;
  direction: FeedDirection;
  /** Default "rtp". */
  transport?: FeedTransport;
  codec?: FeedCodec;
  /** in: the host:port the feed sends from (its host is the only one taken). */
  source?: string;
  /** out: the host:port the mix is sent to. */
  target?: string;
}

export interface FeedInfo {
  id: string;
  room: string;
  name: string;
  direction: FeedDirection;
  transport: FeedTransport;
  /** The codec on the wire (RTP), or the leg's inside Council (SRT: L16, raw PCM outside). */
  codec: Codec;
  payloadType: number;
  /** Council's RTP port for the feed (SRT: its listener's port, in; the target's, out). */
  port: number;
  source?: string;
  target?: string;
  /** RTP: the SDP the far end uses: to send to Council (in), or to receive the mix (out). */
  sdp?: string;
  /** SRT: the URL the far end uses (ffmpeg's srt:// syntax), with the audio's format. */
  url?: string;
  addedAt: string;
}

export class FeedError extends Error {
  override name = "FeedError";
  constructor(message: string, readonly status: 400 | 404 | 409 | 503) {
    super(message);
  }
}

function hostPort(value: unknown, field: string): { address: string; port: number } {
  const m = typeof value === "string" ? /^([0-9.]+):(\d{1,5})$/.exec(value) : null;
  const port = m ? Number(m[2]) : NaN;
  if (!m || !IPV4_RE.test(m[1]) || !(port >= 1 && port <= 65535)) {
    throw new FeedError(`${field}: expected IPv4:port, e.g. 192.0.2.10:5004`, 400);
  }
  return { address: m[1], port };
}

/** The SDP of a feed's one audio stream (RFC 4566/8866), from the far end's view. */
export function feedSdp(o: {
  id: string;
  name: string;
  room: string;
  direction: FeedDirection;
  address: string;
  port: number;
  codec: FeedCodec;
  payloadType: number;
}): string {
  const info = CODEC_INFO[o.codec];
  const rtpmap = `${o.payloadType} ${info.rtpName}/${info.clockRate}${
    info.channels ? `/${info.channels}` : ""
  }`;
  return [
    "v=0",
    `o=council ${Date.now()} 1 IN IP4 ${o.address}`,
    `s=Council feed ${o.name} (room ${o.room}, ${o.direction === "in" ? "ingest" : "program out"})`,
    `c=IN IP4 ${o.address}`,
    "t=0 0",
    `m=audio ${o.port} RTP/AVP ${o.payloadType}`,
    `a=rtpmap:${rtpmap}`,
    ...(info.fmtp ? [`a=fmtp:${o.payloadType} ${info.fmtp}`] : []),
    // The far end's direction: it sends the ingest, it receives the program.
    o.direction === "in" ? "a=sendonly" : "a=recvonly",
    "",
  ].join("\r\n");
}

export class Feeds {
  readonly #feeds = new Map<string, FeedInfo>();
  readonly #off: () => void;
  /** SRT feeds' bridges, in a worker started with the first one. */
  readonly #srt = new SrtFeeds((feedId, reason) =>
    this.remove(feedId, `SRT failed: ${reason}`).catch((err) =>
      this.o.log.warn("feed removal failed", { feed: feedId, err })
    )
  );

  constructor(
    private readonly o: {
      rooms: Rooms;
      media: MediaEngine;
      witness: WitnessLog;
      /** The address Council's media is reached at (media.host). */
      mediaHost: string;
      log: Logger;
    },
  ) {
    o.rooms.registerStack({
      protocol: "feed",
      hangup: (legId, reason) => this.#hangup(legId, reason),
    });
    this.#off = o.media.on((e: MediaEvent) => {
      if (e.ev === "leg.dead" && this.#feeds.has(e.legId)) {
        this.remove(e.legId, e.reason).catch((err) =>
          o.log.warn("feed removal failed", { feed: e.legId, err })
        );
      }
    });
  }

  list(): FeedInfo[] {
    return [...this.#feeds.values()];
  }

  get(id: string): FeedInfo | undefined {
    return this.#feeds.get(id);
  }

  async add(spec: FeedSpec, by = "operator"): Promise<FeedInfo> {
    if (!NAME_RE.test(spec.name ?? "")) {
      throw new FeedError("name: expected 1-64 of a-z, 0-9, '.', '_', '-'", 400);
    }
    if (spec.direction !== "in" && spec.direction !== "out") {
      throw new FeedError('direction: expected "in" or "out"', 400);
    }
    const transport = spec.transport ?? "rtp";
    if (transport !== "rtp" && transport !== "srt" && transport !== "ndi") {
      throw new FeedError('transport: expected "rtp", "srt" or "ndi"', 400);
    }
    if (transport === "ndi") this.#ndi();
    if (transport === "srt" && spec.codec !== undefined) {
      throw new FeedError("codec: an SRT feed's audio is raw 16 kHz PCM (s16le); name none", 400);
    }
    const codec: Codec = transport === "srt" ? "L16" : spec.codec ?? "opus";
    if (transport === "rtp" && !(FEED_CODECS as readonly string[]).includes(codec)) {
      throw new FeedError(`codec: expected one of ${FEED_CODECS.join(", ")}`, 400);
    }
    const far = spec.direction === "in"
      ? hostPort(spec.source, "source")
      : hostPort(spec.target, "target");
    const inRoom = this.list().filter((f) => f.room === spec.room);
    if (inRoom.length >= MAX_FEEDS_PER_ROOM) {
      throw new FeedError(`${spec.room} has ${MAX_FEEDS_PER_ROOM} feeds already`, 409);
    }
    if (inRoom.some((f) => f.name === spec.name)) {
      throw new FeedError(`${spec.room} has a feed named ${spec.name} already`, 409);
    }
    const payloadType = transport === "srt"
      ? L16_PAYLOAD_TYPE
      : DYNAMIC_PT[codec] ?? CODEC_INFO[codec].staticPt!;
    const id = `feed-${crypto.randomUUID().slice(0, 8)}`;
    // Witnessed before media opens: a feed is in the log before it is heard.
    await this.o.witness.append("feed.added", {
      feedId: id,
      room: spec.room,
      name: spec.name,
      direction: spec.direction,
      transport,
      codec,
      [spec.direction === "in" ? "source" : "target"]: `${far.address}:${far.port}`,
      by,
    });
    if (transport === "srt") return await this.#addSrt(id, spec, far, by);
    const member = await this.o.rooms.join({
      room: spec.room,
      legId: id,
      guardianId: `if://feed/${spec.name}`,
      protocol: "feed",
      host: this.o.mediaHost,
      port: 0,
      codec: { codec, payloadType },
      remote: far,
      direction: spec.direction === "in" ? "recvonly" : "sendonly",
      // A program output listens only; an ingest talks and is not talked to.
      muted: spec.direction === "out",
      inactivityMs: spec.direction === "in" ? INGEST_SILENCE_MS : OUTPUT_SILENCE_MS,
    });
    const info: FeedInfo = {
      id,
      room: spec.room,
      name: spec.name,
      direction: spec.direction,
      transport,
      codec,
      payloadType,
      port: member.port,
      ...(spec.direction === "in"
        ? { source: `${far.address}:${far.port}` }
        : { target: `${far.address}:${far.port}` }),
      sdp: feedSdp({
        id,
        name: spec.name,
        room: spec.room,
        direction: spec.direction,
        address: spec.direction === "in" ? this.o.mediaHost : far.address,
        port: spec.direction === "in" ? member.port : far.port,
        codec: codec as FeedCodec,
        payloadType,
      }),
      addedAt: new Date().toISOString(),
    };
    this.#feeds.set(id, info);
    this.o.log.info("feed added", { feed: id, room: spec.room, direction: spec.direction });
    return info;
  }

  /**
   * NDI feeds: the runtime is looked for when one is asked for (native/ndi.ts). Where
   * it is absent (here: it is not installable) the feed is refused saying so. Where
   * it is present, the sender and receiver over the runtime's audio frames are not
   * built yet: refused with that reason, not pretended.
   */
  #ndi(): never {
    let version: string;
    try {
      version = loadNdi();
    } catch (err) {
      if (err instanceof NdiUnavailable) throw new FeedError(`NDI: ${err.message}`, 503);
      throw err;
    }
    throw new FeedError(
      `NDI: the runtime (${version}) is installed, but Council's NDI sender and receiver are not built yet; use transport "srt" or "rtp"`,
      503,
    );
  }

  /**
   * An SRT feed: its bridge first (the leg's remote is the bridge's RTP port), then
   * the leg, whose port the bridge then sends to (in) or takes from (out).
   */
  async #addSrt(
    id: string,
    spec: FeedSpec,
    far: { address: string; port: number },
    _by: string,
  ): Promise<FeedInfo> {
    const host = this.o.mediaHost;
    let bridge;
    try {
      bridge = await this.#srt.open(id, {
        direction: spec.direction,
        srt: spec.direction === "in" ? { host, port: 0 } : { host: far.address, port: far.port },
        ...(spec.direction === "in" ? { sourceHost: far.address } : {}),
        leg: { host, port: 0, payloadType: L16_PAYLOAD_TYPE },
      });
    } catch (err) {
      const why = (err as Error).message;
      await this.o.witness.append("feed.removed", { feedId: id, room: spec.room, reason: why });
      if (err instanceof SrtUnavailable) {
        throw new FeedError(`SRT feeds are not available on this host: ${why}`, 503);
      }
      throw new FeedError(`the SRT feed could not open: ${why}`, 409);
    }
    let member;
    try {
      member = await this.o.rooms.join({
        room: spec.room,
        legId: id,
        guardianId: `if://feed/${spec.name}`,
        protocol: "feed",
        host,
        port: 0,
        codec: { codec: "L16", payloadType: L16_PAYLOAD_TYPE },
        remote: { address: host, port: bridge.rtpPort },
        direction: spec.direction === "in" ? "recvonly" : "sendonly",
        muted: spec.direction === "out",
        inactivityMs: spec.direction === "in" ? INGEST_SILENCE_MS : OUTPUT_SILENCE_MS,
      });
      await this.#srt.legPort(id, member.port);
    } catch (err) {
      await this.#srt.closeFeed(id);
      if (member) await this.o.rooms.leave(id);
      throw err;
    }
    const info: FeedInfo = {
      id,
      room: spec.room,
      name: spec.name,
      direction: spec.direction,
      transport: "srt",
      codec: "L16",
      payloadType: L16_PAYLOAD_TYPE,
      port: bridge.srtPort,
      ...(spec.direction === "in"
        ? {
          source: `${far.address}:${far.port}`,
          url: `srt://${host}:${bridge.srtPort}?mode=caller (raw s16le, 16000 Hz, mono)`,
        }
        : {
          target: `${far.address}:${far.port}`,
          url: `srt://${far.address}:${far.port}?mode=listener (raw s16le, 16000 Hz, mono)`,
        }),
      addedAt: new Date().toISOString(),
    };
    this.#feeds.set(id, info);
    this.o.log.info("feed added", {
      feed: id,
      room: spec.room,
      direction: spec.direction,
      transport: "srt",
    });
    return info;
  }

  /** Removes a feed (its leg leaves the room); false when there is none. */
  async remove(id: string, reason = "removed by the operator"): Promise<boolean> {
    const feed = this.#feeds.get(id);
    if (!feed) return false;
    this.#feeds.delete(id);
    if (feed.transport === "srt") await this.#srt.closeFeed(id);
    await this.o.rooms.leave(id);
    await this.o.witness.append("feed.removed", { feedId: id, room: feed.room, reason });
    this.o.log.info("feed removed", { feed: id, reason });
    return true;
  }

  #hangup(legId: string, reason: string): Promise<boolean> {
    return this.remove(legId, reason);
  }

  async close(): Promise<void> {
    this.#off();
    for (const id of [...this.#feeds.keys()]) await this.remove(id, "server stopping");
    this.#srt.close();
  }
}
