// A SIP member that signs what it sends (issue 26): SIPp dials in offering Council's
// provenance extension and naming its own chain (a=ifcouncil-signed); the test sends
// the member's audio from the signalled host, each packet carrying its chain element
// signed with the guardian's key. Council verifies it as it arrives: verified on the
// rooms API, then, after one frame is altered on the way, broken at that frame,
// alerted and witnessed, the member still in the call. Its leg's final head is
// witnessed when the call ends.

import assert from "node:assert/strict";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR, witnessed } from "../_helpers/council_api.ts";
import { runSipp } from "../_helpers/sipp.ts";
import { until } from "../_helpers/wait.ts";
import { serializeRtp } from "../../media/rtp/mod.ts";
import { newStreamId } from "../../provenance/chain.ts";
import { serializeElements } from "../../provenance/rtp_ext.ts";
import { StreamSigner } from "../../provenance/stream_signer.ts";
import { toHex } from "../../witness/hash.ts";

const EXT_ID = 5;
const ALTERED = 200;

type Member = { memberId: string; provenance?: { state: string; reason: string; index?: number } };

Deno.test({
  name:
    "provenance: a SIP member's signed audio is verified by Council; an altered frame breaks it",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
    const sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    try {
      const alice = await addGuardian(council.url, "alice");
      const streamId = newStreamId();
      const call = runSipp({
        scenario: "provenance_signed_call.xml",
        target: `127.0.0.1:${council.sipPort}`,
        calls: 1,
        inject: [
          "SEQUENTIAL",
          `main;${await alice.token("main")};${(sock.addr as Deno.NetAddr).port};${
            toHex(streamId)
          }`,
        ],
        extra: ["-d", "9000"],
        timeoutS: 40,
      });
      const leg = await until("the member's leg", async () => {
        const { legs } = (await api(council.url, "GET", "/api/v1/media/legs")).body as {
          legs: { legId: string; roomId: string; port: number }[];
        };
        return legs.find((l) => l.roomId === "main");
      });
      const member = async () => {
        const { members } = (await api(council.url, "GET", "/api/v1/rooms/main")).body as {
          members: Member[];
        };
        return members.find((m) => m.memberId === leg.legId);
      };
      // The member's audio: 20 ms PCMA frames, each with its chain element.
      const signer = new StreamSigner(streamId, alice.secret, 25);
      const to = { transport: "udp" as const, hostname: "127.0.0.1", port: leg.port };
      for (let i = 0; i < 300; i++) {
        const ts = 16000 + i * 160;
        const payload = new Uint8Array(160).fill(0xd5 ^ (i & 7));
        const element = signer.next(ts, payload);
        const packet = serializeRtp({
          marker: i === 0,
          payloadType: 8,
          sequenceNumber: 500 + i,
          timestamp: ts,
          ssrc: 0x5151,
          payload,
          extension: serializeElements([{ id: EXT_ID, data: element }]),
        });
        if (i === ALTERED) packet[packet.length - 1] ^= 0x01; // altered on its way
        await sock.send(packet, to);
        if (i === 150) {
          const m = await until("verified", async () => {
            const m = await member();
            return m?.provenance?.state === "verified" && m;
          });
          assert.match(m.provenance!.reason, /checkpoint/);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      const broken = await until("broken", async () => {
        const m = await member();
        return m?.provenance?.state === "broken" && m;
      });
      assert.equal(broken.provenance!.index, ALTERED);
      // Alerted and witnessed, naming the member, stream and frame; still in the call.
      const broke = await until(
        "provenance.break",
        async () => (await witnessed(council.url, "provenance.break"))[0],
      );
      assert.equal(broke.memberId, leg.legId);
      assert.equal(broke.streamId, toHex(streamId));
      assert.equal(broke.index, ALTERED);
      assert.equal(broke.guardianId, alice.id);
      assert.ok(await member(), "the member stays in the call");

      const done = await call;
      assert.equal(done.code, 0, done.stdout.slice(-1500) + done.messages.slice(-3000));
      // Its leg's end: what it sent, as far as it was verified, in the witness.
      const end = await until(
        "provenance.end",
        async () =>
          (await witnessed(council.url, "provenance.end")).find((p) => p.legId === leg.legId) as
            | { inbound: { streamId: string; state: string; firstBad: number } }
            | undefined,
      );
      assert.deepEqual(
        [end.inbound.streamId, end.inbound.state, end.inbound.firstBad],
        [toHex(streamId), "broken", ALTERED],
      );
    } finally {
      sock.close();
      assert.equal(await council.stop(), 0);
    }
  },
});
