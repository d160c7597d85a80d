/// <reference lib="dom" />
// The join page: read the guardian's key, join a room, show its members with their
// speaking level, play the mix and the other browsers' video, mute, leave.

import { fromBase64 } from "../../witness/base64.ts";
import type { MemberInfo } from "../../signaling/webrtc/protocol.ts";
import { CouncilClient, loadDevice } from "./client.ts";
import type { Device } from "mediasoup-client";

/** Loaded when the page opens; a join without it loads one after `welcome`. */
let preloaded: Promise<Device | undefined> = Promise.resolve(undefined);

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** A pasted base64 seed, or a key file's JSON ({publicKey, secretKey}). */
export function parseKey(text: string): Uint8Array {
  const t = text.trim();
  let b64 = t;
  if (t.startsWith("{")) {
    const parsed = JSON.parse(t) as { secretKey?: unknown };
    if (typeof parsed.secretKey !== "string") throw new Error("the key file has no secretKey");
    b64 = parsed.secretKey;
  }
  const key = fromBase64(b64);
  if (!key || key.length !== 32) throw new Error("expected a base64 32-byte Ed25519 secret key");
  return key;
}

function showError(err: unknown): void {
  $("error").textContent = err instanceof Error ? err.message : String(err);
}

function renderMembers(client: CouncilClient): void {
  const list = $<HTMLUListElement>("members");
  list.replaceChildren(...[...client.members.values()].map((m: MemberInfo) => {
    const li = document.createElement("li");
    li.dataset.member = m.memberId;
    li.classList.toggle("speaking", client.speaker === m.memberId);
    li.classList.toggle("muted", m.muted);
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = m.guardianId.replace("if://guardian/", "") +
      (m.memberId === client.memberId ? " (you)" : "");
    const protocol = document.createElement("span");
    protocol.className = "protocol";
    protocol.textContent = m.protocol;
    const level = document.createElement("span");
    level.className = "level";
    const bar = document.createElement("span");
    // dBov: -60 (silence) .. 0 (full scale).
    const db = client.levels[m.memberId] ?? -127;
    bar.style.width = `${Math.max(0, Math.min(100, (db + 60) * 100 / 60))}%`;
    level.append(bar);
    li.append(name, protocol, level);
    return li;
  }));
}

async function join(e: Event): Promise<void> {
  e.preventDefault();
  $("error").textContent = "";
  const secretKey = parseKey($<HTMLTextAreaElement>("key").value);
  const withVideo = $<HTMLInputElement>("camera").checked;
  const media = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: true, noiseSuppression: true },
    video: withVideo ? { width: 640, height: 480 } : false,
  });
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
  const client = new CouncilClient({
    url,
    room: $<HTMLInputElement>("room").value.trim(),
    guardianId: `if://guardian/${$<HTMLInputElement>("guardian").value.trim()}`,
    secretKey,
    audio: media.getAudioTracks()[0],
    video: media.getVideoTracks()[0],
    device: await preloaded,
  });
  (globalThis as { council?: unknown }).council = { client, media };

  const status = $("status");
  client.addEventListener("state", () => {
    status.textContent = {
      idle: "Not connected",
      connecting: "Connecting...",
      joined: `In room ${client.o.room}`,
      reconnecting: "Connection lost; reconnecting...",
      left: "Left the room",
      failed: "Could not join",
    }[client.state];
    if (client.state === "left") {
      $("room-view").hidden = true;
      $("join").hidden = false;
      for (const t of media.getTracks()) t.stop();
    }
  });
  const rerender = () => renderMembers(client);
  for (const ev of ["members", "speaker", "levels", "member.muted"]) {
    client.addEventListener(ev, rerender);
  }
  client.addEventListener("error", (ev) => {
    const d = (ev as CustomEvent<{ message: string }>).detail;
    showError(d.message);
  });
  client.addEventListener("invitation", (ev) => {
    const d = (ev as CustomEvent<{ room: string; severity: string; summary: string }>).detail;
    const note = $("invitation");
    note.textContent = `The council is convened (${d.severity}): ${d.summary} Join room ${d.room}.`;
    note.hidden = false;
  });
  client.addEventListener("evidence.shown", (ev) => {
    const e = (ev as CustomEvent<
      { id: string; title: string; body: string; url?: string; postedBy: string }
    >).detail;
    const li = document.createElement("li");
    li.dataset.evidence = e.id;
    const title = document.createElement(e.url ? "a" : "strong");
    title.textContent = e.title;
    if (title instanceof HTMLAnchorElement) {
      title.href = e.url!;
      title.rel = "noopener noreferrer";
      title.target = "_blank";
    }
    const by = document.createElement("span");
    by.className = "by";
    by.textContent = ` (${e.postedBy.replace("if://guardian/", "")}) `;
    const body = document.createElement("div");
    body.textContent = e.body;
    li.append(title, by, body);
    $("evidence").append(li);
  });
  client.addEventListener("vote.opened", (ev) => {
    const v = (ev as CustomEvent<{ voteId: string; question: string; options: string[] }>)
      .detail;
    const box = document.createElement("div");
    box.className = "vote";
    box.dataset.vote = v.voteId;
    const q = document.createElement("p");
    q.textContent = v.question;
    const status = document.createElement("p");
    status.className = "status";
    box.append(
      q,
      ...v.options.map((option) => {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = option;
        b.onclick = () =>
          client.castBallot(v.voteId, option).then(() => {
            // The result may have arrived first (the last ballot closes the vote).
            if (box.dataset.closed === undefined) status.textContent = `You voted ${option}.`;
            for (const x of box.querySelectorAll("button")) x.disabled = true;
          }, showError);
        return b;
      }),
      status,
    );
    $("votes").append(box);
  });
  client.addEventListener("vote.closed", (ev) => {
    const r = (ev as CustomEvent<
      { voteId: string; result: { winner: string | null; counts: Record<string, number> } }
    >).detail;
    const box = document.querySelector<HTMLElement>(`[data-vote="${r.voteId}"]`);
    if (!box) return;
    box.dataset.closed = "";
    for (const x of box.querySelectorAll("button")) (x as HTMLButtonElement).disabled = true;
    const counts = Object.entries(r.result.counts).map(([o, n]) => `${o}: ${n}`).join(", ");
    box.querySelector(".status")!.textContent = `Closed. ${
      r.result.winner ? `Carried: ${r.result.winner}` : "No majority"
    } (${counts}).`;
  });
  $("evidence-form").onsubmit = (e) => {
    e.preventDefault();
    const title = $<HTMLInputElement>("evidence-title");
    const body = $<HTMLTextAreaElement>("evidence-body");
    client.postEvidence({ kind: "text", title: title.value, body: body.value }).then(() => {
      title.value = "";
      body.value = "";
    }, showError);
  };
  client.addEventListener("session.ended", (ev) => {
    showError(`The session ended: ${(ev as CustomEvent<{ reason: string }>).detail.reason}`);
  });
  client.addEventListener("track", (ev) => {
    const { memberId, kind, track } = (ev as CustomEvent<
      { memberId: string; kind: string; track: MediaStreamTrack }
    >).detail;
    const el = document.createElement(kind === "video" ? "video" : "audio");
    el.autoplay = true;
    el.dataset.member = memberId;
    if (el instanceof HTMLVideoElement) el.playsInline = el.muted = true;
    el.srcObject = new MediaStream([track]);
    (kind === "video" ? $("videos") : document.body).append(el);
  });
  client.addEventListener("track-ended", (ev) => {
    const { memberId } = (ev as CustomEvent<{ memberId?: string }>).detail;
    for (const el of document.querySelectorAll(`video[data-member="${memberId}"]`)) el.remove();
  });

  $<HTMLButtonElement>("join-button").disabled = true;
  try {
    await client.join();
    $("join").hidden = true;
    $("room-view").hidden = false;
    renderMembers(client);
  } catch (err) {
    for (const t of media.getTracks()) t.stop();
    throw err;
  } finally {
    $<HTMLButtonElement>("join-button").disabled = false;
  }

  $("mute").onclick = () => {
    const next = !client.muted;
    client.mute(next).then(() => {
      $("mute").textContent = next ? "Unmute" : "Mute";
      $("mute").setAttribute("aria-pressed", String(next));
    }, showError);
  };
  $("leave").onclick = () => client.leave().catch(showError);
}

function init(): void {
  preloaded = loadDevice(location.origin).catch(() => undefined);
  $<HTMLInputElement>("keyfile").addEventListener("change", async (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) $<HTMLTextAreaElement>("key").value = await file.text();
  });
  $("join").addEventListener("submit", (e) => join(e).catch(showError));
}

if (typeof document !== "undefined") init();
