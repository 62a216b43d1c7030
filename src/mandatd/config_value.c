/* SPDX-License-Identifier: Apache-2.0 */
/* mandat.conf values: words, whole numbers, amounts in a currency, strings and paths, and the
 * key setters that write them into struct mandat_config where the schema (config_keys.c) says. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/money.h"
#include "mandatd/config.h"
#include "mandatd/config_int.h"

_Static_assert(STORE_SYNC_OFF == 2 && LOG_DEBUG == 3, "word tables follow the enums");

static const char *const sync_words[] = {"full", "normal", "off"};
static const char *const level_words[] = {"error", "warn", "info", "debug"};

/* "0.50" for EUR, "50" for JPY, "0.500" for TND: how to write half a unit, for advice. */
static const char *amount_example(char out[16], const struct currency *cur)
{
    unsigned exponent = cur->exponent < 8 ? cur->exponent : 8;

    if (exponent == 0) {
        memcpy(out, "50", 3);
        return out;
    }
    memcpy(out, "0.5", 4);
    for (unsigned i = 1; i < exponent; i++) {
        out[2 + i] = '0';
    }
    out[2 + exponent] = '\0';
    return out;
}

/* ---- values ------------------------------------------------------------------------------ */

const char *config_skip_blank(const char *s)
{
    while (*s != '\0' && isspace((unsigned char)*s)) {
        s++;
    }
    return s;
}

/* Trim blanks on both sides, in place. */
char *config_trim(char *s)
{
    size_t len;

    s = (char *)config_skip_blank(s);
    len = strlen(s);
    while (len > 0 && isspace((unsigned char)s[len - 1])) {
        s[--len] = '\0';
    }
    return s;
}

/* Index of value in words (case-insensitive), or -1. */
int config_word_find(const char *value, const char *const *words, int count)
{
    for (int i = 0; i < count; i++) {
        if (strcasecmp(value, words[i]) == 0) {
            return i;
        }
    }
    return -1;
}

/* A plain decimal number in [min, max]: digits only, no sign, no blanks. */
static bool parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
    uint64_t v = 0;

    if (*s == '\0') {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9') {
            return false;
        }
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > max) {
            return false;
        }
    }
    if (v < min) {
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

/* An amount in the section's currency, in minor units; "none" and 0 both give 0. */
int config_parse_amount(struct load_ctx *ctx, const char *key, const char *text, int64_t *out)
{
    const struct currency *cur = ctx->sec.cur;
    const struct currency *got = NULL;
    char q[QUOTE_BUF];
    char example[16];
    int64_t minor = 0;
    int rc;

    if (strcasecmp(text, "none") == 0) {
        *out = 0;
        return 0;
    }
    rc = money_parse(text, LANG_EN, cur, &minor, &got, NULL);
    if (rc == MDT_E(RANGE)) {
        return config_fail_key(ctx, key, "'%s' is too large: write a smaller amount",
                               config_quote(q, text));
    }
    if (rc != 0 || got == NULL) {
        return config_fail_key(ctx, key, "'%s' is not an amount: write it like %s",
                               config_quote(q, text), amount_example(example, cur));
    }
    if (got != cur) {
        return config_fail_key(ctx, key,
                               "'%s' is in %s but amounts here are in %s: drop the currency",
                               config_quote(q, text), got->code, cur->code);
    }
    *out = minor;
    return 0;
}

/* ---- keys -------------------------------------------------------------------------------- */

int config_set_path(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    size_t len = strlen(value);

    if (len == 0) {
        return config_fail_key(ctx, key->name,
                               "the path is empty: write a file name like mandat.db");
    }
    if (len >= CONFIG_PATH_MAX) {
        return config_fail_key(ctx, key->name, "value too long: at most %d bytes",
                               CONFIG_PATH_MAX - 1);
    }
    memset(ctx->cfg->store_path, 0, sizeof(ctx->cfg->store_path));
    memcpy(ctx->cfg->store_path, value, len);
    return 0;
}

int config_set_sync(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    char q[QUOTE_BUF];
    int i = config_word_find(value, sync_words, WORDS_COUNT(sync_words));

    if (i < 0) {
        return config_fail_key(ctx, key->name, "'%s' is not a mode: write full, normal or off",
                               config_quote(q, value));
    }
    ctx->cfg->store_sync = (uint8_t)i;
    return 0;
}

int config_set_level(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    char q[QUOTE_BUF];
    int i = config_word_find(value, level_words, WORDS_COUNT(level_words));

    if (i < 0) {
        return config_fail_key(ctx, key->name,
                               "'%s' is not a level: write error, warn, info or debug",
                               config_quote(q, value));
    }
    ctx->cfg->log_level = (uint8_t)i;
    return 0;
}

/* A char array field of struct mandat_config: length from key->min to key->max bytes. */
int config_set_string(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    size_t len = strlen(value);
    char *dst = (char *)ctx->cfg + key->offset + ctx->sec.link_offset;

    if (len < key->min || len > key->max) {
        return config_fail_key(ctx, key->name, "value must be %u to %u bytes long",
                               (unsigned)key->min, (unsigned)key->max);
    }
    memset(dst, 0, key->max + 1);
    memcpy(dst, value, len);
    return 0;
}

/* An ISO 3166 alpha-2 code; the dialog checks that it knows the country's numbering. */
int config_set_country(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    char q[QUOTE_BUF];
    char *dst = (char *)ctx->cfg + key->offset + ctx->sec.link_offset;

    if (strlen(value) != 2 || !isalpha((unsigned char)value[0]) ||
        !isalpha((unsigned char)value[1])) {
        return config_fail_key(ctx, key->name,
                               "'%s' is not a country code: write two letters like FR",
                               config_quote(q, value));
    }
    dst[0] = (char)toupper((unsigned char)value[0]);
    dst[1] = (char)toupper((unsigned char)value[1]);
    dst[2] = '\0';
    return 0;
}

int config_set_bool(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    static const char *const words[] = {"no", "yes", "false", "true", "off", "on"};
    char q[QUOTE_BUF];
    int i = config_word_find(value, words, 6);

    if (i < 0) {
        return config_fail_key(ctx, key->name, "'%s' is not yes or no", config_quote(q, value));
    }
    *((uint8_t *)ctx->cfg + key->offset + ctx->sec.link_offset) = (uint8_t)(i % 2);
    return 0;
}

int config_set_lang(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    static const char *const langs[] = {"fr", "en"};
    char q[QUOTE_BUF];
    int i = config_word_find(value, langs, 2);

    if (i < 0) {
        return config_fail_key(ctx, key->name, "'%s' is not a language: write fr or en",
                               config_quote(q, value));
    }
    *((uint8_t *)ctx->cfg + key->offset) = (uint8_t)i;
    return 0;
}

/* A uint32_t field of struct mandat_config. */
int config_set_u32(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    char q[QUOTE_BUF];
    uint32_t v = 0;

    if (!parse_u32(value, key->min, key->max, &v)) {
        return config_fail_key(ctx, key->name, "'%s' is not a whole number from %u to %u",
                               config_quote(q, value), (unsigned)key->min, (unsigned)key->max);
    }
    memcpy((char *)ctx->cfg + key->offset + ctx->sec.link_offset, &v, sizeof(v));
    return 0;
}

/* The currency was read by the first pass (resolve_ledger_currency); this checks that both
 * passes saw the same text, which a change of the file between them would break. */
int config_set_ledger_currency(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    if (currency_find(value) != ctx->ledger_cur) {
        return config_fail_key(ctx, key->name, "changed while being read: load the file again");
    }
    return 0;
}

/* An int64_t amount field of the section's struct ledger_limits or struct fee_schedule. */
int config_set_digits(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    char q[QUOTE_BUF];
    size_t len = strlen(value);
    char *dst = (char *)ctx->cfg + key->offset;

    for (size_t i = 0; i < len; i++) {
        if (value[i] < '0' || value[i] > '9') {
            len = 0;
        }
    }
    if (len < key->min || len > key->max) {
        return config_fail_key(ctx, key->name, "'%s' is not %u to %u digits",
                               config_quote(q, value), (unsigned)key->min, (unsigned)key->max);
    }
    memset(dst, 0, key->max + 1);
    memcpy(dst, value, len);
    return 0;
}

int config_set_cfg_amount(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    int64_t v = 0;
    int rc;

    ctx->sec.cur = ctx->ledger_cur;
    rc = config_parse_amount(ctx, key->name, value, &v);
    if (rc == 0) {
        memcpy((char *)ctx->cfg + key->offset, &v, sizeof(v));
    }
    return rc;
}

int config_set_link_amount(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    int64_t v = 0;
    int rc;

    ctx->sec.cur = ctx->ledger_cur;
    rc = config_parse_amount(ctx, key->name, value, &v);
    if (rc == 0) {
        memcpy((char *)ctx->cfg + key->offset + ctx->sec.link_offset, &v, sizeof(v));
    }
    return rc;
}

int config_set_amount(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    char *base = ctx->sec.id == SEC_LIMITS ? (char *)ctx->sec.limits : (char *)ctx->sec.fee;
    int64_t v = 0;
    int rc = config_parse_amount(ctx, key->name, value, &v);

    if (rc == 0) {
        memcpy(base + key->offset, &v, sizeof(v));
    }
    return rc;
}
