// A leg's provenance without header extensions (docs/provenance.md, "Browsers"):
// what it receives verified against its sender's checkpoints handed in apart from the
// frames (a browser's audio), and what it sends chained with its checkpoints reported
// as events (the mix a browser hears). Each side is checked by the other's parts.

import assert from "node:assert/strict";
import * as ed from "@noble/ed25519";
import { Leg, type LegEvents, type LegProvenanceEvent } from "../../../media/engine/leg.ts";
import { parseRtp, serializeRtp } from "../../../media/rtp/mod.ts";
import { genesisLink, newStreamId, nextLink } from "../../../provenance/chain.ts";
import { checkpointBytes } from "../../../provenance/checkpoint.ts";
import { DetachedVerifier } from "../../../provenance/detached_verifier.ts";
import { ed25519Key } from "../../../provenance/stream_signer.ts";
import { fromBase64, fromHex } from "../../../witness/base64.ts";
import { sign } from "node:crypto";

const PEER = { address: "127.0.0.1", port: 50000 };
const seed = ed.utils.randomSecretKey();
const publicKey = await ed.getPublicKeyAsync(seed);
const key = ed25519Key(seed);

function leg(events: LegProvenanceEvent[], sent: Uint8Array[] = []) {
  const handlers: LegEvents = {
    locked: () => {},
    rejected: () => {},
    dtmf: () => {},
    provenance: (_l, e) => events.push(e),
  };
  return new Leg(
    {
      legId: "leg-prov",
      roomId: "room-1",
      port: 40000,
      host: "127.0.0.1",
      codec: { codec: "PCMU", payloadType: 0 },
      remote: PEER,
    },
    8000,
    { send: (data, _to, rtcp) => !rtcp && sent.push(data.slice()) },
    handlers,
    0,
  );
}

const payloadOf = (i: number) => new Uint8Array(160).map((_, k) => (i * 13 + k) & 0xff);

Deno.test("what a leg receives is verified against checkpoints handed in apart; forgery breaks it", async () => {
  const events: LegProvenanceEvent[] = [];
  const l = leg(events);
  const streamId = newStreamId();
  try {
    l.provenance({ do: "verify", spec: { streamId, publicKey, checkpointEvery: 25 } });
    assert.equal(l.verifying, true);
    let link = genesisLink(streamId);
    for (let i = 0; i < 160; i++) {
      const ts = 1000 + i * 160;
      const payload = payloadOf(i);
      link = nextLink(link, streamId, ts, payload);
      const packet = serializeRtp({
        marker: false,
        payloadType: 0,
        sequenceNumber: i,
        timestamp: ts,
        ssrc: 99,
        payload,
      });
      l.onDatagram(packet, PEER, i * 20, false);
      if ((i + 1) % 25 === 0) {
        const signature = new Uint8Array(sign(null, checkpointBytes(streamId, i, link), key));
        // From frame 100 on the checkpoints are forged (one bit of the signature).
        if (i >= 100) signature[3] ^= 1;
        l.provenance({
          do: "checkpoint",
          checkpoint: { streamId, index: i, rtpTimestamp: ts, link, signature },
        });
      }
    }
    await new Promise((r) => setTimeout(r, 10));
    const states = events.filter((e) => e.ev === "provenance.state");
    assert.deepEqual(states.map((e) => e.ev === "provenance.state" && `${e.state}@${e.index}`), [
      "verified@49",
      "broken@124",
    ]);
    assert.equal(l.stats().inbound?.state, "broken");
    assert.equal(l.stats().inbound?.firstBad, 124);
    // The forged one after it is reported too, throttled (one report a second at most).
    assert.equal(events.filter((e) => e.ev === "provenance.bad").length, 1);
    l.provenance({ do: "stop" });
    assert.equal(l.verifying, false);
  } finally {
    l.close();
  }
});

Deno.test("what a leg sends is chained; its reported checkpoints prove the packets, or their alteration", async () => {
  const events: LegProvenanceEvent[] = [];
  const sent: Uint8Array[] = [];
  const l = leg(events, sent);
  const streamId = newStreamId();
  try {
    l.provenance({ do: "chain", spec: { streamId, seed, checkpointEvery: 25 } });
    for (let i = 0; i < 120; i++) l.sendFrame(payloadOf(i));
    const checkpoints = events.filter((e) => e.ev === "provenance.checkpoint");
    assert.deepEqual(checkpoints.map((e) => e.ev === "provenance.checkpoint" && e.index), [
      24,
      49,
      74,
      99,
    ]);
    assert.equal(l.stats().provenance?.frames, 120);
    // As the page verifies the mix: the packets as received, the checkpoints as sent over /ws.
    for (const alter of [undefined, 60]) {
      const changes: string[] = [];
      const v = new DetachedVerifier({
        streamId,
        publicKey,
        checkpointEvery: 25,
        onChange: (c) => changes.push(`${c.state}@${c.index}`),
      });
      const packets = sent.map((d) => parseRtp(d));
      packets.forEach((p, i) => {
        const payload = i === alter ? p.payload.map((b, k) => k ? b : b ^ 1) : p.payload.slice();
        v.frame(p.timestamp, 160, payload, i);
        const cp = checkpoints.find((e) => e.ev === "provenance.checkpoint" && e.index === i);
        if (cp?.ev === "provenance.checkpoint") {
          v.checkpoint({
            streamId: fromHex(cp.streamId)!,
            index: cp.index,
            rtpTimestamp: cp.rtpTimestamp,
            link: fromHex(cp.link)!,
            signature: fromBase64(cp.signature)!,
          }, i);
        }
      });
      // The page's signature checks are asynchronous (WebCrypto, @noble/ed25519).
      while (v.counts.checkpoints < 4) {
        await new Promise((r) => setTimeout(r, 5));
      }
      await v.settled();
      assert.deepEqual(changes, alter ? ["verified@49", "broken@74"] : ["verified@49"]);
    }
  } finally {
    l.close();
  }
});
