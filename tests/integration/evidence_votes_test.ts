// Evidence and votes in a room with three members (joined over /ws, as browsers
// do): evidence reaches every member and the API; a vote's ballots are signed and
// checked (non-members, forgeries, duplicates, wrong choices, late ballots refused
// and witnessed), the result is computed when everyone has voted, and the closing
// entry comes back with a signed tree head and an inclusion proof that verify.

import assert from "node:assert/strict";
import { type CouncilProcess, startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR, type TestGuardian } from "../_helpers/council_api.ts";
import { sleep, until } from "../_helpers/wait.ts";
import { joinWs, type WsMember } from "../_helpers/ws_member.ts";
import { signBallot } from "../../guard/mod.ts";
import type { Vote, VoteRecord } from "../../rooms/mod.ts";
import { fromHex, openTreeHead, parseVerifierKey, verifyInclusion } from "../../witness/mod.ts";

/** The vote's record: a tree head signed by the log's key, and the entry's inclusion in it. */
async function assertProven(council: CouncilProcess, record: VoteRecord): Promise<void> {
  const key = (await api(council.url, "GET", "/api/v1/witness/key")).body as {
    verifierKey: string;
  };
  const head = await openTreeHead(record.signedHead, parseVerifierKey(key.verifierKey));
  assert.equal(head.size, record.treeSize);
  assert.ok(verifyInclusion(
    record.witnessIndex,
    record.treeSize,
    fromHex(record.leafHash)!,
    record.inclusionPath.map((h) => fromHex(h)!),
    head.rootHash,
  ));
}

function ballotFor(g: TestGuardian, voteId: string, choice: string, room = "council") {
  return signBallot({ voteId, room, guardianId: g.id, choice }, g.secret);
}

async function cast(council: CouncilProcess, voteId: string, ballot: unknown) {
  const res = await fetch(`${council.url}/api/v1/rooms/council/votes/${voteId}/ballots`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ballot }),
  });
  return { status: res.status, body: await res.json() };
}

Deno.test({
  name: "evidence is shown to the room; signed votes are checked, tallied, witnessed and proven",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
    const members: WsMember[] = [];
    try {
      const [alice, bob, carol, dave] = await Promise.all(
        ["alice", "bob", "carol", "dave"].map((n) => addGuardian(council.url, n)),
      );
      for (const g of [alice, bob, carol]) members.push(await joinWs(council, g, "council"));

      // Evidence: posted, shown to every member, listed; bad posts name the field.
      const posted = await api(council.url, "POST", "/api/v1/rooms/council/evidence", {
        kind: "citation",
        title: "RFC 3550 section 6.4",
        body: "Sender and receiver reports.",
        url: "https://www.rfc-editor.org/rfc/rfc3550#section-6.4",
      });
      assert.equal(posted.status, 201, JSON.stringify(posted.body));
      const item = posted.body as { id: string; sha256: string };
      assert.match(item.sha256, /^[0-9a-f]{64}$/);
      for (const m of members) {
        const shown = await until("evidence shown", () => m.events("evidence.shown")[0]);
        assert.equal((shown.data as { id: string }).id, item.id);
      }
      const listed = (await api(council.url, "GET", "/api/v1/rooms/council/evidence")).body as {
        evidence: { id: string }[];
      };
      assert.deepEqual(listed.evidence.map((e) => e.id), [item.id]);
      for (
        const [body, field] of [
          [{ kind: "rumour", title: "x", body: "" }, /kind/],
          [{ kind: "text", title: "", body: "x" }, /title/],
          [{ kind: "text", title: "x", body: "x", url: "ftp://x" }, /url/],
          [{ kind: "text", title: "x", body: "x", extra: 1 }, /extra/],
        ] as const
      ) {
        const r = await api(council.url, "POST", "/api/v1/rooms/council/evidence", body);
        assert.equal(r.status, 400);
        assert.match((r.body as { error: { message: string } }).error.message, field);
      }
      // A flood is refused (rate limited), not queued.
      const flood = await Promise.all(
        Array.from(
          { length: 20 },
          (_, i) =>
            api(council.url, "POST", "/api/v1/rooms/council/evidence", {
              kind: "text",
              title: `note ${i}`,
              body: "x",
            }),
        ),
      );
      assert.ok(flood.some((r) => r.status === 429), "some posts rate limited");
      assert.ok(flood.some((r) => r.status === 201), "the burst itself accepted");

      // A vote: opened by the operator, shown to members.
      const bad = await api(council.url, "POST", "/api/v1/rooms/council/votes", {
        question: "Escalate?",
        options: ["yes"],
        deadlineSec: 60,
      });
      assert.equal(bad.status, 400);
      assert.match((bad.body as { error: { message: string } }).error.message, /options/);
      const opened = await api(council.url, "POST", "/api/v1/rooms/council/votes", {
        question: "Escalate to the full council?",
        options: ["yes", "no"],
        deadlineSec: 60,
      });
      assert.equal(opened.status, 201);
      const voteId = (opened.body as { id: string }).id;
      await until("vote shown", () => members[0].events("vote.opened")[0]);

      // Ballots: refusals first, each with its reason.
      assert.equal((await cast(council, voteId, await ballotFor(dave, voteId, "yes"))).status, 403);
      const forged = await ballotFor(bob, voteId, "yes");
      forged.signature = (await ballotFor(alice, voteId, "yes")).signature;
      const f = await cast(council, voteId, forged);
      assert.deepEqual([f.status, f.body.error.code], [403, "INVALID_SIGNATURE"]);
      const wrong = await cast(council, voteId, await ballotFor(bob, voteId, "maybe"));
      assert.equal(wrong.status, 400);
      const other = await cast(council, voteId, await ballotFor(bob, voteId, "yes", "annex"));
      assert.equal(other.status, 400);
      const malformed = await cast(council, voteId, { voteId, choice: "yes" });
      assert.equal(malformed.status, 400);

      assert.equal(
        (await cast(council, voteId, await ballotFor(alice, voteId, "yes"))).status,
        201,
      );
      const dup = await cast(council, voteId, await ballotFor(alice, voteId, "no"));
      assert.deepEqual([dup.status, dup.body.error.code], [409, "DUPLICATE"]);
      assert.equal((await cast(council, voteId, await ballotFor(bob, voteId, "yes"))).status, 201);
      // Carol's is the last ballot: the vote closes with it.
      const last = await cast(council, voteId, await ballotFor(carol, voteId, "no"));
      assert.equal(last.status, 201);
      // The server's own Vote type: what the API returns is what the module keeps.
      const vote = last.body as Vote;
      const record = vote.record!;
      assert.equal(vote.state, "closed");
      assert.deepEqual(vote.result!.counts, { yes: 2, no: 1 });
      assert.equal(vote.result!.winner, "yes");
      assert.equal(vote.ballots.length, 3);

      await assertProven(council, record);
      const entry =
        (await api(council.url, "GET", `/api/v1/witness/entries/${record.witnessIndex}`))
          .body as { type: string; payload: { question: string; ballots: unknown[] } };
      assert.equal(entry.type, "room.vote.closed");
      assert.equal(entry.payload.ballots.length, 3);
      for (const m of members) await until("vote closed shown", () => m.events("vote.closed")[0]);
      // A ballot after the close is late.
      const late = await cast(council, voteId, await ballotFor(carol, voteId, "yes"));
      assert.deepEqual([late.status, late.body.error.code], [409, "LATE"]);

      // A vote nobody answers closes at its deadline, with no winner.
      const quiet = await api(council.url, "POST", "/api/v1/rooms/council/votes", {
        question: "Adjourn?",
        options: ["yes", "no"],
        deadlineSec: 5,
      });
      const quietId = (quiet.body as { id: string }).id;
      await sleep(5500);
      const ended = (await api(council.url, "GET", `/api/v1/rooms/council/votes/${quietId}`))
        .body as { state: string; result: { winner: null; ballots: number } };
      assert.equal(ended.state, "closed");
      assert.deepEqual([ended.result.winner, ended.result.ballots], [null, 0]);
      const tooLate = await cast(council, quietId, await ballotFor(alice, quietId, "yes"));
      assert.equal(tooLate.status, 409);

      // Every refusal and acceptance is in the log.
      const size = ((await api(council.url, "POST", "/api/v1/witness/head")).body as {
        size: number;
      }).size;
      const types = ((await api(council.url, "GET", `/api/v1/witness/entries?start=0&end=${size}`))
        .body as { entries: { type: string; payload: { code?: string } }[] }).entries;
      const refused = types.filter((e) => e.type === "room.vote.ballot_refused").map((e) =>
        e.payload.code
      );
      for (const code of ["NOT_A_MEMBER", "INVALID_SIGNATURE", "DUPLICATE", "LATE"]) {
        assert.ok(refused.includes(code), `${code} witnessed (${refused})`);
      }
      assert.equal(types.filter((e) => e.type === "room.vote.ballot").length, 3);
      assert.ok(types.some((e) => e.type === "room.evidence.refused"));
    } finally {
      for (const m of members) await m.close();
      await council.stop();
    }
  },
});

Deno.test({
  name:
    "votes survive a restart: ballots cast before it count, lapsed deadlines close, decided votes keep their proof",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "council-votes-" });
    const env = { COUNCIL_API_OPERATOR_TOKEN: OPERATOR, COUNCIL_KV_PATH: `${dir}/council.kv` };
    let council = await startCouncilProcess(env);
    const members: WsMember[] = [];
    try {
      const [alice, bob] = await Promise.all(
        ["alice", "bob"].map((n) => addGuardian(council.url, n)),
      );
      for (const g of [alice, bob]) members.push(await joinWs(council, g, "council"));
      const open = async (deadlineSec: number) =>
        ((await api(council.url, "POST", "/api/v1/rooms/council/votes", {
          question: "Hold the line?",
          options: ["yes", "no"],
          deadlineSec,
        })).body as { id: string }).id;
      const long = await open(120);
      const short = await open(5);
      assert.equal((await cast(council, long, await ballotFor(alice, long, "yes"))).status, 201);
      // One decided before the restart: listed again after it, result and proof intact.
      const decided = await open(60);
      assert.equal(
        (await cast(council, decided, await ballotFor(bob, decided, "no"))).status,
        201,
      );
      const closed = (await api(
        council.url,
        "POST",
        `/api/v1/rooms/council/votes/${decided}/close`,
      )).body as Vote;
      assert.equal(closed.state, "closed");

      for (const m of members.splice(0)) await m.close();
      assert.equal(await council.stop(), 0);
      await sleep(5500); // the short vote's deadline passes while the server is down
      council = await startCouncilProcess(env);

      const restored = (await api(council.url, "GET", `/api/v1/rooms/council/votes/${long}`))
        .body as Vote;
      assert.equal(restored.state, "open");
      assert.deepEqual(restored.ballots.map((b) => [b.guardianId, b.choice]), [[alice.id, "yes"]]);
      const listed = ((await api(council.url, "GET", "/api/v1/rooms/council/votes")).body as {
        votes: Vote[];
      }).votes;
      assert.deepEqual(listed.map((v) => v.id), [long, short, decided]);
      const relisted = listed.find((v) => v.id === decided)!;
      assert.equal(relisted.state, "closed");
      assert.deepEqual(relisted.result, closed.result);
      assert.deepEqual(relisted.ballots, closed.ballots);
      assert.equal(relisted.record!.witnessIndex, closed.record!.witnessIndex);
      assert.equal(relisted.record!.leafHash, closed.record!.leafHash);
      await assertProven(council, relisted.record!);
      const lapsed = await until("the lapsed vote closes", async () => {
        const v = (await api(council.url, "GET", `/api/v1/rooms/council/votes/${short}`))
          .body as Vote;
        return v.state === "closed" ? v : undefined;
      });
      assert.equal(lapsed.result?.ballots, 0);

      // Alice's ballot still counts (a second one is a duplicate); Bob's closes the vote.
      for (const g of [alice, bob]) members.push(await joinWs(council, g, "council"));
      const again = await cast(council, long, await ballotFor(alice, long, "no"));
      assert.deepEqual([again.status, again.body.error.code], [409, "DUPLICATE"]);
      assert.equal((await cast(council, long, await ballotFor(bob, long, "yes"))).status, 201);
      const done = await until("the vote closes", async () => {
        const v = (await api(council.url, "GET", `/api/v1/rooms/council/votes/${long}`))
          .body as Vote;
        return v.state === "closed" ? v : undefined;
      });
      assert.deepEqual(done.result?.counts, { yes: 2, no: 0 });
    } finally {
      for (const m of members) await m.close();
      await council.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
