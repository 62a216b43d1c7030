/* SPDX-License-Identifier: Apache-2.0 */
/* The SIP thread and its two pipes. libre keeps its main loop state per process (or per thread
 * with re_thread_init) and cannot be driven from libevent, so it runs re_main in a thread of its
 * own that alone owns every libre object. The loop sends it commands through libre's mqueue
 * (a pipe libre polls); the thread sends events back through a bounded ring and an eventfd
 * that libevent polls. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/event.h>

#include "base/assert.h"
#include "base/limits.h"
#include "base/log.h"
#include "channel/sip/sip_int.h"

/* ---- events: SIP thread -> loop ---- */

void sip_event_push(struct sip_channel *c, const struct sip_event *ev)
{
    uint64_t one = 1;
    bool wake;

    pthread_mutex_lock(&c->mu);
    if (c->event_count == c->event_cap) {
        c->events_dropped++;
        pthread_mutex_unlock(&c->mu);
        return;
    }
    c->events[(c->event_head + c->event_count) % c->event_cap] = *ev;
    wake = c->event_count == 0;
    c->event_count++;
    pthread_mutex_unlock(&c->mu);
    if (wake && write(c->efd, &one, sizeof(one)) < 0 && errno != EAGAIN) {
        log_error("sip: cannot wake the loop: %s", strerror(errno));
    }
}

/* Loop thread: take every queued event, in order, then run the handler on each outside the
 * lock (a handler may call sip_call_play, which takes no lock but the mqueue's). Takes at most
 * a batch of 64 per wake-up and wakes itself again for the rest, so a burst cannot starve the
 * loop. */
static void on_events(evutil_socket_t fd, short what, void *arg)
{
    struct sip_channel *c = arg;
    struct sip_event batch[64];
    size_t n = 0;
    uint64_t v, dropped;
    bool more;

    (void)what;
    if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN) {
        log_error("sip: eventfd: %s", strerror(errno));
    }
    pthread_mutex_lock(&c->mu);
    while (n < sizeof(batch) / sizeof(batch[0]) && c->event_count > 0) {
        batch[n++] = c->events[c->event_head];
        c->event_head = (c->event_head + 1) % c->event_cap;
        c->event_count--;
    }
    more = c->event_count > 0;
    dropped = c->events_dropped;
    c->events_dropped = 0;
    pthread_mutex_unlock(&c->mu);
    if (more) {
        v = 1;
        if (write(c->efd, &v, sizeof(v)) < 0 && errno != EAGAIN) {
            log_error("sip: eventfd: %s", strerror(errno));
        }
    }
    if (dropped > 0) {
        log_warn("sip: %llu events dropped: the loop fell behind the calls",
                 (unsigned long long)dropped);
    }
    for (size_t i = 0; i < n; i++) {
        c->h.event(c->h.ctx, &batch[i]);
    }
}

/* ---- commands: loop -> SIP thread ---- */

static void stop_force(void *arg)
{
    (void)arg;
    re_cancel();
}

/* SIP thread: one command from the loop. */
static void on_command(int id, void *data, void *arg)
{
    struct sip_channel *c = arg;
    struct sip_cmd *cmd = data;
    struct sip_call *call = cmd != NULL ? sip_ua_call_find(c, cmd->call) : NULL;

    switch (id) {
    case SIP_CMD_PLAY:
        if (call != NULL) {
            sip_ua_call_play(call, cmd);
        }
        break;
    case SIP_CMD_HANGUP:
        if (call != NULL) {
            sip_ua_call_end(call);
        }
        break;
    case SIP_CMD_STOP:
        sip_ua_stop(c);
        /* Give the BYEs a moment to leave and be answered, then stop polling. */
        tmr_start(&c->stop_tmr, 300, stop_force, c);
        break;
    default:
        break;
    }
    if (cmd != NULL) {
        free(cmd->samples);
        free(cmd);
    }
}

static void start_done(struct sip_channel *c, int rc)
{
    pthread_mutex_lock(&c->mu);
    c->start_rc = rc;
    c->ready = true;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->mu);
}

/* libre watches fds below a table size fixed at start (1024 by default, fewer than two RTP
 * sockets for each of a thousand calls): size it to the process's limit on open files. */
static int sip_fd_limit(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
        rl.rlim_cur > SIP_FDS_MAX) {
        return SIP_FDS_MAX;
    }
    return rl.rlim_cur < 1024 ? 1024 : (int)rl.rlim_cur;
}

static void *sip_thread(void *arg)
{
    struct sip_channel *c = arg;
    int rc, err;

    err = libre_init();
    if (err != 0) {
        snprintf(c->start_msg, sizeof(c->start_msg), "libre_init: %s", strerror(err));
        start_done(c, MDT_E(IO));
        return NULL;
    }
    err = fd_setsize(sip_fd_limit());
    if (err != 0) {
        snprintf(c->start_msg, sizeof(c->start_msg), "fd_setsize: %s", strerror(err));
        libre_close();
        start_done(c, MDT_E(NOMEM));
        return NULL;
    }
    tmr_init(&c->stop_tmr);
    list_init(&c->calls);
    rc = sip_media_init(c);
    if (rc == 0 && mqueue_alloc(&c->mq, on_command, c) != 0) {
        rc = MDT_E(NOMEM);
        snprintf(c->start_msg, sizeof(c->start_msg), "cannot allocate libre's message queue");
    }
    if (rc == 0) {
        rc = sip_ua_start(c);
    }
    start_done(c, rc);
    if (rc == 0) {
        err = re_main(NULL);
        if (err != 0) {
            log_error("sip: libre's main loop ended: %s", strerror(err));
        }
    }
    tmr_cancel(&c->stop_tmr);
    sip_ua_release(c);
    sip_media_close(c);
    c->mq = mem_deref(c->mq);
    libre_close();
    return NULL;
}

/* ---- the loop's side ---- */

static int channel_wait_ready(struct sip_channel *c)
{
    int rc;

    pthread_mutex_lock(&c->mu);
    while (!c->ready) {
        pthread_cond_wait(&c->cond, &c->mu);
    }
    rc = c->start_rc;
    pthread_mutex_unlock(&c->mu);
    return rc;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src != NULL ? src : "");
}

/* [sip]'s authentication and session timer settings, checked and copied into c. */
static int auth_options(struct sip_channel *c, const struct sip_options *o, struct mdt_err *err)
{
    int rc;

    c->auth = o->auth;
    copy_str(c->realm, sizeof(c->realm), o->auth_realm);
    if (o->auth != SIP_AUTH_ALLOW) {
        if (c->realm[0] == '\0' || o->auth_file == NULL || o->auth_file[0] == '\0') {
            return mdt_err_set(err, MDT_E(INVAL),
                               "[sip] auth: digest needs auth_realm and auth_file");
        }
        rc = sip_auth_load(c, o->auth_file, err);
        if (rc < 0) {
            return rc;
        }
    }
    c->nonce_life_ms = (uint64_t)(o->nonce_life_s != 0 ? o->nonce_life_s : 300) * 1000;
    c->fail_max = o->auth_fail_max != 0 ? o->auth_fail_max : 5;
    c->fail_lock_ms = (uint64_t)(o->auth_fail_lock_s != 0 ? o->auth_fail_lock_s : 300) * 1000;
    c->min_se_s = o->min_se_s != 0 ? o->min_se_s : 90;
    c->session_expires_s = o->session_expires_s != 0 ? o->session_expires_s : 1800;
    if (c->session_expires_s < c->min_se_s || c->session_expires_s > SIP_SE_MAX_S) {
        return mdt_err_set(err, MDT_E(INVAL),
                           "[sip] session_expires %u: from min_se (%u) to %u seconds",
                           c->session_expires_s, c->min_se_s, SIP_SE_MAX_S);
    }
    return 0;
}

int sip_channel_start(struct event_base *base, const struct sip_options *o,
                      const struct sip_handlers *h, struct sip_channel **out, struct mdt_err *err)
{
    struct sip_channel *c;
    int rc = 0;

    *out = NULL;
    MDT_ASSERT(h->event != NULL && o->listen != NULL);
    if (o->max_calls == 0 || o->max_calls > SIP_CALLS_MAX || o->rtp_port_min == 0 ||
        o->rtp_port_min >= o->rtp_port_max) {
        return mdt_err_set(err, MDT_E(INVAL),
                           "[sip]: max_calls from 1 to %d and rtp_port_min below rtp_port_max",
                           SIP_CALLS_MAX);
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "sip: out of memory");
    }
    copy_str(c->listen, sizeof(c->listen), o->listen);
    copy_str(c->rtp_addr, sizeof(c->rtp_addr), o->rtp_addr);
    copy_str(c->allow_text, sizeof(c->allow_text), o->allow);
    copy_str(c->trusted_text, sizeof(c->trusted_text), o->trusted);
    c->rtp_port_min = o->rtp_port_min;
    c->rtp_port_max = o->rtp_port_max;
    c->max_calls = o->max_calls;
    c->retry_after_s = o->retry_after_s;
    c->rtp_timeout_ms = (uint64_t)(o->rtp_timeout_s != 0 ? o->rtp_timeout_s : 60) * 1000;
    c->h = *h;
    c->efd = -1;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cond, NULL);
    rc = auth_options(c, o, err);
    if (rc < 0) {
        goto out;
    }
    atomic_init(&c->calls_held, 0);
    /* A few events per call (answered, keys, prompts ended, ended) and some slack. */
    c->event_cap = (size_t)o->max_calls * 4 + 64;
    c->events = calloc(c->event_cap, sizeof(*c->events));
    c->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (c->events == NULL || c->efd < 0) {
        rc = mdt_err_set(err, MDT_E(NOMEM), "sip: cannot allocate the event queue: %s",
                         strerror(errno));
        goto out;
    }
    c->ev = event_new(base, c->efd, EV_READ | EV_PERSIST, on_events, c);
    if (c->ev == NULL || event_add(c->ev, NULL) < 0) {
        rc = mdt_err_set(err, MDT_E(NOMEM), "sip: cannot watch the eventfd");
        goto out;
    }
    if (pthread_create(&c->thread, NULL, sip_thread, c) != 0) {
        rc = mdt_err_set(err, MDT_E(IO), "sip: cannot start the SIP thread");
        goto out;
    }
    c->thread_started = true;
    rc = channel_wait_ready(c);
    if (rc < 0) {
        mdt_err_set(err, rc, "[sip] %s", c->start_msg);
    }
out:
    if (rc < 0) {
        sip_channel_stop(c);
        return rc;
    }
    *out = c;
    return 0;
}

const char *sip_channel_addr(const struct sip_channel *c)
{
    return c->addr;
}

uint32_t sip_channel_calls(struct sip_channel *c)
{
    return atomic_load(&c->calls_held);
}

static int command_push(struct sip_channel *c, int kind, struct sip_cmd *cmd)
{
    if (mqueue_push(c->mq, kind, cmd) != 0) {
        if (cmd != NULL) {
            free(cmd->samples);
            free(cmd);
        }
        return MDT_E(NOMEM);
    }
    return 0;
}

int sip_call_play(struct sip_channel *c, uint32_t call, enum sip_law law, const uint8_t *samples,
                  size_t n, bool barge_in, uint32_t tag)
{
    struct sip_cmd *cmd;

    if (n == 0 || n > SIP_PLAY_SAMPLES_MAX) {
        return MDT_E(RANGE);
    }
    cmd = calloc(1, sizeof(*cmd));
    if (cmd == NULL) {
        return MDT_E(NOMEM);
    }
    cmd->samples = malloc(n);
    if (cmd->samples == NULL) {
        free(cmd);
        return MDT_E(NOMEM);
    }
    memcpy(cmd->samples, samples, n);
    cmd->n = n;
    cmd->call = call;
    cmd->law = law;
    cmd->barge_in = barge_in;
    cmd->tag = tag;
    return command_push(c, SIP_CMD_PLAY, cmd);
}

int sip_call_hangup(struct sip_channel *c, uint32_t call)
{
    struct sip_cmd *cmd = calloc(1, sizeof(*cmd));

    if (cmd == NULL) {
        return MDT_E(NOMEM);
    }
    cmd->call = call;
    return command_push(c, SIP_CMD_HANGUP, cmd);
}

void sip_channel_stop(struct sip_channel *c)
{
    if (c == NULL) {
        return;
    }
    if (c->thread_started) {
        /* The thread is running re_main only if it started well; otherwise it is ending. */
        if (c->start_rc == 0 && mqueue_push(c->mq, SIP_CMD_STOP, NULL) != 0) {
            log_error("sip: cannot ask the SIP thread to stop");
        }
        pthread_join(c->thread, NULL);
    }
    if (c->ev != NULL) {
        event_free(c->ev);
    }
    if (c->efd >= 0) {
        close(c->efd);
    }
    pthread_cond_destroy(&c->cond);
    pthread_mutex_destroy(&c->mu);
    free(c->events);
    sip_auth_release(c); /* the HA1s wiped, even if the thread never ran */
    free(c);
}
