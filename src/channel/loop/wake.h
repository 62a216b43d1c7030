/* SPDX-License-Identifier: Apache-2.0 */
/* Handing work back to the event loop from another thread (the ledger thread, the API's reader):
 * a mutex-guarded queue of pointers and one libevent event that wakes the loop to take them all
 * at once. Used by the API's reads and the service's finished steps. */
#ifndef MDT_CHANNEL_LOOP_WAKE_H
#define MDT_CHANNEL_LOOP_WAKE_H

#include <pthread.h>
#include <stddef.h>

struct event;
struct event_base;

/* Called on the loop thread for each item handed over, in the order they were pushed. */
typedef void (*wake_item_fn)(void *ctx, void *item);

struct wake_queue {
    struct event *ev; /* persistent, activated by wake_queue_push */
    pthread_mutex_t mu;
    void **items; /* guarded by mu */
    size_t count, cap;
    wake_item_fn fn;
    void *ctx;
};

/* Set up q on base's loop: fn(ctx, item) runs there for every item pushed. The caller owns q
 * (wake_queue_release). Returns 0 or -MDT_ENOMEM. Loop thread. */
int wake_queue_init(struct wake_queue *q, struct event_base *base, wake_item_fn fn, void *ctx);

/* Hand item to the loop and wake it. Any thread. Grows the queue with mem_grow (aborts on
 * out-of-memory: the item would be lost otherwise). O(1) amortised. */
void wake_queue_push(struct wake_queue *q, void *item);

/* Free what q holds; items still queued (pushed after the loop stopped) go to discard when it is
 * not NULL. q may be zeroed or already released. No other thread may push any more. */
void wake_queue_release(struct wake_queue *q, wake_item_fn discard, void *ctx);

#endif
