import assert from "node:assert/strict";
import {
  CHECK_IDS,
  inspectPackage,
  type SandboxReport,
  Swarm,
  Talent,
} from "../../../talent/mod.ts";
import { Hono } from "hono";
import { talentRoutes } from "../../../routes/talent.ts";
import { onError } from "../../../routes/errors.ts";
import { Scouting } from "../../../talent/mod.ts";
import { createLogger } from "../../../telemetry/mod.ts";
import { decodeEntry } from "../../../witness/mod.ts";
import { OPERATOR_TOKEN, testApp } from "../../_helpers/app.ts";
import { tempDir } from "../../_helpers/temp.ts";

const NAMECALLER = new URL("../../fixtures/talent/namecaller", import.meta.url).pathname;

/** A stand-in sandbox: the fixture's real manifest and digest, results as told. */
function fakeSandbox(failing: () => string[]) {
  return async (dir: string): Promise<SandboxReport> => {
    const pkg = await inspectPackage(dir);
    const failed = failing();
    const results = CHECK_IDS.map((id) => ({ id, passed: !failed.includes(id), detail: "seen" }));
    return {
      name: pkg.manifest.name,
      version: pkg.manifest.version,
      digest: pkg.digest,
      manifest: pkg.manifest,
      startedAt: new Date(0).toISOString(),
      durationMs: 1,
      results,
      passed: results.filter((r) => r.passed).length,
      resources: {
        peakRssMb: 90,
        cpuSeconds: 2,
        limits: { rssMb: 384, heapMb: 128, cpuSeconds: 60, wallSeconds: 180 },
      },
      violations: [],
      log: [],
    };
  };
}

async function setup(policy: unknown, failing: () => string[], packagesDir?: string) {
  const t = await testApp();
  const dir = tempDir();
  const policyFile = `${dir}/policy.json`;
  await Deno.writeTextFile(policyFile, JSON.stringify(policy));
  const swarm = await Swarm.open({
    store: t.store,
    registry: t.registry,
    witness: t.witness,
    councilUrl: () => "http://127.0.0.1:1",
    mediaHost: "127.0.0.1",
    scratch: dir,
  });
  const talent = await Talent.open({
    store: t.store,
    witness: t.witness,
    registry: t.registry,
    log: createLogger({ level: "error", sink: () => {} }),
    nodeKey: async () => {
      const ed = await import("@noble/ed25519");
      const secretKey = ed.utils.randomSecretKey();
      const { toBase64 } = await import("../../../witness/mod.ts");
      return { secretKey, publicKeyB64: toBase64(await ed.getPublicKeyAsync(secretKey)) };
    },
    swarm,
    policyFile,
    packagesDir,
    sandbox: fakeSandbox(failing),
  });
  const scouting = new Scouting({ store: t.store, book: talent.book, sources: () => [] });
  // Mounted as routes/mod.ts does, with its error handler (refusals as {error}).
  const app = new Hono()
    .route("/", talentRoutes({ talent, scouting, sources: () => [] }, OPERATOR_TOKEN))
    .onError(onError(createLogger({ level: "error", sink: () => {} })));
  const call = async (method: string, path: string, body?: unknown, token = OPERATOR_TOKEN) => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  return { t, talent, call, policyFile };
}

async function entries(t: Awaited<ReturnType<typeof testApp>>, type: string) {
  const out = [];
  for (let i = 0; i < t.witness.size; i++) {
    const e = decodeEntry((await t.witness.entry(i))!);
    if (e.type === type) out.push(e.payload as Record<string, unknown>);
  }
  return out;
}

Deno.test("queue -> run -> certify -> review -> approve deploys a guardian; a failed re-certification suspends it", async () => {
  let failed: string[] = [];
  const { t, talent, call } = await setup({}, () => failed);
  try {
    const added = await call("POST", "/candidates", { dir: NAMECALLER });
    assert.equal(added.status, 201);
    assert.equal(added.body.name, "namecaller");
    assert.equal(
      (await call("POST", "/candidates", { dir: NAMECALLER })).status,
      200,
      "de-duplicated",
    );
    const id = added.body.id as string;
    assert.equal(
      (await call("POST", `/candidates/${id}/certify`)).status,
      409,
      "nothing to certify yet",
    );
    await talent.run(id);
    assert.equal(talent.book.get(id)!.state, "tested");
    // The default policy keeps "safety" for a human.
    const certified = await call("POST", `/candidates/${id}/certify`);
    assert.equal(certified.status, 200);
    assert.equal(certified.body.decision.decision, "review");
    assert.equal(certified.body.candidate.certificate.passed, 25);
    assert.equal((await call("GET", "/candidates?state=review")).body.candidates.length, 1);
    const approved = await call("POST", `/candidates/${id}/approve`);
    assert.equal(approved.status, 200);
    assert.equal(approved.body.state, "deployed");
    const guardian = t.registry.record("if://guardian/agent-namecaller")!;
    assert.equal(guardian.status, "active");
    assert.equal(guardian.role, "agent");
    const swarm = (await call("GET", "/swarm")).body;
    assert.deepEqual(
      swarm.agents.map((
        a: { name: string; status: string; expertise: string[] },
      ) => [a.name, a.status, a.expertise]),
      [
        ["namecaller", "active", ["safety", "acoustics"]],
      ],
    );
    assert.deepEqual(talent.swarm.experts(["acoustics"]).map((a) => a.guardianId), [
      "if://guardian/agent-namecaller",
    ]);
    assert.deepEqual(talent.swarm.experts(["legal"]), []);
    assert.equal((await entries(t, "talent.certificate")).length, 1);
    assert.equal((await entries(t, "talent.deployed")).length, 1);

    // A re-certification (a new run of the same version, e.g. scheduled) that fails.
    failed = ["server.restart"];
    await talent.book.update(id, { state: "tested" });
    await talent.run(id);
    const again = await talent.certify(id);
    assert.equal(again.decision.decision, "review");
    assert.equal(talent.swarm.get("namecaller")!.status, "suspended");
    assert.equal(t.registry.record("if://guardian/agent-namecaller")!.status, "suspended");
    assert.match(
      (await entries(t, "talent.suspended"))[0].reason as string,
      /failed server\.restart/,
    );
  } finally {
    await talent.close();
    await t.stop();
  }
});

Deno.test("the approval policy reloads: a valid file is in force at once and witnessed; a bad one is refused and the old stays", async () => {
  const { t, talent, call, policyFile } = await setup({ version: "strict-1" }, () => []);
  try {
    // Open: nothing needs a human (the fixture's "safety" tag included).
    const open = { version: "open-2", autoApprove: { tags: ["*"], reviewTags: [] } };
    await Deno.writeTextFile(policyFile, JSON.stringify(open));
    assert.equal(await talent.reloadPolicy("test"), true);
    assert.equal((await call("GET", "/policy")).body.version, "open-2");
    assert.deepEqual(await entries(t, "talent.policy"), [
      { version: "open-2", previous: "strict-1", cause: "test" },
    ]);
    // A typo is refused: the policy in force stays, nothing is witnessed.
    await Deno.writeTextFile(policyFile, '{ "version": "typo", "autoApprove": { "tagz": [] } }');
    assert.equal(await talent.reloadPolicy("test"), false);
    assert.equal(talent.policy.version, "open-2");
    await Deno.writeTextFile(policyFile, "{ not json");
    assert.equal(await talent.reloadPolicy("test"), false);
    assert.equal((await entries(t, "talent.policy")).length, 1);
    // The reloaded policy decides: the candidate the default would hold for review deploys.
    const id = (await call("POST", "/candidates", { dir: NAMECALLER })).body.id as string;
    await talent.run(id);
    const certified = await call("POST", `/candidates/${id}/certify`);
    assert.equal(certified.body.decision.decision, "approve", JSON.stringify(certified.body));
    assert.equal(talent.book.get(id)!.state, "deployed");
  } finally {
    await talent.close();
    await t.stop();
  }
});

Deno.test("a hard failure is rejected at once; operators reject; the API refuses what does not fit", async () => {
  const { t, talent, call } = await setup(
    { autoApprove: { reviewTags: [] } },
    () => ["pii.evidence"],
  );
  try {
    const { body: c } = await call("POST", "/candidates", { dir: NAMECALLER });
    await talent.run(c.id);
    const r = await call("POST", `/candidates/${c.id}/certify`);
    assert.deepEqual(r.body.decision, { decision: "reject", reason: "failed pii.evidence" });
    assert.equal((await call("POST", `/candidates/${c.id}/approve`)).status, 409);
    assert.equal((await call("POST", `/candidates/${c.id}/reject`, { reason: "x" })).status, 409);
    assert.equal((await call("GET", "/candidates/c-0000")).status, 404);
    assert.equal((await call("POST", "/candidates/c-0000/run")).status, 404);
    assert.equal((await call("POST", "/candidates", { dir: "relative" })).status, 400);
    assert.equal((await call("POST", "/candidates", { dir: "/nonexistent-dir" })).status, 400);
    assert.equal((await call("GET", "/candidates?state=nope")).status, 400);
    assert.equal((await call("POST", "/swarm/nobody/invite", { room: "main" })).status, 404);
    assert.equal((await call("GET", "/candidates", undefined, "wrong-token")).status, 401);
    assert.equal((await call("GET", "/policy")).body.version, "file");
    assert.equal(t.registry.record("if://guardian/agent-namecaller"), undefined);
  } finally {
    await talent.close();
    await t.stop();
  }
});

Deno.test("a scouted GitHub release is fetched and run; papers and missing tarballs are not", async () => {
  const src = tempDir();
  await Deno.mkdir(`${src}/acme-namecaller-0f0f0f`);
  for (const f of ["council-agent.json", "agent.ts"]) {
    await Deno.copyFile(`${NAMECALLER}/${f}`, `${src}/acme-namecaller-0f0f0f/${f}`);
  }
  const archive = `${tempDir()}/p.tar.gz`;
  assert.ok(
    (await new Deno.Command("tar", { args: ["-czf", archive, "-C", src, "."] }).output()).success,
  );
  const bytes = new Uint8Array(await Deno.readFile(archive));
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) =>
      new URL(req.url).pathname === "/tarball/v1.0.0"
        ? new Response(bytes)
        : new Response("", { status: 404 }),
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  const packages = tempDir();
  const { t, talent } = await setup({}, () => [], packages);
  try {
    const found = { source: "github" as const, ref: "acme/namecaller", name: "namecaller" };
    const { candidate } = await talent.book.add({
      ...found,
      version: "1.0.0",
      url: `${base}/tarball/v1.0.0`,
    });
    const ran = await talent.run(candidate.id);
    assert.equal(ran.state, "tested", ran.reason);
    assert.equal(ran.packageDir, `${packages}/${candidate.id}/unpacked/acme-namecaller-0f0f0f`);
    assert.equal(ran.report?.passed, 25);
    const { candidate: gone } = await talent.book.add({
      ...found,
      version: "2.0.0",
      url: `${base}/tarball/v2.0.0`,
    });
    const failed = await talent.run(gone.id);
    assert.equal(failed.state, "unrunnable");
    assert.match(failed.reason!, /answered 404/);
    const { candidate: paper } = await talent.book.add({
      source: "arxiv",
      ref: "2611.01234",
      name: "guardian-agents",
      version: "v2",
      url: "https://arxiv.org/abs/2611.01234v2",
    });
    assert.match((await talent.run(paper.id)).reason!, /^no package to run: arxiv lists/);
  } finally {
    await talent.close();
    await t.stop();
    await server.shutdown();
  }
});
