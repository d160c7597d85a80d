// The talent pipeline: candidates queue (from scouts or operators), run one at a time
// through the sandbox, are certified (signed, witnessed) and decided by the approval
// policy: deployed into the swarm, rejected, or left for an operator's review. A
// re-certification that fails what the policy requires suspends the deployed agent.

import type { GuardianRegistry } from "../guard/mod.ts";
import type { Store } from "../store/mod.ts";
import type { Logger } from "../telemetry/mod.ts";
import type { WitnessLog } from "../witness/mod.ts";
import {
  type ApprovalPolicy,
  decide,
  type Decision,
  readApprovalPolicy,
  requiredFailures,
} from "./approval_policy.ts";
import {
  type Candidate,
  CandidateBook,
  CandidateError,
  runRecordOf,
  summarize,
} from "./candidates.ts";
import { issueCertificate, type NodeKey } from "./certificate.ts";
import { inspectPackage } from "./package.ts";
import { fetchPackage } from "./fetch_package.ts";
import { PackageError } from "./package_digest.ts";
import { runSandbox, type SandboxOptions, type SandboxReport } from "./sandbox.ts";
import { Swarm, type SwarmAgent } from "./swarm.ts";

export type SandboxRunner = (dir: string, o: SandboxOptions) => Promise<SandboxReport>;

export interface TalentOptions {
  store: Store;
  witness: WitnessLog;
  registry: GuardianRegistry;
  log: Logger;
  nodeKey: () => Promise<NodeKey>;
  swarm: Swarm;
  policyFile?: string;
  /** Where scouted packages are fetched to (a GitHub release's tarball); none: not fetched. */
  packagesDir?: string;
  /** The sandbox (tests may give a stand-in). */
  sandbox?: SandboxRunner;
}

export class Talent {
  #queue: Promise<unknown> = Promise.resolve();
  #running = new Set<string>();
  private constructor(
    private readonly o: TalentOptions,
    readonly book: CandidateBook,
    public policy: ApprovalPolicy,
  ) {}

  static async open(o: TalentOptions): Promise<Talent> {
    return new Talent(o, await CandidateBook.open(o.store), await readApprovalPolicy(o.policyFile));
  }

  get swarm(): Swarm {
    return this.o.swarm;
  }

  /**
   * Reads the approval policy file again (its change, or SIGHUP). A file that does not
   * parse is refused with the reason and the policy in force stays: a typo never
   * opens auto-approval. The change is witnessed (which version decides deployments
   * from now on). True when the new policy is in force.
   */
  async reloadPolicy(cause: string): Promise<boolean> {
    const path = this.o.policyFile;
    if (!path) return false;
    const previous = this.policy.version;
    let next: ApprovalPolicy;
    try {
      next = await readApprovalPolicy(path);
    } catch (err) {
      this.o.log.error("talent policy refused; keeping the policy in force", {
        cause,
        path,
        error: (err as Error).message,
        version: previous,
      });
      return false;
    }
    this.policy = next;
    await this.o.witness.append("talent.policy", { version: next.version, previous, cause });
    this.o.log.info("talent policy reloaded", { cause, path, version: next.version, previous });
    return true;
  }

  /** An operator hands in a package directory; queued under its manifest's name. */
  async submit(
    dir: string,
    expectDigest?: string,
  ): Promise<{ candidate: Candidate; added: boolean }> {
    let name = dir.replace(/\/+$/, "").split("/").pop() ?? "unnamed";
    let version = "0.0.0";
    try {
      const pkg = await inspectPackage(dir);
      name = pkg.manifest.name;
      version = pkg.manifest.version;
    } catch {
      // A lying package is still a candidate: the sandbox's first checks say why it fails.
      const raw = await Deno.readTextFile(`${dir}/council-agent.json`).catch(() => "");
      const m = /"version"\s*:\s*"([^"]{1,40})"/.exec(raw);
      if (m) version = m[1];
    }
    return await this.book.add({
      source: "local",
      ref: dir,
      name: name.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 64) || "unnamed",
      version,
      packageDir: dir,
      expectDigest,
    });
  }

  /** A package on disk, or a GitHub release tarball it can fetch. */
  #runnable(c: Candidate): boolean {
    return Boolean(c.packageDir || (c.source === "github" && c.url && this.o.packagesDir));
  }

  /** Runs the candidate through the sandbox (queued behind any run in progress). */
  run(id: string): Promise<Candidate> {
    const c = this.#need(id);
    if (this.#running.has(id)) throw new CandidateError(`${id} is running`, "CONFLICT");
    if (!this.#runnable(c)) {
      return this.book.update(id, {
        state: "unrunnable",
        reason: `no package to run: ${c.source} lists ${
          c.url ?? c.ref
        } (papers and models are leads for operators)`,
      });
    }
    this.#running.add(id);
    const run = this.#queue.then(async () => {
      await this.book.update(id, { state: "running", reason: undefined });
      let dir = c.packageDir;
      if (!dir) {
        dir = await fetchPackage(c.url!, `${this.o.packagesDir}/${id}`);
        await this.book.update(id, { packageDir: dir });
      }
      const report = await (this.o.sandbox ?? runSandbox)(dir, {
        expectDigest: c.expectDigest,
        progress: (msg) => this.o.log.debug("sandbox", { id, msg }),
      });
      this.o.log.info("sandbox run", { id, name: report.name, passed: report.passed });
      return await this.book.update(id, {
        state: "tested",
        report: summarize(report),
        results: report.results,
      });
    }).catch(async (err) => {
      this.o.log.error("sandbox run failed", { id, err });
      return await this.book.update(id, {
        state: "unrunnable",
        reason: (err instanceof PackageError
          ? (err as Error).message
          : `the sandbox failed: ${(err as Error).message}`).slice(0, 300),
      });
    }).finally(() => this.#running.delete(id));
    this.#queue = run;
    return run;
  }

  /**
   * Signs and witnesses a certificate for the last run, then applies the policy:
   * deploy, reject, or review. A deployed agent of the same name whose new run fails
   * what the policy requires is suspended.
   */
  async certify(id: string): Promise<{ candidate: Candidate; decision: Decision }> {
    const c = this.#need(id);
    const report = runRecordOf(c);
    if (!report || c.state !== "tested") {
      throw new CandidateError(`${id} is ${c.state}: run it first`, "CONFLICT");
    }
    const certificate = await issueCertificate(report, await this.o.nodeKey(), this.o.witness);
    const decision = decide(report, this.policy);
    const deployed = this.o.swarm.get(report.name);
    const missing = requiredFailures(report, this.policy);
    if (deployed?.status === "active" && missing.length) {
      await this.o.swarm.suspend(
        report.name,
        `re-certification of ${report.version} failed ${missing.join(", ")}`,
      );
    }
    await this.#witnessDecision(id, decision, "policy");
    // A re-test of what is deployed that still passes what the policy requires keeps it
    // deployed (its tags may still call for a human, but a human already said yes).
    if (
      deployed?.status === "active" && deployed.digest === report.digest && !missing.length &&
      decision.decision !== "reject"
    ) {
      const candidate = await this.book.update(id, {
        certificate,
        state: "deployed",
        reason: `re-certified: ${decision.reason}`,
      });
      return { candidate, decision };
    }
    let candidate = await this.book.update(id, {
      certificate,
      state: decision.decision === "approve"
        ? "approved"
        : decision.decision === "reject"
        ? "rejected"
        : "review",
      reason: decision.reason,
    });
    if (decision.decision === "approve") candidate = await this.#deploy(candidate);
    return { candidate, decision };
  }

  /**
   * Runs a deployed agent's package through the sandbox again and certifies the run
   * (scheduled re-tests): a failure of what the policy requires suspends it.
   */
  async retest(name: string): Promise<Candidate> {
    const agent = this.o.swarm.get(name);
    if (!agent) throw new CandidateError(`no swarm agent ${name}`, "NOT_FOUND");
    const known = this.book.list().find((c) =>
      c.packageDir === agent.packageDir && c.version === agent.version
    );
    const c = known ?? (await this.submit(agent.packageDir)).candidate;
    await this.book.update(c.id, { state: "queued" });
    const ran = await this.run(c.id);
    return ran.state === "tested" ? (await this.certify(c.id)).candidate : ran;
  }

  /** Re-tests every active swarm agent, one after another. */
  async retestAll(): Promise<void> {
    for (const agent of this.o.swarm.list()) {
      if (agent.status !== "active") continue;
      await this.retest(agent.name).catch((err) =>
        this.o.log.error("re-test failed", { name: agent.name, err })
      );
    }
  }

  /** Runs and certifies every queued candidate that has a package (scouts' finds). */
  async drain(ids: string[]): Promise<void> {
    for (const id of ids) {
      const c = this.book.get(id);
      // A find with nothing to run (a paper, a model) waits in the queue for an operator.
      if (!c || c.state !== "queued" || !this.#runnable(c)) continue;
      const ran = await this.run(id);
      if (ran.state === "tested") await this.certify(id);
    }
  }

  async approve(id: string, by: string): Promise<Candidate> {
    const c = this.#need(id);
    if (c.state !== "review") {
      throw new CandidateError(`${id} is ${c.state}, not in review`, "CONFLICT");
    }
    await this.#witnessDecision(id, { decision: "approve", reason: "approved by an operator" }, by);
    return await this.#deploy(
      await this.book.update(id, { state: "approved", reason: `approved by ${by}` }),
    );
  }

  async reject(id: string, by: string, reason: string): Promise<Candidate> {
    const c = this.#need(id);
    if (["running", "deployed", "rejected"].includes(c.state)) {
      throw new CandidateError(`${id} is ${c.state}`, "CONFLICT");
    }
    await this.#witnessDecision(id, { decision: "reject", reason }, by);
    return await this.book.update(id, { state: "rejected", reason: `${by}: ${reason}` });
  }

  async #deploy(c: Candidate): Promise<Candidate> {
    // The files deployed are the files certified: inspected again against the digest.
    const pkg = await inspectPackage(c.packageDir!, c.certificate!.digest);
    const agent: SwarmAgent = await this.o.swarm.deploy(pkg.manifest, {
      dir: pkg.dir,
      digest: pkg.digest,
      certificateIndex: c.certificate!.witnessIndex,
    });
    return await this.book.update(c.id, {
      state: "deployed",
      reason: `deployed as ${agent.guardianId}`,
    });
  }

  async #witnessDecision(id: string, d: Decision, by: string): Promise<void> {
    const c = this.book.get(id)!;
    await this.o.witness.append("talent.decision", {
      id,
      name: c.name,
      version: c.version,
      decision: d.decision,
      reason: d.reason.slice(0, 300),
      by: by.slice(0, 100),
    });
  }

  #need(id: string): Candidate {
    const c = this.book.get(id);
    if (!c) throw new CandidateError(`no candidate ${id}`, "NOT_FOUND");
    return c;
  }

  async close(): Promise<void> {
    await this.#queue.catch(() => {});
    await this.o.swarm.close();
  }
}
