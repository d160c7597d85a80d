// The /ws messages of browsers' signed audio (docs/API.md, docs/provenance.md):
// `produce` naming its chain, and `checkpoint`; malformed ones refused by field.

import assert from "node:assert/strict";
import { parseClientMessage, ProtocolError } from "../../../signaling/webrtc/protocol.ts";

const transportId = crypto.randomUUID();
const streamId = "0123456789abcdef0123456789abcdef";
const link = "ab".repeat(32);
const signature = btoa(String.fromCharCode(...new Uint8Array(64).fill(9)));

function refused(msg: Record<string, unknown>, field: RegExp): void {
  assert.throws(
    () => parseClientMessage(JSON.stringify(msg)),
    (e) => e instanceof ProtocolError && e.code === "BAD_REQUEST" && field.test(e.message),
    JSON.stringify(msg),
  );
}

Deno.test("produce names its audio chain; only audio, only a 16-byte hex id", () => {
  const produce = { type: "produce", id: 1, transportId, kind: "audio", rtpParameters: {} };
  assert.deepEqual(
    parseClientMessage(JSON.stringify({ ...produce, provenance: { streamId } })),
    { ...produce, paused: undefined, provenance: { streamId } },
  );
  assert.equal("provenance" in parseClientMessage(JSON.stringify(produce)), false);
  refused({ ...produce, kind: "video", provenance: { streamId } }, /^provenance/);
  refused({ ...produce, provenance: { streamId: "xyz" } }, /provenance\.streamId/);
  refused({ ...produce, provenance: "yes" }, /provenance/);
});

Deno.test("checkpoint messages parse; each bad field is named", () => {
  const cp = {
    type: "checkpoint",
    id: 7,
    streamId,
    index: 24,
    rtpTimestamp: 4_294_967_295,
    link,
    signature,
  };
  assert.deepEqual(parseClientMessage(JSON.stringify(cp)), cp);
  refused({ ...cp, streamId: streamId.toUpperCase() }, /streamId/);
  refused({ ...cp, index: -1 }, /index/);
  refused({ ...cp, index: 1.5 }, /index/);
  refused({ ...cp, rtpTimestamp: 2 ** 32 }, /rtpTimestamp/);
  refused({ ...cp, link: link.slice(2) }, /link/);
  refused({ ...cp, signature: signature.slice(4) }, /signature/);
  refused({ ...cp, signature: undefined }, /signature/);
});
