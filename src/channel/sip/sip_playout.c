/* SPDX-License-Identifier: Apache-2.0 */
/* The playout thread (sip_playout.h): every call sending sits in one of 20 slots, the
 * millisecond of its schedule modulo the 20 ms frame; the thread sleeps until each millisecond
 * (clock_nanosleep, TIMER_ABSTIME on CLOCK_MONOTONIC: no drift, no timer list to walk) and sends
 * the frames of that slot, each against its own absolute schedule. No libre here. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/assert.h"
#include "base/error.h"
#include "base/log.h"
#include "channel/sip/sip_playout.h"

/* One G.711 frame: 20 ms at 8 kHz (RFC 3551 §4.5), and the RTP header before it (RFC 3550
 * §5.1, no CSRC, no extension). */
#define PO_FRAME_SAMPLES 160
#define PO_FRAME_MS 20
#define PO_NS_PER_MS 1000000ull
#define PO_FRAME_NS (PO_FRAME_MS * PO_NS_PER_MS)
#define PO_RTP_HEADER 12
/* A call this far behind its schedule (the thread was not run for that long) restarts its
 * cadence from now instead of sending a burst of stale frames: 10 frames, what a jitter
 * buffer may still absorb. */
#define PO_BEHIND_MAX_NS (200 * PO_NS_PER_MS)
/* The SCHED_RR priority asked for: low among real-time threads (the kernel's run at 50). */
#define PO_RT_PRIO 10
/* Without SCHED_RR, the time slice asked for (Linux 6.12's EEVDF lets any thread shorten its
 * own): a shorter slice is an earlier virtual deadline, so the woken thread preempts a longer
 * one's. Its work a millisecond (50 frames at 1 000 calls) takes well under this. */
#define PO_SLICE_NS 500000ull

struct po_call {
    struct po_call *prev, *next; /* in p->slots[due ms % 20] while used */
    bool used, marker, barge_in;
    int pt;
    int fd;
    uint32_t call, ssrc, ts, tag;
    uint16_t seq;
    socklen_t dest_len;
    struct sockaddr_storage dest;
    uint64_t due_ns; /* the next frame's schedule: a whole millisecond, CLOCK_MONOTONIC */
    uint8_t *play;   /* the prompt, in the call's law */
    size_t play_n, play_pos;
};

/* mu guards everything below it; the thread holds it while it sends a slot. */
struct sip_playout {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond; /* a first call to send, or stop */
    bool stop;
    struct sip_playout_xlat xlat;
    sip_playout_played_fn *played;
    void *ctx;
    struct po_call *calls; /* cap of them */
    int *free_ids;         /* a stack of the unused */
    uint32_t cap, free_n, sending;
    struct po_call *slots[PO_FRAME_MS];
    uint64_t next_ms; /* the first millisecond whose slot has not run */
    struct sip_playout_stats st;
    /* the prompts that ended in this tick, reported once its frames are out and mu is
     * released (a slow report delays no frame); the playout thread's alone */
    struct po_ended {
        uint32_t call, tag;
    } * ended;
    uint32_t ended_n;
};

static atomic_bool po_priority_logged;

/* sched_setattr(2)'s argument, its first version (48 bytes): <linux/sched/types.h> cannot be
 * included with <sched.h>, and glibc 2.36 has no wrapper. */
struct po_sched_attr {
    uint32_t size, sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
};
_Static_assert(sizeof(struct po_sched_attr) == 48, "SCHED_ATTR_SIZE_VER0");

static uint64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint8_t law_silence(int pt)
{
    return pt == SIP_LAW_PCMA ? 0xd5 : 0xff;
}

/* Convert samples from law from to law to, in place (a table look-up a byte). */
static void xlat_buf(const struct sip_playout *p, uint8_t *s, size_t n, int from, int to)
{
    const uint8_t *t = from == SIP_LAW_PCMA ? p->xlat.a2u : p->xlat.u2a;

    if (from == to) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        s[i] = t[s[i]];
    }
}

static void slot_link(struct sip_playout *p, struct po_call *pc)
{
    struct po_call **head = &p->slots[(pc->due_ns / PO_NS_PER_MS) % PO_FRAME_MS];

    pc->prev = NULL;
    pc->next = *head;
    if (*head != NULL) {
        (*head)->prev = pc;
    }
    *head = pc;
}

static void slot_unlink(struct sip_playout *p, struct po_call *pc)
{
    if (pc->prev != NULL) {
        pc->prev->next = pc->next;
    } else {
        p->slots[(pc->due_ns / PO_NS_PER_MS) % PO_FRAME_MS] = pc->next;
    }
    if (pc->next != NULL) {
        pc->next->prev = pc->prev;
    }
    pc->prev = pc->next = NULL;
}

static void po_max(uint64_t *max, uint64_t v)
{
    *max = v > *max ? v : *max;
}

static void stats_count(struct sip_playout_stats *st, uint64_t late_ns)
{
    uint64_t us = late_ns / 1000;
    uint64_t b = us / SIP_PLAYOUT_HIST_US;

    st->frames++;
    st->late += late_ns > PO_FRAME_NS;
    po_max(&st->late_max_us, us);
    st->hist[b < SIP_PLAYOUT_HIST_BUCKETS ? b : SIP_PLAYOUT_HIST_BUCKETS - 1]++;
}

static void put_be(uint8_t *out, uint32_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--) {
        out[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* Send pc's frame, due at pc->due_ns: the next samples of its prompt, or silence. Lateness is
 * taken when sendto returns, the frame in the kernel's hands, against the schedule. */
static void po_send(struct sip_playout *p, struct po_call *pc)
{
    uint8_t pkt[PO_RTP_HEADER + PO_FRAME_SAMPLES];
    size_t n = 0;

    pkt[0] = 0x80; /* RFC 3550 §5.1: version 2, no padding, extension or CSRC */
    pkt[1] = (uint8_t)((pc->marker ? 0x80 : 0) | (pc->pt & 0x7f));
    put_be(pkt + 2, pc->seq, 2);
    put_be(pkt + 4, pc->ts, 4);
    put_be(pkt + 8, pc->ssrc, 4);
    if (pc->play != NULL) {
        n = pc->play_n - pc->play_pos < PO_FRAME_SAMPLES ? pc->play_n - pc->play_pos
                                                         : PO_FRAME_SAMPLES;
        memcpy(pkt + PO_RTP_HEADER, pc->play + pc->play_pos, n);
        pc->play_pos += n;
    }
    memset(pkt + PO_RTP_HEADER + n, law_silence(pc->pt), PO_FRAME_SAMPLES - n);
    if (pc->dest_len > 0) {
        if (sendto(pc->fd, pkt, sizeof(pkt), MSG_DONTWAIT | MSG_NOSIGNAL,
                   (const struct sockaddr *)&pc->dest, pc->dest_len) < 0) {
            p->st.send_errors++; /* a full socket buffer, or ICMP from a peer gone */
        }
        stats_count(&p->st, mono_ns() - pc->due_ns);
        pc->marker = false;
    }
    pc->seq++;
    pc->ts += PO_FRAME_SAMPLES;
    if (pc->play != NULL && pc->play_pos >= pc->play_n) {
        free(pc->play);
        pc->play = NULL;
        MDT_ASSERT(p->ended_n < p->cap); /* a call ends at most one prompt a tick */
        p->ended[p->ended_n].call = pc->call;
        p->ended[p->ended_n].tag = pc->tag;
        p->ended_n++;
    }
}

/* The slots of the milliseconds since the last run (at most one round), with mu held: each
 * call whose frame is due sends it, and one late by more than a frame sends the next at once. */
static void po_run(struct sip_playout *p, uint64_t now)
{
    uint64_t now_ms = now / PO_NS_PER_MS;
    uint64_t ms = p->next_ms + PO_FRAME_MS <= now_ms ? now_ms - (PO_FRAME_MS - 1) : p->next_ms;

    for (; ms <= now_ms; ms++) {
        struct po_call *pc = p->slots[ms % PO_FRAME_MS];

        while (pc != NULL) {
            struct po_call *next = pc->next; /* pc may move to another slot */

            while (pc->due_ns <= now) {
                po_send(p, pc);
                pc->due_ns += PO_FRAME_NS;
                if (pc->due_ns + PO_BEHIND_MAX_NS < now) {
                    slot_unlink(p, pc);
                    pc->due_ns = (now_ms + 1) * PO_NS_PER_MS; /* a new phase, no burst */
                    slot_link(p, pc);
                }
            }
            pc = next;
        }
    }
    p->next_ms = now_ms + 1;
}

/* Real-time round-robin if this process may (CAP_SYS_NICE or RLIMIT_RTPRIO): a frame then
 * waits for no ordinary thread. Without it, a short time slice, which needs no privilege
 * (sched_setattr(2), SCHED_OTHER with sched_runtime; older kernels ignore or refuse it). */
static void po_priority(void)
{
    struct sched_param sp = {.sched_priority = PO_RT_PRIO};
    struct po_sched_attr attr = {
        .size = sizeof(attr), .sched_policy = SCHED_OTHER, .sched_runtime = PO_SLICE_NS};
    int err = pthread_setschedparam(pthread_self(), SCHED_RR, &sp);
    int slice_err = 0;

    if (err != 0 && syscall(SYS_sched_setattr, 0, &attr, 0) != 0) {
        slice_err = errno;
    }
    if (atomic_exchange(&po_priority_logged, true)) {
        return;
    }
    if (err == 0) {
        log_info("sip: playout thread at SCHED_RR priority %d", PO_RT_PRIO);
    } else {
        log_info("sip: playout thread at normal priority (SCHED_RR refused: %s), time slice "
                 "%llu us%s%s",
                 strerror(err), PO_SLICE_NS / 1000, slice_err != 0 ? " refused: " : "",
                 slice_err != 0 ? strerror(slice_err) : "");
    }
}

static void *po_thread(void *arg)
{
    struct sip_playout *p = arg;

    po_priority();
    pthread_mutex_lock(&p->mu);
    for (;;) {
        struct timespec at;
        uint64_t woke, now;

        while (!p->stop && p->sending == 0) {
            pthread_cond_wait(&p->cond, &p->mu);
        }
        if (p->stop) {
            break;
        }
        at.tv_sec = (time_t)(p->next_ms / 1000);
        at.tv_nsec = (long)(p->next_ms % 1000 * PO_NS_PER_MS);
        pthread_mutex_unlock(&p->mu);
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR) {
        }
        woke = mono_ns();
        pthread_mutex_lock(&p->mu);
        now = mono_ns();
        po_max(&p->st.wake_late_max_us, (woke - p->next_ms * PO_NS_PER_MS) / 1000);
        po_max(&p->st.lock_wait_max_us, (now - woke) / 1000);
        if (p->sending > 0) {
            po_run(p, now);
        }
        if (p->ended_n > 0) {
            uint32_t n = p->ended_n;

            p->ended_n = 0;
            pthread_mutex_unlock(&p->mu);
            for (uint32_t i = 0; i < n; i++) {
                p->played(p->ctx, p->ended[i].call, p->ended[i].tag, false);
            }
            pthread_mutex_lock(&p->mu);
        }
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void po_free(struct sip_playout *p)
{
    for (uint32_t i = 0; i < p->cap; i++) {
        free(p->calls[i].play);
    }
    free(p->calls);
    free(p->free_ids);
    free(p->ended);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

int sip_playout_start(struct sip_playout **out, uint32_t cap, const struct sip_playout_xlat *xlat,
                      sip_playout_played_fn *played, void *ctx)
{
    struct sip_playout *p = calloc(1, sizeof(*p));
    pthread_mutexattr_t ma;

    *out = NULL;
    if (p == NULL) {
        return MDT_E(NOMEM);
    }
    /* priority inheritance: a real-time playout thread waiting for the mutex lends the SIP
     * thread holding it its priority */
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setprotocol(&ma, PTHREAD_PRIO_INHERIT);
    pthread_mutex_init(&p->mu, &ma);
    pthread_mutexattr_destroy(&ma);
    pthread_cond_init(&p->cond, NULL);
    p->xlat = *xlat;
    p->played = played;
    p->ctx = ctx;
    p->cap = cap;
    p->calls = calloc(cap, sizeof(*p->calls));
    p->free_ids = calloc(cap, sizeof(*p->free_ids));
    p->ended = calloc(cap, sizeof(*p->ended));
    if (p->calls == NULL || p->free_ids == NULL || p->ended == NULL) {
        po_free(p);
        return MDT_E(NOMEM);
    }
    for (uint32_t i = 0; i < cap; i++) {
        p->free_ids[p->free_n++] = (int)(cap - 1 - i);
    }
    if (pthread_create(&p->thread, NULL, po_thread, p) != 0) {
        po_free(p);
        return MDT_E(IO);
    }
    pthread_setname_np(p->thread, "sip-playout");
    *out = p;
    return 0;
}

void sip_playout_stop(struct sip_playout *p, struct sip_playout_stats *st)
{
    if (p == NULL) {
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    if (st != NULL) {
        st->frames += p->st.frames;
        st->late += p->st.late;
        st->send_errors += p->st.send_errors;
        po_max(&st->late_max_us, p->st.late_max_us);
        po_max(&st->wake_late_max_us, p->st.wake_late_max_us);
        po_max(&st->lock_wait_max_us, p->st.lock_wait_max_us);
        for (size_t i = 0; i < SIP_PLAYOUT_HIST_BUCKETS; i++) {
            st->hist[i] += p->st.hist[i];
        }
    }
    po_free(p);
}

static struct po_call *po_get(struct sip_playout *p, int id)
{
    MDT_ASSERT(id >= 0 && (uint32_t)id < p->cap && p->calls[id].used);
    return &p->calls[id];
}

int sip_playout_add(struct sip_playout *p, const struct sip_playout_call *c)
{
    struct po_call *pc;
    uint64_t ms = mono_ns() / PO_NS_PER_MS;
    int id;

    MDT_ASSERT(c->pt == SIP_LAW_PCMA || c->pt == SIP_LAW_PCMU);
    MDT_ASSERT(c->dest_len <= sizeof(c->dest));
    pthread_mutex_lock(&p->mu);
    if (p->free_n == 0) {
        pthread_mutex_unlock(&p->mu);
        return MDT_E(FULL);
    }
    id = p->free_ids[--p->free_n];
    pc = &p->calls[id];
    memset(pc, 0, sizeof(*pc));
    pc->used = true;
    pc->marker = true; /* RFC 3551 §4.1: the first packet of a talkspurt */
    pc->call = c->call;
    pc->fd = c->fd;
    pc->pt = c->pt;
    pc->dest = c->dest;
    pc->dest_len = c->dest_len;
    pc->ssrc = c->ssrc;
    pc->seq = c->seq;
    pc->ts = c->ts;
    if (p->sending++ == 0) {
        p->next_ms = ms;
        pthread_cond_signal(&p->cond);
    }
    /* the first frame now, in a slot that has not run yet this round */
    pc->due_ns = (ms > p->next_ms ? ms : p->next_ms) * PO_NS_PER_MS;
    slot_link(p, pc);
    pthread_mutex_unlock(&p->mu);
    return id;
}

void sip_playout_dest(struct sip_playout *p, int id, const struct sockaddr *dest, socklen_t len,
                      int pt)
{
    struct po_call *pc;

    MDT_ASSERT(pt == SIP_LAW_PCMA || pt == SIP_LAW_PCMU);
    MDT_ASSERT(len <= sizeof(pc->dest));
    pthread_mutex_lock(&p->mu);
    pc = po_get(p, id);
    if (pc->play != NULL) {
        xlat_buf(p, pc->play + pc->play_pos, pc->play_n - pc->play_pos, pc->pt, pt);
    }
    pc->pt = pt;
    memcpy(&pc->dest, dest, len);
    pc->dest_len = len;
    pthread_mutex_unlock(&p->mu);
}

void sip_playout_play(struct sip_playout *p, int id, uint8_t *samples, size_t n, enum sip_law law,
                      bool barge_in, uint32_t tag)
{
    struct po_call *pc;
    uint8_t *old;
    int pt;

    /* the conversion and the free outside the mutex: the playout thread never waits for them */
    pthread_mutex_lock(&p->mu);
    pt = po_get(p, id)->pt;
    pthread_mutex_unlock(&p->mu);
    xlat_buf(p, samples, n, (int)law, pt);
    pthread_mutex_lock(&p->mu);
    pc = po_get(p, id);
    xlat_buf(p, samples, n, pt, pc->pt); /* the law changed in between: rare */
    old = pc->play;
    pc->play = samples;
    pc->play_n = n;
    pc->play_pos = 0;
    pc->barge_in = barge_in;
    pc->tag = tag;
    pthread_mutex_unlock(&p->mu);
    free(old);
}

bool sip_playout_barge(struct sip_playout *p, int id)
{
    struct po_call *pc;
    uint8_t *old = NULL;

    pthread_mutex_lock(&p->mu);
    pc = po_get(p, id);
    if (pc->play != NULL && pc->barge_in) {
        old = pc->play;
        pc->play = NULL;
        p->played(p->ctx, pc->call, pc->tag, true);
    }
    pthread_mutex_unlock(&p->mu);
    free(old);
    return old != NULL;
}

void sip_playout_remove(struct sip_playout *p, int id)
{
    struct po_call *pc;
    uint8_t *old;

    pthread_mutex_lock(&p->mu);
    pc = po_get(p, id);
    slot_unlink(p, pc);
    old = pc->play;
    pc->play = NULL;
    pc->used = false;
    p->free_ids[p->free_n++] = id;
    p->sending--;
    pthread_mutex_unlock(&p->mu);
    free(old);
}

uint64_t sip_playout_percentile_us(const struct sip_playout_stats *st, unsigned per_10k)
{
    uint64_t want = (st->frames * per_10k + 9999) / 10000;
    uint64_t seen = 0;

    if (st->frames == 0) {
        return 0;
    }
    for (size_t i = 0; i + 1 < SIP_PLAYOUT_HIST_BUCKETS; i++) {
        seen += st->hist[i];
        if (seen >= want) {
            uint64_t top = (i + 1) * SIP_PLAYOUT_HIST_US;

            return top < st->late_max_us ? top : st->late_max_us;
        }
    }
    return st->late_max_us;
}
