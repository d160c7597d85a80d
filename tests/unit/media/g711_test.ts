// G.711 against spandsp, compiled here from its own header: every 16-bit input
// encoded, every code decoded, both laws, bit for bit.
import assert from "node:assert/strict";
import { G711_SILENCE, g711Decode, g711Encode } from "../../../media/codecs/g711.ts";
import { tempDir } from "../../_helpers/temp.ts";

const SOURCE = new URL("../../fixtures/c/g711_reference.c", import.meta.url).pathname;

async function spandspReference(): Promise<number[]> {
  const bin = `${tempDir()}/g711_reference`;
  const cc = await new Deno.Command("cc", { args: ["-O2", "-o", bin, SOURCE] }).output();
  assert.equal(cc.code, 0, new TextDecoder().decode(cc.stderr));
  const run = await new Deno.Command(bin).output();
  assert.equal(run.code, 0);
  return new TextDecoder().decode(run.stdout).trim().split("\n").map(Number);
}

Deno.test("G.711 mu-law and A-law are bit-exact with spandsp for every input and code", async () => {
  const ref = await spandspReference();
  assert.equal(ref.length, 65536 * 2 + 512);
  const all = new Int16Array(65536);
  for (let i = 0; i < 65536; i++) all[i] = i - 32768;
  const ulaw = g711Encode("ulaw", all);
  const alaw = g711Encode("alaw", all);
  for (let i = 0; i < 65536; i++) {
    if (ulaw[i] !== ref[i]) {
      assert.fail(`mu-law encode(${all[i]}) = ${ulaw[i]}, spandsp says ${ref[i]}`);
    }
    if (alaw[i] !== ref[65536 + i]) {
      assert.fail(`A-law encode(${all[i]}) = ${alaw[i]}, spandsp says ${ref[65536 + i]}`);
    }
  }
  const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
  const ulawPcm = g711Decode("ulaw", codes);
  const alawPcm = g711Decode("alaw", codes);
  for (let c = 0; c < 256; c++) {
    assert.equal(ulawPcm[c], ref[131072 + c], `mu-law decode(${c})`);
    assert.equal(alawPcm[c], ref[131072 + 256 + c], `A-law decode(${c})`);
  }
});

Deno.test("decode then encode returns every code (the tables are inverse on codes)", () => {
  for (const law of ["ulaw", "alaw"] as const) {
    const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const again = g711Encode(law, g711Decode(law, codes));
    for (let c = 0; c < 256; c++) {
      // mu-law has two zeros (0x7f and 0xff); both decode to 0, which encodes to 0xff.
      if (law === "ulaw" && c === 0x7f) assert.equal(again[c], 0xff);
      else assert.equal(again[c], c, `${law} ${c}`);
    }
  }
  assert.equal(G711_SILENCE.ulaw, 0xff);
  assert.equal(G711_SILENCE.alaw, 0xd5);
});
