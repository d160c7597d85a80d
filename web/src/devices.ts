/// <reference lib="dom" />
// The pre-join check: the microphone (with a live level meter) and, when video is
// on, the camera preview; the lists of microphones, cameras and speakers to pick
// from. The tracks it opens are the ones a join sends, so joining asks for nothing
// again.

export interface DeviceLists {
  mics: MediaDeviceInfo[];
  cameras: MediaDeviceInfo[];
  /** Empty where the browser cannot choose an output (no setSinkId). */
  speakers: MediaDeviceInfo[];
}

/** Whether media elements can be sent to a chosen output device. */
export const CAN_PICK_SPEAKER = typeof HTMLMediaElement !== "undefined" &&
  "setSinkId" in HTMLMediaElement.prototype;

const AUDIO: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true };
const VIDEO: MediaTrackConstraints = { width: 640, height: 480 };

/** dBFS of the loudest recent audio, -100 for silence. */
function rmsDb(samples: Float32Array): number {
  let sum = 0;
  for (const v of samples) sum += v * v;
  const rms = Math.sqrt(sum / samples.length);
  return rms > 0 ? Math.max(-100, 20 * Math.log10(rms)) : -100;
}

/**
 * Emits "change" when tracks, devices or errors change and "level" (detail: dBFS)
 * ten times a second while the meter runs.
 */
export class Preview extends EventTarget {
  audio?: MediaStreamTrack;
  video?: MediaStreamTrack;
  micId = "";
  cameraId = "";
  speakerId = "";
  devices: DeviceLists = { mics: [], cameras: [], speakers: [] };
  /** Why the microphone or camera could not be opened (the browser's error). */
  error?: DOMException | Error;
  level = -100;
  #ctx?: AudioContext;
  #source?: MediaStreamAudioSourceNode;
  #analyser?: AnalyserNode;
  #timer?: ReturnType<typeof setInterval>;
  #busy: Promise<void> = Promise.resolve();

  constructor() {
    super();
    navigator.mediaDevices?.addEventListener?.("devicechange", () => this.refreshDevices());
  }

  #changed(): void {
    this.dispatchEvent(new Event("change"));
  }

  /** Runs `fn` after whatever the preview is doing (device switches in order). */
  #serial(fn: () => Promise<void>): Promise<void> {
    const next = this.#busy.then(fn, fn);
    this.#busy = next.catch(() => {});
    return next;
  }

  /** Opens the microphone (and the camera when `video`), then lists the devices. */
  start(video: boolean): Promise<void> {
    return this.#serial(async () => {
      await this.#open("audio");
      if (video) await this.#open("video");
      await this.refreshDevices();
    });
  }

  /** The tracks a join sends, opened now if the preview has not got them yet. */
  media(video: boolean): Promise<MediaStream> {
    return this.#serial(async () => {
      if (!this.audio || this.audio.readyState === "ended") await this.#open("audio", true);
      if (video && (!this.video || this.video.readyState === "ended")) {
        await this.#open("video", true);
      }
      if (!video) this.#closeVideo();
    }).then(() => new MediaStream([this.audio!, ...(this.video ? [this.video] : [])]));
  }

  /** Opens the chosen microphone or camera in place of the one open now. */
  async #open(kind: "audio" | "video", rethrow = false): Promise<void> {
    const chosen = kind === "audio" ? this.micId : this.cameraId;
    try {
      const constraints = {
        ...(kind === "audio" ? AUDIO : VIDEO),
        ...(chosen ? { deviceId: { exact: chosen } } : {}),
      };
      const track = (await navigator.mediaDevices.getUserMedia({ [kind]: constraints }))
        .getTracks()[0];
      this[kind]?.stop();
      this[kind] = track;
      const id = track.getSettings().deviceId ?? chosen;
      if (kind === "audio") {
        this.micId = id;
        this.#meter(track);
      } else {
        this.cameraId = id;
      }
      this.error = undefined;
    } catch (err) {
      this.error = err as Error;
      if (rethrow) throw err;
    } finally {
      this.#changed();
    }
  }

  #closeVideo(): void {
    this.video?.stop();
    this.video = undefined;
    this.#changed();
  }

  setVideo(on: boolean): Promise<void> {
    return this.#serial(() => on ? this.#open("video") : Promise.resolve(this.#closeVideo()));
  }

  setMic(id: string): Promise<void> {
    this.micId = id;
    return this.#serial(() => this.#open("audio"));
  }

  setCamera(id: string): Promise<void> {
    this.cameraId = id;
    return this.#serial(() => this.video ? this.#open("video") : Promise.resolve());
  }

  setSpeaker(id: string): void {
    this.speakerId = id;
    this.#changed();
  }

  async refreshDevices(): Promise<void> {
    const all = await navigator.mediaDevices?.enumerateDevices?.().catch(() => []) ?? [];
    const named = (kind: MediaDeviceKind) =>
      all.filter((d) => d.kind === kind && d.deviceId !== "");
    this.devices = {
      mics: named("audioinput"),
      cameras: named("videoinput"),
      speakers: CAN_PICK_SPEAKER ? named("audiooutput") : [],
    };
    this.#changed();
  }

  #meter(track: MediaStreamTrack): void {
    try {
      this.#ctx ??= new AudioContext();
      this.#source?.disconnect();
      this.#source = this.#ctx.createMediaStreamSource(new MediaStream([track]));
      this.#analyser ??= Object.assign(this.#ctx.createAnalyser(), { fftSize: 1024 });
      this.#source.connect(this.#analyser);
      const buf = new Float32Array(this.#analyser.fftSize);
      clearInterval(this.#timer);
      this.#timer = setInterval(() => {
        // Browsers start an AudioContext suspended until the page is used.
        if (this.#ctx?.state === "suspended") this.#ctx.resume().catch(() => {});
        this.#analyser!.getFloatTimeDomainData(buf);
        this.level = rmsDb(buf);
        this.dispatchEvent(new CustomEvent("level", { detail: this.level }));
      }, 100);
    } catch {
      // No Web Audio: no meter, the call still works.
    }
  }

  /** Stops metering (the tracks go on: a call sends them). */
  stopMeter(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#source?.disconnect();
    this.#source = undefined;
    this.level = -100;
  }

  /** Stops the meter and every track. */
  stop(): void {
    this.stopMeter();
    this.audio?.stop();
    this.video?.stop();
    this.audio = this.video = undefined;
    this.#changed();
  }
}
