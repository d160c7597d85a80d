// A call's separate H.245 channel is taken only by the caller's host: a stranger
// who learnt the port from the Connect is closed and the wait goes on.

import assert from "node:assert/strict";
import net from "node:net";
import { H245Listener } from "../../../signaling/h323/h245/channel.ts";

function connectFrom(localAddress: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: "127.0.0.1", port, localAddress }, () => resolve(s));
    s.on("error", reject);
  });
}

Deno.test("the H.245 listener closes a stranger's connection and takes the caller's", async () => {
  const listener = H245Listener.open("127.0.0.1");
  const accepted = listener.accept(10_000, "127.0.0.1");
  const stranger = await connectFrom("127.0.0.2", listener.address.port);
  const strangerClosed = new Promise<void>((r) => stranger.on("close", () => r()));
  stranger.on("error", () => {});
  await strangerClosed;
  const caller = await connectFrom("127.0.0.1", listener.address.port);
  const conn = await accepted;
  assert.ok(conn, "the caller's connection is the call's H.245 channel");
  assert.equal(conn.remote.host, "127.0.0.1");
  conn.close("test done");
  caller.destroy();
});
