// The agent leg for real (issue 27, docs/agent.md): the SDK (agent/) against a running
// server, with a SIP phone (SIPp signalling a signed dial-in, tests/_helpers/rtp_phone.ts
// speaking and listening on the RTP) in the same room. The phone hears the agent's
// speech (espeak-ng) and the agent the phone's, never itself; a control socket cut
// in the middle of the room's events loses none and repeats none; a bad signature,
// a reused ticket and bad frames are refused with their reasons.

import assert from "node:assert/strict";
import { type CouncilProcess, startCouncilProcess } from "../_helpers/council_process.ts";
import {
  addGuardian,
  api,
  OPERATOR,
  type TestGuardian,
  witnessed,
} from "../_helpers/council_api.ts";
import { runSipp, type SippRun } from "../_helpers/sipp.ts";
import { RtpPhone } from "../_helpers/rtp_phone.ts";
import { rms, speech, windowedCorrelation } from "../_helpers/audio.ts";
import { sleep, until } from "../_helpers/wait.ts";
import {
  type Agent,
  AgentError,
  connectAgent,
  type Numbered,
  renderSpeech,
  resample,
} from "../../agent/mod.ts";
import { signAdmission } from "../../agent/sign.ts";

const ROOM = "main";
const PHRASE = "The council hears the agent speaking clearly now.";

function agentOf(council: CouncilProcess, g: TestGuardian, url = council.url): Promise<Agent> {
  return connectAgent({ url, guardianId: g.id, secretKey: g.secret, room: ROOM });
}

/** Everything the agent hears, with arrival times, as one PCM stream. */
function ear(agent: Agent) {
  const frames: { at: number; pcm: Int16Array }[] = [];
  agent.onAudio((f) => frames.push({ at: performance.now(), pcm: f as Int16Array }));
  return {
    frames,
    since(t: number): Int16Array {
      const parts = frames.filter((f) => f.at >= t).map((f) => f.pcm);
      const out = new Int16Array(parts.length * 320);
      parts.forEach((p, i) => out.set(p, i * 320));
      return out;
    },
  };
}

/** A SIP phone dialling the room with a signed token: SIPp signals, `phone` has the RTP. */
function dialIn(council: CouncilProcess, token: string, phone: RtpPhone, scenario: string) {
  return runSipp({
    scenario,
    target: `127.0.0.1:${council.sipPort}`,
    inject: ["SEQUENTIAL", `${ROOM};${token};${phone.port}`],
    extra: ["-d", "60000"],
    timeoutS: 90,
  });
}

/** Council's RTP port for the leg whose peer is `phone`, once the call is up. */
async function councilPort(council: CouncilProcess, phone: RtpPhone): Promise<number> {
  return await until("the phone's leg", async () => {
    const { legs } = (await api(council.url, "GET", "/api/v1/media/legs")).body as {
      legs: { port: number; signalled: { port: number } | null }[];
    };
    return legs.find((l) => l.signalled?.port === phone.port)?.port;
  }, 30_000);
}

/**
 * A server, an agent "ada" joined with `codec`, and a PCMA phone "phil" dialled in by
 * SIPp: both in the room, the agent told of the phone, the room listing both. Runs
 * `fn`, then stops everything.
 */
async function withAgentAndPhone(
  codec: "L16" | "opus",
  fn: (
    s: { council: CouncilProcess; agent: Agent; phone: RtpPhone; port: number },
  ) => Promise<void>,
): Promise<void> {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR }, {
    timeoutMs: 60_000,
  });
  const phone = new RtpPhone("PCMA", 8, 16000);
  let agent: Agent | undefined;
  let sipp: Promise<SippRun> | undefined;
  try {
    const ada = await addGuardian(council.url, "ada");
    const phil = await addGuardian(council.url, "phil");
    agent = await connectAgent({
      url: council.url,
      guardianId: ada.id,
      secretKey: ada.secret,
      room: ROOM,
      codecs: [codec],
    });
    assert.equal(agent.codec, codec);
    const joined: string[] = [];
    agent.on("member.joined", (m) => joined.push(m.protocol));
    sipp = dialIn(council, await phil.token(ROOM), phone, "production_call.xml");
    const port = await councilPort(council, phone);
    await until("the agent is told the phone joined", () => joined.includes("sip"));
    const members = (await api(council.url, "GET", `/api/v1/rooms/${ROOM}`)).body as {
      members: { protocol: string; codec: string }[];
    };
    assert.deepEqual(members.members.map((m) => `${m.protocol}/${m.codec}`).sort(), [
      `agent/${codec}`,
      "sip/PCMA",
    ]);
    await fn({ council, agent, phone, port });
  } finally {
    await agent?.close();
    phone.close();
    await council.stop();
    await sipp?.catch(() => {});
  }
}

Deno.test({
  name: "agent leg: a SIP phone hears the agent's speech, the agent hears the phone, never itself",
  sanitizeResources: false,
  sanitizeOps: false,
}, () =>
  withAgentAndPhone("L16", async ({ agent, phone, port }) => {
    const heard = ear(agent);
    // The phone speaks: the agent hears it (the fixture, correlated at 16 kHz).
    const talk = await speech(1, 8000);
    const t0 = performance.now();
    await phone.play(port, talk);
    await sleep(600);
    const agentHeard = heard.since(t0);
    const phoneSpeech = resample(talk, 8000, 16000);
    const c1 = windowedCorrelation(phoneSpeech, agentHeard, 1600, 16000);
    assert.ok(c1.value > 0.6, `the agent heard the phone: correlation ${c1.value.toFixed(2)}`);

    // The agent speaks (espeak-ng's rendering, streamed): the phone hears it; the agent
    // hears nothing of itself.
    const said = await renderSpeech(PHRASE);
    const t1 = performance.now();
    await agent.play(said);
    await sleep(600);
    const own = heard.since(t1);
    assert.ok(own.length > 16000, "the agent kept hearing the mix while it spoke");
    assert.ok(rms(own) < 50, `the agent heard itself: rms ${rms(own).toFixed(0)}`);
    const atPhone = phone.decodeReceived(16000, undefined, t1);
    assert.ok(rms(atPhone) > 300, `the phone heard the agent: rms ${rms(atPhone).toFixed(0)}`);
    // G.711 keeps the speech band: the rendering, low-passed by the phone's codec, is there.
    const c2 = windowedCorrelation(said, atPhone, 3200, 16000);
    assert.ok(c2.value > 0.6, `the phone heard the agent: correlation ${c2.value.toFixed(2)}`);

    // Muted, the agent is out of the mix: the phone hears silence while it speaks.
    assert.deepEqual(await agent.mute(true), { muted: true });
    const t2 = performance.now();
    await agent.say("This should not be heard.");
    await sleep(400);
    assert.ok(rms(phone.decodeReceived(16000, undefined, t2)) < 50, "a muted agent was heard");
    await agent.mute(false);
  }));

Deno.test({
  name: "agent leg over Opus: say() is encoded to 20 ms Opus packets and a SIP phone hears it",
  sanitizeResources: false,
  sanitizeOps: false,
}, () =>
  withAgentAndPhone("opus", async ({ agent, phone, port }) => {
    // The phone sends too (a leg that sends nothing is not a call), silence here.
    const quiet = phone.play(port, new Int16Array(8000 * 6));
    const said = await renderSpeech(PHRASE);
    const t1 = performance.now();
    await agent.say(PHRASE);
    await sleep(600);
    const atPhone = phone.decodeReceived(16000, undefined, t1);
    assert.ok(rms(atPhone) > 300, `the phone heard the agent: rms ${rms(atPhone).toFixed(0)}`);
    const c = windowedCorrelation(said, atPhone, 3200, 16000);
    assert.ok(
      c.value > 0.6,
      `the phone heard the agent's words: correlation ${c.value.toFixed(2)}`,
    );
    await quiet;
  }));

/** A TCP relay the test can cut: every connection through it is dropped at once. */
function relay(to: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  (async () => {
    for await (const inbound of listener) {
      const outbound = await Deno.connect({ hostname: "127.0.0.1", port: to });
      open.add(inbound);
      open.add(outbound);
      const pipe = (a: Deno.Conn, b: Deno.Conn) =>
        a.readable.pipeTo(b.writable).catch(() => {}).finally(() => {
          open.delete(a);
          try {
            b.close();
          } catch { /* closed */ }
        });
      pipe(inbound, outbound);
      pipe(outbound, inbound);
    }
  })().catch(() => {});
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    cut() {
      for (const c of open) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      open.clear();
    },
    close() {
      this.cut();
      listener.close();
    },
  };
}

Deno.test({
  name: "agent leg: a lost control socket resumes with every event once; refusals are explained",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR }, {
    timeoutMs: 60_000,
  });
  const port = Number(new URL(council.url).port);
  const cutter = relay(port);
  const agents: Agent[] = [];
  try {
    const [ada, bea, cid] = await Promise.all(
      ["ada", "bea", "cid"].map((n) => addGuardian(council.url, n)),
    );
    const a = await agentOf(council, ada, cutter.url);
    agents.push(a);
    const seen: Numbered[] = [];
    a.on("any", (_d, e) => seen.push(e));
    const states: string[] = [];
    a.onState((s) => states.push(s));

    // Events while the socket is up, while it is cut, and after: evidence from the API.
    const post = async (title: string) => {
      const r = await api(council.url, "POST", `/api/v1/rooms/${ROOM}/evidence`, {
        kind: "text",
        title,
        body: "x",
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    };
    await post("before");
    await until("the first event", () => seen.length >= 1);
    cutter.cut();
    for (const t of ["during-1", "during-2", "during-3"]) await post(t);
    agents.push(await agentOf(council, bea));
    await until("resumed", () => states.includes("resumed"), 30_000);
    await post("after");
    await until("every event", () => seen.filter((e) => e.name === "evidence.shown").length >= 5);
    const titles = seen.filter((e) => e.name === "evidence.shown").map((e) =>
      (e.data as { title: string }).title
    );
    assert.deepEqual(titles, ["before", "during-1", "during-2", "during-3", "after"]);
    // Numbered from 1 without a gap or a repeat.
    assert.deepEqual(seen.map((e) => e.seq), seen.map((_, i) => i + 1));
    assert.ok(seen.some((e) => e.name === "member.joined"), "bea's join while cut arrived");
    assert.ok(!states.includes("rejoined"), "the seat was kept, not taken again");
    assert.ok((await witnessed(council.url, "agent.member.resumed")).length >= 1);

    // A vote: the agent's signed ballot counts; a second is refused as a duplicate.
    const opened = await api(council.url, "POST", `/api/v1/rooms/${ROOM}/votes`, {
      question: "Proceed?",
      options: ["yes", "no"],
      deadlineSec: 60,
    });
    const voteId = (opened.body as { id: string }).id;
    await until("vote.opened", () => seen.some((e) => e.name === "vote.opened"));
    assert.equal((await a.vote(voteId, "yes")).voteId, voteId);
    await assert.rejects(a.vote(voteId, "no"), /DUPLICATE/);

    // A bad signature: refused by guard, nothing joined.
    await assert.rejects(
      connectAgent({ url: council.url, guardianId: cid.id, secretKey: ada.secret, room: ROOM }),
      (err) => err instanceof AgentError && /REJECTED: INVALID_SIGNATURE/.test(err.message),
    );

    // A raw agent socket: a ticket works once; a reused one and bad frames are refused.
    const ws = new WebSocket(`${council.url.replace("http", "ws")}/ws`);
    const answers: Record<string, unknown>[] = [];
    ws.onmessage = (e) => answers.push(JSON.parse(e.data));
    await new Promise((r) => ws.onopen = r);
    ws.send(JSON.stringify({ type: "hello", id: 1, version: 1, mode: "agent" }));
    const admission = await signAdmission({
      guardianId: cid.id,
      room: ROOM,
      callType: "ROUTINE",
      bandwidthKbps: 300,
      codecs: ["L16"],
      pii: false,
    }, cid.secret);
    ws.send(JSON.stringify({ type: "join", id: 2, room: ROOM, admission }));
    const joined = await until("join answer", () => answers.find((m) => m.id === 2));
    assert.equal(joined.type, "result", JSON.stringify(joined));
    const media = (joined.data as { media: { url: string; ticket: string; frameBytes: number } })
      .media;
    assert.equal(media.frameBytes, 640);
    const open = (ticket: string) => {
      const s = new WebSocket(`${media.url}?ticket=${ticket}`);
      let notice: { code: number; reason: string } | undefined;
      s.onmessage = (e) => {
        if (typeof e.data === "string") notice = JSON.parse(e.data);
      };
      const closed = new Promise<{ code: number; reason: string }>((r) =>
        s.onclose = (e) => r(e.code >= 1000 && e.code !== 1006 ? e : notice!)
      );
      return { s, closed, opened: new Promise((r) => s.onopen = r) };
    };
    const first = open(media.ticket);
    await first.opened;
    const again = open(media.ticket);
    const refused = await again.closed;
    assert.equal(refused.code, 4401);
    assert.equal(refused.reason, "ticket refused: unknown, used or expired");
    first.s.send(new Uint8Array(100));
    const bad = await first.closed;
    assert.equal(bad.code, 4400);
    assert.match(bad.reason, /frame of 100 bytes: PCM frames are 640 bytes/);
    // A new ticket over the control socket reconnects the media.
    ws.send(JSON.stringify({ type: "media", id: 3 }));
    const renewed = await until("media answer", () => answers.find((m) => m.id === 3));
    const third = open((renewed.data as { ticket: string }).ticket);
    await third.opened;
    third.s.close();
    ws.close();
    const workers = (await api(council.url, "GET", "/api/v1/media")).body as {
      workers: { agents?: { refusedTickets: number; badFrames: number } }[];
    };
    const counted = workers.workers.map((w) => w.agents).filter((x) => x !== undefined);
    assert.ok(
      counted.some((c) => c!.refusedTickets >= 1 && c!.badFrames >= 1),
      JSON.stringify(counted),
    );
  } finally {
    for (const a of agents) await a.close();
    cutter.close();
    await council.stop();
  }
});

Deno.test({
  name: "agent leg: a phone that offers L16/16000 gets it, and the agent hears it",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR }, {
    timeoutMs: 60_000,
  });
  const phone = new RtpPhone("L16", 96, 16000);
  let agent: Agent | undefined;
  let sipp: Promise<SippRun> | undefined;
  try {
    const [ada, lin] = await Promise.all(["ada", "lin"].map((n) => addGuardian(council.url, n)));
    agent = await agentOf(council, ada);
    const heard = ear(agent);
    sipp = dialIn(
      council,
      await lin.token(ROOM, { bandwidthKbps: 300, codecs: ["L16"] }),
      phone,
      "l16_call.xml",
    );
    const port = await councilPort(council, phone);
    const talk = await speech(2, 16000);
    const t0 = performance.now();
    await phone.play(port, talk);
    await sleep(600);
    const c = windowedCorrelation(talk, heard.since(t0), 1600, 16000);
    assert.ok(c.value > 0.8, `the agent heard the L16 phone: correlation ${c.value.toFixed(2)}`);
    await agent.say("Linear sixteen.");
    await until(
      "the phone got L16 back",
      () => phone.received.some((r) => r.pt === 96 && r.payload.length === 640),
    );
  } finally {
    await agent?.close();
    phone.close();
    await council.stop();
    await sipp?.catch(() => {});
  }
});
