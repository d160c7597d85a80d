// SIP room dial-in through a real server process, driven by SIPp: signed admission
// requests in the Council-Admission header; calls set up, witnessed, torn down.

import assert from "node:assert/strict";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR } from "../_helpers/council_api.ts";
import { freeUdpPort, runSipp } from "../_helpers/sipp.ts";
import { waitFor } from "../_helpers/wait.ts";

Deno.test("SIPp dials into a room with signed admission requests: INVITE-200-ACK-BYE", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  try {
    const g = await addGuardian(council.url, "sipp-caller");
    const inject = ["SEQUENTIAL"];
    for (let i = 0; i < 3; i++) inject.push(`main;${await g.token("main")}`);
    const run = await runSipp({
      scenario: "token_call.xml",
      target: `127.0.0.1:${council.sipPort}`,
      calls: 3,
      rate: 10,
      inject,
    });
    assert.equal(run.code, 0, run.stdout.slice(-1500) + run.messages.slice(-3000));
    assert.equal(run.stats["SuccessfulCall(C)"], "3", JSON.stringify(run.stats));
    assert.equal(run.stats["Retransmissions(C)"], "0");
    // Each call was admitted, witnessed as started and ended, and its seat freed (the
    // BYE is answered before the leg's media and session are released).
    await waitFor(async () => {
      const sessions = await api(council.url, "GET", "/api/v1/admission/sessions");
      return (sessions.body as { sessions: unknown[] }).sessions.length === 0;
    });
    const calls = await api(council.url, "GET", "/api/v1/sip/calls");
    assert.deepEqual((calls.body as { calls: unknown[] }).calls, []);
  } finally {
    await council.stop();
  }
});

Deno.test("a guardian registers with digest and dials a room without a token (ROUTINE)", async () => {
  // SIPp 3.6 answers only the first challenge and has no SHA-256: MD5 first for it.
  const council = await startCouncilProcess({
    COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
    COUNCIL_SIP_DIGEST_ALGORITHMS: "MD5,SHA-256",
  });
  try {
    await addGuardian(council.url, "alice", { sipPassword: "correct-horse-1" });
    const alice = {
      target: `127.0.0.1:${council.sipPort}`,
      inject: ["SEQUENTIAL", "alice;correct-horse-1;main"],
      auth: { user: "alice", password: "correct-horse-1" },
    };
    const registered = await runSipp({ ...alice, scenario: "register_only.xml" });
    assert.equal(registered.code, 0, registered.stdout.slice(-1500) + registered.messages);
    // SIPp's digest uri is remote_ip:remote_port unless told; Council wants the
    // Request-URI (RFC 7616 3.4.6), so the INVITE runs with -auth_uri.
    const run = await runSipp({
      ...alice,
      scenario: "digest_call.xml",
      extra: ["-auth_uri", `council-main@127.0.0.1:${council.sipPort}`],
    });
    assert.equal(run.code, 0, run.stdout.slice(-1500) + run.messages.slice(-4000));
    const regs = await api(council.url, "GET", "/api/v1/sip/registrations");
    const list = (regs.body as { registrations: { guardianId: string }[] }).registrations;
    assert.deepEqual(list.map((r) => r.guardianId), ["if://guardian/alice"]);

    // The wrong password: 403 after the challenge, and nothing registered for bob.
    await addGuardian(council.url, "bob", { sipPassword: "bobs-password-1" });
    const bad = await runSipp({
      scenario: "register_call.xml",
      target: `127.0.0.1:${council.sipPort}`,
      inject: ["SEQUENTIAL", "bob;not-his-password;main"],
      auth: { user: "bob", password: "not-his-password" },
    });
    assert.notEqual(bad.code, 0);
    assert.match(bad.messages, /SIP\/2.0 403 Forbidden/);
    const after = await api(council.url, "GET", "/api/v1/sip/registrations");
    assert.equal((after.body as { registrations: unknown[] }).registrations.length, 1);
  } finally {
    await council.stop();
  }
});

Deno.test("re-INVITE: hold, resume and a codec change; CANCEL of a pending INVITE", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  try {
    const g = await addGuardian(council.url, "reinviter");
    const target = `127.0.0.1:${council.sipPort}`;
    const re = await runSipp({
      scenario: "reinvite.xml",
      target,
      inject: ["SEQUENTIAL", `main;${await g.token("main")}`],
    });
    assert.equal(re.code, 0, re.stdout.slice(-1500) + re.messages.slice(-4000));
    assert.equal(re.stats["Retransmissions(C)"], "0");

    // A CANCEL right after the 100 races the answer: either outcome is correct and
    // the scenario takes both (sip_cancel_test.ts holds admission to prove the 487).
    const cancel = await runSipp({
      scenario: "cancel.xml",
      target,
      inject: ["SEQUENTIAL", `main;${await g.token("main")}`],
    });
    assert.equal(cancel.code, 0, cancel.stdout.slice(-1500) + cancel.messages.slice(-4000));
    // Cancelled or answered and hung up, the call left nothing behind: no call, no session.
    // (A session is released just after the 487 or the BYE's 200 went out.)
    await waitFor(async () => {
      const sessions = await api(council.url, "GET", "/api/v1/admission/sessions");
      return (sessions.body as { sessions: unknown[] }).sessions.length === 0;
    });
    const calls = await api(council.url, "GET", "/api/v1/sip/calls");
    assert.deepEqual((calls.body as { calls: unknown[] }).calls, []);
  } finally {
    await council.stop();
  }
});

Deno.test("Council calls out: an operator calls a SIP endpoint (SIPp uas) into a room and hangs up", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  try {
    await addGuardian(council.url, "callee");
    const port = freeUdpPort();
    // SIPp's built-in uas: INVITE -> 180 -> 200 (PCMU) -> ACK, then BYE -> 200.
    const uas = runSipp({ scenario: "uas", port, calls: 1, timeoutS: 20 });
    await new Promise((r) => setTimeout(r, 500));
    const dialled = await api(council.url, "POST", "/api/v1/sip/calls", {
      room: "main",
      guardianId: "if://guardian/callee",
      target: `sip:callee@127.0.0.1:${port}`,
    });
    assert.equal(dialled.status, 201, JSON.stringify(dialled.body));
    const { legId } = dialled.body as { legId: string };
    const calls = (await api(council.url, "GET", "/api/v1/sip/calls")).body as {
      calls: { legId: string; direction: string; codec: string }[];
    };
    assert.deepEqual(calls.calls.map((c) => [c.legId, c.direction, c.codec]), [
      [legId, "outbound", "PCMU"],
    ]);
    assert.equal((await api(council.url, "DELETE", `/api/v1/sip/calls/${legId}`)).status, 204);
    const run = await uas;
    assert.equal(run.code, 0, run.stdout.slice(-1500) + run.messages.slice(-3000));
    assert.equal(run.stats["SuccessfulCall(C)"], "1");

    // Nobody there: the call fails with a clear error and leaves no session behind.
    const nobody = await api(council.url, "POST", "/api/v1/sip/calls", {
      room: "main",
      guardianId: "if://guardian/callee",
    });
    assert.equal(nobody.status, 404, JSON.stringify(nobody.body));
    const sessions = await api(council.url, "GET", "/api/v1/admission/sessions");
    assert.deepEqual((sessions.body as { sessions: unknown[] }).sessions, []);
  } finally {
    await council.stop();
  }
});

Deno.test("RFC 4733 digits over RTP from SIPp's captures: *6 mutes the caller", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  try {
    const g = await addGuardian(council.url, "dtmf-caller");
    const run = runSipp({
      scenario: "dtmf_mute.xml",
      target: `127.0.0.1:${council.sipPort}`,
      calls: 1,
      inject: ["SEQUENTIAL", `main;${await g.token("main")}`],
      timeoutS: 20,
    });
    type Listed = { calls: { legId: string; muted: boolean }[] };
    const seen: boolean[] = [];
    for (let i = 0; i < 60 && !seen.includes(true); i++) {
      await new Promise((r) => setTimeout(r, 50));
      const calls = (await api(council.url, "GET", "/api/v1/sip/calls")).body as Listed;
      if (calls.calls.length) seen.push(calls.calls[0].muted);
    }
    const done = await run;
    assert.equal(done.code, 0, done.stdout.slice(-1500) + done.messages.slice(-3000));
    // Unmuted when the call came up, muted after "*" then "6" arrived as telephone-events.
    assert.equal(seen[0], false, `mute states seen: ${seen}`);
    assert.ok(seen.includes(true), `never muted; states seen: ${seen}`);
    // The mute is witnessed as a call event.
    const log = (await api(council.url, "GET", "/api/v1/witness/entries?start=0")).body as {
      entries: { type: string; payload: { muted?: boolean; by?: string } }[];
    };
    const mutes = log.entries.filter((e) => e.type === "sip.call.muted").map((e) => e.payload);
    assert.deepEqual(mutes.map((p) => [p.muted, p.by]), [[true, "dtmf"]]);
  } finally {
    await council.stop();
  }
});
