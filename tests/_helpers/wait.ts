// Polls a condition the server reaches asynchronously (a call torn down after its
// BYE or Release Complete was answered, a witness entry appended, media arriving).

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves with the first truthy value `fn` returns; throws after `ms` naming `what`. */
export async function until<T>(
  what: string,
  fn: () => T | false | undefined | null | Promise<T | false | undefined | null>,
  ms = 10_000,
): Promise<T> {
  const end = Date.now() + ms;
  let last: T | false | undefined | null;
  do {
    last = await fn();
    if (last) return last;
    await sleep(50);
  } while (Date.now() < end);
  throw new Error(`${what}: not within ${ms} ms (last: ${JSON.stringify(last)})`);
}

/** `until` without a name (the older form most tests use). */
export function waitFor<T>(probe: () => Promise<T | undefined | false>, ms = 5000): Promise<T> {
  return until("condition", probe, ms);
}
