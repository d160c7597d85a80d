// `council agent run` with the example agent (agent/examples/namecaller.ts) against a
// running server: it joins with the guardian's key file, answers by voice when
// another member has talked and stopped, votes by its rule, and leaves on SIGTERM.

import assert from "node:assert/strict";
import * as ed from "@noble/ed25519";
import { childEnv, startCouncilProcess } from "../_helpers/council_process.ts";
import { addGuardian, api, OPERATOR } from "../_helpers/council_api.ts";
import { rms, speech } from "../_helpers/audio.ts";
import { tempDir } from "../_helpers/temp.ts";
import { until } from "../_helpers/wait.ts";
import { connectAgent } from "../../agent/mod.ts";
import { choose } from "../../agent/examples/namecaller.ts";
import { toBase64 } from "../../witness/base64.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("the example agent's vote rule", () => {
  assert.equal(choose(["no", "Yes, proceed"]), "Yes, proceed");
  assert.equal(choose(["approve", "reject"]), "approve");
  assert.equal(choose(["red", "blue"]), "blue");
});

Deno.test({
  name: "council agent run: the example agent answers a talker, votes, and leaves on SIGTERM",
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const council = await startCouncilProcess({ COUNCIL_API_OPERATOR_TOKEN: OPERATOR }, {
    timeoutMs: 60_000,
  });
  const dir = tempDir("council-agent-cli-");
  let child: Deno.ChildProcess | undefined;
  let bob;
  try {
    const ada = await addGuardian(council.url, "ada");
    const bobG = await addGuardian(council.url, "bob");
    const keyFile = `${dir}/ada.key`;
    await Deno.writeTextFile(
      keyFile,
      JSON.stringify({
        publicKey: toBase64(await ed.getPublicKeyAsync(ada.secret)),
        secretKey: toBase64(ada.secret),
      }),
    );
    /** `council agent run FILE` as ada in room main. */
    const run = (file: string) =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          `${ROOT}cli/main.ts`,
          "agent",
          "run",
          `${ROOT}${file}`,
          ...["--guardian", "ada", "--key-file", keyFile, "--room", "main", "--url", council.url],
        ],
        env: childEnv({}),
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      });
    // A file that is no agent is a usage error, named.
    const bad = await run("README.md").output();
    assert.equal(bad.code, 2);
    assert.match(new TextDecoder().decode(bad.stderr), /agent file .*README\.md/);

    child = run("agent/examples/namecaller.ts").spawn();
    const members = async () =>
      ((await api(council.url, "GET", "/api/v1/rooms/main")).body as {
        members?: { guardianId: string; protocol: string }[];
      }).members ?? [];
    await until(
      "ada's agent is in the room",
      async () => (await members()).some((m) => m.guardianId === ada.id && m.protocol === "agent"),
      60_000,
    );

    // Bob talks, then stops: ada answers, and bob hears her.
    bob = await connectAgent({
      url: council.url,
      guardianId: bobG.id,
      secretKey: bobG.secret,
      room: "main",
    });
    let answer = 0;
    let listening = false;
    bob.onAudio((f) => {
      if (listening && rms(f as Int16Array) > 500) answer++;
    });
    await bob.play(await speech(3, 16000));
    listening = true;
    await until("bob hears ada's answer", () => answer > 25, 30_000);

    // A vote: ada's ballot follows her rule.
    const opened = await api(council.url, "POST", "/api/v1/rooms/main/votes", {
      question: "Adjourn?",
      options: ["no", "yes"],
      deadlineSec: 60,
    });
    const voteId = (opened.body as { id: string }).id;
    await until("ada voted yes", async () => {
      const v = (await api(council.url, "GET", `/api/v1/rooms/main/votes/${voteId}`)).body as {
        ballots: { guardianId: string; choice: string }[];
      };
      return v.ballots.some((x) => x.guardianId === ada.id && x.choice === "yes");
    });

    child.kill("SIGTERM");
    const status = await child.status;
    assert.equal(status.code, 0);
    await until("ada left", async () => !(await members()).some((m) => m.guardianId === ada.id));
  } finally {
    await bob?.close();
    try {
      child?.kill("SIGKILL");
    } catch { /* gone */ }
    await child?.output().catch(() => {});
    await council.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
