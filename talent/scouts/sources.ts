// Where scouts look: a JSON file of sources (talent.sourcesFile, docs/talent.md), each
// a kind, the API's base URL (a fixture server in tests) and what to ask it.

import type { Found } from "../candidates.ts";
import type { Fetched } from "./http.ts";

export type Source =
  | {
    kind: "github";
    name: string;
    baseUrl: string;
    search?: string;
    repos: string[];
    token?: string;
  }
  | { kind: "huggingface"; name: string; baseUrl: string; search: string }
  | { kind: "arxiv"; name: string; baseUrl: string; query: string };

/** A scout asks through this: conditional, validators kept per URL by the caller. */
export type Get = (url: string, headers?: Record<string, string>) => Promise<Fetched>;

export interface ScoutResult {
  found: Found[];
  /** Items of an answer that did not parse, skipped with their reason. */
  skipped: string[];
  /** 304s: nothing new since the last poll. */
  unchanged: number;
}

export class SourcesError extends Error {
  override name = "SourcesError";
}

const NAME_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const REPO_RE = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;

function str(o: Record<string, unknown>, k: string, where: string, max = 500): string {
  const v = o[k];
  if (typeof v !== "string" || v.trim() === "" || v.length > max) {
    throw new SourcesError(`${where}.${k}: expected 1-${max} characters`);
  }
  return v;
}

function baseUrl(o: Record<string, unknown>, where: string): string {
  const v = str(o, "baseUrl", where);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new SourcesError(`${where}.baseUrl: not a URL`);
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") {
    throw new SourcesError(`${where}.baseUrl: expected http(s)`);
  }
  return v.replace(/\/+$/, "");
}

export function parseSources(text: string): Source[] {
  if (text.length > 64 * 1024) throw new SourcesError("sources: more than 64 KiB");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SourcesError(`sources: not JSON (${(err as Error).message})`);
  }
  const list = (raw as { sources?: unknown })?.sources;
  if (!Array.isArray(list) || list.length > 20) {
    throw new SourcesError("sources: expected {sources: [...]} with at most 20");
  }
  const names = new Set<string>();
  return list.map((s, i) => {
    const where = `sources[${i}]`;
    if (typeof s !== "object" || s === null) throw new SourcesError(`${where}: expected an object`);
    const o = s as Record<string, unknown>;
    const name = o.name ?? o.kind;
    if (typeof name !== "string" || !NAME_RE.test(name) || names.has(name)) {
      throw new SourcesError(`${where}.name: expected a unique [a-z0-9_-] name`);
    }
    names.add(name);
    const base = baseUrl(o, where);
    switch (o.kind) {
      case "github": {
        const repos = o.repos ?? [];
        if (
          !Array.isArray(repos) || repos.length > 50 ||
          repos.some((r) => typeof r !== "string" || !REPO_RE.test(r))
        ) {
          throw new SourcesError(`${where}.repos: expected up to 50 owner/name`);
        }
        if (o.search === undefined && repos.length === 0) {
          throw new SourcesError(`${where}: a github source needs search or repos`);
        }
        return {
          kind: "github",
          name,
          baseUrl: base,
          search: o.search === undefined ? undefined : str(o, "search", where, 256),
          repos: repos as string[],
          token: o.token === undefined ? undefined : str(o, "token", where, 256),
        };
      }
      case "huggingface":
        return { kind: "huggingface", name, baseUrl: base, search: str(o, "search", where, 256) };
      case "arxiv":
        return { kind: "arxiv", name, baseUrl: base, query: str(o, "query", where, 512) };
      default:
        throw new SourcesError(`${where}.kind: expected github, huggingface or arxiv`);
    }
  });
}

/** A name a manifest would accept, from a repository, model or paper title. */
export function slug(text: string): string {
  const s = text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 64);
  return s.replace(/-+$/, "") || "unnamed";
}
