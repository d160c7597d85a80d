// Issue 22 item 1, the H.323 impersonation attack, end to end against a running
// server: an impostor claiming h323-ID:bob without proof is refused, cannot
// unregister bob (by his address or a guessed identifier), cannot locate him, and
// an operator's call for bob goes only to bob. H.235.1 (bob's password) and
// Council's RAS token (bob's key) register; a wrong password, a stale timestamp, a
// replayed token do not. Every answer is checked by tshark.

import assert from "node:assert/strict";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR } from "../_helpers/council_api.ts";
import { freeUdpPort } from "../_helpers/sipp.ts";
import { tsharkVerdicts } from "../_helpers/tshark.ts";
import { RasClient, rasFrames } from "../_helpers/ras.ts";
import {
  councilRasToken,
  decodeRas,
  encodeRas,
  h235Key,
  type RasValue,
  readHashedToken,
  signRas,
} from "../../signaling/h323/mod.ts";
import { hashMatches } from "../../signaling/h323/security/h235_1.ts";

type Msg = Record<string, unknown>;
const PASSWORD = "bob's h323 password";
const ip = (port: number) => ({ ipAddress: { ip: new Uint8Array([127, 0, 0, 1]), port } });

const only = (v: RasValue | undefined) => {
  assert.ok(v, "no answer");
  const [k] = Object.keys(v);
  return [k, v[k] as Msg] as const;
};

async function witnessed(url: string, type: string): Promise<Msg[]> {
  const head = (await api(url, "POST", "/api/v1/witness/head")).body as { size: number };
  return ((await api(url, "GET", `/api/v1/witness/entries?start=0&end=${head.size}`)).body as {
    entries: { type: string; payload: Msg }[];
  }).entries.filter((e) => e.type === type).map((e) => e.payload);
}

async function registrations(url: string): Promise<Msg[]> {
  return ((await api(url, "GET", "/api/v1/h323/registrations")).body as {
    registrations: Msg[];
  }).registrations;
}

/** GnuGk's captured RRQ for h323-ID:bob, with this terminal's addresses and a fresh seq. */
async function rrqFor(ras: RasClient, callSignalPort: number, seq: number): Promise<RasValue> {
  const rrq = decodeRas((await rasFrames("gnugk-ras-call.pcapng")).get(3)!);
  const body = rrq.registrationRequest;
  delete body.gatekeeperIdentifier;
  body.requestSeqNum = seq;
  body.callSignalAddress = [ip(callSignalPort)];
  body.rasAddress = [ip((ras.sock.addr as Deno.NetAddr).port)];
  body.terminalAlias = [{ "h323-ID": "bob" }];
  return rrq;
}

async function assertWellFormed(answers: Uint8Array[]): Promise<void> {
  for (const [i, v] of (await tsharkVerdicts("h225", answers)).entries()) {
    assert.equal(v.malformed, false, `answer ${i} (${v.info}) is malformed:\n${v.detail}`);
    assert.deepEqual(v.problems, [], `answer ${i} (${v.info})`);
  }
}

Deno.test("H.323 impersonation: no RCF, URQ, LCF or call for bob without bob's proof", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const impostor = new RasClient(council.rasPort);
  const bobRas = new RasClient(council.rasPort, { password: PASSWORD });
  const impostorCalls = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const bobCalls = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l: Deno.Listener) => (l.addr as Deno.NetAddr).port;
  try {
    const bob = await addGuardian(council.url, "bob", { h323Password: PASSWORD });

    // 1. The impostor's RRQ as h323-ID:bob, no proof: RRJ securityDenial, no registration.
    const [k1, rrj] = only(await impostor.ask(await rrqFor(impostor, port(impostorCalls), 11)));
    assert.equal(k1, "registrationReject");
    assert.deepEqual(rrj.rejectReason, { securityDenial: null });
    assert.deepEqual(await registrations(council.url), []);
    // So an operator's call for bob has nowhere to go: it is refused, nobody is dialled.
    const call = await api(council.url, "POST", "/api/v1/h323/calls", {
      room: "main",
      guardianId: bob.id,
    });
    assert.equal(call.status, 404, JSON.stringify(call.body));

    // 2. A wrong password is refused the same way.
    const wrong = await impostor.encode(await rrqFor(impostor, port(impostorCalls), 13), {
      password: "not bob's password",
    });
    const [k2, rrj2] = only(await impostor.ask(wrong));
    assert.equal(k2, "registrationReject");
    assert.deepEqual(rrj2.rejectReason, { securityDenial: null });

    // 3. bob registers with H.235.1: RCF, signed for him, with an unguessable identifier.
    const rcfBytesAt = bobRas.answers.length;
    const [k4, rcf] = only(await bobRas.ask(await rrqFor(bobRas, port(bobCalls), 21)));
    assert.equal(k4, "registrationConfirm", JSON.stringify(rcf));
    const endpointId = rcf.endpointIdentifier as string;
    assert.match(endpointId, /^[0-9a-f]{32}$/);
    const token = readHashedToken(rcf);
    assert.ok(token.ok, "the RCF carries an H.235.1 token");
    assert.equal(token.token.sendersID, "Council");
    assert.equal(token.token.generalID, endpointId);
    assert.ok(hashMatches(bobRas.answers[rcfBytesAt], token.token.hash, h235Key(PASSWORD)));

    // 4. The impostor tries to unregister bob: by his call signalling address, by a
    // guessed identifier, and by his real identifier (had it leaked): URJ each time.
    for (
      const urq of [
        { callSignalAddress: [ip(port(bobCalls))] },
        { callSignalAddress: [ip(port(bobCalls))], endpointIdentifier: "1-1" },
        { callSignalAddress: [ip(port(bobCalls))], endpointIdentifier: endpointId },
      ].map((u, i) => ({ unregistrationRequest: { requestSeqNum: 30 + i, ...u } }))
    ) {
      const [k, urj] = only(await impostor.ask(urq));
      assert.equal(k, "unregistrationReject");
      assert.deepEqual(urj.rejectReason, { securityDenial: null });
    }
    // ... and to register in bob's place while bob holds the alias.
    const [k5, rrj5] = only(await impostor.ask(await rrqFor(impostor, port(impostorCalls), 40)));
    assert.equal(k5, "registrationReject");
    assert.deepEqual(rrj5.rejectReason, { securityDenial: null });
    // bob is still registered, at his own address, proven by H.235.1.
    const regs = await registrations(council.url);
    assert.deepEqual(regs.map((r) => [r.guardianId, r.callSignal, r.proof]), [
      [bob.id, [`127.0.0.1:${port(bobCalls)}`], "h235.1"],
    ]);

    // 5. LRQ for bob from a source that is no configured neighbour: LRJ, no address.
    const [k6, lrj] = only(
      await impostor.ask({
        locationRequest: {
          requestSeqNum: 50,
          destinationInfo: [{ "h323-ID": "bob" }],
          replyAddress: ip((impostor.sock.addr as Deno.NetAddr).port),
        },
      }),
    );
    assert.equal(k6, "locationReject");
    assert.deepEqual(lrj.rejectReason, { securityDenial: null });

    // 6. The operator's call for bob reaches bob's listener, not the impostor's.
    const dialled = api(council.url, "POST", "/api/v1/h323/calls", {
      room: "main",
      guardianId: bob.id,
    });
    const conn = await bobCalls.accept();
    conn.close();
    await dialled;

    // The witness: bob's registration without its identifier; the refusals recorded.
    const rcfs = await witnessed(council.url, "h323.ras.rcf");
    assert.equal(rcfs.length, 1);
    assert.equal(rcfs[0].proof, "h235.1");
    assert.equal(JSON.stringify(rcfs).includes(endpointId), false, "identifier published");
    assert.equal(JSON.stringify(rcfs).includes(`:${port(bobCalls)}`), false, "address published");
    const denials = await witnessed(council.url, "h323.ras.security_denial");
    assert.ok(denials.some((d) => d.kind === "registrationRequest"), JSON.stringify(denials));
    assert.ok(denials.some((d) => d.kind === "unregistrationRequest"));
    assert.ok(denials.some((d) => d.kind === "locationRequest"));
    const callouts = await witnessed(council.url, "h323.callout");
    assert.deepEqual(callouts.map((c) => [c.guardianId, c.proof]), [[bob.id, "h235.1"]]);

    await assertWellFormed([...impostor.answers, ...bobRas.answers]);
  } catch (err) {
    console.error(council.lines.filter((l) => /"level":"(error|warn)"/.test(l)).join("\n"));
    throw err;
  } finally {
    impostor.close();
    bobRas.close();
    impostorCalls.close();
    bobCalls.close();
    await council.stop();
  }
});

Deno.test("H.235.1: the right password registers and admits ROUTINE calls; a stale timestamp, a replay and an unproven keep-alive do not", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const bobRas = new RasClient(council.rasPort, { password: PASSWORD });
  const attacker = new RasClient(council.rasPort);
  try {
    await addGuardian(council.url, "bob", { h323Password: PASSWORD });
    const key = h235Key(PASSWORD);
    // An hour old, made with the right password: stale.
    const stale = signRas(await rrqFor(bobRas, 1720, 5), {
      key,
      generalID: "Council",
      sendersID: "bob",
      random: 1,
      timeStamp: Math.floor(Date.now() / 1000) - 3600,
    });
    const [k1, rrj1] = only(await bobRas.ask(stale));
    assert.equal(k1, "registrationReject");
    assert.deepEqual(rrj1.rejectReason, { securityDenial: null });
    // A token made for another gatekeeper (generalID) is not Council's.
    const elsewhere = signRas(await rrqFor(bobRas, 1720, 6), {
      key,
      generalID: "OtherGK",
      sendersID: "bob",
      random: 2,
    });
    assert.deepEqual(only(await bobRas.ask(elsewhere))[1].rejectReason, { securityDenial: null });

    // The right password, now: RCF.
    const fresh = await bobRas.encode(await rrqFor(bobRas, 1720, 7));
    const [k2, rcf] = only(await bobRas.ask(fresh));
    assert.equal(k2, "registrationConfirm", JSON.stringify(rcf));
    bobRas.endpointId = rcf.endpointIdentifier as string;
    // Its exact bytes replayed from another address: the (timeStamp, random) was used.
    const [k3, rrj3] = only(await attacker.ask(fresh));
    assert.equal(k3, "registrationReject");
    assert.deepEqual(rrj3.rejectReason, { securityDenial: null });

    // A lightweight re-registration is proven like the rest.
    const keepAlive = {
      registrationRequest: {
        ...(await rrqFor(bobRas, 1720, 8)).registrationRequest,
        keepAlive: true,
        endpointIdentifier: bobRas.endpointId,
      },
    };
    const [k4, keep] = only(await bobRas.ask(keepAlive));
    assert.equal(k4, "registrationConfirm");
    assert.equal(keep.endpointIdentifier, bobRas.endpointId);
    const [k5, bare] = only(
      await attacker.ask({
        registrationRequest: { ...keepAlive.registrationRequest, requestSeqNum: 9 },
      }),
    );
    assert.equal(k5, "registrationReject");
    assert.deepEqual(bare.rejectReason, { securityDenial: null });

    // A password-proven ARQ needs no Council token for a ROUTINE room: admitted like a
    // SIP phone with digest (issue 23); an ESCALATE room is refused that way.
    const arqTo = async (seq: number, room: string) => {
      const arq = decodeRas((await rasFrames("gnugk-ras-call.pcapng")).get(21)!).admissionRequest;
      return {
        admissionRequest: {
          ...arq,
          requestSeqNum: seq,
          endpointIdentifier: bobRas.endpointId,
          destinationInfo: [{ "h323-ID": `council-${room}` }],
          srcInfo: [{ "h323-ID": "bob" }],
          gatekeeperIdentifier: "Council",
          answerCall: false,
        },
      };
    };
    const [k6, acf] = only(await bobRas.ask(await arqTo(10, "main")));
    assert.equal(k6, "admissionConfirm", JSON.stringify(acf));
    const sessions = (await api(council.url, "GET", "/api/v1/admission/sessions")).body as {
      sessions: { guardianId: string; room: string; callType: string }[];
    };
    assert.deepEqual(sessions.sessions.map((x) => [x.guardianId, x.room, x.callType]), [
      ["if://guardian/bob", "main", "ROUTINE"],
    ]);
    // The same ARQ without the password's proof: refused.
    const [k7, arj] = only(await attacker.ask(await arqTo(11, "main")));
    assert.equal(k7, "admissionReject");
    assert.deepEqual(arj.rejectReason, { securityDenial: null });
    const made = await api(council.url, "POST", "/api/v1/rooms", {
      name: "crisis",
      callType: "ESCALATE",
      capacity: 4,
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const [k8, escalate] = only(await bobRas.ask(await arqTo(12, "crisis")));
    assert.equal(k8, "admissionReject");
    assert.deepEqual(escalate.rejectReason, { securityDenial: null });

    // The password is never returned; its changes are witnessed without it.
    const list = await api(council.url, "GET", "/api/v1/h323/passwords");
    assert.equal(JSON.stringify(list.body).includes(PASSWORD), false);
    assert.deepEqual(
      (list.body as { passwords: Msg[] }).passwords.map((p) => p.guardianId),
      ["if://guardian/bob"],
    );
    const guardian = await api(council.url, "GET", "/api/v1/guardians/if%3A%2F%2Fguardian%2Fbob");
    assert.equal(JSON.stringify(guardian.body).includes(PASSWORD), false);
    const set = await witnessed(council.url, "h323.password_set");
    assert.deepEqual(set, [{ guardianId: "if://guardian/bob", by: "operator" }]);
    const short = await api(
      council.url,
      "PUT",
      "/api/v1/h323/passwords/if%3A%2F%2Fguardian%2Fbob",
      { password: "short" },
    );
    assert.equal(short.status, 400);

    await assertWellFormed([...bobRas.answers, ...attacker.answers]);
  } finally {
    bobRas.close();
    attacker.close();
    await council.stop();
  }
});

Deno.test("Council RAS token: bob's key registers and unregisters; a replayed or moved token does not", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const bobRas = new RasClient(council.rasPort);
  const attacker = new RasClient(council.rasPort);
  try {
    const bob = await addGuardian(council.url, "bob");
    const mallory = await addGuardian(council.url, "mallory");
    bobRas.proof = { guardianId: bob.id, secret: bob.secret };
    const rrq = await rrqFor(bobRas, 1720, 3);
    const signed = await bobRas.encode(rrq);
    const [k1, rcf] = only(await bobRas.ask(signed));
    assert.equal(k1, "registrationConfirm", JSON.stringify(rcf));
    assert.deepEqual((await registrations(council.url)).map((r) => r.proof), ["council-token"]);

    // The same token from another address: replayed.
    assert.deepEqual(only(await attacker.ask(signed))[1].rejectReason, { securityDenial: null });
    // mallory's key signing for bob: refused.
    const forged = await attacker.encode(await rrqFor(attacker, 1720, 4), {
      guardianId: bob.id,
      secret: mallory.secret,
    });
    assert.deepEqual(only(await attacker.ask(forged))[1].rejectReason, { securityDenial: null });
    // bob's RRQ token moved onto a URQ: it covers another kind of request.
    const body = rrq.registrationRequest;
    const moved = await councilRasToken("registrationRequest", body, bob.id, bob.secret);
    const urq = {
      unregistrationRequest: {
        requestSeqNum: 5,
        callSignalAddress: body.callSignalAddress,
        endpointIdentifier: rcf.endpointIdentifier,
        tokens: [moved],
      },
    };
    assert.deepEqual(only(await attacker.ask(encodeRas(urq)))[1].rejectReason, {
      securityDenial: null,
    });
    // bob's own URQ, signed for what it says: UCF.
    const [k2] = only(
      await bobRas.ask({
        unregistrationRequest: {
          requestSeqNum: 6,
          callSignalAddress: body.callSignalAddress,
          endpointIdentifier: rcf.endpointIdentifier,
        },
      }),
    );
    assert.equal(k2, "unregistrationConfirm");
    assert.deepEqual(await registrations(council.url), []);
    await assertWellFormed([...bobRas.answers, ...attacker.answers]);
  } finally {
    bobRas.close();
    attacker.close();
    await council.stop();
  }
});

Deno.test("RAS cache (issue 23 item 2): after URQ, ooh323c's re-registration with the same port and sequence number gets a new RCF", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const alice = new RasClient(council.rasPort, { password: PASSWORD });
  try {
    await addGuardian(council.url, "alice", { h323Password: PASSWORD });
    // ooh323c's RRQ (frame 3) and URQ (frame 5) of the capture, moved to loopback.
    const frames = await rasFrames("ooh323c-quick-reregister-stale-rcf.pcapng");
    const rrq = decodeRas(frames.get(3)!);
    const own = ip((alice.sock.addr as Deno.NetAddr).port);
    rrq.registrationRequest.rasAddress = [own];
    rrq.registrationRequest.callSignalAddress = [ip(1720)];
    const urq = decodeRas(frames.get(5)!);
    assert.equal(
      rrq.registrationRequest.requestSeqNum,
      decodeRas(frames.get(9)!)
        .registrationRequest.requestSeqNum,
      "the capture re-registers with the same seq",
    );

    const [k1, first] = only(await alice.ask(rrq));
    assert.equal(k1, "registrationConfirm", JSON.stringify(first));
    alice.endpointId = first.endpointIdentifier as string;
    urq.unregistrationRequest.endpointIdentifier = alice.endpointId;
    urq.unregistrationRequest.callSignalAddress = [ip(1720)];
    const [k2] = only(await alice.ask(urq));
    assert.equal(k2, "unregistrationConfirm");

    // The terminal restarts: same RAS port, same sequence number, a new registration.
    alice.endpointId = undefined;
    const [k3, second] = only(await alice.ask(rrq));
    assert.equal(k3, "registrationConfirm");
    assert.notEqual(second.endpointIdentifier, first.endpointIdentifier, "the stale RCF");
    const regs = await registrations(council.url);
    assert.equal(regs.length, 1);
    // And it is registered: the operator's call finds it (the stale RCF left it unknown).
    assert.deepEqual(regs.map((r) => r.guardianId), ["if://guardian/alice"]);
    await assertWellFormed(alice.answers);
  } finally {
    alice.close();
    await council.stop();
  }
});

Deno.test("LRQ: a configured neighbour proves itself with its H.235.1 password and gets LCF; anyone else LRJ", async () => {
  const neighbourPort = freeUdpPort();
  const council = await startCouncilProcess({
    COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
    COUNCIL_H323_NEIGHBOURS: `127.0.0.1:${neighbourPort}=neighbour-secret`,
  });
  const bobRas = new RasClient(council.rasPort, { password: PASSWORD });
  const neighbour = new RasClient(council.rasPort, { password: "neighbour-secret" }, neighbourPort);
  const stranger = new RasClient(council.rasPort, { password: "neighbour-secret" });
  try {
    await addGuardian(council.url, "bob", { h323Password: PASSWORD });
    const [k0] = only(await bobRas.ask(await rrqFor(bobRas, 1731, 1)));
    assert.equal(k0, "registrationConfirm");
    const lrq = (seq: number, alias: string) => ({
      locationRequest: {
        requestSeqNum: seq,
        destinationInfo: [{ "h323-ID": alias }],
        replyAddress: ip(neighbourPort),
      },
    });

    // Anyone but the neighbour, even with its password, and the neighbour's address
    // without it: LRJ, no address.
    const [k3, bare] = only(await neighbour.ask(encodeRas(lrq(1, "bob"))));
    assert.equal(k3, "locationReject");
    assert.deepEqual(bare.rejectReason, { securityDenial: null });
    const [k4, elsewhere] = only(await stranger.ask(lrq(2, "bob")));
    assert.equal(k4, "locationReject");
    assert.deepEqual(elsewhere.rejectReason, { securityDenial: null });

    // The neighbour, with its password: bob's address, in an answer signed for it.
    const at = neighbour.answers.length;
    const [k1, lcf] = only(await neighbour.ask(lrq(3, "bob")));
    assert.equal(k1, "locationConfirm", JSON.stringify(lcf));
    assert.deepEqual(lcf.callSignalAddress, ip(1731));
    const signed = readHashedToken(lcf);
    assert.ok(signed.ok);
    assert.ok(hashMatches(neighbour.answers[at], signed.token.hash, h235Key("neighbour-secret")));
    const [k2, room] = only(await neighbour.ask(lrq(4, "council-main")));
    assert.equal(k2, "locationConfirm");
    assert.deepEqual(room.callSignalAddress, ip(council.callSignalPort));

    await assertWellFormed([...neighbour.answers, ...stranger.answers]);
  } finally {
    bobRas.close();
    neighbour.close();
    stranger.close();
    await council.stop();
  }
});

Deno.test("RAS flood: RRQs claiming bob are limited before any check and witnessed as a count; the gatekeeper keeps answering", async () => {
  const council = await startCouncilProcess({
    COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
    COUNCIL_H323_RAS_PER_IDENTITY_PER_SEC: "5",
  });
  const attacker = new RasClient(council.rasPort);
  const carolRas = new RasClient(council.rasPort, { password: PASSWORD });
  const size = async () =>
    ((await api(council.url, "POST", "/api/v1/witness/head")).body as { size: number }).size;
  try {
    await addGuardian(council.url, "bob", { h323Password: PASSWORD });
    await addGuardian(council.url, "carol", { h323Password: PASSWORD });
    const before = await size();
    const rrq = await rrqFor(attacker, 1720, 1);
    for (let i = 0; i < 300; i++) {
      rrq.registrationRequest.requestSeqNum = 100 + i;
      await attacker.send(encodeRas(rrq));
    }
    // A GRQ from the same address after the flood: still answered (after the few RRJs
    // of the burst that was checked).
    await attacker.send(encodeRas({
      gatekeeperRequest: {
        requestSeqNum: 7,
        protocolIdentifier: "0.0.8.2250.0.7",
        rasAddress: ip(1720),
        endpointType: { mc: false, undefinedNode: false },
      },
    }));
    const seen: string[] = [];
    while (!seen.includes("gatekeeperConfirm")) {
      const answer = await attacker.next(5000);
      assert.ok(answer, `no GCF; got ${seen.join(", ")}`);
      seen.push(Object.keys(answer)[0]);
    }
    assert.ok(seen.length <= 12, `${seen.length - 1} RRQs were answered`);
    const metrics = await (await fetch(`${council.url}/metrics`)).text();
    const limited = Number(/^council_h323_ras_limited (\d+)$/m.exec(metrics)?.[1]);
    assert.ok(limited >= 250, `only ${limited} of 300 limited`);
    // At most the burst was checked; the witness grew by a few entries, not 300.
    const grown = await size() - before;
    assert.ok(grown <= 4, `the witness grew by ${grown} entries`);
    // Another guardian registers meanwhile.
    const rrqCarol = await rrqFor(carolRas, 1721, 1);
    rrqCarol.registrationRequest.terminalAlias = [{ "h323-ID": "carol" }];
    assert.equal(only(await carolRas.ask(rrqCarol))[0], "registrationConfirm");
  } finally {
    attacker.close();
    carolRas.close();
    await council.stop();
  }
});
