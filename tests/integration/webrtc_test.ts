// Browsers in a room, for real: Debian's Chromium (playwright-core) joins through the
// join page, with a speech file as its microphone and a fake camera; a SIP phone
// (baresip) dials the same room. Each side must receive the others' audio (RTP
// stats in the browsers, speech correlation at the phone), the browsers each
// other's video, and a browser whose socket is killed must heal within 10 s.

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { addGuardian, api } from "../_helpers/council_api.ts";
import { runBaresip } from "../_helpers/baresip.ts";
import { bestCorrelation, speech } from "../_helpers/audio.ts";
import { browserTest, client, inbound, joinThroughPage } from "../_helpers/browser.ts";
import { toBase64 } from "../../witness/base64.ts";
import { sleep, until } from "../_helpers/wait.ts";
import type { TestBrowser } from "../_helpers/browser.ts";

async function audioEnergy(page: Page): Promise<number> {
  return (await inbound(page)).audio?.energy ?? 0;
}

/** Alice and Bob join room "main" through the join page, audio only. */
async function aliceAndBob(council: { url: string }, chromium: TestBrowser) {
  const alice = await addGuardian(council.url, "alice");
  const bob = await addGuardian(council.url, "bob");
  const pa = await joinThroughPage(chromium.browser, council.url, {
    guardian: "alice",
    room: "main",
    key: toBase64(alice.secret),
  });
  const pb = await joinThroughPage(chromium.browser, council.url, {
    guardian: "bob",
    room: "main",
    key: toBase64(bob.secret),
  });
  return { pa, pb };
}

interface WebRtcStats {
  members: {
    guardianId: string;
    transports: number;
    attached: boolean;
    producers: { kind: string; type: string }[];
  }[];
  workers: { pid: number; routers: number }[];
  counters: { joined: number; resumed: number };
}

browserTest(
  "two browsers and a SIP phone in one room hear each other; browsers see each other",
  { COUNCIL_SIP_DIGEST_ALGORITHMS: "MD5" },
  async (council, chromium) => {
    const alice = await addGuardian(council.url, "alice");
    const bob = await addGuardian(council.url, "bob");
    await addGuardian(council.url, "carol", { sipPassword: "carols-password-1" });
    const pa = await joinThroughPage(chromium.browser, council.url, {
      guardian: "alice",
      room: "main",
      key: toBase64(alice.secret),
      video: true,
    });
    // Bob pastes his key file's JSON rather than the bare key.
    const pb = await joinThroughPage(chromium.browser, council.url, {
      guardian: "bob",
      room: "main",
      key: JSON.stringify({ publicKey: "unused", secretKey: toBase64(bob.secret) }),
      video: true,
    });

    // Each browser hears the other (the mix) and sees the other's video.
    await until("alice hears and sees bob", async () => {
      const s = await inbound(pa);
      return (s.audio?.energy ?? 0) > 0.05 && (s.video?.frames ?? 0) > 30 && s;
    });
    await until("bob hears and sees alice", async () => {
      const s = await inbound(pb);
      return (s.audio?.energy ?? 0) > 0.05 && (s.video?.frames ?? 0) > 30 && s;
    });
    // Video is sent as simulcast layers (mediasoup picks one per receiver's bandwidth).
    const producers = ((await api(council.url, "GET", "/api/v1/webrtc")).body as WebRtcStats)
      .members.flatMap((m) => m.producers);
    assert.deepEqual(
      producers.filter((p) => p.kind === "video").map((p) => p.type),
      ["simulcast", "simulcast"],
    );
    await until(
      "both pages list both members",
      async () =>
        (await pa.locator("#members li").count()) === 2 &&
        (await pb.locator("#members li").count()) === 2,
    );

    // Bob mutes with the page's button: from now on the phone hears alice alone and
    // alice hears the phone alone.
    await pb.click("#mute");
    await until(
      "alice sees bob muted",
      async () => (await pa.locator("#members li.muted").count()) === 1,
    );
    await sleep(500);
    const before = await audioEnergy(pa);
    await sleep(1000);
    const silentGain = (await audioEnergy(pa)) - before;

    const s2 = await speech(2, 8000);
    const carolSays = new Int16Array(8000 * 9);
    carolSays.set(s2, 8000);
    carolSays.set(s2, 8000 * 5);
    const carolRun = runBaresip({
      sipPort: council.sipPort,
      user: "carol",
      password: "carols-password-1",
      room: "main",
      say: carolSays,
      seconds: 9,
    });
    const sipMember = await until(
      "the phone appears in alice's member list",
      async () =>
        await client<string | undefined>(
          pa,
          "(c) => [...c.members.values()].find((m) => m.protocol === 'sip')?.memberId",
        ),
    );
    const heardFrom = await audioEnergy(pa);
    // While the phone talks, alice's page shows it speaking (levels and the indicator).
    await until("alice sees the phone speak", async () =>
      await client<boolean>(
        pa,
        `(c) => c.speaker === ${JSON.stringify(sipMember)} && c.levels[${
          JSON.stringify(sipMember)
        }] > -40`,
      ) && (await pa.locator(`#members li.speaking[data-member="${sipMember}"]`).count()) === 1);
    const carol = await carolRun;
    const sipGain = (await audioEnergy(pa)) - heardFrom;

    assert.match(carol.log, /Call established/, carol.log.slice(-2000));
    // The phone hears alice's speech (Opus -> mix -> G.711) ...
    const heard = bestCorrelation(
      await speech(1, 8000),
      carol.heard,
      Math.max(0, carol.heard.length - 8000 * 3),
    );
    assert.ok(heard.value > 0.5, `the phone hears alice: ${JSON.stringify(heard)}`);
    // ... and alice hears the phone: energy arrives while it talks, not before.
    assert.ok(sipGain > 0.02, `alice hears the phone: gain ${sipGain} (silent ${silentGain})`);
    assert.ok(silentGain < sipGain / 4, `silence while bob is muted: ${silentGain}`);
    // The phone left: the pages are told.
    await until(
      "the phone leaves alice's list",
      async () =>
        !(await client<boolean>(pa, `(c) => c.members.has(${JSON.stringify(sipMember)})`)),
    );

    // Bob leaves with the button: his transports close, alice is told.
    await pb.click("#leave");
    await until(
      "alice sees bob leave",
      async () => (await pa.locator("#members li").count()) === 1,
    );
    const stats = (await api(council.url, "GET", "/api/v1/webrtc")).body as WebRtcStats;
    assert.deepEqual(stats.members.map((m) => m.guardianId), [alice.id]);
    await pa.click("#leave");
    await until("nothing left open", async () => {
      const s = (await api(council.url, "GET", "/api/v1/webrtc")).body as WebRtcStats;
      const sessions = (await api(council.url, "GET", "/api/v1/admission/sessions")).body as {
        sessions: unknown[];
      };
      return s.members.length === 0 && sessions.sessions.length === 0;
    });
  },
);

browserTest(
  "a browser whose socket is killed resumes within 10 s, without a second admission",
  {},
  async (council, chromium) => {
    const { pa, pb } = await aliceAndBob(council, chromium);
    const memberId = await client<string>(pa, "(c) => c.memberId");
    await until("alice hears bob", async () => (await audioEnergy(pa)) > 0.02);

    // Cut alice off: no new connection can open, and her socket is killed. While
    // she is away bob mutes, an event she must not miss.
    await pa.context().setOffline(true);
    const killedAt = Date.now();
    await client(pa, "(c) => c.dropSocket()");
    await until(
      "alice notices",
      async () => (await client<string>(pa, "(c) => c.state")) === "reconnecting",
    );
    await pb.click("#mute");
    await sleep(1500);
    await pa.context().setOffline(false);
    await until(
      "alice is back in the room",
      async () => (await client<string>(pa, "(c) => c.state")) === "joined",
      10_000 - (Date.now() - killedAt),
    );
    const healedMs = Date.now() - killedAt;
    assert.ok(healedMs < 10_000, `healed in ${healedMs} ms`);
    assert.equal(await client<string>(pa, "(c) => c.memberId"), memberId, "same membership");
    assert.equal(await client<number>(pa, "(c) => c.resumes"), 1);
    assert.ok(await client<number>(pa, "(c) => c.replayed") >= 1, "events were replayed");
    // The event that happened while she was away was replayed.
    assert.ok(
      await client<boolean>(pa, "(c) => [...c.members.values()].some((m) => m.muted)"),
      "bob's mute reached alice after the reconnect",
    );
    const stats = (await api(council.url, "GET", "/api/v1/webrtc")).body as WebRtcStats;
    assert.equal(stats.counters.joined, 2, "no second admission");
    assert.equal(stats.counters.resumed, 1);
    // Media kept flowing to her after the ICE restart: bob unmutes and is heard.
    await pb.click("#mute");
    const e0 = await audioEnergy(pa);
    await until("alice hears bob again", async () => (await audioEnergy(pa)) - e0 > 0.02);
  },
);

browserTest(
  "browsers rejoin by themselves when the mediasoup worker carrying their room dies",
  {},
  async (council, chromium) => {
    const { pa } = await aliceAndBob(council, chromium);
    await until("alice hears bob", async () => (await audioEnergy(pa)) > 0.02);
    const before = await client<string>(pa, "(c) => c.memberId");
    const stats = (await api(council.url, "GET", "/api/v1/webrtc")).body as WebRtcStats;
    const carrier = stats.workers.find((w) => w.routers === 1)!;
    const killedAt = Date.now();
    Deno.kill(carrier.pid, "SIGKILL");
    await until(
      "alice is in the room again",
      async () =>
        (await client<string>(pa, "(c) => c.state")) === "joined" &&
        (await client<string>(pa, "(c) => c.memberId")) !== before,
    );
    const e0 = await audioEnergy(pa);
    await until("alice hears bob again", async () => (await audioEnergy(pa)) - e0 > 0.02);
    assert.ok(Date.now() - killedAt < 10_000, `healed in ${Date.now() - killedAt} ms`);
    const after = (await api(council.url, "GET", "/api/v1/webrtc")).body as WebRtcStats;
    assert.equal(after.members.length, 2);
    assert.ok(after.workers.every((w) => w.pid !== carrier.pid), "the dead worker was replaced");
  },
);

browserTest(
  "the join page shows evidence to the room and casts signed ballots",
  {},
  async (council, chromium) => {
    const { pa, pb } = await aliceAndBob(council, chromium);
    // Alice shows a note to the room from her page; Bob's page lists it.
    await pa.fill("#evidence-title", "Incident timeline");
    await pa.fill("#evidence-body", "Power lost at 06:10; failover degraded at 06:12.");
    await pa.click("#evidence-form button");
    await until(
      "bob sees the evidence",
      async () =>
        (await pb.locator("#evidence li").count()) === 1 &&
        /Incident timeline \(alice\)/.test(await pb.locator("#evidence li").innerText()),
    );

    // The operator opens a vote: both pages offer the options; each guardian clicks one.
    const opened = await api(council.url, "POST", "/api/v1/rooms/main/votes", {
      question: "Fail over to the secondary site?",
      options: ["yes", "no"],
      deadlineSec: 60,
    });
    assert.equal(opened.status, 201);
    const voteId = (opened.body as { id: string }).id;
    for (const page of [pa, pb]) {
      await until(
        "the vote is shown",
        async () => (await page.locator(`[data-vote="${voteId}"] button`).count()) === 2,
      );
    }
    await pa.click(`[data-vote="${voteId}"] button:text("yes")`);
    await until(
      "alice's ballot counted",
      async () =>
        /You voted yes/.test(await pa.locator(`[data-vote="${voteId}"] .status`).innerText()),
    );
    await pb.click(`[data-vote="${voteId}"] button:text("yes")`);
    // Both voted: the vote closes and both pages show the result.
    for (const page of [pa, pb]) {
      await until("the result is shown", async () =>
        /Carried: yes \(yes: 2, no: 0\)/.test(
          await page.locator(`[data-vote="${voteId}"] .status`).innerText(),
        ));
    }
    const vote = (await api(council.url, "GET", `/api/v1/rooms/main/votes/${voteId}`)).body as {
      ballots: { guardianId: string; choice: string }[];
      record: { witnessIndex: number };
    };
    assert.deepEqual(vote.ballots.map((b) => [b.guardianId, b.choice]).sort(), [
      ["if://guardian/alice", "yes"],
      ["if://guardian/bob", "yes"],
    ]);
    assert.ok(vote.record.witnessIndex > 0);
  },
);
