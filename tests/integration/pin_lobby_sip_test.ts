// Room PIN lobby, SIP (issue 23): a real baresip phone with no account on Council
// dials a room that has a PIN. It is answered into the lobby, hears the spoken
// prompt and not the room (nor does the room hear it), keys a wrong PIN then the
// right one over RFC 4733, is admitted by guard as a guest ("room-pin") and then
// hears the room's other member (an H.323 caller with an RTP phone) and is heard by
// it. The witness holds one wrong attempt and the admission.

import assert from "node:assert/strict";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR, witnessed } from "../_helpers/council_api.ts";
import { tpktMessages } from "../_helpers/h323_capture.ts";
import { acceptedRtpPort, setupFor } from "../_helpers/h323_setup.ts";
import { TpktClient } from "../_helpers/h323_client.ts";
import { RtpPhone } from "../_helpers/rtp_phone.ts";
import { rms } from "../_helpers/audio.ts";
import { runKeyedBaresip, tone, toneShare } from "../_helpers/baresip_keys.ts";
import { sleep, until } from "../_helpers/wait.ts";

const ROOM = "main";
const PIN = "24680";

Deno.test({
  name: "PIN lobby: baresip without an account keys a wrong then the right PIN, joins the room",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const phone = new RtpPhone("PCMU", 0, 8000);
  let client: TpktClient | undefined;
  let bobTalks: Promise<void> | undefined;
  try {
    // The room and its PIN: shown as pin: true, never the PIN or a hash.
    const created = await api(council.url, "POST", "/api/v1/rooms", { name: ROOM, pin: PIN });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((created.body as { pin: boolean }).pin, true);
    const shown = JSON.stringify((await api(council.url, "GET", "/api/v1/rooms")).body);
    assert.match(shown, /"pin":true/);
    assert.ok(!shown.includes(PIN) && !/salt|hash/.test(shown), shown);
    assert.equal(
      (await api(council.url, "POST", "/api/v1/rooms", { name: "x", pin: "12" })).status,
      400,
    );

    // The room's other member: an H.323 caller (token, Fast Start) speaking a 1 kHz tone.
    const bob = await addGuardian(council.url, "bob");
    const fast = await tpktMessages("h323plus-fast-ooh323c.pcapng");
    client = await TpktClient.connect(council.callSignalPort);
    await client.send(await setupFor(fast.find((m) => m.frame === 4)!.payload, bob, phone));
    await client.cs("callProceeding");
    const bobPort = acceptedRtpPort(
      (await client.cs("connect")).cs!.body as Record<string, unknown>,
    );
    // Bob talks until the phone is closed at the end.
    bobTalks = phone.play(bobPort, tone(1000, 40)).catch(() => {});

    // The guest's microphone is a 400 Hz tone. It keys 1111# once its call is up,
    // and the right PIN once the wrong one is witnessed; each step waits for the
    // server, never for a set time.
    let connectedAt = 0;
    let beforeAdmission: Int16Array = new Int16Array(0);
    const sipCalls = async () =>
      ((await api(council.url, "GET", "/api/v1/sip/calls")).body as { calls: unknown[] }).calls;
    const guest = runKeyedBaresip({
      sipPort: council.sipPort,
      user: "visitor",
      display: "Visiting Vera",
      room: ROOM,
      say: tone(400, 30),
      seconds: 24,
      keys: [
        {
          after: async () => {
            await until("the guest's call", async () => (await sipCalls()).length === 1, 15_000);
            connectedAt = performance.now();
            // Two seconds of lobby (prompt, no room) before the first key.
            await sleep(2000);
          },
          keys: "1111#",
        },
        {
          after: async () => {
            await until(
              "the wrong PIN witnessed",
              async () => (await witnessed(council.url, "guard.pin")).length > 0,
              15_000,
            );
            // What bob heard while the guest was in the lobby.
            beforeAdmission = phone.decodeReceived(8000, undefined, connectedAt);
          },
          keys: `${PIN}#`,
        },
      ],
    });
    // Admitted: the decision is witnessed; then both hear each other for 4 s.
    const admittedDecision = await until(
      "the guest admitted",
      async () =>
        (await witnessed(council.url, "guard.decision")).find((d) =>
          (d.request as { authentication?: string }).authentication === "room-pin"
        ),
      25_000,
    );
    const admittedAt = performance.now();
    await sleep(4000);
    const afterAdmission = phone.decodeReceived(8000, undefined, admittedAt + 500);
    const run = await guest;
    assert.ok(admittedDecision);
    assert.ok(run.sentAt.every((t) => t !== undefined), `keys sent: ${run.sentAt}`);

    // The recording starts when the call does (connectedAt, to within a poll).
    const at = (t: number) => Math.max(0, Math.round(((t - connectedAt) / 1000) * 8000));
    // In the lobby (until just before the right PIN): the prompt is audible, the
    // room (1 kHz) is not.
    const lobby = run.heard.subarray(at(connectedAt + 500), at(run.sentAt[1]! - 300));
    assert.ok(lobby.length >= 8000, `lobby stretch ${lobby.length}`);
    assert.ok(rms(lobby) > 300, `prompt rms ${rms(lobby)}`);
    assert.ok(toneShare(lobby, 1000, 8000) < 0.05, `room leaked ${toneShare(lobby, 1000, 8000)}`);
    // Admitted: after the welcome ("You are joining the council", ~2.5 s) the
    // guest hears bob; the recording's last 4 s are well after that.
    assert.ok(run.heard.length > at(admittedAt) + 8000 * 8, `recorded ${run.heard.length}`);
    const joined = run.heard.subarray(run.heard.length - 8000 * 4);
    assert.ok(toneShare(joined, 1000, 8000) > 0.5, `heard bob ${toneShare(joined, 1000, 8000)}`);
    // Bob heard nothing of the guest in the lobby, and hears it once admitted.
    assert.ok(beforeAdmission.length >= 8000, `bob's lobby stretch ${beforeAdmission.length}`);
    assert.ok(
      toneShare(beforeAdmission, 400, 8000) < 0.05 && rms(beforeAdmission) < 200,
      `lobby leaked: ${toneShare(beforeAdmission, 400, 8000)} rms ${rms(beforeAdmission)}`,
    );
    assert.ok(
      toneShare(afterAdmission, 400, 8000) > 0.5,
      `bob heard ${toneShare(afterAdmission, 400, 8000)}`,
    );

    // The witness: one wrong attempt (no PIN in it), then room-pin's admission.
    const pins = await witnessed(council.url, "guard.pin");
    const wrong = pins.filter((p) => p.outcome === "wrong");
    assert.equal(wrong.length, 1, JSON.stringify(pins));
    assert.equal(wrong[0].count, 1);
    assert.equal(wrong[0].source, "127.0.0.1");
    assert.match(String(wrong[0].claimedIdentity), /visitor/);
    assert.ok(!JSON.stringify(pins).includes("1111") && !JSON.stringify(pins).includes(PIN));
    const decisions = await witnessed(council.url, "guard.decision");
    const admitted = decisions.filter((d) =>
      (d.request as { authentication?: string }).authentication === "room-pin"
    );
    assert.equal(admitted.length, 1, JSON.stringify(decisions));
    assert.equal(admitted[0].decision, "admit");
    assert.equal(admitted[0].method, "room-pin");
    const g = admitted[0].guest as { source: string; claimedIdentity: string; verified: boolean };
    assert.deepEqual([g.source, g.verified], ["127.0.0.1", false]);
    assert.match(g.claimedIdentity, /Visiting Vera <visitor>/);
    assert.match(
      String((admitted[0].request as { guardianId: string }).guardianId),
      /^guest-[0-9a-f]{8}$/,
    );
    const pinSet = await witnessed(council.url, "room.pin_set");
    assert.equal(pinSet.length, 1);
    assert.ok(!JSON.stringify(pinSet).includes(PIN));
  } finally {
    client?.close();
    phone.close();
    await bobTalks;
    assert.equal(await council.stop(), 0);
  }
});
