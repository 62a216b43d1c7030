/* SPDX-License-Identifier: Apache-2.0 */
/* Campaigns: a hashtag people give to ("DON 5 TELETHON2026", "#TELETHON2026" in a post) that
 * names an association, and a public total. Donations are counted in a log (one row each, in
 * the same commit as the money), summed at load and kept in memory. */
#include <stdio.h>
#include <string.h>

#include "base/assert.h"
#include "dialog/dialog_int.h"

struct campaign *dialog_campaign_find(struct dialog *d, const char *tag)
{
    for (size_t i = 0; i < d->campaign_count; i++) {
        if (strcmp(d->campaigns[i].row.tag, tag) == 0) {
            return &d->campaigns[i];
        }
    }
    return NULL;
}

static struct campaign *campaign_put(struct dialog *d, const struct campaign_row *r)
{
    struct campaign *c = dialog_campaign_find(d, r->tag);

    if (c == NULL) {
        if (d->campaign_count >= DIALOG_CAMPAIGNS_MAX) {
            return NULL;
        }
        c = &d->campaigns[d->campaign_count++];
        memset(c, 0, sizeof(*c));
    }
    c->row = *r;
    return c;
}

int dialog_campaign_loaded(void *ctx, const struct campaign_row *r)
{
    campaign_put(ctx, r);
    return 0;
}

int dialog_campaign_total_loaded(void *ctx, const struct campaign_total *t)
{
    struct campaign *c = dialog_campaign_find(ctx, t->tag);

    if (c != NULL) {
        c->total_minor = t->total_minor;
        c->donations = t->donations;
    }
    return 0;
}

int dialog_campaign_add(struct dialog *d, const char *tag, const char *keyword, const char *name,
                        int64_t now_us, struct store_extra *row, struct mdt_err *err)
{
    const struct association_row *a = dialog_association_find(d, keyword);
    struct campaign_row r = {.created_us = now_us};
    size_t n = strlen(tag);

    if (n == 0 || n >= sizeof(r.tag)) {
        return mdt_err_set(err, MDT_E(INVAL), "tag '%.40s' must be 1 to 31 letters or digits", tag);
    }
    for (size_t i = 0; i < n; i++) {
        if (!((tag[i] >= 'A' && tag[i] <= 'Z') || (tag[i] >= '0' && tag[i] <= '9'))) {
            return mdt_err_set(err, MDT_E(INVAL),
                               "tag '%.40s' must be upper-case letters and digits", tag);
        }
    }
    if (a == NULL) {
        return mdt_err_set(err, MDT_E(NOTFOUND),
                           "no association with the keyword '%.40s': create it first", keyword);
    }
    if (dialog_association_find(d, tag) != NULL && strcmp(tag, keyword) != 0) {
        return mdt_err_set(err, MDT_E(EXISTS),
                           "'%s' is another association's keyword: choose another tag", tag);
    }
    if (dialog_campaign_find(d, tag) == NULL && d->campaign_count >= DIALOG_CAMPAIGNS_MAX) {
        return mdt_err_set(err, MDT_E(FULL), "too many campaigns (%d)", DIALOG_CAMPAIGNS_MAX);
    }
    memcpy(r.tag, tag, n + 1);
    snprintf(r.keyword, sizeof(r.keyword), "%s", a->keyword);
    r.account_id = a->account_id;
    snprintf(r.name, sizeof(r.name), "%s", name[0] != '\0' ? name : a->name);
    memset(row, 0, sizeof(*row));
    row->kind = EXTRA_CAMPAIGN;
    row->u.campaign = r;
    campaign_put(d, &r);
    return 0;
}

int dialog_campaign_get(struct dialog *d, const char *tag, struct campaign_info *out)
{
    const struct campaign *c = dialog_campaign_find(d, tag);
    const struct association_row *a;

    if (c == NULL) {
        return MDT_E(NOTFOUND);
    }
    a = dialog_association_find(d, c->row.keyword);
    memset(out, 0, sizeof(*out));
    snprintf(out->tag, sizeof(out->tag), "%s", c->row.tag);
    snprintf(out->name, sizeof(out->name), "%s", c->row.name);
    snprintf(out->association, sizeof(out->association), "%s", a != NULL ? a->name : "");
    out->currency = d->cfg.currency;
    out->total_minor = c->total_minor;
    out->donations = c->donations;
    memcpy(out->donors, c->donors, sizeof(out->donors));
    out->donor_count = c->donor_count;
    return 0;
}

/* A named donor goes first; the oldest falls off. */
static void donor_push(struct campaign *c, const char *donor)
{
    size_t n = c->donor_count < CAMPAIGN_DONORS_MAX ? c->donor_count : CAMPAIGN_DONORS_MAX - 1;

    memmove(c->donors[1], c->donors[0], n * sizeof(c->donors[0]));
    snprintf(c->donors[0], sizeof(c->donors[0]), "%s", donor);
    c->donor_count = n + 1;
}

void dialog_campaign_count(struct dialog *d, const char *tag, int64_t amount_minor,
                           const char *donor)
{
    struct campaign *c = dialog_campaign_find(d, tag);

    if (c != NULL) {
        c->total_minor += amount_minor;
        c->donations++;
        if (donor[0] != '\0') {
            donor_push(c, donor);
        }
    }
}

int dialog_campaign_donor_loaded(void *ctx, const struct campaign_donation_row *r)
{
    struct campaign *c = dialog_campaign_find(ctx, r->tag);

    /* Rows come newest first: append. */
    if (c != NULL && c->donor_count < CAMPAIGN_DONORS_MAX && r->donor[0] != '\0') {
        snprintf(c->donors[c->donor_count++], sizeof(c->donors[0]), "%s", r->donor);
    }
    return 0;
}
