// What every member of the production test says, and how every member's hearing is
// judged: one signal and one detector for the H.323 probes, the baresip phones and
// the browsers alike.
//
// Member i plays a steady quiet tone of its own frequency (the carrier) with a loud
// burst of the same frequency (the marker) once a period. The frequencies are
// multiples of 50 Hz, so a 20 ms frame holds whole cycles of each at any rate and
// the carrier loops seamlessly. What a member receives is cut into 20 ms frames;
// each frame gets the amplitude of every member's frequency (Hann-windowed Goertzel),
// hence:
// - a presence mask: whose carrier (or marker) the frame carries. A correct frame of
//   the N-1 mix at member m carries every other member's bit and not m's own; after a
//   fault, the first correct frame is where that member's failover ends.
// - marker onsets: whose marker arrived when (two loud frames in a row), for the paths
//   (who heard whom, never themselves) and the added latency.
// A member whose audio is cut is missing from every other member's mask and onsets.
//
// `Listener` has no imports and no outside references: the browsers run the same
// class, its source text, in an AudioWorklet.

/** The members' tones and the detector's thresholds. */
export interface SignalPlan {
  /** One frequency per member (Hz, multiples of 50, under 3.4 kHz for G.711 phones). */
  frequencies: number[];
  periodMs: number;
  markerMs: number;
  markerAmplitude: number;
  carrierAmplitude: number;
}

export const PLAN: SignalPlan = {
  frequencies: [400, 650, 900, 1150, 1400, 1650, 1900, 2150, 2400, 2650, 2900, 3150],
  periodMs: 2000,
  markerMs: 100,
  // Eleven carriers and two markers at once stay clear of clipping in a mix.
  markerAmplitude: 6000,
  // -35 dBov RMS: above the mixer's -45 dBov voice detection, so everyone always talks.
  carrierAmplitude: 800,
};

/** Frame length of the detector (and of G.711 and Opus packets). */
export const FRAME_MS = 20;

/** How long a marker takes to rise and to fall. */
const RAMP_MS = 5;

/** Set in a mask when a frame is mostly not the members' tones (noise, clicks, garbage). */
export const NOISE = 1 << 30;

/**
 * `samples` of member `member`'s signal at `rate`, starting `startMs` into its
 * schedule: markers start at `offsetMs` and every period after.
 */
export function memberSignal(
  plan: SignalPlan,
  member: number,
  rate: number,
  samples: number,
  offsetMs = 0,
  startMs = 0,
  out = new Int16Array(samples),
): Int16Array {
  const hz = plan.frequencies[member];
  for (let n = 0; n < samples; n++) {
    const ms = startMs + (n * 1000) / rate;
    const inSchedule = ms - offsetMs;
    const into = inSchedule >= 0 ? inSchedule % plan.periodMs : -1;
    // The marker rises and falls over RAMP_MS (raised cosine): a step would splash
    // energy onto the neighbouring members' frequencies.
    const rise = into < 0 || into >= plan.markerMs
      ? 0
      : Math.min(1, into / RAMP_MS, (plan.markerMs - into) / RAMP_MS);
    const envelope = (1 - Math.cos(Math.PI * rise)) / 2;
    const amplitude = plan.carrierAmplitude +
      (plan.markerAmplitude - plan.carrierAmplitude) * envelope;
    out[n] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * ms) / 1000));
  }
  return out;
}

/** A marker heard: whose (member index), and when. */
export interface Onset {
  from: number;
  /** Time of the first frame carrying it (the partial frame before the full ones, if any). */
  at: number;
  /** Time of the first frame it fills. */
  full: number;
}

/** A run of frames with the same mask, without a gap between them. */
export interface Segment {
  mask: number;
  /** Time of the first and last frame. */
  at: number;
  last: number;
  frames: number;
}

/**
 * The detector. Feed it frames (`frame`, one 20 ms frame at a time, as RTP packets
 * arrive) or any blocks of samples (`push`, as an audio graph renders them); it calls
 * `onOnset` for each marker heard and `onSegment` for each run of frames with the
 * same mask once the run ends (`flush` ends the last). Times are the caller's: the
 * time of a frame's first sample (`push`) or of the packet's arrival (`frame`).
 */
export class Listener {
  readonly size;
  readonly amplitudes;
  frames = 0;
  #coeff;
  #window;
  #buf;
  #windowed;
  #fill = 0;
  #bufAt = 0;
  #run;
  #runStart;
  #runFull;
  #partial;
  #seg = null as null | { mask: number; at: number; last: number; frames: number };

  constructor(
    readonly rate: number,
    readonly plan: SignalPlan,
    readonly onOnset: (o: Onset) => void,
    readonly onSegment: (s: Segment) => void,
  ) {
    const n = this.size = Math.round(rate / 50);
    this.#coeff = plan.frequencies.map((f) => 2 * Math.cos((2 * Math.PI * f) / rate));
    this.#window = new Float64Array(n);
    for (let i = 0; i < n; i++) this.#window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    this.#buf = new Float64Array(n);
    this.#windowed = new Float64Array(n);
    const k = plan.frequencies.length;
    this.amplitudes = new Float64Array(k);
    this.#run = new Array(k).fill(0);
    this.#runStart = new Array(k).fill(0);
    this.#runFull = new Array(k).fill(0);
    this.#partial = new Array(k).fill(0);
  }

  /**
   * Samples as they come (16-bit scale; `scale` 32768 for Web Audio's floats), the
   * first at time `at` (ms); a frame's time is its first sample's.
   */
  push(samples: ArrayLike<number>, at: number, scale = 1): void {
    const msPerSample = 1000 / this.rate;
    for (let i = 0; i < samples.length; i++) {
      if (this.#fill === 0) this.#bufAt = at + i * msPerSample;
      this.#buf[this.#fill++] = samples[i] * scale;
      if (this.#fill === this.size) {
        this.#fill = 0;
        this.frame(this.#buf, this.#bufAt);
      }
    }
  }

  /** One whole frame (`size` samples) at time `at`; returns its mask. */
  frame(x: ArrayLike<number>, at: number): number {
    const n = this.size, w = this.#window, xw = this.#windowed, amp = this.amplitudes;
    const plan = this.plan;
    let energy = 0;
    for (let i = 0; i < n; i++) {
      xw[i] = x[i] * w[i];
      energy += xw[i] * xw[i];
    }
    let tonal = 0;
    for (let f = 0; f < this.#coeff.length; f++) {
      const c = this.#coeff[f];
      let s1 = 0, s2 = 0;
      for (let i = 0; i < n; i++) {
        const s0 = xw[i] + c * s1 - s2;
        s2 = s1;
        s1 = s0;
      }
      // A Hann-windowed tone of amplitude A has |X| = A N / 4 and energy 3 N A^2 / 16.
      amp[f] = (4 * Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - c * s1 * s2))) / n;
      tonal += (3 * n * amp[f] * amp[f]) / 16;
    }
    let mask = 0;
    const present = 0.4 * plan.carrierAmplitude;
    const loud = 0.5 * plan.markerAmplitude;
    const partial = 0.35 * plan.markerAmplitude;
    for (let f = 0; f < amp.length; f++) {
      if (amp[f] >= present) mask |= 1 << f;
      if (amp[f] >= loud) {
        if (this.#run[f]++ === 0) {
          this.#runStart[f] = this.#partial[f] || at;
          this.#runFull[f] = at;
        }
        if (this.#run[f] === 2) {
          this.onOnset({ from: f, at: this.#runStart[f], full: this.#runFull[f] });
        }
        this.#partial[f] = 0;
      } else {
        this.#run[f] = 0;
        this.#partial[f] = amp[f] >= partial ? at : 0;
      }
    }
    // Mostly something other than the tones (more than a whole carrier's worth).
    const carrierEnergy = (3 * n * plan.carrierAmplitude ** 2) / 16;
    if (energy - tonal > Math.max(tonal, carrierEnergy)) mask |= 1 << 30;
    this.frames++;
    const seg = this.#seg;
    if (seg && seg.mask === mask && at - seg.last < 3 * 20) {
      seg.last = at;
      seg.frames++;
    } else {
      if (seg) this.onSegment({ ...seg });
      this.#seg = { mask, at, last: at, frames: 1 };
    }
    return mask;
  }

  /** Ends the current run of frames (reports it). */
  flush(): void {
    if (this.#seg) this.onSegment({ ...this.#seg });
    this.#seg = null;
  }
}

/** What a member heard: marker onsets and runs of frames, by whoever listened. */
export interface Hearing {
  onsets: Onset[];
  segments: Segment[];
}

/** A Listener that keeps what it hears (for the probes, captures and recordings). */
export function keepHearing(rate: number, plan = PLAN): { listener: Listener; hearing: Hearing } {
  const hearing: Hearing = { onsets: [], segments: [] };
  const listener = new Listener(
    rate,
    plan,
    (o) => hearing.onsets.push(o),
    (s) => hearing.segments.push(s),
  );
  return { listener, hearing };
}

/** Every member's bit but `self`'s: the mask of a correct N-1 mix at `self`. */
export function othersMask(members: number, self: number): number {
  return ((1 << members) - 1) & ~(1 << self);
}
