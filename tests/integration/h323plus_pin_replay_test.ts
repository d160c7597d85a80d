// Room PIN with a real H.323 terminal (issue 23), from a live run: H323Plus 1.28's
// simph323, with no gatekeeper and no password, dialled council-pinroom directly,
// was connected into the PIN lobby, heard the prompt, keyed "1111#" then "2468#"
// on its keypad (H.245 UserInputIndication, alphanumeric, tunnelled) and was
// admitted as a guest (tests/fixtures/h323/h323plus-callout-and-pin-lobby.pcapng,
// frames 232-286; the same capture holds Council's call-out that H323Plus accepted,
// frames 113-125). The terminal's own messages are replayed byte for byte.

import assert from "node:assert/strict";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { api, OPERATOR, witnessed } from "../_helpers/council_api.ts";
import { tpktMessages } from "../_helpers/h323_capture.ts";
import { TpktClient } from "../_helpers/h323_client.ts";
import { until } from "../_helpers/wait.ts";
import { readCs } from "../../signaling/h323/h225/signalling.ts";
import { decodeH245 } from "../../signaling/h323/h245/mod.ts";

type Msg = Record<string, unknown>;
const CAPTURE = "h323plus-callout-and-pin-lobby.pcapng";

Deno.test({
  name:
    "PIN lobby: H323Plus's own Setup and keypad messages, replayed, key a wrong then the right PIN",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const terminal = (await tpktMessages(CAPTURE)).filter((m) =>
    m.frame >= 232 && m.dstPort === 21720
  );
  const frame = (n: number) => terminal.find((m) => m.frame === n)!.payload;
  let client: TpktClient | undefined;
  try {
    const created = await api(council.url, "POST", "/api/v1/rooms", {
      name: "pinroom",
      pin: "2468",
    });
    assert.equal(created.status, 201);
    client = await TpktClient.connect(council.callSignalPort);
    await client.send(frame(232)); // Setup, no token, no gatekeeper
    await client.cs("connect");
    await client.send(frame(238)); // its capabilities
    await client.send(frame(239)); // master/slave determination
    await client.h245("response.masterSlaveDeterminationAck");
    await client.send(frame(242)); // acks
    await client.h245("request.openLogicalChannel");
    await client.send(frame(244)); // its channel (A-law)
    await client.send(frame(245)); // accepts Council's
    await client.h245("request.closeLogicalChannel"); // Council follows its codec
    await client.send(frame(247));
    const calls = async () =>
      ((await api(council.url, "GET", "/api/v1/h323/calls")).body as { calls: Msg[] }).calls;
    // Keyed at once, before Council has even seen its channel acknowledged: kept
    // for the lobby, not lost.
    await client.send(frame(284)); // "1111#"
    const lobby = await until("the lobby call with media", async () => {
      const c = (await calls())[0];
      return c?.remote ? c : undefined;
    }, 5000);
    assert.equal(lobby.guardianId, "lobby");
    const wrong = await until(
      "the wrong PIN witnessed",
      async () => (await witnessed(council.url, "guard.pin"))[0],
      10_000,
    );
    assert.deepEqual(
      [wrong.outcome, wrong.claimedIdentity, wrong.count],
      ["wrong", "h323-ID:dave", 1],
    );
    await client.send(frame(286)); // "2468#"
    const admitted = await until(
      "the guest admitted",
      async () =>
        (await witnessed(council.url, "guard.decision")).find((d) => d.method === "room-pin"),
      10_000,
    );
    assert.equal(admitted.decision, "admit");
    assert.equal((admitted.guest as Msg).claimedIdentity, "h323-ID:dave");
    const joined = await until("the guest's call", async () => {
      const c = (await calls())[0];
      return c && String(c.guardianId).startsWith("guest-") ? c : undefined;
    }, 5000);
    assert.equal(joined.room, "pinroom");
  } finally {
    client?.close();
    assert.equal(await council.stop(), 0);
  }
});

Deno.test("H323Plus accepted Council's call-out: conference goal create, both audio channels open", async () => {
  // Frames 113-125: Council (port 42716) calls simph323 (registered with Council
  // by its H.235.1 password, auto-answering on 11760) into a room with another
  // member; it answers and opens its channel, and acknowledges Council's.
  const msgs = (await tpktMessages(CAPTURE)).filter((m) => m.frame >= 113 && m.frame <= 125);
  const fromCouncil = msgs.filter((m) => m.srcPort === 42716).map((m) => readCs(m.payload));
  const fromTerminal = msgs.filter((m) => m.srcPort === 11760).map((m) => readCs(m.payload));
  const setup = fromCouncil.find((m) => m.kind === "setup")!;
  assert.deepEqual((setup.body as Msg).conferenceGoal, { create: null });
  assert.ok(fromTerminal.some((m) => m.kind === "connect"), "H323Plus answered");
  const h245 = (list: typeof fromTerminal) =>
    list.flatMap((m) => ((m.pdu?.h245Control as Uint8Array[] | undefined) ?? []).map(decodeH245));
  const councilOlcs = h245(fromCouncil).filter((m) => m.request?.openLogicalChannel);
  const acks = h245(fromTerminal).filter((m) => m.response?.openLogicalChannelAck);
  const rejects = h245(fromTerminal).filter((m) => m.response?.openLogicalChannelReject);
  assert.equal(rejects.length, 0, "no channel refused (insufficientBandwidth before the fix)");
  const last = councilOlcs.at(-1)!.request.openLogicalChannel as Msg;
  assert.ok(
    acks.some((a) =>
      (a.response.openLogicalChannelAck as Msg).forwardLogicalChannelNumber ===
        last.forwardLogicalChannelNumber
    ),
    "Council's audio channel acknowledged",
  );
  assert.ok(
    h245(fromTerminal).some((m) => m.request?.openLogicalChannel),
    "H323Plus opened its own channel to Council",
  );
});
