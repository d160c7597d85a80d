// A small energy voice-activity detector for agents: someone talks while frames are
// louder than a threshold, and has stopped after a hangover of quiet frames (the
// same shape as the mixer's, so an agent hears "talking" as Council does).

/** RMS level of a frame in dB below full scale (-127 for digital silence). */
export function levelDbov(frame: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < frame.length; i++) sum += frame[i] * frame[i];
  if (sum === 0) return -127;
  return Math.max(-127, 10 * Math.log10(sum / frame.length / (32768 * 32768)));
}

export class VoiceActivity {
  #loud = 0;
  #quiet = 0;
  talking = false;

  /**
   * @param thresholdDbov frames above this are speech
   * @param startFrames loud frames in a row that start a talk spurt
   * @param hangoverFrames quiet frames in a row that end one
   */
  constructor(
    readonly thresholdDbov = -40,
    readonly startFrames = 3,
    readonly hangoverFrames = 35,
  ) {}

  /** Feeds one frame; returns "start" or "stop" when the talk spurt begins or ends. */
  push(frame: Int16Array): "start" | "stop" | undefined {
    if (levelDbov(frame) > this.thresholdDbov) {
      this.#quiet = 0;
      if (!this.talking && ++this.#loud >= this.startFrames) {
        this.talking = true;
        return "start";
      }
    } else {
      this.#loud = 0;
      if (this.talking && ++this.#quiet >= this.hangoverFrames) {
        this.talking = false;
        return "stop";
      }
    }
    return undefined;
  }
}
