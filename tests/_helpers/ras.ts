// A minimal RAS endpoint for tests and benchmarks: sends H.225.0 RAS datagrams to a
// gatekeeper on loopback and reads the answers; and the RAS payloads of the captures.

import { decodeRas, encodeRas, type RasValue } from "../../signaling/h323/mod.ts";

const FIXTURES = new URL("../fixtures/h323/", import.meta.url).pathname;

/** RAS payloads of a capture by frame number (tshark reads the pcapng). */
export async function rasFrames(file: string): Promise<Map<number, Uint8Array>> {
  const out = await new Deno.Command("tshark", {
    args: [
      "-r",
      `${FIXTURES}${file}`,
      "-Y",
      "udp.port==1719 && !icmp",
      "-T",
      "fields",
      "-e",
      "frame.number",
      "-e",
      "udp.payload",
    ],
    stdout: "piped",
    stderr: "null",
  }).output();
  const frames = new Map<number, Uint8Array>();
  for (const line of new TextDecoder().decode(out.stdout).trim().split("\n")) {
    const [no, hex] = line.split("\t");
    if (!hex) continue; // a capture without RAS
    frames.set(Number(no), Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16))));
  }
  return frames;
}

export class RasClient {
  readonly sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  readonly answers: Uint8Array[] = [];
  constructor(readonly port: number) {}

  async send(bytes: Uint8Array): Promise<void> {
    await this.sock.send(bytes, { transport: "udp", hostname: "127.0.0.1", port: this.port });
  }

  /** Sends and waits for the next answer (or undefined after timeoutMs). */
  async ask(message: RasValue | Uint8Array, timeoutMs = 3000): Promise<RasValue | undefined> {
    await this.send(message instanceof Uint8Array ? message : encodeRas(message));
    return await this.next(timeoutMs);
  }

  async next(timeoutMs = 3000): Promise<RasValue | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((
      r,
    ) => (timer = setTimeout(() => r(undefined), timeoutMs)));
    const got = await Promise.race([this.sock.receive().then(([d]) => d), timeout]);
    clearTimeout(timer);
    if (!got) return undefined;
    this.answers.push(got);
    return decodeRas(got);
  }

  close(): void {
    this.sock.close();
  }
}

/**
 * Registers a terminal listening for calls on `callSignalPort`: GnuGk's captured
 * RRQ (frame 3 of gnugk-ras-call.pcapng) with that address and, when given, other
 * aliases. Returns the RCF.
 */
export async function registerTerminal(
  ras: RasClient,
  callSignalPort: number,
  aliases?: Record<string, string>[],
): Promise<Record<string, unknown>> {
  const rrq = decodeRas((await rasFrames("gnugk-ras-call.pcapng")).get(3)!);
  delete rrq.registrationRequest.gatekeeperIdentifier;
  rrq.registrationRequest.callSignalAddress = [{
    ipAddress: { ip: new Uint8Array([127, 0, 0, 1]), port: callSignalPort },
  }];
  if (aliases) rrq.registrationRequest.terminalAlias = aliases;
  // A fresh sequence number: the gatekeeper answers a repeated one as a retransmission.
  rrq.registrationRequest.requestSeqNum = 1 + Math.floor(Math.random() * 65534);
  const rcf = (await ras.ask(rrq))?.registrationConfirm;
  if (!rcf) throw new Error("the terminal's RRQ was not confirmed");
  return rcf;
}
