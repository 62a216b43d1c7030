/* SPDX-License-Identifier: Apache-2.0 */
/* The words of a command: UTF-8 validation, folding to upper-case ASCII for matching, the split
 * into words and their cores, and the results every reading writes (hints, the note). */
#include <string.h>

#include "dialog/command_int.h"

/* ------------------------------------------------------------------------------------------ */
/* UTF-8 and folding                                                                          */

/* Decode the well-formed UTF-8 sequence at s (RFC 3629 §4: no overlong forms, no surrogates,
 * nothing above U+10FFFF) into *cp; returns its length, or 0 when it is malformed. */
size_t cmd_utf8_decode(const unsigned char *s, size_t rest, uint32_t *cp)
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
size_t cmd_utf8_check(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        uint32_t cp = 0;
        size_t n = cmd_utf8_decode(u + i, len - i, &cp);

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
int cmd_fold_upper(const char *s, size_t len, bool keep_marks, char *out, size_t cap)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, o = 0;

    while (i < len) {
        uint32_t cp = 0;
        size_t n = cmd_utf8_decode(u + i, len - i, &cp);
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
void cmd_copy_utf8(char *dst, size_t cap, const char *src, size_t n)
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
        size_t n = cmd_utf8_decode(u + a, b - a, &cp);

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
        if (cmd_utf8_decode(u + start, b - start, &cp) != b - start || !is_closing(cp)) {
            break;
        }
        b = start;
    }
    w->off = (uint16_t)a;
    w->len = (uint16_t)(b - a);
}

/* Split the validated message into words at blanks. */
void cmd_words_split(struct parse *ps)
{
    const unsigned char *u = (const unsigned char *)ps->s;
    size_t i = 0;

    ps->nword = 0;
    while (i < ps->len && ps->nword < WORDS_MAX) {
        uint32_t cp = 0;
        size_t n = cmd_utf8_decode(u + i, ps->len - i, &cp);
        size_t start = i;
        struct word *w;

        if (n == 0 || is_blank(cp)) {
            i += n == 0 ? 1 : n;
            continue;
        }
        while (i < ps->len) {
            n = cmd_utf8_decode(u + i, ps->len - i, &cp);
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

const char *cmd_arg_text(const struct parse *ps, size_t a)
{
    return ps->s + ps->word[ps->arg[a]].off;
}

size_t cmd_arg_len(const struct parse *ps, size_t a)
{
    return ps->word[ps->arg[a]].len;
}

/* Join the cores of arg[a .. a + n) with single spaces into buf; false when they do not fit. */
bool cmd_args_join(const struct parse *ps, size_t a, size_t n, char *buf, size_t cap)
{
    size_t o = 0;

    for (size_t i = a; i < a + n; i++) {
        size_t l = cmd_arg_len(ps, i);

        if (o + l + 2 > cap) {
            return false;
        }
        if (i > a) {
            buf[o++] = ' ';
        }
        memcpy(buf + o, cmd_arg_text(ps, i), l);
        o += l;
    }
    buf[o] = '\0';
    return true;
}

/* Folded form of arg a for matching (keep_marks as in cmd_fold_upper); false when it has none. */
bool cmd_arg_fold(const struct parse *ps, size_t a, bool keep_marks, char *out, size_t cap)
{
    return cmd_fold_upper(cmd_arg_text(ps, a), cmd_arg_len(ps, a), keep_marks, out, cap) > 0;
}

bool cmd_word_in(const char *folded, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(folded, list[i]) == 0) {
            return true;
        }
    }
    return false;
}

bool cmd_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Whether arg a is only digits. */
bool cmd_arg_is_digits(const struct parse *ps, size_t a)
{
    const char *t = cmd_arg_text(ps, a);
    size_t l = cmd_arg_len(ps, a);

    for (size_t i = 0; i < l; i++) {
        if (!cmd_is_digit(t[i])) {
            return false;
        }
    }
    return l > 0;
}

/* A quote of arg a for detail messages: at most QUOTE_MAX bytes, whole characters. */
void cmd_arg_quote(const struct parse *ps, size_t a, char out[QUOTE_MAX + 1])
{
    cmd_copy_utf8(out, QUOTE_MAX + 1, cmd_arg_text(ps, a), cmd_arg_len(ps, a));
}

/* ------------------------------------------------------------------------------------------ */
/* Results                                                                                    */

/* The first problem found is the one reported. detail may be NULL. */
void cmd_hint_set(struct command *out, enum command_hint hint, const char *detail)
{
    if (out->hint != HINT_NONE) {
        return;
    }
    out->hint = hint;
    if (detail != NULL) {
        cmd_copy_utf8(out->detail, sizeof(out->detail), detail, strlen(detail));
    }
}

/* The note: the message from arg a to its end, blanks collapsed to one space, cut to
 * COMMAND_NOTE_MAX bytes at a character boundary. */
void cmd_note_set(struct parse *ps, size_t a)
{
    const unsigned char *u = (const unsigned char *)ps->s;
    char *note = ps->out->note;
    size_t i = ps->word[ps->arg[a]].raw_off, o = 0;
    bool blank = false;

    while (i < ps->len && o < COMMAND_NOTE_MAX) {
        uint32_t cp = 0;
        size_t n = cmd_utf8_decode(u + i, ps->len - i, &cp);

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
