// The SIP TLS identity: generated once (key 0600) and kept across starts, or the
// operator's own; a readable key or half a configuration is refused with a reason.

import assert from "node:assert/strict";
import { sipTlsIdentity, TlsIdentityError } from "../../../signaling/sip/tls_identity.ts";
import { tempDir } from "../../_helpers/temp.ts";

const none = { cert: "", key: "" };

Deno.test("a certificate is generated on first start, kept after, and its key is private", async () => {
  const dir = tempDir();
  const first = await sipTlsIdentity({ configured: none, dir, host: "127.0.0.1" });
  assert.equal(first.generated, true);
  assert.equal(Deno.statSync(first.keyFile).mode! & 0o777, 0o600);
  assert.match(first.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  const again = await sipTlsIdentity({ configured: none, dir, host: "127.0.0.1" });
  assert.equal(again.generated, false);
  assert.equal(again.fingerprint, first.fingerprint);
  // A real TLS listener accepts it, and a client that trusts it completes a handshake.
  const listener = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert: first.cert,
    key: first.key,
  });
  const port = (listener.addr as Deno.NetAddr).port;
  const accepted = (async () => {
    const conn = await listener.accept();
    await conn.handshake();
    conn.close();
  })();
  const client = await Deno.connectTls({ hostname: "127.0.0.1", port, caCerts: [first.cert] });
  await client.handshake();
  client.close();
  await accepted;
  listener.close();
});

Deno.test("a configured pair is used as it is; mistakes are refused with a reason", async () => {
  const dir = tempDir();
  const made = await sipTlsIdentity({ configured: none, dir, host: "council.example" });
  const own = await sipTlsIdentity({
    configured: { cert: made.certFile, key: made.keyFile },
    dir: tempDir(),
    host: "ignored",
  });
  assert.equal(own.generated, false);
  assert.equal(own.fingerprint, made.fingerprint);
  await assert.rejects(
    () => sipTlsIdentity({ configured: { cert: made.certFile, key: "" }, dir, host: "x" }),
    /set together/,
  );
  Deno.chmodSync(made.keyFile, 0o644);
  await assert.rejects(
    () => sipTlsIdentity({ configured: none, dir, host: "x" }),
    (e: unknown) =>
      e instanceof TlsIdentityError && /readable by others.*chmod 600/.test(e.message),
  );
  Deno.writeTextFileSync(`${dir}/bogus.crt`, "not a certificate");
  await assert.rejects(
    () =>
      sipTlsIdentity({
        configured: { cert: `${dir}/bogus.crt`, key: made.keyFile },
        dir,
        host: "x",
      }),
    /holds no PEM certificate/,
  );
});
