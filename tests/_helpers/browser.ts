// Debian's Chromium driven by playwright-core, with fake camera and a speech WAV
// as the microphone: real browsers for the WebRTC and join-page tests.

import { type Browser, chromium, type Page } from "playwright-core";
import { writeWav } from "./baresip.ts";
import { confine } from "./cpus.ts";
import type { InboundCounters } from "../../web/src/client.ts";

export const CHROMIUM = "/usr/bin/chromium";

export interface TestBrowser {
  browser: Browser;
  /**
   * Moves Chromium and every process it started (all their threads) onto `cpus`
   * (taskset syntax). Browsers standing in for guardians' own machines then leave
   * the server's CPUs alone: as root, Chromium runs its audio threads SCHED_RR.
   */
  confine(cpus: string): Promise<void>;
  close(): Promise<void>;
}

/** One Chromium process whose microphone plays `audio` (mono PCM at `rate`) in a loop. */
export async function launchChromium(audio: Int16Array, rate: number): Promise<TestBrowser> {
  const dir = await Deno.makeTempDir({ prefix: "council-chromium-" });
  const wav = `${dir}/mic.wav`;
  await writeWav(wav, audio, rate);
  // A wrapper that leaves Chromium's pid behind (exec keeps it), for confine().
  const executablePath = `${dir}/chromium`;
  await Deno.writeTextFile(
    executablePath,
    `#!/bin/sh\necho $$ > ${dir}/pid\nexec ${CHROMIUM} "$@"\n`,
    { mode: 0o755 },
  );
  const browser = await chromium.launch({
    executablePath,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-audio-capture=${wav}`,
      "--autoplay-policy=no-user-gesture-required",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // Several pages of one browser must all keep running their media.
      "--disable-background-timer-throttling",
      "--disable-renderer-backgrounding",
      "--disable-backgrounding-occluded-windows",
    ],
    timeout: 30_000,
  });
  return {
    browser,
    async confine(cpus) {
      await confine(Number(await Deno.readTextFile(`${dir}/pid`)), cpus);
    },
    async close() {
      await browser.close().catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

export interface JoinOptions {
  guardian: string;
  room: string;
  /** The guardian's secret key as base64, or a key file's JSON text. */
  key: string;
  video?: boolean;
}

/** Opens the join page in a fresh context and joins through its form, like a person would. */
export async function joinThroughPage(b: Browser, base: string, o: JoinOptions): Promise<Page> {
  const context = await b.newContext({ permissions: ["microphone", "camera"] });
  const page = await context.newPage();
  await page.goto(`${base}/web/`);
  await page.fill("#guardian", o.guardian);
  await page.fill("#room", o.room);
  await page.fill("#key", o.key);
  if (o.video) await page.check("#camera");
  await page.click("#join-button");
  // Runs in the page (a string: this file is type-checked without the DOM library).
  await page.waitForFunction(
    `["joined", "failed"].includes(globalThis.council?.client.state) ||
      document.getElementById("error").textContent !== ""`,
    undefined,
    { timeout: 20_000 },
  );
  const state = await page.evaluate(() =>
    (globalThis as { council?: { client: { state: string } } }).council?.client.state
  );
  if (state !== "joined") {
    throw new Error(`join failed: ${await page.textContent("#error")}`);
  }
  return page;
}

export interface Inbound {
  audio?: InboundCounters;
  video?: InboundCounters;
}

/** The page's inbound RTP counters (from its receive transport's getStats). */
export function inbound(page: Page): Promise<Inbound> {
  return page.evaluate(() =>
    (globalThis as unknown as {
      council: { client: { inboundStats(): Promise<Inbound> } };
    }).council.client.inboundStats()
  );
}

/** Evaluates against the page's CouncilClient. */
export function client<T>(page: Page, fn: string): Promise<T> {
  return page.evaluate(`(async (c) => (${fn})(c))(globalThis.council.client)`) as Promise<T>;
}
