// RFC 4475 section 3 messages through the parser: the valid ones parse (and survive
// a serialize/parse round trip), the invalid ones are refused with the status the RFC
// expects; invalid responses are refused too and are never answered.

import assert from "node:assert/strict";
import {
  callIdOf,
  cseqOf,
  fromOf,
  parseDatagram,
  serialize,
  SipParseError,
  toOf,
  viaOf,
} from "../../../signaling/sip/mod.ts";

const dir = new URL("../../fixtures/sip/rfc4475/", import.meta.url);
const load = (name: string) => Deno.readFileSync(new URL(`${name}.dat`, dir));

function refusal(bytes: Uint8Array): SipParseError {
  try {
    parseDatagram(bytes);
  } catch (err) {
    if (err instanceof SipParseError) return err;
    throw err;
  }
  throw new Error("parsed, but should have been refused");
}

// Parse-level verdicts. Application-level answers (416, 420, 415, 406, 401, 501...)
// for messages that parse are checked against a running stack in the SIP tests.
const VALID = [
  "wsinv",
  "intmeth",
  "esc01",
  "escnull",
  "esc02",
  "lwsdisp",
  "longreq",
  "dblreq",
  "semiuri",
  "transports",
  "mpart01",
  "unreason",
  "noreason",
  "badbranch",
  "unkscm",
  "novelsc",
  "unksm2",
  "bext01",
  "invut",
  "regaut01",
  "bcast",
  "zeromf",
  "cparam01",
  "cparam02",
  "regescrt",
  "sdp01",
  "inv2543",
  "baddate",
];
const INVALID_REQUESTS: Record<string, number> = {
  badinv01: 400,
  clerr: 400,
  ncl: 400,
  scalar02: 400,
  quotbal: 400,
  ltgtruri: 400,
  lwsruri: 400,
  lwsstart: 400,
  trws: 400,
  escruri: 400,
  regbadct: 400,
  badaspec: 400,
  baddn: 400,
  badvers: 505,
  mismatch01: 400,
  mismatch02: 400,
  multi01: 400,
  mcl01: 400,
  insuf: 400,
};
const INVALID_RESPONSES = ["scalarlg", "bigcode"];

Deno.test("every RFC 4475 message is classified by this test", () => {
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".dat"));
  const known = new Set([...VALID, ...Object.keys(INVALID_REQUESTS), ...INVALID_RESPONSES]);
  assert.deepEqual(files.length, 49);
  for (const f of files) assert(known.has(f.replace(".dat", "")), `${f} not classified`);
});

for (const name of VALID) {
  Deno.test(`RFC 4475 valid: ${name} parses and round-trips`, () => {
    const m = parseDatagram(load(name));
    const again = parseDatagram(serialize(m));
    assert.deepEqual(again.kind, m.kind);
    assert.deepEqual(callIdOf(again), callIdOf(m));
    assert.deepEqual(cseqOf(again), cseqOf(m));
    assert.deepEqual(again.body, m.body);
    assert.deepEqual(viaOf(again).length, viaOf(m).length);
  });
}

for (const [name, status] of Object.entries(INVALID_REQUESTS)) {
  Deno.test(`RFC 4475 invalid: ${name} is refused with ${status}`, () => {
    const err = refusal(load(name));
    assert.deepEqual(err.status, status, err.message);
    assert(err.isRequest);
  });
}

for (const name of INVALID_RESPONSES) {
  Deno.test(`RFC 4475 invalid response: ${name} is refused, not answered`, () => {
    const err = refusal(load(name));
    assert.deepEqual(err.isRequest, false);
  });
}

Deno.test("wsinv: folding, compact forms, escapes and LWS read as the RFC says", () => {
  const m = parseDatagram(load("wsinv"));
  assert(m.kind === "request");
  assert.deepEqual(m.method, "INVITE");
  assert.deepEqual(toOf(m).params.get("tag"), "1918181833n");
  const from = fromOf(m);
  assert.deepEqual(from.displayName, 'J Rosenberg \\"');
  assert.deepEqual(from.params.get("tag"), "98asjd8");
  assert.deepEqual(cseqOf(m), { seq: 9, method: "INVITE" });
  assert.deepEqual(m.headers.get("max-forwards"), "0068");
  const vias = viaOf(m);
  assert.deepEqual(vias.map((v) => [v.transport, v.host]), [
    ["UDP", "192.0.2.2"],
    ["TCP", "spindle.example.com"],
    ["UDP", "192.168.255.111"],
  ]);
  assert.deepEqual(vias[2].params.get("branch"), "z9hG4bK30239");
  assert.deepEqual(m.headers.get("subject"), "");
  assert.deepEqual(
    m.headers.get("newfangledheader"),
    "newfangled value continued newfangled value",
  );
  assert.deepEqual(m.headers.get("unknownheaderwithunusualvalue"), ";;,,;;,;");
  assert.deepEqual(m.body.length, 150);
});

Deno.test("intmeth and esc02: unusual tokens are kept, % is not an escape there", () => {
  const m = parseDatagram(load("intmeth"));
  assert(m.kind === "request");
  assert.deepEqual(m.method, "!interesting-Method0123456789_*+`.%indeed'~");
  assert.deepEqual(toOf(m).displayName, "BEL:\x07 NUL:\x00 DEL:\x7f");
  assert.deepEqual(fromOf(m).params.get("fromparam''~+*_!.-%"), "работающий");
  const e = parseDatagram(load("esc02"));
  assert(e.kind === "request");
  assert.deepEqual(e.method, "RE%47IST%45R");
  assert.deepEqual(e.headers.all("contact").length, 2);
  assert.deepEqual(e.headers.get("c%6fntact"), "<sip:alias2@host2.example.com>");
});

Deno.test("dblreq: only the first message of a datagram is read", () => {
  const m = parseDatagram(load("dblreq"));
  assert(m.kind === "request");
  assert.deepEqual(m.method, "REGISTER");
  assert.deepEqual(m.body.length, 0);
});

Deno.test("inv2543: without Content-Length the datagram's rest is the body", () => {
  const m = parseDatagram(load("inv2543"));
  assert.deepEqual(new TextDecoder().decode(m.body).split("\r\n")[0], "v=0");
});
