// One H.245 control channel (H.245 clause 8, as H.323 clause 8.2 uses it): the
// capability exchange, master-slave determination, the audio logical channels,
// round-trip delay, user input (DTMF) and end of session. It is transport-free:
// messages go out through `send` (tunnelled in H.225.0 or on a TCP connection)
// and come in through handle(); the call owning it reacts to the events.

import type { Codec } from "../../../guard/mod.ts";
import type { Logger } from "../../../telemetry/log.ts";
import { PerError } from "../asn1/per.ts";
import type { HostPort } from "../h225/address.ts";
import {
  audioChannel,
  audioChannelAck,
  type AudioChoice,
  codecOfAudio,
  hostPortOf,
  pickTransmit,
  receivableAudio,
  TERMINAL_TYPE_MCU,
  terminalCapabilitySet,
} from "./capabilities.ts";
import { decodeH245, h245Kind, type H245Message } from "./mod.ts";

type Msg = Record<string, unknown>;

export interface H245Events {
  /** The peer opened its audio channel to Council: accept it (true) or not. */
  receiveChannel(choice: AudioChoice): boolean;
  /** The peer accepted Council's audio channel: send `choice` to `remote`. */
  transmitChannel(choice: AudioChoice, remote: HostPort): void;
  digits(digits: string): void;
  endSession(): void;
  /** Nothing can be agreed (no common codec, repeated garbage). */
  failed(why: string): void;
  /** The peer refused Council's audio channel: nothing is sent to it (the leg says why). */
  transmitRefused?(cause: string): void;
  /** The peer's TerminalCapabilitySet (each one it sends), for what it says beyond codecs. */
  capabilities?(tcs: Msg): void;
}

export interface H245ControlOptions {
  send(message: H245Message): void;
  /** The codecs Council would use, preferred first (the leg's codec once it has one). */
  codecs(): readonly Codec[];
  local: { rtp: HostPort; rtcp: HostPort };
  video?: boolean;
  /** Fast Start already opened both audio channels: no OpenLogicalChannel exchange. */
  fastStart?: boolean;
  events: H245Events;
  log: Logger;
}

type MsdState = "idle" | "outgoing" | "incoming" | "done";

/** H.245 C.2.1: at most this many MSD retries on identical numbers. */
const MSD_RETRIES = 3;
/** Undecodable messages tolerated before the channel is given up. */
const MAX_SYNTAX_ERRORS = 20;

export class H245Control {
  #tcsSeq = 0;
  #ourTcsAcked = false;
  #peerTcs?: Msg;
  #msd: MsdState = "idle";
  #msdNumber = 0;
  #msdRetries = 0;
  master?: boolean;
  #tx?: { number: number; choice: AudioChoice; remote?: HostPort };
  readonly rx = new Map<number, AudioChoice>();
  #syntaxErrors = 0;
  #rtdSeq = 0;
  #rtd = new Map<number, { at: number; resolve: (ms: number) => void }>();
  #ended = false;
  #fastStart: boolean;

  constructor(private readonly o: H245ControlOptions) {
    this.#fastStart = o.fastStart ?? false;
  }

  /** Fast Start opened the audio channels after all (a callee accepted them). */
  fastStartAccepted(): void {
    this.#fastStart = true;
  }

  get capabilitiesExchanged(): boolean {
    return this.#ourTcsAcked && this.#peerTcs !== undefined;
  }

  /** Opens the session: Council's capabilities, then master-slave determination. */
  start(): void {
    this.#sendTcs();
    this.#sendMsd();
  }

  #sendTcs(): void {
    this.#tcsSeq = (this.#tcsSeq + 1) % 256;
    this.#ourTcsAcked = false;
    this.o.send({
      request: {
        terminalCapabilitySet: terminalCapabilitySet({
          sequenceNumber: this.#tcsSeq,
          codecs: this.o.codecs(),
          video: this.o.video,
        }),
      },
    });
  }

  #sendMsd(): void {
    this.#msdNumber = crypto.getRandomValues(new Uint32Array(1))[0] & 0xffffff;
    this.#msd = "outgoing";
    this.o.send({
      request: {
        masterSlaveDetermination: {
          terminalType: TERMINAL_TYPE_MCU,
          statusDeterminationNumber: this.#msdNumber,
        },
      },
    });
  }

  /** An encoded MultimediaSystemControlMessage from the peer. */
  handleBytes(bytes: Uint8Array): void {
    let m: H245Message;
    try {
      m = decodeH245(bytes);
    } catch (err) {
      if (!(err instanceof PerError)) throw err;
      // H.245 8.1: tell the peer a message could not be understood. The bytes
      // are not returned: returnedFunction is optional, and echoing garbage
      // only hands the peer's decoder the same problem.
      this.o.log.debug("undecodable H.245 message", { why: err.message, octets: bytes.length });
      this.o.send({ indication: { functionNotSupported: { cause: { syntaxError: null } } } });
      if (++this.#syntaxErrors > MAX_SYNTAX_ERRORS) {
        this.o.events.failed("too many undecodable H.245 messages");
      }
      return;
    }
    this.handle(m);
  }

  handle(m: H245Message): void {
    if (this.#ended) return;
    const [group] = Object.keys(m);
    const [kind] = Object.keys(m[group] ?? {});
    const body = (m[group] as Msg)[kind] as Msg;
    this.o.log.debug("H.245 in", { message: h245Kind(m) });
    switch (`${group}.${kind}`) {
      case "request.masterSlaveDetermination":
        return this.#onMsd(body);
      case "response.masterSlaveDeterminationAck":
        return this.#onMsdAck(body);
      case "response.masterSlaveDeterminationReject":
        if (this.#msd === "outgoing" && ++this.#msdRetries <= MSD_RETRIES) this.#sendMsd();
        return;
      case "request.terminalCapabilitySet":
        this.#peerTcs = body;
        this.o.send({
          response: { terminalCapabilitySetAck: { sequenceNumber: body.sequenceNumber } },
        });
        this.o.events.capabilities?.(body);
        return this.#maybeOpen();
      case "response.terminalCapabilitySetAck":
        if (body.sequenceNumber === this.#tcsSeq) this.#ourTcsAcked = true;
        return this.#maybeOpen();
      case "response.terminalCapabilitySetReject":
        this.o.log.warn("peer refused Council's capabilities", { cause: body.cause });
        return;
      case "command.sendTerminalCapabilitySet":
        return this.#sendTcs();
      case "request.openLogicalChannel":
        return this.#onOpen(body);
      case "response.openLogicalChannelAck":
        return this.#onOpenAck(body);
      case "response.openLogicalChannelReject":
        if (this.#tx?.number === body.forwardLogicalChannelNumber) {
          this.o.log.warn("peer refused Council's audio channel", { cause: body.cause });
          this.#tx = undefined;
          const cause = Object.keys((body.cause as Record<string, unknown> | undefined) ?? {})[0];
          this.o.events.transmitRefused?.(cause ?? "unspecified");
        }
        return;
      case "request.closeLogicalChannel":
        this.rx.delete(body.forwardLogicalChannelNumber as number);
        this.o.send({
          response: {
            closeLogicalChannelAck: {
              forwardLogicalChannelNumber: body.forwardLogicalChannelNumber,
            },
          },
        });
        return;
      case "request.requestChannelClose":
        return this.#onRequestClose(body);
      case "request.roundTripDelayRequest":
        this.o.send({
          response: { roundTripDelayResponse: { sequenceNumber: body.sequenceNumber } },
        });
        return;
      case "response.roundTripDelayResponse": {
        const p = this.#rtd.get(body.sequenceNumber as number);
        if (p) {
          this.#rtd.delete(body.sequenceNumber as number);
          p.resolve(performance.now() - p.at);
        }
        return;
      }
      case "indication.userInput":
        return this.#onUserInput(body);
      case "command.endSessionCommand":
        this.#ended = true;
        return this.o.events.endSession();
      case "request.requestMode":
        this.o.send({
          response: {
            requestModeReject: {
              sequenceNumber: body.sequenceNumber,
              cause: { modeUnavailable: null },
            },
          },
        });
        return;
      default:
        if (group === "request") {
          // H.245 8.1: a request Council does not implement.
          this.o.send({
            indication: { functionNotSupported: { cause: { unknownFunction: null } } },
          });
        }
    }
  }

  // ---- master-slave determination (H.245 8.2, C.2) -------------------------

  #onMsd(body: Msg): void {
    const theirType = body.terminalType as number;
    const theirNumber = body.statusDeterminationNumber as number;
    let master: boolean | undefined;
    if (theirType !== TERMINAL_TYPE_MCU) master = TERMINAL_TYPE_MCU > theirType;
    else {
      // C.2.1.3: compare the numbers modulo 2^24; half-way or equal is indeterminate.
      const d = (theirNumber - this.#msdNumber + 0x1000000) % 0x1000000;
      if (d !== 0 && d !== 0x800000) master = d > 0x800000;
    }
    if (master === undefined) {
      this.o.send({
        response: { masterSlaveDeterminationReject: { cause: { identicalNumbers: null } } },
      });
      return;
    }
    this.master = master;
    // The decision says what the receiver (the peer) is.
    this.o.send({
      response: {
        masterSlaveDeterminationAck: { decision: master ? { slave: null } : { master: null } },
      },
    });
    this.#msd = "incoming";
  }

  #onMsdAck(body: Msg): void {
    const decision = body.decision as Msg;
    if (this.#msd === "outgoing") {
      this.master = "master" in decision;
      this.o.send({
        response: {
          masterSlaveDeterminationAck: {
            decision: this.master ? { slave: null } : { master: null },
          },
        },
      });
    }
    this.#msd = "done";
    this.#maybeOpen();
  }

  // ---- logical channels (H.245 8.4) ----------------------------------------

  /** Council's audio channel, once capabilities and roles are known. */
  #maybeOpen(): void {
    if (this.#fastStart || this.#tx || !this.#peerTcs) return;
    if (this.#msd !== "done" && this.#msd !== "incoming") return;
    const choice = pickTransmit(receivableAudio(this.#peerTcs), this.o.codecs());
    if (!choice) {
      this.o.events.failed("no audio codec in common with the peer's capabilities");
      return;
    }
    this.#tx = { number: 1, choice };
    this.o.send({ request: { openLogicalChannel: audioChannel(1, choice, this.o.local.rtcp) } });
  }

  #onOpen(olc: Msg): void {
    const number = olc.forwardLogicalChannelNumber as number;
    const reject = (cause: string) =>
      this.o.send({
        response: {
          openLogicalChannelReject: {
            forwardLogicalChannelNumber: number,
            cause: { [cause]: null },
          },
        },
      });
    const fwd = olc.forwardLogicalChannelParameters as Msg;
    const dataType = fwd.dataType as Msg;
    if (!("audioData" in dataType)) {
      // Video and data channels have nowhere to go in an audio mix.
      return reject("dataTypeNotAvailable");
    }
    if (olc.reverseLogicalChannelParameters) return reject("unsuitableReverseParameters");
    const choice = codecOfAudio(dataType.audioData);
    if (!choice) return reject("dataTypeNotSupported");
    if (!this.o.events.receiveChannel(choice)) return reject("dataTypeNotAvailable");
    this.rx.set(number, choice);
    this.o.send({ response: { openLogicalChannelAck: audioChannelAck(number, this.o.local) } });
    this.#retarget(choice);
  }

  /**
   * A Council leg has one codec both ways: when the peer chose to send another
   * codec than the one Council opened, Council closes its channel and reopens it
   * with the peer's (H.245 8.4, as master it may), if the peer can receive it.
   */
  #retarget(peer: AudioChoice): void {
    if (!this.#tx || this.#tx.choice.codec === peer.codec || !this.#peerTcs) return;
    const choice = pickTransmit(receivableAudio(this.#peerTcs), [peer.codec]);
    if (!choice) return;
    const old = this.#tx.number;
    this.o.send({
      request: {
        closeLogicalChannel: { forwardLogicalChannelNumber: old, source: { user: null } },
      },
    });
    this.#tx = { number: old + 1, choice };
    this.o.send({
      request: { openLogicalChannel: audioChannel(old + 1, choice, this.o.local.rtcp) },
    });
  }

  #onOpenAck(ack: Msg): void {
    if (!this.#tx || ack.forwardLogicalChannelNumber !== this.#tx.number) return;
    const params = (ack.forwardMultiplexAckParameters as Msg | undefined)
      ?.h2250LogicalChannelAckParameters as Msg | undefined;
    const remote = hostPortOf(params?.mediaChannel);
    if (!remote) {
      this.o.log.warn("OpenLogicalChannelAck without an IPv4 media channel");
      return;
    }
    this.#tx.remote = remote;
    this.o.events.transmitChannel(this.#tx.choice, remote);
  }

  #onRequestClose(body: Msg): void {
    const number = body.forwardLogicalChannelNumber as number;
    this.o.send({ response: { requestChannelCloseAck: { forwardLogicalChannelNumber: number } } });
    if (this.#tx?.number === number) {
      this.#tx = undefined;
      this.o.send({
        request: {
          closeLogicalChannel: { forwardLogicalChannelNumber: number, source: { user: null } },
        },
      });
    }
  }

  // ---- user input, delay, end ----------------------------------------------

  #onUserInput(body: Msg): void {
    if (typeof body.alphanumeric === "string") {
      const digits = body.alphanumeric.toUpperCase().replace(/[^0-9*#A-D]/g, "");
      if (digits) this.o.events.digits(digits);
    } else if (body.signal) {
      const t = (body.signal as Msg).signalType;
      if (typeof t === "string" && t !== "!") this.o.events.digits(t);
    } else if (body.extendedAlphanumeric) {
      const a = (body.extendedAlphanumeric as Msg).alphanumeric;
      const digits = typeof a === "string" ? a.toUpperCase().replace(/[^0-9*#A-D]/g, "") : "";
      if (digits) this.o.events.digits(digits);
    }
  }

  /** Sends digits as H.245 user input (signal, the DTMF form H.323 terminals expect). */
  sendDigits(digits: string): void {
    for (const d of digits.toUpperCase().replace(/[^0-9*#A-D]/g, "")) {
      this.o.send({ indication: { userInput: { signal: { signalType: d, duration: 100 } } } });
    }
  }

  /** Measures the round trip of the control channel, in ms (H.245 8.9). */
  roundTripDelay(timeoutMs = 5000): Promise<number> {
    const seq = this.#rtdSeq = (this.#rtdSeq + 1) % 256;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#rtd.delete(seq);
        reject(new Error("no RoundTripDelayResponse"));
      }, timeoutMs);
      this.#rtd.set(seq, {
        at: performance.now(),
        resolve: (ms) => {
          clearTimeout(timer);
          resolve(ms);
        },
      });
      this.o.send({ request: { roundTripDelayRequest: { sequenceNumber: seq } } });
    });
  }

  /** Ends the H.245 session (H.245 8.11); nothing is sent after it. */
  endSession(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.o.send({ command: { endSessionCommand: { disconnect: null } } });
  }
}
