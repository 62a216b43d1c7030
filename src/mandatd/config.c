/* SPDX-License-Identifier: Apache-2.0 */
/* mandat.conf: inih splits the text into lines and keys; this file checks every section, key and
 * value against the schema that docs/mandat.conf documents, and fills struct mandat_config. */
#include "mandatd/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/limits.h"
#include "base/money.h"

/* A config file is a few kilobytes (the documented sample is under 10 KB; all 24 limit sections
 * and 32 fee schedules fully written fit in 40 KB): anything above 1 MiB is the wrong file. The
 * file is read whole because the loader makes two passes over it (see config_load_string). */
#define CONFIG_FILE_MAX (1024 * 1024)

/* inih cuts section names at 49 bytes without saying so; every name we accept is shorter
 * ("fee." and a 31-byte schedule name), so longer ones are refused before inih can cut them. */
#define SECTION_NAME_MAX 48

/* [engine] bounds: the engine's own limits (src/base/limits.h explains the numbers); the config
 * may lower them, never raise them. */
#define BATCH_MAX_MAX ((unsigned)ENGINE_BATCH_MAX)
#define QUEUE_DEPTH_MAX ((unsigned)ENGINE_QUEUE_MAX)
/* Card authorisation holds last at most 30 days; no payment order should wait longer. */
#define PENDING_TIMEOUT_MAX_MAX (30u * 24 * 3600)

/* Values quoted in messages are cut at this many bytes, so that the message keeps its advice. */
#define QUOTE_MAX 40
#define QUOTE_BUF (QUOTE_MAX + 4)

/* Keys of any one section at most ([smpp] has 11); one bit each in section.keys_seen. */
#define SECTION_KEYS_MAX 16

/* A tier list fits on one line, which inih bounds at ini_max_line (200 bytes by default). */
#define TIERS_TEXT_MAX 256

enum section_id {
    SEC_NONE = 0, /* before the first section header */
    SEC_STORE,
    SEC_ENGINE,
    SEC_LOG,
    SEC_LEDGER,
    SEC_SMS,
    SEC_SMPP,
    SEC_KANNEL,
    SEC_HTTP,
    SEC_VAULT,
    SEC_WEBHOOK,
    SEC_SOCIAL,
    SEC_LIMITS,
    SEC_FEE,
    SEC_COUNT_
};

struct load_ctx;
struct key_def;

typedef int (*key_set_fn)(struct load_ctx *ctx, const struct key_def *key, const char *value);

struct key_def {
    const char *name;
    key_set_fn set;
    size_t offset;      /* of the field set, in the struct the section fills */
    uint32_t min;       /* integer keys: accepted range */
    uint32_t max;       /* integer keys */
    unsigned fee_types; /* fee keys: (1u << FEE_*) of the types the key applies to */
};

struct section_def {
    const char *name; /* the full name, or the prefix before '.' for limits and fees */
    const struct key_def *keys;
    size_t key_count;
};

/* A value that decides how other keys are read (a currency, a fee type), remembered by the
 * first pass so that key order in the file does not matter. */
struct scan_value {
    char text[QUOTE_MAX + 8];
    int line; /* 0 when the key is absent */
};

struct scan_fee {
    char section[SECTION_NAME_MAX + 1];
    struct scan_value currency;
    struct scan_value type;
};

/* The section being read in the second pass. */
struct section {
    enum section_id id;
    char name[SECTION_NAME_MAX + 1];
    int line;
    uint32_t keys_seen;
    int key_lines[SECTION_KEYS_MAX];
    struct ledger_limits *limits;
    struct fee_schedule *fee;
    bool fee_fresh; /* new, or type or currency changed: nothing kept from the old schedule */
    const struct currency *cur; /* of the amounts in this section */
    size_t link_offset;         /* [smpp.<name>]: from cfg->smpp to this link; keys are [smpp]'s */
};

struct load_ctx {
    struct mandat_config *cfg;
    const char *name; /* file name for messages */
    struct mdt_err *err;
    int rc; /* first error; once set, the reader stops inih */
    /* Line reader over the text. */
    const char *text;
    size_t pos;
    int lineno;
    bool scanning;
    /* Second pass. */
    struct section sec;
    const struct currency *ledger_cur;
    int section_lines[SEC_COUNT_]; /* where each fixed section appeared, for duplicates */
    int limits_lines[ACCOUNT_KIND_COUNT][KYC_TIER_COUNT];
    int fee_lines[FEE_SCHEDULES_MAX];
    /* First pass. */
    struct scan_value ledger_currency;
    uint32_t scan_fee_count;
    struct scan_fee scan_fees[FEE_SCHEDULES_MAX];
};

static const char *const sync_words[] = {"full", "normal", "off"};
static const char *const level_words[] = {"error", "warn", "info", "debug"};
static const char *const fee_type_words[] = {"tiered", "percent", "fixed"};
static const char *const payer_words[] = {"payer", "payee", "operator"};

_Static_assert(STORE_SYNC_OFF == 2 && LOG_DEBUG == 3, "word tables follow the enums");
_Static_assert(FEE_FIXED == 2 && FEE_OPERATOR == 2, "word tables follow the enums");

#define WORDS_COUNT(w) ((int)(sizeof(w) / sizeof((w)[0])))

/* ---- messages ---------------------------------------------------------------------------- */

/* Copy at most QUOTE_MAX of the len bytes of s for a message, control characters shown as '?'
 * (the text comes from outside and ends up in logs and terminals). */
static const char *quote_n(char out[QUOTE_BUF], const char *s, size_t len)
{
    size_t i = 0;

    for (; i < len && i < QUOTE_MAX; i++) {
        unsigned char c = (unsigned char)s[i];

        out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    out[i] = '\0';
    if (i < len) {
        memcpy(out + i, "...", 4);
    }
    return out;
}

static const char *quote(char out[QUOTE_BUF], const char *s)
{
    return quote_n(out, s, strlen(s));
}

static int fail(struct load_ctx *ctx, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_key(struct load_ctx *ctx, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record the first error: "name:line: what is wrong: what to do". Later errors are dropped. */
static int fail(struct load_ctx *ctx, int line, const char *fmt, ...)
{
    char msg[MDT_ERR_MSG_MAX];
    va_list ap;

    if (ctx->rc != 0) {
        return ctx->rc;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ctx->rc = MDT_E(PARSE);
    mdt_err_set(ctx->err, ctx->rc, "%s:%d: %s", ctx->name, line, msg);
    return ctx->rc;
}

/* Same, about key on the current line: "name:line: [section] key: ...". */
static int fail_key(struct load_ctx *ctx, const char *key, const char *fmt, ...)
{
    char msg[MDT_ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return fail(ctx, ctx->lineno, "[%s] %s: %s", ctx->sec.name, key, msg);
}

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

static const char *skip_blank(const char *s)
{
    while (*s != '\0' && isspace((unsigned char)*s)) {
        s++;
    }
    return s;
}

/* Trim blanks on both sides, in place. */
static char *trim(char *s)
{
    size_t len;

    s = (char *)skip_blank(s);
    len = strlen(s);
    while (len > 0 && isspace((unsigned char)s[len - 1])) {
        s[--len] = '\0';
    }
    return s;
}

/* Index of value in words (case-insensitive), or -1. */
static int word_find(const char *value, const char *const *words, int count)
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

/* "1.5", "1.50", "2", "1,5 %" -> basis points. why says what is wrong when it returns false. */
static bool parse_percent_bp(const char *s, int64_t *bp, const char **why)
{
    int64_t whole = 0;
    int64_t frac = 0;
    int decimals = 0;

    *why = "is not a percent: write it like 1.5";
    if (*s < '0' || *s > '9') {
        return false;
    }
    for (; *s >= '0' && *s <= '9'; s++) {
        whole = whole * 10 + (*s - '0');
        if (whole > 100) {
            *why = "is above 100 percent: write at most 100";
            return false;
        }
    }
    if (*s == '.' || *s == ',') {
        for (s++; *s >= '0' && *s <= '9'; s++) {
            decimals++;
            if (decimals > 2) {
                *why = "has more than 2 decimals: 0.01 (one basis point) is the finest step";
                return false;
            }
            frac = frac * 10 + (*s - '0');
        }
        if (decimals == 0) {
            return false;
        }
    }
    s = skip_blank(s);
    s += *s == '%';
    if (*s != '\0') {
        return false;
    }
    *bp = whole * 100 + (decimals == 1 ? frac * 10 : frac);
    if (*bp > 10000) {
        *why = "is above 100 percent: write at most 100";
        return false;
    }
    return true;
}

/* An amount in the section's currency, in minor units; "none" and 0 both give 0. */
static int parse_amount(struct load_ctx *ctx, const char *key, const char *text, int64_t *out)
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
        return fail_key(ctx, key, "'%s' is too large: write a smaller amount", quote(q, text));
    }
    if (rc != 0 || got == NULL) {
        return fail_key(ctx, key, "'%s' is not an amount: write it like %s", quote(q, text),
                        amount_example(example, cur));
    }
    if (got != cur) {
        return fail_key(ctx, key, "'%s' is in %s but amounts here are in %s: drop the currency",
                        quote(q, text), got->code, cur->code);
    }
    *out = minor;
    return 0;
}

/* ---- keys -------------------------------------------------------------------------------- */

static int set_path(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    size_t len = strlen(value);

    if (len == 0) {
        return fail_key(ctx, key->name, "the path is empty: write a file name like mandat.db");
    }
    if (len >= CONFIG_PATH_MAX) {
        return fail_key(ctx, key->name, "value too long: at most %d bytes", CONFIG_PATH_MAX - 1);
    }
    memset(ctx->cfg->store_path, 0, sizeof(ctx->cfg->store_path));
    memcpy(ctx->cfg->store_path, value, len);
    return 0;
}

static int set_sync(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    char q[QUOTE_BUF];
    int i = word_find(value, sync_words, WORDS_COUNT(sync_words));

    if (i < 0) {
        return fail_key(ctx, key->name, "'%s' is not a mode: write full, normal or off",
                        quote(q, value));
    }
    ctx->cfg->store_sync = (uint8_t)i;
    return 0;
}

static int set_level(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    char q[QUOTE_BUF];
    int i = word_find(value, level_words, WORDS_COUNT(level_words));

    if (i < 0) {
        return fail_key(ctx, key->name, "'%s' is not a level: write error, warn, info or debug",
                        quote(q, value));
    }
    ctx->cfg->log_level = (uint8_t)i;
    return 0;
}

/* A char array field of struct mandat_config: length from key->min to key->max bytes. */
static int set_string(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    size_t len = strlen(value);
    char *dst = (char *)ctx->cfg + key->offset + ctx->sec.link_offset;

    if (len < key->min || len > key->max) {
        return fail_key(ctx, key->name, "value must be %u to %u bytes long", (unsigned)key->min,
                        (unsigned)key->max);
    }
    memset(dst, 0, key->max + 1);
    memcpy(dst, value, len);
    return 0;
}

/* An ISO 3166 alpha-2 code; the dialog checks that it knows the country's numbering. */
static int set_country(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    char q[QUOTE_BUF];
    char *dst = (char *)ctx->cfg + key->offset + ctx->sec.link_offset;

    if (strlen(value) != 2 || !isalpha((unsigned char)value[0]) ||
        !isalpha((unsigned char)value[1])) {
        return fail_key(ctx, key->name, "'%s' is not a country code: write two letters like FR",
                        quote(q, value));
    }
    dst[0] = (char)toupper((unsigned char)value[0]);
    dst[1] = (char)toupper((unsigned char)value[1]);
    dst[2] = '\0';
    return 0;
}

static int set_bool(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    static const char *const words[] = {"no", "yes", "false", "true", "off", "on"};
    char q[QUOTE_BUF];
    int i = word_find(value, words, 6);

    if (i < 0) {
        return fail_key(ctx, key->name, "'%s' is not yes or no", quote(q, value));
    }
    *((uint8_t *)ctx->cfg + key->offset + ctx->sec.link_offset) = (uint8_t)(i % 2);
    return 0;
}

static int set_lang(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    static const char *const langs[] = {"fr", "en"};
    char q[QUOTE_BUF];
    int i = word_find(value, langs, 2);

    if (i < 0) {
        return fail_key(ctx, key->name, "'%s' is not a language: write fr or en", quote(q, value));
    }
    *((uint8_t *)ctx->cfg + key->offset) = (uint8_t)i;
    return 0;
}

/* A uint32_t field of struct mandat_config. */
static int set_u32(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    char q[QUOTE_BUF];
    uint32_t v = 0;

    if (!parse_u32(value, key->min, key->max, &v)) {
        return fail_key(ctx, key->name, "'%s' is not a whole number from %u to %u", quote(q, value),
                        (unsigned)key->min, (unsigned)key->max);
    }
    memcpy((char *)ctx->cfg + key->offset + ctx->sec.link_offset, &v, sizeof(v));
    return 0;
}

/* The currency was read by the first pass (resolve_ledger_currency); this checks that both
 * passes saw the same text, which a change of the file between them would break. */
static int set_ledger_currency(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    if (currency_find(value) != ctx->ledger_cur) {
        return fail_key(ctx, key->name, "changed while being read: load the file again");
    }
    return 0;
}

/* An int64_t amount field of the section's struct ledger_limits or struct fee_schedule. */
static int set_amount(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    char *base = ctx->sec.id == SEC_LIMITS ? (char *)ctx->sec.limits : (char *)ctx->sec.fee;
    int64_t v = 0;
    int rc = parse_amount(ctx, key->name, value, &v);

    if (rc == 0) {
        memcpy(base + key->offset, &v, sizeof(v));
    }
    return rc;
}

/* Type and currency of a fee schedule were applied by fee_begin; as for the ledger currency,
 * only check that the second pass agrees with the first. */
static int set_fee_type(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    if (word_find(value, fee_type_words, WORDS_COUNT(fee_type_words)) != ctx->sec.fee->type) {
        return fail_key(ctx, key->name, "changed while being read: load the file again");
    }
    return 0;
}

static int set_fee_currency(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    if (currency_find(value) != ctx->sec.cur) {
        return fail_key(ctx, key->name, "changed while being read: load the file again");
    }
    return 0;
}

static int set_fee_payer(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    char q[QUOTE_BUF];
    int i = word_find(value, payer_words, WORDS_COUNT(payer_words));

    if (i < 0) {
        return fail_key(ctx, key->name, "'%s' is not a payer: write payer, payee or operator",
                        quote(q, value));
    }
    ctx->sec.fee->payer = (uint8_t)i;
    return 0;
}

static int set_percent(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    char q[QUOTE_BUF];
    const char *why = NULL;
    int64_t bp = 0;

    if (!parse_percent_bp(value, &bp, &why)) {
        return fail_key(ctx, key->name, "'%s' %s", quote(q, value), why);
    }
    ctx->sec.fee->percent_bp = bp;
    return 0;
}

/* One "up_to:fee" item of a tier list, checked against the n tiers before it. */
static int tier_parse(struct load_ctx *ctx, const char *key, char *item, struct fee_tier *tiers,
                      uint32_t n)
{
    char q[QUOTE_BUF];
    char *colon = strchr(item, ':');
    char *bound = item;
    struct fee_tier t = {0};
    int rc = 0;

    if (colon == NULL) {
        rc = fail_key(ctx, key, "'%s' is not a tier: write up_to:fee pairs like 100:6, max:22",
                      quote(q, item));
        goto out;
    }
    *colon = '\0';
    bound = trim(item);
    if (n > 0 && tiers[n - 1].up_to == 0) {
        rc = fail_key(ctx, key, "'max' must be the last tier: remove the tiers after it");
        goto out;
    }
    /* up_to 0 marks the open last tier in struct fee_tier, so a bound of 0 cannot be said. */
    if (strcasecmp(bound, "max") != 0) {
        rc = parse_amount(ctx, key, bound, &t.up_to);
        if (rc == 0 && t.up_to == 0) {
            rc = fail_key(ctx, key, "tier bound '%s' is 0: bounds are above 0, the last is max",
                          quote(q, bound));
        } else if (rc == 0 && n > 0 && t.up_to == tiers[n - 1].up_to) {
            rc = fail_key(ctx, key, "duplicate tier '%s': keep one", quote(q, bound));
        } else if (rc == 0 && n > 0 && t.up_to < tiers[n - 1].up_to) {
            rc = fail_key(ctx, key,
                          "tiers not ascending: '%s' comes after a higher bound: sort them",
                          quote(q, bound));
        }
        if (rc != 0) {
            goto out;
        }
    }
    rc = parse_amount(ctx, key, trim(colon + 1), &t.fee);
    if (rc == 0 && t.fee == 0) {
        rc = fail_key(ctx, key, "the fee of tier '%s' is 0: a tier's fee is above 0",
                      quote(q, bound));
    }
    if (rc == 0) {
        tiers[n] = t;
    }
out:
    return rc;
}

/* "100:6, 250:10, 500:15, max:22": ascending inclusive bounds, the last one open. */
static int set_tiers(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    struct fee_tier tiers[FEE_TIERS_MAX];
    char buf[TIERS_TEXT_MAX];
    struct fee_schedule *f = ctx->sec.fee;
    size_t len = strlen(value);
    char *item = buf;
    uint32_t n = 0;
    int rc = 0;

    if (len >= sizeof(buf)) {
        rc = fail_key(ctx, key->name, "value too long: at most %d bytes", TIERS_TEXT_MAX - 1);
        goto out;
    }
    if (*skip_blank(value) == '\0') {
        rc = fail_key(ctx, key->name,
                      "the tier list is empty: write up_to:fee pairs like "
                      "100:6, 250:10, max:22");
        goto out;
    }
    memcpy(buf, value, len + 1);
    memset(tiers, 0, sizeof(tiers));
    /* Bounded: one turn per comma, and at most FEE_TIERS_MAX turns succeed. */
    for (;;) {
        char *comma = strchr(item, ',');

        if (comma != NULL) {
            *comma = '\0';
        }
        if (n == FEE_TIERS_MAX) {
            rc = fail_key(ctx, key->name, "more than %d tiers: merge some", FEE_TIERS_MAX);
        } else if (*trim(item) == '\0') {
            rc = fail_key(ctx, key->name, "empty tier: remove the extra comma");
        } else {
            rc = tier_parse(ctx, key->name, trim(item), tiers, n);
        }
        if (rc != 0) {
            goto out;
        }
        n++;
        if (comma == NULL) {
            break;
        }
        item = comma + 1;
    }
    if (tiers[n - 1].up_to != 0) {
        rc = fail_key(ctx, key->name,
                      "the last tier must be max:<fee>, for amounts above "
                      "every bound");
        goto out;
    }
    memset(f->tiers, 0, sizeof(f->tiers));
    memcpy(f->tiers, tiers, n * sizeof(tiers[0]));
    f->tier_count = n;
out:
    return rc;
}

/* ---- schema ------------------------------------------------------------------------------ */

#define CFG_OFF(field) offsetof(struct mandat_config, field)
#define LIM_OFF(field) offsetof(struct ledger_limits, field)
#define FEE_OFF(field) offsetof(struct fee_schedule, field)
#define FEE_ALL ((1u << FEE_TIERED) | (1u << FEE_PERCENT) | (1u << FEE_FIXED))

static const struct key_def store_keys[] = {
    {"path", set_path, 0, 0, 0, 0},
    {"synchronous", set_sync, 0, 0, 0, 0},
};

static const struct key_def engine_keys[] = {
    {"batch_max", set_u32, CFG_OFF(batch_max), 1, BATCH_MAX_MAX, 0},
    {"queue_depth", set_u32, CFG_OFF(queue_depth), 1, QUEUE_DEPTH_MAX, 0},
};

static const struct key_def log_keys[] = {
    {"level", set_level, 0, 0, 0, 0},
};

/* pending_timeout is checked against pending_timeout_max when the section ends. */
static const struct key_def ledger_keys[] = {
    {"currency", set_ledger_currency, 0, 0, 0, 0},
    {"pending_timeout", set_u32, CFG_OFF(ledger.pending_timeout_default_s), 1,
     PENDING_TIMEOUT_MAX_MAX, 0},
    {"pending_timeout_max", set_u32, CFG_OFF(ledger.pending_timeout_max_s), 1,
     PENDING_TIMEOUT_MAX_MAX, 0},
};
#define LEDGER_KEY_TIMEOUT 1
#define LEDGER_KEY_TIMEOUT_MAX 2

static const struct key_def sms_keys[] = {
    {"short_code", set_string, CFG_OFF(sms.short_code), 1,
     sizeof(((struct mandat_config *)0)->sms.short_code) - 1, 0},
    {"country", set_country, CFG_OFF(sms.country), 0, 0, 0},
    {"lang", set_lang, CFG_OFF(sms.lang), 0, 0, 0},
    {"order_timeout", set_u32, CFG_OFF(sms.order_timeout_s), 30, 3600, 0},
    {"code_attempts", set_u32, CFG_OFF(sms.code_attempts), 1, 10, 0},
    {"code_lock", set_u32, CFG_OFF(sms.code_lock_s), 60, 7 * 86400, 0},
    /* a few seconds are allowed for tests; people need hours to notice a reset they did not ask */
    {"code_reset_delay", set_u32, CFG_OFF(sms.code_reset_delay_s), 1, 30 * 86400, 0},
    /* a few seconds are allowed for tests; SMSCs redeliver within hours */
    {"dedup_window", set_u32, CFG_OFF(sms.dedup_window_s), 1, 7 * 86400, 0},
    {"claim_period", set_u32, CFG_OFF(sms.claim_period_s), 1, 90 * 86400, 0},
    {"order_fee", set_string, CFG_OFF(sms.order_fee), 1, FEE_NAME_MAX - 1, 0},
};

#define SMPP_STR(field) CFG_OFF(smpp.field), 0, sizeof(((struct mandat_config *)0)->smpp.field) - 1

static const struct key_def smpp_keys[] = {
    {"host", set_string, SMPP_STR(host), 0},
    {"port", set_u32, CFG_OFF(smpp.port), 1, 65535, 0},
    {"system_id", set_string, SMPP_STR(system_id), 0},
    {"password", set_string, SMPP_STR(password), 0},
    {"system_type", set_string, SMPP_STR(system_type), 0},
    {"address_range", set_string, SMPP_STR(address_range), 0},
    {"transceiver", set_bool, CFG_OFF(smpp.transceiver), 0, 0, 0},
    {"window", set_u32, CFG_OFF(smpp.window), 1, 1000, 0},
    {"throughput", set_u32, CFG_OFF(smpp.throughput), 0, 100000, 0},
    {"enquire_link", set_u32, CFG_OFF(smpp.enquire_link_s), 5, 3600, 0},
    {"registered_delivery", set_bool, CFG_OFF(smpp.registered_delivery), 0, 0, 0},
    {"binds", set_u32, CFG_OFF(smpp.binds), 1, CONFIG_SMPP_BINDS_MAX, 0},
    {"tls", set_bool, CFG_OFF(smpp.tls), 0, 0, 0},
    {"tls_ca_file", set_string, SMPP_STR(tls_ca_file), 0},
    {"tls_verify", set_bool, CFG_OFF(smpp.tls_verify), 0, 0, 0},
};
_Static_assert(offsetof(struct mandat_config, smpp_more) ==
                   offsetof(struct mandat_config, smpp) + sizeof(struct config_smpp),
               "[smpp.<name>] links are addressed as offsets from [smpp]");

#define KANNEL_STR(field)                                                                          \
    CFG_OFF(kannel.field), 0, sizeof(((struct mandat_config *)0)->kannel.field) - 1

static const struct key_def kannel_keys[] = {
    {"sendsms_url", set_string, KANNEL_STR(sendsms_url), 0},
    {"username", set_string, KANNEL_STR(username), 0},
    {"password", set_string, KANNEL_STR(password), 0},
    {"dlr_url", set_string, KANNEL_STR(dlr_url), 0},
    {"mo_secret", set_string, KANNEL_STR(mo_secret), 0},
    {"mo_allow", set_string, KANNEL_STR(mo_allow), 0},
};

#define HTTP_STR(field) CFG_OFF(http.field), 0, sizeof(((struct mandat_config *)0)->http.field) - 1

static const struct key_def http_keys[] = {
    {"listen", set_string, CFG_OFF(http_listen), 0,
     sizeof(((struct mandat_config *)0)->http_listen) - 1, 0},
    {"tls_cert", set_string, HTTP_STR(tls_cert), 0},
    {"tls_key", set_string, HTTP_STR(tls_key), 0},
    {"public_url", set_string, HTTP_STR(public_url), 0},
    {"dev_mode", set_bool, CFG_OFF(http.dev_mode), 0, 0, 0},
    {"internal_listen", set_string, CFG_OFF(http_internal_listen), 0,
     sizeof(((struct mandat_config *)0)->http_internal_listen) - 1, 0},
    {"metrics_token", set_string, HTTP_STR(metrics_token), 0},
    {"api_rate", set_u32, CFG_OFF(http.api_rate), 1, 1000000, 0},
    {"request_timeout", set_u32, CFG_OFF(http.request_timeout_s), 1, HTTP_REQUEST_TIMEOUT_S_MAX, 0},
    {"max_connections", set_u32, CFG_OFF(http.max_connections), 1, HTTP_CONNECTIONS_MAX_MAX, 0},
    {"max_connections_per_address", set_u32, CFG_OFF(http.max_connections_addr), 1,
     HTTP_CONNECTIONS_MAX_MAX, 0},
    {"max_header_bytes", set_u32, CFG_OFF(http.max_header_bytes), 1024, 1024 * 1024, 0},
    {"max_headers", set_u32, CFG_OFF(http.max_headers), 1, 10000, 0},
    {"max_request_line", set_u32, CFG_OFF(http.max_request_line), 64, 1024 * 1024, 0},
};

static const struct key_def vault_keys[] = {
    {"key_file", set_string, CFG_OFF(vault_key_file), 1, CONFIG_PATH_MAX - 1, 0},
};

/* A try waits at most 5 minutes; a retry period of at most 30 days, as card authorisations. */
static const struct key_def webhook_keys[] = {
    {"timeout", set_u32, CFG_OFF(webhook.timeout_s), 1, 300, 0},
    {"concurrency", set_u32, CFG_OFF(webhook.concurrency), 1, WEBHOOK_CONCURRENCY_MAX, 0},
    {"merchant_concurrency", set_u32, CFG_OFF(webhook.merchant_concurrency), 1,
     WEBHOOK_CONCURRENCY_MAX, 0},
    {"retry_min", set_u32, CFG_OFF(webhook.retry_min_s), 1, WEBHOOK_BACKOFF_MAX_S, 0},
    {"retry_period", set_u32, CFG_OFF(webhook.retry_period_s), 1, 30 * 86400, 0},
    {"tls_ca_file", set_string, CFG_OFF(webhook.tls_ca_file), 0, CONFIG_PATH_MAX - 1, 0},
    {"allow_private", set_bool, CFG_OFF(webhook.allow_private), 0, 0, 0},
};

static const struct key_def social_keys[] = {
    {"handle", set_string, CFG_OFF(social.handle), 2, 32, 0},
    {"x_consumer_secret", set_string, CFG_OFF(social.x_consumer_secret), 0, 127, 0},
    {"x_api", set_string, CFG_OFF(social.x_api), 0, 255, 0},
    {"x_bearer_token", set_string, CFG_OFF(social.x_bearer_token), 0, 511, 0},
    {"x_user_id", set_string, CFG_OFF(social.x_user_id), 0, 31, 0},
    {"mastodon_url", set_string, CFG_OFF(social.mastodon_url), 0, 255, 0},
    {"mastodon_token", set_string, CFG_OFF(social.mastodon_token), 0, 255, 0},
    {"mastodon_poll", set_u32, CFG_OFF(social.mastodon_poll_ms), 100, 3600000, 0},
    {"timeout", set_u32, CFG_OFF(social.timeout_s), 1, 300, 0},
    {"retry_min", set_u32, CFG_OFF(social.retry_min_s), 1, 3600, 0},
    {"retry_period", set_u32, CFG_OFF(social.retry_period_s), 60, 30 * 86400, 0},
    {"tls_ca_file", set_string, CFG_OFF(social.tls_ca_file), 0, CONFIG_PATH_MAX - 1, 0},
};

static const struct key_def limits_keys[] = {
    {"op_max_p2p", set_amount, LIM_OFF(op_max_p2p), 0, 0, 0},
    {"op_max_payment", set_amount, LIM_OFF(op_max_payment), 0, 0, 0},
    {"day_debits_max", set_amount, LIM_OFF(day_debits_max), 0, 0, 0},
    {"month_debits_max", set_amount, LIM_OFF(month_debits_max), 0, 0, 0},
    {"year_debits_max", set_amount, LIM_OFF(year_debits_max), 0, 0, 0},
    {"year_loads_max", set_amount, LIM_OFF(year_loads_max), 0, 0, 0},
    {"balance_max", set_amount, LIM_OFF(balance_max), 0, 0, 0},
};

/* `fixed` (percent schedules) and `amount` (fixed schedules) are the same field: the ledger
 * adds `fixed` to every percent fee and charges it alone for a fixed schedule. */
static const struct key_def fee_keys[] = {
    {"type", set_fee_type, 0, 0, 0, FEE_ALL},
    {"payer", set_fee_payer, 0, 0, 0, FEE_ALL},
    {"currency", set_fee_currency, 0, 0, 0, FEE_ALL},
    {"min_amount", set_amount, FEE_OFF(min_amount), 0, 0, FEE_ALL},
    {"tiers", set_tiers, 0, 0, 0, 1u << FEE_TIERED},
    {"percent", set_percent, 0, 0, 0, 1u << FEE_PERCENT},
    {"fixed", set_amount, FEE_OFF(fixed), 0, 0, 1u << FEE_PERCENT},
    {"min", set_amount, FEE_OFF(fee_min), 0, 0, 1u << FEE_PERCENT},
    {"max", set_amount, FEE_OFF(fee_max), 0, 0, 1u << FEE_PERCENT},
    {"amount", set_amount, FEE_OFF(fixed), 0, 0, 1u << FEE_FIXED},
};
#define FEE_KEY_TIERS 4
#define FEE_KEY_PERCENT 5
#define FEE_KEY_MIN 7
#define FEE_KEY_MAX 8
#define FEE_KEY_AMOUNT 9

#define SECTION_DEF(name, keys)                                                                    \
    {                                                                                              \
        name, keys, sizeof(keys) / sizeof((keys)[0])                                               \
    }

static const struct section_def section_defs[SEC_COUNT_] = {
    [SEC_NONE] = {"", NULL, 0},
    [SEC_STORE] = SECTION_DEF("store", store_keys),
    [SEC_ENGINE] = SECTION_DEF("engine", engine_keys),
    [SEC_LOG] = SECTION_DEF("log", log_keys),
    [SEC_LEDGER] = SECTION_DEF("ledger", ledger_keys),
    [SEC_SMS] = SECTION_DEF("sms", sms_keys),
    [SEC_SMPP] = SECTION_DEF("smpp", smpp_keys),
    [SEC_KANNEL] = SECTION_DEF("kannel", kannel_keys),
    [SEC_HTTP] = SECTION_DEF("http", http_keys),
    [SEC_VAULT] = SECTION_DEF("vault", vault_keys),
    [SEC_WEBHOOK] = SECTION_DEF("webhook", webhook_keys),
    [SEC_SOCIAL] = SECTION_DEF("social", social_keys),
    [SEC_LIMITS] = SECTION_DEF("limits", limits_keys),
    [SEC_FEE] = SECTION_DEF("fee", fee_keys),
};

_Static_assert(sizeof(fee_keys) / sizeof(fee_keys[0]) <= SECTION_KEYS_MAX, "keys_seen bits");
_Static_assert(sizeof(limits_keys) / sizeof(limits_keys[0]) <= SECTION_KEYS_MAX, "keys_seen");
_Static_assert(sizeof(sms_keys) / sizeof(sms_keys[0]) <= SECTION_KEYS_MAX, "keys_seen bits");
_Static_assert(sizeof(smpp_keys) / sizeof(smpp_keys[0]) <= SECTION_KEYS_MAX, "keys_seen bits");
_Static_assert(sizeof(kannel_keys) / sizeof(kannel_keys[0]) <= SECTION_KEYS_MAX, "keys_seen");

/* Append word to the list in buf, so that count words read "a, b or c". */
static void list_add(char *buf, size_t size, int i, int count, const char *word)
{
    size_t len = strlen(buf);
    const char *sep = i == 0 ? "" : (i == count - 1 ? " or " : ", ");

    if (len < size) {
        snprintf(buf + len, size - len, "%s%s", sep, word);
    }
}

/* ---- sections ---------------------------------------------------------------------------- */

/* [limits.<kind>.<tier>]: kind is a name of account_kind_parse(), tier 0 to KYC_TIER_COUNT-1. */
static int limits_begin(struct load_ctx *ctx, const char *rest)
{
    char kinds[160] = "";
    char text[24];
    char q[QUOTE_BUF];
    const char *dot = strrchr(rest, '.');
    size_t len = dot != NULL ? (size_t)(dot - rest) : 0;
    int kind = -1;
    int tier = -1;
    int rc = 0;

    if (dot == NULL) {
        rc = fail(ctx, ctx->lineno, "[%s]: name the kind and tier: write it like [limits.wallet.0]",
                  ctx->sec.name);
        goto out;
    }
    len = len < sizeof(text) ? len : sizeof(text) - 1;
    memcpy(text, rest, len);
    text[len] = '\0';
    kind = account_kind_parse(text);
    if (kind < 0) {
        for (int i = 0; i < ACCOUNT_KIND_COUNT; i++) {
            list_add(kinds, sizeof(kinds), i, ACCOUNT_KIND_COUNT, account_kind_name(i));
        }
        rc = fail(ctx, ctx->lineno, "[%s]: unknown account kind '%s': use %s", ctx->sec.name,
                  quote(q, text), kinds);
        goto out;
    }
    if (dot[1] >= '0' && dot[1] < '0' + KYC_TIER_COUNT && dot[2] == '\0') {
        tier = dot[1] - '0';
    } else {
        rc = fail(ctx, ctx->lineno, "[%s]: tier '%s' is out of range: use 0, 1 or 2", ctx->sec.name,
                  quote(q, dot + 1));
        goto out;
    }
    if (ctx->limits_lines[kind][tier] != 0) {
        rc = fail(ctx, ctx->lineno, "[%s] appears twice (first at line %d): merge the two",
                  ctx->sec.name, ctx->limits_lines[kind][tier]);
        goto out;
    }
    ctx->limits_lines[kind][tier] = ctx->lineno;
    ctx->sec.limits = &ctx->cfg->ledger.limits[kind][tier];
    ctx->sec.cur = ctx->ledger_cur;
out:
    return rc;
}

_Static_assert(KYC_TIER_COUNT == 3, "the tier message says 0, 1 or 2");

/* Schedule names reach transfers, the CLI and the API: keep them to plain identifiers. */
static bool fee_name_valid(const char *s)
{
    size_t len = strlen(s);

    if (len == 0 || len >= FEE_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_')) {
            return false;
        }
    }
    return true;
}

/* The first pass's fee record for section, added when add is set and there is room. */
static struct scan_fee *scan_fee_find(struct load_ctx *ctx, const char *section, bool add)
{
    struct scan_fee *f;
    size_t len = strlen(section);

    for (uint32_t i = 0; i < ctx->scan_fee_count; i++) {
        if (strcmp(ctx->scan_fees[i].section, section) == 0) {
            return &ctx->scan_fees[i];
        }
    }
    /* A file with more fee sections than schedules fails in the second pass anyway. */
    if (!add || ctx->scan_fee_count == FEE_SCHEDULES_MAX || len > SECTION_NAME_MAX) {
        return NULL;
    }
    f = &ctx->scan_fees[ctx->scan_fee_count++];
    memset(f, 0, sizeof(*f));
    memcpy(f->section, section, len + 1);
    return f;
}

/* Type and currency of a [fee.<name>] section: from the file (wherever in the section they
 * are), else kept from the schedule it redefines (old), else the ledger currency. */
static int fee_resolve(struct load_ctx *ctx, const struct scan_fee *scan,
                       const struct fee_schedule *old, int *type, const struct currency **cur)
{
    char q[QUOTE_BUF];
    int rc = 0;

    if (scan != NULL && scan->type.line != 0) {
        *type = word_find(scan->type.text, fee_type_words, WORDS_COUNT(fee_type_words));
        if (*type < 0) {
            rc = fail(ctx, scan->type.line,
                      "[%s] type: '%s' is not a fee type: write tiered, percent or fixed",
                      ctx->sec.name, quote(q, scan->type.text));
            goto out;
        }
    } else if (old != NULL) {
        *type = old->type;
    } else {
        rc = fail(ctx, ctx->sec.line,
                  "[%s]: a new fee schedule needs type = tiered, percent or fixed", ctx->sec.name);
        goto out;
    }
    if (scan != NULL && scan->currency.line != 0) {
        *cur = currency_find(scan->currency.text);
        if (*cur == NULL) {
            rc =
                fail(ctx, scan->currency.line,
                     "[%s] currency: '%s' is not a known currency: write an ISO 4217 code like EUR",
                     ctx->sec.name, quote(q, scan->currency.text));
        }
    } else if (old != NULL) {
        *cur = currency_find(old->currency);
        if (*cur == NULL) {
            rc = fail(ctx, ctx->sec.line, "[%s]: the default currency %s is unknown: name one",
                      ctx->sec.name, old->currency);
        }
    } else {
        *cur = ctx->ledger_cur;
    }
out:
    return rc;
}

/* Start afresh, keeping name and payer: amounts of another type or currency mean nothing. */
static void fee_clear(struct fee_schedule *f)
{
    char name[FEE_NAME_MAX];
    uint8_t payer = f->payer;

    memcpy(name, f->name, sizeof(name));
    memset(f, 0, sizeof(*f));
    memcpy(f->name, name, sizeof(name));
    f->payer = payer;
}

/* [fee.<name>]: redefine the schedule of that name, or add one. */
static int fee_begin(struct load_ctx *ctx, const char *fee_name)
{
    struct ledger_config *lc = &ctx->cfg->ledger;
    const struct scan_fee *scan = scan_fee_find(ctx, ctx->sec.name, false);
    const struct currency *cur = NULL;
    struct fee_schedule *f = NULL;
    char q[QUOTE_BUF];
    uint32_t id = 0;
    int type = 0;
    int rc = 0;

    if (!fee_name_valid(fee_name)) {
        rc = fail(ctx, ctx->lineno,
                  "[fee.%s]: a fee name is 1 to %d lowercase letters, digits or '_': rename it",
                  quote(q, fee_name), FEE_NAME_MAX - 1);
        goto out;
    }
    id = ledger_config_fee_find(lc, fee_name);
    if (id == 0 && lc->fee_schedule_count >= FEE_SCHEDULES_MAX) {
        rc = fail(ctx, ctx->lineno, "[%s]: more than %d fee schedules: remove one", ctx->sec.name,
                  FEE_SCHEDULES_MAX);
        goto out;
    }
    if (id != 0 && ctx->fee_lines[id - 1] != 0) {
        rc = fail(ctx, ctx->lineno, "[%s] appears twice (first at line %d): merge the two",
                  ctx->sec.name, ctx->fee_lines[id - 1]);
        goto out;
    }
    rc = fee_resolve(ctx, scan, id != 0 ? &lc->fee_schedules[id - 1] : NULL, &type, &cur);
    if (rc != 0) {
        goto out;
    }
    if (id == 0) {
        id = ++lc->fee_schedule_count;
        f = &lc->fee_schedules[id - 1];
        memset(f, 0, sizeof(*f));
        memcpy(f->name, fee_name, strlen(fee_name) + 1);
        f->payer = FEE_PAYER; /* people pay nothing unless a schedule says so: explicit */
        ctx->sec.fee_fresh = true;
    } else {
        f = &lc->fee_schedules[id - 1];
        ctx->sec.fee_fresh = f->type != type || strcmp(f->currency, cur->code) != 0;
    }
    if (ctx->sec.fee_fresh) {
        fee_clear(f);
    }
    f->type = (uint8_t)type;
    memcpy(f->currency, cur->code, sizeof(f->currency));
    ctx->fee_lines[id - 1] = ctx->lineno;
    ctx->sec.fee = f;
    ctx->sec.cur = cur;
out:
    return rc;
}

/* Checks that need the whole [ledger] section, whatever the order of its keys. */
static int ledger_end(struct load_ctx *ctx)
{
    const struct ledger_config *lc = &ctx->cfg->ledger;
    int line = ctx->sec.key_lines[LEDGER_KEY_TIMEOUT];

    if (lc->pending_timeout_default_s <= lc->pending_timeout_max_s) {
        return 0;
    }
    if (line == 0) {
        line = ctx->sec.key_lines[LEDGER_KEY_TIMEOUT_MAX];
    }
    return fail(ctx, line,
                "[ledger] pending_timeout: %u is above pending_timeout_max %u: lower it or raise "
                "pending_timeout_max",
                (unsigned)lc->pending_timeout_default_s, (unsigned)lc->pending_timeout_max_s);
}

/* Checks that need the whole [fee.<name>] section. */
static int fee_end(struct load_ctx *ctx)
{
    static const int required[] = {
        [FEE_TIERED] = FEE_KEY_TIERS,
        [FEE_PERCENT] = FEE_KEY_PERCENT,
        [FEE_FIXED] = FEE_KEY_AMOUNT,
    };
    const struct fee_schedule *f = ctx->sec.fee;
    int key = required[f->type];
    int line = ctx->sec.key_lines[FEE_KEY_MIN];

    if (ctx->sec.fee_fresh && (ctx->sec.keys_seen & (1u << key)) == 0) {
        return fail(ctx, ctx->sec.line,
                    "[%s]: a %s schedule needs %s: add it (a new schedule, type or currency "
                    "starts afresh)",
                    ctx->sec.name, fee_type_words[f->type], fee_keys[key].name);
    }
    if (f->type == FEE_PERCENT && f->fee_max != 0 && f->fee_min > f->fee_max) {
        if (line == 0) {
            line = ctx->sec.key_lines[FEE_KEY_MAX];
        }
        return fail(ctx, line, "[%s] min: above max: lower min or raise max", ctx->sec.name);
    }
    return 0;
}

static int section_end(struct load_ctx *ctx)
{
    if (ctx->rc != 0) {
        return ctx->rc;
    }
    if (ctx->sec.id == SEC_LEDGER) {
        return ledger_end(ctx);
    }
    if (ctx->sec.id == SEC_FEE) {
        return fee_end(ctx);
    }
    return 0;
}

static void smpp_link_defaults(struct config_smpp *l);

/* [smpp.<name>]: another SMSC link, with [smpp]'s keys and defaults. */
static int smpp_link_begin(struct load_ctx *ctx, const char *name)
{
    struct mandat_config *cfg = ctx->cfg;
    struct config_smpp *link;
    size_t n = strlen(name);

    if (n == 0 || n >= sizeof(cfg->smpp.name)) {
        return fail(ctx, ctx->lineno, "[smpp.%.40s]: a link name is 1 to %zu characters", name,
                    sizeof(cfg->smpp.name) - 1);
    }
    for (uint32_t i = 0; i < cfg->smpp_more_count; i++) {
        if (strcmp(cfg->smpp_more[i].name, name) == 0) {
            return fail(ctx, ctx->lineno, "[smpp.%s] appears twice: merge the two", name);
        }
    }
    if (cfg->smpp_more_count >= CONFIG_SMPP_LINKS_MAX - 1) {
        return fail(ctx, ctx->lineno, "[smpp.%s]: at most %d SMSC links ([smpp] and %d more)", name,
                    CONFIG_SMPP_LINKS_MAX, CONFIG_SMPP_LINKS_MAX - 1);
    }
    link = &cfg->smpp_more[cfg->smpp_more_count++];
    smpp_link_defaults(link);
    memcpy(link->name, name, n + 1);
    ctx->sec.link_offset = (size_t)((char *)link - (char *)&cfg->smpp);
    return 0;
}

/* A section header on the current line; the previous section has been ended. */
static int section_begin(struct load_ctx *ctx, const char *name)
{
    char q[QUOTE_BUF];
    enum section_id id = SEC_NONE;
    int rc = 0;

    memset(&ctx->sec, 0, sizeof(ctx->sec));
    ctx->sec.line = ctx->lineno;
    /* Only printable ASCII, so that names can be quoted in messages as they are. */
    for (const char *c = name; *c != '\0'; c++) {
        if (*c <= ' ' || *c > '~') {
            rc = fail(ctx, ctx->lineno, "unknown section [%s]: section names have no blanks",
                      quote(q, name));
            goto out;
        }
    }
    memcpy(ctx->sec.name, name, strlen(name) + 1);
    if (strncmp(name, "limits.", 7) == 0) {
        id = SEC_LIMITS;
        rc = limits_begin(ctx, name + 7);
    } else if (strncmp(name, "fee.", 4) == 0) {
        id = SEC_FEE;
        rc = fee_begin(ctx, name + 4);
    } else if (strncmp(name, "smpp.", 5) == 0) {
        id = SEC_SMPP;
        rc = smpp_link_begin(ctx, name + 5);
    } else {
        for (int i = SEC_STORE; i <= SEC_SOCIAL; i++) {
            if (strcmp(name, section_defs[i].name) == 0) {
                id = (enum section_id)i;
            }
        }
        if (id == SEC_NONE) {
            rc = fail(ctx, ctx->lineno,
                      "unknown section [%s]: use [store], [engine], [log], [ledger], [sms], "
                      "[smpp], [smpp.<name>], [kannel], [http], [vault], [webhook], [social], "
                      "[limits.<kind>.<tier>] or [fee.<name>]",
                      name);
        } else if (ctx->section_lines[id] != 0) {
            rc = fail(ctx, ctx->lineno, "[%s] appears twice (first at line %d): merge the two",
                      name, ctx->section_lines[id]);
        } else {
            ctx->section_lines[id] = ctx->lineno;
        }
    }
    if (rc == 0) {
        ctx->sec.id = id;
    }
out:
    return rc;
}

/* ---- lines ------------------------------------------------------------------------------- */

/* inih's find_chars_or_comment: the first of chars, or an inline ';' comment (one that follows
 * a blank), or the end. Mirrored so that the reader classifies lines exactly as inih will. */
static const char *find_or_comment(const char *s, const char *chars)
{
    bool was_blank = false;

    while (*s != '\0' && strchr(chars, *s) == NULL && !(was_blank && *s == ';')) {
        was_blank = isspace((unsigned char)*s);
        s++;
    }
    return s;
}

/* "[name]" at t: end the previous section, then begin this one. */
static int line_section(struct load_ctx *ctx, const char *t)
{
    char name[SECTION_NAME_MAX + 1];
    char q[QUOTE_BUF];
    const char *end = find_or_comment(t + 1, "]");
    const char *after = NULL;
    size_t len = (size_t)(end - (t + 1));
    int rc = section_end(ctx);

    if (rc != 0) {
        goto out;
    }
    if (*end != ']') {
        rc = fail(ctx, ctx->lineno, "'[' without ']': write sections like [store]");
        goto out;
    }
    after = skip_blank(end + 1);
    if (*after != '\0' && *after != ';' && *after != '#') {
        rc = fail(ctx, ctx->lineno, "text after ']': put comments after ';'");
        goto out;
    }
    if (len > SECTION_NAME_MAX) {
        rc = fail(ctx, ctx->lineno, "section name [%s] is too long: at most %d characters",
                  quote_n(q, t + 1, len), SECTION_NAME_MAX);
        goto out;
    }
    memcpy(name, t + 1, len);
    name[len] = '\0';
    rc = section_begin(ctx, name);
out:
    return rc;
}

/* Second pass: refuse what inih would take in a way people do not expect, and follow sections
 * here rather than in the key handler, so that empty sections are checked too. */
static int line_check(struct load_ctx *ctx, const char *line)
{
    char q[QUOTE_BUF];
    const char *s = line;
    const char *t;
    const char *end;
    size_t len;

    if (ctx->lineno == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0) {
        s += 3; /* UTF-8 byte order mark, which inih skips too */
    }
    t = skip_blank(s);
    if (*t == '\0' || *t == ';' || *t == '#') {
        return 0;
    }
    /* inih reads an indented line after a key as more of that key's value. */
    if (t != s) {
        return fail(ctx, ctx->lineno,
                    "line starts with a blank: start keys and sections at the "
                    "beginning of the line");
    }
    if (*t == '[') {
        return line_section(ctx, t);
    }
    end = find_or_comment(t, "=:");
    if (*end != '=' && *end != ':') {
        len = strlen(t);
        while (len > 0 && isspace((unsigned char)t[len - 1])) {
            len--;
        }
        return fail(ctx, ctx->lineno,
                    "'%s' is not key = value: write key = value, [section] or "
                    "; comment",
                    quote_n(q, t, len));
    }
    return 0;
}

/* inih's line reader (fgets-like) over ctx->text: counts lines, refuses long ones rather than
 * letting inih split them, and stops inih at the first error by reporting the end. */
static char *config_reader(char *line, int size, void *stream)
{
    struct load_ctx *ctx = stream;
    const char *start = ctx->text + ctx->pos;
    size_t len = strcspn(start, "\n");
    size_t content = len;
    size_t take = len + (start[len] == '\n');

    if (ctx->rc != 0 || *start == '\0' || size < 4) {
        return NULL;
    }
    ctx->lineno++;
    if (content > 0 && start[content - 1] == '\r') {
        content--;
    }
    /* inih needs room for "\r\n\0" after the content. */
    if (content > (size_t)size - 3) {
        if (!ctx->scanning) {
            fail(ctx, ctx->lineno, "line is longer than %d characters: shorten it", size - 3);
        }
        return NULL;
    }
    memcpy(line, start, take);
    line[take] = '\0';
    ctx->pos += take;
    if (!ctx->scanning && line_check(ctx, line) != 0) {
        return NULL;
    }
    return line;
}

/* ---- passes ------------------------------------------------------------------------------ */

static void scan_value_set(struct scan_value *v, const char *value, int line)
{
    size_t len = strlen(value);

    /* Keep the first; a second one is refused as a duplicate key by the second pass. Longer
     * values are cut: they are no currency or type anyway, and the message shows the start. */
    if (v->line == 0) {
        len = len < sizeof(v->text) ? len : sizeof(v->text) - 1;
        memcpy(v->text, value, len);
        v->text[len] = '\0';
        v->line = line;
    }
}

/* First pass: note the keys that decide how others are read. Never fails. */
static int scan_handler(void *user, const char *section, const char *name, const char *value)
{
    struct load_ctx *ctx = user;
    struct scan_fee *f = NULL;

    if (strcmp(section, "ledger") == 0 && strcmp(name, "currency") == 0) {
        scan_value_set(&ctx->ledger_currency, value, ctx->lineno);
    } else if (strncmp(section, "fee.", 4) == 0 &&
               (strcmp(name, "currency") == 0 || strcmp(name, "type") == 0)) {
        f = scan_fee_find(ctx, section, true);
        if (f != NULL) {
            scan_value_set(name[0] == 'c' ? &f->currency : &f->type, value, ctx->lineno);
        }
    }
    return 1;
}

/* The ledger currency is needed by every [limits.*] section and new fee schedule, which may
 * come before [ledger]: it is settled before the second pass, so its error comes first. */
static int resolve_ledger_currency(struct load_ctx *ctx)
{
    const struct scan_value *v = &ctx->ledger_currency;
    char *code = ctx->cfg->ledger.default_currency;
    char q[QUOTE_BUF];

    ctx->ledger_cur = currency_find(v->line != 0 ? v->text : code);
    if (ctx->ledger_cur == NULL && v->line != 0) {
        return fail(ctx, v->line,
                    "[ledger] currency: '%s' is not a known currency: write an ISO 4217 code "
                    "like EUR",
                    quote(q, v->text));
    }
    if (ctx->ledger_cur == NULL) {
        return fail(ctx, 1, "the default currency %s is unknown: set [ledger] currency", code);
    }
    memcpy(code, ctx->ledger_cur->code, sizeof(ctx->cfg->ledger.default_currency));
    return 0;
}

static void unknown_key(struct load_ctx *ctx, const struct section_def *def, const char *name)
{
    char keys[200] = "";
    char q[QUOTE_BUF];

    for (size_t i = 0; i < def->key_count; i++) {
        list_add(keys, sizeof(keys), (int)i, (int)def->key_count, def->keys[i].name);
    }
    fail(ctx, ctx->lineno, "[%s] %s: unknown key: use %s", ctx->sec.name, quote(q, name), keys);
}

/* Second pass: one key = value of the current section. Returns 0 (stop) on error, as inih
 * expects; the reader then ends the parse. */
static int config_handler(void *user, const char *section, const char *name, const char *value)
{
    struct load_ctx *ctx = user;
    const struct section_def *def = &section_defs[ctx->sec.id];
    const struct key_def *key = NULL;
    char q[QUOTE_BUF];
    size_t i = 0;

    if (ctx->rc != 0) {
        goto out;
    }
    /* The reader follows sections itself; inih must agree, or keys would land elsewhere. */
    if (strcmp(section, ctx->sec.name) != 0) {
        fail(ctx, ctx->lineno, "cannot tell which section '%s' is in: check the header above",
             quote(q, name));
        goto out;
    }
    if (ctx->sec.id == SEC_NONE) {
        fail(ctx, ctx->lineno, "key '%s' is outside any section: put it under its [section]",
             quote(q, name));
        goto out;
    }
    for (i = 0; i < def->key_count && key == NULL; i++) {
        key = strcmp(name, def->keys[i].name) == 0 ? &def->keys[i] : NULL;
    }
    if (key == NULL) {
        unknown_key(ctx, def, name);
        goto out;
    }
    i = (size_t)(key - def->keys);
    if ((ctx->sec.keys_seen & (1u << i)) != 0) {
        fail_key(ctx, key->name, "set twice (first at line %d): keep one", ctx->sec.key_lines[i]);
        goto out;
    }
    ctx->sec.keys_seen |= 1u << i;
    ctx->sec.key_lines[i] = ctx->lineno;
    if (ctx->sec.id == SEC_FEE && (key->fee_types & (1u << ctx->sec.fee->type)) == 0) {
        fail_key(ctx, key->name, "does not apply to a %s schedule: remove it or change type",
                 fee_type_words[ctx->sec.fee->type]);
        goto out;
    }
    key->set(ctx, key, value);
out:
    return ctx->rc == 0;
}

/* ---- public ------------------------------------------------------------------------------ */

static void smpp_link_defaults(struct config_smpp *l)
{
    memset(l, 0, sizeof(*l));
    l->port = 2775; /* IANA's SMPP port */
    l->transceiver = 1;
    l->window = 10;         /* what most operators allow unacknowledged */
    l->enquire_link_s = 30; /* SMSCs drop silent binds after about a minute */
    l->registered_delivery = 1;
    l->binds = 1;
    l->tls_verify = 1; /* off only for tests, and mandatd warns */
}

void config_defaults(struct mandat_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    memcpy(cfg->store_path, "mandat.db", sizeof("mandat.db"));
    cfg->store_sync = STORE_SYNC_FULL;
    cfg->batch_max = ENGINE_BATCH_MAX;
    cfg->queue_depth = ENGINE_QUEUE_MAX;
    cfg->log_level = LOG_INFO;
    ledger_config_defaults(&cfg->ledger);
    strcpy(cfg->sms.short_code, "71004"); /* Flouss.com's SMS+ short code */
    strcpy(cfg->sms.country, "FR");
    cfg->sms.lang = 0;                /* fr */
    cfg->sms.order_timeout_s = 300;   /* PSD2: an unconfirmed order expires after 5 minutes */
    cfg->sms.code_attempts = 5;       /* PSD2 RTS art. 4: at most 5 wrong codes */
    cfg->sms.code_lock_s = 1800;      /* then locked for 30 minutes */
    cfg->sms.dedup_window_s = 86400;  /* SMSCs redeliver within hours, not days */
    cfg->sms.claim_period_s = 604800; /* a week to join and collect money sent to a number */
    /* a forgotten code's reset waits a day (DESIGN.md: the code is knowledge) */
    cfg->sms.code_reset_delay_s = 86400;
    strcpy(cfg->sms.order_fee, "sms_order");
    smpp_link_defaults(&cfg->smpp);
    strcpy(cfg->http_listen, "127.0.0.1:8710");
    cfg->http.api_rate = 100; /* Stripe's default per key: a runaway client, not a busy shop */
    cfg->http.request_timeout_s = HTTP_REQUEST_TIMEOUT_S_DEFAULT;
    cfg->http.max_connections = HTTP_CONNECTIONS_MAX_DEFAULT;
    cfg->http.max_connections_addr = HTTP_CONNECTIONS_PER_ADDR_MAX_DEFAULT;
    cfg->http.max_header_bytes = HTTP_HEAD_BYTES_MAX_DEFAULT;
    cfg->http.max_headers = HTTP_HEADER_COUNT_MAX_DEFAULT;
    cfg->http.max_request_line = HTTP_REQUEST_LINE_MAX_DEFAULT;
    strcpy(cfg->vault_key_file, "mandat.key");
    cfg->webhook.timeout_s = 10;         /* merchants answer in milliseconds */
    cfg->webhook.concurrency = 16;       /* a few per merchant at peak */
    cfg->webhook.retry_min_s = 10;       /* 10 s, 20 s, 40 s ... capped at 1 h */
    cfg->webhook.retry_period_s = 86400; /* a day of outage at the merchant's, then failed */
    /* A merchant whose endpoint never answers holds a quarter of the connections at most. */
    cfg->webhook.merchant_concurrency = 4;
    strcpy(cfg->social.handle, "@mandat");
    strcpy(cfg->social.x_api, "https://api.x.com");
    cfg->social.mastodon_poll_ms = 2000; /* a mention answered within seconds */
    cfg->social.timeout_s = 10;
    cfg->social.retry_min_s = 5;
    cfg->social.retry_period_s = 86400;
}

_Static_assert(ENGINE_BATCH_MAX <= BATCH_MAX_MAX && ENGINE_QUEUE_MAX <= QUEUE_DEPTH_MAX,
               "the defaults are within the accepted ranges");

/* Two passes over the text. The first notes the currencies and fee types, which decide how
 * amounts are read and which keys apply, wherever they are in the file. The second reads every
 * line in order and stops at the first error, so that the message names the first mistake. */
int config_load_string(struct mandat_config *cfg, const char *text, const char *name,
                       struct mdt_err *err)
{
    struct load_ctx ctx;
    int line;

    mdt_err_clear(err);
    if (cfg == NULL || text == NULL) {
        return mdt_err_set(err, MDT_E(INVAL), "config_load_string: no config or no text");
    }
    config_defaults(cfg);
    memset(&ctx, 0, sizeof(ctx));
    ctx.cfg = cfg;
    ctx.name = name != NULL ? name : "mandat.conf";
    ctx.err = err;
    ctx.text = text;
    ctx.scanning = true;
    ini_parse_stream(config_reader, &ctx, scan_handler, &ctx);

    ctx.scanning = false;
    ctx.pos = 0;
    ctx.lineno = 0;
    if (resolve_ledger_currency(&ctx) != 0) {
        goto out;
    }
    line = ini_parse_stream(config_reader, &ctx, config_handler, &ctx);
    if (ctx.rc == 0 && line != 0) {
        /* inih refused a line that line_check let through: a gap in the mirror above. */
        fail(&ctx, line > 0 ? line : ctx.lineno,
             "cannot read this line: write [section], key = value or ; comment");
    }
    section_end(&ctx);
out:
    return ctx.rc;
}

/* Line of the first NUL byte in text[0..len), for the message. */
static int nul_line(const char *text, size_t len)
{
    const char *nul = memchr(text, '\0', len);
    int line = 1;

    for (const char *c = text; nul != NULL && c < nul; c++) {
        line += *c == '\n';
    }
    return nul != NULL ? line : 0;
}

int config_load_file(struct mandat_config *cfg, const char *path, struct mdt_err *err)
{
    FILE *file = NULL;
    char *text = NULL;
    size_t len = 0;
    bool missing = false;
    int e = 0;
    int rc = 0;

    mdt_err_clear(err);
    if (cfg == NULL) {
        rc = mdt_err_set(err, MDT_E(INVAL), "config_load_file: no config");
        goto out;
    }
    config_defaults(cfg);
    if (path == NULL) {
        rc = mdt_err_set(err, MDT_E(NOTFOUND),
                         "no config file given: copy docs/mandat.conf or pass --config");
        goto out;
    }
    file = fopen(path, "re");
    if (file == NULL) {
        e = errno;
        missing = e == ENOENT || e == ENOTDIR;
        rc = mdt_err_set(err, missing ? MDT_E(NOTFOUND) : MDT_E(IO), "cannot open '%s': %s: %s",
                         path, strerror(e),
                         missing ? "copy docs/mandat.conf or pass --config"
                                 : "check the path and its permissions");
        goto out;
    }
    text = malloc(CONFIG_FILE_MAX + 1);
    if (text == NULL) {
        rc = mdt_err_set(err, MDT_E(NOMEM), "cannot read '%s': out of memory", path);
        goto out;
    }
    len = fread(text, 1, CONFIG_FILE_MAX + 1, file);
    if (ferror(file)) {
        rc = mdt_err_set(err, MDT_E(IO), "cannot read '%s': %s", path, strerror(errno));
    } else if (len > CONFIG_FILE_MAX) {
        rc = mdt_err_set(err, MDT_E(PARSE), "%s: longer than %d bytes: is it the right file?", path,
                         CONFIG_FILE_MAX);
    } else if (nul_line(text, len) != 0) {
        rc = mdt_err_set(err, MDT_E(PARSE), "%s:%d: NUL byte: is it a text file?", path,
                         nul_line(text, len));
    } else {
        text[len] = '\0';
        rc = config_load_string(cfg, text, path, err);
    }
out:
    free(text);
    if (file != NULL) {
        fclose(file);
    }
    return rc;
}
