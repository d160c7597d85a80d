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

const ROOM = "main";
const PIN = "24680";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test({
  name: "PIN lobby: baresip without an account keys a wrong then the right PIN, joins the room",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const phone = new RtpPhone("PCMU", 0, 8000);
  let client: TpktClient | undefined;
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
    const t0 = performance.now();
    const bobTalks = phone.play(bobPort, tone(1000, 20));

    // The guest's microphone is a 400 Hz tone; it keys 1111# at 3 s, 24680# at 8 s.
    const guest = runKeyedBaresip({
      sipPort: council.sipPort,
      user: "visitor",
      display: "Visiting Vera",
      room: ROOM,
      say: tone(400, 20),
      seconds: 17,
      keys: [{ atMs: 3000, keys: "1111#" }, { atMs: 8000, keys: `${PIN}#` }],
    });
    // Before the right PIN: bob does not hear the guest.
    await sleep(7500);
    const beforeAdmission = phone.decodeReceived(8000, undefined, t0 + 1000);
    const run = await guest;
    const afterAdmission = phone.decodeReceived(8000, undefined, t0 + 12_000);
    await bobTalks;

    assert.ok(run.heard.length > 8000 * 12, `baresip recorded ${run.heard.length} samples`);
    // In the lobby (1-6 s): the prompt is audible, the room (1 kHz) is not.
    const lobby = run.heard.subarray(8000 * 1, 8000 * 6);
    assert.ok(rms(lobby) > 300, `prompt rms ${rms(lobby)}`);
    assert.ok(toneShare(lobby, 1000, 8000) < 0.05, `room leaked ${toneShare(lobby, 1000, 8000)}`);
    // Admitted (the last 4 s): the guest hears bob.
    const joined = run.heard.subarray(run.heard.length - 8000 * 4);
    assert.ok(toneShare(joined, 1000, 8000) > 0.5, `heard bob ${toneShare(joined, 1000, 8000)}`);
    // Bob heard nothing of the guest in the lobby, and hears it once admitted.
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
    assert.equal(await council.stop(), 0);
  }
});
