// What Council sends a SIP leg that offers the provenance header extension is chained
// and signed (issue 26): SIPp dials in offering a=extmap and Council answers it; the
// mix comes through a tampering relay (UDP, between Council and the listener) to the
// listener, which verifies it with Council's media key alone. The untouched copy is
// verified throughout; the relayed one, with one frame altered on the way, is broken
// at that frame. Council anchors the leg's chain head in the witness, and its final
// head when the call ends.

import assert from "node:assert/strict";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR, witnessed } from "../_helpers/council_api.ts";
import { runSipp } from "../_helpers/sipp.ts";
import { until } from "../_helpers/wait.ts";
import { parseRtp } from "../../media/rtp/mod.ts";
import { decodeProvenance, parseElements } from "../../provenance/rtp_ext.ts";
import { type StateChange, StreamVerifier } from "../../provenance/stream_verifier.ts";
import { fromBase64 } from "../../witness/base64.ts";

const EXT_ID = 5;
const ALTERED = 60;

type Element = ReturnType<typeof decodeProvenance>;

/** A listener's verifier, made on the first checkpoint (which names the stream). */
class Listener {
  verifier?: StreamVerifier;
  readonly changes: StateChange[] = [];
  packets = 0;
  constructor(private readonly publicKey: Uint8Array) {}

  async take(bytes: Uint8Array): Promise<void> {
    const p = parseRtp(bytes);
    const ext = p.extension;
    const el = ext ? parseElements(ext.profile, ext.data).find((e) => e.id === EXT_ID) : undefined;
    const prov: Element | undefined = el ? decodeProvenance(el.data) : undefined;
    if (!this.verifier && prov?.checkpoint) {
      this.verifier = new StreamVerifier({
        streamId: prov.streamId,
        publicKey: this.publicKey,
        checkpointEvery: 25,
        onChange: (c) => this.changes.push(c),
      });
    }
    this.packets++;
    await this.verifier?.frame(p.sequenceNumber, p.timestamp, p.payload, prov);
  }
}

Deno.test({
  name: "provenance: a SIP leg's mix is chained and signed; a frame altered on the way is named",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
    const relay = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const ear = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    try {
      const alice = await addGuardian(council.url, "alice");
      const key = (await api(council.url, "GET", "/api/v1/recordings/key")).body as {
        publicKey: string;
      };
      const publicKey = fromBase64(key.publicKey)!;
      assert.equal(publicKey.length, 32);

      const clean = new Listener(publicKey);
      const tampered = new Listener(publicKey);
      const earPort = (ear.addr as Deno.NetAddr).port;
      // The relay: every packet Council sends is kept as-is for the clean listener and
      // forwarded to the ear, frame ALTERED with one payload bit flipped.
      let firstCheckpointSeq: number | undefined;
      let alteredSeq: number | undefined;
      const relaying = (async () => {
        for await (const [bytes] of relay) {
          await clean.take(bytes);
          const p = parseRtp(bytes);
          const el = p.extension && parseElements(p.extension.profile, p.extension.data)[0];
          const prov = el ? decodeProvenance(el.data) : undefined;
          if (firstCheckpointSeq === undefined && prov?.checkpoint) {
            firstCheckpointSeq = (p.sequenceNumber - prov.checkpoint.index + 0x10000) & 0xffff;
          }
          const out = bytes.slice();
          if (
            firstCheckpointSeq !== undefined &&
            ((p.sequenceNumber - firstCheckpointSeq + 0x10000) & 0xffff) === ALTERED
          ) {
            alteredSeq = p.sequenceNumber;
            out[out.length - 1] ^= 0x01; // the payload's last byte
          }
          await relay.send(out, { transport: "udp", hostname: "127.0.0.1", port: earPort });
        }
      })().catch(() => {});
      const hearing = (async () => {
        for await (const [bytes] of ear) await tampered.take(bytes);
      })().catch(() => {});

      const call = await runSipp({
        scenario: "provenance_call.xml",
        target: `127.0.0.1:${council.sipPort}`,
        calls: 1,
        inject: [
          "SEQUENTIAL",
          `main;${await alice.token("main")};${(relay.addr as Deno.NetAddr).port}`,
        ],
        extra: ["-d", "11500"],
        timeoutS: 40,
      });
      assert.equal(call.code, 0, call.stdout.slice(-1500) + call.messages.slice(-3000));

      // The untouched stream: verified from its first checkpoint to the end.
      assert.ok(clean.verifier, `no checkpoint in ${clean.packets} packets`);
      assert.equal(clean.verifier.state, "verified", JSON.stringify(clean.changes));
      assert.equal(clean.verifier.firstBad, undefined);
      assert.ok(clean.verifier.counts.checkpoints >= 20, JSON.stringify(clean.verifier.counts));
      assert.deepEqual(clean.changes.map((c) => c.state), ["verified"]);
      // The relayed one: broken at the altered frame, and said so at once.
      assert.notEqual(alteredSeq, undefined, "the relay never saw frame 60");
      assert.equal(tampered.verifier?.state, "broken", JSON.stringify(tampered.changes));
      assert.equal(tampered.verifier?.firstBad, ALTERED);
      assert.match(tampered.changes.at(-1)!.reason, new RegExp(`frame ${ALTERED}`));

      // Council anchored the leg's chain in the witness (every 10 s while it runs).
      const size = ((await api(council.url, "POST", "/api/v1/witness/head")).body as {
        size: number;
      }).size;
      const { entries } = (await api(
        council.url,
        "GET",
        `/api/v1/witness/entries?start=0&end=${size}`,
      )).body as {
        entries: { type: string; payload: { streams?: { legId?: string; frames: number }[] } }[];
      };
      const anchored = entries.filter((e) => e.type === "provenance.heads")
        .flatMap((e) => e.payload.streams ?? []).filter((s) => s.legId);
      assert.ok(anchored.length >= 1 && anchored[0].frames > 400, JSON.stringify(anchored));
      // And its final head when the call ended (BYE): the last span is provable too.
      const legId = (anchored[0] as { legId: string }).legId;
      const final = await until(
        "the leg's final head",
        async () =>
          (await witnessed(council.url, "provenance.end")).find((p) => p.legId === legId) as
            | { final: boolean; reason: string; outbound: { streamId: string; frames: number } }
            | undefined,
      );
      assert.equal(final.final, true);
      assert.equal(final.reason, "member left");
      assert.ok(final.outbound.frames >= anchored.at(-1)!.frames, JSON.stringify(final));
      // Every frame the listener received is covered by it.
      assert.ok(
        final.outbound.frames >= clean.packets,
        `${final.outbound.frames} < ${clean.packets}`,
      );
      relay.close();
      ear.close();
      await Promise.all([relaying, hearing]);
    } finally {
      try {
        relay.close();
      } catch { /* closed */ }
      try {
        ear.close();
      } catch { /* closed */ }
      assert.equal(await council.stop(), 0);
    }
  },
});
