// Which challenges a phone is offered (issue 25 item 4) and the operator's log of
// failed digest attempts: once per name, reason and method, bounded under a flood.

import assert from "node:assert/strict";
import { AuthFailureLog } from "../../../signaling/sip/auth_lockout.ts";
import { DigestAuthenticator, refusesUnknownChallenges } from "../../../signaling/sip/digest.ts";
import type { LogFields, Logger } from "../../../telemetry/mod.ts";

Deno.test("baresip before 3.12 (libre refuses any non-MD5 challenge) is offered MD5 alone", () => {
  // What Debian 12's baresip 1.0.0 sends, and later libre-based versions.
  assert.equal(refusesUnknownChallenges("baresip v1.0.0 (x86_64/linux)"), true);
  assert.equal(refusesUnknownChallenges("baresip v2.12.0 (arm64/linux)"), true);
  assert.equal(refusesUnknownChallenges("baresip v3.11.0 (x86_64/linux)"), true);
  // libre 3.12 implements SHA-256 and answers every challenge it can.
  assert.equal(refusesUnknownChallenges("baresip v3.12.0 (x86_64/linux)"), false);
  assert.equal(refusesUnknownChallenges("baresip v4.0.0 (x86_64/linux)"), false);
  for (const other of [undefined, "", "Linphonec/5.1.65", "Z 5.6.1 rv2.10.20.2", "sipp"]) {
    assert.equal(refusesUnknownChallenges(other), false, String(other));
  }

  const auth = new DigestAuthenticator({ realm: "council", algorithms: ["MD5", "SHA-256"] });
  const algorithms = (values: string[]) => values.map((v) => /algorithm=([\w-]+)/.exec(v)![1]);
  assert.deepEqual(algorithms(auth.challenges()), ["MD5", "SHA-256"]);
  assert.deepEqual(algorithms(auth.challenges(false, "Linphonec/5.1.65")), ["MD5", "SHA-256"]);
  assert.deepEqual(algorithms(auth.challenges(false, "baresip v1.0.0 (x86_64/linux)")), ["MD5"]);
  assert.deepEqual(algorithms(auth.challenges(true, "baresip v1.0.0 (x86_64/linux)")), ["MD5"]);
  assert.match(auth.challenges(true, "baresip v1.0.0 (x86_64/linux)")[0], /stale=true/);
  // The configured order is kept for everyone else.
  const shaFirst = new DigestAuthenticator({ realm: "council", algorithms: ["SHA-256", "MD5"] });
  assert.deepEqual(algorithms(shaFirst.challenges(false, "Linphonec/5.1.65")), ["SHA-256", "MD5"]);
  assert.deepEqual(algorithms(shaFirst.challenges(false, "baresip v1.0.0")), ["MD5"]);
  // Without MD5 there is nothing such a phone can answer: it gets what is configured.
  const shaOnly = new DigestAuthenticator({ realm: "council", algorithms: ["SHA-256"] });
  assert.deepEqual(algorithms(shaOnly.challenges(false, "baresip v1.0.0")), ["SHA-256"]);
});

function recorder(): { log: Logger; lines: { level: string; msg: string; fields: LogFields }[] } {
  const lines: { level: string; msg: string; fields: LogFields }[] = [];
  const at = (level: string) => (msg: string, fields: LogFields = {}) =>
    lines.push({ level, msg, fields });
  const log: Logger = {
    level: "debug",
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: () => log,
  };
  return { log, lines };
}

Deno.test("auth failure log: the first failure of a name at once, repeats as one counted line", () => {
  const { log, lines } = recorder();
  const auth = new AuthFailureLog(log, { intervalMs: 60_000, maxKeys: 3 });
  for (let i = 0; i < 50; i++) auth.note("wrong password", "alice", { method: "REGISTER" });
  auth.note("wrong password", "alice", { method: "INVITE" });
  auth.note("stale nonce", "alice", { method: "REGISTER" });
  assert.deepEqual(lines.map((l) => [l.level, l.msg, l.fields.reason, l.fields.method]), [
    ["warn", "SIP authentication failed", "wrong password", "REGISTER"],
    ["warn", "SIP authentication failed", "wrong password", "INVITE"],
    ["info", "SIP authentication failed", "stale nonce", "REGISTER"],
  ]);
  // A spray of other names past maxKeys is only counted.
  for (let i = 0; i < 1000; i++) auth.note("unknown user", `nobody-${i}`, { method: "REGISTER" });
  assert.equal(lines.length, 3);
  auth.flush();
  assert.deepEqual(lines.slice(3).map((l) => [l.msg, l.fields.repeats ?? l.fields.failures]), [
    ["SIP authentication failed again", 49],
    ["SIP authentication failed (more names than logged one by one)", 1000],
  ]);
  // The next interval starts afresh.
  auth.note("wrong password", "alice", { method: "REGISTER" });
  assert.equal(lines.length, 6);
  assert.equal(lines[5].msg, "SIP authentication failed");
  auth.flush();
});

Deno.test("auth failure log: without a logger nothing is kept", () => {
  const auth = new AuthFailureLog(undefined);
  for (let i = 0; i < 100; i++) auth.note("wrong password", `u${i}`);
  auth.flush();
});
