/** What raceDeadline resolves to when the time runs out first. */
export const TIMED_OUT: unique symbol = Symbol("timed out");

/** Settles with the promise, or TIMED_OUT after ms; never leaves a timer behind. */
export async function raceDeadline<T>(
  promise: Promise<T>,
  ms: number,
): Promise<T | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
