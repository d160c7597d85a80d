/* See srtp.h: the libsrtp 3 calls mediasoup makes, done with libsrtp 2.5. */
#define COUNCIL_SRTP3_IMPL
#include "srtp.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* SRTP_MAX_KEY_LEN in libsrtp 2 is the largest master key + salt (AES-256 GCM). */
/* SRTCP adds the E flag and 31-bit index (RFC 3711 section 3.4) before the tag. */
#define SRTCP_TRAILER_LEN (SRTP_MAX_TRAILER_LEN + 4)

struct council_srtp3_policy {
  srtp_policy_t policy;
  uint8_t key[SRTP_MAX_KEY_LEN];
  int has_profile;
};

srtp_err_status_t council_srtp3_policy_create(council_srtp3_policy_t* out) {
  council_srtp3_policy_t p = calloc(1, sizeof(*p));
  if (p == NULL) return srtp_err_status_alloc_fail;
  p->policy.key = p->key;
  *out = p;
  return srtp_err_status_ok;
}

void council_srtp3_policy_destroy(council_srtp3_policy_t p) {
  if (p == NULL) return;
  memset(p->key, 0, sizeof(p->key));
  free(p);
}

srtp_err_status_t council_srtp3_policy_set_ssrc(council_srtp3_policy_t p, srtp_ssrc_t ssrc) {
  if (p == NULL) return srtp_err_status_bad_param;
  p->policy.ssrc = ssrc;
  return srtp_err_status_ok;
}

srtp_err_status_t council_srtp3_policy_set_profile(council_srtp3_policy_t p,
                                                   srtp_profile_t profile) {
  if (p == NULL) return srtp_err_status_bad_param;
  srtp_err_status_t err = srtp_crypto_policy_set_from_profile_for_rtp(&p->policy.rtp, profile);
  if (err != srtp_err_status_ok) return err;
  err = srtp_crypto_policy_set_from_profile_for_rtcp(&p->policy.rtcp, profile);
  if (err != srtp_err_status_ok) return err;
  p->has_profile = 1;
  return srtp_err_status_ok;
}

srtp_err_status_t council_srtp3_policy_add_key(council_srtp3_policy_t p, const uint8_t* key,
                                               size_t key_len, const uint8_t* salt,
                                               size_t salt_len, const uint8_t* mki,
                                               size_t mki_len) {
  if (p == NULL || key == NULL || (salt == NULL && salt_len != 0)) return srtp_err_status_bad_param;
  if (mki != NULL || mki_len != 0) return srtp_err_status_bad_mki;
  if (key_len + salt_len > sizeof(p->key)) return srtp_err_status_bad_param;
  /* libsrtp 2 reads the master key and the salt from one buffer, key first. */
  memcpy(p->key, key, key_len);
  if (salt_len != 0) memcpy(p->key + key_len, salt, salt_len);
  return srtp_err_status_ok;
}

srtp_err_status_t council_srtp3_policy_set_allow_repeat_tx(council_srtp3_policy_t p, bool allow) {
  if (p == NULL) return srtp_err_status_bad_param;
  p->policy.allow_repeat_tx = allow ? 1 : 0;
  return srtp_err_status_ok;
}

srtp_err_status_t council_srtp3_policy_set_window_size(council_srtp3_policy_t p, size_t size) {
  if (p == NULL) return srtp_err_status_bad_param;
  p->policy.window_size = (unsigned long)size;
  return srtp_err_status_ok;
}

srtp_err_status_t council_srtp3_create(srtp_t* session, council_srtp3_policy_t p) {
  if (p == NULL || !p->has_profile) return srtp_err_status_bad_param;
  p->policy.next = NULL;
  return srtp_create(session, &p->policy);
}

/* libsrtp 2 works in place: copy first when the caller wants the result elsewhere. */
static srtp_err_status_t in_place(const uint8_t* in, size_t in_len, uint8_t* out,
                                  size_t out_cap, size_t trailer, int* len) {
  if (in_len > (size_t)INT_MAX - trailer) return srtp_err_status_bad_param;
  if (in_len + trailer > out_cap) return srtp_err_status_buffer_small;
  if (out != in) memmove(out, in, in_len);
  *len = (int)in_len;
  return srtp_err_status_ok;
}

srtp_err_status_t council_srtp3_protect(srtp_t ctx, const uint8_t* rtp, size_t rtp_len,
                                        uint8_t* srtp, size_t* srtp_len, size_t mki_index) {
  int len;
  if (mki_index != 0) return srtp_err_status_bad_mki;
  srtp_err_status_t err = in_place(rtp, rtp_len, srtp, *srtp_len, SRTP_MAX_TRAILER_LEN, &len);
  if (err != srtp_err_status_ok) return err;
  err = srtp_protect(ctx, srtp, &len);
  if (err == srtp_err_status_ok) *srtp_len = (size_t)len;
  return err;
}

srtp_err_status_t council_srtp3_unprotect(srtp_t ctx, const uint8_t* srtp, size_t srtp_len,
                                          uint8_t* rtp, size_t* rtp_len) {
  int len;
  srtp_err_status_t err = in_place(srtp, srtp_len, rtp, *rtp_len, 0, &len);
  if (err != srtp_err_status_ok) return err;
  err = srtp_unprotect(ctx, rtp, &len);
  if (err == srtp_err_status_ok) *rtp_len = (size_t)len;
  return err;
}

srtp_err_status_t council_srtp3_protect_rtcp(srtp_t ctx, const uint8_t* rtcp, size_t rtcp_len,
                                             uint8_t* srtcp, size_t* srtcp_len,
                                             size_t mki_index) {
  int len;
  if (mki_index != 0) return srtp_err_status_bad_mki;
  srtp_err_status_t err =
      in_place(rtcp, rtcp_len, srtcp, *srtcp_len, SRTCP_TRAILER_LEN, &len);
  if (err != srtp_err_status_ok) return err;
  err = srtp_protect_rtcp(ctx, srtcp, &len);
  if (err == srtp_err_status_ok) *srtcp_len = (size_t)len;
  return err;
}

srtp_err_status_t council_srtp3_unprotect_rtcp(srtp_t ctx, const uint8_t* srtcp,
                                               size_t srtcp_len, uint8_t* rtcp,
                                               size_t* rtcp_len) {
  int len;
  srtp_err_status_t err = in_place(srtcp, srtcp_len, rtcp, *rtcp_len, 0, &len);
  if (err != srtp_err_status_ok) return err;
  err = srtp_unprotect_rtcp(ctx, rtcp, &len);
  if (err == srtp_err_status_ok) *rtcp_len = (size_t)len;
  return err;
}

srtp_err_status_t council_srtp3_stream_remove(srtp_t session, uint32_t ssrc) {
  return srtp_remove_stream(session, ssrc);
}
