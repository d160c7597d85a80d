// A server restart keeps what must outlive it: SIP registrations, H.323
// registrations, rooms, the guardian registry and the witness. A call in progress
// ends cleanly (BYE at shutdown) and is dialled again on the restarted server, and
// Council can call the guardians registered before the restart.

import assert from "node:assert/strict";
import { startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR } from "../_helpers/council_api.ts";
import { freeUdpPort, runSipp, tokenCalls } from "../_helpers/sipp.ts";
import { RasClient, registerTerminal } from "../_helpers/ras.ts";
import { TpktClient } from "../_helpers/h323_client.ts";
import { terminalAnswer } from "../_helpers/h323_setup.ts";
import { waitFor } from "../_helpers/wait.ts";

type Msg = Record<string, unknown>;
const ROOM = "standing";

async function entries(url: string): Promise<{ type: string; payload: Msg }[]> {
  const head = (await api(url, "POST", "/api/v1/witness/head")).body as { size: number };
  return ((await api(url, "GET", `/api/v1/witness/entries?start=0&end=${head.size}`)).body as {
    entries: { type: string; payload: Msg }[];
  }).entries;
}

Deno.test("a restart keeps registrations, rooms, the registry and the witness; the call it cut is dialled again", async () => {
  const dir = await Deno.makeTempDir({ prefix: "council-restart-" });
  // The same KV file and SIP port on both runs: phones keep talking to one address.
  const env = {
    COUNCIL_API_OPERATOR_TOKEN: OPERATOR,
    COUNCIL_KV_PATH: `${dir}/council.kv`,
    COUNCIL_SIP_PORT: String(freeUdpPort()),
    COUNCIL_SIP_DIGEST_ALGORITHMS: "MD5,SHA-256",
  };
  let council = await startCouncilProcess(env);
  const alicePort = freeUdpPort();
  const terminal = Deno.listen({ hostname: "127.0.0.1", port: 0, transport: "tcp" });
  let callee: TpktClient | undefined;
  try {
    const target = () => `127.0.0.1:${council.sipPort}`;
    await addGuardian(council.url, "alice", { sipPassword: "alice-password-1" });
    const bob = await addGuardian(council.url, "bob");
    const carol = await addGuardian(council.url, "carol");
    const made = await api(council.url, "POST", "/api/v1/rooms", {
      name: ROOM,
      callType: "ESCALATE",
      capacity: 10,
    });
    assert.equal(made.status, 201);

    // Alice registers over SIP, Bob's terminal with the gatekeeper.
    const reg = await runSipp({
      scenario: "register_only.xml",
      target: target(),
      port: alicePort,
      inject: ["SEQUENTIAL", "alice"],
      auth: { user: "alice", password: "alice-password-1" },
    });
    assert.equal(reg.code, 0, reg.stdout.slice(-1500));
    // Signed with bob's key: the ESCALATE room calls out only Council-signed registrations.
    const ras = new RasClient(council.rasPort, { guardianId: bob.id, secret: bob.secret });
    await registerTerminal(ras, (terminal.addr as Deno.NetAddr).port, [{ "h323-ID": "bob" }]);
    ras.close();

    // Carol is in a call when the server stops.
    const held = tokenCalls(target(), [{ room: ROOM, token: await carol.token(ROOM) }], 20000);
    await waitFor(async () =>
      ((await api(council.url, "GET", "/api/v1/sip/calls")).body as { calls: unknown[] })
        .calls.length === 1
    );
    const before = await entries(council.url);

    assert.equal(await council.stop(), 0);
    // Shutdown hung the call up (BYE): SIPp saw its call end early, not hang.
    const cut = await held;
    assert.equal(cut.stats["FailedCall(C)"], "1", cut.stdout.slice(-1500));
    assert.match(cut.messages, /BYE sip:sipp@/);

    council = await startCouncilProcess(env);

    // What outlives the restart.
    const guardians = (await api(council.url, "GET", "/api/v1/guardians")).body as {
      guardians: { id: string }[];
    };
    assert.deepEqual(
      guardians.guardians.map((g) => g.id).sort(),
      ["alice", "bob", "carol"].map((n) => `if://guardian/${n}`),
    );
    const room = (await api(council.url, "GET", `/api/v1/rooms/${ROOM}`)).body as {
      definition: { callType: string };
    };
    assert.equal(room.definition.callType, "ESCALATE");
    const bindings = (await api(council.url, "GET", "/api/v1/sip/registrations")).body as {
      registrations: { guardianId: string; contact: string }[];
    };
    assert.ok(
      bindings.registrations.some((b) =>
        b.guardianId === "if://guardian/alice" && b.contact.includes(`:${alicePort}`)
      ),
      JSON.stringify(bindings),
    );
    const after = await entries(council.url);
    assert.deepEqual(after.slice(0, before.length), before, "the witness log kept every entry");
    assert.ok(after.some((e) => e.type === "council.stop"));
    assert.equal(after.filter((e) => e.type === "council.start").length, 2);

    // Carol dials again with a fresh request and gets in.
    const again = await runSipp({
      scenario: "token_call.xml",
      target: target(),
      inject: ["SEQUENTIAL", `${ROOM};${await carol.token(ROOM)}`],
    });
    assert.equal(again.code, 0, again.stdout.slice(-1500) + again.messages.slice(-2000));

    // Council reaches Alice at the binding she registered before the restart.
    const uas = runSipp({ scenario: "uas", port: alicePort, calls: 1, timeoutS: 20 });
    await new Promise((r) => setTimeout(r, 300));
    const toAlice = await api(council.url, "POST", "/api/v1/sip/calls", {
      room: ROOM,
      guardianId: "if://guardian/alice",
    });
    assert.equal(toAlice.status, 201, JSON.stringify(toAlice.body));
    const aliceLeg = (toAlice.body as { legId: string }).legId;
    assert.equal((await api(council.url, "DELETE", `/api/v1/sip/calls/${aliceLeg}`)).status, 204);
    assert.equal((await uas).code, 0);

    // And Bob at the terminal the gatekeeper registered before the restart.
    const toBob = api(council.url, "POST", "/api/v1/h323/calls", {
      room: ROOM,
      guardianId: "if://guardian/bob",
    });
    callee = await TpktClient.accept(terminal);
    const setup = (await callee.cs("setup")).cs!;
    assert.deepEqual((setup.body as Msg).destinationAddress, [{ "h323-ID": "bob" }]);
    const answer = await terminalAnswer(setup, { port: freeUdpPort() });
    await callee.send(answer.callProceeding);
    await callee.send(answer.connect);
    const bobCall = await toBob;
    assert.equal(bobCall.status, 201, JSON.stringify(bobCall.body));
    const bobLeg = (bobCall.body as { legId: string }).legId;
    assert.equal((await api(council.url, "DELETE", `/api/v1/h323/calls/${bobLeg}`)).status, 204);
    await callee.cs("releaseComplete");
  } finally {
    callee?.close();
    terminal.close();
    assert.equal(await council.stop(), 0);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
