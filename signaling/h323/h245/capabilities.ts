// What Council says and understands in H.245 capability exchange and logical
// channels: its codecs as AudioCapability values, the TerminalCapabilitySet it
// sends, the audio codec of a channel a peer opens, and Fast Start (H.323 8.1.7):
// picking one pair of the caller's proposed channels and answering them.

import type { Codec } from "../../../guard/mod.ts";
import type { HostPort } from "../h225/address.ts";
import { H245_PROTOCOL } from "./mod.ts";
import { provenanceCapability } from "./provenance.ts";

type Msg = Record<string, unknown>;

/** H.245 audio capability alternatives per Council codec, preferred first. */
const AUDIO_ALTERNATIVES: Partial<Record<Codec, string[]>> = {
  PCMU: ["g711Ulaw64k"],
  PCMA: ["g711Alaw64k"],
  G722: ["g722-64k"],
  G729: ["g729AnnexA", "g729", "g729AnnexAwAnnexB", "g729wAnnexB"],
};

/**
 * Frames per packet Council sends (20 ms) and accepts. H.245 AudioCapability
 * counts "audio frames per packet"; H.323 stacks take a G.711/G.722 frame as 1 ms
 * and a G.729 frame as its 10 ms.
 */
const TX_FRAMES: Record<string, number> = {
  g711Ulaw64k: 20,
  g711Alaw64k: 20,
  "g722-64k": 20,
  g729: 2,
  g729AnnexA: 2,
  g729wAnnexB: 2,
  g729AnnexAwAnnexB: 2,
};
const RX_FRAMES: Record<string, number> = {
  g711Ulaw64k: 240,
  g711Alaw64k: 240,
  "g722-64k": 240,
  g729: 24,
  g729AnnexA: 24,
  g729wAnnexB: 24,
  g729AnnexAwAnnexB: 24,
};

const CODEC_OF = new Map<string, Codec>(
  Object.entries(AUDIO_ALTERNATIVES).flatMap(([codec, alts]) =>
    alts!.map((a) => [a, codec as Codec] as [string, Codec])
  ),
);

/** H.323 Table 1: an MCU with an audio MP (so it is master against any terminal). */
export const TERMINAL_TYPE_MCU = 180;

export interface AudioChoice {
  codec: Codec;
  /** The AudioCapability alternative in use ("g729AnnexA", ...). */
  capability: string;
}

/** The Council codec of an AudioCapability value, if it is one Council mixes. */
export function codecOfAudio(cap: unknown): AudioChoice | undefined {
  if (typeof cap !== "object" || cap === null) return undefined;
  const [alt] = Object.keys(cap);
  const codec = CODEC_OF.get(alt);
  return codec ? { codec, capability: alt } : undefined;
}

/** The AudioCapability Council sends in an OpenLogicalChannel for a codec. */
export function audioData(choice: AudioChoice): Msg {
  return { audioData: { [choice.capability]: TX_FRAMES[choice.capability] } };
}

/** The H.245 unicast TransportAddress of an IPv4 host:port. */
export function h245Address(a: HostPort): Msg {
  return {
    unicastAddress: {
      iPAddress: { network: new Uint8Array(a.host.split(".").map(Number)), tsapIdentifier: a.port },
    },
  };
}

export function hostPortOf(t: unknown): HostPort | undefined {
  const ip =
    (t as { unicastAddress?: { iPAddress?: { network?: unknown; tsapIdentifier?: unknown } } })
      ?.unicastAddress?.iPAddress;
  if (!(ip?.network instanceof Uint8Array) || ip.network.length !== 4) return undefined;
  if (typeof ip.tsapIdentifier !== "number") return undefined;
  return { host: [...ip.network].join("."), port: ip.tsapIdentifier };
}

export interface CapabilityOptions {
  sequenceNumber: number;
  codecs: readonly Codec[];
  /** Advertise H.264 and H.263 receive capabilities. */
  video?: boolean;
}

const NO_MULTIPOINT = {
  multicastCapability: false,
  multiUniCastConference: false,
  mediaDistributionCapability: [{
    centralizedControl: false,
    distributedControl: false,
    centralizedAudio: false,
    distributedAudio: false,
    centralizedVideo: false,
    distributedVideo: false,
  }],
};

/**
 * Council's TerminalCapabilitySet: what it can receive (each codec the room
 * allows, in preference order), stream chains, DTMF as user input, and video when
 * it is on.
 */
export function terminalCapabilitySet(o: CapabilityOptions): Msg {
  const table: Msg[] = [];
  const audio: number[] = [];
  const video: number[] = [];
  const input: number[] = [];
  const add = (capability: Msg, into: number[]) => {
    const n = table.length + 1;
    table.push({ capabilityTableEntryNumber: n, capability });
    into.push(n);
  };
  for (const codec of o.codecs) {
    for (const alt of AUDIO_ALTERNATIVES[codec] ?? []) {
      add({ receiveAudioCapability: { [alt]: RX_FRAMES[alt] } }, audio);
    }
  }
  if (o.video) {
    add({
      receiveVideoCapability: {
        genericVideoCapability: {
          // H.241 8.3: H.264 as a generic capability; parameter 41 is the profile
          // (booleanArray, 64 = Baseline) and 42 the level.
          capabilityIdentifier: { standard: "0.0.8.241.0.0.1" },
          maxBitRate: 10240,
          collapsing: [
            { parameterIdentifier: { standard: 41 }, parameterValue: { booleanArray: 64 } },
            { parameterIdentifier: { standard: 42 }, parameterValue: { unsignedMin: 29 } },
          ],
        },
      },
    }, video);
    add({
      receiveVideoCapability: {
        h263VideoCapability: {
          qcifMPI: 1,
          cifMPI: 1,
          maxBitRate: 10240,
          unrestrictedVector: false,
          arithmeticCoding: false,
          advancedPrediction: false,
          pbFrames: false,
          temporalSpatialTradeOffCapability: false,
        },
      },
    }, video);
  }
  // Stream chains (h245/provenance.ts): a control capability, in no media descriptor.
  add(provenanceCapability(), []);
  add({ receiveAndTransmitUserInputCapability: { basicString: null } }, input);
  add({ receiveAndTransmitUserInputCapability: { dtmf: null } }, input);
  const simultaneous = [audio, video, input].filter((s) => s.length > 0);
  return {
    sequenceNumber: o.sequenceNumber,
    protocolIdentifier: H245_PROTOCOL,
    multiplexCapability: {
      h2250Capability: {
        maximumAudioDelayJitter: 60,
        receiveMultipointCapability: NO_MULTIPOINT,
        transmitMultipointCapability: NO_MULTIPOINT,
        receiveAndTransmitMultipointCapability: NO_MULTIPOINT,
        mcCapability: { centralizedConferenceMC: true, decentralizedConferenceMC: false },
        rtcpVideoControlCapability: false,
        mediaPacketizationCapability: { h261aVideoPacketization: false },
      },
    },
    capabilityTable: table,
    capabilityDescriptors: [{
      capabilityDescriptorNumber: 0,
      simultaneousCapabilities: simultaneous,
    }],
  };
}

/** The audio codecs a peer's TerminalCapabilitySet says it can receive, in its order. */
export function receivableAudio(tcs: Msg): AudioChoice[] {
  const out: AudioChoice[] = [];
  for (const entry of (tcs.capabilityTable as Msg[] | undefined) ?? []) {
    const cap = entry.capability as Msg | undefined;
    if (!cap) continue;
    const audio = cap.receiveAudioCapability ?? cap.receiveAndTransmitAudioCapability;
    const choice = codecOfAudio(audio);
    if (choice) out.push(choice);
  }
  return out;
}

/** The first of `prefer` a peer can receive, as the alternative the peer named. */
export function pickTransmit(
  peer: AudioChoice[],
  prefer: readonly Codec[],
): AudioChoice | undefined {
  for (const codec of prefer) {
    const c = peer.find((p) => p.codec === codec);
    if (c) return c;
  }
  return undefined;
}

// ---- Fast Start ------------------------------------------------------------

export interface FastStartAnswer {
  choice: AudioChoice;
  /** The OpenLogicalChannel values to return in Connect's fastStart. */
  accepted: Msg[];
  /** Where the caller receives our media (from its receive proposal). */
  remoteRtp?: HostPort;
}

const h2250 = (p: unknown): Msg | undefined =>
  ((p as Msg | undefined)?.multiplexParameters as Msg | undefined)
    ?.h2250LogicalChannelParameters as Msg | undefined;

/**
 * H.323 8.1.7.1: the caller proposes channels it will transmit (forward audio)
 * and receive (reverse audio); the called side accepts at most one of each per
 * session, with the same codec here since a Council leg has one codec.
 */
export function answerFastStart(
  proposals: Msg[],
  prefer: readonly Codec[],
  local: { rtp: HostPort; rtcp: HostPort },
): FastStartAnswer | undefined {
  const transmit: { olc: Msg; choice: AudioChoice }[] = [];
  const receive: { olc: Msg; choice: AudioChoice }[] = [];
  for (const olc of proposals) {
    const fwd = olc.forwardLogicalChannelParameters as Msg | undefined;
    const rev = olc.reverseLogicalChannelParameters as Msg | undefined;
    const fwdAudio = codecOfAudio((fwd?.dataType as Msg | undefined)?.audioData);
    const revAudio = codecOfAudio((rev?.dataType as Msg | undefined)?.audioData);
    if (fwdAudio && h2250(fwd)?.sessionID === 1) transmit.push({ olc, choice: fwdAudio });
    else if (revAudio && h2250(rev)?.sessionID === 1 && hostPortOf(h2250(rev)?.mediaChannel)) {
      receive.push({ olc, choice: revAudio });
    }
  }
  for (const codec of prefer) {
    const tx = transmit.find((p) => p.choice.codec === codec);
    const rx = receive.find((p) => p.choice.codec === codec);
    if (!tx && !rx) continue;
    const accepted: Msg[] = [];
    if (tx) {
      const fwd = tx.olc.forwardLogicalChannelParameters as Msg;
      accepted.push({
        ...tx.olc,
        forwardLogicalChannelParameters: {
          ...fwd,
          multiplexParameters: {
            h2250LogicalChannelParameters: {
              ...h2250(fwd),
              mediaChannel: h245Address(local.rtp),
              mediaControlChannel: h245Address(local.rtcp),
            },
          },
        },
      });
    }
    let remoteRtp: HostPort | undefined;
    if (rx) {
      const rev = rx.olc.reverseLogicalChannelParameters as Msg;
      const params = h2250(rev)!;
      remoteRtp = hostPortOf(params.mediaChannel);
      accepted.push({
        ...rx.olc,
        reverseLogicalChannelParameters: {
          ...rev,
          multiplexParameters: {
            h2250LogicalChannelParameters: {
              sessionID: params.sessionID,
              mediaControlChannel: h245Address(local.rtcp),
            },
          },
        },
      });
    }
    return { choice: (tx ?? rx)!.choice, accepted, remoteRtp };
  }
  return undefined;
}

/** An OpenLogicalChannel for the audio Council sends (session 1). */
export function audioChannel(number: number, choice: AudioChoice, rtcp: HostPort): Msg {
  return {
    forwardLogicalChannelNumber: number,
    forwardLogicalChannelParameters: {
      dataType: audioData(choice),
      multiplexParameters: {
        h2250LogicalChannelParameters: {
          sessionID: 1,
          mediaControlChannel: h245Address(rtcp),
          silenceSuppression: false,
        },
      },
    },
  };
}

/** OpenLogicalChannelAck for a peer's audio channel: where Council receives it. */
export function audioChannelAck(number: number, local: { rtp: HostPort; rtcp: HostPort }): Msg {
  return {
    forwardLogicalChannelNumber: number,
    forwardMultiplexAckParameters: {
      h2250LogicalChannelAckParameters: {
        sessionID: 1,
        mediaChannel: h245Address(local.rtp),
        mediaControlChannel: h245Address(local.rtcp),
      },
    },
  };
}

/**
 * Council's Fast Start proposals when it calls (H.323 8.1.7.1): per codec, in
 * preference order, a channel it will transmit (the callee fills in where) and
 * one it will receive on its RTP address.
 */
export function fastStartProposals(
  codecs: readonly Codec[],
  local: { rtp: HostPort; rtcp: HostPort },
): Msg[] {
  const out: Msg[] = [];
  let n = 1;
  for (const codec of codecs) {
    const capability = AUDIO_ALTERNATIVES[codec]?.[0];
    if (!capability) continue;
    const choice = { codec, capability };
    out.push(audioChannel(n++, choice, local.rtcp));
    out.push({
      forwardLogicalChannelNumber: n++,
      forwardLogicalChannelParameters: {
        dataType: { nullData: null },
        multiplexParameters: { none: null },
      },
      reverseLogicalChannelParameters: {
        dataType: audioData(choice),
        multiplexParameters: {
          h2250LogicalChannelParameters: {
            sessionID: 1,
            mediaChannel: h245Address(local.rtp),
            mediaControlChannel: h245Address(local.rtcp),
          },
        },
      },
    });
  }
  return out;
}

/** What a callee accepted of Council's proposals: the codec and where to send. */
export function fastStartAccepted(
  accepted: Msg[],
): { choice: AudioChoice; remoteRtp?: HostPort; sendAccepted: boolean } | undefined {
  let choice: AudioChoice | undefined;
  let remoteRtp: HostPort | undefined;
  let sendAccepted = false;
  for (const olc of accepted) {
    const fwd = olc.forwardLogicalChannelParameters as Msg | undefined;
    const rev = olc.reverseLogicalChannelParameters as Msg | undefined;
    const fwdAudio = codecOfAudio((fwd?.dataType as Msg | undefined)?.audioData);
    const revAudio = codecOfAudio((rev?.dataType as Msg | undefined)?.audioData);
    if (fwdAudio) {
      // Council's transmit channel: the callee says where it receives.
      remoteRtp = hostPortOf(h2250(fwd)?.mediaChannel) ?? remoteRtp;
      choice ??= fwdAudio;
      sendAccepted = true;
    } else if (revAudio) {
      choice = revAudio; // what the callee sends decides the leg's codec
    }
  }
  return choice ? { choice, remoteRtp, sendAccepted } : undefined;
}
