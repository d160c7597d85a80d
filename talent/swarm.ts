// The swarm roster: certified agents deployed as guardians. Deploying registers the
// agent with IF.guard under a key Council makes for it (kept in the store, never
// served), with its expertise tags; inviting it into a room starts its package in a
// confined process (sandbox_process.ts) that joins over the agent leg. A failed
// re-certification suspends it: guard refuses it and its seats end.

import * as ed from "@noble/ed25519";
import type { GuardianRegistry } from "../guard/mod.ts";
import type { Store } from "../store/mod.ts";
import { toBase64 } from "../witness/base64.ts";
import type { WitnessLog } from "../witness/mod.ts";
import type { AgentManifest } from "./manifest.ts";
import { CandidateProcess, DEFAULT_LIMITS } from "./sandbox_process.ts";

const PREFIX = ["talent", "v1", "swarm"] as const;
const KEYS = ["talent", "v1", "swarm-key"] as const;
/** Seats at once, across rooms: each is a process. */
export const MAX_SEATS = 16;

export interface SwarmAgent {
  guardianId: string;
  name: string;
  version: string;
  digest: string;
  expertise: string[];
  status: "active" | "suspended";
  packageDir: string;
  entry: string;
  codecs: AgentManifest["needs"]["codecs"];
  speech: boolean;
  /** The witness index of the certificate it was deployed on. */
  certificateIndex?: number;
  deployedAt: string;
  updatedAt: string;
  reason?: string;
}

export interface Seat {
  guardianId: string;
  room: string;
  /** Its membership in the room. */
  memberId: string;
  pid: number;
  startedAt: string;
}

export class SwarmError extends Error {
  override name = "SwarmError";
  constructor(message: string, readonly code: "NOT_FOUND" | "CONFLICT" | "BAD_REQUEST") {
    super(message);
  }
}

export const swarmGuardianId = (name: string) => `if://guardian/agent-${name}`;

/** Agents whose tags name one of the hazards, the most matching first (experts first). */
export function expertsFor(agents: SwarmAgent[], hazards: string[]): SwarmAgent[] {
  const score = (a: SwarmAgent) => a.expertise.filter((t) => hazards.includes(t)).length;
  return agents.filter((a) => a.status === "active" && score(a) > 0)
    .sort((a, b) => score(b) - score(a) || a.name.localeCompare(b.name));
}

export interface SwarmOptions {
  store: Store;
  registry: GuardianRegistry;
  witness: WitnessLog;
  /** Council's HTTP base and the media host, which a seated agent may reach. */
  councilUrl: () => string;
  mediaHost: string;
  scratch: string;
  speak?: (text: string) => Promise<Int16Array>;
}

export class Swarm {
  #agents = new Map<string, SwarmAgent>();
  #seats = new Map<string, { seat: Seat; process: CandidateProcess }>();
  private constructor(private readonly o: SwarmOptions) {}

  static async open(o: SwarmOptions): Promise<Swarm> {
    const swarm = new Swarm(o);
    for await (const { value } of o.store.kv.list<SwarmAgent>({ prefix: PREFIX })) {
      swarm.#agents.set(value.guardianId, value);
    }
    return swarm;
  }

  list(): SwarmAgent[] {
    return [...this.#agents.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get(guardianIdOrName: string): SwarmAgent | undefined {
    return this.#agents.get(guardianIdOrName) ??
      this.#agents.get(swarmGuardianId(guardianIdOrName));
  }

  seats(): Seat[] {
    return [...this.#seats.values()].map((s) => s.seat);
  }

  experts(hazards: string[]): SwarmAgent[] {
    return expertsFor(this.list(), hazards);
  }

  /** Registers (or re-activates, on a new version) the agent as a guardian. */
  async deploy(
    manifest: AgentManifest,
    pkg: { dir: string; digest: string; certificateIndex?: number },
    now = new Date(),
  ): Promise<SwarmAgent> {
    const guardianId = swarmGuardianId(manifest.name);
    let secret = (await this.o.store.kv.get<Uint8Array>([...KEYS, guardianId])).value;
    if (!secret) {
      secret = ed.utils.randomSecretKey();
      await this.o.store.commit(this.o.store.kv.atomic().set([...KEYS, guardianId], secret));
    }
    const publicKey = toBase64(await ed.getPublicKeyAsync(secret));
    const existing = this.o.registry.record(guardianId);
    if (!existing) {
      await this.o.registry.add({
        id: guardianId,
        displayName: manifest.name,
        role: "agent",
        publicKey,
        bandwidthKbps: 512,
      }, now);
    } else if (existing.status === "revoked") {
      throw new SwarmError(`${guardianId} is revoked; it cannot be deployed again`, "CONFLICT");
    } else {
      await this.o.registry.update(guardianId, { status: "active", publicKey }, now);
    }
    const agent: SwarmAgent = {
      guardianId,
      name: manifest.name,
      version: manifest.version,
      digest: pkg.digest,
      expertise: manifest.expertise,
      status: "active",
      packageDir: pkg.dir,
      entry: manifest.entry,
      codecs: manifest.needs.codecs,
      speech: manifest.needs.speech,
      certificateIndex: pkg.certificateIndex,
      deployedAt: this.#agents.get(guardianId)?.deployedAt ?? now.toISOString(),
      updatedAt: now.toISOString(),
    };
    await this.#save(agent);
    await this.o.witness.append("talent.deployed", {
      guardianId,
      name: agent.name,
      version: agent.version,
      digest: agent.digest,
      expertise: agent.expertise,
    });
    return agent;
  }

  /** Suspends it in the roster and in guard (its sessions end), and ends its seats. */
  async suspend(name: string, reason: string, now = new Date()): Promise<SwarmAgent> {
    const agent = this.get(name);
    if (!agent) throw new SwarmError(`no swarm agent ${name}`, "NOT_FOUND");
    const next: SwarmAgent = {
      ...agent,
      status: "suspended",
      reason,
      updatedAt: now.toISOString(),
    };
    if (this.o.registry.record(agent.guardianId)?.status === "active") {
      await this.o.registry.update(agent.guardianId, { status: "suspended" }, now);
    }
    await this.#save(next);
    for (const [key, s] of this.#seats) {
      if (s.seat.guardianId === agent.guardianId) {
        await s.process.stop(3000);
        this.#seats.delete(key);
      }
    }
    await this.o.witness.append("talent.suspended", {
      guardianId: agent.guardianId,
      version: agent.version,
      reason: reason.slice(0, 300),
    });
    return next;
  }

  /** Starts the agent in a confined process that joins `room`. */
  async invite(name: string, room: string): Promise<Seat> {
    const agent = this.get(name);
    if (!agent) throw new SwarmError(`no swarm agent ${name}`, "NOT_FOUND");
    if (agent.status !== "active") {
      throw new SwarmError(`${agent.guardianId} is ${agent.status}`, "CONFLICT");
    }
    const key = `${agent.guardianId} ${room}`;
    const seated = this.#seats.get(key);
    if (seated) return seated.seat;
    if (this.#seats.size >= MAX_SEATS) {
      throw new SwarmError(`${MAX_SEATS} swarm seats are taken`, "CONFLICT");
    }
    const secret = (await this.o.store.kv.get<Uint8Array>([...KEYS, agent.guardianId])).value;
    if (!secret) throw new SwarmError(`${agent.guardianId} has no key`, "CONFLICT");
    const url = new URL(this.o.councilUrl());
    const process = new CandidateProcess({
      packageDir: agent.packageDir,
      entry: agent.entry,
      url: url.origin,
      // Council's HTTP port for control; the media host's worker ports for audio.
      net: [url.host, this.o.mediaHost],
      guardianId: agent.guardianId,
      secretKey: secret,
      room,
      callType: "ESCALATE",
      codecs: agent.codecs,
      limits: { ...DEFAULT_LIMITS, wallSeconds: 24 * 3600 },
      scratch: this.o.scratch,
      speak: agent.speech ? this.o.speak : undefined,
    });
    // Held while it joins, so concurrent invitations count against the limit.
    const seat: Seat = {
      guardianId: agent.guardianId,
      room,
      memberId: "",
      pid: process.pid,
      startedAt: new Date().toISOString(),
    };
    this.#seats.set(key, { seat, process });
    process.exited.then(() => this.#seats.delete(key));
    const first = await process.waitFor(["ready", "refused", "unloadable", "exit"], 20_000);
    if (first?.ev !== "ready") {
      await process.stop(1000);
      throw new SwarmError(
        `${agent.guardianId} did not join ${room}: ${first?.ev ?? "no answer"} ${
          first?.message ?? ""
        }`,
        "CONFLICT",
      );
    }
    seat.memberId = String(first.memberId);
    return seat;
  }

  /** Ends the agent's seat in `room` (it leaves on SIGTERM); false when it had none. */
  async release(name: string, room: string): Promise<boolean> {
    const agent = this.get(name);
    const seated = agent && this.#seats.get(`${agent.guardianId} ${room}`);
    if (!seated) return false;
    await seated.process.stop(3000);
    this.#seats.delete(`${agent.guardianId} ${room}`);
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#seats.values()].map((s) => s.process.stop(3000)));
    this.#seats.clear();
  }

  async #save(agent: SwarmAgent): Promise<void> {
    await this.o.store.commit(this.o.store.kv.atomic().set([...PREFIX, agent.guardianId], agent));
    this.#agents.set(agent.guardianId, agent);
  }
}
