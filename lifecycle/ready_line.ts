// The one line a person starting the server needs: where to open the dashboard and
// the join page, and what the dashboard's sign-in takes. Printed on stdout once the
// server is ready (the log, JSON on stderr, says the same for machines).

import { tokenFilePath } from "../store/operator_token.ts";

export interface ReadyLineInput {
  /** The address HTTP is bound to, and its port. */
  host: string;
  port: number;
  kvPath: string;
  /** api.operatorToken ("" when unset) and where it came from ("env:...", "file:..."). */
  operatorToken: string;
  tokenSource?: string;
}

/**
 * `council: ready: dashboard http://127.0.0.1:8080/dashboard (sign in with the token
 * in data/operator.token), join page http://127.0.0.1:8080/web/`
 */
export function readyLine(o: ReadyLineInput): string {
  // A wildcard address is not somewhere a browser can go; loopback is.
  const host = o.host === "0.0.0.0" ? "127.0.0.1" : o.host === "::" ? "::1" : o.host;
  const base = `http://${host.includes(":") ? `[${host}]` : host}:${o.port}`;
  const file = tokenFilePath(o.kvPath);
  const signIn = o.operatorToken
    ? `sign in with api.operatorToken${
      o.tokenSource && o.tokenSource !== "default" ? ` (${o.tokenSource})` : ""
    }`
    : file
    ? `sign in with the token in ${file}`
    : "no operator token: with kv.path :memory: set COUNCIL_API_OPERATOR_TOKEN to sign in";
  return `council: ready: dashboard ${base}/dashboard (${signIn}), join page ${base}/web/`;
}
