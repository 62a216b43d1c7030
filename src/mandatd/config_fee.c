/* SPDX-License-Identifier: Apache-2.0 */
/* mandat.conf [fee.<name>] sections: a schedule's type, currency and payer (settled by the first
 * pass, wherever they are in the section), percents, tier lists, and the checks that need the
 * whole section. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/money.h"
#include "mandatd/config.h"
#include "mandatd/config_int.h"

/* A tier list fits on one line, which inih bounds at ini_max_line (200 bytes by default). */
#define TIERS_TEXT_MAX 256

_Static_assert(FEE_FIXED == 2 && FEE_OPERATOR == 2, "word tables follow the enums");

const char *const config_fee_type_words[3] = {"tiered", "percent", "fixed"};
static const char *const payer_words[] = {"payer", "payee", "operator"};

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
    s = config_skip_blank(s);
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

/* Type and currency of a fee schedule were applied by config_fee_begin; as for the ledger
 * currency, only check that the second pass agrees with the first. */
int config_set_fee_type(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    if (config_word_find(value, config_fee_type_words, WORDS_COUNT(config_fee_type_words)) !=
        ctx->sec.fee->type) {
        return config_fail_key(ctx, key->name, "changed while being read: load the file again");
    }
    return 0;
}

int config_set_fee_currency(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    if (currency_find(value) != ctx->sec.cur) {
        return config_fail_key(ctx, key->name, "changed while being read: load the file again");
    }
    return 0;
}

int config_set_fee_payer(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    char q[QUOTE_BUF];
    int i = config_word_find(value, payer_words, WORDS_COUNT(payer_words));

    if (i < 0) {
        return config_fail_key(ctx, key->name,
                               "'%s' is not a payer: write payer, payee or operator",
                               config_quote(q, value));
    }
    ctx->sec.fee->payer = (uint8_t)i;
    return 0;
}

int config_set_percent(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    char q[QUOTE_BUF];
    const char *why = NULL;
    int64_t bp = 0;

    if (!parse_percent_bp(value, &bp, &why)) {
        return config_fail_key(ctx, key->name, "'%s' %s", config_quote(q, value), why);
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
        rc = config_fail_key(ctx, key,
                             "'%s' is not a tier: write up_to:fee pairs like 100:6, max:22",
                             config_quote(q, item));
        goto out;
    }
    *colon = '\0';
    bound = config_trim(item);
    if (n > 0 && tiers[n - 1].up_to == 0) {
        rc = config_fail_key(ctx, key, "'max' must be the last tier: remove the tiers after it");
        goto out;
    }
    /* up_to 0 marks the open last tier in struct fee_tier, so a bound of 0 cannot be said. */
    if (strcasecmp(bound, "max") != 0) {
        rc = config_parse_amount(ctx, key, bound, &t.up_to);
        if (rc == 0 && t.up_to == 0) {
            rc = config_fail_key(ctx, key,
                                 "tier bound '%s' is 0: bounds are above 0, the last is max",
                                 config_quote(q, bound));
        } else if (rc == 0 && n > 0 && t.up_to == tiers[n - 1].up_to) {
            rc = config_fail_key(ctx, key, "duplicate tier '%s': keep one", config_quote(q, bound));
        } else if (rc == 0 && n > 0 && t.up_to < tiers[n - 1].up_to) {
            rc = config_fail_key(ctx, key,
                                 "tiers not ascending: '%s' comes after a higher bound: sort them",
                                 config_quote(q, bound));
        }
        if (rc != 0) {
            goto out;
        }
    }
    rc = config_parse_amount(ctx, key, config_trim(colon + 1), &t.fee);
    if (rc == 0 && t.fee == 0) {
        rc = config_fail_key(ctx, key, "the fee of tier '%s' is 0: a tier's fee is above 0",
                             config_quote(q, bound));
    }
    if (rc == 0) {
        tiers[n] = t;
    }
out:
    return rc;
}

/* "100:6, 250:10, 500:15, max:22": ascending inclusive bounds, the last one open. */
int config_set_tiers(struct load_ctx *ctx, const struct key_def *key, const char *value)
{
    struct fee_tier tiers[FEE_TIERS_MAX];
    char buf[TIERS_TEXT_MAX];
    struct fee_schedule *f = ctx->sec.fee;
    size_t len = strlen(value);
    char *item = buf;
    uint32_t n = 0;
    int rc = 0;

    if (len >= sizeof(buf)) {
        rc =
            config_fail_key(ctx, key->name, "value too long: at most %d bytes", TIERS_TEXT_MAX - 1);
        goto out;
    }
    if (*config_skip_blank(value) == '\0') {
        rc = config_fail_key(ctx, key->name,
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
            rc = config_fail_key(ctx, key->name, "more than %d tiers: merge some", FEE_TIERS_MAX);
        } else if (*config_trim(item) == '\0') {
            rc = config_fail_key(ctx, key->name, "empty tier: remove the extra comma");
        } else {
            rc = tier_parse(ctx, key->name, config_trim(item), tiers, n);
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
        rc = config_fail_key(ctx, key->name,
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
struct scan_fee *config_scan_fee_find(struct load_ctx *ctx, const char *section, bool add)
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
        *type = config_word_find(scan->type.text, config_fee_type_words,
                                 WORDS_COUNT(config_fee_type_words));
        if (*type < 0) {
            rc = config_fail(ctx, scan->type.line,
                             "[%s] type: '%s' is not a fee type: write tiered, percent or fixed",
                             ctx->sec.name, config_quote(q, scan->type.text));
            goto out;
        }
    } else if (old != NULL) {
        *type = old->type;
    } else {
        rc = config_fail(ctx, ctx->sec.line,
                         "[%s]: a new fee schedule needs type = tiered, percent or fixed",
                         ctx->sec.name);
        goto out;
    }
    if (scan != NULL && scan->currency.line != 0) {
        *cur = currency_find(scan->currency.text);
        if (*cur == NULL) {
            rc = config_fail(
                ctx, scan->currency.line,
                "[%s] currency: '%s' is not a known currency: write an ISO 4217 code like EUR",
                ctx->sec.name, config_quote(q, scan->currency.text));
        }
    } else if (old != NULL) {
        *cur = currency_find(old->currency);
        if (*cur == NULL) {
            rc = config_fail(ctx, ctx->sec.line,
                             "[%s]: the default currency %s is unknown: name one", ctx->sec.name,
                             old->currency);
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
int config_fee_begin(struct load_ctx *ctx, const char *fee_name)
{
    struct ledger_config *lc = &ctx->cfg->ledger;
    const struct scan_fee *scan = config_scan_fee_find(ctx, ctx->sec.name, false);
    const struct currency *cur = NULL;
    struct fee_schedule *f = NULL;
    char q[QUOTE_BUF];
    uint32_t id = 0;
    int type = 0;
    int rc = 0;

    if (!fee_name_valid(fee_name)) {
        rc = config_fail(
            ctx, ctx->lineno,
            "[fee.%s]: a fee name is 1 to %d lowercase letters, digits or '_': rename it",
            config_quote(q, fee_name), FEE_NAME_MAX - 1);
        goto out;
    }
    id = ledger_config_fee_find(lc, fee_name);
    if (id == 0 && lc->fee_schedule_count >= FEE_SCHEDULES_MAX) {
        rc = config_fail(ctx, ctx->lineno, "[%s]: more than %d fee schedules: remove one",
                         ctx->sec.name, FEE_SCHEDULES_MAX);
        goto out;
    }
    if (id != 0 && ctx->fee_lines[id - 1] != 0) {
        rc = config_fail(ctx, ctx->lineno, "[%s] appears twice (first at line %d): merge the two",
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

/* Checks that need the whole [fee.<name>] section. */
int config_fee_end(struct load_ctx *ctx)
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
        return config_fail(ctx, ctx->sec.line,
                           "[%s]: a %s schedule needs %s: add it (a new schedule, type or currency "
                           "starts afresh)",
                           ctx->sec.name, config_fee_type_words[f->type],
                           config_sections[SEC_FEE].keys[key].name);
    }
    if (f->type == FEE_PERCENT && f->fee_max != 0 && f->fee_min > f->fee_max) {
        if (line == 0) {
            line = ctx->sec.key_lines[FEE_KEY_MAX];
        }
        return config_fail(ctx, line, "[%s] min: above max: lower min or raise max", ctx->sec.name);
    }
    return 0;
}
