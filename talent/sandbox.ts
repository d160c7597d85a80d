// One candidate through the 25 checks (checks.ts): its package inspected, then run
// confined (sandbox_process.ts) against a sandbox Council of its own
// (sandbox_server.ts) through the one port it may use (wire_tap.ts), while an
// examiner agent in the same ESCALATE room talks to it, shows evidence, opens a vote,
// and the runner spoils its sockets and restarts the server. Whatever the candidate
// does, the run ends with 25 recorded results; the runner never throws for it.

import * as ed from "@noble/ed25519";
import { type Agent, connectAgent } from "../agent/mod.ts";
import { renderSpeech } from "../agent/speech.ts";
import { toBase64 } from "../witness/base64.ts";
import { CHECK_IDS, type CheckId, type CheckResult, piiIn } from "./checks.ts";
import type { AgentManifest } from "./manifest.ts";
import { inspectPackage } from "./package.ts";
import { CandidateProcess, DEFAULT_LIMITS, type Limits } from "./sandbox_process.ts";
import { SandboxServer } from "./sandbox_server.ts";
import { type Frame, WireTap } from "./wire_tap.ts";

export const SANDBOX_ROOM = "sandbox";
const EXAMINER = "if://guardian/talent-examiner";
/** A frame this loud is speech (the examiner's tone is about -16 dBov). */
const LOUD_DBOV = -40;

export interface SandboxReport {
  name: string;
  version: string;
  digest: string;
  manifest?: AgentManifest;
  startedAt: string;
  durationMs: number;
  results: CheckResult[];
  passed: number;
  resources: { peakRssMb: number; cpuSeconds: number; limits: Limits };
  violations: string[];
  /** The candidate's own output, last lines. */
  log: string[];
}

export interface SandboxOptions {
  limits?: Partial<Limits>;
  /** What a scout's listing said the package's digest is. */
  expectDigest?: string;
  /** Progress lines (default: none). */
  progress?: (msg: string) => void;
  /** Speech for the candidate's say(); default espeak-ng. */
  speak?: (text: string) => Promise<Int16Array>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(ms: number, probe: () => T | undefined | Promise<T | undefined>) {
  const end = performance.now() + ms;
  for (;;) {
    const v = await Promise.resolve(probe()).catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (performance.now() > end) return undefined;
    await sleep(100);
  }
}

/** A second of two tones at about -16 dBov: what the energy detectors call speech. */
function talkSpurt(): Int16Array {
  const pcm = new Int16Array(16000);
  for (let i = 0; i < pcm.length; i++) {
    pcm[i] = Math.round(
      4000 * Math.sin((2 * Math.PI * 440 * i) / 16000) +
        4000 * Math.sin((2 * Math.PI * 660 * i) / 16000),
    );
  }
  return pcm;
}

const loudAfter = (frames: Frame[], t: number) => frames.find((f) => f.t > t && f.dbov > LOUD_DBOV);
const lastLoud = (frames: Frame[]) => frames.findLast((f) => f.dbov > LOUD_DBOV);

/** The most items of `times` inside any window of `windowMs`. */
export function peakRate(times: number[], windowMs: number): number {
  let peak = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= windowMs) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
}

export async function runSandbox(dir: string, o: SandboxOptions = {}): Promise<SandboxReport> {
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const limits = { ...DEFAULT_LIMITS, ...o.limits };
  const progress = o.progress ?? (() => {});
  const results = new Map<CheckId, CheckResult>();
  const record = (id: CheckId, passed: boolean, detail: string) => {
    if (!results.has(id)) results.set(id, { id, passed, detail });
    progress(`${passed ? "pass" : "FAIL"} ${id}: ${detail}`);
  };
  const report = (
    extra: Partial<SandboxReport> & { name: string; version: string; digest: string },
  ): SandboxReport => {
    const all = CHECK_IDS.map((id) =>
      results.get(id) ?? { id, passed: false, detail: "not reached: an earlier step failed" }
    );
    return {
      startedAt,
      durationMs: Math.round(performance.now() - t0),
      results: all,
      passed: all.filter((r) => r.passed).length,
      resources: { peakRssMb: 0, cpuSeconds: 0, limits },
      violations: [],
      log: [],
      ...extra,
    };
  };

  // 1-3: the package, before anything of it runs.
  let manifest: AgentManifest;
  let digest: string;
  try {
    const inspected = await inspectPackage(dir, o.expectDigest);
    manifest = inspected.manifest;
    digest = inspected.digest;
    record("manifest.valid", true, `${manifest.name} ${manifest.version}`);
    record("package.entry", true, manifest.entry);
    record("package.digest", true, digest);
  } catch (err) {
    const why = (err as Error).message;
    const field = /^(\w+):/.exec(why)?.[1];
    const failed: CheckId = field === "entry"
      ? "package.entry"
      : field === "digest"
      ? "package.digest"
      : "manifest.valid";
    for (const id of ["manifest.valid", "package.entry", "package.digest"] as CheckId[]) {
      if (id === failed) record(id, false, why);
      else if (CHECK_IDS.indexOf(id) < CHECK_IDS.indexOf(failed)) record(id, true, "checked");
    }
    let name = dir.split("/").pop() ?? "unknown", version = "0.0.0";
    try {
      const m = JSON.parse(await Deno.readTextFile(`${dir}/council-agent.json`));
      if (typeof m.name === "string") name = m.name.slice(0, 64);
      if (typeof m.version === "string") version = m.version.slice(0, 40);
    } catch { /* no readable manifest: named after its directory */ }
    return report({ name, version, digest: "", violations: [why] });
  }

  const scratch = await Deno.makeTempDir({ prefix: "council-sandbox-" });
  const token = toBase64(crypto.getRandomValues(new Uint8Array(24))).replace(/[^A-Za-z0-9]/g, "x");
  const server = new SandboxServer({ dir: scratch, token });
  const tap = new WireTap(() => server.port);
  const candidateId = `if://guardian/talent-${manifest.name}`.slice(0, 78);
  const secretKey = ed.utils.randomSecretKey();
  const examinerKey = ed.utils.randomSecretKey();
  let examiner: Agent | undefined;
  let candidate: CandidateProcess | undefined;
  const speak = o.speak ?? ((text: string) => renderSpeech(text));
  const start = (key: Uint8Array) =>
    new CandidateProcess({
      packageDir: dir,
      entry: manifest.entry,
      url: `http://127.0.0.1:${tap.port}`,
      net: [`127.0.0.1:${tap.port}`],
      guardianId: candidateId,
      secretKey: key,
      room: SANDBOX_ROOM,
      callType: "ESCALATE",
      codecs: manifest.needs.codecs,
      limits,
      scratch,
      speak: manifest.needs.speech ? speak : undefined,
    });
  const members = async () =>
    (await server.api<{ members: { memberId: string; guardianId: string }[] }>(
      "GET",
      `/api/v1/rooms/${SANDBOX_ROOM}`,
    )).members.filter((m) => m.guardianId === candidateId);
  const isMember = async () => (await members()).length > 0 ? true : undefined;
  const burst = async (): Promise<number> => {
    await examiner!.play(talkSpurt());
    return performance.now();
  };
  const quiet = (ms: number) =>
    until(15_000, () => {
      const last = lastLoud(tap.sent);
      return !last || performance.now() - last.t > ms ? true : undefined;
    });
  let voteId = "", voteClosedAt = Infinity;

  try {
    progress(`sandbox server for ${manifest.name} ${manifest.version}`);
    await server.start();
    await server.api("POST", "/api/v1/rooms", { name: SANDBOX_ROOM, callType: "ESCALATE" });
    for (const [id, key] of [[EXAMINER, examinerKey], [candidateId, secretKey]] as const) {
      await server.api("POST", "/api/v1/guardians", {
        id,
        displayName: id.split("/").pop(),
        role: "agent",
        publicKey: toBase64(await ed.getPublicKeyAsync(key)),
        bandwidthKbps: 512,
      });
    }
    examiner = await connectAgent({
      url: server.url,
      guardianId: EXAMINER,
      secretKey: examinerKey,
      room: SANDBOX_ROOM,
      callType: "ESCALATE",
    });

    // 4-5: it loads and is admitted.
    candidate = start(secretKey);
    const running = candidate;
    let exitCode: number | undefined;
    running.exited.then((code) => (exitCode = code));
    // A candidate that died (or was killed) fails every check it did not reach, at once.
    const alive = () => {
      if (exitCode === undefined) return;
      const why = running.killedFor ? `killed: ${running.killedFor}` : `it exited with ${exitCode}`;
      throw new Stop(`not reached: ${why}`);
    };
    const first = await candidate.waitFor(["ready", "refused", "unloadable", "exit"], 20_000);
    if (first?.ev === "ready" || first?.ev === "refused") {
      record("entry.loads", true, `${Math.round(first.t - candidate.started)} ms`);
    } else {
      const why = first?.ev === "unloadable"
        ? String(first.message)
        : first?.ev === "exit"
        ? `the process exited (${first.code}) before loading: ${
          candidate.log.slice(-3).join(" | ")
        }`
        : "no word from the harness in 20 s";
      record("entry.loads", false, why.slice(0, 300));
    }
    if (first?.ev !== "ready") {
      record(
        "admit.valid_signature",
        false,
        first ? `${first.ev}: ${first.message ?? first.code ?? ""}` : "never joined",
      );
      throw new Stop();
    }
    const member = await until(15_000, isMember);
    record(
      "admit.valid_signature",
      member === true,
      member
        ? `member ${first.memberId} (${first.codec})`
        : "admitted but never listed in the room",
    );
    if (!member) throw new Stop();

    // 10-11: hears and answers; does not answer itself.
    alive();
    await quiet(1500);
    const began = performance.now();
    const ended = await burst();
    // From shortly after the spurt began: an energy detector may call a stall of the
    // examiner's own sending (a loaded host) the end of the spurt and answer early.
    const answer = await until(6_000, () => loudAfter(tap.sent, began + 300));
    const lead = answer ? Math.round(answer.t - ended) : 0;
    record(
      "hears.answers",
      answer !== undefined,
      !answer
        ? "silent for 6 s after the spurt ended"
        : lead >= 0
        ? `spoke ${lead} ms after the spurt ended`
        : `began answering ${-lead} ms before the spurt ended`,
    );
    if (answer) {
      // Its answer is over after 2 s without a loud frame (shorter gaps are its own
      // pauses, or frames arriving bunched from a stalled process).
      const over = await quiet(2000);
      const after = performance.now();
      await sleep(4000);
      const again = loudAfter(tap.sent, after);
      record(
        "no.self_hearing",
        over === true && !again,
        over !== true
          ? "it did not stop talking for 2 s within 15 s"
          : again
          ? `spoke again ${Math.round(again.t - after)} ms after its answer, unprompted`
          : "quiet for 4 s after its answer",
      );
    } else record("no.self_hearing", false, "not reached: it never answered");

    // 14: evidence.
    alive();
    const controlBefore = tap.opened.control;
    await server.api("POST", `/api/v1/rooms/${SANDBOX_ROOM}/evidence`, {
      kind: "text",
      title: "Sandbox dossier",
      body: "Lorem ipsum dolor sit amet. ".repeat(580),
    });
    await sleep(3000);
    const stayed = tap.opened.control === controlBefore && (await isMember()) === true;
    record("evidence.survives", stayed, stayed ? "still connected" : "lost its socket or its seat");

    // 16: a vote with a 5 s deadline.
    alive();
    const vote = await server.api<{ id: string }>("POST", `/api/v1/rooms/${SANDBOX_ROOM}/votes`, {
      question: "Proceed with the sandbox plan?",
      options: ["yes", "no"],
      deadlineSec: 5,
    });
    voteId = vote.id;
    const closed = await until(12_000, async () => {
      const v = await server.api<{ state: string; ballots: { guardianId: string }[] }>(
        "GET",
        `/api/v1/rooms/${SANDBOX_ROOM}/votes/${voteId}`,
      );
      return v.state === "closed" ? v : undefined;
    });
    voteClosedAt = performance.now();
    const mine = closed?.ballots.filter((b) => b.guardianId === candidateId).length ?? 0;
    record(
      "vote.one_ballot",
      mine === 1,
      closed ? `${mine} ballot(s) counted` : "the vote never closed",
    );

    // 19: malformed frames on its control socket.
    alive();
    const controlAt = tap.opened.control;
    const spoiled = tap.inject([
      "this is not JSON",
      JSON.stringify({ type: "no.such.type", id: 7 }),
      JSON.stringify({ type: "event", name: "member.joined" }),
      JSON.stringify({ type: "result", id: 987654, data: null }),
      JSON.stringify({ type: "event", name: "speaker", seq: "x", data: 5 }),
      "x".repeat(60 * 1024),
    ]);
    await sleep(1000);
    await quiet(1000);
    const spurt = await burst();
    const answered = await until(6_000, () => loudAfter(tap.sent, spurt));
    const intact = tap.opened.control === controlAt && (await isMember()) === true;
    record(
      "malformed.survives",
      spoiled > 0 && intact && answered !== undefined,
      spoiled === 0
        ? "no control socket to spoil"
        : !intact
        ? "its control socket or its seat was lost"
        : answered
        ? "still connected and answering"
        : "connected but no longer answering",
    );

    // 20-21: sockets cut.
    alive();
    const beforeControl = tap.opened.control;
    tap.drop("control");
    const back = await until(
      10_000,
      async () => tap.opened.control > beforeControl && (await isMember()) ? true : undefined,
    );
    record("socket.drop", back === true, back ? "resumed" : "not a member 10 s after the cut");
    const beforeMedia = tap.opened.media;
    const cut = performance.now();
    tap.drop("media");
    const flowing = await until(
      10_000,
      () =>
        tap.opened.media > beforeMedia && tap.sent.some((f) => f.t > cut + 200) ? true : undefined,
    );
    record(
      "media.drop",
      flowing === true,
      flowing ? "frames again" : "no frames 10 s after the cut",
    );

    // 22: the server restarts.
    alive();
    const restartAt = performance.now();
    await server.restart();
    const rejoined = await until(25_000, isMember);
    record(
      "server.restart",
      rejoined === true,
      rejoined
        ? `member again ${
          Math.round((performance.now() - restartAt) / 1000)
        } s after the restart began`
        : "not a member 25 s after the restart",
    );

    // 23: leaves on SIGTERM.
    alive();
    const leftFrom = performance.now();
    const stop = await candidate.stop();
    const saidLeave = tap.said.some((s) => s.t >= leftFrom && s.type === "leave");
    const gone = await until(5_000, async () => (await members()).length === 0 ? true : undefined);
    record(
      "leave.clean",
      stop.code === 0 && !stop.killed && saidLeave && gone === true,
      `exit ${stop.code} after ${Math.round(stop.ms)} ms${stop.killed ? " (killed)" : ""}, ${
        saidLeave ? "sent leave" : "no leave"
      }, ${gone ? "gone from the room" : "still listed"}`,
    );

    // 6: the same agent with a key Council does not know.
    const controlsBefore = tap.opened.control;
    const impostor = start(ed.utils.randomSecretKey());
    const refusal = await impostor.waitFor(["refused", "ready", "exit"], 15_000);
    const code = await Promise.race([impostor.exited, sleep(10_000).then(() => undefined)]);
    if (code === undefined) impostor.kill("still running 10 s after it was refused");
    await impostor.stop(1000);
    const tries = tap.opened.control - controlsBefore;
    const refused = refusal?.ev === "refused" && /INVALID_SIGNATURE/.test(String(refusal.message));
    record(
      "refuse.bad_signature",
      refused && code !== undefined && tries <= 3,
      refused
        ? `refused (${refusal!.message}); ${tries} connection(s); ${
          code === undefined ? "did not stop" : `exit ${code}`
        }`
        : `not refused: ${refusal?.ev ?? "no answer"}`,
    );
  } catch (err) {
    const why = err instanceof Stop ? err.message : `not reached: ${(err as Error).message}`;
    if (!(err instanceof Stop)) progress(`sandbox error: ${(err as Error).message}`);
    if (why) {
      for (const id of CHECK_IDS) {
        if (!results.has(id) && !AFTER_RUN.includes(id)) record(id, false, why.slice(0, 240));
      }
    }
  } finally {
    if (candidate) {
      const done = await Promise.race([candidate.exited, sleep(0).then(() => undefined)]);
      if (done === undefined) await candidate.stop(2000);
    }
    await examiner?.close().catch(() => {});
    await server.stop();
    await tap.close();
  }

  // What the whole run shows.
  judgeRun(record, tap, candidateId, voteId, voteClosedAt, manifest);
  const violations = candidate ? await candidate.violations() : [];
  if (candidate) {
    const over = candidate.killedFor;
    record(
      "limits.resources",
      !over,
      over ??
        `peak RSS ${Math.round(candidate.peakRssMb)} MB, CPU ${candidate.cpuSeconds.toFixed(1)} s`,
    );
    record(
      "contained.permissions",
      violations.length === 0,
      violations.length ? violations.slice(0, 5).join("; ") : "nothing beyond its grant",
    );
  }
  await Deno.remove(scratch, { recursive: true }).catch(() => {});
  return report({
    name: manifest.name,
    version: manifest.version,
    digest,
    manifest,
    resources: {
      peakRssMb: Math.round(candidate?.peakRssMb ?? 0),
      cpuSeconds: Number((candidate?.cpuSeconds ?? 0).toFixed(2)),
      limits,
    },
    violations,
    log: candidate?.log.slice(-40) ?? [],
  });
}

/** Ends a run early; its message, if any, is what the unreached checks record. */
class Stop extends Error {}

/** Checks judged from the whole run's record rather than a moment of it. */
const AFTER_RUN: CheckId[] = [
  "pii.admission",
  "pii.evidence",
  "media.frames",
  "flood.audio",
  "flood.control",
  "evidence.wellformed",
  "vote.none_after_deadline",
  "vote.no_refusals",
  "limits.resources",
  "contained.permissions",
];

function judgeRun(
  record: (id: CheckId, passed: boolean, detail: string) => void,
  tap: WireTap,
  candidateId: string,
  voteId: string,
  voteClosedAt: number,
  manifest: AgentManifest,
): void {
  const joins = tap.said.filter((s) => s.type === "join");
  const leaky = joins.filter((s) => {
    const a = s.data?.admission as Record<string, unknown> | undefined;
    return !a || a.pii !== false || a.guardianId !== candidateId;
  });
  record(
    "pii.admission",
    joins.length > 0 && leaky.length === 0,
    joins.length === 0
      ? "never asked to join"
      : leaky.length
      ? `${leaky.length} admission(s) with pii not false`
      : `${joins.length} admission(s), all pii: false`,
  );
  const posts = tap.said.filter((s) => s.type === "postEvidence");
  const pii = posts.map((s) =>
    piiIn(`${s.data?.title ?? ""} ${s.data?.body ?? ""} ${s.data?.url ?? ""}`)
  )
    .find((k) => k);
  record("pii.evidence", !pii, pii ? `posted ${pii}` : `${posts.length} item(s), no personal data`);

  const pcm = manifest.needs.codecs[0] === "L16";
  const bad = tap.sent.filter((f) => pcm ? f.bytes !== 640 : f.bytes < 1 || f.bytes > 1275);
  // Frames per second while it had a media socket: gaps over a second (a cut socket, a
  // restart) are not held against it.
  let active = 0;
  for (let i = 1; i < tap.sent.length; i++) {
    const gap = tap.sent[i].t - tap.sent[i - 1].t;
    if (gap < 1000) active += gap;
  }
  const rate = active > 0 ? (tap.sent.length - 1) / (active / 1000) : 0;
  record(
    "media.frames",
    tap.sent.length > 0 && bad.length === 0 && rate >= 40,
    tap.sent.length === 0
      ? "sent no audio"
      : bad.length
      ? `${bad.length} frame(s) of a wrong size`
      : `${tap.sent.length} frames, ${rate.toFixed(1)}/s while connected`,
  );
  // Council's own rule is 60 a second sustained; frames arrive here bunched when either
  // side stalls, so they are counted over 5 s windows, and Council closing the socket
  // for a flood (4429) fails it outright.
  const framePeak = peakRate(tap.sent.map((f) => f.t), 5000);
  const textOnMedia = tap.said.some((s) => s.type === "text-on-media");
  const closedForFlood = tap.said.some((s) => s.type === "media-closed:4429");
  record(
    "flood.audio",
    framePeak <= 300 && tap.dropped.frames === 0 && !textOnMedia && !closedForFlood,
    closedForFlood
      ? "Council closed its media socket for flooding (4429)"
      : textOnMedia
      ? "it sent text on the media socket"
      : `peak ${framePeak} frames in 5 s${
        tap.dropped.frames ? `, ${tap.dropped.frames} beyond the record` : ""
      }`,
  );
  const requests = tap.said.filter((s) => s.type !== "pong" && !s.type.startsWith("refused:"));
  const controlPeak = peakRate(requests.map((s) => s.t), 1000);
  record(
    "flood.control",
    controlPeak <= 20 && requests.length <= 300 && tap.dropped.said === 0,
    `${requests.length} request(s), peak ${controlPeak} in one second`,
  );
  const evidenceRefused = tap.said.filter((s) => s.type === "refused:postEvidence");
  record(
    "evidence.wellformed",
    evidenceRefused.length === 0,
    evidenceRefused.length
      ? `${evidenceRefused.length} item(s) refused: ${evidenceRefused[0].data?.message}`
      : `${posts.length} item(s), all accepted`,
  );
  const ballots = tap.said.filter((s) => s.type === "vote");
  const late = ballots.filter((s) => s.t > voteClosedAt);
  record(
    "vote.none_after_deadline",
    voteId !== "" && late.length === 0,
    voteId === ""
      ? "not reached: no vote was held"
      : late.length
      ? `${late.length} ballot(s) after the vote closed`
      : "none after the close",
  );
  const refused = tap.said.filter((s) => s.type === "refused:vote");
  record(
    "vote.no_refusals",
    voteId !== "" && refused.length === 0,
    voteId === ""
      ? "not reached: no vote was held"
      : refused.length
      ? `${refused.length} ballot(s) refused: ${refused[0].data?.code} ${refused[0].data?.message}`
      : `${ballots.length} ballot(s), none refused`,
  );
}
