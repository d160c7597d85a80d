// The parts of sdp-transform's data model Council uses (the package ships no types).
import * as transform from "sdp-transform";

export interface SdpRtp {
  payload: number;
  codec: string;
  rate?: number;
  encoding?: number;
}

export interface SdpMedia {
  type: string;
  port: number;
  protocol: string;
  payloads?: string;
  rtp?: SdpRtp[];
  fmtp?: Array<{ payload: number; config: string }>;
  connection?: { version: number; ip: string };
  direction?: "sendrecv" | "sendonly" | "recvonly" | "inactive";
  ptime?: number;
  maxptime?: number;
  /** RFC 4568 a=crypto lines. */
  crypto?: Array<{ id: number; suite: string; config: string; sessionConfig?: string }>;
  /** RFC 8285 a=extmap lines. */
  ext?: Array<{ value: number; direction?: string; uri: string; config?: string }>;
  /** a= lines sdp-transform has no grammar for, verbatim (a=ifcouncil-signed among them). */
  invalid?: Array<{ value: string }>;
}

export interface SdpSession {
  version?: number;
  origin?: {
    username: string;
    sessionId: number | string;
    sessionVersion: number;
    netType: string;
    ipVer: number;
    address: string;
  };
  name?: string;
  connection?: { version: number; ip: string };
  timing?: { start: number; stop: number };
  direction?: SdpMedia["direction"];
  media?: SdpMedia[];
}

export const parse = (text: string): SdpSession => transform.parse(text) as SdpSession;
export const write = (session: SdpSession): string => transform.write(session as never);
