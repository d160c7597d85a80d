// Members' consent to a recording, when the policy requires it (docs/provenance.md,
// "Consent"): every member in the room when it is asked for must consent before
// recording starts, and a member who joins while it runs must consent too. One
// refusal, or a member who does not answer within the time allowed, decides it:
// before the start the recording never starts; once running it stops. Nothing is
// recorded of anyone who has not consented, and no one is excluded from the call.

export interface ConsentMember {
  memberId: string;
  guardianId: string;
}

export type ConsentOutcome =
  | { ok: true }
  | { ok: false; reason: string; member?: ConsentMember };

interface Request {
  recordingId: string;
  room: string;
  /** Members who must answer, and those who have. */
  waiting: Map<string, { member: ConsentMember; timer: ReturnType<typeof setTimeout> }>;
  consented: Set<string>;
  /** Whether the recording runs already (asked of a member who joined it). */
  live: boolean;
}

export interface ConsentsOptions {
  /** How long a member has to answer. */
  timeoutMs: number;
  /** All asked consented (before the start), or someone refused or did not answer. */
  decided(recordingId: string, outcome: ConsentOutcome): void;
}

export class Consents {
  readonly #byRecording = new Map<string, Request>();

  constructor(private readonly o: ConsentsOptions) {}

  /** Asks every member of the room; decided at once when there is nobody to ask. */
  ask(recordingId: string, room: string, members: ConsentMember[]): void {
    const req: Request = {
      recordingId,
      room,
      waiting: new Map(),
      consented: new Set(),
      live: false,
    };
    this.#byRecording.set(recordingId, req);
    for (const m of members) this.#wait(req, m);
    this.#settle(req);
  }

  /** The recording started: members who join from now on are asked one by one. */
  started(recordingId: string): void {
    const req = this.#byRecording.get(recordingId);
    if (req) req.live = true;
  }

  /** A member joined a room whose recording needs consent. */
  joined(room: string, member: ConsentMember): string | undefined {
    const req = this.#inRoom(room);
    if (!req || req.consented.has(member.memberId)) return undefined;
    this.#wait(req, member);
    return req.recordingId;
  }

  /** A member's answer; what it did ("not asked" when nothing asks it now). */
  answer(room: string, memberId: string, consent: boolean): "consented" | "refused" | "not asked" {
    const req = this.#inRoom(room);
    const asked = req?.waiting.get(memberId);
    if (!req || !asked) return "not asked";
    clearTimeout(asked.timer);
    req.waiting.delete(memberId);
    if (!consent) {
      this.#decide(req, {
        ok: false,
        reason: `${asked.member.guardianId} refused to be recorded`,
        member: asked.member,
      });
      return "refused";
    }
    req.consented.add(memberId);
    this.#settle(req);
    return "consented";
  }

  /** A member left: it need not answer any more. */
  left(room: string, memberId: string): void {
    const req = this.#inRoom(room);
    const asked = req?.waiting.get(memberId);
    if (!req || !asked) return;
    clearTimeout(asked.timer);
    req.waiting.delete(memberId);
    this.#settle(req);
  }

  /** What a room's recording is waiting for: its id and the members yet to answer. */
  pending(room: string): { recordingId: string; waiting: string[] } | undefined {
    const req = this.#inRoom(room);
    return req && { recordingId: req.recordingId, waiting: [...req.waiting.keys()] };
  }

  /** The recording ended: nothing is asked for it any more. */
  forget(recordingId: string): void {
    const req = this.#byRecording.get(recordingId);
    if (!req) return;
    for (const w of req.waiting.values()) clearTimeout(w.timer);
    this.#byRecording.delete(recordingId);
  }

  #inRoom(room: string): Request | undefined {
    for (const r of this.#byRecording.values()) if (r.room === room) return r;
    return undefined;
  }

  #wait(req: Request, member: ConsentMember): void {
    if (req.waiting.has(member.memberId)) return;
    const timer = setTimeout(() => {
      if (!req.waiting.has(member.memberId)) return;
      this.#decide(req, {
        ok: false,
        reason: `${member.guardianId} did not consent within ${
          Math.round(this.o.timeoutMs / 1000)
        } s`,
        member,
      });
    }, this.o.timeoutMs);
    req.waiting.set(member.memberId, { member, timer });
  }

  #settle(req: Request): void {
    if (req.waiting.size === 0 && !req.live) this.#decide(req, { ok: true });
  }

  /** A refusal ends the request; consent before the start lets it run, asking newcomers. */
  #decide(req: Request, outcome: ConsentOutcome): void {
    if (!outcome.ok) this.forget(req.recordingId);
    this.o.decided(req.recordingId, outcome);
  }
}
