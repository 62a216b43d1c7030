/* SPDX-License-Identifier: Apache-2.0 */
/* The loop's wake-up queue (wake.h): other threads push, the loop takes the whole batch under
 * the mutex and handles it outside, so a pusher never waits for the loop's work. */
#include "channel/loop/wake.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/error.h"
#include "base/mem.h"

/* Loop thread: take every item pushed so far, then hand each to fn without the lock held (fn may
 * push again: those wait for the next wake-up). */
static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
    struct wake_queue *q = arg;
    void **items;
    size_t n;

    (void)fd;
    (void)what;
    pthread_mutex_lock(&q->mu);
    items = q->items;
    n = q->count;
    q->items = NULL;
    q->count = 0;
    q->cap = 0;
    pthread_mutex_unlock(&q->mu);
    for (size_t i = 0; i < n; i++) {
        q->fn(q->ctx, items[i]);
    }
    free(items);
}

int wake_queue_init(struct wake_queue *q, struct event_base *base, wake_item_fn fn, void *ctx)
{
    MDT_ASSERT(fn != NULL);
    memset(q, 0, sizeof(*q));
    q->fn = fn;
    q->ctx = ctx;
    pthread_mutex_init(&q->mu, NULL);
    q->ev = event_new(base, -1, EV_PERSIST, wake_cb, q);
    if (q->ev == NULL || event_add(q->ev, NULL) < 0) {
        return MDT_E(NOMEM);
    }
    return 0;
}

void wake_queue_push(struct wake_queue *q, void *item)
{
    pthread_mutex_lock(&q->mu);
    mem_grow((void **)&q->items, &q->cap, q->count + 1, sizeof(*q->items));
    q->items[q->count++] = item;
    pthread_mutex_unlock(&q->mu);
    event_active(q->ev, EV_READ, 0);
}

void wake_queue_release(struct wake_queue *q, wake_item_fn discard, void *ctx)
{
    if (q->fn == NULL) {
        return; /* zeroed, or released already */
    }
    if (q->ev != NULL) {
        event_free(q->ev);
    }
    for (size_t i = 0; discard != NULL && i < q->count; i++) {
        discard(ctx, q->items[i]);
    }
    free(q->items);
    pthread_mutex_destroy(&q->mu);
    memset(q, 0, sizeof(*q));
}
