// A server for load benchmarks: unknown rooms allowed, rate limits out of the way,
// so the figures measure the stacks rather than the policy's brakes.

import { OPERATOR } from "../tests/_helpers/council_api.ts";
import { type CouncilProcess, startCouncilProcess } from "../tests/_helpers/council_process.ts";

const POLICY = {
  version: "bench",
  allowUnknownRooms: true,
  freshnessWindowSec: 600,
  room: { capacity: 1000, bandwidthKbps: 10_000_000, allowedCodecs: ["PCMA", "PCMU"] },
  rateLimits: {
    ROUTINE: { perSecond: 100_000, burst: 100_000 },
    perGuardian: { perSecond: 100_000, burst: 100_000 },
  },
};

/**
 * Starts a server with the load policy and the given COUNCIL_* settings; `codecs`
 * replaces the rooms' allowed codecs (browsers need opus).
 */
export async function benchCouncil(
  env: Record<string, string> = {},
  codecs?: string[],
): Promise<CouncilProcess> {
  const policyFile = await Deno.makeTempFile({ suffix: ".json" });
  const policy = codecs ? { ...POLICY, room: { ...POLICY.room, allowedCodecs: codecs } } : POLICY;
  await Deno.writeTextFile(policyFile, JSON.stringify(policy));
  // COUNCIL_BENCH_PROFILE=DIR: the server writes a V8 CPU profile there when it stops.
  const profile = Deno.env.get("COUNCIL_BENCH_PROFILE");
  const main = new URL("../main.ts", import.meta.url).pathname;
  const c = await startCouncilProcess({
    COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
    COUNCIL_GUARD_POLICY_FILE: policyFile,
    ...env,
  }, {
    command: profile
      ? [Deno.execPath(), "run", "-A", "--cpu-prof", `--cpu-prof-dir=${profile}`, main]
      : undefined,
  });
  return {
    ...c,
    async stop(signal) {
      try {
        return await c.stop(signal);
      } finally {
        await Deno.remove(policyFile).catch(() => {});
      }
    },
  };
}
