// arXiv scout: the Atom API (GET /api/query?search_query=...). Papers are leads, not
// packages: each becomes a candidate an operator reads (it has nothing to run). Fields
// relied on, per <entry>: <id> (http://arxiv.org/abs/ID[vN]), <title>, <updated>.
// The feed is read with bounded patterns rather than a general XML parser: only
// these three elements of at most 100 entries are taken, each length-limited.

import type { Get, ScoutResult, Source } from "./sources.ts";
import { slug } from "./sources.ts";

type ArxivSource = Extract<Source, { kind: "arxiv" }>;
const ID_RE =
  /^https?:\/\/arxiv\.org\/abs\/([a-z-]+(?:\.[A-Z]{2})?\/\d{7}|\d{4}\.\d{4,5})(v\d{1,3})?$/;

const unescape = (s: string) =>
  s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");

function element(entry: string, name: string): string | undefined {
  const m = new RegExp(`<${name}(?:\\s[^>]{0,200})?>([^<]{0,2000})</${name}>`).exec(entry);
  return m ? unescape(m[1].trim().replace(/\s+/g, " ")) : undefined;
}

export async function scoutArxiv(src: ArxivSource, get: Get): Promise<ScoutResult> {
  const out: ScoutResult = { found: [], skipped: [], unchanged: 0 };
  const q = encodeURIComponent(src.query);
  const res = await get(
    `${src.baseUrl}/api/query?search_query=${q}&start=0&max_results=50&sortBy=lastUpdatedDate&sortOrder=descending`,
  );
  if (res.status === 304) {
    out.unchanged++;
    return out;
  }
  if (!/<feed[\s>]/.test(res.body.slice(0, 4096))) throw new Error("not an Atom feed");
  const entries = res.body.split(/<entry[\s>]/).slice(1, 101);
  for (const raw of entries) {
    const entry = raw.slice(0, raw.indexOf("</entry>") >= 0 ? raw.indexOf("</entry>") : 0);
    const id = element(entry, "id");
    const title = element(entry, "title");
    const m = id ? ID_RE.exec(id) : null;
    if (!m || !title) {
      out.skipped.push("entry without an arXiv id or title");
      continue;
    }
    out.found.push({
      source: "arxiv",
      ref: m[1],
      name: slug(title),
      version: m[2] ?? element(entry, "updated") ?? "v1",
      url: `https://arxiv.org/abs/${m[1]}${m[2] ?? ""}`,
      summary: title.slice(0, 300),
    });
  }
  return out;
}
