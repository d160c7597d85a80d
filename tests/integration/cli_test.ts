import assert from "node:assert/strict";
import { runDeno, startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR } from "../_helpers/council_api.ts";
import { tokenCalls } from "../_helpers/sipp.ts";
import { until } from "../_helpers/wait.ts";
import { joinWs } from "../_helpers/ws_member.ts";
import { tempDir } from "../_helpers/temp.ts";

const cli = (args: string[], env: Record<string, string> = {}) => runDeno("cli/main.ts", args, env);

Deno.test("council --help lists the commands; no command is a usage error", async () => {
  const help = await cli(["--help"]);
  assert.equal(help.code, 0);
  for (
    const name of ["serve", "guardian", "rooms", "calls", "cost", "witness", "config", "version"]
  ) {
    assert.match(help.stdout, new RegExp(`^  ${name} `, "m"));
  }
  const none = await cli([]);
  assert.equal(none.code, 2);
  const unknown = await cli(["frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^council: unknown command 'frobnicate'/);
});

Deno.test("every command has --help, and unknown flags are usage errors", async () => {
  for (
    const name of ["serve", "guardian", "rooms", "calls", "cost", "witness", "config", "version"]
  ) {
    const help = await cli([name, "--help"]);
    assert.equal(help.code, 0, name);
    assert.match(help.stdout, new RegExp(`^council ${name}`), name);
    const bad = await cli([name, "--no-such-flag"]);
    assert.equal(bad.code, 2, name);
    assert.match(
      bad.stderr,
      new RegExp(`^council ${name}: .*no-such-flag.* \\(try --help\\)`),
      name,
    );
  }
});

Deno.test("council version prints the deno.json version, as text and JSON", async () => {
  const manifest = JSON.parse(Deno.readTextFileSync(new URL("../../deno.json", import.meta.url)));
  const json = await cli(["version", "--json"]);
  assert.equal(json.code, 0);
  const info = JSON.parse(json.stdout);
  assert.equal(info.council, manifest.version);
  assert.equal(info.deno, Deno.version.deno);
  const text = await cli(["version"]);
  assert.match(
    text.stdout,
    new RegExp(`^council ${manifest.version.replaceAll(".", "\\.")} \\(deno `),
  );
});

Deno.test("council config shows effective values and their sources", async () => {
  const file = `${tempDir()}/c.json`;
  Deno.writeTextFileSync(file, JSON.stringify({ log: { level: "debug" } }));
  const res = await cli(["config", "--json", "--config", file], { COUNCIL_HTTP_PORT: "9999" });
  assert.equal(res.code, 0, res.stderr);
  const out = JSON.parse(res.stdout);
  assert.equal(out.config.http.port, 9999);
  assert.equal(out.config.log.level, "debug");
  assert.equal(out.sources["http.port"], "env:COUNCIL_HTTP_PORT");
  assert.equal(out.sources["log.level"], `file:${file}`);
  assert.equal(out.sources["http.host"], "default");

  const text = await cli(["config"], { COUNCIL_KV_PATH: ":memory:" });
  assert.match(text.stdout, /^kv\.path\s+":memory:"\s+\(env:COUNCIL_KV_PATH; COUNCIL_KV_PATH\)$/m);

  const bad = await cli(["config"], { COUNCIL_HTTP_PORT: "x" });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^council: config: http\.port/);
});

Deno.test("council serve runs the same server", async () => {
  const port = (() => {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const p = (l.addr as Deno.NetAddr).port;
    l.close();
    return p;
  })();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../cli/main.ts", import.meta.url).pathname, "serve"],
    env: { COUNCIL_HTTP_PORT: String(port), COUNCIL_KV_PATH: ":memory:", NO_COLOR: "1" },
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        async (r) => (await r.body?.cancel(), r.status),
        () => 0,
      );
    }
    assert.equal(status, 200);
  } finally {
    child.kill("SIGINT");
    assert.equal((await child.status).code, 0);
  }
});

Deno.test("council rooms creates, lists, shows and closes rooms on a running server", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  try {
    const rooms = (...args: string[]) =>
      cli(["rooms", ...args, "--url", council.url, "--token", OPERATOR], {
        COUNCIL_KV_PATH: ":memory:",
      });
    const created = await rooms(
      "create",
      "war-room",
      "--mixing",
      "moderated",
      "--codecs",
      "PCMU,opus",
      "--capacity",
      "7",
      "--call-type",
      "ESCALATE",
      "--json",
    );
    assert.equal(created.code, 0, created.stderr);
    assert.deepEqual(
      (({ name, mixing, allowedCodecs, capacity, callType }) => ({
        name,
        mixing,
        allowedCodecs,
        capacity,
        callType,
      }))(JSON.parse(created.stdout)),
      {
        name: "war-room",
        mixing: "moderated",
        allowedCodecs: ["PCMU", "opus"],
        capacity: 7,
        callType: "ESCALATE",
      },
    );
    const again = await rooms("create", "war-room");
    assert.equal(again.code, 1, "a taken name is the server's refusal");
    assert.match(again.stderr, /409 room war-room exists/);
    const listed = await rooms("list", "--json");
    assert.deepEqual(JSON.parse(listed.stdout).map((r: { room: string }) => r.room), ["war-room"]);
    assert.match(
      (await rooms("list")).stdout,
      /^war-room {2}0 member\(s\) {2}ESCALATE moderated$/m,
    );
    const shown = await rooms("show", "war-room", "--json");
    assert.deepEqual(JSON.parse(shown.stdout).members, []);
    const nobody = await rooms("mute", "war-room", "no-such-member");
    assert.equal(nobody.code, 1);
    const unreachable = await rooms("invite", "war-room", "if://guardian/ghost");
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /404/);
    for (
      const bad of [["show"], ["create", "a", "b"], ["frobnicate"], [
        "create",
        "x",
        "--capacity",
        "many",
      ]]
    ) {
      const r = await rooms(...bad);
      assert.equal(r.code, 2, bad.join(" "));
    }
    // A member joins (over /ws); `calls` lists it and hangs it up.
    const zed = await addGuardian(council.url, "zed");
    const member = await joinWs(council, zed, "war-room");
    const calls = (...args: string[]) =>
      cli(["calls", ...args, "--url", council.url, "--token", OPERATOR], {
        COUNCIL_KV_PATH: ":memory:",
      });
    const listedCalls = JSON.parse((await calls("list", "--json")).stdout);
    assert.deepEqual(
      listedCalls.map((l: { room: string; guardianId: string; protocol: string }) => [
        l.room,
        l.guardianId,
        l.protocol,
      ]),
      [["war-room", zed.id, "webrtc"]],
    );
    const hung = await calls("hangup", listedCalls[0].memberId);
    assert.equal(hung.code, 0, hung.stderr);
    await until(
      "the member is told",
      () =>
        member.events("session.ended").some((m) =>
          (m.data as { reason: string }).reason === "removed"
        ),
    );
    assert.equal((await calls("hangup", "no-such-leg")).code, 1);
    assert.equal((await calls("list")).stdout.trim(), "(no calls)");
    await member.close();
    assert.equal((await rooms("close", "war-room")).code, 0);
    assert.equal((await rooms("show", "war-room")).code, 1, "gone");
  } finally {
    await council.stop();
  }
});

Deno.test("council cost sets, lists and deletes budgets and reports spend on a running server", async () => {
  const council = await startCouncilProcess({
    COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
    COUNCIL_COST_CURRENCY: "EUR",
  });
  try {
    const cost = (...args: string[]) =>
      cli(["cost", ...args, "--url", council.url, "--token", OPERATOR], {
        COUNCIL_KV_PATH: ":memory:",
      });
    const set = await cost("budget", "set", "ops", "--limit", "12.5", "--period", "day", "--json");
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual(
      (({ id, scope, period, limit }) => ({ id, scope, period, limit }))(JSON.parse(set.stdout)),
      { id: "ops", scope: "*", period: "day", limit: 12.5 },
    );
    const room = await cost("budget", "set", "war", "--limit", "3", "--room", "war-room");
    assert.equal(room.code, 0, room.stderr);
    const list = await cost("budget", "list", "--json");
    assert.deepEqual(
      JSON.parse(list.stdout).map((b: { id: string; state: string; spent: number }) => [
        b.id,
        b.state,
        b.spent,
      ]),
      [["ops", "ok", 0], ["war", "ok", 0]],
    );
    const human = await cost("budget", "list");
    assert.match(
      human.stdout,
      /^ops {2}all rooms, day \d{4}-\d\d-\d\d: 0 of 12.5 EUR \(0.0 %\) ok$/m,
    );
    assert.match(human.stdout, /^war {2}room war-room, month/m);

    const report = await cost("report", "--json");
    assert.equal(report.code, 0, report.stderr);
    const r = JSON.parse(report.stdout);
    assert.equal(r.currency, "EUR");
    assert.deepEqual(Object.keys(r.periods), ["day", "month", "total"]);
    assert.match((await cost("report")).stdout, /^cost in EUR/);

    // Refusals: the server's (bad period: 1), the CLI's (no limit: 2), unknown budget.
    const badPeriod = await cost("budget", "set", "x", "--limit", "1", "--period", "week");
    assert.equal(badPeriod.code, 1);
    assert.match(badPeriod.stderr, /period/);
    assert.equal((await cost("budget", "set", "x")).code, 2);
    assert.equal((await cost("budget", "set", "x", "--limit", "-3")).code, 2);
    assert.equal((await cost("budget", "frobnicate")).code, 2);
    assert.equal((await cost("budget", "delete", "ops")).code, 0);
    assert.equal((await cost("budget", "delete", "ops")).code, 1);
    const wrongToken = await cli(
      ["cost", "report", "--url", council.url, "--token", "not-the-operator-token"],
      { COUNCIL_KV_PATH: ":memory:" },
    );
    assert.equal(wrongToken.code, 1);
  } finally {
    assert.equal(await council.stop(), 0);
  }
});

Deno.test("council top shows a room's SIP member and the workers, as text and JSON", async () => {
  const council = await startCouncilProcess({
    COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
    COUNCIL_MEDIA_WORKERS: "2",
  });
  try {
    const top = (...args: string[]) =>
      cli(["top", ...args, "--url", council.url, "--token", OPERATOR], {
        COUNCIL_KV_PATH: ":memory:",
      });
    const g = await addGuardian(council.url, "watched");
    const call = tokenCalls(`127.0.0.1:${council.sipPort}`, [{
      room: "main",
      token: await g.token("main"),
    }], 8000);
    await until("the call is up", async () => {
      const r = await api(council.url, "GET", "/api/v1/sip/calls");
      return (r.body as { calls: unknown[] }).calls.length === 1;
    });
    const json = await top("--once", "--json", "--interval", "300");
    assert.equal(json.code, 0, json.stderr);
    const f = JSON.parse(json.stdout);
    assert.deepEqual(f.rooms.map((r: { room: string }) => r.room), ["main"]);
    assert.deepEqual(
      f.rooms[0].members.map((m: { guardianId: string; protocol: string; codec: string }) => [
        m.guardianId,
        m.protocol,
        m.codec,
      ]),
      [["if://guardian/watched", "sip", "PCMA"]],
    );
    assert.equal(f.mediaWorkers.length, 2);
    assert.ok(f.mediaWorkers.some((w: { rooms: string[] }) => w.rooms.includes("main")));
    const text = await top("--once");
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^ROOMS 1 {2}MEMBERS 1$/m);
    assert.match(text.stdout, /if:\/\/guardian\/watched {2}sip PCMA/);
    assert.match(text.stdout, /^MEDIA WORKERS$/m);
    assert.equal((await top("--json")).code, 2, "--json without --once");
    assert.equal((await top("--interval", "5")).code, 2);
    assert.equal((await call).code, 0);
  } finally {
    assert.equal(await council.stop(), 0);
  }
});
