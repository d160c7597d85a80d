// Strict query parameter parsing: a malformed value is a BadRequest naming it.

import type { Context } from "hono";
import { GATEWAY_ROOM, GUARDIAN_ID_RE, ROOM_RE } from "../guard/mod.ts";
import { BadRequest } from "./errors.ts";

export function intParam(
  c: Context,
  name: string,
  opts: { min?: number; max?: number; fallback?: number } = {},
): number {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") {
    if (opts.fallback !== undefined) return opts.fallback;
    throw new BadRequest(`query parameter '${name}' is required`);
  }
  if (!/^(0|[1-9][0-9]{0,15})$/.test(raw)) {
    throw new BadRequest(`'${name}' must be a non-negative integer`);
  }
  const n = Number(raw);
  const min = opts.min ?? 0;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  if (n < min || n > max) throw new BadRequest(`'${name}' must be from ${min} to ${max}, got ${n}`);
  return n;
}

/** Refuses query parameters the endpoint does not know, so typos do not pass silently. */
export function onlyParams(c: Context, allowed: string[]): void {
  for (const name of Object.keys(c.req.queries())) {
    if (!allowed.includes(name)) throw new BadRequest(`unknown query parameter '${name}'`);
  }
}

/** Reads a JSON object body of at most maxBytes. */
export async function jsonBody(c: Context, maxBytes: number): Promise<Record<string, unknown>> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > maxBytes) {
    throw new BadRequest(`body larger than ${maxBytes} bytes`, "PAYLOAD_TOO_LARGE", 413);
  }
  const reader = c.req.raw.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      throw new BadRequest(`body larger than ${maxBytes} bytes`, "PAYLOAD_TOO_LARGE", 413);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new BadRequest("body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BadRequest("body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

/** Refuses body fields the endpoint does not know. */
export function onlyFields(body: Record<string, unknown>, allowed: string[]): void {
  for (const name of Object.keys(body)) {
    if (!allowed.includes(name)) throw new BadRequest(`unknown field '${name}'`);
  }
}

/** A room a call can be placed into ("gateway" is the gateway's, not a meeting). */
export function roomField(value: unknown): string {
  if (typeof value !== "string" || !ROOM_RE.test(value)) {
    throw new BadRequest("room: expected a room name");
  }
  if (value === GATEWAY_ROOM) throw new BadRequest("room: gateway is reserved for gateway calls");
  return value;
}

export function guardianField(value: unknown): string {
  if (typeof value !== "string" || !GUARDIAN_ID_RE.test(value)) {
    throw new BadRequest("guardianId: expected if://guardian/<name>");
  }
  return value;
}

/** Header the HTTP front (listen.ts) sets on each request it relays: the client's address. */
export const PEER_HEADER = "x-council-peer";

/**
 * The peer's IP address: from what Deno.serve hands the app as its env (Hono's
 * c.env) when it accepted the TCP connection itself, or, for a request relayed by
 * Council's own HTTP front over its private Unix socket, from the header the front
 * set (and overwrote, so a client cannot choose it). Undefined without a listener.
 */
export function remoteAddress(c: Context): string | undefined {
  const env = c.env as { remoteAddr?: { hostname?: unknown; transport?: unknown } } | undefined;
  const addr = env?.remoteAddr;
  if (addr?.transport === "unix") return c.req.header(PEER_HEADER) || undefined;
  return typeof addr?.hostname === "string" ? addr.hostname : undefined;
}
