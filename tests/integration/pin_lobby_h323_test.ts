// Room PIN lobby, H.323 (issue 23): captured H323Plus Setups without an admission
// token to a room with a PIN are connected into the lobby; the caller hears the
// prompt (energy in the RTP Council sends it), keys a wrong then the right PIN as
// H.245 UserInputIndication and is admitted as a guest (room-pin). A second caller
// from the same network runs out of wrong PINs: its last entry is refused before
// any hashing, it hears the goodbye and gets Release Complete. A room without a
// PIN still refuses a Setup without a token (cause 21).

import assert from "node:assert/strict";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { api, OPERATOR, witnessed } from "../_helpers/council_api.ts";
import { tpktMessages } from "../_helpers/h323_capture.ts";
import { acceptedRtpPort, adjust, setupFor } from "../_helpers/h323_setup.ts";
import { TpktClient } from "../_helpers/h323_client.ts";
import { RtpPhone } from "../_helpers/rtp_phone.ts";
import { rms } from "../_helpers/audio.ts";
import { tempDir } from "../_helpers/temp.ts";
import { waitFor } from "../_helpers/wait.ts";
import { encodeH245 } from "../../signaling/h323/h245/mod.ts";
import { causeOf, parseQ931, serializeQ931 } from "../../signaling/h323/q931/message.ts";
import { readCs } from "../../signaling/h323/h225/signalling.ts";

type Msg = Record<string, unknown>;
const PIN = "2468";

Deno.test({
  name: "PIN lobby: H.323 Setups without a token key the PIN by H.245 user input; limits hold",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const dir = await tempDir();
  const policy = `${dir}/policy.json`;
  await Deno.writeTextFile(
    policy,
    JSON.stringify({
      version: "pin-h323",
      roomPin: { wrongPerSource: { perSecond: 0, burst: 3 } },
    }),
  );
  const council = await startCouncilProcess({
    COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
    COUNCIL_GUARD_POLICY_FILE: policy,
  });
  const phones = [new RtpPhone("PCMU", 0, 8000), new RtpPhone("PCMU", 0, 8000)];
  const clients: TpktClient[] = [];
  try {
    assert.equal((await api(council.url, "POST", "/api/v1/rooms", { name: "main" })).status, 201);
    assert.equal((await api(council.url, "POST", "/api/v1/rooms", { name: "open" })).status, 201);
    assert.equal(
      (await api(council.url, "PUT", "/api/v1/rooms/main/pin", { pin: PIN })).status,
      200,
    );
    const fast = await tpktMessages("h323plus-fast-ooh323c.pcapng");
    const frame = (n: number) => fast.find((m) => m.frame === n)!.payload;
    // H.245 UserInputIndication tunnelled in Facility, on the call reference of `setup`.
    const keys = async (client: TpktClient, setup: number, digits: string) => {
      const crv = readCs(frame(setup)).q931.callReference;
      for (const d of digits) {
        const facility = parseQ931(adjust(frame(10), (_b, pdu) => {
          pdu.h245Control = [encodeH245({ indication: { userInput: { alphanumeric: d } } })];
        }));
        await client.send(serializeQ931({ ...facility, callReference: crv }));
      }
    };
    const calls = async () =>
      ((await api(council.url, "GET", "/api/v1/h323/calls")).body as { calls: Msg[] }).calls;

    // A room without a PIN: no token is still cause 21.
    const refused = await TpktClient.connect(council.callSignalPort);
    clients.push(refused);
    await refused.send(await setupFor(frame(4), undefined, phones[0], undefined, "open"));
    const rc = await refused.cs("releaseComplete");
    assert.equal(causeOf(rc.cs!.q931), 21);

    // Caller 1: connected into the lobby; the prompt reaches its RTP port.
    const a = await TpktClient.connect(council.callSignalPort);
    clients.push(a);
    const t0 = performance.now();
    await a.send(await setupFor(frame(4), undefined, phones[0]));
    await a.cs("callProceeding");
    const port = acceptedRtpPort((await a.cs("connect")).cs!.body as Msg);
    const inLobby = await waitFor(async () =>
      (await calls()).find((c) => c.admittedBy === "room-pin")
    );
    assert.equal(inLobby.guardianId, "lobby");
    // The terminal sends silence (its media starts the source lock); the prompt plays.
    const silent = phones[0].play(port, new Int16Array(8000 * 3));
    await new Promise((r) => setTimeout(r, 2500));
    const prompt = phones[0].decodeReceived(8000, undefined, t0);
    assert.ok(rms(prompt) > 300, `prompt rms ${rms(prompt)}`);
    await silent;

    await keys(a, 4, "1111#");
    await keys(a, 4, `${PIN}#`);
    const admitted = await waitFor(
      async () => (await calls()).find((c) => String(c.guardianId).startsWith("guest-")),
      10_000,
    );
    assert.equal(admitted.legId, inLobby.legId);
    const room = (await api(council.url, "GET", "/api/v1/rooms/main")).body as {
      members: Msg[];
    };
    assert.equal(room.members.length, 1);
    assert.equal(room.members[0].guest, true);
    assert.match(String(room.members[0].displayName), /\(unverified\)$/);

    // Caller 2, same network: two wrong PINs use up the source's three; the third is
    // refused before hashing: goodbye, then Release Complete.
    const b = await TpktClient.connect(council.callSignalPort);
    clients.push(b);
    await b.send(await setupFor(frame(26), undefined, phones[1]));
    await b.cs("connect");
    await keys(b, 26, "9999#8888#7777#");
    const bye = await b.next((r) => r.cs?.q931.type === "releaseComplete", { timeoutMs: 20_000 });
    assert.equal(causeOf(bye.cs!.q931), 21);

    const pins = await witnessed(council.url, "guard.pin");
    const count = (outcome: string) =>
      pins.filter((p) => p.outcome === outcome).reduce((n, p) => n + (p.count as number), 0);
    // Pending aggregates are flushed at the interval's end; the first of each is at once.
    assert.ok(pins.some((p) => p.outcome === "wrong" && p.count === 1));
    assert.ok(pins.some((p) => p.outcome === "limited"), JSON.stringify(pins));
    assert.ok(count("wrong") >= 1);
    const decisions = (await witnessed(council.url, "guard.decision")).filter((d) =>
      (d.request as Msg).authentication === "room-pin"
    );
    assert.equal(decisions.length, 1);
    assert.equal(decisions[0].decision, "admit");
    assert.equal((decisions[0].guest as Msg).source, "127.0.0.1");
  } finally {
    for (const c of clients) c.close();
    for (const p of phones) p.close();
    assert.equal(await council.stop(), 0);
  }
});
