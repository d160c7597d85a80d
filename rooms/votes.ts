// Votes in a room: a question with options and a deadline; members cast Ed25519-
// signed ballots (one per guardian, verified by guard against the registry); at the
// deadline (or when every member has voted, or an operator closes it) the result
// is computed and the question, every ballot and the result are witnessed in one
// entry, returned with a signed tree head and the entry's inclusion proof. Each
// accepted ballot and each refused one is witnessed as it happens.

import { type Ballot, ballotBytes } from "../guard/canonical.ts";
import type { Logger } from "../telemetry/mod.ts";
import { leafHash, toHex } from "../witness/mod.ts";
import type { JsonValue, WitnessLog } from "../witness/mod.ts";
import type { RoomEvents } from "./events.ts";

export type VerifyGuardian = (
  guardianId: string,
  message: Uint8Array,
  signature: string,
) => Promise<"ok" | "NOT_REGISTERED" | "INVALID_SIGNATURE">;

export interface VoteResult {
  counts: Record<string, number>;
  /** The option with most ballots; null on a tie or with no ballots. */
  winner: string | null;
  tied: string[];
  ballots: number;
}

/** Where the closed vote sits in the witness, and the proof that it does. */
export interface VoteRecord {
  witnessIndex: number;
  leafHash: string;
  treeSize: number;
  rootHash: string;
  /** The signed tree head (signed note) covering the entry. */
  signedHead: string;
  inclusionPath: string[];
}

export interface Vote {
  id: string;
  room: string;
  question: string;
  options: string[];
  openedAt: string;
  deadline: string;
  state: "open" | "closed";
  ballots: Ballot[];
  result?: VoteResult;
  record?: VoteRecord;
}

export class VoteError extends Error {
  override name = "VoteError";
  constructor(
    readonly code:
      | "BAD_REQUEST"
      | "NOT_FOUND"
      | "NOT_A_MEMBER"
      | "INVALID_SIGNATURE"
      | "NOT_REGISTERED"
      | "DUPLICATE"
      | "LATE"
      | "CLOSED",
    message: string,
  ) {
    super(message);
  }
}

const MAX_OPTIONS = 10;
const MIN_DEADLINE_S = 5;
const MAX_DEADLINE_S = 24 * 3600;
/** Open votes per room; closed ones are kept (in memory) up to MAX_KEPT per room. */
const MAX_OPEN = 5;
const MAX_KEPT = 100;

export function parseVoteSpec(
  body: Record<string, unknown>,
): { question: string; options: string[]; deadlineSec: number } {
  for (const key of Object.keys(body)) {
    if (!["question", "options", "deadlineSec"].includes(key)) {
      throw new VoteError("BAD_REQUEST", `${key}: unknown field`);
    }
  }
  const q = body.question;
  if (typeof q !== "string" || q.trim() === "" || q.length > 500) {
    throw new VoteError("BAD_REQUEST", "question: expected 1-500 characters");
  }
  const o = body.options;
  if (
    !Array.isArray(o) || o.length < 2 || o.length > MAX_OPTIONS ||
    o.some((x) => typeof x !== "string" || x.trim() === "" || x.length > 100) ||
    new Set(o).size !== o.length
  ) {
    throw new VoteError(
      "BAD_REQUEST",
      `options: expected 2-${MAX_OPTIONS} distinct strings of 1-100 characters`,
    );
  }
  const d = body.deadlineSec;
  if (typeof d !== "number" || !Number.isInteger(d) || d < MIN_DEADLINE_S || d > MAX_DEADLINE_S) {
    throw new VoteError(
      "BAD_REQUEST",
      `deadlineSec: expected an integer from ${MIN_DEADLINE_S} to ${MAX_DEADLINE_S}`,
    );
  }
  return { question: q.trim(), options: o as string[], deadlineSec: d };
}

export function tally(options: string[], ballots: Ballot[]): VoteResult {
  const counts: Record<string, number> = Object.fromEntries(options.map((o) => [o, 0]));
  for (const b of ballots) counts[b.choice]++;
  const top = Math.max(0, ...Object.values(counts));
  const tied = top === 0 ? [] : options.filter((o) => counts[o] === top);
  return { counts, winner: tied.length === 1 ? tied[0] : null, tied, ballots: ballots.length };
}

export class VoteBox {
  #votes = new Map<string, Vote>();
  #timers = new Map<string, ReturnType<typeof setTimeout>>();
  #closing = new Map<string, Promise<Vote>>();

  constructor(
    private readonly o: {
      verify: VerifyGuardian;
      /** Guardian ids in the room now (any protocol). */
      members: (room: string) => string[];
      witness: WitnessLog;
      events: RoomEvents;
      log: Logger;
    },
  ) {}

  /**
   * After a restart: votes of the last day are rebuilt from the witness (opening,
   * ballots and closing are all logged). Open ones run on to their deadline, and
   * one whose deadline passed while the server was down closes now; closed ones
   * are listed again with their result and a fresh inclusion proof.
   */
  async restore(): Promise<{ open: number; closed: number }> {
    const oldest = Date.now() - MAX_DEADLINE_S * 1000;
    const found: Vote[] = []; // newest opening first
    const closings = new Map<
      string,
      { payload: Record<string, unknown>; index: number; leaf: Uint8Array }
    >();
    const ballots: Ballot[] = [];
    for await (const entry of this.o.witness.newestFirst(oldest)) {
      const p = entry.payload as Record<string, unknown>;
      const id = String(p.voteId);
      if (entry.type === "room.vote.closed") {
        closings.set(id, { payload: p, index: entry.index, leaf: leafHash(entry.bytes) });
      } else if (entry.type === "room.vote.ballot") ballots.push(p as unknown as Ballot);
      else if (entry.type === "room.vote.opened") {
        const closing = closings.get(id)?.payload;
        found.push({
          id,
          room: String(p.room),
          question: String(p.question),
          options: p.options as string[],
          openedAt: new Date(entry.timestamp).toISOString(),
          deadline: String(p.deadline),
          state: closing ? "closed" : "open",
          ballots: closing ? closing.ballots as unknown as Ballot[] : [],
          ...(closing ? { result: closing.result as unknown as VoteResult } : {}),
        });
      }
    }
    const byId = new Map(found.map((v) => [v.id, v]));
    // Ballots were read newest first.
    for (const b of ballots.reverse()) {
      const vote = byId.get(b.voteId);
      if (vote?.state === "open") vote.ballots.push(b);
    }
    const kept = new Map<string, number>();
    const restored = { open: 0, closed: 0 };
    for (const vote of found) {
      if (vote.state === "closed") {
        const n = kept.get(vote.room) ?? 0;
        if (n >= MAX_KEPT) byId.delete(vote.id);
        kept.set(vote.room, n + 1);
      }
    }
    // Oldest first, as they were opened.
    for (const vote of found.reverse()) {
      if (!byId.has(vote.id)) continue;
      this.#votes.set(vote.id, vote);
      if (vote.state === "open") {
        restored.open++;
        this.#schedule(vote, Math.max(0, Date.parse(vote.deadline) - Date.now()));
      } else {
        restored.closed++;
        const closing = closings.get(vote.id)!;
        vote.record = await this.#prove(closing.index, closing.leaf);
      }
    }
    return restored;
  }

  /** Where an entry sits in the log, against a head that covers it. */
  async #prove(index: number, leaf: Uint8Array): Promise<VoteRecord> {
    const head = await this.o.witness.publishHead();
    const path = await this.o.witness.inclusionProof(index, head.size);
    return {
      witnessIndex: index,
      leafHash: toHex(leaf),
      treeSize: head.size,
      rootHash: toHex(head.rootHash),
      signedHead: head.note,
      inclusionPath: path.map(toHex),
    };
  }

  #schedule(vote: Vote, ms: number): void {
    this.#timers.set(
      vote.id,
      setTimeout(() => {
        this.close(vote.room, vote.id, "deadline").catch((err) =>
          this.o.log.error("vote not closed at its deadline", { err, voteId: vote.id })
        );
      }, ms),
    );
  }

  list(room: string): Vote[] {
    return [...this.#votes.values()].filter((v) => v.room === room);
  }

  get(room: string, id: string): Vote {
    const v = this.#votes.get(id);
    if (!v || v.room !== room) throw new VoteError("NOT_FOUND", `no vote ${id} in ${room}`);
    return v;
  }

  async open(
    room: string,
    spec: { question: string; options: string[]; deadlineSec: number },
    openedBy: string,
  ): Promise<Vote> {
    const mine = this.list(room);
    if (mine.filter((v) => v.state === "open").length >= MAX_OPEN) {
      throw new VoteError("BAD_REQUEST", `at most ${MAX_OPEN} open votes per room`);
    }
    const now = Date.now();
    const vote: Vote = {
      id: crypto.randomUUID(),
      room,
      question: spec.question,
      options: spec.options,
      openedAt: new Date(now).toISOString(),
      deadline: new Date(now + spec.deadlineSec * 1000).toISOString(),
      state: "open",
      ballots: [],
    };
    await this.o.witness.append("room.vote.opened", {
      voteId: vote.id,
      room,
      question: vote.question,
      options: vote.options,
      deadline: vote.deadline,
      openedBy,
    });
    this.#votes.set(vote.id, vote);
    // Forget the oldest closed votes of the room beyond MAX_KEPT (the witness has them).
    const closed = mine.filter((v) => v.state === "closed");
    for (const v of closed.slice(0, Math.max(0, closed.length - MAX_KEPT + 1))) {
      this.#votes.delete(v.id);
    }
    this.#schedule(vote, spec.deadlineSec * 1000);
    this.o.events.publish(room, {
      name: "vote.opened",
      data: {
        voteId: vote.id,
        question: vote.question,
        options: vote.options,
        deadline: vote.deadline,
      },
    });
    return vote;
  }

  /** Accepts a signed ballot, or refuses it with a reason; either way it is witnessed. */
  async cast(room: string, voteId: string, ballot: Ballot): Promise<Vote> {
    const vote = this.get(room, voteId);
    const refuse = async (code: VoteError["code"], why: string) => {
      await this.o.witness.append("room.vote.ballot_refused", {
        voteId,
        room,
        guardianId: typeof ballot.guardianId === "string" ? ballot.guardianId.slice(0, 200) : "",
        code,
        why,
      });
      return new VoteError(code, why);
    };
    if (ballot.voteId !== voteId || ballot.room !== room) {
      throw await refuse("BAD_REQUEST", "the ballot is for another vote");
    }
    if (!vote.options.includes(ballot.choice)) {
      throw await refuse("BAD_REQUEST", `choice: expected one of ${vote.options.join(", ")}`);
    }
    if (vote.state !== "open" || Date.now() > Date.parse(vote.deadline)) {
      throw await refuse("LATE", "the vote is closed");
    }
    if (!this.o.members(room).includes(ballot.guardianId)) {
      throw await refuse("NOT_A_MEMBER", `${ballot.guardianId} is not in ${room}`);
    }
    const verdict = await this.o.verify(ballot.guardianId, ballotBytes(ballot), ballot.signature);
    if (verdict !== "ok") {
      throw await refuse(
        verdict,
        `the ballot's signature does not verify with ${ballot.guardianId}'s registered key`,
      );
    }
    if (vote.ballots.some((b) => b.guardianId === ballot.guardianId)) {
      throw await refuse("DUPLICATE", `${ballot.guardianId} has voted already`);
    }
    // Checked again after the awaits: the vote may have closed meanwhile.
    if (vote.state !== "open") throw await refuse("LATE", "the vote is closed");
    vote.ballots.push(ballot);
    await this.o.witness.append("room.vote.ballot", { ...ballot });
    const members = new Set(this.o.members(room));
    if ([...members].every((g) => vote.ballots.some((b) => b.guardianId === g))) {
      await this.close(room, voteId, "everyone voted");
    }
    return vote;
  }

  /** Closes the vote (once), witnesses question, ballots and result, proves it. */
  close(room: string, voteId: string, why: string): Promise<Vote> {
    const vote = this.get(room, voteId);
    if (vote.state === "closed") return this.#closing.get(voteId) ?? Promise.resolve(vote);
    vote.state = "closed";
    clearTimeout(this.#timers.get(voteId));
    this.#timers.delete(voteId);
    const done = (async () => {
      vote.result = tally(vote.options, vote.ballots);
      const appended = await this.o.witness.append("room.vote.closed", {
        voteId,
        room,
        question: vote.question,
        options: vote.options,
        ballots: vote.ballots as unknown as JsonValue,
        result: vote.result as unknown as JsonValue,
        why,
      });
      vote.record = await this.#prove(appended.index, appended.leafHash);
      this.o.events.publish(room, {
        name: "vote.closed",
        data: { voteId, result: vote.result, witnessIndex: appended.index },
      });
      return vote;
    })();
    this.#closing.set(voteId, done);
    return done;
  }

  /** Stops the deadline timers (shutdown). */
  stop(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
  }
}
