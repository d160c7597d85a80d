// The join page before and between calls, in Debian's Chromium: names the form
// refuses before anything is asked of the microphone (the `pattern` must compile
// with the `v` flag Chromium uses), device pickers, a live microphone meter and a
// camera preview; the key imported once as a non-extractable WebCrypto Ed25519 key
// kept in IndexedDB for that guardian, never on screen again, signing later joins,
// forgotten on request; a key the server refuses is not kept, and its error goes
// once the right key joins. Accessibility (axe-core: no serious or critical
// violation) at desktop and phone size, nothing wider than 360 px, the keyboard
// walking the form in reading order with a visible focus; screenshots in
// test-artifacts/. A browser whose media cannot connect is told why it may be.

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { addGuardian, api } from "../_helpers/council_api.ts";
import { browserTest, checkPageSizes } from "../_helpers/browser.ts";
import { toBase64 } from "../../witness/base64.ts";
import { until } from "../_helpers/wait.ts";

const text = async (page: Page, selector: string) =>
  (await page.textContent(selector))?.trim() ?? "";

/** The page's client state, or undefined before a join made one. */
const state = (page: Page) =>
  page.evaluate(`globalThis.council?.client.state`) as Promise<string | undefined>;

/** What IndexedDB holds for `guardian`: the stored key's properties. */
const storedKey = (page: Page, guardian: string) =>
  page.evaluate(`new Promise((resolve, reject) => {
    const open = indexedDB.open("council", 1);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains("keys")) return resolve(null);
      const get = db.transaction("keys").objectStore("keys").get(${JSON.stringify(guardian)});
      get.onsuccess = () => {
        const r = get.result;
        resolve(r ? {
          isCryptoKey: r.key instanceof CryptoKey,
          extractable: r.key.extractable,
          algorithm: r.key.algorithm.name,
          usages: r.key.usages,
          fields: Object.keys(r).sort(),
        } : null);
      };
    };
  })`) as Promise<
    {
      isCryptoKey: boolean;
      extractable: boolean;
      algorithm: string;
      usages: string[];
      fields: string[];
    } | null
  >;

browserTest(
  "join page: names checked before the microphone, devices and meter, key kept as a " +
    "non-extractable WebCrypto key, forgotten on request; accessible at desktop and phone size",
  {},
  async (council, chromium) => {
    const alice = await addGuardian(council.url, "alice");
    const bob = await addGuardian(council.url, "bob");
    const context = await chromium.browser.newContext({
      permissions: ["microphone", "camera"],
      viewport: { width: 1280, height: 800 },
    });
    const page = await context.newPage();
    const sockets: string[] = [];
    page.on("websocket", (ws) => sockets.push(ws.url()));
    await page.goto(`${council.url}/web/`);

    // The room and guardian patterns compile in Chromium: a bad name is refused by
    // the form itself, before any socket or admission.
    for (const [field, bad] of [["#room", "Main Room"], ["#guardian", "-alice"]]) {
      await page.fill("#guardian", "alice");
      await page.fill("#room", "main");
      await page.fill(field, bad);
      assert.equal(
        await page.$eval(field, (e) => (e as unknown as HTMLInput).validity.patternMismatch),
        true,
        `${field} "${bad}" matches the pattern: Chromium ignored it`,
      );
      await page.click("#join-button");
      assert.equal(
        await page.$eval("#join", (f) => (f as unknown as HTMLForm).checkValidity()),
        false,
      );
    }
    await page.fill("#guardian", "alice");
    await page.fill("#room", "main");
    assert.equal(
      await page.$eval("#room", (e) => (e as unknown as HTMLInput).validity.valid),
      true,
    );
    assert.equal(await state(page), undefined, "no client was made for a refused form");
    assert.deepEqual(sockets, [], "no socket was opened for a refused form");

    // Devices: pickers list Chromium's fake devices, the meter follows the speech
    // the fake microphone plays, and the camera preview plays once video is on.
    await until(
      "the microphone list",
      async () => await page.locator("#mic-select option").count() >= 1,
    );
    assert.ok(await page.locator("#camera-select option").count() >= 1, "camera list");
    await until(
      "the meter moves",
      async () => Number(await page.getAttribute("#mic-level", "aria-valuenow")) > 10,
    );
    await page.check("#camera");
    await until(
      "the camera preview plays",
      () =>
        page.$eval(
          ".preview video",
          (v) => (v as unknown as { videoWidth: number }).videoWidth > 0,
        )
          .catch(() => false),
    );

    const { problems, screenshots } = await checkPageSizes(page, "join-page-prejoin");
    assert.deepEqual(problems, [], "pre-join");
    await page.uncheck("#camera");

    // A key the server refuses (bob's, for alice): said plainly, not kept.
    await page.fill("#key", toBase64(bob.secret));
    await page.click("#join-button");
    await until(
      "the refusal",
      async () => /did not accept this key/.test(await text(page, "#error")),
    );
    assert.equal(await storedKey(page, "alice"), null, "a refused key is not stored");
    assert.equal(await page.locator("#key").count(), 1, "the key is asked for again");

    // Alice's own key file: joined, the error gone, the form and the key off the page.
    await page.fill(
      "#key",
      JSON.stringify({ publicKey: "x", secretKey: toBase64(alice.secret) }),
    );
    await page.click("#join-button");
    await until("joined", async () => (await state(page)) === "joined");
    assert.equal(await text(page, "#error"), "", "the stale error is cleared");
    assert.equal(await page.locator("#join").count(), 0, "the join form is gone");
    assert.equal(await page.locator("#key").count(), 0, "the key field is gone");
    const html = await page.content();
    assert.ok(!html.includes(toBase64(alice.secret)), "the secret key is not in the page");
    const stored = await until("the key stored", () => storedKey(page, "alice"));
    assert.deepEqual(stored, {
      isCryptoKey: true,
      extractable: false,
      algorithm: "Ed25519",
      usages: ["sign"],
      fields: ["guardian", "key", "publicKey", "storedAt"],
    });

    // Leave: back to the pre-join screen, which says so; the key is not asked for,
    // and the next join signs with the stored key.
    await page.click("#leave");
    await until("left", async () => /You left room main/.test(await text(page, "#ended")));
    assert.equal(await page.locator("#key").count(), 0, "no key field while one is stored");
    assert.match(await text(page, "#key-stored"), /stored in this browser/);
    await page.reload();
    await page.fill("#guardian", "alice");
    await page.waitForSelector("#key-stored");
    assert.equal(await page.locator("#key").count(), 0);
    await page.click("#join-button");
    await until("joined with the stored key", async () => (await state(page)) === "joined");
    const members = (await api(council.url, "GET", "/api/v1/rooms/main")).body as {
      members: { guardianId: string }[];
    };
    assert.deepEqual(members.members.map((m) => m.guardianId), [alice.id]);
    await page.click("#leave");
    await until("left again", async () => (await state(page)) === "left");

    // Forget this key: gone from IndexedDB, the key field is back.
    await page.click("#forget-key");
    await page.waitForSelector("#key");
    assert.equal(await storedKey(page, "alice"), null);

    // The keyboard walks the form in reading order, and the focus is visible.
    await page.focus("#guardian");
    const order: string[] = [];
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press("Tab");
      const focused = await page.evaluate(`(() => {
        const e = document.activeElement, s = getComputedStyle(e);
        return { id: e.id, outline: s.outlineStyle, width: parseFloat(s.outlineWidth) };
      })()`) as { id: string; outline: string; width: number };
      assert.ok(
        focused.outline !== "none" && focused.width >= 2,
        `no visible focus on #${focused.id}`,
      );
      order.push(focused.id);
      if (focused.id === "join-button") break;
    }
    const speaker = await page.locator("#speaker-select").count() === 1;
    assert.deepEqual(order, [
      "room",
      "keyfile",
      "key",
      "mic-select",
      "camera-select",
      ...(speaker ? ["speaker-select"] : []),
      "camera",
      "join-button",
    ]);
    console.log(`screenshots: ${screenshots.join(", ")}`);
    await context.close();

    // A browser whose media cannot connect (no ICE path, as when UDP is blocked and
    // nothing relays) is told so with the hint, instead of "In room" and silence.
    const blocked = await chromium.browser.newContext({ permissions: ["microphone"] });
    await blocked.addInitScript(`{
      const Native = RTCPeerConnection;
      globalThis.RTCPeerConnection = function (config) {
        return new Native({ ...config, iceTransportPolicy: "relay" });
      };
      globalThis.RTCPeerConnection.prototype = Native.prototype;
    }`);
    const cut = await blocked.newPage();
    await cut.goto(`${council.url}/web/`);
    await cut.fill("#guardian", "alice");
    await cut.fill("#key", toBase64(alice.secret));
    await cut.click("#join-button");
    await until("joined", async () => (await state(cut)) === "joined");
    assert.equal(await text(cut, "#status"), "In room main; connecting audio…");
    await cut.waitForSelector("#media-warning", { timeout: 15_000 });
    assert.match(await text(cut, "#media-warning"), /Audio has not connected.*UDP.*firewall/s);
    await blocked.close();
  },
);

interface HTMLInput {
  validity: { patternMismatch: boolean; valid: boolean };
}
interface HTMLForm {
  checkValidity(): boolean;
}
