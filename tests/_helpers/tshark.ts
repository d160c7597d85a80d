// Third-party validation of what Council's H.323 stack writes: payloads go into a
// pcap (text2pcap) and Wireshark's dissectors (tshark) decode them. tshark exits 0
// even for malformed packets, so the verdict comes from _ws.malformed and the
// expert info severity of each frame.

export interface Verdict {
  /** Wireshark's Info column, e.g. "RAS: gatekeeperConfirm". */
  info: string;
  malformed: boolean;
  /** Expert info messages at warning level or above. */
  problems: string[];
  /** The full decode (tshark -V) of this frame. */
  detail: string;
}

export type PayloadKind = "ras";

function hexdump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const row = [...bytes.subarray(off, off + 16)].map((b) => b.toString(16).padStart(2, "0"));
    lines.push(`${off.toString(16).padStart(6, "0")} ${row.join(" ")}`);
  }
  return lines.join("\n") + "\n";
}

async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** Decodes each payload with tshark; one verdict per payload, in order. */
export async function tsharkVerdicts(
  kind: PayloadKind,
  payloads: Uint8Array[],
): Promise<Verdict[]> {
  const dir = await Deno.makeTempDir({ prefix: "tshark-" });
  try {
    await Deno.writeTextFile(`${dir}/in.txt`, payloads.map(hexdump).join(""));
    const udp = kind === "ras" ? ["-u", "40000,1719"] : [];
    await run("text2pcap", [
      "-q",
      "-4",
      "127.0.0.10,127.0.0.11",
      ...udp,
      `${dir}/in.txt`,
      `${dir}/out.pcap`,
    ]);
    const decodeAs = ["-d", "udp.port==1719,h225"];
    const fields = await run("tshark", [
      "-r",
      `${dir}/out.pcap`,
      ...decodeAs,
      "-T",
      "fields",
      "-E",
      "separator=\t",
      "-E",
      "occurrence=a",
      "-E",
      "aggregator=|",
      "-e",
      "_ws.col.Info",
      "-e",
      "_ws.malformed",
      "-e",
      "_ws.expert.severity",
      "-e",
      "_ws.expert.message",
    ]);
    const detail = await run("tshark", ["-r", `${dir}/out.pcap`, ...decodeAs, "-V"]);
    const frames = detail.split(/^Frame \d+:/m).slice(1);
    return fields.trimEnd().split("\n").map((line, i) => {
      const [info = "", malformed = "", severity = "", message = ""] = line.split("\t");
      const severities = severity ? severity.split("|") : [];
      const messages = message ? message.split("|") : [];
      // Expert severities: 0x00200000 note and below are fine; warning 0x00600000, error 0x00800000.
      const problems = messages.filter((_, j) => Number(severities[j] ?? 0) >= 0x00600000);
      return { info: info.trim(), malformed: malformed !== "", problems, detail: frames[i] ?? "" };
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
