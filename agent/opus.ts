// say() and play() for an agent that joined with Opus: 16 kHz PCM is encoded to 20 ms
// Opus packets by Debian's ffmpeg (libopus, VoIP mode), read back from the Ogg stream
// it writes (RFC 7845: the first two packets are the OpusHead and OpusTags headers,
// every later packet is one frame). The SDK imports nothing of the server, so the few
// lines of Ogg page reading are its own.

import { SAMPLE_RATE } from "./protocol.ts";

export interface OpusEncodeOptions {
  /** The ffmpeg binary (default "ffmpeg", found on PATH). */
  command?: string;
  /** Bits per second (default 32000: wideband speech). */
  bitrate?: number;
}

/** Turns 16 kHz mono PCM into Opus packets of 20 ms each. */
export type OpusEncoder = (pcm: Int16Array) => Promise<Uint8Array[]>;

/** At most this much PCM is encoded at once (10 minutes). */
const MAX_SAMPLES = 600 * SAMPLE_RATE;

export async function encodeOpus(
  pcm: Int16Array,
  o: OpusEncodeOptions = {},
): Promise<Uint8Array[]> {
  if (pcm.length === 0) return [];
  if (pcm.length > MAX_SAMPLES) throw new Error("encodeOpus(): more than 10 minutes of audio");
  const command = o.command ?? "ffmpeg";
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(command, {
      args: [
        ...["-hide_banner", "-loglevel", "error", "-nostdin"],
        ...["-f", "s16le", "-ar", String(SAMPLE_RATE), "-ac", "1", "-i", "pipe:0"],
        ...["-c:a", "libopus", "-application", "voip", "-frame_duration", "20"],
        ...["-b:a", String(o.bitrate ?? 32000), "-f", "ogg", "pipe:1"],
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (err) {
    throw new Error(
      `Opus: cannot run ${command} (${
        (err as Error).message
      }); install Debian's ffmpeg or give opus.command`,
    );
  }
  const bytes = new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  // Little-endian on the wire, as s16le says (every platform Deno runs on is).
  const writing = (async () => {
    const w = child.stdin.getWriter();
    await w.write(bytes);
    await w.close();
  })();
  const [out] = await Promise.all([child.output(), writing]);
  if (out.code !== 0) {
    throw new Error(
      `Opus: ${command} exited ${out.code}: ${new TextDecoder().decode(out.stderr).trim()}`,
    );
  }
  const packets = oggPackets(out.stdout);
  if (packets.length < 2 || !startsWith(packets[0], "OpusHead")) {
    throw new Error("Opus: the encoder's output is not an Ogg Opus stream");
  }
  return packets.slice(2);
}

function startsWith(b: Uint8Array, text: string): boolean {
  return b.length >= text.length && [...text].every((c, i) => b[i] === c.charCodeAt(0));
}

/** The packets of an Ogg stream, in order (one logical stream; RFC 3533 pages). */
export function oggPackets(data: Uint8Array): Uint8Array[] {
  const packets: Uint8Array[] = [];
  let partial: Uint8Array[] = [];
  let at = 0;
  while (at + 27 <= data.length) {
    if (!startsWith(data.subarray(at), "OggS")) throw new Error(`Ogg: no page at byte ${at}`);
    const segments = data[at + 26];
    const table = data.subarray(at + 27, at + 27 + segments);
    if (table.length < segments) throw new Error("Ogg: a page's segment table is cut");
    let body = at + 27 + segments;
    for (const lacing of table) {
      if (body + lacing > data.length) throw new Error("Ogg: a page's body is cut");
      partial.push(data.subarray(body, body + lacing));
      body += lacing;
      // A lacing value under 255 ends a packet; 255 continues it (on this page or the next).
      if (lacing < 255) {
        const size = partial.reduce((n, p) => n + p.length, 0);
        const packet = new Uint8Array(size);
        let o = 0;
        for (const p of partial) packet.set(p, (o += p.length) - p.length);
        packets.push(packet);
        partial = [];
      }
    }
    at = body;
  }
  return packets;
}
