// The agent leg's media, inside a media worker (docs/agent.md): a WebSocket endpoint
// of the worker's own (Deno.serve on media.host, an ephemeral port), so an agent's
// audio never passes through the main thread. The main thread asks for a one-time
// ticket per connection (agent.ticket); the agent connects to the URL with it and
// then sends and receives binary frames, 20 ms each: 16-bit little-endian PCM at
// 16 kHz (640 bytes), or one Opus packet.
//
// Each leg is an ordinary Leg: the bridge wraps every frame that comes in as an RTP
// packet of its own (sequence, timestamp, SSRC) and feeds it to the leg as a datagram,
// and the leg's transport hands the mix's RTP payload back as a frame. So the jitter
// buffer, voice activity, mute, stats, provenance and failover work as for a phone.
//
// Bounds: a ticket is 32 random bytes, single use, valid 10 s; a frame of the wrong
// size, a text frame, more than 60 frames a second sustained, no frame for 10 s, or
// 5 s of mix the agent does not read each close the socket with a code and a reason,
// counted; the code and reason also come as one text frame {"type":"close",code,reason}
// just before the close (a close frame can be lost to a reset when both sides are
// sending, in Deno 2.9). The leg outlives its socket (a new ticket reconnects it) until the member
// leaves or the leg's own inactivity limit ends it, as any leg's.

import type { Codec } from "../../guard/mod.ts";
import { CODEC_INFO } from "../codecs/catalog.ts";
import { isRtcp, parseRtp, serializeRtp } from "../rtp/mod.ts";
import { toBase64Url } from "../../witness/base64.ts";
import type { Leg, LegTransport } from "./leg.ts";
import type { AgentCounters, AgentLegStats, AgentTicket, RemoteAddress } from "./protocol.ts";

/** The leg's pretend peer: what the bridge's packets come "from" and the mix goes "to". */
export const AGENT_PEER: RemoteAddress = { address: "agent", port: 0 };
export const AGENT_MEDIA_PATH = "/agent/media";
export const TICKET_TTL_MS = 10_000;
/** 20 ms of 16-bit mono PCM at 16 kHz. */
export const PCM_FRAME_BYTES = 640;
const MAX_OPUS_FRAME = 1275;
/** Sustained frames a second beyond which a socket is a flood; the bucket holds a second's. */
export const MAX_FRAMES_PER_S = 60;
const BURST_FRAMES = 60;
export const IDLE_MS = 10_000;
/** Mix queued on a socket beyond this is dropped; dropping this long closes it. */
const MAX_BUFFERED_BYTES = 64 * 1024;
const SLOW_CLOSE_MS = 5_000;
/** A frame after a silence this much later than its place on the timeline starts a new spurt. */
const LATE_SLACK_MS = 200;
/** Open sockets a worker takes beyond one per agent leg (reconnects in flight, strangers). */
const SPARE_SOCKETS = 32;

/** Close codes of the media socket (RFC 6455 7.4.1; 4xxx private use), each with its reason. */
export const AGENT_CLOSE = {
  TICKET: 4401,
  BAD_FRAME: 4400,
  TEXT: 1003,
  IDLE: 4408,
  REPLACED: 4409,
  LEFT: 4410,
  FLOOD: 4429,
  SLOW: 4503,
  SHUTDOWN: 1001,
} as const;

const u32 = () => crypto.getRandomValues(new Uint32Array(1))[0];

/** One agent leg's end of the bridge: its socket (when connected) and its RTP numbering. */
class AgentBridge {
  leg!: Leg;
  socket: WebSocket | undefined;
  readonly ssrc = u32();
  readonly step: number;
  readonly frameMs = 20;
  #seq = u32() & 0xffff;
  #ts = u32();
  #t0 = performance.now();
  #ts0 = this.#ts;
  #tokens = BURST_FRAMES;
  #refilledAt = performance.now();
  lastFrameAt = 0;
  droppingSince: number | undefined;
  readonly stats = { framesIn: 0, framesOut: 0, dropped: 0, connections: 0 };

  constructor(readonly legId: string, readonly codec: Codec, readonly payloadType: number) {
    this.step = CODEC_INFO[codec].clockRate / 50;
  }

  /** The leg's transport: the mix's RTP payload goes out as one binary frame. */
  readonly transport: LegTransport = {
    send: (data, _to, rtcp) => {
      // Reports are for RTP peers (they come muxed here); the agent has the socket's state.
      if (rtcp || isRtcp(data)) return;
      const s = this.socket;
      if (!s || s.readyState !== WebSocket.OPEN) return;
      if (s.bufferedAmount > MAX_BUFFERED_BYTES) {
        this.stats.dropped++;
        this.droppingSince ??= performance.now();
        return;
      }
      this.droppingSince = undefined;
      const payload = parseRtp(data).payload;
      s.send(this.codec === "L16" ? swap16(payload) : payload.slice());
      this.stats.framesOut++;
    },
  };

  /** Whether one more frame fits the rate (a token bucket: a second's burst, 60/s). */
  admit(now: number): boolean {
    this.#tokens = Math.min(
      BURST_FRAMES,
      this.#tokens + (now - this.#refilledAt) * MAX_FRAMES_PER_S / 1000,
    );
    this.#refilledAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens--;
    return true;
  }

  /** Feeds one frame to the leg as the RTP packet a phone would have sent. */
  feed(frame: Uint8Array, now: number): void {
    // Frames follow each other on the timeline; one that comes more than LATE_SLACK_MS
    // after its place there (the agent sent nothing for a while, or reconnected) lands
    // where the clock is, as a new talk spurt.
    const clock = (this.#ts0 + Math.round((now - this.#t0) * this.step / this.frameMs)) >>> 0;
    const next = (this.#ts + this.step) >>> 0;
    const spurt = ((clock - next) | 0) > LATE_SLACK_MS * this.step / this.frameMs;
    this.#ts = spurt ? clock : next;
    this.#seq = (this.#seq + 1) & 0xffff;
    const packet = serializeRtp({
      marker: spurt,
      payloadType: this.payloadType,
      sequenceNumber: this.#seq,
      timestamp: this.#ts,
      ssrc: this.ssrc,
      payload: this.codec === "L16" ? swap16(frame) : frame,
    });
    this.stats.framesIn++;
    this.lastFrameAt = now;
    this.leg.onDatagram(packet, AGENT_PEER, now, false);
  }
}

/** Swaps the bytes of 16-bit samples: little-endian frames <-> network-order L16 payloads. */
export function swap16(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(src.length);
  for (let i = 0; i + 1 < src.length; i += 2) {
    out[i] = src[i + 1];
    out[i + 1] = src[i];
  }
  return out;
}

function frameError(codec: Codec, bytes: number): string | undefined {
  if (codec === "L16") {
    return bytes === PCM_FRAME_BYTES ? undefined : `frame of ${bytes} bytes: PCM frames are ` +
      `${PCM_FRAME_BYTES} bytes (20 ms of 16-bit little-endian mono at 16 kHz)`;
  }
  return bytes >= 1 && bytes <= MAX_OPUS_FRAME
    ? undefined
    : `frame of ${bytes} bytes: an Opus frame is 1-${MAX_OPUS_FRAME} bytes`;
}

/** The agent legs of one media worker and the WebSocket endpoint they share. */
export class AgentEndpoint {
  readonly #bridges = new Map<string, AgentBridge>();
  readonly #tickets = new Map<string, { legId: string; expires: number }>();
  readonly #sockets = new Set<WebSocket>();
  #server: Deno.HttpServer<Deno.NetAddr> | undefined;
  #host = "";
  readonly #idleMs: number;
  readonly counters: AgentCounters = {
    tickets: 0,
    refusedTickets: 0,
    connections: 0,
    badFrames: 0,
    floods: 0,
    idle: 0,
    slow: 0,
    replaced: 0,
  };

  constructor(opts: { idleMs?: number } = {}) {
    this.#idleMs = opts.idleMs ?? IDLE_MS;
  }

  /** A bridge for a new agent leg; the caller builds the leg on its transport and sets it. */
  open(legId: string, codec: Codec, payloadType: number, host: string): AgentBridge {
    if (codec !== "L16" && codec !== "opus") {
      throw new Error(`agent legs carry L16 or opus, not ${codec}`);
    }
    this.#listen(host);
    const bridge = new AgentBridge(legId, codec, payloadType);
    this.#bridges.set(legId, bridge);
    return bridge;
  }

  get port(): number {
    return this.#server?.addr.port ?? 0;
  }

  /** A one-time ticket for the leg's next media connection. */
  ticket(legId: string, now = performance.now()): AgentTicket {
    if (!this.#bridges.has(legId)) throw new Error(`leg ${legId} is not an agent leg`);
    const ticket = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
    this.#tickets.set(ticket, { legId, expires: now + TICKET_TTL_MS });
    this.counters.tickets++;
    const host = this.#host.includes(":") ? `[${this.#host}]` : this.#host;
    return {
      url: `ws://${host}:${this.port}${AGENT_MEDIA_PATH}`,
      ticket,
      expiresInMs: TICKET_TTL_MS,
    };
  }

  /** The leg left: its socket is closed and its tickets die. */
  close(legId: string): void {
    const bridge = this.#bridges.get(legId);
    if (!bridge) return;
    this.#bridges.delete(legId);
    for (const [t, v] of this.#tickets) if (v.legId === legId) this.#tickets.delete(t);
    this.#shut(bridge.socket, AGENT_CLOSE.LEFT, "the member left the room");
    bridge.socket = undefined;
  }

  legStats(legId: string): AgentLegStats | undefined {
    const b = this.#bridges.get(legId);
    if (!b) return undefined;
    return { connected: b.socket?.readyState === WebSocket.OPEN, ...b.stats };
  }

  /** Every 200 ms from the worker's tick: idle and unread sockets, stale tickets. */
  housekeep(now: number): void {
    for (const [t, v] of this.#tickets) if (v.expires < now) this.#tickets.delete(t);
    for (const b of this.#bridges.values()) {
      if (!b.socket) continue;
      if (now - b.lastFrameAt > this.#idleMs) {
        this.counters.idle++;
        this.#shut(b.socket, AGENT_CLOSE.IDLE, `no audio frame for ${this.#idleMs / 1000} s`);
        b.socket = undefined;
      } else if (b.droppingSince !== undefined && now - b.droppingSince > SLOW_CLOSE_MS) {
        this.counters.slow++;
        this.#shut(
          b.socket,
          AGENT_CLOSE.SLOW,
          `the mix was not read for ${SLOW_CLOSE_MS / 1000} s (${b.stats.dropped} frames dropped)`,
        );
        b.socket = undefined;
        b.droppingSince = undefined;
      }
    }
  }

  async shutdown(): Promise<void> {
    for (const s of this.#sockets) this.#shut(s, AGENT_CLOSE.SHUTDOWN, "media worker stopping");
    this.#bridges.clear();
    this.#tickets.clear();
    const server = this.#server;
    this.#server = undefined;
    await server?.shutdown();
  }

  #listen(host: string): void {
    if (this.#server) {
      if (host !== this.#host) throw new Error(`agent media listens on ${this.#host} already`);
      return;
    }
    this.#host = host;
    this.#server = Deno.serve({
      hostname: host,
      port: 0,
      onListen: () => {},
      onError: () => new Response("error", { status: 500 }),
    }, (req) => this.#request(req));
  }

  #request(req: Request): Response {
    const url = new URL(req.url);
    if (url.pathname !== AGENT_MEDIA_PATH) return new Response("not found\n", { status: 404 });
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("connect with a WebSocket\n", { status: 426 });
    }
    if (this.#sockets.size >= this.#bridges.size + SPARE_SOCKETS) {
      return new Response("too many connections\n", { status: 503 });
    }
    const ticket = url.searchParams.get("ticket") ?? "";
    const { socket, response } = Deno.upgradeWebSocket(req, { idleTimeout: 0 });
    socket.binaryType = "arraybuffer";
    this.#sockets.add(socket);
    socket.onopen = () => this.#accept(socket, ticket);
    socket.onclose = () => this.#sockets.delete(socket);
    socket.onerror = () => {};
    return response;
  }

  #accept(socket: WebSocket, ticket: string): void {
    const now = performance.now();
    const entry = this.#tickets.get(ticket);
    // Used once: whatever happens next, this ticket is gone.
    this.#tickets.delete(ticket);
    const bridge = entry && entry.expires >= now ? this.#bridges.get(entry.legId) : undefined;
    if (!bridge) {
      this.counters.refusedTickets++;
      return this.#shut(socket, AGENT_CLOSE.TICKET, "ticket refused: unknown, used or expired");
    }
    if (bridge.socket) {
      this.counters.replaced++;
      this.#shut(bridge.socket, AGENT_CLOSE.REPLACED, "replaced by a newer media connection");
    }
    bridge.socket = socket;
    bridge.lastFrameAt = now;
    bridge.droppingSince = undefined;
    bridge.stats.connections++;
    this.counters.connections++;
    socket.onmessage = (e) => this.#frame(bridge, socket, e.data);
    socket.onclose = () => {
      this.#sockets.delete(socket);
      if (bridge.socket === socket) bridge.socket = undefined;
    };
  }

  #frame(bridge: AgentBridge, socket: WebSocket, data: unknown): void {
    if (bridge.socket !== socket) return;
    const now = performance.now();
    if (!(data instanceof ArrayBuffer)) {
      this.counters.badFrames++;
      return this.#drop(bridge, AGENT_CLOSE.TEXT, "binary audio frames only");
    }
    const why = frameError(bridge.codec, data.byteLength);
    if (why) {
      this.counters.badFrames++;
      return this.#drop(bridge, AGENT_CLOSE.BAD_FRAME, why);
    }
    if (!bridge.admit(now)) {
      this.counters.floods++;
      return this.#drop(
        bridge,
        AGENT_CLOSE.FLOOD,
        `flood: more than ${MAX_FRAMES_PER_S} frames a second`,
      );
    }
    bridge.feed(new Uint8Array(data), now);
  }

  #drop(bridge: AgentBridge, code: number, reason: string): void {
    this.#shut(bridge.socket, code, reason);
    bridge.socket = undefined;
  }

  #shut(socket: WebSocket | undefined, code: number, reason: string): void {
    if (!socket) return;
    socket.onmessage = null;
    try {
      // The reason goes first as a text frame too: with frames flowing both ways,
      // Deno's close handshake can end in a reset that loses the close frame itself.
      if (socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ type: "close", code, reason }));
      }
      socket.close(code, reason);
    } catch {
      // already closing
    }
  }
}
