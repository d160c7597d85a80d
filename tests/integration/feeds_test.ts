// Broadcast feeds with ffmpeg at both far ends (issue 26): an operator adds a program
// output and an ingest to a room with the CLI; ffmpeg receives the room's mix from the
// output's SDP and sends speech (Opus over RTP) to the ingest from the source it was
// registered with; what ffmpeg records is that speech. Bad requests are refused with
// the field named; feeds are listed as members; adding and removing are witnessed.

import assert from "node:assert/strict";
import { cliFor, startCouncilProcess } from "../_helpers/council_process.ts";
import { api, OPERATOR } from "../_helpers/council_api.ts";
import { readWavPcm, writeWav } from "../_helpers/baresip.ts";
import { bestCorrelation, speech } from "../_helpers/audio.ts";
import { freeUdpPort } from "../_helpers/sipp.ts";
import { tempDir } from "../_helpers/temp.ts";
import { ffmpeg } from "../_helpers/ffmpeg.ts";

const decimate = (pcm: Int16Array) => pcm.filter((_, i) => i % 2 === 0);

Deno.test({
  name: "feeds: ffmpeg sends a program in over RTP and records the room's mix out, from SDP",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
    const dir = tempDir("council-feeds-");
    try {
      const cli = cliFor(council.url, OPERATOR);

      // Refusals name the field.
      const refusals: [Record<string, unknown>, RegExp][] = [
        [{ room: "studio", name: "x", direction: "in" }, /source: expected IPv4:port/],
        [{ room: "studio", name: "x", direction: "out", target: "host:1" }, /target/],
        [{ room: "studio", name: "x", direction: "sideways" }, /direction/],
        [{ room: "studio", name: "X!", direction: "out", target: "127.0.0.1:9" }, /name/],
        [{
          room: "studio",
          name: "x",
          direction: "out",
          target: "127.0.0.1:9",
          codec: "G729",
        }, /codec/],
      ];
      for (const [body, reason] of refusals) {
        const r = await api(council.url, "POST", "/api/v1/feeds", body);
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.match(JSON.stringify(r.body), reason);
      }

      // The program output, then ffmpeg listening on the SDP it came with.
      const outPort = freeUdpPort();
      const out = await cli(
        "feeds",
        "add",
        "studio",
        "--name",
        "program",
        "--out",
        `127.0.0.1:${outPort}`,
        "--sdp",
        `${dir}/out.sdp`,
        "--json",
      );
      assert.equal(out.code, 0, out.stderr);
      const sdp = await Deno.readTextFile(`${dir}/out.sdp`);
      assert.match(sdp, new RegExp(`m=audio ${outPort} RTP/AVP 111`));
      const recording = ffmpeg([
        "-protocol_whitelist",
        "file,udp,rtp",
        "-i",
        `${dir}/out.sdp`,
        "-t",
        "9",
        "-ac",
        "1",
        "-ar",
        "16000",
        "-y",
        `${dir}/heard.wav`,
      ], 30_000);

      // The ingest, from the port ffmpeg will send from.
      const sendFrom = freeUdpPort();
      const added = await cli(
        "feeds",
        "add",
        "studio",
        "--name",
        "newsroom",
        "--in",
        `127.0.0.1:${sendFrom}`,
        "--json",
      );
      assert.equal(added.code, 0, added.stderr);
      const ingest = JSON.parse(added.stdout) as { id: string; port: number; sdp: string };
      assert.match(ingest.sdp, new RegExp(`m=audio ${ingest.port} RTP/AVP 111`));
      const said = await speech(1, 16000);
      const program = new Int16Array(said.length * 2);
      program.set(said);
      program.set(said, said.length);
      await writeWav(`${dir}/program.wav`, program, 16000);
      const sent = await ffmpeg([
        "-re",
        "-i",
        `${dir}/program.wav`,
        "-c:a",
        "libopus",
        "-ar",
        "48000",
        "-ac",
        "1",
        "-payload_type",
        "111",
        "-f",
        "rtp",
        `rtp://127.0.0.1:${ingest.port}?localport=${sendFrom}`,
      ], 30_000);
      assert.equal(sent.code, 0, new TextDecoder().decode(sent.stderr));
      const got = await recording;
      assert.equal(got.code, 0, new TextDecoder().decode(got.stderr));

      // What ffmpeg recorded holds the program's speech (a second of it found, by correlation).
      const heard = decimate(readWavPcm(await Deno.readFile(`${dir}/heard.wav`)));
      const ref = decimate(said).subarray(8000, 16000);
      const c = bestCorrelation(ref, heard, heard.length - ref.length);
      assert.ok(c.value > 0.6, `correlation ${c.value}`);

      // Listed as members of the room (protocol feed), and removable.
      const room = (await api(council.url, "GET", "/api/v1/rooms/studio")).body as {
        members: { protocol: string; guardianId: string }[];
      };
      assert.deepEqual(
        room.members.map((m) => `${m.protocol} ${m.guardianId}`).sort(),
        ["feed if://feed/newsroom", "feed if://feed/program"],
      );
      const list = await cli("feeds", "list");
      assert.match(list.stdout, /newsroom {2}studio {2}in/);
      assert.equal((await cli("feeds", "remove", ingest.id)).code, 0);
      assert.equal((await cli("feeds", "remove", ingest.id)).code, 1);
      const entries = (await api(council.url, "GET", "/api/v1/witness/entries?start=0&end=50"))
        .body as { entries: { type: string; payload: Record<string, unknown> }[] };
      const types = entries.entries.map((e) => e.type);
      assert.ok(types.filter((t) => t === "feed.added").length === 2, `${types}`);
      assert.ok(types.includes("feed.removed"), `${types}`);
    } finally {
      assert.equal(await council.stop(), 0);
    }
  },
});
