// CPU affinity for load tests on a shared host: the server and the programs that
// stand in for its users' machines can be kept on separate CPUs.

/** The process and all its descendants, from /proc. */
function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      parents.set(Number(e.name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch { /* gone */ }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

/**
 * Moves a process, every process it started and all their threads onto `cpus`
 * (taskset syntax, e.g. "0-2"); processes they start later inherit it.
 */
export async function confine(pid: number, cpus: string): Promise<void> {
  for (const p of processTree(pid)) {
    await new Deno.Command("taskset", {
      args: ["-a", "-p", "-c", cpus, String(p)],
      stdout: "null",
      stderr: "null",
    }).output();
  }
}
