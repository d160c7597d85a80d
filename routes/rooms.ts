// The rooms API (/api/v1/rooms) for operators: create, list, show, close rooms;
// call a guardian in, remove or mute a member; follow a room's events as a
// server-sent stream or over a WebSocket (docs/API.md, "Rooms").

import { Hono } from "hono";
import type { Context } from "hono";
import {
  CallError,
  checkPinForm,
  type EvidenceBoard,
  EvidenceError,
  parseEvidence,
  parseRoomDefinition,
  parseVoteSpec,
  PinError,
  type RoomDefinition,
  RoomDefinitionError,
  type RoomOperations,
  type Rooms,
  type VoteBox,
  VoteError,
} from "../rooms/mod.ts";
import { type Ballot, ROOM_RE } from "../guard/mod.ts";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { BadRequest } from "./errors.ts";
import { guardianField, jsonBody, onlyFields } from "./_params.ts";
import { operatorOnly } from "./auth.ts";
import { eventStream } from "./_event_stream.ts";

const PROTOCOLS = ["sip", "h323", "webrtc"] as const;

function roomParam(c: Context): string {
  const room = c.req.param("room") ?? "";
  if (!ROOM_RE.test(room)) throw new BadRequest("room: expected a room name");
  return room;
}

function notFound(what: string): BadRequest {
  return new BadRequest(what, "NOT_FOUND", 404);
}

/** The event number to continue after: Last-Event-ID (SSE reconnects) or ?after=. */

export interface RoomServices {
  rooms: Rooms;
  operations: RoomOperations;
  evidence: EvidenceBoard;
  votes: VoteBox;
}

const VOTE_STATUS: Record<VoteError["code"], ContentfulStatusCode> = {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  NOT_A_MEMBER: 403,
  INVALID_SIGNATURE: 403,
  NOT_REGISTERED: 403,
  DUPLICATE: 409,
  LATE: 409,
  CLOSED: 409,
};

async function voteErrors<T>(run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof VoteError) {
      throw new BadRequest(err.message, err.code, VOTE_STATUS[err.code]);
    }
    throw err;
  }
}

const BALLOT_FIELDS = ["voteId", "room", "guardianId", "choice", "timestamp", "signature"];

function ballotField(value: unknown): Ballot {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new BadRequest("ballot: expected an object");
  }
  const b = value as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!BALLOT_FIELDS.includes(key)) throw new BadRequest(`ballot.${key}: unknown field`);
  }
  for (const key of ["voteId", "room", "guardianId", "choice", "signature"]) {
    if (typeof b[key] !== "string" || (b[key] as string).length > 500) {
      throw new BadRequest(`ballot.${key}: expected a string`);
    }
  }
  if (!Number.isSafeInteger(b.timestamp)) {
    throw new BadRequest("ballot.timestamp: expected milliseconds since the epoch");
  }
  return b as unknown as Ballot;
}

export function roomsRoutes(services: RoomServices, token: string): Hono {
  const { rooms, operations: ops, evidence, votes } = services;
  // A definition as the API shows it: whether it has a PIN, never the PIN or its hash.
  const withPin = (def: RoomDefinition) => ({ ...def, pin: rooms.hasPin(def.name) });
  const pinField = (value: unknown): string => {
    try {
      return checkPinForm(value);
    } catch (err) {
      if (err instanceof PinError) throw new BadRequest(err.message);
      throw err;
    }
  };
  const show = async (room: string) => {
    const found = rooms.definition(room);
    const def = found ? withPin(found) : null;
    const status = await rooms.status(room);
    if (!def && status.members.length === 0) return undefined;
    return { room, definition: def, ...status, seq: rooms.events.seq(room) };
  };

  return new Hono()
    .use("/:room/events", operatorOnly(token, { streams: true }))
    .get("/:room/events", (c) => eventStream(c, rooms.events, roomParam(c)))
    // A ballot carries its own signature (checked by guard): no operator token.
    .post("/:room/votes/:voteId/ballots", async (c) => {
      const room = roomParam(c);
      const body = await jsonBody(c, 4096);
      onlyFields(body, ["ballot"]);
      const ballot = ballotField(body.ballot);
      const vote = await voteErrors(() => votes.cast(room, c.req.param("voteId"), ballot));
      return c.json(vote, 201);
    })
    .use("*", operatorOnly(token))
    .get("/:room/evidence", async (c) => c.json({ evidence: await evidence.list(roomParam(c)) }))
    .get("/:room/evidence/:id", async (c) => {
      const room = roomParam(c);
      const id = c.req.param("id");
      const item = (await evidence.list(room)).find((e) => e.id === id);
      if (!item) throw notFound(`no evidence ${id} in ${room}`);
      return c.json(item);
    })
    .post("/:room/evidence", async (c) => {
      const room = roomParam(c);
      const body = await jsonBody(c, 32 * 1024);
      try {
        const item = await evidence.post(room, parseEvidence(body), "operator");
        return c.json(item, 201);
      } catch (err) {
        if (!(err instanceof EvidenceError)) throw err;
        const code = err.status === 429
          ? "RATE_LIMITED"
          : err.status === 409
          ? "FULL"
          : "BAD_REQUEST";
        throw new BadRequest(err.message, code, err.status);
      }
    })
    .get("/:room/votes", (c) => c.json({ votes: votes.list(roomParam(c)) }))
    .post("/:room/votes", async (c) => {
      const room = roomParam(c);
      const body = await jsonBody(c, 8192);
      const vote = await voteErrors(() => votes.open(room, parseVoteSpec(body), "operator"));
      return c.json(vote, 201);
    })
    .get(
      "/:room/votes/:voteId",
      async (c) => c.json(await voteErrors(() => votes.get(roomParam(c), c.req.param("voteId")))),
    )
    .post("/:room/votes/:voteId/close", async (c) => {
      const room = roomParam(c);
      const vote = await voteErrors(() => votes.close(room, c.req.param("voteId"), "operator"));
      return c.json(vote);
    })
    .get("/", (c) => {
      const active = new Map(rooms.active().map((r) => [r.room, r.members]));
      const defined = new Map(rooms.definitions().map((d) => [d.name, withPin(d)]));
      const names = [...new Set([...defined.keys(), ...active.keys()])].sort();
      return c.json({
        rooms: names.map((name) => ({
          room: name,
          definition: defined.get(name) ?? null,
          members: active.get(name) ?? 0,
        })),
      });
    })
    .post("/", async (c) => {
      const { pin: pinValue, ...body } = await jsonBody(c, 4096);
      const pin = pinValue === undefined ? undefined : pinField(pinValue);
      let def;
      try {
        def = parseRoomDefinition(body, new Date());
      } catch (err) {
        if (err instanceof RoomDefinitionError) throw new BadRequest(err.message);
        throw err;
      }
      let created;
      try {
        created = await ops.create(def);
      } catch (err) {
        // A number another room has.
        if (err instanceof RoomDefinitionError) throw new BadRequest(err.message, "CONFLICT", 409);
        throw err;
      }
      if (!created) throw new BadRequest(`room ${def.name} exists`, "CONFLICT", 409);
      if (pin !== undefined) await ops.setPin(def.name, pin);
      return c.json(withPin(def), 201);
    })
    // The room's PIN: set or changed with PUT {pin}, removed with DELETE; never read back.
    .put("/:room/pin", async (c) => {
      const room = roomParam(c);
      const body = await jsonBody(c, 1024);
      onlyFields(body, ["pin"]);
      if (!await ops.setPin(room, pinField(body.pin))) throw notFound(`no room ${room}`);
      return c.json({ room, pin: true });
    })
    .delete("/:room/pin", async (c) => {
      const room = roomParam(c);
      if (!await ops.setPin(room, null)) throw notFound(`no room ${room}`);
      return c.json({ room, pin: false });
    })
    .get("/:room", async (c) => {
      const room = roomParam(c);
      const status = await show(room);
      if (!status) throw notFound(`no room ${room}`);
      return c.json(status);
    })
    .delete("/:room", async (c) => {
      const room = roomParam(c);
      if (!await ops.close(room)) throw notFound(`no room ${room}`);
      return c.body(null, 204);
    })
    .post("/:room/members", async (c) => {
      const room = roomParam(c);
      const body = await jsonBody(c, 4096);
      onlyFields(body, ["guardianId", "protocol"]);
      const guardianId = guardianField(body.guardianId);
      const protocol = body.protocol;
      if (protocol !== undefined && !(PROTOCOLS as readonly unknown[]).includes(protocol)) {
        throw new BadRequest(`protocol: expected one of ${PROTOCOLS.join(", ")}`);
      }
      try {
        const placed = await ops.invite(room, guardianId, protocol as typeof PROTOCOLS[number]);
        return c.json(placed, 201);
      } catch (err) {
        if (!(err instanceof CallError)) throw err;
        if (err.status === 404) throw new BadRequest(err.message, "NOT_REACHABLE", 404);
        if (err.status === 403) throw new BadRequest(err.message, "REJECTED", 403);
        throw new BadRequest(err.message, "CALL_FAILED", 502);
      }
    })
    .delete("/:room/members/:memberId", async (c) => {
      const room = roomParam(c);
      if (!await ops.remove(room, c.req.param("memberId"))) {
        throw notFound(`no member ${c.req.param("memberId")} in ${room}`);
      }
      return c.body(null, 204);
    })
    .post("/:room/members/:memberId/mute", async (c) => {
      const room = roomParam(c);
      const body = await jsonBody(c, 1024);
      onlyFields(body, ["muted"]);
      if (typeof body.muted !== "boolean") throw new BadRequest("muted: expected true or false");
      if (!await ops.mute(room, c.req.param("memberId"), body.muted)) {
        throw notFound(`no member ${c.req.param("memberId")} in ${room}`);
      }
      return c.json({ muted: body.muted });
    });
}
