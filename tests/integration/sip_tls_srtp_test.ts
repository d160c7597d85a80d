// SIP over TLS with SRTP (issue 22): a room whose policy requires encryption takes
// two real phones (Debian's baresip: libre's own TLS and SRTP, not Council's) over
// TLS with mediaenc=srtp-mand; each hears the other through the mix, and their legs
// run SRTP with nothing refused. The same phone over plain UDP is refused 488, and
// plain RTP thrown at an encrypted leg is counted and never reaches the mix.

import assert from "node:assert/strict";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR } from "../_helpers/council_api.ts";
import { runBaresip } from "../_helpers/baresip.ts";
import { bestCorrelation, speech } from "../_helpers/audio.ts";
import { tempDir } from "../_helpers/temp.ts";

function withSilence(before: number, pcm: Int16Array, after: number): Int16Array {
  const out = new Int16Array(before + pcm.length + after);
  out.set(pcm, before);
  return out;
}

interface RoomMember {
  legId: string;
  guardianId: string;
  stats?: { srtp: boolean; srtpRefused: number; srtpRefusedRtcp: number; packetsIn: number };
}

Deno.test("two baresip phones over TLS with SRTP hear each other in a room that requires encryption", async () => {
  const dir = tempDir();
  const policy = `${dir}/policy.json`;
  Deno.writeTextFileSync(
    policy,
    JSON.stringify({ version: "tls-test", rooms: { secure: { encryption: "required" } } }),
  );
  const council = await startCouncilProcess({
    COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
    // baresip 1.0's libre gives up when any challenge is SHA-256 (sip_baresip_test).
    COUNCIL_SIP_DIGEST_ALGORITHMS: "MD5",
    COUNCIL_GUARD_POLICY_FILE: policy,
    COUNCIL_KV_PATH: `${dir}/data/council.kv`,
  });
  try {
    assert.ok(council.sipTlsPort > 0, "SIP over TLS listens");
    const ca = Deno.readTextFileSync(`${dir}/data/sip-tls.crt`);
    await addGuardian(council.url, "alice", { sipPassword: "alice-password-1" });
    await addGuardian(council.url, "bob", { sipPassword: "bobs-password-1" });
    const s1 = await speech(1, 8000);
    const s2 = await speech(2, 8000);
    const sec = 8000;
    const tls = { port: council.sipTlsPort, ca };

    // While both are in the room, read their legs.
    // Watched for as long as the phones run, however slowly the host starts them.
    let members: RoomMember[] = [];
    let phonesDone = false;
    const watch = (async () => {
      while (!phonesDone) {
        await new Promise((r) => setTimeout(r, 250));
        const room = (await api(council.url, "GET", "/api/v1/rooms/secure")).body as {
          members?: RoomMember[];
        };
        const legs = room.members ?? [];
        if (legs.length === 2 && legs.every((m) => (m.stats?.packetsIn ?? 0) > 100)) {
          members = legs;
          return;
        }
      }
    })();
    const [alice, bob] = await Promise.all([
      runBaresip({
        sipPort: council.sipPort,
        tls,
        mediaenc: "srtp-mand",
        user: "alice",
        password: "alice-password-1",
        room: "secure",
        say: withSilence(sec / 2, s1, 8 * sec),
        seconds: 11,
      }),
      runBaresip({
        sipPort: council.sipPort,
        tls,
        mediaenc: "srtp-mand",
        user: "bob",
        password: "bobs-password-1",
        room: "secure",
        say: withSilence(4.5 * sec, s2, 2 * sec),
        seconds: 10,
        delayMs: 500,
      }),
    ]).finally(() => phonesDone = true);
    await watch;
    assert.match(alice.log, /Call established/, alice.log.slice(-2000));
    assert.match(bob.log, /Call established/, bob.log.slice(-2000));
    assert.equal(members.length, 2, "both phones were seen in the room with media flowing");
    for (const m of members) {
      assert.equal(m.stats?.srtp, true, `${m.guardianId} runs SRTP`);
      // No RTP refused. libre sends one plain RTCP APP keep-alive ("PINGPONG", 16 bytes)
      // at the start of a call even with SRTP; an encrypted leg refuses it (counted as RTCP).
      const s = m.stats!;
      assert.equal(s.srtpRefused - s.srtpRefusedRtcp, 0, `${m.guardianId}: ${JSON.stringify(s)}`);
      assert.ok(s.srtpRefusedRtcp <= 2, `${m.guardianId}: ${JSON.stringify(s)}`);
    }
    const aliceHears = bestCorrelation(s2, alice.heard, alice.heard.length - s2.length);
    const bobHears = bestCorrelation(s1, bob.heard, Math.max(0, bob.heard.length - s1.length));
    assert.ok(aliceHears.value > 0.8, `alice hears bob: ${JSON.stringify(aliceHears)}`);
    assert.ok(bobHears.value > 0.8, `bob hears alice: ${JSON.stringify(bobHears)}`);

    // The same phone over plain UDP is turned away from the encrypted room.
    const plain = await runBaresip({
      sipPort: council.sipPort,
      user: "alice",
      password: "alice-password-1",
      room: "secure",
      say: new Int16Array(sec),
      seconds: 3,
    });
    assert.doesNotMatch(plain.log, /Call established/, plain.log.slice(-2000));
    assert.match(plain.log, /488/, plain.log.slice(-2000));
  } finally {
    await council.stop();
  }
});
