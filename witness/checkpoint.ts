// Signed tree heads as C2SP checkpoints in C2SP signed-note form, the format of the
// Go checksum database and current transparency logs, so independent tooling can
// check them. The note text is
//
//   <origin>\n<tree size>\n<base64 root hash>\ntimestamp <ms since epoch>\n
//
// (the last line is a checkpoint extension line), then a blank line and one
// signature line "— <key name> <base64(key ID || Ed25519 signature)>". The key ID is
// the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key); the verifier key
// string is "<name>+<key ID hex>+<base64(0x01 || public key)>".

import * as ed from "@noble/ed25519";
import { equalBytes, fromBase64, HASH_SIZE, sha256, toBase64, toHex } from "./hash.ts";
import { pkcs8FromSeed } from "./ed25519_pkcs8.ts";

const ED25519 = 0x01;
const SIG_PREFIX = "\u2014 ";
const MAX_NOTE_BYTES = 4096;
const encoder = new TextEncoder();

export interface TreeHead {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  timestamp: number;
  /** The complete signed note, as published. */
  note: string;
}

export interface LogVerifier {
  name: string;
  keyId: Uint8Array;
  publicKey: Uint8Array;
}

export interface LogSigner extends LogVerifier {
  secretKey: Uint8Array;
  /** Ed25519 signature of message under secretKey. */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/**
 * Signing for the log's heads. Ed25519 signatures are deterministic, so WebCrypto
 * and @noble/ed25519 produce the same bytes (a test checks it); WebCrypto takes
 * ~0.08 ms where noble's pure-JS signing blocks the event loop ~1 ms, which showed
 * in admission latency every time a head was signed. noble stays the reference and
 * the fallback where WebCrypto lacks Ed25519.
 */
async function ed25519Signer(
  secretKey: Uint8Array,
): Promise<(message: Uint8Array) => Promise<Uint8Array>> {
  try {
    const key = await crypto.subtle.importKey(
      "pkcs8",
      pkcs8FromSeed(secretKey),
      { name: "Ed25519" },
      false,
      ["sign"],
    );
    return async (message) =>
      new Uint8Array(await crypto.subtle.sign("Ed25519", key, message as BufferSource));
  } catch {
    return (message) => ed.signAsync(message, secretKey);
  }
}

export class HeadError extends Error {
  override name = "HeadError";
}

export function keyId(name: string, publicKey: Uint8Array): Uint8Array {
  const input = new Uint8Array([...encoder.encode(name), 0x0a, ED25519, ...publicKey]);
  return sha256(input).slice(0, 4);
}

export async function signerFromSecret(name: string, secretKey: Uint8Array): Promise<LogSigner> {
  checkName(name);
  const publicKey = await ed.getPublicKeyAsync(secretKey);
  return {
    name,
    secretKey,
    publicKey,
    keyId: keyId(name, publicKey),
    sign: await ed25519Signer(secretKey),
  };
}

/** "<name>+<key ID hex>+<base64(0x01 || public key)>" */
export function verifierKey(v: LogVerifier): string {
  return `${v.name}+${toHex(v.keyId)}+${toBase64(new Uint8Array([ED25519, ...v.publicKey]))}`;
}

export function parseVerifierKey(text: string): LogVerifier {
  // Split at the first two '+' only: base64 key data may itself contain '+'.
  const trimmed = text.trim();
  const a = trimmed.indexOf("+");
  const b = a < 0 ? -1 : trimmed.indexOf("+", a + 1);
  if (a < 0 || b < 0) throw new HeadError("verifier key must be name+keyid+key");
  const [name, idHex, keyB64] = [
    trimmed.slice(0, a),
    trimmed.slice(a + 1, b),
    trimmed.slice(b + 1),
  ];
  checkName(name);
  const key = fromBase64(keyB64);
  if (!key || key.length !== 33 || key[0] !== ED25519) {
    throw new HeadError("verifier key is not an Ed25519 key");
  }
  const publicKey = key.slice(1);
  const id = keyId(name, publicKey);
  if (toHex(id) !== idHex.toLowerCase()) {
    throw new HeadError("verifier key ID does not match its key");
  }
  return { name, keyId: id, publicKey };
}

function body(origin: string, size: number, rootHash: Uint8Array, timestamp: number): string {
  return `${origin}\n${size}\n${toBase64(rootHash)}\ntimestamp ${timestamp}\n`;
}

export async function signTreeHead(
  signer: LogSigner,
  head: { size: number; rootHash: Uint8Array; timestamp: number },
): Promise<TreeHead> {
  const text = body(signer.name, head.size, head.rootHash, head.timestamp);
  const signature = await signer.sign(encoder.encode(text));
  const sigLine = `${SIG_PREFIX}${signer.name} ${
    toBase64(new Uint8Array([...signer.keyId, ...signature]))
  }\n`;
  return { origin: signer.name, ...head, note: `${text}\n${sigLine}` };
}

/** Parses a signed note and checks it carries a valid signature by `verifier`. */
export async function openTreeHead(note: string, verifier: LogVerifier): Promise<TreeHead> {
  if (encoder.encode(note).length > MAX_NOTE_BYTES) throw new HeadError("note too long");
  const split = note.lastIndexOf("\n\n");
  if (split < 0) throw new HeadError("note has no signature block");
  const text = note.slice(0, split + 1);
  const sigLines = note.slice(split + 2).split("\n");
  if (sigLines.pop() !== "") throw new HeadError("note must end with a newline");
  const lines = text.split("\n");
  lines.pop();
  if (lines.length < 4) {
    throw new HeadError("checkpoint needs origin, size, root hash and timestamp lines");
  }
  const [origin, sizeText, rootText, timestampLine] = lines;
  if (origin !== verifier.name) {
    throw new HeadError(`checkpoint origin '${origin}' is not '${verifier.name}'`);
  }
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText)) {
    throw new HeadError("tree size is not a decimal integer");
  }
  const size = Number(sizeText);
  const rootHash = fromBase64(rootText);
  if (!rootHash || rootHash.length !== HASH_SIZE) {
    throw new HeadError("root hash is not 32 bytes of base64");
  }
  const ts = /^timestamp (0|[1-9][0-9]{0,15})$/.exec(timestampLine);
  if (!ts) throw new HeadError("timestamp line is malformed");

  let signed = false;
  for (const line of sigLines) {
    if (!line.startsWith(SIG_PREFIX)) throw new HeadError("malformed signature line");
    const [name, sigText, ...rest] = line.slice(SIG_PREFIX.length).split(" ");
    const sig = fromBase64(sigText ?? "");
    if (rest.length || !sig || sig.length < 5) throw new HeadError("malformed signature line");
    if (name !== verifier.name || !equalBytes(sig.subarray(0, 4), verifier.keyId)) continue;
    if (sig.length !== 68) throw new HeadError("Ed25519 signature must be 64 bytes");
    signed = await ed.verifyAsync(sig.subarray(4), encoder.encode(text), verifier.publicKey).catch(
      () => false,
    );
    if (!signed) throw new HeadError("signature does not verify");
  }
  if (!signed) throw new HeadError(`no signature by ${verifier.name}`);
  return { origin, size, rootHash, timestamp: Number(ts[1]), note };
}

function checkName(name: string): void {
  if (!/^[\x21-\x7e]+$/.test(name) || name.includes("+")) {
    throw new HeadError("key name must be printable ASCII without spaces or '+'");
  }
}
