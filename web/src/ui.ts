/// <reference lib="dom" />
// The join page's view (Preact, with htm's tagged templates: no JSX build step).
// It renders JoinPage's state: the pre-join screen (names, key, devices with a level
// meter and camera preview) or the call (a named video grid with the speaker
// highlighted, controls, and a side panel of people, votes and evidence), with the
// status line, errors, warnings and invitations above either.

import { h, type VNode } from "preact";
import { useEffect, useReducer, useRef } from "preact/hooks";
import * as htmModule from "htm";
import type { MemberInfo, MemberProvenance } from "../../signaling/webrtc/protocol.ts";
import { NAME_PATTERN } from "./names.ts";
import { type ConsentAsk, type JoinPage, type PageState, shortName, type Vote } from "./page.ts";

type Html = (strings: TemplateStringsArray, ...values: unknown[]) => VNode;
// htm's types describe CommonJS; the module bundled is ESM whose default export is htm.
const htm = (htmModule as unknown as { default: { bind(f: typeof h): Html } }).default;
const html = htm.bind(h);

const PROTOCOL: Record<string, string> = {
  webrtc: "Browser",
  sip: "SIP",
  h323: "H.323",
  feed: "Feed",
  agent: "Agent",
};

/** How far a member's audio is proven, in words (docs/provenance.md, "Browsers"). */
export function proofOf(
  m: MemberInfo,
  p: MemberProvenance | undefined,
): { state: MemberProvenance["state"]; label: string; why: string; at?: number } {
  if (!p) {
    return {
      state: "unverified",
      label: "Audio unverified",
      why: m.protocol === "webrtc"
        ? "This browser does not sign its audio"
        : "This member's audio is not signed",
    };
  }
  const label = p.state === "verified"
    ? "Audio verified"
    : p.state === "broken"
    ? "Audio broken"
    : "Audio unverified";
  const why = p.state === "verified"
    ? `Signed with the guardian's key; proven through frame ${p.index ?? 0}`
    : p.state === "broken"
    ? `Not what was signed: ${p.reason}`
    : `Not proven now: ${p.reason}`;
  return { state: p.state, label, why, at: p.at };
}

/** "M" and Ctrl/Cmd+D toggle the microphone (as in Meet). */
export const MUTE_KEYS = "M Control+D Meta+D";

/** Re-renders whenever `target` says "change". */
function useChanges(target: EventTarget): void {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const on = () => bump(0);
    target.addEventListener("change", on);
    return () => target.removeEventListener("change", on);
  }, [target]);
}

function initials(name: string): string {
  const parts = name.split(/[._-]+/).filter(Boolean);
  return (parts.length > 1 ? parts[0][0] + parts[1][0] : name.slice(0, 2)).toUpperCase();
}

/** A <video> playing `track` (muted: sound comes from the mix). */
function Video(p: { track: MediaStreamTrack; member?: string; mirror?: boolean }): VNode {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const v = ref.current!;
    v.srcObject = new MediaStream([p.track]);
    return () => {
      v.srcObject = null;
    };
  }, [p.track]);
  return html`
    <video ref=${ref} autoplay playsinline muted
      class=${p.mirror ? "mirror" : undefined}
      data-member=${p.member} data-self=${p.mirror ? "" : undefined}></video>
  `;
}

/** The microphone's level, written straight to the bar ten times a second. */
function Meter(p: { page: JoinPage }): VNode {
  const bar = useRef<HTMLSpanElement>(null);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const on = (ev: Event) => {
      const db = (ev as CustomEvent<number>).detail;
      const pct = Math.round(Math.max(0, Math.min(100, (db + 60) * 100 / 60)));
      bar.current!.style.transform = `scaleX(${pct / 100})`;
      box.current!.setAttribute("aria-valuenow", String(pct));
    };
    p.page.preview.addEventListener("level", on);
    return () => p.page.preview.removeEventListener("level", on);
  }, [p.page]);
  return html`
    <div class="meter" id="mic-level" ref=${box} role="meter" aria-label="Microphone level"
      aria-valuemin="0" aria-valuemax="100" aria-valuenow="0"><span ref=${bar}></span></div>
  `;
}

function DevicePicker(p: {
  id: string;
  label: string;
  devices: MediaDeviceInfo[];
  value: string;
  onPick: (id: string) => void;
}): VNode | null {
  if (p.devices.length === 0) return null;
  return html`
    <label for=${p.id}>${p.label}</label>
    <select id=${p.id} value=${p.value || p.devices[0].deviceId} onChange=${(e: Event) =>
      p.onPick((e.target as HTMLSelectElement).value)}>
          ${p.devices.map((d, i) =>
            html`<option value=${d.deviceId}>${d.label || `${p.label} ${i + 1}`}</option>`
          )}
        </select>
  `;
}

function KeyField(p: { page: JoinPage; s: PageState }): VNode {
  const { page, s } = p;
  if (s.key.kind === "stored" || s.key.kind === "pending") {
    return html`
      <div class="keycard" id="key-stored">
        <p>
              ${s.key.kind === "stored"
                ? html`Signing key for <strong>${s.guardian}</strong> stored in this browser`
                : html`Signing key for <strong>${s.guardian}</strong> imported; stored once you join`}
              <span class="fingerprint">(public key ${s.key.fingerprint}…)</span>
            </p>
        <button type="button" id="forget-key" class="secondary" onClick=${() => page.forgetKey()}>
              Forget this key
            </button>
      </div>
    `;
  }
  const onFile = async (e: Event) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (file) page.setKeyText(await file.text());
    input.value = "";
  };
  return html`
    <div class="keyfields">
      <label for="keyfile">Key file <span class="hint">(from council guardian keygen)</span></label>
      <input id="keyfile" type="file" accept=".json,application/json" onChange=${onFile} />
      <label for="key">or paste the private key (base64, or the key file's JSON)</label>
      <textarea id="key" rows="2" spellcheck="false" autocomplete="off" aria-describedby="key-help"
        value=${s.keyText} onInput=${(e: Event) =>
          page.setKeyText((e.target as HTMLTextAreaElement).value)}></textarea>
      <p id="key-help" class="hint">
          Imported once into this browser as a key that can sign but cannot be read back, kept for
          this guardian, and never shown again.
        </p>
    </div>
  `;
}

/** The Join click's own time (its input event), where the join-time benchmark starts. */
let clickedAt: number | undefined;

function PreJoin(p: { page: JoinPage; s: PageState }): VNode {
  const { page, s } = p;
  const pv = page.preview;
  const busy = s.phase === "joining";
  const onSubmit = (e: Event) => {
    e.preventDefault();
    const at = clickedAt ?? e.timeStamp;
    clickedAt = undefined;
    page.join(at);
  };
  const micError = pv.error
    ? html`<p class="hint warn" id="device-error">
      ${
      pv.error.name === "NotAllowedError"
        ? "Microphone or camera blocked: allow them for this page."
        : `Devices: ${pv.error.message}`
    }
    </p>`
    : null;
  return html`<main id="prejoin" class="prejoin">
    ${
    s.ended &&
    html`
      <section id="ended" class=${`notice ${s.ended.unexpected ? "warn" : ""}`}
        aria-labelledby="ended-title">
        <h2 id="ended-title">${s.ended.title}</h2>
        <p>${s.ended.detail}</p>
      </section>
    `
  }
    <div class="prejoin-grid">
      <section class="check" aria-label="Camera and microphone check">
        <div class="preview">
          ${
    pv.video && s.withVideo
      ? html`<${Video} track=${pv.video} mirror=${true} />`
      : html`<div class="camera-off"><span>${
        s.withVideo ? "Starting camera…" : "Camera is off"
      }</span></div>`
  }
        </div>
        <${Meter} page=${page} />
        ${micError}
      </section>
      <form id="join" onSubmit=${onSubmit} aria-labelledby="join-title">
        <h2 id="join-title">Join a room</h2>
        <label for="guardian">Guardian</label>
        <input id="guardian" name="guardian" required placeholder="technical" autocomplete="username"
          pattern=${NAME_PATTERN} maxlength="64" value=${s.guardian} aria-describedby="name-help"
          onInput=${(e: Event) => page.setGuardian((e.target as HTMLInputElement).value.trim())} />
        <label for="room">Room</label>
        <input id="room" name="room" required pattern=${NAME_PATTERN} maxlength="64"
          value=${s.room} aria-describedby="name-help"
          onInput=${(e: Event) => page.setRoom((e.target as HTMLInputElement).value.trim())} />
        <p id="name-help" class="hint">Lower-case letters, digits, ".", "_" or "-".</p>
        <${KeyField} page=${page} s=${s} />
        <fieldset class="devices">
          <legend>Devices</legend>
          <${DevicePicker} id="mic-select" label="Microphone" devices=${pv.devices.mics}
            value=${pv.micId} onPick=${(id: string) => pv.setMic(id)} />
          <${DevicePicker} id="camera-select" label="Camera" devices=${pv.devices.cameras}
            value=${pv.cameraId} onPick=${(id: string) => pv.setCamera(id)} />
          <${DevicePicker} id="speaker-select" label="Speaker" devices=${pv.devices.speakers}
            value=${pv.speakerId} onPick=${(id: string) => pv.setSpeaker(id)} />
          <label class="check-row">
            <input id="camera" type="checkbox" checked=${s.withVideo}
              onChange=${(e: Event) => page.setVideo((e.target as HTMLInputElement).checked)} />
            Send video
          </label>
        </fieldset>
        <button id="join-button" type="submit" class="primary" disabled=${busy}
          onClick=${(e: MouseEvent) => clickedAt = e.timeStamp}>
          ${busy ? "Joining…" : "Join"}
        </button>
      </form>
    </div>
  </main>`;
}

function Tile(p: {
  m: MemberInfo;
  s: PageState;
  track?: MediaStreamTrack;
  self: boolean;
}): VNode {
  const { m, s } = p;
  const name = m.displayName ?? shortName(m.guardianId);
  const cls = ["tile", s.speaker === m.memberId ? "speaking" : "", m.muted ? "muted" : ""]
    .filter(Boolean).join(" ");
  const proof = proofOf(m, s.provenance[m.memberId]);
  return html`<li class=${cls} data-tile=${m.memberId} data-provenance=${proof.state}>
    ${
    p.track
      ? html`<${Video} track=${p.track} member=${
        p.self ? undefined : m.memberId
      } mirror=${p.self} />`
      : html`<div class="avatar" aria-hidden="true">${initials(name)}</div>`
  }
    <div class="label">
      <span class="name">${name}${p.self ? " (you)" : ""}</span>
      ${m.protocol !== "webrtc" && html`<span class="badge">${PROTOCOL[m.protocol]}</span>`}
      ${m.muted && html`<span class="badge muted-badge">Muted</span>`}
      <span class=${`badge proof-badge proof-${proof.state}`} title=${proof.why}>${
    proof.state === "verified" ? "Verified" : proof.state === "broken" ? "Broken" : "Unverified"
  }</span>
      ${s.speaker === m.memberId && html`<span class="sr-only">speaking</span>`}
    </div>
  </li>`;
}

function Member(p: { m: MemberInfo; s: PageState }): VNode {
  const { m, s } = p;
  const me = m.memberId === s.me;
  const db = s.levels[m.memberId] ?? -127;
  const pct = Math.max(0, Math.min(100, (db + 60) * 100 / 60));
  const cls = [s.speaker === m.memberId ? "speaking" : "", m.muted ? "muted" : ""]
    .filter(Boolean).join(" ");
  const proof = proofOf(m, s.provenance[m.memberId]);
  return html`
    <li data-member=${m.memberId} data-protocol=${m.protocol} class=${cls || undefined}
      data-provenance=${proof.state} data-provenance-at=${proof.at}>
        <span class="name">${m.displayName ?? shortName(m.guardianId)}${me ? " (you)" : ""}</span>
        <span class="protocol">${PROTOCOL[m.protocol] ?? m.protocol}</span>
        ${m.guest
          ? html`
            <span class="provenance guest"
              title="Admitted by the room's PIN; the name is what the caller claimed">Guest (PIN, unverified)</span>
          `
          : m.protocol === "webrtc"
          ? html`<span class="provenance" title="Admitted with the guardian's signed key">Signed key</span>`
          : null}
        <span class=${`proof proof-${proof.state}`} title=${proof.why}>${proof.label}</span>
        ${m.muted && html`<span class="state">Muted</span>`}
        ${s.speaker === m.memberId && html`<span class="state speaking-now">Speaking</span>`}
        <span class="level" aria-hidden="true"><span style=${`transform:scaleX(${
          pct / 100
        })`}></span></span>
      </li>
  `;
}

function VoteBox(p: { page: JoinPage; v: Vote }): VNode {
  const { v, page } = p;
  const counts = v.result
    ? Object.entries(v.result.counts).map(([o, n]) => `${o}: ${n}`).join(", ")
    : "";
  const status = v.result
    ? `Closed. ${v.result.winner ? `Carried: ${v.result.winner}` : "No majority"} (${counts}).`
    : v.mine
    ? `You voted ${v.mine}.`
    : "";
  return html`
    <div class="vote" data-vote=${v.voteId} data-closed=${v.result ? "" : undefined}>
      <p class="question">${v.question}</p>
      <div class="options" role="group" aria-label=${`Options: ${v.question}`}>
          ${v.options.map((o) =>
            html`
              <button type="button" disabled=${!!v.mine || !!v.result}
                aria-pressed=${v.mine === o ? "true" : undefined}
                onClick=${() => page.castBallot(v.voteId, o)}>${o}</button>
            `
          )}
        </div>
      <p class="status" aria-live="polite">${status}</p>
    </div>
  `;
}

function EvidenceForm(p: { page: JoinPage }): VNode {
  const title = useRef<HTMLInputElement>(null);
  const body = useRef<HTMLTextAreaElement>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (await p.page.postEvidence(title.current!.value, body.current!.value)) {
      title.current!.value = "";
      body.current!.value = "";
    }
  };
  return html`
    <form id="evidence-form" onSubmit=${submit} aria-label="Show evidence to the room">
      <label for="evidence-title">Title</label>
      <input id="evidence-title" ref=${title} required maxlength="200" />
      <label for="evidence-body">Text</label>
      <textarea id="evidence-body" ref=${body} rows="2" maxlength="16384"></textarea>
      <button type="submit" class="secondary">Show to the room</button>
    </form>
  `;
}

function Call(p: { page: JoinPage; s: PageState }): VNode {
  const { page, s } = p;
  const video = new Map(s.videos.map((v) => [v.memberId, v.track]));
  const own = page.media?.getVideoTracks()[0];
  return html`
    <main id="room-view" class="call">
      <section class="stage" aria-label=${`Room ${s.room}: video`}>
        <ul id="grid" class="grid" data-count=${Math.min(s.members.length, 9)}>
            ${s.members.map((m) => {
              const self = m.memberId === s.me;
              const track = self
                ? (own?.readyState === "live" ? own : undefined)
                : video.get(m.memberId);
              return html`<${Tile} key=${m.memberId} m=${m} s=${s} track=${track} self=${self} />`;
            })}
          </ul>
      </section>
      <div class="controls" role="toolbar" aria-label="Call controls">
        <button id="mute" type="button" aria-pressed=${String(s.muted)}
          aria-keyshortcuts=${MUTE_KEYS} title="Mute or unmute (M, or Ctrl+D)"
          class=${s.muted ? "toggled" : undefined} onClick=${() => page.toggleMute()}>
            ${s.muted ? "Unmute" : "Mute"}
          </button>
        <button id="leave" type="button" class="danger" onClick=${() => page.leave()}>Leave</button>
      </div>
      <aside class="side" aria-label="People, votes and evidence">
        <section aria-labelledby="people-title">
          <h2 id="people-title">People <span class="count">(${s.members.length})</span></h2>
          <ul id="members">
              ${s.members.map((m) => html`<${Member} key=${m.memberId} m=${m} s=${s} />`)}
            </ul>
        </section>
        <section aria-labelledby="votes-title">
            <h2 id="votes-title">Votes</h2>
            <div id="votes">
              ${s.votes.map((v) => html`<${VoteBox} key=${v.voteId} page=${page} v=${v} />`)}
            </div>
            ${s.votes.length === 0 && html`<p class="empty">No vote is open.</p>`}
          </section>
        <section aria-labelledby="evidence-title-h">
            <h2 id="evidence-title-h">Evidence</h2>
            <ul id="evidence">
              ${s.evidence.map((e) =>
                html`<li key=${e.id} data-evidence=${e.id}>
            ${
                  e.url
                    ? html`<a href=${e.url} rel="noopener noreferrer" target="_blank">${e.title}</a>`
                    : html`<strong>${e.title}</strong>`
                }<span class="by"> (${shortName(e.postedBy)}) </span>
            <div class="body">${e.body}</div>
          </li>`
              )}
            </ul>
            ${s.evidence.length === 0 && html`<p class="empty">Nothing shown yet.</p>`}
            <${EvidenceForm} page=${page} />
          </section>
      </aside>
    </main>
  `;
}

/** Seconds left until `deadline`, re-rendered every second while some are. */
function useSecondsLeft(deadline: number): number {
  const [, tick] = useReducer((n: number) => n + 1, 0);
  const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
  useEffect(() => {
    if (left === 0) return;
    // Next render when the whole seconds left change.
    const t = setTimeout(tick, (deadline - Date.now()) % 1000 || 1000);
    return () => clearTimeout(t);
  });
  return left;
}

/**
 * The room's call for consent to a recording: what is asked and why, the time
 * left (silence counts as a refusal), and the two answers.
 */
function ConsentPrompt(p: { page: JoinPage; ask: ConsentAsk }): VNode {
  const { page, ask } = p;
  const left = useSecondsLeft(ask.deadline);
  return html`
    <section id="consent" class="banner consent" role="alertdialog" aria-modal="false"
      aria-labelledby="consent-title" aria-describedby="consent-why">
      <h2 id="consent-title">Record this room?</h2>
      <p id="consent-why">
        ${ask.why.charAt(0).toUpperCase() + ask.why.slice(1)}. The room's audio is recorded only if
        every member agrees; not answering
        counts as a refusal.
      </p>
      <p class="consent-left" aria-live="off">${left > 0
        ? `${left} s left to answer`
        : "Time is up"}</p>
      <div class="banner-actions">
        <button type="button" id="consent-yes" class="primary" disabled=${ask.answering}
          onClick=${() => page.answerConsent(true)}>Allow recording</button>
        <button type="button" id="consent-no" class="secondary" disabled=${ask.answering}
          onClick=${() => page.answerConsent(false)}>Refuse</button>
      </div>
    </section>
  `;
}

export function App(p: { page: JoinPage }): VNode {
  const { page } = p;
  useChanges(page);
  const s = page.state;
  const clientState = page.client?.state ?? "idle";
  return html`<div class=${`app phase-${s.phase}`}>
    <header class="topbar">
      <h1>Council</h1>
      ${s.phase === "call" && html`<span class="room-name">${s.room}</span>`}
      ${
    s.phase === "call" && s.recording &&
    html`
      <span id="recording" class="recording"
        title="The room's audio is recorded with signed, witnessed provenance">Recording</span>
    `
  }
      ${
    s.phase === "call" && s.mixProof &&
    html`
      <span id="mix-proof" class=${`proof proof-${s.mixProof.state}`} data-provenance=${s.mixProof
        .state}
        title=${`What you hear: ${s.mixProof.reason}`}>Mix ${s.mixProof.state}</span>
    `
  }
      <p id="status" role="status" data-state=${clientState}>${s.status}</p>
    </header>
    <p id="error" role="alert">${s.error}</p>
    ${
    s.reconnectWhy && clientState === "reconnecting" &&
    html`<p class="banner warn" id="reconnect-why">Last attempt: ${s.reconnectWhy}</p>`
  }
    ${s.mediaWarning && html`<p class="banner warn" id="media-warning">${s.mediaWarning}</p>`}
    ${s.phase === "call" && s.consent && html`<${ConsentPrompt} page=${page} ask=${s.consent} />`}
    ${
    s.phase === "call" && s.consentNote &&
    html`
      <p class="banner note" id="consent-note" role="status">${s.consentNote}
        <button type="button" class="secondary" id="consent-note-dismiss"
          aria-label="Dismiss" onClick=${() => page.dismissConsentNote()}>Dismiss</button>
      </p>
    `
  }
    ${
    s.invitation &&
    html`
      <section id="invitation" class="banner invite" aria-labelledby="invitation-text">
        <p id="invitation-text" role="alert">
              <strong>The council is convened</strong> (${s.invitation.severity}): ${s.invitation
                .summary}
            </p>
        <div class="banner-actions">
          <button type="button" id="invitation-join" class="primary"
            onClick=${() => page.acceptInvitation()}>Join room ${s.invitation.room}</button>
          <button type="button" id="invitation-dismiss" class="secondary"
            onClick=${() => page.dismissInvitation()}>Dismiss</button>
        </div>
      </section>
    `
  }
    ${
    s.phase === "call"
      ? html`<${Call} page=${page} s=${s} />`
      : html`<${PreJoin} page=${page} s=${s} />`
  }
  </div>`;
}
