// GitHub scout: repository search (GET /search/repositories) and the releases of each
// repository it finds or is told of (GET /repos/{owner}/{repo}/releases). One candidate
// per repository's latest published release. Fields relied on (REST API v3, 2022-11-28):
//   search:   {items: [{full_name, html_url, description?}]}
//   releases: [{tag_name, html_url, tarball_url, draft, prerelease, published_at}]

import type { Found } from "../candidates.ts";
import type { Get, ScoutResult, Source } from "./sources.ts";
import { slug } from "./sources.ts";

type GithubSource = Extract<Source, { kind: "github" }>;
const MAX_REPOS = 30;

export async function scoutGithub(src: GithubSource, get: Get): Promise<ScoutResult> {
  const headers: Record<string, string> = {
    accept: "application/vnd.github+json",
    "x-github-api-version": "2022-11-28",
    ...(src.token ? { authorization: `Bearer ${src.token}` } : {}),
  };
  const out: ScoutResult = { found: [], skipped: [], unchanged: 0 };
  const repos = new Map<string, string | undefined>(src.repos.map((r) => [r, undefined]));
  if (src.search) {
    const q = encodeURIComponent(src.search);
    const res = await get(
      `${src.baseUrl}/search/repositories?q=${q}&sort=updated&per_page=30`,
      headers,
    );
    if (res.status === 304) out.unchanged++;
    else {
      const items = (JSON.parse(res.body) as { items?: unknown })?.items;
      if (!Array.isArray(items)) throw new Error("search: no items list");
      for (const it of items.slice(0, MAX_REPOS)) {
        const r = it as Record<string, unknown>;
        if (typeof r?.full_name !== "string" || !/^[\w.-]+\/[\w.-]+$/.test(r.full_name)) {
          out.skipped.push("search item without a full_name");
          continue;
        }
        repos.set(
          r.full_name,
          typeof r.description === "string" ? r.description.slice(0, 300) : undefined,
        );
      }
    }
  }
  for (const [repo, description] of [...repos].slice(0, MAX_REPOS)) {
    const res = await get(`${src.baseUrl}/repos/${repo}/releases?per_page=5`, headers);
    if (res.status === 304) {
      out.unchanged++;
      continue;
    }
    const list = JSON.parse(res.body);
    if (!Array.isArray(list)) {
      out.skipped.push(`${repo}: releases is not a list`);
      continue;
    }
    const release = list.find((x) =>
      x && typeof x.tag_name === "string" && x.draft === false && x.prerelease === false
    );
    if (!release) continue;
    if (!/^[\w.+-]{1,64}$/.test(release.tag_name)) {
      out.skipped.push(`${repo}: tag ${String(release.tag_name).slice(0, 40)} unusable`);
      continue;
    }
    const found: Found = {
      source: "github",
      ref: repo,
      name: slug(repo.split("/")[1]),
      version: release.tag_name.replace(/^v/, ""),
      url: typeof release.tarball_url === "string" ? release.tarball_url : undefined,
    };
    if (description) found.summary = description;
    out.found.push(found);
  }
  return out;
}
