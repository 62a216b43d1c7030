/* SPDX-License-Identifier: Apache-2.0 */
/* The command grammar: find the keyword of a message (tables below), read the arguments of
 * each command (codes, languages, names; SEND, DONATE and RELOAD in command_args.c, the words
 * in command_text.c), and the names and texts of commands and hints. */
#include "dialog/command.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dialog/command_int.h"

struct keyword_entry {
    const char *word; /* folded: upper-case ASCII letters */
    enum command_type type;
    enum lang lang;
    bool lang_known;
};

static const struct keyword_entry keywords[] = {
    {"INSCRIPTION", CMD_JOIN, LANG_FR, true},   {"INSCRIRE", CMD_JOIN, LANG_FR, true},
    {"JOIN", CMD_JOIN, LANG_EN, true},          {"START", CMD_JOIN, LANG_EN, true},
    {"OUVRIR", CMD_JOIN, LANG_FR, true},        {"OPEN", CMD_JOIN, LANG_EN, true},
    {"CODE", CMD_CODE, LANG_FR, false},         {"PIN", CMD_CODE, LANG_EN, true},
    {"SOLDE", CMD_BALANCE, LANG_FR, true},      {"BAL", CMD_BALANCE, LANG_EN, true},
    {"BALANCE", CMD_BALANCE, LANG_EN, true},    {"HISTO", CMD_HISTORY, LANG_FR, true},
    {"HISTORIQUE", CMD_HISTORY, LANG_FR, true}, {"HIST", CMD_HISTORY, LANG_EN, true},
    {"HISTORY", CMD_HISTORY, LANG_EN, true},    {"AIDE", CMD_HELP, LANG_FR, true},
    {"HELP", CMD_HELP, LANG_EN, true},          {"INFO", CMD_HELP, LANG_FR, false},
    {"ENVOI", CMD_SEND, LANG_FR, true},         {"ENVOYER", CMD_SEND, LANG_FR, true},
    {"ENVOIE", CMD_SEND, LANG_FR, true},        {"PAYER", CMD_SEND, LANG_FR, true},
    {"SEND", CMD_SEND, LANG_EN, true},          {"PAY", CMD_SEND, LANG_EN, true},
    {"DON", CMD_DONATE, LANG_FR, true},         {"DONNER", CMD_DONATE, LANG_FR, true},
    {"GIVE", CMD_DONATE, LANG_EN, true},        {"DONATE", CMD_DONATE, LANG_EN, true},
    {"RECHARGE", CMD_RELOAD, LANG_FR, true},    {"RECHARGER", CMD_RELOAD, LANG_FR, true},
    {"RELOAD", CMD_RELOAD, LANG_EN, true},      {"TOPUP", CMD_RELOAD, LANG_EN, true},
    {"ANNULER", CMD_CANCEL, LANG_FR, true},     {"ANNULE", CMD_CANCEL, LANG_FR, true},
    {"CANCEL", CMD_CANCEL, LANG_EN, true},      {"LANGUE", CMD_LANG, LANG_FR, true},
    {"LANG", CMD_LANG, LANG_EN, true},          {"LANGUAGE", CMD_LANG, LANG_EN, true},
    {"FRANCAIS", CMD_LANG, LANG_FR, true},      {"ENGLISH", CMD_LANG, LANG_EN, true},
    {"STOP", CMD_STOP, LANG_FR, false},         {"OUBLI", CMD_CODE_RESET, LANG_FR, true},
    {"FORGOT", CMD_CODE_RESET, LANG_EN, true},  {"ENCORE", CMD_AGAIN, LANG_FR, true},
    {"AGAIN", CMD_AGAIN, LANG_EN, true},        {"NOM", CMD_NAME, LANG_FR, true},
    {"NAME", CMD_NAME, LANG_EN, true},          {"CARTE", CMD_CARD_ADD, LANG_FR, true},
    {"CARD", CMD_CARD_ADD, LANG_EN, true},      {"CARTES", CMD_CARDS, LANG_FR, true},
    {"CARDS", CMD_CARDS, LANG_EN, true},        {"ACTIVER", CMD_ACTIVATE, LANG_FR, true},
    {"ACTIVATE", CMD_ACTIVATE, LANG_EN, true},  {"BLOQUER", CMD_BLOCK, LANG_FR, true},
    {"BLOCK", CMD_BLOCK, LANG_EN, true},        {"ALIMENTER", CMD_TOPUP, LANG_FR, true},
    {"ALIMENTE", CMD_TOPUP, LANG_FR, true},     {"CB", CMD_CARD_FORGET, LANG_FR, true},
};

#define KEYWORDS_COUNT (sizeof(keywords) / sizeof(keywords[0]))

/* Politeness after SOLDE or HISTO, which is not a card alias: "SOLDE SVP". */
static const char *const courtesies[] = {"SVP", "STP", "MERCI", "PLEASE", "PLS", "THANKS", "THX"};

/* ------------------------------------------------------------------------------------------ */
/* Other commands                                                                             */

/* Gather the digits of the digit words from arg a on into digits (at most cap - 1 kept, the
 * count returned whole, so that too many is seen). After the first 6 digits, one linking word
 * may stand before the next group ("CODE 483920 PAR 271828"); other words end the code. */
static size_t code_digits(struct parse *ps, size_t a, char *digits, size_t cap)
{
    static const char *const links[] = {"A", "PAR", "EN", "TO", "NEW", "NOUVEAU", "VERS"};
    size_t nd = 0;
    bool linked = false;
    char f[FOLD_MAX];

    for (; a < ps->narg; a++) {
        if (!cmd_arg_is_digits(ps, a)) {
            if (linked || nd != COMMAND_CODE_DIGITS || !cmd_arg_fold(ps, a, false, f, sizeof(f)) ||
                !cmd_word_in(f, links, sizeof(links) / sizeof(links[0]))) {
                break;
            }
            linked = true;
            continue;
        }
        for (size_t i = 0; i < cmd_arg_len(ps, a); i++) {
            if (nd + 1 < cap) {
                digits[nd] = cmd_arg_text(ps, a)[i];
            }
            nd++;
        }
    }
    return nd;
}

/* CODE 123456, CODE 123 456: digit words right after the keyword, 6 digits in all; words after
 * them are ignored. The digits are gathered in a local buffer wiped before returning. */
static void code_parse(struct parse *ps)
{
    char digits[2 * COMMAND_CODE_DIGITS + 1];
    size_t nd = code_digits(ps, 0, digits, sizeof(digits));

    if (nd == COMMAND_CODE_DIGITS) {
        memcpy(ps->out->code, digits, COMMAND_CODE_DIGITS);
        ps->out->code[COMMAND_CODE_DIGITS] = '\0';
    } else {
        cmd_hint_set(ps->out, HINT_CODE_FORMAT, NULL);
    }
    explicit_bzero(digits, sizeof(digits));
}

static enum lang country_lang(const char *country);

/* PIN CARTE, PIN CARD (the holder's own card), PIN MAMAN (a sender's alias): the card PIN's
 * link. False (and nothing changed) when the first word is digits, a reset or keep word, or no
 * name: then PIN is CODE as before. */
static bool card_pin_parse(struct parse *ps)
{
    static const char *const code_words[] = {
        "OUBLIE", "OUBLI",  "PERDU", "REINITIALISER", "FORGOT", "FORGOTTEN", "LOST",
        "RESET",  "GARDER", "GARDE", "CONSERVER",     "KEEP",   "A",         "PAR",
        "EN",     "TO",     "NEW",   "NOUVEAU",       "VERS"};
    char f[FOLD_MAX];

    if (ps->narg == 0 || cmd_arg_is_digits(ps, 0) || !cmd_name_read(ps, 0, f) || strlen(f) > 15 ||
        cmd_word_in(f, code_words, sizeof(code_words) / sizeof(code_words[0]))) {
        return false;
    }
    ps->out->type = CMD_CARD_PIN;
    /* CARTE is French, CARD English; an alias says nothing: the country's, as for CODE. */
    ps->out->lang_known = strcmp(f, "CARTE") == 0 || strcmp(f, "CARD") == 0;
    if (!ps->out->lang_known) {
        ps->out->lang = country_lang(ps->country);
    } else {
        ps->out->lang = strcmp(f, "CARTE") == 0 ? LANG_FR : LANG_EN;
    }
    cmd_copy_utf8(ps->out->keyword, sizeof(ps->out->keyword), f, strlen(f));
    return true;
}

/* After the CODE keyword: a reset (CODE OUBLIE), a reset withdrawn with the code (CODE GARDER
 * 123456), a code to set (CODE 123456) or a change (CODE <old> <new>, 12 digits split 6 + 6).
 * 9 to 11 or more than 12 digits is a change mistyped: its hint says how to write one (7 or 8
 * is a mistyped code, as for a bare code). */
static void code_command_parse(struct parse *ps)
{
    static const char *const reset_fr[] = {"OUBLIE", "OUBLI", "PERDU", "REINITIALISER"};
    static const char *const reset_en[] = {"FORGOT", "FORGOTTEN", "LOST", "RESET"};
    static const char *const keep[] = {"GARDER", "GARDE", "CONSERVER", "KEEP"};
    char digits[2 * COMMAND_CODE_DIGITS + 1], f[FOLD_MAX];
    size_t nd, first = 0;

    if (ps->narg > 0 && cmd_arg_fold(ps, 0, false, f, sizeof(f))) {
        bool fr = cmd_word_in(f, reset_fr, sizeof(reset_fr) / sizeof(reset_fr[0]));

        if (fr || cmd_word_in(f, reset_en, sizeof(reset_en) / sizeof(reset_en[0]))) {
            ps->out->type = CMD_CODE_RESET;
            ps->out->lang = fr ? LANG_FR : LANG_EN;
            ps->out->lang_known = true;
            return;
        }
        if (cmd_word_in(f, keep, sizeof(keep) / sizeof(keep[0]))) {
            ps->out->type = CMD_CODE_KEEP;
            first = 1;
        }
    }
    nd = code_digits(ps, first, digits, sizeof(digits));
    if (nd == COMMAND_CODE_DIGITS) {
        memcpy(ps->out->code, digits, COMMAND_CODE_DIGITS);
    } else if (nd == 2 * COMMAND_CODE_DIGITS && first == 0) {
        memcpy(ps->out->code, digits, COMMAND_CODE_DIGITS);
        memcpy(ps->out->new_code, digits + COMMAND_CODE_DIGITS, COMMAND_CODE_DIGITS);
    } else if (nd > COMMAND_CODE_DIGITS + 2 && first == 0) {
        cmd_hint_set(ps->out, HINT_CODE_CHANGE_FORMAT, NULL);
    } else {
        cmd_hint_set(ps->out, HINT_CODE_FORMAT, NULL);
    }
    explicit_bzero(digits, sizeof(digits));
}

/* LANGUE EN, LANG FR, LANGUE FRANÇAIS. */
static void lang_parse(struct parse *ps)
{
    static const char *const fr[] = {"FR", "FRA", "FRANCAIS", "FRENCH"};
    static const char *const en[] = {"EN", "ENG", "ENGLISH", "ANGLAIS"};
    char f[FOLD_MAX];

    if (ps->narg > 0 && cmd_arg_fold(ps, 0, false, f, sizeof(f)) &&
        cmd_word_in(f, fr, sizeof(fr) / sizeof(fr[0]))) {
        ps->out->lang = LANG_FR;
    } else if (ps->narg > 0 && cmd_arg_fold(ps, 0, false, f, sizeof(f)) &&
               cmd_word_in(f, en, sizeof(en) / sizeof(en[0]))) {
        ps->out->lang = LANG_EN;
    } else {
        cmd_hint_set(ps->out, HINT_LANG_INVALID, NULL);
        return;
    }
    ps->out->lang_known = true;
}

/* SOLDE MAMAN, HISTO MAMAN, AIDE ENVOI: an optional name after the keyword (card alias or help
 * topic); politeness is not a name. */
static void optional_name(struct parse *ps)
{
    char f[FOLD_MAX];

    if (ps->narg == 0 || !cmd_name_read(ps, 0, f) ||
        cmd_word_in(f, courtesies, sizeof(courtesies) / sizeof(courtesies[0]))) {
        return;
    }
    cmd_copy_utf8(ps->out->keyword, sizeof(ps->out->keyword), f, strlen(f));
}

/* Letters a name may hold: ASCII ones and the accented letters of GSM 03.38, so that a receipt
 * naming the payer never turns into a 70-character UCS-2 SMS. */
static bool name_char_ok(uint32_t cp)
{
    static const uint32_t gsm_letters[] = {0xe9, 0xe8, 0xf9, 0xec, 0xf2, 0xc7, 0xc9, 0xe0,
                                           0xe4, 0xf6, 0xf1, 0xfc, 0xc4, 0xd6, 0xd1, 0xdc,
                                           0xc5, 0xe5, 0xc6, 0xe6, 0xdf, 0xd8, 0xf8};

    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp == ' ' || cp == '-' ||
        cp == '\'') {
        return true;
    }
    for (size_t i = 0; i < sizeof(gsm_letters) / sizeof(gsm_letters[0]); i++) {
        if (gsm_letters[i] == cp) {
            return true;
        }
    }
    return false;
}

/* NOM Karim: the rest of the message, blanks collapsed, into note; checked letter by letter. */
static void name_parse(struct parse *ps)
{
    const unsigned char *u = (const unsigned char *)ps->out->note;
    size_t chars = 0, len;

    if (ps->narg == 0) {
        return; /* NOM alone: remove the name */
    }
    cmd_note_set(ps, 0);
    len = strlen(ps->out->note);
    for (size_t i = 0; i < len;) {
        uint32_t cp = 0;
        size_t n = cmd_utf8_decode(u + i, len - i, &cp);

        if (n == 0 || !name_char_ok(cp) || ++chars > COMMAND_NAME_CHARS_MAX) {
            ps->out->note[0] = '\0';
            cmd_hint_set(ps->out, HINT_NAME_INVALID, "a name is letters, spaces, - and '");
            return;
        }
        i += n;
    }
}

/* The last 4 digits of a card at arg a, then its activation code (6 digits, maybe split "123
 * 456"): CARTE AJOUT MAMAN 4242 123456, ACTIVER 4242 123456. False when they do not read. */
static bool card_digits_parse(struct parse *ps, size_t a)
{
    char digits[2 * COMMAND_CODE_DIGITS + 1];
    size_t nd;

    if (a >= ps->narg || !cmd_arg_is_digits(ps, a) || cmd_arg_len(ps, a) != 4) {
        return false;
    }
    memcpy(ps->out->last4, cmd_arg_text(ps, a), 4);
    ps->out->last4[4] = '\0';
    nd = code_digits(ps, a + 1, digits, sizeof(digits));
    if (nd == COMMAND_CODE_DIGITS) {
        memcpy(ps->out->code, digits, COMMAND_CODE_DIGITS);
        ps->out->code[COMMAND_CODE_DIGITS] = '\0';
    }
    explicit_bzero(digits, sizeof(digits));
    return nd == COMMAND_CODE_DIGITS;
}

static const char *const forget_words[] = {"OUBLIER", "OUBLIE", "FORGET"};

/* Whether the only argument is OUBLIER or FORGET (CB OUBLIER, CARD FORGET). */
static bool forget_only(const struct parse *ps)
{
    char f[FOLD_MAX];

    return ps->narg == 1 && cmd_arg_fold(ps, 0, false, f, sizeof(f)) &&
           cmd_word_in(f, forget_words, sizeof(forget_words) / sizeof(forget_words[0]));
}

/* CARTE AJOUT MAMAN 4242 123456 (AJOUT may be left out: CARTE MAMAN 4242 123456). CARD FORGET
 * is the bank card on file's (CMD_CARD_FORGET). */
static void card_add_parse(struct parse *ps)
{
    static const char *const add[] = {"AJOUT", "AJOUTER", "AJOUTE", "ADD", "LINK", "LIER"};
    static const char *const order[] = {"COMMANDE", "COMMANDER", "ORDER"};
    char f[FOLD_MAX];
    size_t a = 0;

    if (forget_only(ps)) {
        ps->out->type = CMD_CARD_FORGET;
        return;
    }
    if (ps->narg > 0 && cmd_arg_fold(ps, 0, false, f, sizeof(f)) &&
        cmd_word_in(f, order, sizeof(order) / sizeof(order[0]))) {
        ps->out->type = CMD_CARD_ORDER; /* CARTE COMMANDE: what follows is ignored */
        return;
    }
    if (ps->narg > 0 && cmd_arg_fold(ps, 0, false, f, sizeof(f)) &&
        cmd_word_in(f, add, sizeof(add) / sizeof(add[0]))) {
        a = 1;
    }
    if (a >= ps->narg || !cmd_name_read(ps, a, f) || strlen(f) > 15 ||
        !card_digits_parse(ps, a + 1)) {
        explicit_bzero(ps->out->code, sizeof(ps->out->code));
        ps->out->last4[0] = '\0';
        cmd_hint_set(ps->out, HINT_CARD_ADD_FORMAT, NULL);
        return;
    }
    cmd_copy_utf8(ps->out->keyword, sizeof(ps->out->keyword), f, strlen(f));
}

/* ACTIVER 4242 123456. */
static void activate_parse(struct parse *ps)
{
    if (!card_digits_parse(ps, 0)) {
        explicit_bzero(ps->out->code, sizeof(ps->out->code));
        ps->out->last4[0] = '\0';
        cmd_hint_set(ps->out, HINT_ACTIVATE_FORMAT, NULL);
    }
}

/* BLOQUER MAMAN. */
static void block_parse(struct parse *ps)
{
    char f[FOLD_MAX];

    if (ps->narg == 0 || !cmd_name_read(ps, 0, f) || strlen(f) > 15) {
        cmd_hint_set(ps->out, HINT_BLOCK_MISSING, NULL);
        return;
    }
    cmd_copy_utf8(ps->out->keyword, sizeof(ps->out->keyword), f, strlen(f));
}

/* RECHARGE MAMAN 100 CB: the note names the bank card on file, and is no note. */
static void reload_by_card(struct command *out)
{
    static const char *const words[] = {"CB", "CARD", "CARTE BANCAIRE", "BANK CARD"};

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strcasecmp(out->note, words[i]) == 0) {
            out->by_card = true;
            out->note[0] = '\0';
            return;
        }
    }
}

static void command_dispatch(struct parse *ps, const struct keyword_entry *k)
{
    ps->out->type = k->type;
    switch (k->type) {
    case CMD_CODE:
        if (strcmp(k->word, "PIN") == 0 && card_pin_parse(ps)) {
            break;
        }
        code_command_parse(ps);
        break;
    case CMD_BALANCE:
    case CMD_HISTORY:
    case CMD_HELP:
        optional_name(ps);
        break;
    case CMD_SEND:
        cmd_pair_parse(ps, SLOT_PAYEE);
        break;
    case CMD_DONATE:
        cmd_pair_parse(ps, SLOT_CHARITY);
        break;
    case CMD_RELOAD:
        if (strcmp(k->word, "TOPUP") == 0 && cmd_amount_only(ps)) {
            ps->out->type = CMD_TOPUP; /* TOPUP 50: the wallet; TOPUP 50 MUM: a card */
            cmd_amount_parse(ps);
            break;
        }
        cmd_pair_parse(ps, SLOT_ALIAS);
        reload_by_card(ps->out);
        break;
    case CMD_TOPUP:
        cmd_amount_parse(ps);
        break;
    case CMD_NAME:
        name_parse(ps);
        break;
    case CMD_CARD_ADD:
        card_add_parse(ps);
        break;
    case CMD_ACTIVATE:
        activate_parse(ps);
        break;
    case CMD_BLOCK:
        block_parse(ps);
        break;
    case CMD_CARD_FORGET:
        if (!forget_only(ps)) {
            cmd_hint_set(ps->out, HINT_CARD_FORGET_FORMAT, NULL);
        }
        break;
    case CMD_LANG:
        if (strcmp(k->word, "FRANCAIS") == 0 || strcmp(k->word, "ENGLISH") == 0) {
            ps->out->lang_known = true;
        } else {
            lang_parse(ps);
        }
        break;
    default:
        /* JOIN, CANCEL, STOP take no argument; what follows is ignored (an opt-out is never
         * refused for its wording). */
        break;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* The message                                                                                */

/* The keyword entry for word w, or NULL. "?" (and "??") alone asks for help. */
static const struct keyword_entry *keyword_find(const struct parse *ps, size_t w)
{
    static const struct keyword_entry question = {"?", CMD_HELP, LANG_FR, false};
    const struct word *wd = &ps->word[w];
    char f[FOLD_MAX];
    bool all_question = wd->raw_len > 0;

    for (size_t i = 0; i < wd->raw_len; i++) {
        all_question = all_question && ps->s[wd->raw_off + i] == '?';
    }
    if (all_question) {
        return &question;
    }
    if (wd->len == 0 || cmd_fold_upper(ps->s + wd->off, wd->len, false, f, sizeof(f)) <= 0) {
        return NULL;
    }
    for (size_t i = 0; i < KEYWORDS_COUNT; i++) {
        if (strcmp(f, keywords[i].word) == 0) {
            return &keywords[i];
        }
    }
    return NULL;
}

/* A message of digits only ("123456", "123 456") is a confirmation code when it has 6 of them;
 * 4 to 8 digits are taken as a mistyped code. Returns false when the message is not digits. */
static bool bare_code(struct parse *ps)
{
    size_t total = 0;

    if (ps->narg == 0) {
        return false;
    }
    for (size_t a = 0; a < ps->narg; a++) {
        if (!cmd_arg_is_digits(ps, a)) {
            return false;
        }
        total += cmd_arg_len(ps, a);
    }
    if (total == COMMAND_CODE_DIGITS) {
        ps->out->type = CMD_CONFIRM;
        code_parse(ps);
    } else if (total >= COMMAND_CODE_DIGITS - 2 && total <= COMMAND_CODE_DIGITS + 2) {
        cmd_hint_set(ps->out, HINT_CODE_FORMAT, NULL);
    } else {
        cmd_hint_set(ps->out, HINT_UNKNOWN_COMMAND, NULL);
    }
    return true;
}

static bool word_is_mention(const struct parse *ps, size_t w)
{
    return ps->word[w].len > 1 && ps->s[ps->word[w].off] == '@';
}

/* Find the keyword and gather the arguments. Social posts start with the service's handle
 * ("@SMoneyfr #envoyer 20€ @bob"): a first @mention is skipped. One more @mention right before
 * the keyword ("@SMoneyfr @bob #send 5€") is kept as the first argument. Words that are only
 * punctuation are not arguments. Returns the keyword entry, or NULL (ps->arg then holds every
 * remaining word, for bare_code). */
static const struct keyword_entry *message_read(struct parse *ps)
{
    const struct keyword_entry *k = NULL;
    size_t w = 0, pre = SIZE_MAX;

    while (w < ps->nword && ps->word[w].len == 0 && keyword_find(ps, w) == NULL) {
        w++;
    }
    if (w + 1 < ps->nword && word_is_mention(ps, w)) {
        w++;
    }
    if (w + 1 < ps->nword && word_is_mention(ps, w) && keyword_find(ps, w + 1) != NULL) {
        pre = w;
        w++;
    }
    ps->narg = 0;
    if (w < ps->nword) {
        k = keyword_find(ps, w);
    }
    if (pre != SIZE_MAX) {
        ps->arg[ps->narg++] = (uint16_t)pre;
    }
    for (size_t i = k != NULL ? w + 1 : w; i < ps->nword; i++) {
        if (ps->word[i].len > 0) {
            ps->arg[ps->narg++] = (uint16_t)i;
        }
    }
    return k;
}

/* Messages quoted by replies are in the language of the keyword; without one, in the default
 * country's. */
static enum lang country_lang(const char *country)
{
    return strcasecmp(country, "GB") == 0 || strcasecmp(country, "US") == 0 ? LANG_EN : LANG_FR;
}

/* Refuse what cannot be read at all: too long, not UTF-8, empty. Returns false when out holds
 * the answer already. */
static bool message_check(struct parse *ps)
{
    char detail[MDT_ERR_MSG_MAX];
    size_t bad;

    if (ps->len > COMMAND_TEXT_MAX) {
        snprintf(detail, sizeof(detail), "message of %zu bytes: at most %d", ps->len,
                 COMMAND_TEXT_MAX);
        cmd_hint_set(ps->out, HINT_TOO_LONG, detail);
        return false;
    }
    bad = cmd_utf8_check(ps->s, ps->len);
    if (bad < ps->len) {
        snprintf(detail, sizeof(detail), "%s at byte %zu: the message is not UTF-8 text",
                 ps->s[bad] == '\0' ? "NUL" : "invalid byte", bad);
        cmd_hint_set(ps->out, HINT_ENCODING, detail);
        return false;
    }
    cmd_words_split(ps);
    if (ps->nword == 0) {
        cmd_hint_set(ps->out, HINT_EMPTY, NULL);
        return false;
    }
    return true;
}

int command_parse(const char *utf8, size_t len, const char *default_country,
                  const struct currency *default_currency, struct command *out)
{
    struct parse ps;
    const struct keyword_entry *k;
    int rc = 0;

    if (out == NULL) {
        rc = MDT_E(INVAL);
        goto out;
    }
    memset(out, 0, sizeof(*out));
    out->type = CMD_NONE;
    out->hint = HINT_NONE;
    if ((utf8 == NULL && len > 0) || default_currency == NULL ||
        !phone_country_known(default_country)) {
        rc = MDT_E(INVAL);
        goto out;
    }
    ps.s = utf8 != NULL ? utf8 : "";
    ps.len = len;
    ps.country = default_country;
    ps.fallback = default_currency;
    ps.out = out;
    out->lang = country_lang(default_country);
    if (!message_check(&ps)) {
        goto out;
    }
    k = message_read(&ps);
    if (k == NULL) {
        if (!bare_code(&ps)) {
            cmd_hint_set(out, HINT_UNKNOWN_COMMAND, NULL);
        }
        goto out;
    }
    if (k->lang_known) {
        out->lang = k->lang;
        out->lang_known = true;
    }
    ps.money_lang = out->lang;
    command_dispatch(&ps, k);
out:
    return rc;
}

const char *command_hint_text(enum command_hint hint, enum lang lang)
{
    static const char *const fr[] = {
#define COMMAND_HINT_FR_(name, text_fr, text_en) [HINT_##name] = text_fr,
        COMMAND_HINT_MAP(COMMAND_HINT_FR_)
#undef COMMAND_HINT_FR_
    };
    static const char *const en[] = {
#define COMMAND_HINT_EN_(name, text_fr, text_en) [HINT_##name] = text_en,
        COMMAND_HINT_MAP(COMMAND_HINT_EN_)
#undef COMMAND_HINT_EN_
    };

    if ((unsigned)hint >= HINT_COUNT_) {
        return "";
    }
    return lang == LANG_EN ? en[hint] : fr[hint];
}

const char *command_type_str(enum command_type type)
{
    static const char *const names[] = {
#define COMMAND_TYPE_STR_(name, text) [CMD_##name] = text,
        COMMAND_TYPE_MAP(COMMAND_TYPE_STR_)
#undef COMMAND_TYPE_STR_
    };

    if ((unsigned)type >= CMD_COUNT_) {
        return "?";
    }
    return names[type];
}

const char *command_hint_str(enum command_hint hint)
{
    static const char *const names[] = {
#define COMMAND_HINT_STR_(name, text_fr, text_en) [HINT_##name] = #name,
        COMMAND_HINT_MAP(COMMAND_HINT_STR_)
#undef COMMAND_HINT_STR_
    };

    if ((unsigned)hint >= HINT_COUNT_) {
        return "?";
    }
    return names[hint];
}
