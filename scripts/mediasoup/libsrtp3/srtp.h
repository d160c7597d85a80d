/* The libsrtp 3 API that mediasoup 3.27 calls (the fork it pins), over Debian's
 * libsrtp2 2.5. libsrtp 3 makes the policy an opaque handle built by setters and
 * protects out of place with size_t lengths; libsrtp 2 takes a struct and works
 * in place with int lengths. No MKI: mediasoup never uses one. */
#ifndef COUNCIL_SRTP3_SHIM_H
#define COUNCIL_SRTP3_SHIM_H

#include <srtp2/srtp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes libsrtp 3 added after srtp_err_status_pkt_idx_adv (27). */
#define srtp_err_status_buffer_small ((srtp_err_status_t)28)
#define srtp_err_status_cryptex_err ((srtp_err_status_t)29)

typedef struct council_srtp3_policy* council_srtp3_policy_t;

srtp_err_status_t council_srtp3_policy_create(council_srtp3_policy_t* policy);
void council_srtp3_policy_destroy(council_srtp3_policy_t policy);
srtp_err_status_t council_srtp3_policy_set_ssrc(council_srtp3_policy_t policy, srtp_ssrc_t ssrc);
srtp_err_status_t council_srtp3_policy_set_profile(council_srtp3_policy_t policy,
                                                   srtp_profile_t profile);
srtp_err_status_t council_srtp3_policy_add_key(council_srtp3_policy_t policy, const uint8_t* key,
                                               size_t key_len, const uint8_t* salt,
                                               size_t salt_len, const uint8_t* mki,
                                               size_t mki_len);
srtp_err_status_t council_srtp3_policy_set_allow_repeat_tx(council_srtp3_policy_t policy,
                                                           bool allow);
srtp_err_status_t council_srtp3_policy_set_window_size(council_srtp3_policy_t policy,
                                                       size_t window_size);
srtp_err_status_t council_srtp3_create(srtp_t* session, council_srtp3_policy_t policy);
srtp_err_status_t council_srtp3_protect(srtp_t ctx, const uint8_t* rtp, size_t rtp_len,
                                        uint8_t* srtp, size_t* srtp_len, size_t mki_index);
srtp_err_status_t council_srtp3_unprotect(srtp_t ctx, const uint8_t* srtp, size_t srtp_len,
                                          uint8_t* rtp, size_t* rtp_len);
srtp_err_status_t council_srtp3_protect_rtcp(srtp_t ctx, const uint8_t* rtcp, size_t rtcp_len,
                                             uint8_t* srtcp, size_t* srtcp_len,
                                             size_t mki_index);
srtp_err_status_t council_srtp3_unprotect_rtcp(srtp_t ctx, const uint8_t* srtcp,
                                               size_t srtcp_len, uint8_t* rtcp,
                                               size_t* rtcp_len);
srtp_err_status_t council_srtp3_stream_remove(srtp_t session, uint32_t ssrc);

#ifdef __cplusplus
}
#endif

#ifndef COUNCIL_SRTP3_IMPL
#define srtp_policy_t council_srtp3_policy_t
#define srtp_policy_create council_srtp3_policy_create
#define srtp_policy_destroy council_srtp3_policy_destroy
#define srtp_policy_set_ssrc council_srtp3_policy_set_ssrc
#define srtp_policy_set_profile council_srtp3_policy_set_profile
#define srtp_policy_add_key council_srtp3_policy_add_key
#define srtp_policy_set_allow_repeat_tx council_srtp3_policy_set_allow_repeat_tx
#define srtp_policy_set_window_size council_srtp3_policy_set_window_size
#define srtp_create council_srtp3_create
#define srtp_protect council_srtp3_protect
#define srtp_unprotect council_srtp3_unprotect
#define srtp_protect_rtcp council_srtp3_protect_rtcp
#define srtp_unprotect_rtcp council_srtp3_unprotect_rtcp
#define srtp_stream_remove council_srtp3_stream_remove
#endif

#endif
