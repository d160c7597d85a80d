import assert from "node:assert/strict";
import {
  inspectPackage,
  ManifestError,
  packageDigest,
  PackageError,
  parseManifest,
} from "../../../talent/mod.ts";
import { tempDir } from "../../_helpers/temp.ts";

const FIXTURES = new URL("../../fixtures/talent/", import.meta.url).pathname;
const good = {
  name: "namecaller",
  version: "1.0.0",
  entry: "agent.ts",
  expertise: ["safety"],
  model: "none",
  contact: "talent@council.example",
};

Deno.test("a valid manifest parses, with defaults for needs", () => {
  const m = parseManifest(JSON.stringify(good));
  assert.deepEqual(m.needs, { codecs: ["L16"], speech: false });
  assert.equal(m.entry, "agent.ts");
});

Deno.test("manifests that lie or overreach are refused with the field named", () => {
  const cases: [unknown, RegExp][] = [
    [{ ...good, name: undefined }, /^name: required/],
    [{ ...good, extra: 1 }, /^extra: unknown field/],
    [{ ...good, name: "Bad Name" }, /^name:/],
    [{ ...good, version: "1.0" }, /^version:/],
    [{ ...good, entry: "../outside.ts" }, /^entry:/],
    [{ ...good, entry: "/etc/passwd.ts" }, /^entry:/],
    [{ ...good, entry: "agent.py" }, /^entry:/],
    [{ ...good, expertise: [] }, /^expertise:/],
    [{ ...good, expertise: ["UPPER"] }, /^expertise:/],
    [{ ...good, contact: "nobody" }, /^contact:/],
    [{ ...good, model: "" }, /^model:/],
    [{ ...good, needs: { codecs: ["PCMU"] } }, /^needs\.codecs:/],
    [{ ...good, needs: { gpu: true } }, /^needs\.gpu: unknown field/],
    [{ ...good, digest: "md5:abc" }, /^digest:/],
    [[good], /expected a JSON object/],
  ];
  for (const [body, reason] of cases) {
    assert.throws(() => parseManifest(JSON.stringify(body)), (e: Error) => {
      assert.ok(e instanceof ManifestError, String(e));
      assert.match(e.message, reason);
      return true;
    });
  }
  assert.throws(() => parseManifest("{not json"), /not JSON/);
  assert.throws(() => parseManifest(" ".repeat(20_000)), /at most 16384/);
});

Deno.test("the package digest is canonical: same files, same digest, whatever the order", async () => {
  const a = tempDir(), b = tempDir();
  await Deno.mkdir(`${a}/lib`);
  await Deno.mkdir(`${b}/lib`);
  await Deno.writeTextFile(`${a}/agent.ts`, "export default () => {};\n");
  await Deno.writeTextFile(`${a}/lib/x.ts`, "export const x = 1;\n");
  await Deno.writeTextFile(`${b}/lib/x.ts`, "export const x = 1;\n");
  await Deno.writeTextFile(`${b}/agent.ts`, "export default () => {};\n");
  // The manifest is not part of what it describes.
  await Deno.writeTextFile(`${b}/council-agent.json`, JSON.stringify(good));
  const digest = await packageDigest(a);
  assert.match(digest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(await packageDigest(b), digest);
  await Deno.writeTextFile(`${b}/lib/x.ts`, "export const x = 2;\n");
  assert.notEqual(await packageDigest(b), digest);
});

Deno.test("inspectPackage catches a missing entry point, a wrong digest and links", async () => {
  const pkg = await inspectPackage(`${FIXTURES}namecaller`);
  assert.equal(pkg.manifest.name, "namecaller");
  assert.equal(pkg.digest, await packageDigest(`${FIXTURES}namecaller`));
  await assert.rejects(
    inspectPackage(`${FIXTURES}liar-entry`),
    /^ManifestError: entry: main\.ts is not a file in the package/,
  );
  await assert.rejects(
    inspectPackage(`${FIXTURES}liar-digest`),
    /^ManifestError: digest: the manifest says sha256:0{64}, the files are sha256:/,
  );
  await assert.rejects(
    inspectPackage(`${FIXTURES}namecaller`, `sha256:${"1".repeat(64)}`),
    (e: Error) => e instanceof PackageError && /expected sha256:1{64}/.test(e.message),
  );
  const linked = tempDir();
  await Deno.writeTextFile(`${linked}/council-agent.json`, JSON.stringify(good));
  await Deno.symlink("/etc/passwd", `${linked}/agent.ts`);
  await assert.rejects(inspectPackage(linked), /agent\.ts: symbolic links are not allowed/);
  await assert.rejects(inspectPackage(tempDir()), /council-agent\.json: missing/);
});
