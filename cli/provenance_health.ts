// `council provenance health|audit`: every live chain's state, per-room uptime and
// breaks, the witness's last full audit; an audit of the whole witness now
// (docs/provenance.md, "Health"). Run through `council provenance`.

import { OPERATOR_FLAGS, operatorCommand } from "./_api.ts";
import { UsageError } from "./_command.ts";
import type { ProvenanceStatus } from "../provenance/monitor.ts";
import type { WitnessAuditReport } from "../provenance/witness_audit.ts";

/** The server-side subcommands of `council provenance`. */
export const PROVENANCE_SERVER_SUBCOMMANDS = ["health", "audit"];

export const PROVENANCE_SERVER_HELP =
  `  health                            live chains (verified, unverified, broken) per
                                    room, uptime, breaks, the witness's last audit
  audit                             audit the whole witness log on the server now`;

function auditLine(a: WitnessAuditReport | null): string {
  if (!a) return "witness: not audited yet";
  const head = `witness: ${a.ok ? "AUDIT PASSED" : "AUDIT FAILED"}: ${a.entriesChecked} of ` +
    `${a.size} entries, ${a.headsChecked} signed heads, ${a.seconds} s, at ${a.at} (${a.by})`;
  return a.ok ? head : `${head}\n${a.problems.map((p) => `  ${p.message}`).join("\n")}`;
}

function healthText(s: ProvenanceStatus): string {
  const rooms = s.rooms.map((r) =>
    `${r.room}  up ${r.uptimeSeconds} s  verified ${r.streams.verified}  unverified ` +
    `${r.streams.unverified}  broken ${r.streams.broken}  breaks ${r.breaks}`
  );
  const streams = s.streams.map((x) =>
    `  ${x.room}  ${x.legId}  ${x.direction}  ${x.state}  ${x.frames} frames  (${x.reason})`
  );
  return [
    ...(rooms.length ? rooms : ["(no rooms)"]),
    ...streams,
    auditLine(s.witness.lastAudit),
  ].join("\n");
}

export const provenanceServerCommand = operatorCommand({
  name: "provenance",
  summary: "chain health and witness audits on the server",
  help: `council provenance health|audit [options]\n\n${PROVENANCE_SERVER_HELP}`,
  flags: OPERATOR_FLAGS,
}, async ({ values, sub, rest, api }) => {
  if (rest.length) throw new UsageError(`${sub} takes no arguments`);
  switch (sub) {
    case "health": {
      const s = await api.request<ProvenanceStatus>("GET", "/api/v1/provenance/health");
      console.log(values.json ? JSON.stringify(s) : healthText(s));
      return 0;
    }
    case "audit": {
      const a = await api.request<WitnessAuditReport>("POST", "/api/v1/provenance/audit");
      console.log(values.json ? JSON.stringify(a) : auditLine(a));
      return a.ok ? 0 : 1;
    }
    default:
      throw new UsageError(`unknown provenance command '${sub}'`);
  }
});
