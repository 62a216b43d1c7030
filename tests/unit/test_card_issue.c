/* SPDX-License-Identifier: Apache-2.0 */
/* Issuing a card (dialog/card_issue.c) and the card maker's line (card_vault_emboss_append):
 * a number in the BIN with its Luhn digit, sealed and opening to itself; the card's row and an
 * activation code that only its keyed hash remembers; the emboss line with or without that code,
 * in a file others may not read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "base/clock.h"
#include "dialog/card_input.h"
#include "dialog/card_issue.h"

struct fixture {
    char dir[32];
    char path[96];
    struct store *store;
    struct card_vault *cv;
    struct vault *v;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct store_options so = {.create = true, .sync = STORE_DURABLE_OFF};
    char db[96];

    strcpy(f->dir, "/tmp/mandat-issue-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(db, sizeof(db), "%s/t.db", f->dir);
    so.path = db;
    assert_int_equal(store_open(&so, &f->store, NULL), 0);
    snprintf(f->path, sizeof(f->path), "%s/cards.keys", f->dir);
    assert_int_equal(card_vault_open(f->path, true, &f->cv, NULL), 0);
    snprintf(f->path, sizeof(f->path), "%s/mandat.key", f->dir);
    assert_int_equal(vault_open(f->path, true, &f->v, NULL), 0);
    snprintf(f->path, sizeof(f->path), "%s/emboss.txt", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[96];

    vault_close(f->v);
    card_vault_close(f->cv);
    store_close(f->store);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void issue(struct fixture *f, struct store_extra rows[2], char code[CARD_ACTIVATION_LEN + 1])
{
    struct card_issue_in in = {.holder = "AICHA BENALI",
                               .phone = "+212612345678",
                               .expiry_years = 3,
                               .now_us = clock_now_us()};

    memset(rows, 0, 2 * sizeof(*rows));
    assert_int_equal(card_issue_rows(f->v, &in, rows, code), 0);
    assert_int_equal(card_issue_number(f->cv, f->store, "999999", &rows[0].u.card_pan), 0);
}

static void test_issue(void **state)
{
    struct fixture *f = *state;
    struct store_extra rows[2];
    const struct card_pan_row *p = &rows[0].u.card_pan;
    const struct card_row *card = &rows[1].u.card;
    char code[CARD_ACTIVATION_LEN + 1], pan[CARD_PAN_MAX + 1];
    time_t now = time(NULL);
    struct tm tm;

    issue(f, rows, code);
    assert_int_equal(rows[0].kind, EXTRA_CARD_PAN);
    assert_int_equal(rows[1].kind, EXTRA_CARD);
    assert_string_equal(p->token, card->token);
    assert_int_equal(strncmp(p->token, "card_", 5), 0);
    assert_int_equal(card->status, CARD_STATUS_INACTIVE);
    assert_string_equal(card->holder, "AICHA BENALI");
    assert_string_equal(card->phone, "+212612345678");
    gmtime_r(&now, &tm);
    assert_int_equal(card->exp_year, tm.tm_year + 1900 + 3);
    assert_int_equal(card->exp_month, tm.tm_mon + 1);
    assert_int_equal(strlen(code), CARD_ACTIVATION_LEN);
    assert_true(vault_pin_verify(f->v, card->token, code, card->activation_hash));
    assert_string_equal(p->bin, "999999");
    assert_int_equal(p->pan_len, CARD_ISSUE_PAN_LEN);
    assert_int_equal(card_vault_open_pan(f->cv, p->token, p->sealed, p->sealed_len, pan), 0);
    assert_int_equal(strlen(pan), CARD_ISSUE_PAN_LEN);
    assert_int_equal(strncmp(pan, "999999", 6), 0);
    assert_true(card_luhn_valid(pan));
    assert_string_equal(pan + CARD_ISSUE_PAN_LEN - 4, p->last4);
    assert_null(memmem(p->sealed, p->sealed_len, pan, strlen(pan)));
    vault_wipe(pan, sizeof(pan));
}

/* A BIN that leaves no room for account digits and a check digit is refused. */
static void test_bin_too_long(void **state)
{
    struct fixture *f = *state;
    struct card_pan_row p = {.token = "card_0123456789abcdef0123456789abcdef"};

    assert_int_equal(card_issue_number(f->cv, f->store, "999999999999999", &p), MDT_E(INVAL));
}

static void read_file(const char *path, char *out, size_t cap)
{
    FILE *fp = fopen(path, "r");
    size_t n;

    assert_non_null(fp);
    n = fread(out, 1, cap - 1, fp);
    out[n] = '\0';
    fclose(fp);
}

static void test_emboss(void **state)
{
    struct fixture *f = *state;
    struct store_extra rows[2];
    const struct card_pan_row *p = &rows[0].u.card_pan;
    const struct card_row *card = &rows[1].u.card;
    char code[CARD_ACTIVATION_LEN + 1], pan[CARD_PAN_MAX + 1], want[256], got[512];
    struct card_emboss e;
    struct mdt_err err = {0};
    struct stat sb;

    issue(f, rows, code);
    e = (struct card_emboss){.token = p->token,
                             .sealed = p->sealed,
                             .sealed_len = p->sealed_len,
                             .exp_month = card->exp_month,
                             .exp_year = card->exp_year,
                             .holder = card->holder};
    assert_int_equal(card_vault_emboss_append(f->cv, f->path, &e, &err), 0);
    e.activation = code;
    assert_int_equal(card_vault_emboss_append(f->cv, f->path, &e, &err), 0);
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(card_vault_open_pan(f->cv, p->token, p->sealed, p->sealed_len, pan), 0);
    snprintf(want, sizeof(want), "%s|%02u/%02u|AICHA BENALI\n%s|%02u/%02u|AICHA BENALI|%s\n", pan,
             card->exp_month, card->exp_year % 100u, pan, card->exp_month, card->exp_year % 100u,
             code);
    read_file(f->path, got, sizeof(got));
    assert_string_equal(got, want);
    /* A file others may read gets no card number, and the error names the file, not the card. */
    assert_int_equal(chmod(f->path, 0644), 0);
    assert_int_equal(card_vault_emboss_append(f->cv, f->path, &e, &err), MDT_E(INVAL));
    assert_non_null(strstr(err.msg, "emboss.txt"));
    assert_null(strstr(err.msg, pan));
    read_file(f->path, got, sizeof(got));
    assert_string_equal(got, want);
    vault_wipe(pan, sizeof(pan));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_issue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bin_too_long, setup, teardown),
        cmocka_unit_test_setup_teardown(test_emboss, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
