/* SPDX-License-Identifier: Apache-2.0 */
/* The command grammar: validate and split a message into words, fold the keyword to upper-case
 * ASCII, and read the arguments of each command (amounts, payees, keywords, codes, notes). */
#include "dialog/command.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Words in a message: a word and the blank after it take at least two bytes. */
#define WORDS_MAX (COMMAND_TEXT_MAX / 2 + 1)

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

/* Folded keywords: the longest keyword, INSCRIPTION, has 11 letters. */
#define FOLD_MAX 32

/* Bytes of a word quoted in a detail message. */
#define QUOTE_MAX 40

_Static_assert(COMMAND_TEXT_MAX < UINT16_MAX, "word offsets are stored in uint16_t");
_Static_assert(COMMAND_HANDLE_MAX + 1 >= PHONE_E164_MAX, "a reading holds a phone or a handle");
_Static_assert(COMMAND_HANDLE_MAX + 1 >= FOLD_MAX, "a reading holds a keyword");

/* A word between blanks (raw), and the same without surrounding punctuation (core). */
struct word {
    uint16_t raw_off, raw_len;
    uint16_t off, len;
};

/* Parser state. arg[] indexes the words that are arguments of the command (non-empty cores);
 * its first entry may be an @mention written before the keyword. */
struct parse {
    const char *s;
    size_t len;
    struct word word[WORDS_MAX];
    size_t nword;
    uint16_t arg[WORDS_MAX];
    size_t narg;
    const char *country;
    const struct currency *fallback;
    enum lang money_lang;
    struct command *out;
};

/* What fills the second slot of SEND, DONATE and RELOAD, besides the amount. */
enum slot {
    SLOT_PAYEE,
    SLOT_CHARITY,
    SLOT_ALIAS,
};

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
    {"NAME", CMD_NAME, LANG_EN, true},
};

#define KEYWORDS_COUNT (sizeof(keywords) / sizeof(keywords[0]))

/* Little words between the amount and the payee or association: "envoie 20 € à @bob". */
static const char *const fillers[] = {"A", "AU", "TO", "POUR", "FOR"};

/* Politeness after SOLDE or HISTO, which is not a card alias: "SOLDE SVP". */
static const char *const courtesies[] = {"SVP", "STP", "MERCI", "PLEASE", "PLS", "THANKS", "THX"};

/* ------------------------------------------------------------------------------------------ */
/* UTF-8 and folding                                                                          */

/* Decode the well-formed UTF-8 sequence at s (RFC 3629 §4: no overlong forms, no surrogates,
 * nothing above U+10FFFF) into *cp; returns its length, or 0 when it is malformed. */
static size_t utf8_decode(const unsigned char *s, size_t rest, uint32_t *cp)
{
    uint32_t c, min;
    size_t n;

    if (rest == 0) {
        return 0;
    }
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        n = 2;
        c = s[0] & 0x1fu;
        min = 0x80;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        n = 3;
        c = s[0] & 0x0fu;
        min = 0x800;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        n = 4;
        c = s[0] & 0x07u;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n > rest) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        c = (c << 6) | (s[i] & 0x3fu);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        return 0;
    }
    *cp = c;
    return n;
}

/* Offset of the first byte that is not well-formed UTF-8 or is NUL, or len when there is none. */
static size_t utf8_check(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        uint32_t cp = 0;
        size_t n = utf8_decode(u + i, len - i, &cp);

        if (n == 0 || cp == 0) {
            break;
        }
        i += n;
    }
    return i;
}

/* Blanks between words: ASCII and Unicode spaces, line ends, zero-width spaces and the byte
 * order mark, and control characters (C0, DEL, C1), which people cannot mean as text. */
static bool is_blank(uint32_t cp)
{
    return cp <= 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200b) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
           cp == 0x205f || cp == 0x3000 || cp == 0xfeff;
}

/* Punctuation that may open a word ("(merci", "«ENVOI") or close it ("SOLDE?", "10,", "@bob."). */
static bool is_opening(uint32_t cp)
{
    return cp == '"' || cp == '\'' || cp == '(' || cp == '[' || cp == '{' || cp == 0xa1 ||
           cp == 0xab || cp == 0xbf || cp == 0x2018 || cp == 0x201c || cp == 0x201e;
}

static bool is_closing(uint32_t cp)
{
    return cp == '.' || cp == ',' || cp == ';' || cp == ':' || cp == '!' || cp == '?' ||
           cp == '"' || cp == '\'' || cp == ')' || cp == ']' || cp == '}' || cp == 0xbb ||
           cp == 0x2019 || cp == 0x201d || cp == 0x2026;
}

/* Upper-case ASCII for U+00C0 to U+017F (Latin-1 Supplement and Latin Extended-A): the base
 * letter of each, '.' for the two signs (× ÷), '*' for letters written with two (see fold_two). */
static const char latin_fold[] = "AAAAAA*CEEEEIIIIDNOOOOO.OUUUUY**"
                                 "AAAAAA*CEEEEIIIIDNOOOOO.OUUUUY*Y"
                                 "AAAAAACCCCCCCCDDDDEEEEEEEEEEGGGG"
                                 "GGGGHHHHIIIIIIIIII**JJKKKLLLLLLL"
                                 "LLLNNNNNNNNNOOOOOO**RRRRRRSSSSSS"
                                 "SSTTTTTTUUUUUUUUUUUUWWYYYZZZZZZS";

_Static_assert(sizeof(latin_fold) == 0x180 - 0xc0 + 1, "one entry per code point");

/* Æ æ -> AE, Þ þ -> TH, ß -> SS, Ĳ ĳ -> IJ, Œ œ -> OE. */
static const char *fold_two(uint32_t cp)
{
    switch (cp) {
    case 0xc6:
    case 0xe6:
        return "AE";
    case 0xde:
    case 0xfe:
        return "TH";
    case 0xdf:
        return "SS";
    case 0x132:
    case 0x133:
        return "IJ";
    default:
        return "OE";
    }
}

/* Fold s[0..len) to upper-case ASCII for matching: letters lose their accents (é -> E, ï -> I,
 * œ -> OE), combining accents (U+0300 to U+036F) vanish, digits stay. keep_marks keeps '-' and
 * '_' (names: "MAMAN-2"); otherwise they, '.', '#' and '\'' are dropped (keywords: "TOP-UP").
 * Any other character makes the word unmatchable. Returns the length written, or -1 when a
 * character has no fold or out (cap bytes, NUL included) is too small. Cost O(len). */
static int fold_upper(const char *s, size_t len, bool keep_marks, char *out, size_t cap)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, o = 0;

    while (i < len) {
        uint32_t cp = 0;
        size_t n = utf8_decode(u + i, len - i, &cp);
        const char *put = NULL;
        char one[2] = {0, 0};

        if (n == 0) {
            return -1;
        }
        i += n;
        if ((cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')) {
            one[0] = (char)cp;
        } else if (cp >= 'a' && cp <= 'z') {
            one[0] = (char)(cp - 'a' + 'A');
        } else if (cp >= 0xc0 && cp < 0x180 && latin_fold[cp - 0xc0] == '*') {
            put = fold_two(cp);
        } else if (cp >= 0xc0 && cp < 0x180 && latin_fold[cp - 0xc0] != '.') {
            one[0] = latin_fold[cp - 0xc0];
        } else if ((cp >= 0x300 && cp <= 0x36f) ||
                   (!keep_marks && (cp == '#' || cp == '.' || cp == '\'' || cp == 0x2019))) {
            continue;
        } else if (cp == '-' || cp == '_') {
            one[0] = keep_marks ? (char)cp : '\0';
        } else {
            return -1;
        }
        if (put == NULL) {
            put = one;
        }
        if (strlen(put) >= cap - o) {
            return -1;
        }
        memcpy(out + o, put, strlen(put));
        o += strlen(put);
    }
    out[o] = '\0';
    return (int)o;
}

/* Copy at most cap - 1 bytes of src (n bytes, valid UTF-8) to dst, cut at a character boundary,
 * NUL-terminated. */
static void copy_utf8(char *dst, size_t cap, const char *src, size_t n)
{
    if (n > cap - 1) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80) {
            n--;
        }
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* ------------------------------------------------------------------------------------------ */
/* Words                                                                                      */

/* Trim punctuation around the word raw[off .. off + len) into its core. */
static void word_core(const char *s, struct word *w)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t a = w->raw_off, b = (size_t)w->raw_off + w->raw_len;

    while (a < b) {
        uint32_t cp = 0;
        size_t n = utf8_decode(u + a, b - a, &cp);

        if (n == 0 || !is_opening(cp)) {
            break;
        }
        a += n;
    }
    while (b > a) {
        size_t start = b - 1;
        uint32_t cp = 0;

        while (start > a && (u[start] & 0xc0) == 0x80 && b - start < 4) {
            start--;
        }
        if (utf8_decode(u + start, b - start, &cp) != b - start || !is_closing(cp)) {
            break;
        }
        b = start;
    }
    w->off = (uint16_t)a;
    w->len = (uint16_t)(b - a);
}

/* Split the validated message into words at blanks. */
static void words_split(struct parse *ps)
{
    const unsigned char *u = (const unsigned char *)ps->s;
    size_t i = 0;

    ps->nword = 0;
    while (i < ps->len && ps->nword < WORDS_MAX) {
        uint32_t cp = 0;
        size_t n = utf8_decode(u + i, ps->len - i, &cp);
        size_t start = i;
        struct word *w;

        if (n == 0 || is_blank(cp)) {
            i += n == 0 ? 1 : n;
            continue;
        }
        while (i < ps->len) {
            n = utf8_decode(u + i, ps->len - i, &cp);
            if (n == 0 || is_blank(cp)) {
                break;
            }
            i += n;
        }
        w = &ps->word[ps->nword++];
        w->raw_off = (uint16_t)start;
        w->raw_len = (uint16_t)(i - start);
        word_core(ps->s, w);
    }
}

static const char *arg_text(const struct parse *ps, size_t a)
{
    return ps->s + ps->word[ps->arg[a]].off;
}

static size_t arg_len(const struct parse *ps, size_t a)
{
    return ps->word[ps->arg[a]].len;
}

/* Join the cores of arg[a .. a + n) with single spaces into buf; false when they do not fit. */
static bool args_join(const struct parse *ps, size_t a, size_t n, char *buf, size_t cap)
{
    size_t o = 0;

    for (size_t i = a; i < a + n; i++) {
        size_t l = arg_len(ps, i);

        if (o + l + 2 > cap) {
            return false;
        }
        if (i > a) {
            buf[o++] = ' ';
        }
        memcpy(buf + o, arg_text(ps, i), l);
        o += l;
    }
    buf[o] = '\0';
    return true;
}

/* Folded form of arg a for matching (keep_marks as in fold_upper); false when it has none. */
static bool arg_fold(const struct parse *ps, size_t a, bool keep_marks, char *out, size_t cap)
{
    return fold_upper(arg_text(ps, a), arg_len(ps, a), keep_marks, out, cap) > 0;
}

static bool word_in(const char *folded, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(folded, list[i]) == 0) {
            return true;
        }
    }
    return false;
}

static bool arg_is_filler(const struct parse *ps, size_t a)
{
    char f[FOLD_MAX];

    return a < ps->narg && arg_fold(ps, a, false, f, sizeof(f)) &&
           word_in(f, fillers, sizeof(fillers) / sizeof(fillers[0]));
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Whether arg a is only digits. */
static bool arg_is_digits(const struct parse *ps, size_t a)
{
    const char *t = arg_text(ps, a);
    size_t l = arg_len(ps, a);

    for (size_t i = 0; i < l; i++) {
        if (!is_digit(t[i])) {
            return false;
        }
    }
    return l > 0;
}

/* A quote of arg a for detail messages: at most QUOTE_MAX bytes, whole characters. */
static void arg_quote(const struct parse *ps, size_t a, char out[QUOTE_MAX + 1])
{
    copy_utf8(out, QUOTE_MAX + 1, arg_text(ps, a), arg_len(ps, a));
}

/* ------------------------------------------------------------------------------------------ */
/* Results                                                                                    */

/* The first problem found is the one reported. detail may be NULL. */
static void hint_set(struct command *out, enum command_hint hint, const char *detail)
{
    if (out->hint != HINT_NONE) {
        return;
    }
    out->hint = hint;
    if (detail != NULL) {
        copy_utf8(out->detail, sizeof(out->detail), detail, strlen(detail));
    }
}

/* The note: the message from arg a to its end, blanks collapsed to one space, cut to
 * COMMAND_NOTE_MAX bytes at a character boundary. */
static void note_set(struct parse *ps, size_t a)
{
    const unsigned char *u = (const unsigned char *)ps->s;
    char *note = ps->out->note;
    size_t i = ps->word[ps->arg[a]].raw_off, o = 0;
    bool blank = false;

    while (i < ps->len && o < COMMAND_NOTE_MAX) {
        uint32_t cp = 0;
        size_t n = utf8_decode(u + i, ps->len - i, &cp);

        if (n == 0) {
            break;
        }
        if (is_blank(cp)) {
            blank = true;
        } else {
            if (blank && o + 1 + n > COMMAND_NOTE_MAX) {
                break;
            }
            if (blank) {
                note[o++] = ' ';
                blank = false;
            }
            if (o + n > COMMAND_NOTE_MAX) {
                break;
            }
            memcpy(note + o, ps->s + i, n);
            o += n;
        }
        i += n;
    }
    note[o] = '\0';
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
        hint_set(ps->out, HINT_AMOUNT_TOO_LARGE, "amount above the largest an order may move");
    }
    if (r->minor == 0 && args_join(ps, r->at, r->n, text, sizeof(text))) {
        snprintf(detail, sizeof(detail), "'%s' is zero: send an amount above 0", text);
        hint_set(ps->out, HINT_AMOUNT_INVALID, detail);
    }
}

static void slot_set(struct parse *ps, enum slot slot, const struct slot_read *r)
{
    struct command *out = ps->out;

    if (slot != SLOT_PAYEE) {
        copy_utf8(out->keyword, sizeof(out->keyword), r->text, strlen(r->text));
    } else if (r->phone) {
        copy_utf8(out->payee_e164, sizeof(out->payee_e164), r->text, strlen(r->text));
    } else {
        copy_utf8(out->payee_handle, sizeof(out->payee_handle), r->text, strlen(r->text));
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

    if (a >= ps->narg ||
        (arg_len(ps, a) > 1 && arg_text(ps, a)[0] == '0' && is_digit(arg_text(ps, a)[1]))) {
        return 0;
    }
    max = ps->narg - a < AMOUNT_WORDS_MAX ? ps->narg - a : AMOUNT_WORDS_MAX;
    for (size_t n = max; n >= 1; n--) {
        struct amount_read *cand = &r[count];

        if (!args_join(ps, a, n, buf, sizeof(buf))) {
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
    const char *t = arg_text(ps, a);
    size_t l = arg_len(ps, a);

    if (t[0] == '-') {
        return true;
    }
    for (size_t i = 0; i < l; i++) {
        if (is_digit(t[i])) {
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
        hint_set(ps->out, HINT_AMOUNT_MISSING, NULL);
        return;
    }
    arg_quote(ps, a, q);
    if (!args_join(ps, a, 1, buf, sizeof(buf))) {
        snprintf(detail, sizeof(detail), "'%s' is too long for an amount", q);
    } else if (money_parse(buf, ps->money_lang, ps->fallback, &minor, &cur, &err) != 0) {
        snprintf(detail, sizeof(detail), "%s", err.msg);
        if (err.code == MDT_E(RANGE)) {
            hint_set(ps->out, HINT_AMOUNT_TOO_LARGE, detail);
            return;
        }
    } else {
        snprintf(detail, sizeof(detail), "'%s' looks like a phone number, not an amount", q);
    }
    hint_set(ps->out, HINT_AMOUNT_INVALID, detail);
}

/* ------------------------------------------------------------------------------------------ */
/* Payees, associations and cards                                                             */

static bool is_handle_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' ||
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
static bool name_read(const struct parse *ps, size_t a, char out[FOLD_MAX])
{
    const char *t = arg_text(ps, a);
    size_t l = arg_len(ps, a);
    char probe[FOLD_MAX + 2];
    const struct currency *cur = NULL;
    int64_t minor = 0;
    bool letter = false;

    if (t[0] == '#') {
        t++;
        l--;
    }
    if (l == 0 || fold_upper(t, l, true, out, FOLD_MAX) <= 0 || out[0] == '-' || out[0] == '_') {
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
    const char *t = arg_text(ps, a);
    size_t l = arg_len(ps, a);
    bool digit = false;

    for (size_t i = 0; i < l; i++) {
        if (is_digit(t[i])) {
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
        return name_read(ps, a, r[count].text) ? count + 1 : count;
    }
    if (arg_text(ps, a)[0] == '@') {
        return handle_read(arg_text(ps, a), arg_len(ps, a), r[count].text) ? count + 1 : count;
    }
    for (size_t n = phone_run(ps, a); n >= 1; n--) {
        struct slot_read *cand = &r[count];

        if (!args_join(ps, a, n, buf, sizeof(buf)) ||
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

    arg_quote(ps, a, q);
    if (slot == SLOT_CHARITY) {
        snprintf(detail, cap, "'%s' is not an association keyword: use letters and digits", q);
    } else if (slot == SLOT_ALIAS) {
        snprintf(detail, cap, "'%s' is not a card name: use letters and digits", q);
    } else if (q[0] == '@') {
        snprintf(detail, cap, "'%s' is not a handle: use letters, digits and _ after the @", q);
    } else if (n == 0) {
        snprintf(detail, cap, "'%s' is not a phone number or an @handle", q);
    } else {
        while (n > 1 && !args_join(ps, a, n, buf, sizeof(buf))) {
            n--;
        }
        if (args_join(ps, a, n, buf, sizeof(buf)) &&
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
    char c = arg_text(ps, a)[0];

    return is_digit(c) || c == '+' || c == '@' || c == '(';
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
        hint_set(ps->out, slot_hint(slot, true), NULL);
        return;
    }
    slot_detail(ps, slot, a, detail, sizeof(detail));
    hint_set(ps->out, slot_hint(slot, false), detail);
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
        if (!args_join(ps, 0, n, buf, sizeof(buf))) {
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
        hint_set(ps->out, HINT_AMOUNT_MISSING, NULL);
        return;
    }
    if (amount_overflows(ps)) {
        hint_set(ps->out, HINT_AMOUNT_TOO_LARGE, "amount above the largest an order may move");
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
    t = arg_text(ps, 0);
    if (slot == SLOT_PAYEE && (t[0] == '+' || t[0] == '@' || t[0] == '(' ||
                               (t[0] == '0' && arg_len(ps, 0) > 1 && is_digit(t[1])))) {
        slot_detail(ps, slot, 0, detail, sizeof(detail));
        hint_set(ps->out, slot_hint(slot, false), detail);
    } else if (arg_amount_like(ps, 0)) {
        amount_diagnose(ps, 0);
        if (slot_readings(ps, slot, 1, slots) > 0) {
            slot_set(ps, slot, &slots[0]);
        }
    } else if (amount_readings(ps, 1, amounts) > 0) {
        slot_detail(ps, slot, 0, detail, sizeof(detail));
        hint_set(ps->out, slot_hint(slot, false), detail);
        amount_set(ps, &amounts[0]);
    } else {
        hint_set(ps->out, HINT_AMOUNT_MISSING, NULL);
    }
}

/* SEND, DONATE, RELOAD. On success the rest of the message is the note. */
static void pair_parse(struct parse *ps, enum slot slot)
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
        note_set(ps, end);
    }
}

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
        if (!arg_is_digits(ps, a)) {
            if (linked || nd != COMMAND_CODE_DIGITS || !arg_fold(ps, a, false, f, sizeof(f)) ||
                !word_in(f, links, sizeof(links) / sizeof(links[0]))) {
                break;
            }
            linked = true;
            continue;
        }
        for (size_t i = 0; i < arg_len(ps, a); i++) {
            if (nd + 1 < cap) {
                digits[nd] = arg_text(ps, a)[i];
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
        hint_set(ps->out, HINT_CODE_FORMAT, NULL);
    }
    explicit_bzero(digits, sizeof(digits));
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

    if (ps->narg > 0 && arg_fold(ps, 0, false, f, sizeof(f))) {
        bool fr = word_in(f, reset_fr, sizeof(reset_fr) / sizeof(reset_fr[0]));

        if (fr || word_in(f, reset_en, sizeof(reset_en) / sizeof(reset_en[0]))) {
            ps->out->type = CMD_CODE_RESET;
            ps->out->lang = fr ? LANG_FR : LANG_EN;
            ps->out->lang_known = true;
            return;
        }
        if (word_in(f, keep, sizeof(keep) / sizeof(keep[0]))) {
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
        hint_set(ps->out, HINT_CODE_CHANGE_FORMAT, NULL);
    } else {
        hint_set(ps->out, HINT_CODE_FORMAT, NULL);
    }
    explicit_bzero(digits, sizeof(digits));
}

/* LANGUE EN, LANG FR, LANGUE FRANÇAIS. */
static void lang_parse(struct parse *ps)
{
    static const char *const fr[] = {"FR", "FRA", "FRANCAIS", "FRENCH"};
    static const char *const en[] = {"EN", "ENG", "ENGLISH", "ANGLAIS"};
    char f[FOLD_MAX];

    if (ps->narg > 0 && arg_fold(ps, 0, false, f, sizeof(f)) &&
        word_in(f, fr, sizeof(fr) / sizeof(fr[0]))) {
        ps->out->lang = LANG_FR;
    } else if (ps->narg > 0 && arg_fold(ps, 0, false, f, sizeof(f)) &&
               word_in(f, en, sizeof(en) / sizeof(en[0]))) {
        ps->out->lang = LANG_EN;
    } else {
        hint_set(ps->out, HINT_LANG_INVALID, NULL);
        return;
    }
    ps->out->lang_known = true;
}

/* SOLDE MAMAN, HISTO MAMAN, AIDE ENVOI: an optional name after the keyword (card alias or help
 * topic); politeness is not a name. */
static void optional_name(struct parse *ps)
{
    char f[FOLD_MAX];

    if (ps->narg == 0 || !name_read(ps, 0, f) ||
        word_in(f, courtesies, sizeof(courtesies) / sizeof(courtesies[0]))) {
        return;
    }
    copy_utf8(ps->out->keyword, sizeof(ps->out->keyword), f, strlen(f));
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
    note_set(ps, 0);
    len = strlen(ps->out->note);
    for (size_t i = 0; i < len;) {
        uint32_t cp = 0;
        size_t n = utf8_decode(u + i, len - i, &cp);

        if (n == 0 || !name_char_ok(cp) || ++chars > COMMAND_NAME_CHARS_MAX) {
            ps->out->note[0] = '\0';
            hint_set(ps->out, HINT_NAME_INVALID, "a name is letters, spaces, - and '");
            return;
        }
        i += n;
    }
}

static void command_dispatch(struct parse *ps, const struct keyword_entry *k)
{
    ps->out->type = k->type;
    switch (k->type) {
    case CMD_CODE:
        code_command_parse(ps);
        break;
    case CMD_BALANCE:
    case CMD_HISTORY:
    case CMD_HELP:
        optional_name(ps);
        break;
    case CMD_SEND:
        pair_parse(ps, SLOT_PAYEE);
        break;
    case CMD_DONATE:
        pair_parse(ps, SLOT_CHARITY);
        break;
    case CMD_RELOAD:
        pair_parse(ps, SLOT_ALIAS);
        break;
    case CMD_NAME:
        name_parse(ps);
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
    if (wd->len == 0 || fold_upper(ps->s + wd->off, wd->len, false, f, sizeof(f)) <= 0) {
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
        if (!arg_is_digits(ps, a)) {
            return false;
        }
        total += arg_len(ps, a);
    }
    if (total == COMMAND_CODE_DIGITS) {
        ps->out->type = CMD_CONFIRM;
        code_parse(ps);
    } else if (total >= COMMAND_CODE_DIGITS - 2 && total <= COMMAND_CODE_DIGITS + 2) {
        hint_set(ps->out, HINT_CODE_FORMAT, NULL);
    } else {
        hint_set(ps->out, HINT_UNKNOWN_COMMAND, NULL);
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
        hint_set(ps->out, HINT_TOO_LONG, detail);
        return false;
    }
    bad = utf8_check(ps->s, ps->len);
    if (bad < ps->len) {
        snprintf(detail, sizeof(detail), "%s at byte %zu: the message is not UTF-8 text",
                 ps->s[bad] == '\0' ? "NUL" : "invalid byte", bad);
        hint_set(ps->out, HINT_ENCODING, detail);
        return false;
    }
    words_split(ps);
    if (ps->nword == 0) {
        hint_set(ps->out, HINT_EMPTY, NULL);
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
            hint_set(out, HINT_UNKNOWN_COMMAND, NULL);
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
