// The gatekeeper against messages a real H.323 stack wrote: GRQ, RRQ, ARQ, DRQ and
// URQ from Objective Systems' ooh323c (tests/fixtures/h323 captures), adjusted only
// where Council's deployment differs (alias, gatekeeper name, the admission token,
// the H.235.1 token every request from a registered endpoint carries), sent to a
// running server over UDP. Every answer is checked by Wireshark's H.225.0 dissector
// (tshark) as well as by Council's own decoder.

import assert from "node:assert/strict";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR } from "../_helpers/council_api.ts";
import { tsharkVerdicts } from "../_helpers/tshark.ts";
import { RasClient, rasFrames } from "../_helpers/ras.ts";
import { admissionToken, decodeRas, encodeRas, type RasValue } from "../../signaling/h323/mod.ts";

const only = (v: RasValue | undefined) => {
  assert.ok(v, "no answer");
  const [k] = Object.keys(v);
  return [k, v[k] as Record<string, unknown>] as const;
};

Deno.test("gatekeeper: ooh323c's GRQ, RRQ, ARQ, DRQ, URQ get the right answers, admitted by guard", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const ras = new RasClient(council.rasPort, { password: "bob's h323 secret" });
  try {
    const bob = await addGuardian(council.url, "bob", { h323Password: "bob's h323 secret" });
    const grqOnly = await rasFrames("ooh323c-grq-only.pcapng");
    const call = await rasFrames("gnugk-ras-call.pcapng");

    // GRQ exactly as ooh323c sent it.
    const [gcfKind, gcf] = only(await ras.ask(grqOnly.get(1)!));
    assert.equal(gcfKind, "gatekeeperConfirm");
    assert.equal(gcf.gatekeeperIdentifier, "Council");
    assert.equal(gcf.requestSeqNum, 1);

    // RRQ: bob's registration from the GNU Gatekeeper capture, minus that gatekeeper's name.
    const rrq = decodeRas(call.get(3)!);
    delete rrq.registrationRequest.gatekeeperIdentifier;
    const [rcfKind, rcf] = only(await ras.ask(rrq));
    assert.equal(rcfKind, "registrationConfirm", JSON.stringify(rcf));
    const endpointId = rcf.endpointIdentifier as string;
    assert.equal(rcf.timeToLive, 300);

    // Lightweight re-registration keeps the identifier.
    const [keepKind, keep] = only(
      await ras.ask({
        registrationRequest: {
          ...rrq.registrationRequest,
          requestSeqNum: 20,
          keepAlive: true,
          endpointIdentifier: endpointId,
        },
      }),
    );
    assert.equal(keepKind, "registrationConfirm");
    assert.equal(keep.endpointIdentifier, endpointId);

    // ARQ: the capture's call from bob, to room "main", with bob's signed request.
    const arqOf = (seq: number, tokens?: unknown[]) => {
      const arq = decodeRas(call.get(21)!).admissionRequest;
      return {
        admissionRequest: {
          ...arq,
          requestSeqNum: seq,
          endpointIdentifier: endpointId,
          destinationInfo: [{ "h323-ID": "council-main" }],
          srcInfo: [{ "h323-ID": "bob" }],
          gatekeeperIdentifier: "Council",
          answerCall: false,
          ...(tokens ? { tokens } : {}),
        },
      };
    };
    const request = await bob.request("main");
    const arq = await ras.encode(arqOf(30, [admissionToken(request)]));
    const [acfKind, acf] = only(await ras.ask(arq));
    assert.equal(acfKind, "admissionConfirm", JSON.stringify(acf));
    // 80 kbps a direction, both directions (H.225.0 7.8.1), in units of 100 bit/s.
    assert.equal(acf.bandWidth, 1600);
    assert.deepEqual(acf.callModel, { gatekeeperRouted: null });
    const sessions = (await api(council.url, "GET", "/api/v1/admission/sessions")).body as {
      sessions: { guardianId: string; room: string }[];
    };
    assert.deepEqual(sessions.sessions.map((s) => [s.guardianId, s.room]), [[bob.id, "main"]]);

    // A retransmitted ARQ gets the same ACF, not a replay rejection.
    const again = await ras.ask(arq);
    assert.deepEqual(again, { admissionConfirm: acf });

    // The same signed request under a new sequence number is a replay; no token is no entry.
    const [replayKind, replay] = only(await ras.ask(arqOf(31, [admissionToken(request)])));
    assert.equal(replayKind, "admissionReject");
    assert.deepEqual(replay.rejectReason, { securityDenial: null });
    // (Without H.235.1 either: a password-proven ARQ needs no token, see h323_auth_test.ts.)
    const [bareKind, bare] = only(await ras.ask(encodeRas(arqOf(32))));
    assert.equal(bareKind, "admissionReject");
    assert.deepEqual(bare.rejectReason, { securityDenial: null });
    // A request for another room than the one dialled is refused too.
    const other = admissionToken(await bob.request("elsewhere"));
    const [roomKind] = only(await ras.ask(arqOf(33, [other])));
    assert.equal(roomKind, "admissionReject");

    // DRQ (the capture's, for this call) ends the guard session.
    const drq = decodeRas(call.get(1428)!).disengageRequest;
    const arqValue = decodeRas(arq).admissionRequest;
    const [dcfKind] = only(
      await ras.ask({
        disengageRequest: {
          ...drq,
          requestSeqNum: 40,
          endpointIdentifier: endpointId,
          callIdentifier: arqValue.callIdentifier,
          conferenceID: arqValue.conferenceID,
          gatekeeperIdentifier: "Council",
        },
      }),
    );
    assert.equal(dcfKind, "disengageConfirm");
    const after = (await api(council.url, "GET", "/api/v1/admission/sessions")).body as {
      sessions: unknown[];
    };
    assert.deepEqual(after.sessions, []);

    // URQ, then an ARQ from the gone endpoint.
    const [ucfKind] = only(
      await ras.ask({
        unregistrationRequest: {
          requestSeqNum: 50,
          callSignalAddress: rrq.registrationRequest.callSignalAddress,
          endpointIdentifier: endpointId,
        },
      }),
    );
    assert.equal(ucfKind, "unregistrationConfirm");
    const [goneKind, gone] = only(
      await ras.ask(await arqOf(51, [admissionToken(await bob.request("main"))])),
    );
    assert.equal(goneKind, "admissionReject");
    assert.deepEqual(gone.rejectReason, { callerNotRegistered: null });

    // Wireshark reads every answer Council sent as well-formed H.225.0 RAS.
    const verdicts = await tsharkVerdicts("h225", ras.answers);
    for (const [i, v] of verdicts.entries()) {
      assert.equal(v.malformed, false, `answer ${i} (${v.info}) is malformed:\n${v.detail}`);
      assert.deepEqual(v.problems, [], `answer ${i} (${v.info})`);
      assert.match(v.info, /^RAS: /);
    }
    assert.deepEqual(
      verdicts.map((v) => v.info.replace("RAS: ", "").trim()),
      [
        "gatekeeperConfirm",
        "registrationConfirm",
        "registrationConfirm",
        "admissionConfirm",
        "admissionConfirm",
        "admissionReject",
        "admissionReject",
        "admissionReject",
        "disengageConfirm",
        "unregistrationConfirm",
        "admissionReject",
      ],
    );
  } catch (err) {
    console.error(
      council.lines.filter((l) => l.includes('"level":"error"') || l.includes("warn")).join("\n"),
    );
    throw err;
  } finally {
    ras.close();
    await council.stop();
  }
});

Deno.test("gatekeeper: registration refusals and bad RAS input", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const ras = new RasClient(council.rasPort);
  try {
    const call = await rasFrames("gnugk-ras-call.pcapng");
    const malformed = (await rasFrames("ndpi-h323.pcap")).get(59)!;
    // The capture names its own gatekeeper: refused with Council's name in the GRJ.
    const named = decodeRas(call.get(1)!);
    named.gatekeeperRequest.gatekeeperIdentifier = "ProbeGK";
    const [grjKind, grj] = only(await ras.ask(named));
    assert.equal(grjKind, "gatekeeperReject");
    assert.deepEqual(grj.rejectReason, { terminalExcluded: null });
    // bob is not a guardian here: his RRQ is refused like any unproven one, nothing is stored.
    const rrq = decodeRas(call.get(3)!);
    delete rrq.registrationRequest.gatekeeperIdentifier;
    const [rrjKind, rrj] = only(await ras.ask(rrq));
    assert.equal(rrjKind, "registrationReject");
    assert.deepEqual(rrj.rejectReason, { securityDenial: null });

    // Truncated, random and malformed datagrams get no answer and change nothing.
    const grq = call.get(1)!;
    for (
      const junk of [
        grq.subarray(0, 5),
        new Uint8Array(300).fill(0xff),
        malformed,
        new Uint8Array(0),
      ]
    ) {
      assert.equal(await ras.ask(junk, 300), undefined);
    }
    // The gatekeeper still answers.
    const [k] = only(await ras.ask(decodeRas(call.get(5)!)));
    assert.match(k, /^gatekeeper(Confirm|Reject)$/);
    const metrics = await (await fetch(`${council.url}/metrics`)).text();
    assert.match(metrics, /^council_h323_ras_invalid [34]$/m);
    assert.match(metrics, /^council_h323_endpoints 0$/m);

    const verdicts = await tsharkVerdicts("h225", ras.answers);
    for (const v of verdicts) assert.equal(v.malformed || v.problems.length > 0, false, v.detail);
  } finally {
    ras.close();
    await council.stop();
  }
});
