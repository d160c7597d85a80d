// Runs inside a candidate's confined process (sandbox_process.ts starts it): reads its
// orders on stdin, connects the agent through the runner's one loopback port, hands it
// to the package's default export and reports to the runner on stdout. It holds no
// permission the candidate lacks: speech is rendered by the runner on request, since
// the process may not run espeak-ng itself.
//
// An agent that joined with Opus has its PCM encoded by the runner too (ffmpeg).
//
// stdin:  one JSON line of orders, then answers {say, pcm} to speech requests and
//         {encoded, packets} to encoding requests.
// stdout: "<token> <json>" lines: ready, refused, say, encode, denied, error, ended, left.

import * as sdk from "../agent/mod.ts";
import { fromBase64, toBase64 } from "../witness/base64.ts";

interface Orders {
  token: string;
  url: string;
  guardianId: string;
  secretKey: string;
  room: string;
  callType: "ROUTINE" | "ESCALATE" | "EMERGENCY";
  codecs: ("L16" | "opus")[];
  entry: string;
}

const out = (ev: Record<string, unknown>) =>
  Deno.stdout.writeSync(new TextEncoder().encode(`${orders.token} ${JSON.stringify(ev)}\n`));

const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
let buffered = "";
async function nextLine(): Promise<string | undefined> {
  while (!buffered.includes("\n")) {
    const { value, done } = await lines.read();
    if (done) return undefined;
    buffered += value;
    if (buffered.length > 8 * 1024 * 1024) throw new Error("stdin line over 8 MiB");
  }
  const nl = buffered.indexOf("\n");
  const line = buffered.slice(0, nl);
  buffered = buffered.slice(nl + 1);
  return line;
}

const orders = JSON.parse((await nextLine()) ?? "{}") as Orders;

// A candidate that tries what it may not is stopped by Deno (NotCapable); the runner
// also reads Deno's permission audit, but an uncaught refusal is worth naming here.
function report(err: unknown): void {
  const e = err as Error;
  out({ ev: e?.name === "NotCapable" ? "denied" : "error", message: String(e?.message ?? e) });
}
globalThis.addEventListener("unhandledrejection", (e) => {
  e.preventDefault();
  report(e.reason);
});
globalThis.addEventListener("error", (e) => {
  e.preventDefault();
  report(e.error);
});

// Forking is refused by Deno (no --allow-run). Deno has no permission for Web Workers
// (a data: URL worker runs under these flags, checked), so the harness refuses them
// itself: a worker would run the candidate's code on threads the checks do not watch.
// A candidate that tries either is reported, even when it catches the error.
function reportConstruct(
  name: string,
  Real: new (...a: never[]) => unknown,
  refuse?: string,
): unknown {
  return new Proxy(Real, {
    construct(target, args, newTarget) {
      out({ ev: "denied", message: `${name} ${String(args[0]).slice(0, 100)}` });
      if (refuse) throw new Deno.errors.NotCapable(refuse);
      return Reflect.construct(target, args, newTarget);
    },
  });
}
try {
  Object.defineProperty(Deno, "Command", { value: reportConstruct("run", Deno.Command) });
  Object.defineProperty(globalThis, "Worker", {
    value: reportConstruct("worker", Worker, "Web Workers are refused in Council's sandbox"),
  });
} catch { /* not replaceable here: Deno's own refusal still stands */ }

// Speech requests go to the runner, which answers with 16 kHz PCM; encoding requests
// (PCM to Opus packets) too.
const speech = new Map<number, (pcm: Int16Array) => void>();
const encoding = new Map<number, (packets: Uint8Array[]) => void>();
let nextSpeech = 1;
(async () => {
  for (let line = await nextLine(); line !== undefined; line = await nextLine()) {
    const msg = JSON.parse(line) as
      | { say: number; pcm: string }
      | { encoded: number; packets: string[] };
    if ("encoded" in msg) {
      encoding.get(msg.encoded)?.(msg.packets.map((p) => fromBase64(p) ?? new Uint8Array()));
      encoding.delete(msg.encoded);
      continue;
    }
    const bytes = fromBase64(msg.pcm) ?? new Uint8Array();
    speech.get(msg.say)?.(new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1));
    speech.delete(msg.say);
  }
})().catch(report);
const encodeByRunner = (pcm: Int16Array): Promise<Uint8Array[]> => {
  const id = nextSpeech++;
  const packets = new Promise<Uint8Array[]>((done) => encoding.set(id, done));
  const bytes = new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  out({ ev: "encode", id, pcm: toBase64(bytes) });
  return packets;
};

// The package loads before anything connects: an entry that is missing or exports no
// function is the package's fault, reported as such.
let main: (agent: sdk.Agent, kit: typeof sdk) => unknown;
try {
  const mod = await import(orders.entry);
  if (typeof mod.default !== "function") throw new Error("its default export is not a function");
  main = mod.default;
} catch (err) {
  out({ ev: "unloadable", message: String((err as Error).message).slice(0, 500) });
  Deno.exit(4);
}

let agent: sdk.Agent;
try {
  agent = await sdk.connectAgent({
    url: orders.url,
    guardianId: orders.guardianId,
    secretKey: orders.secretKey,
    room: orders.room,
    codecs: orders.codecs,
    callType: orders.callType,
    reconnect: { initialMs: 250, maxMs: 2000 },
    opus: { encoder: encodeByRunner },
  });
} catch (err) {
  const e = err as sdk.AgentError;
  out({ ev: "refused", code: e.code ?? e.name, message: e.message });
  Deno.exit(3);
}
agent.say = (text: string) => {
  const id = nextSpeech++;
  const pcm = new Promise<Int16Array>((done) => speech.set(id, done));
  out({ ev: "say", id, text: String(text).slice(0, 500) });
  return pcm.then((p) => agent.play(p));
};
agent.onState((state, detail) => {
  if (state === "ended") {
    out({ ev: "ended", detail });
    Deno.exit(1);
  }
});
let leaving = false;
Deno.addSignalListener("SIGTERM", async () => {
  if (leaving) return;
  leaving = true;
  await agent.close();
  out({ ev: "left" });
  Deno.exit(0);
});
out({ ev: "ready", memberId: agent.memberId, codec: agent.codec });
try {
  await main(agent, sdk);
} catch (err) {
  report(err);
}
