/// <reference lib="dom" />
// Stream status and witness integrity (docs/provenance.md, "Health"): every room's
// uptime, its live chained streams by state and its breaks, each stream with why it
// is in its state; the witness's last full audit, and a button to audit it now.

import type { ProvenanceStatus } from "../../../provenance/monitor.ts";
import type { WitnessAuditReport } from "../../../provenance/witness_audit.ts";
import { api } from "./api.ts";
import { $, el, h, pill, render, when } from "./dom.ts";

const STATE_KIND = { verified: "ok", unverified: "muted", broken: "bad" } as const;

function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

function showAudit(a: WitnessAuditReport | null, s: ProvenanceStatus["witness"]): void {
  const facts: [string, Node | string][] = [
    ["entries", String(s.size)],
    ["audited every", s.auditEverySec ? duration(s.auditEverySec) : "only when asked"],
  ];
  if (!a) facts.push(["last audit", s.auditRunning ? "running" : "none yet"]);
  else {
    facts.push(
      ["last audit", pill(a.ok ? "passed" : "FAILED", a.ok ? "ok" : "bad")],
      ["checked", `${a.entriesChecked} of ${a.size} entries, ${a.headsChecked} signed heads`],
      ["when", `${when(a.at)} (${a.by}, ${a.seconds} s)`],
    );
    if (!a.ok) facts.push(["problems", a.problems.map((p) => p.message).join("; ")]);
  }
  if (s.failures) facts.push(["failed audits", String(s.failures)]);
  const list = $("integrity-witness");
  list.dataset.audit = a ? (a.ok ? "passed" : "failed") : "none";
  list.replaceChildren(...facts.flatMap(([t, v]) => [el("dt", t), h("dd", undefined, v)]));
}

/** The stream-status and witness-integrity panel from the server's health report. */
export async function refreshIntegrity(): Promise<ProvenanceStatus> {
  const s = await api<ProvenanceStatus>("/api/v1/provenance/health");
  render(
    "streams",
    s.rooms.map((r) => {
      const card = el("article", undefined, "room");
      card.dataset.room = r.room;
      card.dataset.breaks = String(r.breaks);
      const streams = s.streams.filter((x) => x.room === r.room);
      card.append(
        h(
          "header",
          undefined,
          h("h3", undefined, r.room),
          pill(r.openedAt ? `up ${duration(r.uptimeSeconds)}` : "closed", "muted"),
          pill(`${r.streams.verified} verified`, "ok"),
          pill(`${r.streams.unverified} unverified`, "muted"),
          pill(`${r.streams.broken} broken`, r.streams.broken ? "bad" : "muted"),
          pill(`${r.breaks} breaks`, r.breaks ? "warn" : "muted"),
        ),
        h(
          "ul",
          "plain",
          ...streams.map((x) => {
            const li = h(
              "li",
              undefined,
              pill(x.state, STATE_KIND[x.state]),
              ` ${x.direction === "out" ? "to" : "from"} ${
                x.legId.slice(0, 8)
              } · ${x.frames} frames · `,
              el("span", x.reason, "meta"),
            );
            li.dataset.stream = x.streamId;
            li.dataset.state = x.state;
            return li;
          }),
        ),
      );
      return card;
    }),
    "no chained streams",
  );
  showAudit(s.witness.lastAudit, s.witness);
  return s;
}

/** Audits the whole witness on the server now; the panel shows the report. */
export async function auditNow(): Promise<void> {
  const button = $<HTMLButtonElement>("audit");
  button.disabled = true;
  $("audit-result").textContent = "auditing the whole log…";
  try {
    const a = await api<WitnessAuditReport>("/api/v1/provenance/audit", { method: "POST" });
    $("audit-result").textContent = a.ok
      ? `Audit passed: ${a.entriesChecked} entries in ${a.seconds} s.`
      : `Audit FAILED: ${a.problems.map((p) => p.message).join("; ")}`;
    await refreshIntegrity();
  } finally {
    button.disabled = false;
  }
}
