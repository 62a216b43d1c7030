/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for command_parse and phone_normalize: arbitrary bytes must give a command
 * whose strings are terminated and well-formed and whose money commands are complete, and any
 * accepted phone number must be E.164 that normalizes to itself. Aborts on any violation. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "dialog/command.h"
#include "dialog/phone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Longer than COMMAND_TEXT_MAX, so that the "too long" path is fuzzed as well. */
#define FUZZ_TEXT_MAX 800

static const char *const countries[] = {"FR", "BE", "CH", "MA", "SN", "CI", "GB", "US"};
static const char *const currencies[] = {"EUR", "XOF", "USD", "MAD", "JPY"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void require(bool ok)
{
    if (!ok) {
        abort();
    }
}

static bool terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

/* Well-formed UTF-8 without NUL (RFC 3629), checked independently of the parser's decoder. */
static bool utf8_ok(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (u[i] != '\0') {
        size_t n = u[i] < 0x80 ? 1 : u[i] >= 0xf0 ? 4 : u[i] >= 0xe0 ? 3 : u[i] >= 0xc2 ? 2 : 0;

        if (n == 0) {
            return false;
        }
        for (size_t j = 1; j < n; j++) {
            if ((u[i + j] & 0xc0) != 0x80) {
                return false;
            }
        }
        i += n;
    }
    return true;
}

/* '+', 7 to 15 digits, the first not 0; normalizes to itself from any country; masks hide two
 * digits at least. */
static void check_e164(const char *e164)
{
    char again[PHONE_E164_MAX], mask[PHONE_MASK_MAX];
    size_t n = strlen(e164), digits = 0;

    require(n >= 8 && n <= 16 && e164[0] == '+' && e164[1] != '0');
    for (size_t i = 1; i < n; i++) {
        require(e164[i] >= '0' && e164[i] <= '9');
    }
    require(phone_normalize(e164, "FR", again, NULL) == 0 && strcmp(again, e164) == 0);
    require(phone_normalize(e164, "US", again, NULL) == 0 && strcmp(again, e164) == 0);
    phone_mask(e164, mask, sizeof(mask));
    require(terminated(mask, sizeof(mask)) && strstr(mask, ".. ..") != NULL);
    for (size_t i = 0; mask[i] != '\0'; i++) {
        digits += mask[i] >= '0' && mask[i] <= '9';
    }
    require(digits + 2 <= n - 1);
}

static void check_strings(const struct command *c)
{
    require(terminated(c->payee_e164, sizeof(c->payee_e164)));
    require(terminated(c->payee_handle, sizeof(c->payee_handle)));
    require(terminated(c->keyword, sizeof(c->keyword)));
    require(terminated(c->note, sizeof(c->note)));
    require(terminated(c->code, sizeof(c->code)));
    require(terminated(c->new_code, sizeof(c->new_code)));
    require(terminated(c->detail, sizeof(c->detail)));
    require(utf8_ok(c->note) && utf8_ok(c->detail) && utf8_ok(c->payee_handle));
    for (size_t i = 0; c->keyword[i] != '\0'; i++) {
        char k = c->keyword[i];

        require((k >= 'A' && k <= 'Z') || (k >= '0' && k <= '9') || k == '-' || k == '_');
    }
    for (size_t i = 0; c->code[i] != '\0'; i++) {
        require(c->code[i] >= '0' && c->code[i] <= '9');
    }
    for (size_t i = 0; c->new_code[i] != '\0'; i++) {
        require(c->new_code[i] >= '0' && c->new_code[i] <= '9');
    }
    if (c->payee_e164[0] != '\0') {
        check_e164(c->payee_e164);
    }
}

static void check_command(const struct command *c, size_t len)
{
    bool money = c->type == CMD_SEND || c->type == CMD_DONATE || c->type == CMD_RELOAD;
    const char *text_fr = command_hint_text(c->hint, LANG_FR);

    require(c->type >= CMD_NONE && c->type < CMD_COUNT_);
    require(c->hint >= HINT_NONE && c->hint < HINT_COUNT_);
    require(c->lang == LANG_FR || c->lang == LANG_EN);
    require(text_fr != NULL && (text_fr[0] == '\0') == (c->hint == HINT_NONE));
    check_strings(c);
    require(len <= COMMAND_TEXT_MAX || c->hint == HINT_TOO_LONG);
    require(c->type != CMD_NONE || c->hint != HINT_NONE);
    /* A code is only ever copied for CODE, CODE_KEEP and CONFIRM, whole, and never into detail
     * or note; a new code only for CODE, with the current one. */
    require(c->code[0] == '\0' || strlen(c->code) == COMMAND_CODE_DIGITS);
    require(c->code[0] == '\0' || c->type == CMD_CODE || c->type == CMD_CONFIRM ||
            c->type == CMD_CODE_KEEP || c->type == CMD_CARD_ADD || c->type == CMD_ACTIVATE);
    /* Issue 13: an activation code comes whole with the card's last four digits, or not at
     * all; an incomplete card command keeps neither. */
    require(terminated(c->last4, sizeof(c->last4)));
    require(c->last4[0] == '\0' || (strlen(c->last4) == 4 && strspn(c->last4, "0123456789") == 4));
    require(c->last4[0] == '\0' || c->type == CMD_CARD_ADD || c->type == CMD_ACTIVATE);
    if (c->type == CMD_CARD_ADD || c->type == CMD_ACTIVATE) {
        require((c->hint == HINT_NONE) == (c->last4[0] != '\0' && c->code[0] != '\0'));
        require(c->detail[0] == '\0' && c->note[0] == '\0');
    }
    if (c->type == CMD_CARD_ADD && c->hint == HINT_NONE) {
        require(c->keyword[0] != '\0' && strlen(c->keyword) < STORE_CARD_ALIAS_MAX);
    }
    require(c->new_code[0] == '\0' ||
            (c->type == CMD_CODE && strlen(c->new_code) == COMMAND_CODE_DIGITS &&
             strlen(c->code) == COMMAND_CODE_DIGITS && c->hint == HINT_NONE));
    require((c->type != CMD_CODE && c->type != CMD_CONFIRM && c->type != CMD_CODE_KEEP) ||
            (c->detail[0] == '\0' && c->note[0] == '\0'));
    require(c->hint != HINT_NONE || (c->type != CMD_CODE && c->type != CMD_CONFIRM) ||
            strlen(c->code) == COMMAND_CODE_DIGITS);
    require(c->amount_minor >= 0 && (c->amount_minor == 0 || c->currency != NULL));
    require(money || (c->amount_minor == 0 && c->currency == NULL));
    if (money && c->hint == HINT_NONE) {
        require(c->amount_minor > 0 && c->currency != NULL);
    }
    if (c->type == CMD_SEND && c->hint == HINT_NONE) {
        require((c->payee_e164[0] != '\0') != (c->payee_handle[0] != '\0'));
    }
    if ((c->type == CMD_DONATE || c->type == CMD_RELOAD) && c->hint == HINT_NONE) {
        require(c->keyword[0] != '\0');
    }
    if (c->type == CMD_CARD_PIN) { /* issue 15: a card or alias named, never a code */
        require(c->keyword[0] != '\0' && c->hint == HINT_NONE && c->code[0] == '\0' &&
                strspn(c->keyword, "0123456789") != strlen(c->keyword));
    }
    if (c->type == CMD_NAME) { /* issue 12: a name never poses as a number, never overflows */
        size_t chars = 0;

        for (const char *p = c->note; *p != '\0'; p++) {
            require(*p < '0' || *p > '9');
            chars += ((unsigned char)*p & 0xc0) != 0x80;
        }
        require(chars <= COMMAND_NAME_CHARS_MAX);
        require(c->hint == HINT_NONE || c->note[0] == '\0');
    }
}

static void fuzz_command(const uint8_t *data, size_t size)
{
    const char *country = countries[size % COUNT(countries)];
    const struct currency *cur = currency_find(currencies[size % COUNT(currencies)]);
    char *copy = malloc(size > 0 ? size : 1);
    struct command c, again;

    require(copy != NULL && cur != NULL);
    /* An exactly sized copy: any read past size is an ASan error. */
    memcpy(copy, data, size);
    memset(&c, 0xa5, sizeof(c));
    require(command_parse(copy, size, country, cur, &c) == 0);
    check_command(&c, size);
    memset(&again, 0x5a, sizeof(again));
    require(command_parse(copy, size, country, cur, &again) == 0);
    require(memcmp(&c, &again, sizeof(c)) == 0);
    free(copy);
}

static void fuzz_phone(const uint8_t *data, size_t size)
{
    char text[PHONE_TEXT_MAX + 8], e164[PHONE_E164_MAX];
    size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
    struct mdt_err err = {0};
    int rc;

    memcpy(text, data, n);
    text[n] = '\0';
    for (size_t i = 0; i < COUNT(countries); i++) {
        rc = phone_normalize(text, countries[i], e164, &err);
        require(terminated(e164, sizeof(e164)));
        if (rc == 0) {
            check_e164(e164);
        } else {
            require(rc == MDT_E(PARSE) && err.code == rc && e164[0] == '\0');
            require(terminated(err.msg, sizeof(err.msg)) && err.msg[0] != '\0');
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_TEXT_MAX) {
        return 0;
    }
    fuzz_command(data, size);
    fuzz_phone(data, size);
    return 0;
}
