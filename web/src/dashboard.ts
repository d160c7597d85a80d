/// <reference lib="dom" />
// The operators' dashboard: sign in with the operator token, then rooms and their
// members live (speaking, level, loss, jitter, MOS with small charts), guard's
// decisions as they happen (rejections with their reason), the witness's signed
// head checked here in the browser and an inclusion proof verified on demand with
// the same code the CLI audits with, and cost against budgets with their alerts.

import type { MemberStatus, RoomDefinition } from "../../rooms/mod.ts";
import type { BudgetState } from "../../cost/mod.ts";
import { openTreeHead, parseVerifierKey, type TreeHead } from "../../witness/checkpoint.ts";
import { leafHash } from "../../witness/hash.ts";
import { verifyInclusion } from "../../witness/merkle.ts";
import { fromBase64, fromHex } from "../../witness/base64.ts";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const TOKEN_KEY = "council.operatorToken";
const HISTORY = 60;

interface RoomStatus {
  room: string;
  definition: RoomDefinition | null;
  members: MemberStatus[];
}

class Refused extends Error {}

let token = sessionStorage.getItem(TOKEN_KEY) ?? "";
let socket: WebSocket | undefined;
const timers: ReturnType<typeof setInterval>[] = [];
/** Per member: recent MOS, jitter and loss, one sample a second, for the charts. */
const history = new Map<string, { mos: number[]; jitter: number[]; loss: number[] }>();

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) },
  });
  if (res.status === 401) throw new Refused("the operator token was refused");
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return await res.json() as T;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  className?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

/** A small line chart of the last HISTORY values. */
function spark(values: number[], max: number): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("viewBox", `0 0 ${HISTORY} 20`);
  const line = document.createElementNS(ns, "polyline");
  const top = Math.max(max, ...values) || 1;
  line.setAttribute(
    "points",
    values.map((v, i) => `${HISTORY - values.length + i},${(20 - (v / top) * 18).toFixed(1)}`)
      .join(" "),
  );
  svg.append(line);
  return svg;
}

function remember(m: MemberStatus): { mos: number[]; jitter: number[]; loss: number[] } {
  let h = history.get(m.memberId);
  if (!h) history.set(m.memberId, h = { mos: [], jitter: [], loss: [] });
  if (m.stats) {
    h.mos.push(m.stats.mos);
    h.jitter.push(m.stats.jitterMs);
    h.loss.push(m.stats.lossFraction * 100);
    if (h.mos.length > HISTORY) h.mos.shift(), h.jitter.shift(), h.loss.shift();
  }
  return h;
}

async function refreshRooms(): Promise<void> {
  const { rooms } = await api<{ rooms: { room: string; members: number }[] }>("/api/v1/rooms");
  const shown = await Promise.all(
    rooms.filter((r) => r.members > 0).map((r) =>
      api<RoomStatus>(`/api/v1/rooms/${encodeURIComponent(r.room)}`)
    ),
  );
  const members = shown.reduce((n, r) => n + r.members.length, 0);
  $("rooms-summary").textContent = `${shown.length} active, ${members} members`;
  const box = $("rooms");
  box.replaceChildren(...shown.map((r) => {
    const card = el("div");
    card.dataset.room = r.room;
    const kind = r.definition ? ` (${r.definition.callType}, ${r.definition.mixing})` : "";
    card.append(el("h3", `${r.room}${kind}`));
    const table = el("table");
    const head = el("tr");
    for (const h of ["", "guardian", "protocol", "level", "loss", "", "jitter", "", "MOS", ""]) {
      head.append(el("th", h));
    }
    table.append(head);
    for (const m of r.members) {
      const h = remember(m);
      const row = el("tr");
      row.dataset.member = m.memberId;
      row.dataset.guardian = m.guardianId;
      const dot = el("span", undefined, m.speaking ? "dot speaking" : "dot");
      dot.title = m.speaking ? "speaking" : "";
      const level = el("span", undefined, "level");
      const db = m.stats?.levelDbov ?? -127;
      level.style.width = `${Math.max(0, Math.min(60, db + 60))}px`;
      const cells: (string | Node)[] = [
        dot,
        m.guardianId.replace("if://guardian/", "") + (m.muted ? " (muted)" : ""),
        `${m.protocol} ${m.codec}`,
        level,
        m.stats ? `${(m.stats.lossFraction * 100).toFixed(1)} %` : "-",
        spark(h.loss, 5),
        m.stats ? `${m.stats.jitterMs.toFixed(1)} ms` : "-",
        spark(h.jitter, 20),
        m.stats ? m.stats.mos.toFixed(2) : "-",
        spark(h.mos, 4.5),
      ];
      for (const c of cells) {
        const td = el("td");
        td.append(c);
        row.append(td);
      }
      table.append(row);
    }
    card.append(table);
    return card;
  }));
  if (shown.length === 0) box.replaceChildren(el("p", "no active rooms"));
}

function showDecision(d: Record<string, unknown>): void {
  const req = (d.request ?? {}) as Record<string, unknown>;
  const who = String(req.guardianId ?? "?").replace("if://guardian/", "");
  const text = d.decision === "admit"
    ? `admit ${who} to ${req.room} (${d.codec})`
    : `reject ${who} for ${req.room}: ${d.reason} ${d.message ?? ""}`;
  const li = el("li", `${new Date().toLocaleTimeString()} ${text}`, String(d.decision));
  if (d.reason) li.dataset.reason = String(d.reason);
  const list = $("decisions");
  list.prepend(li);
  while (list.children.length > 100) list.lastElementChild!.remove();
}

function showAlert(a: Record<string, unknown>): void {
  const scope = a.scope === "*" ? "all rooms" : `room ${a.scope}`;
  $("alerts").prepend(
    el(
      "li",
      `${a.at} budget ${a.budgetId} (${scope}) at ${a.threshold} %: ${a.spent} of ${a.limit} ${a.currency}`,
      Number(a.threshold) >= 100 ? "exceeded" : "warning",
    ),
  );
}

function listen(): void {
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}` +
    `/api/v1/events?access_token=${encodeURIComponent(token)}`;
  const ws = new WebSocket(url);
  socket = ws;
  ws.onmessage = (e) => {
    const ev = JSON.parse(e.data);
    if (ev.name === "guard.decision") showDecision(ev.data);
    else if (ev.name === "cost.alert") showAlert(ev.data);
    else if (ev.name === "room.event") refreshRooms().catch(fail);
  };
  ws.onclose = () => {
    if (socket === ws && token) setTimeout(listen, 2000);
  };
}

function row(list: HTMLElement, term: string, value: string): void {
  list.append(el("dt", term), el("dd", value));
}

let head: TreeHead | undefined;

async function refreshWitness(): Promise<void> {
  const key = await api<{ verifierKey: string }>("/api/v1/witness/key");
  const h = await api<{ note: string }>("/api/v1/witness/head");
  const list = $("witness");
  list.replaceChildren();
  try {
    // The head counts only if its signature checks out here, against the log's key.
    head = await openTreeHead(h.note, parseVerifierKey(key.verifierKey));
    row(list, "size", String(head.size));
    row(
      list,
      "root",
      [...head.rootHash.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("") + "…",
    );
    row(list, "signed", new Date(head.timestamp).toISOString());
    row(list, "signature", "verified in this browser");
  } catch (err) {
    head = undefined;
    row(list, "signature", `DOES NOT VERIFY: ${(err as Error).message}`);
  }
}

async function verifyLatest(): Promise<void> {
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

async function refreshCost(): Promise<void> {
  const r = await api<{
    currency: string;
    periods: Record<string, { key: string; amount: number }>;
    legs: unknown[];
    budgets: BudgetState[];
  }>("/api/v1/cost");
  const list = $("cost");
  list.replaceChildren();
  for (const [name, p] of Object.entries(r.periods)) {
    row(list, `${name} ${name === "total" ? "" : p.key}`, `${p.amount} ${r.currency}`);
  }
  row(list, "legs metered", String(r.legs.length));
  $("budgets").replaceChildren(...r.budgets.map((b) => {
    const scope = b.scope === "*" ? "all rooms" : `room ${b.scope}`;
    return el(
      "li",
      `${b.id} (${scope}, ${b.period}): ${b.spent} of ${b.limit} (${
        (b.fraction * 100).toFixed(0)
      } %) ${b.state}`,
      b.state,
    );
  }));
}

function fail(err: unknown): void {
  if (err instanceof Refused) return signOut(err.message);
  $("status").textContent = `error: ${(err as Error).message}`;
}

function every(ms: number, fn: () => Promise<void>): void {
  fn().catch(fail);
  timers.push(setInterval(() => fn().catch(fail), ms));
}

function start(): void {
  $("login").hidden = true;
  $("board").hidden = false;
  $("logout").hidden = false;
  $("status").textContent = "signed in";
  listen();
  every(1000, refreshRooms);
  every(5000, refreshCost);
  every(10_000, refreshWitness);
}

function signOut(reason = ""): void {
  token = "";
  sessionStorage.removeItem(TOKEN_KEY);
  for (const t of timers.splice(0)) clearInterval(t);
  const ws = socket;
  socket = undefined;
  ws?.close();
  $("board").hidden = true;
  $("logout").hidden = true;
  $("login").hidden = false;
  $("status").textContent = "signed out";
  $("login-error").textContent = reason;
}

$("login").addEventListener("submit", async (e) => {
  e.preventDefault();
  token = $<HTMLInputElement>("token").value.trim();
  $("login-error").textContent = "";
  try {
    await api("/api/v1/cost");
  } catch (err) {
    return signOut((err as Error).message);
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  start();
});
$("logout").addEventListener("click", () => signOut());
$("verify").addEventListener("click", () => verifyLatest().catch(fail));
if (token) api("/api/v1/cost").then(start, (err) => signOut((err as Error).message));
