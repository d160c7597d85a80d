// A longer fuzz run of the H.323 decoders than the tests do: RAS, call signalling
// (Q.931 + H.225.0) and H.245 inputs mutated from the real captures.
//
//   deno task fuzz [count per decoder, default 200000] [seed]
//
// Every input must decode or fail with the decoder's own error (PerError,
// Q931Error) within a bounded time; what decodes must re-encode and decode to
// the same value. Prints one summary line per decoder; exits 1 on any finding.

import { CALL_CAPTURES, tpktMessages } from "../tests/_helpers/h323_capture.ts";
import { mutations } from "../tests/_helpers/mutate.ts";
import { rasFrames } from "../tests/_helpers/ras.ts";
import { assertReencodes } from "../tests/_helpers/per_roundtrip.ts";
import { PerError } from "../signaling/h323/asn1/per.ts";
import { decodeRas, encodeRas, type RasValue } from "../signaling/h323/h225/mod.ts";
import { type CsMessage, readCs } from "../signaling/h323/h225/signalling.ts";
import { decodeH245, encodeH245, type H245Message } from "../signaling/h323/h245/mod.ts";
import { Q931Error, serializeQ931 } from "../signaling/h323/q931/message.ts";

const count = Number(Deno.args[0] ?? 200_000);
const seed = Number(Deno.args[1] ?? 0x5eed);
/** An input slower than this is a finding (decoding is linear in the input). */
const SLOW_MS = 50;

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

const ras: Uint8Array[] = [];
const cs: Uint8Array[] = [];
const h245: Uint8Array[] = [];
for (const f of CALL_CAPTURES) {
  ras.push(...(await rasFrames(f)).values());
  for (const m of await tpktMessages(f)) {
    if (m.payload[0] !== 0x08) h245.push(m.payload);
    else {
      cs.push(m.payload);
      try {
        h245.push(...((readCs(m.payload).pdu?.h245Control as Uint8Array[]) ?? []));
      } catch { /* the one malformed capture message */ }
    }
  }
}

interface Target {
  name: string;
  seeds: Uint8Array[];
  /** Decodes (the decoder's own error is a refusal) and returns what must round-trip. */
  decode(input: Uint8Array): unknown;
  /** Re-encodes a decoded value: any error here is a finding. */
  reencode(input: Uint8Array, value: unknown): void;
  expected(err: unknown): boolean;
}

const targets: Target[] = [
  {
    name: "ras",
    seeds: ras,
    decode: decodeRas,
    reencode: (i, v) => assertReencodes(i, v as RasValue, decodeRas, encodeRas),
    expected: (e) => e instanceof PerError,
  },
  {
    name: "call-signalling",
    seeds: cs,
    decode: readCs,
    reencode: (i, v) => {
      const m = v as CsMessage;
      assertReencodes(i, m, readCs, (x) => serializeQ931(x.q931));
    },
    expected: (e) => e instanceof Q931Error,
  },
  {
    name: "h245",
    seeds: h245,
    decode: decodeH245,
    reencode: (i, v) => assertReencodes(i, v as H245Message, decodeH245, encodeH245),
    expected: (e) => e instanceof PerError,
  },
];

let findings = 0;
for (const t of targets) {
  let decoded = 0, refused = 0, slowest = 0;
  const started = performance.now();
  for (const input of mutations(t.seeds, count, seed)) {
    const t0 = performance.now();
    let value: unknown;
    try {
      value = t.decode(input);
    } catch (err) {
      if (!t.expected(err)) {
        findings++;
        console.error(`${t.name}: ${(err as Error).stack ?? err}\n  input ${hex(input)}`);
      } else refused++;
    }
    if (value !== undefined) {
      decoded++;
      // What decodes re-encodes: no error of any kind, the same value, the same bytes.
      try {
        t.reencode(input, value);
      } catch (err) {
        findings++;
        console.error(`${t.name}: ${(err as Error).message}`);
      }
    }
    const ms = performance.now() - t0;
    slowest = Math.max(slowest, ms);
    if (ms > SLOW_MS) {
      findings++;
      console.error(`${t.name}: ${ms.toFixed(1)} ms for ${input.length} octets: ${hex(input)}`);
    }
  }
  const s = (performance.now() - started) / 1000;
  console.log(JSON.stringify({
    decoder: t.name,
    inputs: count,
    decoded,
    refused,
    perSecond: Math.round(count / s),
    slowestMs: Math.round(slowest * 100) / 100,
    heapMB: Math.round(Deno.memoryUsage().heapUsed / 1e6),
  }));
}
Deno.exit(findings ? 1 : 0);
