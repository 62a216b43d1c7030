/* SPDX-License-Identifier: Apache-2.0 */
/* What the SIP channel's files share: the channel (sip_thread.c: the thread, the mqueue from the
 * loop, the eventfd back), the user agent (sip_ua.c: requests, sessions, the allow-list) and a
 * call's media (sip_media.c: SDP, RTP, telephone-event, playout). Everything named re_* or
 * holding a libre object is touched on the SIP thread only; the playout threads
 * (sip_playout.h) get raw fds and copies, never a libre object. Not for use outside sip/. */
#ifndef MDT_CHANNEL_SIP_SIP_INT_H
#define MDT_CHANNEL_SIP_SIP_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <re.h>

#include "channel/sip/sip.h"

/* Trunk addresses in [sip] allow at most: a carrier has a few border controllers. */
#define SIP_ALLOW_MAX 16
/* One G.711 frame: 20 ms at 8 kHz (RFC 3551 §4.5: ptime 20 is the default). */
#define SIP_FRAME_SAMPLES 160
#define SIP_FRAME_MS 20
/* Playout threads (sip_playout.c): one sends 1 000 calls' frames in a small share of a core;
 * more only spread that work, measured in bench/RESULTS.md. */
#define SIP_PLAYOUT_THREADS 1
/* libre's fd table at most: SIP_CALLS_MAX calls with RTP and RTCP sockets, and room. */
#define SIP_FDS_MAX 16384

/* Commands from the loop, through the mqueue (id is the kind). */
enum sip_cmd_kind {
    SIP_CMD_PLAY = 1,
    SIP_CMD_HANGUP = 2,
    SIP_CMD_STOP = 3,
};

struct sip_cmd {
    uint32_t call;
    enum sip_law law;
    bool barge_in;
    uint32_t tag;
    uint8_t *samples; /* malloc'd by the loop, freed by the SIP thread */
    size_t n;
};

struct sip_call;

/* The channel. The first part is set before the thread starts and read-only after; the queue
 * part is shared under mu; the re part belongs to the SIP thread. */
struct sip_channel {
    /* configuration */
    char listen[64], rtp_addr[64], allow_text[256], trusted_text[256];
    uint16_t rtp_port_min, rtp_port_max;
    uint32_t max_calls, retry_after_s;
    uint64_t rtp_timeout_ms;
    struct sip_handlers h;
    /* the loop side */
    struct event *ev; /* on efd */
    int efd;          /* eventfd: the SIP thread's "events waiting" */
    pthread_t thread;
    bool thread_started;
    /* the start handshake and the event queue */
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool ready;
    int start_rc;
    char start_msg[160];
    struct sip_event *events; /* ring of event_cap */
    size_t event_cap, event_head, event_count;
    uint64_t events_dropped;
    atomic_uint calls_held;
    char addr[64]; /* where SIP is bound */
    /* the SIP thread's own */
    struct mqueue *mq;
    struct sip *sip;
    struct sip_lsnr *lsnr;
    struct sipsess_sock *sess_sock;
    struct list calls; /* struct sip_call */
    uint32_t next_call;
    struct sa allow[SIP_ALLOW_MAX], trusted[SIP_ALLOW_MAX];
    size_t allow_count, trusted_count;
    struct sa rtp_laddr;
    struct tmr stop_tmr;
    /* the playout: frames are sent by playout threads (sip_playout.h), calls shared among
     * them by id; they use each call's raw RTP fd and no libre object */
    struct sip_playout *playout[SIP_PLAYOUT_THREADS];
    struct list media; /* struct sip_media sending: the RTP timeout's round */
    struct tmr rx_tmr;
};

/* ---- sip_thread.c ---- */

/* Hand ev to the loop (SIP thread). A full queue drops it and counts the drop. */
void sip_event_push(struct sip_channel *c, const struct sip_event *ev);

/* ---- sip_ua.c ---- */

/* Bind the transports and listen (SIP thread, before re_main). Errors are written to
 * c->start_msg; returns 0 or a negative MDT code. */
int sip_ua_start(struct sip_channel *c);
/* Hang up every call and close the stack (SIP thread); re_cancel follows shortly. */
void sip_ua_stop(struct sip_channel *c);
/* Free what sip_ua_start made, after re_main returned. */
void sip_ua_release(struct sip_channel *c);
/* The call with id, or NULL. */
struct sip_call *sip_ua_call_find(struct sip_channel *c, uint32_t id);
/* Play cmd on call (takes cmd->samples). */
void sip_ua_call_play(struct sip_call *call, struct sip_cmd *cmd);
/* End call: BYE if it was answered, SIP_EV_ENDED to the loop, free it. */
void sip_ua_call_end(struct sip_call *call);

/* ---- sip_media.c ---- */

/* A call's media: the SDP session and RTP socket of one call. */
struct sip_media;

/* Start the playout threads (SIP thread, before any call). Errors go to c->start_msg; returns
 * 0 or a negative MDT code. */
int sip_media_init(struct sip_channel *c);
/* Stop them and log what they measured (SIP thread, after re_main: every call is gone). */
void sip_media_close(struct sip_channel *c);

/* Decode the offer in msg (may be empty: then our offer goes in the 200 and the answer comes in
 * the ACK, which libre hands to sip_media_answer), open RTP, and encode our answer in *desc
 * (mem_deref). Returns 0, or a SIP status to refuse with (488 no common codec, 500). */
int sip_media_alloc(struct sip_media **mp, struct sip_channel *c, uint32_t call,
                    const struct sip_msg *msg, struct mbuf **desc);
/* A re-INVITE's offer, or the ACK's answer. */
int sip_media_offer(struct sip_media *m, const struct sip_msg *msg, struct mbuf **desc);
int sip_media_answer(struct sip_media *m, const struct sip_msg *msg);
/* Start sending (after the ACK). */
void sip_media_start(struct sip_media *m);
/* Replace what is playing; takes cmd->samples. */
void sip_media_play(struct sip_media *m, struct sip_cmd *cmd);
/* A key arrived by another path (INFO): report it, stopping a barge-in prompt. */
void sip_media_key(struct sip_media *m, char key, enum sip_key_source source);
/* Counters for SIP_EV_ENDED. */
void sip_media_counts(const struct sip_media *m, uint64_t *rx_packets, uint64_t *rx_loud);

#endif
