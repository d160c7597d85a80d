/// <reference lib="dom" />
// The operator API from the dashboard: the token lives in this tab only
// (sessionStorage), every call carries it, and a refusal signs the page out.

const TOKEN_KEY = "council.operatorToken";

export class Refused extends Error {}

let token = sessionStorage.getItem(TOKEN_KEY) ?? "";

export const hasToken = () => token !== "";
export const currentToken = () => token;

export function setToken(value: string): void {
  token = value;
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) },
  });
  if (res.status === 401) throw new Refused("the operator token was refused");
  const body = await res.json().catch(() => undefined);
  if (!res.ok && !(res.status === 503 && path === "/readyz")) {
    const why = (body as { error?: { message?: string } } | undefined)?.error?.message;
    throw new Error(`${path}: ${res.status}${why ? ` ${why}` : ""}`);
  }
  return body as T;
}
