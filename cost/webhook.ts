// Budget alerts to an operator's URL: a JSON POST, retried with exponential backoff
// (0.5, 1, 2, 4 s) until a 2xx or five attempts. Bounded: at most QUEUE deliveries
// wait; beyond that the oldest is dropped and logged (the witness keeps the alert).

import type { Logger } from "../telemetry/mod.ts";

const ATTEMPTS = 5;
const FIRST_BACKOFF_MS = 500;
const TIMEOUT_MS = 5000;
const QUEUE = 100;

export class Webhook {
  #queue: unknown[] = [];
  #running = false;
  #closed = false;
  #wake?: () => void;
  /** Deliveries that succeeded, and that were given up (for stats and tests). */
  delivered = 0;
  failed = 0;

  constructor(
    private readonly url: string,
    private readonly log: Logger,
    private readonly userAgent: string,
  ) {}

  send(body: unknown): void {
    if (this.#closed) return;
    if (this.#queue.length >= QUEUE) {
      this.#queue.shift();
      this.failed++;
      this.log.warn("webhook queue full; dropped the oldest alert");
    }
    this.#queue.push(body);
    if (!this.#running) this.#run();
  }

  async #run(): Promise<void> {
    this.#running = true;
    while (this.#queue.length && !this.#closed) {
      const body = this.#queue.shift();
      let ok = false;
      for (let attempt = 0; attempt < ATTEMPTS && !this.#closed; attempt++) {
        if (attempt > 0) await this.#sleep(FIRST_BACKOFF_MS * 2 ** (attempt - 1));
        try {
          const res = await fetch(this.url, {
            method: "POST",
            headers: { "content-type": "application/json", "user-agent": this.userAgent },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(TIMEOUT_MS),
          });
          await res.body?.cancel();
          if (res.ok) {
            ok = true;
            break;
          }
          this.log.warn("webhook refused", { status: res.status, attempt: attempt + 1 });
        } catch (err) {
          this.log.warn("webhook unreachable", { err: String(err), attempt: attempt + 1 });
        }
      }
      if (ok) this.delivered++;
      else {
        this.failed++;
        this.log.error("webhook gave up", { attempts: ATTEMPTS });
      }
    }
    this.#running = false;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  close(): void {
    this.#closed = true;
    this.#wake?.();
  }
}
