/*
 * Council's native helpers, compiled by scripts/setup into native/build/.
 *
 * opus_encoder_ctl() and opus_decoder_ctl() are variadic, which Deno FFI cannot call
 * portably; these fixed-arity wrappers take one int argument or one int pointer.
 * The request numbers are libopus's own (opus_defines.h), passed through unchanged.
 */
#include <opus/opus.h>
#include <stdint.h>

int council_opus_encoder_set(OpusEncoder *enc, int request, int32_t value) {
  return opus_encoder_ctl(enc, request, value);
}

int council_opus_encoder_get(OpusEncoder *enc, int request, int32_t *value) {
  return opus_encoder_ctl(enc, request, value);
}

int council_opus_encoder_reset(OpusEncoder *enc) {
  return opus_encoder_ctl(enc, OPUS_RESET_STATE);
}

int council_opus_decoder_get(OpusDecoder *dec, int request, int32_t *value) {
  return opus_decoder_ctl(dec, request, value);
}

/* Version of this shim's interface; the binding refuses a build older than it. */
int council_native_abi(void) { return 1; }
