// Recordings that can be proven (issue 26): a baresip phone talks in a room, an
// operator records it with the CLI, downloads the file, and `council provenance
// verify` proves it offline against the witness key alone; the audio is the phone's
// speech. Then the attacks: two frames swapped, one byte changed, the wrong witness
// key, a media key the witness never bound: each is refused, naming the first bad
// frame where there is one. A cut keeps a span provable. The policy can forbid
// recording ESCALATE rooms, and an empty room has nothing to record. The same room
// recorded as Ogg Opus is proven too, and Debian's ffmpeg decodes it. With the
// policy's requireConsent, members are asked: all consent and it records; one
// refuses and nothing is.

import assert from "node:assert/strict";
import { cliFor, runDeno, startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR, witnessed } from "../_helpers/council_api.ts";
import { runBaresip } from "../_helpers/baresip.ts";
import { bestCorrelation, speech } from "../_helpers/audio.ts";
import { tempDir } from "../_helpers/temp.ts";
import { FRAME_BYTES } from "../../provenance/wav.ts";
import { readProvenance, recordingFile } from "../../provenance/recording_file.ts";
import { joinWs, type WsMember } from "../_helpers/ws_member.ts";
import { type Agent, connectAgent } from "../../agent/mod.ts";

const until = async (what: string, fn: () => Promise<boolean>, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

Deno.test({
  name: "recordings: a phone's speech recorded, downloaded and proven offline; tampering named",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
    const dir = tempDir("council-recording-");
    try {
      const cli = cliFor(council.url, OPERATOR);
      const provenance = (...args: string[]) =>
        runDeno("cli/main.ts", ["provenance", ...args], { COUNCIL_KV_PATH: ":memory:" });
      const { verifierKey } = (await api(council.url, "GET", "/api/v1/witness/key")).body as {
        verifierKey: string;
      };

      // Nobody in the room: nothing to record.
      const empty = await cli("recordings", "start", "main");
      assert.equal(empty.code, 1);
      assert.match(empty.stderr, /nobody is in main/);

      // A phone talks: its speech five times over, 15 s.
      await addGuardian(council.url, "alice", { sipPassword: "alice-password-1" });
      const said = await speech(1, 8000);
      // Long enough for both recordings: baresip hangs up when its file ends.
      const say = new Int16Array(said.length * 5);
      for (let i = 0; i < 5; i++) say.set(said, i * said.length);
      const phone = runBaresip({
        sipPort: council.sipPort,
        user: "alice",
        password: "alice-password-1",
        room: "main",
        say,
        seconds: 17,
      });
      await until("the phone in the room", async () => {
        const r = await api(council.url, "GET", "/api/v1/rooms/main");
        return r.status === 200 && (r.body as { members: unknown[] }).members.length === 1;
      });
      const started = await cli("recordings", "start", "main", "--json");
      assert.equal(started.code, 0, started.stderr);
      const id = JSON.parse(started.stdout).id as string;
      // A second recording of the same room is refused while the first runs.
      assert.equal((await cli("recordings", "start", "main")).code, 1);
      await until("3 s recorded", async () => {
        const heads = (await api(council.url, "GET", `/api/v1/recordings/${id}`)).body;
        return (heads as { state: string }).state === "recording" &&
          Date.now() - Date.parse((heads as { startedAt: string }).startedAt) > 3000;
      });
      const stopped = await cli("recordings", "stop", id, "--json");
      assert.equal(stopped.code, 0, stopped.stderr);
      const info = JSON.parse(stopped.stdout);
      assert.equal(info.state, "stopped");
      assert.ok(info.frames >= 140, `frames ${info.frames}`);
      const file = `${dir}/${id}.wav`;
      const dl = await cli("recordings", "download", id, "--out", file);
      assert.equal(dl.code, 0, dl.stderr);

      // The same room as Ogg Opus, while the phone still talks: proven, and ffmpeg plays it.
      const ogg = await cli("recordings", "start", "main", "--format", "ogg", "--json");
      assert.equal(ogg.code, 0, ogg.stderr);
      const oggId = JSON.parse(ogg.stdout).id as string;
      assert.equal(JSON.parse(ogg.stdout).format, "ogg");
      await new Promise((r) => setTimeout(r, 2000));
      const oggInfo = JSON.parse((await cli("recordings", "stop", oggId, "--json")).stdout);
      assert.ok(oggInfo.frames >= 90, `ogg frames ${oggInfo.frames}`);
      const oggDl = await cli("recordings", "download", oggId);
      assert.equal(oggDl.code, 0, oggDl.stderr);
      const oggFile = `${oggId}.opus`; // the CLI names it by its format, in the working directory
      try {
        const oggOk = await provenance("verify", oggFile, "--key", verifierKey, "--json");
        assert.equal(oggOk.code, 0, oggOk.stdout + oggOk.stderr);
        assert.equal(JSON.parse(oggOk.stdout).frames, oggInfo.frames);
        const decoded = await new Deno.Command("ffmpeg", {
          args: ["-v", "error", "-i", oggFile, "-f", "s16le", "-ac", "1", "-ar", "16000", "-"],
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert.equal(decoded.code, 0, new TextDecoder().decode(decoded.stderr));
        // Every frame decodes: 640 bytes of 16 kHz PCM each (the pre-skip trimmed).
        const expected = oggInfo.frames * 640;
        assert.ok(
          Math.abs(decoded.stdout.length - expected) <= 640,
          `${decoded.stdout.length} bytes decoded, ${expected} recorded`,
        );
      } finally {
        await Deno.remove(oggFile).catch(() => {});
      }
      await phone;

      // Proven offline, from the witness key alone.
      const ok = await provenance("verify", file, "--key", verifierKey);
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, new RegExp(`PROVEN: ${id} of room main`));
      // And it is the phone's speech: a second of it is found in what the phone said.
      const bytes = await Deno.readFile(file);
      const { frames: pcmFrames, prov } = readProvenance(bytes);
      const pcm = new Uint8Array(pcmFrames.flatMap((f) => [...f]));
      assert.equal(prov.frames, info.frames);
      const rec16 = new Int16Array(pcm.slice().buffer);
      const rec8 = new Int16Array(Math.floor(rec16.length / 2)).map((_, i) => rec16[2 * i]);
      const chunk = rec8.subarray(8000, 16000);
      const c = bestCorrelation(chunk, say, say.length - chunk.length);
      assert.ok(c.value > 0.6, `recording vs speech correlation ${c.value}`);

      // Attacks on the file, each named.
      const variant = async (name: string, change: (b: Uint8Array) => Uint8Array) => {
        const path = `${dir}/${name}.wav`;
        await Deno.writeFile(path, change(bytes.slice()));
        return await provenance("verify", path, "--key", verifierKey, "--json");
      };
      const frameAt = 44;
      const swapped = await variant("swapped", (b) => {
        const [x, y] = [60, 61].map((i) => frameAt + i * FRAME_BYTES);
        const tmp = b.slice(x, x + FRAME_BYTES);
        b.copyWithin(x, y, y + FRAME_BYTES);
        b.set(tmp, y);
        return b;
      });
      assert.equal(swapped.code, 1);
      assert.equal(JSON.parse(swapped.stdout).firstBadFrame, 60);
      const altered = await variant("altered", (b) => {
        b[frameAt + 100 * FRAME_BYTES + 7] ^= 1;
        return b;
      });
      assert.equal(altered.code, 1);
      assert.equal(JSON.parse(altered.stdout).firstBadFrame, 100);
      assert.deepEqual(JSON.parse(altered.stdout).proven, [0, 99]);
      // Another log's key: the anchors prove nothing.
      const other = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
      const otherKey = ((await api(other.url, "GET", "/api/v1/witness/key")).body as {
        verifierKey: string;
      }).verifierKey;
      assert.equal(await other.stop(), 0);
      const wrongKey = await provenance("verify", file, "--key", otherKey);
      assert.equal(wrongKey.code, 1);
      assert.match(wrongKey.stdout, /not the trusted key/);
      // A media key of the attacker's, re-signing everything: not bound by the witness.
      const { frames: f0, prov: forgedProv } = readProvenance(bytes);
      forgedProv.mediaKey = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)));
      const p0 = new Uint8Array(f0.flatMap((f) => [...f]));
      await Deno.writeFile(`${dir}/rekeyed.wav`, recordingFile(p0, forgedProv));
      const rekeyed = await provenance("verify", `${dir}/rekeyed.wav`, "--key", verifierKey);
      assert.equal(rekeyed.code, 1);
      assert.match(rekeyed.stdout, /not bound to Council/);

      // A cut from 1 s to 2 s stays provable on its own.
      const cut = await provenance(
        "cut",
        file,
        "--from",
        "1",
        "--to",
        "2",
        "--out",
        `${dir}/cut.wav`,
      );
      assert.equal(cut.code, 0, cut.stderr);
      const cutOk = await provenance("verify", `${dir}/cut.wav`, "--key", verifierKey, "--json");
      assert.equal(cutOk.code, 0, cutOk.stdout);
      const cutReport = JSON.parse(cutOk.stdout);
      assert.deepEqual(cutReport.proven, [50, 124]);

      // Listed, with the witness holding its start and end.
      const list = await cli("recordings", "list");
      assert.match(list.stdout, new RegExp(`${id}  main  stopped`));
      const entries = (await api(council.url, "GET", "/api/v1/witness/entries?start=0&end=100"))
        .body as { entries: { type: string; payload: Record<string, unknown> }[] };
      const types = entries.entries.map((e) => e.type);
      for (const t of ["provenance.key", "provenance.recording_started", "provenance.recording"]) {
        assert.ok(types.includes(t), `${t} in ${types}`);
      }
    } finally {
      assert.equal(await council.stop(), 0);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "recordings: the policy can forbid recording ESCALATE rooms",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = tempDir("council-recording-policy-");
    const policy = `${dir}/policy.json`;
    await Deno.writeTextFile(
      policy,
      JSON.stringify({
        version: "no-escalate-recordings",
        recording: { forbidCallTypes: ["ESCALATE"] },
      }),
    );
    const council = await startCouncilProcess({
      COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
      COUNCIL_GUARD_POLICY_FILE: policy,
    });
    try {
      const room = await api(council.url, "POST", "/api/v1/rooms", {
        name: "war-room",
        callType: "ESCALATE",
      });
      assert.equal(room.status, 201, JSON.stringify(room.body));
      const r = await api(council.url, "POST", "/api/v1/recordings", { room: "war-room" });
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.match(JSON.stringify(r.body), /forbids recording ESCALATE rooms/);
    } finally {
      assert.equal(await council.stop(), 0);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name:
    "recordings: with requireConsent every member is asked; one refusal and nothing is recorded",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const policyFile = Deno.makeTempFileSync({ prefix: "council-consent-", suffix: ".json" });
    Deno.writeTextFileSync(
      policyFile,
      JSON.stringify({ version: "consent", recording: { requireConsent: true } }),
    );
    const council = await startCouncilProcess({
      COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
      COUNCIL_GUARD_POLICY_FILE: policyFile,
    });
    const members: WsMember[] = [];
    let agent: Agent | undefined;
    try {
      const [alice, bob, ada] = await Promise.all(
        ["alice", "bob", "ada"].map((n) => addGuardian(council.url, n)),
      );
      for (const g of [alice, bob]) members.push(await joinWs(council, g, "main"));
      const [a, b] = members;
      // An AI guardian in the room is asked too, and answers through the SDK.
      agent = await connectAgent({
        url: council.url,
        guardianId: ada.id,
        secretKey: ada.secret,
        room: "main",
      });
      const agentAsked: string[] = [];
      agent.on("recording.consent", (d: { recordingId: string }) => agentAsked.push(d.recordingId));
      await assert.rejects(agent.consent(true), /OUT_OF_ORDER/, "nothing asks yet");
      const answer = async (m: WsMember, id: number, consent: boolean) => {
        m.send({ type: "consent", id, consent });
        return await m.answer(id);
      };
      // Nothing asks yet: a consent is out of order.
      assert.equal((await answer(a, 90, true)).code, "OUT_OF_ORDER");

      const start = async () => {
        const r = await api(council.url, "POST", "/api/v1/recordings", { room: "main" });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        return r.body as { id: string; state: string };
      };
      const state = async (
        id: string,
      ) => ((await api(council.url, "GET", `/api/v1/recordings/${id}`)).body as {
        state: string;
        reason?: string;
      });
      const first = await start();
      assert.equal(first.state, "awaiting-consent");
      await until(
        "both asked",
        () => Promise.resolve(members.every((m) => m.events("recording.consent").length === 1)),
      );
      assert.equal(((await answer(a, 91, true)).data as { consent: string }).consent, "consented");
      assert.equal((await state(first.id)).state, "awaiting-consent");
      assert.equal(((await answer(b, 92, true)).data as { consent: string }).consent, "consented");
      await until("the agent asked", () => Promise.resolve(agentAsked.includes(first.id)));
      assert.equal((await state(first.id)).state, "awaiting-consent", "the agent has not answered");
      assert.equal(await agent.consent(true), "consented");
      await until("recording", async () => (await state(first.id)).state === "recording");
      await until(
        "told",
        () => Promise.resolve(members.every((m) => m.events("recording.started").length === 1)),
      );
      const stopped = await api(council.url, "POST", `/api/v1/recordings/${first.id}/stop`);
      assert.equal((stopped.body as { state: string }).state, "stopped");

      // Bob refuses the next one: it never records, and says who refused.
      const second = await start();
      await until(
        "asked again",
        () => Promise.resolve(members.every((m) => m.events("recording.consent").length === 2)),
      );
      assert.equal(((await answer(b, 93, false)).data as { consent: string }).consent, "refused");
      await until("refused", async () => (await state(second.id)).state === "refused");
      assert.match((await state(second.id)).reason!, /bob refused to be recorded/);
      await until(
        "told of the refusal",
        () => Promise.resolve(members.every((m) => m.events("recording.refused").length === 1)),
      );
      const file = await api(council.url, "GET", `/api/v1/recordings/${second.id}/file`);
      assert.equal(file.status, 409);
      // Witnessed: who was asked, each answer, the refusal.
      const count = async (type: string) => (await witnessed(council.url, type)).length;
      assert.equal(await count("provenance.consent_asked"), 2);
      assert.equal(await count("provenance.consent"), 4);
      assert.equal(await count("provenance.consent_refused"), 1);
    } finally {
      await agent?.close();
      for (const m of members) await m.close();
      assert.equal(await council.stop(), 0);
      await Deno.remove(policyFile).catch(() => {});
    }
  },
});
