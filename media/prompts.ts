// Spoken prompts for the room PIN lobby (rooms/pin_lobby.ts): rendered once with
// Debian's espeak-ng into a WAV under the cache directory ($COUNCIL_PROMPT_CACHE, else
// $XDG_CACHE_HOME/council/prompts or ~/.cache/council/prompts), then kept in memory.
// The media worker resamples the PCM to the room's mix rate and the leg's encoder to
// its codec's (media/engine leg.play). Without espeak-ng a prompt is a short tone
// pattern, so a caller still hears that something asks for input.

export type PromptName = "welcome" | "again" | "wrong" | "joining" | "goodbye" | "refused";

export interface Prompt {
  pcm: Int16Array;
  rate: number;
  text: string;
}

/** The words of each prompt (the room's name is spoken with its dashes as spaces). */
export function promptText(name: PromptName, room: string): string {
  const spoken = room.replace(/[-_.]+/g, " ");
  switch (name) {
    case "welcome":
      return `Welcome to Council room ${spoken}. Please enter the room PIN, followed by the pound key.`;
    case "wrong":
      return "That PIN is not correct. Please try again.";
    case "again":
      return "Please enter the room PIN, followed by the pound key.";
    case "joining":
      return "Thank you. You are joining the council.";
    case "goodbye":
      return "Too many attempts. Goodbye.";
    case "refused":
      return "You cannot join this room now. Goodbye.";
  }
}

const memory = new Map<string, Promise<Prompt>>();
const MAX_REMEMBERED = 256;

function cacheDir(): string {
  const env = Deno.env.get("COUNCIL_PROMPT_CACHE");
  if (env) return env;
  const xdg = Deno.env.get("XDG_CACHE_HOME");
  const home = Deno.env.get("HOME") ?? "/tmp";
  return `${xdg || `${home}/.cache`}/council/prompts`;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Mono 16-bit PCM from a RIFF/WAVE file (what espeak-ng writes). */
export function parseWav(bytes: Uint8Array): { pcm: Int16Array; rate: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== "RIFF" || tag(8) !== "WAVE") throw new Error("not WAVE");
  let rate = 0;
  let channels = 0;
  let bits = 0;
  for (let at = 12; at + 8 <= bytes.length;) {
    const id = tag(at);
    // espeak-ng writing to a pipe leaves the sizes 0x7fffffff: take what is there.
    const size = Math.min(view.getUint32(at + 4, true), bytes.length - at - 8);
    if (id === "fmt ") {
      channels = view.getUint16(at + 10, true);
      rate = view.getUint32(at + 12, true);
      bits = view.getUint16(at + 22, true);
    } else if (id === "data") {
      if (bits !== 16 || channels < 1 || !rate) throw new Error("not 16-bit PCM");
      const frames = Math.floor(size / (2 * channels));
      const pcm = new Int16Array(frames);
      for (let i = 0; i < frames; i++) pcm[i] = view.getInt16(at + 8 + i * 2 * channels, true);
      return { pcm, rate };
    }
    at += 8 + size + (size % 2);
  }
  throw new Error("no data chunk");
}

/** Two short 440/660 Hz tones: what a caller hears when espeak-ng is not installed. */
function tones(): { pcm: Int16Array; rate: number } {
  const rate = 8000;
  const pcm = new Int16Array(rate);
  for (let i = 0; i < pcm.length; i++) {
    const t = i / rate;
    const f = t < 0.3 ? 440 : t >= 0.45 && t < 0.75 ? 660 : 0;
    pcm[i] = f ? Math.round(8000 * Math.sin(2 * Math.PI * f * t)) : 0;
  }
  return { pcm, rate };
}

async function render(text: string): Promise<{ pcm: Int16Array; rate: number }> {
  const dir = cacheDir();
  const file = `${dir}/${(await sha256Hex(`espeak-ng v1\n${text}`)).slice(0, 32)}.wav`;
  try {
    return parseWav(await Deno.readFile(file));
  } catch { /* not cached yet */ }
  try {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${crypto.randomUUID()}.tmp`;
    // Arguments, not a shell: the text is never interpreted.
    const out = await new Deno.Command("espeak-ng", {
      args: ["-v", "en-us", "-s", "150", "-w", tmp, "--", text],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr).slice(0, 200));
    const wav = parseWav(await Deno.readFile(tmp));
    await Deno.rename(tmp, file);
    return wav;
  } catch {
    return tones();
  }
}

/** A prompt's PCM for a room: rendered once (disk cache), then from memory. */
export function prompt(name: PromptName, room: string): Promise<Prompt> {
  const text = promptText(name, room);
  let p = memory.get(text);
  if (!p) {
    if (memory.size >= MAX_REMEMBERED) memory.delete(memory.keys().next().value!);
    p = render(text).then((w) => ({ ...w, text }));
    p.catch(() => memory.delete(text));
    memory.set(text, p);
  }
  return p;
}
