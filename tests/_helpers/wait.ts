// Polls a condition the server reaches asynchronously (a call torn down after its
// BYE or Release Complete was answered, a witness entry appended).

/** Resolves with the probe's first truthy value; throws after `ms`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  ms = 5000,
): Promise<T> {
  const deadline = Date.now() + ms;
  while (true) {
    const v = await probe();
    if (v) return v as T;
    if (Date.now() > deadline) throw new Error(`condition not met in time (${String(v)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
