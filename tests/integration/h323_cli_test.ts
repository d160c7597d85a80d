// The operator's side of H.323 proof on a running server: `council h323 password`
// sets a guardian's H.235.1 password from a file (never shown again, not in the
// witness), a terminal registers with it, `council h323 registrations` shows how it
// was proven; a password-proven registration is called into a ROUTINE room but not
// into an ESCALATE one; clearing the password ends further registrations.

import assert from "node:assert/strict";
import { runDeno, startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR } from "../_helpers/council_api.ts";
import { RasClient, registerTerminal } from "../_helpers/ras.ts";
import { tempDir } from "../_helpers/temp.ts";

const PASSWORD = "a password from a file";

Deno.test("council h323: password from a file, registrations with their proof, ESCALATE only for signed ones", async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR });
  const h323 = (...args: string[]) =>
    runDeno("cli/main.ts", ["h323", ...args, "--url", council.url, "--token", OPERATOR], {
      COUNCIL_KV_PATH: ":memory:",
    });
  const dir = tempDir();
  const terminal = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const ras = new RasClient(council.rasPort, { password: PASSWORD });
  try {
    const bob = await addGuardian(council.url, "bob");
    const file = `${dir}/bob.pw`;
    await Deno.writeTextFile(file, PASSWORD + "\n", { mode: 0o600 });

    assert.equal((await h323("password", bob.id)).code, 2, "a password source is required");
    const set = await h323("password", bob.id, "--password-file", file);
    assert.equal(set.code, 0, set.stderr);
    const unknown = await h323("password", "if://guardian/nobody", "--password-file", file);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /404 no guardian/);

    const listed = await h323("passwords", "--json");
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout).map((p: { guardianId: string }) => p.guardianId), [
      bob.id,
    ]);
    assert.equal(listed.stdout.includes(PASSWORD), false);

    await registerTerminal(ras, (terminal.addr as Deno.NetAddr).port, [{ "h323-ID": "bob" }]);
    const regs = await h323("registrations");
    assert.equal(regs.code, 0, regs.stderr);
    assert.match(
      regs.stdout,
      /^if:\/\/guardian\/bob {2}h235\.1 {2}h323-ID:bob {2}call 127\.0\.0\.1:/m,
    );

    // ESCALATE rooms call out only Council-signed registrations: refused, nobody dialled.
    const room = await api(council.url, "POST", "/api/v1/rooms", {
      name: "crisis",
      callType: "ESCALATE",
      capacity: 4,
    });
    assert.equal(room.status, 201, JSON.stringify(room.body));
    const escalate = await api(council.url, "POST", "/api/v1/h323/calls", {
      room: "crisis",
      guardianId: bob.id,
    });
    assert.equal(escalate.status, 403, JSON.stringify(escalate.body));
    assert.match(JSON.stringify(escalate.body), /proven by h235\.1/);

    // Cleared: the registration it proved ends, the terminal's next one is refused.
    const cleared = await h323("password", bob.id, "--clear");
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.equal((await h323("registrations")).stdout.trim(), "(no registrations)");
    await assert.rejects(
      registerTerminal(ras, (terminal.addr as Deno.NetAddr).port, [{ "h323-ID": "bob" }]),
      /not confirmed/,
    );

    // The witness has both changes, never the password.
    const head = (await api(council.url, "POST", "/api/v1/witness/head")).body as {
      size: number;
    };
    const all = JSON.stringify(
      (await api(council.url, "GET", `/api/v1/witness/entries?start=0&end=${head.size}`)).body,
    );
    assert.match(all, /h323\.password_set/);
    assert.match(all, /h323\.password_cleared/);
    assert.equal(all.includes(PASSWORD), false);
  } finally {
    ras.close();
    terminal.close();
    await council.stop();
  }
});
