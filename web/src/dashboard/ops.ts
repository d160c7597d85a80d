/// <reference lib="dom" />
// How the server is doing: guard's decisions (the recent ones from the witness,
// then live), media workers and subsystem health, the witness's signed head checked
// here in the browser with its latest entries, and cost against budgets with alerts.

import type { BudgetState } from "../../../cost/mod.ts";
import {
  type LogVerifier,
  openTreeHead,
  parseVerifierKey,
  type TreeHead,
} from "../../../witness/checkpoint.ts";
import { leafHash } from "../../../witness/hash.ts";
import { verifyInclusion } from "../../../witness/merkle.ts";
import { fromBase64, fromHex } from "../../../witness/base64.ts";
import { api } from "./api.ts";
import { $, el, h, pill, render, shortId, when } from "./dom.ts";

const MAX_DECISIONS = 200;

type Json = Record<string, unknown>;

function decisionItem(d: Json, at: number | string): HTMLLIElement {
  const req = (d.request ?? {}) as Json;
  const who = shortId(String(req.guardianId ?? d.claimedIdentity ?? "unknown"));
  const room = req.room ? String(req.room) : "?";
  const admit = d.decision === "admit";
  const li = h(
    "li",
    String(d.decision),
    el("time", when(at)),
    " ",
    pill(admit ? "admit" : "reject", admit ? "ok" : "bad"),
    admit
      ? ` ${who} to ${room} (${d.codec ?? "?"}${
        d.bandwidthKbps ? `, ${d.bandwidthKbps} kbps` : ""
      })`
      : ` ${who} for ${room}: ${d.reason} ${d.message ?? ""}`,
    typeof d.count === "number" && d.count > 1 ? el("span", ` ×${d.count}`, "count") : undefined,
  );
  if (d.reason) li.dataset.reason = String(d.reason);
  return li;
}

export function showDecision(d: Json, at: number | string = Date.now()): void {
  const list = $("decisions");
  list.querySelector(":scope > .empty")?.remove();
  list.prepend(decisionItem(d, at));
  while (list.children.length > MAX_DECISIONS) list.lastElementChild!.remove();
}

interface WitnessEntry {
  index: number;
  type?: string;
  timestamp?: number;
  payload?: Json;
  error?: string;
}

function entrySummary(e: WitnessEntry): string {
  const p = e.payload ?? {};
  const req = (p.request ?? {}) as Json;
  const g = p.guardianId ?? req.guardianId;
  const room = p.room ?? req.room;
  return [
    g ? shortId(String(g)) : "",
    room ? `room ${room}` : "",
    p.decision ? String(p.decision) : "",
    p.reason ? String(p.reason) : "",
  ].filter(Boolean).join(" · ");
}

let key: LogVerifier | undefined;
let head: TreeHead | undefined;

export const verifierKey = () => key;

async function recentEntries(size: number, n: number): Promise<WitnessEntry[]> {
  if (size === 0) return [];
  const start = Math.max(0, size - n);
  const { entries } = await api<{ entries: WitnessEntry[] }>(
    `/api/v1/witness/entries?start=${start}&end=${size}`,
  );
  return entries.reverse();
}

/** The signed head checked against the log's key, and the latest entries. */
export async function refreshWitness(): Promise<number> {
  const k = await api<{ verifierKey: string }>("/api/v1/witness/key");
  const signed = await api<{ note: string; size: number }>("/api/v1/witness/head");
  const list = $("witness");
  const facts: [string, string][] = [];
  try {
    key = parseVerifierKey(k.verifierKey);
    // The head counts only if its signature checks out here, against the log's key.
    head = await openTreeHead(signed.note, key);
    facts.push(
      ["size", `${head.size} entries`],
      [
        "root",
        [...head.rootHash.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("") + "…",
      ],
      ["signed", when(head.timestamp)],
      ["signature", "verified in this browser"],
    );
  } catch (err) {
    head = undefined;
    facts.push(["signature", `DOES NOT VERIFY: ${(err as Error).message}`]);
  }
  list.replaceChildren(...facts.flatMap(([t, v]) => [el("dt", t), el("dd", v)]));
  const entries = await recentEntries(head?.size ?? 0, 30);
  render(
    "entries",
    entries.map((e) =>
      h(
        "li",
        undefined,
        el("span", `#${e.index}`, "index"),
        " ",
        el("code", e.type ?? "damaged"),
        e.timestamp ? ` ${when(e.timestamp)}` : "",
        ` ${e.error ?? entrySummary(e)}`,
      )
    ),
    "the log is empty",
  );
  return head?.size ?? 0;
}

/** Guard's recent decisions, read back from the witness when the page opens. */
export async function seedDecisions(size: number): Promise<void> {
  const entries = await recentEntries(size, 500);
  const decisions = entries.filter((e) => e.type === "guard.decision" && e.payload);
  render(
    "decisions",
    decisions.slice(0, MAX_DECISIONS).map((e) => decisionItem(e.payload!, e.timestamp ?? 0)),
    "no decisions yet",
  );
}

export async function verifyLatest(): Promise<void> {
  const out = $("verify-result");
  await refreshWitness();
  if (!head || head.size === 0) {
    out.textContent = "no signed head to check against";
    out.className = "bad";
    return;
  }
  const index = head.size - 1;
  const entry = await api<{ entry: string; type: string }>(`/api/v1/witness/entries/${index}`);
  const proof = await api<{ path: string[] }>(
    `/api/v1/witness/proof/inclusion?index=${index}&size=${head.size}`,
  );
  const ok = verifyInclusion(
    index,
    head.size,
    leafHash(fromBase64(entry.entry)!),
    proof.path.map((p) => fromHex(p)!),
    head.rootHash,
  );
  out.textContent = `${new Date().toLocaleTimeString()}: entry ${index} (${entry.type}) ` +
    (ok ? `is in the signed tree of size ${head.size}: verified` : "DOES NOT VERIFY");
  out.className = ok ? "good" : "bad";
}

interface Worker {
  index: number;
  rooms: string[];
  realtime: boolean;
  legs: number;
  tickMs: number | null;
  tickMaxMs: number | null;
  lateTicks: number;
  skippedTicks: number;
}

/** Readiness of every subsystem and the media workers' load. */
export async function refreshWorkers(): Promise<{ ready: boolean; workers: number }> {
  const r = await api<{ status: string; subsystems: Record<string, string> }>("/readyz");
  const ready = r.status === "ready";
  const badge = $("health");
  badge.hidden = false;
  badge.textContent = ready ? "ready" : "not ready";
  badge.className = `pill ${ready ? "ok" : "bad"}`;
  $("subsystems").replaceChildren(
    ...Object.entries(r.subsystems ?? {}).map(([name, state]) =>
      h("li", undefined, pill(`${name}: ${state}`, state === "ready" ? "ok" : "bad"))
    ),
  );
  const { workers } = await api<{ workers: Worker[] }>("/api/v1/media");
  render(
    "workers",
    workers.map((w) => {
      const card = el("article", undefined, "worker");
      card.dataset.worker = String(w.index);
      const late = w.lateTicks + w.skippedTicks;
      card.append(
        h(
          "header",
          undefined,
          h("h3", undefined, `Media worker ${w.index}`),
          w.realtime ? pill("real-time", "ok") : pill("normal priority", "muted"),
          late ? pill(`${w.lateTicks} late, ${w.skippedTicks} skipped ticks`, "warn") : undefined,
        ),
        el(
          "p",
          `${w.legs} legs · mix tick ${w.tickMs?.toFixed(2) ?? "–"} ms (max ${
            w.tickMaxMs?.toFixed(2) ?? "–"
          }) · rooms: ${w.rooms.length ? w.rooms.join(", ") : "none"}`,
          "facts",
        ),
      );
      return card;
    }),
    "no media workers (sip.media none?)",
  );
  return { ready, workers: workers.length };
}

export function showAlert(a: Json): void {
  const scope = a.scope === "*" ? "all rooms" : `room ${a.scope}`;
  const list = $("alerts");
  list.querySelector(":scope > .empty")?.remove();
  list.prepend(
    el(
      "li",
      `${
        when(String(a.at))
      } budget ${a.budgetId} (${scope}) at ${a.threshold} %: ${a.spent} of ${a.limit} ${a.currency}`,
      Number(a.threshold) >= 100 ? "exceeded" : "warning",
    ),
  );
}

/** A member's signed audio broke (provenance.alert): one per stream per interval. */
export function showProvenanceAlert(a: Json): void {
  const list = $("alerts");
  list.querySelector(":scope > .empty")?.remove();
  const who = String(a.guardianId ?? a.memberId).replace("if://guardian/", "");
  const repeats = Number(a.repeats) > 0 ? ` (${a.repeats} more failures)` : "";
  const item = el(
    "li",
    `${
      when(String(a.at))
    } room ${a.room}: ${who}'s signed audio broke at frame ${a.index}: ${a.reason}${repeats}${
      a.action === "mute" ? "; muted by the policy" : ""
    }`,
    "exceeded",
  );
  item.dataset.provenanceAlert = String(a.memberId);
  list.prepend(item);
}

/** Money to the cent, and to four places when smaller than a cent (per-minute rates). */
function money(amount: number, currency: string): string {
  const digits = amount !== 0 && Math.abs(amount) < 0.01 ? 4 : 2;
  return `${amount.toFixed(digits)} ${currency}`;
}

export async function refreshCost(): Promise<string> {
  const r = await api<{
    currency: string;
    periods: Record<string, { key: string; amount: number }>;
    legs: unknown[];
    budgets: BudgetState[];
  }>("/api/v1/cost");
  $("cost").replaceChildren(
    ...Object.entries(r.periods).flatMap(([name, p]) => [
      el("dt", `${name} ${name === "total" ? "" : p.key}`),
      el("dd", money(p.amount, r.currency)),
    ]),
    el("dt", "legs metered"),
    el("dd", String(r.legs.length)),
  );
  render(
    "budgets",
    r.budgets.map((b) => {
      const scope = b.scope === "*" ? "all rooms" : `room ${b.scope}`;
      const meter = el("meter");
      meter.min = 0;
      meter.max = 1;
      meter.low = 0.8;
      meter.high = 0.99;
      meter.optimum = 0;
      meter.value = Math.min(1, b.fraction);
      meter.setAttribute("aria-label", `${b.id} spent`);
      return h(
        "li",
        b.state,
        `${b.id} (${scope}, ${b.period}): ${b.spent} of ${b.limit} (${
          (b.fraction * 100).toFixed(0)
        } %) ${b.state} `,
        meter,
      );
    }),
    "no budgets",
  );
  const day = r.periods.day;
  return day ? money(day.amount, r.currency) : "–";
}
