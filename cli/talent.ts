// `council talent sources|candidates|run|certify|approve|reject|swarm`: the talent
// pipeline (docs/talent.md): what the scouts found, sandbox runs and their 25 checks,
// certificates, the review queue operators decide, and the swarm of deployed agents.

import { resolve } from "node:path";
import { type Api, OPERATOR_FLAGS, OPERATOR_OPTIONS, operatorCommand } from "./_api.ts";
import { type Command, UsageError } from "./_command.ts";
import { output, outputList, path, positionals } from "./_output.ts";
import {
  type Candidate,
  type CheckResult,
  runSandbox,
  type SandboxReport,
  type Seat,
  type SourceOutcome,
  type SwarmAgent,
  type ValidationResult,
} from "../talent/mod.ts";

const HELP = `council talent <command> [options]

  sources [--poll]                  the scouts' sources and their cursors; --poll runs
                                    one scouting cycle now
  candidates [--state S]            the queue: every candidate and its state (queued,
                                    running, tested, review, approved, rejected,
                                    deployed, suspended, unrunnable)
  run DIR|ID [--no-wait]            a package directory (queued first) or a candidate
                                    through the sandbox's 25 checks; waits and prints
                                    the results
  run DIR --local                   the same in this process, without a server: prints
                                    the report (nothing recorded or certified)
  certify ID                        signs and witnesses a certificate for the last run
                                    and applies the approval policy (deploy, reject,
                                    or leave for review)
  approve ID                        deploys a candidate waiting for review
  reject ID --reason TEXT           rejects a candidate
  swarm                             deployed agents (guardian, tags, status) and seats
  swarm invite NAME --room ROOM     starts the agent and seats it in ROOM
  swarm suspend NAME --reason TEXT  suspends it (guard refuses it, its seats end)
  swarm validate                    one round of validation calls now (talent.validate):
                                    reached, set-up time, MOS, problems

options:
  --state S, --poll, --no-wait, --local, --reason TEXT, --room ROOM
${OPERATOR_OPTIONS}

exit codes: 0 ok (run: every check passed), 1 refused, not found, or a check
failed, 2 usage error`;

const FLAGS = {
  ...OPERATOR_FLAGS,
  state: { type: "string" },
  poll: { type: "boolean" },
  "no-wait": { type: "boolean" },
  local: { type: "boolean" },
  reason: { type: "string" },
  room: { type: "string" },
} as const;

const resultLine = (r: Pick<CheckResult, "id" | "passed" | "detail">) =>
  `  ${r.passed ? "pass" : "FAIL"}  ${r.id.padEnd(26)} ${r.detail}`;

function candidateLine(c: Candidate): string {
  const score = c.report ? `  ${c.report.passed}/${c.report.total}` : "";
  return `${c.id}  ${c.state.padEnd(10)} ${c.source}  ${c.name} ${c.version}${score}${
    c.reason ? `  (${c.reason})` : ""
  }`;
}

function candidateDetails(c: Candidate): string {
  const lines = [candidateLine(c), `  ref      ${c.ref}`];
  if (c.report) {
    lines.push(
      `  digest   ${c.report.digest || "(none)"}`,
      `  run      ${c.report.startedAt}, ${
        (c.report.durationMs / 1000).toFixed(1)
      } s, peak RSS ${c.report.resources.peakRssMb} MB, CPU ${c.report.resources.cpuSeconds} s`,
    );
  }
  for (const r of c.results ?? []) lines.push(resultLine(r));
  if (c.certificate) {
    lines.push(
      `  certificate signed ${c.certificate.issuedAt}, witness entry ${c.certificate.witnessIndex}`,
    );
  }
  return lines.join("\n");
}

const agentLine = (a: SwarmAgent) =>
  `${a.guardianId}  ${a.status.padEnd(9)} ${a.name} ${a.version}  [${a.expertise.join(",")}]${
    a.reason ? `  (${a.reason})` : ""
  }`;

async function isDirectory(p: string): Promise<boolean> {
  return (await Deno.stat(p).catch(() => undefined))?.isDirectory ?? false;
}

async function runLocal(dir: string, json: boolean | undefined): Promise<number> {
  const report: SandboxReport = await runSandbox(resolve(dir), {
    progress: json ? undefined : (msg) => console.error(msg),
  });
  output(json, report, () =>
    [
      `${report.name} ${report.version}  ${report.passed}/${report.results.length} in ${
        (report.durationMs / 1000).toFixed(1)
      } s  ${report.digest}`,
      ...report.results.map(resultLine),
    ].join("\n"));
  return report.passed === report.results.length ? 0 : 1;
}

async function runRemote(api: Api, target: string, wait: boolean, json?: boolean): Promise<number> {
  let id = target;
  if (await isDirectory(target)) {
    const c = await api.request<Candidate>("POST", "/api/v1/talent/candidates", {
      dir: resolve(target),
    });
    id = c.id;
  }
  await api.request("POST", path("/api/v1/talent/candidates", id, "run"));
  if (!wait) {
    output(json, { id }, () => `${id} running`);
    return 0;
  }
  let c: Candidate;
  do {
    await new Promise((r) => setTimeout(r, 1000));
    c = await api.request<Candidate>("GET", path("/api/v1/talent/candidates", id));
  } while (c.state === "running" || c.state === "queued");
  output(json, c, () => candidateDetails(c));
  return c.report && c.report.passed === c.report.total ? 0 : 1;
}

const remote = operatorCommand({
  name: "talent",
  summary: "talent pipeline: scouts, sandbox runs (25 checks), certificates, review, swarm",
  help: HELP,
  flags: FLAGS,
}, async ({ values, sub, rest, api }) => {
  const base = "/api/v1/talent";
  switch (sub) {
    case "sources": {
      positionals(sub, rest, []);
      if (values.poll) {
        const { outcomes } = await api.request<{ outcomes: SourceOutcome[] }>(
          "POST",
          `${base}/sources/poll`,
        );
        outputList(
          values.json,
          outcomes,
          (o) =>
            `${o.name}  ${o.status}  ${o.detail}  (${o.found} found, ${o.added} new, ${o.skipped} skipped, ${o.ms} ms)`,
          "no sources configured",
        );
        return 0;
      }
      const { sources } = await api.request<{ sources: Record<string, unknown>[] }>(
        "GET",
        `${base}/sources`,
      );
      outputList(
        values.json,
        sources,
        (s) =>
          `${s.name}  ${s.kind}  ${s.baseUrl}  ${s.lastStatus}${
            s.lastPollAt ? ` at ${s.lastPollAt}` : ""
          }${s.notBefore ? `  (waiting until ${s.notBefore})` : ""}`,
        "no sources configured (talent.sourcesFile)",
      );
      return 0;
    }
    case "candidates": {
      positionals(sub, rest, []);
      const q = values.state ? `?state=${encodeURIComponent(values.state)}` : "";
      const { candidates } = await api.request<{ candidates: Candidate[] }>(
        "GET",
        `${base}/candidates${q}`,
      );
      outputList(values.json, candidates, candidateLine, "no candidates");
      return 0;
    }
    case "run": {
      const [target] = positionals(sub, rest, ["DIR|ID"]);
      return await runRemote(api, target, !values["no-wait"], values.json);
    }
    case "certify": {
      const [id] = positionals(sub, rest, ["ID"]);
      const r = await api.request<
        { candidate: Candidate; decision: { decision: string; reason: string } }
      >(
        "POST",
        path(`${base}/candidates`, id, "certify"),
      );
      output(
        values.json,
        r,
        () =>
          `${
            candidateDetails(r.candidate)
          }\n  decision ${r.decision.decision}: ${r.decision.reason}`,
      );
      return 0;
    }
    case "approve": {
      const [id] = positionals(sub, rest, ["ID"]);
      const c = await api.request<Candidate>("POST", path(`${base}/candidates`, id, "approve"));
      output(values.json, c, () => candidateLine(c));
      return 0;
    }
    case "reject": {
      const [id] = positionals(sub, rest, ["ID"]);
      if (!values.reason) throw new UsageError("reject needs --reason");
      const c = await api.request<Candidate>("POST", path(`${base}/candidates`, id, "reject"), {
        reason: values.reason,
      });
      output(values.json, c, () => candidateLine(c));
      return 0;
    }
    case "swarm": {
      const [action, name] = rest;
      if (action === undefined) {
        const r = await api.request<{ agents: SwarmAgent[]; seats: Seat[] }>(
          "GET",
          `${base}/swarm`,
        );
        output(values.json, r, () =>
          [
            ...(r.agents.length ? r.agents.map(agentLine) : ["no agents deployed"]),
            ...r.seats.map((s) =>
              `  seated ${s.guardianId} in ${s.room} (pid ${s.pid}) since ${s.startedAt}`
            ),
          ].join("\n"));
        return 0;
      }
      if (action === "validate" && rest.length === 1) {
        const { results } = await api.request<{ results: ValidationResult[] }>(
          "POST",
          `${base}/validate`,
        );
        outputList(
          values.json,
          results,
          (r) =>
            `${r.guardianId}  ${
              r.reachable ? `reached (${r.protocol}) in ${r.setupMs} ms` : "unreachable"
            }${r.mos !== undefined ? `  MOS ${r.mos}` : ""}${
              r.problems.length ? `  problems: ${r.problems.join("; ")}` : ""
            }`,
          "no guardians to validate (talent.validate)",
        );
        return results.some((r) => r.problems.length) ? 1 : 0;
      }
      if (!name || rest.length !== 2) throw new UsageError(`swarm ${action} takes one NAME`);
      if (action === "invite") {
        if (!values.room) throw new UsageError("swarm invite needs --room");
        const seat = await api.request<Seat>("POST", path(`${base}/swarm`, name, "invite"), {
          room: values.room,
        });
        output(
          values.json,
          seat,
          () => `${seat.guardianId} seated in ${seat.room} (pid ${seat.pid})`,
        );
        return 0;
      }
      if (action === "suspend") {
        if (!values.reason) throw new UsageError("swarm suspend needs --reason");
        const a = await api.request<SwarmAgent>("POST", path(`${base}/swarm`, name, "suspend"), {
          reason: values.reason,
        });
        output(values.json, a, () => agentLine(a));
        return 0;
      }
      throw new UsageError(`unknown swarm action '${action}'; try invite or suspend`);
    }
    default:
      throw new UsageError(`unknown talent command '${sub}'`);
  }
});

export const talentCommand: Command = {
  ...remote,
  // A local run needs no server (and so no token): handled before the API is set up.
  async run(args) {
    if (args[0] === "run" && args.includes("--local")) {
      const rest = args.slice(1).filter((a) => a !== "--local" && a !== "--json");
      if (rest.length !== 1) throw new UsageError("run --local takes one package directory");
      if (!(await isDirectory(rest[0]))) throw new UsageError(`${rest[0]}: not a directory`);
      return await runLocal(rest[0], args.includes("--json"));
    }
    return await remote.run(args);
  },
};
