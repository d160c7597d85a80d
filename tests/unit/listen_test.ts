import assert from "node:assert/strict";
import { ListenError, listenHttp } from "../../routes/mod.ts";

Deno.test("closing the listener lets an in-flight request finish, then refuses new ones", async () => {
  let entered!: () => void;
  const inHandler = new Promise<void>((r) => (entered = r));
  const http = listenHttp(async () => {
    entered();
    await new Promise((r) => setTimeout(r, 300));
    return new Response("finished");
  }, { host: "127.0.0.1", port: 0 });
  assert.equal(await http.ready(), true);

  const inFlight = fetch(http.url).then((r) => r.text());
  await inHandler;
  const closing = http.close();
  assert.equal(await http.ready(), false);
  assert.equal(await inFlight, "finished");
  await closing;
  await assert.rejects(() => fetch(http.url));
});

Deno.test("a taken port is a ListenError naming http.port", () => {
  const blocker = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (blocker.addr as Deno.NetAddr).port;
  try {
    assert.throws(
      () => listenHttp(() => new Response(), { host: "127.0.0.1", port }),
      (err: unknown) =>
        err instanceof ListenError &&
        err.message === `http.port: 127.0.0.1:${port} is already in use`,
    );
  } finally {
    blocker.close();
  }
});
