// H.323 figures (issue 7), against a running server over UDP on loopback:
//   h323.arq_per_s   ARQ -> ACF answered per second, each ARQ carrying a freshly
//                    signed admission request (Ed25519 verified) and each decision
//                    witnessed; 256 requests outstanding
//   h323.arq_p99_ms  ARQ -> ACF round trip p99 at 1,000 ARQ/s
// The ARQs are GNU Gatekeeper's capture's ARQ (ooh323c's encoding) with Council's
// token, endpoint identifier and room filled in.

import { addGuardian } from "../tests/_helpers/council_api.ts";
import { benchCouncil } from "./_council.ts";
import { RasClient, rasFrames } from "../tests/_helpers/ras.ts";
import { admissionToken, decodeRas, encodeRas } from "../signaling/h323/mod.ts";
import { type Figure, percentile, round } from "./figure.ts";

const GUARDIANS = 20;

interface Prepared {
  arqs: Uint8Array[];
}

async function prepare(
  base: string,
  ras: RasClient,
  count: number,
  tag: string,
  rrqSeq: number,
): Promise<Prepared> {
  const call = await rasFrames("gnugk-ras-call.pcapng");
  const rrq = decodeRas(call.get(3)!).registrationRequest;
  const arq = decodeRas(call.get(21)!).admissionRequest;
  const endpoints: { id: string; g: Awaited<ReturnType<typeof addGuardian>> }[] = [];
  for (let i = 0; i < GUARDIANS; i++) {
    const g = await addGuardian(base, `${tag}${i}`, { bandwidthKbps: 100_000 });
    const rcf = await ras.ask({
      registrationRequest: {
        ...rrq,
        // Distinct per RRQ: the gatekeeper answers a repeated (source, sequence) from memory.
        requestSeqNum: rrqSeq + i,
        gatekeeperIdentifier: undefined,
        terminalAlias: [{ "h323-ID": g.name }],
        callSignalAddress: [{
          ipAddress: { ip: new Uint8Array([127, 0, 0, 1]), port: 20_000 + i },
        }],
      },
    });
    const id = rcf?.registrationConfirm?.endpointIdentifier as string | undefined;
    if (!id) throw new Error(`registration failed: ${JSON.stringify(rcf)}`);
    endpoints.push({ id, g });
  }
  const arqs: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const { id, g } = endpoints[i % GUARDIANS];
    const room = `${tag}-${Math.floor(i / 900)}`;
    const guid = crypto.getRandomValues(new Uint8Array(16));
    arqs.push(encodeRas({
      admissionRequest: {
        ...arq,
        requestSeqNum: i + 1,
        endpointIdentifier: id,
        destinationInfo: [{ "h323-ID": `council-${room}` }],
        srcInfo: [{ "h323-ID": g.name }],
        gatekeeperIdentifier: "Council",
        answerCall: false,
        callIdentifier: { guid },
        conferenceID: guid,
        tokens: [admissionToken(await g.request(room, { bandwidthKbps: 64, codecs: ["PCMA"] }))],
      },
    }));
  }
  return { arqs };
}

/** Sends every ARQ with `window` outstanding, or paced at `rate`; returns ACF times. */
async function drive(
  port: number,
  arqs: Uint8Array[],
  opts: { window?: number; rate?: number },
): Promise<{ seconds: number; rtts: number[]; confirmed: number }> {
  const sock = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const to = { transport: "udp" as const, hostname: "127.0.0.1", port };
  const sentAt = new Map<number, number>();
  const rtts: number[] = [];
  let confirmed = 0;
  let answered = 0;
  const rejected = new Set<string>();
  let next = 0;
  const send = async () => {
    const i = next++;
    sentAt.set(i + 1, performance.now());
    await sock.send(arqs[i], to);
  };
  const started = performance.now();
  // Like an endpoint (H.225.0 7.x): an unanswered request is sent again after 1 s
  // (loopback drops datagrams when the receiving socket's buffer is full).
  const resend = setInterval(() => {
    const late = performance.now() - 1000;
    for (const [seq, t0] of sentAt) {
      if (t0 < late) sock.send(arqs[seq - 1], to).catch(() => {});
    }
  }, 250);
  let last = started;
  const done = (async () => {
    while (answered < arqs.length) {
      const [data] = await sock.receive();
      const v = decodeRas(data);
      const [kind] = Object.keys(v);
      if (kind === "requestInProgress") continue;
      const seq = (v[kind] as { requestSeqNum: number }).requestSeqNum;
      const t0 = sentAt.get(seq);
      if (t0 === undefined) continue;
      sentAt.delete(seq);
      answered++;
      last = performance.now();
      if (kind === "admissionConfirm") {
        confirmed++;
        rtts.push(performance.now() - t0);
      } else if (rejected.size < 3) rejected.add(JSON.stringify(v).slice(0, 200));
      if (opts.window && next < arqs.length) await send();
    }
  })();
  if (opts.window) {
    for (let i = 0; i < Math.min(opts.window, arqs.length); i++) await send();
  } else {
    const gap = 1000 / opts.rate!;
    while (next < arqs.length) {
      const due = started + next * gap;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      await send();
    }
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([done, new Promise((r) => (timer = setTimeout(r, 60_000)))]);
  clearTimeout(timer);
  clearInterval(resend);
  const seconds = (last - started) / 1000;
  sock.close();
  if (rejected.size) console.error(`h323: not confirmed: ${[...rejected].join(" ")}`);
  return { seconds, rtts, confirmed };
}

export async function* h323Suite(): AsyncIterable<Figure> {
  const c = await benchCouncil({
    // Every admitted call holds a media port until its DRQ; 13,000 calls need more
    // than the default range's 5,000 (even) ports.
    COUNCIL_MEDIA_RTP_PORT_MIN: "10000",
    COUNCIL_MEDIA_RTP_PORT_MAX: "65000",
  });
  const ras = new RasClient(c.rasPort);
  try {
    const load = await prepare(c.url, ras, 10_000, "thru", 60_000);
    const t = await drive(c.rasPort, load.arqs, { window: 256 });
    console.error(
      `h323 arq: ${t.confirmed}/${load.arqs.length} confirmed in ${t.seconds.toFixed(2)} s`,
    );
    yield {
      suite: "h323",
      name: "h323.arq_per_s",
      value: t.confirmed === load.arqs.length ? Math.round(t.confirmed / t.seconds) : 0,
      unit: "ARQ/s",
      goal: ">=5000",
    };
    const paced = await prepare(c.url, ras, 3000, "lat", 61_000);
    const l = await drive(c.rasPort, paced.arqs, { rate: 1000 });
    const sorted = l.rtts.sort((a, b) => a - b);
    console.error(`h323 arq latency: ${l.confirmed}/${paced.arqs.length} confirmed`);
    yield {
      suite: "h323",
      name: "h323.arq_p99_ms",
      value: round(sorted.length ? percentile(sorted, 99) : NaN, 2),
      unit: "ms",
      goal: "<5 at 1000 ARQ/s",
    };
  } finally {
    ras.close();
    await c.stop();
  }
}
