// Decodes datagrams we produced with Wireshark's dissectors: the payloads are written
// as a text hex dump, wrapped in UDP by text2pcap, and read back with tshark. tshark
// exits 0 even for malformed packets, so callers check `_ws.malformed` and the expert
// severities.

import assert from "node:assert/strict";
import { frameTpkt } from "../../signaling/h323/q931/tpkt.ts";

const PORT = 40000;

function hexDump(payload: Uint8Array): string {
  const lines: string[] = [];
  for (let at = 0; at < payload.length; at += 16) {
    const bytes = Array.from(payload.subarray(at, at + 16), (b) => b.toString(16).padStart(2, "0"));
    lines.push(`${at.toString(16).padStart(6, "0")} ${bytes.join(" ")}`);
  }
  return lines.join("\n") + "\n";
}

async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (out.code !== 0) throw new Error(`${cmd}: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}

/**
 * Runs `read(pcap, decodeAs)` on a pcap of the payloads as UDP to PORT, or with
 * protocol "tpkt" as TCP segments to 1720 (H.225.0 call signalling in TPKT, which
 * Wireshark dissects there without being told).
 */
async function withPcap<T>(
  payloads: Uint8Array[],
  protocol: string,
  read: (pcap: string, decodeAs: string[]) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "council-tshark-" });
  try {
    await Deno.writeTextFile(`${dir}/in.txt`, payloads.map(hexDump).join("\n"));
    const tcp = protocol === "tpkt";
    const transport = tcp ? ["-T", `${PORT},1720`] : ["-u", `${PORT},${PORT}`];
    await run("text2pcap", ["-q", ...transport, `${dir}/in.txt`, `${dir}/out.pcap`]);
    return await read(`${dir}/out.pcap`, tcp ? [] : ["-d", `udp.port==${PORT},${protocol}`]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function fields(pcap: string, decodeAs: string[], names: string[]) {
  const out = await run("tshark", [
    "-r",
    pcap,
    ...decodeAs,
    "-T",
    "fields",
    "-E",
    "separator=|",
    "-E",
    "occurrence=a",
    "-E",
    "aggregator=,",
    ...names.flatMap((f) => ["-e", f]),
  ]);
  return out.trimEnd().split("\n").map((line) => {
    const values = line.split("|");
    return Object.fromEntries(names.map((f, i) => [f, values[i] ?? ""]));
  });
}

const VERDICT_FIELDS = ["_ws.malformed", "_ws.expert.severity"];

/**
 * One row per datagram, with the requested fields (multi-valued ones joined by ","),
 * plus `_ws.malformed` and `_ws.expert.severity` so callers can refuse a malformed decode.
 */
export function tsharkUdp(
  payloads: Uint8Array[],
  protocol: string,
  names: string[],
): Promise<Record<string, string>[]> {
  return withPcap(
    payloads,
    protocol,
    (pcap, decodeAs) => fields(pcap, decodeAs, [...names, ...VERDICT_FIELDS]),
  );
}

export interface Verdict {
  /** Wireshark's Info column, e.g. "RAS: gatekeeperConfirm". */
  info: string;
  malformed: boolean;
  /** Expert infos at warning level or above (severity >= 0x00600000). */
  problems: string[];
  /** The full decode (tshark -V) of this frame, for failure messages. */
  detail: string;
}

/**
 * Wireshark's verdict on each payload: protocol "h225" for RAS, "h245" for a bare
 * H.245 message, "tpkt" for TPKT-framed call signalling (or H.245) on TCP.
 */
export function tsharkVerdicts(protocol: string, payloads: Uint8Array[]): Promise<Verdict[]> {
  return withPcap(payloads, protocol, async (pcap, decodeAs) => {
    const rows = await fields(pcap, decodeAs, [
      "_ws.col.Info",
      "_ws.expert.message",
      ...VERDICT_FIELDS,
    ]);
    const frames = (await run("tshark", ["-r", pcap, ...decodeAs, "-V"]))
      .split(/^Frame \d+:/m).slice(1);
    return rows.map((row, i) => {
      const severities = row["_ws.expert.severity"] ? row["_ws.expert.severity"].split(",") : [];
      const messages = row["_ws.expert.message"] ? row["_ws.expert.message"].split(",") : [];
      return {
        info: row["_ws.col.Info"].trim(),
        malformed: row["_ws.malformed"] !== "",
        problems: messages.filter((_, j) => Number(severities[j] ?? 0) >= 0x00600000),
        detail: frames[i] ?? "",
      };
    });
  });
}

/**
 * Wireshark decodes every call signalling message a test terminal received from
 * Council (TPKT on 1720): H.225.0 CS, no malformed packet, no expert warning.
 */
export async function assertCsDecodes(client: { received: { raw: Uint8Array }[] }): Promise<void> {
  const verdicts = await tsharkVerdicts("tpkt", client.received.map((r) => frameTpkt(r.raw)));
  assert.equal(verdicts.length, client.received.length);
  for (const v of verdicts) {
    assert.ok(v.info.startsWith("CS: "), v.detail);
    assert.equal(v.malformed, false, v.detail);
    assert.deepEqual(v.problems, [], v.detail);
  }
}
