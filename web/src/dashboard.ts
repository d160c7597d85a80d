/// <reference lib="dom" />
// The operators' dashboard: sign in with the operator token, then everything live:
// rooms and their members (protocol, speaking, level, loss, jitter, MOS with small
// charts), votes with their results and witness proofs, evidence, escalations with
// who answered, guard's decisions (recent ones from the witness, then as they
// happen), media workers and subsystem health, every room's chained streams and the
// witness's last full audit (stream status and witness integrity), the witness's
// signed head checked in the browser with an inclusion proof on demand, and cost
// against budgets with alerts, and the talent pipeline (sources, review queue,
// candidates, swarm) with its actions. Every list has a filter. The events socket drives updates; polling fills
// in what has no event (quality figures, escalation outcomes, workers).

import { api, currentToken, hasToken, Refused, setToken } from "./dashboard/api.ts";
import { $, el, render, wireFilters } from "./dashboard/dom.ts";
import {
  refreshRooms,
  type RoomListing,
  seedProvenance,
  showProvenance,
} from "./dashboard/rooms.ts";
import { refreshCouncil } from "./dashboard/council.ts";
import { auditNow, refreshIntegrity } from "./dashboard/integrity.ts";
import { pollSources, refreshTalent } from "./dashboard/talent.ts";
import {
  refreshCost,
  refreshWitness,
  refreshWorkers,
  seedDecisions,
  showAlert,
  showDecision,
  showProvenanceAlert,
  verifierKey,
  verifyLatest,
} from "./dashboard/ops.ts";

let socket: WebSocket | undefined;
let reconnects = 0;
const timers: ReturnType<typeof setInterval>[] = [];
const summary = {
  rooms: "–",
  members: "–",
  openVotes: "–",
  escalations: "–",
  rejected: 0,
  witness: "–",
  today: "–",
  workers: "–",
  review: "–",
};

function showSummary(): void {
  const items: [string, string | number][] = [
    ["Active rooms", summary.rooms],
    ["Members", summary.members],
    ["Open votes", summary.openVotes],
    ["Escalations", summary.escalations],
    ["Rejected (live)", summary.rejected],
    ["Witness entries", summary.witness],
    ["Cost today", summary.today],
    ["Media workers", summary.workers],
    ["Talent to review", summary.review],
  ];
  $("summary").replaceChildren(
    ...items.map(([t, v]) => {
      const d = el("div");
      d.append(el("dt", t), el("dd", String(v)));
      return d;
    }),
  );
}

function setLive(text: string, kind: "on" | "off" | "warn"): void {
  const live = $("live");
  live.textContent = text;
  live.className = `pill ${kind}`;
  $("status").textContent = text;
}

/** One refresh at a time per kind: a slow server is not asked again before it answered. */
function single(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  const run = async (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = fn().finally(() => running = undefined);
    await running;
    if (again) {
      again = false;
      await run();
    }
  };
  return run;
}

let roomNames: string[] = [];

const rooms = single(async () => {
  const { rooms } = await api<{ rooms: RoomListing[] }>("/api/v1/rooms");
  roomNames = rooms.map((r) => r.room);
  const active = await refreshRooms(rooms);
  summary.rooms = String(active.length);
  summary.members = String(active.reduce((n, r) => n + r.members.length, 0));
  showSummary();
});

const council = single(async () => {
  const r = await refreshCouncil(roomNames, verifierKey());
  summary.openVotes = String(r.openVotes);
  summary.escalations = String(r.escalations);
  showSummary();
});

const witness = single(async () => {
  summary.witness = String(await refreshWitness());
  showSummary();
});

const workers = single(async () => {
  summary.workers = String((await refreshWorkers()).workers);
  showSummary();
});

const integrity = single(async () => {
  await refreshIntegrity();
});

const cost = single(async () => {
  summary.today = await refreshCost();
  showSummary();
});

const talent = single(async () => {
  summary.review = String(await refreshTalent(() => talent()));
  showSummary();
});

/** The witness again soon after events that append to it, at most once a second. */
let witnessSoon: ReturnType<typeof setTimeout> | undefined;
function refreshWitnessSoon(): void {
  witnessSoon ??= setTimeout(() => {
    witnessSoon = undefined;
    witness().catch(fail);
  }, 1000);
}

function listen(): void {
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}` +
    `/api/v1/events?access_token=${encodeURIComponent(currentToken())}`;
  const ws = new WebSocket(url);
  socket = ws;
  ws.onopen = () => {
    reconnects = 0;
    setLive("live", "on");
  };
  ws.onmessage = (e) => {
    const ev = JSON.parse(e.data);
    if (ev.name === "guard.decision") {
      showDecision(ev.data);
      if (ev.data?.decision !== "admit") summary.rejected++;
      showSummary();
      refreshWitnessSoon();
    } else if (ev.name === "cost.alert") showAlert(ev.data);
    else if (ev.name === "provenance.alert") {
      showProvenanceAlert(ev.data);
      refreshWitnessSoon();
      integrity().catch(fail);
    } else if (ev.name === "witness.audit") integrity().catch(fail);
    else if (ev.name === "room.event") {
      const name = String(ev.data?.name ?? "");
      // A member's audio proof changed: its row shows it now (no refresh needed).
      if (name === "provenance.state") return showProvenance(ev.data.data);
      rooms().catch(fail);
      if (name.startsWith("vote.") || name === "evidence.shown") council().catch(fail);
      if (name.startsWith("vote.") || name.startsWith("member.")) refreshWitnessSoon();
    }
  };
  ws.onclose = () => {
    if (socket !== ws || !hasToken()) return;
    reconnects++;
    const wait = Math.min(30, 2 ** Math.min(reconnects, 5));
    setLive(`reconnecting (attempt ${reconnects}, in ${wait} s)`, "warn");
    setTimeout(() => socket === ws && listen(), wait * 1000);
  };
}

function fail(err: unknown): void {
  if (err instanceof Refused) return signOut(err.message);
  setLive(`error: ${(err as Error).message}`, "warn");
}

function every(ms: number, fn: () => Promise<void>): void {
  timers.push(setInterval(() => fn().catch(fail), ms));
}

async function start(): Promise<void> {
  $("signin").hidden = true;
  $("board").hidden = false;
  $("logout").hidden = false;
  setLive("connecting", "warn");
  showSummary();
  render("alerts", [], "no alerts since signing in");
  listen();
  try {
    await witness();
    await seedDecisions(Number(summary.witness) || 0);
    // Browsers' audio proofs so far (the socket keeps them after); none without WebRTC.
    await seedProvenance().catch(() => {});
    await rooms();
    await Promise.all([council(), workers(), cost(), integrity(), talent()]);
  } catch (err) {
    fail(err);
  }
  every(1000, rooms);
  every(3000, council);
  every(3000, workers);
  every(3000, integrity);
  every(5000, cost);
  every(10_000, witness);
  every(5000, talent);
  $("board").focus();
}

function signOut(reason = ""): void {
  setToken("");
  for (const t of timers.splice(0)) clearInterval(t);
  const ws = socket;
  socket = undefined;
  ws?.close();
  $("board").hidden = true;
  $("logout").hidden = true;
  $("health").hidden = true;
  $("signin").hidden = false;
  setLive("signed out", "off");
  $("login-error").textContent = reason;
  if (reason) $<HTMLInputElement>("token").focus();
}

$("login").addEventListener("submit", async (e) => {
  e.preventDefault();
  setToken($<HTMLInputElement>("token").value.trim());
  $("login-error").textContent = "";
  try {
    await api("/api/v1/cost");
  } catch (err) {
    return signOut((err as Error).message);
  }
  $<HTMLInputElement>("token").value = "";
  await start();
});
$("logout").addEventListener("click", () => signOut());
$("verify").addEventListener("click", () => verifyLatest().catch(fail));
$("audit").addEventListener("click", () => auditNow().catch(fail));
$("talent-poll").addEventListener("click", () => pollSources(() => talent()));
wireFilters();
if (hasToken()) {
  api("/api/v1/cost").then(start, (err) => signOut((err as Error).message));
}
