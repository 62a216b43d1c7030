/* SPDX-License-Identifier: Apache-2.0 */
/* What the phone channel asks of the dialog (issue 14, dialog/phone_pay.c and
 * dialog_request_confirm_phone): a payment request found by its phone reference among the
 * caller's own pending ones only, paid with the code under the request's own rules (a wrong
 * code, the right one, one webhook event, the payer's SMS receipt, single use), never by
 * another caller; whether an order waits for a code; the associations in creation order. An
 * order paid by card (dialog/phone_card.c): found by a hidden number by its reference alone,
 * paid by a prepaid card of mandat's found by its number's keyed hash (expiry checked), once,
 * with the webhook, no SMS for a hidden number and a receipt naming the card for a caller's
 * number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/clock.h"
#include "dialog/dialog.h"

#include "dialog_world.h"

static int phone_code(uint64_t serial, const char *payer, const char *code)
{
    struct dialog_step *s = NULL;
    int rc;

    w.nreplies = 0;
    rc = dialog_request_confirm_phone(w.dialog, (struct id128){.hi = 0xa5c, .lo = serial}, payer,
                                      code, fake_clock(), &s, NULL);

    return rc < 0 ? rc : run_step(s);
}

static void test_request_by_phone(void **state)
{
    const struct payment_request_row *r;
    char ref[DIALOG_PHONE_REF_DIGITS + 1], other[DIALOG_PHONE_REF_DIGITS + 1];
    uint64_t m;

    (void)state;
    m = open_merchant();
    enrol(B, "CODE 271828"); /* account 7 */
    topup(7, 10000);
    enrol(A, "CODE 483920");
    assert_false(dialog_order_waiting(w.dialog, B));
    assert_int_equal(request_ask(m, 2500, B, 1, NULL), 0);
    assert_true(dialog_order_waiting(w.dialog, B)); /* the request's SMS asks for the code */
    assert_int_equal(request_ask(m, 1000, B, 2, NULL), 0);
    r = dialog_request_get(w.dialog, (struct id128){.hi = 0xa5c, .lo = 2});
    assert_non_null(r);
    dialog_request_phone_ref(r, ref);
    assert_int_equal(strlen(ref), DIALOG_PHONE_REF_DIGITS);
    assert_int_equal(strspn(ref, "0123456789"), DIALOG_PHONE_REF_DIGITS);
    assert_ptr_equal(dialog_request_by_phone_ref(w.dialog, B, ref, fake_clock()), r);
    assert_null(dialog_request_by_phone_ref(w.dialog, A, ref, fake_clock())); /* not A's */
    memcpy(other, ref, sizeof(other));
    other[5] = other[5] == '9' ? '0' : (char)(other[5] + 1); /* one digit off */
    assert_null(dialog_request_by_phone_ref(w.dialog, B, other, fake_clock()));

    /* Another caller cannot pay it, even with the payer's code. */
    assert_int_equal(phone_code(2, A, "271828"), MDT_E(NOTFOUND));
    assert_int_equal(phone_code(2, B, "000111"), 0);
    assert_int_equal(w.outcome, OUTCOME_WRONG_CODE);
    assert_int_equal(w.nreplies, 0); /* the call says it */
    assert_int_equal(phone_code(2, B, "271828"), 0);
    assert_int_equal(w.outcome, OUTCOME_DONE);
    assert_int_equal(r->state, PR_CONFIRMED);
    assert_int_equal(w.nevents, 1);
    assert_string_equal(w.events[0], "payment_request.confirmed");
    expect(0, "Payé : 10,00 € à Boutique Zoé (order 2).");
    assert_string_equal(w.reply_dest[0], B);
    assert_int_equal(account(m).credits_posted, 1000);
    assert_int_equal(phone_code(2, B, "271828"), 0);
    assert_int_equal(w.outcome, OUTCOME_NOT_PENDING); /* single use */
    assert_int_equal(account(m).credits_posted, 1000);
    assert_null(dialog_request_by_phone_ref(w.dialog, B, ref, fake_clock())); /* paid */
    assert_true(dialog_order_waiting(w.dialog, B)); /* request 1 still waits */

    /* Past its expiry a request is not found any more. */
    advance_s(3600);
    dialog_request_phone_ref(dialog_request_get(w.dialog, (struct id128){.hi = 0xa5c, .lo = 1}),
                             ref);
    assert_null(dialog_request_by_phone_ref(w.dialog, B, ref, fake_clock()));
}

/* A prepaid card of account id, active, whose number's keyed hash is mac (all 0x11). */
static void card_active(uint64_t id, uint8_t mac[32])
{
    struct card_row r = {
        .account_id = id, .exp_month = 12, .exp_year = 2099, .status = CARD_STATUS_ACTIVE};

    memset(mac, 0x11, 32);
    memcpy(r.pan_mac, mac, 32);
    strcpy(r.token, "card_00000000000000000000000000000011");
    strcpy(r.bin, "999999");
    strcpy(r.last4, "4242");
    r.pan_len = 16;
    r.created_us = r.updated_us = 1;
    assert_int_equal(dialog_card_loaded(w.dialog, &r), 0);
}

static int card_pay(uint64_t serial, const uint8_t mac[32], unsigned month, const char *caller)
{
    struct dialog_step *s = NULL;
    int rc;

    w.nreplies = 0;
    w.nevents = 0;
    rc = dialog_request_pay_card(w.dialog, (struct id128){.hi = 0xa5c, .lo = serial}, mac, month,
                                 2099, caller, LANG_FR, fake_clock(), &s, NULL);
    return rc < 0 ? rc : run_step(s);
}

static void test_card_by_phone(void **state)
{
    const struct payment_request_row *r;
    char ref[DIALOG_PHONE_REF_DIGITS + 1];
    uint8_t mac[32], other[32];
    uint64_t m, card;

    (void)state;
    m = open_merchant();
    enrol(B, "CODE 271828");
    assert_int_equal(request_ask(m, 2500, B, 1, NULL), 0);
    r = dialog_request_get(w.dialog, (struct id128){.hi = 0xa5c, .lo = 1});
    dialog_request_phone_ref(r, ref);
    assert_ptr_equal(dialog_request_by_phone_ref(w.dialog, NULL, ref, fake_clock()), r);
    card = world_card_open();
    world_card_load(card, 3000); /* 30 € for 25 € (the phone channel checks it first) */
    card_active(card, mac);
    memset(other, 0x22, sizeof(other));
    assert_int_equal(dialog_card_ours(w.dialog, mac), card);
    assert_int_equal(dialog_card_ours(w.dialog, other), 0); /* another card: the acquirer's */
    assert_int_equal(card_pay(1, other, 12, ""), MDT_E(REJECTED));
    assert_int_equal(card_pay(1, mac, 11, ""), MDT_E(REJECTED)); /* another expiry */
    assert_int_equal(account(m).credits_posted, 0);

    assert_int_equal(card_pay(1, mac, 12, ""), 0);
    assert_int_equal(w.outcome, OUTCOME_DONE);
    assert_int_equal(r->state, PR_CONFIRMED);
    assert_int_equal(w.nevents, 1);
    assert_string_equal(w.events[0], "payment_request.confirmed");
    assert_int_equal(w.nreplies, 0); /* a hidden number: no one to text */
    assert_int_equal(account(m).credits_posted, 2500);
    assert_int_equal(account(card).debits_posted, 2500);
    assert_int_equal(card_pay(1, mac, 12, ""), MDT_E(NOTFOUND)); /* paid: once */
    assert_null(dialog_request_by_phone_ref(w.dialog, NULL, ref, fake_clock()));

    /* A caller's number gets the receipt, naming the card. */
    assert_int_equal(request_ask(m, 300, B, 2, NULL), 0);
    assert_int_equal(card_pay(2, mac, 12, A), 0);
    assert_int_equal(w.outcome, OUTCOME_DONE);
    expect(0, "Payé : 3,00 € à Boutique Zoé (order 2) par la carte ****4242.");
    assert_string_equal(w.reply_dest[0], A);
    assert_int_equal(account(card).debits_posted, 2800);
}

static void test_associations(void **state)
{
    const struct association_row *a;

    (void)state;
    a = dialog_association_at(w.dialog, 0);
    assert_non_null(a);
    assert_string_equal(a->keyword, "TELETHON");
    assert_null(dialog_association_at(w.dialog, 1));
    assert_null(dialog_association_at(w.dialog, 1000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_request_by_phone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_associations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_card_by_phone, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
