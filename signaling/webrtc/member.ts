// One browser in a room: its guard session, transports, producers, consumers, its
// audio bridge into the MCU and its numbered events. A member outlives its socket
// for the resume window, so a reconnecting browser keeps its seat, its media and
// every event it missed, without a second admission.

import type { types } from "mediasoup";
import type { Session } from "../../guard/mod.ts";
import type { AudioBridge } from "./audio_bridge.ts";
import {
  type ConsumerInfo,
  type Direction,
  type Json,
  type MediaKind,
  ProtocolError,
  type TransportInfo,
} from "./protocol.ts";
import type { WebRtcRoom } from "./room.ts";
import { Seat } from "./seat.ts";

export type { Sender } from "./seat.ts";

/** Bounds on what one member may hold (a browser needs one of each direction). */
export const MAX_TRANSPORTS = 4;
export const MAX_VIDEO_PRODUCERS = 2;

export class WebRtcMember extends Seat {
  readonly transports = new Map<string, types.WebRtcTransport>();
  readonly consumers = new Map<string, types.Consumer>();
  #audio?: types.Producer;
  #video = new Map<string, types.Producer>();
  #rtpCapabilities?: types.RtpCapabilities;

  constructor(
    readonly room: WebRtcRoom,
    readonly session: Session,
    readonly bridge: AudioBridge,
  ) {
    super();
  }

  get memberId(): string {
    return this.session.id;
  }

  get guardianId(): string {
    return this.session.guardianId;
  }

  get videoProducers(): types.Producer[] {
    return [...this.#video.values()];
  }

  get audioProducer(): types.Producer | undefined {
    return this.#audio;
  }

  async createTransport(direction: Direction): Promise<TransportInfo> {
    if (this.transports.size >= MAX_TRANSPORTS) {
      throw new ProtocolError("BAD_REQUEST", `at most ${MAX_TRANSPORTS} transports per member`);
    }
    const t = await this.room.router.createWebRtcTransport({
      webRtcServer: this.room.server,
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: 1_000_000,
      appData: { direction },
    });
    this.transports.set(t.id, t);
    t.observer.once("close", () => this.transports.delete(t.id));
    if (direction === "recv") await this.#consumeAll();
    return {
      transportId: t.id,
      iceParameters: t.iceParameters as unknown as Json,
      iceCandidates: t.iceCandidates as unknown as Json[],
      dtlsParameters: t.dtlsParameters as unknown as Json,
    };
  }

  transport(id: string): types.WebRtcTransport {
    const t = this.transports.get(id);
    if (!t) throw new ProtocolError("NOT_FOUND", `no transport ${id}`);
    return t;
  }

  /** The browser's receive capabilities; consumers start once a recv transport exists too. */
  async setCapabilities(caps: Json): Promise<void> {
    this.#rtpCapabilities = caps as unknown as types.RtpCapabilities;
    await this.#consumeAll();
  }

  async produce(
    transportId: string,
    kind: MediaKind,
    rtpParameters: Json,
    paused: boolean,
  ): Promise<types.Producer> {
    const t = this.transport(transportId);
    if (t.appData.direction !== "send") {
      throw new ProtocolError("BAD_REQUEST", "produce needs a send transport");
    }
    if (kind === "audio" && this.#audio && !this.#audio.closed) {
      throw new ProtocolError("BAD_REQUEST", "this member already sends audio");
    }
    if (kind === "video" && this.#video.size >= MAX_VIDEO_PRODUCERS) {
      throw new ProtocolError("BAD_REQUEST", `at most ${MAX_VIDEO_PRODUCERS} video producers`);
    }
    const producer = await t.produce({
      kind,
      rtpParameters: rtpParameters as unknown as types.RtpParameters,
      paused,
    });
    if (kind === "audio") {
      this.#audio = producer;
      await this.bridge.feed(producer);
    } else {
      this.#video.set(producer.id, producer);
      producer.observer.once("close", () => this.#video.delete(producer.id));
      await this.room.forward(this.memberId, producer);
    }
    return producer;
  }

  producer(id: string): types.Producer {
    const p = this.#audio?.id === id ? this.#audio : this.#video.get(id);
    if (!p) throw new ProtocolError("NOT_FOUND", `no producer ${id}`);
    return p;
  }

  consumer(id: string): types.Consumer {
    const c = this.consumers.get(id);
    if (!c) throw new ProtocolError("NOT_FOUND", `no consumer ${id}`);
    return c;
  }

  #recv(): types.WebRtcTransport | undefined {
    for (const t of this.transports.values()) if (t.appData.direction === "recv") return t;
    return undefined;
  }

  /** The mix, then every other member's video. */
  async #consumeAll(): Promise<void> {
    if (!this.#rtpCapabilities || !this.#recv()) return;
    await this.consume("mix", this.bridge.mix);
    for (const { owner, producer } of this.room.videoFrom(this.memberId)) {
      await this.consume(owner, producer);
    }
  }

  /**
   * Starts a consumer of `producer`: video paused until the client resumes it (so its
   * first keyframe is not sent before the browser can decode it), audio at once.
   */
  async consume(owner: string, producer: types.Producer): Promise<void> {
    const recv = this.#recv();
    const caps = this.#rtpCapabilities;
    if (!recv || !caps || this.closed) return;
    for (const c of this.consumers.values()) if (c.producerId === producer.id) return;
    if (!this.room.router.canConsume({ producerId: producer.id, rtpCapabilities: caps })) return;
    const consumer = await recv.consume({
      producerId: producer.id,
      rtpCapabilities: caps,
      paused: producer.kind === "video",
    });
    this.consumers.set(consumer.id, consumer);
    const gone = () => {
      if (this.consumers.delete(consumer.id)) {
        this.push({ name: "consumer.closed", data: { consumerId: consumer.id } });
      }
    };
    consumer.on("producerclose", gone);
    consumer.on("transportclose", () => this.consumers.delete(consumer.id));
    consumer.on("layerschange", (layers) =>
      this.push({
        name: "consumer.layers",
        data: { consumerId: consumer.id, spatialLayer: layers?.spatialLayer ?? null },
      }));
    const info: ConsumerInfo = {
      consumerId: consumer.id,
      producerId: producer.id,
      memberId: owner,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters as unknown as Json,
    };
    this.push({ name: "consumer.new", data: info });
  }

  /** Closes every transport (and with them producers and consumers) and the bridge. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.release();
    for (const t of this.transports.values()) t.close();
    this.transports.clear();
    this.consumers.clear();
    this.#video.clear();
    this.#audio = undefined;
    await this.bridge.close();
  }
}
