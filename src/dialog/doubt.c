/* SPDX-License-Identifier: Apache-2.0 */
/* Redeliveries without the peer's id (DESIGN.md, Durability): an SMPP message without the
 * SMSC's id is taken for a redelivery only if the same link left the same message in doubt (its
 * deliver_sm_resp written, not known read, when the link dropped or mandatd died). Everything
 * else is new and gets its answer: a person may send the same text twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/id128.h"
#include "base/limits.h"
#include "base/log.h"
#include "dialog/dialog_int.h"
#include "vault/vault.h"

/* The content key of an SMPP message: keyed (vault_mac), because the text may be a code and an
 * unkeyed hash of six digits is reversed by trying them all. */
static struct id128 content_key(struct dialog *d, const struct dialog_message *m)
{
    static unsigned char buf[STORE_TEXT_MAX + 256];
    size_t len = m->len < STORE_TEXT_MAX ? m->len : STORE_TEXT_MAX;
    uint8_t mac[32];
    struct id128 key;
    int n = snprintf((char *)buf, sizeof(buf), "doubt|%.31s|%s|%s|", m->link, m->source, m->dest);

    MDT_ASSERT(n >= 0 && (size_t)n + len <= sizeof(buf));
    memcpy(buf + n, m->text, len);
    n += (int)len;
    vault_mac(d->vault, buf, (size_t)n, mac);
    vault_wipe(buf, (size_t)n);
    vault_wipe(mac + 16, 16);
    memcpy(&key.hi, mac, 8);
    memcpy(&key.lo, mac + 8, 8);
    vault_wipe(mac, 16);
    return id128_is_zero(key) ? (struct id128){.hi = 1, .lo = 1} : key;
}

static struct doubt_entry *list_at(const struct doubt_list *l, size_t i)
{
    MDT_ASSERT(i < l->count);
    return &l->e[l->head + i];
}

/* Kept in arrival order: confirmations come in that order, so searches end at once and the
 * first entry goes in O(1); another one costs a move of those after it (short lists). */
static void list_remove(struct doubt_list *l, size_t i)
{
    MDT_ASSERT(i < l->count);
    if (i == 0) {
        l->head++;
    } else {
        memmove(list_at(l, i), list_at(l, i) + 1, (l->count - i - 1) * sizeof(l->e[0]));
    }
    l->count--;
    if (l->count == 0) {
        l->head = 0;
    }
}

static void list_add(struct doubt_list *l, struct id128 id, struct id128 key, int64_t at_us,
                     const char *what)
{
    static bool said; /* once per process: a flood of lines would slow everything */

    /* Twice the bound, so that a full list (which drops its first entry at each add) still
     * compacts only once per DIALOG_DOUBT_MAX adds. */
    if (l->e == NULL) {
        l->e = calloc(2 * DIALOG_DOUBT_MAX, sizeof(*l->e));
        MDT_ASSERT(l->e != NULL);
    }
    if (l->count >= DIALOG_DOUBT_MAX) {
        if (!said) {
            log_warn("dialog: more than %u %s messages: the oldest are forgotten (a redelivery "
                     "of one would be answered as new)",
                     DIALOG_DOUBT_MAX, what);
            said = true;
        }
        list_remove(l, 0);
    }
    if (l->head + l->count >= 2 * DIALOG_DOUBT_MAX) { /* once per DIALOG_DOUBT_MAX adds */
        memmove(l->e, &l->e[l->head], l->count * sizeof(l->e[0]));
        l->head = 0;
    }
    l->e[l->head + l->count++] = (struct doubt_entry){.id = id, .key = key, .at_us = at_us};
}

static size_t list_find_id(const struct doubt_list *l, struct id128 id)
{
    for (size_t i = 0; i < l->count; i++) {
        if (id128_eq(list_at(l, i)->id, id)) {
            return i;
        }
    }
    return SIZE_MAX;
}

void dialog_doubt_track(struct dialog *d, struct id128 id, struct id128 key, int64_t at_us)
{
    list_add(&d->unconfirmed, id, key, at_us, "unconfirmed");
}

/* An id is never a candidate twice: it becomes one when it leaves the unconfirmed list (or is
 * loaded, once, at start), and leaves the candidates before it is tracked again. So no search
 * here, which would make a start with many rows in doubt quadratic. */
void dialog_doubt_candidate(struct dialog *d, struct id128 id, struct id128 key, int64_t at_us)
{
    list_add(&d->candidates, id, key, at_us, "in-doubt");
}

/* The oldest live candidate with this key, past ones dropped on the way: the window counts from
 * the first receipt (docs/mandat.conf, dedup_window). */
static size_t candidate_find(struct dialog *d, struct id128 key, int64_t now_us)
{
    struct doubt_list *l = &d->candidates;
    int64_t window_us = (int64_t)d->cfg.dedup_window_s * 1000000;
    size_t i = 0;

    while (i < l->count) {
        if (now_us - list_at(l, i)->at_us > window_us) {
            list_remove(l, i);
        } else if (id128_eq(list_at(l, i)->key, key)) {
            return i;
        } else {
            i++;
        }
    }
    return SIZE_MAX;
}

bool dialog_doubt_identify(struct dialog *d, const struct dialog_message *m, int64_t now_us,
                           struct id128 *id, struct id128 *key)
{
    size_t i;

    *key = (struct id128){0, 0};
    if (m->peer_id[0] != '\0' || m->link == NULL) {
        *id = dialog_message_id(d, m, now_us);
        return false;
    }
    *key = content_key(d, m);
    i = candidate_find(d, *key, now_us);
    if (i == SIZE_MAX) {
        *id = dialog_message_id(d, m, now_us);
        return false;
    }
    /* One redelivery consumes one candidate; its own acknowledgement is in doubt again. */
    *id = list_at(&d->candidates, i)->id;
    dialog_doubt_track(d, *id, *key, list_at(&d->candidates, i)->at_us);
    list_remove(&d->candidates, i);
    return true;
}

struct id128 dialog_received_id(const struct dialog *d)
{
    return d->received_id;
}

size_t dialog_acks_read(struct dialog *d, const struct id128 *ids, size_t n,
                        struct store_extra *rows)
{
    size_t out = 0;

    for (size_t k = 0; k < n; k++) {
        size_t i = list_find_id(&d->unconfirmed, ids[k]);

        if (i == SIZE_MAX) {
            continue;
        }
        list_remove(&d->unconfirmed, i);
        memset(&rows[out], 0, sizeof(rows[out]));
        rows[out].kind = EXTRA_INBOX_CONFIRMED;
        rows[out].u.inbox.id = ids[k];
        out++;
    }
    return out;
}

void dialog_acks_in_doubt(struct dialog *d, const struct id128 *ids, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        size_t i = list_find_id(&d->unconfirmed, ids[k]);

        if (i != SIZE_MAX) {
            struct doubt_entry e = *list_at(&d->unconfirmed, i);

            list_remove(&d->unconfirmed, i);
            dialog_doubt_candidate(d, e.id, e.key, e.at_us);
        }
    }
}

void dialog_doubt_forget(struct dialog *d, struct id128 id)
{
    size_t i = list_find_id(&d->unconfirmed, id);

    if (i != SIZE_MAX) {
        list_remove(&d->unconfirmed, i);
    }
}

void dialog_doubt_free(struct dialog *d)
{
    free(d->unconfirmed.e);
    free(d->candidates.e);
    d->unconfirmed = (struct doubt_list){0};
    d->candidates = (struct doubt_list){0};
}
