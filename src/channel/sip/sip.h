/* SPDX-License-Identifier: Apache-2.0 */
/* The phone channel's SIP side (issue 14): a user agent server on libre that answers calls from a
 * SIP trunk, plays G.711 audio to them at 20 ms pacing, and hands the keys callers press back to
 * the event loop. libre runs in its own thread, which alone owns every libre object; the loop
 * talks to it through libre's mqueue and hears back through an eventfd. No money logic. */
#ifndef MDT_CHANNEL_SIP_SIP_H
#define MDT_CHANNEL_SIP_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "channel/sip/sip_hdr.h"

struct event_base;
struct sip_channel;

/* Who may call ([sip] auth): the allow-list, digest authentication (RFC 3261 §22, RFC 2617), or
 * both. */
enum sip_auth_mode {
    SIP_AUTH_ALLOW = 0,           /* only addresses in allow; no digest (the default) */
    SIP_AUTH_DIGEST = 1,          /* any address, every new INVITE authenticated */
    SIP_AUTH_ALLOW_OR_DIGEST = 2, /* an address in allow is trusted, others authenticate */
    SIP_AUTH_ALLOW_AND_DIGEST = 3 /* in allow, and authenticated */
};

/* Where the channel listens and whom it answers ([sip] in mandat.conf). Strings are copied. */
struct sip_options {
    const char *listen;    /* "address:port": UDP and TCP; required */
    const char *rtp_addr;  /* "" or NULL: listen's address */
    uint16_t rtp_port_min; /* RTP ports taken from [min, max] */
    uint16_t rtp_port_max;
    uint32_t max_calls;     /* calls held at once; one more gets 503 + Retry-After */
    uint32_t retry_after_s; /* in that 503 */
    uint32_t rtp_timeout_s; /* a call that receives no RTP that long is hung up (0: 60) */
    const char *allow;      /* the trunk's addresses, blank- or comma-separated; others get 403 */
    const char *trusted;    /* of those, the ones whose P-Asserted-Identity is believed */
    /* digest authentication of the trunk (sip_auth.c) */
    enum sip_auth_mode auth;
    const char *auth_realm; /* the realm we challenge with */
    /* "user:realm:HA1" lines (htdigest's form; HA1 = MD5(user:realm:password) in hex), mode
     * 0600 (refused otherwise); lines of other realms are skipped; at most SIP_AUTH_USERS_MAX */
    const char *auth_file;
    uint32_t nonce_life_s;     /* a nonce older than this gets 401 with stale=true (0: 300) */
    uint32_t auth_fail_max;    /* failed authentications an address may make (0: 5), then 403 */
    uint32_t auth_fail_lock_s; /* for this long after its last failure (0: 300) */
    /* session timers (RFC 4028, sip_timer.c) */
    uint32_t session_expires_s; /* the interval when an INVITE asks none (0: 1800) */
    uint32_t min_se_s;          /* shorter intervals get 422 (0: 90, RFC 4028 §4) */
};

/* Users (credential lines) the channel takes at most: a trunk has one, a carrier a few. */
#define SIP_AUTH_USERS_MAX 8

/* The companding law of a buffer of 8 kHz G.711 samples (RFC 3551 §4.5.14). */
enum sip_law {
    SIP_LAW_PCMU = 0, /* µ-law, payload type 0 */
    SIP_LAW_PCMA = 8, /* A-law, payload type 8 */
};

/* How a key reached us: a trunk may send the same key in two forms (the dialog's dedup decides). */
enum sip_key_source {
    SIP_KEY_RFC4733 = 0, /* telephone-event in RTP (RFC 4733 §2) */
    SIP_KEY_INFO = 1,    /* SIP INFO application/dtmf-relay */
    SIP_KEY_INBAND = 2,  /* tones detected in the decoded audio (struct sip_inband) */
};

enum sip_event_kind {
    SIP_EV_CALL = 1,   /* a call was answered (200 OK sent): caller, peer set */
    SIP_EV_KEY = 2,    /* a key was pressed: key, source set */
    SIP_EV_PLAYED = 3, /* the prompt of sip_call_play finished (or a key stopped it: barged) */
    SIP_EV_ENDED = 4,  /* the call is over (BYE, CANCEL, error or sip_call_hangup) */
};

#define SIP_CALLER_MAX 64

/* One thing that happened on a call, handed to the loop thread. */
struct sip_event {
    enum sip_event_kind kind;
    uint32_t call; /* the call's id, unique over the channel's life, never 0 */
    /* SIP_EV_CALL: the caller's number as the trunk gave it (From user part, or
     * P-Asserted-Identity from a trusted peer), not yet normalised; "" when anonymous. */
    char caller[SIP_CALLER_MAX];
    char peer[64];                /* SIP_EV_CALL: the trunk's address, "a.b.c.d:port" */
    char key;                     /* SIP_EV_KEY: '0'-'9', '*', '#', 'A'-'D' */
    enum sip_key_source source;   /* SIP_EV_KEY */
    bool barged;                  /* SIP_EV_PLAYED: stopped by a key before its end */
    uint32_t tag;                 /* SIP_EV_PLAYED: the tag given to sip_call_play */
    uint64_t rx_packets, rx_loud; /* SIP_EV_ENDED: RTP audio packets received, non-silent ones */
};

/* An in-band key detector run on the SIP thread over every call's decoded audio (optional; the
 * DTMF module provides one). open returns a detector's state for one call (NULL: none); feed
 * takes 16-bit linear samples at 8 kHz and writes the keys it completed to keys (at most
 * keys_max), returning how many; close frees the state. All run on the SIP thread. */
struct sip_inband {
    void *(*open)(void *ctx);
    size_t (*feed)(void *state, const int16_t *pcm, size_t n, char *keys, size_t keys_max);
    void (*close)(void *state);
    void *ctx;
};

struct sip_handlers {
    /* Loop thread: one event, in the order they happened on each call. ev is valid during the
     * call only. */
    void (*event)(void *ctx, const struct sip_event *ev);
    const struct sip_inband *inband; /* NULL: no in-band detection (borrowed, outlives c) */
    void *ctx;
};

/* Start the SIP thread on base's loop: bind o->listen (UDP and TCP) and answer calls. *out:
 * sip_channel_stop. Errors: -MDT_EINVAL (a bad address in o, err says which), -MDT_EIO (cannot
 * bind, cannot start the thread), -MDT_ENOMEM. Loop thread. */
int sip_channel_start(struct event_base *base, const struct sip_options *o,
                      const struct sip_handlers *h, struct sip_channel **out, struct mdt_err *err);

/* Where SIP is bound ("127.0.0.1:5060"), for logs and the ports file. */
const char *sip_channel_addr(const struct sip_channel *c);

/* Play n samples of law to call, replacing what it was playing (silently: no SIP_EV_PLAYED for
 * the one replaced); a key stops it when barge_in. The samples are copied. SIP_EV_PLAYED with
 * tag follows when it ends. Errors: -MDT_ERANGE (n above
 * SIP_PLAY_SAMPLES_MAX or 0), -MDT_ENOMEM. An unknown or ended call is ignored. Loop thread. */
int sip_call_play(struct sip_channel *c, uint32_t call, enum sip_law law, const uint8_t *samples,
                  size_t n, bool barge_in, uint32_t tag);

/* Hang up call with BYE; SIP_EV_ENDED follows. Loop thread. */
int sip_call_hangup(struct sip_channel *c, uint32_t call);

/* Calls held now (any thread: read under the channel's lock). */
uint32_t sip_channel_calls(struct sip_channel *c);

/* Fill out with n samples of a sine at hz in law, at a third of full scale: a stand-in prompt
 * and a test signal. Any thread (no libre object). */
void sip_tone(uint8_t *out, size_t n, enum sip_law law, unsigned hz);

/* Write the htdigest line "user:realm:HA1" of a trunk's credentials into out (NUL-terminated),
 * HA1 = MD5(user:realm:password) in lowercase hex (RFC 2617 §3.2.2.2), for [sip] auth_file.
 * user and realm: 1 to SIP_DIGEST_NAME_MAX bytes, no ':' or control character. Returns 0,
 * -MDT_EINVAL (a bad user or realm, an empty password) or -MDT_ERANGE (out too small). The
 * password is not kept. Any thread (no libre object). */
int sip_digest_line(const char *user, const char *realm, const char *password, size_t password_len,
                    char *out, size_t cap);

/* Hang up every call, stop the SIP thread, join it and free c (NULL is fine). Events not yet
 * taken by the loop are dropped. Loop thread. */
void sip_channel_stop(struct sip_channel *c);

#endif
