/// <reference lib="dom" />
// The talent pipeline (docs/talent.md) for operators: how many candidates are at each
// step, the sources with their last poll, the review queue (sandbox report and
// certificate, approve or reject with a reason), every candidate with what can be done
// next (run, certify, reject), and the swarm's agents and seats (suspend). Each action
// is the operator API call `council talent ...` makes.

import type { Candidate, CandidateState } from "../../../talent/candidates.ts";
import type { Seat, SwarmAgent } from "../../../talent/swarm.ts";
import type { SourceOutcome } from "../../../talent/scouts/scouting.ts";
import { api } from "./api.ts";
import { $, el, h, pill, render, shortId, when } from "./dom.ts";

/** GET /api/v1/talent/sources, one source. */
interface SourceRow {
  name: string;
  kind: string;
  baseUrl: string;
  lastStatus: string;
  found: number;
  failures: number;
  lastPollAt?: string;
  notBefore?: string;
  remaining?: number;
}

/** The pipeline's steps in order, with the pill colour of each. */
const STEPS: [CandidateState, string][] = [
  ["queued", "muted"],
  ["running", "warn"],
  ["tested", "muted"],
  ["review", "warn"],
  ["approved", "ok"],
  ["deployed", "ok"],
  ["rejected", "bad"],
  ["suspended", "bad"],
  ["unrunnable", "bad"],
];
const COLOUR = Object.fromEntries(STEPS) as Record<CandidateState, string>;

/** An action's outcome, said where the operator is looking. */
function said(text: string, bad = false): void {
  const p = $("talent-result");
  p.textContent = text;
  p.className = bad ? "bad-text" : "";
}

/** Runs an action, says what became of it, then refreshes the panel. */
function act(what: string, work: () => Promise<string>, after: Again): void {
  said(`${what}…`);
  work().then(
    (done) => said(done),
    (err) => said(`${what} failed: ${(err as Error).message}`, true),
  ).finally(() => after().catch(() => {}));
}

function button(text: string, className: string, onClick: () => void): HTMLButtonElement {
  const b = el("button", text, className);
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

/** "Reject…" or "Suspend…": a reason is required, so a small form behind a disclosure. */
function withReason(
  label: string,
  subject: string,
  onSubmit: (reason: string) => void,
): HTMLDetailsElement {
  const input = el("input");
  input.type = "text";
  input.required = true;
  input.maxLength = 300;
  input.placeholder = "reason";
  input.setAttribute("aria-label", `Why ${label.toLowerCase()} ${subject}`);
  const form = h("form", "reason", input, el("button", label, "danger"));
  const details = h("details", "reason", el("summary", `${label}…`), form);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const reason = input.value.trim();
    if (!reason) return;
    details.open = false; // the panel refreshes again (refreshTalent waits for open forms)
    onSubmit(reason);
  });
  return details;
}

/** A reason being written: the lists are not redrawn under the operator's hands. */
const writing = () => $("talent-panel").querySelector("details.reason[open]") !== null;

const q = encodeURIComponent;

function candidateCard(c: Candidate, refresh: Again): HTMLElement {
  const li = el("li", undefined, `card candidate ${c.state}`);
  li.dataset.candidate = c.id;
  li.dataset.state = c.state;
  const r = c.report;
  const facts = [
    `${c.source} · ${c.ref}`,
    `found ${when(c.foundAt)}`,
    c.state !== "queued" ? `updated ${when(c.updatedAt)}` : "",
  ].filter(Boolean).join(" · ");
  const report = r
    ? h(
      "p",
      "meta",
      pill(`${r.passed}/${r.total} checks`, r.passed === r.total ? "ok" : "bad"),
      ` in ${(r.durationMs / 1000).toFixed(1)} s · ${r.digest.slice(0, 19)}…`,
      c.certificate
        ? h(
          "span",
          undefined,
          " · ",
          pill(
            c.certificate.witnessIndex !== undefined
              ? `certified: witness #${c.certificate.witnessIndex}`
              : "certified",
            "ok",
          ),
        )
        : undefined,
    )
    : undefined;
  const failed = r?.failed.length
    ? h(
      "details",
      undefined,
      el("summary", `${r.failed.length} failed`),
      h("ul", "plain", ...r.failed.map((f) => el("li", `${f.id}: ${f.detail}`))),
    )
    : undefined;
  const actions = h("div", "actions");
  const run = (what: string, path: string, body?: unknown, done = (s: string) => s) =>
    act(what, async () => {
      const res = await api<{ state?: string; candidate?: { state: string } }>(
        `/api/v1/talent/candidates/${q(c.id)}/${path}`,
        {
          method: "POST",
          ...(body
            ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }
            : {}),
        },
      );
      return done(`${c.name} ${c.version}: ${res.candidate?.state ?? res.state ?? "done"}`);
    }, refresh);
  if (c.state === "queued" && c.packageDir) {
    actions.append(button("Run the tests", "primary", () => run(`Running ${c.name}`, "run")));
  }
  if (c.state === "tested") {
    actions.append(button("Certify", "primary", () => run(`Certifying ${c.name}`, "certify")));
  }
  if (c.state === "review") {
    actions.append(button("Approve", "primary", () => run(`Approving ${c.name}`, "approve")));
  }
  if (!["running", "deployed", "rejected"].includes(c.state)) {
    actions.append(
      withReason(
        "Reject",
        `${c.name} ${c.version}`,
        (reason) => run(`Rejecting ${c.name}`, "reject", { reason }),
      ),
    );
  }
  li.append(
    h(
      "header",
      undefined,
      h("h3", undefined, `${c.name} ${c.version}`),
      pill(c.state, COLOUR[c.state] ?? "muted"),
    ),
    el("p", facts, "facts"),
    c.summary ? el("p", c.summary, "body") : "",
    c.reason ? el("p", c.reason, "reason-text") : "",
    report ?? "",
    failed ?? "",
    actions.childElementCount ? actions : "",
  );
  return li;
}

function sourceRow(s: SourceRow): HTMLElement {
  const ok = s.lastStatus.startsWith("ok") || s.lastStatus === "unchanged";
  const li = h(
    "li",
    undefined,
    h("strong", undefined, s.name),
    ` (${s.kind}) `,
    pill(s.lastStatus, s.lastStatus === "never polled" ? "muted" : ok ? "ok" : "bad"),
    el(
      "span",
      ` ${s.found} found · ${s.failures} failures${s.lastPollAt ? ` · ${when(s.lastPollAt)}` : ""}${
        s.notBefore ? ` · backing off until ${when(s.notBefore)}` : ""
      }${s.remaining !== undefined ? ` · ${s.remaining} requests left` : ""}`,
      "facts",
    ),
  );
  li.dataset.source = s.name;
  return li;
}

function agentRow(a: SwarmAgent, seats: Seat[], refresh: Again): HTMLElement {
  const mine = seats.filter((s) => s.guardianId === a.guardianId);
  const li = el("li", undefined, `card agent ${a.status}`);
  li.dataset.agent = a.name;
  li.append(
    h(
      "header",
      undefined,
      h("h3", undefined, `${a.name} ${a.version}`),
      pill(a.status, a.status === "active" ? "ok" : "bad"),
    ),
    el(
      "p",
      `${shortId(a.guardianId)} · ${a.expertise.join(", ") || "no expertise tags"}${
        a.certificateIndex !== undefined ? ` · certificate witness #${a.certificateIndex}` : ""
      }`,
      "facts",
    ),
    mine.length
      ? el("p", `Seated in ${mine.map((s) => `${s.room} since ${when(s.startedAt)}`).join(", ")}`)
      : el("p", "Not seated", "empty"),
  );
  if (a.status === "active") {
    li.append(withReason("Suspend", a.name, (reason) =>
      act(`Suspending ${a.name}`, async () => {
        await api(`/api/v1/talent/swarm/${q(a.name)}/suspend`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ reason }),
        });
        return `${a.name}: suspended`;
      }, refresh)));
  }
  return li;
}

/** The panel's refresh, as the dashboard schedules it (one at a time). */
type Again = () => Promise<unknown>;

/** Whether this server runs the pipeline (absent: its routes answer 404). */
let off = false;

/** The whole panel again; returns how many candidates wait for a human. */
export async function refreshTalent(again: Again): Promise<number> {
  if (off) return 0;
  let sources: SourceRow[];
  try {
    sources = (await api<{ sources: SourceRow[] }>("/api/v1/talent/sources")).sources;
  } catch (err) {
    if (!/: 404\b/.test((err as Error).message)) throw err;
    off = true;
    $("talent-steps").replaceChildren(
      el("li", "The talent pipeline is off on this server.", "empty"),
    );
    return 0;
  }
  const [{ candidates }, { agents, seats }] = await Promise.all([
    api<{ candidates: Candidate[] }>("/api/v1/talent/candidates"),
    api<{ agents: SwarmAgent[]; seats: Seat[] }>("/api/v1/talent/swarm"),
  ]);
  const count = (s: CandidateState) => candidates.filter((c) => c.state === s).length;
  $("talent-steps").replaceChildren(
    ...STEPS.map(([s, colour]) => {
      const li = h("li", undefined, pill(`${s} ${count(s)}`, count(s) ? colour : "muted"));
      li.dataset.step = s;
      return li;
    }),
  );
  const review = candidates.filter((c) => c.state === "review");
  $("talent-summary").textContent = `${candidates.length} candidates, ${review.length} to review`;
  render("talent-sources", sources.map(sourceRow), "no sources configured");
  if (writing()) return review.length;
  render("talent-review", review.map((c) => candidateCard(c, again)), "nothing to review");
  const newest = [...candidates].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  render(
    "talent-candidates",
    newest.filter((c) => c.state !== "review").map((c) => candidateCard(c, again)),
    "no other candidates",
  );
  render(
    "talent-swarm",
    agents.map((a) => agentRow(a, seats, again)),
    "no agents deployed",
  );
  return review.length;
}

/** "Poll the sources now": one scouting cycle, then the panel again. */
export function pollSources(again: Again): void {
  act("Polling the sources", async () => {
    const { outcomes } = await api<{ outcomes: SourceOutcome[] }>(
      "/api/v1/talent/sources/poll",
      { method: "POST" },
    );
    return `Polled: ${outcomes.map((o) => `${o.name} ${o.detail}`).join("; ") || "no sources"}`;
  }, again);
}
