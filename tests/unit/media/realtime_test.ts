// Real-time scheduling for a media worker's thread: granted exactly when the kernel
// allows this process SCHED_RR at the priority asked (CAP_SYS_NICE in the initial
// user namespace, or RLIMIT_RTPRIO at least that priority, and a real-time budget in
// its cgroup), refused with the reason otherwise, never an exception; bad priorities
// are refused before any system call.

import assert from "node:assert/strict";
import { realtimeThread } from "../../../native/mod.ts";

const MOD = new URL("../../../native/mod.ts", import.meta.url).href;
const REFUSED = "not permitted (needs CAP_SYS_NICE or LimitRTPRIO)";
const PRIORITY = 5;

/** Asks for SCHED_RR at `priority` and reports what the kernel then says of the thread. */
const PROBE = `import { realtimeThread } from "${MOD}";
  const why = realtimeThread(${PRIORITY});
  const stat = Deno.readTextFileSync("/proc/thread-self/stat");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // proc(5): field 40 is rt_priority, 41 the policy (2: SCHED_RR); fields start at 3 here.
  const report = { why, rtPriority: Number(f[37]), policy: Number(f[38]) };
  if (typeof self.postMessage === "function") self.postMessage(report);
  else console.log(JSON.stringify(report));`;

type Report = { why: string | null; rtPriority: number; policy: number };

/**
 * Whether this process may put a thread on SCHED_RR at PRIORITY, read from what the
 * kernel checks (sched_setscheduler(2), sched(7)), and the reason in words.
 */
function realtimePermitted(): { permitted: boolean; because: string } {
  const status = Deno.readTextFileSync("/proc/self/status");
  const capEff = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)$/m.exec(status)![1]}`);
  const sysNice = ((capEff >> 23n) & 1n) === 1n; // CAP_SYS_NICE is capability 23
  // capable() looks at the initial user namespace: a namespace's own root does not count.
  const initialNs = Deno.readTextFileSync("/proc/self/uid_map").trim().split(/\s+/).join(" ") ===
    "0 0 4294967295";
  const limit =
    /^Max realtime priority\s+(\S+)/m.exec(Deno.readTextFileSync("/proc/self/limits"))![1];
  const rtprio = limit === "unlimited" ? Infinity : Number(limit);
  const budget = cgroupRealtimeBudget();
  const why: string[] = [];
  if (sysNice && initialNs) why.push("CAP_SYS_NICE");
  else why.push(sysNice ? "CAP_SYS_NICE only in a user namespace" : "no CAP_SYS_NICE");
  why.push(`RLIMIT_RTPRIO ${limit}`);
  if (budget !== undefined) why.push(`cgroup cpu.rt_runtime_us ${budget}`);
  return {
    permitted: ((sysNice && initialNs) || rtprio >= PRIORITY) && budget !== 0,
    because: why.join(", "),
  };
}

/** cpu.rt_runtime_us of this process's cgroup when the kernel has real-time group scheduling. */
function cgroupRealtimeBudget(): number | undefined {
  for (const line of Deno.readTextFileSync("/proc/self/cgroup").trim().split("\n")) {
    const [, controllers, path] = line.split(":");
    const dirs = controllers === ""
      ? ["", "unified/"]
      : controllers.split(",").includes("cpu")
      ? [`${controllers}/`, "cpu/"]
      : [];
    for (const dir of dirs) {
      try {
        return Number(Deno.readTextFileSync(`/sys/fs/cgroup/${dir}${path}/cpu.rt_runtime_us`));
      } catch { /* not there */ }
    }
  }
  return undefined;
}

function assertGranted(r: Report) {
  assert.deepEqual(r, { why: null, rtPriority: PRIORITY, policy: 2 });
}

function assertRefused(r: Report) {
  assert.deepEqual(r, { why: REFUSED, rtPriority: 0, policy: 0 });
}

Deno.test("realtimeThread refuses priorities outside 1-99 without asking the kernel", () => {
  for (const p of [0, 100, -1, 1.5]) assert.equal(realtimeThread(p), "invalid priority");
});

const here = realtimePermitted();
Deno.test(
  here.permitted
    ? `realtimeThread in a worker: SCHED_RR at ${PRIORITY} granted (${here.because})`
    : `realtimeThread in a worker: refused, saying why (${here.because})`,
  async () => {
    // In a worker, so the test runner's own thread keeps its scheduler.
    const url = `data:application/javascript,${encodeURIComponent(PROBE)}`;
    const worker = new Worker(url, { type: "module" });
    const report = await new Promise<Report>((resolve) =>
      worker.onmessage = (e) => resolve(e.data)
    );
    worker.terminate();
    if (here.permitted) assertGranted(report);
    else assertRefused(report);
  },
);

Deno.test("realtimeThread without CAP_SYS_NICE and with RLIMIT_RTPRIO 0 is refused, saying why", async () => {
  // A child process with neither (setpriv and prlimit, util-linux) whatever this one has.
  const out = await new Deno.Command("prlimit", {
    args: [
      "--rtprio=0:0",
      "setpriv",
      "--inh-caps=-sys_nice",
      "--ambient-caps=-sys_nice",
      "--bounding-set=-sys_nice",
      Deno.execPath(),
      "eval",
      PROBE,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  assertRefused(JSON.parse(new TextDecoder().decode(out.stdout)));
});
