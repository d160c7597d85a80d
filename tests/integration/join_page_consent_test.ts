// The join page asks for consent to a recording (issue 26; docs/provenance.md,
// "Consent"), in Debian's Chromium against a real server whose policy requires it:
// starting a recording shows every page a prompt (why, the seconds left, Allow /
// Refuse) that passes axe at desktop and phone size; when both guardians allow it
// the recording runs and the pages show "Recording"; when one refuses, nothing is
// recorded, the recording's reason names them, and the other page says so.

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { api } from "../_helpers/council_api.ts";
import { browserTest, checkPageSizes, joinAsGuardians } from "../_helpers/browser.ts";
import { until } from "../_helpers/wait.ts";

const policyFile = Deno.makeTempFileSync({ prefix: "council-consent-page-", suffix: ".json" });
Deno.writeTextFileSync(
  policyFile,
  JSON.stringify({ version: "consent-page", recording: { requireConsent: true } }),
);

const text = async (page: Page, selector: string) =>
  (await page.textContent(selector))?.replace(/\s+/g, " ").trim() ?? "";

browserTest(
  "join page: a recording's call for consent is a prompt; all allow and it records, one refuses and nothing is",
  { COUNCIL_GUARD_POLICY_FILE: policyFile },
  async (council, chromium) => {
    const pages = await joinAsGuardians(chromium.browser, council.url, ["alice", "bob"], {
      room: "main",
    });
    const [alice, bob] = pages;
    const state = async (id: string) =>
      (await api(council.url, "GET", `/api/v1/recordings/${id}`)).body as {
        state: string;
        reason?: string;
      };
    const start = async () => {
      const r = await api(council.url, "POST", "/api/v1/recordings", { room: "main" });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const rec = r.body as { id: string; state: string };
      assert.equal(rec.state, "awaiting-consent");
      for (const page of pages) await page.waitForSelector("#consent", { timeout: 10_000 });
      return rec.id;
    };

    // Asked: the prompt says what and why, counts down, and is accessible.
    const first = await start();
    const prompt = await text(alice, "#consent");
    assert.match(prompt, /Record this room\?/);
    assert.match(prompt, /only if every member agrees/);
    const left = Number(/(\d+) s left to answer/.exec(prompt)?.[1]);
    assert.ok(left > 0 && left <= 60, prompt);
    await until(
      "the countdown ticks",
      async () => Number(/(\d+) s left/.exec(await text(alice, "#consent"))?.[1]) < left,
      5_000,
    );
    const { problems } = await checkPageSizes(alice, "join-consent");
    assert.deepEqual(problems, []);
    assert.equal(await alice.isVisible("#recording"), false, "nothing records before consent");

    // Both allow: it records, and both pages say so.
    await alice.click("#consent-yes");
    await alice.waitForSelector("#consent", { state: "detached" });
    assert.match(await text(alice, "#consent-note"), /You agreed to be recorded/);
    assert.equal((await state(first)).state, "awaiting-consent");
    await bob.click("#consent-yes");
    await until("recording", async () => (await state(first)).state === "recording");
    for (const page of pages) {
      await page.waitForSelector("#recording", { timeout: 10_000 });
      await until(
        "the note says everyone agreed",
        async () => /Everyone agreed/.test(await text(page, "#consent-note")),
        10_000,
      );
    }
    const stopped = await api(council.url, "POST", `/api/v1/recordings/${first}/stop`);
    assert.equal(stopped.status, 200, JSON.stringify(stopped.body));
    for (const page of pages) await page.waitForSelector("#recording", { state: "detached" });

    // One refuses: nothing is recorded, the reason names bob, and alice's page says so.
    const second = await start();
    await bob.click("#consent-no");
    await until("refused", async () => (await state(second)).state === "refused");
    assert.match((await state(second)).reason ?? "", /bob/);
    // Bob's own answer or the room's refusal, whichever came first: both say it.
    assert.match(
      await text(bob, "#consent-note"),
      /refused.*nothing is recorded|nothing is recorded.*refused/i,
    );
    await alice.waitForSelector("#consent", { state: "detached", timeout: 10_000 });
    await until(
      "alice is told",
      async () => /Nothing is recorded: .*bob/.test(await text(alice, "#consent-note")),
      10_000,
    );
    assert.equal(await alice.isVisible("#recording"), false);
    await alice.click("#consent-note-dismiss");
    assert.equal(await alice.isVisible("#consent-note"), false);
  },
);
