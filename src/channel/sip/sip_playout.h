/* SPDX-License-Identifier: Apache-2.0 */
/* The playout thread: sends every call's G.711 frame every 20 ms against an absolute schedule
 * (CLOCK_MONOTONIC), in a thread of its own so that SIP, RTP reception and in-band detection on
 * the SIP thread never delay a frame, and measures how late each frame reached the kernel.
 *
 * Ownership rule: the playout thread touches no libre object (libre's state is per thread and
 * its objects are not locked). The SIP thread hands it a call's raw RTP socket (udp_sock_fd),
 * the peer's address and the G.711 samples to play; the playout thread only sendto()s on that
 * fd. Every function here may be called from any thread; each takes the playout's mutex, which
 * the playout thread also holds while it sends, so once sip_playout_remove returns the fd is
 * never used again and may be closed. No libre, no libevent: tested alone (test_sip_playout). */
#ifndef MDT_CHANNEL_SIP_SIP_PLAYOUT_H
#define MDT_CHANNEL_SIP_SIP_PLAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "channel/sip/sip.h"

/* Lateness histogram: 100 µs buckets up to 200 ms; later frames go in the last bucket (the
 * latest is kept apart, exactly). Enough to tell a p99.9 of 0.3 ms from one of 30 ms. */
#define SIP_PLAYOUT_HIST_US 100
#define SIP_PLAYOUT_HIST_BUCKETS 2000

struct sip_playout;

/* Called on the playout thread when a prompt's last frame went out (barged false: after the
 * frames of that millisecond, outside the playout's mutex), or on the caller's thread of
 * sip_playout_barge (barged true, with the mutex held). It must not call back into the playout.
 * Exactly one call per prompt that is not replaced or removed (one removed after its last frame
 * may still be reported). */
typedef void sip_playout_played_fn(void *ctx, uint32_t call, uint32_t tag, bool barged);

/* A call starting to send. fd: its RTP socket (borrowed: the caller closes it after
 * sip_playout_remove); dest: the peer's RTP address (len 0: send nothing until
 * sip_playout_dest); ssrc, ts and seq: the RTP stream's first (RFC 3550 §5.1: random). */
struct sip_playout_call {
    uint32_t call;
    int fd;
    int pt; /* SIP_LAW_PCMA or SIP_LAW_PCMU */
    struct sockaddr_storage dest;
    socklen_t dest_len;
    uint32_t ssrc, ts;
    uint16_t seq;
};

/* What the playout measured: frames handed to the kernel, those more than one frame period
 * (20 ms) after their schedule, sendto failures, the latest (µs) and the histogram; and where
 * lateness comes from: the thread's latest wake-up after its millisecond, and its longest wait
 * for the mutex (a caller holding it). */
struct sip_playout_stats {
    uint64_t frames, late, send_errors, late_max_us;
    uint64_t wake_late_max_us, lock_wait_max_us;
    uint64_t hist[SIP_PLAYOUT_HIST_BUCKETS];
};

/* A-law to µ-law and µ-law to A-law, one byte each (G.711 tables, copied): a prompt in the
 * other law than the call's is converted once, when it is handed over or the call's law
 * changes, never per frame. */
struct sip_playout_xlat {
    uint8_t a2u[256], u2a[256];
};

/* Start a playout thread for at most cap calls; played reports ended prompts. It asks for
 * SCHED_RR (granted with CAP_SYS_NICE or RLIMIT_RTPRIO >= 10: the 20 ms target on a loaded
 * machine needs it, bench/RESULTS.md) and, refused, goes on at normal priority with a short time
 * slice (logged once per process). Returns 0, or MDT_E(NOMEM) / MDT_E(IO) (thread). Free with
 * sip_playout_stop. */
int sip_playout_start(struct sip_playout **out, uint32_t cap, const struct sip_playout_xlat *xlat,
                      sip_playout_played_fn *played, void *ctx);
/* Stop the thread, add what it measured to *st (may be NULL), free p (NULL is fine). Calls must
 * have been removed: their prompts are freed without a played report. */
void sip_playout_stop(struct sip_playout *p, struct sip_playout_stats *st);
/* Start sending c's frames now (silence until a prompt). Returns an id >= 0 for the other
 * functions, or MDT_E(FULL) when cap calls send. */
int sip_playout_add(struct sip_playout *p, const struct sip_playout_call *c);
/* A new peer address or payload type (a re-INVITE, the ACK's answer). */
void sip_playout_dest(struct sip_playout *p, int id, const struct sockaddr *dest, socklen_t len,
                      int pt);
/* Play n samples of law (takes samples, malloc'd; freed here; converted to the call's law in
 * place), replacing what plays (without a played report for it); silence follows it. */
void sip_playout_play(struct sip_playout *p, int id, uint8_t *samples, size_t n, enum sip_law law,
                      bool barge_in, uint32_t tag);
/* A key arrived: if a barge-in prompt plays, stop it, report it played (barged) and return
 * true. */
bool sip_playout_barge(struct sip_playout *p, int id);
/* Stop sending id's frames; its prompt is freed unreported. Its fd is not used after this. */
void sip_playout_remove(struct sip_playout *p, int id);
/* The lateness (µs, to the bucket's upper bound) that a share per_10k / 10 000 of the frames in
 * st did not exceed: 9900 for p99, 9990 for p99.9. 0 without frames. */
uint64_t sip_playout_percentile_us(const struct sip_playout_stats *st, unsigned per_10k);

#endif
