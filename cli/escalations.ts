// `council escalations list|show|raise`: ESCALATE calls (docs/API.md, "ESCALATE
// calls"): raise one (guard decides whether the council convenes), and follow who
// was called and who answered.

import { OPERATOR_FLAGS, OPERATOR_OPTIONS, operatorCommand } from "./_api.ts";
import { type Command, UsageError } from "./_command.ts";
import { output, outputList, path, positionals } from "./_output.ts";
import type { EscalationRecord, Outcome } from "../rooms/mod.ts";

const HELP = `council escalations <command> [options]

  list                              the latest escalations (newest 200): decision,
                                    room, who was called, who answered
  show ID                           one escalation with every guardian's outcome
  raise --source if://... --hazard H [--hazard H2 ...]
        --severity low|medium|high|critical --summary TEXT [--pii]
                                    raise one: guard rejects (PII), dismisses, or
                                    convenes the council in a new ESCALATE room and
                                    calls every active guardian

options:
  --source URI, --hazard H (repeat), --severity S, --summary TEXT, --pii   for raise
${OPERATOR_OPTIONS}

exit codes: 0 ok (raise: convened or dismissed), 1 refused by the server (raise:
rejected) or not found, 2 usage error`;

const FLAGS = {
  ...OPERATOR_FLAGS,
  source: { type: "string" },
  hazard: { type: "string", multiple: true },
  severity: { type: "string" },
  summary: { type: "string" },
  pii: { type: "boolean" },
} as const;

function outcomeLine(o: Outcome): string {
  const detail = o.outcome === "answered"
    ? `${o.protocol} member ${o.legId}`
    : o.outcome === "invited"
    ? `${o.browsers} browser(s)`
    : o.why;
  return `${o.guardianId}  ${o.outcome}  ${detail}  after ${o.ms} ms`;
}

function line(r: EscalationRecord): string {
  const answered = r.outcomes.filter((o) => o.outcome === "answered").length;
  return `${r.id}  ${r.at}  ${r.decision}${
    r.room ? ` in ${r.room}` : ""
  }  ${r.escalation.severity} ` +
    `[${r.escalation.hazards.join(",")}]  called ${r.calling.length}, answered ${answered}  ` +
    `"${r.escalation.summary}"`;
}

function details(r: EscalationRecord): string {
  return [
    line(r),
    `  source   ${r.escalation.source}`,
    `  reason   ${r.reason}`,
    ...r.calling.map((g) => {
      const o = r.outcomes.filter((x) => x.guardianId === g);
      return o.length
        ? o.map((x) => `  called   ${outcomeLine(x)}`).join("\n")
        : `  called   ${g}  waiting`;
    }),
  ].join("\n");
}

export const escalationsCommand: Command = operatorCommand({
  name: "escalations",
  summary: "ESCALATE calls: raise one, list them, who was called and who answered",
  help: HELP,
  flags: FLAGS,
}, async ({ values, sub, rest, api }) => {
  switch (sub) {
    case "list": {
      positionals(sub, rest, []);
      const { escalations } = await api.request<{ escalations: EscalationRecord[] }>(
        "GET",
        "/api/v1/escalations",
      );
      outputList(values.json, escalations, line, "no escalations");
      return 0;
    }
    case "show": {
      const [id] = positionals(sub, rest, ["ID"]);
      const r = await api.request<EscalationRecord>("GET", path("/api/v1/escalations", id));
      output(values.json, r, () => details(r));
      return 0;
    }
    case "raise": {
      positionals(sub, rest, []);
      if (!values.source || !values.hazard?.length || !values.severity || !values.summary) {
        throw new UsageError("raise needs --source, --hazard, --severity and --summary");
      }
      const r = await api.request<EscalationRecord>("POST", "/api/v1/escalations", {
        source: values.source,
        hazards: values.hazard,
        severity: values.severity,
        summary: values.summary,
        pii: values.pii ?? false,
      });
      output(values.json, r, () => details(r));
      return 0;
    }
    default:
      throw new UsageError(`unknown escalations command '${sub}'`);
  }
});
