// deno task bench [suite ...]: runs the named suites (all when none are named) and
// prints one JSON figure per line on stdout; progress and errors go to stderr.

import { councilSuite } from "../bench/council.ts";
import { emit, type Suite } from "../bench/figure.ts";
import { guardSuite } from "../bench/guard.ts";
import { h323Suite } from "../bench/h323.ts";
import { mediaSuite } from "../bench/media.ts";
import { sipSuite } from "../bench/sip.ts";
import { webrtcSuite } from "../bench/webrtc.ts";
import { witnessSuite } from "../bench/witness.ts";

// Every suite the project will have; those still at null arrive with their issue.
const SUITES: Record<string, Suite | null> = {
  witness: witnessSuite,
  guard: guardSuite,
  media: mediaSuite,
  sip: sipSuite,
  h323: h323Suite,
  webrtc: webrtcSuite,
  council: councilSuite,
};

async function main(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(`deno task bench [suite ...]\nsuites: ${Object.keys(SUITES).join(", ")}`);
    return 0;
  }
  const unknown = args.filter((name) => !(name in SUITES));
  if (unknown.length) {
    console.error(
      `bench: unknown suite ${unknown.join(", ")}; suites: ${Object.keys(SUITES).join(", ")}`,
    );
    return 2;
  }
  const names = args.length ? args : Object.keys(SUITES);
  let ran = 0;
  for (const name of names) {
    const suite = SUITES[name];
    if (!suite) {
      console.error(`bench: suite ${name} has no figures yet`);
      continue;
    }
    console.error(`bench: ${name}`);
    for await (const figure of suite()) emit(figure);
    ran++;
  }
  return ran ? 0 : 1;
}

Deno.exit(await main(Deno.args));
