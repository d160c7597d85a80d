// Browsers sign what they send (issue 26; docs/provenance.md, "Browsers"), in
// Debian's Chromium against a real server: the join page hashes its own encoded
// audio frames (RTCRtpScriptTransform; a second page without it uses Chromium's
// older insertable streams) and signs a checkpoint every 25 frames with the
// guardian's key; the frames go through mediasoup's PlainTransport bridge into the
// member's leg in a media worker, which verifies them against the checkpoints the
// page sent over /ws. Every page and the operators' dashboard show each member
// verified, unverified (a browser that cannot sign) or broken; a page with a script
// transform verifies the mix it hears (Council chains it; its checkpoints come over
// /ws) and says broken for a forged one. A page that stops signing midway, and one
// that sends forged checkpoints, are broken: alerted once per stream on the
// operators' event stream, witnessed as provenance.break, and still in the call
// (muted when the policy says so, and then unable to unmute).

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { addGuardian, api, OPERATOR } from "../_helpers/council_api.ts";
import { browserTest, client, joinThroughPage } from "../_helpers/browser.ts";
import { toBase64 } from "../../witness/base64.ts";
import { sleep, until } from "../_helpers/wait.ts";
import type { CouncilProcess } from "../_helpers/council_process.ts";

type Proof = "verified" | "unverified" | "broken";

/** What a page's member list says about a member's audio. */
const pageProof = (page: Page, memberId: string) =>
  page.getAttribute(`#members li[data-member="${memberId}"]`, "data-provenance");

const tileProof = (page: Page, memberId: string) =>
  page.getAttribute(`#grid li[data-tile="${memberId}"]`, "data-provenance");

async function everyPageShows(pages: Page[], memberId: string, state: Proof, ms = 15_000) {
  for (const page of pages) {
    await until(
      `${memberId} shown ${state}`,
      async () =>
        (await pageProof(page, memberId)) === state && (await tileProof(page, memberId)) === state,
      ms,
    );
  }
}

async function join(
  council: CouncilProcess,
  b: Parameters<typeof joinThroughPage>[0],
  name: string,
  init?: string,
) {
  const g = await addGuardian(council.url, name);
  const page = await joinThroughPage(b, council.url, {
    guardian: name,
    room: "main",
    key: toBase64(g.secret),
    init,
  });
  return { page, id: await client<string>(page, "(c) => c.memberId"), guardian: g };
}

/** The operators' dashboard, signed in. */
async function dashboard(b: Parameters<typeof joinThroughPage>[0], url: string): Promise<Page> {
  const page = await (await b.newContext()).newPage();
  await page.goto(`${url}/dashboard`);
  await page.fill("#token", OPERATOR);
  await page.click("#login button[type=submit]");
  await page.waitForSelector("#board:not([hidden])");
  return page;
}

const dashboardProof = (page: Page, memberId: string) =>
  page.getAttribute(`#rooms tr[data-member="${memberId}"]`, "data-provenance");

/** The operators' event stream (/api/v1/events), collected. */
function operatorEvents(url: string) {
  const events: { name: string; data: Record<string, unknown> }[] = [];
  const ws = new WebSocket(
    `${url.replace(/^http/, "ws")}/api/v1/events?access_token=${OPERATOR}`,
  );
  ws.onmessage = (e) => events.push(JSON.parse(e.data));
  const open = new Promise((r) => ws.onopen = r);
  return { events, open, close: () => ws.close() };
}

async function witnessEntries(url: string) {
  const { size } = (await api(url, "POST", "/api/v1/witness/head")).body as { size: number };
  const out: { type: string; payload: Record<string, unknown> }[] = [];
  for (let start = 0; start < size; start += 1000) {
    const { entries } = (await api(
      url,
      "GET",
      `/api/v1/witness/entries?start=${start}&end=${Math.min(size, start + 1000)}`,
    )).body as { entries: { type: string; payload: Record<string, unknown> }[] };
    out.push(...entries);
  }
  return out;
}

browserTest(
  "browsers sign their audio: Council verifies each chain as frames arrive; pages and " +
    "dashboard show verified, and unverified for a browser that cannot sign; a page " +
    "verifies the mix it hears",
  {},
  async (council, chromium) => {
    const b = chromium.browser;
    // Alice's page keeps its socket at hand (to hand its client a forged mix checkpoint).
    const alice = await join(
      council,
      b,
      "alice",
      `const WS = WebSocket; globalThis.WebSocket = class extends WS {
        constructor(...a) { super(...a); globalThis.__socket = this;
          this.addEventListener("message", (e) => {
            if (e.data.includes('"mix.checkpoint"')) globalThis.__mixCheckpoint = e.data; }); } };`,
    );
    // Bob's Chromium lacks RTCRtpScriptTransform: its page falls back to insertable streams.
    const bob = await join(council, b, "bob", "delete globalThis.RTCRtpScriptTransform;");
    // Carol's has neither: her page cannot hash its frames, so it does not sign.
    const carol = await join(
      council,
      b,
      "carol",
      "delete globalThis.RTCRtpScriptTransform; delete RTCRtpSender.prototype.createEncodedStreams;",
    );
    assert.equal(await client(alice.page, "(c) => c.signing?.via"), "script");
    assert.equal(await client(bob.page, "(c) => c.signing?.via"), "streams");
    assert.equal(await client(carol.page, "(c) => c.signing"), undefined);
    const pages = [alice.page, bob.page, carol.page];
    const board = await dashboard(b, council.url);

    await everyPageShows(pages, alice.id, "verified");
    await everyPageShows(pages, bob.id, "verified");
    await everyPageShows(pages, carol.id, "unverified");
    // What each page says in words, with the reason on hover.
    const label = await alice.page.textContent(`#members li[data-member="${bob.id}"] .proof`);
    assert.equal(label?.trim(), "Audio verified");
    assert.match(
      (await alice.page.getAttribute(`#members li[data-member="${carol.id}"] .proof`, "title"))!,
      /does not sign/,
    );
    // The dashboard's rooms panel, the same.
    for (
      const [id, state] of [[alice.id, "verified"], [bob.id, "verified"], [carol.id, "unverified"]]
    ) {
      await until(
        `dashboard shows ${id} ${state}`,
        async () => (await dashboardProof(board, id)) === state,
      );
    }

    // Council's own view: checkpoints proven by the media worker, frames counted.
    const stats = (await api(council.url, "GET", "/api/v1/webrtc")).body as {
      members: { memberId: string; provenance?: { state: string; streamId: string } }[];
    };
    const mine = stats.members.find((m) => m.memberId === alice.id)!;
    assert.equal(mine.provenance?.state, "verified");
    assert.equal(mine.provenance?.streamId, await client(alice.page, "(c) => c.signing.streamId"));
    assert.equal(stats.members.find((m) => m.memberId === carol.id)!.provenance, undefined);
    // The chain keeps verifying: the pages' later checkpoints are accepted, nothing broke.
    const before = await client<number>(alice.page, "(c) => c.signing.checkpoints");
    await until(
      "more checkpoints",
      async () => (await client<number>(alice.page, "(c) => c.signing.checkpoints")) >= before + 4,
    );
    assert.equal(await client(alice.page, "(c) => c.signing.failed"), 0);
    assert.equal(await pageProof(bob.page, alice.id), "verified");
    const entries = await witnessEntries(council.url);
    assert.equal(entries.filter((e) => e.type === "provenance.break").length, 0);

    // The mix alice hears is chained by Council and verified in her page; bob's page
    // (no script transform to take the received frames) does not claim to verify it.
    await until(
      "alice's page verified the mix",
      async () => (await alice.page.getAttribute("#mix-proof", "data-provenance")) === "verified",
    );
    assert.equal(await bob.page.locator("#mix-proof").count(), 0);
    // A mix checkpoint with one bit of its signature changed: the page says broken.
    await alice.page.evaluate(`(() => {
      const cp = JSON.parse(globalThis.__mixCheckpoint);
      const sig = Uint8Array.from(atob(cp.signature), (x) => x.charCodeAt(0));
      sig[9] ^= 1;
      cp.signature = btoa(String.fromCharCode(...sig));
      globalThis.__socket.dispatchEvent(new MessageEvent("message", { data: JSON.stringify(cp) }));
    })()`);
    await until(
      "alice's page shows the mix broken",
      async () => (await alice.page.getAttribute("#mix-proof", "data-provenance")) === "broken",
    );
    assert.match(
      (await alice.page.getAttribute("#mix-proof", "title"))!,
      /signature does not verify/,
    );
  },
);

// The second server's policy: alert only at first, then (rewritten) mute.
const policyFile = Deno.makeTempFileSync({ prefix: "council-provenance-policy-", suffix: ".json" });
Deno.writeTextFileSync(policyFile, JSON.stringify({ version: "alert-only" }));

browserTest(
  "a page that stops signing midway, or sends forged checkpoints, is broken: alerted once " +
    "per stream, witnessed, still in the call; muted when the policy says so",
  { COUNCIL_GUARD_POLICY_FILE: policyFile },
  async (council, chromium) => {
    const b = chromium.browser;
    const ops = operatorEvents(council.url);
    await ops.open;
    const alice = await join(council, b, "alice");
    const carol = await join(council, b, "carol");
    const pages = [alice.page, carol.page];
    const board = await dashboard(b, council.url);
    await everyPageShows(pages, carol.id, "verified");
    await until(
      "dashboard shows carol verified",
      async () => (await dashboardProof(board, carol.id)) === "verified",
    );
    const carolStream = await client<string>(carol.page, "(c) => c.signing.streamId");

    // Carol's page stops sending checkpoints (its frames keep flowing).
    await client(
      carol.page,
      `(c) => { const send = c.request.bind(c);
        c.request = (m) => m.type === "checkpoint" ? Promise.resolve() : send(m); }`,
    );
    await everyPageShows(pages, carol.id, "broken");
    await until(
      "dashboard shows carol broken",
      async () => (await dashboardProof(board, carol.id)) === "broken",
    );
    assert.match(
      (await alice.page.getAttribute(`#members li[data-member="${carol.id}"] .proof`, "title"))!,
      /stopped signing/,
    );
    const alert = await until(
      "the alert on the operators' stream",
      () => ops.events.find((e) => e.name === "provenance.alert" && e.data.memberId === carol.id),
    );
    assert.equal(alert.data.room, "main");
    assert.equal(alert.data.streamId, carolStream);
    assert.equal(alert.data.action, "alert");
    assert.ok(Number.isInteger(alert.data.index) && (alert.data.index as number) > 0);
    assert.match(String(alert.data.reason), /stopped signing/);
    await until(
      "the dashboard lists the alert",
      async () =>
        (await board.locator(`#alerts li[data-provenance-alert="${carol.id}"]`).count()) === 1,
    );
    const witnessed = await until(
      "provenance.break witnessed",
      async () =>
        (await witnessEntries(council.url)).find((e) =>
          e.type === "provenance.break" && e.payload.memberId === carol.id
        ),
    );
    assert.deepEqual(
      [witnessed.payload.room, witnessed.payload.streamId, witnessed.payload.index],
      ["main", carolStream, alert.data.index],
    );
    // Carol is still in the call, heard (the policy only alerts).
    assert.equal(await client(carol.page, "(c) => c.state"), "joined");
    assert.equal(await alice.page.locator(`#members li[data-member="${carol.id}"]`).count(), 1);
    assert.equal(
      await alice.page.locator(`#members li.muted[data-member="${carol.id}"]`).count(),
      0,
    );

    // The policy now mutes a broken member (the file is reloaded when it changes).
    await Deno.writeTextFile(
      policyFile,
      JSON.stringify({ version: "mute-broken", provenance: { onBreak: "mute" } }),
    );
    await until(
      "the policy reloaded",
      () => council.lines.some((l) => l.includes("policy reloaded") && l.includes("mute-broken")),
    );

    // Dave's page sends forged checkpoints: the same signature bytes, one bit changed.
    const dave = await join(council, b, "dave");
    await everyPageShows(pages, dave.id, "verified");
    const daveStream = await client<string>(dave.page, "(c) => c.signing.streamId");
    await client(
      dave.page,
      `(c) => { const send = c.request.bind(c);
        c.request = (m) => { if (m.type !== "checkpoint") return send(m);
          const sig = Uint8Array.from(atob(m.signature), (x) => x.charCodeAt(0)); sig[5] ^= 1;
          return send({ ...m, signature: btoa(String.fromCharCode(...sig)) }); }; }`,
    );
    await everyPageShows([...pages, dave.page], dave.id, "broken");
    assert.match(
      (await alice.page.getAttribute(`#members li[data-member="${dave.id}"] .proof`, "title"))!,
      /signature does not verify/,
    );
    // Forged checkpoints keep coming (two a second); the stream is alerted once.
    const forgedBefore = await client<number>(dave.page, "(c) => c.signing.checkpoints");
    await until(
      "more forged checkpoints sent",
      async () =>
        (await client<number>(dave.page, "(c) => c.signing.checkpoints")) >= forgedBefore + 4,
    );
    await sleep(1500); // the worker's throttled reports of the later failures arrive
    const daveAlerts = ops.events.filter((e) =>
      e.name === "provenance.alert" && e.data.memberId === dave.id
    );
    assert.equal(daveAlerts.length, 1, JSON.stringify(daveAlerts));
    // ... though the later failures were reported, and counted into the next alert.
    const counters = ((await api(council.url, "GET", "/api/v1/webrtc")).body as {
      counters: { suppressed: number; alerts: number };
    }).counters;
    assert.ok(counters.suppressed >= 1, JSON.stringify(counters));
    assert.equal(daveAlerts[0].data.streamId, daveStream);
    const breaks = (await witnessEntries(council.url)).filter((e) =>
      e.type === "provenance.break" && e.payload.memberId === dave.id
    );
    assert.equal(breaks.length, 1, JSON.stringify(breaks));
    assert.match(String(breaks[0].payload.reason), /signature does not verify/);
    assert.equal(breaks[0].payload.action, "mute");
    // Still in the call, muted by the policy: the room sees it, and dave cannot unmute.
    assert.equal(await client(dave.page, "(c) => c.state"), "joined");
    await until(
      "alice sees dave muted",
      async () =>
        (await alice.page.locator(`#members li.muted[data-member="${dave.id}"]`).count()) === 1,
    );
    const unmute = await client<string>(
      dave.page,
      `(c) => c.request({ type: "mute", muted: false }).then(() => "unmuted", (e) => e.message)`,
    );
    assert.match(unmute, /REJECTED: muted by the policy/);
    assert.equal(await alice.page.locator(`#members li[data-member="${dave.id}"]`).count(), 1);
    ops.close();
    await Deno.remove(policyFile).catch(() => {});
  },
);
