// SIP and H.323 members that sign what they send (docs/provenance.md, "SIP and H.323
// members"): how each says so (SDP a=ifcouncil-signed with the provenance a=extmap;
// H.245's generic control capability, through Council's PER codec), and their leg
// verifying the chain in their packets' header extension: verified, broken at an
// altered frame, by garbage in the extension, by a member that never signs.

import assert from "node:assert/strict";
import * as ed from "@noble/ed25519";
import { answerOffer, SdpError } from "../../../media/sdp/mod.ts";
import { decodeH245, encodeH245 } from "../../../signaling/h323/h245/mod.ts";
import { terminalCapabilitySet } from "../../../signaling/h323/h245/capabilities.ts";
import {
  peerProvenance,
  provenanceCapability,
  ProvenanceCapabilityError,
} from "../../../signaling/h323/h245/provenance.ts";
import { Leg, type LegProvenanceEvent } from "../../../media/engine/leg.ts";
import { serializeRtp } from "../../../media/rtp/mod.ts";
import { newStreamId } from "../../../provenance/chain.ts";
import { StreamSigner } from "../../../provenance/stream_signer.ts";
import { serializeElements } from "../../../provenance/rtp_ext.ts";
import { toHex } from "../../../witness/hash.ts";

const crlf = (lines: string[]) => lines.join("\r\n") + "\r\n";
const offer = (extra: string[]) =>
  crlf([
    "v=0",
    "o=alice 1 1 IN IP4 192.0.2.10",
    "s=-",
    "c=IN IP4 192.0.2.10",
    "t=0 0",
    "m=audio 49170 RTP/AVP 0",
    "a=rtpmap:0 PCMU/8000",
    ...extra,
  ]);
const local = { address: "127.0.0.1", port: 40000 };
const EXT = "a=extmap:7 urn:ifcouncil:params:rtp-hdrext:provenance:v1";

Deno.test("SDP: a=ifcouncil-signed names the stream a SIP member signs; a bad one is refused", () => {
  const streamId = newStreamId();
  const { agreement } = answerOffer(offer([EXT, `a=ifcouncil-signed:${toHex(streamId)}`]), {
    allowed: ["PCMU"],
    local,
  });
  assert.equal(agreement.provenanceExtId, 7);
  assert.deepEqual(agreement.signedStreamId, streamId);
  // Without it, Council's chain only; with a bad id or no a=extmap, refused with why.
  assert.equal(
    answerOffer(offer([EXT]), { allowed: ["PCMU"], local }).agreement.signedStreamId,
    undefined,
  );
  const refused = (lines: string[], why: RegExp) =>
    assert.throws(
      () => answerOffer(offer(lines), { allowed: ["PCMU"], local }),
      (e: unknown) => e instanceof SdpError && e.code === "MALFORMED" && why.test(e.message),
    );
  refused([EXT, "a=ifcouncil-signed:1234"], /32 hex/);
  refused([EXT, `a=ifcouncil-signed:${"zz".repeat(16)}`], /32 hex/);
  refused([`a=ifcouncil-signed:${toHex(streamId)}`], /needs a=extmap/);
});

Deno.test("H.245: the provenance capability survives Council's PER codec; bad ones are refused", () => {
  const streamId = newStreamId();
  const tcs = terminalCapabilitySet({ sequenceNumber: 1, codecs: ["PCMU"] });
  // Council's own set names its extension ID and no stream (it signs with the media key).
  assert.deepEqual(peerProvenance(tcs), { extId: 5 });
  const table = tcs.capabilityTable as Record<string, unknown>[];
  const terminal = {
    ...tcs,
    capabilityTable: [
      ...table.filter((e) => !("genericControlCapability" in (e.capability as object))),
      { capabilityTableEntryNumber: 99, capability: provenanceCapability(3, streamId) },
    ],
  };
  const decoded = decodeH245(encodeH245({ request: { terminalCapabilitySet: terminal } }));
  const back = (decoded as { request: { terminalCapabilitySet: Record<string, unknown> } })
    .request.terminalCapabilitySet;
  assert.deepEqual(peerProvenance(back), { extId: 3, signedStreamId: streamId });
  const bad = (cap: Record<string, unknown>, why: RegExp) =>
    assert.throws(
      () =>
        peerProvenance({ capabilityTable: [{ capabilityTableEntryNumber: 1, capability: cap }] }),
      (e: unknown) => e instanceof ProvenanceCapabilityError && why.test(e.message),
    );
  bad(provenanceCapability(15), /extension ID of 1-14/);
  bad(provenanceCapability(3, new Uint8Array(5)), /16 bytes/);
  assert.equal(peerProvenance({ capabilityTable: [] }), undefined);
});

// ---- a leg verifying a member's in-band chain ---------------------------------

const seed = ed.utils.randomSecretKey();
const publicKey = await ed.getPublicKeyAsync(seed);
const PEER = { address: "127.0.0.1", port: 50000 };
const EXT_ID = 7;

function memberLeg(events: LegProvenanceEvent[], streamId: Uint8Array) {
  return new Leg(
    {
      legId: "leg-sip",
      roomId: "main",
      port: 40000,
      host: "127.0.0.1",
      codec: { codec: "PCMU", payloadType: 0 },
      remote: PEER,
      verifyInband: { extId: EXT_ID, streamId, publicKey, checkpointEvery: 25 },
    },
    8000,
    { send: () => {} },
    { locked: () => {}, rejected: () => {}, dtmf: () => {}, provenance: (_l, e) => events.push(e) },
    0,
  );
}

/** A member's packets: frame i's payload, its chain element under EXT_ID. */
function* packets(
  signer: StreamSigner,
  count: number,
  tamper?: (i: number, p: Uint8Array) => Uint8Array,
) {
  for (let i = 0; i < count; i++) {
    const ts = 8000 + i * 160;
    const payload = new Uint8Array(160).map((_, k) => (i * 7 + k) & 0xff);
    const element = signer.next(ts, payload);
    const packet = serializeRtp({
      marker: i === 0,
      payloadType: 0,
      sequenceNumber: 100 + i,
      timestamp: ts,
      ssrc: 0x1234,
      payload,
      extension: serializeElements([{ id: EXT_ID, data: element }]),
    });
    yield tamper ? tamper(i, packet) : packet;
  }
}

/** Feeds the packets 20 ms apart and lets the verifier's queue run. */
async function feed(leg: Leg, all: Iterable<Uint8Array>) {
  let t = 0;
  for (const p of all) {
    leg.onDatagram(p, PEER, t += 20, false);
    await Promise.resolve();
  }
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
}

const states = (events: LegProvenanceEvent[]) =>
  events.filter((e) => e.ev === "provenance.state").map((e) => (e as { state: string }).state);

Deno.test("a SIP member's signed packets verify in its leg; a frame altered on the way breaks it there", async () => {
  const streamId = newStreamId();
  const events: LegProvenanceEvent[] = [];
  const leg = memberLeg(events, streamId);
  try {
    await feed(leg, packets(new StreamSigner(streamId, seed, 25), 100));
    assert.deepEqual(states(events), ["verified"]);
    assert.equal(leg.inboundProvenance()!.state, "verified");
    assert.equal(leg.inboundProvenance()!.streamId, toHex(streamId));
  } finally {
    leg.close();
  }
  const altered: LegProvenanceEvent[] = [];
  const leg2 = memberLeg(altered, streamId);
  try {
    await feed(
      leg2,
      packets(new StreamSigner(streamId, seed, 25), 100, (i, p) => {
        if (i === 60) p[p.length - 1] ^= 1; // the payload's last byte
        return p;
      }),
    );
    assert.equal(leg2.inboundProvenance()!.state, "broken");
    assert.equal(leg2.inboundProvenance()!.firstBad, 60);
  } finally {
    leg2.close();
  }
});

Deno.test("garbage in the header extension, another key and a member that never signs are named breaks", async () => {
  const streamId = newStreamId();
  const garbage: LegProvenanceEvent[] = [];
  const leg = memberLeg(garbage, streamId);
  try {
    await feed(
      leg,
      packets(new StreamSigner(streamId, seed, 25), 80, (i, p) => {
        // Frame 40's element claims 16 bytes where 2 are (one-byte form: length - 1 = 15).
        if (i === 40) p[12 + 4] = (EXT_ID << 4) | 15;
        return p;
      }),
    );
    assert.equal(leg.inboundProvenance()!.state, "broken");
    const broke = garbage.find((e) => e.ev === "provenance.state" && e.state === "broken") as {
      reason: string;
    };
    assert.match(broke.reason, /garbage in the provenance header extension of packet 140/);
  } finally {
    leg.close();
  }
  const forged: LegProvenanceEvent[] = [];
  const leg2 = memberLeg(forged, streamId);
  try {
    await feed(leg2, packets(new StreamSigner(streamId, ed.utils.randomSecretKey(), 25), 60));
    assert.equal(leg2.inboundProvenance()!.state, "broken");
    assert.match(
      (forged.find((e) => e.ev === "provenance.state" && e.state === "broken") as {
        reason: string;
      })
        .reason,
      /signature does not verify/,
    );
  } finally {
    leg2.close();
  }
  const silent: LegProvenanceEvent[] = [];
  const leg3 = memberLeg(silent, streamId);
  try {
    // Plain packets, no element at all: the member announced a chain and never signs.
    const plain = [...packets(new StreamSigner(streamId, seed, 25), 560)].map((p, i) =>
      serializeRtp({
        marker: false,
        payloadType: 0,
        sequenceNumber: 100 + i,
        timestamp: 8000 + i * 160,
        ssrc: 0x1234,
        payload: p.subarray(p.length - 160),
      })
    );
    await feed(leg3, plain.slice(0, 550));
    assert.equal(leg3.inboundProvenance()!.state, "unverified");
    await feed(leg3, plain.slice(550));
    assert.equal(leg3.inboundProvenance()!.state, "broken");
    assert.match(
      (silent.find((e) => e.ev === "provenance.state" && e.state === "broken") as {
        reason: string;
      })
        .reason,
      /does not sign/,
    );
  } finally {
    leg3.close();
  }
});
