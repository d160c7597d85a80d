// Phones work with the default digest settings (issue 25 item 4): Debian's baresip
// 1.0 (libre 1.1, which refuses a 401 carrying any non-MD5 challenge) registers and
// dials a room, SIPp 3.6 (first challenge only, no SHA-256) too, while SHA-256 is
// still offered to everyone else; and the operator's log says why an attempt
// failed, once per name and reason, and names a phone that never answered.

import assert from "node:assert/strict";
import {
  type CouncilProcess,
  logRecords,
  startCouncilProcess,
} from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR } from "../_helpers/council_api.ts";
import { runBaresip } from "../_helpers/baresip.ts";
import { runSipp } from "../_helpers/sipp.ts";
import { authorization, DigestClient } from "../_helpers/sip_digest_client.ts";
import { until } from "../_helpers/wait.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** One REGISTER without credentials from `userAgent`; the algorithms of the 401's challenges. */
async function offered(council: CouncilProcess, userAgent?: string): Promise<string[]> {
  const sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  try {
    const port = (sock.addr as Deno.NetAddr).port;
    const callId = crypto.randomUUID();
    const host = `127.0.0.1:${council.sipPort}`;
    const req = [
      `REGISTER sip:${host} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${callId.slice(0, 8)};rport`,
      `From: <sip:alice@${host}>;tag=${callId.slice(9, 13)}`,
      `To: <sip:alice@${host}>`,
      `Call-ID: ${callId}`,
      "CSeq: 1 REGISTER",
      `Contact: <sip:alice@127.0.0.1:${port}>`,
      "Max-Forwards: 70",
      ...(userAgent ? [`User-Agent: ${userAgent}`] : []),
      "Content-Length: 0",
      "",
      "",
    ].join("\r\n");
    await sock.send(enc.encode(req), {
      transport: "udp",
      hostname: "127.0.0.1",
      port: council.sipPort,
    });
    const [bytes] = await sock.receive();
    const text = dec.decode(bytes);
    assert.match(text, /^SIP\/2\.0 401 /, text);
    return [...text.matchAll(/^WWW-Authenticate:.*algorithm=([\w-]+)/gim)].map((m) => m[1]);
  } finally {
    sock.close();
  }
}

/** The log records "SIP authentication failed" for this reason and user (and method). */
function failures(council: CouncilProcess, reason: string, user: string, method?: string) {
  return logRecords(council.lines).filter((r) =>
    r.msg === "SIP authentication failed" && r.reason === reason && r.user === user &&
    (method === undefined || r.method === method)
  );
}

/** Lines of one (reason, user, method) must be at least one interval (10 s) apart. */
function assertOncePerInterval(records: Record<string, unknown>[], what: string): void {
  assert.ok(records.length >= 1, `${what}: not logged`);
  const times = records.map((r) => Date.parse(String(r.ts)));
  for (let i = 1; i < times.length; i++) {
    assert.ok(
      times[i] - times[i - 1] >= 10_000,
      `${what}: logged ${records.length} times within 10 s: ${JSON.stringify(records)}`,
    );
  }
}

Deno.test({
  name: "defaults: baresip 1.0 registers and calls a room; SIPp 3.6 too; SHA-256 still offered",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    // No COUNCIL_SIP_DIGEST_ALGORITHMS: the embedded default.
    const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
    try {
      await addGuardian(council.url, "alice", { sipPassword: "alice-password-1" });
      await addGuardian(council.url, "carol", { sipPassword: "carols-password-1" });
      const phone = await runBaresip({
        sipPort: council.sipPort,
        user: "alice",
        password: "alice-password-1",
        room: "main",
        say: new Int16Array(8000 * 3),
        seconds: 4,
      });
      assert.doesNotMatch(phone.log, /Function not implemented/, phone.log.slice(-2000));
      assert.match(phone.log, /alice@127\.0\.0\.1: \{0\/UDP\/v4\} 200 OK/, phone.log.slice(-2000));
      assert.match(phone.log, /Call established: sip:council-main@/, phone.log.slice(-2000));
      // Admitted by digest into room main, as the witness says.
      const head = (await api(council.url, "POST", "/api/v1/witness/head")).body as {
        size: number;
      };
      const entries = (await api(
        council.url,
        "GET",
        `/api/v1/witness/entries?start=0&end=${head.size}`,
      )).body as { entries: { type: string; payload: Record<string, unknown> }[] };
      const started = entries.entries.find((e) => e.type === "sip.call.started");
      assert.ok(started, JSON.stringify(entries.entries.map((e) => e.type)));
      assert.equal(started.payload.guardianId, "if://guardian/alice");
      assert.equal(started.payload.room, "main");
      assert.ok(entries.entries.some((e) => e.type === "sip.register"));
      assert.equal(failures(council, "wrong password", "alice").length, 0);

      // SIPp 3.6 answers only the first challenge and knows only MD5.
      const sipp = {
        target: `127.0.0.1:${council.sipPort}`,
        inject: ["SEQUENTIAL", "carol;carols-password-1;main"],
        auth: { user: "carol", password: "carols-password-1" },
        timeoutS: 20,
      };
      const registered = await runSipp({ ...sipp, scenario: "register_only.xml" });
      assert.equal(registered.code, 0, registered.stdout.slice(-1500) + registered.messages);
      const called = await runSipp({
        ...sipp,
        scenario: "digest_call.xml",
        extra: ["-auth_uri", `council-main@127.0.0.1:${council.sipPort}`],
      });
      assert.equal(called.code, 0, called.stdout.slice(-1500) + called.messages.slice(-3000));

      // Everyone is offered both; baresip before 3.12 MD5 alone (it would give up).
      assert.deepEqual(await offered(council), ["MD5", "SHA-256"]);
      assert.deepEqual(await offered(council, "Linphonec/5.1.65"), ["MD5", "SHA-256"]);
      assert.deepEqual(await offered(council, "baresip v3.12.0 (x86_64/linux)"), [
        "MD5",
        "SHA-256",
      ]);
      assert.deepEqual(await offered(council, "baresip v1.0.0 (x86_64/linux)"), ["MD5"]);
    } finally {
      await council.stop();
    }
  },
});

Deno.test({
  name: "defaults: a phone that answers every challenge is checked on its SHA-256 answer",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
    const c = new DigestClient("127.0.0.1", council.sipPort);
    try {
      await addGuardian(council.url, "dave", { sipPassword: "daves-password-1" });
      // Like libre 3.12: an Authorization for each challenge, MD5's first. The MD5 one
      // is wrong here, so a 200 proves the SHA-256 one was the one checked.
      const md5 = await c.challenge("REGISTER", "dave");
      assert.equal(md5.algorithm, "MD5");
      const both = (password: { md5: string; sha: string }) =>
        [
          authorization({
            challenge: md5,
            user: "dave",
            password: password.md5,
            method: "REGISTER",
            uri: c.uriFor("REGISTER"),
            nc: 1,
          }),
          authorization({
            challenge: { ...md5, algorithm: "SHA-256" },
            user: "dave",
            password: password.sha,
            method: "REGISTER",
            uri: c.uriFor("REGISTER"),
            nc: 1,
          }),
        ].join("\r\nAuthorization: ");
      const ok = await c.send({
        method: "REGISTER",
        user: "dave",
        authorization: both({ md5: "not-daves-password", sha: "daves-password-1" }),
      });
      assert.equal(ok?.status, 200, ok?.text);
    } finally {
      await c.close();
      await council.stop();
    }
  },
});

Deno.test({
  name: "log: a wrong password and an unknown user are logged once each, with the reason",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
    const clients: DigestClient[] = [];
    try {
      await addGuardian(council.url, "alice", { sipPassword: "alice-password-1" });
      await addGuardian(council.url, "erin");
      // baresip with a wrong password: its REGISTER and its INVITE are refused.
      const wrong = await runBaresip({
        sipPort: council.sipPort,
        user: "alice",
        password: "not-alices-password",
        room: "main",
        say: new Int16Array(8000),
        seconds: 2,
      });
      assert.doesNotMatch(wrong.log, /Call established/);
      const register = await until(
        "the REGISTER's failure logged",
        () => failures(council, "wrong password", "alice", "REGISTER")[0],
      );
      assert.equal(register.level, "warn");
      assert.match(String(register.userAgent), /^baresip v1\./);
      assert.equal(register.algorithm, "MD5");
      assert.match(String(register.source), /^UDP 127\.0\.0\.1:\d+$/);
      await until(
        "the INVITE's failure logged",
        () => failures(council, "wrong password", "alice", "INVITE")[0],
      );

      // An unknown user, and a guardian without a SIP password, say so (the answer does not).
      const probe = new DigestClient("127.0.0.1", council.sipPort);
      clients.push(probe);
      for (const user of ["nobody", "erin"]) {
        const challenge = await probe.challenge("REGISTER", user);
        const answer = await probe.send({
          method: "REGISTER",
          user,
          authorization: authorization({
            challenge,
            user,
            password: "some-password",
            method: "REGISTER",
            uri: probe.uriFor("REGISTER"),
            nc: 1,
          }),
        });
        assert.equal(answer?.status, 403);
        assert.match(answer!.header("warning") ?? "", /wrong user name or password/);
      }
      await until("unknown user logged", () => failures(council, "unknown user", "nobody")[0]);
      await until("no password logged", () => failures(council, "no SIP password", "erin")[0]);

      // A flood of wrong passwords for alice from 20 addresses: the lock is logged
      // once, the wrong passwords no more often than once per interval.
      await Promise.all(Array.from({ length: 20 }, async (_, i) => {
        const c = new DigestClient(`127.0.0.${20 + i}`, council.sipPort);
        clients.push(c);
        const challenge = await c.challenge("REGISTER", "alice");
        for (let n = 1; n <= 3; n++) {
          await c.send({
            method: "REGISTER",
            user: "alice",
            authorization: authorization({
              challenge,
              user: "alice",
              password: `guess-${i}-${n}`,
              method: "REGISTER",
              uri: c.uriFor("REGISTER"),
              nc: n,
            }),
          });
        }
      }));
      await until("the lock logged", () => failures(council, "locked out", "alice")[0]);
      assertOncePerInterval(
        failures(council, "wrong password", "alice", "REGISTER"),
        "alice's wrong REGISTER password",
      );
      assertOncePerInterval(
        failures(council, "wrong password", "alice", "INVITE"),
        "alice's wrong INVITE password",
      );
      assertOncePerInterval(failures(council, "locked out", "alice", "REGISTER"), "the lock");
      const authLines = logRecords(council.lines).filter((r) =>
        String(r.msg).startsWith("SIP authentication failed")
      );
      // 60 guesses, 2 baresip failures, 2 probes: a handful of lines, not one per attempt.
      assert.ok(authLines.length <= 8, JSON.stringify(authLines, null, 1));
    } finally {
      for (const c of clients) await c.close();
      await council.stop();
    }
  },
});

Deno.test({
  name: "log: a challenge nobody answers is logged with the phone and the algorithms offered",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
    try {
      // What a phone that supports none of the offered algorithms does: nothing.
      assert.ok((await offered(council, "ExamplePhone/1.0")).includes("SHA-256"));
      const line = await until(
        "the unanswered challenge logged",
        () => failures(council, "challenge not answered", "alice")[0],
        20_000,
      );
      assert.equal(line.level, "info");
      assert.equal(line.userAgent, "ExamplePhone/1.0");
      assert.equal(line.offered, "MD5, SHA-256", "the default order");
      assert.equal(line.method, "REGISTER");
      assert.equal(failures(council, "challenge not answered", "alice").length, 1);
    } finally {
      await council.stop();
    }
  },
});
