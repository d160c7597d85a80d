// The talent subsystem as main.ts starts it: the swarm, the pipeline, the scouts on
// their schedule (finds with a package are run and certified as they come), and one
// close for all of it.

import type { GuardianRegistry } from "../guard/mod.ts";
import { renderSpeech } from "../agent/speech.ts";
import type { Store } from "../store/mod.ts";
import type { Logger } from "../telemetry/mod.ts";
import type { WitnessLog } from "../witness/mod.ts";
import type { NodeKey } from "./certificate.ts";
import { Talent } from "./pipeline.ts";
import { watchFile } from "../lifecycle/watch_file.ts";
import { Scouting } from "./scouts/scouting.ts";
import { parseSources, type Source } from "./scouts/sources.ts";
import { Swarm } from "./swarm.ts";
import { type CallPorts, ValidationCalls, type ValidationResult } from "./validation_calls.ts";
import type { Registry } from "../telemetry/mod.ts";

export interface TalentService {
  talent: Talent;
  scouting: Scouting;
  /** Scheduled validation calls; absent without call ports. */
  validation?: ValidationCalls;
  sources: () => Source[];
  close(): Promise<void>;
}

export async function startTalent(o: {
  store: Store;
  witness: WitnessLog;
  registry: GuardianRegistry;
  log: Logger;
  nodeKey: () => Promise<NodeKey>;
  config: {
    policyFile: string;
    sourcesFile: string;
    scoutIntervalSec: number;
    retestEverySec: number;
    validate: string;
    validateEverySec: number;
  };
  /** Rooms and alerts for the scheduled validation calls. */
  calls?: { ports: CallPorts; alert: (r: ValidationResult) => void; registry?: Registry };
  mediaHost: string;
  /** Where fetched packages are kept (deployed agents run from there); default: scratch. */
  packagesDir?: string;
  /** Council's own HTTP base, known once it listens. */
  councilUrl: () => string;
}): Promise<TalentService> {
  const sources = o.config.sourcesFile
    ? parseSources(await Deno.readTextFile(o.config.sourcesFile))
    : [];
  const scratch = await Deno.makeTempDir({ prefix: "council-talent-" });
  const swarm = await Swarm.open({
    store: o.store,
    registry: o.registry,
    witness: o.witness,
    councilUrl: o.councilUrl,
    mediaHost: o.mediaHost,
    scratch,
    speak: (text) => renderSpeech(text),
  });
  const talent = await Talent.open({
    store: o.store,
    witness: o.witness,
    registry: o.registry,
    log: o.log,
    nodeKey: o.nodeKey,
    swarm,
    policyFile: o.config.policyFile || undefined,
    packagesDir: o.packagesDir ?? `${scratch}/packages`,
  });
  // The approval policy follows its file (and SIGHUP), as the guard's policy does.
  const unwatch = o.config.policyFile
    ? watchFile(o.config.policyFile, (cause) => {
      talent.reloadPolicy(cause).catch((err) =>
        o.log.error("talent policy reload failed", { err })
      );
    })
    : undefined;
  const scouting = new Scouting({
    store: o.store,
    book: talent.book,
    sources: () => sources,
    onFound: (ids) => {
      o.log.info("scouts found candidates", { count: ids.length });
      talent.drain(ids).catch((err) => o.log.error("talent queue failed", { err }));
    },
  });
  scouting.start(
    o.config.scoutIntervalSec * 1000,
    (err) => o.log.error("scouting cycle failed", { err }),
  );
  // Scheduled re-certification of the swarm: a failed re-test suspends an agent.
  const retest = o.config.retestEverySec > 0
    ? setInterval(() => {
      talent.retestAll().catch((err) => o.log.error("swarm re-test failed", { err }));
    }, o.config.retestEverySec * 1000)
    : undefined;
  if (retest !== undefined) Deno.unrefTimer(retest);
  // Scheduled validation calls to named experts: "swarm" names every active agent.
  const named = o.config.validate.split(",").map((x) => x.trim()).filter(Boolean);
  const validation = o.calls && new ValidationCalls({
    ports: o.calls.ports,
    targets: () => [
      ...new Set(
        named.flatMap((n) =>
          n === "swarm"
            ? swarm.list().filter((a) => a.status === "active").map((a) => a.guardianId)
            : [n.startsWith("if://") ? n : `if://guardian/${n}`]
        ),
      ),
    ],
    witness: o.witness,
    alert: o.calls.alert,
    registry: o.calls.registry,
  });
  validation?.start(
    o.config.validateEverySec * 1000,
    (err) => o.log.error("validation calls failed", { err }),
  );
  return {
    talent,
    scouting,
    validation,
    sources: () => sources,
    async close() {
      unwatch?.();
      await validation?.stop();
      clearInterval(retest);
      await scouting.stop();
      await talent.close();
      await Deno.remove(scratch, { recursive: true }).catch(() => {});
    },
  };
}
