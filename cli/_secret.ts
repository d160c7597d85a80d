// Secrets the CLI reads (H.323 passwords, room PINs) come from a file or stdin,
// never the command line, where other users and the shell history would see them.

import type { Api } from "./_api.ts";
import { UsageError } from "./_command.ts";

/** The first line of `file`, or of stdin, trimmed of its line ending; `what` names it. */
export async function readSecretLine(
  o: { file?: string; stdin?: boolean },
  what: string,
): Promise<string> {
  let text: string;
  try {
    text = o.file !== undefined
      ? await Deno.readTextFile(o.file)
      : await new Response(Deno.stdin.readable).text();
  } catch (err) {
    throw new UsageError(`cannot read the ${what}: ${(err as Error).message}`);
  }
  return text.split(/\r?\n/)[0];
}

/**
 * `password ID --password-file F | --password-stdin | --clear`, as `sip` and `h323` take
 * it: PUT { password } to `path`, or DELETE it; prints `set ID` / `cleared ID` (or JSON).
 */
export async function setOrClearPassword(
  values: { "password-file"?: string; "password-stdin"?: boolean; clear?: boolean; json?: boolean },
  api: Pick<Api, "request">,
  path: string,
  id: string,
): Promise<number> {
  const file = values["password-file"], stdin = !!values["password-stdin"];
  const sources = [file !== undefined, stdin];
  if (values.clear) {
    if (sources.some(Boolean)) throw new UsageError("--clear takes no password");
    await api.request("DELETE", path);
    console.log(values.json ? JSON.stringify({ cleared: id }) : `cleared ${id}`);
    return 0;
  }
  if (sources.filter(Boolean).length !== 1) {
    throw new UsageError("give exactly one of --password-file, --password-stdin, --clear");
  }
  const password = await readSecretLine({ file, stdin }, "password");
  if (!password) throw new UsageError("the password is empty");
  await api.request("PUT", path, { password });
  console.log(values.json ? JSON.stringify({ set: id }) : `set ${id}`);
  return 0;
}
