// `council votes list|show|tally|open|close|cast`: a room's votes (docs/API.md,
// "Evidence and votes"). `show` and `tally` check a closed vote's record, the signed
// tree head and the inclusion proof, against the log's key here, as anyone holding
// the key can; `cast` signs a ballot with the guardian's key file, as the join page
// does with the key in the browser.

import { OPERATOR_FLAGS, OPERATOR_OPTIONS, operatorCommand } from "./_api.ts";
import { type Command, UsageError } from "./_command.ts";
import { guardianId } from "./_ids.ts";
import { readKeyFile } from "./_keyfile.ts";
import { output, outputList, path, positionals } from "./_output.ts";
import { signBallot } from "../guard/mod.ts";
import type { Vote } from "../rooms/mod.ts";
import { tally } from "../rooms/votes.ts";
import { fromHex, openTreeHead, parseVerifierKey, verifyInclusion } from "../witness/mod.ts";

const HELP = `council votes <command> [options]

  list ROOM                         the room's votes: open ones and closed ones with
                                    their results
  show ROOM VOTE                    one vote: options, ballots, result, and its witness
                                    record verified here (signed head, inclusion proof)
  tally ROOM VOTE                   the count per option: the result of a closed vote
                                    (its record verified), the ballots so far of an
                                    open one
  open ROOM --question Q --option A --option B [--option C ...] --deadline SEC
                                    open a vote (2-10 options, 5-86400 s)
  close ROOM VOTE                   close it now; prints the result
  cast ROOM VOTE --guardian ID --key-file FILE --choice OPTION
                                    sign a ballot with the guardian's key file (from
                                    guardian keygen --out) and cast it; the guardian
                                    must be in the room. No operator token needed

options:
  --question Q, --option A (repeat), --deadline SEC    for open
  --guardian ID, --key-file FILE, --choice OPTION      for cast
${OPERATOR_OPTIONS}

exit codes: 0 ok, 1 refused by the server, not found, or a record that does not
verify, 2 usage error or unusable key file`;

const FLAGS = {
  ...OPERATOR_FLAGS,
  question: { type: "string" },
  option: { type: "string", multiple: true },
  deadline: { type: "string" },
  guardian: { type: "string" },
  "key-file": { type: "string" },
  choice: { type: "string" },
} as const;

function summary(v: Vote): string {
  const result = v.result
    ? v.result.winner !== null
      ? `winner "${v.result.winner}"`
      : v.result.ballots === 0
      ? "no ballots"
      : `tied ${v.result.tied.map((o) => `"${o}"`).join(", ")}`
    : `until ${v.deadline}`;
  return `${v.id}  ${v.state}  "${v.question}"  ${v.ballots.length} ballot(s)  ${result}`;
}

/** "verified ..." or "NOT VERIFIED: why", for a closed vote's record. */
function recordLine(v: Vote, problem: string | undefined): string[] {
  if (!v.record) return [];
  return [
    `  record    witness entry ${v.record.witnessIndex} in the signed head of size ${v.record.treeSize}: ${
      problem ? `NOT VERIFIED: ${problem}` : "verified with the log's key"
    }`,
  ];
}

function details(v: Vote, problem: string | undefined): string {
  return [
    summary(v),
    `  question  ${v.question}`,
    `  opened    ${v.openedAt}, deadline ${v.deadline}`,
    ...v.options.map((option) => {
      const count = v.result?.counts[option];
      return `  option    "${option}"${count !== undefined ? `  ${count}` : ""}`;
    }),
    ...v.ballots.map((b) =>
      `  ballot    ${b.guardianId}  "${b.choice}"  ${new Date(b.timestamp).toISOString()}`
    ),
    ...recordLine(v, problem),
  ].join("\n");
}

/** The count per option, most first: the result of a closed vote, the ballots so far of an open one. */
function tallyText(v: Vote, problem: string | undefined): string {
  const t = v.result ?? tally(v.options, v.ballots);
  const width = Math.max(...v.options.map((o) => o.length)) + 2;
  return [
    `${v.id}  ${v.state}  "${v.question}"  ${t.ballots} ballot(s)${
      v.result ? "" : `, open until ${v.deadline}`
    }`,
    ...[...v.options].sort((a, b) => t.counts[b] - t.counts[a]).map((o) =>
      `  ${`"${o}"`.padEnd(width)}  ${t.counts[o]}`
    ),
    v.result
      ? v.result.winner !== null
        ? `  winner "${v.result.winner}"`
        : v.result.ballots === 0
        ? "  no winner: no ballots"
        : `  no winner: tied ${v.result.tied.map((o) => `"${o}"`).join(", ")}`
      : "  (not closed: no result yet)",
    ...recordLine(v, problem),
  ].join("\n");
}

export const votesCommand: Command = operatorCommand({
  name: "votes",
  summary: "a room's votes: open, cast a signed ballot, tally, close, show with proof",
  help: HELP,
  flags: FLAGS,
}, async ({ values, sub, rest, api }) => {
  const base = (room: string) => path("/api/v1/rooms", room, "votes");

  /** undefined: no record (open); "": the record verifies; else why it does not. */
  const verify = async (v: Vote): Promise<string | undefined> => {
    const r = v.record;
    if (!r) return undefined;
    const key = await api.request<{ verifierKey: string }>("GET", "/api/v1/witness/key");
    try {
      const head = await openTreeHead(r.signedHead, parseVerifierKey(key.verifierKey));
      const leaf = fromHex(r.leafHash);
      const proof = r.inclusionPath.map((h) => fromHex(h));
      const ok = head.size === r.treeSize && leaf !== undefined &&
        proof.every((p) => p !== undefined) &&
        verifyInclusion(r.witnessIndex, r.treeSize, leaf, proof as Uint8Array[], head.rootHash);
      return ok ? "" : "the inclusion proof does not match the signed head";
    } catch (err) {
      return `the signed head does not open with the log's key: ${(err as Error).message}`;
    }
  };

  /** Prints one vote (checked when closed); exit 1 when its record does not verify. */
  const report = async (v: Vote, text: (v: Vote, problem?: string) => string) => {
    const problem = await verify(v);
    output(
      values.json,
      problem === undefined ? v : { ...v, verified: !problem },
      () => text(v, problem),
    );
    return problem ? 1 : 0;
  };

  switch (sub) {
    case "list": {
      const [room] = positionals(sub, rest, ["ROOM"]);
      const { votes } = await api.request<{ votes: Vote[] }>("GET", base(room));
      outputList(values.json, votes, summary, "no votes");
      return 0;
    }
    case "show":
    case "tally": {
      const [room, id] = positionals(sub, rest, ["ROOM", "VOTE"]);
      const v = await api.request<Vote>("GET", path(base(room), id));
      return await report(v, sub === "show" ? details : tallyText);
    }
    case "close": {
      const [room, id] = positionals(sub, rest, ["ROOM", "VOTE"]);
      const v = await api.request<Vote>("POST", path(base(room), id, "close"));
      return await report(v, tallyText);
    }
    case "open": {
      const [room] = positionals(sub, rest, ["ROOM"]);
      if (!values.question || !values.deadline) {
        throw new UsageError("open needs --question, --option (two or more) and --deadline");
      }
      const options = values.option ?? [];
      if (options.length < 2) throw new UsageError("open needs at least two --option");
      if (!/^[0-9]{1,9}$/.test(values.deadline)) {
        throw new UsageError("--deadline must be whole seconds");
      }
      const v = await api.request<Vote>("POST", base(room), {
        question: values.question,
        options,
        deadlineSec: Number(values.deadline),
      });
      output(values.json, v, () => `opened ${v.id} until ${v.deadline}`);
      return 0;
    }
    case "cast": {
      const [room, id] = positionals(sub, rest, ["ROOM", "VOTE"]);
      if (!values.guardian || !values["key-file"] || values.choice === undefined) {
        throw new UsageError("cast needs --guardian, --key-file and --choice");
      }
      const key = await readKeyFile(values["key-file"], "secret");
      const ballot = await signBallot({
        voteId: id,
        room,
        guardianId: guardianId(values.guardian),
        choice: values.choice,
      }, key.secretKey!);
      const v = await api.request<Vote>("POST", path(base(room), id, "ballots"), { ballot });
      output(
        values.json,
        v,
        () => `cast "${values.choice}" in ${v.id} (${v.ballots.length} ballot(s), ${v.state})`,
      );
      return 0;
    }
    default:
      throw new UsageError(`unknown votes command '${sub}'`);
  }
});
