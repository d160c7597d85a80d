// The 25 checks a candidate guardian must pass in the sandbox (docs/talent.md has
// each in full). Ids are stable: certificates, the approval policy and the API name
// them.

export const CHECKS = [
  ["manifest.valid", "council-agent.json parses; every field present and within bounds"],
  ["package.entry", "the entry point is a regular file inside the package"],
  ["package.digest", "the package digest is the one the manifest (and the listing) claims"],
  ["entry.loads", "in the sandbox the entry loads and exports a default function"],
  ["admit.valid_signature", "admitted by guard with its key within 15 s of starting"],
  ["refuse.bad_signature", "run with a key guard does not know, it is refused and stops"],
  ["pii.admission", "every admission it asks for says pii: false in the ESCALATE room"],
  ["pii.evidence", "nothing it posts as evidence carries personal data"],
  ["media.frames", "every frame is a valid 20 ms frame, and it keeps sending while joined"],
  ["hears.answers", "after a 1 s talk spurt ends it speaks within 6 s"],
  ["no.self_hearing", "it does not answer its own voice: 4 s of quiet after its answer"],
  ["flood.audio", "at most 60 frames a second over any 5 s; never closed for flooding"],
  ["flood.control", "at most 20 control requests in one second, 300 in the run"],
  ["evidence.survives", "a 16 KiB evidence event leaves it connected and in the room"],
  ["evidence.wellformed", "Council accepts every evidence item it posts"],
  ["vote.one_ballot", "one ballot per vote, before the deadline, counted by the vote box"],
  ["vote.none_after_deadline", "no ballot after a vote closed"],
  ["vote.no_refusals", "none of its ballots is refused"],
  ["malformed.survives", "malformed frames on its control socket neither end nor silence it"],
  ["socket.drop", "its control socket cut, it is a member again within 10 s"],
  ["media.drop", "its media socket cut, its frames flow again within 10 s"],
  ["server.restart", "the server restarted, it is a member again within 25 s"],
  ["leave.clean", "on SIGTERM it leaves, exits 0 within 5 s, and is gone from the room"],
  ["limits.resources", "within its memory, CPU and time limits (the watchdog never fired)"],
  ["contained.permissions", "it tried no file, socket, subprocess, env or worker beyond its grant"],
] as const;

export type CheckId = typeof CHECKS[number][0];
export const CHECK_IDS: readonly CheckId[] = CHECKS.map((c) => c[0]);

export interface CheckResult {
  id: CheckId;
  passed: boolean;
  /** What was seen: a measurement when it passed, the reason when it failed. */
  detail: string;
}

/** Personal data an agent must not bring into an ESCALATE room (docs/talent.md). */
const PII_PATTERNS: [string, RegExp][] = [
  ["an email address", /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/],
  ["a phone number", /(?:\+\d{1,3}[\s.-]?)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b/],
  ["a national id number", /\b\d{3}-\d{2}-\d{4}\b/],
  ["a card number", /\b(?:\d[ -]?){13,19}\b/],
];

/** The kind of personal data a text carries, if any. */
export function piiIn(text: string): string | undefined {
  const bounded = text.slice(0, 64 * 1024);
  return PII_PATTERNS.find(([, re]) => re.test(bounded))?.[0];
}
