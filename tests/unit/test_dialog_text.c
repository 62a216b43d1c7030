/* SPDX-License-Identifier: Apache-2.0 */
/* Every standard SMS reply fits one SMS (issue 12): the whole text table, in both languages, with
 * the longest value of each argument put in, counted by the SMPP layer's own sms_plan (160 GSM
 * septets, the euro sign and the extension table counting two, or 70 UCS-2 units). Also: French
 * replies are spelled with their accents, and a text leaves GSM only where that was chosen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/limits.h"
#include "channel/smpp/gsm.h"
#include "dialog/command.h"
#include "dialog/dialog_int.h"
#include "dialog/dialog_text.h"
#include "vault/vault.h"

/* The longest value of each kind of argument, per language. Assumptions, stated once:
 * a  an amount or balance up to the grammar's largest amount (COMMAND_AMOUNT_MAJOR_MAX);
 * n  a payer as a payee sees them: a 20-letter name (NOM) and the masked number;
 * p  a payee: a charity's name (cut to 32 in replies) or a masked number;
 * q  a payee that can only be a number (money held for a number with no wallet);
 * r  an order reference (4); t a duration ("99 jours"); w a UTC time; u a count (2 digits);
 * l  a link on a public URL of DIALOG_LINK_BASE_SMS_MAX characters, with a 32-hex token;
 * c  the same for a payment request's page (/c/ rather than /enrol/);
 * k  a keyword or short code (31); x a ledger reason; o a one-time code;
 * s  a social account (X handles have 15 characters; Mastodon ones here up to 31);
 * T  the same for a top-up's page (/t/); y  a card refusal in words (dialog_topup_reason);
 * d  a card's last 4 digits; e  a card alias (15 letters);
 * m  who asks for a payment: a merchant (and campaign) name of any length and script, as
 *    dialog_sms_name shows it; f  the merchant's order reference, likewise. */
static const char *value(char kind, enum lang lang)
{
    static char link[128];
    const bool fr = lang == LANG_FR;

    switch (kind) {
    case 'a':
        return fr ? "1 000 000,00 €" : "€1,000,000.00";
    case 'n':
        return "Jean-Edouard Fontain (+33 6 .. .. 56 78)";
    case 'p':
        return "Association des Amis du Telethon";
    case 'q':
        return "+33 6 98 .. .. 32";
    case 'r':
        return "K7Q2";
    case 't':
        return fr ? "99 jours" : "99 days";
    case 'w':
        return fr ? "07/12/2026 23:40" : "2026-12-07 23:40";
    case 'u':
        return "99";
    case 'l':
        snprintf(link, sizeof(link), "%.*s/enrol/%s", DIALOG_LINK_BASE_SMS_MAX,
                 "https://pay.mandat-example.frxyz", "0123456789abcdef0123456789abcdef");
        return link;
    case 'c':
        snprintf(link, sizeof(link), "%.*s/c/%s", DIALOG_LINK_BASE_SMS_MAX,
                 "https://pay.mandat-example.frxyz", "0123456789abcdef0123456789abcdef");
        return link;
    case 'T':
        snprintf(link, sizeof(link), "%.*s/t/%s", DIALOG_LINK_BASE_SMS_MAX,
                 "https://pay.mandat-example.frxyz", "0123456789abcdef0123456789abcdef");
        return link;
    case 'K':
        snprintf(link, sizeof(link), "%.*s/k/%s", DIALOG_LINK_BASE_SMS_MAX,
                 "https://pay.mandat-example.frxyz", "0123456789abcdef0123456789abcdef");
        return link;
    case 'y':
        return fr ? "numéro de carte invalide" : "card number invalid";
    case 'k':
        return "ABCDEFGHIJKLMNOPQRSTUVWXYZ01234";
    case 'x':
        return "limit_exceeded:monthly_debits";
    case 'o':
        return "123456";
    case 'd':
        return "4242";
    case 'e':
        return "ABCDEFGHIJKLMNO";
    case 's':
        return "@abcdefghijklmnopqrstuvwxyz0123";
    case 'm':
        dialog_sms_name("Crêperie « L’Œuvre » pour Fête des Écoles de Saint-Brieuc (Côtes-d’Armor)",
                        DIALOG_PAYEE_SMS_MAX, link, sizeof(link));
        return link;
    case 'f':
        dialog_sms_name("Facture n° 2026-12-000123-ç", DIALOG_REFERENCE_SMS_MAX, link,
                        sizeof(link));
        return link;
    default:
        return "?";
    }
}

/* Per text: whether it goes by SMS ('S'), and its arguments in order. Texts that are not SMS:
 * 'P' social posts and direct messages (their networks' limits, not the SMS one), 'W' notes on
 * web pages, 'B' SMS whose builder stops at one SMS (tested where it is built). */
static const char *const spec[TEXT_COUNT] = {
    [TEXT_WELCOME] = "Sl",
    [TEXT_ALREADY_JOINED] = "S",
    [TEXT_NOT_JOINED] = "S",
    [TEXT_CODE_SET] = "S",
    [TEXT_CODE_NEEDED] = "S",
    [TEXT_BALANCE] = "Sa",
    [TEXT_HELP] = "S",
    [TEXT_CONFIRM_SEND] = "Saptr",
    [TEXT_CONFIRM_DONATE] = "Saptr",
    [TEXT_SENT] = "Sapa",
    [TEXT_RECEIVED] = "Sana",
    [TEXT_DONATED] = "Sapa",
    [TEXT_WRONG_CODE] = "Su",
    [TEXT_LOCKED_NOW] = "Sut",
    [TEXT_LOCKED] = "Sw",
    [TEXT_NO_ORDER] = "S",
    [TEXT_ORDER_WAITING] = "S",
    [TEXT_CANCELLED] = "S",
    [TEXT_EXPIRED] = "S",
    [TEXT_PAYEE_UNKNOWN] = "Spk",
    [TEXT_PAYEE_SELF] = "S",
    [TEXT_CHARITY_UNKNOWN] = "Sk",
    [TEXT_NO_FUNDS] = "Sa",
    [TEXT_LIMIT] = "S",
    [TEXT_LIMIT_VERIFIED] = "S",
    [TEXT_LIMIT_ORDER] = "Sa",
    [TEXT_FROZEN] = "S",
    [TEXT_PAYEE_FROZEN] = "Sp",
    [TEXT_PAYEE_CAP] = "Spa",
    [TEXT_PAYEE_CAP_NOTICE] = "Sna",
    [TEXT_REFUSED] = "Sx",
    [TEXT_RELOAD_SOON] = "S",
    /* HISTORY: reply_history puts in as many movements as one SMS holds (test_dialog). */
    [TEXT_HISTORY] = "B",
    [TEXT_HISTORY_EMPTY] = "S",
    [TEXT_LANG_SET] = "S",
    [TEXT_BUSY] = "S",
    [TEXT_CONFIRM_SEND_NEW] = "Saqttr",
    [TEXT_HELD] = "Sapta",
    [TEXT_HELD_FOR_YOU] = "Snat",
    [TEXT_COLLECTED] = "Spa",
    [TEXT_RETURNED] = "Sapa",
    [TEXT_CLAIM_REFUSED] = "Sat",
    [TEXT_PAY_ASK] = "Smafr",
    [TEXT_PAY_ASK_LINK] = "Smafc",
    [TEXT_PAID] = "Samfa",
    [TEXT_PAID_CARD] = "Samfd",
    [TEXT_PAY_DECLINED] = "Sma",
    [TEXT_PAY_CANCELLED] = "Sma",
    [TEXT_PAY_EXPIRED] = "Sma",
    [TEXT_REFUNDED] = "Smafa",
    [TEXT_SOCIAL_LINK] = "P",
    [TEXT_SOCIAL_ALREADY_LINKED] = "P",
    [TEXT_SOCIAL_NOT_LINKED] = "P",
    [TEXT_SOCIAL_CONFIRM_SEND] = "P",
    [TEXT_SOCIAL_CONFIRM_DONATE] = "P",
    [TEXT_SOCIAL_CONFIRM_SEND_NEW] = "P",
    [TEXT_SOCIAL_INVITE] = "P",
    [TEXT_SOCIAL_LEAK] = "P",
    [TEXT_SOCIAL_NO_CODE] = "P",
    [TEXT_SOCIAL_LINKED] = "P",
    [TEXT_SOCIAL_LINK_NOTICE] = "Ss",
    [TEXT_SOCIAL_OTP] = "Sost",
    [TEXT_SOCIAL_HELP] = "P",
    [TEXT_CODE_ALREADY_SET] = "S",
    [TEXT_CODE_CHANGED] = "S",
    [TEXT_CODE_CHANGED_RESET_OFF] = "S",
    [TEXT_CODE_WRONG_OLD] = "Su",
    [TEXT_CODE_LOCKED_NOW] = "St",
    [TEXT_CODE_LOCKED_LEFT] = "St",
    [TEXT_CODE_BY_SMS] = "S",
    [TEXT_RESET_STARTED] = "Sw",
    [TEXT_RESET_ALREADY] = "Sw",
    [TEXT_RESET_BLOCKS] = "Sw",
    [TEXT_RESET_NOT_YET] = "Sw",
    [TEXT_RESET_DONE] = "S",
    [TEXT_RESET_DONE_OPERATOR] = "S",
    [TEXT_RESET_KEPT] = "S",
    [TEXT_RESET_CANCELLED_OPERATOR] = "S",
    [TEXT_RESET_NONE] = "S",
    [TEXT_REPEAT_SEND] = "Sapr",
    [TEXT_REPEAT_DONATE] = "Sapr",
    [TEXT_NO_REPEAT] = "S",
    [TEXT_NAME_SET] = "Sn",
    [TEXT_NAME_CLEARED] = "S",
    [TEXT_CARD_CONFIRM_RELOAD] = "Sdeaatr",
    [TEXT_CARD_RELOADED] = "Sadeaaa",
    [TEXT_CARD_LOADED_HOLDER] = "Sada",
    [TEXT_ISO_WITHDRAWAL] = "Saada",
    [TEXT_ISO_FORCED_POST] = "Saada",
    [TEXT_CARD_YEAR_CAP] = "Sda",
    [TEXT_CARD_MIN] = "Sa",
    [TEXT_CARD_INACTIVE] = "Sded",
    [TEXT_CARD_BLOCKED] = "Sde",
    [TEXT_CARD_ALIAS_UNKNOWN] = "See",
    [TEXT_CARD_ADDED] = "Sdee",
    [TEXT_CARD_WRONG] = "Su",
    [TEXT_CARD_TOO_MANY] = "Su",
    /* CARDS_LIST: dialog_card_hook puts in as many aliases as one SMS holds. */
    [TEXT_CARDS_LIST] = "B",
    [TEXT_CARDS_NONE] = "S",
    [TEXT_CARD_ACTIVATED] = "Sd",
    [TEXT_CARD_ACTIVE_ALREADY] = "Sd",
    [TEXT_CARD_NOT_YOURS] = "Sd",
    [TEXT_CARD_ACTIVATION_WRONG] = "Su",
    [TEXT_CARD_ACTIVATION_LOCKED] = "S",
    [TEXT_CARD_BLOCKED_NOW] = "Sde",
    [TEXT_CARD_BALANCE] = "Sdaa",
    [TEXT_CARD_NONE_HERE] = "S",
    [TEXT_CARD_FILE_FORGOTTEN] = "Sd",
    [TEXT_CARD_FILE_NONE] = "S",
    [TEXT_CARD_CONFIRM_RELOAD_BANK] = "Sdeaadtr",
    [TEXT_CARD_RELOADED_BANK] = "Sadeada",
    [TEXT_TOPUP_CARD_LINK] = "SdaaTt",
    [TEXT_TOPUP_REFUNDED] = "Saad",
    [TEXT_TOPUP_REFUNDED_CAP] = "Sdaad",
    [TEXT_TOPUP_LINK] = "SaTt",
    [TEXT_TOPUP_DONE] = "Sada",
    [TEXT_TOPUP_DONE_KEPT] = "Sada",
    [TEXT_TOPUP_DECLINED] = "Say",
    [TEXT_TOPUP_CHECKING] = "Sa",
    [TEXT_TOPUP_OFF] = "S",
    [TEXT_CARD_ORDER_LINK] = "SaKt",
    [TEXT_CARD_PIN_LINK] = "SdKt",
    [TEXT_CARD_PIN_SENT] = "Sd",
    [TEXT_CARD_PIN_OFF] = "Sd",
    [TEXT_CARD_ORDER_DONE] = "Sdea",
    [TEXT_CARD_ORDER_OFF] = "S",
    [TEXT_PAGE_HOLDER_BAD] = "W",
    [TEXT_PAGE_ALIAS_BAD] = "W",
    [TEXT_PAGE_ALIAS_TAKEN] = "W",
    [TEXT_TOPUP_CAP] = "Saa",
    [TEXT_TOPUP_WHY_REFUSED] = "W",
    [TEXT_TOPUP_WHY_FUNDS] = "W",
    [TEXT_TOPUP_WHY_EXPIRED] = "W",
    [TEXT_TOPUP_WHY_INVALID] = "W",
    [TEXT_PAGE_LINK_GONE] = "W",
    [TEXT_PAGE_ORDER_GONE] = "W",
    [TEXT_PAGE_BUSY] = "W",
    [TEXT_PAGE_NO_RANDOM] = "W",
    [TEXT_PAGE_PHONE_FIRST] = "W",
    [TEXT_PAGE_OTP_EXPIRED] = "W",
    [TEXT_PAGE_PHONE_BAD] = "W",
    [TEXT_PAGE_WRONG_OTP] = "W",
    [TEXT_PAGE_WRONG_CODE] = "W",
};

/* The French texts that leave GSM 03.38 on purpose (a letter GSM lacks, the text short enough
 * for one 70-unit UCS-2 SMS): spelling right wins there. Every other SMS text stays GSM. */
static const enum dialog_text ucs2_chosen[] = {TEXT_RELOAD_SOON, TEXT_LANG_SET};

/* fmt with each %s / %u replaced by the longest value of its kind. */
static void fill(const char *fmt, const char *kinds, enum lang lang, char *out, size_t cap)
{
    size_t o = 0, k = 0;

    for (const char *f = fmt; *f != '\0' && o + 1 < cap; f++) {
        if (f[0] == '%' && (f[1] == 's' || f[1] == 'u')) {
            if (kinds[k] == '\0') {
                fail_msg("the spec names fewer arguments than '%s' has", fmt);
            }
            o += (size_t)snprintf(out + o, cap - o, "%s", value(kinds[k++], lang));
            f++;
        } else {
            out[o++] = *f;
        }
    }
    out[o < cap ? o : cap - 1] = '\0';
    if (kinds[k] != '\0') {
        fail_msg("the spec names more arguments than '%s' has", fmt);
    }
}

static bool chosen_ucs2(enum dialog_text t)
{
    for (size_t i = 0; i < sizeof(ucs2_chosen) / sizeof(ucs2_chosen[0]); i++) {
        if (ucs2_chosen[i] == t) {
            return true;
        }
    }
    return false;
}

static void test_every_sms_reply_fits_one_sms(void **state)
{
    char text[1024];
    int failures = 0;

    (void)state;
    for (int t = 0; t < TEXT_COUNT; t++) {
        assert_non_null(spec[t]); /* a new text must say how it travels */
        if (spec[t][0] != 'S') {
            continue;
        }
        for (int l = 0; l < 2; l++) {
            enum lang lang = l == 0 ? LANG_FR : LANG_EN;
            struct sms_plan plan;

            fill(dialog_text((enum dialog_text)t, lang), spec[t] + 1, lang, text, sizeof(text));
            assert_int_equal(sms_plan(text, strlen(text), &plan), 0);
            if (plan.parts != 1) {
                printf("text %d (%s): %u parts, %zu units: %s\n", t, l == 0 ? "fr" : "en",
                       plan.parts, plan.units, text);
                failures++;
            }
            if (plan.coding != SMS_CODING_GSM && !chosen_ucs2((enum dialog_text)t)) {
                printf("text %d (%s) is UCS-2 without a choice: %s\n", t, l == 0 ? "fr" : "en",
                       text);
                failures++;
            }
        }
    }
    assert_int_equal(failures, 0);
}

/* The command hints are SMS replies too. */
static void test_hints_fit_one_sms(void **state)
{
    (void)state;
    for (int h = 1; h < HINT_COUNT_; h++) {
        for (int l = 0; l < 2; l++) {
            const char *t = command_hint_text((enum command_hint)h, l == 0 ? LANG_FR : LANG_EN);
            struct sms_plan plan;

            assert_int_equal(sms_plan(t, strlen(t), &plan), 0);
            assert_int_equal(plan.parts, 1);
            assert_int_equal(plan.coding, SMS_CODING_GSM);
        }
    }
}

/* So are the weak-code answers (CODE 123456). */
static void test_weak_code_texts_fit_one_sms(void **state)
{
    (void)state;
    for (int w = PIN_NOT_SIX_DIGITS; w <= PIN_IN_PHONE; w++) {
        for (int l = 0; l < 2; l++) {
            const char *t = vault_pin_weakness_text((enum pin_weakness)w, l == 0);
            struct sms_plan plan;

            assert_int_equal(sms_plan(t, strlen(t), &plan), 0);
            assert_int_equal(plan.parts, 1);
            assert_int_equal(plan.coding, SMS_CODING_GSM);
        }
    }
}

/* French is written in French: no word of the replies, hints or weak-code answers without its
 * accent. */
static void test_french_accents(void **state)
{
    static const char *const unaccented[] = {"repondez", "bientot", "numero ", "recu ",
                                             "deja ",    "depot",   " a ete",  "debite",
                                             "annule ",  "verifie", "reessay", "bloque "};

    const int hints = HINT_COUNT_, weak = PIN_IN_PHONE + 1;

    (void)state;
    for (int t = 0; t < TEXT_COUNT + hints + weak; t++) {
        const char *fr =
            t < TEXT_COUNT ? dialog_text((enum dialog_text)t, LANG_FR)
            : t < TEXT_COUNT + hints
                ? command_hint_text((enum command_hint)(t - TEXT_COUNT), LANG_FR)
                : vault_pin_weakness_text((enum pin_weakness)(t - TEXT_COUNT - hints), true);

        for (size_t i = 0; fr != NULL && i < sizeof(unaccented) / sizeof(unaccented[0]); i++) {
            if (strstr(fr, unaccented[i]) != NULL) {
                fail_msg("text %d has '%s': %s", t, unaccented[i], fr);
            }
        }
    }
}

/* Names and references others chose: Latin letters GSM lacks written with GSM ones, the ones
 * it has kept, other scripts kept, cut on a whole character with no blank at the end. */
static void test_sms_name(void **state)
{
    char out[64];

    (void)state;
    dialog_sms_name("Crêperie Œuvre", 32, out, sizeof(out));
    assert_string_equal(out, "Creperie OEuvre");
    dialog_sms_name("Boutique Zoé", 32, out, sizeof(out));
    assert_string_equal(out, "Boutique Zoé"); /* é is GSM */
    dialog_sms_name("Garçon l’été", 32, out, sizeof(out));
    assert_string_equal(out, "Garcon l'été");
    dialog_sms_name("Boutique Zoé pour Contre la faim", 12, out, sizeof(out));
    assert_string_equal(out, "Boutique Zoé");
    dialog_sms_name("Boutique Zoé pour Contre la faim", 13, out, sizeof(out));
    assert_string_equal(out, "Boutique Zoé"); /* the blank a cut leaves is dropped */
    dialog_sms_name("مخبز الأمل", 32, out, sizeof(out));
    assert_string_equal(out, "مخبز الأمل"); /* no spelling of ours for Arabic letters */
    dialog_sms_name("Zoé", 32, out, 4);
    assert_string_equal(out, "Zo"); /* no room for é's two bytes: stop before it */
    dialog_sms_name("ab\xc3", 32, out, sizeof(out));
    assert_string_equal(out, "ab"); /* a character cut short at the end is dropped */
    dialog_sms_name("", 32, out, sizeof(out));
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_sms_reply_fits_one_sms),
        cmocka_unit_test(test_hints_fit_one_sms),
        cmocka_unit_test(test_weak_code_texts_fit_one_sms),
        cmocka_unit_test(test_french_accents),
        cmocka_unit_test(test_sms_name),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
