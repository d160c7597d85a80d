// The certificate SIP over TLS (RFC 3261 26.2, RFC 5630) presents: the operator's
// own (sip.tlsCert / sip.tlsKey), or one generated on first start beside the KV
// (ECDSA P-256, self-signed, for the configured host) and kept, so phones that pin
// it on first use keep trusting it. Private keys are written 0600.

import type { Subsystem } from "../../lifecycle/mod.ts";

export class TlsIdentityError extends Error {
  override name = "TlsIdentityError";
}

export interface TlsIdentity {
  cert: string;
  key: string;
  /** Where they were read from or written to. */
  certFile: string;
  keyFile: string;
  generated: boolean;
  /** SHA-256 of the certificate (DER), colon-separated hex, for operators to compare. */
  fingerprint: string;
}

export const CERT_FILE = "sip-tls.crt";
export const KEY_FILE = "sip-tls.key";

/**
 * The identity to listen with. `configured` paths win; otherwise `dir` holds (or
 * receives) a generated pair. `host` goes into the generated certificate's CN and
 * subjectAltName.
 */
export async function sipTlsIdentity(opts: {
  configured: { cert: string; key: string };
  dir: string;
  host: string;
}): Promise<TlsIdentity> {
  const { cert, key } = opts.configured;
  if (cert || key) {
    if (!cert || !key) {
      throw new TlsIdentityError("sip.tlsCert and sip.tlsKey are set together or not at all");
    }
    return await readPair(cert, key, false);
  }
  const certFile = `${opts.dir}/${CERT_FILE}`;
  const keyFile = `${opts.dir}/${KEY_FILE}`;
  if (await exists(certFile) && await exists(keyFile)) {
    return await readPair(certFile, keyFile, false);
  }
  await generate(certFile, keyFile, opts.host);
  return await readPair(certFile, keyFile, true);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw new TlsIdentityError(`cannot inspect ${path}: ${(err as Error).message}`);
  }
}

async function readPair(certFile: string, keyFile: string, generated: boolean) {
  let cert: string, key: string;
  try {
    [cert, key] = await Promise.all([Deno.readTextFile(certFile), Deno.readTextFile(keyFile)]);
  } catch (err) {
    throw new TlsIdentityError(`cannot read the SIP TLS identity: ${(err as Error).message}`);
  }
  if (!/-----BEGIN CERTIFICATE-----/.test(cert)) {
    throw new TlsIdentityError(`${certFile} holds no PEM certificate`);
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) {
    throw new TlsIdentityError(`${keyFile} holds no PEM private key`);
  }
  const mode = (await Deno.stat(keyFile)).mode ?? 0;
  if (mode & 0o077) {
    throw new TlsIdentityError(
      `${keyFile} is readable by others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`,
    );
  }
  return { cert, key, certFile, keyFile, generated, fingerprint: await fingerprintOf(cert) };
}

async function fingerprintOf(pem: string): Promise<string> {
  const b64 = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  const der = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", der));
  return [...digest].map((b) => b.toString(16).padStart(2, "0").toUpperCase()).join(":");
}

/** A self-signed ECDSA P-256 pair from Debian's openssl, written atomically. */
async function generate(certFile: string, keyFile: string, host: string): Promise<void> {
  const ip = /^[0-9.]+$/.test(host) || host.includes(":");
  const san = ip ? `IP:${host.replace(/^\[|\]$/g, "")}` : `DNS:${host}`;
  const tmpKey = `${keyFile}.${crypto.randomUUID()}.tmp`;
  const tmpCert = `${certFile}.${crypto.randomUUID()}.tmp`;
  // The key file exists 0600 before openssl writes into it.
  (await Deno.open(tmpKey, { createNew: true, write: true, mode: 0o600 })).close();
  try {
    let out: Deno.CommandOutput;
    try {
      out = await new Deno.Command("openssl", {
        args: [
          "req",
          "-x509",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:prime256v1",
          "-nodes",
          "-days",
          "825",
          "-subj",
          `/CN=${host.replace(/[^A-Za-z0-9.:-]/g, "")}/O=Council`,
          "-addext",
          `subjectAltName=${san}`,
          // An end entity, not a CA (rustls, as in Deno's TLS client, refuses a CA as a peer).
          "-addext",
          "basicConstraints=critical,CA:FALSE",
          "-addext",
          "keyUsage=critical,digitalSignature",
          "-addext",
          "extendedKeyUsage=serverAuth,clientAuth",
          "-keyout",
          tmpKey,
          "-out",
          tmpCert,
        ],
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).output();
    } catch (err) {
      throw new TlsIdentityError(
        `generating the SIP TLS certificate needs openssl (Debian package openssl): ${
          (err as Error).message
        }`,
      );
    }
    if (!out.success) {
      throw new TlsIdentityError(
        `openssl could not generate the SIP TLS certificate: ${
          new TextDecoder().decode(out.stderr).trim().slice(0, 300)
        }`,
      );
    }
    await Deno.chmod(tmpKey, 0o600);
    await Deno.rename(tmpKey, keyFile);
    await Deno.rename(tmpCert, certFile);
  } finally {
    for (const f of [tmpKey, tmpCert]) await Deno.remove(f).catch(() => {});
  }
}

/**
 * Where a generated identity is kept: beside the KV file; for an in-memory KV, a
 * private temporary directory removed at shutdown (nothing of it outlives the run).
 */
export async function tlsIdentityDir(
  kvPath: string,
  lifecycle: { add<T extends Subsystem>(s: T): T },
): Promise<string> {
  if (kvPath !== ":memory:") {
    const cut = kvPath.lastIndexOf("/");
    return cut > 0 ? kvPath.slice(0, cut) : ".";
  }
  const dir = await Deno.makeTempDir({ prefix: "council-sip-tls-" });
  await Deno.chmod(dir, 0o700);
  lifecycle.add({
    name: "sip-tls-scratch",
    ready: () => true,
    close: () => Deno.remove(dir, { recursive: true }).catch(() => {}),
  });
  return dir;
}
