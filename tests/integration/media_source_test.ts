// Media only from where it was signalled, against a running server (issue 22 item 2,
// issue 23 item 3): a stranger on another loopback address cannot take a phone's leg
// (before the phone's first packet, or after its silence), and a terminal that
// announces one port and sends from another hears Council on the announced one.

import assert from "node:assert/strict";
import { type CouncilProcess, startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR } from "../_helpers/council_api.ts";
import { runSipp } from "../_helpers/sipp.ts";
import { tpktMessages } from "../_helpers/h323_capture.ts";
import { acceptedRtpPort, setupFor } from "../_helpers/h323_setup.ts";
import { TpktClient } from "../_helpers/h323_client.ts";
import { RtpPhone } from "../_helpers/rtp_phone.ts";
import { sleep, until } from "../_helpers/wait.ts";
import { serializeRtp } from "../../media/rtp/mod.ts";
import { MediaEngine } from "../../media/engine/mod.ts";

const ROOM = "main";

interface LegView {
  legId: string;
  signalled: { address: string; port: number } | null;
  source: { address: string; port: number } | null;
  sendingTo: { address: string; port: number } | null;
  latched: boolean;
  packetsIn: number;
  packetsOut: number;
  rejectedSource: number;
}

async function legs(url: string): Promise<LegView[]> {
  return ((await api(url, "GET", "/api/v1/media/legs")).body as { legs: LegView[] }).legs;
}

/** The member's packets in, from the rooms API (what operators see). */
async function packetsIn(url: string): Promise<number> {
  const room = (await api(url, "GET", `/api/v1/rooms/${ROOM}`)).body as {
    members?: { stats?: { packetsIn: number } }[];
  };
  // -1 while the room has no member with media yet (404 before the first one).
  return room?.members?.[0]?.stats?.packetsIn ?? -1;
}

/** A socket on 127.0.0.2 (another host, as far as the leg can tell) that records what it gets. */
class Attacker {
  readonly sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.2", port: 0 });
  readonly received: number[] = [];
  readonly ssrc = 0x0bad0bad;
  #seq = 1;
  #closed = false;

  constructor() {
    (async () => {
      try {
        for await (const [data] of this.sock) this.received.push(data.length);
      } catch {
        if (!this.#closed) throw new Error("attacker socket failed");
      }
    })();
  }

  /** `count` PCMA packets at 20 ms to the leg's port, as a phone would send them. */
  async send(port: number, count: number): Promise<void> {
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      await sleep(Math.max(0, start + i * 20 - performance.now()));
      const seq = this.#seq++;
      const packet = serializeRtp({
        marker: i === 0,
        payloadType: 8,
        sequenceNumber: seq,
        timestamp: seq * 160,
        ssrc: this.ssrc,
        payload: new Uint8Array(160).fill(0xd5),
      });
      await this.sock.send(packet, { transport: "udp", hostname: "127.0.0.1", port });
    }
  }

  close(): void {
    this.#closed = true;
    this.sock.close();
  }
}

function rejectLogLines(council: CouncilProcess): number {
  return council.lines.filter((l) => l.includes("media from an unexpected source dropped")).length;
}

Deno.test("RTP hijack: a stranger's RTP before the phone's first packet and after 3 s of its silence takes nothing; the phone keeps the mix; rejects are counted", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  // The phone's ear: the port its SDP announces. SIPp sends its RTP from its own media port.
  const ear = new RtpPhone("PCMA", 8, 8000);
  const attacker = new Attacker();
  try {
    const g = await addGuardian(council.url, "hijacked");
    const phone = runSipp({
      scenario: "hijack_phone.xml",
      target: `127.0.0.1:${council.sipPort}`,
      inject: ["SEQUENTIAL", `${ROOM};${await g.token(ROOM)};${ear.port}`],
      timeoutS: 40,
    });
    const call = await until("the call is up", async () => {
      const { calls } = (await api(council.url, "GET", "/api/v1/sip/calls")).body as {
        calls: { legId: string; media: { local: string; remote: string } }[];
      };
      return calls[0];
    });
    const legPort = Number(call.media.local.split(":").at(-1));
    assert.equal(call.media.remote, `127.0.0.1:${ear.port}`);

    // (a) Before the phone's first packet (SIPp waits 2.5 s after the ACK).
    await attacker.send(legPort, 25);
    await sleep(400);
    assert.equal(attacker.received.length, 0, "the attacker got media before the phone spoke");
    // Nothing was taken from the attacker (and the phone had not started: SIPp waits).
    assert.equal(await packetsIn(council.url), 0, "packets taken before the phone spoke");

    // The phone speaks (~7 s of speech from SIPp's capture), then is silent.
    await until("the phone's RTP arrives", async () => await packetsIn(council.url) > 0);
    let last = -1;
    await until("the phone falls silent", async () => {
      const now = await packetsIn(council.url);
      const silent = now === last;
      last = now;
      await sleep(400);
      return silent;
    }, 15_000);
    // (b) After 3 s of the phone's silence (the old rule re-latched after 2 s).
    await sleep(3000);
    const earBefore = ear.received.length;
    await attacker.send(legPort, 50);
    await sleep(500);
    assert.equal(attacker.received.length, 0, "the attacker got media after the phone's silence");
    // The mix (silence: the phone is alone) keeps going to the phone's announced port.
    const heard = ear.received.length - earBefore;
    assert.ok(heard >= 40, `the phone heard ${heard} packets in 1.5 s`);

    const [leg] = await legs(council.url);
    assert.equal(leg.rejectedSource, 75, JSON.stringify(leg));
    assert.deepEqual(leg.sendingTo, { address: "127.0.0.1", port: ear.port });
    assert.deepEqual(leg.signalled, leg.sendingTo);
    assert.equal(leg.source?.address, "127.0.0.1");
    assert.equal(leg.latched, false);
    const metrics = await (await fetch(`${council.url}/metrics`)).text();
    const counter = metrics.split("\n").find((l) =>
      l.startsWith("council_media_leg_rejected_source_packets_total{") &&
      l.includes(`leg="${call.legId}"`)
    );
    assert.ok(counter?.endsWith(" 75"), `metrics: ${counter}`);
    // One log line at the first reject, then at most one per 10 s: not one per packet.
    const lines = rejectLogLines(council);
    assert.ok(lines >= 1 && lines <= 2, `${lines} reject log lines`);
    // And on record: the stranger's first packet is witnessed at once, keyed by its host.
    const log = (await api(council.url, "GET", "/api/v1/witness/entries?start=0")).body as {
      entries: { type: string; payload: { key: string; legId: string; packets: number } }[];
    };
    const witnessed = log.entries.filter((e) => e.type === "media.source_rejected");
    assert.ok(witnessed.length >= 1 && witnessed.length <= 3, JSON.stringify(witnessed));
    assert.deepEqual(
      [witnessed[0].payload.key, witnessed[0].payload.legId, witnessed[0].payload.packets],
      ["127.0.0.2", call.legId, 1],
    );

    const run = await phone;
    assert.equal(run.code, 0, run.stdout.slice(-1500) + run.messages.slice(-3000));
  } finally {
    attacker.close();
    ear.close();
    await council.stop();
  }
});

const OOH323C = new URL(
  "../fixtures/h323/ooh323c-callout-rtp-to-source-port.pcapng",
  import.meta.url,
).pathname;

/** tshark's fields of the capture's packets matching `filter`, one array per packet. */
async function fields(filter: string, names: string[]): Promise<string[][]> {
  const out = await new Deno.Command("tshark", {
    args: ["-r", OOH323C, "-Y", filter, "-T", "fields", ...names.flatMap((n) => ["-e", n])],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(out.stdout).trim().split("\n").map((l) => l.split("\t"));
}

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((h) => parseInt(h, 16)));

Deno.test("H.323 terminal announcing port A and sending from port B (ooh323c's way, from its capture) hears Council on A", async () => {
  // What the capture shows: ooh323c's OpenLogicalChannelAck announces mediaChannel
  // :5000, and its RTP comes from :43261 (Council answered to 43261: issue 23 item 3).
  const acks = await fields("h245 && ip.src == 10.77.0.2", ["h245.tsapIdentifier"]);
  assert.ok(acks.some(([ports]) => ports === "5000,5001"), JSON.stringify(acks));
  const rtp = await fields("udp.srcport == 43261", ["frame.time_relative", "udp.payload"]);
  assert.ok(rtp.length >= 200, `${rtp.length} RTP packets from ooh323c's sending port`);

  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const fast = await tpktMessages("h323plus-fast-ooh323c.pcapng");
  // A: the port the terminal announces (Fast Start mediaChannel); B: where it sends from.
  const announced = new RtpPhone("PCMU", 0, 8000);
  const sending = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const sendingPort = (sending.addr as Deno.NetAddr).port;
  const toSendingPort: number[] = [];
  const draining = (async () => {
    try {
      for await (const [data] of sending) toSendingPort.push(data.length);
    } catch { /* closed */ }
  })();
  let client: TpktClient | undefined;
  try {
    const bob = await addGuardian(council.url, "bob");
    client = await TpktClient.connect(council.callSignalPort);
    await client.send(await setupFor(fast.find((m) => m.frame === 4)!.payload, bob, announced));
    await client.cs("callProceeding");
    const connect = await client.cs("connect");
    const councilPort = acceptedRtpPort(connect.cs!.body as Record<string, unknown>);
    // The leg opens as the Connect goes out: packets sent before it would find no socket.
    await until("the leg", async () => await packetsIn(council.url) >= 0);

    // ooh323c's own packets (PCMU, 30 ms each), paced as captured, from port B.
    const t0 = Number(rtp[0][0]);
    const start = performance.now();
    const firstSentAt = start;
    for (const [at, payload] of rtp) {
      await sleep(Math.max(0, start + (Number(at) - t0) * 1000 - performance.now()));
      await sending.send(hex(payload), {
        transport: "udp",
        hostname: "127.0.0.1",
        port: councilPort,
      });
    }
    await sleep(300);
    assert.equal(toSendingPort.length, 0, "Council sent media to the terminal's source port");
    // The mix (20 ms packets) kept reaching the announced port after B's packets began
    // (half the expected count: a busy machine may delay some, none should be missing).
    const since = firstSentAt + 200;
    const afterFirst = announced.received.filter((r) => r.at > since).length;
    const expected = (performance.now() - since) / 20;
    assert.ok(afterFirst >= expected / 2, `${afterFirst} of ~${expected} reached port A`);

    const [leg] = await legs(council.url);
    assert.deepEqual(leg.sendingTo, { address: "127.0.0.1", port: announced.port });
    assert.deepEqual(leg.source, { address: "127.0.0.1", port: sendingPort });
    assert.equal(leg.packetsIn, rtp.length, JSON.stringify(leg));
    assert.equal(leg.rejectedSource, 0);
    assert.equal(leg.latched, false);

    // H323Plus's Release Complete ends the call.
    await client.send(fast.find((m) => m.frame === 44)!.payload);
    await client.done;
  } finally {
    client?.close();
    announced.close();
    sending.close();
    await draining;
    await council.stop();
  }
});

Deno.test({
  name:
    "failover keeps the announced address and the lock: the rebuilt leg takes only the locked source and sends to the announced port",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const engine = await MediaEngine.start({ workers: 2 });
    const announced = new RtpPhone("PCMU", 0, 8000);
    const sender = new RtpPhone("PCMU", 0, 8000);
    const stranger = new RtpPhone("PCMU", 0, 8000); // same host, another socket
    try {
      await engine.createRoom({ roomId: "fo", mixRate: 8000 });
      const { port } = await engine.createLeg({
        legId: "fo-0",
        roomId: "fo",
        port: 0,
        host: "127.0.0.1",
        codec: { codec: "PCMU", payloadType: 0 },
        remote: { address: "127.0.0.1", port: announced.port },
      });
      const talk = sender.encode(new Int16Array(8000 * 2));
      await sender.send(port, talk.slice(0, 10));
      const leg = async () => (await engine.stats()).legs.find((l) => l.legId === "fo-0")!;
      await until("the sender's packets", async () => (await leg()).packetsIn === 10);
      const killedAt = performance.now();
      engine.killWorker(engine.workerOf("fo")!);
      await until("the rebuilt leg", async () => engine.liveWorkers === 2 && await leg());
      // The stranger races the sender after the failover; the sender goes on.
      await stranger.send(port, stranger.encode(new Int16Array(8000 * 0.2)));
      await sender.send(port, talk.slice(10, 30));
      await sleep(200);
      assert.equal(sender.received.length + stranger.received.length, 0, "none to B or C");
      const after = await leg();
      assert.equal(after.rejectedSource, 10, JSON.stringify(after));
      assert.equal(after.packetsIn, 20);
      assert.deepEqual(after.source, { address: "127.0.0.1", port: sender.port });
      assert.deepEqual(after.remote, { address: "127.0.0.1", port: announced.port });
      assert.ok(announced.received.some((r) => r.at > killedAt), "media resumed to port A");
    } finally {
      announced.close();
      sender.close();
      stranger.close();
      await engine.close();
    }
  },
});

Deno.test({
  name:
    "latching policy: a phone behind NAT (private address announced) is latched on its first packet and hears the mix there; nobody else is, then or later",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const engine = await MediaEngine.start({ workers: 1, latching: "first-packets" });
    const phone = new RtpPhone("PCMU", 0, 8000);
    const stranger = new RtpPhone("PCMU", 0, 8000);
    try {
      await engine.createRoom({ roomId: "nat", mixRate: 8000 });
      const { port } = await engine.createLeg({
        legId: "nat-0",
        roomId: "nat",
        port: 0,
        host: "127.0.0.1",
        codec: { codec: "PCMU", payloadType: 0 },
        // What a phone behind NAT announces: its private address, unreachable from here.
        remote: { address: "192.0.2.10", port: 4000 },
      });
      const talk = phone.encode(new Int16Array(8000));
      await phone.send(port, talk.slice(0, 10));
      await stranger.send(port, stranger.encode(new Int16Array(1600)));
      await phone.send(port, talk.slice(10, 20));
      await sleep(300);
      assert.equal(stranger.received.length, 0, "the stranger was latched");
      assert.ok(phone.received.length > 0, "the mix goes back to the latched source");
      const [leg] = (await engine.stats()).legs;
      assert.deepEqual(leg.source, { address: "127.0.0.1", port: phone.port });
      assert.deepEqual(leg.remote, leg.source);
      assert.equal(leg.latched, true);
      assert.deepEqual(leg.signalled, { address: "192.0.2.10", port: 4000 });
      assert.equal(leg.rejectedSource, 10);
      assert.equal(leg.packetsIn, 20);
    } finally {
      phone.close();
      stranger.close();
      await engine.close();
    }
  },
});
