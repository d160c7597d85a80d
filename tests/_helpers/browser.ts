// Debian's Chromium driven by playwright-core, with fake camera and a speech WAV
// as the microphone: real browsers for the WebRTC and join-page tests.

import { type Browser, chromium, type Page } from "playwright-core";
import { writeWav } from "./baresip.ts";
import { confine } from "./cpus.ts";
import { seriousViolations } from "./axe.ts";
import { speech } from "./audio.ts";
import { type CouncilProcess, startCouncilProcess } from "./council_process.ts";
import { addGuardian, OPERATOR } from "./council_api.ts";
import { toBase64 } from "../../witness/base64.ts";
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

/**
 * One test with a server of its own (the operator token set, plus `env`) and a
 * Chromium whose microphone plays speech fixture 1, both stopped after it; the
 * processes it starts and stops are not the sanitizers' business.
 */
export function browserTest(
  name: string,
  env: Record<string, string>,
  fn: (council: CouncilProcess, chromium: TestBrowser) => Promise<void>,
): void {
  Deno.test({
    name,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR, ...env });
      const chromium = await launchChromium(await speech(1, 48000), 48000);
      try {
        await fn(council, chromium);
      } finally {
        await chromium.close();
        await council.stop();
      }
    },
  });
}

export interface JoinOptions {
  guardian: string;
  room: string;
  /** The guardian's secret key as base64, or a key file's JSON text. */
  key: string;
  video?: boolean;
  /** A script the page runs before its own (context.addInitScript), e.g. a tap on its audio. */
  init?: string;
}

/** Opens the join page in a fresh context and joins through its form, like a person would. */
export async function joinThroughPage(b: Browser, base: string, o: JoinOptions): Promise<Page> {
  const context = await b.newContext({ permissions: ["microphone", "camera"] });
  if (o.init) await context.addInitScript(o.init);
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

/**
 * Where browser tests keep their screenshots: $COUNCIL_ARTIFACTS when set, else
 * test-artifacts/ in the checkout (ignored by git).
 */
export const ARTIFACTS = Deno.env.get("COUNCIL_ARTIFACTS") ??
  new URL("../../test-artifacts/", import.meta.url).pathname;

/** Saves a full-page screenshot as ARTIFACTS/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  const path = `${ARTIFACTS.replace(/\/?$/, "/")}${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** How far the page is wider than its viewport (0: nothing overflows sideways). */
function overflowX(page: Page): Promise<number> {
  return page.evaluate(
    `document.documentElement.scrollWidth - document.documentElement.clientWidth`,
  ) as Promise<number>;
}

/** The sizes pages are checked at: a desktop, a phone, and the narrowest phone. */
export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
  narrow: { width: 360, height: 740 },
} as const;

/** Registers each guardian and joins it through its own page, in turn: the pages, in order. */
export async function joinAsGuardians(
  b: Browser,
  base: string,
  names: string[],
  o: Omit<JoinOptions, "guardian" | "key">,
): Promise<Page[]> {
  const pages: Page[] = [];
  for (const name of names) {
    const g = await addGuardian(base, name);
    pages.push(await joinThroughPage(b, base, { ...o, guardian: name, key: toBase64(g.secret) }));
  }
  return pages;
}

/**
 * What is wrong with a page at each of VIEWPORTS: axe-core's serious and critical
 * violations and any sideways overflow (none at all when the list is empty), with a
 * screenshot `<name>-desktop` and `<name>-phone` in ARTIFACTS. Leaves the page at
 * desktop size. Returns the problems and the screenshots' paths.
 */
export async function checkPageSizes(
  page: Page,
  name: string,
): Promise<{ problems: string[]; screenshots: string[] }> {
  const problems: string[] = [];
  const screenshots: string[] = [];
  for (const [size, viewport] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(viewport);
    const wider = await overflowX(page);
    if (wider !== 0) problems.push(`${size}: ${wider} px wider than the screen`);
    if (size === "narrow") continue;
    problems.push(...(await seriousViolations(page)).map((v) => `${size}: ${v}`));
    screenshots.push(await screenshot(page, `${name}-${size}`));
  }
  await page.setViewportSize(VIEWPORTS.desktop);
  return { problems, screenshots };
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
