// A minimal RAS endpoint for tests and benchmarks: sends H.225.0 RAS datagrams to a
// gatekeeper on loopback and reads the answers; and the RAS payloads of the captures.
// With a proof, every message it encodes carries it: an H.235.1 token for a password
// (sendersID the endpoint identifier once registered, as H323Plus does), or
// Council's RAS token signed with a guardian's key.

import {
  councilRasToken,
  decodeRas,
  encodeRas,
  h235Key,
  type RasValue,
  signRas,
} from "../../signaling/h323/mod.ts";

/** The H.235.1 password tests give the guardians whose terminals they register. */
export const H323_PASSWORD = "h323-test-password";

export type RasProof =
  | { password: string; sendersID?: string }
  | { guardianId: string; secret: Uint8Array };

const FIXTURES = new URL("../fixtures/h323/", import.meta.url).pathname;

/** RAS payloads of a capture by frame number (tshark reads the pcapng). */
export async function rasFrames(file: string, rasPort = 1719): Promise<Map<number, Uint8Array>> {
  const out = await new Deno.Command("tshark", {
    args: [
      "-r",
      `${FIXTURES}${file}`,
      "-Y",
      `udp.port==${rasPort} && !icmp`,
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
  readonly sock: Deno.DatagramConn;
  readonly answers: Uint8Array[] = [];
  /** Set from the RCF: H.235.1's sendersID after registration. */
  endpointId?: string;
  #random = 1;
  /** `localPort`: the port to send from (0: any), for a neighbour configured by address. */
  constructor(readonly port: number, public proof?: RasProof, localPort = 0) {
    this.sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: localPort });
  }

  /** The message's bytes, with this client's proof when it has one. */
  async encode(message: RasValue, proof = this.proof): Promise<Uint8Array> {
    if (!proof) return encodeRas(message);
    if ("password" in proof) {
      return signRas(message, {
        key: h235Key(proof.password),
        generalID: "Council",
        sendersID: this.endpointId ?? proof.sendersID,
        random: this.#random++,
      });
    }
    const [kind] = Object.keys(message);
    const body = message[kind];
    const token = await councilRasToken(kind, body, proof.guardianId, proof.secret);
    const tokens = Array.isArray(body.tokens) ? body.tokens : [];
    return encodeRas({ [kind]: { ...body, tokens: [...tokens, token] } });
  }

  async send(bytes: Uint8Array): Promise<void> {
    await this.sock.send(bytes, { transport: "udp", hostname: "127.0.0.1", port: this.port });
  }

  /** Sends and waits for the next answer (or undefined after timeoutMs). */
  async ask(message: RasValue | Uint8Array, timeoutMs = 3000): Promise<RasValue | undefined> {
    await this.send(message instanceof Uint8Array ? message : await this.encode(message));
    const answer = await this.next(timeoutMs);
    const id = answer?.registrationConfirm?.endpointIdentifier;
    if (typeof id === "string") this.endpointId = id;
    return answer;
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
 * aliases, proven with the client's proof. Returns the RCF.
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
