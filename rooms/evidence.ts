// Evidence a room looks at together (what T.120 whiteboards did in the old design):
// citations, dossiers, text. Posted by operators or members, kept in KV with the
// room, shown to every browser in the room (`evidence.shown`), witnessed by its
// SHA-256 so the log proves what was shown without holding it. Bounded per room in
// count and rate; a refused post is witnessed too.

import { TokenBucket } from "../guard/limits.ts";
import type { Store } from "../store/mod.ts";
import { toHex } from "../witness/mod.ts";
import type { WitnessLog } from "../witness/mod.ts";
import type { RoomEvents } from "./events.ts";

export const EVIDENCE_KINDS = ["citation", "dossier", "text"] as const;
export type EvidenceKind = typeof EVIDENCE_KINDS[number];

export interface Evidence {
  id: string;
  room: string;
  kind: EvidenceKind;
  title: string;
  body: string;
  url?: string;
  /** A guardian id, or "operator". */
  postedBy: string;
  postedAt: string;
  sha256: string;
}

export class EvidenceError extends Error {
  override name = "EvidenceError";
  constructor(message: string, readonly status: 400 | 404 | 409 | 429 = 400) {
    super(message);
  }
}

const PREFIX = ["evidence", "v1"];
export const MAX_EVIDENCE_PER_ROOM = 200;
const MAX_BODY = 16 * 1024;
const MAX_TITLE = 200;
/** Per room: 5 posts a second, bursts of 10 (a flood is refused, not queued). */
const RATE = { perSecond: 5, burst: 10 };
const FIELDS = ["kind", "title", "body", "url"];

/** Checks a post; every error names its field. */
export function parseEvidence(
  body: Record<string, unknown>,
): Pick<Evidence, "kind" | "title" | "body" | "url"> {
  for (const key of Object.keys(body)) {
    if (!FIELDS.includes(key)) throw new EvidenceError(`${key}: unknown field`);
  }
  if (!(EVIDENCE_KINDS as readonly unknown[]).includes(body.kind)) {
    throw new EvidenceError(`kind: expected one of ${EVIDENCE_KINDS.join(", ")}`);
  }
  if (typeof body.title !== "string" || body.title.trim() === "" || body.title.length > MAX_TITLE) {
    throw new EvidenceError(`title: expected 1-${MAX_TITLE} characters`);
  }
  if (typeof body.body !== "string" || body.body.length > MAX_BODY) {
    throw new EvidenceError(`body: expected text of at most ${MAX_BODY} characters`);
  }
  let url: string | undefined;
  if (body.url !== undefined) {
    try {
      const u = new URL(String(body.url));
      if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error();
      url = u.href;
    } catch {
      throw new EvidenceError("url: expected an http(s) URL");
    }
  }
  if (body.kind === "citation" && !url && body.body.trim() === "") {
    throw new EvidenceError("body: a citation needs its text or a url");
  }
  return { kind: body.kind as EvidenceKind, title: body.title.trim(), body: body.body, url };
}

export class EvidenceBoard {
  #buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly store: Store,
    private readonly witness: WitnessLog,
    private readonly events: RoomEvents,
  ) {}

  async list(room: string): Promise<Evidence[]> {
    const out: Evidence[] = [];
    for await (const { value } of this.store.kv.list<Evidence>({ prefix: [...PREFIX, room] })) {
      out.push(value);
    }
    return out.sort((a, b) => a.postedAt.localeCompare(b.postedAt) || a.id.localeCompare(b.id));
  }

  /** Stores, witnesses and shows one item; refusals (flood, full room) are witnessed. */
  async post(
    room: string,
    item: Pick<Evidence, "kind" | "title" | "body" | "url">,
    postedBy: string,
  ): Promise<Evidence> {
    let bucket = this.#buckets.get(room);
    if (!bucket) this.#buckets.set(room, bucket = new TokenBucket(RATE));
    const refuse = async (why: string, status: 409 | 429) => {
      await this.witness.append("room.evidence.refused", { room, postedBy, why });
      return new EvidenceError(why, status);
    };
    const taken = bucket.take();
    if (!taken.ok) throw await refuse(`too many posts; retry in ${taken.retryAfter} s`, 429);
    const count = (await this.list(room)).length;
    if (count >= MAX_EVIDENCE_PER_ROOM) {
      throw await refuse(`the room holds ${MAX_EVIDENCE_PER_ROOM} items already`, 409);
    }
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(item.body)),
    );
    const evidence: Evidence = {
      id: crypto.randomUUID(),
      room,
      ...item,
      ...(item.url ? { url: item.url } : {}),
      postedBy,
      postedAt: new Date().toISOString(),
      sha256: toHex(digest),
    };
    if (!evidence.url) delete evidence.url;
    // Witnessed first: an item the log does not know is never shown.
    await this.witness.append("room.evidence.posted", {
      room,
      id: evidence.id,
      kind: evidence.kind,
      title: evidence.title,
      sha256: evidence.sha256,
      postedBy,
      ...(evidence.url ? { url: evidence.url } : {}),
    });
    await this.store.kv.set([...PREFIX, room, evidence.id], evidence);
    this.events.publish(room, {
      name: "evidence.shown",
      data: evidence as unknown as Record<string, unknown>,
    });
    return evidence;
  }

  /** Forgets a closed room's items (the witness keeps their record). */
  async clear(room: string): Promise<void> {
    for await (const { key } of this.store.kv.list({ prefix: [...PREFIX, room] })) {
      await this.store.kv.delete(key);
    }
    this.#buckets.delete(room);
  }
}
