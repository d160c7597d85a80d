// What operators do to rooms (the rooms API): create and close them, call a
// guardian in, remove or mute a member. Each change is witnessed and announced on
// the room's event stream; the stacks carry out the calls.

import type { JsonValue } from "../witness/mod.ts";
import type { WitnessLog } from "../witness/mod.ts";
import type { Protocol, Rooms } from "./mod.ts";
import type { RoomDefinition, RoomRegistry } from "./registry.ts";
import type { EvidenceBoard } from "./evidence.ts";

export class RoomOperations {
  constructor(
    private readonly rooms: Rooms,
    private readonly registry: RoomRegistry,
    private readonly witness: WitnessLog,
    private readonly evidence: EvidenceBoard,
  ) {}

  async #witness(type: string, payload: Record<string, JsonValue>): Promise<void> {
    await this.witness.append(type, payload);
  }

  /** False when a room of that name was already created. */
  async create(def: RoomDefinition): Promise<boolean> {
    if (!await this.registry.create(def)) return false;
    await this.#witness("room.created", { ...def });
    this.rooms.events.publish(def.name, { name: "room.created", data: { room: def.name } });
    return true;
  }

  /**
   * Sets (a PIN) or clears (null) a created room's PIN; witnessed without the PIN.
   * False when no such room was created.
   */
  async setPin(room: string, pin: string | null): Promise<boolean> {
    if (!this.registry.get(room)) return false;
    if (pin === null) {
      if (await this.registry.pins.clear(room)) {
        await this.#witness("room.pin_cleared", { room, by: "operator" });
      }
    } else {
      await this.registry.pins.set(room, pin);
      await this.#witness("room.pin_set", { room, by: "operator" });
    }
    return true;
  }

  /** Hangs every member up and forgets the definition; false when there was no such room. */
  async close(room: string): Promise<boolean> {
    const members = this.rooms.members(room);
    const defined = this.registry.get(room) !== undefined;
    if (!defined && members.length === 0) return false;
    await Promise.allSettled(members.map((m) => this.rooms.remove(m.legId, "room-closed")));
    await this.registry.delete(room);
    await this.evidence.clear(room);
    await this.#witness("room.closed", { room, members: members.length });
    this.rooms.events.publish(room, {
      name: "room.closed",
      data: { room, reason: "operator" },
    });
    return true;
  }

  async invite(
    room: string,
    guardianId: string,
    protocol?: Protocol,
  ): Promise<{ legId: string; protocol: Protocol }> {
    const placed = await this.rooms.invite(room, guardianId, protocol);
    await this.#witness("room.member.invited", { room, guardianId, ...placed });
    return placed;
  }

  /** False when the room has no such member. */
  async remove(room: string, memberId: string): Promise<boolean> {
    const m = this.rooms.member(memberId);
    if (!m || m.room !== room) return false;
    await this.rooms.remove(memberId, "removed");
    await this.#witness("room.member.removed", { room, memberId, guardianId: m.guardianId });
    return true;
  }

  /** False when the room has no such member. */
  async mute(room: string, memberId: string, muted: boolean): Promise<boolean> {
    const m = this.rooms.member(memberId);
    if (!m || m.room !== room) return false;
    await this.rooms.update(memberId, { muted });
    await this.#witness("room.member.muted", {
      room,
      memberId,
      guardianId: m.guardianId,
      muted,
      by: "operator",
    });
    return true;
  }
}
