/// <reference lib="dom" />
// The browser side of Council's WebRTC join protocol (docs/API.md): sign the
// admission request, join, send the microphone (and camera), receive the mix and
// the other browsers' video. It heals: a lost socket is reopened with exponential
// backoff, the membership resumed with its token (no second admission), missed
// events replayed by number, and ICE restarted on every transport.

import { Device } from "mediasoup-client";
import type { types } from "mediasoup-client";
import { signAdmissionRequest, signBallot } from "../../guard/client.ts";
import type { AdmissionRequest, CallType } from "../../guard/types.ts";
import {
  type ClientRequest,
  type ConsumerInfo,
  type Joined,
  type MemberEvent,
  type MemberInfo,
  PROTOCOL_VERSION,
  type Resumed,
  type ServerMessage,
  type TransportInfo,
  type Welcome,
} from "../../signaling/webrtc/protocol.ts";

/** What a page received per kind, from its receive transport's inbound-rtp stats. */
export interface InboundCounters {
  packets: number;
  bytes: number;
  energy: number;
  frames: number;
  lost: number;
  jitterMs: number;
}

export interface ClientOptions {
  /** ws:// or wss:// URL of Council's /ws. */
  url: string;
  room: string;
  guardianId: string;
  /** The guardian's Ed25519 secret key (32-byte seed). */
  secretKey: Uint8Array;
  audio?: MediaStreamTrack;
  video?: MediaStreamTrack;
  callType?: CallType;
  bandwidthKbps?: number;
  /** A device already loaded with the router's capabilities (see loadDevice). */
  device?: Device;
}

/**
 * Loads a mediasoup-client device with the capabilities every room's router has
 * (GET /api/v1/webrtc/capabilities): a page does this while its user is still
 * choosing a key, so joining does not wait for it.
 */
export async function loadDevice(base: string): Promise<Device> {
  const res = await fetch(`${base}/api/v1/webrtc/capabilities`);
  if (!res.ok) throw new Error(`capabilities: HTTP ${res.status}`);
  const { routerRtpCapabilities } = await res.json() as { routerRtpCapabilities: unknown };
  const device = new Device();
  await device.load({
    routerRtpCapabilities: routerRtpCapabilities as types.RtpCapabilities,
  });
  return device;
}

export type ClientState = "idle" | "connecting" | "joined" | "reconnecting" | "left" | "failed";

/** A request without the id the client fills in. */
type Outgoing = ClientRequest extends infer R ? R extends unknown ? Omit<R, "id"> : never : never;

export class ServerError extends Error {
  override name = "ServerError";
  constructor(readonly code: string, message: string) {
    super(`${code}: ${message}`);
  }
}

/** Session endings the client heals by joining again rather than leaving. */
const REJOIN_REASONS = ["webrtc-worker-died"];

const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5000;
const REQUEST_TIMEOUT_MS = 10_000;

// Three simulcast layers; mediasoup picks the one each receiver's bandwidth allows.
const SIMULCAST: RTCRtpEncodingParameters[] = [
  { scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
];

export class CouncilClient extends EventTarget {
  state: ClientState = "idle";
  memberId?: string;
  readonly members = new Map<string, MemberInfo>();
  /** Number of the last event applied; sent with `resume`. */
  lastSeq = 0;
  /** Reconnects that resumed the membership (tests and the page show it). */
  resumes = 0;
  /** Events the last resume replayed. */
  replayed = 0;
  speaker: string | null = null;
  levels: Record<string, number> = {};
  readonly remote = new Map<string, { consumer: types.Consumer; memberId: string }>();
  muted = false;
  /**
   * performance.now() when `hello` was sent and when the first packet of the mix
   * arrived (its track unmuted): the join time benchmarks and the page report.
   */
  readonly timings: Record<string, number> = {};

  #ws?: WebSocket;
  #nextId = 1;
  #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  #device?: Device;
  #deviceReady?: Promise<Device>;
  #send?: types.Transport;
  #recv?: types.Transport;
  #recvReady!: Promise<types.Transport>;
  #recvResolve!: (t: types.Transport) => void;
  #resumeToken?: string;
  #heartbeatMs = 2500;
  #lastHeard = 0;
  #watchdog?: ReturnType<typeof setInterval>;
  #leaving = false;
  #events: Promise<void> = Promise.resolve();
  audioProducer?: types.Producer;
  videoProducer?: types.Producer;

  constructor(readonly o: ClientOptions) {
    super();
    this.#resetRecv();
    if (o.device?.loaded) this.#deviceReady = Promise.resolve(o.device);
  }

  #resetRecv(): void {
    this.#recvReady = new Promise((resolve) => this.#recvResolve = resolve);
  }

  #setState(state: ClientState): void {
    this.state = state;
    this.#emit("state", { state });
  }

  #emit(type: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** Connects, is admitted, and starts sending and receiving. */
  async join(): Promise<Joined> {
    this.#leaving = false;
    this.#setState("connecting");
    try {
      // Signing (slow the first time: key tables) runs while the socket opens.
      const admission = this.#sign();
      admission.catch(() => {});
      await this.#connect();
      const joined = await this.#admit(admission);
      this.#setState("joined");
      return joined;
    } catch (err) {
      this.#setState("failed");
      this.#ws?.close();
      throw err;
    }
  }

  #sign(): Promise<AdmissionRequest> {
    return signAdmissionRequest({
      guardianId: this.o.guardianId,
      room: this.o.room,
      callType: this.o.callType ?? "ROUTINE",
      bandwidthKbps: this.o.bandwidthKbps ?? (this.o.video ? 1500 : 64),
      codecs: ["opus"],
      pii: false,
    }, this.o.secretKey);
  }

  async #connect(): Promise<void> {
    const ws = new WebSocket(this.o.url);
    this.#ws = ws;
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error(`cannot reach ${this.o.url}`));
    });
    ws.onerror = null;
    ws.onmessage = (e) => this.#onMessage(ws, e);
    ws.onclose = () => this.#onClose(ws);
    this.#lastHeard = Date.now();
    this.timings.helloAt ??= performance.now();
    const welcome = await this.request<Welcome>({ type: "hello", version: PROTOCOL_VERSION });
    this.#heartbeatMs = welcome.heartbeatMs;
    // Every room's router has these capabilities: the device loads while guard decides.
    this.#deviceReady ??= (async () => {
      const device = new Device();
      await device.load({
        routerRtpCapabilities: welcome.routerRtpCapabilities as unknown as types.RtpCapabilities,
      });
      return device;
    })();
    this.#deviceReady.catch(() => {});
    clearInterval(this.#watchdog);
    this.#watchdog = setInterval(() => {
      // Silence for three heartbeats means the socket is dead even if TCP has not noticed.
      if (this.#ws === ws && Date.now() - this.#lastHeard > 3 * this.#heartbeatMs) ws.close();
    }, 1000);
  }

  /**
   * Joins with a signed request, then sets up media. The requests after `join` are
   * sent at once (the server answers them in order), saving round trips.
   */
  async #admit(admission: Promise<AdmissionRequest> = this.#sign()): Promise<Joined> {
    const request = await admission;
    const device = this.#device = await this.#deviceReady!;
    this.timings.signedAt ??= performance.now();
    const pipeline = [
      this.request<Joined>({ type: "join", room: this.o.room, admission: request }),
      this.request({
        type: "capabilities",
        rtpCapabilities: device.rtpCapabilities as unknown as Record<string, unknown>,
      }),
      this.request<TransportInfo>({ type: "createTransport", direction: "recv" }),
      this.request<TransportInfo>({ type: "createTransport", direction: "send" }),
    ] as const;
    for (const p of pipeline) p.catch(() => {});
    const joined = await pipeline[0];
    this.timings.joinedAt ??= performance.now();
    this.memberId = joined.memberId;
    this.#resumeToken = joined.resumeToken;
    this.lastSeq = joined.seq; // a fresh membership numbers its events from here
    this.members.clear();
    for (const m of joined.members) this.members.set(m.memberId, m);
    this.#emit("members", { members: [...this.members.values()] });
    await pipeline[1];
    this.#recv = this.#transport("recv", await pipeline[2]);
    this.#recvResolve(this.#recv);
    this.timings.recvAt ??= performance.now();
    this.#send = this.#transport("send", await pipeline[3]);
    if (this.o.audio) {
      this.audioProducer = await this.#send.produce({
        track: this.o.audio,
        // The tracks are the page's: a rejoin produces them again on new transports.
        stopTracks: false,
        codecOptions: { opusStereo: false, opusDtx: false, opusFec: true },
      });
    }
    if (this.o.video) {
      this.videoProducer = await this.#send.produce({
        track: this.o.video,
        stopTracks: false,
        encodings: SIMULCAST,
        codecOptions: { videoGoogleStartBitrate: 1000 },
      });
    }
    return joined;
  }

  #transport(direction: "send" | "recv", info: TransportInfo): types.Transport {
    const params = {
      id: info.transportId,
      iceParameters: info.iceParameters as unknown as types.IceParameters,
      iceCandidates: info.iceCandidates as unknown as types.IceCandidate[],
      dtlsParameters: info.dtlsParameters as unknown as types.DtlsParameters,
    };
    const t = direction === "send"
      ? this.#device!.createSendTransport(params)
      : this.#device!.createRecvTransport(params);
    t.on("connect", ({ dtlsParameters }, ok, fail) => {
      this.request({
        type: "connectTransport",
        transportId: t.id,
        dtlsParameters: dtlsParameters as unknown as Record<string, unknown>,
      }).then(() => ok(), fail);
    });
    if (direction === "send") {
      t.on("produce", ({ kind, rtpParameters }, ok, fail) => {
        this.request<{ producerId: string }>({
          type: "produce",
          transportId: t.id,
          kind,
          rtpParameters: rtpParameters as unknown as Record<string, unknown>,
        }).then(({ producerId }) => ok({ id: producerId }), fail);
      });
    }
    t.on("connectionstatechange", (state) => {
      if (state === "connected") this.timings[`${direction}ConnectedAt`] ??= performance.now();
      this.#emit("transport", { direction, state });
    });
    return t;
  }

  /** Sends one request and resolves with its result (or rejects with the server's error). */
  request<T = unknown>(msg: Outgoing): Promise<T> {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(new Error("not connected"));
    }
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${msg.type}: no answer`));
      }, REQUEST_TIMEOUT_MS);
      this.#pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v as T)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      ws.send(JSON.stringify({ ...msg, id }));
    });
  }

  #onMessage(ws: WebSocket, e: MessageEvent): void {
    if (ws !== this.#ws) return;
    this.#lastHeard = Date.now();
    const msg = JSON.parse(e.data as string) as ServerMessage;
    switch (msg.type) {
      case "result":
      case "error": {
        const p = msg.id !== undefined ? this.#pending.get(msg.id as number) : undefined;
        if (!p) {
          if (msg.type === "error") this.#emit("error", msg);
          return;
        }
        this.#pending.delete(msg.id as number);
        if (msg.type === "result") p.resolve(msg.data);
        else p.reject(new ServerError(msg.code, msg.message));
        return;
      }
      case "ping":
        ws.send(JSON.stringify({ type: "pong", id: `p${msg.id}` }));
        return;
      case "levels":
        this.levels = msg.levels;
        this.#emit("levels", msg.levels);
        return;
      case "event": {
        if (msg.seq <= this.lastSeq) return; // already applied (replay overlap)
        this.lastSeq = msg.seq;
        // Applied in order; consumers wait for the receive transport.
        const { type: _t, seq: _s, ...event } = msg;
        this.#events = this.#events.then(() => this.#apply(event as MemberEvent))
          .catch((err) => this.#emit("error", { code: "CLIENT", message: String(err) }));
        return;
      }
    }
  }

  async #apply(e: MemberEvent): Promise<void> {
    switch (e.name) {
      case "member.joined":
        this.members.set(e.data.memberId, e.data);
        break;
      case "member.left":
        this.members.delete(e.data.memberId);
        break;
      case "member.muted": {
        const m = this.members.get(e.data.memberId);
        if (m) m.muted = e.data.muted;
        break;
      }
      case "speaker":
        this.speaker = e.data.memberId;
        break;
      case "consumer.new":
        await this.#consume(e.data);
        break;
      case "consumer.closed": {
        const r = this.remote.get(e.data.consumerId);
        r?.consumer.close();
        this.remote.delete(e.data.consumerId);
        this.#emit("track-ended", { consumerId: e.data.consumerId, memberId: r?.memberId });
        break;
      }
      case "session.ended":
        this.#teardown();
        if (REJOIN_REASONS.includes(e.data.reason) && !this.#leaving) {
          // Council lost the media process this room ran on: join again (a new
          // admission; the old session is over) on the same socket.
          this.#setState("reconnecting");
          this.#admit().then(() => this.#setState("joined"), (err) => {
            this.#emit("error", { code: "REJOIN", message: String(err) });
            this.#setState("failed");
          });
          break;
        }
        this.#leaving = true;
        this.#setState("left");
        break;
    }
    this.#emit(e.name, e.data);
    if (e.name.startsWith("member.")) {
      this.#emit("members", { members: [...this.members.values()] });
    }
  }

  async #consume(info: ConsumerInfo): Promise<void> {
    const recv = await this.#recvReady;
    if (this.remote.has(info.consumerId)) return;
    const consumer = await recv.consume({
      id: info.consumerId,
      producerId: info.producerId,
      kind: info.kind,
      rtpParameters: info.rtpParameters as unknown as types.RtpParameters,
    });
    this.remote.set(consumer.id, { consumer, memberId: info.memberId });
    if (info.memberId === "mix") this.timings.mixConsumedAt ??= performance.now();
    if (info.memberId === "mix" && this.timings.firstAudioAt === undefined) {
      const track = consumer.track;
      const first = () => this.timings.firstAudioAt ??= performance.now();
      if (!track.muted) first();
      else track.addEventListener("unmute", first, { once: true });
    }
    await this.request({ type: "resumeConsumer", consumerId: consumer.id });
    this.#emit("track", { memberId: info.memberId, kind: info.kind, track: consumer.track });
  }

  #onClose(ws: WebSocket): void {
    if (ws !== this.#ws) return;
    for (const p of this.#pending.values()) p.reject(new Error("connection lost"));
    this.#pending.clear();
    if (this.#leaving || this.state !== "joined") return;
    this.#reconnect();
  }

  /** Reopens the socket with exponential backoff and resumes (or, failing that, rejoins). */
  async #reconnect(): Promise<void> {
    this.#setState("reconnecting");
    for (let attempt = 0; !this.#leaving; attempt++) {
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt);
      await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random() / 2)));
      if (this.#leaving) return;
      try {
        await this.#connect();
        try {
          const resumed = await this.request<Resumed>({
            type: "resume",
            token: this.#resumeToken ?? "",
            lastSeq: this.lastSeq,
          });
          await this.#restartIce(resumed.transportIds);
          this.resumes++;
          this.replayed = resumed.replayed;
        } catch (err) {
          if (!(err instanceof ServerError) || err.code !== "RESUME_FAILED") throw err;
          // The membership is gone: start over with a fresh admission and transports.
          this.#teardown();
          await this.#admit();
        }
        this.#setState("joined");
        return;
      } catch (err) {
        this.#emit("error", { code: "RECONNECT", message: String(err), attempt });
        this.#ws?.close();
      }
    }
  }

  async #restartIce(live: string[]): Promise<void> {
    for (const t of [this.#send, this.#recv]) {
      if (!t || !live.includes(t.id)) continue;
      const { iceParameters } = await this.request<{ iceParameters: types.IceParameters }>({
        type: "restartIce",
        transportId: t.id,
      });
      await t.restartIce({ iceParameters });
    }
  }

  #teardown(): void {
    for (const { consumer } of this.remote.values()) consumer.close();
    this.remote.clear();
    this.#send?.close();
    this.#recv?.close();
    this.#send = this.#recv = undefined;
    this.audioProducer = this.videoProducer = undefined;
    this.#resetRecv();
  }

  async mute(muted: boolean): Promise<void> {
    await this.request({ type: "mute", muted });
    this.muted = muted;
    this.#emit("muted", { muted });
  }

  /** Shows an item to the room (kind: citation, dossier or text). */
  async postEvidence(
    item: { kind: string; title: string; body: string; url?: string },
  ): Promise<string> {
    const { evidenceId } = await this.request<{ evidenceId: string }>({
      type: "postEvidence",
      ...item,
    });
    return evidenceId;
  }

  /** Casts this guardian's signed ballot in one of the room's votes. */
  async castBallot(voteId: string, choice: string): Promise<void> {
    const ballot = await signBallot(
      { voteId, room: this.o.room, guardianId: this.o.guardianId, choice },
      this.o.secretKey,
    );
    const http = this.o.url.replace(/^ws/, "http").replace(/\/ws$/, "");
    const res = await fetch(
      `${http}/api/v1/rooms/${encodeURIComponent(this.o.room)}/votes/${voteId}/ballots`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ballot }),
      },
    );
    if (!res.ok) {
      const { error } = await res.json() as { error: { code: string; message: string } };
      throw new ServerError(error.code, error.message);
    }
    await res.body?.cancel();
  }

  async leave(): Promise<void> {
    this.#leaving = true;
    try {
      await this.request({ type: "leave" });
    } catch {
      // leaving anyway
    }
    clearInterval(this.#watchdog);
    this.#teardown();
    this.#ws?.close();
    this.#setState("left");
  }

  /** Drops the socket as a network fault would (the page's "test reconnect" control). */
  dropSocket(): void {
    this.#ws?.close(4002, "dropped by the client");
  }

  /** Inbound RTP counters per kind, from the receive transport. */
  async inboundStats(): Promise<Record<string, InboundCounters>> {
    const out: Record<string, InboundCounters> = {};
    if (!this.#recv) return out;
    const report = await this.#recv.getStats();
    report.forEach((s) => {
      if (s.type !== "inbound-rtp") return;
      const kind = s.kind as string;
      const o = out[kind] ??= { packets: 0, bytes: 0, energy: 0, frames: 0, lost: 0, jitterMs: 0 };
      o.packets += s.packetsReceived ?? 0;
      o.bytes += s.bytesReceived ?? 0;
      o.energy += s.totalAudioEnergy ?? 0;
      o.frames += s.framesDecoded ?? 0;
      o.lost += s.packetsLost ?? 0;
      // RFC 3550 interarrival jitter as the browser measured it (seconds in getStats).
      o.jitterMs = Math.max(o.jitterMs, (s.jitter ?? 0) * 1000);
    });
    return out;
  }
}
