/* SPDX-License-Identifier: Apache-2.0 */
/* The dialog's steps that start on a page rather than in a message: linking a social account
 * (dialog_link_phone_web, dialog_link_finish_web) and paying a post's order on its page
 * (dialog_order_confirm_web), with the same rules as by SMS; and campaigns (campaign.c): their
 * rules, their totals in memory and after a restart, their named donors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dialog_world.h"

#define ALICE "m:alice"

/* A post by address (platform id user_id) that mentions us; its replies land in w.replies. */
static int post(const char *address, const char *user_id, const char *text)
{
    static unsigned serial;
    struct dialog_message m = {.channel = CHANNEL_SOCIAL, .text = text, .len = strlen(text)};
    struct dialog_step *s = NULL;
    int rc;

    snprintf(m.source, sizeof(m.source), "%s", address);
    snprintf(m.source_id, sizeof(m.source_id), "%s", user_id);
    snprintf(m.peer_id, sizeof(m.peer_id), "post-%u", ++serial);
    w.nreplies = 0;
    rc = dialog_receive(w.dialog, &m, fake_clock(), &s);
    if (rc < 0) {
        return rc;
    }
    return run_step(s);
}

/* The hash of the link token after path ("/link/", "/o/") in the replies of the last step. */
static void token_hash_of(const char *path, uint8_t hash[32])
{
    char token[VAULT_TOKEN_MAX];

    for (int i = 0; i < w.nreplies; i++) {
        const char *at = strstr(w.replies[i], path);

        if (at != NULL) {
            snprintf(token, sizeof(token), "%.32s", at + strlen(path));
            assert_int_equal(vault_token_check(w.vault, token, hash), 0);
            return;
        }
    }
    fail_msg("no %s link in the replies", path);
}

/* The one-time code texted to phone in the replies of the last step. */
static void otp_of(const char *phone, char otp[7])
{
    for (int i = 0; i < w.nreplies; i++) {
        const char *at = strstr(w.replies[i], "mandat : ");

        if (at != NULL && strcmp(w.reply_dest[i], phone) == 0) {
            snprintf(otp, 7, "%.6s", at + 9);
            assert_int_equal(strspn(otp, "0123456789"), 6);
            return;
        }
    }
    fail_msg("no one-time code to %s", phone);
}

static int link_phone(const uint8_t h[32], const char *phone, struct mdt_err *err)
{
    struct dialog_step *s = NULL;
    int rc = dialog_link_phone_web(w.dialog, h, phone, fake_clock(), &s, err);

    return rc < 0 ? rc : run_step(s);
}

static int link_finish(const uint8_t h[32], const char *otp, const char *code, bool show_name,
                       struct mdt_err *err)
{
    struct dialog_step *s = NULL;
    int rc = dialog_link_finish_web(w.dialog, h, otp, code, show_name, fake_clock(), &s, err);

    return rc < 0 ? rc : run_step(s);
}

static int order_confirm(const uint8_t h[32], const char *code)
{
    struct dialog_step *s = NULL;
    int rc = dialog_order_confirm_web(w.dialog, h, code, fake_clock(), &s, NULL);

    return rc < 0 ? rc : run_step(s);
}

/* Links ALICE to a new wallet for A with code 483920 (account 6), naming her if show_name. */
static void link_alice(bool show_name)
{
    uint8_t h[32];
    char otp[7];

    assert_int_equal(post(ALICE, "1001", "ouvrir"), 0);
    expect(0, "Pour relier @alice à un compte mandat");
    token_hash_of("/link/", h);
    assert_int_equal(link_phone(h, "06 12 34 56 78", NULL), 0);
    otp_of(A, otp);
    assert_int_equal(link_finish(h, otp, "483920", show_name, NULL), 0);
    assert_int_equal(w.outcome, OUTCOME_DONE);
}

/* The link page: a phone number, then the one-time code sent to it and a new code; wrong codes
 * counted, weak codes refused before any step, the page dead once used. */
static void test_link_new_wallet(void **state)
{
    const struct social_link_row *row;
    struct mdt_err err = {0};
    bool has_wallet = true;
    uint8_t h[32];
    char otp[7];

    (void)state;
    assert_int_equal(post(ALICE, "1001", "solde"), 0);
    expect(0, "Reliez d'abord ce compte");
    assert_int_equal(post(ALICE, "1001", "ouvrir"), 0);
    token_hash_of("/link/", h);
    row = dialog_link_get(w.dialog, h, fake_clock(), &has_wallet);
    assert_non_null(row);
    assert_string_equal(row->address, ALICE);
    assert_false(has_wallet);
    assert_int_equal(link_phone(h, "pas un numéro", &err), MDT_E(INVAL));
    /* No code texted yet: nothing to finish. */
    assert_int_equal(link_finish(h, "000000", "483920", false, &err), MDT_E(INVAL));
    assert_int_equal(link_phone(h, "06 12 34 56 78", NULL), 0);
    otp_of(A, otp);
    assert_int_equal(link_finish(h, otp, "123456", false, &err), MDT_E(INVAL)); /* weak */
    assert_int_equal(link_finish(h, otp[0] == '0' ? "111111" : "000000", "483920", false, &err), 0);
    assert_int_equal(w.outcome, OUTCOME_WRONG_CODE);
    assert_int_equal(link_finish(h, otp, "483920", false, &err), 0);
    assert_int_equal(w.outcome, OUTCOME_DONE);
    assert_true(dialog_has_wallet(w.dialog, A));
    assert_null(dialog_link_get(w.dialog, h, fake_clock(), &has_wallet));
    assert_int_equal(link_phone(h, "06 12 34 56 78", &err), MDT_E(NOTFOUND));
    assert_int_equal(post(ALICE, "1001", "solde"), 0);
    expect(0, "Solde : 0,00");
    /* The code set on the page is the wallet's code by SMS too. */
    topup(6, 1000);
    say(A, "DON 2 TELETHON");
    expect(0, "Donner 2,00 € à Téléthon ?");
    say(A, "483920");
    expect(0, "Merci ! Don de 2,00 €");
}

/* The link page expires, and a one-time code sent to it does too. */
static void test_link_expires(void **state)
{
    struct mdt_err err = {0};
    bool has_wallet;
    uint8_t h[32];

    (void)state;
    assert_int_equal(post(ALICE, "1001", "ouvrir"), 0);
    token_hash_of("/link/", h);
    advance_s(24 * 3600);
    assert_null(dialog_link_get(w.dialog, h, fake_clock(), &has_wallet));
    assert_int_equal(link_phone(h, "06 12 34 56 78", &err), MDT_E(NOTFOUND));
}

/* A post's donation: held as by SMS, confirmed on its page with the wallet's code; a wrong code
 * counted, the page dead once paid. */
static void test_order_confirm_web(void **state)
{
    struct order_view v;
    uint8_t h[32];

    (void)state;
    link_alice(false);
    topup(6, 1000);
    assert_int_equal(post(ALICE, "1001", "don 4 TELETHON"), 0);
    expect(0, "Donner 4,00 € à Téléthon ?");
    token_hash_of("/o/", h);
    assert_int_equal(dialog_order_get(w.dialog, h, fake_clock(), &v), 0);
    assert_int_equal(v.amount_minor, 400);
    assert_true(v.donation);
    assert_string_equal(v.payer_address, ALICE);
    assert_int_equal(order_confirm(h, "975310"), 0);
    assert_int_equal(w.outcome, OUTCOME_WRONG_CODE);
    assert_int_equal(account(5).credits_posted, 0);
    assert_int_equal(order_confirm(h, "483920"), 0);
    assert_int_equal(w.outcome, OUTCOME_DONE);
    assert_int_equal(account(5).credits_posted, 400);
    assert_int_equal(account(6).debits_posted, 400);
    assert_int_equal(dialog_order_get(w.dialog, h, fake_clock(), &v), MDT_E(NOTFOUND));
    assert_int_equal(order_confirm(h, "483920"), MDT_E(NOTFOUND));
    assert_int_equal(account(5).credits_posted, 400);
}

/* An order left on its page past its timeout: the page says expired, no money moves. */
static void test_order_expires(void **state)
{
    struct order_view v;
    uint8_t h[32];
    int rc;

    (void)state;
    link_alice(false);
    topup(6, 1000);
    assert_int_equal(post(ALICE, "1001", "don 4 TELETHON"), 0);
    token_hash_of("/o/", h);
    assert_int_equal(dialog_order_get(w.dialog, h, fake_clock(), &v), 0);
    advance_s((v.expires_us - fake_clock()) / 1000000 + 1);
    assert_int_equal(dialog_order_get(w.dialog, h, fake_clock(), &v), MDT_E(NOTFOUND));
    rc = order_confirm(h, "483920");
    assert_true(rc == MDT_E(NOTFOUND) || (rc == 0 && w.outcome == OUTCOME_EXPIRED));
    assert_int_equal(account(5).credits_posted, 0);
    assert_int_equal(account(6).debits_posted, 0);
}

/* Campaigns: a tag's rules, a donation by SMS counted, the figures after a restart, a rename
 * that keeps them, and a named donor from a post. */
static void test_campaigns(void **state)
{
    struct ledger_op op = {.type = LEDGER_OP_ACCOUNT_OPEN};
    struct campaign_info ci;
    struct store_extra row;
    struct mdt_err err = {0};
    uint8_t h[32];

    (void)state;
    op.account.kind = ACCOUNT_ASSOCIATION;
    strcpy(op.account.currency, "EUR");
    assert_int_equal(dialog_association_add(w.dialog, "ACF", run(&op).account_id,
                                            "Action contre la faim", &row, NULL),
                     0);
    assert_int_equal(engine_execute_rows(w.engine, NULL, 0, &row, 1, NULL, NULL), 0);
    assert_int_equal(dialog_campaign_add(w.dialog, "", "TELETHON", "", 0, &row, &err),
                     MDT_E(INVAL));
    assert_int_equal(dialog_campaign_add(w.dialog, "telethon26", "TELETHON", "", 0, &row, &err),
                     MDT_E(INVAL));
    assert_int_equal(dialog_campaign_add(w.dialog, "NOEL", "NOPE", "", 0, &row, &err),
                     MDT_E(NOTFOUND));
    assert_int_equal(dialog_campaign_add(w.dialog, "ACF", "TELETHON", "", 0, &row, &err),
                     MDT_E(EXISTS));
    assert_int_equal(dialog_campaign_get(w.dialog, "NOEL", &ci), MDT_E(NOTFOUND));
    assert_int_equal(dialog_campaign_add(w.dialog, "TELETHON2026", "TELETHON", "Téléthon 2026",
                                         fake_clock(), &row, &err),
                     0);
    assert_int_equal(engine_execute_rows(w.engine, NULL, 0, &row, 1, NULL, NULL), 0);
    assert_int_equal(dialog_campaign_get(w.dialog, "TELETHON2026", &ci), 0);
    assert_string_equal(ci.name, "Téléthon 2026");
    assert_string_equal(ci.association, "Téléthon");
    assert_int_equal(ci.total_minor, 0);
    assert_int_equal(ci.donations, 0);

    enrol(B, "CODE 271828");
    topup(7, 1000); /* ACF is 6, B's wallet 7 */
    say(B, "DON 3 TELETHON2026");
    expect(0, "Donner 3,00 € à Téléthon 2026 ?");
    say(B, "271828");
    expect(0, "Merci ! Don de 3,00 € à Téléthon 2026 effectué");
    assert_int_equal(dialog_campaign_get(w.dialog, "TELETHON2026", &ci), 0);
    assert_int_equal(ci.total_minor, 300);
    assert_int_equal(ci.donations, 1);
    assert_int_equal(ci.donor_count, 0); /* an SMS donor is never named */
    assert_int_equal(account(5).credits_posted, 300);

    close_world();
    open_world(false);
    assert_int_equal(dialog_campaign_get(w.dialog, "TELETHON2026", &ci), 0);
    assert_int_equal(ci.total_minor, 300);
    assert_int_equal(ci.donations, 1);
    /* A rename keeps the figures. */
    assert_int_equal(dialog_campaign_add(w.dialog, "TELETHON2026", "TELETHON", "Le Téléthon",
                                         fake_clock(), &row, &err),
                     0);
    assert_int_equal(dialog_campaign_get(w.dialog, "TELETHON2026", &ci), 0);
    assert_string_equal(ci.name, "Le Téléthon");
    assert_int_equal(ci.total_minor, 300);

    /* A post's donor who opted in is named on the page, newest first. */
    link_alice(true);
    topup(8, 1000); /* alice's wallet: account 8 */
    assert_int_equal(post(ALICE, "1001", "don 2 TELETHON2026"), 0);
    token_hash_of("/o/", h);
    assert_int_equal(order_confirm(h, "483920"), 0);
    assert_int_equal(w.outcome, OUTCOME_DONE);
    assert_int_equal(dialog_campaign_get(w.dialog, "TELETHON2026", &ci), 0);
    assert_int_equal(ci.total_minor, 500);
    assert_int_equal(ci.donations, 2);
    assert_int_equal(ci.donor_count, 1);
    assert_string_equal(ci.donors[0], "@alice");
}

/* Named donors as the store gives them (newest first): at most CAMPAIGN_DONORS_MAX kept, the
 * newest, and only those who gave their name. */
static void test_campaign_donors(void **state)
{
    struct campaign_donation_row r = {0};
    struct campaign_info ci;
    struct store_extra row;

    (void)state;
    assert_int_equal(dialog_campaign_add(w.dialog, "NOEL", "TELETHON", "", 0, &row, NULL), 0);
    snprintf(r.tag, sizeof(r.tag), "NOEL");
    for (int i = 0; i < CAMPAIGN_DONORS_MAX + 2; i++) {
        snprintf(r.donor, sizeof(r.donor), "@d%d", i);
        assert_int_equal(dialog_campaign_donor_loaded(w.dialog, &r), 0);
    }
    r.donor[0] = '\0'; /* not named: not listed */
    assert_int_equal(dialog_campaign_donor_loaded(w.dialog, &r), 0);
    assert_int_equal(dialog_campaign_get(w.dialog, "NOEL", &ci), 0);
    assert_string_equal(ci.name, "Téléthon"); /* no name given: the association's */
    assert_int_equal(ci.donor_count, CAMPAIGN_DONORS_MAX);
    assert_string_equal(ci.donors[0], "@d0");
    assert_string_equal(ci.donors[CAMPAIGN_DONORS_MAX - 1], "@d9");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_link_new_wallet, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_expires, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_confirm_web, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_expires, setup, teardown),
        cmocka_unit_test_setup_teardown(test_campaigns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_campaign_donors, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
