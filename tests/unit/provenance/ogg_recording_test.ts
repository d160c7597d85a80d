// Recordings as Ogg Opus (docs/provenance.md, "Ogg Opus"): the media worker's
// recorder encodes the mix to Opus and chains the packets; the downloadable Ogg
// file (pages with their CRCs, the provenance in the comment header) is proven
// offline like a WAV; a swapped packet is named, a cut is proven alone, a damaged
// page is refused; a comment larger than a page spans pages and reads back whole.

import assert from "node:assert/strict";
import { Recorder } from "../../../media/engine/recorder.ts";
import { newStreamId } from "../../../provenance/chain.ts";
import { loadMediaKey } from "../../../provenance/media_key.ts";
import {
  isOgg,
  oggOpusFile,
  parseOggOpus,
  PROVENANCE_COMMENT,
} from "../../../provenance/ogg_opus.ts";
import {
  cutRecording,
  oggRecordingFile,
  readProvenance,
  verifyRecording,
} from "../../../provenance/recording_file.ts";
import { provableFile, storedAudio } from "../../../provenance/recordings.ts";
import { verifierKey } from "../../../witness/mod.ts";
import { toHex } from "../../../witness/hash.ts";
import { openWitness } from "../witness/_open.ts";
import { tempDir } from "../../_helpers/temp.ts";

const FRAMES = 200;

/** Records FRAMES frames of a tone as Ogg Opus; the provable file and what made it. */
async function oggRecording() {
  const w = await openWitness();
  const key = await loadMediaKey(w.store, w.witness);
  const dir = tempDir();
  const streamId = newStreamId();
  const rec = new Recorder({
    recordingId: "rec-00000000000000aa",
    path: `${dir}/rec.opus`,
    format: "ogg",
    streamId,
    secretKey: key.secretKey,
    checkpointEvery: 25,
  }, 16000);
  const pcm = new Int16Array(320);
  for (let i = 0; i < FRAMES; i++) {
    for (let s = 0; s < 320; s++) pcm[s] = Math.round(8000 * Math.sin((i * 320 + s) / 5));
    rec.frame(pcm);
  }
  const head = await rec.close();
  const startedAt = new Date().toISOString();
  const { index } = await w.witness.append("provenance.recording", {
    recordingId: "rec-00000000000000aa",
    room: "main",
    streamId: toHex(streamId),
    state: "stopped",
    reason: "test",
    frames: head.frames,
    link: head.link,
    startedAt,
    endedAt: startedAt,
  });
  const stored = storedAudio("ogg", await Deno.readFile(`${dir}/rec.opus`));
  const checkpoints = (await Deno.readTextFile(`${dir}/rec.checkpoints`)).trim().split("\n")
    .map((l) => JSON.parse(l));
  const file = await provableFile({
    witness: w.witness,
    key,
    info: {
      id: "rec-00000000000000aa",
      room: "main",
      streamId: toHex(streamId),
      startedAt,
      endedAt: startedAt,
      endIndex: index,
    },
    checkpointEvery: 25,
    frames: stored.frames,
    ogg: { preSkip: stored.preSkip },
    linkPrefixes: await Deno.readFile(`${dir}/rec.links`),
    checkpoints,
  });
  return { w, file, head, stored, trusted: verifierKey(w.witness.signer) };
}

Deno.test("an Ogg Opus recording is proven offline; a swapped packet is named; a cut stands alone", async () => {
  const { w, file, head, stored, trusted } = await oggRecording();
  try {
    assert.equal(head.frames, FRAMES);
    assert.ok(isOgg(file));
    assert.ok(stored.preSkip > 0, "the encoder's lookahead is the pre-skip");
    // Much smaller than the WAV's 640 bytes a frame.
    assert.ok(file.length < FRAMES * 200, `${file.length} bytes`);
    const ogg = parseOggOpus(file);
    assert.equal(ogg.packets.length, FRAMES);
    assert.equal(ogg.inputRate, 16000);
    assert.ok(ogg.comments.some((c) => c.startsWith(`${PROVENANCE_COMMENT}=`)));
    const report = await verifyRecording(file, trusted);
    assert.equal(report.ok, true, report.problems.join("; "));
    assert.deepEqual(report.proven, [0, FRAMES - 1]);
    assert.equal(report.seconds, 4);

    // Two packets swapped, the provenance untouched: the first of them is named.
    const { frames, prov } = readProvenance(file);
    const swapped = [...frames];
    [swapped[60], swapped[61]] = [swapped[61], swapped[60]];
    const bad = await verifyRecording(oggRecordingFile(swapped, prov), trusted);
    assert.equal(bad.ok, false);
    assert.equal(bad.firstBadFrame, 60);
    assert.deepEqual(bad.proven, [0, 49]);

    // A cut of 1-2 s: Ogg again, proven on its own.
    const cut = cutRecording(file, 1, 2);
    assert.ok(isOgg(cut));
    const cutReport = await verifyRecording(cut, trusted);
    assert.equal(cutReport.ok, true, cutReport.problems.join("; "));
    assert.ok(cutReport.frames < FRAMES && cutReport.frames >= 50);

    // A damaged page: its CRC says so.
    const damaged = file.slice();
    damaged[damaged.length - 100] ^= 0x40;
    const broken = await verifyRecording(damaged, trusted);
    assert.equal(broken.ok, false);
    assert.match(broken.problems.join(), /CRC does not match/);
  } finally {
    await w.close();
  }
});

Deno.test("Ogg: a comment larger than a page spans pages; packets of 255-byte multiples read back", () => {
  const provenance = JSON.stringify({ big: "x".repeat(200_000) });
  const packets = [new Uint8Array(255).fill(1), new Uint8Array(510).fill(2), new Uint8Array(3)];
  const file = oggOpusFile({
    packets,
    frameGranules: 960,
    inputRate: 16000,
    preSkip: 312,
    provenance,
  });
  const back = parseOggOpus(file);
  assert.deepEqual(back.comments, [`${PROVENANCE_COMMENT}=${provenance}`]);
  assert.deepEqual(back.packets, packets);
  assert.equal(back.preSkip, 312);
  // A file cut short inside a page, and one missing its headers, are refused.
  assert.throws(() => parseOggOpus(file.subarray(0, file.length - 1)), /cut short/);
  assert.throws(() => parseOggOpus(file.subarray(0, 20)), /no Ogg page/);
});
