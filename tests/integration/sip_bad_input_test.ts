// Bad and unusual input on the wire: the RFC 4475 messages sent to a running server
// get the answers a UAS owes them, invalid responses and fragments get nothing,
// oversize messages and header floods are refused, REGISTER floods are rate
// limited, and nothing is stored for any of it. The server keeps answering.

import assert from "node:assert/strict";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { api, OPERATOR } from "../_helpers/council_api.ts";

const dir = new URL("../fixtures/sip/rfc4475/", import.meta.url);
const decoder = new TextDecoder();

class Udp {
  sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  #pending?: Promise<[Uint8Array, Deno.Addr]>;
  constructor(readonly port: number) {}
  async send(bytes: Uint8Array) {
    await this.sock.send(bytes, { transport: "udp", hostname: "127.0.0.1", port: this.port });
  }
  /** The status lines that arrive within ms (only those containing `about`, if given). */
  async answers(ms = 300, about?: string): Promise<string[]> {
    const out: string[] = [];
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      // One receive stays pending across calls, so a datagram is never lost to a timeout.
      this.#pending ??= this.sock.receive();
      const r = await Promise.race([
        this.#pending,
        new Promise<undefined>((res) => setTimeout(() => res(undefined), deadline - Date.now())),
      ]);
      if (!r) break;
      this.#pending = undefined;
      const text = decoder.decode(r[0]);
      if (about === undefined || text.includes(about)) out.push(text.split("\r\n")[0]);
    }
    return out;
  }
  close() {
    this.sock.close();
  }
}

// What Council (a UAS and registrar) answers each RFC 4475 message with.
const EXPECT: Record<string, string | null> = {
  wsinv: "481", // valid, but its To tag names a dialog that does not exist
  intmeth: "501",
  esc01: "404",
  escnull: "401",
  esc02: "501",
  lwsdisp: "200",
  longreq: "404",
  dblreq: "401", // only the REGISTER is read
  semiuri: "200",
  transports: "200",
  mpart01: "405", // MESSAGE is known, not allowed here
  unreason: null, // responses without a transaction are dropped
  noreason: null,
  badinv01: "400",
  clerr: "400",
  ncl: "400",
  scalar02: "400",
  scalarlg: null,
  quotbal: "400",
  ltgtruri: "400",
  lwsruri: "400",
  lwsstart: "400",
  trws: "400",
  escruri: "400",
  baddate: "404",
  regbadct: "400",
  badaspec: "400",
  baddn: "400",
  badvers: "505",
  mismatch01: "400",
  mismatch02: "400",
  bigcode: null,
  badbranch: "200",
  insuf: "400",
  unkscm: "416",
  novelsc: "416",
  unksm2: "400", // REGISTER with a non-SIP To
  bext01: "420",
  invut: "415",
  regaut01: "401",
  multi01: "400",
  mcl01: "400",
  bcast: null,
  zeromf: "200",
  cparam01: "401",
  cparam02: "401",
  regescrt: "401",
  sdp01: "406",
  inv2543: "404",
};

// Some RFC 4475 messages share branch, sent-by and method with an earlier one: by
// RFC 3261 17.2.3 they are retransmissions of it and get its answer again.
const SAME_TRANSACTION: Record<string, string> = {
  novelsc: "unkscm.nasdfasser0q239nwsdfasdkl34",
  cparam02: "cparam01.70710@saturn.example.com",
  regescrt: "escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd",
};

Deno.test("RFC 4475 messages, floods and fragments against a running server", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const udp = new Udp(council.sipPort);
  try {
    for (const [name, status] of Object.entries(EXPECT)) {
      const bytes = Deno.readFileSync(new URL(`${name}.dat`, dir));
      await udp.send(bytes);
      // Earlier INVITEs' final responses are retransmitted (nobody ACKs them): match ours.
      const text = decoder.decode(bytes);
      const sameTx = SAME_TRANSACTION[name];
      const about = sameTx ?? /\r\n(?:Call-ID|i)\s*:\s*(\S+)/i.exec(text)?.[1] ??
        /\r\nCSeq:[^\r]*/.exec(text)![0].trim();
      const got = await udp.answers(status === null ? 150 : 400, about);
      const finals = got.filter((l) => !/^SIP\/2.0 1\d\d/.test(l));
      if (status === null) assert.deepEqual(got, [], `${name} should get no answer`);
      else {
        assert.equal(
          finals[0]?.split(" ")[1],
          status,
          `${name}: ${got.join(" | ")}\n${
            council.lines.filter((l) => l.includes("error")).join("\n")
          }`,
        );
      }
    }

    const enc = new TextEncoder();
    const options = (extra = "", callId = crypto.randomUUID()) =>
      enc.encode(
        `OPTIONS sip:council@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${
          (udp.sock.addr as Deno.NetAddr).port
        };branch=z9hG4bK${callId.slice(0, 8)}\r\nFrom: <sip:t@x>;tag=1\r\nTo: <sip:c@x>\r\n` +
          `Call-ID: ${callId}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n${extra}Content-Length: 0\r\n\r\n`,
      );
    // Truncated datagram: the header section never ends; a status line alone.
    await udp.send(options().slice(0, 60));
    await udp.send(enc.encode("SIP/2.0 200 OK\r\n"));
    assert.deepEqual(await udp.answers(200, "OPTIONS"), []);
    // Oversize (over the 65,535-byte cap is impossible in one datagram, so the
    // header flood and a huge header stand in): refused with 400 and a reason.
    await udp.send(options("X-Flood: 1\r\n".repeat(300)));
    assert.match((await udp.answers(400, "OPTIONS"))[0] ?? "", /^SIP\/2.0 400/);
    await udp.send(options(`X-Big: ${"a".repeat(60_000)}\r\n`));
    assert.match((await udp.answers(400, "OPTIONS"))[0] ?? "", /^SIP\/2.0 (200|513)/);

    // REGISTER flood from one source: the burst gets challenges, the rest 503.
    const statuses: string[] = [];
    for (let i = 0; i < 60; i++) {
      const id = crypto.randomUUID();
      await udp.send(enc.encode(
        `REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${
          (udp.sock.addr as Deno.NetAddr).port
        };branch=z9hG4bK${
          id.slice(0, 10)
        }\r\nFrom: <sip:mallory@x>;tag=${i}\r\nTo: <sip:mallory@x>\r\n` +
          `Call-ID: ${id}\r\nCSeq: 1 REGISTER\r\nContact: <sip:m@127.0.0.1:9>\r\nContent-Length: 0\r\n\r\n`,
      ));
    }
    for (const l of await udp.answers(1000, "REGISTER")) statuses.push(l.split(" ")[1]);
    assert.ok(statuses.filter((s) => s === "503").length >= 30, statuses.join(","));
    assert.ok(statuses.filter((s) => s === "401").length >= 10, statuses.join(","));

    // Still answering, and nothing was stored by any of it.
    await udp.send(options());
    assert.match((await udp.answers(400, "OPTIONS"))[0] ?? "", /^SIP\/2.0 200 OK/);
    const regs = await api(council.url, "GET", "/api/v1/sip/registrations");
    assert.deepEqual((regs.body as { registrations: unknown[] }).registrations, []);
  } finally {
    udp.close();
    await council.stop();
  }
});
