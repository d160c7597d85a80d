// A terminal that first accepts Council's audio channel and then refuses the one
// Council reopens for another codec (issue 23 item 5: H323Plus refuses H.245
// channels with insufficientBandwidth): Council stops sending to the address the
// first channel gave, the leg keeps receiving, and the call lists why.
// The terminal is a device's separate-H.245 capture (ndpi-h323.pcap), adjusted.

import assert from "node:assert/strict";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR } from "../_helpers/council_api.ts";
import { tpktMessages } from "../_helpers/h323_capture.ts";
import { councilChannel, olcAck, setupFor } from "../_helpers/h323_setup.ts";
import { TpktClient } from "../_helpers/h323_client.ts";
import { RtpPhone } from "../_helpers/rtp_phone.ts";
import { sleep, until } from "../_helpers/wait.ts";
import { terminalCapabilitySet } from "../../signaling/h323/h245/capabilities.ts";
import { decodeH245, encodeH245 } from "../../signaling/h323/h245/mod.ts";

type Msg = Record<string, unknown>;

Deno.test({
  name: "H.323: a reopened channel the terminal refuses stops Council's media to the old address",
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
    const cs = await TpktClient.connect(council.callSignalPort);
    clients.push(cs);
    await cs.send(await setupFor(pick(6)[0].payload, carol));
    const connect = await cs.cs("connect");
    const h245Port = (connect.cs!.body as { h245Address: { ipAddress: { port: number } } })
      .h245Address.ipAddress.port;
    const h245 = await TpktClient.connect(h245Port, true);
    clients.push(h245);
    await h245.h245("request.terminalCapabilitySet");
    for (const m of [...pick(29), ...pick(30), ...pick(32)]) await h245.send(m.payload);
    // The terminal's channel, G.711 A-law; Council answers with one of its own.
    const terminalOlc = pick(38)[0].payload;
    await h245.send(terminalOlc);
    await h245.h245("response.openLogicalChannelAck");
    const first = await councilChannel(h245, "g711Alaw64k");
    await h245.send(olcAck(first, phone));
    // Council's mix reaches the acknowledged address.
    await until("media at the acknowledged address", () => phone.received.length > 10, 5000);

    // The terminal switches to u-law: says it can receive it too, closes its
    // channel, opens another. Council reopens its own for u-law, and the terminal
    // refuses that one.
    const from = h245.received.length;
    await h245.send(encodeH245({
      request: {
        terminalCapabilitySet: terminalCapabilitySet({
          sequenceNumber: 9,
          codecs: ["PCMA", "PCMU"],
        }),
      },
    }));
    const old = decodeH245(terminalOlc).request.openLogicalChannel as Msg;
    await h245.send(encodeH245({
      request: {
        closeLogicalChannel: {
          forwardLogicalChannelNumber: old.forwardLogicalChannelNumber,
          source: { user: null },
        },
      },
    }));
    const params = old.forwardLogicalChannelParameters as Msg;
    await h245.send(encodeH245({
      request: {
        openLogicalChannel: {
          ...old,
          forwardLogicalChannelNumber: 102,
          forwardLogicalChannelParameters: {
            ...params,
            dataType: { audioData: { g711Ulaw64k: 30 } },
          },
        },
      },
    }));
    const second = await councilChannel(h245, "g711Ulaw64k", from);
    await h245.send(encodeH245({
      response: {
        openLogicalChannelReject: {
          forwardLogicalChannelNumber: second.forwardLogicalChannelNumber,
          cause: { insufficientBandwidth: null },
        },
      },
    }));
    const listed = await until("the call lists the refusal", async () => {
      const calls = ((await api(council.url, "GET", "/api/v1/h323/calls")).body as {
        calls: Msg[];
      }).calls;
      return calls[0]?.mediaNote ? calls[0] : undefined;
    }, 5000);
    assert.match(
      String(listed.mediaNote),
      /refused Council's audio channel \(insufficientBandwidth\)/,
    );
    assert.equal(listed.remote, null);
    // Nothing more reaches the old address (a packet already in flight may land
    // within the first 100 ms).
    await sleep(100);
    const count = phone.received.length;
    await sleep(1500);
    assert.equal(phone.received.length, count, "Council still sends to the old address");
    const legs = ((await api(council.url, "GET", "/api/v1/media/legs")).body as { legs: Msg[] })
      .legs;
    assert.equal(legs.length, 1);
  } finally {
    for (const c of clients) c.close();
    phone.close();
    assert.equal(await council.stop(), 0);
  }
});
