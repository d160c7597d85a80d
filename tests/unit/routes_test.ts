import assert from "node:assert/strict";
import { Hono } from "hono";
import { onError } from "../../routes/errors.ts";
import { createLogger } from "../../telemetry/mod.ts";
import { testApp } from "../_helpers/app.ts";

async function setup(ready = true) {
  return await testApp({ kvReady: ready });
}

Deno.test("GET /healthz answers ok with the version", async () => {
  const { app, stop } = await setup();
  const res = await app.request("/healthz");
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.status, "ok");
  assert.equal(body.version, "9.9.9");
  await stop();
});

Deno.test("GET /readyz is 200 when every subsystem is ready, 503 otherwise and while draining", async () => {
  let { app, lifecycle, stop } = await setup(true);
  let res = await app.request("/readyz");
  assert.equal(res.status, 200);
  assert.deepEqual((await res.json()).subsystems, { kv: "ready" });
  await lifecycle.shutdown("test", 1000);
  res = await app.request("/readyz");
  assert.equal(res.status, 503);
  assert.equal((await res.json()).state, "stopped");
  await stop();

  ({ app, stop } = await setup(false));
  res = await app.request("/readyz");
  assert.equal(res.status, 503);
  assert.deepEqual((await res.json()).subsystems, { kv: "not ready" });
  await stop();
});

Deno.test("GET /metrics exposes process, build and per-route request counters", async () => {
  const { app, stop } = await setup();
  await app.request("/healthz");
  await app.request("/healthz");
  await app.request("/no/such/route/123");
  const res = await app.request("/metrics");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  assert.match(text, /^council_build_info\{version="9\.9\.9",deno="[0-9.]+"\} 1$/m);
  assert.match(text, /^process_resident_memory_bytes [1-9][0-9]*$/m);
  assert.match(text, /^process_cpu_seconds_total [0-9.e-]+$/m);
  assert.match(text, /^process_open_fds [1-9][0-9]*$/m);
  assert.match(
    text,
    /^council_http_requests_total\{method="GET",route="\/healthz",status="200"\} 2$/m,
  );
  // Unmatched paths share one label value, so scanners cannot blow up cardinality.
  assert.match(
    text,
    /^council_http_requests_total\{method="GET",route="unmatched",status="404"\} 1$/m,
  );
  assert.doesNotMatch(text, /no\/such\/route/);
  await stop();
});

Deno.test("unknown routes and thrown errors leave as {error:{code,message}}", async () => {
  const { app, stop } = await setup();
  const res = await app.request("/nope", { method: "POST" });
  assert.equal(res.status, 404);
  assert.deepEqual(await res.json(), {
    error: { code: "NOT_FOUND", message: "no route for POST /nope" },
  });

  const lines: string[] = [];
  const failing = new Hono()
    .get("/boom", () => {
      throw new Error("secret detail");
    })
    .onError(onError(createLogger({ level: "error", sink: (l) => lines.push(l) })));
  const boom = await failing.request("/boom");
  assert.equal(boom.status, 500);
  // The client learns nothing internal; the operator's log has the detail.
  assert.deepEqual(await boom.json(), {
    error: { code: "INTERNAL_ERROR", message: "internal error" },
  });
  assert.equal(JSON.parse(lines[0]).err.message, "secret detail");
  await stop();
});

Deno.test("an address guessing the operator token is refused after 20 wrong tokens, even with the right one", async () => {
  const { app, stop } = await setup();
  const { OPERATOR_TOKEN } = await import("../_helpers/app.ts");
  // What Deno.serve hands the app for a TCP peer (c.env); the address is the guesser's.
  const from = (hostname: string) => ({ remoteAddr: { hostname, port: 40000, transport: "tcp" } });
  const get = (token: string, hostname: string) =>
    app.request(
      "/api/v1/guardians",
      { headers: { authorization: `Bearer ${token}` } },
      from(hostname),
    );
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await get(`guess-${i}`, "192.0.2.66")).status);
    assert.deepEqual(statuses, [...Array(20).fill(401), ...Array(5).fill(429)]);
    const locked = await get(OPERATOR_TOKEN, "192.0.2.66");
    assert.equal(locked.status, 429);
    assert.ok(Number(locked.headers.get("retry-after")) >= 1);
    // Another address, and requests without a token (signing in), are not affected.
    assert.equal((await get(OPERATOR_TOKEN, "198.51.100.2")).status, 200);
    const none = await app.request("/api/v1/guardians", {}, from("192.0.2.67"));
    assert.equal(none.status, 401);
  } finally {
    await stop();
  }
});
