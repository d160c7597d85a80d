// Cost tracking against a running server and a real SIP caller (SIPp): a leg is
// metered under the rate card, a room budget alerts once at 80 % and once at 100 %
// (webhook to a test server on 127.0.0.1, retried after a refusal; the operators'
// event stream; the witness), the report adds up, and bad budgets are refused.

import assert from "node:assert/strict";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR } from "../_helpers/council_api.ts";
import { tokenCalls } from "../_helpers/sipp.ts";
import { until } from "../_helpers/wait.ts";

type Msg = Record<string, unknown>;

async function witnessed(url: string, type: string): Promise<Msg[]> {
  const head = (await api(url, "POST", "/api/v1/witness/head")).body as { size: number };
  return ((await api(url, "GET", `/api/v1/witness/entries?start=0&end=${head.size}`)).body as {
    entries: { type: string; payload: Msg }[];
  }).entries.filter((e) => e.type === type).map((e) => e.payload);
}

Deno.test("cost: a SIP leg is metered; a room budget alerts once at 80 % and once at 100 % (webhook, event stream, witness)", async () => {
  // The webhook receiver refuses its first delivery: Council must retry.
  const hooks: Msg[] = [];
  let refused = 0;
  const receiver = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = await req.json();
    if (refused++ === 0) return new Response("try later", { status: 503 });
    hooks.push(body);
    return new Response(null, { status: 204 });
  });
  const council = await startCouncilProcess({
    COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
    // One unit a second for a SIP leg: the budget below is crossed within seconds.
    COUNCIL_COST_SIP_PER_MINUTE: "60",
    COUNCIL_COST_TRANSCODED_PER_MINUTE: "0",
    COUNCIL_COST_METER_INTERVAL_MS: "200",
    COUNCIL_COST_WEBHOOK_URL: `http://127.0.0.1:${receiver.addr.port}/alerts`,
  });
  const events: Msg[] = [];
  const ws = new WebSocket(
    `${council.url.replace("http", "ws")}/api/v1/events?access_token=${OPERATOR}`,
  );
  ws.onmessage = (e) => events.push(JSON.parse(e.data));
  try {
    await new Promise((resolve) => (ws.onopen = resolve));
    // Refusals: no token, bad fields, each named.
    const anonymous = await fetch(`${council.url}/api/v1/cost`);
    assert.equal(anonymous.status, 401);
    assert.doesNotMatch(await anonymous.text(), /budget|amount|currency/);
    for (
      const [id, body, field] of [
        ["standup", { limit: -1 }, /limit/],
        ["standup", { limit: 5, colour: "red" }, /colour: unknown field/],
        ["standup", { limit: 5, period: "week" }, /period/],
        ["standup", { limit: 5, scope: "Bad Room" }, /scope/],
        ["-bad", { limit: 5 }, /id/],
      ] as const
    ) {
      const r = await api(council.url, "PUT", `/api/v1/cost/budgets/${id}`, body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(JSON.stringify(r.body), field);
    }
    const set = await api(council.url, "PUT", "/api/v1/cost/budgets/standup", {
      scope: "main",
      period: "day",
      limit: 3,
    });
    assert.equal(set.status, 201, JSON.stringify(set.body));

    // A SIP guardian talks for six seconds: ~6 units against a budget of 3.
    const g = await addGuardian(council.url, "payer");
    const run = await tokenCalls(`127.0.0.1:${council.sipPort}`, [{
      room: "main",
      token: await g.token("main"),
    }], 6000);
    assert.equal(run.code, 0, run.stdout.slice(-1500) + council.lines.slice(-15).join("\n"));
    await until("both alerts reach the webhook", () => hooks.length >= 2, 15_000);
    await new Promise((r) => setTimeout(r, 1000));

    // Each threshold once, in order, everywhere.
    assert.deepEqual(hooks.map((h) => [h.type, h.budgetId, h.threshold]), [
      ["council.cost.alert", "standup", 80],
      ["council.cost.alert", "standup", 100],
    ]);
    assert.ok(refused >= 3, "the refused first delivery was retried");
    const alerts = events.filter((e) => e.name === "cost.alert").map((e) => e.data as Msg);
    assert.deepEqual(alerts.map((a) => a.threshold), [80, 100]);
    assert.ok(events.some((e) => e.name === "room.event"), "room events reach the stream");
    const logged = await witnessed(council.url, "cost.budget_alert");
    assert.deepEqual(logged.map((a) => [a.budgetId, a.threshold, a.scope]), [
      ["standup", 80, "main"],
      ["standup", 100, "main"],
    ]);
    assert.ok(Number(logged[0].spent) >= 2.4 && Number(logged[1].spent) >= 3);

    // The report: the day's spend in room main matches the call's length.
    const report = (await api(council.url, "GET", "/api/v1/cost")).body as {
      currency: string;
      periods: { day: { amount: number; rooms: Record<string, { amount: number; minutes: Msg }> } };
      budgets: { id: string; state: string; spent: number }[];
    };
    assert.equal(report.currency, "USD");
    const main = report.periods.day.rooms.main;
    assert.ok(main.amount > 4.5 && main.amount < 8, `metered ${main.amount}`);
    assert.equal(report.periods.day.amount, main.amount);
    assert.deepEqual(report.budgets.map((b) => [b.id, b.state]), [["standup", "exceeded"]]);

    // A budget raised again may alert again; deleting it is witnessed.
    assert.equal(
      (await api(council.url, "PUT", "/api/v1/cost/budgets/standup", { scope: "main", limit: 100 }))
        .status,
      200,
    );
    assert.equal((await api(council.url, "DELETE", "/api/v1/cost/budgets/standup")).status, 204);
    assert.equal((await api(council.url, "DELETE", "/api/v1/cost/budgets/standup")).status, 404);
    assert.equal((await witnessed(council.url, "cost.budget_deleted")).length, 1);
  } finally {
    ws.close();
    assert.equal(await council.stop(), 0);
    await receiver.shutdown();
  }
});
