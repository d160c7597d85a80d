// Failover drills that break a media worker from the inside, so that the pool finds
// out the way it would in a real failure: "throw" raises an uncaught error in the
// worker (the pool hears its error event), "hang" blocks the worker's thread for
// good (nothing answers: only the missed heartbeats tell). ("kill", the pool's
// killWorker, ends a worker from the outside.)
//
// The request travels on a BroadcastChannel rather than the pool's command protocol:
// a broken worker must look exactly as it would have without a drill, and the pool
// needs no knowledge of drills. Each worker listens for its own name (media-<index>).
// Nothing is answered on the channel (in Deno 2.9 replies to a channel the main
// thread opens per request were lost every other time); what the drill caused is
// the failover that follows, witnessed as media.worker_failover with its reason.

export type InnerFault = "throw" | "hang";

const CHANNEL = "council.media.drill";

interface DrillMessage {
  worker: string;
  how: InnerFault;
}

/** Asks media worker `index` to break itself. */
export function breakWorker(index: number, how: InnerFault): void {
  const channel = new BroadcastChannel(CHANNEL);
  channel.postMessage({ worker: `media-${index}`, how } satisfies DrillMessage);
  // An open channel would keep the process alive; what was posted is delivered.
  channel.close();
}

/** In a media worker named `name`: breaks it as asked. */
export function listenForDrills(name: string): void {
  const channel = new BroadcastChannel(CHANNEL);
  channel.onmessage = (e: MessageEvent<DrillMessage>) => {
    const { worker, how } = e.data;
    if (worker !== name) return;
    if (how === "throw") throw new Error(`failover drill: an error thrown in ${name}`);
    // Blocks the thread without spinning (a busy loop would take a core, and at the
    // workers' real-time priority starve the rest); terminate() still ends it.
    if (how === "hang") Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  };
}
