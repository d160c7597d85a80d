// The operators' dashboard in Debian's Chromium: a wrong token is refused, the right
// one shows a room with two SIP members (SIPp) appearing, a guard rejection with its
// reason, the witness head checked in the browser and an inclusion proof verified,
// and cost. A screenshot is kept in test-artifacts/ (or $COUNCIL_ARTIFACTS).

import assert from "node:assert/strict";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, OPERATOR } from "../_helpers/council_api.ts";
import { launchChromium, screenshot } from "../_helpers/browser.ts";
import { runSipp, tokenCalls } from "../_helpers/sipp.ts";

Deno.test({
  name: "dashboard: sign in, watch two members join, see a rejection's reason, verify the witness",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
    const chromium = await launchChromium(new Int16Array(4800), 48000);
    try {
      const page = await (await chromium.browser.newContext()).newPage();
      await page.goto(`${council.url}/dashboard`);

      // A wrong token is refused, and says nothing more.
      await page.fill("#token", "not-the-operator-token");
      await page.click("#login button");
      await page.waitForFunction(
        `document.getElementById("login-error").textContent.includes("refused")`,
      );
      assert.equal(await page.isVisible("#board"), false);

      await page.fill("#token", OPERATOR);
      await page.click("#login button");
      await page.waitForSelector("#board", { state: "visible" });

      // Two guardians dial in over SIP and stay a while.
      const [a, b] = [await addGuardian(council.url, "ada"), await addGuardian(council.url, "bo")];
      const calls = tokenCalls(`127.0.0.1:${council.sipPort}`, [
        { room: "main", token: await a.token("main") },
        { room: "main", token: await b.token("main") },
      ], 8000);
      await page.waitForFunction(
        `document.querySelectorAll('[data-room="main"] tr[data-member]').length === 2`,
        undefined,
        { timeout: 10_000 },
      );
      const guardians = await page.$$eval(
        '[data-room="main"] tr[data-member]',
        (rows) => rows.map((r) => (r as HTMLElement).dataset.guardian).sort(),
      );
      assert.deepEqual(guardians, ["if://guardian/ada", "if://guardian/bo"]);
      assert.match(await page.textContent("#rooms-summary") ?? "", /1 active, 2 members/);
      // Their admissions appear among guard's decisions.
      await page.waitForFunction(`document.querySelectorAll("#decisions li.admit").length >= 2`);

      // A request carrying PII into an ESCALATE call is refused; the reason shows.
      await runSipp({
        scenario: "token_call.xml",
        target: `127.0.0.1:${council.sipPort}`,
        inject: [
          "SEQUENTIAL",
          `main;${await a.token("main", { callType: "ESCALATE", pii: true })}`,
        ],
        timeoutS: 10,
      });
      await page.waitForSelector('#decisions li.reject[data-reason="PII_POLICY_VIOLATION"]', {
        timeout: 10_000,
      });

      // The witness: the signed head checks out here; the latest entry's proof too.
      await page.waitForFunction(
        `document.getElementById("witness").textContent.includes("verified in this browser")`,
        undefined,
        { timeout: 15_000 },
      );
      await page.click("#verify");
      await page.waitForSelector("#verify-result.good", { timeout: 10_000 });
      assert.match(await page.textContent("#verify-result") ?? "", /verified$/);
      await page.waitForFunction(`document.getElementById("cost").textContent.includes("day")`);

      const shot = await screenshot(page, "dashboard");
      assert.ok((await Deno.stat(shot)).size > 10_000);
      assert.equal((await calls).code, 0);
    } finally {
      await chromium.close();
      assert.equal(await council.stop(), 0);
    }
  },
});
