// Before a server serves or signs anything, the stored entries themselves must hash
// to what was signed: a byte changed in an old entry leaves the node tiles and the
// tree state untouched, so checking those alone would serve the altered entry and
// sign new heads over it. This re-hashes every entry (RFC 9162 leaves and nodes,
// nothing else: ~3 us an entry) and compares the root with the latest signed head
// and, for the entries after it, with the stored tree state. Only when they differ
// does the full audit run, to name the first bad index.

import { audit } from "./audit.ts";
import { readEntries } from "./bundles.ts";
import type { LogVerifier, TreeHead } from "./checkpoint.ts";
import { equalBytes, leafHash, toHex } from "./hash.ts";
import { kvAuditSource } from "./kv_source.ts";
import { KEYS } from "./_keys.ts";
import { Frontier } from "./merkle.ts";

export interface StoredLogProblem {
  /** The first entry that does not hash to what was signed, when the audit could name it. */
  firstBadIndex?: number;
  message: string;
}

/**
 * Undefined when entries [0, size) hash to the head's root at head.size and to
 * `stateRoot` at size; otherwise the problem, with the first bad index.
 */
export async function checkStoredEntries(
  kv: Deno.Kv,
  verifier: LogVerifier,
  head: TreeHead,
  size: number,
  stateRoot: Uint8Array,
): Promise<StoredLogProblem | undefined> {
  const frontier = new Frontier();
  let contradiction: string | undefined;
  if (head.size === 0 && size === 0) return undefined;
  for await (const { index, bytes } of readEntries(kv, KEYS.bundlePrefix, 0, size)) {
    if (index !== frontier.size) {
      contradiction = `entry ${frontier.size} is missing`;
      break;
    }
    frontier.append(leafHash(bytes));
    if (frontier.size === head.size && !equalBytes(frontier.root(), head.rootHash)) {
      contradiction = `the entries do not hash to the signed head at size ${head.size}`;
      break;
    }
  }
  if (!contradiction && frontier.size !== size) contradiction = `entry ${frontier.size} is missing`;
  if (!contradiction && !equalBytes(frontier.root(), stateRoot)) {
    contradiction = `the entries after the signed head at size ${head.size} do not hash to ` +
      `the stored tree (${toHex(stateRoot).slice(0, 16)}...)`;
  }
  if (!contradiction) return undefined;
  const report = await audit(kvAuditSource(kv, verifier));
  const named = report.problems.find((p) => p.index === report.firstBadIndex) ??
    report.problems[0];
  return {
    firstBadIndex: report.firstBadIndex,
    message: named ? `${contradiction}; ${named.message}` : contradiction,
  };
}
