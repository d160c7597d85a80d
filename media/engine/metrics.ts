// Per-leg media quality and worker load on /metrics. Values are read from the
// workers when Prometheus scrapes (one stats round trip), so nothing is polled
// between scrapes; legs that ended simply stop appearing.

import { Counter, Gauge, type Registry } from "../../telemetry/mod.ts";
import type { LegStats } from "./protocol.ts";
import type { MediaEngine } from "./pool.ts";

const LEG_LABELS = ["leg", "room", "codec"] as const;

type LegGauge = { name: string; help: string; value: (s: LegStats) => number | undefined };

const LEG_GAUGES: LegGauge[] = [
  {
    name: "packets_received",
    help: "RTP packets received from the peer.",
    value: (s) => s.packetsIn,
  },
  { name: "packets_sent", help: "RTP packets sent to the peer.", value: (s) => s.packetsOut },
  { name: "packets_lost", help: "Inbound RTP packets lost (RFC 3550 A.3).", value: (s) => s.lost },
  {
    name: "loss_ratio",
    help: "Inbound loss over the call so far, 0..1.",
    value: (s) => s.lossFraction,
  },
  {
    name: "jitter_ms",
    help: "Inbound interarrival jitter (RFC 3550 A.8), ms.",
    value: (s) => s.jitterMs,
  },
  {
    name: "jitter_buffer_ms",
    help: "Jitter buffer target delay, ms.",
    value: (s) => s.jitterBufferMs,
  },
  {
    name: "concealed_frames",
    help: "Frames concealed (loss, late packets).",
    value: (s) => s.concealed,
  },
  { name: "rtt_ms", help: "Round trip from RTCP, ms.", value: (s) => s.rttMs },
  { name: "mos", help: "Estimated MOS (E-model, G.107).", value: (s) => s.mos },
  { name: "level_dbov", help: "Inbound speech level, dBov.", value: (s) => s.levelDbov },
  {
    name: "dropped_packets",
    help:
      "Inbound datagrams dropped: malformed, wrong payload type, unknown source or failed SRTP.",
    value: (s) => s.malformed + s.wrongPayloadType + s.rejectedSource + s.srtpRefused,
  },
];

export function registerMediaMetrics(engine: MediaEngine, registry: Registry): void {
  // One stats round trip per scrape, shared by every gauge collected in it.
  let snapshot: ReturnType<MediaEngine["stats"]> | undefined;
  const stats = () => {
    snapshot ??= engine.stats().finally(() => setTimeout(() => snapshot = undefined, 0));
    return snapshot;
  };
  // Every leg metric reads the same snapshot and labels a leg the same way.
  const legsNow = async () => (await stats().catch(() => ({ legs: [] as LegStats[] }))).legs;
  const labelsOf = (leg: LegStats) => ({ leg: leg.legId, room: leg.roomId, codec: leg.codec });
  for (const g of LEG_GAUGES) {
    new Gauge({
      name: `council_media_leg_${g.name}`,
      help: g.help,
      labelNames: LEG_LABELS,
      registers: [registry],
      async collect() {
        this.reset();
        for (const leg of await legsNow()) {
          const v = g.value(leg);
          if (v !== undefined) this.set(labelsOf(leg), v);
        }
      },
    });
  }
  // Per leg, read at scrape like the gauges; monotonic for the leg's life.
  new Counter({
    name: "council_media_leg_rejected_source_packets_total",
    help: "RTP/RTCP datagrams a leg dropped because they came from a source other than " +
      "the signalled (or locked) one.",
    labelNames: LEG_LABELS,
    registers: [registry],
    async collect() {
      this.reset();
      for (const leg of await legsNow()) {
        if (leg.rejectedSource > 0) this.inc(labelsOf(leg), leg.rejectedSource);
      }
    },
  });
  new Gauge({
    name: "council_media_worker_tick_ms",
    help: "Worst time one worker spent on a 20 ms tick since the last scrape, ms.",
    labelNames: ["worker"],
    registers: [registry],
    async collect() {
      this.reset();
      const { workers } = await stats().catch(() => ({ workers: [] }));
      for (const w of workers) this.set({ worker: String(w.index) }, w.tickMaxMs);
    },
  });
  new Gauge({
    name: "council_media_workers",
    help: "Media workers running.",
    registers: [registry],
    collect() {
      this.set(engine.liveWorkers);
    },
  });
  const failovers = new Counter({
    name: "council_media_worker_failovers_total",
    help: "Media workers that died and had their rooms rebuilt elsewhere.",
    registers: [registry],
  });
  // Every leg's rejects, also after the leg ended (from the workers' rate-limited reports).
  const rejected = new Counter({
    name: "council_media_rejected_source_packets_total",
    help: "Media datagrams dropped by any leg for coming from an unexpected source " +
      "(counted as the workers report them, at most every 10 s per leg).",
    registers: [registry],
  });
  engine.on((e) => {
    if (e.ev === "failover") failovers.inc();
    else if (e.ev === "leg.rejected") rejected.inc(e.count);
  });
}
