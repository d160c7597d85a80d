export {
  type BufferedPacket,
  JitterBuffer,
  type JitterBufferOptions,
  type JitterBufferStats,
  type Playout,
  type PushVerdict,
} from "./jitter_buffer.ts";
