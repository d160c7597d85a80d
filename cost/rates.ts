// The rate card and what a leg's time costs under it.

export const LEG_KINDS = ["sip", "h323", "webrtc", "trunk"] as const;
export type LegKind = typeof LEG_KINDS[number];

export interface RateCard {
  currency: string;
  /** Price per minute of a leg, by kind (a gateway call's legs are "trunk"). */
  perMinute: Record<LegKind, number>;
  /** Added per minute while the leg's room holds other codecs (its audio is converted). */
  transcodedPerMinute: number;
  /** Added per recorded minute. */
  recordedPerMinute: number;
}

export function rateCardOf(c: {
  currency: string;
  sipPerMinute: number;
  h323PerMinute: number;
  webrtcPerMinute: number;
  trunkPerMinute: number;
  transcodedPerMinute: number;
  recordedPerMinute: number;
}): RateCard {
  return {
    currency: c.currency,
    perMinute: {
      sip: c.sipPerMinute,
      h323: c.h323PerMinute,
      webrtc: c.webrtcPerMinute,
      trunk: c.trunkPerMinute,
    },
    transcodedPerMinute: c.transcodedPerMinute,
    recordedPerMinute: c.recordedPerMinute,
  };
}

/** Metered time (seconds) and what it cost. */
export interface Usage {
  seconds: Record<LegKind | "transcoded" | "recorded", number>;
  amount: number;
}

export function emptyUsage(): Usage {
  return {
    seconds: { sip: 0, h323: 0, webrtc: 0, trunk: 0, transcoded: 0, recorded: 0 },
    amount: 0,
  };
}

export interface Slice {
  kind: LegKind;
  seconds: number;
  transcoded: boolean;
  recorded: boolean;
}

/** What a slice of one leg's time costs. */
export function priceOf(card: RateCard, s: Slice): number {
  const perMinute = card.perMinute[s.kind] + (s.transcoded ? card.transcodedPerMinute : 0) +
    (s.recorded ? card.recordedPerMinute : 0);
  return (perMinute * s.seconds) / 60;
}

/** Adds a slice to a usage record (in place). */
export function accrue(u: Usage, card: RateCard, s: Slice): void {
  u.seconds[s.kind] += s.seconds;
  if (s.transcoded) u.seconds.transcoded += s.seconds;
  if (s.recorded) u.seconds.recorded += s.seconds;
  u.amount += priceOf(card, s);
}

/** Money for people and JSON: rounded to 1e-6 (the rate card's own precision). */
export function money(amount: number): number {
  return Math.round(amount * 1e6) / 1e6;
}
