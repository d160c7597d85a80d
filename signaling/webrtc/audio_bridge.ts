// A browser's audio in and out of the MCU. The browser's Opus producer is consumed
// into a PlainTransport whose far end is the member's leg in a media worker; the
// worker's N-1 mix for that member comes back over the same transport (one UDP port
// each side, RTCP muxed) and is produced into the Router, where the browser
// consumes it. So a browser hears SIP and H.323 members through the same mix as
// everyone else, and they hear it.

import type { types } from "mediasoup";
import type { JoinRequest, Rooms } from "../../rooms/mod.ts";
import { OPUS_FMTP, OPUS_PAYLOAD_TYPE } from "./codecs.ts";

export interface BridgeOptions {
  router: types.Router;
  rooms: Rooms;
  /** The member's leg, as for any other protocol (host/port from its guard session). */
  leg: Pick<JoinRequest, "room" | "legId" | "guardianId" | "host" | "port">;
  portMin: number;
  portMax: number;
}

export class AudioBridge {
  #feed?: types.Consumer;
  #closed = false;

  private constructor(
    private readonly o: BridgeOptions,
    private readonly transport: types.PlainTransport,
    /** The mix the media worker sends for this member, as a Router producer. */
    readonly mix: types.Producer,
  ) {}

  static async open(o: BridgeOptions): Promise<AudioBridge> {
    const transport = await o.router.createPlainTransport({
      listenInfo: {
        protocol: "udp",
        ip: o.leg.host,
        portRange: { min: o.portMin, max: o.portMax },
      },
      rtcpMux: true,
      comedia: false,
    });
    let joined = false;
    try {
      // mediasoup must know the SSRC of what it receives on a plain transport.
      const ssrc = (crypto.getRandomValues(new Uint32Array(1))[0] >>> 1) + 1;
      const member = await o.rooms.join({
        ...o.leg,
        protocol: "webrtc",
        codec: { codec: "opus", payloadType: OPUS_PAYLOAD_TYPE, fmtp: OPUS_FMTP },
        remote: {
          address: transport.tuple.localAddress ?? o.leg.host,
          port: transport.tuple.localPort,
        },
        ssrc,
      });
      joined = true;
      await transport.connect({ ip: o.leg.host, port: member.port });
      const mix = await transport.produce({
        kind: "audio",
        rtpParameters: {
          codecs: [{
            mimeType: "audio/opus",
            payloadType: OPUS_PAYLOAD_TYPE,
            clockRate: 48000,
            channels: 2,
            parameters: { useinbandfec: 1, minptime: 10 },
          }],
          encodings: [{ ssrc }],
        },
        appData: { mix: true, legId: o.leg.legId },
      });
      return new AudioBridge(o, transport, mix);
    } catch (err) {
      transport.close();
      if (joined) await o.rooms.leave(o.leg.legId).catch(() => {});
      throw err;
    }
  }

  /** Sends the browser's microphone into the mix (replacing an earlier one). */
  async feed(producer: types.Producer): Promise<void> {
    this.#feed?.close();
    this.#feed = await this.transport.consume({
      producerId: producer.id,
      rtpCapabilities: this.o.router.rtpCapabilities,
    });
  }

  /** UDP port mediasoup uses on its side (tests and stats). */
  get localPort(): number {
    return this.transport.tuple.localPort;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.transport.close();
    await this.o.rooms.leave(this.o.leg.legId);
  }
}
