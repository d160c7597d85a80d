// scripts/setup is what `deno task start|test` run first on a new machine.
import assert from "node:assert/strict";
import { tempDir } from "../_helpers/temp.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const decoder = new TextDecoder();

async function setup(args: string[], path = Deno.env.get("PATH") ?? "") {
  const out = await new Deno.Command("bash", {
    args: [`${ROOT}scripts/setup`, ...args],
    env: { PATH: path },
    stdin: "null",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** A directory whose apt-get and dpkg records any call, to prove nothing was installed. */
function trapInstallers(): { dir: string; calls: () => string } {
  const dir = tempDir();
  const log = `${dir}/calls.log`;
  for (const tool of ["apt-get", "apt", "dpkg"]) {
    Deno.writeTextFileSync(`${dir}/${tool}`, `#!/bin/sh\necho "${tool} $*" >> ${log}\nexit 1\n`);
    Deno.chmodSync(`${dir}/${tool}`, 0o755);
  }
  return {
    dir,
    calls: () =>
      (() => {
        try {
          return Deno.readTextFileSync(log);
        } catch {
          return "";
        }
      })(),
  };
}

Deno.test("setup is silent and installs nothing the second time", async () => {
  const first = await setup([]);
  assert.equal(first.code, 0, first.stderr);

  const trap = trapInstallers();
  const second = await setup([], `${trap.dir}:${Deno.env.get("PATH")}`);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout + second.stderr, "");
  assert.equal(trap.calls(), "", "no installer was invoked");
});

Deno.test("setup names exactly what is missing when it may not install", async () => {
  const list = `${tempDir()}/packages.txt`;
  Deno.writeTextFileSync(
    list,
    "# test list\nbash\ncouncil-no-such-package-a # trailing comment\n\ncouncil-no-such-package-b\n",
  );
  const res = await setup(["--packages", list, "--no-install"]);
  assert.equal(res.code, 1);
  assert.equal(
    res.stderr,
    "setup: missing Debian packages: council-no-such-package-a council-no-such-package-b\n" +
      "setup: install them with: sudo apt-get install -y --no-install-recommends " +
      "council-no-such-package-a council-no-such-package-b\n",
  );
});

Deno.test("setup refuses unknown arguments and unreadable lists with exit 2", async () => {
  const bad = await setup(["--frobnicate"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown argument '--frobnicate'/);
  const missing = await setup(["--packages", "/nonexistent/list.txt"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read package list/);
});

Deno.test("the package list covers the codec libraries and test peers", () => {
  const wanted = Deno.readTextFileSync(`${ROOT}scripts/packages.txt`)
    .split("\n").map((l) => l.replace(/#.*/, "").trim()).filter(Boolean);
  for (
    const pkg of ["libbcg729-0", "libopus0", "libspandsp2", "sip-tester", "tshark", "baresip-core"]
  ) {
    assert.ok(wanted.includes(pkg), pkg);
  }
});
