// The one loopback port a candidate may reach. Every WebSocket it opens here is relayed
// to the sandbox server (control: /ws; media: /media/<worker port>/..., the worker URLs
// in the server's answers rewritten to come back here), so the runner sees all the
// candidate says and can cut or spoil its sockets on cue, and the candidate needs no
// permission for any other port, even after a restart moves the media workers.

export interface Said {
  t: number;
  /** Control request type ("join", "vote", ...), or "frame" for audio. */
  type: string;
  data?: Record<string, unknown>;
}

export interface Frame {
  t: number;
  bytes: number;
  /** RMS level of an L16 frame in dBov (-120 for digital silence). */
  dbov: number;
}

/** Bounds on what is kept of a run: a flooding candidate cannot grow the runner. */
const MAX_SAID = 5000;
const MAX_FRAMES = 20_000;
const MAX_PENDING = 256;

export function levelOf(bytes: Uint8Array): number {
  const n = bytes.byteLength >> 1;
  if (n === 0) return -120;
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * 2);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const s = view.getInt16(i * 2, true);
    sum += s * s;
  }
  const rms = Math.sqrt(sum / n) / 32768;
  return rms > 0 ? Math.max(-120, 20 * Math.log10(rms)) : -120;
}

type Kind = "control" | "media";

/** Closes a socket in any state without throwing (one still opening closes once open). */
function closeQuietly(ws: WebSocket, code = 1000, reason = ""): void {
  const close = () => {
    try {
      ws.close(code, reason);
    } catch {
      try {
        ws.close();
      } catch { /* already closing */ }
    }
  };
  if (ws.readyState === WebSocket.CONNECTING) ws.addEventListener("open", close, { once: true });
  else if (ws.readyState === WebSocket.OPEN) close();
}

export class WireTap {
  readonly said: Said[] = [];
  /** Frames the candidate sent, and frames of the mix it was sent. */
  readonly sent: Frame[] = [];
  readonly heard: Frame[] = [];
  readonly opened = { control: 0, media: 0 };
  dropped = { said: 0, frames: 0 };
  #server: Deno.HttpServer;
  #mediaPorts = new Set<number>();
  #live = new Set<{ kind: Kind; down: WebSocket; up: WebSocket }>();
  readonly port: number;

  constructor(private readonly upstream: () => number) {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req) => this.#route(req),
    );
    this.port = (this.#server.addr as Deno.NetAddr).port;
  }

  #route(req: Request): Response {
    const url = new URL(req.url);
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("WebSocket only", { status: 426 });
    }
    if (url.pathname === "/ws") {
      return this.#relay("control", req, `ws://127.0.0.1:${this.upstream()}/ws`);
    }
    const m = /^\/media\/(\d{1,5})(\/.*)$/.exec(url.pathname);
    if (m && this.#mediaPorts.has(Number(m[1]))) {
      return this.#relay("media", req, `ws://127.0.0.1:${m[1]}${m[2]}${url.search}`);
    }
    return new Response("not a sandbox path", { status: 404 });
  }

  #relay(kind: Kind, req: Request, target: string): Response {
    const { socket: down, response } = Deno.upgradeWebSocket(req, { idleTimeout: 0 });
    const up = new WebSocket(target);
    up.binaryType = "arraybuffer";
    down.binaryType = "arraybuffer";
    const pair = { kind, down, up };
    this.#live.add(pair);
    this.opened[kind]++;
    const pending: (string | ArrayBuffer)[] = [];
    // Request ids of this connection, so a refusal from Council is named by its request.
    const asked = new Map<number, string>();
    down.onmessage = (e) => {
      this.#observe(kind, e.data, asked);
      if (up.readyState === WebSocket.OPEN) up.send(e.data);
      else if (pending.length < MAX_PENDING) pending.push(e.data);
    };
    up.onopen = () => {
      for (const p of pending.splice(0)) up.send(p);
    };
    up.onmessage = (e) => {
      let data = e.data as string | ArrayBuffer;
      if (typeof data === "string" && kind === "control") {
        data = this.#rewrite(data);
        this.#refusal(data, asked);
      }
      if (data instanceof ArrayBuffer) this.#keep(this.heard, new Uint8Array(data));
      if (down.readyState === WebSocket.OPEN) down.send(data);
    };
    const end = (other: WebSocket, code?: number, reason?: string) => {
      this.#live.delete(pair);
      closeQuietly(other, code, reason);
    };
    up.onclose = (e) => {
      if (kind === "media" && e.code >= 4000) {
        this.#say({ t: performance.now(), type: `media-closed:${e.code}` });
      }
      end(down, e.code >= 3000 ? e.code : 1000, e.reason);
    };
    down.onclose = () => end(up);
    up.onerror = () => end(down, 1011, "sandbox server unreachable");
    down.onerror = () => end(up);
    return response;
  }

  /** Media URLs in the server's answers point back here. */
  #rewrite(text: string): string {
    return text.replace(/ws:\/\/127\.0\.0\.1:(\d{1,5})(\/[^"?]*)/g, (_, port, path) => {
      this.#mediaPorts.add(Number(port));
      return `ws://127.0.0.1:${this.port}/media/${port}${path}`;
    });
  }

  /** Council's error answers to the candidate's requests, as "refused:<request type>". */
  #refusal(text: string, asked: Map<number, string>): void {
    if (!text.startsWith('{"type":"error"') && !text.includes('"type":"error"')) return;
    try {
      const msg = JSON.parse(text);
      if (msg.type !== "error") return;
      const type = asked.get(msg.id) ?? "unknown";
      this.#say({
        t: performance.now(),
        type: `refused:${type}`,
        data: { code: String(msg.code).slice(0, 40), message: String(msg.message).slice(0, 200) },
      });
    } catch { /* not JSON: the candidate's problem to survive, not ours */ }
  }

  #observe(kind: Kind, data: string | ArrayBuffer, asked: Map<number, string>): void {
    if (data instanceof ArrayBuffer) {
      if (kind === "media") this.#keep(this.sent, new Uint8Array(data));
      else this.#say({ t: performance.now(), type: "binary-on-control" });
      return;
    }
    if (kind === "media") {
      this.#say({ t: performance.now(), type: "text-on-media" });
      return;
    }
    let msg: Record<string, unknown> = {};
    try {
      msg = JSON.parse(data);
    } catch { /* recorded as such */ }
    const type = typeof msg.type === "string" ? msg.type.slice(0, 40) : "not-json";
    const { type: _t, ...rest } = msg;
    if (typeof msg.id === "number" && asked.size < 10_000) asked.set(msg.id, type);
    this.#say({ t: performance.now(), type, data: data.length <= 64 * 1024 ? rest : {} });
  }

  #say(s: Said): void {
    if (this.said.length < MAX_SAID) this.said.push(s);
    else this.dropped.said++;
  }

  #keep(into: Frame[], bytes: Uint8Array): void {
    if (into.length >= MAX_FRAMES) {
      this.dropped.frames++;
      return;
    }
    into.push({ t: performance.now(), bytes: bytes.byteLength, dbov: levelOf(bytes) });
  }

  /** Closes the candidate's sockets of one kind, as a network fault would. */
  drop(kind: Kind): number {
    let n = 0;
    for (const p of [...this.#live]) {
      if (p.kind !== kind) continue;
      n++;
      closeQuietly(p.down, 1001, "sandbox: dropped");
    }
    return n;
  }

  /** Sends text frames straight to the candidate's control sockets. */
  inject(frames: (string | Uint8Array)[]): number {
    let n = 0;
    for (const p of this.#live) {
      if (p.kind !== "control" || p.down.readyState !== WebSocket.OPEN) continue;
      for (const f of frames) p.down.send(f);
      n++;
    }
    return n;
  }

  async close(): Promise<void> {
    for (const p of this.#live) {
      closeQuietly(p.down);
      closeQuietly(p.up);
    }
    await this.#server.shutdown();
  }
}
