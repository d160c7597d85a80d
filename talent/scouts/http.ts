// What every scout needs from HTTP: conditional GETs (ETag / If-Modified-Since), a
// bounded body, a timeout, and the source's rate-limit and Retry-After headers read
// into one "not before" time, so a scout neither hammers a source nor hangs on one.

export class ScoutError extends Error {
  override name = "ScoutError";
  constructor(
    message: string,
    /** When to ask this source again at the earliest (epoch ms), if it said. */
    readonly notBefore?: number,
  ) {
    super(message);
  }
}

export interface Validators {
  etag?: string;
  lastModified?: string;
}

export interface Fetched {
  status: 200 | 304;
  body: string;
  validators: Validators;
  /** Requests left in the source's window, and when it resets (epoch ms), if it says. */
  remaining?: number;
  resetAt?: number;
}

export const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or bad. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d{1,7}$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** GitHub's x-ratelimit-* and the IETF RateLimit header (Hugging Face) as one reading. */
export function rateLimitOf(
  h: Headers,
  now = Date.now(),
): { remaining?: number; resetAt?: number } {
  const remaining = h.get("x-ratelimit-remaining");
  const reset = h.get("x-ratelimit-reset");
  if (remaining !== null && /^\d+$/.test(remaining)) {
    return {
      remaining: Number(remaining),
      resetAt: reset && /^\d{1,12}$/.test(reset) ? Number(reset) * 1000 : undefined,
    };
  }
  // draft-ietf-httpapi-ratelimit-headers: RateLimit: "policy";r=REMAINING;t=SECONDS
  const ietf = /(?:^|[;,\s])r=(\d+)[^,]*?;\s*t=(\d+)/.exec(h.get("ratelimit") ?? "");
  if (ietf) return { remaining: Number(ietf[1]), resetAt: now + Number(ietf[2]) * 1000 };
  return {};
}

async function boundedText(res: Response): Promise<string> {
  if (!res.body) return "";
  let size = 0;
  // Counted as it streams: a source cannot make the scout hold more than the bound.
  const counted = res.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, out) {
        size += chunk.byteLength;
        if (size > MAX_BODY_BYTES) out.error(new ScoutError(`answer over ${MAX_BODY_BYTES} bytes`));
        else out.enqueue(chunk);
      },
    }),
  );
  const bytes = new Uint8Array(await new Response(counted).arrayBuffer());
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}

export async function conditionalGet(
  url: string,
  o: { validators?: Validators; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Fetched> {
  const headers: Record<string, string> = { "user-agent": "council-talent-scout/1", ...o.headers };
  if (o.validators?.etag) headers["if-none-match"] = o.validators.etag;
  if (o.validators?.lastModified) headers["if-modified-since"] = o.validators.lastModified;
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: AbortSignal.timeout(o.timeoutMs ?? 10_000) });
  } catch (err) {
    const e = err as Error;
    throw new ScoutError(
      e.name === "TimeoutError" ? `no answer within ${o.timeoutMs ?? 10_000} ms` : e.message,
    );
  }
  const limit = rateLimitOf(res.headers);
  const validators: Validators = {
    etag: res.headers.get("etag") ?? o.validators?.etag,
    lastModified: res.headers.get("last-modified") ?? o.validators?.lastModified,
  };
  if (res.status === 304) {
    await res.body?.cancel();
    return { status: 304, body: "", validators, ...limit };
  }
  const wait = retryAfterMs(res.headers.get("retry-after"));
  if (res.status === 429 || (res.status === 403 && limit.remaining === 0)) {
    await res.body?.cancel();
    const notBefore = wait !== undefined ? Date.now() + wait : limit.resetAt;
    throw new ScoutError(`rate limited (${res.status})`, notBefore);
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new ScoutError(
      `answered ${res.status}`,
      wait !== undefined ? Date.now() + wait : undefined,
    );
  }
  let body: string;
  try {
    body = await boundedText(res);
  } catch (err) {
    if (err instanceof ScoutError) throw err;
    throw new ScoutError(`unreadable answer (${(err as Error).message})`);
  }
  return { status: 200, body, validators, ...limit };
}
