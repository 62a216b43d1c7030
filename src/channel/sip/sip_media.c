/* SPDX-License-Identifier: Apache-2.0 */
/* One call's media on the SIP thread: the SDP offer/answer (RFC 3264) with PCMA, PCMU and
 * telephone-event, the RTP socket, keys received as RFC 4733 events, and the playout of G.711
 * frames every 20 ms (silence between prompts, so the caller's side keeps a steady stream). */
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/log.h"
#include "channel/sip/sip_int.h"

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

struct sip_media {
    struct sip_channel *c;
    uint32_t call;
    struct sdp_session *sdp;
    struct sdp_media *sdpm;
    struct rtp_sock *rtp;
    struct telev *telev;
    struct mbuf *frame; /* the next packet, reused */
    struct le play_le; /* in c->play_slots[next_ms % SIP_FRAME_MS] while sending */
    uint64_t next_ms; /* when the next frame is due (tmr_jiffies) */
    uint32_t ts;
    bool marker, sending;
    int pt;       /* the audio payload type sent and expected: 0 or 8 */
    int pt_telev; /* -1: the caller offered no telephone-event */
    struct sa raddr;
    /* the prompt playing */
    uint8_t *play;
    size_t play_n, play_pos;
    enum sip_law play_law;
    bool barge_in;
    uint32_t tag;
    void *inband; /* the in-band detector's state for this call */
    uint64_t rx_packets, rx_loud;
    uint64_t rx_last_ms; /* tmr_jiffies of the last RTP packet, or of the start */
};

static uint8_t law_silence(int pt)
{
    return pt == SIP_LAW_PCMA ? 0xd5 : 0xff;
}

static int16_t law_decode(int pt, uint8_t s)
{
    return pt == SIP_LAW_PCMA ? g711_alaw2pcm(s) : g711_ulaw2pcm(s);
}

static uint8_t law_encode(int pt, int16_t l)
{
    return pt == SIP_LAW_PCMA ? g711_pcm2alaw(l) : g711_pcm2ulaw(l);
}

static void slot_remove(struct sip_media *m)
{
    if (m->play_le.list != NULL) {
        list_unlink(&m->play_le);
        m->c->playing--;
    }
}

static void on_play_tmr(void *arg);

static void slot_add(struct sip_media *m)
{
    struct sip_channel *c = m->c;

    list_append(&c->play_slots[m->next_ms % SIP_FRAME_MS], &m->play_le, m);
    if (c->playing++ == 0) {
        c->play_ms = tmr_jiffies();
        tmr_start(&c->play_tmr, 0, on_play_tmr, c);
    }
}

static void media_destructor(void *arg)
{
    struct sip_media *m = arg;

    slot_remove(m);
    if (m->inband != NULL && m->c->h.inband != NULL) {
        m->c->h.inband->close(m->inband);
    }
    free(m->play);
    m->rtp = mem_deref(m->rtp);
    m->telev = mem_deref(m->telev);
    m->sdp = mem_deref(m->sdp); /* owns sdpm */
    m->frame = mem_deref(m->frame);
}

static void play_clear(struct sip_media *m)
{
    free(m->play);
    m->play = NULL;
    m->play_n = m->play_pos = 0;
}

static void played(struct sip_media *m, bool barged)
{
    struct sip_event ev = {.kind = SIP_EV_PLAYED, .call = m->call, .barged = barged, .tag = m->tag};

    play_clear(m);
    sip_event_push(m->c, &ev);
}

void sip_media_key(struct sip_media *m, char key, enum sip_key_source source)
{
    struct sip_event ev = {.kind = SIP_EV_KEY, .call = m->call, .key = key, .source = source};

    if (m->play != NULL && m->barge_in) {
        played(m, true); /* barge-in: the key stops the prompt */
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

static void frame_fill(struct sip_media *m, uint8_t *out)
{
    size_t i = 0;

    for (; i < SIP_FRAME_SAMPLES && m->play_pos < m->play_n; i++, m->play_pos++) {
        uint8_t s = m->play[m->play_pos];

        out[i] = (int)m->play_law == m->pt ? s : law_encode(m->pt, law_decode(m->play_law, s));
    }
    memset(out + i, law_silence(m->pt), SIP_FRAME_SAMPLES - i);
}

/* One call's frame, due at m->next_ms (now or before); then its next one, 20 ms on against the
 * schedule rather than now, so timer lateness does not add up. Returns false when the call
 * ended (m is freed). */
static bool media_tick(struct sip_media *m, uint64_t now)
{
    uint8_t *out;

    if (now > m->next_ms) { /* lateness against the schedule, for the playout counters */
        uint64_t late = now - m->next_ms;

        m->c->tx_late += late > SIP_FRAME_MS;
        m->c->tx_late_max_ms = late > m->c->tx_late_max_ms ? late : m->c->tx_late_max_ms;
    }
    m->c->tx_frames++;
    m->frame->pos = m->frame->end = RTP_HEADER_SIZE;
    if (mbuf_fill(m->frame, 0, SIP_FRAME_SAMPLES) == 0) {
        m->frame->pos = RTP_HEADER_SIZE;
        out = mbuf_buf(m->frame);
        frame_fill(m, out);
        if (sa_isset(&m->raddr, SA_ALL)) {
            (void)rtp_send(m->rtp, &m->raddr, false, m->marker, (uint8_t)m->pt, m->ts, m->frame);
        }
        m->marker = false;
    }
    m->ts += SIP_FRAME_SAMPLES;
    if (m->play != NULL && m->play_pos >= m->play_n) {
        played(m, false);
    }
    if (m->sending && now - m->rx_last_ms > m->c->rtp_timeout_ms) {
        struct sip_call *call = sip_ua_call_find(m->c, m->call);

        log_info("sip: call %u: no RTP for %llu s: hanging up", m->call,
                 (unsigned long long)(m->c->rtp_timeout_ms / 1000));
        if (call != NULL) {
            sip_ua_call_end(call); /* frees m: touch nothing after */
            return false;
        }
    }
    m->next_ms += SIP_FRAME_MS;
    if (m->next_ms + 200 < now) {
        /* far behind (a stalled thread): restart the cadence, no burst; a new phase */
        m->next_ms = now + SIP_FRAME_MS;
        slot_remove(m);
        slot_add(m);
    }
    return true;
}

/* Every millisecond while a call sends: the slots of the milliseconds since the last run (at
 * most one round of SIP_FRAME_MS), each call in them whose frame is due. */
static void on_play_tmr(void *arg)
{
    struct sip_channel *c = arg;
    uint64_t now = tmr_jiffies();
    uint64_t ms = c->play_ms + SIP_FRAME_MS <= now ? now - (SIP_FRAME_MS - 1) : c->play_ms;

    for (; ms <= now; ms++) {
        struct le *le = list_head(&c->play_slots[ms % SIP_FRAME_MS]);

        while (le != NULL) {
            struct sip_media *m = le->data;

            le = le->next; /* m may end, or move to another slot */
            /* a frame late by more than a period is followed by the next at once */
            while (m->next_ms <= now && media_tick(m, now)) {
            }
        }
    }
    c->play_ms = now + 1;
    if (c->playing > 0) {
        tmr_start(&c->play_tmr, 1, on_play_tmr, c);
    }
}

void sip_media_init(struct sip_channel *c)
{
    for (size_t i = 0; i < SIP_FRAME_MS; i++) {
        list_init(&c->play_slots[i]);
    }
    tmr_init(&c->play_tmr);
    c->playing = 0;
}

void sip_media_close(struct sip_channel *c)
{
    tmr_cancel(&c->play_tmr);
}

void sip_media_start(struct sip_media *m)
{
    if (m->sending) {
        return;
    }
    m->sending = true;
    m->marker = true;
    m->next_ms = tmr_jiffies();
    m->rx_last_ms = m->next_ms; /* the caller's RTP is awaited from now */
    if (m->c->playing > 0 && m->next_ms < m->c->play_ms) {
        m->next_ms = m->c->play_ms; /* this millisecond's slots have run */
    }
    slot_add(m);
}

void sip_media_play(struct sip_media *m, struct sip_cmd *cmd)
{
    play_clear(m);
    m->play = cmd->samples;
    cmd->samples = NULL;
    m->play_n = cmd->n;
    m->play_law = cmd->law;
    m->barge_in = cmd->barge_in;
    m->tag = cmd->tag;
    sip_media_start(m); /* a prompt before the ACK is heard: early media is fine to send */
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
    if (err == 0) {
        m->frame = mbuf_alloc(RTP_HEADER_SIZE + SIP_FRAME_SAMPLES);
        err = m->frame == NULL ? ENOMEM : 0;
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
