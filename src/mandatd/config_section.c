/* SPDX-License-Identifier: Apache-2.0 */
/* mandat.conf sections: which header names which section ([limits.<kind>.<tier>], [fee.<name>],
 * [smpp.<name>] and the fixed ones), each at most once, and the checks that need a whole
 * section. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mandatd/config.h"
#include "mandatd/config_int.h"

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
        rc = config_fail(ctx, ctx->lineno,
                         "[%s]: name the kind and tier: write it like [limits.wallet.0]",
                         ctx->sec.name);
        goto out;
    }
    len = len < sizeof(text) ? len : sizeof(text) - 1;
    memcpy(text, rest, len);
    text[len] = '\0';
    kind = account_kind_parse(text);
    if (kind < 0) {
        for (int i = 0; i < ACCOUNT_KIND_COUNT; i++) {
            config_list_add(kinds, sizeof(kinds), i, ACCOUNT_KIND_COUNT, account_kind_name(i));
        }
        rc = config_fail(ctx, ctx->lineno, "[%s]: unknown account kind '%s': use %s", ctx->sec.name,
                         config_quote(q, text), kinds);
        goto out;
    }
    if (dot[1] >= '0' && dot[1] < '0' + KYC_TIER_COUNT && dot[2] == '\0') {
        tier = dot[1] - '0';
    } else {
        rc = config_fail(ctx, ctx->lineno, "[%s]: tier '%s' is out of range: use 0, 1 or 2",
                         ctx->sec.name, config_quote(q, dot + 1));
        goto out;
    }
    if (ctx->limits_lines[kind][tier] != 0) {
        rc = config_fail(ctx, ctx->lineno, "[%s] appears twice (first at line %d): merge the two",
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
    return config_fail(
        ctx, line,
        "[ledger] pending_timeout: %u is above pending_timeout_max %u: lower it or raise "
        "pending_timeout_max",
        (unsigned)lc->pending_timeout_default_s, (unsigned)lc->pending_timeout_max_s);
}

int config_section_end(struct load_ctx *ctx)
{
    if (ctx->rc != 0) {
        return ctx->rc;
    }
    if (ctx->sec.id == SEC_LEDGER) {
        return ledger_end(ctx);
    }
    if (ctx->sec.id == SEC_FEE) {
        return config_fee_end(ctx);
    }
    return 0;
}

void config_smpp_link_defaults(struct config_smpp *l)
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

/* [smpp.<name>]: another SMSC link, with [smpp]'s keys and defaults. */
static int smpp_link_begin(struct load_ctx *ctx, const char *name)
{
    struct mandat_config *cfg = ctx->cfg;
    struct config_smpp *link;
    size_t n = strlen(name);

    if (n == 0 || n >= sizeof(cfg->smpp.name)) {
        return config_fail(ctx, ctx->lineno, "[smpp.%.40s]: a link name is 1 to %zu characters",
                           name, sizeof(cfg->smpp.name) - 1);
    }
    for (uint32_t i = 0; i < cfg->smpp_more_count; i++) {
        if (strcmp(cfg->smpp_more[i].name, name) == 0) {
            return config_fail(ctx, ctx->lineno, "[smpp.%s] appears twice: merge the two", name);
        }
    }
    if (cfg->smpp_more_count >= CONFIG_SMPP_LINKS_MAX - 1) {
        return config_fail(ctx, ctx->lineno,
                           "[smpp.%s]: at most %d SMSC links ([smpp] and %d more)", name,
                           CONFIG_SMPP_LINKS_MAX, CONFIG_SMPP_LINKS_MAX - 1);
    }
    link = &cfg->smpp_more[cfg->smpp_more_count++];
    config_smpp_link_defaults(link);
    memcpy(link->name, name, n + 1);
    ctx->sec.link_offset = (size_t)((char *)link - (char *)&cfg->smpp);
    return 0;
}

void config_iso_defaults(struct config_iso *l)
{
    memset(l, 0, sizeof(*l));
    l->in_flight = 64;
    l->answer_ms = 5000; /* networks time an issuer out after a few seconds */
    l->echo_idle_s = 60;
    snprintf(l->zpk_alg, sizeof(l->zpk_alg), "tdes");
    l->cash_day_max = 50000; /* 500 in the ledger's currency */
    l->hold_expiry_s = 7 * 24 * 3600;
    snprintf(l->atm_fee, sizeof(l->atm_fee), "none");
    snprintf(l->fx_fee, sizeof(l->fx_fee), "none");
}

/* [iso8583.<name>]: one card network's switch. */
static int iso_link_begin(struct load_ctx *ctx, const char *name)
{
    struct mandat_config *cfg = ctx->cfg;
    struct config_iso *link;
    size_t n = strlen(name);

    if (n == 0 || n >= sizeof(cfg->iso[0].name)) {
        return config_fail(ctx, ctx->lineno, "[iso8583.%.40s]: a link name is 1 to %zu characters",
                           name, sizeof(cfg->iso[0].name) - 1);
    }
    for (uint32_t i = 0; i < cfg->iso_count; i++) {
        if (strcmp(cfg->iso[i].name, name) == 0) {
            return config_fail(ctx, ctx->lineno, "[iso8583.%s] appears twice: merge the two",
                               name);
        }
    }
    if (cfg->iso_count >= CONFIG_ISO_LINKS_MAX) {
        return config_fail(ctx, ctx->lineno, "[iso8583.%s]: at most %d ISO 8583 links", name,
                           CONFIG_ISO_LINKS_MAX);
    }
    link = &cfg->iso[cfg->iso_count++];
    config_iso_defaults(link);
    memcpy(link->name, name, n + 1);
    ctx->sec.link_offset = (size_t)((char *)link - (char *)&cfg->iso[0]);
    return 0;
}

/* A section header on the current line; the previous section has been ended. */
int config_section_begin(struct load_ctx *ctx, const char *name)
{
    char q[QUOTE_BUF];
    enum section_id id = SEC_NONE;
    int rc = 0;

    memset(&ctx->sec, 0, sizeof(ctx->sec));
    ctx->sec.line = ctx->lineno;
    /* Only printable ASCII, so that names can be quoted in messages as they are. */
    for (const char *c = name; *c != '\0'; c++) {
        if (*c <= ' ' || *c > '~') {
            rc = config_fail(ctx, ctx->lineno, "unknown section [%s]: section names have no blanks",
                             config_quote(q, name));
            goto out;
        }
    }
    memcpy(ctx->sec.name, name, strlen(name) + 1);
    if (strncmp(name, "limits.", 7) == 0) {
        id = SEC_LIMITS;
        rc = limits_begin(ctx, name + 7);
    } else if (strncmp(name, "fee.", 4) == 0) {
        id = SEC_FEE;
        rc = config_fee_begin(ctx, name + 4);
    } else if (strncmp(name, "smpp.", 5) == 0) {
        id = SEC_SMPP;
        rc = smpp_link_begin(ctx, name + 5);
    } else if (strncmp(name, "iso8583.", 8) == 0) {
        id = SEC_ISO;
        rc = iso_link_begin(ctx, name + 8);
    } else {
        for (int i = SEC_STORE; i <= SEC_SIP; i++) {
            if (strcmp(name, config_sections[i].name) == 0) {
                id = (enum section_id)i;
            }
        }
        if (id == SEC_NONE) {
            rc = config_fail(
                ctx, ctx->lineno,
                "unknown section [%s]: use [store], [engine], [log], [ledger], [sms], "
                "[smpp], [smpp.<name>], [kannel], [http], [vault], [webhook], [social], [cards], "
                "[acquirer], [sip], [iso8583.<name>], "
                "[limits.<kind>.<tier>] or [fee.<name>]",
                name);
        } else if (ctx->section_lines[id] != 0) {
            rc = config_fail(ctx, ctx->lineno,
                             "[%s] appears twice (first at line %d): merge the two", name,
                             ctx->section_lines[id]);
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
