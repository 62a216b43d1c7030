/* SPDX-License-Identifier: Apache-2.0 */
/* The call's words for the dialog's replies (dialog/voice_reply.c): every reply kind (each
 * TEXT_* and HINT_*) has an entry, words in both languages or a mark that the phone never gets
 * it; the words name only arguments the SMS template has, never a link, a currency code or an
 * SMS abbreviation; a reply of every kind with words, written in either language, is said in
 * the call's language with its amounts in words; a reply the table does not know, or one off the
 * phone, says that an SMS tells. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/error.h"
#include "base/money.h"
#include "dialog/dialog_text.h"
#include "dialog/voice_reply.h"
#include "dialog/voice_text.h"

static const char *const family_names[] = {"TEXT", "HINT"};

/* Placeholders ("%s", "%u") of an SMS template. */
static size_t placeholders(const char *t)
{
    size_t n = 0;

    for (; *t != '\0'; t++) {
        if (t[0] == '%' && (t[1] == 's' || t[1] == 'u')) {
            n++;
            t++;
        }
    }
    return n;
}

/* Every kind of every family has an entry: words in both languages, argument roles matching the
 * SMS template's placeholders in both languages, or the mark that the phone never gets it. A
 * reply kind added to dialog_text.h or command.h without one fails here. */
static void test_every_kind_has_words(void **state)
{
    unsigned said = 0;

    (void)state;
    for (int f = 0; f < VOICE_REPLY_FAMILIES_; f++) {
        unsigned kinds = voice_reply_kinds((enum voice_reply_family)f);

        assert_true(kinds > 0);
        assert_null(voice_reply_entry((enum voice_reply_family)f, kinds));
        for (unsigned i = 0; i < kinds; i++) {
            const struct voice_reply_entry *e = voice_reply_entry((enum voice_reply_family)f, i);
            bool words = e->words[0] != NULL && e->words[1] != NULL && e->args != NULL;

            if (e->off_phone == words) {
                fail_msg("%s %u (\"%s\"): no call wording and not marked off the phone",
                         family_names[f], i,
                         voice_reply_template((enum voice_reply_family)f, i, LANG_EN));
            }
            if (e->off_phone) {
                continue;
            }
            said++;
            for (int l = 0; l < 2; l++) {
                const char *t = voice_reply_template((enum voice_reply_family)f, i, (enum lang)l);

                if (placeholders(t) != strlen(e->args)) {
                    fail_msg("%s %u: %zu roles for %zu placeholders in \"%s\"", family_names[f], i,
                             strlen(e->args), placeholders(t), t);
                }
            }
            assert_int_equal(strspn(e->args, "anruwl-"), strlen(e->args));
            if (strchr(e->args, 'l') != NULL) {
                assert_true(e->sms); /* a link is never said: the SMS brings it */
            }
        }
    }
    assert_true(said >= 40);
}

/* The words ask only for arguments that can be said, and read as speech. */
static void test_words_are_speech(void **state)
{
    static const char *const banned[] = {"EUR", "€",  "http",  "****",       "Ref ", "(s)",
                                         "%s",  "%u", " ref ", "0612345678", "www"};

    (void)state;
    for (int f = 0; f < VOICE_REPLY_FAMILIES_; f++) {
        for (unsigned i = 0; i < voice_reply_kinds((enum voice_reply_family)f); i++) {
            const struct voice_reply_entry *e = voice_reply_entry((enum voice_reply_family)f, i);

            for (int l = 0; !e->off_phone && l < 2; l++) {
                const char *w = e->words[l];

                assert_true(w[0] != '\0');
                for (size_t b = 0; b < sizeof(banned) / sizeof(banned[0]); b++) {
                    if (strstr(w, banned[b]) != NULL) {
                        fail_msg("%s %u: \"%s\" says %s", family_names[f], i, w, banned[b]);
                    }
                }
                for (const char *p = strchr(w, '%'); p != NULL; p = strchr(p + 1, '%')) {
                    size_t k = (size_t)(p[1] - '1');

                    assert_true(p[1] >= '1' && p[1] <= '9');
                    assert_true(k < strlen(e->args));
                    assert_non_null(strchr("anruw", e->args[k])); /* never '-' or a link */
                }
            }
        }
    }
}

/* An SMS reply of template t with sample arguments by role (roles NULL: '-' for each). */
static void sample_reply(const char *t, const char *roles, enum lang written, char *out, size_t cap)
{
    const struct currency *eur = currency_find("EUR");
    size_t len = 0, k = 0;

    while (*t != '\0' && len + 1 < cap) {
        if (t[0] == '%' && (t[1] == 's' || t[1] == 'u')) {
            char arg[64];
            char role = roles != NULL && k < strlen(roles) ? roles[k] : '-';

            if (role == 'a') {
                money_format(1250, eur, written, arg, sizeof(arg));
            } else {
                snprintf(arg, sizeof(arg), "%s",
                         role == 'n'   ? "Boutique Zoé"
                         : role == 'r' ? "K7Q2"
                         : role == 'u' ? "3"
                         : role == 'w' ? "insufficient_funds"
                         : role == 'l' ? "https://pay.example/p/abc"
                                       : "+33 6 98 .. .. 32");
            }
            len += (size_t)snprintf(out + len, cap - len, "%s", arg);
            t += 2;
            k++;
            continue;
        }
        out[len++] = *t++;
    }
    out[len] = '\0';
}

/* Template t with args[0..) in place of its placeholders, in order (a reply as the dialog
 * writes it, without a format string the compiler cannot check). */
static void reply_of(const char *t, const char *const *args, char *out, size_t cap)
{
    size_t len = 0, k = 0;

    while (*t != '\0' && len + 1 < cap) {
        if (t[0] == '%' && (t[1] == 's' || t[1] == 'u')) {
            len += (size_t)snprintf(out + len, cap - len, "%s", args[k++]);
            t += 2;
            continue;
        }
        out[len++] = *t++;
    }
    out[len] = '\0';
}

/* Every kind with words, written in either language, is recognised and said in the call's: its
 * amounts in words, its name, no written amount, masked number or link. */
static void test_every_kind_said(void **state)
{
    static const char *const twelve[2] = {"douze euros et cinquante centimes",
                                          "twelve euros and fifty cents"};
    const struct currency *eur = currency_find("EUR");

    (void)state;
    for (int f = 0; f < VOICE_REPLY_FAMILIES_; f++) {
        for (unsigned i = 0; i < voice_reply_kinds((enum voice_reply_family)f); i++) {
            const struct voice_reply_entry *e = voice_reply_entry((enum voice_reply_family)f, i);

            for (int wl = 0; !e->off_phone && wl < 2; wl++) {
                char reply[512], out[1024];
                bool sms = false;

                sample_reply(voice_reply_template((enum voice_reply_family)f, i, (enum lang)wl),
                             e->args, (enum lang)wl, reply, sizeof(reply));
                for (int cl = 0; cl < 2; cl++) {
                    int rc = voice_reply_say((enum lang)cl, reply, eur, out, sizeof(out), &sms);

                    if (rc < 0 || sms != (e->sms || strchr(e->args, 'l') != NULL) ||
                        strstr(out, "€") != NULL || strstr(out, "http") != NULL ||
                        strstr(out, "..") != NULL) {
                        fail_msg("%s %u: \"%s\" said \"%s\" (%d, sms %d)", family_names[f], i,
                                 reply, out, rc, sms);
                    }
                    for (const char *p = strstr(e->words[cl], "%"); p != NULL;
                         p = strstr(p + 1, "%")) {
                        if (e->args[p[1] - '1'] == 'a' && strstr(out, twelve[cl]) == NULL) {
                            fail_msg("%s %u: \"%s\" has no amount in words", family_names[f], i,
                                     out);
                        }
                    }
                }
            }
        }
    }
}

/* The gaps this table closes: a refusal before the code, written in the wallet's French, said
 * in the English the caller chose with 9; a payee without a wallet; a count in words. */
static void test_refusals_in_the_call_language(void **state)
{
    const struct currency *eur = currency_find("EUR");
    char reply[256], out[512];
    bool sms = true;

    (void)state;
    reply_of(dialog_text(TEXT_NO_FUNDS, LANG_FR), (const char *const[]){"3,20 €"}, reply,
             sizeof(reply));
    assert_true(voice_reply_say(LANG_EN, reply, eur, out, sizeof(out), &sms) > 0);
    assert_string_equal(out, "Not enough money. Available:\nthree euros and twenty cents.\n"
                             "Nothing was taken.");
    assert_false(sms);
    assert_true(voice_reply_say(LANG_FR, reply, eur, out, sizeof(out), &sms) > 0);
    assert_string_equal(out, "Votre solde ne suffit pas. Disponible :\ntrois euros et vingt "
                             "centimes.\nRien n'a été débité.");

    reply_of(dialog_text(TEXT_CONFIRM_SEND_NEW, LANG_FR),
             (const char *const[]){"12,50 €", "+33 6 98 .. .. 32", "30 jours", "5 min", "9LS7"},
             reply, sizeof(reply));
    assert_true(voice_reply_say(LANG_EN, reply, eur, out, sizeof(out), &sms) > 0);
    assert_non_null(strstr(out, "no mandat account yet. Send\ntwelve euros and fifty cents\n"));

    reply_of(dialog_text(TEXT_PAYEE_SELF, LANG_FR), NULL, reply, sizeof(reply));
    assert_true(voice_reply_say(LANG_EN, reply, eur, out, sizeof(out), &sms) > 0);
    assert_string_equal(out, "You cannot send money to yourself.");

    reply_of(dialog_text(TEXT_WRONG_CODE, LANG_EN), (const char *const[]){"2"}, reply,
             sizeof(reply));
    assert_true(voice_reply_say(LANG_FR, reply, eur, out, sizeof(out), &sms) > 0);
    assert_string_equal(out, "Code incorrect. Essais restants :\ndeux.");

    /* An order refused by the ledger: why, in words, not the ledger's code. */
    reply_of(dialog_text(TEXT_REFUSED, LANG_FR),
             (const char *const[]){"limit_exceeded:daily_debits"}, reply, sizeof(reply));
    assert_true(voice_reply_say(LANG_EN, reply, eur, out, sizeof(out), &sms) > 0);
    assert_string_equal(out, "Refused:\na limit is reached.\nNothing was taken.");

    /* A hint of the grammar: an amount keyed above the most one order may move. */
    assert_true(voice_reply_say(LANG_EN,
                                "Montant trop élevé : au plus 1 000 000 par ordre, ex. "
                                "ENVOI 10 0612345678",
                                eur, out, sizeof(out), &sms) > 0);
    assert_string_equal(out, "Amount too large: at most one million per order.");
}

/* A held transfer is not a plain one (the most specific template wins), and a reply with a
 * link says that the SMS brings it. */
static void test_most_specific_and_links(void **state)
{
    const struct currency *eur = currency_find("EUR");
    char reply[256], out[512];
    bool sms = false;

    (void)state;
    reply_of(dialog_text(TEXT_HELD, LANG_EN),
             (const char *const[]){"€7.00", "+33 6 .. .. .. 32", "30 days", "€93.00"}, reply,
             sizeof(reply));
    assert_true(voice_reply_say(LANG_EN, reply, eur, out, sizeof(out), &sms) > 0);
    assert_string_equal(out, "Sent:\nseven euros,\nkept until they join. Your new balance "
                             "is\nninety-three euros.");

    reply_of(dialog_text(TEXT_PAY_ASK_LINK, LANG_FR),
             (const char *const[]){"Boutique Zoé", "25,00 €", "K7Q2", "https://pay.example/p/abc"},
             reply, sizeof(reply));
    assert_true(voice_reply_say(LANG_FR, reply, eur, out, sizeof(out), &sms) > 0);
    assert_true(sms);
    assert_null(strstr(out, "http"));
    assert_non_null(strstr(out, "Boutique Zoé\nvous demande\nvingt-cinq euros,\nréférence\nK, 7"));
}

/* A reply no template matches, or one the phone never gets, says that an SMS tells; bad
 * arguments and a short buffer are errors. */
static void test_unknown_and_errors(void **state)
{
    const struct currency *eur = currency_find("EUR");
    char out[512], tiny[8];
    bool sms = false;

    (void)state;
    assert_int_equal(
        voice_reply_say(LANG_FR, "Quelque chose de nouveau", eur, out, sizeof(out), &sms),
        MDT_E(NOTFOUND));
    assert_true(sms);
    assert_string_equal(out, "");
    assert_string_equal(voice_reply_by_sms(LANG_FR), "La réponse vous est envoyée par SMS.");
    sms = false;
    assert_int_equal(voice_reply_say(LANG_EN, dialog_text(TEXT_HISTORY_EMPTY, LANG_FR), eur, out,
                                     sizeof(out), &sms),
                     MDT_E(NOTFOUND));
    assert_true(sms);
    assert_string_equal(voice_reply_by_sms(LANG_EN), "The answer is on its way by text message.");
    assert_int_equal(voice_reply_say(LANG_EN, "", eur, out, sizeof(out), &sms), MDT_E(NOTFOUND));
    /* An amount that is not one: no words rather than a wrong amount. */
    assert_int_equal(voice_reply_say(LANG_EN, "Solde : beaucoup. ENVOI 10 0612345678 pour envoyer.",
                                     eur, out, sizeof(out), &sms),
                     MDT_E(NOTFOUND));
    assert_int_equal(voice_reply_say(LANG_EN, NULL, eur, out, sizeof(out), &sms), MDT_E(INVAL));
    assert_int_equal(voice_reply_say(LANG_EN, "x", eur, out, 0, &sms), MDT_E(INVAL));
    assert_int_equal(voice_reply_say(LANG_EN, dialog_text(TEXT_PAYEE_SELF, LANG_FR), eur, tiny,
                                     sizeof(tiny), &sms),
                     MDT_E(RANGE));
    assert_string_equal(tiny, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind_has_words),
        cmocka_unit_test(test_words_are_speech),
        cmocka_unit_test(test_every_kind_said),
        cmocka_unit_test(test_refusals_in_the_call_language),
        cmocka_unit_test(test_most_specific_and_links),
        cmocka_unit_test(test_unknown_and_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
