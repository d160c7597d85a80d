// `council witness head|show|proof|verify|export`: read and check IF.witness, over
// the HTTP API of a running server (--url) or straight from a KV file (--kv).

import { loadConfig } from "../config/mod.ts";
import {
  audit,
  type AuditReport,
  type AuditSource,
  kvAuditSource,
  type LogVerifier,
  parseVerifierKey,
  storedVerifier,
  toBase64,
  toHex,
  verifierKey,
  verifyInclusion,
  WitnessClient,
  WitnessClientError,
} from "../witness/mod.ts";
import { type Command, parseSubcommand, UsageError } from "./_command.ts";
import { serverUrl } from "./_api.ts";

const HELP = `council witness <head|show|proof|verify|export> [options]

  head [--publish]          the latest signed tree head (--publish: sign one now)
  show INDEX                one entry, decoded
  proof INDEX [--size N]    fetch an inclusion proof and verify it locally against
                            the signed head of size N (default: the latest head)
  verify                    audit the whole log: every entry re-hashed and checked
                            canonical, the tree rebuilt, every head's signature and
                            root checked; names the first bad index
  export [--out FILE]       the key, every signed head and every entry as JSON lines

options:
  --url URL     server to ask (default: http://<http.host>:<http.port> from config)
  --kv PATH     read a KV database directly instead (verify, export)
  --key VKEY    pin the log key (name+keyid+base64); otherwise the server's or the
                stored key is trusted on first use
  --json        machine-readable output

exit codes: 0 ok, 1 verification failed or not found, 2 usage error`;

const FLAGS = {
  url: { type: "string" },
  kv: { type: "string" },
  key: { type: "string" },
  size: { type: "string" },
  out: { type: "string" },
  publish: { type: "boolean" },
  json: { type: "boolean" },
} as const;

export const witnessCommand: Command = {
  name: "witness",
  summary: "inspect, prove and audit the IF.witness log",
  help: HELP,
  async run(args): Promise<number> {
    const parsed = parseSubcommand(args, FLAGS, HELP);
    if (typeof parsed === "number") return parsed;
    const { values, sub, rest } = parsed;
    const pinned = values.key ? parseKey(values.key) : undefined;
    const client = () => new WitnessClient(serverUrl(values.url), pinned);
    const print = (json: unknown, text: string) =>
      console.log(values.json ? JSON.stringify(json) : text);
    try {
      switch (sub) {
        case "head": {
          noMore(rest);
          const head = await client().head(values.publish);
          print(
            {
              origin: head.origin,
              size: head.size,
              rootHash: toHex(head.rootHash),
              timestamp: head.timestamp,
              note: head.note,
            },
            `${head.origin}: size ${head.size}, root ${toHex(head.rootHash)}, signed ${
              new Date(head.timestamp).toISOString()
            }`,
          );
          return 0;
        }
        case "show": {
          const entry = await client().entry(indexArg(rest));
          print(
            entry,
            `#${entry.index} ${new Date(entry.timestamp).toISOString()} ${entry.type} ${
              JSON.stringify(entry.payload)
            }\n  leaf ${entry.leafHash}`,
          );
          return 0;
        }
        case "proof": {
          const index = indexArg(rest);
          const c = client();
          const head = await c.head();
          const size = values.size === undefined ? head.size : intArg("--size", values.size);
          if (size !== head.size) {
            throw new UsageError(`--size must be the latest signed head's size (${head.size})`);
          }
          const { leafHash, path } = await c.inclusionProof(index, size);
          const ok = verifyInclusion(index, size, leafHash, path, head.rootHash);
          print(
            {
              verified: ok,
              index,
              size,
              leafHash: toHex(leafHash),
              path: path.map(toHex),
              rootHash: toHex(head.rootHash),
            },
            ok
              ? `verified: entry ${index} is in ${head.origin} at size ${size} (root ${
                toHex(head.rootHash)
              }, ${path.length} hashes)`
              : `NOT verified: the proof for entry ${index} does not lead to the signed root`,
          );
          return ok ? 0 : 1;
        }
        case "verify": {
          noMore(rest);
          const { source, close } = await openSource(values.kv, values.url, pinned);
          let report: AuditReport;
          try {
            report = await audit(source);
          } finally {
            close();
          }
          print(report, describe(report));
          return report.ok ? 0 : 1;
        }
        case "export": {
          noMore(rest);
          const { source, close } = await openSource(values.kv, values.url, pinned);
          try {
            await exportLog(source, values.out);
          } finally {
            close();
          }
          return 0;
        }
        default:
          throw new UsageError(`unknown witness command '${sub}'`);
      }
    } catch (err) {
      if (err instanceof WitnessClientError) {
        console.error(`council witness: ${err.message}`);
        return 1;
      }
      if (err instanceof Error && err.name === "HeadError") {
        console.error(`council witness: signed head rejected: ${err.message}`);
        return 1;
      }
      throw err;
    }
  },
};

function parseKey(text: string): LogVerifier {
  try {
    return parseVerifierKey(text);
  } catch (err) {
    throw new UsageError(`--key: ${(err as Error).message}`);
  }
}

function intArg(name: string, raw: string): number {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(raw)) {
    throw new UsageError(`${name} must be a non-negative integer`);
  }
  return Number(raw);
}

function indexArg(rest: string[]): number {
  if (rest.length !== 1) throw new UsageError("expected one entry INDEX");
  return intArg("INDEX", rest[0]);
}

function noMore(rest: string[]): void {
  if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}'`);
}

async function openSource(
  kvPath: string | undefined,
  url: string | undefined,
  pinned?: LogVerifier,
) {
  if (kvPath && url) throw new UsageError("give --kv or --url, not both");
  if (kvPath) {
    try {
      await Deno.stat(kvPath);
    } catch {
      throw new UsageError(`--kv: no database at ${kvPath}`);
    }
    const kv = await Deno.openKv(kvPath);
    const verifier = pinned ?? await storedVerifier(kv, loadConfig().config.witness.origin);
    if (!verifier) {
      kv.close();
      throw new WitnessClientError(`no witness log in ${kvPath}`);
    }
    return { source: kvAuditSource(kv, verifier), close: () => kv.close() };
  }
  const source = await new WitnessClient(serverUrl(url), pinned).auditSource();
  return { source, close: () => {} };
}

function describe(r: AuditReport): string {
  const head =
    `${
      r.ok ? "ok" : "FAILED"
    }: ${r.entriesChecked}/${r.size} entries, ${r.headsChecked} signed heads, ` +
    `root ${r.rootHash}, ${r.seconds.toFixed(1)} s`;
  if (r.ok) return head;
  const first = r.firstBadIndex !== undefined ? `\nfirst bad index: ${r.firstBadIndex}` : "";
  return `${head}${first}\n${r.problems.map((p) => `  - ${p.message}`).join("\n")}`;
}

async function exportLog(source: AuditSource, out?: string): Promise<void> {
  const file = out
    ? await Deno.open(out, { write: true, create: true, truncate: true })
    : undefined;
  const writer = (file?.writable ?? Deno.stdout.writable).getWriter();
  const encoder = new TextEncoder();
  const line = (value: unknown) => writer.write(encoder.encode(JSON.stringify(value) + "\n"));
  try {
    await line({ key: verifierKey(source.verifier) });
    for await (const head of source.heads()) await line({ head: head.note });
    const size = await source.size();
    for await (const { index, bytes } of source.entries(0, size)) {
      await line({ index, entry: toBase64(bytes) });
    }
  } finally {
    if (file) await writer.close();
    else writer.releaseLock();
  }
}
