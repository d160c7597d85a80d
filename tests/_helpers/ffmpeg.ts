// Debian's ffmpeg as a test's far end (RTP, SRT), quiet but for errors, killed when
// it outlives `timeoutMs`.

export function ffmpeg(args: string[], timeoutMs: number): Promise<Deno.CommandOutput> {
  const child = new Deno.Command("ffmpeg", {
    args: ["-hide_banner", "-loglevel", "error", "-nostdin", ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return child.output().finally(() => clearTimeout(timer));
}
