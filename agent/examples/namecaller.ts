// An example agent (docs/agent.md): it listens to the room, and when someone has
// talked and stopped it answers by voice (espeak-ng), naming itself; it votes by a
// rule (the first option that says yes, approve or agree, else the last one: no to
// what it cannot judge), and posts what it heard as evidence when it leaves.
// Energy VAD only: no speech recognition.
//
//   council agent run agent/examples/namecaller.ts --guardian ada --key-file ada.key --room main

import type { Agent } from "../mod.ts";
import { VoiceActivity } from "../mod.ts";

const YES = /^(yes|approve|agree|aye|proceed)/i;

/** The choice this agent makes for a vote's options. */
export function choose(options: string[]): string {
  return options.find((o) => YES.test(o.trim())) ?? options[options.length - 1];
}

export default async function nameCaller(agent: Agent): Promise<void> {
  const name = agent.guardianId.replace(/^if:\/\/guardian\//, "");
  const vad = new VoiceActivity();
  let turns = 0;
  let speaking = false;

  agent.onAudio(async (frame) => {
    if (!(frame instanceof Int16Array) || speaking) return;
    if (vad.push(frame) !== "stop") return;
    // Someone talked to the room and stopped: answer, once per turn.
    speaking = true;
    turns++;
    try {
      await agent.say(`This is ${name}. I heard you, turn ${turns}.`);
    } finally {
      speaking = false;
    }
  });

  agent.on("vote.opened", async (v) => {
    const choice = choose(v.options);
    try {
      await agent.vote(v.voteId, choice);
    } catch (err) {
      console.error(`${name}: ballot on ${v.voteId} refused: ${(err as Error).message}`);
    }
  });

  agent.on("member.joined", (m) => {
    if (m.memberId !== agent.memberId) agent.say(`Welcome, ${m.guardianId.split("/").pop()}.`);
  });

  await agent.say(`${name} has joined the council.`);
}
