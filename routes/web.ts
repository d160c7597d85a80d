// The join page (web/) and the operators' dashboard (/dashboard): static files read
// from the checkout. Their scripts are bundled by `deno task setup` into web/build/
// (mediasoup-client, the shared signing and witness-checking code), so there is no
// build step at request time.

import { Hono } from "hono";
import { apiError } from "./errors.ts";

const WEB_ROOT = new URL("../web/", import.meta.url);
const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  map: "application/json",
};
const FILES = new Set([
  "index.html",
  "style.css",
  "build/council.js",
  "build/council.js.map",
  "dashboard.html",
  "dashboard.css",
  "build/dashboard.js",
  "build/dashboard.js.map",
]);

export function webRoutes(): Hono {
  const serve = async (name: string) => {
    const body = await Deno.readFile(new URL(name, WEB_ROOT));
    return new Response(body, {
      headers: {
        "content-type": TYPES[name.split(".").pop()!] ?? "application/octet-stream",
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
      },
    });
  };
  return new Hono()
    .get("/", (c) => c.redirect("/web/"))
    .get("/web", (c) => c.redirect("/web/"))
    // The operators' dashboard: the page is public, everything it shows needs the token.
    .get("/dashboard", () => serve("dashboard.html"))
    .get("/web/*", async (c) => {
      const name = c.req.path.slice("/web/".length) || "index.html";
      if (!FILES.has(name)) return apiError(c, 404, "NOT_FOUND", `no file ${name}`);
      try {
        return await serve(name);
      } catch (err) {
        if (err instanceof Deno.errors.NotFound && name.startsWith("build/")) {
          return apiError(
            c,
            503,
            "UNAVAILABLE",
            "the join page is not built; run `deno task setup`",
          );
        }
        throw err;
      }
    });
}
