// Hosts the production test's probes in a worker of their own, so their sending and
// their arrival times are not delayed by the test's main thread (which drives
// browsers, SIPp and the API at the same time).

/// <reference lib="deno.worker" />

import { Probe } from "./probe.ts";
import type { ProbeReply, ProbeRequest } from "./probe_host.ts";
import { realtimeThread } from "../../native/mod.ts";

const probes = new Map<string, Probe>();
// Phones send on a hardware clock: the probes' thread runs real-time where permitted
// (as Council's media workers do), so what they send is steady and when they note
// an arrival is when it came. Without the privilege they run as they are.
realtimeThread(10);

self.onmessage = (e: MessageEvent<ProbeRequest>) => {
  const m = e.data;
  const reply = (r: Omit<ProbeReply, "seq">) => self.postMessage({ seq: m.seq, ...r });
  try {
    switch (m.op) {
      case "create": {
        const p = new Probe(m.name, m.codec, m.member, m.offsetMs);
        probes.set(m.name, p);
        return reply({ port: p.port });
      }
      case "speak":
        probes.get(m.name)!.speak(m.remotePort, m.t0, m.until).catch((err) =>
          console.error(String(err))
        );
        return reply({});
      case "count":
        for (const p of probes.values()) p.count(m.from, m.to, m.windowMs);
        return reply({});
      case "window":
        for (const p of probes.values()) p.window(m.at);
        return reply({});
      case "report":
        return reply({ reports: [...probes.values()].map((p) => p.report()) });
      case "close":
        for (const p of probes.values()) p.close();
        probes.clear();
        return reply({});
    }
  } catch (err) {
    reply({ error: String(err) });
  }
};
