/*
 * SRTP for SIP legs keyed by SDES (RFC 4568), over Debian's libsrtp2 (RFC 3711).
 * Deno FFI cannot fill libsrtp's policy struct portably (its layout is the
 * library's), so these few functions take the 30-byte master key and salt and a
 * suite number, and protect or unprotect a packet in a caller's buffer that has
 * room for the trailer. Built by scripts/setup into native/build/libcouncil_srtp.so.
 */
#include <pthread.h>
#include <srtp2/srtp.h>
#include <string.h>

#define COUNCIL_SRTP_ABI 1

int council_srtp_abi(void) { return COUNCIL_SRTP_ABI; }

/* Room a protected packet needs beyond the plain one (tag, SRTCP index). */
int council_srtp_trailer(void) { return SRTP_MAX_TRAILER_LEN + 4; }

/* Every media worker thread loads this library; libsrtp's kernel is initialised once
 * per process (a second srtp_init fails). */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_status = -1;

static void init_kernel(void) { init_status = (int)srtp_init(); }

int council_srtp_init(void) {
    pthread_once(&init_once, init_kernel);
    return init_status;
}

/*
 * suite 0: AES_CM_128_HMAC_SHA1_80, 1: AES_CM_128_HMAC_SHA1_32 (RTP tag; SRTCP
 * keeps its 80-bit tag, RFC 4568 6.2.1). outbound != 0 makes a sending session.
 * Returns the session, or NULL with *err set to libsrtp's status.
 */
srtp_t council_srtp_create(const unsigned char *key_salt, int suite, int outbound, int *err) {
    srtp_policy_t policy;
    srtp_t session = NULL;
    unsigned char key[SRTP_MAX_KEY_LEN];
    memset(&policy, 0, sizeof policy);
    memcpy(key, key_salt, 30);
    if (suite == 1) {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp);
    } else if (suite == 0) {
        srtp_crypto_policy_set_rtp_default(&policy.rtp);
    } else {
        *err = (int)srtp_err_status_bad_param;
        return NULL;
    }
    srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
    policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
    policy.key = key;
    policy.window_size = 128;
    policy.allow_repeat_tx = 0;
    policy.next = NULL;
    *err = (int)srtp_create(&session, &policy);
    memset(key, 0, sizeof key);
    return *err == 0 ? session : NULL;
}

void council_srtp_free(srtp_t session) {
    if (session) srtp_dealloc(session);
}

/*
 * In place on buf (len bytes used, cap bytes available). Returns the new length,
 * or minus libsrtp's status (e.g. -7 auth_fail, -9 replay_fail, -10 replay_old).
 */
static int checked(int cap, int len) { return len < 12 || cap < len + council_srtp_trailer(); }

int council_srtp_protect(srtp_t s, unsigned char *buf, int len, int cap) {
    if (checked(cap, len)) return -(int)srtp_err_status_bad_param;
    int status = (int)srtp_protect(s, buf, &len);
    return status ? -status : len;
}

int council_srtp_unprotect(srtp_t s, unsigned char *buf, int len) {
    if (len < 12) return -(int)srtp_err_status_bad_param;
    int status = (int)srtp_unprotect(s, buf, &len);
    return status ? -status : len;
}

int council_srtp_protect_rtcp(srtp_t s, unsigned char *buf, int len, int cap) {
    if (len < 8 || cap < len + council_srtp_trailer()) return -(int)srtp_err_status_bad_param;
    int status = (int)srtp_protect_rtcp(s, buf, &len);
    return status ? -status : len;
}

int council_srtp_unprotect_rtcp(srtp_t s, unsigned char *buf, int len) {
    if (len < 8) return -(int)srtp_err_status_bad_param;
    int status = (int)srtp_unprotect_rtcp(s, buf, &len);
    return status ? -status : len;
}
