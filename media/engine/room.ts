// A room inside a media worker: its legs, its mixer, and who is speaking.

import type { Leg } from "./leg.ts";
import { Mixer, type MixResult } from "./mixer.ts";
import type { Recorder } from "./recorder.ts";

/** The active speaker changes at most this often, so the indicator does not flicker. */
const SPEAKER_HOLD_MS = 400;

export class Room {
  readonly legs = new Map<string, Leg>();
  /** Recordings of this room's mix, by id. */
  readonly recorders = new Map<string, Recorder>();
  readonly mixer: Mixer;
  #list: Leg[] = [];
  #frames: (Int16Array | null)[] = [];
  #speaker: string | null = null;
  #speakerSince = -Infinity;

  constructor(
    readonly id: string,
    readonly mixRate: number,
    private readonly onSpeaker: (room: Room, legId: string | null) => void,
    opusComplexity?: number,
  ) {
    this.mixer = new Mixer(mixRate, opusComplexity);
  }

  add(leg: Leg): void {
    this.legs.set(leg.id, leg);
    this.#list = [...this.legs.values()];
  }

  remove(legId: string): Leg | undefined {
    const leg = this.legs.get(legId);
    if (!leg) return undefined;
    this.legs.delete(legId);
    this.mixer.remove(leg);
    this.#list = [...this.legs.values()];
    return leg;
  }

  tick(nowMs: number): MixResult {
    const legs = this.#list;
    const frames = this.#frames;
    frames.length = legs.length;
    for (let i = 0; i < legs.length; i++) frames[i] = legs[i].pull(nowMs);
    const result = this.mixer.mix(legs, frames);
    for (const r of this.recorders.values()) r.frame(this.mixer.lastMix);
    this.#updateSpeaker(legs, nowMs);
    return result;
  }

  #updateSpeaker(legs: Leg[], nowMs: number): void {
    let loudest: Leg | undefined;
    for (const leg of legs) {
      if (leg.speaking && !leg.muted && (!loudest || leg.levelDbov > loudest.levelDbov)) {
        loudest = leg;
      }
    }
    const id = loudest?.id ?? null;
    if (id === this.#speaker || nowMs - this.#speakerSince < SPEAKER_HOLD_MS) return;
    this.#speaker = id;
    this.#speakerSince = nowMs;
    this.onSpeaker(this, id);
  }

  close(): void {
    this.mixer.close();
  }
}
