// The talent pipeline for operators (docs/talent.md): sources and scouting, the
// candidate queue and its decisions, the swarm. Operator token, and a rate limit per
// address (a sandbox run starts a server and a process: not something to hammer).

import { Hono } from "hono";
import type { MiddlewareHandler } from "hono";
import { KeyedLimiter } from "../guard/mod.ts";
import {
  CandidateError,
  type CandidateState,
  type Scouting,
  type Source,
  STATES,
  SwarmError,
  type Talent,
  type ValidationCalls,
} from "../talent/mod.ts";
import { apiError, BadRequest } from "./errors.ts";
import { jsonBody, onlyParams, remoteAddress } from "./_params.ts";
import { operatorOnly } from "./auth.ts";

export interface TalentServices {
  talent: Talent;
  scouting: Scouting;
  sources: () => Source[];
  /** Scheduled validation calls (talent.validate); absent without them. */
  validation?: ValidationCalls;
}

/** Requests per address: 10 a second, bursts of 40. */
export const TALENT_RATE = { perSecond: 10, burst: 40 };

function limited(): MiddlewareHandler {
  const limiter = new KeyedLimiter({ ...TALENT_RATE, maxKeys: 10_000 });
  return async (c, next) => {
    const took = limiter.take(remoteAddress(c) ?? "unknown");
    if (!took.ok) {
      c.header("Retry-After", String(took.retryAfter));
      return apiError(c, 429, "RATE_LIMITED", "too many talent requests from this address");
    }
    await next();
  };
}

/** Pipeline errors as API errors: 404 unknown, 409 wrong state, 400 bad input. */
function mapped<T>(work: () => Promise<T>): Promise<T> {
  return work().catch((err) => {
    if (err instanceof CandidateError || err instanceof SwarmError) {
      const status = err.code === "NOT_FOUND" ? 404 : err.code === "CONFLICT" ? 409 : 400;
      throw new BadRequest(err.message, err.code, status);
    }
    throw err;
  });
}

function text(body: Record<string, unknown>, key: string, max: number): string {
  const v = body[key];
  if (typeof v !== "string" || v.trim() === "" || v.length > max) {
    throw new BadRequest(`${key}: expected 1-${max} characters`);
  }
  return v.trim();
}

export function talentRoutes(s: TalentServices, token: string): Hono {
  const { talent } = s;
  return new Hono()
    .use("*", operatorOnly(token))
    .use("*", limited())
    .get("/sources", async (c) => {
      const sources = [];
      for (const src of s.sources()) {
        const cur = await s.scouting.cursor(src.name);
        sources.push({
          name: src.name,
          kind: src.kind,
          baseUrl: src.baseUrl,
          lastStatus: cur.lastStatus,
          found: cur.found,
          failures: cur.failures,
          ...(cur.lastPollAt ? { lastPollAt: cur.lastPollAt } : {}),
          ...(cur.notBefore > Date.now()
            ? { notBefore: new Date(cur.notBefore).toISOString() }
            : {}),
          ...(cur.remaining !== undefined ? { remaining: cur.remaining } : {}),
        });
      }
      return c.json({ sources });
    })
    .post("/sources/poll", async (c) => c.json({ outcomes: await s.scouting.cycle() }))
    .get("/candidates", (c) => {
      onlyParams(c, ["state"]);
      const state = c.req.query("state");
      if (state !== undefined && !(STATES as readonly string[]).includes(state)) {
        throw new BadRequest(`state: expected one of ${STATES.join(", ")}`);
      }
      return c.json({ candidates: talent.book.list(state as CandidateState | undefined) });
    })
    .post("/candidates", async (c) => {
      const body = await jsonBody(c, 4096);
      const dir = text(body, "dir", 1024);
      if (!dir.startsWith("/")) {
        throw new BadRequest("dir: expected an absolute path on the server");
      }
      const expect = body.expectDigest;
      if (
        expect !== undefined &&
        (typeof expect !== "string" || !/^sha256:[0-9a-f]{64}$/.test(expect))
      ) {
        throw new BadRequest("expectDigest: expected sha256:<64 hex>");
      }
      const stat = await Deno.stat(dir).catch(() => undefined);
      if (!stat?.isDirectory) throw new BadRequest(`dir: ${dir} is not a directory on the server`);
      const { candidate, added } = await mapped(() =>
        talent.submit(dir, expect as string | undefined)
      );
      return c.json(candidate, added ? 201 : 200);
    })
    .get("/candidates/:id", (c) => {
      const candidate = talent.book.get(c.req.param("id"));
      if (!candidate) throw new BadRequest(`no candidate ${c.req.param("id")}`, "NOT_FOUND", 404);
      return c.json(candidate);
    })
    .post("/candidates/:id/run", async (c) => {
      const id = c.req.param("id");
      // Started, not awaited: a run takes a minute; GET the candidate to follow it. (A
      // refusal, thrown before the run starts, still becomes the answer.)
      await mapped(() => Promise.resolve().then(() => void talent.run(id).catch(() => {})));
      return c.json({ id, state: talent.book.get(id)?.state ?? "queued" }, 202);
    })
    .post("/candidates/:id/certify", async (c) => {
      const { candidate, decision } = await mapped(() => talent.certify(c.req.param("id")));
      return c.json({ candidate, decision });
    })
    .post("/candidates/:id/approve", async (c) => {
      return c.json(await mapped(() => talent.approve(c.req.param("id"), "operator")));
    })
    .post("/candidates/:id/reject", async (c) => {
      const body = await jsonBody(c, 4096);
      const reason = text(body, "reason", 300);
      return c.json(await mapped(() => talent.reject(c.req.param("id"), "operator", reason)));
    })
    .get("/swarm", (c) => c.json({ agents: talent.swarm.list(), seats: talent.swarm.seats() }))
    .post("/swarm/:name/invite", async (c) => {
      const body = await jsonBody(c, 4096);
      const room = text(body, "room", 64);
      return c.json(await mapped(() => talent.swarm.invite(c.req.param("name"), room)), 201);
    })
    .post("/swarm/:name/suspend", async (c) => {
      const body = await jsonBody(c, 4096);
      const reason = text(body, "reason", 300);
      return c.json(await mapped(() => talent.swarm.suspend(c.req.param("name"), reason)));
    })
    .post("/validate", async (c) => c.json({ results: await s.validation?.cycle() ?? [] }))
    .get("/policy", (c) => c.json(talent.policy));
}
