// The operator's everyday commands against a running server (issue 25): `council
// health`, `council media` (workers, legs, the failover drill, WebRTC), `council
// events` (replayed and live, the operators' stream and a room's), `council
// sessions` (list, end) with a browser member in the room; `council calls gateway`
// with a SIP -> H.323 call ringing; and IF.witness's /heads with hex root hashes,
// as /head has them (item 9).

import assert from "node:assert/strict";
import { childEnv, runDeno, startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR, witnessed } from "../_helpers/council_api.ts";
import { TpktClient } from "../_helpers/h323_client.ts";
import { terminalAnswer } from "../_helpers/h323_setup.ts";
import { H323_PASSWORD, RasClient, registerTerminal } from "../_helpers/ras.ts";
import { freeUdpPort, runSipp } from "../_helpers/sipp.ts";
import { until } from "../_helpers/wait.ts";
import { joinWs, type WsMember } from "../_helpers/ws_member.ts";
import { keepLegsAlive } from "../_helpers/legs_alive.ts";
import { causeIe, IE, parseQ931, serializeQ931 } from "../../signaling/h323/q931/message.ts";
import { fromBase64, toHex } from "../../witness/mod.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** `council <command> ...` against `url`. */
function cliAt(url: string, token = OPERATOR) {
  return (command: string, ...args: string[]) =>
    runDeno("cli/main.ts", [command, ...args, "--url", url, "--token", token], {
      COUNCIL_KV_PATH: ":memory:",
    });
}

/** A port nothing listens on (bound, then released). */
function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

Deno.test({
  name: "council health, media, events and sessions on a running server with a browser member",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const council = await startCouncilProcess({
      COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
      COUNCIL_MEDIA_WORKERS: "2",
      // The test's member answers no heartbeat: keep its socket however long the
      // CLI runs take on a busy machine (pings after 60 s, dropped after 180 s).
      COUNCIL_WEBRTC_HEARTBEAT_MS: "60000",
    });
    const cli = cliAt(council.url);
    // The member, without media, stays however long the commands take.
    const alive = keepLegsAlive(council.url, OPERATOR);
    let member: WsMember | undefined;
    try {
      // health: no token needed; every subsystem named; unreachable is exit 1.
      const up = await runDeno("cli/main.ts", ["health", "--url", council.url], {});
      assert.equal(up.code, 0, up.stderr);
      const [first, ...subsystems] = up.stdout.trim().split("\n");
      assert.match(
        first,
        /^http:\/\/127\.0\.0\.1:\d+: council \d+\.\d+\.\d+, up \d+ s, running, ready$/,
      );
      assert.ok(subsystems.length >= 5, up.stdout);
      for (const line of subsystems) assert.match(line, /^ {2}\S+ +ready$/);
      const health = (...args: string[]) =>
        runDeno("cli/main.ts", ["health", ...args], { COUNCIL_KV_PATH: ":memory:" });
      const ready = JSON.parse((await health("--json", "--url", council.url)).stdout);
      assert.equal(ready.healthz.status, "ok");
      assert.equal(ready.readyz.ready, true);
      const down = await runDeno("cli/main.ts", [
        "health",
        "--url",
        `http://127.0.0.1:${closedPort()}`,
      ], {});
      assert.equal(down.code, 1);
      assert.match(down.stderr, /^council health: cannot reach http:\/\/127\.0\.0\.1:\d+: /);
      assert.equal((await health("extra", "--url", council.url)).code, 2);
      assert.equal((await health("--url", council.url, "--token", OPERATOR)).code, 2, "no token");

      const alice = await addGuardian(council.url, "alice");
      const joined = await joinWs(council, alice, "main");
      member = joined;
      const memberId = (joined.joined.data as { memberId: string }).memberId;

      // media: the workers, the member's leg, WebRTC's view of it.
      const workers = JSON.parse((await cli("media", "workers", "--json")).stdout) as {
        index: number;
        rooms: string[];
      }[];
      assert.deepEqual(workers.map((w) => w.index), [0, 1]);
      const home = workers.find((w) => w.rooms.includes("main"))!;
      assert.ok(home, JSON.stringify(workers));
      const workersText = await cli("media", "workers");
      assert.match(
        workersText.stdout,
        new RegExp(`^worker ${home.index} {2}1 leg\\(s\\) {2}rooms main {2}tick `, "m"),
      );
      const legs = await cli("media", "legs");
      assert.equal(legs.code, 0, legs.stderr);
      assert.match(
        legs.stdout,
        new RegExp(
          `^${memberId} {2}main {2}port \\d+ {2}from 127\\.0\\.0\\.1:\\d+ {2}to 127\\.0\\.0\\.1:\\d+ {2}in \\d+ out \\d+$`,
          "m",
        ),
      );
      assert.doesNotMatch(legs.stdout, /object Object/);
      const webrtc = await cli("media", "webrtc");
      assert.equal(webrtc.code, 0, webrtc.stderr);
      assert.match(webrtc.stdout, /^1 connection\(s\); joined 1, /m);
      assert.match(
        webrtc.stdout,
        new RegExp(
          `^member ${memberId} {2}${alice.id} {2}main {2}attached {2}producers none `,
          "m",
        ),
      );
      assert.match(webrtc.stdout, /^mediasoup worker 0 {2}pid \d+ /m);

      // The drill: the worker mixing main is killed, main moves, the member stays.
      const drill = await cli("media", "drill", String(home.index));
      assert.equal(drill.code, 0, drill.stderr);
      assert.equal(
        drill.stdout.trim(),
        `killed media worker ${home.index}; its rooms (main) move to a fresh worker`,
      );
      const failover = await until(
        "the failover",
        async () => (await witnessed(council.url, "media.worker_failover"))[0],
        60_000,
      );
      assert.deepEqual(failover.rooms, ["main"]);
      assert.equal(
        JSON.parse((await cli("calls", "list", "--json")).stdout)[0]?.memberId,
        memberId,
        "the member is still in the room",
      );
      // Another way to fail: an uncaught error inside the other worker.
      const other = 1 - home.index;
      const thrown = await cli("media", "drill", String(other), "--how", "throw");
      assert.equal(thrown.code, 0, thrown.stderr);
      assert.equal(
        thrown.stdout.trim(),
        `made to throw in media worker ${other}; its rooms (none) move to a fresh worker`,
      );
      const drills = await witnessed(council.url, "media.worker_drill");
      assert.deepEqual(drills.map((d) => [d.worker, d.how]), [[home.index, "kill"], [
        other,
        "throw",
      ]]);
      for (
        const [args, code, why] of [
          [["drill", "7"], 1, /404 no media worker 7/],
          [["drill", "x"], 2, /INDEX/],
          [["drill", "0", "--how", "melt"], 2, /--how must be kill, throw or hang/],
          [["legs", "x"], 2, /legs takes no arguments/],
        ] as const
      ) {
        const r = await cli("media", ...args);
        assert.equal(r.code, code, args.join(" "));
        assert.match(r.stderr, why);
      }

      // events: what was held, replayed from the start; the room's stream; live.
      const replayed = await cli("events", "--after", "0", "--count", "2", "--json");
      assert.equal(replayed.code, 0, replayed.stderr);
      const [decision, joinedEvent] = replayed.stdout.trim().split("\n").map((l) => JSON.parse(l));
      // Guard's admission of alice, then her joining the room.
      assert.deepEqual([decision.seq, decision.name], [1, "guard.decision"]);
      assert.ok(JSON.stringify(decision.data).includes(alice.id), JSON.stringify(decision));
      assert.deepEqual(
        [joinedEvent.seq, joinedEvent.name, joinedEvent.data.room, joinedEvent.data.name],
        [2, "room.event", "main", "member.joined"],
      );
      assert.equal(joinedEvent.data.data.guardianId, alice.id);
      const roomFirst = await cli("events", "--room", "main", "--after", "0", "--count", "1");
      assert.equal(roomFirst.code, 0, roomFirst.stderr);
      assert.match(
        roomFirst.stdout,
        new RegExp(
          `^1 {2}member\\.joined {2}\\{.*"guardianId":"${alice.id.replaceAll("/", "\\/")}"`,
        ),
      );
      // Live: whatever follows the room's current event, even if it comes before the
      // command has connected (--after replays it).
      const seq =
        ((await api(council.url, "GET", "/api/v1/rooms/main")).body as { seq: number }).seq;
      const live = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          `${ROOT}cli/main.ts`,
          "events",
          "--room",
          "main",
          "--after",
          String(seq),
          "--count",
          "1",
          "--json",
          "--url",
          council.url,
          "--token",
          OPERATOR,
        ],
        env: childEnv({ COUNCIL_KV_PATH: ":memory:" }),
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const posted = await api(council.url, "POST", "/api/v1/rooms/main/evidence", {
        kind: "text",
        title: "live",
        body: "an event to follow",
      });
      assert.equal(posted.status, 201);
      const out = await live;
      const followed = JSON.parse(new TextDecoder().decode(out.stdout));
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      assert.deepEqual([followed.seq, followed.name, followed.data.title], [
        seq + 1,
        "evidence.shown",
        "live",
      ]);
      // A refused token says which token it was.
      const refused = await cliAt(council.url, "not-the-token")("events", "--count", "1");
      assert.equal(refused.code, 1);
      assert.equal(
        refused.stderr.trim(),
        "council events: 401 operator bearer token required; the server refused the token given with --token",
      );
      assert.equal((await cli("events", "--count", "many")).code, 2);

      // sessions: the member's admission listed; ending it ends the member's seat.
      const sessions = JSON.parse((await cli("sessions", "list", "--json")).stdout) as {
        id: string;
        guardianId: string;
        codec: string;
      }[];
      assert.deepEqual(sessions.map((s) => [s.guardianId, s.codec]), [[alice.id, "opus"]]);
      const text = await cli("sessions", "list");
      assert.match(
        text.stdout,
        new RegExp(
          `^${
            sessions[0].id
          } {2}${alice.id} {2}main {2}ROUTINE {2}64 kbps {2}opus {2}media 127\\.0\\.0\\.1:\\d+ {2}since \\d{4}-`,
        ),
      );
      const ended = await cli("sessions", "end", sessions[0].id);
      assert.equal(ended.code, 0, ended.stderr);
      assert.equal(ended.stdout.trim(), `ended ${sessions[0].id}`);
      await until("the member is told", () => member!.events("session.ended").length > 0, 60_000);
      const again = await cli("sessions", "end", sessions[0].id);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /^council sessions: 404 no session /);
      assert.equal((await cli("sessions", "list")).stdout.trim(), "(no sessions)");
      assert.equal((await cli("sessions", "end")).code, 2);
    } finally {
      await alive.stop();
      await member?.close();
      assert.equal(await council.stop(), 0);
    }
  },
});

Deno.test("witness /heads gives root hashes in hex, as /head does, matching each signed note", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  try {
    await addGuardian(council.url, "alice");
    const head = (await api(council.url, "POST", "/api/v1/witness/head")).body as {
      size: number;
      rootHash: string;
    };
    const { heads } = (await api(council.url, "GET", "/api/v1/witness/heads")).body as {
      heads: { origin: string; size: number; rootHash: unknown; timestamp: number; note: string }[];
    };
    assert.ok(heads.length >= 2, JSON.stringify(heads));
    for (const h of heads) {
      assert.equal(typeof h.rootHash, "string", JSON.stringify(h.rootHash).slice(0, 80));
      assert.match(h.rootHash as string, /^[0-9a-f]{64}$/);
      // The note's third line is the root, base64: the same bytes.
      assert.equal(h.rootHash, toHex(fromBase64(h.note.split("\n")[2])!));
      assert.equal(Number(h.note.split("\n")[1]), h.size);
    }
    const latest = heads.find((h) => h.size === head.size);
    assert.equal(latest?.rootHash, head.rootHash);
    assert.deepEqual(Object.keys(heads[0]).sort(), [
      "note",
      "origin",
      "rootHash",
      "size",
      "timestamp",
    ]);
  } finally {
    assert.equal(await council.stop(), 0);
  }
});

Deno.test({
  name: "council calls gateway lists a SIP -> H.323 gateway call while the terminal rings",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
    const cli = cliAt(council.url);
    const ras = new RasClient(council.rasPort, { password: H323_PASSWORD });
    const terminal = Deno.listen({ hostname: "127.0.0.1", port: 0, transport: "tcp" });
    let callee: TpktClient | undefined;
    try {
      assert.equal((await cli("calls", "gateway")).stdout.trim(), "(no gateway calls)");
      const alice = await addGuardian(council.url, "alice");
      await addGuardian(council.url, "bob", { h323Password: H323_PASSWORD });
      await registerTerminal(ras, (terminal.addr as Deno.NetAddr).port, [{ "h323-ID": "bob" }]);

      // alice's SIP phone (SIPp) dials bob by name; bob's terminal rings and waits.
      const call = runSipp({
        scenario: "gateway_busy.xml",
        target: `127.0.0.1:${council.sipPort}`,
        inject: ["SEQUENTIAL", `bob;${await alice.token("gateway")}`],
        timeoutS: 300,
      });
      callee = await TpktClient.accept(terminal);
      const answer = await terminalAnswer(
        (await callee.cs("setup")).cs!,
        { port: 9 },
        "g711Alaw64k",
      );
      await callee.send(answer.alerting);

      // Both while the terminal rings (Council gives up on an unanswered call after 30 s).
      const [listed, text] = await Promise.all([
        cli("calls", "gateway", "--json"),
        cli("calls", "gateway"),
      ]);
      assert.equal(listed.code, 0, listed.stderr);
      const calls = JSON.parse(listed.stdout);
      assert.equal(calls.length, 1, listed.stdout);
      const c = calls[0];
      assert.match(c.room, /^gateway\//);
      assert.deepEqual(
        [
          c.state,
          c.dialled,
          c.caller.protocol,
          c.caller.guardianId,
          c.callee.protocol,
          c.callee.guardianId,
          c.callee.legId,
        ],
        ["dialling", "bob", "sip", alice.id, "h323", "if://guardian/bob", null],
      );
      assert.match(
        text.stdout,
        new RegExp(
          `^${c.room} {2}dialling {2}dialled bob {2}${alice.id} \\(sip \\S+\\) -> if://guardian/bob \\(h323\\) {2}since \\d{4}-`,
        ),
      );

      // Busy (Release Complete, cause 17): SIPp gets its 486, the call is gone.
      const rc = parseQ931(answer.message(62));
      await callee.send(serializeQ931({
        ...rc,
        ies: rc.ies.map((ie) => ie.id === IE.cause ? causeIe(17) : ie),
      }));
      const refused = await call;
      assert.equal(refused.code, 0, refused.stdout.slice(-1500) + refused.messages.slice(-4000));
      await until(
        "the gateway call is gone",
        async () =>
          ((await api(council.url, "GET", "/api/v1/gateway/calls")).body as { calls: unknown[] })
            .calls.length === 0,
        60_000,
      );
      assert.equal((await cli("calls", "gateway")).stdout.trim(), "(no gateway calls)");
      assert.equal((await cli("calls", "gateway", "extra")).code, 2);
    } finally {
      callee?.close();
      terminal.close();
      ras.close();
      assert.equal(await council.stop(), 0);
    }
  },
});

Deno.test("the operator commands are listed, answer --help, and refuse unknown flags and subcommands", async () => {
  const cli = (...args: string[]) => runDeno("cli/main.ts", args, { COUNCIL_KV_PATH: ":memory:" });
  const help = await cli("--help");
  const commands = ["evidence", "votes", "escalations", "sessions", "events", "media", "health"];
  for (const name of commands) {
    assert.match(help.stdout, new RegExp(`^  ${name} +\\S`, "m"), name);
    const own = await cli(name, "--help");
    assert.equal(own.code, 0, name);
    assert.match(own.stdout, new RegExp(`^council ${name}`), name);
    const bad = await cli(name, "--no-such-flag");
    assert.equal(bad.code, 2, name);
    assert.match(
      bad.stderr,
      new RegExp(`^council ${name}: .*no-such-flag.* \\(try --help\\)`),
      name,
    );
  }
  for (const name of ["evidence", "votes", "escalations", "sessions", "media"]) {
    const unknown = await cli(name, "frobnicate", "--url", "http://127.0.0.1:9", "--token", "x");
    assert.equal(unknown.code, 2, name);
    assert.match(
      unknown.stderr,
      new RegExp(`^council ${name}: unknown ${name} command 'frobnicate'`),
    );
  }
});

Deno.test({
  name:
    "council rooms invite --target calls a SIP phone that does not register; calls list and hangup see it",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
    const cli = cliAt(council.url);
    // SIPp's uas sends no RTP: the leg stays however long the commands take.
    const alive = keepLegsAlive(council.url, OPERATOR);
    try {
      await addGuardian(council.url, "callee");
      const port = freeUdpPort();
      // SIPp's built-in uas: INVITE -> 180 -> 200 (PCMU) -> ACK, then BYE -> 200.
      const uas = runSipp({ scenario: "uas", port, calls: 1, timeoutS: 300 });
      await until("SIPp listens", () => {
        try {
          Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port }).close();
          return false;
        } catch {
          return true; // taken: SIPp has it
        }
      }, 60_000);
      const invited = await cli(
        "rooms",
        "invite",
        "main",
        "callee",
        "--target",
        `sip:callee@127.0.0.1:${port}`,
      );
      assert.equal(invited.code, 0, invited.stderr);
      const legId = /^answered over sip: member (\S+)$/.exec(invited.stdout.trim())?.[1];
      assert.ok(legId, invited.stdout);
      const legs = JSON.parse((await cli("calls", "list", "--json")).stdout) as {
        memberId: string;
        guardianId: string;
        protocol: string;
      }[];
      assert.deepEqual(legs.map((l) => [l.memberId, l.guardianId, l.protocol]), [
        [legId, "if://guardian/callee", "sip"],
      ]);
      const hung = await cli("calls", "hangup", legId);
      assert.equal(hung.code, 0, hung.stderr);
      const run = await uas;
      assert.equal(run.code, 0, run.stdout.slice(-1500) + run.messages.slice(-3000));
      assert.equal(run.stats["SuccessfulCall(C)"], "1");
      // --target is a SIP address: not with another protocol; nobody there is refused.
      const h323 = await cli(
        "rooms",
        "invite",
        "main",
        "callee",
        "--protocol",
        "h323",
        "--target",
        "sip:x@127.0.0.1",
      );
      assert.equal(h323.code, 2);
      const nobody = await cli("rooms", "invite", "main", "callee");
      assert.equal(nobody.code, 1);
      assert.match(nobody.stderr, /^council rooms: 404 /);
    } finally {
      await alive.stop();
      assert.equal(await council.stop(), 0);
    }
  },
});
