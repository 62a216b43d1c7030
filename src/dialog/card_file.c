/* SPDX-License-Identifier: Apache-2.0 */
/* Cards on file (issue 13): the bank card a sender keeps, from a top-up page, to reload prepaid
 * cards by SMS later. In memory by sender (read at start, applied when a step that keeps or
 * forgets one is durable), and CB OUBLIER / CARD FORGET, which forgets it. Only its seal, BIN,
 * last four digits and expiry are here: never the number in clear, never a security code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/hash.h"
#include "base/mem.h"
#include "dialog/dialog_int.h"
#include "dialog/topup.h"

static uint64_t owner_key(const char *owner)
{
    return hash_fnv1a(HASH_FNV1A_SEED, owner, strlen(owner));
}

/* owner's row, kept or forgotten, or NULL. */
static struct card_file_row *file_find(struct dialog *d, const char *owner)
{
    struct index_pos pos;

    for (uint32_t v = index_find(&d->file_owners, owner_key(owner), &pos); v != 0;
         v = index_find_next(&d->file_owners, &pos)) {
        if (strcmp(d->files[v - 1].owner, owner) == 0) {
            return &d->files[v - 1];
        }
    }
    return NULL;
}

const struct card_file_row *dialog_card_file_get(struct dialog *d, const char *owner)
{
    const struct card_file_row *r = file_find(d, owner);

    return r != NULL && r->active ? r : NULL;
}

/* A forgotten card stays in the array, inactive (the sender's next card takes its slot): no
 * index entry moves. */
void dialog_card_file_apply(struct dialog *d, const struct card_file_row *r)
{
    struct card_file_row *f = file_find(d, r->owner);

    if (f != NULL) {
        *f = *r;
        return;
    }
    if (!r->active || d->file_count >= DIALOG_CARD_FILES_MAX) {
        return;
    }
    mem_grow((void **)&d->files, &d->file_cap, d->file_count + 1, sizeof(*d->files));
    d->files[d->file_count++] = *r;
    dialog_index_put(&d->file_owners, owner_key(r->owner), (uint32_t)d->file_count);
}

int dialog_card_file_loaded(void *ctx, const struct card_file_row *r)
{
    dialog_card_file_apply(ctx, r);
    return 0;
}

void dialog_card_file_free_all(struct dialog *d)
{
    free(d->files);
}

void dialog_card_file_forget(struct dialog *d, struct dialog_step *s)
{
    const struct card_file_row *r = dialog_card_file_get(d, s->phone);

    s->action = ACT_CARD_SAY;
    if (r == NULL) {
        s->text_id = TEXT_CARD_FILE_NONE;
        return;
    }
    s->card_file = *r;
    s->card_file.active = false;
    s->card_file_changed = true;
    s->text_id = TEXT_CARD_FILE_FORGOTTEN;
}

void dialog_topup_keep_card(struct dialog_step *s, const struct card_file_row *r)
{
    s->card_file = *r;
    snprintf(s->card_file.owner, sizeof(s->card_file.owner), "%s", s->topup.phone);
    s->card_file.active = true;
    s->card_file_changed = true;
}

void dialog_card_file_row(const struct dialog_step *s, struct store_extra *rows, size_t *count,
                          size_t cap)
{
    if (!s->card_file_changed) {
        return;
    }
    MDT_ASSERT(*count < cap);
    memset(&rows[*count], 0, sizeof(rows[*count]));
    rows[*count].kind = EXTRA_CARD_FILE;
    rows[(*count)++].u.card_file = s->card_file;
}
