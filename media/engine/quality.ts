// A MOS estimate per leg from the ITU-T G.107 E-model, reduced to what a media
// server measures: codec impairment and loss robustness (G.113 Appendix I values),
// packet loss, and one-way delay (the simplified Id of G.107 / Cole & Rosenbluth).
// It is an estimate for dashboards and alarms, not a listening test.

import type { Codec } from "../../guard/mod.ts";

/** Equipment impairment Ie and packet-loss robustness Bpl, G.113 Appendix I. */
const IMPAIRMENT: Record<Codec, { ie: number; bpl: number }> = {
  PCMU: { ie: 0, bpl: 25.1 }, // G.711 with PLC (G.711 Appendix I)
  PCMA: { ie: 0, bpl: 25.1 },
  G729: { ie: 11, bpl: 19 }, // G.729A + VAD
  G722: { ie: 0, bpl: 25.1 }, // narrowband-scale equivalent, with PLC
  opus: { ie: 0, bpl: 30 }, // no G.113 entry; treated as at least as robust as G.711+PLC
  L16: { ie: 0, bpl: 25.1 }, // uncompressed, with PLC: as G.711 (no G.113 entry)
};

/** R factor from codec, loss (0..1) and one-way mouth-to-ear delay (ms). */
export function rFactor(codec: Codec, loss: number, delayMs: number): number {
  const { ie, bpl } = IMPAIRMENT[codec];
  const ppl = Math.max(0, Math.min(1, loss)) * 100;
  const ieEff = ie + (95 - ie) * ppl / (ppl + bpl);
  const d = Math.max(0, delayMs);
  const id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
  return 93.2 - ieEff - id;
}

/** G.107 Annex B: R to MOS (conversational quality, 1..4.5). */
export function mosFromR(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

export function estimateMos(codec: Codec, loss: number, delayMs: number): number {
  return Math.round(mosFromR(rFactor(codec, loss, delayMs)) * 100) / 100;
}
