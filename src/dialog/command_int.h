/* SPDX-License-Identifier: Apache-2.0 */
/* Internals of the command grammar shared by its files: the parser's state, the words of a
 * message and the helpers that read them (command_text.c), the amount and payee readings of
 * SEND, DONATE and RELOAD (command_args.c). Names start with cmd_. Not for other modules. */
#ifndef MDT_DIALOG_COMMAND_INT_H
#define MDT_DIALOG_COMMAND_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dialog/command.h"

/* Words in a message: a word and the blank after it take at least two bytes. */
#define WORDS_MAX (COMMAND_TEXT_MAX / 2 + 1)

/* Folded keywords: the longest keyword, INSCRIPTION, has 11 letters. */
#define FOLD_MAX 32

/* Bytes of a word quoted in a detail message. */
#define QUOTE_MAX 40

_Static_assert(COMMAND_TEXT_MAX < UINT16_MAX, "word offsets are stored in uint16_t");

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

/* ---- words (command_text.c) ---- */

/* Decode the well-formed UTF-8 sequence at s (RFC 3629 §4) into *cp; returns its length, or 0
 * when it is malformed. */
size_t cmd_utf8_decode(const unsigned char *s, size_t rest, uint32_t *cp);

/* Offset of the first byte that is not well-formed UTF-8 or is NUL, or len when there is none. */
size_t cmd_utf8_check(const char *s, size_t len);

/* Fold s[0..len) to upper-case ASCII for matching (é -> E, œ -> OE); keep_marks keeps '-' and
 * '_'. Returns the length written into out (cap bytes), or -1 when it cannot be folded. */
int cmd_fold_upper(const char *s, size_t len, bool keep_marks, char *out, size_t cap);

/* Copy at most cap - 1 bytes of src (n bytes of UTF-8) to dst, cut at a character boundary. */
void cmd_copy_utf8(char *dst, size_t cap, const char *src, size_t n);

/* Split the validated message ps->s into ps->word at blanks. */
void cmd_words_split(struct parse *ps);

/* The core of arg a (no surrounding punctuation) and its length in bytes. */
const char *cmd_arg_text(const struct parse *ps, size_t a);
size_t cmd_arg_len(const struct parse *ps, size_t a);

/* Join the cores of arg[a .. a + n) with single spaces into buf; false when they do not fit. */
bool cmd_args_join(const struct parse *ps, size_t a, size_t n, char *buf, size_t cap);

/* Folded form of arg a (as cmd_fold_upper); false when it has none. */
bool cmd_arg_fold(const struct parse *ps, size_t a, bool keep_marks, char *out, size_t cap);

/* Whether the folded word is one of list[0..count). */
bool cmd_word_in(const char *folded, const char *const *list, size_t count);

/* ASCII digits; arg a made of digits only. */
bool cmd_is_digit(char c);
bool cmd_arg_is_digits(const struct parse *ps, size_t a);

/* A quote of arg a for detail messages: at most QUOTE_MAX bytes, whole characters. */
void cmd_arg_quote(const struct parse *ps, size_t a, char out[QUOTE_MAX + 1]);

/* Report hint with detail (may be NULL) unless a problem was reported already: the first one
 * found is the one people see. */
void cmd_hint_set(struct command *out, enum command_hint hint, const char *detail);

/* The note: the message from arg a to its end, blanks collapsed, cut to COMMAND_NOTE_MAX. */
void cmd_note_set(struct parse *ps, size_t a);

/* ---- arguments (command_args.c) ---- */

/* SEND, DONATE, RELOAD: an amount and slot in either order, then a note, into ps->out; what
 * does not read is reported as a hint. */
void cmd_pair_parse(struct parse *ps, enum slot slot);
/* TOPUP and ALIMENTER: an amount alone (words after it are ignored). true when the amount takes
 * every word, so that TOPUP 20 MUM stays a card reload. */
bool cmd_amount_only(struct parse *ps);
void cmd_amount_parse(struct parse *ps);

/* An association keyword or card alias at arg a, folded into out; false when it is none. */
bool cmd_name_read(const struct parse *ps, size_t a, char out[FOLD_MAX]);

#endif
