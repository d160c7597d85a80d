// Reads the H.323 call signalling and H.245 messages of a capture: every TCP
// segment's payload (tshark), reassembled per connection direction with
// Council's TPKT reader.

import { TpktReader } from "../../signaling/h323/q931/tpkt.ts";

const FIXTURES = new URL("../fixtures/h323/", import.meta.url).pathname;

/** The captures with H.323 call signalling (and H.245) in tests/fixtures/h323. */
export const CALL_CAPTURES = [
  "ooh323c-call.pcapng",
  "h323plus-fast-ooh323c.pcapng",
  "h323plus-calls-ooh323c.pcapng",
  "h323plus-ooh323c.pcapng",
  "ndpi-h323.pcap",
  "gnugk-ras-call.pcapng",
];

export interface TcpMessage {
  frame: number;
  stream: number;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
}

export async function tpktMessages(file: string): Promise<TcpMessage[]> {
  const out = await new Deno.Command("tshark", {
    args: [
      "-r",
      `${FIXTURES}${file}`,
      "-Y",
      "tcp.len > 0",
      "-T",
      "fields",
      "-e",
      "frame.number",
      "-e",
      "tcp.stream",
      "-e",
      "tcp.srcport",
      "-e",
      "tcp.dstport",
      "-e",
      "tcp.payload",
    ],
    stdout: "piped",
    stderr: "null",
  }).output();
  const readers = new Map<string, TpktReader>();
  const messages: TcpMessage[] = [];
  for (const line of new TextDecoder().decode(out.stdout).trim().split("\n")) {
    const [frame, stream, src, dst, hex] = line.split("\t");
    if (!hex) continue;
    const key = `${stream}:${src}`;
    let r = readers.get(key);
    if (!r) readers.set(key, r = new TpktReader());
    const bytes = Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
    let payloads: Uint8Array[];
    try {
      payloads = r.push(bytes);
    } catch {
      readers.set(key, new TpktReader()); // not TPKT (RTP over TCP, say): skip it
      continue;
    }
    for (const payload of payloads) {
      messages.push({
        frame: Number(frame),
        stream: Number(stream),
        srcPort: Number(src),
        dstPort: Number(dst),
        payload,
      });
    }
  }
  return messages;
}
