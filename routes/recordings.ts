// Recordings for operators (docs/provenance.md): start one for a room, stop it,
// list them, download the provable file; and the media key that signs them.

import { Hono } from "hono";
import { RecordingRefused, type Recordings } from "../provenance/recordings.ts";
import { BadRequest } from "./errors.ts";
import { jsonBody, onlyFields, roomField } from "./_params.ts";
import { operatorOnly } from "./auth.ts";

const ID_RE = /^rec-[0-9a-f]{16}$/;

function refused(err: unknown): never {
  if (err instanceof RecordingRefused) {
    const code = { 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT" }[err.status];
    throw new BadRequest(err.message, code, err.status);
  }
  throw err;
}

function idParam(raw: string): string {
  if (!ID_RE.test(raw)) throw new BadRequest(`no recording ${raw.slice(0, 40)}`, "NOT_FOUND", 404);
  return raw;
}

export function recordingRoutes(recordings: Recordings, token: string): Hono {
  return new Hono()
    .use("*", operatorOnly(token))
    // The media key that signs recordings' checkpoints (made on first use).
    .get("/key", async (c) => {
      const key = await recordings.mediaKey();
      return c.json({
        algorithm: "Ed25519",
        publicKey: key.publicKeyB64,
        witnessIndex: key.witnessIndex,
      });
    })
    .post("/", async (c) => {
      const body = await jsonBody(c, 1024);
      onlyFields(body, ["room", "format"]);
      const room = roomField(body.room);
      const format = body.format ?? "wav";
      if (format !== "wav" && format !== "ogg") {
        throw new BadRequest('format: "wav" or "ogg" (Ogg Opus)');
      }
      return c.json(await recordings.start(room, "operator", format).catch(refused), 201);
    })
    .get("/", async (c) => c.json({ recordings: await recordings.list() }))
    .get("/:id", async (c) => {
      const id = idParam(c.req.param("id"));
      const info = await recordings.get(id);
      if (!info) throw new BadRequest(`no recording ${id}`, "NOT_FOUND", 404);
      return c.json(info);
    })
    .post(
      "/:id/stop",
      async (c) => c.json(await recordings.stop(idParam(c.req.param("id"))).catch(refused)),
    )
    .get("/:id/file", async (c) => {
      const id = idParam(c.req.param("id"));
      const file = await recordings.file(id).catch(refused);
      const ogg = (await recordings.get(id))?.format === "ogg";
      return new Response(file as Uint8Array<ArrayBuffer>, {
        headers: {
          "content-type": ogg ? "audio/ogg" : "audio/wav",
          "content-disposition": `attachment; filename="${id}.${ogg ? "opus" : "wav"}"`,
          "x-content-type-options": "nosniff",
        },
      });
    });
}
