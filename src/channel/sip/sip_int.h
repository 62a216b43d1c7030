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
/* Addresses whose failed authentications are counted at once; when full, the entry of the oldest
 * failure is reused (an attacker with more addresses than this gets more guesses, no more memory).
 */
#define SIP_AUTH_FAIL_ADDRS 256
/* Nonces whose last nonce count is kept, to refuse a replayed request (RFC 2617 §3.2.2): a nonce
 * not among them and no newer than the newest one let go is answered stale. */
#define SIP_AUTH_SEEN_MAX 1024
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

/* One call (sip_ua.c), with its session timer (sip_timer.c, RFC 4028). */
struct sip_call {
    struct le le;
    struct sip_channel *c;
    uint32_t id;
    struct sipsess *sess;
    struct sip_media *media;
    bool ended;
    uint32_t se_s;     /* the session interval; 0: no session timer */
    bool we_refresh;   /* mandat sends the refreshes (re-INVITE at se_s / 2) */
    struct tmr se_tmr; /* BYE when no refresh came in time (RFC 4028 §10) */
    struct tmr refresh_tmr;
    /* the 200 to the caller's last re-INVITE, sent again until its ACK (sip_timer.c) */
    struct mbuf *ok_mb;
    const struct sip_msg *ok_msg;
    uint32_t ok_cseq, ok_txc;
    struct tmr ok_tmr, ok_end_tmr;
};

/* A source address's failed authentications (sip_auth.c). */
struct sip_auth_fail {
    struct sa addr;
    uint32_t count;
    uint64_t last_ms; /* 0: a free entry */
};

/* A nonce used by an authenticated request, and the highest nonce count it came with. */
struct sip_auth_seen {
    uint64_t made_ms;
    uint8_t mac[SIP_NONCE_MAC_LEN];
    uint32_t nc;
    bool used;
};

/* The channel. The first part is set before the thread starts and read-only after; the queue
 * part is shared under mu; the re part belongs to the SIP thread. */
struct sip_channel {
    /* configuration */
    char listen[64], rtp_addr[64], allow_text[256], trusted_text[256];
    uint16_t rtp_port_min, rtp_port_max;
    uint32_t max_calls, retry_after_s;
    uint64_t rtp_timeout_ms;
    enum sip_auth_mode auth;
    char realm[SIP_DIGEST_NAME_MAX + 1];
    struct sip_digest_user users[SIP_AUTH_USERS_MAX]; /* wiped when the channel is freed */
    size_t user_count;
    uint64_t nonce_life_ms, fail_lock_ms;
    uint32_t fail_max;
    uint32_t session_expires_s, min_se_s;
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
    /* digest (sip_auth.c): the nonces' MAC key, drawn at start, never logged */
    struct hmac *nonce_hmac;
    uint32_t nonce_seq; /* the last challenge's: nonces of one millisecond differ */
    struct sip_auth_fail fails[SIP_AUTH_FAIL_ADDRS];
    struct sip_auth_seen seen[SIP_AUTH_SEEN_MAX];
    uint64_t seen_floor_ms; /* the newest nonce let go from seen */
    /* playout lateness over every call: frames sent, those sent more than one frame (20 ms)
     * after their schedule, and the latest one (ms); logged when the thread stops */
    uint64_t tx_frames, tx_late, tx_late_max_ms;
    /* the playout: one timer for every call (libre keeps its timers in a sorted list, so a
     * timer per call costs O(calls) per insertion); a call sending sits in the slot of its
     * phase, next_ms % SIP_FRAME_MS, and the timer runs the due slots every millisecond */
    struct list play_slots[SIP_FRAME_MS];
    struct tmr play_tmr;
    uint64_t play_ms; /* the first millisecond whose slot is not yet run */
    size_t playing;   /* calls in the slots */
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

/* ---- sip_auth.c ---- */

/* Read the users of c->realm from path ([sip] auth_file, mode 0600) into c->users. Loop thread,
 * before the SIP thread starts. Errors (err says which): -MDT_EIO (cannot read), -MDT_EINVAL
 * (readable by others, a bad line, no user of the realm, more than SIP_AUTH_USERS_MAX). */
int sip_auth_load(struct sip_channel *c, const char *path, struct mdt_err *err);

/* Draw the nonce key (SIP thread, before any request). Returns 0 or -MDT_ENOMEM. */
int sip_auth_init(struct sip_channel *c);
/* Free it and wipe the credentials (after re_main). */
void sip_auth_release(struct sip_channel *c);
/* Whether a new INVITE from msg->src must carry digest credentials under c->auth. */
bool sip_auth_required(const struct sip_channel *c, bool allowed);
/* Check msg's Authorization: 0 when it authenticates a user of c->realm; otherwise the 401
 * challenge or the 403 has been sent and 1 is returned. */
int sip_auth_check(struct sip_channel *c, const struct sip_msg *msg);

/* ---- sip_timer.c ---- */

/* A session interval agreed for a new INVITE (RFC 4028 §9). */
struct sip_timer_offer {
    uint32_t se_s;   /* 0: no session timer */
    bool we_refresh; /* refresher=uas */
    bool uac_timer;  /* the INVITE says Supported: timer (then the 200 says Require: timer) */
};

/* Decide the session interval of a new INVITE into t. Returns 0, or the status to refuse it with,
 * already sent (422 with Min-SE, 400 for a malformed header). */
int sip_timer_negotiate(struct sip_channel *c, const struct sip_msg *msg,
                        struct sip_timer_offer *t);
/* The headers of the 200 for t, in out (NUL-terminated, "" when no timer). */
void sip_timer_headers(const struct sip_timer_offer *t, char *out, size_t cap);
/* Arm call's timers for t (after the 200). */
void sip_timer_start(struct sip_call *call, const struct sip_timer_offer *t);
/* A refresh came (a re-INVITE's offer, an UPDATE, the 2xx to our re-INVITE): rearm. A re-INVITE
 * answered by libre's sipsess carries no Session-Expires in its 200, so the caller stops
 * refreshing (RFC 4028 §7.4): mandat refreshes from then on (from_request). */
void sip_timer_refreshed(struct sip_call *call, bool from_request);
/* Stop call's timers (call ending). */
void sip_timer_stop(struct sip_call *call);
/* Answer an UPDATE (RFC 3311) in one of our calls (a session refresh, with an offer or not), a
 * caller's re-INVITE with an offer while the caller refreshes (with Session-Expires in the
 * 200, sent again until its ACK), and that ACK. Returns false for what sipsess is to handle. */
bool sip_timer_request(struct sip_channel *c, const struct sip_msg *msg);

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
