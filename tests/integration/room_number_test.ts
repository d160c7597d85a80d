// Rooms by E.164 number (issue 23: a terminal "dials council-<room> or the room's
// E.164 number"): a room created with a number takes a SIP INVITE to that number
// (digest, as any phone) and an H.323 Setup whose destination is the number as
// dialledDigits; the number is one room's only; a number no room has is still
// refused.

import assert from "node:assert/strict";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR } from "../_helpers/council_api.ts";
import { tpktMessages } from "../_helpers/h323_capture.ts";
import { setupFor } from "../_helpers/h323_setup.ts";
import { TpktClient } from "../_helpers/h323_client.ts";
import { RtpPhone } from "../_helpers/rtp_phone.ts";
import { authorization, DigestClient, parseChallenge } from "../_helpers/sip_digest_client.ts";

type Msg = Record<string, unknown>;

Deno.test({
  name: "rooms by E.164 number: a SIP INVITE and an H.323 Setup to the number reach the room",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const phone = new RtpPhone("PCMU", 0, 8000);
  const clients: TpktClient[] = [];
  const sip = new DigestClient("127.0.0.1", council.sipPort);
  try {
    const created = await api(council.url, "POST", "/api/v1/rooms", {
      name: "main",
      number: "4100",
    });
    assert.equal(created.status, 201);
    assert.equal((created.body as Msg).number, "4100");
    const taken = await api(council.url, "POST", "/api/v1/rooms", { name: "x", number: "4100" });
    assert.equal(taken.status, 409);
    assert.match(JSON.stringify(taken.body), /4100 is room main's already/);
    assert.equal(
      (await api(council.url, "POST", "/api/v1/rooms", { name: "y", number: "41a" })).status,
      400,
    );

    // SIP: INVITE sip:+4100@... with digest.
    await addGuardian(council.url, "alice", { sipPassword: "alice-sip-pass" });
    const uri = `sip:+4100@127.0.0.1:${council.sipPort}`;
    const first = await sip.send({ method: "INVITE", user: "alice", requestUri: uri });
    assert.equal(first?.status, 401);
    const answered = await sip.send({
      method: "INVITE",
      user: "alice",
      requestUri: uri,
      authorization: authorization({
        challenge: parseChallenge(first!.header("www-authenticate")!),
        user: "alice",
        password: "alice-sip-pass",
        method: "INVITE",
        uri,
        nc: 1,
      }),
    });
    assert.equal(answered?.status, 200, answered?.text);
    const sipCalls = (await api(council.url, "GET", "/api/v1/sip/calls")).body as {
      calls: Msg[];
    };
    assert.deepEqual(sipCalls.calls.map((c) => c.room), ["main"]);
    // A number no room has (and no one registered under it): 404.
    const nobody = await sip.send({
      method: "INVITE",
      user: "alice",
      requestUri: `sip:4199@127.0.0.1:${council.sipPort}`,
    });
    assert.equal(nobody?.status, 404);

    // H.323: a Setup to dialledDigits 4100 (with a signed admission for the room).
    const bob = await addGuardian(council.url, "bob");
    const fast = await tpktMessages("h323plus-fast-ooh323c.pcapng");
    const setup = (digits: string) =>
      setupFor(fast.find((m) => m.frame === 4)!.payload, bob, phone, (body) => {
        body.destinationAddress = [{ dialledDigits: digits }];
      });
    const byNumber = await TpktClient.connect(council.callSignalPort);
    clients.push(byNumber);
    await byNumber.send(await setup("4100"));
    await byNumber.cs("connect");
    const h323Calls = (await api(council.url, "GET", "/api/v1/h323/calls")).body as {
      calls: Msg[];
    };
    assert.deepEqual(h323Calls.calls.map((c) => c.room), ["main"]);
  } finally {
    for (const c of clients) c.close();
    await sip.close();
    phone.close();
    assert.equal(await council.stop(), 0);
  }
});
