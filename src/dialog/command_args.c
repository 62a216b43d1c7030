/* SPDX-License-Identifier: Apache-2.0 */
/* The arguments of SEND, DONATE and RELOAD: amounts over one or more words, payees (phone
 * numbers over several words, @handles), association keywords and card aliases, in either order,
 * and the diagnosis of what does not read. */
#include <stdio.h>
#include <string.h>

#include "dialog/command_int.h"

/* Words one amount may span: "EUR 1 000 000,00" is four. */
#define AMOUNT_WORDS_MAX 5

/* Words one phone number may span: "+33 (0) 6 12 34 56 78" is seven; 16 allows digits typed
 * one by one up to E.164's 15, and bounds the readings tried for the payee. */
#define PHONE_WORDS_MAX 16

/* Readings of a payee or keyword at one place: with and without a leading "à" (two starts),
 * each with up to PHONE_WORDS_MAX lengths. */
#define CANDIDATES_MAX (2 * PHONE_WORDS_MAX)

/* Joined words handed to money_parse and phone_normalize: both read at most 64 bytes. */
#define JOIN_MAX 64

_Static_assert(COMMAND_HANDLE_MAX + 1 >= PHONE_E164_MAX, "a reading holds a phone or a handle");
_Static_assert(COMMAND_HANDLE_MAX + 1 >= FOLD_MAX, "a reading holds a keyword");

/* One reading of an amount: arg[at .. at + n). */
struct amount_read {
    size_t at, n;
    int64_t minor;
    const struct currency *cur;
};

/* One reading of a payee or keyword: arg[at .. at + n); text is the E.164 number, the handle
 * without '@', or the keyword. */
struct slot_read {
    size_t at, n;
    bool phone;
    char text[COMMAND_HANDLE_MAX + 1];
};

/* Little words between the amount and the payee or association: "envoie 20 € à @bob". */
static const char *const fillers[] = {"A", "AU", "TO", "POUR", "FOR"};

static bool arg_is_filler(const struct parse *ps, size_t a)
{
    char f[FOLD_MAX];

    return a < ps->narg && cmd_arg_fold(ps, a, false, f, sizeof(f)) &&
           cmd_word_in(f, fillers, sizeof(fillers) / sizeof(fillers[0]));
}

/* The grammar's largest amount in cur's minor units. */
static int64_t amount_max_minor(const struct currency *cur)
{
    int64_t m = COMMAND_AMOUNT_MAJOR_MAX;

    for (unsigned i = 0; cur != NULL && i < cur->exponent; i++) {
        m *= 10;
    }
    return m;
}

static void amount_set(struct parse *ps, const struct amount_read *r)
{
    char text[JOIN_MAX], detail[MDT_ERR_MSG_MAX];

    ps->out->amount_minor = r->minor;
    ps->out->currency = r->cur;
    if (r->minor > amount_max_minor(r->cur)) {
        cmd_hint_set(ps->out, HINT_AMOUNT_TOO_LARGE, "amount above the largest an order may move");
    }
    if (r->minor == 0 && cmd_args_join(ps, r->at, r->n, text, sizeof(text))) {
        snprintf(detail, sizeof(detail), "'%s' is zero: send an amount above 0", text);
        cmd_hint_set(ps->out, HINT_AMOUNT_INVALID, detail);
    }
}

static void slot_set(struct parse *ps, enum slot slot, const struct slot_read *r)
{
    struct command *out = ps->out;

    if (slot != SLOT_PAYEE) {
        cmd_copy_utf8(out->keyword, sizeof(out->keyword), r->text, strlen(r->text));
    } else if (r->phone) {
        cmd_copy_utf8(out->payee_e164, sizeof(out->payee_e164), r->text, strlen(r->text));
    } else {
        cmd_copy_utf8(out->payee_handle, sizeof(out->payee_handle), r->text, strlen(r->text));
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Amounts                                                                                    */

/* Readings of an amount starting at arg a, longest first, into r (AMOUNT_WORDS_MAX entries);
 * returns how many. Zero amounts are readings (reported later): "ENVOI 0 0612345678" is an
 * amount problem, not a grammar problem. A word starting with 0 and another digit is a phone
 * number, never an amount ("ENVOI 0612345678 10"). At most AMOUNT_WORDS_MAX money_parse calls. */
static size_t amount_readings(const struct parse *ps, size_t a, struct amount_read *r)
{
    char buf[JOIN_MAX];
    size_t count = 0, max;

    if (a >= ps->narg || (cmd_arg_len(ps, a) > 1 && cmd_arg_text(ps, a)[0] == '0' &&
                          cmd_is_digit(cmd_arg_text(ps, a)[1]))) {
        return 0;
    }
    max = ps->narg - a < AMOUNT_WORDS_MAX ? ps->narg - a : AMOUNT_WORDS_MAX;
    for (size_t n = max; n >= 1; n--) {
        struct amount_read *cand = &r[count];

        if (!cmd_args_join(ps, a, n, buf, sizeof(buf))) {
            continue;
        }
        if (money_parse(buf, ps->money_lang, ps->fallback, &cand->minor, &cand->cur, NULL) == 0) {
            cand->at = a;
            cand->n = n;
            count++;
        }
    }
    return count;
}

/* Whether arg a was meant as an amount: a digit or a leading minus sign ("-10", "10,505"). */
static bool arg_amount_like(const struct parse *ps, size_t a)
{
    const char *t = cmd_arg_text(ps, a);
    size_t l = cmd_arg_len(ps, a);

    if (t[0] == '-') {
        return true;
    }
    for (size_t i = 0; i < l; i++) {
        if (cmd_is_digit(t[i])) {
            return true;
        }
    }
    return false;
}

/* The amount slot at arg a holds no amount: say whether it is missing or wrong, and why. */
static void amount_diagnose(struct parse *ps, size_t a)
{
    char buf[JOIN_MAX], q[QUOTE_MAX + 1], detail[MDT_ERR_MSG_MAX];
    struct mdt_err err = {0};
    const struct currency *cur = NULL;
    int64_t minor = 0;

    if (a >= ps->narg || !arg_amount_like(ps, a)) {
        cmd_hint_set(ps->out, HINT_AMOUNT_MISSING, NULL);
        return;
    }
    cmd_arg_quote(ps, a, q);
    if (!cmd_args_join(ps, a, 1, buf, sizeof(buf))) {
        snprintf(detail, sizeof(detail), "'%s' is too long for an amount", q);
    } else if (money_parse(buf, ps->money_lang, ps->fallback, &minor, &cur, &err) != 0) {
        snprintf(detail, sizeof(detail), "%s", err.msg);
        if (err.code == MDT_E(RANGE)) {
            cmd_hint_set(ps->out, HINT_AMOUNT_TOO_LARGE, detail);
            return;
        }
    } else {
        snprintf(detail, sizeof(detail), "'%s' looks like a phone number, not an amount", q);
    }
    cmd_hint_set(ps->out, HINT_AMOUNT_INVALID, detail);
}

/* ------------------------------------------------------------------------------------------ */
/* Payees, associations and cards                                                             */

static bool is_handle_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || cmd_is_digit(c) || c == '_' ||
           c == '.' || c == '-';
}

/* "@bob" -> "bob"; a fediverse "@bob@mastodon.example" keeps its instance. Letters, digits,
 * '_', '.', '-'; at most one more '@', neither first nor last. */
static bool handle_read(const char *t, size_t l, char out[COMMAND_HANDLE_MAX + 1])
{
    size_t ats = 0;

    if (l < 2 || l - 1 > COMMAND_HANDLE_MAX || t[0] != '@' || !is_handle_char(t[1]) ||
        t[l - 1] == '@') {
        return false;
    }
    for (size_t i = 1; i < l; i++) {
        if (t[i] == '@') {
            ats++;
        } else if (!is_handle_char(t[i])) {
            return false;
        }
    }
    if (ats > 1) {
        return false;
    }
    memcpy(out, t + 1, l - 1);
    out[l - 1] = '\0';
    return true;
}

/* An association keyword or card alias: an optional '#', then letters (accents folded), digits,
 * '-' and '_', starting with a letter or digit and holding at least one letter, and not a
 * currency ("DON 5 EUR" lacks the association). */
bool cmd_name_read(const struct parse *ps, size_t a, char out[FOLD_MAX])
{
    const char *t = cmd_arg_text(ps, a);
    size_t l = cmd_arg_len(ps, a);
    char probe[FOLD_MAX + 2];
    const struct currency *cur = NULL;
    int64_t minor = 0;
    bool letter = false;

    if (t[0] == '#') {
        t++;
        l--;
    }
    if (l == 0 || cmd_fold_upper(t, l, true, out, FOLD_MAX) <= 0 || out[0] == '-' ||
        out[0] == '_') {
        return false;
    }
    for (size_t i = 0; out[i] != '\0'; i++) {
        letter = letter || (out[i] >= 'A' && out[i] <= 'Z');
    }
    snprintf(probe, sizeof(probe), "1 %s", out);
    return letter && money_parse(probe, LANG_FR, ps->fallback, &minor, &cur, NULL) != 0;
}

/* Whether arg a can be part of a phone number: digits and "+().-/" only, with a digit. */
static bool arg_phone_chars(const struct parse *ps, size_t a)
{
    const char *t = cmd_arg_text(ps, a);
    size_t l = cmd_arg_len(ps, a);
    bool digit = false;

    for (size_t i = 0; i < l; i++) {
        if (cmd_is_digit(t[i])) {
            digit = true;
        } else if (strchr("+().-/", t[i]) == NULL) {
            return false;
        }
    }
    return digit;
}

/* Args from a that can be part of a phone number, at most PHONE_WORDS_MAX. */
static size_t phone_run(const struct parse *ps, size_t a)
{
    size_t n = 0;

    while (a + n < ps->narg && n < PHONE_WORDS_MAX && arg_phone_chars(ps, a + n)) {
        n++;
    }
    return n;
}

/* Append the readings of slot at exactly arg a to r[count..]; returns the new count. Phone
 * numbers are read over the longest run of number-like words first, then shorter ones: the
 * payee ends where adding words stops giving a valid number, and when the words after it must
 * hold the amount, a shorter reading leaves them (at most PHONE_WORDS_MAX phone_normalize). */
static size_t slot_readings_at(const struct parse *ps, enum slot slot, size_t a,
                               struct slot_read *r, size_t count)
{
    char buf[JOIN_MAX];

    if (a >= ps->narg) {
        return count;
    }
    r[count].at = a;
    r[count].n = 1;
    r[count].phone = false;
    if (slot != SLOT_PAYEE) {
        return cmd_name_read(ps, a, r[count].text) ? count + 1 : count;
    }
    if (cmd_arg_text(ps, a)[0] == '@') {
        return handle_read(cmd_arg_text(ps, a), cmd_arg_len(ps, a), r[count].text) ? count + 1
                                                                                   : count;
    }
    for (size_t n = phone_run(ps, a); n >= 1; n--) {
        struct slot_read *cand = &r[count];

        if (!cmd_args_join(ps, a, n, buf, sizeof(buf)) ||
            phone_normalize(buf, ps->country, cand->text, NULL) != 0) {
            continue;
        }
        cand->at = a;
        cand->n = n;
        cand->phone = true;
        count++;
    }
    return count;
}

/* Readings of slot at arg a, preferred first: after a filler word ("à @bob") when one is there,
 * then at a itself. r has CANDIDATES_MAX entries. */
static size_t slot_readings(const struct parse *ps, enum slot slot, size_t a, struct slot_read *r)
{
    size_t count = 0;

    if (arg_is_filler(ps, a) && a + 1 < ps->narg) {
        count = slot_readings_at(ps, slot, a + 1, r, count);
    }
    return slot_readings_at(ps, slot, a, r, count);
}

/* Why arg a is not a payee, association or card, for people. */
static void slot_detail(const struct parse *ps, enum slot slot, size_t a, char *detail, size_t cap)
{
    char buf[JOIN_MAX], e164[PHONE_E164_MAX], q[QUOTE_MAX + 1];
    struct mdt_err err = {0};
    size_t n = phone_run(ps, a);

    cmd_arg_quote(ps, a, q);
    if (slot == SLOT_CHARITY) {
        snprintf(detail, cap, "'%s' is not an association keyword: use letters and digits", q);
    } else if (slot == SLOT_ALIAS) {
        snprintf(detail, cap, "'%s' is not a card name: use letters and digits", q);
    } else if (q[0] == '@') {
        snprintf(detail, cap, "'%s' is not a handle: use letters, digits and _ after the @", q);
    } else if (n == 0) {
        snprintf(detail, cap, "'%s' is not a phone number or an @handle", q);
    } else {
        while (n > 1 && !cmd_args_join(ps, a, n, buf, sizeof(buf))) {
            n--;
        }
        if (cmd_args_join(ps, a, n, buf, sizeof(buf)) &&
            phone_normalize(buf, ps->country, e164, &err) != 0) {
            snprintf(detail, cap, "%s", err.msg);
        } else {
            snprintf(detail, cap, "'%s' is not a phone number", q);
        }
    }
}

static enum command_hint slot_hint(enum slot slot, bool missing)
{
    if (slot == SLOT_PAYEE) {
        return missing ? HINT_PAYEE_MISSING : HINT_PAYEE_INVALID;
    }
    if (slot == SLOT_CHARITY) {
        return missing ? HINT_KEYWORD_MISSING : HINT_KEYWORD_INVALID;
    }
    return missing ? HINT_ALIAS_MISSING : HINT_ALIAS_INVALID;
}

/* Whether arg a was meant as a payee: where the payee should be, anything starting like a
 * number or a handle. */
static bool arg_payee_like(const struct parse *ps, size_t a)
{
    char c = cmd_arg_text(ps, a)[0];

    return cmd_is_digit(c) || c == '+' || c == '@' || c == '(';
}

/* The slot at arg a (after the amount) holds nothing valid: missing, or wrong and why. Words
 * that cannot be a payee are taken as a note written without the payee ("ENVOI 10 merci"). */
static void slot_diagnose(struct parse *ps, enum slot slot, size_t a)
{
    char detail[MDT_ERR_MSG_MAX];

    if (arg_is_filler(ps, a)) {
        a++;
    }
    if (a >= ps->narg || (slot == SLOT_PAYEE && !arg_payee_like(ps, a))) {
        cmd_hint_set(ps->out, slot_hint(slot, true), NULL);
        return;
    }
    slot_detail(ps, slot, a, detail, sizeof(detail));
    cmd_hint_set(ps->out, slot_hint(slot, false), detail);
}

/* ------------------------------------------------------------------------------------------ */
/* SEND, DONATE, RELOAD: an amount and a slot, in either order, then a note                   */

/* Amount first ("ENVOI 10 0612345678"): the longest amount after which the slot reads. */
static bool pair_amount_first(const struct parse *ps, enum slot slot, struct amount_read *ar,
                              struct slot_read *sr)
{
    struct amount_read amounts[AMOUNT_WORDS_MAX];
    struct slot_read slots[CANDIDATES_MAX];
    size_t na = amount_readings(ps, 0, amounts);

    for (size_t i = 0; i < na; i++) {
        if (slot_readings(ps, slot, amounts[i].n, slots) > 0) {
            *ar = amounts[i];
            *sr = slots[0];
            return true;
        }
    }
    return false;
}

/* Slot first ("ENVOI 0612345678 10", "pay @bob 20 EUR", "DON TELETHON 5"): the longest slot
 * after which an amount reads. */
static bool pair_slot_first(const struct parse *ps, enum slot slot, struct amount_read *ar,
                            struct slot_read *sr)
{
    struct amount_read amounts[AMOUNT_WORDS_MAX];
    struct slot_read slots[CANDIDATES_MAX];
    size_t ns = slot_readings(ps, slot, 0, slots);

    for (size_t i = 0; i < ns; i++) {
        if (amount_readings(ps, slots[i].at + slots[i].n, amounts) > 0) {
            *ar = amounts[0];
            *sr = slots[i];
            return true;
        }
    }
    return false;
}

/* Whether the amount at arg 0 goes on past the longest reading with more digit groups and is
 * then too large ("1 000 000 000 000 000 000,00 €"): the payee is not to blame. At most
 * AMOUNT_WORDS_MAX more money_parse calls. */
static bool amount_overflows(const struct parse *ps)
{
    char buf[JOIN_MAX];
    const struct currency *cur = NULL;
    int64_t minor = 0;
    struct mdt_err err = {0};
    size_t max = ps->narg < 2 * AMOUNT_WORDS_MAX ? ps->narg : 2 * AMOUNT_WORDS_MAX;

    for (size_t n = max; n > AMOUNT_WORDS_MAX; n--) {
        if (!cmd_args_join(ps, 0, n, buf, sizeof(buf))) {
            continue;
        }
        err.code = 0;
        if (money_parse(buf, ps->money_lang, ps->fallback, &minor, &cur, &err) == 0) {
            return minor > amount_max_minor(cur);
        }
        if (err.code == MDT_E(RANGE)) {
            return true;
        }
    }
    return false;
}

/* Neither order reads: keep what does read and say what is missing or wrong. */
static void pair_diagnose(struct parse *ps, enum slot slot)
{
    struct amount_read amounts[AMOUNT_WORDS_MAX];
    struct slot_read slots[CANDIDATES_MAX];
    char detail[MDT_ERR_MSG_MAX];
    const char *t;

    if (ps->narg == 0) {
        cmd_hint_set(ps->out, HINT_AMOUNT_MISSING, NULL);
        return;
    }
    if (amount_overflows(ps)) {
        cmd_hint_set(ps->out, HINT_AMOUNT_TOO_LARGE, "amount above the largest an order may move");
        return;
    }
    if (amount_readings(ps, 0, amounts) > 0) {
        slot_diagnose(ps, slot, amounts[0].n);
        amount_set(ps, &amounts[0]);
        return;
    }
    if (slot_readings(ps, slot, 0, slots) > 0) {
        slot_set(ps, slot, &slots[0]);
        amount_diagnose(ps, slots[0].at + slots[0].n);
        return;
    }
    /* The first word is neither: a number that is not one ("06123"), an amount that is not one
     * ("-10", "10,505"), or a payee or name that is not one ("ENVOI maman 10"). */
    t = cmd_arg_text(ps, 0);
    if (slot == SLOT_PAYEE && (t[0] == '+' || t[0] == '@' || t[0] == '(' ||
                               (t[0] == '0' && cmd_arg_len(ps, 0) > 1 && cmd_is_digit(t[1])))) {
        slot_detail(ps, slot, 0, detail, sizeof(detail));
        cmd_hint_set(ps->out, slot_hint(slot, false), detail);
    } else if (arg_amount_like(ps, 0)) {
        amount_diagnose(ps, 0);
        if (slot_readings(ps, slot, 1, slots) > 0) {
            slot_set(ps, slot, &slots[0]);
        }
    } else if (amount_readings(ps, 1, amounts) > 0) {
        slot_detail(ps, slot, 0, detail, sizeof(detail));
        cmd_hint_set(ps->out, slot_hint(slot, false), detail);
        amount_set(ps, &amounts[0]);
    } else {
        cmd_hint_set(ps->out, HINT_AMOUNT_MISSING, NULL);
    }
}

/* SEND, DONATE, RELOAD. On success the rest of the message is the note. */
void cmd_pair_parse(struct parse *ps, enum slot slot)
{
    struct amount_read ar;
    struct slot_read sr;
    size_t end;

    if (!pair_amount_first(ps, slot, &ar, &sr) && !pair_slot_first(ps, slot, &ar, &sr)) {
        pair_diagnose(ps, slot);
        return;
    }
    slot_set(ps, slot, &sr);
    amount_set(ps, &ar);
    end = ar.at + ar.n > sr.at + sr.n ? ar.at + ar.n : sr.at + sr.n;
    if (end < ps->narg) {
        cmd_note_set(ps, end);
    }
}

bool cmd_amount_only(struct parse *ps)
{
    struct amount_read r[AMOUNT_WORDS_MAX];
    size_t n = amount_readings(ps, 0, r);

    return n > 0 && r[0].n == ps->narg;
}

/* ALIMENTER 50, TOPUP 50 EUR: the longest reading of an amount from the first word. */
void cmd_amount_parse(struct parse *ps)
{
    struct amount_read r[AMOUNT_WORDS_MAX];
    size_t n = amount_readings(ps, 0, r);

    if (n == 0 && (ps->narg == 0 || !arg_amount_like(ps, 0))) {
        cmd_hint_set(ps->out, HINT_TOPUP_AMOUNT, NULL); /* the hint shows TOPUP's own form */
        return;
    }
    if (n == 0) {
        amount_diagnose(ps, 0);
        return;
    }
    amount_set(ps, &r[0]);
}
