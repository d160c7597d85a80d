// RFC 4733 telephone-events (DTMF digits 0-9 * # A-D, events 0-15): the payload,
// a receiver that reports each digit once however often it is retransmitted, and
// the packet train a sender emits for one digit.

export const DTMF_DIGITS = "0123456789*#ABCD";

export interface TelephoneEvent {
  event: number;
  end: boolean;
  volume: number;
  duration: number;
}

export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent | undefined {
  if (payload.length < 4) return undefined;
  return {
    event: payload[0],
    end: (payload[1] & 0x80) !== 0,
    volume: payload[1] & 0x3f,
    duration: (payload[2] << 8) | payload[3],
  };
}

export function serializeTelephoneEvent(e: TelephoneEvent): Uint8Array {
  return new Uint8Array([
    e.event,
    (e.end ? 0x80 : 0) | (e.volume & 0x3f),
    (e.duration >> 8) & 0xff,
    e.duration & 0xff,
  ]);
}

/** Reports a digit once, at its start, keyed by the event's RTP timestamp (RFC 4733 2.5.1). */
export class DtmfReceiver {
  #lastTimestamp = -1;

  /** Returns the digit when this packet starts a new event. */
  onPacket(timestamp: number, payload: Uint8Array): string | undefined {
    const e = parseTelephoneEvent(payload);
    if (!e || e.event >= DTMF_DIGITS.length) return undefined;
    if (timestamp === this.#lastTimestamp) return undefined;
    this.#lastTimestamp = timestamp;
    return DTMF_DIGITS[e.event];
  }
}

export interface DtmfPacket {
  marker: boolean;
  /** Timestamp offset from the event start (always 0: one event, one timestamp). */
  payload: Uint8Array;
}

/**
 * The packets for one digit: one every `frameDuration` units while it lasts, the
 * first with the marker, and the end packet sent three times (RFC 4733 2.5.1.4).
 */
export function dtmfPackets(
  digit: string,
  durationUnits: number,
  frameDuration: number,
): DtmfPacket[] {
  const event = DTMF_DIGITS.indexOf(digit.toUpperCase());
  if (event < 0 || digit.length !== 1) {
    throw new RangeError(`not a DTMF digit: ${JSON.stringify(digit)}`);
  }
  const packets: DtmfPacket[] = [];
  for (let d = frameDuration; d < durationUnits; d += frameDuration) {
    packets.push({
      marker: packets.length === 0,
      payload: serializeTelephoneEvent({ event, end: false, volume: 10, duration: d }),
    });
  }
  for (let i = 0; i < 3; i++) {
    packets.push({
      marker: packets.length === 0,
      payload: serializeTelephoneEvent({
        event,
        end: true,
        volume: 10,
        duration: Math.min(durationUnits, 0xffff),
      }),
    });
  }
  return packets;
}
