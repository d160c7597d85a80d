/// <reference lib="dom" />
// The browser side of Council's WebRTC join protocol (docs/API.md): sign the
// admission request, join, send the microphone (and camera), receive the mix and
// the other browsers' video. It heals: a lost socket is reopened with exponential
// backoff, the membership resumed with its token (no second admission), missed
// events replayed by number, and ICE restarted on every transport.

import { Device } from "mediasoup-client";
import type { types } from "mediasoup-client";
import * as ed from "@noble/ed25519";
import { newNonce } from "../../guard/client.ts";
import { ballotBytes, signedBytes } from "../../guard/canonical.ts";
import type { AdmissionRequest, CallType } from "../../guard/types.ts";
import { fromBase64, fromHex, toBase64 } from "../../witness/base64.ts";
import { checkpointBytes, DEFAULT_CHECKPOINT_EVERY } from "../../provenance/checkpoint.ts";
import {
  type ChainMark,
  type ChainOptions,
  chainWorkerSource,
  type ReceivedFrame,
} from "./chain_transform.ts";
import { DetachedVerifier } from "../../provenance/detached_verifier.ts";
import {
  type ClientRequest,
  type ConsumerInfo,
  type Joined,
  type MemberEvent,
  type MemberInfo,
  type MemberProvenance,
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

/**
 * Signs bytes with the guardian's Ed25519 key and returns the 64-byte signature: the
 * join page's signer holds a non-extractable WebCrypto key (web/src/keystore.ts),
 * tests and benchmarks pass the raw seed instead (`secretKey`).
 */
export type Signer = (message: Uint8Array) => Promise<Uint8Array>;

/** A signer over a raw 32-byte Ed25519 seed (@noble/ed25519). */
export function seedSigner(secretKey: Uint8Array): Signer {
  return (message) => ed.signAsync(message, secretKey);
}

export interface ClientOptions {
  /** ws:// or wss:// URL of Council's /ws. */
  url: string;
  room: string;
  guardianId: string;
  /** The guardian's Ed25519 secret key (32-byte seed), when no `signer` is given. */
  secretKey?: Uint8Array;
  /** Signs admission requests and ballots (preferred: the key never leaves it). */
  signer?: Signer;
  audio?: MediaStreamTrack;
  video?: MediaStreamTrack;
  callType?: CallType;
  bandwidthKbps?: number;
  /** A device already loaded with the router's capabilities (see loadDevice). */
  device?: Device;
  /**
   * Chain and sign the audio this page sends (docs/provenance.md, "Browsers"); on by
   * default where the browser has encoded transforms.
   */
  sign?: boolean;
}

/**
 * How this browser can hash its own encoded frames: RTCRtpScriptTransform, Chromium's
 * older insertable streams (createEncodedStreams), or not at all.
 */
export type ChainSupport = "script" | "streams" | "none";

export function chainSupport(): ChainSupport {
  const g = globalThis as { RTCRtpScriptTransform?: unknown; RTCRtpSender?: { prototype: object } };
  if (typeof g.RTCRtpScriptTransform === "function") return "script";
  if (g.RTCRtpSender && "createEncodedStreams" in g.RTCRtpSender.prototype) return "streams";
  return "none";
}

/** The chain of what this page sends: its stream id and the checkpoints it signed. */
export interface Signing {
  streamId: string;
  via: Exclude<ChainSupport, "none">;
  /** Checkpoints signed and accepted by Council, and the last one's frame index. */
  checkpoints: number;
  lastIndex: number;
  /** Checkpoints that could not be sent (the socket was down) or were refused. */
  failed: number;
}

/** How far the mix this page hears is proven (docs/provenance.md, "Browsers"). */
export interface MixProof {
  state: "verified" | "unverified" | "broken";
  reason: string;
  index: number;
  /** When the evidence arrived in this page (epoch ms). */
  at?: number;
}

/** Council's mix is 20 ms Opus frames: 960 ticks of the 48 kHz RTP clock. */
const MIX_FRAME_TICKS = 960;
const epochNow = () => performance.timeOrigin + performance.now();

interface EncodedStreams {
  readable: ReadableStream;
  writable: WritableStream;
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

const hexOf = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

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
  /** Why the session ended (`session.ended`'s reason, or "left" after leave()). */
  endedReason?: string;
  /** The attempt under way while reconnecting (1, 2, ...); 0 otherwise. */
  reconnectAttempt = 0;
  /** The last send and receive transports' connection states ("new" until known). */
  readonly transportState: Record<"send" | "recv", string> = { send: "new", recv: "new" };
  /**
   * performance.now() at each step of the first join, for the join-time benchmark
   * (bench/webrtc.ts): connectAt (socket created), helloAt (socket open, hello sent),
   * welcomeAt, signedAt, joinedAt, recvAt, producedAt, mixConsumedAt,
   * recv/sendConnectedAt, firstAudioAt (first packet of the mix: its track unmuted).
   * The page adds clickAt, mediaAt and playerAt (web/src/app.ts).
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
  /** The chain of this page's audio, while it sends a chained producer. */
  signing?: Signing;
  /** Members' signed streams as Council last reported them (a member absent: unverified). */
  readonly provenance = new Map<string, MemberProvenance>();
  #chainWorker?: Worker;
  /** How far the mix this page hears is proven, while Council chains it. */
  mixProof?: MixProof;
  #mix?: { key: Uint8Array; streamId: string; v: DetachedVerifier };
  /** The stream id of the audio sender being created, once its transform is attached. */
  #announce?: string;
  /** The stream id the last audio `produce` request named. */
  #announced?: string;

  readonly #signer: Signer;

  constructor(readonly o: ClientOptions) {
    super();
    if (o.signer) this.#signer = o.signer;
    else if (o.secretKey) this.#signer = seedSigner(o.secretKey);
    else throw new TypeError("CouncilClient needs a signer or a secretKey");
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
      // The chain worker (hashing what the page sends, taking the mix it hears) starts
      // while the socket opens, not on the join's path to its first audio.
      if (this.o.sign !== false && chainSupport() !== "none") {
        this.#chainWorker ??= this.#startChainWorker();
      }
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

  /** The admission request (docs/guard.md), signed over its canonical bytes. */
  async #sign(): Promise<AdmissionRequest> {
    const request = {
      guardianId: this.o.guardianId,
      room: this.o.room,
      callType: this.o.callType ?? "ROUTINE",
      bandwidthKbps: this.o.bandwidthKbps ?? (this.o.video ? 1500 : 64),
      codecs: ["opus"],
      pii: false,
      timestamp: Date.now(),
      nonce: newNonce(),
    } satisfies Omit<AdmissionRequest, "signature">;
    return { ...request, signature: toBase64(await this.#signer(signedBytes(request))) };
  }

  async #connect(): Promise<void> {
    this.timings.connectAt ??= performance.now();
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
    this.timings.welcomeAt ??= performance.now();
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
    this.provenance.clear();
    for (const p of joined.provenance ?? []) this.provenance.set(p.memberId, p);
    this.#startMix(joined.mix);
    this.#emit("members", { members: [...this.members.values()] });
    this.#emit("provenance", { members: [...this.provenance.values()] });
    await pipeline[1];
    this.#recv = this.#transport("recv", await pipeline[2]);
    this.#recvResolve(this.#recv);
    this.timings.recvAt ??= performance.now();
    const via = this.o.sign === false ? "none" : chainSupport();
    this.#send = this.#transport("send", await pipeline[3], via === "streams");
    this.signing = undefined;
    if (this.o.audio) {
      this.audioProducer = await this.#produceAudio(this.#send, this.o.audio, via);
      this.timings.producedAt ??= performance.now();
    }
    if (this.o.video) {
      this.videoProducer = await this.#send.produce({
        track: this.o.video,
        stopTracks: false,
        encodings: SIMULCAST,
        codecOptions: { videoGoogleStartBitrate: 1000 },
      });
      if (via === "streams") {
        // Insertable streams are on for every sender of the transport: video passes as is.
        const sender = this.videoProducer.rtpSender as unknown as {
          createEncodedStreams(): EncodedStreams;
        };
        const { readable, writable } = sender.createEncodedStreams();
        readable.pipeTo(writable).catch(() => {});
      }
    }
    return joined;
  }

  /**
   * Produces the microphone, chained when the browser can: its encoded frames are
   * hashed in the chain worker and every K-th frame's checkpoint is signed here. The
   * transform must be on the sender before the offer that starts it (Chromium never
   * passes frames to a script transform set later), and mediasoup-client creates the
   * sender and negotiates inside produce(): so the transform is attached as the
   * sender is created (addTransceiver, wrapped for that one call), and the chain is
   * announced with the producer only if that worked.
   */
  async #produceAudio(
    send: types.Transport,
    track: MediaStreamTrack,
    via: ChainSupport,
  ): Promise<types.Producer> {
    const options = {
      track,
      // The tracks are the page's: a rejoin produces them again on new transports.
      stopTracks: false,
      codecOptions: { opusStereo: false, opusDtx: false, opusFec: true },
    };
    if (via === "none") return await send.produce(options);
    const streamId = hexOf(crypto.getRandomValues(new Uint8Array(16)));
    const chain: ChainOptions = { streamId, every: DEFAULT_CHECKPOINT_EVERY };
    const worker = this.#chainWorker ??= this.#startChainWorker();
    const proto = RTCPeerConnection.prototype;
    const addTransceiver = proto.addTransceiver;
    const attach = (sender: RTCRtpSender & { createEncodedStreams?(): EncodedStreams }) => {
      if (via === "script") sender.transform = new RTCRtpScriptTransform(worker, chain);
      else {
        const { readable, writable } = sender.createEncodedStreams!();
        worker.postMessage({ type: "pipe", readable, writable, options: chain }, [
          readable as unknown as Transferable,
          writable as unknown as Transferable,
        ]);
      }
      this.#announce = streamId;
    };
    const created = (transceiver: RTCRtpTransceiver, first: unknown) => {
      if (first !== track || this.#announce !== undefined) return;
      try {
        attach(transceiver.sender);
      } catch (err) {
        this.#emit("error", { code: "CHAIN", message: `audio not signed: ${err}` });
      }
    };
    proto.addTransceiver = function (
      this: RTCPeerConnection,
      ...args: Parameters<RTCPeerConnection["addTransceiver"]>
    ) {
      const transceiver = addTransceiver.apply(this, args);
      created(transceiver, args[0]);
      return transceiver;
    };
    let producer: types.Producer;
    try {
      producer = await send.produce(options);
    } finally {
      proto.addTransceiver = addTransceiver;
      this.#announce = undefined;
    }
    if (this.#announced === streamId) {
      this.signing = { streamId, via, checkpoints: 0, lastIndex: -1, failed: 0 };
    }
    return producer;
  }

  #startChainWorker(): Worker {
    // The URL stays valid while the page lives: the worker loads it asynchronously.
    const url = URL.createObjectURL(new Blob([chainWorkerSource()], { type: "text/javascript" }));
    const worker = new Worker(url, { name: "council-chain" });
    worker.onerror = (e) => this.#emit("error", { code: "CHAIN", message: e.message });
    worker.onmessage = (e: MessageEvent<ChainMark | ReceivedFrame>) => {
      const m = e.data;
      if (m?.type === "frame") {
        this.#mix?.v.frame(m.rtpTimestamp, MIX_FRAME_TICKS, new Uint8Array(m.data), epochNow());
      } else this.#onMark(m);
    };
    return worker;
  }

  /**
   * The mix this page hears, verified here against Council's checkpoints (signed with
   * its media key, sent over /ws): its frames are taken by a receive transform in the
   * chain worker. Only where the browser has RTCRtpScriptTransform.
   */
  #startMix(mix: Joined["mix"]): void {
    this.#mix = undefined;
    this.mixProof = undefined;
    const key = mix && fromBase64(mix.key);
    if (!mix || !key || chainSupport() !== "script") return;
    this.#mix = { key, streamId: mix.streamId, v: this.#mixVerifier(key, mix.streamId) };
    this.mixProof = { state: "unverified", reason: "no checkpoint yet", index: -1 };
    this.#emit("mix-provenance", this.mixProof);
  }

  #mixVerifier(key: Uint8Array, streamId: string): DetachedVerifier {
    const v: DetachedVerifier = new DetachedVerifier({
      streamId: fromHex(streamId)!,
      publicKey: key,
      checkpointEvery: DEFAULT_CHECKPOINT_EVERY,
      onChange: (c) => {
        if (this.#mix?.v !== v) return;
        this.mixProof = { state: c.state, reason: c.reason, index: c.index, at: c.at };
        this.#emit("mix-provenance", this.mixProof);
      },
    });
    return v;
  }

  #onMixCheckpoint(m: Extract<ServerMessage, { type: "mix.checkpoint" }>): void {
    const mix = this.#mix;
    if (!mix) return;
    if (m.streamId !== mix.streamId) {
      // Council rebuilt the leg (a media worker failover): a new chain from here.
      mix.streamId = m.streamId;
      mix.v = this.#mixVerifier(mix.key, m.streamId);
    }
    const [streamId, link, signature] = [
      fromHex(m.streamId),
      fromHex(m.link),
      fromBase64(m.signature),
    ];
    if (!streamId || !link || !signature) return;
    mix.v.checkpoint(
      { streamId, index: m.index, rtpTimestamp: m.rtpTimestamp, link, signature },
      epochNow(),
    );
  }

  /**
   * Consumes the mix with the chain worker's receive transform on its receiver, set in
   * the track event of the offer that creates it (Chromium feeds a receiver's script
   * transform only when it is there that early).
   */
  async #consumeMix(consume: () => Promise<types.Consumer>): Promise<types.Consumer> {
    if (!this.#mix) return await consume();
    const worker = this.#chainWorker ??= this.#startChainWorker();
    const options: ChainOptions = { streamId: "mix", every: 0, receive: true };
    const proto = RTCPeerConnection.prototype;
    const setRemoteDescription = proto.setRemoteDescription;
    const onTrack = (e: RTCTrackEvent) => {
      if (e.track.kind === "audio" && !e.receiver.transform) {
        e.receiver.transform = new RTCRtpScriptTransform(worker, options);
      }
    };
    proto.setRemoteDescription = async function (this: RTCPeerConnection, ...args: unknown[]) {
      // The receiver appears with its track event, during this call: not later.
      this.addEventListener("track", onTrack);
      try {
        return await (setRemoteDescription as (...a: unknown[]) => Promise<void>).apply(this, args);
      } finally {
        this.removeEventListener("track", onTrack);
      }
    } as typeof proto.setRemoteDescription;
    try {
      return await consume();
    } finally {
      proto.setRemoteDescription = setRemoteDescription;
    }
  }

  /** Every K frames: the guardian's key signs the checkpoint; it goes to Council over /ws. */
  async #onMark(m: ChainMark): Promise<void> {
    const s = this.signing;
    if (m?.type !== "checkpoint" || !s || m.streamId !== s.streamId) return;
    try {
      const signature = await this.#signer(
        checkpointBytes(fromHex(m.streamId)!, m.index, fromHex(m.link)!),
      );
      await this.request({
        type: "checkpoint",
        streamId: m.streamId,
        index: m.index,
        rtpTimestamp: m.rtpTimestamp,
        link: m.link,
        signature: toBase64(signature),
      });
      s.checkpoints++;
      s.lastIndex = m.index;
    } catch {
      s.failed++;
    }
  }

  #transport(
    direction: "send" | "recv",
    info: TransportInfo,
    insertableStreams = false,
  ): types.Transport {
    const params = {
      id: info.transportId,
      iceParameters: info.iceParameters as unknown as types.IceParameters,
      iceCandidates: info.iceCandidates as unknown as types.IceCandidate[],
      dtlsParameters: info.dtlsParameters as unknown as types.DtlsParameters,
      // Chromium's older insertable streams are a peer connection setting.
      ...(insertableStreams
        ? { additionalSettings: { encodedInsertableStreams: true } as Partial<RTCConfiguration> }
        : {}),
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
        // The audio sender's chain, when its transform was attached as it was created.
        const streamId = kind === "audio" ? this.#announce : undefined;
        if (kind === "audio") this.#announced = streamId;
        const provenance = streamId ? { streamId } : undefined;
        this.request<{ producerId: string }>({
          type: "produce",
          transportId: t.id,
          kind,
          rtpParameters: rtpParameters as unknown as Record<string, unknown>,
          ...(provenance ? { provenance } : {}),
        }).then(({ producerId }) => ok({ id: producerId }), fail);
      });
    }
    t.on("connectionstatechange", (state) => {
      this.transportState[direction] = state;
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
      case "mix.checkpoint":
        this.#onMixCheckpoint(msg);
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
        this.provenance.delete(e.data.memberId);
        break;
      case "provenance.state":
        this.provenance.set(e.data.memberId, e.data);
        this.#emit("provenance", { members: [...this.provenance.values()] });
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
        this.endedReason = e.data.reason;
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
    const consume = () =>
      recv.consume({
        id: info.consumerId,
        producerId: info.producerId,
        kind: info.kind,
        rtpParameters: info.rtpParameters as unknown as types.RtpParameters,
      });
    const consumer = info.memberId === "mix" ? await this.#consumeMix(consume) : await consume();
    this.remote.set(consumer.id, { consumer, memberId: info.memberId });
    if (info.memberId === "mix") this.timings.mixConsumedAt ??= performance.now();
    if (info.memberId === "mix" && this.timings.firstAudioAt === undefined) {
      const track = consumer.track;
      const first = () => this.timings.firstAudioAt ??= performance.now();
      if (!track.muted) first();
      else track.addEventListener("unmute", first, { once: true });
    }
    await this.request({ type: "resumeConsumer", consumerId: consumer.id });
    this.#emit("track", {
      consumerId: consumer.id,
      memberId: info.memberId,
      kind: info.kind,
      track: consumer.track,
    });
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
    this.reconnectAttempt = 1;
    this.#setState("reconnecting");
    for (let attempt = 0; !this.#leaving; attempt++) {
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt);
      this.reconnectAttempt = attempt + 1;
      this.#emit("reconnecting", { attempt: attempt + 1, delayMs: delay });
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
        this.reconnectAttempt = 0;
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
    for (const [consumerId, { consumer, memberId }] of this.remote) {
      consumer.close();
      // The page drops the element that played it (no dead tile is left behind).
      this.#emit("track-ended", { consumerId, memberId });
    }
    this.remote.clear();
    this.transportState.send = this.transportState.recv = "new";
    this.signing = undefined;
    this.#mix = undefined;
    this.mixProof = undefined;
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

  /**
   * Answers the room's call for consent to a recording (`recording.consent`):
   * "consented" or "refused" as Council took it, "not asked" when nothing asks now.
   */
  async consent(consent: boolean): Promise<"consented" | "refused" | "not asked"> {
    const r = await this.request<{ consent: "consented" | "refused" | "not asked" }>({
      type: "consent",
      consent,
    });
    return r.consent;
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
    const unsigned = {
      voteId,
      room: this.o.room,
      guardianId: this.o.guardianId,
      choice,
      timestamp: Date.now(),
    };
    const ballot = {
      ...unsigned,
      signature: toBase64(await this.#signer(ballotBytes(unsigned))),
    };
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
    this.#chainWorker?.terminate();
    this.#chainWorker = undefined;
    this.#ws?.close();
    this.endedReason ??= "left";
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
