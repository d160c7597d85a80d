// Runs SIPp (Debian's sip-tester) against a Council on loopback: scenario files from
// tests/fixtures/sip/scenarios, an injection file when given, and the message trace
// kept so a failure shows what was exchanged.

const SCENARIOS = new URL("../fixtures/sip/scenarios/", import.meta.url).pathname;
const PCAPS = new URL("../fixtures/sip/pcap", import.meta.url).pathname;

export interface SippRun {
  code: number;
  stdout: string;
  /** Every message sent and received (-trace_msg). */
  messages: string;
  /** Counters from the final statistics (-trace_stat). */
  stats: Record<string, string>;
}

export interface SippOptions {
  /** A file in tests/fixtures/sip/scenarios, or "uac"/"uas" for SIPp's built-ins. */
  scenario: string;
  target?: string;
  calls?: number;
  rate?: number;
  /** Concurrent call limit. */
  limit?: number;
  /** Injection file lines (the first line, e.g. SEQUENTIAL, included). */
  inject?: string[];
  transport?: "u1" | "t1" | "tn" | "un";
  timeoutS?: number;
  extra?: string[];
  /** -au/-ap for [authentication]. */
  auth?: { user: string; password: string };
  mediaPort?: number;
  /** SIPp's own SIP port (a free one when absent). */
  port?: number;
}

/** A UDP port free right now (SIPp needs one on the command line). */
export function freeUdpPort(): number {
  const s = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (s.addr as Deno.NetAddr).port;
  s.close();
  return port;
}

/**
 * A base for SIPp's -mp: SIPp binds that port and the three above it (audio RTP and
 * RTCP, video RTP and RTCP), so all four must be free, not only the first.
 */
export function freeMediaPorts(): number {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = freeUdpPort();
    if (base > 65531) continue;
    const held: Deno.DatagramConn[] = [];
    try {
      for (let p = base; p < base + 4; p++) {
        held.push(Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: p }));
      }
      return base;
    } catch {
      continue; // one of them is taken: another base
    } finally {
      for (const h of held) h.close();
    }
  }
  throw new Error("no four consecutive free UDP ports for SIPp's media");
}

export async function runSipp(o: SippOptions): Promise<SippRun> {
  const dir = await Deno.makeTempDir({ prefix: "sipp-" });
  try {
    // Scenarios name RTP captures as pcap/<file> (play_pcap_audio is relative to cwd).
    await Deno.symlink(PCAPS, `${dir}/pcap`);
    const args = [
      ...(o.scenario === "uac" || o.scenario === "uas"
        ? ["-sn", o.scenario]
        : ["-sf", `${SCENARIOS}${o.scenario}`]),
      ...(o.target ? [o.target] : []),
      "-i",
      "127.0.0.1",
      "-p",
      String(o.port ?? freeUdpPort()),
      "-mi",
      "127.0.0.1",
      "-mp",
      String(o.mediaPort ?? freeMediaPorts()),
      "-m",
      String(o.calls ?? 1),
      "-r",
      String(o.rate ?? 10),
      "-l",
      String(o.limit ?? 1000),
      "-t",
      o.transport ?? "u1",
      "-nostdin",
      "-timeout",
      `${o.timeoutS ?? 30}s`,
      "-timeout_error",
      "-trace_msg",
      "-message_file",
      `${dir}/messages.log`,
      "-trace_stat",
      "-stf",
      `${dir}/stats.csv`,
      "-fd",
      "60",
      ...(o.auth ? ["-au", o.auth.user, "-ap", o.auth.password] : []),
      ...(o.extra ?? []),
    ];
    if (o.inject) {
      await Deno.writeTextFile(`${dir}/inject.csv`, o.inject.join("\n") + "\n");
      args.push("-inf", `${dir}/inject.csv`);
    }
    const out = await new Deno.Command("sipp", {
      args,
      cwd: dir,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = (p: string) => Deno.readTextFile(p).catch(() => "");
    const csv = (await text(`${dir}/stats.csv`)).trim().split("\n");
    const names = (csv[0] ?? "").split(";");
    const last = (csv[csv.length - 1] ?? "").split(";");
    const stats = Object.fromEntries(names.map((n, i) => [n, last[i] ?? ""]));
    return {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr),
      messages: await text(`${dir}/messages.log`),
      stats,
    };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** One phone of tokenCalls: the room it dials and its signed admission token. */
export interface TokenCall {
  readonly room: string;
  readonly token: string;
  /** Where SIPp says its RTP goes (production_call.xml's rtp-port); a free port if absent. */
  readonly rtpPort?: number;
}

/** SIP phones (SIPp's production_call.xml) that dial rooms with tokens and hold for holdMs. */
export function tokenCalls(
  target: string,
  calls: readonly TokenCall[],
  holdMs: number,
  more: Partial<SippOptions> = {},
): Promise<SippRun> {
  return runSipp({
    scenario: "production_call.xml",
    target,
    calls: calls.length,
    inject: [
      "SEQUENTIAL",
      ...calls.map((c) => `${c.room};${c.token};${c.rtpPort ?? freeUdpPort()}`),
    ],
    extra: ["-d", String(holdMs)],
    timeoutS: Math.ceil(holdMs / 1000) + 25,
    ...more,
  });
}
