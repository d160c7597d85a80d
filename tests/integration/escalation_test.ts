// An escalation convenes the council: guard decides, an ESCALATE room is opened and
// every active guardian is called where Council can reach them. Real peers: alice's
// baresip answers, bob's phone (SIPp) is busy, carol has nothing registered, dave
// has a browser connection (over /ws) in another room and is invited there. Each
// outcome and each decision is witnessed; bad escalations are refused by field.

import assert from "node:assert/strict";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR } from "../_helpers/council_api.ts";
import { runBaresip } from "../_helpers/baresip.ts";
import { freeUdpPort, runSipp } from "../_helpers/sipp.ts";
import { speech } from "../_helpers/audio.ts";
import { until } from "../_helpers/wait.ts";
import { joinWs, type WsMember } from "../_helpers/ws_member.ts";

interface Record_ {
  id: string;
  decision: string;
  reason: string;
  room?: string;
  calling: string[];
  outcomes: { guardianId: string; outcome: string; protocol?: string }[];
}

const escalation = (over: Record<string, unknown> = {}) => ({
  source: "if://agent/sentinel",
  hazards: ["infrastructure"],
  severity: "high",
  summary: "The primary data centre lost power; failover is degraded.",
  pii: false,
  ...over,
});

Deno.test({
  name:
    "an escalation convenes the council: calls placed, answers, declines and invitations witnessed",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const council = await startCouncilProcess({
      COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
      COUNCIL_SIP_DIGEST_ALGORITHMS: "MD5",
    });
    let dave: WsMember | undefined;
    try {
      await addGuardian(council.url, "alice", { sipPassword: "alices-password-1" });
      await addGuardian(council.url, "bob", { sipPassword: "bobs-password-1" });
      await addGuardian(council.url, "carol");
      const daveG = await addGuardian(council.url, "dave");

      // Bad escalations: named fields; PII refused (and witnessed); a low one dismissed.
      for (
        const [body, field] of [
          [{ ...escalation(), severity: undefined }, /severity: required/],
          [escalation({ severity: "apocalyptic" }), /severity/],
          [escalation({ hazards: [] }), /hazards/],
          [escalation({ source: "bob" }), /source/],
          [escalation({ extra: 1 }), /extra/],
        ] as const
      ) {
        const r = await api(council.url, "POST", "/api/v1/escalations", body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.match((r.body as { error: { message: string } }).error.message, field);
      }
      const pii = await api(council.url, "POST", "/api/v1/escalations", escalation({ pii: true }));
      assert.equal(pii.status, 403);
      const low = await api(
        council.url,
        "POST",
        "/api/v1/escalations",
        escalation({ severity: "low" }),
      );
      assert.equal(low.status, 200);
      assert.equal((low.body as Record_).decision, "dismiss");

      // The guardians: alice's phone answers, bob's is busy, dave has a browser open.
      const alice = runBaresip({
        sipPort: council.sipPort,
        user: "alice",
        password: "alices-password-1",
        answer: true,
        say: await speech(1, 8000),
        seconds: 12,
      });
      const bobPort = freeUdpPort();
      const registered = await runSipp({
        scenario: "register_only.xml",
        target: `127.0.0.1:${council.sipPort}`,
        inject: ["SEQUENTIAL", "bob"],
        auth: { user: "bob", password: "bobs-password-1" },
        port: bobPort,
      });
      assert.equal(registered.code, 0, registered.messages.slice(-2000));
      const busy = runSipp({ scenario: "busy_here.xml", port: bobPort, timeoutS: 20 });
      dave = await joinWs(council, daveG, "main");
      await until(
        "alice registers",
        async () =>
          ((await api(council.url, "GET", "/api/v1/sip/registrations")).body as {
            registrations: { guardianId: string }[];
          }).registrations.some((r) => r.guardianId === "if://guardian/alice"),
      );

      const raised = await api(council.url, "POST", "/api/v1/escalations", escalation());
      assert.equal(raised.status, 201, JSON.stringify(raised.body));
      const record = raised.body as Record_;
      assert.equal(record.decision, "convene");
      assert.match(record.room!, /^escalate-[0-9a-f]{8}$/);
      assert.deepEqual(record.calling.sort(), [
        "if://guardian/alice",
        "if://guardian/bob",
        "if://guardian/carol",
        "if://guardian/dave",
      ]);

      // Long enough for an unanswered INVITE to end (Timer B, 32 s): a wrong outcome says
      // more than a timeout; a timeout names the outcomes that came.
      let seen: unknown[] = [];
      const outcomes = await until("every guardian's outcome", async () => {
        const r = (await api(council.url, "GET", `/api/v1/escalations/${record.id}`))
          .body as Record_;
        seen = r.outcomes;
        return r.outcomes.length >= 4 && r.outcomes;
      }, 40_000).catch((err) => {
        throw new Error(`${err.message}; outcomes so far: ${JSON.stringify(seen)}`);
      });
      const byGuardian = Object.fromEntries(
        outcomes.map((o) => [o.guardianId.slice("if://guardian/".length), o.outcome]),
      );
      assert.deepEqual(byGuardian, {
        alice: "answered",
        bob: "declined",
        carol: "unreachable",
        dave: "invited",
      });
      // Dave's browser was told where to go; alice is in the ESCALATE room.
      const invitation = await until("dave's invitation", () => dave!.events("invitation")[0]);
      assert.equal((invitation.data as { room: string }).room, record.room);
      const room = (await api(council.url, "GET", `/api/v1/rooms/${record.room}`)).body as {
        definition: { callType: string };
        members: { guardianId: string; protocol: string }[];
      };
      assert.equal(room.definition.callType, "ESCALATE");
      assert.deepEqual(room.members.map((m) => [m.guardianId, m.protocol]), [[
        "if://guardian/alice",
        "sip",
      ]]);
      assert.equal((await busy).code, 0, "bob's phone saw the INVITE and said 486");

      // Witnessed: the three decisions and each outcome.
      const size = ((await api(council.url, "POST", "/api/v1/witness/head")).body as {
        size: number;
      }).size;
      const entries =
        ((await api(council.url, "GET", `/api/v1/witness/entries?start=0&end=${size}`))
          .body as { entries: { type: string; payload: { decision?: string } }[] }).entries;
      assert.deepEqual(
        entries.filter((e) => e.type === "guard.escalation").map((e) => e.payload.decision),
        ["reject", "dismiss", "convene"],
      );
      for (const t of ["answered", "declined", "unreachable", "invited"]) {
        assert.ok(entries.some((e) => e.type === `escalation.${t}`), `escalation.${t} witnessed`);
      }
      assert.equal((await api(council.url, "DELETE", `/api/v1/rooms/${record.room}`)).status, 204);
      await alice;
    } finally {
      await dave?.close();
      await council.stop();
    }
  },
});
