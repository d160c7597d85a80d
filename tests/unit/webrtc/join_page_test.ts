import assert from "node:assert/strict";
import { parseKey } from "../../../web/src/app.ts";
import { generateGuardianKey } from "../../../guard/mod.ts";
import { fromBase64 } from "../../../witness/base64.ts";

Deno.test("the join page reads a bare key or a key file, and refuses anything else", async () => {
  const pair = await generateGuardianKey();
  const secret = fromBase64(pair.secretKey)!;
  assert.deepEqual(parseKey(` ${pair.secretKey}\n`), secret);
  assert.deepEqual(parseKey(JSON.stringify(pair)), secret);
  assert.throws(() => parseKey(JSON.stringify({ publicKey: pair.publicKey })), /no secretKey/);
  assert.throws(() => parseKey("bm90IGEga2V5"), /32-byte/);
  assert.throws(() => parseKey("%%%"), /32-byte/);
});
