import assert from "node:assert/strict";
import {
  type BufferedPacket,
  JitterBuffer,
  type Playout,
} from "../../../media/jitterbuffer/mod.ts";

const CLOCK = 8000;
const FRAME = 160; // 20 ms

function packet(n: number, marker = false): BufferedPacket {
  return { ts: n * FRAME, duration: FRAME, payload: new Uint8Array([n & 0xff]), marker };
}

/** Plays `ticks` 20 ms ticks starting at `start` ms and lists what each tick gave. */
function drive(jb: JitterBuffer, start: number, ticks: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < ticks; i++) out.push(describe(jb.next(start + i * 20)));
  return out;
}

function describe(p: Playout): string {
  if (p.kind === "play") return `p${p.packet.ts / FRAME}`;
  if (p.kind === "conceal") return p.next ? `c>${p.next.ts / FRAME}` : "c";
  return "w";
}

Deno.test("jitter buffer: in-order packets on a steady path play one per tick with no added delay", () => {
  const jb = new JitterBuffer({ clockRate: CLOCK, frameDuration: FRAME });
  const played: string[] = [];
  for (let n = 0; n < 50; n++) {
    assert.equal(jb.push(packet(n), n * 20), "stored");
    played.push(describe(jb.next(n * 20 + 5)));
  }
  assert.deepEqual(played, Array.from({ length: 50 }, (_, n) => `p${n}`));
  assert.equal(jb.stats().targetMs, 0);
  assert.equal(jb.stats().concealed, 0);
});

Deno.test("jitter buffer: reordered packets come out in timestamp order", () => {
  const jb = new JitterBuffer({ clockRate: CLOCK, frameDuration: FRAME, minDelayMs: 40 });
  for (const n of [0, 2, 1, 3, 5, 4]) jb.push(packet(n), n * 20 + (n % 2 ? 15 : 0));
  assert.deepEqual(drive(jb, 45, 6), ["p0", "p1", "p2", "p3", "p4", "p5"]);
});

Deno.test("jitter buffer: a lost packet is concealed, offering the next packet for FEC", () => {
  const jb = new JitterBuffer({ clockRate: CLOCK, frameDuration: FRAME, minDelayMs: 20 });
  for (const n of [0, 1, 3, 4]) jb.push(packet(n), n * 20);
  assert.deepEqual(drive(jb, 25, 5), ["p0", "p1", "c>3", "p3", "p4"]);
  assert.equal(jb.stats().concealed, 1);
});

Deno.test("jitter buffer: a packet arriving after its slot was concealed is dropped as late", () => {
  const jb = new JitterBuffer({ clockRate: CLOCK, frameDuration: FRAME });
  jb.push(packet(0), 0);
  jb.push(packet(2), 40);
  assert.deepEqual(drive(jb, 0, 1), ["p0"]);
  assert.deepEqual(drive(jb, 45, 1), ["c>2"]);
  assert.equal(jb.push(packet(1), 50), "late");
  assert.equal(jb.push(packet(2), 50), "duplicate");
  assert.deepEqual(drive(jb, 60, 1), ["p2"]);
  assert.equal(jb.stats().late, 1);
});

Deno.test("jitter buffer: a packet later than the target allows is concealed in its slot, and the delay stays put", () => {
  const jb = new JitterBuffer({ clockRate: CLOCK, frameDuration: FRAME });
  const log: string[] = [];
  for (let n = 0; n < 160; n++) {
    // After a steady path, packet 140 is held up 50 ms (a stalled sender).
    if (n !== 140) jb.push(packet(n), n * 20);
    if (n === 143) assert.equal(jb.push(packet(140), 2850), "late");
    log.push(describe(jb.next(n * 20 + 5)));
  }
  // Concealed once (no silent hole in the talker's audio), then back in step: packet
  // n still plays at tick n, not a frame later, and one spike does not raise the target.
  assert.deepEqual(log.slice(138, 144), ["p138", "p139", "c", "p141", "p142", "p143"]);
  assert.equal(log[159], "p159");
  assert.equal(jb.stats().concealed, 1);
  assert.equal(jb.stats().targetMs, 0);
});

Deno.test("jitter buffer: the target follows the path's jitter and holds packets accordingly", () => {
  const jb = new JitterBuffer({ clockRate: CLOCK, frameDuration: FRAME });
  // Every fourth packet is 35 ms late.
  for (let n = 0; n < 200; n++) jb.push(packet(n), n * 20 + (n % 4 === 3 ? 35 : 0));
  const target = jb.stats().targetMs;
  assert.ok(target >= 30 && target <= 40, `target ${target}`);
});

Deno.test("jitter buffer: with jitter absorbed, a late packet still plays instead of being concealed", () => {
  const jb = new JitterBuffer({ clockRate: CLOCK, frameDuration: FRAME });
  const log: string[] = [];
  // Arrivals jitter by up to 30 ms; ticks every 20 ms read what is due.
  const arrivals = Array.from({ length: 300 }, (_, n) => ({ n, at: n * 20 + ((n * 7919) % 31) }))
    .sort((a, b) => a.at - b.at);
  let next = 0;
  for (let t = 0; t < 300 * 20 + 200; t += 20) {
    while (next < arrivals.length && arrivals[next].at <= t) {
      jb.push(packet(arrivals[next].n), arrivals[next++].at);
    }
    log.push(describe(jb.next(t)));
  }
  // Up to the last packet played (after it, the stream's end is concealed briefly).
  const during = log.slice(0, log.findLastIndex((x) => x.startsWith("p")));
  const concealed = during.filter((x) => x.startsWith("c")).length;
  const played = log.filter((x) => x.startsWith("p")).length;
  // The first packets teach the buffer; after that nearly everything plays.
  assert.ok(concealed <= 6, `concealed ${concealed}`);
  assert.ok(played >= 290, `played ${played}`);
});

Deno.test("jitter buffer: after a delay spike the backlog is skipped so delay comes back down", () => {
  const jb = new JitterBuffer({ clockRate: CLOCK, frameDuration: FRAME, maxDelayMs: 60 });
  for (let n = 0; n < 20; n++) {
    jb.push(packet(n), n * 20);
    jb.next(n * 20 + 1);
  }
  // 200 ms outage, then ten packets at once.
  for (let n = 20; n < 30; n++) jb.push(packet(n), 600);
  const out = drive(jb, 601, 3);
  assert.ok(jb.stats().skipped > 0, "backlog skipped");
  assert.ok(jb.stats().levelMs <= 100, `level ${jb.stats().levelMs}`);
  assert.ok(out.some((x) => x.startsWith("p")));
});

Deno.test("jitter buffer: a new talk spurt (marker) resynchronises instead of concealing the silence", () => {
  const jb = new JitterBuffer({ clockRate: CLOCK, frameDuration: FRAME });
  for (let n = 0; n < 5; n++) {
    jb.push(packet(n), n * 20);
    jb.next(n * 20 + 1);
  }
  // Silence (DTX): nothing for a second, then packet 55 with the marker bit.
  const idle = drive(jb, 120, 10);
  assert.ok(idle.filter((x) => x === "c").length <= 5, idle.join(","));
  jb.push(packet(55, true), 1100);
  assert.deepEqual(drive(jb, 1101, 1), ["p55"]);
});

Deno.test("jitter buffer: capacity bounds memory under a flood", () => {
  const jb = new JitterBuffer({ clockRate: CLOCK, frameDuration: FRAME, capacity: 16 });
  const verdicts = Array.from({ length: 1000 }, (_, n) => jb.push(packet(n), 0));
  assert.equal(jb.size, 16);
  assert.equal(verdicts.filter((v) => v === "overflow").length, 984);
});

Deno.test("jitter buffer: stalls that recur raise the target to cover them, filling the wait with concealment, never silence", () => {
  const jb = new JitterBuffer({ clockRate: CLOCK, frameDuration: FRAME });
  const log: string[] = [];
  // Every 100th packet is held up 30 ms (a sender whose host stalls now and then).
  const late = (n: number) => n > 0 && n % 100 === 0;
  let held: number | undefined;
  for (let n = 0; n < 400; n++) {
    if (held !== undefined && n * 20 >= held * 20 + 30) {
      jb.push(packet(held), held * 20 + 30);
      held = undefined;
    }
    if (late(n)) held = n;
    else jb.push(packet(n), n * 20);
    log.push(describe(jb.next(n * 20 + 5)));
  }
  // The first stall is one in 20 s: concealed in its slot, no delay added. The second
  // raises the target at once (its own slot already passed), and the delay grows by
  // concealment without a slot, not by a silent tick. The third plays in time.
  assert.equal(jb.stats().concealed, 2);
  assert.ok(jb.stats().targetMs >= 30, `target ${jb.stats().targetMs}`);
  assert.ok(jb.stats().expanded >= 1, `expanded ${jb.stats().expanded}`);
  assert.deepEqual(log.filter((x) => x === "w"), []);
  assert.equal(jb.stats().late, 2);
  // From the third stall on, every packet plays.
  const played = new Set(log.filter((x) => x.startsWith("p")));
  for (let n = 290; n < 390; n++) assert.ok(played.has(`p${n}`), `p${n} played`);
});

Deno.test("jitter buffer: a tick before a packet that is on its way is concealment, not silence, while the source plays", () => {
  const jb = new JitterBuffer({ clockRate: CLOCK, frameDuration: FRAME });
  const log: string[] = [];
  // Packet 10 is 5 ms late (its slot is concealed; the target learns 5 ms); packet 20
  // is 4 ms late, within the target: the tick 3 ms after its time finds it on its way.
  const lateBy = (n: number) => n === 10 ? 5 : n === 20 ? 4 : 0;
  for (let n = 0; n < 40; n++) {
    if (!lateBy(n)) jb.push(packet(n), n * 20);
    log.push(describe(jb.next(n * 20 + 3)));
    if (lateBy(n)) jb.push(packet(n), n * 20 + lateBy(n));
  }
  assert.deepEqual(log.filter((x) => x === "w"), [], log.join(","));
  assert.equal(jb.stats().late, 1);
  assert.ok(log.includes("p20"), log.join(","));
  // After the last packet: at most five frames of concealment, then silence.
  const tail = drive(jb, 1300, 10);
  assert.ok(tail.filter((x) => x === "c").length <= 5, tail.join(","));
  assert.equal(tail.at(-1), "w");
});

Deno.test("jitter buffer: a path that steps 40 ms faster once (a browser's capture catching up) is not taken for 40 ms of jitter", () => {
  const jb = new JitterBuffer({ clockRate: CLOCK, frameDuration: FRAME });
  for (let n = 0; n < 300; n++) {
    jb.push(packet(n), n * 20 + (n < 100 ? 40 : 0));
    jb.next(n * 20 + 45);
  }
  assert.equal(jb.stats().targetMs, 0);
});
