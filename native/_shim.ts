// native/council_native.c, compiled by scripts/setup into native/build/: the opus
// ctl wrappers and the media workers' UDP calls.

import { lazyLibrary, NativeLibraryError } from "./_library.ts";

/** The interface version this binding expects (council_native_abi() in the C file). */
const ABI = 3;

const file = new URL("./build/libcouncil_native.so", import.meta.url);

const open = lazyLibrary(
  {
    purpose: "Council's native helpers (native/council_native.c)",
    files: [file.protocol === "file:" ? decodeURIComponent(file.pathname) : file.href],
    provider: "scripts/setup, which compiles it",
  },
  {
    council_native_abi: { parameters: [], result: "i32" },
    council_opus_encoder_set: { parameters: ["pointer", "i32", "i32"], result: "i32" },
    council_opus_encoder_get: { parameters: ["pointer", "i32", "buffer"], result: "i32" },
    council_opus_encoder_reset: { parameters: ["pointer"], result: "i32" },
    council_opus_decoder_get: { parameters: ["pointer", "i32", "buffer"], result: "i32" },
    council_udp_open: { parameters: ["u32", "i32"], result: "i32" },
    council_udp_local_port: { parameters: ["i32"], result: "i32" },
    council_udp_recv: {
      parameters: ["i32", "buffer", "i32", "i32", "buffer", "buffer"],
      result: "i32",
    },
    council_udp_send: { parameters: ["i32", "buffer", "i32", "u32", "i32"], result: "i32" },
    council_udp_close: { parameters: ["i32"], result: "i32" },
    council_thread_realtime: { parameters: ["i32"], result: "i32" },
  } as const,
);

let checked = false;

export function shim(): ReturnType<typeof open> {
  const s = open();
  if (!checked) {
    if (s.council_native_abi() !== ABI) {
      throw new NativeLibraryError("native/build/libcouncil_native.so is stale; run scripts/setup");
    }
    checked = true;
  }
  return s;
}
