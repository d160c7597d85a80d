// Connection accounting (telemetry/connections.ts), the fd budget's cap sizing
// (lifecycle/fd_budget.ts) and the shared accept loop (lifecycle/accept.ts).

import assert from "node:assert/strict";
import { ConnectionBook, ConnectionGate, FdPool, fdPressure } from "../../telemetry/connections.ts";
import { openFdCount, settleFdLimit, sizeCaps } from "../../lifecycle/fd_budget.ts";
import { acceptLoop, errorCode } from "../../lifecycle/accept.ts";
import { createLogger } from "../../telemetry/mod.ts";
import client from "prom-client";

Deno.test("a gate admits up to its caps, in total and per source, and releases once", () => {
  const gate = new ConnectionGate("t", { maxTotal: 3, maxPerSource: 2 });
  const a1 = gate.admit("10.0.0.1");
  const a2 = gate.admit("10.0.0.1");
  assert.ok(a1.ok && a2.ok);
  assert.deepEqual(gate.admit("10.0.0.1"), { ok: false, reason: "per_source" });
  const b1 = gate.admit("10.0.0.2");
  assert.ok(b1.ok);
  assert.deepEqual(gate.admit("10.0.0.3"), { ok: false, reason: "cap" });
  assert.equal(gate.open, 3);
  a1.release();
  a1.release(); // a second release changes nothing
  assert.equal(gate.open, 2);
  assert.equal(gate.openFrom("10.0.0.1"), 1);
  assert.ok(gate.admit("10.0.0.1").ok);
  assert.equal(gate.refused.per_source, 1);
  assert.equal(gate.refused.cap, 1);
});

Deno.test("connections Council opens count in the total only", () => {
  const gate = new ConnectionGate("t", { maxTotal: 2, maxPerSource: 1 });
  assert.ok(gate.admit(undefined).ok);
  assert.ok(gate.admit(undefined).ok);
  assert.deepEqual(gate.admit("10.0.0.1"), { ok: false, reason: "cap" });
});

Deno.test("the fd pool is shared by the gates, and pressure refuses before it is full", () => {
  let pressed = false;
  const pool = new FdPool(7, () => pressed);
  const book = new ConnectionBook(pool);
  const http = book.gate("http", { maxTotal: 10, maxPerSource: 10, fdsPerConnection: 3 });
  const sip = book.gate("sip", { maxTotal: 10, maxPerSource: 10 });
  const h1 = http.admit("a");
  const h2 = http.admit("b");
  assert.ok(h1.ok && h2.ok);
  assert.equal(pool.held, 6);
  assert.deepEqual(http.admit("c"), { ok: false, reason: "fd_budget" });
  const s1 = sip.admit("c");
  assert.ok(s1.ok);
  assert.deepEqual(sip.admit("d"), { ok: false, reason: "fd_budget" });
  h1.release();
  assert.equal(pool.held, 4);
  pressed = true;
  assert.deepEqual(sip.admit("d"), { ok: false, reason: "fd_budget" });
  assert.equal(sip.refused.fd_budget, 2);
});

Deno.test("fd pressure ends with the peak: a count at the edge is taken again after 50 ms, not a second", () => {
  let t = 0;
  const counts = [250, 100];
  let taken = 0;
  const count = () => counts[Math.min(taken++, counts.length - 1)];
  const pressed = fdPressure(240, count, 10, () => t);
  assert.equal(pressed(), false, "the count at start is below the edge");
  assert.equal(taken, 0, "below the edge, not counted again within a second");
  t = 1_000;
  assert.equal(pressed(), true, "a peak at the edge refuses");
  t = 1_040;
  assert.equal(pressed(), true, "a count 40 ms old stands");
  assert.equal(taken, 1);
  t = 1_060;
  assert.equal(pressed(), false, "after 50 ms the peak has passed: admitted again");
  assert.equal(taken, 2);
  t = 1_500;
  assert.equal(pressed(), false);
  assert.equal(taken, 2, "below the edge, counted at most once a second");
});

Deno.test("/metrics shows open connections, refusals by reason and accept errors", async () => {
  const registry = new client.Registry();
  const book = new ConnectionBook(new FdPool(100));
  book.register(registry);
  const gate = book.gate("sip-tcp", { maxTotal: 1, maxPerSource: 1 });
  assert.ok(gate.admit("a").ok);
  gate.admit("b");
  gate.closedFor("idle_timeout");
  gate.acceptFailed("EMFILE");
  const text = await registry.metrics();
  assert.match(text, /council_connections_open\{listener="sip-tcp"\} 1/);
  assert.match(text, /council_connections_refused_total\{listener="sip-tcp",reason="cap"\} 1/);
  assert.match(
    text,
    /council_connections_refused_total\{listener="sip-tcp",reason="idle_timeout"\} 1/,
  );
  assert.match(text, /council_accept_errors_total\{listener="sip-tcp",code="EMFILE"\} 1/);
  assert.match(text, /council_fd_pool\{state="held"\} 1/);
  // Counters read from the gate's tallies do not double on a second scrape.
  assert.match(await registry.metrics(), /reason="cap"\} 1\n/);
});

Deno.test("caps that need more descriptors than the budget are scaled to fit it", () => {
  const limit = { soft: 1024, hard: 1024, before: 1024 };
  const demands = [
    { name: "http", maxTotal: 512, maxPerSource: 64, fds: 3 },
    { name: "sip-tcp", maxTotal: 1024, maxPerSource: 64, fds: 1 },
  ];
  const b = sizeCaps(limit, 100, 124, demands);
  assert.equal(b.pool, 800);
  assert.equal(b.scaled, true);
  const http = b.caps.get("http")!;
  const sip = b.caps.get("sip-tcp")!;
  assert.ok(http.maxTotal * 3 + sip.maxTotal <= b.pool, JSON.stringify([...b.caps]));
  assert.ok(http.maxPerSource <= http.maxTotal);
  // A roomy budget keeps the configured caps.
  const roomy = sizeCaps({ soft: 65536, hard: 65536, before: 1024 }, 100, 128, demands);
  assert.equal(roomy.scaled, false);
  assert.deepEqual(roomy.caps.get("http"), { maxTotal: 512, maxPerSource: 64, fds: 3 });
  // No budget at all still leaves each listener one connection, never zero.
  const none = sizeCaps({ soft: 64, hard: 64, before: 64 }, 60, 128, demands);
  assert.equal(none.pool, 0);
  assert.equal(none.caps.get("http")!.maxTotal, 1);
});

Deno.test("the fd limit is read (and raised to the hard limit where allowed)", () => {
  const limit = settleFdLimit();
  assert.ok(limit.soft >= 1 && limit.soft <= limit.hard, JSON.stringify(limit));
  assert.ok(limit.soft >= limit.before);
  const open = openFdCount();
  assert.ok(open === undefined || open > 0);
});

Deno.test("the accept loop counts EMFILE, backs off and goes on, turns Nagle off; it ends quietly on close", async () => {
  const gate = new ConnectionGate("t", { maxTotal: 1, maxPerSource: 1 });
  const emfile = Object.assign(new Error("Too many open files (os error 24)"), {
    code: "EMFILE",
  });
  const closedConns: string[] = [];
  const noDelay: string[] = [];
  const fakeConn = (host: string) =>
    ({
      remoteAddr: { transport: "tcp", hostname: host, port: 1 },
      close: () => closedConns.push(host),
      write: () => Promise.resolve(0),
      setNoDelay: (on: boolean) => on && noDelay.push(host),
    }) as unknown as Deno.TcpConn;
  const script: Array<() => Deno.TcpConn> = [
    () => {
      throw emfile;
    },
    () => {
      throw emfile;
    },
    () => fakeConn("10.0.0.1"),
    () => fakeConn("10.0.0.2"), // over the cap of 1: closed at once
    () => {
      throw new Deno.errors.BadResource("listener closed");
    },
  ];
  const listener = {
    accept: () => {
      const step = script.shift()!;
      return new Promise<Deno.TcpConn>((resolve, reject) => {
        try {
          resolve(step());
        } catch (err) {
          reject(err);
        }
      });
    },
  } as unknown as Deno.TcpListener;
  const taken: string[] = [];
  await acceptLoop(listener, {
    gate,
    log: createLogger({ level: "error" }),
    closing: () => false,
    onConnection: (_conn, _admission, peer) => taken.push(peer.hostname),
  });
  assert.deepEqual(taken, ["10.0.0.1"]);
  assert.deepEqual(closedConns, ["10.0.0.2"]);
  // An admitted connection has Nagle's algorithm off (small signalling writes go at once).
  assert.deepEqual(noDelay, ["10.0.0.1"]);
  assert.equal(gate.acceptErrors.get("EMFILE"), 2);
  assert.equal(gate.refused.cap, 1);
  assert.equal(errorCode(emfile), "EMFILE");
  assert.equal(errorCode(new Deno.errors.ConnectionReset("x")), "ConnectionReset");
});
