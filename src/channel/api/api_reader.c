/* SPDX-License-Identifier: Apache-2.0 */
/* The API's reader thread: reads of the store's log (statements, the journal) run here, on the
 * API's own read-only connection, so that a long read never parks the event loop. Each read
 * goes back to the loop through the API's wake-up queue, like the ledger view's reads. */
#include <pthread.h>
#include <stdlib.h>

#include "base/assert.h"
#include "base/error.h"
#include "base/log.h"
#include "channel/api/api_int.h"

/* Store reads waiting for the reader thread. Each is a client waiting for an answer; a page of
 * a statement takes milliseconds, so 64 is seconds of backlog at worst. Past it, 503 (STYLE:
 * push back rather than grow). */
#define API_READER_QUEUE_MAX 64u

struct api_reader {
    struct store *store; /* borrowed; used by this thread only */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct api_read *head, *tail; /* FIFO through r->next; guarded by mu */
    uint32_t count;
    bool stopping;
};

/* Take the oldest read, or NULL once stopping. */
static struct api_read *reader_take(struct api_reader *rd)
{
    struct api_read *r = NULL;

    pthread_mutex_lock(&rd->mu);
    while (!rd->stopping && rd->head == NULL) {
        pthread_cond_wait(&rd->cv, &rd->mu);
    }
    if (!rd->stopping) {
        r = rd->head;
        rd->head = r->next;
        rd->tail = rd->head != NULL ? rd->tail : NULL;
        rd->count--;
        r->next = NULL;
    }
    pthread_mutex_unlock(&rd->mu);
    return r;
}

static void *reader_main(void *arg)
{
    struct api_reader *rd = arg;
    struct api_read *r;

    for (r = reader_take(rd); r != NULL; r = reader_take(rd)) {
        r->rc = r->store_read(r, rd->store);
        api_read_finished(r);
    }
    return NULL;
}

int api_reader_start(struct store *s, struct api_reader **out, struct mdt_err *err)
{
    struct api_reader *rd = calloc(1, sizeof(*rd));

    *out = NULL;
    if (rd == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "out of memory creating the API's reader");
    }
    rd->store = s;
    pthread_mutex_init(&rd->mu, NULL);
    pthread_cond_init(&rd->cv, NULL);
    if (pthread_create(&rd->thread, NULL, reader_main, rd) != 0) {
        pthread_cond_destroy(&rd->cv);
        pthread_mutex_destroy(&rd->mu);
        free(rd);
        return mdt_err_set(err, MDT_E(NOMEM), "cannot start the API's reader thread");
    }
    *out = rd;
    return 0;
}

int api_reader_submit(struct api_reader *rd, struct api_read *r)
{
    int rc = 0;

    MDT_ASSERT(r->store_read != NULL);
    if (rd == NULL) {
        return MDT_E(INVAL);
    }
    pthread_mutex_lock(&rd->mu);
    if (rd->stopping || rd->count >= API_READER_QUEUE_MAX) {
        rc = MDT_E(FULL);
    } else {
        r->next = NULL;
        if (rd->tail != NULL) {
            rd->tail->next = r;
        } else {
            rd->head = r;
        }
        rd->tail = r;
        rd->count++;
        pthread_cond_signal(&rd->cv);
    }
    pthread_mutex_unlock(&rd->mu);
    return rc;
}

void api_reader_stop(struct api_reader *rd)
{
    struct api_read *r;

    if (rd == NULL) {
        return;
    }
    pthread_mutex_lock(&rd->mu);
    rd->stopping = true;
    pthread_cond_signal(&rd->cv);
    pthread_mutex_unlock(&rd->mu);
    pthread_join(rd->thread, NULL);
    for (r = rd->head; r != NULL; r = rd->head) { /* never started: nobody to answer */
        rd->head = r->next;
        api_read_discard(r);
    }
    pthread_cond_destroy(&rd->cv);
    pthread_mutex_destroy(&rd->mu);
    free(rd);
}
