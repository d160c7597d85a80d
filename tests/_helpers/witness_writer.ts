// A child process for the crash test: appends to a witness as fast as it can from
// many concurrent writers and prints "index leafHash" for every acknowledged entry,
// until it is killed.
import { Store } from "../../store/mod.ts";
import { createLogger } from "../../telemetry/mod.ts";
import { toHex, WitnessLog } from "../../witness/mod.ts";

const [path, writersArg] = Deno.args;
const store = await Store.open(path);
const witness = await WitnessLog.open(store, {
  origin: "crash.test/witness",
  headIntervalMs: 50,
  headEveryEntries: 500,
  log: createLogger({ level: "error" }),
});
const encoder = new TextEncoder();
const out = (line: string) => {
  const bytes = encoder.encode(line);
  let off = 0;
  while (off < bytes.length) off += Deno.stdout.writeSync(bytes.subarray(off));
};
out(`ready ${witness.size}\n`);
const writers = Number(writersArg ?? 64);
await Promise.all(Array.from({ length: writers }, async (_, w) => {
  for (let n = 0;; n++) {
    const { index, leafHash } = await witness.append("test.crash", {
      w,
      n,
      pad: "x".repeat(n % 200),
    });
    out(`${index} ${toHex(leafHash)}\n`);
  }
}));
