/* SPDX-License-Identifier: Apache-2.0 */
/* The cards' rows in the SQLite store (issue 13): sealed numbers, issued cards and aliases
 * commit with a batch and load back, a number is never stored twice, and a key rotation's
 * batches re-encrypt every row once, in bounded steps, and are safe to run again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/store.h"
#include "store_test.h"

struct fixture {
    char dir[64];
    char db[512];
    struct store *store;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct store_options so = {.create = true, .sync = STORE_DURABLE_OFF};

    strcpy(f->dir, "/tmp/mandat-cards-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    test_store_path(f->dir, "t.db", f->db, sizeof(f->db));
    so.path = f->db;
    assert_int_equal(store_open(&so, &f->store, NULL), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[160];

    store_close(f->store);
    test_store_drop(f->db);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* Write rows outside any ledger batch (no ledger changes), as one transaction. */
static int put(struct fixture *f, const struct store_extra *rows, size_t n)
{
    struct store_extras x = {.rows = rows, .count = n};
    struct ledger_changes ch = {0};
    bool changed = false;
    int rc = store_begin(f->store, &changed, NULL);

    if (rc == 0) {
        rc = store_write(f->store, &ch, &x, 1, "cards", 1, NULL);
    }
    if (rc == 0) {
        return store_commit(f->store, NULL);
    }
    store_rollback(f->store);
    return rc;
}

static struct store_extra pan_row(int i, uint32_t version)
{
    struct store_extra x = {.kind = EXTRA_CARD_PAN};
    struct card_pan_row *p = &x.u.card_pan;

    snprintf(p->token, sizeof(p->token), "card_%032d", i);
    p->sealed_len = 40;
    memset(p->sealed, 0x10 + (int)version, p->sealed_len);
    p->sealed[0] = (uint8_t)version;
    p->key_version = version;
    memset(p->pan_mac, i + 1, sizeof(p->pan_mac));
    strcpy(p->bin, "999999");
    snprintf(p->last4, sizeof(p->last4), "%04u", (unsigned)(4240 + i) % 10000u);
    p->pan_len = 16;
    return x;
}

struct seen {
    int cards, aliases, pans;
    struct card_row card;
    struct card_alias_row alias;
    uint32_t versions[8];
};

static int on_card(void *ctx, const struct card_row *r)
{
    struct seen *s = ctx;

    s->cards++;
    s->card = *r;
    return 0;
}

static int on_alias(void *ctx, const struct card_alias_row *r)
{
    struct seen *s = ctx;

    s->aliases++;
    s->alias = *r;
    return 0;
}

static int on_pan(void *ctx, const struct card_pan_row *r)
{
    struct seen *s = ctx;

    if (s->pans < 8) {
        s->versions[s->pans] = r->key_version;
    }
    s->pans++;
    return 0;
}

static struct seen load(struct fixture *f)
{
    struct store_channel_fns fns = {.card = on_card, .card_alias = on_alias, .card_pan = on_pan};
    struct seen s = {0};

    assert_int_equal(store_channel_load(f->store, &fns, &s, 0, NULL), 0);
    return s;
}

/* A card, its number and an alias load back joined; the alias goes when deleted. */
static void test_rows(void **state)
{
    struct fixture *f = *state;
    struct store_extra x[3];
    struct seen s;

    x[0] = pan_row(2, 1);
    memset(&x[1], 0, sizeof(x[1]));
    x[1].kind = EXTRA_CARD;
    x[1].u.card.account_id = 12;
    strcpy(x[1].u.card.token, x[0].u.card_pan.token);
    x[1].u.card.exp_month = 11;
    x[1].u.card.exp_year = 2029;
    x[1].u.card.status = CARD_STATUS_INACTIVE;
    strcpy(x[1].u.card.holder, "AICHA BENALI");
    strcpy(x[1].u.card.phone, "+212612345678");
    memset(x[1].u.card.activation_hash, 0x5a, 32);
    memset(&x[2], 0, sizeof(x[2]));
    x[2].kind = EXTRA_CARD_ALIAS;
    strcpy(x[2].u.card_alias.owner, "+33612345678");
    strcpy(x[2].u.card_alias.alias, "MAMAN");
    x[2].u.card_alias.card_account = 12;
    x[2].u.card_alias.active = true;
    assert_int_equal(put(f, x, 3), 0);
    s = load(f);
    assert_int_equal(s.cards, 1);
    assert_int_equal(s.card.account_id, 12);
    assert_string_equal(s.card.last4, "4242");
    assert_string_equal(s.card.bin, "999999");
    assert_int_equal(s.card.pan_len, 16);
    assert_int_equal(s.card.exp_year, 2029);
    assert_string_equal(s.card.phone, "+212612345678");
    assert_int_equal(s.card.activation_hash[31], 0x5a);
    assert_int_equal(s.aliases, 1);
    assert_string_equal(s.alias.alias, "MAMAN");
    assert_int_equal(s.alias.card_account, 12);

    /* The card blocked: an upsert; the alias removed. */
    x[1].u.card.status = CARD_STATUS_BLOCKED;
    x[2].u.card_alias.active = false;
    assert_int_equal(put(f, &x[1], 2), 0);
    s = load(f);
    assert_int_equal(s.card.status, CARD_STATUS_BLOCKED);
    assert_int_equal(s.aliases, 0);
}

static int on_order(void *ctx, const struct card_order_row *r)
{
    struct card_order_row *out = ctx;

    out[out[0].created_us == 0 ? 0 : 1] = *r;
    return 0;
}

/* A card order loads back field for field while open or paid; an issued one is not read. */
static void test_order_rows(void **state)
{
    struct fixture *f = *state;
    struct store_channel_fns fns = {.card_order = on_order};
    struct store_extra x;
    struct card_order_row *o = &x.u.card_order, got[2];

    memset(&x, 0, sizeof(x));
    x.kind = EXTRA_CARD_ORDER;
    o->id = (struct id128){7, 9};
    strcpy(o->phone, "+33612345678");
    o->wallet_account = 6;
    o->price_minor = 1900;
    strcpy(o->currency, "EUR");
    o->state = CARD_ORDER_PAID;
    o->lang = 1;
    strcpy(o->holder, "AICHA BENALI");
    strcpy(o->holder_phone, "+212612345678");
    strcpy(o->alias, "MAMAN");
    memset(o->token_hash, 0x3c, sizeof(o->token_hash));
    o->created_us = 100;
    o->expires_us = 200;
    o->updated_us = 150;
    assert_int_equal(put(f, &x, 1), 0);
    memset(got, 0, sizeof(got));
    assert_int_equal(store_channel_load(f->store, &fns, got, 0, NULL), 0);
    assert_true(id128_eq(got[0].id, o->id));
    assert_string_equal(got[0].phone, o->phone);
    assert_int_equal(got[0].wallet_account, 6);
    assert_int_equal(got[0].price_minor, 1900);
    assert_string_equal(got[0].currency, "EUR");
    assert_int_equal(got[0].state, CARD_ORDER_PAID);
    assert_int_equal(got[0].lang, 1);
    assert_string_equal(got[0].holder, "AICHA BENALI");
    assert_string_equal(got[0].holder_phone, "+212612345678");
    assert_string_equal(got[0].alias, "MAMAN");
    assert_string_equal(got[0].card_token, "");
    assert_memory_equal(got[0].token_hash, o->token_hash, sizeof(o->token_hash));
    assert_int_equal(got[0].created_us, 100);
    assert_int_equal(got[0].expires_us, 200);
    assert_int_equal(got[0].updated_us, 150);
    o->state = CARD_ORDER_ISSUED;
    strcpy(o->card_token, "card_0123");
    strcpy(o->card_last4, "4242");
    assert_int_equal(put(f, &x, 1), 0);
    memset(got, 0, sizeof(got));
    assert_int_equal(store_channel_load(f->store, &fns, got, 0, NULL), 0);
    assert_int_equal(got[0].created_us, 0);
}

/* The same number (its keyed hash) twice is refused, and nothing of the batch stays. */
static void test_pan_unique(void **state)
{
    struct fixture *f = *state;
    struct store_extra a = pan_row(1, 1), b = pan_row(1, 1);
    struct seen s;

    assert_int_equal(put(f, &a, 1), 0);
    snprintf(b.u.card_pan.token, sizeof(b.u.card_pan.token), "card_%032d", 99);
    assert_int_equal(put(f, &b, 1), MDT_E(EXISTS));
    s = load(f);
    assert_int_equal(s.pans, 1);
}

/* Issuing's check: the stored number's keyed hash is known, another one is not. */
static void test_pan_known(void **state)
{
    struct fixture *f = *state;
    struct store_extra a = pan_row(3, 1), b = pan_row(4, 1);
    bool known = true;

    assert_int_equal(store_card_pan_known(f->store, a.u.card_pan.pan_mac, &known, NULL), 0);
    assert_false(known);
    assert_int_equal(put(f, &a, 1), 0);
    assert_int_equal(store_card_pan_known(f->store, a.u.card_pan.pan_mac, &known, NULL), 0);
    assert_true(known);
    assert_int_equal(store_card_pan_known(f->store, b.u.card_pan.pan_mac, &known, NULL), 0);
    assert_false(known);
}

struct files {
    int n, pans;
    struct card_file_row last;
};

static int on_file(void *ctx, const struct card_file_row *r)
{
    struct files *s = ctx;

    s->n++;
    s->last = *r;
    return 0;
}

static int count_pan(void *ctx, const struct card_pan_row *r)
{
    struct files *s = ctx;

    (void)r;
    s->pans++;
    return 0;
}

static struct files load_files(struct fixture *f)
{
    struct store_channel_fns fns = {.card_file = on_file, .card_pan = count_pan};
    struct files s = {0};
    uint64_t violations = 0;

    assert_int_equal(store_channel_load(f->store, &fns, &s, 0, NULL), 0);
    assert_int_equal(store_check_rows(f->store, NULL, NULL, &violations, NULL), 0);
    assert_int_equal(violations, 0);
    return s;
}

static struct store_extra file_row(const char *owner, int card, bool active)
{
    struct store_extra x = {.kind = EXTRA_CARD_FILE};

    snprintf(x.u.card_file.owner, sizeof(x.u.card_file.owner), "%s", owner);
    x.u.card_file.active = active;
    x.u.card_file.pan = pan_row(card, 1).u.card_pan;
    x.u.card_file.exp_month = 9;
    x.u.card_file.exp_year = 2030;
    return x;
}

/* Cards on file: kept with their sealed number; two senders keeping the same card share one
 * sealed number; a new card replaces a sender's, and the number nobody keeps goes; a forgotten
 * card goes with its number; mandat check finds nothing wrong at each step. */
static void test_card_files(void **state)
{
    struct fixture *f = *state;
    struct store_extra a = file_row("+33600000001", 5, true), b = file_row("+33600000002", 5, true);
    struct files s;

    assert_int_equal(put(f, &a, 1), 0);
    s = load_files(f);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.pans, 1);
    assert_string_equal(s.last.owner, "+33600000001");
    assert_int_equal(s.last.exp_year, 2030);
    assert_string_equal(s.last.pan.last4, "4245");
    assert_memory_equal(s.last.pan.sealed, a.u.card_file.pan.sealed, a.u.card_file.pan.sealed_len);
    snprintf(b.u.card_file.pan.token, sizeof(b.u.card_file.pan.token), "card_%032d", 77);
    assert_int_equal(put(f, &b, 1), 0);
    s = load_files(f);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.pans, 1); /* the same number, sealed once */

    a = file_row("+33600000001", 6, true); /* a new card replaces the first */
    assert_int_equal(put(f, &a, 1), 0);
    s = load_files(f);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.pans, 2); /* the second sender still keeps the old one */
    b.u.card_file.active = false;
    assert_int_equal(put(f, &b, 1), 0);
    s = load_files(f);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.pans, 1);
    assert_string_equal(s.last.pan.last4, "4246");
    a.u.card_file.active = false;
    assert_int_equal(put(f, &a, 1), 0);
    s = load_files(f);
    assert_int_equal(s.n, 0);
    assert_int_equal(s.pans, 0);
}

/* Re-encrypt to version 2: bumps the first byte's version; counts what it did. */
static int reseal(void *ctx, const char *token, const uint8_t *sealed, size_t len,
                  uint8_t out[STORE_CARD_SEALED_MAX], size_t *out_len, uint32_t *version)
{
    int *calls = ctx;

    (void)token;
    (*calls)++;
    if (sealed[0] == 2) {
        return 0;
    }
    memcpy(out, sealed, len);
    out[0] = 2;
    *out_len = len;
    *version = 2;
    return 1;
}

/* Seven rows in batches of three: 3, 3, 1, then nothing left; again: nothing to do. */
static void test_reseal(void **state)
{
    struct fixture *f = *state;
    struct store_extra x[7];
    uint64_t done = 0, left = 0;
    int calls = 0;
    struct seen s;

    for (int i = 0; i < 7; i++) {
        x[i] = pan_row(i, 1);
    }
    assert_int_equal(put(f, x, 7), 0);
    assert_int_equal(store_card_reseal(f->store, 2, 3, reseal, &calls, &done, &left, NULL), 0);
    assert_int_equal(done, 3);
    assert_int_equal(left, 4);
    assert_int_equal(store_card_reseal(f->store, 2, 3, reseal, &calls, &done, &left, NULL), 0);
    assert_int_equal(done, 3);
    assert_int_equal(left, 1);
    assert_int_equal(store_card_reseal(f->store, 2, 3, reseal, &calls, &done, &left, NULL), 0);
    assert_int_equal(done, 1);
    assert_int_equal(left, 0);
    assert_int_equal(calls, 7);
    assert_int_equal(store_card_reseal(f->store, 2, 3, reseal, &calls, &done, &left, NULL), 0);
    assert_int_equal(done, 0);
    assert_int_equal(calls, 7);
    s = load(f);
    assert_int_equal(s.pans, 7);
    for (int i = 0; i < 7; i++) {
        assert_int_equal(s.versions[i], 2);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pan_unique, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pan_known, setup, teardown),
        cmocka_unit_test_setup_teardown(test_card_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reseal, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
