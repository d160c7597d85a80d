/// <reference lib="dom" />
// What the council did: votes with their results (and the result's witness proof
// checked here in the browser), evidence shown to rooms, and escalations with who
// was called and who answered.

import type { Evidence } from "../../../rooms/evidence.ts";
import type { Vote } from "../../../rooms/votes.ts";
import type { EscalationRecord } from "../../../rooms/escalations.ts";
import { type LogVerifier as VerifierKey, openTreeHead } from "../../../witness/checkpoint.ts";
import { verifyInclusion } from "../../../witness/merkle.ts";
import { fromHex } from "../../../witness/base64.ts";
import { api } from "./api.ts";
import { $, el, h, pill, render, shortId, when } from "./dom.ts";

/** Whether a closed vote's witness record checks out against its signed head. */
async function proven(v: Vote, key: VerifierKey | undefined): Promise<boolean | undefined> {
  const r = v.record;
  if (!r || !key) return undefined;
  try {
    const head = await openTreeHead(r.signedHead, key);
    const root = fromHex(r.rootHash);
    if (!root || head.size !== r.treeSize) return false;
    if (head.rootHash.some((b, i) => b !== root[i])) return false;
    return verifyInclusion(
      r.witnessIndex,
      r.treeSize,
      fromHex(r.leafHash)!,
      r.inclusionPath.map((p) => fromHex(p)!),
      head.rootHash,
    );
  } catch {
    return false;
  }
}

async function voteCard(v: Vote, key: VerifierKey | undefined): Promise<HTMLElement> {
  const li = el("li", undefined, `card vote ${v.state}`);
  li.dataset.vote = v.id;
  li.dataset.room = v.room;
  const counts = v.result?.counts ??
    Object.fromEntries(v.options.map((o) => [o, v.ballots.filter((b) => b.choice === o).length]));
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const bars = el("ul", undefined, "bars");
  bars.setAttribute("aria-label", "Ballots per option");
  for (const o of v.options) {
    const n = counts[o] ?? 0;
    const bar = el("span", undefined, "bar");
    bar.style.width = `${total ? (100 * n) / total : 0}%`;
    const win = v.result?.winner === o;
    bars.append(
      h(
        "li",
        win ? "winner" : undefined,
        h("span", "label", o, win ? " (carried)" : ""),
        bar,
        el("span", String(n), "n"),
      ),
    );
  }
  let outcome: HTMLElement;
  if (v.state === "open") {
    outcome = h(
      "p",
      "meta",
      pill("open", "ok"),
      ` until ${when(v.deadline)} · ${v.ballots.length} ballots`,
    );
  } else {
    const r = v.result;
    const said = !r || r.ballots === 0
      ? "no ballots"
      : r.winner
      ? `“${r.winner}” carried, ${r.counts[r.winner]} of ${r.ballots}`
      : `tied: ${r.tied.join(", ")}`;
    const check = await proven(v, key);
    outcome = h(
      "p",
      "meta",
      pill("closed", "muted"),
      ` ${said}`,
      v.record
        ? h(
          "span",
          "proof",
          ` · witness #${v.record.witnessIndex} `,
          check === undefined
            ? pill("proof not checked", "muted")
            : check
            ? pill("proof verified in this browser", "ok")
            : pill("PROOF DOES NOT VERIFY", "bad"),
        )
        : undefined,
    );
  }
  const voters = v.ballots.length
    ? h(
      "details",
      undefined,
      el("summary", `${v.ballots.length} signed ballots`),
      h(
        "ul",
        "plain",
        ...v.ballots.map((b) =>
          el("li", `${shortId(b.guardianId)}: ${b.choice} · ${when(b.timestamp)}`)
        ),
      ),
    )
    : undefined;
  li.append(
    h(
      "header",
      undefined,
      h("h3", undefined, v.question),
      el("span", `${v.room} · opened ${when(v.openedAt)}`, "facts"),
    ),
    bars,
    outcome,
    voters ?? "",
  );
  return li;
}

/** http(s) links only: evidence comes from members. */
function safeUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const u = new URL(raw);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : undefined;
  } catch {
    return undefined;
  }
}

function evidenceCard(e: Evidence): HTMLElement {
  const li = el("li", undefined, "card evidence");
  li.dataset.evidence = e.id;
  li.dataset.room = e.room;
  const url = safeUrl(e.url);
  const link = url ? el("a", url) : undefined;
  if (link) {
    link.href = url!;
    link.rel = "noopener noreferrer";
    link.target = "_blank";
  }
  li.append(
    h("header", undefined, h("h3", undefined, e.title), pill(e.kind, "muted")),
    el(
      "p",
      `${e.room} · ${e.postedBy === "operator" ? "operator" : shortId(e.postedBy)} · ${
        when(e.postedAt)
      }`,
      "facts",
    ),
    e.body ? h("details", undefined, el("summary", "Text"), el("p", e.body, "body")) : "",
    link ? h("p", undefined, link) : "",
    el("p", `sha-256 ${e.sha256.slice(0, 16)}…`, "hash"),
  );
  return li;
}

const OUTCOME: Record<string, string> = {
  answered: "ok",
  invited: "ok",
  declined: "warn",
  failed: "bad",
  unreachable: "bad",
};

function escalationCard(r: EscalationRecord): HTMLElement {
  const li = el("li", undefined, `card escalation ${r.decision}`);
  li.dataset.escalation = r.id;
  const sev = r.escalation.severity;
  const called = r.calling.map((g) => {
    const o = r.outcomes.filter((x) => x.guardianId === g);
    if (!o.length) return h("li", undefined, `${shortId(g)} `, pill("calling", "muted"));
    return h(
      "li",
      undefined,
      `${shortId(g)} `,
      ...o.map((x) => {
        const what = x.outcome === "answered"
          ? `answered (${x.protocol}) in ${(x.ms / 1000).toFixed(1)} s`
          : x.outcome === "invited"
          ? `invited in ${x.browsers} browser${x.browsers === 1 ? "" : "s"}`
          : `${x.outcome}: ${x.why}`;
        return pill(what, OUTCOME[x.outcome] ?? "muted");
      }),
    );
  });
  li.append(
    h(
      "header",
      undefined,
      h("h3", undefined, r.escalation.summary),
      pill(sev, sev === "critical" || sev === "high" ? "bad" : "warn"),
    ),
    el(
      "p",
      `${when(r.at)} · from ${shortId(r.escalation.source)} · ${r.decision}${
        r.room ? ` in ${r.room}` : ""
      } · ${r.reason}${r.escalation.hazards.length ? ` · ${r.escalation.hazards.join(", ")}` : ""}`,
      "facts",
    ),
    called.length ? h("ul", "plain called", ...called) : el("p", "nobody called", "empty"),
  );
  return li;
}

/** Every room's votes and evidence, newest first; and the escalations. */
export async function refreshCouncil(
  rooms: string[],
  key: VerifierKey | undefined,
): Promise<{ openVotes: number; escalations: number }> {
  const per = await Promise.all(rooms.map(async (room) => {
    const q = encodeURIComponent(room);
    const [v, e] = await Promise.all([
      api<{ votes: Vote[] }>(`/api/v1/rooms/${q}/votes`),
      api<{ evidence: Evidence[] }>(`/api/v1/rooms/${q}/evidence`),
    ]);
    return { votes: v.votes, evidence: e.evidence };
  }));
  const votes = per.flatMap((p) => p.votes).sort((a, b) => b.openedAt.localeCompare(a.openedAt));
  const evidence = per.flatMap((p) => p.evidence)
    .sort((a, b) => b.postedAt.localeCompare(a.postedAt));
  const { escalations } = await api<{ escalations: EscalationRecord[] }>("/api/v1/escalations");
  const openVotes = votes.filter((v) => v.state === "open").length;
  $("votes-summary").textContent = `${openVotes} open, ${votes.length - openVotes} closed`;
  $("evidence-summary").textContent = String(evidence.length);
  $("escalations-summary").textContent = String(escalations.length);
  render("votes", await Promise.all(votes.map((v) => voteCard(v, key))), "no votes yet");
  render("evidence", evidence.map(evidenceCard), "no evidence shown yet");
  render(
    "escalations",
    [...escalations].sort((a, b) => b.at.localeCompare(a.at)).map(escalationCard),
    "no escalations",
  );
  return { openVotes, escalations: escalations.length };
}
