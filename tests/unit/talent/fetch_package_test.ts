import assert from "node:assert/strict";
import { CandidateBook, fetchPackage, inspectPackage, PackageError } from "../../../talent/mod.ts";
import { tempDir } from "../../_helpers/temp.ts";

const MANIFEST = {
  name: "acoustics",
  version: "1.2.0",
  entry: "agent.ts",
  expertise: ["acoustics"],
  model: "none",
  contact: "acme@example.com",
};

/** A gzipped tar of `files` (paths relative to the archive root) built with GNU tar. */
async function tarball(files: Record<string, string>, links: Record<string, string> = {}) {
  const src = tempDir();
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(`${src}/${path}`.replace(/\/[^/]+$/, ""), { recursive: true });
    await Deno.writeTextFile(`${src}/${path}`, text);
  }
  for (const [path, target] of Object.entries(links)) await Deno.symlink(target, `${src}/${path}`);
  const out = `${tempDir()}/p.tar.gz`;
  const tar = await new Deno.Command("tar", { args: ["-czf", out, "-C", src, "."] }).output();
  assert.ok(tar.success);
  return new Uint8Array(await Deno.readFile(out));
}

function serve(bodies: Record<string, Uint8Array<ArrayBuffer>>) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const body = bodies[new URL(req.url).pathname];
    return body ? new Response(body) : new Response("no", { status: 404 });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

Deno.test("a release tarball is fetched, unpacked and found in its top directory", async () => {
  const s = serve({
    "/good": await tarball({
      "acme-acoustics-1a2b3c/council-agent.json": JSON.stringify(MANIFEST),
      "acme-acoustics-1a2b3c/agent.ts": "export default () => {};\n",
    }),
    "/linked": await tarball({ "council-agent.json": JSON.stringify(MANIFEST) }, {
      "agent.ts": "/etc/passwd",
    }),
    "/empty": await tarball({ "README.md": "no manifest" }),
    "/garbage": new TextEncoder().encode("<html>not a tarball</html>"),
  });
  try {
    const dir = await fetchPackage(`${s.url}/good`, tempDir());
    assert.match(dir, /\/unpacked\/acme-acoustics-1a2b3c$/);
    assert.equal((await inspectPackage(dir)).manifest.name, "acoustics");
    // Unpacked, a link is still refused before anything runs.
    const linked = await fetchPackage(`${s.url}/linked`, tempDir());
    await assert.rejects(inspectPackage(linked), /agent\.ts: symbolic links are not allowed/);
    await assert.rejects(fetchPackage(`${s.url}/empty`, tempDir()), /no council-agent\.json/);
    await assert.rejects(
      fetchPackage(`${s.url}/garbage`, tempDir()),
      (e: Error) => e instanceof PackageError && /not an unpackable tar\.gz/.test(e.message),
    );
    await assert.rejects(fetchPackage(`${s.url}/missing`, tempDir()), /answered 404/);
    await assert.rejects(fetchPackage("file:///etc/passwd", tempDir()), /not an http\(s\) URL/);
  } finally {
    await s.close();
  }
});

Deno.test("CandidateBook keys a find by source, reference and version", async () => {
  const { Store } = await import("../../../store/mod.ts");
  const store = await Store.open(":memory:");
  try {
    const book = await CandidateBook.open(store);
    const found = {
      source: "github" as const,
      ref: "acme/acoustics",
      name: "acoustics",
      version: "1.2.0",
    };
    const a = await book.add(found);
    const b = await book.add({ ...found, url: "http://elsewhere" });
    assert.equal(a.added, true);
    assert.equal(b.added, false);
    assert.equal(b.candidate.id, a.candidate.id);
    assert.equal((await book.add({ ...found, version: "1.3.0" })).added, true);
  } finally {
    await store.close();
  }
});
