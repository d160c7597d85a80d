// A bare SIP client for digest attacks on loopback: it sends REGISTER or INVITE
// from one 127.0.0.x address, answers a challenge with any password (RFC 7616
// digest computed here, independently of signaling/sip/digest.ts), and returns
// the final response as text. Attack tests use many of them, one per address.

import { createHash } from "node:crypto";

const enc = new TextEncoder();
const dec = new TextDecoder();

export interface Challenge {
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm: "MD5" | "SHA-256";
}

export interface SipAnswer {
  status: number;
  /** The whole response. */
  text: string;
  header(name: string): string | undefined;
}

const SDP = [
  "v=0",
  "o=attacker 1 1 IN IP4 127.0.0.1",
  "s=-",
  "c=IN IP4 127.0.0.1",
  "t=0 0",
  "m=audio 40998 RTP/AVP 0",
  "a=rtpmap:0 PCMU/8000",
  "",
].join("\r\n");

export class DigestClient {
  readonly #sock: Deno.DatagramConn;
  readonly #waiting = new Map<string, (a: SipAnswer) => void>();
  readonly #done: Promise<void>;
  #cseq = 1;

  constructor(readonly address: string, readonly serverPort: number) {
    this.#sock = Deno.listenDatagram({ transport: "udp", hostname: address, port: 0 });
    this.#done = this.#read();
  }

  get port(): number {
    return (this.#sock.addr as Deno.NetAddr).port;
  }

  async #read(): Promise<void> {
    try {
      for (;;) {
        const [bytes] = await this.#sock.receive();
        const text = dec.decode(bytes);
        const status = Number(/^SIP\/2\.0 (\d{3})/.exec(text)?.[1] ?? 0);
        const callId = /\r\nCall-ID:\s*([^\r]+)/i.exec(text)?.[1]?.trim() ?? "";
        if (status < 200) continue; // 100 Trying
        const resolve = this.#waiting.get(callId);
        if (!resolve) continue; // a retransmitted final response already taken
        this.#waiting.delete(callId);
        resolve({ status, text, header: (name) => headerOf(text, name) });
        if (/\r\nCSeq:\s*\d+ INVITE/i.test(text)) await this.#ack(text);
      }
    } catch {
      // closed
    }
  }

  // A final response to an INVITE is acknowledged so the server stops resending it.
  async #ack(res: string): Promise<void> {
    const h = (n: string) => headerOf(res, n) ?? "";
    const seq = h("cseq").split(/\s+/)[0];
    const ack = [
      `ACK ${this.#lastUri} SIP/2.0`,
      `Via: ${h("via")}`,
      `From: ${h("from")}`,
      `To: ${h("to")}`,
      `Call-ID: ${h("call-id")}`,
      `CSeq: ${seq} ACK`,
      "Max-Forwards: 70",
      "Content-Length: 0",
      "",
      "",
    ].join("\r\n");
    await this.#sock.send(enc.encode(ack), this.#server).catch(() => {});
  }

  #lastUri = "";

  get #server(): Deno.NetAddr {
    return { transport: "udp", hostname: "127.0.0.1", port: this.serverPort };
  }

  /**
   * Sends one request and waits (at most timeoutMs) for its final response.
   * `authorization` is a full header value; `user` names From and To.
   */
  async send(o: {
    method: "REGISTER" | "INVITE";
    user: string;
    requestUri?: string;
    authorization?: string;
    timeoutMs?: number;
  }): Promise<SipAnswer | undefined> {
    const callId = crypto.randomUUID();
    const host = `127.0.0.1:${this.serverPort}`;
    const uri = o.requestUri ?? this.uriFor(o.method);
    this.#lastUri = uri;
    const to = o.method === "REGISTER" ? `<sip:${o.user}@${host}>` : `<${uri}>`;
    const body = o.method === "INVITE" ? SDP : "";
    const lines = [
      `${o.method} ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP ${this.address}:${this.port};branch=z9hG4bK${callId.slice(0, 13)};rport`,
      `From: <sip:${o.user}@${host}>;tag=${callId.slice(24)}`,
      `To: ${to}`,
      `Call-ID: ${callId}`,
      `CSeq: ${this.#cseq++} ${o.method}`,
      `Contact: <sip:${o.user}@${this.address}:${this.port}>`,
      "Max-Forwards: 70",
      ...(o.method === "REGISTER" ? ["Expires: 120"] : ["Content-Type: application/sdp"]),
      ...(o.authorization ? [`Authorization: ${o.authorization}`] : []),
      `Content-Length: ${enc.encode(body).length}`,
      "",
      body,
    ];
    const answer = new Promise<SipAnswer | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(callId);
        resolve(undefined);
      }, o.timeoutMs ?? 3000);
      this.#waiting.set(callId, (a) => {
        clearTimeout(timer);
        resolve(a);
      });
    });
    await this.#sock.send(enc.encode(lines.join("\r\n")), this.#server);
    return await answer;
  }

  /** The Request-URI send() uses unless told otherwise. */
  uriFor(method: "REGISTER" | "INVITE"): string {
    const host = `127.0.0.1:${this.serverPort}`;
    return method === "REGISTER" ? `sip:${host}` : `sip:council-main@${host}`;
  }

  /** A challenge (the first WWW-Authenticate of a 401 to a request without credentials). */
  async challenge(method: "REGISTER" | "INVITE", user: string): Promise<Challenge> {
    const a = await this.send({ method, user });
    if (a?.status !== 401) throw new Error(`expected a 401 challenge, got ${a?.text ?? "nothing"}`);
    return parseChallenge(a.header("www-authenticate")!);
  }

  /** REGISTERs `user`: a first request for the challenge, then one answering it. */
  async register(user: string, password: string, uri?: string): Promise<SipAnswer | undefined> {
    const challenge = await this.challenge("REGISTER", user);
    return await this.send({
      method: "REGISTER",
      user,
      authorization: authorization({
        challenge,
        user,
        password,
        method: "REGISTER",
        uri: uri ?? this.uriFor("REGISTER"),
        nc: 1,
      }),
    });
  }

  async close(): Promise<void> {
    this.#sock.close();
    await this.#done;
  }
}

/** REGISTERs `user` over UDP with its SIP password from a client of its own; the final status. */
export async function registerOnce(port: number, user: string, password: string): Promise<number> {
  const c = new DigestClient("127.0.0.1", port);
  try {
    return (await c.register(user, password))?.status ?? 0;
  } finally {
    await c.close();
  }
}

export function headerOf(text: string, name: string): string | undefined {
  const head = text.split("\r\n\r\n")[0];
  for (const line of head.split("\r\n").slice(1)) {
    const c = line.indexOf(":");
    if (c > 0 && line.slice(0, c).trim().toLowerCase() === name.toLowerCase()) {
      return line.slice(c + 1).trim();
    }
  }
  return undefined;
}

export function parseChallenge(value: string): Challenge {
  const p = Object.fromEntries(
    [...value.matchAll(/(\w+)=(?:"([^"]*)"|([^\s,]+))/g)].map((m) => [m[1], m[2] ?? m[3]]),
  );
  return {
    realm: p.realm,
    nonce: p.nonce,
    opaque: p.opaque,
    algorithm: p.algorithm === "SHA-256" ? "SHA-256" : "MD5",
  };
}

/** An Authorization header value (qop=auth) as RFC 7616 3.4.1 computes it. */
export function authorization(o: {
  challenge: Challenge;
  user: string;
  password: string;
  method: string;
  uri: string;
  nc: number;
}): string {
  const hash = (s: string) =>
    createHash(o.challenge.algorithm === "SHA-256" ? "sha256" : "md5").update(s).digest("hex");
  const nc = o.nc.toString(16).padStart(8, "0");
  const cnonce = "0a1b2c3d";
  const ha1 = hash(`${o.user}:${o.challenge.realm}:${o.password}`);
  const ha2 = hash(`${o.method}:${o.uri}`);
  const response = hash(`${ha1}:${o.challenge.nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return `Digest username="${o.user}", realm="${o.challenge.realm}", ` +
    `nonce="${o.challenge.nonce}", uri="${o.uri}", response="${response}", ` +
    `algorithm=${o.challenge.algorithm}, qop=auth, nc=${nc}, cnonce="${cnonce}"` +
    (o.challenge.opaque ? `, opaque="${o.challenge.opaque}"` : "");
}
