/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the dialog's top-ups by bank card (dialog/topup.h), in the dialog's world (a
 * real engine and store): the link sent for TOPUP 50, the wallet's limit checked before the
 * card is charged, each answer of the acquirer recorded and followed (capture, credit with the
 * fee leg, decline, unknown then settled), a second answer or a second click changing nothing,
 * and a restart between the capture's approval and the credit crediting once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dialog/topup.h"
#include "dialog_world.h"

#define EUR(x) ((int64_t)(x)*100)

/* Top-ups on, with a fee of 1.2 % + 0.10 EUR to the fees account. */
static void topups_on(void)
{
    struct fee_schedule *f = &w.cfg.fee_schedules[w.cfg.fee_schedule_count++];

    close_world();
    w.topup_link_s = 900;
    memset(f, 0, sizeof(*f));
    snprintf(f->name, sizeof(f->name), "card_acquiring");
    f->type = FEE_PERCENT;
    f->payer = FEE_PAYER;
    snprintf(f->currency, sizeof(f->currency), "EUR");
    f->percent_bp = 120;
    f->fixed = 10;
    w.topup_fee_schedule = (uint16_t)w.cfg.fee_schedule_count;
    open_world(false);
}

/* TOPUP amount from A: the page's token hash, from the link in the reply. */
static const struct card_topup_row *ask(const char *text, uint8_t hash[32])
{
    say(A, text);
    const char *at = strstr(w.replies[0], "/t/");
    if (at == NULL) {
        fail_msg("no link in '%s'", w.replies[0]);
    }
    char token[33];
    snprintf(token, sizeof(token), "%.32s", at + 3);
    assert_int_equal(vault_token_check(w.vault, token, hash), 0);
    /* The outbox keeps no token. */
    assert_null(strstr(w.stored[0], token));
    return dialog_topup_by_token(w.dialog, hash, fake_clock());
}

static int pay(const uint8_t hash[32])
{
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};
    int rc = dialog_topup_pay_web(w.dialog, hash, "1111", fake_clock(), &s, &err);

    return rc < 0 ? rc : run_step(s);
}

static int answer(struct id128 id, uint16_t op, uint16_t outcome, const char *code, const char *ref)
{
    struct topup_answer a = {.op = op, .outcome = outcome};
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};

    snprintf(a.code, sizeof(a.code), "%s", code);
    snprintf(a.ref, sizeof(a.ref), "%s", ref);
    w.nreplies = 0;
    int rc = dialog_topup_answer(w.dialog, id, &a, fake_clock(), &s, &err);
    return rc < 0 ? rc : run_step(s);
}

/* The capture's answer with the page's card kept on file (its box ticked): a fake seal. */
static int answer_keep(struct id128 id, uint16_t outcome, const char *code, const char *last4)
{
    struct topup_answer a = {.op = TOPUP_OP_CAPTURE, .outcome = outcome};
    struct card_file_row f = {.exp_month = 9, .exp_year = 2031};
    struct dialog_step *s = NULL;
    struct mdt_err err = {0};

    snprintf(a.code, sizeof(a.code), "%s", code);
    snprintf(a.ref, sizeof(a.ref), "%s", "T0000000009");
    snprintf(f.pan.token, sizeof(f.pan.token), "card_%s%028d", last4, 0);
    f.pan.sealed_len = 40;
    memset(f.pan.sealed, 0x5c, f.pan.sealed_len);
    f.pan.key_version = 1;
    memset(f.pan.pan_mac, last4[3], sizeof(f.pan.pan_mac));
    snprintf(f.pan.bin, sizeof(f.pan.bin), "411111");
    snprintf(f.pan.last4, sizeof(f.pan.last4), "%s", last4);
    f.pan.pan_len = 16;
    w.nreplies = 0;
    int rc = dialog_topup_answer(w.dialog, id, &a, fake_clock(), &s, &err);
    if (rc < 0) {
        return rc;
    }
    dialog_topup_keep_card(s, &f);
    return run_step(s);
}

/* A top-up paid up to its capture (authorized): its id. */
static struct id128 paid(const char *text)
{
    uint8_t hash[32];
    struct id128 id = ask(text, hash)->id;

    assert_int_equal(pay(hash), 0);
    assert_int_equal(answer(id, TOPUP_OP_AUTHORIZE, ACQ_OP_APPROVED, "00", "T0000000001"), 0);
    return id;
}

static uint64_t wallet_of(const char *phone)
{
    (void)phone;
    return 6; /* setup_ledger: system accounts 1-4, TELETHON 5, the first wallet 6 */
}

static void test_off(void **state)
{
    (void)state;
    enrol(A, "CODE 483920");
    say(A, "ALIMENTER 50");
    expect(0, "pas disponible");
}

static void test_approved(void **state)
{
    (void)state;
    topups_on();
    enrol(A, "CODE 483920");
    uint8_t hash[32];
    const struct card_topup_row *r = ask("ALIMENTER 50", hash);
    expect(0, "50,00");
    assert_non_null(r);
    assert_int_equal(r->state, TOPUP_OPEN);
    assert_int_equal(r->amount_minor, EUR(50));
    struct id128 id = r->id;

    assert_int_equal(pay(hash), 0);
    assert_int_equal(w.outcome, OUTCOME_DONE);
    assert_int_equal(dialog_topup_get(w.dialog, id)->state, TOPUP_AUTHORIZING);
    assert_string_equal(dialog_topup_get(w.dialog, id)->card_last4, "1111");
    /* A second click: the top-up is not open any more. */
    assert_int_equal(pay(hash), MDT_E(BUSY));

    assert_int_equal(answer(id, TOPUP_OP_AUTHORIZE, ACQ_OP_APPROVED, "00", "T0000000001"), 0);
    assert_int_equal(dialog_topup_get(w.dialog, id)->state, TOPUP_CAPTURING);
    assert_string_equal(dialog_topup_auth_ref(w.dialog, id), "T0000000001");
    assert_int_equal(account(wallet_of(A)).credits_posted, 0); /* nothing before the capture */

    assert_int_equal(answer(id, TOPUP_OP_CAPTURE, ACQ_OP_APPROVED, "00", "T0000000002"), 0);
    assert_int_equal(dialog_topup_get(w.dialog, id)->state, TOPUP_CREDITED);
    assert_int_equal(account(wallet_of(A)).credits_posted, EUR(50));
    assert_int_equal(account(2).credits_posted, 70); /* 1.2 % of 50 + 0.10 */
    expect(0, "****1111");
    expect(0, "50,00");
    assert_string_equal(w.reply_dest[0], A);
    /* The same answer again changes nothing. */
    assert_int_equal(answer(id, TOPUP_OP_CAPTURE, ACQ_OP_APPROVED, "00", "T0000000002"),
                     MDT_E(EXISTS));
    assert_int_equal(account(wallet_of(A)).credits_posted, EUR(50));
    struct acquirer_op_row open[4];
    assert_int_equal(dialog_topup_unresolved(w.dialog, INT64_MAX, open, 4), 0);
}

static void test_declined(void **state)
{
    (void)state;
    topups_on();
    enrol(A, "CODE 483920");
    static const struct {
        const char *code, *words;
    } cases[] = {{"05", "refusé par la banque"},
                 {"51", "provision insuffisante"},
                 {"54", "carte expirée"},
                 {"14", "numéro de carte invalide"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t hash[32];
        struct id128 id = ask("ALIMENTER 20", hash)->id;

        assert_int_equal(pay(hash), 0);
        assert_int_equal(answer(id, TOPUP_OP_AUTHORIZE, ACQ_OP_DECLINED, cases[i].code, ""), 0);
        assert_int_equal(dialog_topup_get(w.dialog, id)->state, TOPUP_DECLINED);
        expect(0, cases[i].words);
        expect(0, "Rien n'a été débité");
        /* The finished page is still found (it shows the result), and cannot be paid again. */
        assert_non_null(dialog_topup_by_token(w.dialog, hash, fake_clock()));
        assert_int_equal(pay(hash), MDT_E(BUSY));
    }
    assert_int_equal(account(wallet_of(A)).credits_posted, 0);
    assert_string_equal(dialog_topup_reason("05", LANG_EN), "refused by the bank");
    assert_string_equal(dialog_topup_reason("51", LANG_EN), "insufficient funds");
}

static void test_unknown_then_settled(void **state)
{
    (void)state;
    topups_on();
    enrol(A, "CODE 483920");
    uint8_t hash[32];
    struct id128 id = ask("TOPUP 30", hash)->id;

    assert_int_equal(pay(hash), 0);
    assert_int_equal(answer(id, TOPUP_OP_AUTHORIZE, ACQ_OP_UNKNOWN, "", ""), 0);
    assert_int_equal(dialog_topup_get(w.dialog, id)->state, TOPUP_CHECKING);
    expect(0, "vérification");
    /* Still unknown: nothing new, no second SMS. */
    assert_int_equal(answer(id, TOPUP_OP_AUTHORIZE, ACQ_OP_UNKNOWN, "", ""), MDT_E(EXISTS));
    struct acquirer_op_row open[4];
    assert_int_equal(dialog_topup_unresolved(w.dialog, 0, open, 4), 1);
    assert_int_equal(open[0].state, ACQ_OP_UNKNOWN);
    char key[STORE_ACQ_KEY_MAX];
    dialog_topup_key(id, TOPUP_OP_AUTHORIZE, key);
    assert_string_equal(open[0].key, key);
    /* The lookup says approved: the capture follows, then the credit. */
    assert_int_equal(answer(id, TOPUP_OP_AUTHORIZE, ACQ_OP_APPROVED, "00", "T7"), 0);
    assert_int_equal(dialog_topup_get(w.dialog, id)->state, TOPUP_CAPTURING);
    assert_int_equal(answer(id, TOPUP_OP_CAPTURE, ACQ_OP_APPROVED, "00", "T8"), 0);
    assert_int_equal(account(wallet_of(A)).credits_posted, EUR(30));
    expect(0, "Nouveau solde");
}

static void test_limit_before_the_card(void **state)
{
    (void)state;
    topups_on();
    enrol(A, "CODE 483920");
    /* An unverified wallet holds 150 EUR at most. */
    say(A, "ALIMENTER 200");
    expect(0, "150,00");
    assert_null(strstr(w.replies[0], "/t/"));
    uint8_t hash[32];
    struct id128 id = ask("ALIMENTER 100", hash)->id;
    topup(wallet_of(A), EUR(100)); /* meanwhile, money came in */
    assert_int_equal(pay(hash), 0);
    assert_int_equal(w.outcome, OUTCOME_REFUSED);
    assert_int_equal(dialog_topup_get(w.dialog, id)->state, TOPUP_OPEN); /* nothing sent */
    struct acquirer_op_row open[4];
    assert_int_equal(dialog_topup_unresolved(w.dialog, INT64_MAX, open, 4), 0);
}

/* The card kept on file by a credited top-up only; there after a restart; a new one replaces
 * it; CB OUBLIER forgets it, and says so when there is none. */
static void test_card_on_file(void **state)
{
    (void)state;
    topups_on();
    enrol(A, "CODE 483920");
    say(A, "CB OUBLIER");
    expect(0, "Aucune carte bancaire");

    assert_int_equal(answer_keep(paid("ALIMENTER 50"), ACQ_OP_DECLINED, "51", "4242"), 0);
    assert_null(dialog_card_file_get(w.dialog, A)); /* nothing taken, nothing kept */

    assert_int_equal(answer_keep(paid("ALIMENTER 50"), ACQ_OP_APPROVED, "00", "1111"), 0);
    expect(0, "gardée");
    assert_int_equal(account(wallet_of(A)).credits_posted, EUR(50));
    close_world();
    open_world(false);
    const struct card_file_row *f = dialog_card_file_get(w.dialog, A);
    assert_non_null(f);
    assert_string_equal(f->pan.last4, "1111");
    assert_int_equal(f->exp_year, 2031);
    assert_int_equal(f->pan.sealed_len, 40);

    assert_int_equal(answer_keep(paid("ALIMENTER 20"), ACQ_OP_APPROVED, "00", "4444"), 0);
    assert_string_equal(dialog_card_file_get(w.dialog, A)->pan.last4, "4444");
    say(A, "CB OUBLIER");
    expect(0, "****4444 oubliée");
    assert_null(dialog_card_file_get(w.dialog, A));
    close_world();
    open_world(false);
    assert_null(dialog_card_file_get(w.dialog, A));
    say(A, "CARD FORGET");
    expect(0, "Aucune carte bancaire"); /* CARD FORGET parsed; the wallet speaks French */
}

static void test_restart_credits_once(void **state)
{
    (void)state;
    topups_on();
    enrol(A, "CODE 483920");
    uint8_t hash[32];
    struct id128 id = ask("ALIMENTER 40", hash)->id;

    assert_int_equal(pay(hash), 0);
    assert_int_equal(answer(id, TOPUP_OP_AUTHORIZE, ACQ_OP_APPROVED, "00", "T1"), 0);
    /* The capture is sent, approved, and mandatd dies before recording it. */
    close_world();
    open_world(false);
    assert_int_equal(dialog_topup_get(w.dialog, id)->state, TOPUP_CAPTURING);
    struct acquirer_op_row open[4];
    assert_int_equal(dialog_topup_unresolved(w.dialog, fake_clock() + 1, open, 4), 1);
    assert_int_equal(open[0].kind, TOPUP_OP_CAPTURE);
    assert_string_equal(open[0].auth_ref, "T1");
    assert_string_equal(dialog_topup_auth_ref(w.dialog, id), "T1");
    /* Its lookup says approved: credited, once. */
    assert_int_equal(answer(id, TOPUP_OP_CAPTURE, ACQ_OP_APPROVED, "00", "T2"), 0);
    assert_int_equal(account(wallet_of(A)).credits_posted, EUR(40));
    close_world();
    open_world(false);
    assert_null(dialog_topup_get(w.dialog, id)); /* finished: not read back */
    assert_int_equal(dialog_topup_unresolved(w.dialog, INT64_MAX, open, 4), 0);
    assert_int_equal(account(wallet_of(A)).credits_posted, EUR(40));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_approved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_declined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_then_settled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limit_before_the_card, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_credits_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_card_on_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
