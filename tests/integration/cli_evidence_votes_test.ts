// `council evidence`, `council votes` and `council escalations` against a running
// server with two members in the room (joined over /ws, as browsers do; issue 25
// item 6): evidence posted from a file, listed and shown with its SHA-256; a vote
// opened, ballots signed with the guardians' key files and cast, tallied while
// open, closed when everyone voted, shown with its witness record verified here
// (and refused when a server alters it); escalations raised, listed and shown with
// who was called and how each answered.

import assert from "node:assert/strict";
import { type CouncilProcess, runDeno, startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR, type TestGuardian } from "../_helpers/council_api.ts";
import { tempDir } from "../_helpers/temp.ts";
import { until } from "../_helpers/wait.ts";
import { joinWs, type WsMember } from "../_helpers/ws_member.ts";
import { keepLegsAlive } from "../_helpers/legs_alive.ts";
import { toBase64, toHex } from "../../witness/mod.ts";
import type { EscalationRecord, Evidence, Vote } from "../../rooms/mod.ts";

/** `council <command> ...` against `url` (the server's, or a proxy's). */
function cliAt(url: string) {
  return (command: string, ...args: string[]) =>
    runDeno("cli/main.ts", [command, ...args, "--url", url, "--token", OPERATOR], {
      COUNCIL_KV_PATH: ":memory:",
    });
}

/** The guardian's key as keygen writes it. */
async function keyFile(dir: string, g: TestGuardian): Promise<string> {
  const file = `${dir}/${g.name}.key`;
  await Deno.writeTextFile(file, JSON.stringify({ secretKey: toBase64(g.secret) }));
  return file;
}

/**
 * A server in front of Council that changes what GET .../votes/:id answers, as a
 * compromised or broken server might: the CLI must notice.
 */
function alteringProxy(council: CouncilProcess, alter: (v: Vote) => void) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const res = await fetch(`${council.url}${url.pathname}${url.search}`, {
      method: req.method,
      headers: req.headers,
      body: req.body,
    });
    if (!/\/votes\/[^/]+$/.test(url.pathname) || !res.ok) return res;
    const vote = await res.json() as Vote;
    alter(vote);
    return Response.json(vote);
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

Deno.test({
  name: "council evidence, votes and escalations on a running server with members in the room",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const council = await startCouncilProcess({
      COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
      // The test's members answer no heartbeat: keep their sockets however long the
      // CLI runs take on a busy machine (pings after 60 s, dropped after 180 s).
      COUNCIL_WEBRTC_HEARTBEAT_MS: "60000",
    });
    const cli = cliAt(council.url);
    // Members without media stay members however long the commands take.
    const alive = keepLegsAlive(council.url, OPERATOR);
    const members: WsMember[] = [];
    const dir = tempDir();
    try {
      const [alice, bob, carol] = await Promise.all(
        ["alice", "bob", "carol"].map((n) => addGuardian(council.url, n)),
      );
      for (const g of [alice, bob]) members.push(await joinWs(council, g, "main"));

      // Evidence: posted from a file, shown to the room, listed, shown with its hash.
      const text = "Sender and receiver reports.\nSection 6.4, in full.\n";
      await Deno.writeTextFile(`${dir}/body.txt`, text);
      const posted = await cli(
        "evidence",
        "post",
        "main",
        "--kind",
        "citation",
        "--title",
        "RFC 3550 section 6.4",
        "--body-file",
        `${dir}/body.txt`,
        "--link",
        "https://www.rfc-editor.org/rfc/rfc3550#section-6.4",
        "--json",
      );
      assert.equal(posted.code, 0, posted.stderr);
      const item = JSON.parse(posted.stdout) as Evidence;
      assert.equal(item.body, text);
      const digest = toHex(
        new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))),
      );
      assert.equal(item.sha256, digest);
      for (const m of members) {
        await until(
          "evidence shown",
          () => m.events("evidence.shown").some((e) => (e.data as Evidence).id === item.id),
          60_000,
        );
      }
      const plain = await cli(
        "evidence",
        "post",
        "main",
        "--kind",
        "text",
        "--title",
        "Note",
        "--body",
        "short",
      );
      assert.equal(plain.code, 0, plain.stderr);
      assert.match(plain.stdout, /^posted \S+ to main$/m);
      const listed = await cli("evidence", "list", "main");
      assert.equal(listed.code, 0, listed.stderr);
      const lines = listed.stdout.trim().split("\n");
      assert.equal(lines.length, 2);
      assert.match(
        lines[0],
        new RegExp(
          `^${item.id} {2}\\S+ {2}citation {2}"RFC 3550 section 6\\.4" {2}by operator {2}https://www\\.rfc-editor\\.org/rfc/rfc3550#section-6\\.4 {2}sha256 ${
            digest.slice(0, 16)
          }…$`,
        ),
      );
      const shown = await cli("evidence", "show", "main", item.id);
      assert.equal(shown.code, 0, shown.stderr);
      assert.ok(shown.stdout.includes(`\nsha256 ${digest}\n\n${text}`), shown.stdout);
      assert.deepEqual(
        (JSON.parse((await cli("evidence", "list", "main", "--json")).stdout) as Evidence[]).map((
          e,
        ) => e.title),
        ["RFC 3550 section 6.4", "Note"],
      );
      assert.equal((await cli("evidence", "list", "empty-room")).stdout.trim(), "(no evidence)");
      for (
        const [args, code, why] of [
          [["show", "main", "no-such-item"], 1, /404 no evidence no-such-item in main/],
          [
            ["post", "main", "--kind", "rumour", "--title", "x", "--body", "x"],
            1,
            /400 kind: expected one of/,
          ],
          [
            ["post", "main", "--kind", "citation", "--title", "x", "--body", ""],
            1,
            /a citation needs its text or a url/,
          ],
          [
            [
              "post",
              "main",
              "--kind",
              "text",
              "--title",
              "x",
              "--body",
              "a",
              "--body-file",
              `${dir}/body.txt`,
            ],
            2,
            /not both/,
          ],
          [["post", "main", "--kind", "text"], 2, /post needs --kind and --title/],
          [["show", "main"], 2, /show takes ROOM ID/],
        ] as const
      ) {
        const r = await cli("evidence", ...args);
        assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
        assert.match(r.stderr, why, args.join(" "));
      }

      // A vote: opened, cast with key files, tallied open, closed by the last ballot.
      const opened = await cli(
        "votes",
        "open",
        "main",
        "--question",
        "Adopt the proposal?",
        "--option",
        "yes",
        "--option",
        "no",
        "--option",
        "abstain",
        "--deadline",
        "600",
        "--json",
      );
      assert.equal(opened.code, 0, opened.stderr);
      const vote = JSON.parse(opened.stdout) as Vote;
      assert.equal(vote.state, "open");
      const [aliceKey, bobKey, carolKey] = await Promise.all(
        [alice, bob, carol].map((g) => keyFile(dir, g)),
      );
      const cast = (g: string, key: string, choice: string) =>
        cli(
          "votes",
          "cast",
          "main",
          vote.id,
          "--guardian",
          g,
          "--key-file",
          key,
          "--choice",
          choice,
        );

      const first = await cast("alice", aliceKey, "yes");
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout.trim(), `cast "yes" in ${vote.id} (1 ballot(s), open)`);
      for (
        const [g, key, choice, why] of [
          ["alice", aliceKey, "no", /409 if:\/\/guardian\/alice has voted already/],
          ["carol", carolKey, "yes", /403 .*carol/],
          [
            "bob",
            aliceKey,
            "no",
            /403 the ballot's signature does not verify with if:\/\/guardian\/bob's registered key/,
          ],
          ["bob", bobKey, "maybe", /400 .*maybe|400 .*choice/],
        ]
      ) {
        const r = await cast(g as string, key as string, choice as string);
        assert.equal(r.code, 1, `${g} ${choice}: ${r.stderr}`);
        assert.match(r.stderr, why as RegExp);
      }
      const broken = `${dir}/broken.key`;
      await Deno.writeTextFile(broken, '{"secretKey": "');
      const unusable = await cast("bob", broken, "no");
      assert.equal(unusable.code, 2);
      assert.equal(
        unusable.stderr.trim(),
        `council votes: key file ${broken}: is not complete JSON (cut short?); a key file is the {publicKey, secretKey} JSON that \`council guardian keygen --out FILE\` writes`,
      );

      const open = await cli("votes", "tally", "main", vote.id);
      assert.equal(open.code, 0, open.stderr);
      assert.match(
        open.stdout,
        /^\S+ {2}open {2}"Adopt the proposal\?" {2}1 ballot\(s\), open until /,
      );
      assert.match(open.stdout, /^ {2}"yes" +1$/m);
      assert.match(open.stdout, /^ {2}"no" +0$/m);
      assert.match(open.stdout, /\(not closed: no result yet\)/);

      const last = await cast("if://guardian/bob", bobKey, "yes");
      assert.equal(last.code, 0, last.stderr);
      assert.match(last.stdout, /\(2 ballot\(s\), closed\)$/m, "everyone in the room voted");
      const tallied = await cli("votes", "tally", "main", vote.id);
      assert.equal(tallied.code, 0, tallied.stderr);
      assert.match(tallied.stdout, /^ {2}"yes" +2$/m);
      assert.match(tallied.stdout, /^ {2}winner "yes"$/m);
      assert.match(
        tallied.stdout,
        /^ {2}record {4}witness entry \d+ in the signed head of size \d+: verified with the log's key$/m,
      );
      const showed = await cli("votes", "show", "main", vote.id, "--json");
      assert.equal(showed.code, 0, showed.stderr);
      const closed = JSON.parse(showed.stdout) as Vote & { verified: boolean };
      assert.equal(closed.verified, true);
      assert.deepEqual(closed.result?.counts, { yes: 2, no: 0, abstain: 0 });
      assert.deepEqual(closed.ballots.map((b) => [b.guardianId, b.choice]).sort(), [
        [alice.id, "yes"],
        [bob.id, "yes"],
      ]);
      const text2 = await cli("votes", "show", "main", vote.id);
      assert.match(text2.stdout, new RegExp(`^ {2}ballot {4}${alice.id} {2}"yes" {2}\\d{4}-`, "m"));
      assert.equal((await cast("alice", aliceKey, "no")).code, 1, "late");

      // A server that alters the record is caught: exit 1, NOT VERIFIED and why.
      for (
        const [alter, why] of [
          [(v: Vote) => {
            v.record!.leafHash = v.record!.leafHash.replace(/^./, (c) => (c === "0" ? "1" : "0"));
          }, /NOT VERIFIED: the inclusion proof does not match the signed head/],
          [(v: Vote) => {
            v.record!.signedHead = v.record!.signedHead.replace(/\n\d+\n/, "\n1\n");
          }, /NOT VERIFIED: the signed head does not open with the log's key/],
        ] as const
      ) {
        const proxy = alteringProxy(council, alter);
        try {
          const r = await cliAt(proxy.url)("votes", "show", "main", vote.id);
          assert.equal(r.code, 1, r.stdout);
          assert.match(r.stdout, why);
        } finally {
          await proxy.close();
        }
      }

      // Closed by the operator with no ballots: no winner. Listed with the first.
      const second = JSON.parse(
        (await cli(
          "votes",
          "open",
          "main",
          "--question",
          "Lunch?",
          "--option",
          "a",
          "--option",
          "b",
          "--deadline",
          "300",
          "--json",
        )).stdout,
      ) as Vote;
      const closedNow = await cli("votes", "close", "main", second.id);
      assert.equal(closedNow.code, 0, closedNow.stderr);
      assert.match(closedNow.stdout, /^ {2}no winner: no ballots$/m);
      const votes = await cli("votes", "list", "main");
      assert.match(
        votes.stdout,
        new RegExp(
          `^${vote.id} {2}closed {2}"Adopt the proposal\\?" {2}2 ballot\\(s\\) {2}winner "yes"$`,
          "m",
        ),
      );
      assert.match(
        votes.stdout,
        new RegExp(`^${second.id} {2}closed {2}"Lunch\\?" {2}0 ballot\\(s\\) {2}no ballots$`, "m"),
      );
      for (
        const [args, code] of [
          [["open", "main", "--question", "q", "--option", "a", "--deadline", "60"], 2],
          [
            [
              "open",
              "main",
              "--question",
              "q",
              "--option",
              "a",
              "--option",
              "b",
              "--deadline",
              "1",
            ],
            1,
          ],
          [["cast", "main", vote.id, "--guardian", "alice", "--choice", "yes"], 2],
          [["show", "main", "no-such-vote"], 1],
          [["tally", "main"], 2],
        ] as const
      ) {
        assert.equal((await cli("votes", ...args)).code, code, args.join(" "));
      }

      // Escalations: dismissed, refused for PII, convened with who was called.
      const dismissed = await cli(
        "escalations",
        "raise",
        "--source",
        "if://agent/monitor",
        "--hazard",
        "latency",
        "--severity",
        "low",
        "--summary",
        "p99 up a little",
      );
      assert.equal(dismissed.code, 0, dismissed.stderr);
      assert.match(dismissed.stdout, /^\S+ {2}\S+ {2}dismiss {2}low \[latency\]/);
      const pii = await cli(
        "escalations",
        "raise",
        "--source",
        "if://agent/monitor",
        "--hazard",
        "safety",
        "--severity",
        "high",
        "--summary",
        "names inside",
        "--pii",
      );
      assert.equal(pii.code, 1);
      assert.match(pii.stderr, /^council escalations: 403 /);
      const raised = await cli(
        "escalations",
        "raise",
        "--source",
        "if://agent/monitor",
        "--hazard",
        "safety",
        "--hazard",
        "power",
        "--severity",
        "critical",
        "--summary",
        "the rack is on fire",
        "--json",
      );
      assert.equal(raised.code, 0, raised.stderr);
      const convened = JSON.parse(raised.stdout) as EscalationRecord;
      assert.equal(convened.decision, "convene");
      assert.match(convened.room!, /^escalate-[0-9a-f]{8}$/);
      assert.deepEqual([...convened.calling].sort(), [alice.id, bob.id, carol.id]);
      // Each guardian's outcome arrives as Council reaches them (browsers invited,
      // carol with neither a registration nor a browser unreachable).
      await until("every outcome", async () => {
        const r = await api(council.url, "GET", `/api/v1/escalations/${convened.id}`);
        return (r.body as EscalationRecord).outcomes.length === 3;
      }, 60_000);
      const show = await cli("escalations", "show", convened.id);
      assert.equal(show.code, 0, show.stderr);
      assert.match(
        show.stdout,
        new RegExp(
          `^${convened.id} {2}\\S+ {2}convene in ${convened.room} {2}critical \\[safety,power\\] {2}called 3, answered 0 {2}"the rack is on fire"$`,
          "m",
        ),
      );
      assert.match(show.stdout, /^ {2}source {3}if:\/\/agent\/monitor$/m);
      for (const g of [alice, bob]) {
        assert.match(
          show.stdout,
          new RegExp(
            `^ {2}called {3}${g.id} {2}invited {2}1 browser\\(s\\) {2}after \\d+ ms$`,
            "m",
          ),
        );
      }
      assert.match(
        show.stdout,
        new RegExp(`^ {2}called {3}${carol.id} {2}unreachable {2}.+ {2}after \\d+ ms$`, "m"),
      );
      for (const m of members) {
        await until("the invitation", () => m.events("invitation").length === 1, 60_000);
      }
      const list = await cli("escalations", "list", "--json");
      assert.deepEqual(
        (JSON.parse(list.stdout) as EscalationRecord[]).map((r) => r.decision),
        ["convene", "reject", "dismiss"],
      );
      const text3 = await cli("escalations", "list");
      assert.equal(text3.stdout.trim().split("\n").length, 3);
      assert.equal((await cli("escalations", "show", "no-such")).code, 1);
      assert.equal((await cli("escalations", "raise", "--severity", "high")).code, 2);
    } finally {
      await alive.stop();
      for (const m of members) await m.close();
      assert.equal(await council.stop(), 0);
    }
  },
});
