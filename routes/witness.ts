// IF.witness over HTTP, for auditors and dashboards: the key, signed heads, entries
// and proofs. Read-only except POST /head, which publishes a head now. Every
// answer is verifiable with the public key alone (docs/API.md).

import { Hono } from "hono";
import {
  decodeEntry,
  EntryError,
  fromBase64,
  fromHex,
  leafHash,
  toBase64,
  toHex,
  type TreeHead,
  verifierKey,
  type WitnessLog,
} from "../witness/mod.ts";
import { packTile } from "../witness/tiles.ts";
import { BadRequest } from "./errors.ts";
import { intParam, jsonBody, onlyFields, onlyParams } from "./_params.ts";

const MAX_ENTRIES_PER_PAGE = 1000;
const MAX_HEADS_PER_PAGE = 1000;

export function headJson(head: TreeHead) {
  return {
    origin: head.origin,
    size: head.size,
    rootHash: toHex(head.rootHash),
    timestamp: head.timestamp,
    note: head.note,
  };
}

function entryJson(index: number, bytes: Uint8Array) {
  const raw = { index, leafHash: toHex(leafHash(bytes)), entry: toBase64(bytes) };
  try {
    return { ...raw, ...decodeEntry(bytes) };
  } catch (err) {
    // A damaged entry is still served as stored, so an auditor can name it.
    if (err instanceof EntryError) return { ...raw, error: err.message };
    throw err;
  }
}

export function witnessRoutes(witness: WitnessLog): Hono {
  /** Proof sizes default to the latest signed head: that is what clients can check. */
  const proofSize = (c: Parameters<typeof intParam>[0], name: string) =>
    intParam(c, name, { fallback: witness.latestHead.size, max: witness.size });

  const inclusion = async (index: number, size: number, hash: Uint8Array) => {
    if (index >= size) {
      throw new BadRequest(
        `entry ${index} is not covered by tree size ${size}; pass a larger size or POST /api/v1/witness/head`,
      );
    }
    const path = await witness.inclusionProof(index, size);
    return { index, treeSize: size, leafHash: toHex(hash), path: path.map(toHex) };
  };

  return new Hono()
    .get("/key", (c) =>
      c.json({
        origin: witness.signer.name,
        algorithm: "Ed25519",
        keyId: toHex(witness.signer.keyId),
        publicKey: toBase64(witness.signer.publicKey),
        verifierKey: verifierKey(witness.signer),
      }))
    .get("/head", (c) => c.json(headJson(witness.latestHead)))
    .post("/head", async (c) => c.json(headJson(await witness.publishHead())))
    .get("/heads", async (c) => {
      onlyParams(c, ["from", "limit"]);
      const from = intParam(c, "from", { fallback: 0 });
      const limit = intParam(c, "limit", { fallback: 100, min: 1, max: MAX_HEADS_PER_PAGE });
      // Notes as stored (clients verify them; the server does not vouch for itself),
      // with the same fields as /head: rootHash in hex, never a Uint8Array's JSON.
      return c.json({ heads: (await witness.heads(from, limit)).map(headJson) });
    })
    .get("/entries", async (c) => {
      onlyParams(c, ["start", "end"]);
      const size = witness.size;
      const start = intParam(c, "start");
      if (start >= size) throw new BadRequest(`'start' ${start} is beyond the log size ${size}`);
      const end = intParam(c, "end", { fallback: Math.min(size, start + 100) });
      if (end <= start) throw new BadRequest("'end' must be greater than 'start'");
      if (end - start > MAX_ENTRIES_PER_PAGE) {
        throw new BadRequest(`at most ${MAX_ENTRIES_PER_PAGE} entries per request`);
      }
      const entries = await witness.entries(start, end);
      return c.json({ size, entries: entries.map(({ index, bytes }) => entryJson(index, bytes)) });
    })
    .get("/tiles/:level/:index", async (c) => {
      const [t, k] = [c.req.param("level"), c.req.param("index")].map((raw) => {
        if (!/^(0|[1-9][0-9]{0,15})$/.test(raw)) {
          throw new BadRequest("tile level and index must be non-negative integers");
        }
        return Number(raw);
      });
      const tile = t <= 8 ? await witness.tile(t, k) : undefined;
      if (!tile) throw new BadRequest(`no tile ${t}/${k}`, "NOT_FOUND", 404);
      const packed = packTile(tile);
      return c.json({ level: t, index: k, width: packed.width, hashes: toBase64(packed.hashes) });
    })
    .get("/entries/:index", async (c) => {
      const raw = c.req.param("index");
      if (!/^(0|[1-9][0-9]{0,15})$/.test(raw)) {
        throw new BadRequest("entry index must be a non-negative integer");
      }
      const index = Number(raw);
      const bytes = await witness.entry(index);
      if (!bytes) {
        throw new BadRequest(`no entry ${index}; the log holds ${witness.size}`, "NOT_FOUND", 404);
      }
      return c.json(entryJson(index, bytes));
    })
    .get("/proof/inclusion", async (c) => {
      onlyParams(c, ["index", "leafHash", "size"]);
      const size = proofSize(c, "size");
      const hashHex = c.req.query("leafHash");
      if (hashHex !== undefined) {
        if (c.req.query("index") !== undefined) {
          throw new BadRequest("give 'index' or 'leafHash', not both");
        }
        const hash = fromHex(hashHex);
        if (!hash || hash.length !== 32) {
          throw new BadRequest("'leafHash' must be 64 hex characters");
        }
        const index = await witness.indexOf(hash);
        if (index === undefined) {
          throw new BadRequest("no entry has that leaf hash", "NOT_FOUND", 404);
        }
        return c.json(await inclusion(index, size, hash));
      }
      const index = intParam(c, "index");
      const bytes = await witness.entry(index);
      if (!bytes) {
        throw new BadRequest(`no entry ${index}; the log holds ${witness.size}`, "NOT_FOUND", 404);
      }
      return c.json(await inclusion(index, size, leafHash(bytes)));
    })
    // Proof for an entry the client holds: the bytes must be canonical.
    .post("/proof/inclusion", async (c) => {
      onlyParams(c, ["size"]);
      const body = await jsonBody(c, 64 * 1024);
      onlyFields(body, ["entry"]);
      if (typeof body.entry !== "string") {
        throw new BadRequest("'entry' must be base64 entry bytes");
      }
      const bytes = fromBase64(body.entry);
      if (!bytes) throw new BadRequest("'entry' is not valid base64");
      try {
        decodeEntry(bytes);
      } catch (err) {
        if (err instanceof EntryError) {
          throw new BadRequest(`'entry' is not a canonical entry: ${err.message}`);
        }
        throw err;
      }
      const size = proofSize(c, "size");
      const hash = leafHash(bytes);
      const index = await witness.indexOf(hash);
      if (index === undefined) {
        throw new BadRequest("that entry is not in the log", "NOT_FOUND", 404);
      }
      return c.json(await inclusion(index, size, hash));
    })
    .get("/proof/consistency", async (c) => {
      onlyParams(c, ["first", "second"]);
      const second = proofSize(c, "second");
      const first = intParam(c, "first", { max: second });
      const path = await witness.consistencyProof(first, second);
      return c.json({ first, second, path: path.map(toHex) });
    });
}
