/* SPDX-License-Identifier: Apache-2.0 */
/* Cards changed outside the SMS conversation (dialog/card_ops.c), with the real engine, store,
 * vault and card vault: the operator's issue (its emboss line, its token from the caller, a holder
 * as embossed), the activation page (the same answer for a number no card has, a wrong date and
 * a wrong code, which count on the card and lock it; the phone for receipts), block and unblock
 * with the CLI's rules, the list's pages, cards set expired by the clock (then refused loads,
 * unblock and activation), and a replacement that moves balance and aliases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dialog/card_ops.h"
#include "dialog/card_order.h"
#include "dialog/dialog.h"
#include "engine/engine.h"
#include "vault/card_vault.h"
#include "vault/vault.h"

#include "dialog_world.h"

static struct card_vault *cv;
static char emboss[128];
static int64_t start_us;

static int setup_cards(void **state)
{
    char path[128];
    struct card_order_settings cs = {.bin = "999999", .expiry_years = 1};
    int rc = setup(state);

    start_us = world_now_us;
    snprintf(path, sizeof(path), "%s/cards.keys", w.dir);
    assert_int_equal(card_vault_open(path, true, &cv, NULL), 0);
    snprintf(emboss, sizeof(emboss), "%s/emboss.txt", w.dir);
    cs.cv = cv;
    cs.emboss_file = emboss;
    dialog_card_orders_set(w.dialog, &cs);
    return rc;
}

static int teardown_cards(void **state)
{
    int rc = teardown(state);

    card_vault_close(cv);
    world_now_us = start_us;
    return rc;
}

/* A card issued by the operator's decision: its row, its number (the emboss file's last line)
 * and its activation code. */
struct issued {
    struct card_row k;
    char pan[CARD_PAN_MAX + 1];
    char code[8];
    char line[128];
};

static void issue(struct issued *c)
{
    struct card_issue_api_in in = {.holder = " aicha benali "};
    struct dialog_step *s = NULL;
    char buf[128] = "";
    FILE *f;

    assert_int_equal(dialog_card_issue_api(w.dialog, &in, fake_clock(), &s, NULL), 0);
    snprintf(c->code, sizeof(c->code), "%s", dialog_card_step_code(s));
    assert_int_equal(strlen(c->code), 6);
    assert_int_equal(run_step(s), 0);
    f = fopen(emboss, "r");
    assert_non_null(f);
    while (fgets(buf, sizeof(buf), f) != NULL) {
        snprintf(c->line, sizeof(c->line), "%s", buf);
    }
    fclose(f);
    assert_int_equal(strspn(c->line, "0123456789"), 16);
    memcpy(c->pan, c->line, 16);
    c->pan[16] = '\0';
}

/* The newest card (the list's last). */
static void newest(struct card_row *k)
{
    struct card_row rows[16];
    bool more = true;
    int n = dialog_card_list(w.dialog, NULL, rows, 16, &more);

    assert_true(n > 0);
    assert_false(more);
    *k = rows[n - 1];
}

static void reread(struct card_row *k)
{
    assert_int_equal(dialog_card_get(w.dialog, k->token, k), 0);
}

/* The page's form sent: the step's outcome. */
static enum step_outcome activate(const char *pan, unsigned month, unsigned year, const char *code,
                                  const char *phone)
{
    struct card_activate_form f = {
        .pan = pan, .exp_month = month, .exp_year = year, .code = code, .phone = phone};
    struct dialog_step *s = NULL;
    enum step_outcome o;

    assert_int_equal(dialog_card_activate_web(w.dialog, &f, LANG_FR, fake_clock(), &s, NULL), 0);
    o = dialog_step_outcome(s);
    assert_int_equal(run_step(s), 0);
    return o;
}

static void test_issue_and_activate(void **state)
{
    struct card_issue_api_in bad = {.holder = "Aïcha"};
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};
    struct issued c;
    char line[64];

    (void)state;
    issue(&c);
    newest(&c.k);
    assert_int_equal(c.k.status, CARD_STATUS_INACTIVE);
    assert_string_equal(c.k.holder, "AICHA BENALI");
    assert_string_equal(c.k.bin, "999999");
    assert_memory_equal(c.pan, "999999", 6);
    assert_string_equal(c.k.last4, c.pan + 12);
    /* The card maker's line: number, expiry and name; the code is the API's answer only. */
    snprintf(line, sizeof(line), "%s|01/27|AICHA BENALI\n", c.pan);
    assert_string_equal(c.line, line);
    /* Asked again under the same token (a retry that lost its idempotency record): no second. */
    bad.holder = "AICHA BENALI";
    bad.token = c.k.token;
    assert_int_equal(dialog_card_issue_api(w.dialog, &bad, fake_clock(), &s, &err), MDT_E(EXISTS));
    bad = (struct card_issue_api_in){.holder = "Aïcha"};
    assert_int_equal(dialog_card_issue_api(w.dialog, &bad, fake_clock(), &s, &err), MDT_E(INVAL));
    bad = (struct card_issue_api_in){.holder = "AICHA", .phone = "12"};
    assert_int_equal(dialog_card_issue_api(w.dialog, &bad, fake_clock(), &s, &err), MDT_E(INVAL));

    /* A number no card has: the answer of a wrong code, and nothing counted anywhere. */
    assert_int_equal(activate("4111111111111111", 1, 2027, c.code, ""), OUTCOME_WRONG_CODE);
    reread(&c.k);
    assert_int_equal(c.k.activation_failures, 0);
    assert_int_equal(activate(c.pan, 1, 2027, "000000", ""), OUTCOME_WRONG_CODE);
    reread(&c.k);
    assert_int_equal(c.k.activation_failures, 1);
    /* The right code with a wrong date counts too: the number alone is not the card. */
    assert_int_equal(activate(c.pan, 2, 2027, c.code, ""), OUTCOME_WRONG_CODE);
    reread(&c.k);
    assert_int_equal(c.k.activation_failures, 2);
    assert_int_equal(c.k.status, CARD_STATUS_INACTIVE);
    assert_int_equal(activate(c.pan, 1, 2027, c.code, "06 11 22 33 44"), OUTCOME_DONE);
    reread(&c.k);
    assert_int_equal(c.k.status, CARD_STATUS_ACTIVE);
    assert_int_equal(c.k.activation_failures, 0);
    assert_string_equal(c.k.phone, "+33611223344"); /* receipts go there from now */
    assert_int_equal(activate(c.pan, 1, 2027, c.code, ""), OUTCOME_WRONG_CODE);
    /* A phone that is not one is refused before anything is counted. */
    {
        struct card_activate_form f = {
            .pan = c.pan, .exp_month = 1, .exp_year = 2027, .code = "1", .phone = "12"};

        assert_int_equal(dialog_card_activate_web(w.dialog, &f, LANG_FR, fake_clock(), &s, &err),
                         MDT_E(INVAL));
    }
}

static void test_activation_locks(void **state)
{
    struct issued c;

    (void)state;
    issue(&c);
    newest(&c.k);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(activate(c.pan, 1, 2027, "111111", ""), OUTCOME_WRONG_CODE);
    }
    reread(&c.k);
    assert_int_equal(c.k.activation_failures, 5);
    /* Locked: the right code changes nothing, and the page says the same as for a wrong one. */
    assert_int_equal(activate(c.pan, 1, 2027, c.code, ""), OUTCOME_WRONG_CODE);
    reread(&c.k);
    assert_int_equal(c.k.status, CARD_STATUS_INACTIVE);
    assert_int_equal(c.k.activation_failures, 5);
}

static void status(const char *token, enum card_op op, int want)
{
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};

    assert_int_equal(dialog_card_status_api(w.dialog, token, op, fake_clock(), &s, &err), want);
    if (s != NULL) {
        assert_int_equal(run_step(s), 0);
    }
}

static void test_block_unblock_expire(void **state)
{
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};
    struct issued c;

    (void)state;
    issue(&c);
    newest(&c.k);
    status(c.k.token, CARD_OP_UNBLOCK, MDT_E(RANGE)); /* not blocked */
    status(c.k.token, CARD_OP_BLOCK, 0);
    reread(&c.k);
    assert_int_equal(c.k.status, CARD_STATUS_BLOCKED);
    assert_int_equal(
        dialog_card_status_api(w.dialog, c.k.token, CARD_OP_BLOCK, fake_clock(), &s, &err), 0);
    assert_null(s); /* blocked already: nothing to write */
    status(c.k.token, CARD_OP_UNBLOCK, 0);
    reread(&c.k);
    assert_int_equal(c.k.status, CARD_STATUS_INACTIVE); /* never activated */
    assert_int_equal(activate(c.pan, 1, 2027, c.code, ""), OUTCOME_DONE);
    status(c.k.token, CARD_OP_BLOCK, 0);
    status(c.k.token, CARD_OP_UNBLOCK, 0);
    reread(&c.k);
    assert_int_equal(c.k.status, CARD_STATUS_ACTIVE);
    status("card_nothing", CARD_OP_BLOCK, MDT_E(NOTFOUND));
    status(c.k.token, CARD_OP_BLOCK, 0);

    /* Valid through January 2027: in February the clock's work sets it expired, once. */
    world_now_us = 1801353600000000LL; /* 2027-01-31 */
    assert_int_equal(work(), MDT_E(NOTFOUND));
    world_now_us = 1801440000000000LL; /* 2027-02-01 */
    advance_s(2 * 3600);
    assert_int_equal(work(), 0);
    reread(&c.k);
    assert_int_equal(c.k.status, CARD_STATUS_EXPIRED);
    assert_int_equal(work(), MDT_E(NOTFOUND));
    status(c.k.token, CARD_OP_UNBLOCK, MDT_E(RANGE));
    status(c.k.token, CARD_OP_BLOCK, MDT_E(RANGE));
    assert_int_equal(dialog_card_load(w.dialog, 1, c.k.token, (struct id128){.hi = 1, .lo = 2},
                                      10000, fake_clock(), &s, &err),
                     MDT_E(RANGE));
    assert_non_null(strstr(err.msg, "expired"));
}

static void test_list_pages(void **state)
{
    struct card_row rows[4];
    struct issued c[3];
    bool more = false;

    (void)state;
    for (int i = 0; i < 3; i++) {
        issue(&c[i]);
    }
    assert_int_equal(dialog_card_list(w.dialog, NULL, rows, 2, &more), 2);
    assert_true(more);
    assert_string_equal(rows[0].last4, c[0].pan + 12);
    assert_int_equal(dialog_card_list(w.dialog, rows[1].token, rows, 2, &more), 1);
    assert_false(more);
    assert_string_equal(rows[0].last4, c[2].pan + 12);
    assert_int_equal(dialog_card_list(w.dialog, "card_none", rows, 2, &more), MDT_E(NOTFOUND));
}

static void then_move(struct dialog_step *s, int rc, void *ctx)
{
    assert_int_equal(rc, 0);
    *(struct dialog_step **)ctx = dialog_card_replace_move(w.dialog, s);
}

static void test_replace(void **state)
{
    struct card_alias_row alias = {.owner = A, .alias = "MAMAN", .active = true};
    struct ledger_op op = {.type = LEDGER_OP_TRANSFER};
    struct dialog_step *s = NULL, *move = NULL;
    struct mdt_err err = {0};
    struct card_row neu;
    struct issued c;

    (void)state;
    enrol(A, "CODE 483920");
    issue(&c);
    newest(&c.k);
    assert_int_equal(activate(c.pan, 1, 2027, c.code, ""), OUTCOME_DONE);
    op.transfer.id = (struct id128){.hi = 0xca4d, .lo = 7};
    op.transfer.debit_account_id = 1;
    op.transfer.credit_account_id = c.k.account_id;
    op.transfer.amount = 10000;
    op.transfer.kind = TRANSFER_CARD_LOAD;
    assert_int_equal(run(&op).reason, LEDGER_OK);
    alias.card_account = c.k.account_id;
    assert_int_equal(dialog_card_alias_loaded(w.dialog, &alias), 0);

    assert_int_equal(dialog_card_replace_api(w.dialog, c.k.token, fake_clock(), &s, &err), 0);
    /* While it is replaced, the old card takes no load. */
    assert_int_equal(dialog_card_load(w.dialog, 1, c.k.token, (struct id128){.hi = 1, .lo = 3},
                                      10000, fake_clock(), &move, &err),
                     MDT_E(BUSY));
    assert_int_equal(run_step_then(s, then_move, &move), 0);
    assert_non_null(move);
    assert_int_equal(dialog_card_step_moved(move), 10000);
    assert_string_equal(dialog_card_step_replaced(move), c.k.token);
    assert_int_equal(strlen(dialog_card_step_code(move)), 6);
    dialog_card_step_card(move, &neu);
    assert_int_equal(run_step(move), 0);
    reread(&c.k);
    assert_int_equal(c.k.status, CARD_STATUS_LOST);
    reread(&neu);
    assert_int_equal(neu.status, CARD_STATUS_INACTIVE);
    assert_string_equal(neu.holder, "AICHA BENALI");
    assert_int_equal(account(neu.account_id).credits_posted, 10000);
    assert_int_equal(account(c.k.account_id).debits_posted, 10000);
    say(A, "CARTES");
    assert_non_null(strstr(w.replies[0], neu.last4)); /* MAMAN names the new card */
    assert_int_equal(dialog_card_replace_api(w.dialog, c.k.token, fake_clock(), &s, &err),
                     MDT_E(RANGE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_issue_and_activate, setup_cards, teardown_cards),
        cmocka_unit_test_setup_teardown(test_activation_locks, setup_cards, teardown_cards),
        cmocka_unit_test_setup_teardown(test_block_unblock_expire, setup_cards, teardown_cards),
        cmocka_unit_test_setup_teardown(test_list_pages, setup_cards, teardown_cards),
        cmocka_unit_test_setup_teardown(test_replace, setup_cards, teardown_cards),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
