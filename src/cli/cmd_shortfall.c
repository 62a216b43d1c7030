/* SPDX-License-Identifier: Apache-2.0 */
/* The ISO 8583 host's forced posts that took less than the network paid (issue 15): a
 * completion advice of an authorization the host did not hold is posted by a balancing debit,
 * which never takes a card below zero, so the rest is the operator's to recover. Listed by
 * `mandat card shortfalls`, and as warnings by `mandat check`. Read from the requests' rows. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "cli/cli.h"
#include "dialog/iso_host.h"

/* One forced post short: its request, its card and the amounts (the card's currency). */
struct shortfall {
    struct iso_request_row req;
    struct card_row card; /* token "" when the card is not found */
};

struct shortfalls {
    struct shortfall *items;
    size_t count, cap;
};

/*
 * A completion (x220, x221) answered 00 that posted less than its amount is a partial
 * completion (its hold_id a pending transfer: the rest released, nothing owed) or a forced post
 * (hold_id the balancing debit, or zero when nothing could be debited). The hold tells them
 * apart: shortfall_forced.
 */
static int shortfall_row(void *ctx, const struct iso_request_row *r)
{
    struct shortfalls *f = ctx;

    if (r->mti[1] != '2' || r->mti[2] != '2' || strcmp(r->code, ISO_RC_APPROVED) != 0 ||
        r->posted_minor >= r->amount_minor || r->amount_minor <= 0) {
        return 0;
    }
    mem_grow((void **)&f->items, &f->cap, f->count + 1, sizeof(*f->items));
    memset(&f->items[f->count], 0, sizeof(f->items[f->count]));
    f->items[f->count++].req = *r;
    return 0;
}

static int shortfall_card(void *ctx, const struct card_row *r)
{
    struct shortfalls *f = ctx;

    for (size_t i = 0; i < f->count; i++) {
        if (f->items[i].req.card_account == r->account_id) {
            f->items[i].card = *r;
        }
    }
    return 0;
}

/* Whether the completion r was a forced post: no hold, or a hold that is not a pending
 * transfer (the balancing debit itself). */
static int shortfall_forced(struct store *s, const struct iso_request_row *r, bool *forced,
                            struct mdt_err *err)
{
    struct transfer t;
    int rc;

    *forced = true;
    if (id128_is_zero(r->hold_id)) {
        return 0;
    }
    rc = store_transfer_get(s, r->hold_id, &t, err);
    if (rc == MDT_E(NOTFOUND)) {
        *forced = false; /* not a posting of this host's: mandat check's other rules say so */
        return 0;
    }
    if (rc < 0) {
        return rc;
    }
    *forced = !(t.flags & TRANSFER_PENDING);
    return 0;
}

/* The forced posts short in s, oldest first as the store gives them, with their cards:
 * f->items (free them). 0, or a negative code with err. O(requests), and one transfer read per
 * completion that posted less than its amount. */
static int shortfalls_find(struct store *s, struct shortfalls *f, struct mdt_err *err)
{
    struct store_channel_fns rows = {.iso_request = shortfall_row};
    struct store_channel_fns cards = {.card = shortfall_card};
    size_t kept = 0;
    int rc = store_channel_load(s, &rows, f, 0, err);

    for (size_t i = 0; rc == 0 && i < f->count; i++) {
        bool forced = false;

        rc = shortfall_forced(s, &f->items[i].req, &forced, err);
        if (rc == 0 && forced) {
            f->items[kept++] = f->items[i];
        }
    }
    if (rc == 0) {
        f->count = kept;
    }
    if (rc == 0 && f->count > 0) {
        rc = store_channel_load(s, &cards, f, 0, err);
    }
    return rc;
}

/* "****0014 card_0f3a..." or "account 9" when the card is not found. */
static const char *shortfall_card_name(const struct shortfall *x, char *buf, size_t cap)
{
    if (x->card.token[0] == '\0') {
        snprintf(buf, cap, "account %" PRIu64, x->req.card_account);
    } else {
        snprintf(buf, cap, "%s ****%s", x->card.token, x->card.last4);
    }
    return buf;
}

int cli_shortfalls_warn(struct cli *c, struct store *s, uint64_t *count, struct mdt_err *err)
{
    const char *cur = c->cfg.ledger.default_currency;
    struct shortfalls f = {0};
    int rc = shortfalls_find(s, &f, err);

    for (size_t i = 0; rc == 0 && i < f.count; i++) {
        const struct shortfall *x = &f.items[i];
        char card[STORE_CARD_TOKEN_MAX + 16], asked[MONEY_FORMAT_MAX], posted[MONEY_FORMAT_MAX],
            miss[MONEY_FORMAT_MAX];

        printf("warning: forced post of completion %s (original %s) on card %s: %s %.3s short "
               "(%s asked by the network, %s posted)\n",
               x->req.key, x->req.orig, shortfall_card_name(x, card, sizeof(card)),
               cli_money_plain(x->req.amount_minor - x->req.posted_minor, cur, miss), cur,
               cli_money_plain(x->req.amount_minor, cur, asked),
               cli_money_plain(x->req.posted_minor, cur, posted));
    }
    *count = rc == 0 ? f.count : 0;
    free(f.items);
    return rc;
}

int cmd_card_shortfalls(struct cli *c)
{
    const char *cur = c->cfg.ledger.default_currency;
    struct shortfalls f = {0};
    struct mdt_err err = {0};
    struct store *s = NULL;
    int rc = cli_store_open(c, CLI_STORE_READ, &s);

    if (rc != 0) {
        return rc;
    }
    if (shortfalls_find(s, &f, &err) < 0) {
        cli_error("cannot read the ISO 8583 host's requests: %s", err.msg);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    printf("%-19s  %-52s %10s %10s %10s  %s\n", "time (UTC)", "card", "asked", "posted", "short",
           "request (original)");
    for (size_t i = 0; i < f.count; i++) {
        const struct shortfall *x = &f.items[i];
        char when[CLI_TIME_MAX], card[STORE_CARD_TOKEN_MAX + 16], asked[MONEY_FORMAT_MAX],
            posted[MONEY_FORMAT_MAX], miss[MONEY_FORMAT_MAX];

        printf("%-19s  %-52s %10s %10s %10s  %s (%s)\n", cli_time(x->req.created_us, when),
               shortfall_card_name(x, card, sizeof(card)),
               cli_money_plain(x->req.amount_minor, cur, asked),
               cli_money_plain(x->req.posted_minor, cur, posted),
               cli_money_plain(x->req.amount_minor - x->req.posted_minor, cur, miss), x->req.key,
               x->req.orig);
    }
out:
    free(f.items);
    store_close(s);
    return rc;
}
