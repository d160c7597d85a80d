// Provenance figures:
// - provenance.recording_verify_s_per_hour: how long `council provenance verify`
//   takes to prove an hour of recorded audio offline (measured on RECORDED_S seconds,
//   given per hour). The recording is made as the media worker makes it (16 kHz
//   frames chained, a signed checkpoint every 25 frames, the end witnessed) in a real
//   witness log; its file is the one the API serves, and it must verify, or the
//   figure is null.
// - provenance.sign_cpu_pct: what chaining and signing every member's stream costs a
//   12-party G.711 room (2 talking), in % of a core: ROOMS such rooms on one media
//   worker, measured without and then with every leg chained, in one run.
// - provenance.bytes_per_s: the header extension bytes one chained stream carries a
//   second, counted on the packets a member receives in that run.
// - provenance.verify_p99_ms: browsers' signed audio (docs/provenance.md, "Browsers"),
//   from the arrival at the media worker of the evidence that changed a member's state
//   (a frame's kernel arrival, or its checkpoint's, whichever came later: the `at` the
//   worker stamps) to the state shown in every join page of the room (the member list's
//   entry changed, measured at the next animation frame after the DOM changed). Real
//   parts: a server, Debian's Chromium with PAGES join pages that sign their audio;
//   states change because each page mutes and unmutes in turn (a gap: unverified at the
//   first frame after it, verified two checkpoints later).

import { Store } from "../store/mod.ts";
import { createLogger } from "../telemetry/mod.ts";
import { verifierKey, WitnessLog } from "../witness/mod.ts";
import { toHex } from "../witness/hash.ts";
import { toBase64 } from "../witness/base64.ts";
import { ChainWriter, type Checkpoint, newStreamId } from "../provenance/chain.ts";
import { loadMediaKey } from "../provenance/media_key.ts";
import { provableFile } from "../provenance/recordings.ts";
import { LINK_PREFIX_BYTES, verifyRecording } from "../provenance/recording_file.ts";
import { FRAME_BYTES, FRAME_SAMPLES } from "../provenance/wav.ts";
import { type Figure, round } from "./figure.ts";
import * as ed from "@noble/ed25519";
import { MediaEngine } from "../media/engine/mod.ts";
import { speech } from "../tests/fixtures/audio/speech.ts";
import { encodeFrames, RtpLoad, RtpRecorder } from "./_rtp_load.ts";
import { loopbackLeg, measureLoad } from "./media.ts";
import { percentile } from "./figure.ts";
import { benchCouncil } from "./_council.ts";
import { addGuardian } from "../tests/_helpers/council_api.ts";
import { client, joinThroughPage, launchChromium } from "../tests/_helpers/browser.ts";
import type { Page } from "playwright-core";

const RECORDED_S = 600;

const ROOMS = 8;

/** 12-party G.711 rooms, 2 talking, with every leg chained or none; worker CPU and one leg's bytes. */
async function chainedRooms(chained: boolean) {
  const engine = await MediaEngine.start({ workers: 1 });
  const load = new RtpLoad();
  const ear = new RtpRecorder();
  const talk = await Promise.all(([1, 2] as const).map((n) => speech(n, 8000)));
  const quiet = encodeFrames("PCMU", 8000, new Int16Array(8000));
  const seed = ed.utils.randomSecretKey();
  try {
    for (let r = 0; r < ROOMS; r++) {
      const roomId = `prov-${r}`;
      await engine.createRoom({ roomId, mixRate: 8000 });
      for (let i = 0; i < 12; i++) {
        const extra = chained
          ? { provenance: { extId: 5, streamId: newStreamId(), seed, checkpointEvery: 25 } }
          : {};
        const port = await loopbackLeg(engine, roomId, `${roomId}-${i}`, "PCMU", extra);
        const frames = i < 2 ? encodeFrames("PCMU", 8000, talk[i]) : quiet;
        load.add(port, "PCMU", 0, frames, r === 0 && i === 5 ? ear.sock : undefined).index = r * 7 +
          i * 13;
      }
    }
    load.start();
    const t0 = performance.now();
    const measured = await measureLoad(engine);
    const since = t0 + 2000;
    const got = ear.arrivals.filter((a) => a.at >= since);
    const seconds = (performance.now() - since) / 1000;
    return { ...measured, extBytesPerS: got.reduce((n, a) => n + a.extensionBytes, 0) / seconds };
  } finally {
    load.close();
    ear.close();
    await engine.close();
  }
}

export async function* provenanceSuite(): AsyncIterable<Figure> {
  const plain = await chainedRooms(false);
  const chained = await chainedRooms(true);
  const extra = (chained.load - plain.load) / ROOMS;
  console.error(
    `bench: provenance: ${ROOMS} 12-party rooms at ${(plain.load * 100).toFixed(1)}% of a core, ` +
      `${(chained.load * 100).toFixed(1)}% with every stream chained; ${chained.late} late ticks`,
  );
  yield {
    suite: "provenance",
    name: "provenance.sign_cpu_pct",
    value: round(extra * 100, 2),
    unit: "% of a core per 12-party room",
    goal: "<1",
  };
  yield chained.extBytesPerS > 0
    ? {
      suite: "provenance",
      name: "provenance.bytes_per_s",
      value: round(chained.extBytesPerS, 0),
      unit: "B/s per stream",
      goal: "<=800 (docs/provenance.md: 640 by design)",
    }
    : {
      suite: "provenance",
      name: "provenance.bytes_per_s",
      value: null,
      unit: "B/s per stream",
      goal: "<=800 (docs/provenance.md: 640 by design)",
      why: "the chained leg's packets carried no header extension",
    };
  yield await recordingVerify();
  yield await verifyLatency();
}

const PAGES = 3;
const VERIFY_WINDOW_MS = 40_000;

/**
 * In every page: each change of a member entry's data-provenance, the time from the
 * worker's `at` (data-provenance-at) to the next animation frame after the DOM showed it.
 */
const OBSERVE = `
  globalThis.__proofLag = [];
  globalThis.__proofWs = new Map();
  const WS = WebSocket;
  globalThis.WebSocket = class extends WS {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => {
        if (typeof e.data !== "string" || !e.data.includes('"provenance.state"')) return;
        const at = JSON.parse(e.data).data?.at;
        if (at) globalThis.__proofWs.set(at, performance.timeOrigin + performance.now());
      });
    }
  };
  addEventListener("DOMContentLoaded", () => new MutationObserver((records) => {
    for (const r of records) {
      const li = r.target;
      if (r.attributeName !== "data-provenance" || !li.dataset.provenanceAt) continue;
      const at = Number(li.dataset.provenanceAt), state = li.dataset.provenance;
      const why = li.querySelector(".proof")?.title ?? "";
      const dom = performance.timeOrigin + performance.now();
      const ws = globalThis.__proofWs.get(at) ?? dom;
      requestAnimationFrame(() => globalThis.__proofLag.push(
        [state, performance.timeOrigin + performance.now() - at, why, ws - at, dom - at]));
    }
  }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ["data-provenance"] }));
`;

export async function verifyLatency(): Promise<Figure> {
  const figure = (value: number | null, extra: Partial<Figure> = {}): Figure => ({
    suite: "provenance",
    name: "provenance.verify_p99_ms",
    value,
    unit: "ms, frame arrival at the worker to the state shown in the page (p99)",
    goal: "<50",
    ...extra,
  });
  const council = await benchCouncil({}, ["opus", "PCMU", "PCMA"]);
  const chromium = await launchChromium(await speech(1, 48000), 48000);
  try {
    const pages: Page[] = [];
    for (let i = 0; i < PAGES; i++) {
      const g = await addGuardian(council.url, `signer${i}`);
      const page = await joinThroughPage(chromium.browser, council.url, {
        guardian: `signer${i}`,
        room: "bench",
        key: toBase64(g.secret),
        init: OBSERVE,
      });
      pages.push(page);
    }
    // Everyone verified first (their joins' changes are not counted: pages were loading).
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const states = await Promise.all(
        pages.map((p) =>
          p.$$eval(
            "#members li[data-member]",
            (l) =>
              l.map((e) =>
                (e as unknown as { dataset: { provenance: string } }).dataset.provenance
              ),
          )
        ),
      );
      if (states.every((s) => s.length === PAGES && s.every((x) => x === "verified"))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const p of pages) await p.evaluate("globalThis.__proofLag.length = 0");
    // Each page in turn: muted 0.4 s (its frames stop), then unmuted (a gap: unverified,
    // verified again two checkpoints on).
    const end = Date.now() + VERIFY_WINDOW_MS;
    for (let i = 0; Date.now() < end; i++) {
      const p = pages[i % PAGES];
      await client(p, "(c) => c.mute(true)");
      await new Promise((r) => setTimeout(r, 400));
      await client(p, "(c) => c.mute(false)");
      await new Promise((r) => setTimeout(r, 1100));
    }
    await new Promise((r) => setTimeout(r, 1500));
    type Lag = [string, number, string, number, number];
    const lags: Lag[] = (await Promise.all(
      pages.map((p) => p.evaluate("globalThis.__proofLag") as Promise<Lag[]>),
    )).flat();
    const broken = [...new Set(lags.filter(([s]) => s === "broken").map(([, , why]) => why))];
    if (broken.length) console.error(`bench: provenance: broken: ${broken.join("; ")}`);
    const ms = lags.map(([, lag]) => lag).sort((a, b) => a - b);
    const byState = (s: string) => lags.filter(([x]) => x === s).length;
    // Where the time goes: to the page's socket, to the DOM, to the next frame.
    const p99 = (i: 3 | 4) => percentile(lags.map((l) => l[i]).sort((a, b) => a - b), 99);
    console.error(
      `bench: provenance: p99 worker to the page's socket ${p99(3)?.toFixed(1)} ms, to the DOM ` +
        `${p99(4)?.toFixed(1)} ms, to the next frame shown ${percentile(ms, 99)?.toFixed(1)} ms`,
    );
    console.error(
      `bench: provenance: ${ms.length} state changes shown (${byState("unverified")} unverified, ` +
        `${byState("verified")} verified, ${byState("broken")} broken); p50 ` +
        `${percentile(ms, 50)?.toFixed(1)} ms, p99 ${percentile(ms, 99)?.toFixed(1)} ms, max ` +
        `${ms.at(-1)?.toFixed(1)} ms`,
    );
    if (ms.length < 100 || byState("broken") > 0) {
      return figure(null, {
        why: `${ms.length} state changes seen (at least 100 needed), ${byState("broken")} broken`,
      });
    }
    return figure(round(percentile(ms, 99), 1));
  } finally {
    await chromium.close();
    await council.stop();
  }
}

async function recordingVerify(): Promise<Figure> {
  const dir = Deno.makeTempDirSync({ prefix: "council-bench-provenance-" });
  const store = await Store.open(`${dir}/council.kv`);
  const witness = await WitnessLog.open(store, {
    origin: "bench/provenance",
    headIntervalMs: 1000,
    headEveryEntries: 1000,
    log: createLogger({ level: "error" }),
  });
  const figure = (value: number | null, why?: string): Figure => ({
    suite: "provenance",
    name: "provenance.recording_verify_s_per_hour",
    value,
    unit: "s per hour of audio",
    goal: "<60 (offline, one core)",
    ...(why ? { why } : {}),
  });
  try {
    const key = await loadMediaKey(store, witness);
    const streamId = newStreamId();
    const frames = (RECORDED_S * 16000) / FRAME_SAMPLES;
    const pcm = new Uint8Array(frames * FRAME_BYTES);
    const prefixes = new Uint8Array(frames * LINK_PREFIX_BYTES);
    const checkpoints: { index: number; link: string; signature: string }[] = [];
    const writer = new ChainWriter(streamId, key.secretKey, (cp: Checkpoint) =>
      checkpoints.push({
        index: cp.index,
        link: toHex(cp.link),
        signature: toBase64(cp.signature),
      }));
    // Speech-like content: not silence, so nothing about the payload is special.
    const view = new DataView(pcm.buffer);
    let seed = 1;
    for (let i = 0; i < frames; i++) {
      for (let s = 0; s < FRAME_SAMPLES; s++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const t = i * FRAME_SAMPLES + s;
        view.setInt16(t * 2, Math.round(6000 * Math.sin(t / 7) + ((seed >>> 20) - 2048)), true);
      }
      const { link } = writer.push(
        i * FRAME_SAMPLES,
        pcm.subarray(i * FRAME_BYTES, (i + 1) * FRAME_BYTES),
      );
      prefixes.set(link.subarray(0, LINK_PREFIX_BYTES), i * LINK_PREFIX_BYTES);
    }
    writer.seal();
    await writer.flushed();
    const info = {
      id: "rec-00000000bench000",
      room: "bench",
      streamId: toHex(streamId),
      startedAt: new Date().toISOString(),
    };
    const { index } = await witness.append("provenance.recording", {
      recordingId: info.id,
      room: info.room,
      streamId: info.streamId,
      state: "stopped",
      reason: "bench",
      frames,
      link: toHex(writer.link),
      startedAt: info.startedAt,
      endedAt: new Date().toISOString(),
    });
    const file = await provableFile({
      witness,
      key,
      info: { ...info, endIndex: index },
      checkpointEvery: writer.every,
      frames: Array.from(
        { length: frames },
        (_, i) => pcm.subarray(i * FRAME_BYTES, (i + 1) * FRAME_BYTES),
      ),
      linkPrefixes: prefixes,
      checkpoints,
    });
    const trusted = verifierKey(witness.signer);
    const t0 = performance.now();
    const report = await verifyRecording(file, trusted);
    const seconds = (performance.now() - t0) / 1000;
    console.error(
      `bench: provenance: verified ${RECORDED_S} s (${(file.length / 1e6).toFixed(1)} MB, ` +
        `${checkpoints.length} checkpoints) in ${seconds.toFixed(2)} s`,
    );
    return report.ok
      ? figure(round((seconds * 3600) / RECORDED_S, 2))
      : figure(null, `the bench recording did not verify: ${report.problems.join("; ")}`);
  } finally {
    await witness.close();
    await store.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
