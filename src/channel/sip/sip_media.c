/* SPDX-License-Identifier: Apache-2.0 */
/* One call's media on the SIP thread: the SDP offer/answer (RFC 3264) with PCMA, PCMU and
 * telephone-event, the RTP socket, keys received as RFC 4733 events and in-band, and the
 * hand-over of the call's prompts to a playout thread (sip_playout.c), which sends a G.711
 * frame every 20 ms (silence between prompts, so the caller's side keeps a steady stream). */
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/error.h"
#include "base/log.h"
#include "channel/sip/sip_int.h"
#include "channel/sip/sip_playout.h"

#include <rem_g711.h> /* after re.h, whose types it uses */

/* RTP payload type we offer for telephone-event (RFC 4733 §7.1.1: dynamic, 96-127 range in
 * use by most trunks is 101). */
#define SIP_TELEV_PT "101"
/* A received frame louder than this peak (of 32 767) counts as sound, not line noise. */
#define SIP_LOUD_PEAK 500
/* Samples in one received packet at most: 60 ms, the longest ptime trunks use for G.711. */
#define SIP_RX_SAMPLES_MAX 480
/* Keys an in-band detector may report from one packet. */
#define SIP_INBAND_KEYS_MAX 4
/* How often calls are checked for RTP gone quiet: rtp_timeout is in seconds. */
#define SIP_RX_CHECK_MS 1000

_Static_assert(SIP_FRAME_MS == 20 && SIP_FRAME_SAMPLES == 160, "sip_playout.c sends 20 ms frames");

struct sip_media {
    struct sip_channel *c;
    uint32_t call;
    struct sdp_session *sdp;
    struct sdp_media *sdpm;
    struct rtp_sock *rtp;
    struct telev *telev;
    struct le le;           /* in c->media while sending */
    struct sip_playout *po; /* the playout thread sending its frames, NULL before */
    int po_id;              /* its id there */
    int pt;                 /* the audio payload type sent and expected: 0 or 8 */
    int pt_telev;           /* -1: the caller offered no telephone-event */
    struct sa raddr;
    void *inband; /* the in-band detector's state for this call */
    uint64_t rx_packets, rx_loud;
    uint64_t rx_last_ms; /* tmr_jiffies of the last RTP packet, or of the start */
};

static int16_t law_decode(int pt, uint8_t s)
{
    return pt == SIP_LAW_PCMA ? g711_alaw2pcm(s) : g711_ulaw2pcm(s);
}

static uint8_t law_encode(int pt, int16_t l)
{
    return pt == SIP_LAW_PCMA ? g711_pcm2alaw(l) : g711_pcm2ulaw(l);
}

static void media_destructor(void *arg)
{
    struct sip_media *m = arg;

    if (m->po != NULL) {
        sip_playout_remove(m->po, m->po_id); /* before the fd closes with m->rtp */
        list_unlink(&m->le);
    }
    if (m->inband != NULL && m->c->h.inband != NULL) {
        m->c->h.inband->close(m->inband);
    }
    m->rtp = mem_deref(m->rtp);
    m->telev = mem_deref(m->telev);
    m->sdp = mem_deref(m->sdp); /* owns sdpm */
}

void sip_media_key(struct sip_media *m, char key, enum sip_key_source source)
{
    struct sip_event ev = {.kind = SIP_EV_KEY, .call = m->call, .key = key, .source = source};

    if (m->po != NULL) {
        /* barge-in: the key stops the prompt, reported played (barged) before the key */
        (void)sip_playout_barge(m->po, m->po_id);
    }
    sip_event_push(m->c, &ev);
}

/* RFC 4733 §2.5: an event is reported once at its start (libre's telev folds the repeated and
 * end packets); the end is not needed to know the key. */
static void on_telev(struct sip_media *m, struct mbuf *mb)
{
    int event, digit;
    bool end;

    if (telev_recv(m->telev, mb, &event, &end) != 0 || end) {
        return;
    }
    digit = telev_code2digit(event);
    if (digit > 0) {
        sip_media_key(m, (char)digit, SIP_KEY_RFC4733);
    }
}

static void on_audio(struct sip_media *m, struct mbuf *mb)
{
    int16_t pcm[SIP_RX_SAMPLES_MAX];
    size_t n = mbuf_get_left(mb);
    const uint8_t *p = mbuf_buf(mb);
    int peak = 0;

    if (n > SIP_RX_SAMPLES_MAX) {
        n = SIP_RX_SAMPLES_MAX;
    }
    for (size_t i = 0; i < n; i++) {
        int v;

        pcm[i] = law_decode(m->pt, p[i]);
        v = pcm[i] < 0 ? -pcm[i] : pcm[i];
        peak = v > peak ? v : peak;
    }
    m->rx_packets++;
    if (peak > SIP_LOUD_PEAK) {
        m->rx_loud++;
    }
    if (m->inband != NULL) {
        char keys[SIP_INBAND_KEYS_MAX];
        size_t k = m->c->h.inband->feed(m->inband, pcm, n, keys, SIP_INBAND_KEYS_MAX);

        for (size_t i = 0; i < k && i < SIP_INBAND_KEYS_MAX; i++) {
            sip_media_key(m, keys[i], SIP_KEY_INBAND);
        }
    }
}

static void on_rtp(const struct sa *src, const struct rtp_header *hdr, struct mbuf *mb, void *arg)
{
    struct sip_media *m = arg;

    (void)src;
    m->rx_last_ms = tmr_jiffies();
    if (m->pt_telev >= 0 && hdr->pt == m->pt_telev) {
        on_telev(m, mb);
    } else if (hdr->pt == m->pt) {
        on_audio(m, mb);
    }
}

/* ---- playout ---- */

/* Playout thread: a prompt's last frame went out, or (the SIP thread) a key stopped it. */
static void on_played(void *ctx, uint32_t call, uint32_t tag, bool barged)
{
    struct sip_event ev = {.kind = SIP_EV_PLAYED, .call = call, .barged = barged, .tag = tag};

    sip_event_push(ctx, &ev);
}

/* Every SIP_RX_CHECK_MS while calls send: hang up on those whose caller sent no RTP for
 * rtp_timeout (a caller gone without a BYE). O(calls) a second. */
static void on_rx_tmr(void *arg)
{
    struct sip_channel *c = arg;
    uint64_t now = tmr_jiffies();
    struct le *le = list_head(&c->media);

    while (le != NULL) {
        struct sip_media *m = le->data;
        struct sip_call *call;

        le = le->next; /* ending m frees it, and only it */
        if (now - m->rx_last_ms <= c->rtp_timeout_ms) {
            continue;
        }
        log_info("sip: call %u: no RTP for %llu s: hanging up", m->call,
                 (unsigned long long)(c->rtp_timeout_ms / 1000));
        call = sip_ua_call_find(c, m->call);
        if (call != NULL) {
            sip_ua_call_end(call);
        }
    }
    if (!list_isempty(&c->media)) {
        tmr_start(&c->rx_tmr, SIP_RX_CHECK_MS, on_rx_tmr, c);
    }
}

/* The peer's address as the playout thread takes it (len 0: none yet). */
static socklen_t media_dest(const struct sip_media *m, struct sockaddr_storage *out)
{
    memset(out, 0, sizeof(*out));
    if (!sa_isset(&m->raddr, SA_ALL)) {
        return 0;
    }
    memcpy(out, &m->raddr.u, m->raddr.len);
    return m->raddr.len;
}

int sip_media_init(struct sip_channel *c)
{
    struct sip_playout_xlat x;
    int rc = 0;

    /* G.711 A-law <-> µ-law through linear, once for every byte */
    for (int i = 0; i < 256; i++) {
        x.a2u[i] = g711_pcm2ulaw(g711_alaw2pcm((uint8_t)i));
        x.u2a[i] = g711_pcm2alaw(g711_ulaw2pcm((uint8_t)i));
    }
    list_init(&c->media);
    tmr_init(&c->rx_tmr);
    for (size_t i = 0; i < SIP_PLAYOUT_THREADS && rc == 0; i++) {
        rc = sip_playout_start(&c->playout[i], c->max_calls, &x, on_played, c);
    }
    if (rc != 0) {
        snprintf(c->start_msg, sizeof(c->start_msg), "cannot start a playout thread: %s",
                 mdt_strerror(rc)); /* sip_media_close stops those started */
    }
    return rc;
}

void sip_media_close(struct sip_channel *c)
{
    struct sip_playout_stats *st = calloc(1, sizeof(*st));

    tmr_cancel(&c->rx_tmr);
    for (size_t i = 0; i < SIP_PLAYOUT_THREADS; i++) {
        sip_playout_stop(c->playout[i], st);
        c->playout[i] = NULL;
    }
    if (st == NULL) {
        return;
    }
    /* bench/voice.sh reads this line */
    log_info("sip: playout: %llu frames sent, %llu more than %d ms late, latest %llu.%llu ms, "
             "p99 %.1f ms, p99.9 %.1f ms, %llu send errors, %d threads, woke up to %.1f ms late, "
             "waited up to %.1f ms for the lock",
             (unsigned long long)st->frames, (unsigned long long)st->late, SIP_FRAME_MS,
             (unsigned long long)(st->late_max_us / 1000),
             (unsigned long long)(st->late_max_us % 1000 / 100),
             (double)sip_playout_percentile_us(st, 9900) / 1000.0,
             (double)sip_playout_percentile_us(st, 9990) / 1000.0,
             (unsigned long long)st->send_errors, SIP_PLAYOUT_THREADS,
             (double)st->wake_late_max_us / 1000.0, (double)st->lock_wait_max_us / 1000.0);
    free(st);
}

void sip_media_start(struct sip_media *m)
{
    struct sip_channel *c = m->c;
    struct sip_playout_call pc = {.call = m->call, .pt = m->pt};
    int id;

    if (m->po != NULL) {
        return;
    }
    pc.fd = udp_sock_fd(rtp_sock(m->rtp), sa_af(&c->rtp_laddr));
    pc.dest_len = media_dest(m, &pc.dest);
    pc.ssrc = rtp_sess_ssrc(m->rtp);
    pc.ts = rand_u32();
    pc.seq = rand_u16();
    m->po = c->playout[m->call % SIP_PLAYOUT_THREADS];
    id = sip_playout_add(m->po, &pc);
    if (id < 0) {
        log_error("sip: call %u: cannot start its playout: %s", m->call, mdt_strerror(id));
        m->po = NULL;
        return;
    }
    m->po_id = id;
    m->rx_last_ms = tmr_jiffies(); /* the caller's RTP is awaited from now */
    list_append(&c->media, &m->le, m);
    if (!tmr_isrunning(&c->rx_tmr)) {
        tmr_start(&c->rx_tmr, SIP_RX_CHECK_MS, on_rx_tmr, c);
    }
}

void sip_media_play(struct sip_media *m, struct sip_cmd *cmd)
{
    sip_media_start(m); /* a prompt before the ACK is heard: early media is fine to send */
    if (m->po != NULL) {
        sip_playout_play(m->po, m->po_id, cmd->samples, cmd->n, cmd->law, cmd->barge_in, cmd->tag);
        cmd->samples = NULL;
    }
}

/* ---- SDP ---- */

/* The remote's first audio codec we have, in its order of preference (RFC 3264 §6.1). */
static int media_negotiate(struct sip_media *m)
{
    const struct sdp_format *tel;

    m->pt = -1;
    for (struct le *le = list_head(sdp_media_format_lst(m->sdpm, false)); le; le = le->next) {
        const struct sdp_format *f = le->data;

        if (f->sup && f->name != NULL &&
            (strcasecmp(f->name, "PCMA") == 0 || strcasecmp(f->name, "PCMU") == 0)) {
            m->pt = f->pt;
            break;
        }
    }
    if (m->pt != SIP_LAW_PCMA && m->pt != SIP_LAW_PCMU) {
        return 488;
    }
    tel = sdp_media_rformat(m->sdpm, "telephone-event");
    m->pt_telev = tel != NULL ? tel->pt : -1;
    m->raddr = *sdp_media_raddr(m->sdpm);
    if (m->po != NULL) {
        struct sockaddr_storage dest;
        socklen_t len = media_dest(m, &dest);

        sip_playout_dest(m->po, m->po_id, (const struct sockaddr *)&dest, len, m->pt);
    }
    return 0;
}

int sip_media_offer(struct sip_media *m, const struct sip_msg *msg, struct mbuf **desc)
{
    int scode;

    if (sdp_decode(m->sdp, msg->mb, true) != 0) {
        return 488;
    }
    scode = media_negotiate(m);
    if (scode != 0) {
        return scode;
    }
    return sdp_encode(desc, m->sdp, false) != 0 ? 500 : 0;
}

int sip_media_answer(struct sip_media *m, const struct sip_msg *msg)
{
    if (sdp_decode(m->sdp, msg->mb, false) != 0) {
        return EPROTO;
    }
    return media_negotiate(m) != 0 ? EPROTO : 0;
}

static int media_open(struct sip_media *m, struct sip_channel *c)
{
    int err;

    err = rtp_listen(&m->rtp, IPPROTO_UDP, &c->rtp_laddr, c->rtp_port_min, c->rtp_port_max, true,
                     on_rtp, NULL, m);
    if (err != 0) {
        log_warn("sip: call %u: no RTP port free in [%u, %u]: %s", m->call, c->rtp_port_min,
                 c->rtp_port_max, strerror(err));
        return err;
    }
    err = sdp_session_alloc(&m->sdp, &c->rtp_laddr);
    if (err == 0) {
        err = sdp_media_add(&m->sdpm, m->sdp, "audio", sa_port(rtp_local(m->rtp)), "RTP/AVP");
    }
    if (err == 0) {
        err = sdp_format_add(NULL, m->sdpm, false, "8", "PCMA", 8000, 1, NULL, NULL, NULL, false,
                             NULL);
    }
    if (err == 0) {
        err = sdp_format_add(NULL, m->sdpm, false, "0", "PCMU", 8000, 1, NULL, NULL, NULL, false,
                             NULL);
    }
    if (err == 0) {
        err = sdp_format_add(NULL, m->sdpm, false, SIP_TELEV_PT, "telephone-event", 8000, 1, NULL,
                             NULL, NULL, false, "0-15");
    }
    if (err == 0) {
        err = telev_alloc(&m->telev, SIP_FRAME_MS);
    }
    return err;
}

int sip_media_alloc(struct sip_media **mp, struct sip_channel *c, uint32_t call,
                    const struct sip_msg *msg, struct mbuf **desc)
{
    struct sip_media *m = mem_zalloc(sizeof(*m), media_destructor);
    int scode = 0;

    if (m == NULL) {
        return 500;
    }
    m->c = c;
    m->call = call;
    m->pt = SIP_LAW_PCMA;
    m->pt_telev = -1;
    if (media_open(m, c) != 0) {
        scode = 500;
    } else if (mbuf_get_left(msg->mb) > 0) {
        scode = sip_media_offer(m, msg, desc);
    } else if (sdp_encode(desc, m->sdp, true) != 0) { /* offer in the 200, answer in the ACK */
        scode = 500;
    }
    if (scode == 0 && c->h.inband != NULL) {
        m->inband = c->h.inband->open(c->h.inband->ctx);
    }
    if (scode != 0) {
        mem_deref(m);
        return scode;
    }
    *mp = m;
    return 0;
}

void sip_media_counts(const struct sip_media *m, uint64_t *rx_packets, uint64_t *rx_loud)
{
    *rx_packets = m != NULL ? m->rx_packets : 0;
    *rx_loud = m != NULL ? m->rx_loud : 0;
}

void sip_tone(uint8_t *out, size_t n, enum sip_law law, unsigned hz)
{
    for (size_t i = 0; i < n; i++) {
        double v = 10000.0 * sin(2.0 * M_PI * hz * (double)i / 8000.0);

        out[i] = law_encode((int)law, (int16_t)v);
    }
}
