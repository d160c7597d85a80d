// Broadcast feeds over SRT, with Debian's ffmpeg (built with libsrt) at both far
// ends (issue 26): an operator adds a program output and an ingest with the CLI
// (--transport srt); ffmpeg listens for the room's mix (srt://...?mode=listener, raw
// 16 kHz PCM) and calls the ingest with speech; what ffmpeg records is that speech.
// An NDI feed, on this host without the NDI runtime, is refused saying what is
// missing (API and CLI).

import assert from "node:assert/strict";
import { cliFor, startCouncilProcess } from "../_helpers/council_process.ts";
import { api, OPERATOR } from "../_helpers/council_api.ts";
import { readWavPcm, writeWav } from "../_helpers/baresip.ts";
import { bestCorrelation, speech } from "../_helpers/audio.ts";
import { freeUdpPort } from "../_helpers/sipp.ts";
import { tempDir } from "../_helpers/temp.ts";
import { ffmpeg } from "../_helpers/ffmpeg.ts";

const RAW = ["-f", "s16le", "-ar", "16000", "-ac", "1"];

Deno.test({
  name: "feeds: ffmpeg calls an SRT ingest with speech and records the room's mix over SRT",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
    const dir = tempDir("council-feeds-srt-");
    try {
      const cli = cliFor(council.url, OPERATOR);

      // NDI: the runtime is not on this host; the API and the CLI say so.
      const ndi = await api(council.url, "POST", "/api/v1/feeds", {
        room: "studio",
        name: "ndi",
        direction: "out",
        transport: "ndi",
        target: "127.0.0.1:9",
      });
      assert.equal(ndi.status, 503, JSON.stringify(ndi.body));
      assert.match(JSON.stringify(ndi.body), /UNAVAILABLE.*NDI runtime is not installed/);
      const ndiCli = await cli(
        "feeds",
        "add",
        "studio",
        "--name",
        "ndi",
        "--out",
        "127.0.0.1:9",
        "--transport",
        "ndi",
      );
      assert.equal(ndiCli.code, 1);
      assert.match(ndiCli.stderr, /NDI runtime is not installed on this host/);
      // An SRT feed names no codec: its audio is raw PCM.
      const codec = await api(council.url, "POST", "/api/v1/feeds", {
        room: "studio",
        name: "x",
        direction: "out",
        transport: "srt",
        codec: "opus",
        target: "127.0.0.1:9",
      });
      assert.equal(codec.status, 400);

      // The program output: ffmpeg listens, Council calls it.
      const outPort = freeUdpPort();
      const recording = ffmpeg([
        ...RAW,
        "-i",
        `srt://127.0.0.1:${outPort}?mode=listener`,
        "-t",
        "8",
        "-y",
        `${dir}/heard.wav`,
      ], 40_000);
      const out = await cli(
        "feeds",
        "add",
        "studio",
        "--name",
        "program",
        "--out",
        `127.0.0.1:${outPort}`,
        "--transport",
        "srt",
        "--json",
      );
      assert.equal(out.code, 0, out.stderr);
      const program = JSON.parse(out.stdout) as { transport: string; url: string; sdp?: string };
      assert.equal(program.transport, "srt");
      assert.match(program.url, new RegExp(`srt://127.0.0.1:${outPort}\\?mode=listener`));
      assert.equal(program.sdp, undefined);

      // The ingest: Council listens, ffmpeg calls it with speech.
      const added = await cli(
        "feeds",
        "add",
        "studio",
        "--name",
        "newsroom",
        "--in",
        "127.0.0.1:1",
        "--transport",
        "srt",
        "--json",
      );
      assert.equal(added.code, 0, added.stderr);
      const ingest = JSON.parse(added.stdout) as { id: string; port: number; url: string };
      const said = await speech(1, 16000);
      const twice = new Int16Array(said.length * 2);
      twice.set(said);
      twice.set(said, said.length);
      await writeWav(`${dir}/program.wav`, twice, 16000);
      const sent = await ffmpeg([
        "-re",
        "-i",
        `${dir}/program.wav`,
        ...RAW,
        `srt://127.0.0.1:${ingest.port}?mode=caller`,
      ], 40_000);
      assert.equal(sent.code, 0, new TextDecoder().decode(sent.stderr));
      const got = await recording;
      assert.equal(got.code, 0, new TextDecoder().decode(got.stderr));

      // What ffmpeg recorded holds the speech it sent (a second of it, by correlation).
      const heard = readWavPcm(await Deno.readFile(`${dir}/heard.wav`));
      const ref = said.subarray(16000, 32000);
      const c = bestCorrelation(ref, heard, heard.length - ref.length);
      assert.ok(c.value > 0.6, `correlation ${c.value}`);

      const room = (await api(council.url, "GET", "/api/v1/rooms/studio")).body as {
        members: { protocol: string; guardianId: string }[];
      };
      assert.deepEqual(
        room.members.map((m) => `${m.protocol} ${m.guardianId}`).sort(),
        ["feed if://feed/newsroom", "feed if://feed/program"],
      );
      // SRT feeds have no SDP.
      const sdp = await api(council.url, "GET", `/api/v1/feeds/${ingest.id}/sdp`);
      assert.equal(sdp.status, 409);
      assert.equal((await cli("feeds", "remove", ingest.id)).code, 0);
    } finally {
      assert.equal(await council.stop(), 0);
    }
  },
});
