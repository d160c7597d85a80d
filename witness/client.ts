// A client for the witness HTTP API that trusts nothing it receives: heads are
// checked against a pinned (or first-fetched) key and proofs are verified locally.
// Used by `council witness` and usable by any auditor.

import type { AuditSource } from "./audit.ts";
import { type LogVerifier, openTreeHead, parseVerifierKey, type TreeHead } from "./checkpoint.ts";
import { fromBase64, fromHex } from "./hash.ts";
import { unpackTile } from "./tiles.ts";

export class WitnessClientError extends Error {
  override name = "WitnessClientError";
  /** The HTTP status when the server answered with an error. */
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

export interface EntryView {
  index: number;
  leafHash: string;
  entry: string;
  type: string;
  timestamp: number;
  payload: unknown;
  /** Why the stored bytes do not decode (a damaged entry, served as stored). */
  error?: string;
}

export class WitnessClient {
  #verifier?: LogVerifier;

  constructor(readonly baseUrl: string, verifier?: LogVerifier) {
    this.#verifier = verifier;
  }

  async #get<T>(path: string, init?: RequestInit): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}/api/v1/witness${path}`, init);
    } catch (err) {
      throw new WitnessClientError(`cannot reach ${this.baseUrl}: ${(err as Error).message}`);
    }
    const body = await res.json().catch(() => undefined);
    if (!res.ok) {
      const message = body?.error?.message ?? res.statusText;
      throw new WitnessClientError(`${res.status} ${message}`, res.status);
    }
    return body as T;
  }

  /** The log's key: the pinned one, or the server's on first use. */
  async verifier(): Promise<LogVerifier> {
    this.#verifier ??= parseVerifierKey(
      (await this.#get<{ verifierKey: string }>("/key")).verifierKey,
    );
    return this.#verifier;
  }

  async head(publish = false): Promise<TreeHead> {
    const body = await this.#get<{ note: string }>(
      "/head",
      publish ? { method: "POST" } : undefined,
    );
    return await openTreeHead(body.note, await this.verifier());
  }

  async entry(index: number): Promise<EntryView> {
    return await this.#get<EntryView>(`/entries/${index}`);
  }

  async entries(start: number, end: number): Promise<EntryView[]> {
    return (await this.#get<{ entries: EntryView[] }>(`/entries?start=${start}&end=${end}`))
      .entries;
  }

  async inclusionProof(
    index: number,
    size: number,
  ): Promise<{ leafHash: Uint8Array; path: Uint8Array[] }> {
    const body = await this.#get<{ leafHash: string; path: string[] }>(
      `/proof/inclusion?index=${index}&size=${size}`,
    );
    return { leafHash: hex32(body.leafHash), path: body.path.map(hex32) };
  }

  async consistencyProof(first: number, second: number): Promise<Uint8Array[]> {
    const body = await this.#get<{ path: string[] }>(
      `/proof/consistency?first=${first}&second=${second}`,
    );
    return body.path.map(hex32);
  }

  /** Everything the auditor needs, read over HTTP. */
  async auditSource(): Promise<AuditSource> {
    const verifier = await this.verifier();
    const head = await this.#get<{ size: number }>("/head");
    return {
      verifier,
      // Over HTTP the auditable log is what the newest signed head covers.
      size: () => Promise.resolve(head.size),
      entries: async function* (this: WitnessClient, start: number, end: number) {
        for (let at = start; at < end; at += 1000) {
          for (const e of await this.entries(at, Math.min(end, at + 1000))) {
            const bytes = fromBase64(e.entry);
            if (!bytes) throw new WitnessClientError(`entry ${e.index} is not base64`);
            yield { index: e.index, bytes };
          }
        }
      }.bind(this),
      // Tiles let the audit name a changed entry; a server without them (404) is
      // audited against its signed heads alone.
      tile: async (t: number, k: number) => {
        const body = await this.#get<{ width: number; hashes: string }>(`/tiles/${t}/${k}`)
          .catch((err) => {
            if (err instanceof WitnessClientError && err.status === 404) return undefined;
            throw err;
          });
        const hashes = body && fromBase64(body.hashes);
        return body && hashes ? unpackTile({ width: body.width, hashes }) : undefined;
      },
      heads: async function* (this: WitnessClient) {
        let from = 0;
        for (;;) {
          const page = await this.#get<{ heads: Array<{ size: number; note: string }> }>(
            `/heads?from=${from}&limit=1000`,
          );
          for (const h of page.heads) yield { size: h.size, note: h.note };
          if (page.heads.length < 1000) return;
          from = page.heads[page.heads.length - 1].size + 1;
        }
      }.bind(this),
    };
  }
}

function hex32(text: string): Uint8Array {
  const bytes = fromHex(text);
  if (!bytes || bytes.length !== 32) throw new WitnessClientError("server sent a malformed hash");
  return bytes;
}
