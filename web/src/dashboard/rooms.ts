/// <reference lib="dom" />
// Rooms and their members, live: who is in each room over which protocol, who is
// speaking, and each leg's level, loss, jitter and MOS with a minute of history.

import type { MemberStatus, RoomDefinition } from "../../../rooms/mod.ts";
import type { MemberProvenance } from "../../../rooms/events.ts";
import { api } from "./api.ts";
import { $, el, h, HISTORY, pill, render, shortId, spark } from "./dom.ts";

export interface RoomListing {
  room: string;
  definition: RoomDefinition | null;
  members: number;
}

interface RoomStatus {
  room: string;
  definition: RoomDefinition | null;
  members: MemberStatus[];
}

/** Per member: recent MOS, jitter and loss, one sample per refresh, for the charts. */
const history = new Map<string, { mos: number[]; jitter: number[]; loss: number[] }>();

function remember(m: MemberStatus) {
  let s = history.get(m.memberId);
  if (!s) history.set(m.memberId, s = { mos: [], jitter: [], loss: [] });
  if (m.stats) {
    s.mos.push(m.stats.mos);
    s.jitter.push(m.stats.jitterMs);
    s.loss.push(m.stats.lossFraction * 100);
    if (s.mos.length > HISTORY) s.mos.shift(), s.jitter.shift(), s.loss.shift();
  }
  return s;
}

const PROTOCOL: Record<string, string> = {
  sip: "SIP",
  h323: "H.323",
  webrtc: "Browser",
  feed: "Feed",
  agent: "Agent",
};

/**
 * Members' signed streams as Council verifies them (docs/provenance.md, "Browsers"):
 * seeded from /api/v1/webrtc, then kept by the events socket's provenance.state.
 */
const provenance = new Map<string, MemberProvenance>();

/** Seeds the members' provenance states (operators' /api/v1/webrtc). */
export async function seedProvenance(): Promise<void> {
  const w = await api<{ members: { memberId: string; provenance?: MemberProvenance }[] }>(
    "/api/v1/webrtc",
  );
  for (const m of w.members) {
    if (m.provenance && !provenance.has(m.memberId)) provenance.set(m.memberId, m.provenance);
  }
}

function proofCell(memberId: string): HTMLElement {
  const p = provenance.get(memberId);
  const state = p?.state ?? "unverified";
  const cell = pill(state, state === "verified" ? "ok" : state === "broken" ? "bad" : "muted");
  cell.dataset.proof = state;
  cell.title = p
    ? `${p.reason}${p.index !== undefined && p.index >= 0 ? ` (frame ${p.index})` : ""}`
    : "not signed";
  return cell;
}

/**
 * A member's provenance changed (the events socket): its row shows it at once,
 * without waiting for the rooms' next refresh.
 */
export function showProvenance(p: MemberProvenance): void {
  provenance.set(p.memberId, p);
  const row = document.querySelector<HTMLTableRowElement>(
    `#rooms tr[data-member="${CSS.escape(p.memberId)}"]`,
  );
  if (!row) return;
  row.dataset.provenance = p.state;
  row.querySelector("[data-proof]")?.replaceWith(proofCell(p.memberId));
}

/** A MOS band, as phones' quality reports name them (ITU-T G.107 ranges). */
function quality(mos: number | undefined): [string, string] {
  if (mos === undefined) return ["no stats yet", "muted"];
  if (mos >= 4) return ["good", "ok"];
  if (mos >= 3.6) return ["fair", "warn"];
  return ["poor", "bad"];
}

function memberRow(m: MemberStatus): HTMLTableRowElement {
  const s = remember(m);
  const row = el("tr");
  row.dataset.member = m.memberId;
  row.dataset.guardian = m.guardianId;
  row.dataset.row = "";
  row.dataset.provenance = provenance.get(m.memberId)?.state ?? "unverified";
  if (m.speaking) row.classList.add("speaking");
  const name = h(
    "td",
    "who",
    el("span", undefined, m.speaking ? "dot speaking" : "dot"),
    ` ${m.displayName ?? shortId(m.guardianId)}`,
    m.guest ? pill("guest", "warn") : undefined,
    m.muted ? pill("muted", "muted") : undefined,
    m.speaking ? el("span", " speaking", "sr-only") : undefined,
  );
  const level = el("span", undefined, "level");
  const db = m.stats?.levelDbov ?? -127;
  level.style.width = `${Math.max(0, Math.min(60, db + 60))}px`;
  level.title = m.stats ? `${db.toFixed(0)} dBov` : "";
  const [q, qk] = quality(m.stats?.mos);
  const cells: (string | Node)[] = [
    `${PROTOCOL[m.protocol] ?? m.protocol} · ${m.codec}${m.stats?.srtp ? " · SRTP" : ""}`,
    level,
    h(
      "span",
      "metric",
      m.stats ? `${(m.stats.lossFraction * 100).toFixed(1)} %` : "–",
      spark(s.loss, 5, "loss, last minute"),
    ),
    h(
      "span",
      "metric",
      m.stats ? `${m.stats.jitterMs.toFixed(1)} ms` : "–",
      spark(s.jitter, 20, "jitter, last minute"),
    ),
    h(
      "span",
      "metric",
      m.stats ? m.stats.mos.toFixed(2) : "–",
      pill(q, qk),
      spark(s.mos, 4.5, "MOS, last minute"),
    ),
    proofCell(m.memberId),
  ];
  row.append(name);
  for (const c of cells) row.append(h("td", undefined, c));
  return row;
}

function roomCard(r: RoomStatus): HTMLElement {
  const card = el("article", undefined, "room");
  card.dataset.room = r.room;
  const d = r.definition;
  const facts = d
    ? `${d.callType} · ${d.mixing}${d.number ? ` · dial ${d.number}` : ""}${
      d.encryption === "required" ? " · encrypted" : ""
    } · ${r.members.length}/${d.capacity}`
    : `${r.members.length} members`;
  const head = h("header", undefined, h("h3", undefined, r.room), el("span", facts, "facts"));
  head.dataset.head = "";
  card.append(head);
  if (r.members.length === 0) {
    card.append(el("p", "nobody in the room", "empty"));
    return card;
  }
  const table = el("table");
  table.append(
    h("caption", "sr-only", `Members of ${r.room}`),
    h(
      "thead",
      undefined,
      h(
        "tr",
        undefined,
        ...["Member", "Protocol", "Level", "Loss", "Jitter", "MOS", "Audio proof"].map((t) => {
          const th = el("th", t);
          th.scope = "col";
          return th;
        }),
      ),
    ),
  );
  const body = el("tbody");
  for (const m of r.members) body.append(memberRow(m));
  table.append(body);
  // Scrolls sideways on a phone: focusable so a keyboard can scroll it too.
  const scroll = h("div", "scroll", table);
  scroll.tabIndex = 0;
  scroll.setAttribute("role", "region");
  scroll.setAttribute("aria-label", `Members of ${r.room}`);
  card.append(scroll);
  return card;
}

/** Rooms with members first, then the defined ones nobody is in. */
export async function refreshRooms(listing: RoomListing[]): Promise<RoomStatus[]> {
  const active = await Promise.all(
    listing.filter((r) => r.members > 0).map((r) =>
      api<RoomStatus>(`/api/v1/rooms/${encodeURIComponent(r.room)}`)
    ),
  );
  const members = active.reduce((n, r) => n + r.members.length, 0);
  $("rooms-summary").textContent = `${active.length} active, ${members} members`;
  const idle = listing.filter((r) => r.members === 0)
    .map((r): RoomStatus => ({ room: r.room, definition: r.definition, members: [] }));
  render("rooms", [...active, ...idle].map(roomCard), "no rooms yet");
  const live = new Set(active.flatMap((r) => r.members.map((m) => m.memberId)));
  for (const id of history.keys()) if (!live.has(id)) history.delete(id);
  for (const id of provenance.keys()) if (!live.has(id)) provenance.delete(id);
  return active;
}
