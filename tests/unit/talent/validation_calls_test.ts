import assert from "node:assert/strict";
import { type CallPorts, ValidationCalls, type ValidationResult } from "../../../talent/mod.ts";
import { createMetrics } from "../../../telemetry/mod.ts";
import type { WitnessLog } from "../../../witness/mod.ts";

function fakes(behaviour: Record<string, { mos?: number; unreachable?: string }>) {
  const rooms = new Set<string>();
  const log: string[] = [];
  const ports: CallPorts = {
    openRoom: (room) => Promise.resolve(void rooms.add(room)),
    closeRoom: (room) => Promise.resolve(void rooms.delete(room)),
    callIn: (room, guardianId) => {
      const b = behaviour[guardianId];
      if (b?.unreachable) return Promise.reject(new Error(b.unreachable));
      log.push(`in ${guardianId} ${room.replace(/-[0-9a-f]{8}$/, "")}`);
      return Promise.resolve({ legId: `leg-${guardianId}`, protocol: "sip" });
    },
    mos: (_room, legId) => Promise.resolve(behaviour[legId.slice(4)]?.mos),
    hangUp: (_room, legId) => Promise.resolve(void log.push(`out ${legId}`)),
  };
  const witnessed: [string, unknown][] = [];
  const witness = {
    append: (type: string, payload: unknown) => {
      witnessed.push([type, payload]);
      return Promise.resolve({ index: witnessed.length - 1 });
    },
  } as unknown as WitnessLog;
  return { ports, rooms, log, witnessed, witness };
}

Deno.test("validation calls record reach, set-up and MOS, witness each, alert below policy", async () => {
  const f = fakes({
    "if://guardian/good": { mos: 4.2 },
    "if://guardian/poor": { mos: 2.9 },
    "if://guardian/gone": { unreachable: "no registration" },
  });
  const alerts: ValidationResult[] = [];
  const metrics = createMetrics({ version: "test" });
  const calls = new ValidationCalls({
    ports: f.ports,
    targets: () => ["if://guardian/good", "if://guardian/poor", "if://guardian/gone"],
    witness: f.witness,
    alert: (r) => alerts.push(r),
    registry: metrics.registry,
    policy: { minMos: 3.5, maxSetupMs: 5000, listenMs: 10 },
  });
  try {
    const out = await calls.cycle();
    assert.deepEqual(out.map((r) => [r.guardianId, r.reachable, r.mos, r.problems]), [
      ["if://guardian/good", true, 4.2, []],
      ["if://guardian/poor", true, 2.9, ["MOS 2.9 below 3.5"]],
      ["if://guardian/gone", false, undefined, ["unreachable: no registration"]],
    ]);
    assert.ok(out[0].setupMs! >= 0);
    assert.deepEqual(alerts.map((a) => a.guardianId), ["if://guardian/poor", "if://guardian/gone"]);
    assert.deepEqual(f.witnessed.map(([t]) => t), Array(3).fill("talent.validation"));
    assert.equal(f.rooms.size, 0, "every scratch room closed");
    assert.deepEqual(f.log, [
      "in if://guardian/good validate",
      "out leg-if://guardian/good",
      "in if://guardian/poor validate",
      "out leg-if://guardian/poor",
    ]);
    const text = await metrics.registry.metrics();
    assert.match(text, /council_validation_mos\{guardian="if:\/\/guardian\/poor"\} 2\.9/);
    assert.match(text, /council_validation_reachable\{guardian="if:\/\/guardian\/gone"\} 0/);
  } finally {
    await calls.stop();
    metrics.stop();
  }
});
