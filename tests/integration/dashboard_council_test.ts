// The operators' dashboard shows what the council did (issue 25): a vote with its
// result and its witness proof checked in the browser (and refused when the proof
// is altered on the way), evidence, an escalation with who was called, the media
// workers and every subsystem's health, the room's chained streams and the witness
// audited on request (issue 26, also on /metrics); every list filters; the page has no serious
// accessibility violation (axe-core) signed out or in, at desktop and phone size,
// and nothing overflows a phone's width. Screenshots in test-artifacts/.

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { signBallot } from "../../guard/mod.ts";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR, type TestGuardian } from "../_helpers/council_api.ts";
import { launchChromium, screenshot } from "../_helpers/browser.ts";
import { seriousViolations } from "../_helpers/axe.ts";
import { joinWs, type WsMember } from "../_helpers/ws_member.ts";

const ROOM = "council";

async function cast(url: string, g: TestGuardian, voteId: string, choice: string) {
  const ballot = await signBallot({ voteId, room: ROOM, guardianId: g.id, choice }, g.secret);
  const r = await api(url, "POST", `/api/v1/rooms/${ROOM}/votes/${voteId}/ballots`, { ballot });
  assert.equal(r.status, 201, JSON.stringify(r.body));
}

const text = (page: Page, selector: string) =>
  page.$eval(selector, (e) => (e as { textContent: string | null }).textContent ?? "");

/** The ids of a list's items that are shown (not hidden by its filter). */
const shown = (page: Page, list: string, attr: string) =>
  page.$$eval(
    `#${list} > [data-${attr}]`,
    (items, a) =>
      items.filter((i) => !(i as { hidden: boolean }).hidden)
        .map((i) => (i as { dataset: Record<string, string> }).dataset[a as string]),
    attr,
  );

Deno.test({
  name:
    "dashboard: votes with proofs, evidence, escalations, workers, health, stream status and witness integrity; filters; a11y",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
    const chromium = await launchChromium(new Int16Array(4800), 48000);
    const members: WsMember[] = [];
    try {
      const [alice, bob] = await Promise.all(
        ["alice", "bob"].map((n) => addGuardian(council.url, n)),
      );
      for (const g of [alice, bob]) members.push(await joinWs(council, g, ROOM));

      const context = await chromium.browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${council.url}/dashboard`);
      // Signed out: the sign-in form says where the token is, and is accessible.
      assert.match(await text(page, "#token-help"), /operator\.token/);
      assert.deepEqual(await seriousViolations(page), [], "signed out, desktop");
      await page.fill("#token", OPERATOR);
      await page.click("#login button");
      await page.waitForSelector("#board", { state: "visible" });
      await page.waitForFunction(`document.getElementById("live").textContent === "live"`);

      // What the council does, through the API as members and operators do it.
      const posted = await api(council.url, "POST", `/api/v1/rooms/${ROOM}/evidence`, {
        kind: "citation",
        title: "Incident timeline from the data centre",
        body: "Power lost at 03:12; generators failed to start.",
        url: "https://example.org/incident",
      });
      assert.equal(posted.status, 201);
      const evidenceId = (posted.body as { id: string }).id;
      const opened = await api(council.url, "POST", `/api/v1/rooms/${ROOM}/votes`, {
        question: "Fail over to the secondary site?",
        options: ["yes", "no"],
        deadlineSec: 60,
      });
      assert.equal(opened.status, 201);
      const voteId = (opened.body as { id: string }).id;
      const open = await api(council.url, "POST", `/api/v1/rooms/${ROOM}/votes`, {
        question: "Notify the regulator now?",
        options: ["now", "later"],
        deadlineSec: 300,
      });
      const openId = (open.body as { id: string }).id;
      await cast(council.url, alice, voteId, "yes");
      await cast(council.url, bob, voteId, "yes");
      const raised = await api(council.url, "POST", "/api/v1/escalations", {
        source: "if://agent/sentinel",
        hazards: ["infrastructure"],
        severity: "high",
        summary: "Primary site lost power",
        pii: false,
      });
      assert.equal(raised.status, 201, JSON.stringify(raised.body));
      const escalationId = (raised.body as { id: string }).id;

      // The closed vote: its result, and its witness record proven in the browser.
      const vote = `#votes li[data-vote="${voteId}"]`;
      await page.waitForSelector(`${vote}.closed`, { timeout: 10_000 });
      await page.waitForFunction(
        `document.querySelector('${vote}').textContent.includes("proof verified in this browser")`,
        undefined,
        { timeout: 10_000 },
      );
      assert.match(await text(page, vote), /“yes” carried, 2 of 2/);
      assert.match(await text(page, `#votes li[data-vote="${openId}"]`), /open/);
      assert.match(await text(page, "#votes-summary"), /1 open, 1 closed/);
      // Evidence and the escalation, with who was called.
      await page.waitForSelector(`#evidence li[data-evidence="${evidenceId}"]`);
      assert.match(
        await text(page, `#evidence li[data-evidence="${evidenceId}"]`),
        /Incident timeline.*council · operator/,
      );
      const esc = `#escalations li[data-escalation="${escalationId}"]`;
      await page.waitForSelector(esc);
      assert.match(await text(page, esc), /Primary site lost power/);
      assert.match(await text(page, esc), /high/);
      // Workers and health.
      await page.waitForSelector("#workers [data-worker]");
      assert.match(await text(page, "#subsystems"), /witness: ready/);
      assert.equal(await text(page, "#health"), "ready");
      // The room, with both members.
      await page.waitForFunction(
        `document.querySelectorAll('[data-room="${ROOM}"] tr[data-member]').length === 2`,
      );
      // Stream status: the mix each member hears is chained; both streams are listed
      // under the room (from the first anchor's read, within 10 s), neither broken.
      const streams = `#streams [data-room="${ROOM}"] li[data-stream]`;
      await page.waitForFunction(
        `document.querySelectorAll('${streams}').length === 2`,
        undefined,
        { timeout: 20_000 },
      );
      const states = await page.$$eval(
        streams,
        (l) => l.map((x) => (x as { dataset: Record<string, string> }).dataset.state),
      );
      assert.ok(states.every((s) => s === "verified" || s === "unverified"), `${states}`);
      assert.match(await text(page, `#streams [data-room="${ROOM}"] header`), /up .*0 breaks/);
      // Witness integrity: not audited yet (hourly), then audited on request, passed.
      assert.match(await text(page, "#integrity-witness"), /last audit\s*none yet/);
      await page.click("#audit");
      await page.waitForSelector('#integrity-witness[data-audit="passed"]', { timeout: 20_000 });
      assert.match(await text(page, "#audit-result"), /Audit passed: \d+ entries/);
      // The same on /metrics.
      const metrics = await (await fetch(`${council.url}/metrics`)).text();
      assert.match(metrics, new RegExp(`council_room_uptime_seconds\\{room="${ROOM}"\\} \\d+`));
      assert.match(
        metrics,
        new RegExp(`council_provenance_streams\\{room="${ROOM}",state="broken"\\} 0`),
      );
      assert.match(metrics, /council_witness_audit_ok 1/);

      // Filters: each list shows only what matches, and says when nothing does.
      await page.fill('input[data-filter="votes"]', "regulator");
      assert.deepEqual(await shown(page, "votes", "vote"), [openId]);
      await page.fill('input[data-filter="votes"]', "");
      assert.deepEqual((await shown(page, "votes", "vote")).sort(), [openId, voteId].sort());
      await page.fill('input[data-filter="rooms"]', "alice");
      const rows = await page.$$eval(
        `[data-room="${ROOM}"] tr[data-member]`,
        (r) =>
          r.filter((x) => !(x as { hidden: boolean }).hidden)
            .map((x) => (x as { dataset: Record<string, string> }).dataset.guardian),
      );
      assert.deepEqual(rows, ["if://guardian/alice"]);
      await page.fill('input[data-filter="rooms"]', "no-such-thing");
      await page.waitForSelector("#rooms > .empty.filtered");
      await page.fill('input[data-filter="rooms"]', "");
      await page.fill('input[data-filter="decisions"]', "bob");
      const decisions = await page.$$eval(
        "#decisions > li:not([hidden])",
        (l) => l.map((x) => (x as { textContent: string }).textContent),
      );
      assert.ok(decisions.length >= 1 && decisions.every((d) => d.includes("bob")), `${decisions}`);
      await page.fill('input[data-filter="decisions"]', "");

      assert.deepEqual(await seriousViolations(page), [], "signed in, desktop");
      await screenshot(page, "dashboard-desktop");

      // A phone: one column, nothing wider than the screen, still accessible.
      await page.setViewportSize({ width: 390, height: 844 });
      // Reading scrollWidth lays the page out at the new size first.
      const overflow = await page.evaluate(
        `document.documentElement.scrollWidth - document.documentElement.clientWidth`,
      );
      assert.equal(overflow, 0, "the page is wider than a phone");
      assert.deepEqual(await seriousViolations(page), [], "signed in, phone");
      await screenshot(page, "dashboard-phone");

      // A vote record altered on its way to the page does not verify there.
      const tampered = await context.newPage();
      await tampered.route(`**/api/v1/rooms/${ROOM}/votes`, async (route) => {
        const res = await route.fetch();
        const body = await res.json() as { votes: { record?: { leafHash: string } }[] };
        for (const v of body.votes) {
          if (v.record) {
            v.record.leafHash = v.record.leafHash.replace(/^./, (c) => c === "0" ? "1" : "0");
          }
        }
        await route.fulfill({ response: res, json: body });
      });
      await tampered.goto(`${council.url}/dashboard`);
      await tampered.fill("#token", OPERATOR);
      await tampered.click("#login button");
      await tampered.waitForFunction(
        `document.querySelector('${vote}')?.textContent.includes("PROOF DOES NOT VERIFY")`,
        undefined,
        { timeout: 10_000 },
      );
    } finally {
      for (const m of members) await m.close();
      await chromium.close();
      assert.equal(await council.stop(), 0);
    }
  },
});
