// The join page in a call, in Debian's Chromium: a named video grid (every tile
// labelled; a tile whose video ends goes back to its initials, and a member who
// leaves takes the tile along), the active speaker highlighted from the server's
// speaker events, the member list with each protocol (a SIP phone among the
// browsers), mute by button and by keyboard (M, Ctrl+D; not while typing), an
// escalation's invitation as a banner whose Join button moves the guardian to the
// convened room, reconnecting with its attempt count, and endings that say why
// (removed by an operator, room closed). No serious or critical axe-core violation
// in the call at desktop and phone size; screenshots in test-artifacts/.

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { addGuardian, api } from "../_helpers/council_api.ts";
import { browserTest, checkPageSizes, client, joinAsGuardians } from "../_helpers/browser.ts";
import { runBaresip } from "../_helpers/baresip.ts";
import { until } from "../_helpers/wait.ts";

const text = async (page: Page, selector: string) =>
  (await page.textContent(selector))?.trim() ?? "";

/** Each tile of the grid: its member, label, whether it plays video, its classes. */
const tiles = (page: Page) =>
  page.$$eval("#grid > li", (l) =>
    l.map((e) => {
      const li = e as unknown as {
        dataset: { tile: string };
        className: string;
        querySelector(s: string): { textContent: string; videoWidth?: number } | null;
      };
      return {
        member: li.dataset.tile,
        name: li.querySelector(".name")?.textContent ?? "",
        video: li.querySelector("video")?.videoWidth ?? 0,
        avatar: li.querySelector(".avatar") !== null,
        classes: li.className,
      };
    }));

browserTest(
  "join page in a call: named grid, speaker, protocols, mute keys, invitation banner, " +
    "reconnect and endings; accessible at desktop and phone size",
  { COUNCIL_SIP_DIGEST_ALGORITHMS: "MD5" },
  async (council, chromium) => {
    await addGuardian(council.url, "carol", { sipPassword: "carols-password-1" });
    // Alice, then bob, join "main" with video.
    const pages = await joinAsGuardians(chromium.browser, council.url, ["alice", "bob"], {
      room: "main",
      video: true,
    });
    const [pa, pb] = pages;
    const aliceId = await client<string>(pa, "(c) => c.memberId");
    const bobId = await client<string>(pb, "(c) => c.memberId");

    // The grid: one named tile per member; bob's plays his video on alice's page.
    await until("alice sees bob's video", async () => {
      const t = await tiles(pa);
      return t.length === 2 && t.find((x) => x.member === bobId)!.video > 0;
    });
    // The mix plays through the body's own <audio data-member="mix"> (the join-time
    // benchmark taps it there), and the join's marks are in the page.
    assert.equal(await pa.locator("body > audio[data-member=mix]").count(), 1);
    const marks = await pa.evaluate("Object.keys(globalThis.__councilTimings)") as string[];
    for (const mark of ["clickAt", "mediaAt", "playerAt", "firstAudioAt"]) {
      assert.ok(marks.includes(mark), `${mark} in ${marks}`);
    }
    const grid = await tiles(pa);
    assert.deepEqual(grid.map((t) => t.name).sort(), ["alice (you)", "bob"]);
    assert.equal(await pa.locator(`#grid video[data-member="${bobId}"]`).count(), 1);
    await until(
      "the page says the media connected",
      async () => (await text(pa, "#status")) === "In room main",
    );

    // Bob mutes with M (not while typing in a field), then alice is the only
    // speaker: both pages highlight her tile and list entry; alice sees bob muted.
    await pb.focus("#evidence-title");
    await pb.keyboard.press("m");
    assert.equal(await pb.getAttribute("#mute", "aria-pressed"), "false", "M typed in a field");
    await pb.fill("#evidence-title", "");
    await pb.locator("#grid").click();
    await pb.keyboard.press("m");
    await until(
      "bob is muted",
      async () =>
        (await pb.getAttribute("#mute", "aria-pressed")) === "true" &&
        (await text(pb, "#mute")) === "Unmute",
    );
    await until(
      "alice sees bob muted",
      async () =>
        (await pa.locator(`#members li.muted[data-member="${bobId}"]`).count()) === 1 &&
        (await pa.locator(`#grid li.muted[data-tile="${bobId}"] .muted-badge`).count()) === 1,
    );
    for (const page of [pa, pb]) {
      await until(
        "alice is the speaker",
        async () =>
          (await page.locator(`#grid li.speaking[data-tile="${aliceId}"]`).count()) === 1 &&
          (await page.locator("#grid li.speaking").count()) === 1 &&
          (await page.locator(`#members li.speaking[data-member="${aliceId}"]`).count()) === 1,
      );
    }

    // A SIP phone joins: listed with its protocol; browsers are listed as browsers.
    const carol = runBaresip({
      sipPort: council.sipPort,
      user: "carol",
      password: "carols-password-1",
      room: "main",
      say: new Int16Array(8000 * 6),
      seconds: 6,
    });
    await until(
      "the phone is listed as SIP",
      async () =>
        (await pa.$$eval("#members li", (l) =>
          l.map((e) => {
            const li = e as unknown as { querySelector(s: string): { textContent: string } };
            return `${li.querySelector(".name").textContent}:${
              li.querySelector(".protocol").textContent
            }`;
          }).sort().join(" "))) === "alice (you):Browser bob:Browser carol:SIP",
    );
    assert.match(await text(pa, `#grid li:has-text("carol") .badge`), /SIP/);

    // Accessible in the call, at desktop and phone size.
    const { problems, screenshots } = await checkPageSizes(pa, "join-page-call");
    assert.deepEqual(problems, [], "in the call");
    assert.match((await carol).log, /Call established/);
    await until("the phone's tile goes", async () => (await tiles(pa)).length === 2);

    // Ctrl+D unmutes (as in Meet).
    await pb.keyboard.press("Control+d");
    await until(
      "bob is unmuted",
      async () =>
        (await pb.getAttribute("#mute", "aria-pressed")) === "false" &&
        (await pa.locator("#members li.muted").count()) === 0,
    );

    // Bob's camera stops: his tile stays, named, with his initials, no dead video.
    await client(
      pb,
      `async (c) => {
      await c.request({ type: "closeProducer", producerId: c.videoProducer.id });
      c.videoProducer.close();
    }`,
    );
    await until("bob's tile without video", async () => {
      const t = (await tiles(pa)).find((x) => x.member === bobId);
      return t?.avatar === true && t.name === "bob";
    });
    assert.equal(await pa.locator(`video[data-member="${bobId}"]`).count(), 0);

    // An escalation invites both browsers: a banner with a Join button. Alice joins
    // the convened room with it; bob dismisses his.
    const raised = await api(council.url, "POST", "/api/v1/escalations", {
      source: "if://agent/sentinel",
      hazards: ["infrastructure"],
      severity: "high",
      summary: "The primary data centre lost power.",
      pii: false,
    });
    assert.equal(raised.status, 201, JSON.stringify(raised.body));
    const convened = (raised.body as { room: string }).room;
    for (const page of [pa, pb]) {
      await page.waitForSelector("#invitation-join");
      assert.equal(await text(page, "#invitation-join"), `Join room ${convened}`);
      assert.match(await text(page, "#invitation"), /lost power/);
    }
    await pb.click("#invitation-dismiss");
    assert.equal(await pb.locator("#invitation").count(), 0);
    await pa.click("#invitation-join");
    await until(
      "alice is in the convened room",
      async () =>
        (await text(pa, "#status")).startsWith(`In room ${convened}`) &&
        (await client<string>(pa, "(c) => c.state")) === "joined",
    );
    assert.equal(await pa.locator("#invitation").count(), 0);
    await until("bob sees alice go", async () => (await tiles(pb)).length === 1);
    assert.deepEqual((await tiles(pa)).map((t) => t.name), ["alice (you)"]);

    // Reconnecting says so, with the attempt; then the call is back.
    await pa.context().setOffline(true);
    await client(pa, "(c) => c.dropSocket()");
    await until(
      "reconnecting shown",
      async () =>
        /^Connection lost; reconnecting \(attempt \d+\)…$/.test(await text(pa, "#status")),
    );
    await pa.context().setOffline(false);
    await until(
      "back in the room",
      async () => (await text(pa, "#status")).startsWith(`In room ${convened}`),
    );

    // Endings say why: an operator removes bob; the convened room is closed.
    await api(council.url, "DELETE", `/api/v1/rooms/main/members/${bobId}`);
    await until(
      "bob is told",
      async () => (await text(pb, "#status")) === "Removed from the room",
    );
    assert.match(await text(pb, "#ended"), /An operator removed you from room main/);
    assert.equal(await pb.locator("#join").count(), 1, "bob is back at the pre-join screen");
    assert.equal(await pb.locator("audio[data-member=mix]").count(), 0, "the mix stopped");
    const closed = await api(council.url, "DELETE", `/api/v1/rooms/${convened}`);
    assert.equal(closed.status, 204);
    await until(
      "alice is told",
      async () => (await text(pa, "#status")) === "The room was closed",
    );
    assert.equal(await text(pa, "#error"), "");
    console.log(`screenshots: ${screenshots.join(", ")}`);
  },
);
