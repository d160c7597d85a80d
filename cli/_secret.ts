// Secrets the CLI reads (H.323 passwords, room PINs) come from a file or stdin,
// never the command line, where other users and the shell history would see them.

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
