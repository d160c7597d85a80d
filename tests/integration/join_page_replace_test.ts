// Same guardian, new tab (issue 25 item 8): a second join of a guardian's key in a
// room takes the seat at once, whether the first tab is still open (it is told it
// was replaced by a newer tab and stops) or was reloaded (its socket gone, its seat
// waiting for a resume that will not come). No ghost seat, and the guardian's own
// ghost never counts against its bandwidth quota. Someone else's join, or a request
// whose signature does not verify, ends nobody's seat.

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { addGuardian, api, witnessed } from "../_helpers/council_api.ts";
import { browserTest, joinThroughPage } from "../_helpers/browser.ts";
import { openWs } from "../_helpers/ws_member.ts";
import { toBase64 } from "../../witness/base64.ts";
import { until } from "../_helpers/wait.ts";

const state = (page: Page) =>
  page.evaluate(`globalThis.council?.client.state`) as Promise<string | undefined>;

async function seats(url: string): Promise<string[]> {
  const s = (await api(url, "GET", "/api/v1/webrtc")).body as {
    members: { guardianId: string }[];
  };
  return s.members.map((m) => m.guardianId.replace("if://guardian/", "")).sort();
}

/** The names in a page's member list. */
const listed = (page: Page) =>
  page.$$eval("#members li .name", (l) => l.map((e) => (e as unknown as Text).textContent));

browserTest(
  "join page: the same guardian's new tab replaces the old seat at once, open or reloaded",
  {},
  async (council, chromium) => {
    // Room for one video join at a time: a ghost holding 1500 kbps would refuse the next.
    const alice = await addGuardian(council.url, "alice", { bandwidthKbps: 2000 });
    const bob = await addGuardian(council.url, "bob");
    const key = toBase64(alice.secret);
    const first = await joinThroughPage(chromium.browser, council.url, {
      guardian: "alice",
      room: "main",
      key,
      video: true,
    });
    const pb = await joinThroughPage(chromium.browser, council.url, {
      guardian: "bob",
      room: "main",
      key: toBase64(bob.secret),
    });
    assert.equal(await state(first), "joined", "bob's join replaced nobody");
    assert.deepEqual(await seats(council.url), ["alice", "bob"]);

    // A forged join for alice (not her signature) ends nothing.
    const forger = await openWs(council);
    const forged = await alice.request("main", { codecs: ["opus"], bandwidthKbps: 64 });
    forged.signature = forged.signature.replace(/^./, (c) => (c === "A" ? "B" : "A"));
    forger.send({ type: "join", id: 2, room: "main", admission: forged });
    assert.match(String((await forger.answer(2)).message), /INVALID_SIGNATURE/);
    await forger.close();
    assert.equal(await state(first), "joined", "a forged request ended alice's seat");

    // Alice opens a second window (the first still open) and joins with video again.
    const second = await joinThroughPage(chromium.browser, council.url, {
      guardian: "alice",
      room: "main",
      key,
      video: true,
    });
    // The old seat ended before the new one was admitted: one seat, as soon as joined
    // (a ghost used to stay 30 s; the waits below give up after 10).
    assert.deepEqual(await seats(council.url), ["alice", "bob"], "one seat for alice");
    await until(
      "the first tab is told",
      async () => (await first.textContent("#status")) === "Replaced by a newer tab",
    );
    assert.match(await first.textContent("#ended") ?? "", /another tab or window/);
    assert.equal(await state(first), "left");
    assert.equal(await first.locator("#room-view").count(), 0, "the old tab left the call");
    await until("bob lists alice once", async () => {
      const names = await listed(pb);
      return names.length === 2 && names.filter((n) => n === "alice").length === 1;
    });
    assert.deepEqual((await listed(second)).sort(), ["alice (you)", "bob"]);

    // The second tab is reloaded (its socket simply goes) and joins again with the
    // key its browser stored: the seat moves at once, no ghost.
    await second.reload();
    await second.fill("#guardian", "alice");
    await second.waitForSelector("#key-stored");
    await second.check("#camera");
    await second.click("#join-button");
    await until("joined again", async () => (await state(second)) === "joined");
    assert.deepEqual(await seats(council.url), ["alice", "bob"], "no ghost seat");
    await until("no ghost in bob's list", async () => (await listed(pb)).length === 2);
    const left = await witnessed(council.url, "webrtc.member.left");
    assert.deepEqual(
      left.map((e) => [String(e.guardianId).replace("if://guardian/", ""), e.reason]),
      [["alice", "replaced"], ["alice", "replaced"]],
    );
  },
);
