// Structured JSON logs: one object per line on stderr (stdout stays free for command
// output and benchmark figures). Writes are synchronous so lines keep their order and
// the last ones survive an exit.

import type { LogLevel } from "../config/mod.ts";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  readonly level: LogLevel;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines all carry these fields (e.g. { subsystem: "http" }). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Receives each finished line (without newline); defaults to stderr. */
  sink?: (line: string) => void;
  /** Called for every line written, e.g. to count lines per level. */
  onLine?: (level: LogLevel) => void;
  bindings?: LogFields;
}

const encoder = new TextEncoder();

function stderrSink(line: string): void {
  const bytes = encoder.encode(line + "\n");
  let off = 0;
  while (off < bytes.length) off += Deno.stderr.writeSync(bytes.subarray(off));
}

export function createLogger(options: LoggerOptions): Logger {
  const sink = options.sink ?? stderrSink;
  const threshold = RANK[options.level];
  const bindings = options.bindings ?? {};

  const write = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[level] < threshold) return;
    const record = { ts: new Date().toISOString(), level, msg, ...bindings, ...fields };
    sink(JSON.stringify(record, replacer));
    options.onLine?.(level);
  };

  return {
    level: options.level,
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    child: (fields) => createLogger({ ...options, bindings: { ...bindings, ...fields } }),
  };
}

// Errors carry their message and stack; bigints would otherwise make JSON.stringify throw.
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, stack: value.stack };
  }
  if (typeof value === "bigint") return value.toString();
  return value;
}
