// Network namespaces for tests: a program started in one has a network of its own,
// so a test can take fixed ports (Council's embedded defaults) whatever else this
// machine runs, or prove a program needs no network at all. unshare -n needs
// CAP_SYS_ADMIN (root, as CI is); unshare -rn works unprivileged where user
// namespaces are allowed. When neither works a test must say so in its name.

export type Isolation =
  | { ok: true; /** Put before the program and its arguments. */ prefix: string[]; how: string }
  | { ok: false; why: string };

async function runs(args: string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command(args[0], {
      args: args.slice(1),
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false; // not installed
  }
}

/** A namespace with nothing in it, not even loopback: no network at all. */
export async function emptyNetwork(): Promise<Isolation> {
  for (const flags of [["-n"], ["-r", "-n"]]) {
    const prefix = ["unshare", ...flags];
    if (await runs([...prefix, "true"])) {
      return { ok: true, prefix, how: `unshare ${flags.join(" ")}` };
    }
  }
  return { ok: false, why: "unshare -n and unshare -rn are refused here" };
}

/** A namespace with loopback only, up: 127.0.0.1 with every port free. */
export async function loopbackOnly(): Promise<Isolation> {
  const empty = await emptyNetwork();
  if (!empty.ok) return empty;
  const prefix = [...empty.prefix, "sh", "-c", 'ip link set lo up && exec "$@"', "sh"];
  if (await runs([...prefix, "true"])) return { ok: true, prefix, how: `${empty.how}, lo up` };
  return { ok: false, why: `"ip link set lo up" fails under ${empty.how}` };
}

/**
 * Runs `cmd` in the network namespace of process `pid` (one started with a prefix
 * from above; exec keeps the pid) and returns its exit code and output.
 */
export async function inNetworkOf(
  pid: number,
  cmd: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  // A namespace made by unshare -r belongs to a user namespace: enter that too.
  const ownUserNs = Deno.readLinkSync(`/proc/${pid}/ns/user`) !==
    Deno.readLinkSync("/proc/self/ns/user");
  const out = await new Deno.Command("nsenter", {
    args: [
      `--net=/proc/${pid}/ns/net`,
      ...(ownUserNs ? [`--user=/proc/${pid}/ns/user`, "--preserve-credentials"] : []),
      "--",
      ...cmd,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}
