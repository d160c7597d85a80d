/*
 * Council's native helpers, compiled by scripts/setup into native/build/.
 *
 * opus_encoder_ctl() and opus_decoder_ctl() are variadic, which Deno FFI cannot call
 * portably; these fixed-arity wrappers take one int argument or one int pointer.
 * The request numbers are libopus's own (opus_defines.h), passed through unchanged.
 */
#define _GNU_SOURCE
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
int council_native_abi(void) { return 3; }

/*
 * UDP for media workers. Deno's datagram API costs tens of microseconds per packet
 * (an async op, a promise and an address object each); a media worker moves
 * thousands of packets a second, so it polls its sockets once per 20 ms tick here
 * instead: recvmmsg drains a socket in one call, and the kernel's receive timestamp
 * (SO_TIMESTAMPNS) keeps arrival times exact for jitter and the jitter buffer.
 * IPv4, addresses in host byte order.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define COUNCIL_MAX_BATCH 64

int council_udp_open(uint32_t addr, int port) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t) port);
  sa.sin_addr.s_addr = htonl(addr);
  if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

int council_udp_local_port(int fd) {
  struct sockaddr_in sa;
  socklen_t len = sizeof sa;
  if (getsockname(fd, (struct sockaddr *) &sa, &len) < 0) return -errno;
  return ntohs(sa.sin_port);
}

/*
 * Receives up to `max` datagrams into `buf`, one per `slot` bytes. For each, meta
 * holds four doubles: length (-1 when it did not fit the slot), source address,
 * source port, kernel arrival time (CLOCK_REALTIME, ms). meta_now gets the realtime
 * clock at return, so the caller can place arrivals on its own clock. Returns the
 * count, 0 when nothing is waiting, or -errno.
 */
int council_udp_recv(int fd, uint8_t *buf, int slot, int max, double *meta, double *meta_now) {
  struct mmsghdr msgs[COUNCIL_MAX_BATCH];
  struct iovec iov[COUNCIL_MAX_BATCH];
  struct sockaddr_in from[COUNCIL_MAX_BATCH];
  char control[COUNCIL_MAX_BATCH][CMSG_SPACE(sizeof(struct timespec))];
  if (max > COUNCIL_MAX_BATCH) max = COUNCIL_MAX_BATCH;
  memset(msgs, 0, sizeof(msgs[0]) * max);
  for (int i = 0; i < max; i++) {
    iov[i].iov_base = buf + (size_t) i * slot;
    iov[i].iov_len = slot;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &from[i];
    msgs[i].msg_hdr.msg_namelen = sizeof from[i];
    msgs[i].msg_hdr.msg_control = control[i];
    msgs[i].msg_hdr.msg_controllen = sizeof control[i];
  }
  int n = recvmmsg(fd, msgs, max, MSG_DONTWAIT, NULL);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  *meta_now = now.tv_sec * 1e3 + now.tv_nsec / 1e6;
  if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -errno;
  for (int i = 0; i < n; i++) {
    double at = *meta_now;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
        struct timespec ts;
        memcpy(&ts, CMSG_DATA(c), sizeof ts);
        at = ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
      }
    }
    int truncated = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
    meta[i * 4] = truncated ? -1 : (double) msgs[i].msg_len;
    meta[i * 4 + 1] = (double) ntohl(from[i].sin_addr.s_addr);
    meta[i * 4 + 2] = (double) ntohs(from[i].sin_port);
    meta[i * 4 + 3] = at;
  }
  return n;
}

int council_udp_send(int fd, const uint8_t *data, int len, uint32_t addr, int port) {
  struct sockaddr_in to;
  memset(&to, 0, sizeof to);
  to.sin_family = AF_INET;
  to.sin_port = htons((uint16_t) port);
  to.sin_addr.s_addr = htonl(addr);
  ssize_t n = sendto(fd, data, (size_t) len, MSG_DONTWAIT, (struct sockaddr *) &to, sizeof to);
  return n < 0 ? -errno : (int) n;
}

int council_udp_close(int fd) {
  return close(fd) < 0 ? -errno : 0;
}

/*
 * Real-time scheduling for the calling thread (a media worker): SCHED_RR at
 * `priority` (1-99), as Asterisk and FreeSWITCH do for their timing threads, so a
 * busy host does not make the 20 ms mix late. On Linux, pid 0 names the calling
 * thread. Needs CAP_SYS_NICE or an RLIMIT_RTPRIO of at least `priority`; returns 0
 * or -errno (EPERM when neither).
 */
#include <sched.h>

int council_thread_realtime(int priority) {
  struct sched_param param;
  memset(&param, 0, sizeof param);
  param.sched_priority = priority;
  return sched_setscheduler(0, SCHED_RR, &param) < 0 ? -errno : 0;
}
