// Chains on an H.323 leg (issue 26): Council's capability set names its stream
// chains (h245/provenance.ts); a terminal whose set has the capability gets the mix
// it is sent chained and signed with the media key in the header extension, and a
// terminal that names its own stream id has what it sends verified by Council with
// its guardian's key: verified on the rooms API, then broken at a frame altered on
// its way. The terminal is a device's separate-H.245 capture (ndpi-h323.pcap),
// adjusted, its media a test RTP socket.

import assert from "node:assert/strict";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR } from "../_helpers/council_api.ts";
import { tpktMessages } from "../_helpers/h323_capture.ts";
import { councilChannel, olcAck, setupFor } from "../_helpers/h323_setup.ts";
import { TpktClient } from "../_helpers/h323_client.ts";
import { RtpPhone } from "../_helpers/rtp_phone.ts";
import { until } from "../_helpers/wait.ts";
import { hostPortOf, terminalCapabilitySet } from "../../signaling/h323/h245/capabilities.ts";
import { encodeH245 } from "../../signaling/h323/h245/mod.ts";
import { peerProvenance, provenanceCapability } from "../../signaling/h323/h245/provenance.ts";
import { serializeRtp } from "../../media/rtp/mod.ts";
import { newStreamId } from "../../provenance/chain.ts";
import { decodeProvenance, parseElements, serializeElements } from "../../provenance/rtp_ext.ts";
import { StreamSigner } from "../../provenance/stream_signer.ts";
import { StreamVerifier } from "../../provenance/stream_verifier.ts";
import { fromBase64 } from "../../witness/base64.ts";
import { toHex } from "../../witness/hash.ts";

type Msg = Record<string, unknown>;
const EXT_ID = 3;
const ALTERED = 150;

Deno.test({
  name: "provenance: an H.323 leg's mix is chained; what the terminal signs is verified",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const device = await tpktMessages("ndpi-h323.pcap");
  const pick = (n: number) => device.filter((m) => m.frame === n);
  const phone = new RtpPhone("PCMA", 8, 8000);
  const clients: TpktClient[] = [];
  try {
    await api(council.url, "POST", "/api/v1/rooms", { name: "main" });
    const carol = await addGuardian(council.url, "carol");
    const mediaKey = fromBase64(
      ((await api(council.url, "GET", "/api/v1/recordings/key")).body as { publicKey: string })
        .publicKey,
    )!;
    const cs = await TpktClient.connect(council.callSignalPort);
    clients.push(cs);
    await cs.send(await setupFor(pick(6)[0].payload, carol));
    const connect = await cs.cs("connect");
    const h245Port = (connect.cs!.body as { h245Address: { ipAddress: { port: number } } })
      .h245Address.ipAddress.port;
    const h245 = await TpktClient.connect(h245Port, true);
    clients.push(h245);
    // Council's capabilities name its chains.
    const ours = (await h245.h245("request.terminalCapabilitySet")).request
      .terminalCapabilitySet as Msg;
    assert.deepEqual(peerProvenance(ours), { extId: 5 });
    for (const m of [...pick(29), ...pick(30), ...pick(32)]) await h245.send(m.payload);
    // The terminal's capabilities: A-law, and chains in element 3 with its own stream.
    const streamId = newStreamId();
    const tcs = terminalCapabilitySet({ sequenceNumber: 9, codecs: ["PCMA"] });
    tcs.capabilityTable = (tcs.capabilityTable as Msg[]).map((e) =>
      "genericControlCapability" in (e.capability as Msg)
        ? { ...e, capability: provenanceCapability(EXT_ID, streamId) }
        : e
    );
    await h245.send(encodeH245({ request: { terminalCapabilitySet: tcs } }));
    await h245.send(pick(38)[0].payload);
    const ack = (await h245.h245("response.openLogicalChannelAck")).response
      .openLogicalChannelAck as Msg;
    const councilRtp = hostPortOf(
      ((ack.forwardMultiplexAckParameters as Msg).h2250LogicalChannelAckParameters as Msg)
        .mediaChannel,
    )!.port;
    await h245.send(olcAck(await councilChannel(h245, "g711Alaw64k"), phone));

    // The terminal's audio, signed in element 3; frame ALTERED changed on its way.
    const signer = new StreamSigner(streamId, carol.secret, 25);
    const member = async () => {
      const { members } = (await api(council.url, "GET", "/api/v1/rooms/main")).body as {
        members: { provenance?: { state: string; index?: number; streamId?: string } }[];
      };
      return members[0];
    };
    for (let i = 0; i < 250; i++) {
      const ts = 3000 + i * 160;
      const payload = new Uint8Array(160).fill(0xd5 ^ (i & 3));
      const packet = serializeRtp({
        marker: i === 0,
        payloadType: 8,
        sequenceNumber: 900 + i,
        timestamp: ts,
        ssrc: 0x3232,
        payload,
        extension: serializeElements([{ id: EXT_ID, data: signer.next(ts, payload) }]),
      });
      if (i === ALTERED) packet[packet.length - 1] ^= 0x01;
      await phone.sendRaw(councilRtp, packet);
      if (i === 120) {
        const m = await until("verified", async () => {
          const m = await member();
          return m?.provenance?.state === "verified" && m;
        });
        assert.equal(m.provenance!.streamId, toHex(streamId));
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const broken = await until("broken", async () => {
      const m = await member();
      return m?.provenance?.state === "broken" && m;
    });
    assert.equal(broken.provenance!.index, ALTERED);

    // The mix Council sent the terminal: chained in element 3, verified with the media key.
    const chained = phone.received.filter((r) => r.extension);
    assert.ok(chained.length > 100, `${chained.length} of ${phone.received.length} chained`);
    let verifier: StreamVerifier | undefined;
    for (const r of chained) {
      const el = parseElements(r.extension!.profile, r.extension!.data).find((e) =>
        e.id === EXT_ID
      );
      assert.ok(el, "the mix's element is under the terminal's ID");
      const prov = decodeProvenance(el.data);
      if (!verifier && prov.checkpoint) {
        verifier = new StreamVerifier({
          streamId: prov.streamId,
          publicKey: mediaKey,
          checkpointEvery: 25,
        });
      }
      await verifier?.frame(r.seq, r.ts, r.payload, prov);
    }
    assert.equal(verifier?.state, "verified");
    assert.ok(verifier!.counts.checkpoints >= 3, JSON.stringify(verifier!.counts));
  } finally {
    for (const c of clients) c.close();
    phone.close();
    assert.equal(await council.stop(), 0);
  }
});
