// "The first mixed audio frame played in the page", detected in the page itself for
// the join-time figures (bench/webrtc.ts).
//
// What counts as played: samples of the mix that Chromium's audio renderer has
// pulled for the page's <audio data-member="mix"> element, seen in the page's
// Web Audio graph, loud enough to be speech rather than silence. Chromium decodes
// a remote track only when something plays it: the renderer pulls 10 ms at a time
// from the jitter buffer (NetEq), and each pulled frame goes to the element's audio
// output and, at the same pull, to every other sink of the track, such as a
// MediaStreamAudioSourceNode. So the first loud samples reaching an AudioWorklet on
// the mix's track are the first loud samples the element played; a track with no
// player yields nothing at all. The first RTP packet (track unmute), getStats
// (cached 50 ms by libwebrtc, so too coarse) and getSynchronizationSources (Council's
// mix carries no audio-level header extension, so no level) cannot say that.
//
// The worklet looks at every 128-sample render quantum and reports the first run of
// RUN quanta whose peak is at least THRESHOLD. Its time is when the audio graph
// rendered the run's first quantum, i.e. handed it to the audio output: the
// quantum's context time mapped to performance.now() (where the page's own marks,
// window.__councilTimings, are taken) through getOutputTimestamp, less the
// context's outputLatency, since getOutputTimestamp tells when a sample leaves the
// output device and that device's latency (about 30 ms on this headless machine's
// fake output; whatever the sound card has on a real one) is not Council's. The
// clock, not the message's arrival, times it: the page's main thread may be busy.
// The AudioContext and the worklet are made before the Join click, as a page that
// meters its audio would; they are not part of the join.

/** Peak (full scale 1) a quantum must reach to count as sound: -50 dBFS. */
export const THRESHOLD = 0.00316;
/** Consecutive loud quanta (128 samples each, 2.7 ms at 48 kHz) that make a frame heard. */
export const RUN = 3;

/** What the detector leaves in the page as window.__councilPlayed. */
export interface Played {
  /** performance.now() when the detector was armed. */
  armedAt: number;
  /** When the mix's <audio> element appeared and was tapped. */
  tappedAt?: number;
  /** When the first loud quantum of the mix was rendered (performance.now() clock). */
  playedAt?: number;
  /** When the first quantum with any sample not zero was rendered (decoded audio began). */
  soundAt?: number;
  /** When the main thread got the worklet's message (after playedAt by the hop). */
  messageAt?: number;
  /** Peak of that quantum. */
  peak?: number;
  /** The AudioContext's base and output latency (s), for the record. */
  baseLatency?: number;
  outputLatency?: number;
  /** Quanta the worklet examined before the first loud run (silence played first). */
  silentQuanta?: number;
  error?: string;
}

/** Page script (a string: bench files are type-checked without the DOM library). */
export const ARM_DETECTOR = `(async () => {
  const played = globalThis.__councilPlayed = { armedAt: performance.now() };
  try {
    const ctx = new AudioContext({ latencyHint: "interactive" });
    const worklet = \`registerProcessor("council-played", class extends AudioWorkletProcessor {
      constructor() { super(); this.run = 0; this.start = 0; this.peak = 0; this.seen = 0; this.done = false; this.nonzero = -1; }
      process(inputs) {
        const ch = inputs[0] && inputs[0][0];
        if (this.done || !ch) return true;
        let peak = 0;
        for (let i = 0; i < ch.length; i++) { const v = Math.abs(ch[i]); if (v > peak) peak = v; }
        this.seen++;
        if (this.nonzero < 0 && peak > 0) this.nonzero = currentTime;
        if (peak >= ${THRESHOLD}) {
          if (this.run++ === 0) { this.start = currentTime; this.peak = peak; this.first = this.seen; }
          if (this.run >= ${RUN}) {
            this.done = true;
            this.port.postMessage({
              t: this.start, nonzero: this.nonzero, peak: this.peak, silent: this.first - 1,
            });
          }
        } else this.run = 0;
        return true;
      }
    });\`;
    await ctx.audioWorklet.addModule(
      URL.createObjectURL(new Blob([worklet], { type: "text/javascript" })),
    );
    await ctx.resume();
    // Pulled by the graph through a silent gain into the destination.
    const sink = ctx.createGain();
    sink.gain.value = 0;
    sink.connect(ctx.destination);
    const tap = (el) => {
      played.tappedAt = performance.now();
      const node = new AudioWorkletNode(ctx, "council-played");
      node.port.onmessage = (m) => {
        played.messageAt = performance.now();
        const o = ctx.getOutputTimestamp();
        const rendered = (t) =>
          o.performanceTime + (t - o.contextTime - ctx.outputLatency) * 1000;
        played.playedAt = rendered(m.data.t);
        played.soundAt = rendered(m.data.nonzero);
        played.peak = m.data.peak;
        played.silentQuanta = m.data.silent;
        played.baseLatency = ctx.baseLatency;
        played.outputLatency = ctx.outputLatency;
      };
      ctx.createMediaStreamSource(el.srcObject).connect(node);
      node.connect(sink);
    };
    new MutationObserver((records, observer) => {
      for (const r of records) {
        for (const n of r.addedNodes) {
          if (n instanceof HTMLAudioElement && n.dataset.member === "mix") {
            observer.disconnect();
            tap(n);
            return;
          }
        }
      }
    }).observe(document.body, { childList: true });
  } catch (err) {
    played.error = String(err);
  }
})()`;
