// Decodes datagrams we produced with Wireshark's dissectors: the payloads are written
// as a text hex dump, wrapped in UDP by text2pcap, and read back with tshark fields.

const PORT = 40000;

function hexDump(payload: Uint8Array): string {
  const lines: string[] = [];
  for (let at = 0; at < payload.length; at += 16) {
    const bytes = Array.from(payload.subarray(at, at + 16), (b) => b.toString(16).padStart(2, "0"));
    lines.push(`${at.toString(16).padStart(6, "0")} ${bytes.join(" ")}`);
  }
  return lines.join("\n") + "\n";
}

/**
 * One row per datagram, with the requested fields (multi-valued ones joined by ","),
 * plus `_ws.malformed` and `_ws.expert.severity` so callers can refuse a malformed decode.
 */
export async function tsharkUdp(
  payloads: Uint8Array[],
  protocol: string,
  fields: string[],
): Promise<Record<string, string>[]> {
  const dir = await Deno.makeTempDir({ prefix: "council-tshark-" });
  try {
    await Deno.writeTextFile(`${dir}/in.txt`, payloads.map(hexDump).join("\n"));
    const wrap = await new Deno.Command("text2pcap", {
      args: ["-q", "-u", `${PORT},${PORT}`, `${dir}/in.txt`, `${dir}/out.pcap`],
      stderr: "piped",
    }).output();
    if (wrap.code !== 0) throw new Error(new TextDecoder().decode(wrap.stderr));
    const all = [...fields, "_ws.malformed", "_ws.expert.severity"];
    const out = await new Deno.Command("tshark", {
      args: [
        "-r",
        `${dir}/out.pcap`,
        "-d",
        `udp.port==${PORT},${protocol}`,
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
        ...all.flatMap((f) => ["-e", f]),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (out.code !== 0) throw new Error(new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stdout).trimEnd().split("\n").map((line) => {
      const values = line.split("|");
      return Object.fromEntries(all.map((f, i) => [f, values[i] ?? ""]));
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
