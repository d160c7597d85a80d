// docs/API.md against the product (issue 25 item 9). Its "Every endpoint" tables
// must name every route the server registers (read from routes/*.ts) and nothing
// else; a running server must answer every listed endpoint with the listed status
// and exactly the listed fields; its error table must hold every status and code the
// routes return (read from their source) and those the server is made to answer here.

import assert from "node:assert/strict";
import { type CouncilProcess, startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR, type TestGuardian } from "../_helpers/council_api.ts";
import { registerOnce } from "../_helpers/sip_digest_client.ts";
import { H323_PASSWORD, RasClient, registerTerminal } from "../_helpers/ras.ts";
import { freeUdpPort, runSipp } from "../_helpers/sipp.ts";
import { until } from "../_helpers/wait.ts";
import { joinWs, type WsMember } from "../_helpers/ws_member.ts";
import { keepLegsAlive } from "../_helpers/legs_alive.ts";
import { type Codec, signBallot } from "../../guard/mod.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const DOC = Deno.readTextFileSync(`${ROOT}docs/API.md`);

// ---- what the doc says ------------------------------------------------------

/** The text of a `## title` section, up to the next `## `. */
function section(title: string): string {
  const start = DOC.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `docs/API.md has no section "## ${title}"`);
  const end = DOC.indexOf("\n## ", start + 1);
  return DOC.slice(start, end < 0 ? undefined : end);
}

function tableRows(text: string): string[][] {
  return text.split("\n").filter((l) => /^\|/.test(l) && !/^\|\s*-/.test(l)).map((l) =>
    l.slice(1, -1).split(" | ").map((c) => c.trim())
  );
}

/** status -> codes, from "## Errors". */
function errorTable(): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  for (const [status, codes] of tableRows(section("Errors"))) {
    if (!/^\d{3}$/.test(status)) continue;
    out.set(Number(status), new Set([...codes.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1])));
  }
  return out;
}

interface Row {
  key: string; // "GET /api/v1/rooms/:room"
  method: string;
  path: string;
  auth: "public" | "operator" | "signed";
  statuses: number[];
  answer: string;
  also: number[];
}

const numbers = (cell: string) => [...cell.matchAll(/\d{3}/g)].map((m) => Number(m[0]));

/** The rows of "## Every endpoint". */
function endpointRows(): Row[] {
  const rows: Row[] = [];
  for (const [endpoint, auth, status, answer, also] of tableRows(section("Every endpoint"))) {
    const m = /^`(GET|POST|PUT|PATCH|DELETE) (\S+)`$/.exec(endpoint);
    if (!m) continue;
    assert.ok(["public", "operator", "signed"].includes(auth), `${endpoint}: auth '${auth}'`);
    rows.push({
      key: `${m[1]} ${m[2]}`,
      method: m[1],
      path: m[2],
      auth: auth as Row["auth"],
      statuses: numbers(status),
      answer,
      also: numbers(also ?? ""),
    });
  }
  return rows;
}

// ---- what the code says -----------------------------------------------------

/** "METHOD /full/path" for every route routes/mod.ts mounts. */
function registeredRoutes(): Set<string> {
  const mod = Deno.readTextFileSync(`${ROOT}routes/mod.ts`);
  const prefixes = new Map<string, string>();
  for (const m of mod.matchAll(/\.route\(\s*"([^"]*)",\s*(?:[\w.]+\s*\?\s*)?(\w+)\(/g)) {
    prefixes.set(m[2], m[1]);
  }
  const out = new Set<string>();
  for (const entry of Deno.readDirSync(`${ROOT}routes`)) {
    if (!entry.name.endsWith(".ts")) continue;
    const text = Deno.readTextFileSync(`${ROOT}routes/${entry.name}`);
    const parts = text.split(/export function (\w+)\(/);
    for (let i = 1; i < parts.length; i += 2) {
      const prefix = prefixes.get(parts[i]);
      if (prefix === undefined) continue;
      for (const r of parts[i + 1].matchAll(/\.(get|post|put|patch|delete)\(\s*"([^"]*)"/g)) {
        const path = `${prefix}/${r[2]}`.replace(/\/+/g, "/").replace(/(.)\/$/, "$1");
        out.add(`${r[1].toUpperCase()} ${path}`);
      }
    }
  }
  return out;
}

/**
 * [status, code] pairs the routes can answer, read from their source: BadRequest
 * with a code and status (a `status` variable: the numbers it is set from), apiError
 * calls, the status maps (reason -> status, status -> code) and conditional codes.
 */
function sourceErrors(): Array<[number, string, string]> {
  const out: Array<[number, string, string]> = [];
  for (const entry of Deno.readDirSync(`${ROOT}routes`)) {
    if (!entry.name.endsWith(".ts")) continue;
    const file = `routes/${entry.name}`;
    const text = Deno.readTextFileSync(`${ROOT}${file}`);
    const add = (status: number | string, code: string) => out.push([Number(status), code, file]);
    for (const m of text.matchAll(/new BadRequest\(([^;]*?)\)(?:;|\s*$|\n)/gm)) {
      const args = m[1];
      const coded = /"([A-Z_]+)",\s*(\d{3}|status)\s*$/.exec(args);
      if (!coded) {
        if (!/,\s*(code|err\.code),/.test(args)) add(400, "BAD_REQUEST");
        continue;
      }
      if (coded[2] !== "status") add(coded[2], coded[1]);
      else {
        const before = text.slice(Math.max(0, m.index! - 400), m.index);
        const set = /const status = ([^;]+);/.exec(before.split("\n").slice(-4).join("\n"));
        assert.ok(set, `${file}: where is status set before ${m[0].slice(0, 60)}?`);
        for (const n of numbers(set[1])) add(n, coded[1]);
      }
    }
    for (const m of text.matchAll(/apiError\(\s*c,\s*(\d{3}),\s*"([A-Z_]+)"/g)) add(m[1], m[2]);
    // Maps from codes to statuses: { REPLAYED: 409, ... } typed as status codes.
    for (const block of text.matchAll(/ContentfulStatusCode> = \{([^}]*)\}/g)) {
      for (const m of block[1].matchAll(/([A-Z_]+): (\d{3})/g)) add(m[2], m[1]);
    }
    // ... and from statuses to codes: { 403: "FORBIDDEN", ... }, `status === 429 ? "X"`.
    for (const m of text.matchAll(/(\d{3}): "([A-Z_]+)"/g)) add(m[1], m[2]);
    for (const m of text.matchAll(/status === (\d{3})\s*\?\s*"([A-Z_]+)"/g)) add(m[1], m[2]);
    // Responses written by hand (listen.ts's refusals before the app sees a request).
    for (const m of text.matchAll(/code: "([A-Z_]+)"[\s\S]{0,200}?HTTP\/1\.1 (\d{3})/g)) {
      add(m[2], m[1]);
    }
  }
  return out;
}

// ---- answers ----------------------------------------------------------------

type Shape = { fields: Map<string, { optional: boolean; value?: Value }>; open: boolean };
type Value = { kind: "object"; shape: Shape } | { kind: "list"; item: Value };

/** Parses the doc's `{a, b?, c: {d}, e: [{f}], ...}`. */
function parseShape(text: string): Shape {
  let i = 0;
  const skip = () => {
    while (text[i] === " ") i++;
  };
  const expect = (c: string) => {
    skip();
    assert.equal(text[i], c, `'${text}' at ${i}: expected ${c}`);
    i++;
  };
  const value = (): Value => {
    skip();
    if (text[i] === "[") {
      i++;
      const item = value();
      expect("]");
      return { kind: "list", item };
    }
    return { kind: "object", shape: object() };
  };
  const object = (): Shape => {
    expect("{");
    const shape: Shape = { fields: new Map(), open: false };
    skip();
    while (text[i] !== "}") {
      skip();
      if (text.startsWith("...", i)) {
        shape.open = true;
        i += 3;
      } else {
        const name = /^[A-Za-z0-9_-]+/.exec(text.slice(i))?.[0];
        assert.ok(name, `'${text}' at ${i}: expected a field name`);
        i += name.length;
        const optional = text[i] === "?";
        if (optional) i++;
        skip();
        let v: Value | undefined;
        if (text[i] === ":") {
          i++;
          v = value();
        }
        shape.fields.set(name, { optional, value: v });
      }
      skip();
      if (text[i] === ",") i++;
      skip();
    }
    i++;
    return shape;
  };
  const shape = object();
  assert.equal(i, text.length, `'${text}': trailing text`);
  return shape;
}

/** Where `data` departs from `v`, as "path: what"; empty when it fits. */
function misfits(v: Value, data: unknown, at: string): string[] {
  if (v.kind === "list") {
    if (!Array.isArray(data)) return [`${at}: expected a list, got ${JSON.stringify(data)}`];
    return data.flatMap((d, i) => misfits(v.item, d, `${at}[${i}]`));
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return [`${at}: expected an object, got ${JSON.stringify(data)}`];
  }
  const out: string[] = [];
  const record = data as Record<string, unknown>;
  for (const [name, f] of v.shape.fields) {
    if (!(name in record)) {
      if (!f.optional) out.push(`${at}.${name}: missing`);
    } else if (f.value) out.push(...misfits(f.value, record[name], `${at}.${name}`));
  }
  if (!v.shape.open) {
    for (const name of Object.keys(record)) {
      if (!v.shape.fields.has(name)) out.push(`${at}.${name}: not in the doc`);
    }
  }
  return out;
}

// ---- the running server -----------------------------------------------------

interface Probe {
  /** The row ("METHOD /path") this request exercises. */
  row: string;
  path: string | (() => string);
  body?: unknown | (() => unknown | Promise<unknown>);
  /** A documented status other than the row's answer (with its error code, when JSON). */
  expect?: [number, string?];
  /** Sent without the operator token even on an operator endpoint. */
  anonymous?: boolean;
  /** Sees the parsed answer (to keep ids for later probes). */
  then?: (data: Record<string, unknown>) => void;
}

/** The request `p` makes against the row, as a fetch Response (101 for a WebSocket). */
async function send(council: CouncilProcess, row: Row, p: Probe): Promise<Response> {
  const path = typeof p.path === "function" ? p.path() : p.path;
  if (row.answer.startsWith("WebSocket") && p.expect === undefined) {
    const ws = new WebSocket(`${council.url.replace("http", "ws")}${path}`);
    const opened = await new Promise<boolean>((resolve) => {
      ws.onopen = () => resolve(true);
      ws.onerror = () => resolve(false);
    });
    const closed = new Promise((r) => (ws.onclose = r));
    ws.close();
    await closed;
    return new Response(null, { status: opened ? 101 : 599 });
  }
  const body = typeof p.body === "function" ? await (p.body as () => unknown)() : p.body;
  return await fetch(`${council.url}${path}`, {
    method: row.method,
    redirect: "manual",
    headers: {
      ...(row.auth === "operator" && !p.anonymous ? { authorization: `Bearer ${OPERATOR}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/**
 * What is wrong with a successful answer, given the row's answer column; hands a
 * JSON answer to `then`.
 */
async function answerProblems(
  row: Row,
  res: Response,
  then?: (data: Record<string, unknown>) => void,
): Promise<string[]> {
  const type = res.headers.get("content-type") ?? "";
  const a = row.answer;
  const shape = /^`(\{.*\})`$/.exec(a)?.[1];
  if (shape) {
    if (!type.startsWith("application/json")) return [`content-type ${type}`];
    const data = await res.json();
    then?.(data);
    return misfits({ kind: "object", shape: parseShape(shape) }, data, "answer");
  }
  await res.body?.cancel();
  const redirect = /^redirect to `(\S+)`$/.exec(a);
  if (redirect) {
    return res.headers.get("location") === redirect[1]
      ? []
      : [`location ${res.headers.get("location")}`];
  }
  const want = a === "none"
    ? null
    : a.startsWith("text:")
    ? "text/plain"
    : a.startsWith("HTML")
    ? "text/html"
    : a.startsWith("event stream")
    ? "text/event-stream"
    : a.startsWith("WAV")
    ? "audio/wav"
    : a.startsWith("SDP")
    ? "application/sdp"
    : a.startsWith("WebSocket")
    ? ""
    : undefined;
  if (want === undefined) return [`the test does not know the answer '${a}'`];
  if (want === null) return type ? [`a body (${type}) where the doc says none`] : [];
  return type.startsWith(want) ? [] : [`content-type ${type}, the doc says ${want}`];
}

/** A UDP "phone" that answers every INVITE 486 Busy Here. */
function busyPhone(): { port: number; close(): void } {
  const sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  (async () => {
    try {
      for (;;) {
        const [bytes, from] = await sock.receive();
        const text = new TextDecoder().decode(bytes);
        if (!text.startsWith("INVITE ")) continue;
        const h = (n: string) => new RegExp(`^${n}:[^\\r]*`, "im").exec(text)?.[0] ?? "";
        const reply = [
          "SIP/2.0 486 Busy Here",
          h("Via"),
          h("From"),
          `${h("To")};tag=busy1`,
          h("Call-ID"),
          h("CSeq"),
          "Content-Length: 0",
          "",
          "",
        ].join("\r\n");
        await sock.send(new TextEncoder().encode(reply), from);
      }
    } catch { /* closed */ }
  })();
  return { port: (sock.addr as Deno.NetAddr).port, close: () => sock.close() };
}

/** The raw status line's code for a request with 70 KiB of headers. */
async function hugeHeaders(council: CouncilProcess): Promise<number> {
  const { hostname, port } = new URL(council.url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  try {
    const head = `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(70 * 1024)}\r\n\r\n`;
    await conn.write(new TextEncoder().encode(head)).catch(() => {});
    const buf = new Uint8Array(64);
    const n = await conn.read(buf);
    return Number(
      /^HTTP\/1\.1 (\d{3})/.exec(new TextDecoder().decode(buf.subarray(0, n ?? 0)))?.[1],
    );
  } finally {
    conn.close();
  }
}

// ---- the tests ----------------------------------------------------------------

Deno.test("docs/API.md lists every route the server registers, and only those", () => {
  const documented = endpointRows().map((r) => r.key);
  const duplicates = documented.filter((k, i) => documented.indexOf(k) !== i);
  assert.deepEqual(duplicates, [], "listed twice");
  const registered = registeredRoutes();
  assert.ok(registered.size > 60, `only ${registered.size} routes read from routes/*.ts`);
  assert.deepEqual(
    [...registered].filter((k) => !documented.includes(k)).sort(),
    [],
    "routes missing from docs/API.md's 'Every endpoint'",
  );
  assert.deepEqual(
    documented.filter((k) => !registered.has(k)).sort(),
    [],
    "documented endpoints no route registers",
  );
});

Deno.test("docs/API.md's error table holds every status and code the routes return", () => {
  const table = errorTable();
  const pairs = sourceErrors();
  assert.ok(pairs.length > 40, `only ${pairs.length} refusals read from routes/*.ts`);
  const missing = [
    ...new Set(
      pairs.filter(([status, code]) => !table.get(status)?.has(code)).map(([s, c, f]) =>
        `${s} ${c} (${f})`
      ),
    ),
  ];
  assert.deepEqual(missing, [], "in the routes, not in docs/API.md's error table");
  for (const row of endpointRows()) {
    for (const status of row.also) {
      assert.ok(table.has(status), `${row.key}: ${status} is not in the error table`);
    }
  }
});

Deno.test({
  name: "every endpoint in docs/API.md answers a running server as documented",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const rows = new Map(endpointRows().map((r) => [r.key, r]));
    const table = errorTable();
    const council = await startCouncilProcess({
      COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
      COUNCIL_MEDIA_WORKERS: "2",
      // The members answer no heartbeat: keep their sockets for the whole test.
      COUNCIL_WEBRTC_HEARTBEAT_MS: "60000",
    });
    const members: WsMember[] = [];
    const ras = new RasClient(council.rasPort, { password: H323_PASSWORD });
    const terminal = Deno.listen({ hostname: "127.0.0.1", port: 0, transport: "tcp" });
    const busy = busyPhone();
    // Members and the SIPp call, without media, stay however long the probes take.
    const alive = keepLegsAlive(council.url, OPERATOR);
    let uas: ReturnType<typeof runSipp> | undefined;
    try {
      // The state the probes read: members in "main" (two browsers; a SIP phone Council
      // calls below), a guardian with a SIP registration and one with an H.323 one, a
      // room of one seat.
      const [alice, bob, erin] = await Promise.all(
        ["alice", "bob", "erin"].map((n) => addGuardian(council.url, n)),
      );
      const dave = await addGuardian(council.url, "dave", { sipPassword: "daves-sip-password" });
      await addGuardian(council.url, "hugo", { h323Password: H323_PASSWORD });
      const frank = await addGuardian(council.url, "frank");
      members.push(await joinWs(council, alice, "main"));
      const frankMember = await joinWs(council, frank, "main");
      members.push(frankMember);
      assert.equal(await registerOnce(council.sipPort, "dave", "daves-sip-password"), 200);
      await registerTerminal(ras, (terminal.addr as Deno.NetAddr).port, [{ "h323-ID": "hugo" }]);
      assert.equal(
        (await api(council.url, "POST", "/api/v1/rooms", { name: "tiny", capacity: 1 }))
          .status,
        201,
      );
      const sipPort = freeUdpPort();
      uas = runSipp({ scenario: "uas", port: sipPort, calls: 1, timeoutS: 600 });
      await until("SIPp listens", () => {
        try {
          Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: sipPort }).close();
          return false;
        } catch {
          return true;
        }
      }, 60_000);

      const ctx: Record<string, string> = {
        memberId: (frankMember.joined.data as { memberId: string }).memberId,
      };
      const id = (g: TestGuardian | string) =>
        encodeURIComponent(typeof g === "string" ? `if://guardian/${g}` : g.id);
      const admission = (g: TestGuardian, over: Record<string, unknown> = {}) =>
        g.request("main", { codecs: ["PCMU"] as Codec[], bandwidthKbps: 64, ...over });
      const replayed = await admission(alice);

      type Path = string | (() => string);
      /** The row answered as documented: its own path unless given. */
      const ok = (row: string, path?: Path, more: Partial<Probe> = {}): Probe => ({
        row,
        path: path ?? row.split(" ")[1],
        ...more,
      });
      /** A documented refusal: the status, its code. */
      const no = (row: string, path: Path, status: number, code: string, body?: Probe["body"]) =>
        ({ row, path, body, expect: [status, code] }) as Probe;
      const keep = (name: string) => (d: Record<string, unknown>) => (ctx[name] = d.id as string);
      const carol = {
        id: "if://guardian/carol",
        displayName: "Carol",
        role: "tester",
        publicKey: "A".repeat(43) + "=",
        bandwidthKbps: 2048,
      };
      const ballot = (g: TestGuardian) => async () => ({
        ballot: await signBallot(
          { voteId: ctx.vote, room: "main", guardianId: g.id, choice: "yes" },
          g.secret,
        ),
      });
      const escalation = {
        source: "if://agent/docs",
        hazards: ["x"],
        severity: "low",
        summary: "s",
      };
      const feed = {
        room: "main",
        name: "program",
        direction: "out",
        target: `127.0.0.1:${busy.port}`,
      };
      const tinyRequest = (g: TestGuardian) => () =>
        g.request("tiny", { codecs: ["PCMU"] as Codec[], bandwidthKbps: 64 });
      const W = "/api/v1/witness";
      const vote = () => `/api/v1/rooms/main/votes/${ctx.vote}`;
      const recording = () => `/api/v1/recordings/${ctx.recording}`;

      const probes: Probe[] = [
        // Health, metrics, pages.
        ok("GET /healthz"),
        ok("GET /readyz"),
        ok("GET /metrics"),
        ok("GET /"),
        ok("GET /web"),
        ok("GET /web/*", "/web/index.html"),
        no("GET /web/*", "/web/nothing.html", 404, "NOT_FOUND"),
        ok("GET /dashboard"),
        ok("GET /ws"),
        no("GET /ws", "/ws", 426, "UPGRADE_REQUIRED"),
        // IF.witness.
        ok("GET /api/v1/witness/key"),
        ok("GET /api/v1/witness/head"),
        ok("POST /api/v1/witness/head"),
        ok("GET /api/v1/witness/heads"),
        no("GET /api/v1/witness/heads", `${W}/heads?limit=0`, 400, "BAD_REQUEST"),
        ok("GET /api/v1/witness/entries", `${W}/entries?start=0&end=50`),
        ok("GET /api/v1/witness/entries/:index", `${W}/entries/0`, {
          then: (d) => (ctx.entry = d.entry as string),
        }),
        no("GET /api/v1/witness/entries/:index", `${W}/entries/999999`, 404, "NOT_FOUND"),
        ok("GET /api/v1/witness/tiles/:level/:index", `${W}/tiles/0/0`),
        ok("GET /api/v1/witness/proof/inclusion", `${W}/proof/inclusion?index=0`),
        ok("POST /api/v1/witness/proof/inclusion", undefined, {
          body: () => ({ entry: ctx.entry }),
        }),
        ok("GET /api/v1/witness/proof/consistency", `${W}/proof/consistency?first=1`),
        // IF.guard.
        ok("POST /api/v1/admission", undefined, {
          body: replayed,
          then: (d) => (ctx.sessionId = d.sessionId as string),
        }),
        no("POST /api/v1/admission", "/api/v1/admission", 409, "REPLAYED", replayed),
        no("POST /api/v1/admission", "/api/v1/admission", 401, "INVALID_SIGNATURE", async () => ({
          ...(await admission(alice)),
          signature: (await admission(bob)).signature,
        })),
        no("POST /api/v1/admission", "/api/v1/admission", 403, "NOT_REGISTERED", async () => ({
          ...(await admission(alice)),
          guardianId: "if://guardian/nobody",
        })),
        no(
          "POST /api/v1/admission",
          "/api/v1/admission",
          422,
          "BANDWIDTH_EXCEEDED",
          () => admission(erin, { bandwidthKbps: 90_000 }),
        ),
        ok("POST /api/v1/admission", undefined, { body: tinyRequest(erin) }),
        no(
          "POST /api/v1/admission",
          "/api/v1/admission",
          503,
          "CAPACITY_EXCEEDED",
          tinyRequest(bob),
        ),
        ok("GET /api/v1/admission/sessions"),
        ok(
          "DELETE /api/v1/admission/sessions/:id",
          () => `/api/v1/admission/sessions/${ctx.sessionId}`,
        ),
        no(
          "DELETE /api/v1/admission/sessions/:id",
          () => `/api/v1/admission/sessions/${ctx.sessionId}`,
          404,
          "NOT_FOUND",
        ),
        ok("GET /api/v1/guardians"),
        ok("POST /api/v1/guardians", undefined, { body: carol }),
        no("POST /api/v1/guardians", "/api/v1/guardians", 409, "CONFLICT", carol),
        ok("GET /api/v1/guardians/:id", `/api/v1/guardians/${id("carol")}`),
        ok("PATCH /api/v1/guardians/:id", `/api/v1/guardians/${id("carol")}`, {
          body: { displayName: "Carol D" },
        }),
        ok("DELETE /api/v1/guardians/:id", `/api/v1/guardians/${id("carol")}`),
        no("GET /api/v1/guardians/:id", `/api/v1/guardians/${id("carol")}`, 404, "NOT_FOUND"),
        // SIP, H.323, the gateway.
        ok("GET /api/v1/sip/credentials"),
        ok("PUT /api/v1/sip/credentials/:name", "/api/v1/sip/credentials/erin", {
          body: { password: "erins-sip-password" },
        }),
        ok("DELETE /api/v1/sip/credentials/:name", "/api/v1/sip/credentials/erin"),
        no(
          "DELETE /api/v1/sip/credentials/:name",
          "/api/v1/sip/credentials/erin",
          404,
          "NOT_FOUND",
        ),
        ok("GET /api/v1/sip/registrations"),
        ok("POST /api/v1/sip/calls", undefined, {
          body: { room: "main", guardianId: dave.id, target: `sip:dave@127.0.0.1:${sipPort}` },
          then: (d) => (ctx.sipLeg = d.legId as string),
        }),
        no("POST /api/v1/sip/calls", "/api/v1/sip/calls", 404, "CALL_FAILED", {
          room: "main",
          guardianId: erin.id,
        }),
        no("POST /api/v1/sip/calls", "/api/v1/sip/calls", 400, "CALL_FAILED", {
          room: "main",
          guardianId: erin.id,
          target: "sip:erin@example.com",
        }),
        no("POST /api/v1/sip/calls", "/api/v1/sip/calls", 502, "CALL_FAILED", {
          room: "main",
          guardianId: erin.id,
          target: `sip:erin@127.0.0.1:${busy.port}`,
        }),
        ok("GET /api/v1/sip/calls"),
        ok("GET /api/v1/h323/registrations"),
        ok("GET /api/v1/h323/passwords"),
        ok("PUT /api/v1/h323/passwords/:id", `/api/v1/h323/passwords/${id(erin)}`, {
          body: { password: "erins-h323-password" },
        }),
        ok("DELETE /api/v1/h323/passwords/:id", `/api/v1/h323/passwords/${id(erin)}`),
        ok("GET /api/v1/h323/calls"),
        no("POST /api/v1/h323/calls", "/api/v1/h323/calls", 404, "CALL_FAILED", {
          room: "main",
          guardianId: erin.id,
        }),
        no("DELETE /api/v1/h323/calls/:legId", "/api/v1/h323/calls/no-such-leg", 404, "NOT_FOUND"),
        ok("GET /api/v1/h323/upstream"),
        ok("GET /api/v1/gateway/calls"),
        // Rooms, evidence, votes, escalations, events.
        ok("GET /api/v1/rooms"),
        ok("POST /api/v1/rooms", undefined, {
          body: { name: "docs-room", pin: "4321", number: "4100" },
        }),
        no("POST /api/v1/rooms", "/api/v1/rooms", 409, "CONFLICT", { name: "docs-room" }),
        ok("GET /api/v1/rooms/:room", "/api/v1/rooms/main"),
        ok("GET /api/v1/rooms/:room", "/api/v1/rooms/docs-room"),
        no("GET /api/v1/rooms/:room", "/api/v1/rooms/nowhere", 404, "NOT_FOUND"),
        ok("PUT /api/v1/rooms/:room/pin", "/api/v1/rooms/docs-room/pin", { body: { pin: "5678" } }),
        no("PUT /api/v1/rooms/:room/pin", "/api/v1/rooms/docs-room/pin", 413, "PAYLOAD_TOO_LARGE", {
          pin: "1".repeat(2000),
        }),
        ok("DELETE /api/v1/rooms/:room/pin", "/api/v1/rooms/docs-room/pin"),
        ok("DELETE /api/v1/rooms/:room", "/api/v1/rooms/docs-room"),
        no("POST /api/v1/rooms/:room/members", "/api/v1/rooms/main/members", 404, "NOT_REACHABLE", {
          guardianId: erin.id,
        }),
        ok(
          "POST /api/v1/rooms/:room/members/:memberId/mute",
          () => `/api/v1/rooms/main/members/${ctx.memberId}/mute`,
          { body: { muted: true } },
        ),
        ok("GET /api/v1/rooms/:room/events", "/api/v1/rooms/main/events?after=0"),
        ok("POST /api/v1/rooms/:room/evidence", "/api/v1/rooms/main/evidence", {
          body: { kind: "citation", title: "RFC 3550", body: "", url: "https://example.com/3550" },
          then: keep("evidence"),
        }),
        ok("GET /api/v1/rooms/:room/evidence", "/api/v1/rooms/main/evidence"),
        ok(
          "GET /api/v1/rooms/:room/evidence/:id",
          () => `/api/v1/rooms/main/evidence/${ctx.evidence}`,
        ),
        ok("POST /api/v1/rooms/:room/votes", "/api/v1/rooms/main/votes", {
          body: { question: "Adopt?", options: ["yes", "no"], deadlineSec: 600 },
          then: keep("vote"),
        }),
        ok("POST /api/v1/rooms/:room/votes/:voteId/ballots", () => `${vote()}/ballots`, {
          body: ballot(alice),
        }),
        no(
          "POST /api/v1/rooms/:room/votes/:voteId/ballots",
          () => `${vote()}/ballots`,
          403,
          "NOT_A_MEMBER",
          ballot(bob),
        ),
        ok("GET /api/v1/rooms/:room/votes", "/api/v1/rooms/main/votes"),
        ok("GET /api/v1/rooms/:room/votes/:voteId", vote),
        ok("POST /api/v1/rooms/:room/votes/:voteId/close", () => `${vote()}/close`),
        ok("GET /api/v1/rooms/:room/votes/:voteId", vote),
        ok("POST /api/v1/escalations", undefined, {
          body: { ...escalation, pii: false },
          then: keep("escalation"),
        }),
        no("POST /api/v1/escalations", "/api/v1/escalations", 403, "PII_POLICY_VIOLATION", {
          ...escalation,
          pii: true,
        }),
        ok("GET /api/v1/escalations"),
        ok("GET /api/v1/escalations/:id", () => `/api/v1/escalations/${ctx.escalation}`),
        ok("GET /api/v1/events", "/api/v1/events?after=0"),
        // Media, WebRTC, recordings, feeds, cost.
        ok("GET /api/v1/media", undefined, {
          then: (d) => {
            const ws = d.workers as { index: number; rooms: string[] }[];
            ctx.idle = String(ws.find((w) => !w.rooms.includes("main"))?.index ?? 1);
          },
        }),
        ok("GET /api/v1/media/legs"),
        ok("GET /api/v1/webrtc/capabilities"),
        ok("GET /api/v1/webrtc"),
        ok("GET /api/v1/recordings/key"),
        ok("POST /api/v1/recordings", undefined, {
          body: { room: "main" },
          then: keep("recording"),
        }),
        no("POST /api/v1/recordings", "/api/v1/recordings", 409, "CONFLICT", { room: "main" }),
        no("GET /api/v1/recordings/:id/file", () => `${recording()}/file`, 409, "CONFLICT"),
        ok("GET /api/v1/recordings"),
        ok("GET /api/v1/recordings/:id", recording),
        ok("POST /api/v1/recordings/:id/stop", () => `${recording()}/stop`),
        ok("GET /api/v1/recordings/:id/file", () => `${recording()}/file`),
        ok("GET /api/v1/provenance/health"),
        ok("POST /api/v1/provenance/audit"),
        no(
          "GET /api/v1/recordings/:id",
          "/api/v1/recordings/rec-0000000000000000",
          404,
          "NOT_FOUND",
        ),
        ok("POST /api/v1/feeds", undefined, { body: feed, then: keep("feed") }),
        no("POST /api/v1/feeds", "/api/v1/feeds", 409, "CONFLICT", feed),
        ok("GET /api/v1/feeds"),
        ok("GET /api/v1/feeds/:id", () => `/api/v1/feeds/${ctx.feed}`),
        ok("GET /api/v1/feeds/:id/sdp", () => `/api/v1/feeds/${ctx.feed}/sdp`),
        ok("DELETE /api/v1/feeds/:id", () => `/api/v1/feeds/${ctx.feed}`),
        no("GET /api/v1/feeds/:id", () => `/api/v1/feeds/${ctx.feed}`, 404, "NOT_FOUND"),
        ok("GET /api/v1/cost"),
        ok("PUT /api/v1/cost/budgets/:id", "/api/v1/cost/budgets/docs", { body: { limit: 5 } }),
        ok("PUT /api/v1/cost/budgets/:id", "/api/v1/cost/budgets/docs", { body: { limit: 6 } }),
        ok("GET /api/v1/cost/budgets"),
        ok("DELETE /api/v1/cost/budgets/:id", "/api/v1/cost/budgets/docs"),
        no("DELETE /api/v1/cost/budgets/:id", "/api/v1/cost/budgets/docs", 404, "NOT_FOUND"),
        // Talent: lying packages, which the sandbox refuses before anything runs.
        ok("GET /api/v1/talent/sources"),
        ok("POST /api/v1/talent/sources/poll"),
        ok("POST /api/v1/talent/candidates", undefined, {
          body: { dir: `${ROOT}tests/fixtures/talent/liar-digest` },
          then: keep("candidate"),
        }),
        no("POST /api/v1/talent/candidates", "/api/v1/talent/candidates", 400, "BAD_REQUEST", {
          dir: "relative/path",
        }),
        ok("GET /api/v1/talent/candidates"),
        ok("GET /api/v1/talent/candidates/:id", () => `/api/v1/talent/candidates/${ctx.candidate}`),
        no("GET /api/v1/talent/candidates/:id", "/api/v1/talent/candidates/c-0", 404, "NOT_FOUND"),
        ok(
          "POST /api/v1/talent/candidates/:id/run",
          () => `/api/v1/talent/candidates/${ctx.candidate}/run`,
        ),
        ok(
          "POST /api/v1/talent/candidates/:id/certify",
          () => `/api/v1/talent/candidates/${ctx.candidate}/certify`,
          {
            // The run answered 202; the certificate needs it finished.
            body: async () => {
              await until("the talent run", async () => {
                const c = await api(
                  council.url,
                  "GET",
                  `/api/v1/talent/candidates/${ctx.candidate}`,
                );
                return (c.body as { state?: string }).state === "tested";
              });
              return undefined;
            },
          },
        ),
        no(
          "POST /api/v1/talent/candidates/:id/approve",
          () => `/api/v1/talent/candidates/${ctx.candidate}/approve`,
          409,
          "CONFLICT",
        ),
        ok("POST /api/v1/talent/candidates", undefined, {
          body: { dir: `${ROOT}tests/fixtures/talent/liar-entry` },
          then: keep("candidate2"),
        }),
        ok(
          "POST /api/v1/talent/candidates/:id/reject",
          () => `/api/v1/talent/candidates/${ctx.candidate2}/reject`,
          { body: { reason: "docs probe" } },
        ),
        ok("GET /api/v1/talent/swarm"),
        no(
          "POST /api/v1/talent/swarm/:name/invite",
          "/api/v1/talent/swarm/nobody/invite",
          404,
          "NOT_FOUND",
          { room: "main" },
        ),
        no(
          "POST /api/v1/talent/swarm/:name/suspend",
          "/api/v1/talent/swarm/nobody/suspend",
          404,
          "NOT_FOUND",
          { reason: "docs probe" },
        ),
        ok("POST /api/v1/talent/validate"),
        ok("GET /api/v1/talent/policy"),
        // Last: they end what earlier probes read.
        ok(
          "DELETE /api/v1/rooms/:room/members/:memberId",
          () => `/api/v1/rooms/main/members/${ctx.memberId}`,
        ),
        ok("DELETE /api/v1/sip/calls/:legId", () => `/api/v1/sip/calls/${ctx.sipLeg}`),
        ok(
          "POST /api/v1/media/workers/:index/kill",
          () => `/api/v1/media/workers/${ctx.idle}/kill`,
        ),
        no(
          "POST /api/v1/media/workers/:index/kill",
          "/api/v1/media/workers/9/kill",
          404,
          "NOT_FOUND",
        ),
      ];

      // Only three rows are reached by a documented refusal alone: answering them
      // needs an H.323 terminal called out, or a guardian whose phone answers an invite.
      const refusalOnly = new Set([
        "POST /api/v1/h323/calls",
        "DELETE /api/v1/h323/calls/:legId",
        "POST /api/v1/rooms/:room/members",
        // Approving and seating need an agent through all 25 checks (a minute each):
        // tests/unit/talent/pipeline_test.ts and docs/talent.md's tests cover them.
        "POST /api/v1/talent/candidates/:id/approve",
        "POST /api/v1/talent/swarm/:name/invite",
        "POST /api/v1/talent/swarm/:name/suspend",
      ]);
      const problems: string[] = [];
      const seen = new Map<string, number>();
      for (const p of probes) {
        const row = rows.get(p.row);
        if (!row) {
          problems.push(`probe for ${p.row}: no such row in docs/API.md`);
          continue;
        }
        const res = await send(council, row, p);
        const what = `${p.row} (${typeof p.path === "function" ? p.path() : p.path})`;
        if (p.expect) {
          const [status, code] = p.expect;
          if (!row.also.includes(status)) problems.push(`${what}: ${status} is not in "also"`);
          if (res.status !== status) {
            problems.push(`${what}: ${res.status} ${await res.text()}, expected ${status}`);
            continue;
          }
          const body = await res.json();
          if (body?.error?.code !== code) problems.push(`${what}: code ${body?.error?.code}`);
          if (!table.get(status)?.has(code!)) {
            problems.push(`${what}: ${status} ${code} is not in the error table`);
          }
          continue;
        }
        seen.set(p.row, (seen.get(p.row) ?? 0) + 1);
        if (!row.statuses.includes(res.status)) {
          problems.push(`${what}: ${res.status} ${await res.text()}; the doc says ${row.statuses}`);
          continue;
        }
        problems.push(...(await answerProblems(row, res, p.then)).map((m) => `${what}: ${m}`));
      }
      assert.deepEqual(problems, [], "docs/API.md disagrees with the server");
      const unprobed = [...rows.keys()].filter((k) => !seen.has(k) && !refusalOnly.has(k));
      assert.deepEqual(unprobed, [], "rows no probe answered");

      // Every operator endpoint refuses a request without the token.
      const open: string[] = [];
      for (const row of rows.values()) {
        if (row.auth !== "operator") continue;
        const path = row.path.replace(/:[A-Za-z]+/g, "x").replace("*", "x");
        const res = await send(council, row, { row: row.key, path, anonymous: true });
        const body = await res.json().catch(() => undefined);
        open.push(
          ...(res.status === 401 && body?.error?.code === "UNAUTHORIZED"
            ? []
            : [`${row.key} without the token: ${res.status} ${JSON.stringify(body)}`]),
        );
      }
      await alive.stop();
      // Statuses any endpoint may answer: headers over 64 KiB; and 429 for an address
      // after 20 wrong operator tokens (last: it locks this address out).
      assert.equal(await hugeHeaders(council), 431);
      assert.ok(table.has(431));
      for (let i = 0; i < 20; i++) {
        const r = await fetch(`${council.url}/api/v1/guardians`, {
          headers: { authorization: "Bearer wrong" },
        });
        await r.body?.cancel();
      }
      const locked = await fetch(`${council.url}/api/v1/guardians`, {
        headers: { authorization: `Bearer ${OPERATOR}` },
      });
      assert.equal(locked.status, 429);
      assert.ok(table.get(429)?.has((await locked.json()).error.code));
      assert.deepEqual(open, [], "operator endpoints that answer without the token");
    } finally {
      await alive.stop();
      for (const m of members) await m.close();
      busy.close();
      terminal.close();
      ras.close();
      assert.equal(await council.stop(), 0);
      await uas?.catch(() => undefined);
    }
  },
});

Deno.test("docs/API.md and the README name every command `council --help` lists", async () => {
  const help = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}cli/main.ts`, "--help"],
    stdout: "piped",
    stderr: "null",
  }).output();
  const commands = [...new TextDecoder().decode(help.stdout).matchAll(/^ {2}([a-z0-9]+) {2,}\S/gm)]
    .map((m) => m[1]);
  assert.ok(commands.length >= 20, `only ${commands.length} commands in council --help`);
  const documented = tableRows(section("The `council` command")).map((r) =>
    /^`([a-z0-9]+)[ `]/.exec(r[0])?.[1]
  );
  assert.deepEqual(commands.filter((c) => !documented.includes(c)), [], "not in docs/API.md");
  assert.deepEqual(documented.filter((c) => c && !commands.includes(c)), [], "not commands");
  const readme = Deno.readTextFileSync(`${ROOT}README.md`);
  const list = /^`council` commands [\s\S]*?\n\n/m.exec(readme)?.[0] ?? "";
  assert.deepEqual(commands.filter((c) => !list.includes(`\`${c}\``)), [], "not in the README");
});
