// An Ed25519 seed as PKCS#8 (RFC 8410 section 7: PrivateKeyInfo with OID 1.3.101.112
// and the 32-byte seed as an OCTET STRING): the form WebCrypto and OpenSSL import
// Ed25519 private keys in. Used by the witness's head signer, the media key's
// stream signer and the join page's key store.

const PREFIX = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22];

export function pkcs8FromSeed(seed: Uint8Array): Uint8Array<ArrayBuffer> {
  if (seed.length !== 32) throw new Error("an Ed25519 seed is 32 bytes");
  const der = new Uint8Array(PREFIX.length + 2 + 32);
  der.set(PREFIX);
  der.set([0x04, 0x20], PREFIX.length);
  der.set(seed, PREFIX.length + 2);
  return der;
}
