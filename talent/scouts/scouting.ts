// One scouting cycle over every source, and the schedule that repeats it. Each source
// keeps a cursor in the store (validators per URL, when to ask next, failures), written
// after every poll, so a restart resumes where it stopped: conditional requests still
// carry their ETags and a source in backoff stays in backoff. A source that answers
// garbage, 429s or times out is recorded and backed off; the others go on.

import type { Store } from "../../store/mod.ts";
import type { CandidateBook } from "../candidates.ts";
import { scoutArxiv } from "./arxiv.ts";
import { scoutGithub } from "./github.ts";
import { conditionalGet, ScoutError, type Validators } from "./http.ts";
import { scoutHuggingFace } from "./huggingface.ts";
import type { ScoutResult, Source } from "./sources.ts";

const PREFIX = ["talent", "v1", "cursor"] as const;
const MAX_URLS = 100;
/** Backoff after failures: 30 s doubling to an hour. */
const BACKOFF = { firstMs: 30_000, maxMs: 3_600_000 };

export interface Cursor {
  validators: Record<string, Validators>;
  /** Don't ask before this (epoch ms): backoff or the source's own rate limit. */
  notBefore: number;
  failures: number;
  lastPollAt?: string;
  lastStatus: string;
  found: number;
  /** Requests left in the source's window when it last said. */
  remaining?: number;
}

export interface SourceOutcome {
  name: string;
  kind: Source["kind"];
  status: "ok" | "unchanged" | "waiting" | "error";
  detail: string;
  found: number;
  added: number;
  skipped: number;
  ms: number;
}

const blank = (): Cursor => ({
  validators: {},
  notBefore: 0,
  failures: 0,
  lastStatus: "never polled",
  found: 0,
});

export class Scouting {
  #timer?: ReturnType<typeof setTimeout>;
  #running?: Promise<SourceOutcome[]>;
  constructor(
    private readonly o: {
      store: Store;
      book: CandidateBook;
      sources: () => Source[];
      timeoutMs?: number;
      /** Called with what a cycle added (the pipeline runs them). */
      onFound?: (ids: string[]) => void;
      now?: () => number;
    },
  ) {}

  async cursor(name: string): Promise<Cursor> {
    return (await this.o.store.kv.get<Cursor>([...PREFIX, name])).value ?? blank();
  }

  /** Polls every source once (a cycle already running is joined, not doubled). */
  cycle(): Promise<SourceOutcome[]> {
    this.#running ??= this.#cycle().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #cycle(): Promise<SourceOutcome[]> {
    const out: SourceOutcome[] = [];
    const added: string[] = [];
    for (const src of this.o.sources()) {
      out.push(await this.#poll(src, added));
    }
    if (added.length) this.o.onFound?.(added);
    return out;
  }

  async #poll(src: Source, added: string[]): Promise<SourceOutcome> {
    const now = this.o.now?.() ?? Date.now();
    const t0 = performance.now();
    const cursor = await this.cursor(src.name);
    const outcome = (status: SourceOutcome["status"], detail: string, r?: ScoutResult, n = 0) => ({
      name: src.name,
      kind: src.kind,
      status,
      detail,
      found: r?.found.length ?? 0,
      added: n,
      skipped: r?.skipped.length ?? 0,
      ms: Math.round(performance.now() - t0),
    });
    if (cursor.notBefore > now) {
      return outcome("waiting", `not before ${new Date(cursor.notBefore).toISOString()}`);
    }
    const get = async (url: string, headers?: Record<string, string>) => {
      const res = await conditionalGet(url, {
        validators: cursor.validators[url],
        headers,
        timeoutMs: this.o.timeoutMs,
      });
      if (res.validators.etag || res.validators.lastModified) {
        cursor.validators[url] = res.validators;
        const urls = Object.keys(cursor.validators);
        if (urls.length > MAX_URLS) delete cursor.validators[urls[0]];
      }
      if (res.remaining !== undefined) cursor.remaining = res.remaining;
      // A window spent: wait for its reset rather than be refused.
      if (res.remaining === 0 && res.resetAt) cursor.notBefore = res.resetAt;
      return res;
    };
    let result: ScoutResult;
    try {
      result = src.kind === "github"
        ? await scoutGithub(src, get)
        : src.kind === "huggingface"
        ? await scoutHuggingFace(src, get)
        : await scoutArxiv(src, get);
    } catch (err) {
      cursor.failures++;
      const backoff = Math.min(BACKOFF.maxMs, BACKOFF.firstMs * 2 ** (cursor.failures - 1));
      const said = err instanceof ScoutError ? err.notBefore : undefined;
      cursor.notBefore = Math.max(said ?? 0, now + backoff);
      const kind = err instanceof ScoutError ? "" : "garbage: ";
      cursor.lastStatus = `${kind}${(err as Error).message}`.slice(0, 300);
      cursor.lastPollAt = new Date(now).toISOString();
      await this.#save(src.name, cursor);
      return outcome("error", cursor.lastStatus);
    }
    let n = 0;
    for (const f of result.found) {
      const { candidate, added: isNew } = await this.o.book.add(f, new Date(now));
      if (isNew) {
        n++;
        added.push(candidate.id);
      }
    }
    cursor.failures = 0;
    cursor.found += n;
    cursor.lastPollAt = new Date(now).toISOString();
    const unchanged = result.found.length === 0 && result.unchanged > 0;
    cursor.lastStatus = unchanged ? "unchanged" : `ok: ${result.found.length} found, ${n} new`;
    await this.#save(src.name, cursor);
    return outcome(unchanged ? "unchanged" : "ok", cursor.lastStatus, result, n);
  }

  async #save(name: string, cursor: Cursor): Promise<void> {
    await this.o.store.commit(this.o.store.kv.atomic().set([...PREFIX, name], cursor));
  }

  /** Polls every `intervalMs` (0: never) until stopped. */
  start(intervalMs: number, onError: (err: unknown) => void): void {
    if (intervalMs <= 0) return;
    const tick = () => {
      this.cycle().catch(onError).finally(() => {
        if (this.#timer !== undefined) this.#timer = setTimeout(tick, intervalMs);
      });
    };
    this.#timer = setTimeout(tick, 1000);
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
  }
}
