// Hugging Face scout: the models API (GET /api/models?search=...). One candidate per
// model revision. Fields relied on: [{id ("owner/name"), sha?, lastModified?, tags?}]
// (sha and lastModified are present when the list is asked with full=true).

import type { Get, ScoutResult, Source } from "./sources.ts";
import { slug } from "./sources.ts";

type HfSource = Extract<Source, { kind: "huggingface" }>;

export async function scoutHuggingFace(src: HfSource, get: Get): Promise<ScoutResult> {
  const out: ScoutResult = { found: [], skipped: [], unchanged: 0 };
  const q = encodeURIComponent(src.search);
  const res = await get(
    `${src.baseUrl}/api/models?search=${q}&sort=lastModified&direction=-1&limit=50&full=true`,
  );
  if (res.status === 304) {
    out.unchanged++;
    return out;
  }
  const list = JSON.parse(res.body);
  if (!Array.isArray(list)) throw new Error("models: not a list");
  for (const m of list.slice(0, 100)) {
    if (typeof m?.id !== "string" || !/^[\w.-]{1,96}(\/[\w.-]{1,96})?$/.test(m.id)) {
      out.skipped.push("model without a usable id");
      continue;
    }
    const version = typeof m.sha === "string" && /^[0-9a-f]{7,40}$/.test(m.sha)
      ? m.sha.slice(0, 12)
      : typeof m.lastModified === "string" && !Number.isNaN(Date.parse(m.lastModified))
      ? m.lastModified
      : undefined;
    if (!version) {
      out.skipped.push(`${m.id}: no sha or lastModified`);
      continue;
    }
    const tags = Array.isArray(m.tags) ? m.tags.filter((t: unknown) => typeof t === "string") : [];
    out.found.push({
      source: "huggingface",
      ref: m.id,
      name: slug(m.id.split("/").pop()!),
      version,
      url: `${src.baseUrl}/${m.id}`,
      summary: tags.slice(0, 10).join(", ") || undefined,
    });
  }
  return out;
}
