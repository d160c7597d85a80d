// Recordings of rooms, for operators: start and stop (the media worker records the
// room's mix and chains it, media/engine/recorder.ts), list, and the provable file
// to download (recording_file.ts). Every start and end is witnessed, and every live
// recording's chain head is anchored in the witness at an interval (chain_anchors.ts),
// so a span of any recording can be proven against a signed tree head even if Council
// dies before it ends. Members are told when their room is recorded.

import type { CallType, Policy } from "../guard/mod.ts";
import type { MediaEngine, MediaEvent } from "../media/engine/mod.ts";
import type { RecorderHead } from "../media/engine/protocol.ts";
import type { RoomEvents } from "../rooms/events.ts";
import type { Store } from "../store/mod.ts";
import type { Logger } from "../telemetry/mod.ts";
import { verifierKey, type WitnessLog } from "../witness/mod.ts";
import { fromHex, toBase64 } from "../witness/base64.ts";
import { toHex } from "../witness/hash.ts";
import { DEFAULT_CHECKPOINT_EVERY, genesisLink, newStreamId } from "./chain.ts";
import { type ConsentMember, type ConsentOutcome, Consents } from "./consent.ts";
import type { MediaKey } from "./media_key.ts";
import type { RecordingFormat } from "../media/engine/recorder.ts";
import {
  LINK_PREFIX_BYTES,
  oggRecordingFile,
  RECORDING_FORMAT,
  recordingFile,
  type RecordingProvenance,
  type WitnessAnchor,
} from "./recording_file.ts";
import { FRAME_BYTES, FRAME_SAMPLES, RECORDING_RATE } from "./wav.ts";

const PREFIX = ["recordings", "v1"];
const WAV_HEADER_BYTES = 44;

/**
 * "awaiting-consent": asked of every member (the policy requires consent), not yet
 * recording; "refused": a member refused or did not answer, nothing was recorded.
 */
export type RecordingState =
  | "awaiting-consent"
  | "recording"
  | "stopped"
  | "interrupted"
  | "refused";

export interface RecordingInfo {
  id: string;
  room: string;
  /** "wav" (16 kHz PCM) or "ogg" (Opus at 16 kHz); absent in older records: "wav". */
  format?: RecordingFormat;
  streamId: string;
  state: RecordingState;
  by: string;
  startedAt: string;
  endedAt?: string;
  /** Why it ended. */
  reason?: string;
  frames?: number;
  seconds?: number;
  /** link(frames - 1), hex, as witnessed at the end. */
  link?: string;
  /** Witness index of its `provenance.recording` (end) entry. */
  endIndex?: number;
}

export class RecordingRefused extends Error {
  override name = "RecordingRefused";
  constructor(message: string, readonly status: 403 | 404 | 409) {
    super(message);
  }
}

export interface RecordingsOptions {
  store: Store;
  witness: WitnessLog;
  media: MediaEngine;
  /** The media key, made (and witnessed) on first use: a server that never records has none. */
  loadKey: () => Promise<MediaKey>;
  /** Directory the WAV and chain files go to (created 0700 at the first recording). */
  dir: string;
  events: RoomEvents;
  policy: () => Policy;
  /** The room's call type (its definition or policy), for recording.forbidCallTypes. */
  callTypeOf: (room: string) => CallType | undefined;
  /** The room's members now (whose consent a recording needs, when the policy says). */
  members: (room: string) => ConsentMember[];
  /** How long a member has to consent (default 60 s). */
  consentTimeoutMs?: number;
  log: Logger;
  checkpointEvery?: number;
}

export class Recordings {
  readonly #live = new Map<string, RecordingInfo>();
  /** Recordings asked for that wait for every member's consent. */
  readonly #awaiting = new Map<string, RecordingInfo>();
  readonly #consents: Consents;
  readonly #off: () => void;
  readonly #offRooms: () => void;
  #ending = new Map<string, Promise<RecordingInfo>>();
  #key: Promise<MediaKey> | undefined;

  private constructor(private readonly o: RecordingsOptions) {
    this.#off = o.media.on((e) => this.#onMedia(e));
    this.#consents = new Consents({
      timeoutMs: o.consentTimeoutMs ?? 60_000,
      decided: (id, outcome) => this.#consentDecided(id, outcome),
    });
    // Members who join a recorded room must consent too; one who leaves need not answer.
    this.#offRooms = o.events.onAny((room, e) => {
      if (e.name === "member.joined") {
        const id = this.#consents.joined(room, {
          memberId: e.data.memberId,
          guardianId: e.data.guardianId,
        });
        if (id) this.#askMembers(room, id, "a member joined");
      } else if (e.name === "member.left") this.#consents.left(room, e.data.memberId);
    });
  }

  static async open(o: RecordingsOptions): Promise<Recordings> {
    const r = new Recordings(o);
    // Recordings that were running when the server stopped end as interrupted.
    for await (const e of o.store.kv.list<RecordingInfo>({ prefix: PREFIX })) {
      if (e.value.state === "recording") {
        await r.#end(e.value, "interrupted", "the server stopped while recording", undefined);
      } else if (e.value.state === "awaiting-consent") {
        await r.#refuse(e.value, "the server stopped while asking for consent");
      }
    }
    return r;
  }

  /** The media key that signs recordings (created and witnessed on first use). */
  mediaKey(): Promise<MediaKey> {
    this.#key ??= this.o.loadKey().catch((err) => {
      this.#key = undefined;
      throw err;
    });
    return this.#key;
  }

  /** Where a recording's audio is kept: the WAV, or the Ogg recording's Opus packets. */
  #path(id: string, format: RecordingFormat = "wav"): string {
    return `${this.o.dir}/${id}.${format === "ogg" ? "opus" : "wav"}`;
  }

  async start(room: string, by: string, format: RecordingFormat = "wav"): Promise<RecordingInfo> {
    const type = this.o.callTypeOf(room);
    const policy = this.o.policy().recording;
    if (type && policy.forbidCallTypes.includes(type)) {
      throw new RecordingRefused(`the policy forbids recording ${type} rooms`, 403);
    }
    if ([...this.#live.values(), ...this.#awaiting.values()].some((r) => r.room === room)) {
      throw new RecordingRefused(`${room} is being recorded already`, 409);
    }
    const info: RecordingInfo = {
      id: `rec-${toHex(crypto.getRandomValues(new Uint8Array(8)))}`,
      room,
      format,
      streamId: toHex(newStreamId()),
      state: "recording",
      by,
      startedAt: new Date().toISOString(),
    };
    if (policy.requireConsent) return await this.#askConsent(info);
    return await this.#begin(info);
  }

  /** Starts recording: witnessed, then the room's media worker records its mix. */
  async #begin(info: RecordingInfo): Promise<RecordingInfo> {
    const { id, room, by } = info;
    const streamId = fromHex(info.streamId)!;
    const format = info.format ?? "wav";
    const key = await this.mediaKey();
    await Deno.mkdir(this.o.dir, { recursive: true, mode: 0o700 });
    // Witnessed before the first frame, so every frame belongs to a known recording.
    await this.o.witness.append("provenance.recording_started", {
      recordingId: id,
      room,
      streamId: info.streamId,
      by,
      genesis: toHex(genesisLink(streamId)),
      mediaKey: key.publicKeyB64,
    });
    try {
      await this.o.media.startRecording(room, {
        recordingId: id,
        path: this.#path(id, format),
        format,
        streamId,
        secretKey: key.secretKey,
        checkpointEvery: this.o.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY,
      });
    } catch (err) {
      const why = (err as Error).message;
      await this.o.witness.append("provenance.recording_refused", { recordingId: id, room, why });
      throw new RecordingRefused(
        /no room/.test(why) ? `nobody is in ${room}: there is nothing to record` : why,
        409,
      );
    }
    this.#live.set(id, info);
    await this.o.store.kv.set([...PREFIX, id], info);
    this.o.events.publish(room, { name: "recording.started", data: { recordingId: id, by } });
    this.o.log.info("recording started", { recordingId: id, room, by });
    return info;
  }

  /**
   * Asks every member to consent (room event `recording.consent`); the recording
   * starts when all have, and is refused at the first refusal or silence.
   */
  async #askConsent(asked: RecordingInfo): Promise<RecordingInfo> {
    const members = this.o.members(asked.room);
    if (members.length === 0) {
      throw new RecordingRefused(`nobody is in ${asked.room}: there is nothing to record`, 409);
    }
    const info: RecordingInfo = { ...asked, state: "awaiting-consent" };
    this.#awaiting.set(info.id, info);
    await this.o.store.kv.set([...PREFIX, info.id], info);
    await this.o.witness.append("provenance.consent_asked", {
      recordingId: info.id,
      room: info.room,
      by: info.by,
      guardians: members.map((m) => m.guardianId),
    });
    this.#askMembers(info.room, info.id, `${info.by} asked to record the room`);
    this.#consents.ask(info.id, info.room, members);
    return this.#awaiting.get(info.id) ?? (await this.get(info.id))!;
  }

  #askMembers(room: string, recordingId: string, why: string): void {
    this.o.events.publish(room, {
      name: "recording.consent",
      data: { recordingId, why, timeoutMs: this.o.consentTimeoutMs ?? 60_000 },
    });
  }

  /**
   * A member's answer (its page's `consent` request, or its keypad): witnessed;
   * "not asked" when the room's recording asks nothing of it now.
   */
  async consent(
    room: string,
    member: ConsentMember,
    consent: boolean,
  ): Promise<"consented" | "refused" | "not asked"> {
    const pending = this.#consents.pending(room);
    const result = this.#consents.answer(room, member.memberId, consent);
    if (result !== "not asked") {
      await this.o.witness.append("provenance.consent", {
        recordingId: pending!.recordingId,
        room,
        memberId: member.memberId,
        guardianId: member.guardianId,
        consent,
      });
    }
    return result;
  }

  #consentDecided(id: string, outcome: ConsentOutcome): void {
    const waiting = this.#awaiting.get(id);
    const failed = (err: unknown) =>
      this.o.log.error("recording not started after consent", { recordingId: id, err });
    if (waiting) {
      this.#awaiting.delete(id);
      if (!outcome.ok) return void this.#refuse(waiting, outcome.reason).catch(failed);
      this.#begin({ ...waiting, state: "recording", startedAt: new Date().toISOString() })
        .then(() => this.#consents.started(id))
        .catch((err) => {
          this.#consents.forget(id);
          this.#refuse(waiting, `it could not start: ${(err as Error).message}`).catch(failed);
        });
      return;
    }
    if (!outcome.ok && this.#live.has(id)) {
      this.stop(id, `${outcome.reason} (the policy requires consent)`).catch((err) =>
        this.o.log.error("recording not stopped after a refusal", { recordingId: id, err })
      );
    }
  }

  /** Nothing was recorded: a member refused or did not answer (or the server stopped). */
  async #refuse(info: RecordingInfo, reason: string): Promise<void> {
    const refused: RecordingInfo = {
      ...info,
      state: "refused",
      reason,
      endedAt: new Date().toISOString(),
    };
    await this.o.store.kv.set([...PREFIX, info.id], refused);
    await this.o.witness.append("provenance.consent_refused", {
      recordingId: info.id,
      room: info.room,
      reason,
    });
    this.o.events.publish(info.room, {
      name: "recording.refused",
      data: { recordingId: info.id, reason },
    });
    this.o.log.info("recording refused", { recordingId: info.id, reason });
  }

  async stop(id: string, reason = "stopped by the operator"): Promise<RecordingInfo> {
    const asked = this.#awaiting.get(id);
    if (asked) {
      // Stopped before every member consented: nothing was recorded.
      this.#awaiting.delete(id);
      this.#consents.forget(id);
      await this.#refuse(asked, reason);
      return (await this.get(id))!;
    }
    this.#consents.forget(id);
    const info = this.#live.get(id);
    if (!info) {
      const done = await this.get(id);
      if (!done) throw new RecordingRefused(`no recording ${id}`, 404);
      return await (this.#ending.get(id) ?? Promise.resolve(done));
    }
    this.#live.delete(id);
    const ending = this.o.media.stopRecording(id).then(
      (head) => this.#end(info, "stopped", reason, head),
      (err) => this.#end(info, "interrupted", String((err as Error).message), undefined),
    );
    this.#ending.set(id, ending);
    try {
      return await ending;
    } finally {
      this.#ending.delete(id);
    }
  }

  async list(): Promise<RecordingInfo[]> {
    const out: RecordingInfo[] = [];
    for await (const e of this.o.store.kv.list<RecordingInfo>({ prefix: PREFIX })) {
      out.push(this.#live.get(e.value.id) ?? e.value);
    }
    return out.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  async get(id: string): Promise<RecordingInfo | undefined> {
    if (this.#live.has(id)) return this.#live.get(id);
    if (this.#awaiting.has(id)) return this.#awaiting.get(id);
    return (await this.o.store.kv.get<RecordingInfo>([...PREFIX, id])).value ?? undefined;
  }

  /** The provable file of an ended recording (recording_file.ts). */
  async file(id: string): Promise<Uint8Array> {
    const info = await this.get(id);
    if (!info) throw new RecordingRefused(`no recording ${id}`, 404);
    if (info.state === "recording" || info.state === "awaiting-consent") {
      throw new RecordingRefused(`${id} is still recording: stop it first`, 409);
    }
    if (info.state === "refused") {
      throw new RecordingRefused(`${id} was refused: nothing was recorded`, 409);
    }
    const ogg = info.format === "ogg";
    const base = `${this.o.dir}/${id}`;
    const [audio, links, cpText] = await Promise.all([
      Deno.readFile(this.#path(id, info.format)),
      Deno.readFile(`${base}.links`),
      Deno.readTextFile(`${base}.checkpoints`),
    ]);
    const checkpoints: RecordingProvenance["checkpoints"] = [];
    for (const line of cpText.split("\n")) {
      try {
        if (line) checkpoints.push(JSON.parse(line));
      } catch {
        // A line cut short by a crash: the checkpoints before it stand.
      }
    }
    // What the files hold whole: frames with their bytes and their link prefix. An
    // interrupted recording ends at its last checkpoint (what a signature covers).
    const stored = storedAudio(info.format ?? "wav", audio);
    let frames = Math.min(stored.frames.length, Math.floor(links.length / LINK_PREFIX_BYTES));
    if (info.frames !== undefined) frames = Math.min(frames, info.frames);
    const lastCp = checkpoints.reduce((m, c) => Math.max(m, c.index), -1);
    if (info.state !== "stopped" || info.endIndex === undefined) {
      frames = Math.min(frames, lastCp + 1);
    }
    return await provableFile({
      witness: this.o.witness,
      key: await this.mediaKey(),
      info,
      checkpointEvery: this.o.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY,
      frames: stored.frames.slice(0, frames),
      ...(ogg ? { ogg: { preSkip: stored.preSkip } } : {}),
      linkPrefixes: links.subarray(0, frames * LINK_PREFIX_BYTES),
      checkpoints: checkpoints.filter((c) => c.index < frames),
    });
  }

  /** Stops every live recording (shutdown). */
  async close(): Promise<void> {
    this.#off();
    this.#offRooms();
    for (const id of [...this.#awaiting.keys()]) await this.stop(id, "server stopping");
    await Promise.all([...this.#live.keys()].map((id) => this.stop(id, "server stopping")));
  }

  #onMedia(e: MediaEvent): void {
    if (e.ev === "recording.ended") {
      const info = this.#live.get(e.head.recordingId);
      if (!info) return;
      this.#live.delete(info.id);
      this.#end(info, "stopped", e.reason, e.head).catch((err) =>
        this.o.log.error("recording end not recorded", { recordingId: info.id, err })
      );
    } else if (e.ev === "recording.lost") {
      const info = this.#live.get(e.recordingId);
      if (!info) return;
      this.#live.delete(info.id);
      this.#end(info, "interrupted", e.reason, undefined).catch((err) =>
        this.o.log.error("recording end not recorded", { recordingId: info.id, err })
      );
    }
  }

  async #end(
    info: RecordingInfo,
    state: Exclude<RecordingState, "awaiting-consent" | "refused">,
    reason: string,
    head: RecorderHead | undefined,
  ): Promise<RecordingInfo> {
    this.#consents.forget(info.id);
    const ended: RecordingInfo = {
      ...info,
      state,
      reason,
      endedAt: new Date().toISOString(),
      ...(head
        ? {
          frames: head.frames,
          seconds: (head.frames * FRAME_SAMPLES) / RECORDING_RATE,
          link: head.link,
        }
        : {}),
    };
    // The end anchors the whole chain: frames and the last link, under the witness.
    const { index } = await this.o.witness.append("provenance.recording", {
      recordingId: info.id,
      room: info.room,
      streamId: info.streamId,
      state,
      reason,
      frames: head?.frames ?? null,
      link: head?.link ?? null,
      startedAt: info.startedAt,
      endedAt: ended.endedAt!,
    });
    if (head) ended.endIndex = index;
    await this.o.store.kv.set([...PREFIX, info.id], ended);
    this.o.events.publish(info.room, {
      name: "recording.stopped",
      data: { recordingId: info.id, reason },
    });
    this.o.log.info("recording ended", {
      recordingId: info.id,
      state,
      reason,
      frames: head?.frames,
    });
    return ended;
  }
}

/**
 * A recording's provable file from its PCM, link prefixes and checkpoints: anchored
 * by the media key's and the recording end's witness entries, each with an
 * inclusion proof under a head signed now.
 */
export async function provableFile(o: {
  witness: WitnessLog;
  key: MediaKey;
  info: Pick<RecordingInfo, "id" | "room" | "streamId" | "startedAt" | "endedAt" | "endIndex">;
  checkpointEvery: number;
  /** Each frame as the chain covers it: 640 bytes of PCM, or an Opus packet. */
  frames: Uint8Array[];
  /** An Ogg Opus recording (its encoder's pre-skip); a WAV otherwise. */
  ogg?: { preSkip: number };
  linkPrefixes: Uint8Array;
  checkpoints: RecordingProvenance["checkpoints"];
}): Promise<Uint8Array> {
  const { info } = o;
  const anchors = [o.key.witnessIndex, ...(info.endIndex !== undefined ? [info.endIndex] : [])];
  const head = await o.witness.publishHead();
  const entries: WitnessAnchor[] = [];
  for (const index of anchors) {
    const bytes = await o.witness.entry(index);
    if (!bytes) continue;
    const path = await o.witness.inclusionProof(index, head.size);
    entries.push({ index, entry: toBase64(bytes), path: path.map(toHex) });
  }
  const prov: RecordingProvenance = {
    format: RECORDING_FORMAT,
    recordingId: info.id,
    room: info.room,
    streamId: info.streamId,
    sampleRate: RECORDING_RATE,
    frameSamples: FRAME_SAMPLES,
    checkpointEvery: o.checkpointEvery,
    firstFrame: 0,
    startLink: toHex(genesisLink(fromHex(info.streamId)!)),
    frames: o.frames.length,
    startedAt: info.startedAt,
    ...(info.endedAt ? { endedAt: info.endedAt } : {}),
    mediaKey: o.key.publicKeyB64,
    checkpoints: o.checkpoints,
    linkPrefixes: toBase64(o.linkPrefixes),
    witness: { key: verifierKey(o.witness.signer), head: head.note, entries },
  };
  if (o.ogg) return oggRecordingFile(o.frames, { ...prov, codec: "opus", preSkip: o.ogg.preSkip });
  const pcm = new Uint8Array(o.frames.length * FRAME_BYTES);
  o.frames.forEach((f, i) => pcm.set(f, i * FRAME_BYTES));
  return recordingFile(pcm, prov);
}

/**
 * A recording's stored audio as frames (what the chain covers) and, for Ogg, the
 * encoder's pre-skip: a WAV's whole 20 ms frames, or `.opus`'s packets.
 */
export function storedAudio(
  format: RecordingFormat,
  bytes: Uint8Array,
): { frames: Uint8Array[]; preSkip: number } {
  return format === "ogg" ? opusPackets(bytes) : { frames: pcmFrames(bytes), preSkip: 0 };
}

/** A stored WAV's whole 20 ms frames. */
function pcmFrames(wav: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = WAV_HEADER_BYTES; at + FRAME_BYTES <= wav.length; at += FRAME_BYTES) {
    out.push(wav.subarray(at, at + FRAME_BYTES));
  }
  return out;
}

/** A stored `.opus` file's pre-skip and whole packets (recorder.ts); a torn last one is dropped. */
function opusPackets(bytes: Uint8Array): { frames: Uint8Array[]; preSkip: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: Uint8Array[] = [];
  let at = 2;
  while (at + 2 <= bytes.length) {
    const n = view.getUint16(at, true);
    if (at + 2 + n > bytes.length) break;
    frames.push(bytes.subarray(at + 2, at + 2 + n));
    at += 2 + n;
  }
  return { frames, preSkip: bytes.length >= 2 ? view.getUint16(0, true) : 0 };
}
