import assert from "node:assert/strict";
import {
  bundleSet,
  isSystemLibrary,
  mappedObjects,
  nameMapped,
  parseLdconfig,
  parseLdd,
} from "../../scripts/compile/libraries.ts";
import { importsSpecifier, trimConfig } from "../../scripts/compile/stage.ts";
import { launcher } from "../../scripts/compile/launcher.ts";
import { tempDir } from "../_helpers/temp.ts";

const SUM = "ab".repeat(32);

Deno.test("the launcher's offset is its own length, whatever the digits", () => {
  for (const version of ["0.1.0", "10.20.300-rc.1"]) {
    const text = launcher({ version, sha256: SUM });
    const length = new TextEncoder().encode(text).length;
    assert.equal(Number(/^offset=(\d+) *$/m.exec(text)?.[1]), length);
    assert.ok(text.startsWith("#!/bin/sh\n"));
    assert.ok(text.endsWith('"$@"\n'));
    assert.match(text, new RegExp(`dist-${version.replaceAll(".", "\\.")}-abababababababab"`));
  }
  assert.throws(() => launcher({ version: "0.1.0", sha256: "xyz" }), /64 hex/);
  assert.throws(() => launcher({ version: '0.1"; rm -rf /', sha256: SUM }), /bad version/);
});

Deno.test("the launcher is valid sh", async () => {
  const file = `${tempDir()}/launcher.sh`;
  Deno.writeTextFileSync(file, launcher({ version: "0.1.0", sha256: SUM }));
  const out = await new Deno.Command("sh", { args: ["-n", file], stderr: "piped" }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
});

Deno.test("ldconfig and ldd output parse; a missing library is an error naming it", () => {
  const cache = parseLdconfig(
    "691 libs found in cache `/etc/ld.so.cache'\n" +
      "\tlibopus.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libopus.so.0\n" +
      "\tlibopus.so (libc6,x86-64) => /lib/x86_64-linux-gnu/libopus.so\n" +
      "\tlibopus.so.0 (libc6) => /lib/i386-linux-gnu/libopus.so.0\n",
  );
  if (Deno.build.arch === "x86_64") assert.equal(cache.length, 2);
  const ldd = parseLdd(
    "\tlinux-vdso.so.1 (0x00007ffd)\n" +
      "\tlibuv.so.1 => /lib/x86_64-linux-gnu/libuv.so.1 (0x00007f71ffaa0000)\n" +
      "\t/lib64/ld-linux-x86-64.so.2 (0x00007f71ffae5000)\n",
    "w",
  );
  assert.deepEqual(ldd, [{ soname: "libuv.so.1", path: "/lib/x86_64-linux-gnu/libuv.so.1" }]);
  assert.throws(
    () => parseLdd("\tlibsrtp2.so.1 => not found\n", "the mediasoup worker"),
    /the mediasoup worker needs libsrtp2\.so\.1/,
  );
});

Deno.test("mapped files take their versioned soname; system and own libraries stay out", () => {
  const maps = [
    "7f46 r-xp 00000000 08:01 123 /usr/lib/x86_64-linux-gnu/libopus.so.0.8.0",
    "7f47 r--p 00000000 08:01 123 /usr/lib/x86_64-linux-gnu/libopus.so.0.8.0",
    "7f48 r-xp 00000000 08:01 124 /usr/lib/x86_64-linux-gnu/libc.so.6",
    "7f49 r-xp 00000000 08:01 125 /srv/council/native/build/libcouncil_native.so",
    "7f50 rw-p 00000000 00:00 0 [heap]",
  ].join("\n");
  const mapped = mappedObjects(maps);
  assert.equal(mapped.length, 3);
  const real = (p: string) =>
    p.replace(/^\/lib\//, "/usr/lib/").replace(/\.so\.0$/, ".so.0.8.0")
      .replace(/libopus\.so$/, "libopus.so.0.8.0");
  const named = nameMapped(
    mapped,
    [
      { soname: "libopus.so", path: "/lib/x86_64-linux-gnu/libopus.so" },
      { soname: "libopus.so.0", path: "/lib/x86_64-linux-gnu/libopus.so.0" },
      { soname: "libc.so.6", path: "/usr/lib/x86_64-linux-gnu/libc.so.6" },
    ],
    real,
    (p) => p.startsWith("/srv/council/"),
  );
  assert.deepEqual(named.map((l) => l.soname), ["libopus.so.0"]);
  assert.throws(
    () => nameMapped(["/opt/x/libmystery.so.1"], [], (p) => p, () => false),
    /libmystery\.so\.1 is loaded but not in the loader's cache/,
  );
});

Deno.test("glibc's and GCC's runtime are never bundled; everything else is, once", () => {
  for (const name of ["libc.so.6", "libm.so.6", "ld-linux-x86-64.so.2", "libgcc_s.so.1"]) {
    assert.ok(isSystemLibrary(name), name);
  }
  for (const name of ["libstdc++.so.6", "libcrypto.so.3", "libcom_err.so.2", "libmagic.so.1"]) {
    assert.ok(!isSystemLibrary(name), name);
  }
  const set = bundleSet([
    { soname: "libz.so.1", path: "/a" },
    { soname: "libc.so.6", path: "/b" },
    { soname: "libssl.so.3", path: "/c" },
    { soname: "libz.so.1", path: "/d" },
  ]);
  assert.deepEqual(set, [{ soname: "libssl.so.3", path: "/c" }, {
    soname: "libz.so.1",
    path: "/a",
  }]);
});

Deno.test("the build's deno.json keeps only imports a shipped module uses", () => {
  assert.ok(importsSpecifier('import { Hono } from "hono";', "hono"));
  assert.ok(importsSpecifier('import { cors } from "hono/cors";', "hono/"));
  assert.ok(importsSpecifier('const m = await import("mediasoup");', "mediasoup"));
  assert.ok(!importsSpecifier('import x from "mediasoup-client";', "mediasoup"));
  assert.ok(!importsSpecifier("// playwright-core drives the browser", "playwright-core"));
  const { config, dropped } = trimConfig({
    version: "1.0.0",
    unstable: ["kv"],
    nodeModulesDir: "auto",
    tasks: { test: "deno test" },
    fmt: {},
    imports: { hono: "npm:hono@4", "playwright-core": "npm:playwright-core@1" },
  }, (key) => key === "hono");
  assert.deepEqual(config, {
    version: "1.0.0",
    unstable: ["kv"],
    nodeModulesDir: "manual",
    imports: { hono: "npm:hono@4" },
  });
  assert.deepEqual(dropped, ["playwright-core"]);
});
