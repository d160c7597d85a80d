// The talent pipeline through a running server and the `council talent` command: the
// scouts poll fixture APIs, the example agent is run through the sandbox, certified,
// left for review (its "safety" tag), approved, deployed as a guardian, seated by an
// ESCALATE call whose hazards match its expertise, and suspended. The operators'
// dashboard (in Chromium) shows the pipeline as it goes: the steps' counts, the
// sources' last poll, the candidate waiting for review with its report and certificate,
// a lead rejected there with a reason, and the deployed agent in the swarm; it passes
// axe at desktop and phone size.

import assert from "node:assert/strict";
import { runDeno, startCouncilProcess } from "../_helpers/council_process.ts";
import { api, OPERATOR } from "../_helpers/council_api.ts";
import { tempDir } from "../_helpers/temp.ts";
import { until } from "../_helpers/wait.ts";
import { checkPageSizes, launchChromium } from "../_helpers/browser.ts";
import type { Page } from "playwright-core";
import { fixtureSources, startApiFixtures } from "../fixtures/talent/api_fixtures.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test({
  name: "council talent: scout, run, certify, review, approve, seat by escalation, suspend",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const fixtures = startApiFixtures();
  const dir = tempDir("council-talent-cli-");
  await Deno.writeTextFile(`${dir}/sources.json`, JSON.stringify(fixtureSources(fixtures.url)));
  const council = await startCouncilProcess({
    COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
    COUNCIL_TALENT_SOURCES_FILE: `${dir}/sources.json`,
    COUNCIL_TALENT_SCOUT_INTERVAL_SEC: "0",
    COUNCIL_TALENT_VALIDATE: "swarm",
    COUNCIL_TALENT_VALIDATE_EVERY_SEC: "0",
  }, { timeoutMs: 60_000 });
  let chromium: Awaited<ReturnType<typeof launchChromium>> | undefined;
  const text = async (page: Page, selector: string) =>
    (await page.textContent(selector))?.replace(/\s+/g, " ").trim() ?? "";
  const cli = (...args: string[]) =>
    runDeno("cli/main.ts", ["talent", ...args, "--url", council.url, "--token", OPERATOR], {});
  try {
    const polled = await cli("sources", "--poll");
    assert.equal(polled.code, 0, polled.stderr);
    assert.match(polled.stdout, /^github {2}ok {2}ok: 2 found, 2 new/m);
    assert.match(polled.stdout, /^arxiv {2}ok {2}ok: 1 found, 1 new/m);
    // The releases' tarballs are fetched at once (404 at the fixture server: unrunnable,
    // with the reason); the model and the paper are leads that stay queued.
    await until("the releases tried", async () => {
      const r = await api(council.url, "GET", "/api/v1/talent/candidates?state=unrunnable");
      return (r.body as { candidates: unknown[] }).candidates.length === 2;
    }, 20_000);
    const unrunnable = await cli("candidates", "--state", "unrunnable");
    assert.match(unrunnable.stdout, /triage-agent 0\.2\.0 {2}\(.*answered 404\)/);
    const queued = await cli("candidates", "--state", "queued");
    assert.equal(queued.stdout.trim().split("\n").length, 2, queued.stdout);

    const run = await cli("run", `${ROOT}tests/fixtures/talent/namecaller`, "--json");
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const tested = JSON.parse(run.stdout);
    assert.equal(tested.state, "tested");
    assert.equal(tested.report.passed, 25, JSON.stringify(tested.report.failed));

    const certified = await cli("certify", tested.id, "--json");
    assert.equal(certified.code, 0, certified.stderr);
    const { decision, candidate } = JSON.parse(certified.stdout);
    assert.deepEqual(decision, { decision: "review", reason: "tag(s) safety always need a human" });
    assert.equal(candidate.certificate.passed, 25);
    const entry = await api(
      council.url,
      "GET",
      `/api/v1/witness/entries/${candidate.certificate.witnessIndex}`,
    );
    assert.equal((entry.body as { type: string }).type, "talent.certificate");

    // The dashboard: the candidate waits for a human there, with its report.
    chromium = await launchChromium(new Int16Array(4800), 48000);
    const board = await (await chromium.browser.newContext()).newPage();
    await board.goto(`${council.url}/dashboard`);
    await board.fill("#token", OPERATOR);
    await board.click("#login button[type=submit]");
    await board.waitForSelector("#board:not([hidden])");
    const card = `#talent-review li[data-candidate="${tested.id}"]`;
    await board.waitForSelector(card, { timeout: 15_000 });
    const cardText = await text(board, card);
    assert.match(cardText, /namecaller/);
    assert.match(cardText, /25\/25 checks/);
    assert.match(cardText, new RegExp(`certified: witness #${candidate.certificate.witnessIndex}`));
    assert.match(await text(board, '#talent-steps li[data-step="review"]'), /review 1/);
    assert.match(await text(board, '#talent-sources li[data-source="github"]'), /ok: 2 found/);
    assert.match(await text(board, "#summary"), /Talent to review\s*1/);
    const { problems } = await checkPageSizes(board, "dashboard-talent");
    assert.deepEqual(problems, []);
    // A lead is rejected from the dashboard, with a reason.
    const lead = (await api(council.url, "GET", "/api/v1/talent/candidates?state=queued"))
      .body as { candidates: { id: string }[] };
    const leadCard = `#talent-candidates li[data-candidate="${lead.candidates[0].id}"]`;
    await board.click(`${leadCard} details.reason summary`);
    await board.fill(`${leadCard} form.reason input`, "not an agent package");
    await board.click(`${leadCard} form.reason button`);
    await until("the lead rejected", async () => {
      const r = await api(council.url, "GET", `/api/v1/talent/candidates/${lead.candidates[0].id}`);
      return (r.body as { state: string }).state === "rejected";
    });
    await board.waitForSelector(`${leadCard}[data-state="rejected"]`, { timeout: 10_000 });
    assert.match(await text(board, leadCard), /operator: not an agent package/);
    assert.match(await text(board, "#talent-result"), /rejected/);

    const approved = await cli("approve", tested.id);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /deployed/);
    const swarm = await cli("swarm");
    assert.match(swarm.stdout, /^if:\/\/guardian\/agent-namecaller {2}active/m);
    await board.click("#talent-poll");
    await board.waitForSelector('#talent-swarm li[data-agent="namecaller"]', { timeout: 10_000 });
    assert.match(await text(board, '#talent-swarm li[data-agent="namecaller"]'), /active/);
    assert.match(await text(board, "#talent-result"), /Polled: github/);
    assert.equal(await board.isVisible(card), false, "no longer waiting for review");

    // A validation call seats it in a scratch room and reads its leg's quality.
    const validated = await cli("swarm", "validate", "--json");
    const [v] = JSON.parse(validated.stdout);
    assert.equal(v.guardianId, "if://guardian/agent-namecaller", validated.stderr);
    assert.equal(v.reachable, true, JSON.stringify(v));
    assert.equal(v.protocol, "agent");
    assert.ok(typeof v.mos === "number" && v.mos > 1, JSON.stringify(v));

    // An escalation about acoustics seats the expert agent first.
    const raised = await api(council.url, "POST", "/api/v1/escalations", {
      source: "if://guardian/ops",
      hazards: ["acoustics"],
      severity: "high",
      summary: "Feedback on the main hall's PA",
      pii: false,
    });
    assert.equal(raised.status, 201, JSON.stringify(raised.body));
    const record = raised.body as { id: string; room: string; calling: string[] };
    assert.equal(record.calling[0], "if://guardian/agent-namecaller");
    const seated = await until("the agent seated", async () => {
      const r = await api(council.url, "GET", `/api/v1/escalations/${record.id}`);
      const outcomes = (r.body as { outcomes: Record<string, unknown>[] }).outcomes;
      return outcomes.find((o) => o.guardianId === "if://guardian/agent-namecaller");
    }, 30_000);
    assert.equal(seated.outcome, "answered", JSON.stringify(seated));
    assert.equal(seated.protocol, "agent");
    const room = await api(council.url, "GET", `/api/v1/rooms/${record.room}`);
    const members = (room.body as { members: { guardianId: string; protocol: string }[] }).members;
    assert.ok(
      members.some((m) =>
        m.guardianId === "if://guardian/agent-namecaller" && m.protocol === "agent"
      ),
      JSON.stringify(members),
    );

    const suspended = await cli("swarm", "suspend", "namecaller", "--reason", "test over");
    assert.equal(suspended.code, 0, suspended.stderr);
    const g = await api(
      council.url,
      "GET",
      `/api/v1/guardians/${encodeURIComponent("if://guardian/agent-namecaller")}`,
    );
    assert.equal((g.body as { status: string }).status, "suspended");
    await until("the agent's seat ended", async () => {
      const r = await api(council.url, "GET", `/api/v1/rooms/${record.room}`);
      const ms = (r.body as { members: { guardianId: string }[] }).members;
      return !ms.some((m) => m.guardianId === "if://guardian/agent-namecaller");
    }, 15_000);
  } finally {
    await chromium?.close();
    assert.equal(await council.stop(), 0);
    await fixtures.close();
  }
});
