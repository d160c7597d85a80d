import assert from "node:assert/strict";
import { CandidateBook, parseSources, Scouting } from "../../../talent/mod.ts";
import { Store } from "../../../store/mod.ts";
import { fixtureSources, startApiFixtures } from "../../fixtures/talent/api_fixtures.ts";

async function setup() {
  const api = startApiFixtures();
  const store = await Store.open(":memory:");
  const book = await CandidateBook.open(store);
  const sources = parseSources(JSON.stringify(fixtureSources(api.url)));
  const scouting = (now = () => Date.now()) =>
    new Scouting({ store, book, sources: () => sources, timeoutMs: 300, now });
  return { api, store, book, scouting };
}

Deno.test("one cycle finds what each API lists, skips what does not parse, queues each once", async () => {
  const { api, store, book, scouting } = await setup();
  try {
    const s = scouting();
    const first = await s.cycle();
    assert.deepEqual(first.map((o) => [o.name, o.status, o.found, o.added, o.skipped]), [
      ["github", "ok", 2, 2, 1],
      ["huggingface", "ok", 1, 1, 1],
      ["arxiv", "ok", 1, 1, 1],
    ]);
    assert.deepEqual(
      book.list().map((c) => [c.source, c.ref, c.name, c.version, c.state]),
      [
        ["github", "acme/council-acoustics", "council-acoustics", "1.2.0", "queued"],
        ["github", "bob/triage-agent", "triage-agent", "0.2.0", "queued"],
        [
          "huggingface",
          "acme/council-whisper-agent",
          "council-whisper-agent",
          "0123456789ab",
          "queued",
        ],
        [
          "arxiv",
          "2611.01234",
          "guardian-agents-for-real-time-deliberation-escalation",
          "v2",
          "queued",
        ],
      ],
    );
    // Again: every request carries its validators, every answer is 304, nothing new.
    api.requests.length = 0;
    const second = await s.cycle();
    assert.deepEqual(second.map((o) => o.status), ["unchanged", "unchanged", "unchanged"]);
    assert.ok(api.requests.every((r) => r.conditional), JSON.stringify(api.requests));
    assert.equal(book.list().length, 4);
    // A restart (a new scout over the same store) resumes with the stored cursors.
    api.requests.length = 0;
    const resumed = await scouting().cycle();
    assert.deepEqual(resumed.map((o) => o.status), ["unchanged", "unchanged", "unchanged"]);
    assert.ok(api.requests.every((r) => r.conditional));
    const cursor = await s.cursor("github");
    assert.equal(cursor.remaining, 59);
    assert.equal(cursor.found, 2);
  } finally {
    await api.close();
    await store.close();
  }
});

Deno.test("garbage, 429s, a spent rate limit and silence are contained and backed off", async () => {
  const { api, store, book, scouting } = await setup();
  try {
    api.mode.github = "garbage";
    api.mode.huggingface = "429";
    api.mode.arxiv = "hang";
    const before = Date.now();
    const s = scouting();
    const out = await s.cycle();
    assert.deepEqual(out.map((o) => o.status), ["error", "error", "error"]);
    assert.match(out[0].detail, /^garbage: /);
    assert.equal(out[1].detail, "rate limited (429)");
    assert.equal(out[2].detail, "no answer within 300 ms");
    assert.equal(book.list().length, 0);
    const hf = await s.cursor("huggingface");
    assert.ok(hf.notBefore >= before + 120_000, "Retry-After: 120 honoured");
    const gh = await s.cursor("github");
    assert.equal(gh.failures, 1);
    assert.ok(gh.notBefore >= before + 30_000);
    // While backing off, a source is not asked at all.
    api.requests.length = 0;
    api.mode.github = api.mode.huggingface = api.mode.arxiv = "ok";
    const waiting = await s.cycle();
    assert.deepEqual(waiting.map((o) => o.status), ["waiting", "waiting", "waiting"]);
    assert.equal(api.requests.length, 0);
    // An hour later they answer again and the finds are queued.
    const later = await scouting(() => Date.now() + 3_600_000).cycle();
    assert.deepEqual(later.map((o) => o.status), ["ok", "ok", "ok"]);
    assert.equal((await s.cursor("github")).failures, 0);
    // GitHub's 403 with x-ratelimit-remaining 0 waits for the window's reset.
    api.mode.github = "spent";
    const spentAt = Date.now() + 7_200_000;
    const spent = await scouting(() => spentAt).cycle();
    assert.equal(spent[0].detail, "rate limited (403)");
    assert.ok((await s.cursor("github")).notBefore >= spentAt + 30_000);
  } finally {
    await api.close();
    await store.close();
  }
});

Deno.test("a sources file is parsed strictly", () => {
  assert.throws(() => parseSources("[]"), /expected \{sources/);
  assert.throws(
    () => parseSources(JSON.stringify({ sources: [{ kind: "gopher", baseUrl: "http://x" }] })),
    /name|kind/,
  );
  assert.throws(
    () =>
      parseSources(
        JSON.stringify({ sources: [{ kind: "github", baseUrl: "ftp://x", search: "a" }] }),
      ),
    /baseUrl: expected http/,
  );
  assert.throws(
    () => parseSources(JSON.stringify({ sources: [{ kind: "github", baseUrl: "http://x" }] })),
    /needs search or repos/,
  );
});
