// The join page's hash chain over the audio frames it sends (docs/provenance.md,
// "Browsers"): an encoded transform that passes every frame on untouched and links
// it as provenance/chain.ts does,
//
//   link(-1) = SHA-256("IF.council/provenance/genesis/v1\n" || stream id)
//   link(i)  = SHA-256(link(i-1) || stream id || RTP timestamp (u32 BE) || frame data)
//
// with i the count of frames this transform saw (from 0) and the RTP timestamp the
// encoded frame's metadata names (what goes on the wire: mediasoup forwards it to
// Council's media worker unchanged). At every i with (i + 1) % K == 0 it posts
// {type: "checkpoint", streamId, index, rtpTimestamp, link} to the page, which signs
// it with the guardian's key and sends it over /ws (client.ts).
//
// It runs in a worker of its own: as that worker's RTCRtpScriptTransform (Chromium,
// Safari, Firefox), or, where only Chromium's older insertable streams exist, on the
// encoded streams the page transfers to it ({type: "pipe", readable, writable,
// options}). `chainWorker`'s source is the worker's whole script (chainWorkerSource),
// so it must stay self-contained: nothing from outside its body but globals.
// Hashing is WebCrypto's SHA-256, one frame after another, off the frame's path:
// a frame is passed on before it is hashed.

/** What the transform is told when it is attached to a sender. */
export interface ChainOptions {
  /** The chain's 16-byte stream id in lower-case hex. */
  streamId: string;
  /** K: a checkpoint every this many frames. */
  every: number;
  /**
   * On a receiver instead (the mix the page hears): nothing is hashed here; every
   * frame's timestamp and a copy of its data are posted to the page, which verifies
   * them against Council's checkpoints. `streamId` then only tags the messages.
   */
  receive?: boolean;
}

/** What the transform posts for every frame a receiver gets (ChainOptions.receive). */
export interface ReceivedFrame {
  type: "frame";
  tag: string;
  rtpTimestamp: number;
  data: ArrayBuffer;
}

/** What the transform posts to the page every K frames. */
export interface ChainMark {
  type: "checkpoint";
  streamId: string;
  index: number;
  rtpTimestamp: number;
  /** link(index) in lower-case hex. */
  link: string;
}

/** An encoded frame as the transform uses it (RTCEncodedAudioFrame). */
export interface EncodedFrame {
  data: ArrayBuffer;
  timestamp?: number;
  getMetadata?(): { rtpTimestamp?: number };
}

/** The worker's global scope, as much of it as the transform uses. */
export interface ChainScope {
  postMessage(message: ChainMark | ReceivedFrame, transfer?: Transferable[]): void;
  onrtctransform?:
    | ((event: {
      transformer: {
        readable: ReadableStream<EncodedFrame>;
        writable: WritableStream<EncodedFrame>;
        options: ChainOptions;
      };
    }) => void)
    | null;
  onmessage?: ((event: { data: unknown }) => void) | null;
}

export type ChainRun = (
  readable: ReadableStream<EncodedFrame>,
  writable: WritableStream<EncodedFrame>,
  options: ChainOptions,
) => Promise<void>;

/** Installs the transform in `scope`; returns the function that runs one chain. */
export function chainWorker(scope: ChainScope): ChainRun {
  const GENESIS = new TextEncoder().encode("IF.council/provenance/genesis/v1\n");
  const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  const unhex = (s: string) => new Uint8Array((s.match(/../g) ?? []).map((x) => parseInt(x, 16)));
  const sha256 = async (parts: Uint8Array[]) => {
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  };
  const run: ChainRun = (readable, writable, options) => {
    const sid = unhex(options.streamId);
    let link = sha256([GENESIS, sid]);
    let index = -1;
    return readable.pipeThrough(
      new TransformStream<EncodedFrame, EncodedFrame>({
        transform(frame, controller) {
          const ts = (frame.getMetadata?.().rtpTimestamp ?? frame.timestamp ?? 0) >>> 0;
          const data = new Uint8Array(frame.data.slice(0));
          controller.enqueue(frame); // on its way, untouched
          if (options.receive) {
            const msg = { type: "frame", tag: options.streamId, rtpTimestamp: ts } as const;
            return scope.postMessage({ ...msg, data: data.buffer }, [data.buffer]);
          }
          const i = ++index;
          const tsBytes = new Uint8Array(4);
          new DataView(tsBytes.buffer).setUint32(0, ts);
          link = link.then((prev) => sha256([prev, sid, tsBytes, data]));
          if ((i + 1) % options.every === 0) {
            link.then((l) =>
              scope.postMessage({
                type: "checkpoint",
                streamId: options.streamId,
                index: i,
                rtpTimestamp: ts,
                link: hex(l),
              })
            );
          }
        },
      }),
    ).pipeTo(writable);
  };
  scope.onrtctransform = (e) => {
    const t = e.transformer;
    run(t.readable, t.writable, t.options).catch(() => {});
  };
  scope.onmessage = (e) => {
    const m = e.data as {
      type?: string;
      readable: ReadableStream<EncodedFrame>;
      writable: WritableStream<EncodedFrame>;
      options: ChainOptions;
    };
    if (m?.type === "pipe") run(m.readable, m.writable, m.options).catch(() => {});
  };
  return run;
}

/** The transform worker's script. */
export function chainWorkerSource(): string {
  return `(${chainWorker.toString()})(self);\n`;
}
