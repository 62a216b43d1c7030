/* SPDX-License-Identifier: Apache-2.0 */
/* Speech off the loop (speech.h): a fixed array of job slots, a ring of the queued ones for the
 * worker and a ring of the finished ones for the loop, under one mutex; the worker wakes the
 * loop through an eventfd. A slot is the loop's when free or done, the worker's while it runs:
 * only its cancelled flag crosses over, under the mutex. */
#include "channel/sip/speech.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/log.h"

/* Results handed to the loop per wake-up, at most: a burst cannot hold the loop. */
#define DELIVER_BATCH 16

enum job_state {
    JOB_FREE = 0,
    JOB_QUEUED,  /* in the todo ring */
    JOB_RUNNING, /* the worker's */
    JOB_DONE,    /* in the done ring, or being delivered */
};

struct job {
    enum job_state state;
    bool cancelled;
    uint64_t id;
    enum lang lang;
    enum g711_codec codec;
    unsigned gap_ms;
    size_t cap;
    size_t n;
    size_t off[SPEECH_PIECES_MAX]; /* each piece's start in text */
    char text[SPEECH_TEXT_MAX];
    int64_t queued_at_us, taken_at_us, spoken_at_us;
    int rc;
    struct mdt_err err;
    uint8_t *audio; /* the worker's malloc (cap bytes), freed once delivered */
    size_t len;
    const uint8_t *buf; /* speech_get: the cache's buffer */
};

struct speech {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t work;  /* the worker waits for a job, a get or the stop */
    pthread_cond_t ready; /* the loop waits for the start or a get */
    bool stop;
    bool started; /* the worker made (or failed to make) its prompts */
    int start_rc;
    struct mdt_err start_err;
    struct prompts_config cfg;
    struct prompts *prompts; /* the worker's alone */
    struct job *jobs;        /* cap slots */
    size_t cap;
    size_t *todo, todo_head, todo_n; /* ring of slot indices, cap */
    size_t *done, done_head, done_n;
    struct job get; /* speech_get's: one at a time, the loop waits */
    bool get_pending, get_done;
    uint64_t next_id;
    int efd;
    struct event *ev;
    speech_done_fn done_fn;
    void *ctx;
    struct speech_stats stats;
};

/* Worker: a read-back's pieces joined into a buffer of its own. */
static void job_run(struct speech *s, struct job *j)
{
    const char *pieces[SPEECH_PIECES_MAX];

    for (size_t i = 0; i < j->n; i++) {
        pieces[i] = j->text + j->off[i];
    }
    j->audio = malloc(j->cap);
    if (j->audio == NULL) {
        j->rc = mdt_err_set(&j->err, MDT_E(NOMEM), "no memory for a read-back");
        return;
    }
    j->rc = prompts_join(s->prompts, j->lang, pieces, j->n, j->gap_ms, j->codec, j->audio, j->cap,
                         &j->len, &j->err);
    if (j->rc < 0) {
        free(j->audio);
        j->audio = NULL;
        j->len = 0;
    }
}

/* Worker, mutex held: the next queued slot that is still wanted (cancelled ones are freed
 * here), or NULL. */
static struct job *job_take(struct speech *s)
{
    while (s->todo_n > 0) {
        struct job *j = &s->jobs[s->todo[s->todo_head]];

        s->todo_head = (s->todo_head + 1) % s->cap;
        s->todo_n--;
        if (!j->cancelled) {
            j->state = JOB_RUNNING;
            return j;
        }
        explicit_bzero(j->text, sizeof(j->text));
        j->state = JOB_FREE;
    }
    return NULL;
}

/* Worker, mutex held: j is done; the loop is woken when the done ring was empty. */
static void job_finish(struct speech *s, struct job *j)
{
    static const uint64_t one = 1;

    j->state = JOB_DONE;
    s->done[(s->done_head + s->done_n) % s->cap] = (size_t)(j - s->jobs);
    s->done_n++;
    if (s->done_n == 1 && write(s->efd, &one, sizeof(one)) < 0 && errno != EAGAIN) {
        log_error("speech: cannot wake the loop: %s", strerror(errno));
    }
}

static void *worker(void *arg)
{
    struct speech *s = arg;
    struct mdt_err err = {0};
    int rc = prompts_new(&s->cfg, &s->prompts, &err);

    pthread_mutex_lock(&s->mu);
    s->start_rc = rc;
    s->start_err = err;
    s->started = true;
    pthread_cond_broadcast(&s->ready);
    while (rc == 0 && !s->stop) {
        struct job *j = NULL;

        if (s->get_pending) {
            j = &s->get;
            pthread_mutex_unlock(&s->mu);
            j->rc = prompts_get(s->prompts, j->lang, j->text, j->codec, &j->buf, &j->len, &j->err);
            pthread_mutex_lock(&s->mu);
            s->get_pending = false;
            s->get_done = true;
            pthread_cond_broadcast(&s->ready);
            continue;
        }
        j = job_take(s);
        if (j == NULL) {
            pthread_cond_wait(&s->work, &s->mu);
            continue;
        }
        j->taken_at_us = clock_mono_us();
        pthread_mutex_unlock(&s->mu);
        job_run(s, j);
        j->spoken_at_us = clock_mono_us();
        pthread_mutex_lock(&s->mu);
        job_finish(s, j);
    }
    pthread_mutex_unlock(&s->mu);
    prompts_free(s->prompts); /* on the thread that made it; NULL when it failed */
    return NULL;
}

/* Loop: the finished read-backs, a batch at a time (the eventfd is written again for more). */
static void on_done(evutil_socket_t fd, short what, void *arg)
{
    struct speech *s = arg;
    size_t batch[DELIVER_BATCH], n = 0;
    uint64_t v = 0;

    (void)what;
    if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN) {
        log_error("speech: eventfd: %s", strerror(errno));
    }
    pthread_mutex_lock(&s->mu);
    while (n < DELIVER_BATCH && s->done_n > 0) {
        batch[n++] = s->done[s->done_head];
        s->done_head = (s->done_head + 1) % s->cap;
        s->done_n--;
    }
    if (s->done_n > 0) {
        v = 1;
        if (write(s->efd, &v, sizeof(v)) < 0 && errno != EAGAIN) {
            log_error("speech: eventfd: %s", strerror(errno));
        }
    }
    pthread_mutex_unlock(&s->mu);
    for (size_t i = 0; i < n; i++) {
        struct job *j = &s->jobs[batch[i]];
        struct speech_done d = {
            .id = j->id,
            .rc = j->rc,
            .err = j->err,
            .audio = j->audio,
            .len = j->len,
            .queued_us = j->taken_at_us - j->queued_at_us,
            .spoken_us = j->spoken_at_us - j->taken_at_us,
        };

        /* A done slot is the loop's: cancelled is only written on this thread now. */
        if (!j->cancelled) {
            s->stats.said++;
            s->done_fn(s->ctx, &d);
        }
        free(j->audio);
        j->audio = NULL;
        explicit_bzero(j->text, sizeof(j->text));
        pthread_mutex_lock(&s->mu);
        j->state = JOB_FREE;
        pthread_mutex_unlock(&s->mu);
    }
}

/* Everything but the thread (stopped or never started). */
static void speech_release(struct speech *s)
{
    if (s->ev != NULL) {
        event_free(s->ev);
    }
    if (s->efd >= 0) {
        close(s->efd);
    }
    for (size_t i = 0; s->jobs != NULL && i < s->cap; i++) {
        free(s->jobs[i].audio);
        explicit_bzero(s->jobs[i].text, sizeof(s->jobs[i].text));
    }
    pthread_cond_destroy(&s->work);
    pthread_cond_destroy(&s->ready);
    pthread_mutex_destroy(&s->mu);
    free(s->jobs);
    free(s->todo);
    free(s->done);
    free(s);
}

int speech_start(struct event_base *base, const struct prompts_config *cfg, size_t queue_max,
                 speech_done_fn done, void *ctx, struct speech **out, struct mdt_err *err)
{
    struct speech *s;
    int rc;

    if (base == NULL || queue_max == 0 || done == NULL || out == NULL) {
        return mdt_err_set(err, MDT_E(INVAL), "speech: no loop, queue or callback");
    }
    *out = NULL;
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "speech: out of memory");
    }
    s->efd = -1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->work, NULL);
    pthread_cond_init(&s->ready, NULL);
    s->cfg = cfg != NULL ? *cfg : (struct prompts_config){0};
    s->cap = queue_max;
    s->done_fn = done;
    s->ctx = ctx;
    s->jobs = calloc(queue_max, sizeof(*s->jobs));
    s->todo = calloc(queue_max, sizeof(*s->todo));
    s->done = calloc(queue_max, sizeof(*s->done));
    if (s->jobs == NULL || s->todo == NULL || s->done == NULL) {
        speech_release(s);
        return mdt_err_set(err, MDT_E(NOMEM), "speech: out of memory");
    }
    s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    s->ev = s->efd >= 0 ? event_new(base, s->efd, EV_READ | EV_PERSIST, on_done, s) : NULL;
    if (s->ev == NULL || event_add(s->ev, NULL) < 0) {
        speech_release(s);
        return mdt_err_set(err, MDT_E(IO), "speech: cannot watch an eventfd");
    }
    if (pthread_create(&s->thread, NULL, worker, s) != 0) {
        speech_release(s);
        return mdt_err_set(err, MDT_E(IO), "speech: cannot start its thread");
    }
    pthread_mutex_lock(&s->mu);
    while (!s->started) {
        pthread_cond_wait(&s->ready, &s->mu);
    }
    rc = s->start_rc;
    pthread_mutex_unlock(&s->mu);
    if (rc < 0) {
        pthread_join(s->thread, NULL);
        mdt_err_set(err, rc, "%s", s->start_err.msg);
        speech_release(s);
        return rc;
    }
    *out = s;
    return 0;
}

void speech_free(struct speech *s)
{
    if (s == NULL) {
        return;
    }
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_signal(&s->work);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    speech_release(s);
}

int speech_get(struct speech *s, enum lang lang, const char *text, enum g711_codec codec,
               const uint8_t **buf, size_t *len, struct mdt_err *err)
{
    int rc;

    if (s == NULL || text == NULL || buf == NULL || len == NULL) {
        return mdt_err_set(err, MDT_E(INVAL), "speech: no text or output");
    }
    if (strnlen(text, SPEECH_TEXT_MAX) >= SPEECH_TEXT_MAX) {
        return mdt_err_set(err, MDT_E(RANGE), "speech: text longer than %d bytes",
                           SPEECH_TEXT_MAX - 1);
    }
    pthread_mutex_lock(&s->mu);
    MDT_ASSERT(!s->get_pending && !s->get_done);
    s->get = (struct job){.lang = lang, .codec = codec};
    memcpy(s->get.text, text, strlen(text) + 1);
    s->get_pending = true;
    pthread_cond_signal(&s->work);
    while (!s->get_done) {
        pthread_cond_wait(&s->ready, &s->mu);
    }
    s->get_done = false;
    rc = s->get.rc;
    *buf = s->get.buf;
    *len = s->get.len;
    if (rc < 0) {
        mdt_err_set(err, rc, "%s", s->get.err.msg);
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* The texts into j (each with its NUL); false when they do not fit. */
static bool job_texts(struct job *j, const char *const *pieces, size_t n)
{
    size_t at = 0;

    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(pieces[i]) + 1;

        if (l > sizeof(j->text) - at) {
            return false;
        }
        memcpy(j->text + at, pieces[i], l);
        j->off[i] = at;
        at += l;
    }
    j->n = n;
    return true;
}

int speech_say(struct speech *s, enum lang lang, const char *const *pieces, size_t n,
               unsigned gap_ms, enum g711_codec codec, size_t cap, uint64_t *id)
{
    struct job *j = NULL;

    if (s == NULL || pieces == NULL || n == 0 || n > SPEECH_PIECES_MAX || cap == 0 || id == NULL) {
        return MDT_E(INVAL);
    }
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->cap && j == NULL; i++) {
        j = s->jobs[i].state == JOB_FREE ? &s->jobs[i] : NULL;
    }
    if (j == NULL) {
        s->stats.refused++;
        pthread_mutex_unlock(&s->mu);
        return MDT_E(FULL);
    }
    *j = (struct job){.lang = lang, .codec = codec, .gap_ms = gap_ms, .cap = cap};
    if (!job_texts(j, pieces, n)) {
        explicit_bzero(j->text, sizeof(j->text));
        pthread_mutex_unlock(&s->mu);
        return MDT_E(RANGE);
    }
    j->id = ++s->next_id;
    j->queued_at_us = clock_mono_us();
    j->state = JOB_QUEUED;
    s->todo[(s->todo_head + s->todo_n) % s->cap] = (size_t)(j - s->jobs);
    s->todo_n++;
    *id = j->id;
    pthread_cond_signal(&s->work);
    pthread_mutex_unlock(&s->mu);
    return 0;
}

void speech_cancel(struct speech *s, uint64_t id)
{
    if (s == NULL || id == 0) {
        return;
    }
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->cap; i++) {
        struct job *j = &s->jobs[i];

        if (j->state != JOB_FREE && j->id == id && !j->cancelled) {
            j->cancelled = true;
            s->stats.cancelled++;
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
}

void speech_stats_get(struct speech *s, struct speech_stats *st)
{
    pthread_mutex_lock(&s->mu);
    *st = s->stats;
    st->queued = 0;
    for (size_t i = 0; i < s->cap; i++) {
        st->queued += s->jobs[i].state != JOB_FREE ? 1 : 0;
    }
    pthread_mutex_unlock(&s->mu);
}
