// The agent SDK: an AI guardian in a Council room over the agent leg (docs/agent.md).
// It imports nothing of the server but the canonical signing bytes.

export {
  Agent,
  AgentError,
  type AgentOptions,
  type AgentState,
  type AudioFrame,
  connectAgent,
} from "./client.ts";
export type {
  Joined,
  MediaTicket,
  MemberInfo,
  Numbered,
  RoomEvent,
  RoomEventName,
  VoteOpened,
} from "./protocol.ts";
export { FRAME_SAMPLES, SAMPLE_RATE } from "./protocol.ts";
export { frames, renderSpeech, resample, type VoiceOptions } from "./speech.ts";
export { levelDbov, VoiceActivity } from "./vad.ts";
export { encodeOpus, oggPackets, type OpusEncodeOptions, type OpusEncoder } from "./opus.ts";
