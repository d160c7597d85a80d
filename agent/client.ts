// The agent SDK (docs/agent.md): an AI guardian in a Council room. connectAgent()
// signs an admission request with the guardian's key, joins over /ws in agent mode,
// then keeps two sockets alive: the control socket (JSON: events, mute, evidence,
// ballots) and the media socket on the room's media worker (binary 20 ms frames both
// ways, paced here in real time). Either one that drops is reconnected with
// exponential backoff: the control socket resumes from the last event number seen,
// so no event is lost or repeated; the media socket reconnects with a new ticket.

import {
  FRAME_SAMPLES,
  type Joined,
  type MediaTicket,
  type MemberInfo,
  type Numbered,
  PROTOCOL_VERSION,
  type RoomEvent,
  type RoomEventName,
  type ServerMessage,
} from "./protocol.ts";
import { type CallType, secretKeyOf, signAdmission, signBallot } from "./sign.ts";
import { frames, renderSpeech, type VoiceOptions } from "./speech.ts";
import { encodeOpus, type OpusEncodeOptions, type OpusEncoder } from "./opus.ts";

export interface AgentOptions {
  /** Council's HTTP base (http://host:8080) or its /ws URL. */
  url: string;
  /** if://guardian/<name>, registered with this key's public half. */
  guardianId: string;
  /** The guardian's Ed25519 secret key: 32 bytes, or base64 as keygen's key file holds it. */
  secretKey: Uint8Array | string;
  room: string;
  /** Audio formats in order of preference: "L16" (PCM, the default) and/or "opus". */
  codecs?: ("L16" | "opus")[];
  callType?: CallType;
  /** Asked of guard; L16 needs 272 kbps. Default 300. */
  bandwidthKbps?: number;
  pii?: boolean;
  /** Reconnection backoff: first delay, ceiling (ms), and attempts before giving up. */
  reconnect?: { initialMs?: number; maxMs?: number; attempts?: number };
  /** say()'s voice (espeak-ng). */
  voice?: VoiceOptions;
  /**
   * How say() and play() make Opus packets when the agent joined with Opus: Debian's
   * ffmpeg by default (agent/opus.ts), or an encoder of your own.
   */
  opus?: OpusEncodeOptions & { encoder?: OpusEncoder };
  /** Where the SDK reports what it does (default: nowhere). */
  log?: (msg: string, data?: Record<string, unknown>) => void;
}

/** Where the agent stands; "ended" and "closed" are final. */
export type AgentState =
  | "joined"
  | "resumed"
  | "rejoined"
  | "reconnecting"
  | "media"
  | "media-lost"
  | "ended"
  | "closed";

/** A refusal from Council: its code (REJECTED, BAD_REQUEST, ...) and message. */
export class AgentError extends Error {
  override name = "AgentError";
  constructor(readonly code: string, message: string) {
    super(`${code}: ${message}`);
  }
}

type DataOf<N extends RoomEventName> = Extract<RoomEvent, { name: N }>["data"];
type Pending = {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
};
export type AudioFrame = Int16Array | Uint8Array;

const REQUEST_TIMEOUT_MS = 15_000;
/** At most this much audio waits to be sent (sendAudio answers false beyond it). */
const MAX_QUEUED_FRAMES = 3000;
/** After a stall the pacer sends at most this many frames at once, then skips ahead. */
const MAX_CATCH_UP = 3;
/** An Opus packet of 20 ms of silence (CELT, fullband). */
const OPUS_SILENCE = new Uint8Array([0xf8, 0xff, 0xfe]);
/** Reasons after which the agent joins again by itself (anything else ends it). */
const REJOIN_REASONS = ["socket-lost", "media-timeout", "shutdown"];

/** Requests wait here while the control socket reconnects. */
function gate() {
  let open!: () => void, fail!: (e: Error) => void;
  const g = {
    isOpen: false,
    wait: new Promise<void>((a, b) => {
      open = a;
      fail = b;
    }),
    open: () => {
      g.isOpen = true;
      open();
    },
    fail: (e: Error) => fail(e),
  };
  g.wait.catch(() => {});
  return g;
}

function wsUrl(url: string): string {
  const u = new URL(url);
  if (u.protocol === "http:") u.protocol = "ws:";
  if (u.protocol === "https:") u.protocol = "wss:";
  if (u.pathname === "/" || u.pathname === "") u.pathname = "/ws";
  return u.toString();
}

export class Agent {
  memberId = "";
  /** Members of the room now, by member id (kept from the join and the events). */
  readonly members = new Map<string, MemberInfo>();
  /** The number of the last event applied. */
  lastSeq = 0;
  codec: "L16" | "opus" = "L16";
  state: AgentState = "reconnecting";
  readonly #o: AgentOptions;
  readonly #key: Uint8Array;
  #control?: WebSocket;
  #media?: WebSocket;
  #resumeToken = "";
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Map<string, Set<(data: unknown, e: Numbered) => void>>();
  readonly #stateListeners = new Set<(s: AgentState, detail?: string) => void>();
  #audio?: (frame: AudioFrame) => void;
  #closing = false;
  #ended = false;
  /** The seat ended (socket-lost, media-timeout, shutdown): the next connection joins anew. */
  #rejoin = false;
  #controlAttempt = 0;
  #mediaAttempt = 0;
  #mediaWanted = false;
  #mediaTimer?: ReturnType<typeof setTimeout>;
  // Pacing: one frame every 20 ms from #paceStart while the media socket is open.
  #queue: { frame: AudioFrame; done?: () => void }[] = [];
  #paceStart = 0;
  #paceSent = 0;
  #paceTimer?: ReturnType<typeof setTimeout>;
  readonly counters = { framesIn: 0, framesOut: 0, reconnects: 0, mediaReconnects: 0 };
  /** Why the media socket last closed (its close frame, or the notice before it). */
  lastMediaClose?: { code: number; reason: string };

  constructor(o: AgentOptions) {
    this.#o = o;
    this.#key = secretKeyOf(o.secretKey);
  }

  get room(): string {
    return this.#o.room;
  }

  get guardianId(): string {
    return this.#o.guardianId;
  }

  /** A numbered room event by name ("any": every one); returns the unsubscribe. */
  on<N extends RoomEventName>(name: N, fn: (data: DataOf<N>, e: Numbered) => void): () => void;
  on(name: "any", fn: (data: unknown, e: Numbered) => void): () => void;
  on(name: string, fn: (data: never, e: Numbered) => void): () => void {
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, set = new Set());
    const f = fn as (data: unknown, e: Numbered) => void;
    set.add(f);
    return () => set.delete(f);
  }

  /** The agent's state as it changes (joined, reconnecting, media, ...). */
  onState(fn: (state: AgentState, detail?: string) => void): () => void {
    this.#stateListeners.add(fn);
    return () => this.#stateListeners.delete(fn);
  }

  /** What the agent hears: every 20 ms, the mix of everyone else (PCM, or an Opus packet). */
  onAudio(fn: (frame: AudioFrame) => void): void {
    this.#audio = fn;
  }

  /**
   * Queues one 20 ms frame to send (320 samples of 16 kHz PCM, or one Opus packet);
   * the SDK sends a frame every 20 ms, silence when nothing waits. False when full.
   */
  sendAudio(frame: AudioFrame): boolean {
    this.#checkFrame(frame);
    if (this.#queue.length >= MAX_QUEUED_FRAMES) return false;
    this.#queue.push({ frame });
    return true;
  }

  /**
   * Speaks `text` (espeak-ng), streamed in real time (as PCM, or encoded to Opus when
   * the agent joined with Opus); resolves when the last frame is sent.
   */
  async say(text: string, voice: VoiceOptions = this.#o.voice ?? {}): Promise<void> {
    await this.play(await renderSpeech(text, voice));
  }

  /**
   * Streams 16 kHz mono PCM of any length in real time (encoded to 20 ms Opus packets
   * first when the agent joined with Opus); resolves when it has all been sent.
   */
  async play(pcm: Int16Array): Promise<void> {
    const all: AudioFrame[] = this.codec === "L16"
      ? frames(pcm)
      : await (this.#o.opus?.encoder ?? ((p: Int16Array) => encodeOpus(p, this.#o.opus)))(pcm);
    if (all.length === 0) return;
    for (const f of all) this.#checkFrame(f); // an encoder of the caller's may be wrong
    if (this.#queue.length + all.length > MAX_QUEUED_FRAMES) throw new Error("play(): queue full");
    await new Promise<void>((done) => {
      all.forEach((frame, i) =>
        this.#queue.push({ frame, done: i === all.length - 1 ? done : undefined })
      );
    });
  }

  /** Frames waiting to be sent (0: nothing is being said). */
  get queued(): number {
    return this.#queue.length;
  }

  mute(muted = true): Promise<{ muted: boolean }> {
    return this.request("mute", { muted }) as Promise<{ muted: boolean }>;
  }

  postEvidence(
    item: { kind: string; title: string; body: string; url?: string },
  ): Promise<{ evidenceId: string }> {
    return this.request("postEvidence", item) as Promise<{ evidenceId: string }>;
  }

  /** Casts a ballot signed with the guardian's key. */
  async vote(voteId: string, choice: string): Promise<{ voteId: string; state: string }> {
    const signed = await signBallot(
      { voteId, room: this.#o.room, guardianId: this.#o.guardianId, choice },
      this.#key,
    );
    return await this.request("vote", { voteId, choice, ...signed }) as {
      voteId: string;
      state: string;
    };
  }

  /**
   * Answers the room's call for consent to a recording (the `recording.consent`
   * event): "consented" or "refused" as Council took it. Refused (OUT_OF_ORDER)
   * when nothing asks.
   */
  async consent(consent: boolean): Promise<"consented" | "refused"> {
    const r = await this.request("consent", { consent }) as { consent: "consented" | "refused" };
    return r.consent;
  }

  /** Any request of the agent protocol; waits for a connection when reconnecting. */
  async request(type: string, fields: Record<string, unknown> = {}): Promise<unknown> {
    if (this.#closing || this.#ended) throw new AgentError("CLOSED", "the agent is closed");
    await this.#gate.wait;
    return await this.#send(type, fields);
  }

  /** Leaves the room and closes both sockets. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#stopMedia();
    if (!this.#ended && this.#control?.readyState === WebSocket.OPEN) {
      await this.#send("leave", {}).catch(() => {});
    }
    this.#closing = true;
    this.#control?.close();
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(new AgentError("CLOSED", "the agent is closed"));
    }
    this.#pending.clear();
    this.#gate.fail(new AgentError("CLOSED", "the agent is closed"));
    this.#setState("closed");
  }

  // --- control ---------------------------------------------------------------

  /**
   * Connects (hello, then join or resume). Resolves once in; rejects when Council
   * refuses the join or cannot be reached within the reconnect attempts.
   */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#first = { resolve, reject };
      this.#dial();
    });
  }

  #first?: { resolve(): void; reject(e: Error): void };
  #gate = gate();

  #dial(): void {
    const ws = new WebSocket(wsUrl(this.#o.url));
    this.#control = ws;
    ws.onmessage = (e) => this.#onControl(e.data);
    ws.onopen = async () => {
      try {
        await this.#send("hello", { version: PROTOCOL_VERSION, mode: "agent" });
        await this.#enter();
        this.#controlAttempt = 0;
        this.#gate.open();
        this.#first?.resolve();
        this.#first = undefined;
      } catch (err) {
        if (err instanceof AgentError && err.code !== "CONNECTION_LOST" && err.code !== "TIMEOUT") {
          // Refused (a bad signature, a full room...): retrying would not help.
          if (this.#first) this.#first.reject(err);
          this.#first = undefined;
          return this.#end(err.message);
        }
        ws.close();
      }
    };
    ws.onclose = () => {
      if (this.#control !== ws) return;
      for (const [id, p] of this.#pending) {
        clearTimeout(p.timer);
        p.reject(new AgentError("CONNECTION_LOST", "the control socket closed"));
        this.#pending.delete(id);
      }
      if (this.#closing || this.#ended) return;
      if (this.#gate.isOpen) this.#gate = gate();
      this.#setState("reconnecting");
      const attempts = this.#o.reconnect?.attempts ?? Infinity;
      if (this.#controlAttempt >= attempts) {
        const why = `cannot reach ${this.#o.url} after ${attempts} attempts`;
        this.#first?.reject(new AgentError("UNREACHABLE", why));
        this.#first = undefined;
        return this.#end(why);
      }
      const delay = this.#backoff(this.#controlAttempt++);
      this.#o.log?.("control socket lost; reconnecting", { delay });
      this.counters.reconnects++;
      setTimeout(() => !this.#closing && !this.#ended && this.#dial(), delay);
    };
  }

  /** Resume the membership when there is one (no event lost), else join anew. */
  async #enter(): Promise<void> {
    if (this.#resumeToken) {
      try {
        const r = await this.#send("resume", {
          token: this.#resumeToken,
          lastSeq: this.lastSeq,
        }) as {
          replayed: number;
        };
        this.#setState("resumed", `${r.replayed} events replayed`);
        if (!this.#media) this.#wantMedia(0);
        return;
      } catch (err) {
        if (!(err instanceof AgentError) || err.code !== "RESUME_FAILED") throw err;
        this.#o.log?.("resume failed; joining again", { why: err.message });
      }
    }
    await this.#join(this.#resumeToken || this.#rejoin ? "rejoined" : "joined");
    this.#rejoin = false;
  }

  async #join(state: "joined" | "rejoined"): Promise<void> {
    const admission = await signAdmission({
      guardianId: this.#o.guardianId,
      room: this.#o.room,
      callType: this.#o.callType ?? "ROUTINE",
      bandwidthKbps: this.#o.bandwidthKbps ?? 300,
      codecs: this.#o.codecs ?? ["L16"],
      pii: this.#o.pii ?? false,
    }, this.#key);
    const joined = await this.#send("join", { room: this.#o.room, admission }) as Joined;
    this.memberId = joined.memberId;
    this.#resumeToken = joined.resumeToken;
    this.lastSeq = joined.seq;
    this.codec = joined.media.codec;
    this.members.clear();
    for (const m of joined.members) this.members.set(m.memberId, m);
    this.#setState(state);
    this.#openMedia(joined.media);
  }

  #send(type: string, fields: Record<string, unknown>): Promise<unknown> {
    const ws = this.#control;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(new AgentError("CONNECTION_LOST", "not connected"));
    }
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new AgentError("TIMEOUT", `no answer to ${type}`));
      }, REQUEST_TIMEOUT_MS);
      this.#pending.set(id, { resolve, reject, timer });
      ws.send(JSON.stringify({ ...fields, type, id }));
    });
  }

  #onControl(text: unknown): void {
    if (typeof text !== "string") return;
    let msg: ServerMessage;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    switch (msg.type) {
      case "result":
      case "error": {
        const p = msg.id !== undefined ? this.#pending.get(msg.id) : undefined;
        if (!p) {
          if (msg.type === "error") this.#o.log?.("error from Council", { ...msg });
          return;
        }
        this.#pending.delete(msg.id!);
        clearTimeout(p.timer);
        if (msg.type === "result") p.resolve(msg.data);
        else p.reject(new AgentError(msg.code, msg.message));
        return;
      }
      case "ping":
        this.#control?.send(JSON.stringify({ type: "pong", id: msg.id }));
        return;
      case "event":
        // A malformed event (no whole-number seq, no name, no data object) is dropped:
        // taken, it would corrupt lastSeq, and with it resume (found by the sandbox's
        // malformed.survives check, docs/talent.md).
        if (
          !Number.isSafeInteger(msg.seq) || msg.seq < 1 || typeof msg.name !== "string" ||
          typeof msg.data !== "object" || msg.data === null
        ) {
          this.#o.log?.("malformed event dropped", { name: String(msg.name).slice(0, 40) });
          return;
        }
        return this.#onEvent(msg);
    }
  }

  #onEvent(e: Numbered): void {
    // Each event once: a replay after a resume starts after lastSeq.
    if (e.seq <= this.lastSeq) return;
    this.lastSeq = e.seq;
    if (e.name === "member.joined") this.members.set(e.data.memberId, e.data);
    if (e.name === "member.left") this.members.delete(e.data.memberId);
    if (e.name === "member.muted") {
      const m = this.members.get(e.data.memberId);
      if (m) m.muted = e.data.muted;
    }
    for (const name of [e.name, "any"]) {
      for (const fn of this.#listeners.get(name) ?? []) {
        try {
          fn(e.data, e);
        } catch (err) {
          this.#o.log?.("event listener failed", { event: e.name, err: String(err) });
        }
      }
    }
    if (e.name === "session.ended") {
      if (REJOIN_REASONS.includes(e.data.reason) && !this.#closing) {
        // The seat is gone but the agent is not: join again with a new request, on a
        // new connection with backoff (a server shutting down comes back later).
        this.#rejoin = true;
        this.#resumeToken = "";
        this.#stopMedia();
        this.#control?.close();
      } else {
        this.#end(e.data.reason);
      }
    }
  }

  #end(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#gate.fail(new AgentError("ENDED", reason));
    this.#stopMedia();
    this.#control?.close();
    this.#setState("ended", reason);
  }

  #setState(state: AgentState, detail?: string): void {
    this.state = state;
    this.#o.log?.(`agent ${state}`, detail ? { detail } : undefined);
    for (const fn of this.#stateListeners) fn(state, detail);
  }

  #backoff(attempt: number): number {
    const initial = this.#o.reconnect?.initialMs ?? 250;
    const max = this.#o.reconnect?.maxMs ?? 10_000;
    return Math.round(Math.min(max, initial * 2 ** attempt) * (0.5 + Math.random() / 2));
  }

  // --- media -----------------------------------------------------------------

  #openMedia(t: MediaTicket): void {
    this.#mediaWanted = true;
    const ws = new WebSocket(`${t.url}?ticket=${encodeURIComponent(t.ticket)}`);
    ws.binaryType = "arraybuffer";
    this.#media = ws;
    let notice: { code: number; reason: string } | undefined;
    ws.onopen = () => {
      this.#mediaAttempt = 0;
      this.#setState("media");
      this.#paceStart = performance.now();
      this.#paceSent = 0;
      this.#pace();
    };
    ws.onmessage = (e) => {
      if (e.data instanceof ArrayBuffer) {
        this.counters.framesIn++;
        this.#audio?.(this.codec === "L16" ? new Int16Array(e.data) : new Uint8Array(e.data));
      } else if (typeof e.data === "string") {
        try {
          const m = JSON.parse(e.data);
          if (m.type === "close") notice = { code: m.code, reason: m.reason };
        } catch { /* not ours */ }
      }
    };
    ws.onclose = (e) => {
      if (this.#media !== ws) return;
      this.#media = undefined;
      clearTimeout(this.#paceTimer);
      this.lastMediaClose = e.code >= 1000 && e.code !== 1006
        ? { code: e.code, reason: e.reason }
        : notice ?? { code: e.code, reason: "connection lost" };
      if (!this.#mediaWanted || this.#closing || this.#ended) return;
      this.#setState("media-lost", `${this.lastMediaClose.code} ${this.lastMediaClose.reason}`);
      this.#wantMedia(this.#backoff(this.#mediaAttempt++));
    };
  }

  /** Asks for a new ticket after `delay` ms and reconnects the media socket. */
  #wantMedia(delay: number): void {
    clearTimeout(this.#mediaTimer);
    this.#mediaTimer = setTimeout(async () => {
      if (this.#closing || this.#ended || this.#media) return;
      try {
        const t = await this.#send("media", {}) as MediaTicket;
        this.counters.mediaReconnects++;
        this.#openMedia(t);
      } catch (err) {
        // The control socket is down (its reconnect asks again) or the seat is gone.
        this.#o.log?.("no media ticket", { err: String(err) });
        if (this.#control?.readyState === WebSocket.OPEN) {
          this.#wantMedia(this.#backoff(this.#mediaAttempt++));
        }
      }
    }, delay);
  }

  #stopMedia(): void {
    this.#mediaWanted = false;
    clearTimeout(this.#mediaTimer);
    clearTimeout(this.#paceTimer);
    const ws = this.#media;
    this.#media = undefined;
    ws?.close();
  }

  /** Sends the frames due since the media socket opened: queued audio, else silence. */
  #pace(): void {
    const ws = this.#media;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    let due = Math.floor((performance.now() - this.#paceStart) / 20) + 1 - this.#paceSent;
    if (due > MAX_CATCH_UP) {
      // A stall (a busy process): what was not sent then is not sent in a burst now.
      this.#paceSent += due - 1;
      due = 1;
    }
    for (; due > 0; due--) {
      const next = this.#queue.shift();
      ws.send(next?.frame ?? (this.codec === "L16" ? new Int16Array(FRAME_SAMPLES) : OPUS_SILENCE));
      next?.done?.();
      this.#paceSent++;
      this.counters.framesOut++;
    }
    const at = this.#paceStart + this.#paceSent * 20;
    this.#paceTimer = setTimeout(() => this.#pace(), Math.max(0, at - performance.now()));
  }

  #checkFrame(frame: AudioFrame): void {
    if (this.codec === "L16" && !(frame instanceof Int16Array && frame.length === FRAME_SAMPLES)) {
      throw new Error(`sendAudio(): an Int16Array of ${FRAME_SAMPLES} samples (20 ms at 16 kHz)`);
    }
    if (this.codec === "opus" && !(frame instanceof Uint8Array && frame.length > 0)) {
      throw new Error("sendAudio(): one Opus packet (20 ms) as a Uint8Array");
    }
  }
}

/**
 * Joins `room` as the guardian and resolves once the agent is in (its media
 * connecting). Rejects with an AgentError when Council refuses (REJECTED: guard's
 * reason, e.g. INVALID_SIGNATURE).
 */
export async function connectAgent(o: AgentOptions): Promise<Agent> {
  const agent = new Agent(o);
  await agent.start();
  return agent;
}
