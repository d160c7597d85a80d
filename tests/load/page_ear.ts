// The browsers' mouth and ear in the production test. Each page speaks its own
// member's signal and hears what it actually plays of the room's mix with the same
// detector as every other member (signal.ts's Listener, its source text run in an
// AudioWorklet).
//
// Mouth: the page's microphone is its own member's signal, one period looped by an
// AudioBufferSourceNode into a MediaStreamAudioDestinationNode, handed to the page's
// own code by getUserMedia (the init script answers it). Chromium's fake capture
// device (--use-file-for-fake-audio-capture) is one file per browser process, so a
// microphone of its own per page would take a Chromium each: four on two cores
// starved their audio threads (the phones heard the browsers with gaps). A looped
// buffer is exactly periodic, on the page's audio clock, and goes through the same
// WebRTC send path (Opus, SRTP); it is a signal generator, so nothing like echo
// cancellation or noise suppression (which would take a steady tone for noise) runs.
//
// Ear: the script taps every <audio data-member="mix"> the page adds, a rejoin's
// included. Chromium decodes a remote track only for a player, and each 10 ms it pulls
// goes to the element's output and, at the same pull, to the MediaStreamAudioSourceNode
// feeding the worklet, so the worklet hears what the element plays. The graph renders
// silence when nothing plays, so a page that lost the mix hears frames without anyone's
// tone. Onsets and runs of frames are timed by the audio graph's output clock
// (getOutputTimestamp, as bench/_played.ts does), on the wall clock
// (performance.timeOrigin + performance.now()) the test's other members use.

import { Listener, type SignalPlan } from "./signal.ts";
import type { Hearing } from "./signal.ts";

/** What the page leaves in window.__councilEar. */
export interface PageEar extends Hearing {
  /** Mix elements tapped (one per join: a rejoin adds one). */
  taps: number;
  error?: string;
  /** The page client's latest state changes and errors ("hh:mm:ss.mmm type detail", UTC). */
  events?: string[];
}

/**
 * The init script (a string: this file is type-checked without the DOM library): the
 * page's microphone plays `mic` (mono PCM at `rate`, looped), its ear hears by `plan`.
 */
export function earScript(plan: SignalPlan, mic: Int16Array, rate: number): string {
  const bytes = new Uint8Array(mic.buffer, mic.byteOffset, mic.byteLength);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return `(() => {
  const ear = globalThis.__councilEar = { onsets: [], segments: [], taps: 0 };
  const pcm = new Int16Array(Uint8Array.from(atob("${
    btoa(binary)
  }"), (c) => c.charCodeAt(0)).buffer);
  let ready;
  const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (c) => {
    const mouth = await ready;
    const stream = c && c.video ? await gum({ video: c.video }) : new MediaStream();
    if (c && c.audio) stream.addTrack(mouth.clone());
    return stream;
  };
  // The detector's source goes in as a string literal: its comments may hold anything.
  const worklet = "const Listener = (" + ${JSON.stringify(Listener.toString())} + ");" + \`
    registerProcessor("council-ear", class extends AudioWorkletProcessor {
      constructor() {
        super();
        // The tones are under 3.2 kHz: average each few samples (to about 8 kHz, a
        // whole number of samples in 20 ms) and hear at that rate, for a sixth of the work.
        let factor = Math.max(1, Math.floor(sampleRate / 8000));
        while ((sampleRate / 50) % factor) factor--;
        this.factor = factor;
        this.sum = 0;
        this.count = 0;
        this.out = new Float32Array(128);
        this.silence = new Float32Array(128);
        this.listener = new Listener(sampleRate / factor, ${JSON.stringify(plan)},
          (o) => this.port.postMessage({ onset: o }),
          (s) => this.port.postMessage({ segment: s }));
        this.port.onmessage = () => { this.listener.flush(); this.port.postMessage({ flushed: true }); };
      }
      process(inputs) {
        const ch = (inputs[0] && inputs[0][0]) || this.silence;
        // The first averaged sample began this many input samples before this quantum.
        const at = (currentTime - this.count / sampleRate) * 1000;
        let n = 0;
        for (let i = 0; i < ch.length; i++) {
          this.sum += ch[i];
          if (++this.count === this.factor) {
            this.out[n++] = this.sum / this.factor;
            this.sum = 0;
            this.count = 0;
          }
        }
        this.listener.push(this.out.subarray(0, n), at, 32768);
        return true;
      }
    });\`;
  const start = async () => {
    const ctx = new AudioContext({ latencyHint: "interactive" });
    await ctx.audioWorklet.addModule(
      URL.createObjectURL(new Blob([worklet], { type: "text/javascript" })),
    );
    await ctx.resume();
    // The mouth: one period of the member's signal, looped.
    const buffer = ctx.createBuffer(1, pcm.length, ${rate});
    buffer.getChannelData(0).set(Float32Array.from(pcm, (x) => x / 32768));
    const source = ctx.createBufferSource();
    source.buffer = buffer;
    source.loop = true;
    const mouth = ctx.createMediaStreamDestination();
    source.connect(mouth);
    source.start();
    const node = new AudioWorkletNode(ctx, "council-ear");
    const sink = ctx.createGain();
    sink.gain.value = 0;
    node.connect(sink).connect(ctx.destination);
    // Context time (ms) to wall time, at the moment of the message.
    const wall = (t) => {
      const o = ctx.getOutputTimestamp();
      return performance.timeOrigin + o.performanceTime +
        (t / 1000 - o.contextTime - ctx.outputLatency) * 1000;
    };
    ear.flush = () => new Promise((resolve) => {
      const done = node.port.onmessage;
      node.port.onmessage = (m) => { done(m); if (m.data.flushed) resolve(); };
      node.port.postMessage("flush");
    });
    node.port.onmessage = (m) => {
      const { onset, segment } = m.data;
      if (onset) ear.onsets.push({ from: onset.from, at: wall(onset.at), full: wall(onset.full) });
      if (segment) {
        ear.segments.push({ ...segment, at: wall(segment.at), last: wall(segment.last) });
      }
    };
    const tap = (el) => {
      ear.taps++;
      ctx.createMediaStreamSource(el.srcObject).connect(node);
    };
    new MutationObserver((records) => {
      for (const r of records) {
        for (const n of r.addedNodes) {
          if (n instanceof HTMLAudioElement && n.dataset.member === "mix") tap(n);
        }
      }
    }).observe(document, { childList: true, subtree: true });
    return mouth.stream.getAudioTracks()[0];
  };
  ready = start();
  ready.catch((err) => { ear.error = String(err); });
  // The client's state changes and errors, for a page that ends up out of the room.
  ear.events = [];
  const follow = setInterval(() => {
    const client = globalThis.council && globalThis.council.client;
    if (!client) return;
    clearInterval(follow);
    for (const type of ["state", "error"]) {
      client.addEventListener(type, (e) => {
        ear.events.push(new Date().toISOString().slice(11, 23) + " " + type + " " + JSON.stringify(e.detail));
        if (ear.events.length > 20) ear.events.shift();
      });
    }
  }, 100);
})()`;
}

/** Page script: the ear's last run of frames reported, then what it heard. */
export const READ_EAR = `(async () => {
  const ear = globalThis.__councilEar;
  if (ear.flush) await ear.flush();
  return {
    onsets: ear.onsets, segments: ear.segments, taps: ear.taps, error: ear.error, events: ear.events,
  };
})()`;
