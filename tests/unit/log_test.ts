import assert from "node:assert/strict";
import { createLogger } from "../../telemetry/mod.ts";

Deno.test("logger writes one JSON object per line, filtered by level", () => {
  const lines: string[] = [];
  const counted: string[] = [];
  const log = createLogger({
    level: "info",
    sink: (l) => lines.push(l),
    onLine: (lv) => counted.push(lv),
  });
  log.debug("hidden");
  log.info("shown", { port: 8080 });
  log.error("bad", { err: new Error("boom"), big: 10n });
  assert.equal(lines.length, 2);
  const first = JSON.parse(lines[0]);
  assert.equal(first.level, "info");
  assert.equal(first.msg, "shown");
  assert.equal(first.port, 8080);
  assert.ok(!Number.isNaN(Date.parse(first.ts)));
  const second = JSON.parse(lines[1]);
  assert.equal(second.err.message, "boom");
  assert.equal(second.big, "10");
  assert.deepEqual(counted, ["info", "error"]);
});

Deno.test("child loggers carry their bindings", () => {
  const lines: string[] = [];
  const log = createLogger({ level: "debug", sink: (l) => lines.push(l) }).child({
    subsystem: "sip",
  });
  log.child({ callId: "abc" }).debug("x");
  assert.deepEqual(
    (({ subsystem, callId, msg }) => ({ subsystem, callId, msg }))(JSON.parse(lines[0])),
    { subsystem: "sip", callId: "abc", msg: "x" },
  );
});
