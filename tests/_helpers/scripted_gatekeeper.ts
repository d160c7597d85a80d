// A gatekeeper whose every answer the test writes: it reads the RAS requests
// Council sends it (as Council's upstream gatekeeper, h323.upstream), says
// whether each carried a verifying H.235.1 token, and sends what the test says.

import { decodeRas, encodeRas, type RasValue, signRas } from "../../signaling/h323/mod.ts";
import { hashMatches, readHashedToken } from "../../signaling/h323/security/h235_1.ts";
import { NO_UUIES } from "../../signaling/h323/ras/gatekeeper.ts";

type Msg = Record<string, unknown>;

export interface RasRequest {
  kind: string;
  body: Msg;
  /** Council's RAS port for the gatekeeper (where answers go). */
  port: number;
  /** Whether it carried an H.235.1 token that verifies with `key`. */
  signed: boolean;
}

export class ScriptedGatekeeper {
  readonly sock: Deno.DatagramConn;
  constructor(readonly host = "127.0.0.1", private readonly key?: Uint8Array) {
    this.sock = Deno.listenDatagram({ transport: "udp", hostname: host, port: 0 });
  }
  get port(): number {
    return (this.sock.addr as Deno.NetAddr).port;
  }
  /** The next request from Council (rejects after timeoutMs). */
  async next(timeoutMs = 5000): Promise<RasRequest> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) =>
      timer = setTimeout(() => reject(new Error("no request from Council")), timeoutMs)
    );
    try {
      const [data, addr] = await Promise.race([this.sock.receive(), timeout]);
      const m = decodeRas(data);
      const [kind] = Object.keys(m);
      const t = readHashedToken(m[kind] as Msg);
      return {
        kind,
        body: m[kind] as Msg,
        port: (addr as Deno.NetAddr).port,
        signed: !!this.key && t.ok && hashMatches(data, t.token.hash, this.key),
      };
    } finally {
      clearTimeout(timer);
    }
  }
  /** The next request of `kind`, skipping others (retransmissions, keep-alives). */
  async nextOf(kind: string, timeoutMs = 5000): Promise<RasRequest> {
    const until = Date.now() + timeoutMs;
    while (true) {
      const r = await this.next(Math.max(1, until - Date.now()));
      if (r.kind === kind) return r;
    }
  }
  async send(m: RasValue, port: number, key?: Uint8Array): Promise<void> {
    const bytes = key ? signRas(m, { key, generalID: "GK-1", random: 7 }) : encodeRas(m);
    await this.sock.send(bytes, { transport: "udp", hostname: "127.0.0.1", port });
  }
  close(): void {
    this.sock.close();
  }
}

/** An RCF for `rrq` granting `ttl` seconds to endpoint "EP-COUNCIL". */
export function rcfFor(rrq: RasRequest, ttl = 300): RasValue {
  return {
    registrationConfirm: {
      requestSeqNum: rrq.body.requestSeqNum,
      protocolIdentifier: "0.0.8.2250.0.7",
      callSignalAddress: [],
      gatekeeperIdentifier: "GK-1",
      endpointIdentifier: "EP-COUNCIL",
      timeToLive: ttl,
      willRespondToIRR: false,
      maintainConnection: false,
    },
  };
}

/** An ACF for `arq` (Council answering a call: its own address does not matter here). */
export function acfFor(arq: RasRequest): RasValue {
  return {
    admissionConfirm: {
      requestSeqNum: arq.body.requestSeqNum,
      bandWidth: arq.body.bandWidth,
      callModel: { direct: null },
      destCallSignalAddress: { ipAddress: { ip: new Uint8Array([127, 0, 0, 1]), port: 1720 } },
      willRespondToIRR: false,
      uuiesRequested: NO_UUIES,
    },
  };
}
