/// <reference lib="dom" />
// The join page's state and what it does: the pre-join check (names, key, devices),
// joining with the stored key, the call (members, speaker, video, votes, evidence,
// invitations), mute, leave, and how each session ended. The view (ui.ts) renders
// `state` and calls these methods; nothing here touches the page's layout except
// the mix's <audio data-member="mix"> element, which is the body's own child
// (the join-time benchmark watches the body for it).

import type { Device } from "mediasoup-client";
import type { MixProof } from "./client.ts";
import type { MemberInfo, MemberProvenance } from "../../signaling/webrtc/protocol.ts";
import { CouncilClient, type Signer } from "./client.ts";
import { Preview } from "./devices.ts";
import {
  cryptoKeySigner,
  fingerprint,
  forgetKey,
  type ImportedKey,
  importSeed,
  loadKey,
  parseKey,
  saveKey,
} from "./keystore.ts";
import { nameProblem } from "./names.ts";
import { type Ending, ending, joinError, MEDIA_HINT, statusLine } from "./status.ts";

export interface Vote {
  voteId: string;
  question: string;
  options: string[];
  /** This guardian's ballot, once counted. */
  mine?: string;
  result?: { winner: string | null; counts: Record<string, number> };
}

export interface Evidence {
  id: string;
  title: string;
  body: string;
  url?: string;
  postedBy: string;
}

export interface Invitation {
  room: string;
  escalationId: string;
  severity: string;
  summary: string;
}

/** A remote video track, until its consumer closes or the track ends. */
export interface RemoteVideo {
  consumerId: string;
  memberId: string;
  track: MediaStreamTrack;
}

/** Whose key the form will sign with. */
export type KeyState =
  | { kind: "none" }
  | { kind: "checking" }
  /** Imported this visit, stored once a join proves the server takes it. */
  | { kind: "pending"; fingerprint: string }
  | { kind: "stored"; fingerprint: string };

export interface PageState {
  phase: "prejoin" | "joining" | "call";
  guardian: string;
  room: string;
  withVideo: boolean;
  keyText: string;
  key: KeyState;
  /** The #error line: what went wrong and is still true. */
  error: string;
  /** The #status line. */
  status: string;
  /** How the last session ended (shown on the pre-join screen). */
  ended?: Ending;
  members: MemberInfo[];
  me?: string;
  speaker: string | null;
  levels: Record<string, number>;
  muted: boolean;
  videos: RemoteVideo[];
  votes: Vote[];
  evidence: Evidence[];
  invitation?: Invitation;
  /** Media has not connected: why that may be. */
  mediaWarning?: string;
  /** The reconnect's last failure, shown under the status while reconnecting. */
  reconnectWhy?: string;
  /** The room's mix is being recorded (`recording.started`, docs/provenance.md). */
  recording?: { recordingId: string; by: string };
  /** The room asks this member's consent to be recorded (`recording.consent`). */
  consent?: ConsentAsk;
  /** What became of the last call for consent, in words (until the next one). */
  consentNote?: string;
  /** Members' signed streams as Council verifies them (absent: unverified, not signed). */
  provenance: Record<string, MemberProvenance>;
  /** The mix this page hears, as this page verifies it (absent: not chained). */
  mixProof?: MixProof;
}

/** A recording's call for consent, as the page shows it. */
export interface ConsentAsk {
  recordingId: string;
  /** Why the policy asks (Council's words). */
  why: string;
  /** When an unanswered call counts as a refusal (Date.now() clock). */
  deadline: number;
  /** The answer is on its way. */
  answering?: boolean;
}

/** A call's part of the state, as it is when no call is on. */
const NO_CALL = {
  members: [],
  me: undefined,
  speaker: null,
  levels: {},
  muted: false,
  videos: [],
  votes: [],
  evidence: [],
  mediaWarning: undefined,
  reconnectWhy: undefined,
  recording: undefined,
  consent: undefined,
  consentNote: undefined,
  provenance: {},
  mixProof: undefined,
} satisfies Partial<PageState>;

/** How long a joined page waits for its media to connect before it warns. */
const MEDIA_WARN_MS = 8000;

const GUARDIAN = "if://guardian/";
export const guardianUri = (name: string) => `${GUARDIAN}${name}`;
export const shortName = (guardianId: string) => guardianId.replace(GUARDIAN, "");

export class JoinPage extends EventTarget {
  state: PageState = {
    phase: "prejoin",
    guardian: "",
    room: "main",
    withVideo: false,
    keyText: "",
    key: { kind: "none" },
    error: "",
    status: "Not connected",
    ...NO_CALL,
  };
  readonly preview = new Preview();
  client?: CouncilClient;
  media?: MediaStream;
  /** The key imported this visit (not stored until a join succeeds with it). */
  #imported?: ImportedKey;
  #importedFor?: string;
  #device: Promise<Device | undefined>;
  #mix?: HTMLAudioElement;
  #mediaTimer?: ReturnType<typeof setTimeout>;
  #switching = false;
  #keyLookup = 0;

  constructor(device: Promise<Device | undefined>) {
    super();
    this.#device = device;
    this.preview.addEventListener("change", () => this.#changed());
  }

  set(patch: Partial<PageState>): void {
    this.state = { ...this.state, ...patch };
    this.#changed();
  }

  #changed(): void {
    this.dispatchEvent(new Event("change"));
  }

  // ---- pre-join ---------------------------------------------------------------

  /** Opens the microphone for the meter; the form works without it. */
  startPreview(): void {
    this.preview.start(this.state.withVideo).catch(() => {});
  }

  setGuardian(guardian: string): void {
    this.set({ guardian, error: "" });
    this.#lookUpKey(guardian);
  }

  setRoom(room: string): void {
    this.set({ room, error: "" });
  }

  setKeyText(keyText: string): void {
    this.set({ keyText, error: "" });
  }

  setVideo(withVideo: boolean): void {
    this.set({ withVideo });
    this.preview.setVideo(withVideo).catch(() => {});
  }

  /** Whether a key is stored (or imported) for the guardian now in the form. */
  #lookUpKey(guardian: string): void {
    const n = ++this.#keyLookup;
    if (this.#imported && this.#importedFor === guardian) {
      this.set({ key: { kind: "pending", fingerprint: fingerprint(this.#imported.publicKey) } });
      return;
    }
    if (nameProblem("guardian", guardian) !== undefined) {
      this.set({ key: { kind: "none" } });
      return;
    }
    loadKey(guardian).then((stored) => {
      if (n !== this.#keyLookup) return;
      this.set({
        key: stored ? { kind: "stored", fingerprint: fingerprint(stored.publicKey) } : {
          kind: "none",
        },
      });
    }, () => this.set({ key: { kind: "none" } }));
  }

  /** Forgets the guardian's key in this browser (stored or only imported). */
  async forgetKey(): Promise<void> {
    const guardian = this.state.guardian;
    if (this.#importedFor === guardian) this.#imported = this.#importedFor = undefined;
    try {
      await forgetKey(guardian);
      this.set({ key: { kind: "none" }, error: "" });
    } catch (err) {
      this.set({ error: `The key could not be forgotten: ${(err as Error).message}` });
    }
  }

  /** The signer for the guardian in the form: stored, imported, or imported now. */
  async #signer(guardian: string): Promise<{ signer: Signer; fresh?: ImportedKey }> {
    if (this.#imported && this.#importedFor === guardian) {
      return { signer: cryptoKeySigner(this.#imported.key), fresh: this.#imported };
    }
    const text = this.state.keyText;
    if (text.trim() === "") {
      const stored = await loadKey(guardian).catch(() => undefined);
      if (stored) return { signer: cryptoKeySigner(stored.key) };
      throw new Error(`No key for ${guardian} in this browser: choose the key file or paste it.`);
    }
    const imported = await importSeed(parseKey(text));
    this.#imported = imported;
    this.#importedFor = guardian;
    // The secret leaves the page: from now on only the non-extractable key signs.
    this.set({
      keyText: "",
      key: { kind: "pending", fingerprint: fingerprint(imported.publicKey) },
    });
    return { signer: cryptoKeySigner(imported.key), fresh: imported };
  }

  // ---- joining ----------------------------------------------------------------

  /** Joins the room in the form. `clickAt`: the Join click's time (the benchmark's start). */
  async join(clickAt: number): Promise<void> {
    if (this.state.phase !== "prejoin") return;
    const { guardian, room, withVideo } = this.state;
    const problem = nameProblem("guardian", guardian) ?? nameProblem("room", room);
    if (problem) return this.set({ error: problem });
    this.set({ error: "", ended: undefined, phase: "joining", status: `Joining room ${room}…` });
    let media: MediaStream | undefined;
    let client: CouncilClient | undefined;
    let key: { signer: Signer; fresh?: ImportedKey };
    try {
      key = await this.#signer(guardian);
      media = await this.preview.media(withVideo);
    } catch (err) {
      return this.set({ phase: "prejoin", status: "Not connected", error: joinError(err) });
    }
    const mediaAt = performance.now();
    try {
      const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
      client = new CouncilClient({
        url,
        room,
        guardianId: guardianUri(guardian),
        signer: key.signer,
        audio: media.getAudioTracks()[0],
        video: media.getVideoTracks()[0],
        device: await this.#device,
      });
      this.#attach(client, media);
      // The join's timing marks (CouncilClient.timings), for the join-time benchmark.
      Object.assign(client.timings, { clickAt, mediaAt });
      (globalThis as { __councilTimings?: unknown }).__councilTimings = client.timings;
      await client.join();
    } catch (err) {
      const message = joinError(err);
      // A key the server refuses is not kept (a stored one stays until forgotten).
      if (/INVALID_SIGNATURE|NOT_REGISTERED/.test(String((err as Error)?.message))) {
        if (key.fresh) this.#imported = this.#importedFor = undefined;
        this.#lookUpKey(guardian);
      }
      // The preview keeps its tracks and meter for the next try.
      if (this.client === client) this.client = undefined;
      return this.set({ phase: "prejoin", status: "Could not join", error: message });
    }
    if (key.fresh) {
      saveKey(guardian, key.fresh).then(() => {
        if (this.#importedFor === guardian) this.#imported = this.#importedFor = undefined;
        if (this.state.guardian === guardian) {
          this.set({ key: { kind: "stored", fingerprint: fingerprint(key.fresh!.publicKey) } });
        }
      }, (err) => this.set({ error: `The key could not be stored: ${(err as Error).message}` }));
    }
    this.preview.stopMeter();
    this.set({ phase: "call", me: client.memberId, muted: false });
    this.#mediaWatch(client);
    this.#syncStatus();
  }

  /** Follows a client's events into the page's state. */
  #attach(client: CouncilClient, media: MediaStream): void {
    this.client = client;
    this.media = media;
    (globalThis as { council?: unknown }).council = { client, media };
    const mine = (fn: () => void) => () => {
      if (this.client === client) fn();
    };
    const on = (type: string, fn: (detail: never) => void) =>
      client.addEventListener(type, (ev) => {
        if (this.client === client) fn((ev as CustomEvent).detail as never);
      });
    const members = mine(() =>
      this.set({
        members: [...client.members.values()],
        speaker: client.speaker,
        me: client.memberId,
      })
    );
    for (const ev of ["members", "speaker", "member.muted"]) {
      client.addEventListener(ev, members);
    }
    on("levels", () => this.set({ levels: client.levels }));
    on("provenance", () => this.set({ provenance: Object.fromEntries(client.provenance) }));
    on("mix-provenance", () => this.set({ mixProof: client.mixProof }));
    on("state", () => this.#onState(client));
    on("transport", () => this.#syncStatus());
    on("reconnecting", () => this.#syncStatus());
    on("error", (d: { code: string; message: string }) => {
      if (d.code === "RECONNECT") this.set({ reconnectWhy: d.message });
      else this.set({ error: d.message });
    });
    on("invitation", (d: Invitation) => this.set({ invitation: d }));
    on("recording.started", (d: { recordingId: string; by: string }) =>
      this.set({
        recording: d,
        ...this.#consentOver(d.recordingId, "Everyone agreed: the room is being recorded."),
      }));
    on("recording.stopped", (d: { recordingId: string; reason: string }) =>
      this.set({
        recording: undefined,
        ...this.#consentOver(d.recordingId, `Recording stopped: ${d.reason}`),
      }));
    on(
      "recording.consent",
      (d: { recordingId: string; why: string; timeoutMs: number }) =>
        this.set({
          consent: { recordingId: d.recordingId, why: d.why, deadline: Date.now() + d.timeoutMs },
          consentNote: undefined,
        }),
    );
    on("recording.refused", (d: { recordingId: string; reason: string }) =>
      this.set(
        this.#consentOver(
          d.recordingId,
          `Nothing is recorded: ${d.reason.replaceAll(GUARDIAN, "")}`,
        ),
      ));
    on("evidence.shown", (e: Evidence) => {
      if (this.state.evidence.some((x) => x.id === e.id)) return;
      this.set({ evidence: [...this.state.evidence, e] });
    });
    on("vote.opened", (v: Vote) => {
      if (this.state.votes.some((x) => x.voteId === v.voteId)) return;
      this.set({
        votes: [...this.state.votes, {
          voteId: v.voteId,
          question: v.question,
          options: v.options,
        }],
      });
    });
    on("vote.closed", (r: { voteId: string; result: Vote["result"] }) => {
      this.set({
        votes: this.state.votes.map((v) => v.voteId === r.voteId ? { ...v, result: r.result } : v),
      });
    });
    on("track", (d: RemoteVideo & { kind: string }) => {
      if (d.kind === "audio") return this.#playMix(client, d.track);
      const { consumerId, memberId, track } = d;
      const video: RemoteVideo = { consumerId, memberId, track };
      track.addEventListener("ended", () => this.#dropVideo(consumerId));
      this.set({ videos: [...this.state.videos.filter((v) => v.memberId !== memberId), video] });
    });
    on("track-ended", (d: { consumerId: string; memberId?: string }) => {
      if (d.memberId === "mix") return this.#stopMix();
      this.#dropVideo(d.consumerId);
    });
  }

  #dropVideo(consumerId: string): void {
    if (!this.state.videos.some((v) => v.consumerId === consumerId)) return;
    this.set({ videos: this.state.videos.filter((v) => v.consumerId !== consumerId) });
  }

  /** The mix plays through <audio data-member="mix">, a child of the body. */
  #playMix(client: CouncilClient, track: MediaStreamTrack): void {
    this.#stopMix();
    const el = document.createElement("audio");
    el.autoplay = true;
    el.dataset.member = "mix";
    el.srcObject = new MediaStream([track]);
    const sink = this.preview.speakerId;
    if (sink && "setSinkId" in el) {
      (el as { setSinkId(id: string): Promise<void> }).setSinkId(sink).catch(() => {});
    }
    document.body.append(el);
    this.#mix = el;
    client.timings.playerAt ??= performance.now();
  }

  #stopMix(): void {
    if (!this.#mix) return;
    this.#mix.srcObject = null;
    this.#mix.remove();
    this.#mix = undefined;
  }

  /** Warns when media has not connected a while after joining (UDP blocked, say). */
  #mediaWatch(client: CouncilClient): void {
    clearTimeout(this.#mediaTimer);
    this.#mediaTimer = setTimeout(() => {
      if (this.client !== client || client.state !== "joined") return;
      if (client.transportState.recv !== "connected") this.#syncStatus(true);
    }, MEDIA_WARN_MS);
  }

  #syncStatus(late = false): void {
    const c = this.client;
    if (!c) return;
    const media = c.transportState.recv;
    const bad = media === "failed" || media === "disconnected";
    const warn = c.state === "joined" && media !== "connected" &&
      (bad || late || this.state.mediaWarning !== undefined);
    this.set({
      status: statusLine({
        state: c.state,
        room: c.o.room,
        attempt: c.reconnectAttempt,
        media,
        endedReason: c.endedReason,
      }),
      mediaWarning: warn
        ? `Audio has not connected${
          bad ? ` (${media})` : ` after ${MEDIA_WARN_MS / 1000} s`
        }. ${MEDIA_HINT}`
        : undefined,
    });
  }

  #onState(client: CouncilClient): void {
    if (client.state === "joined") {
      // Back in the room (after a reconnect or a rejoin): what went wrong is over.
      this.#mediaWatch(client);
      this.set({
        me: client.memberId,
        members: [...client.members.values()],
        reconnectWhy: undefined,
        error: "",
      });
    }
    if (client.state === "left" && !this.#switching) {
      const room = client.o.room;
      this.#detach();
      this.set({ phase: "prejoin", ended: ending(client.endedReason ?? "left", room) });
    }
    this.#syncStatus();
  }

  /** The call is over: its media stops, its state goes (the ending is kept). */
  #detach(): void {
    clearTimeout(this.#mediaTimer);
    this.#stopMix();
    this.preview.stop();
    this.set(NO_CALL);
  }

  // ---- in the call ------------------------------------------------------------

  async toggleMute(): Promise<void> {
    const c = this.client;
    if (!c || this.state.phase !== "call") return;
    const next = !c.muted;
    try {
      await c.mute(next);
      this.set({ muted: next, error: "" });
    } catch (err) {
      this.set({ error: `Could not ${next ? "mute" : "unmute"}: ${(err as Error).message}` });
    }
  }

  async leave(): Promise<void> {
    try {
      await this.client?.leave();
    } catch (err) {
      this.set({ error: (err as Error).message });
    }
  }

  async castBallot(voteId: string, choice: string): Promise<void> {
    try {
      await this.client!.castBallot(voteId, choice);
      this.set({
        error: "",
        votes: this.state.votes.map((v) => v.voteId === voteId ? { ...v, mine: choice } : v),
      });
    } catch (err) {
      this.set({ error: `Your ballot was not counted: ${(err as Error).message}` });
    }
  }

  async postEvidence(title: string, body: string): Promise<boolean> {
    try {
      await this.client!.postEvidence({ kind: "text", title, body });
      this.set({ error: "" });
      return true;
    } catch (err) {
      this.set({ error: `Not shown: ${(err as Error).message}` });
      return false;
    }
  }

  /** Answers the room's call for consent; the prompt stays until Council took the answer. */
  async answerConsent(yes: boolean): Promise<void> {
    const ask = this.state.consent;
    if (!ask || ask.answering || !this.client) return;
    this.set({ consent: { ...ask, answering: true } });
    try {
      const answer = await this.client.consent(yes);
      if (this.state.consent?.recordingId !== ask.recordingId) return;
      this.set({
        error: "",
        consent: undefined,
        consentNote: answer === "consented"
          ? "You agreed to be recorded; waiting for the others."
          : answer === "refused"
          ? "You refused: nothing is recorded."
          : "The call for consent was already over.",
      });
    } catch (err) {
      if (this.state.consent?.recordingId !== ask.recordingId) return;
      this.set({
        consent: { ...ask, answering: false },
        error: `Your answer was not taken: ${(err as Error).message}`,
      });
    }
  }

  /** The prompt and note once a recording's call for consent has ended this way. */
  #consentOver(recordingId: string, note: string): Partial<PageState> {
    const asked = this.state.consent?.recordingId === recordingId ||
      this.state.consentNote !== undefined;
    return asked ? { consent: undefined, consentNote: note } : {};
  }

  dismissConsentNote(): void {
    this.set({ consentNote: undefined });
  }

  dismissInvitation(): void {
    this.set({ invitation: undefined });
  }

  /** Leaves this room (if in one) and joins the invitation's, with the same key and devices. */
  async acceptInvitation(): Promise<void> {
    const inv = this.state.invitation;
    if (!inv) return;
    this.set({ invitation: undefined, room: inv.room });
    if (this.client && this.state.phase === "call") {
      this.#switching = true;
      try {
        await this.client.leave();
      } finally {
        this.#switching = false;
      }
      clearTimeout(this.#mediaTimer);
      this.#stopMix();
      this.set({ phase: "prejoin", ...NO_CALL });
    }
    await this.join(performance.now());
  }
}
