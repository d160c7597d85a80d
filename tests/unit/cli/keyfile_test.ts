// Key files as the CLI reads them (cli/_keyfile.ts): keygen's files and bare public
// keys are taken; every broken file is one sentence naming the file and the fault,
// never the parser's message or any of the file's content.

import assert from "node:assert/strict";
import { KeyFileError, readKeyFile } from "../../../cli/_keyfile.ts";
import { generateGuardianKey } from "../../../guard/mod.ts";
import { fromBase64, toBase64 } from "../../../witness/mod.ts";
import { tempDir } from "../../_helpers/temp.ts";

const dir = tempDir();
let n = 0;

async function file(content: string | Uint8Array): Promise<string> {
  const path = `${dir}/k${n++}.key`;
  if (typeof content === "string") await Deno.writeTextFile(path, content);
  else await Deno.writeFile(path, content);
  return path;
}

/** The refusal for reading `path` as `need`, checked to be plain and secret-free. */
async function refusal(path: string, need: "secret" | "public", secret = ""): Promise<string> {
  const err = await readKeyFile(path, need).then(
    () => assert.fail(`${path} was taken`),
    (e) => e,
  );
  assert.ok(err instanceof KeyFileError, String(err));
  const message = (err as Error).message;
  assert.ok(message.startsWith(`key file ${path}: `), message);
  assert.equal(message.includes("\n"), false);
  assert.doesNotMatch(message, /SyntaxError|Unexpected token|position \d|JSON\.parse/);
  if (secret) assert.equal(message.includes(secret.slice(0, 8)), false, message);
  return message.slice(`key file ${path}: `.length);
}

Deno.test("keygen's file signs and registers; a bare public key only registers", async () => {
  const pair = await generateGuardianKey();
  const both = await readKeyFile(await file(JSON.stringify(pair) + "\n"), "secret");
  assert.equal(both.publicKey, pair.publicKey);
  assert.deepEqual(both.secretKey, fromBase64(pair.secretKey));
  const secretOnly = await readKeyFile(
    await file(JSON.stringify({ secretKey: pair.secretKey })),
    "public",
  );
  assert.equal(secretOnly.publicKey, pair.publicKey, "derived from the secret key");
  const bare = await file(`${pair.publicKey}\n`);
  assert.deepEqual(await readKeyFile(bare, "public"), { path: bare, publicKey: pair.publicKey });
  assert.match(await refusal(bare, "secret"), /^holds one bare key, not the secret key needed/);
  const publicOnly = await file(JSON.stringify({ publicKey: pair.publicKey }));
  assert.equal((await readKeyFile(publicOnly, "public")).secretKey, undefined);
  assert.match(await refusal(publicOnly, "secret"), /^has no secretKey, so it cannot sign/);
});

Deno.test("a broken key file is one plain sentence naming the fault, without its content", async () => {
  const pair = await generateGuardianKey();
  const other = await generateGuardianKey();
  const s = pair.secretKey;
  const cases: Array<[string | Uint8Array, RegExp]> = [
    [
      "",
      /^is empty; a key file is the \{publicKey, secretKey\} JSON that `council guardian keygen --out FILE` writes$/,
    ],
    ["   \n", /^is empty/],
    [`{"publicKey":"${pair.publicKey}","secretKey":"${s}`, /^is not complete JSON \(cut short\?\)/],
    [`{"secretKey": "${s}",}`, /^is not valid JSON/],
    [`secretKey: ${s}`, /^is not JSON/],
    [new Uint8Array([0xff, 0xfe, 0x00, 0x41]), /^is not JSON/],
    [`"${s}"`, /^is JSON but not an object/],
    [`[1, 2]`, /^is JSON but not an object/],
    [`null`, /^is not JSON/],
    [`{"secretKey": 7}`, /^secretKey is not a string \(expected base64\)$/],
    [`{"secretKey": "not*base64"}`, /^secretKey is not base64$/],
    [`{"secretKey": "${s.slice(0, 16)}"}`, /^secretKey is 12 bytes; an Ed25519 secret key is 32$/],
    [
      `{"publicKey": "${toBase64(new Uint8Array(35))}"}`,
      /^publicKey is 35 bytes; an Ed25519 public key is 32$/,
    ],
    [
      `{"comment": "${s}"}`,
      /^has (neither publicKey nor secretKey|no secretKey, so it cannot sign)/,
    ],
    [
      JSON.stringify({ publicKey: other.publicKey, secretKey: s }),
      /^its publicKey does not belong to its secretKey \(edited, or two files mixed up\?\)$/,
    ],
  ];
  for (const [content, why] of cases) {
    const path = await file(content);
    for (const need of ["secret", "public"] as const) {
      const got = await refusal(path, need, s);
      assert.match(got, why, `${need}: ${String(content).slice(0, 40)}: ${got}`);
    }
  }
  assert.equal(await refusal(`${dir}/absent.key`, "secret"), "no such file");
  assert.equal(await refusal(dir, "public"), "is a directory, not a key file");
});
