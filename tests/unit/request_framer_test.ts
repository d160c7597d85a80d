// The HTTP front's request framing (routes/_request_framer.ts): where heads and
// bodies start and end, however the bytes are split.

import assert from "node:assert/strict";
import { RequestFramer, type RequestHead } from "../../routes/_request_framer.ts";

function framer(opts: { refuse?: boolean; maxHead?: number } = {}) {
  const events: string[] = [];
  const heads: RequestHead[] = [];
  const f = new RequestFramer({
    started: () => events.push("started"),
    head: (h) => {
      heads.push(h);
      events.push(`head ${h.method} ${h.target}`);
      return !opts.refuse;
    },
    ended: () => events.push("ended"),
  }, opts.maxHead);
  const push = (text: string) => f.push(new TextEncoder().encode(text));
  return { f, events, heads, push };
}

Deno.test("a GET ends with its head, even when the head arrives a byte at a time", () => {
  const { f, events, push } = framer();
  const req = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  for (const ch of req) push(ch);
  assert.deepEqual(events, ["started", "head GET /healthz", "ended"]);
  assert.equal(f.phase, "between");
});

Deno.test("a Content-Length body is framed, and pipelined requests each end", () => {
  const { f, events, push } = framer();
  push("\r\nPOST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel");
  assert.equal(f.phase, "body");
  push("loGET /b HTTP/1.1\r\n\r\n");
  assert.deepEqual(events, ["started", "head POST /a", "ended", "started", "head GET /b", "ended"]);
});

Deno.test("a chunked body ends after the last chunk and its trailers", () => {
  const { f, events, push } = framer();
  push("POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
  push("5;ext=1\r\nhello\r\n");
  assert.equal(f.phase, "body");
  push("0\r\nX-Trailer: 1\r\n");
  assert.equal(f.phase, "body");
  push("\r\n");
  assert.deepEqual(events, ["started", "head POST /c", "ended"]);
});

Deno.test("a WebSocket upgrade stops the framing; a refused head is lost", () => {
  const ws = framer();
  ws.push("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello");
  assert.equal(ws.f.phase, "upgraded");
  assert.equal(ws.heads[0].websocket, true);
  const refused = framer({ refuse: true });
  refused.push("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n");
  assert.equal(refused.f.phase, "lost");
});

Deno.test("an oversized head or a bad length loses the framing instead of buffering", () => {
  const big = framer({ maxHead: 64 });
  big.push("GET / HTTP/1.1\r\n" + "X: y\r\n".repeat(20));
  assert.equal(big.f.phase, "lost");
  const bad = framer();
  bad.push("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
  assert.equal(bad.f.phase, "lost");
  const chunk = framer();
  chunk.push("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
  assert.equal(chunk.f.phase, "lost");
});

Deno.test("each head is passed on whole, with the front's peer header and not the client's", () => {
  const f = new RequestFramer(
    { started() {}, head: () => true, ended() {} },
    1024,
    { name: "x-council-peer", value: "10.0.0.7" },
  );
  const text = (parts: Uint8Array[]) =>
    parts.map((p) => new TextDecoder("latin1").decode(p)).join("");
  const enc = (t: string) => Uint8Array.from(t, (c) => c.charCodeAt(0));
  // A partial head is held back; a spoofed copy (any case) is dropped; other bytes
  // (latin-1 included) pass unchanged, and the body passes as it came.
  assert.equal(
    text(f.push(enc("POST /a HTTP/1.1\r\nX-Council-Peer : 6.6.6.6\r\nX-Name: caf\xe9\r\n"))),
    "",
  );
  const out = text(f.push(enc("Content-Length: 2\r\n\r\nhi")));
  assert.equal(
    out,
    "POST /a HTTP/1.1\r\nX-Name: caf\xe9\r\nContent-Length: 2\r\nx-council-peer: 10.0.0.7\r\n\r\nhi",
  );
  assert.equal(
    text(f.push(enc("GET /b HTTP/1.1\r\n\r\n"))),
    "GET /b HTTP/1.1\r\nx-council-peer: 10.0.0.7\r\n\r\n",
  );
});
