// How the commands that talk to a server read their arguments and print answers,
// in one place: an exact count of positional arguments, and every answer either as
// JSON (--json, for scripts) or as lines for people.

import { UsageError } from "./_command.ts";

/**
 * The positional arguments of `sub`, exactly as many as `names` (e.g. ["ROOM",
 * "VOTE"]); anything else is a usage error naming what it takes.
 */
export function positionals(sub: string, rest: string[], names: string[]): string[] {
  if (rest.length !== names.length) {
    throw new UsageError(
      `${sub} takes ${names.length ? names.join(" ") : "no arguments"}${
        rest.length > names.length ? `, not '${rest.slice(names.length).join(" ")}'` : ""
      }`,
    );
  }
  return rest;
}

/** A path from parts, each URL-encoded: path("/api/v1/rooms", room, "votes"). */
export function path(base: string, ...parts: string[]): string {
  return [base, ...parts.map(encodeURIComponent)].join("/");
}

/** `data` as one line of JSON with --json, else the text (built only when wanted). */
export function output(json: boolean | undefined, data: unknown, text: () => string): void {
  console.log(json ? JSON.stringify(data ?? {}) : text());
}

/** A list: a JSON array with --json, else a line per item, or "(none)" as `empty` says. */
export function outputList<T>(
  json: boolean | undefined,
  items: T[],
  line: (item: T) => string,
  empty: string,
): void {
  output(json, items, () => items.map(line).join("\n") || `(${empty})`);
}
