// The release version, taken from deno.json so there is one place to bump it.
import manifest from "../deno.json" with { type: "json" };

export const VERSION: string = manifest.version;
