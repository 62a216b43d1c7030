/* SPDX-License-Identifier: Apache-2.0 */
/* mandat.conf: inih splits the text into lines and keys; this file reads the lines (mirroring
 * inih, so that nothing is taken in a way people do not expect), runs the two passes and fills
 * struct mandat_config with the defaults and what the file says. The schema is config_keys.c;
 * sections, values and fee schedules are read by config_section.c, config_value.c and
 * config_fee.c (config_int.h). */
#include "mandatd/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/limits.h"
#include "base/money.h"
#include "mandatd/config_int.h"

/* A config file is a few kilobytes (the documented sample is under 10 KB; all 24 limit sections
 * and 32 fee schedules fully written fit in 40 KB): anything above 1 MiB is the wrong file. The
 * file is read whole because the loader makes two passes over it (see config_load_string). */
#define CONFIG_FILE_MAX (1024 * 1024)

/* ---- messages ---------------------------------------------------------------------------- */

const char *config_quote_n(char out[QUOTE_BUF], const char *s, size_t len)
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

const char *config_quote(char out[QUOTE_BUF], const char *s)
{
    return config_quote_n(out, s, strlen(s));
}

/* Record the first error: "name:line: what is wrong: what to do". Later errors are dropped. */
int config_fail(struct load_ctx *ctx, int line, const char *fmt, ...)
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
int config_fail_key(struct load_ctx *ctx, const char *key, const char *fmt, ...)
{
    char msg[MDT_ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return config_fail(ctx, ctx->lineno, "[%s] %s: %s", ctx->sec.name, key, msg);
}

/* Append word to the list in buf, so that count words read "a, b or c". */
void config_list_add(char *buf, size_t size, int i, int count, const char *word)
{
    size_t len = strlen(buf);
    const char *sep = i == 0 ? "" : (i == count - 1 ? " or " : ", ");

    if (len < size) {
        snprintf(buf + len, size - len, "%s%s", sep, word);
    }
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
    int rc = config_section_end(ctx);

    if (rc != 0) {
        goto out;
    }
    if (*end != ']') {
        rc = config_fail(ctx, ctx->lineno, "'[' without ']': write sections like [store]");
        goto out;
    }
    after = config_skip_blank(end + 1);
    if (*after != '\0' && *after != ';' && *after != '#') {
        rc = config_fail(ctx, ctx->lineno, "text after ']': put comments after ';'");
        goto out;
    }
    if (len > SECTION_NAME_MAX) {
        rc = config_fail(ctx, ctx->lineno, "section name [%s] is too long: at most %d characters",
                         config_quote_n(q, t + 1, len), SECTION_NAME_MAX);
        goto out;
    }
    memcpy(name, t + 1, len);
    name[len] = '\0';
    rc = config_section_begin(ctx, name);
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
    t = config_skip_blank(s);
    if (*t == '\0' || *t == ';' || *t == '#') {
        return 0;
    }
    /* inih reads an indented line after a key as more of that key's value. */
    if (t != s) {
        return config_fail(ctx, ctx->lineno,
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
        return config_fail(ctx, ctx->lineno,
                           "'%s' is not key = value: write key = value, [section] or "
                           "; comment",
                           config_quote_n(q, t, len));
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
            config_fail(ctx, ctx->lineno, "line is longer than %d characters: shorten it",
                        size - 3);
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
        f = config_scan_fee_find(ctx, section, true);
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
        return config_fail(
            ctx, v->line,
            "[ledger] currency: '%s' is not a known currency: write an ISO 4217 code "
            "like EUR",
            config_quote(q, v->text));
    }
    if (ctx->ledger_cur == NULL) {
        return config_fail(ctx, 1, "the default currency %s is unknown: set [ledger] currency",
                           code);
    }
    memcpy(code, ctx->ledger_cur->code, sizeof(ctx->cfg->ledger.default_currency));
    return 0;
}

static void unknown_key(struct load_ctx *ctx, const struct section_def *def, const char *name)
{
    char keys[200] = "";
    char q[QUOTE_BUF];

    for (size_t i = 0; i < def->key_count; i++) {
        config_list_add(keys, sizeof(keys), (int)i, (int)def->key_count, def->keys[i].name);
    }
    config_fail(ctx, ctx->lineno, "[%s] %s: unknown key: use %s", ctx->sec.name,
                config_quote(q, name), keys);
}

/* Second pass: one key = value of the current section. Returns 0 (stop) on error, as inih
 * expects; the reader then ends the parse. */
static int config_handler(void *user, const char *section, const char *name, const char *value)
{
    struct load_ctx *ctx = user;
    const struct section_def *def = &config_sections[ctx->sec.id];
    const struct key_def *key = NULL;
    char q[QUOTE_BUF];
    size_t i = 0;

    if (ctx->rc != 0) {
        goto out;
    }
    /* The reader follows sections itself; inih must agree, or keys would land elsewhere. */
    if (strcmp(section, ctx->sec.name) != 0) {
        config_fail(ctx, ctx->lineno,
                    "cannot tell which section '%s' is in: check the header above",
                    config_quote(q, name));
        goto out;
    }
    if (ctx->sec.id == SEC_NONE) {
        config_fail(ctx, ctx->lineno, "key '%s' is outside any section: put it under its [section]",
                    config_quote(q, name));
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
        config_fail_key(ctx, key->name, "set twice (first at line %d): keep one",
                        ctx->sec.key_lines[i]);
        goto out;
    }
    ctx->sec.keys_seen |= 1u << i;
    ctx->sec.key_lines[i] = ctx->lineno;
    if (ctx->sec.id == SEC_FEE && (key->fee_types & (1u << ctx->sec.fee->type)) == 0) {
        config_fail_key(ctx, key->name, "does not apply to a %s schedule: remove it or change type",
                        config_fee_type_words[ctx->sec.fee->type]);
        goto out;
    }
    key->set(ctx, key, value);
out:
    return ctx->rc == 0;
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
    snprintf(cfg->sms.short_code, sizeof(cfg->sms.short_code), "71004"); /* Flouss.com SMS+ */
    snprintf(cfg->sms.country, sizeof(cfg->sms.country), "FR");
    cfg->sms.lang = 0;                /* fr */
    cfg->sms.order_timeout_s = 300;   /* PSD2: an unconfirmed order expires after 5 minutes */
    cfg->sms.code_attempts = 5;       /* PSD2 RTS art. 4: at most 5 wrong codes */
    cfg->sms.code_lock_s = 1800;      /* then locked for 30 minutes */
    cfg->sms.dedup_window_s = 86400;  /* SMSCs redeliver within hours, not days */
    cfg->sms.claim_period_s = 604800; /* a week to join and collect money sent to a number */
    /* a forgotten code's reset waits a day (DESIGN.md: the code is knowledge) */
    cfg->sms.code_reset_delay_s = 86400;
    snprintf(cfg->sms.order_fee, sizeof(cfg->sms.order_fee), "sms_order");
    config_smpp_link_defaults(&cfg->smpp);
    snprintf(cfg->http_listen, sizeof(cfg->http_listen), "127.0.0.1:8710");
    cfg->http.api_rate = 100; /* Stripe's default per key: a runaway client, not a busy shop */
    cfg->http.request_timeout_s = HTTP_REQUEST_TIMEOUT_S_DEFAULT;
    cfg->http.max_connections = HTTP_CONNECTIONS_MAX_DEFAULT;
    cfg->http.max_connections_addr = HTTP_CONNECTIONS_PER_ADDR_MAX_DEFAULT;
    cfg->http.max_header_bytes = HTTP_HEAD_BYTES_MAX_DEFAULT;
    cfg->http.max_headers = HTTP_HEADER_COUNT_MAX_DEFAULT;
    cfg->http.max_request_line = HTTP_REQUEST_LINE_MAX_DEFAULT;
    snprintf(cfg->vault_key_file, sizeof(cfg->vault_key_file), "mandat.key");
    snprintf(cfg->cards.key_ring, sizeof(cfg->cards.key_ring), "mandat-cards.keys");
    /* 999999: no network issues in it (test cards), so a card made by a test is never real. */
    snprintf(cfg->cards.bin, sizeof(cfg->cards.bin), "999999");
    snprintf(cfg->cards.emboss_file, sizeof(cfg->cards.emboss_file), "mandat-emboss.txt");
    cfg->cards.expiry_years = 3;         /* as most prepaid cards */
    cfg->cards.price_minor = 1900;       /* Flouss.com's card: 19 EUR */
    cfg->webhook.timeout_s = 10;         /* merchants answer in milliseconds */
    cfg->webhook.concurrency = 16;       /* a few per merchant at peak */
    cfg->webhook.retry_min_s = 10;       /* 10 s, 20 s, 40 s ... capped at 1 h */
    cfg->webhook.retry_period_s = 86400; /* a day of outage at the merchant's, then failed */
    /* A merchant whose endpoint never answers holds a quarter of the connections at most. */
    cfg->webhook.merchant_concurrency = 4;
    snprintf(cfg->social.handle, sizeof(cfg->social.handle), "@mandat");
    snprintf(cfg->social.x_api, sizeof(cfg->social.x_api), "https://api.x.com");
    cfg->social.mastodon_poll_ms = 2000; /* a mention answered within seconds */
    cfg->social.timeout_s = 10;
    cfg->social.retry_min_s = 5;
    cfg->social.retry_period_s = 86400;
    /* No acquirer unless one is configured: the test acquirer approves test card numbers. */
    snprintf(cfg->acquirer.kind, sizeof(cfg->acquirer.kind), "none");
    cfg->acquirer.latency_ms = 200;   /* about what card schemes answer in */
    cfg->acquirer.timeout_ms = 10000; /* schemes time an authorization out well within this */
    snprintf(cfg->acquirer.fee, sizeof(cfg->acquirer.fee), "none"); /* see [fee.card_acquiring] */
    cfg->acquirer.link_timeout_s = 900; /* a quarter of an hour to find one's card */
    /* The phone channel is off until [sip] listen is set; RTP in the upper half of the
     * unprivileged ports (RFC 3551 §8 suggests even ports, taken in pairs). */
    cfg->sip.rtp_port_min = 16384;
    cfg->sip.rtp_port_max = 32767;
    cfg->sip.max_calls = 64;
    cfg->sip.retry_after_s = 30;
    cfg->sip.rtp_timeout_s = 60; /* G.711 trunks send every 20 ms; a minute is a dead caller */
    snprintf(cfg->sip.allow, sizeof(cfg->sip.allow), "127.0.0.1 ::1");
    snprintf(cfg->sip.auth, sizeof(cfg->sip.auth), "allow");
    snprintf(cfg->sip.auth_realm, sizeof(cfg->sip.auth_realm), "mandat");
    cfg->sip.nonce_life_s = 300; /* five minutes: a trunk answers a challenge in milliseconds */
    cfg->sip.auth_fail_max = 5;  /* a mistyped password is seen in a few tries */
    cfg->sip.auth_fail_lock_s = 300;
    cfg->sip.session_expires_s = 1800; /* RFC 4028 §4 recommends 30 minutes */
    cfg->sip.min_se_s = 90;            /* RFC 4028 §4: the minimum */
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
        config_fail(&ctx, line > 0 ? line : ctx.lineno,
                    "cannot read this line: write [section], key = value or ; comment");
    }
    config_section_end(&ctx);
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

#define PATH_DIR_MAX 1024 /* longest directory of a config file whose paths are joined */

/* Prefix path (in place, cap bytes) with dir/ unless it is empty, absolute or a URI. */
static int resolve_one(char *path, size_t cap, const char *dir, size_t dir_len, const char *key,
                       struct mdt_err *err)
{
    char joined[CONFIG_PATH_MAX + PATH_DIR_MAX];
    int n;

    if (path[0] == '\0' || path[0] == '/' || strstr(path, "://") != NULL) {
        return 0;
    }
    n = snprintf(joined, sizeof(joined), "%.*s/%s", (int)dir_len, dir, path);
    if (n < 0 || (size_t)n >= cap) {
        return mdt_err_set(err, MDT_E(RANGE),
                           "%s: joined to the config's directory, the path is longer than %zu "
                           "bytes: give an absolute path",
                           key, cap - 1);
    }
    memcpy(path, joined, (size_t)n + 1);
    return 0;
}

int config_resolve_paths(struct mandat_config *cfg, const char *config_path, struct mdt_err *err)
{
    const char *slash = config_path != NULL ? strrchr(config_path, '/') : NULL;
    size_t dir_len;
    struct {
        char *path;
        size_t cap;
        const char *key;
    } paths[11 + (CONFIG_SMPP_LINKS_MAX - 1) + 4 * CONFIG_ISO_LINKS_MAX];
    size_t n = 0;

#define PATH_OF(field, name)                                                                       \
    do {                                                                                           \
        MDT_ASSERT(n < sizeof(paths) / sizeof(paths[0]));                                          \
        paths[n++] = (__typeof__(paths[0])){(field), sizeof(field), (name)};                       \
    } while (0)
    mdt_err_clear(err);
    if (slash == NULL) {
        return 0; /* a config in the working directory: its paths already are */
    }
    dir_len = (size_t)(slash - config_path); /* "/mandat.conf": "", joined as "/mandat.db" */
    if (dir_len >= PATH_DIR_MAX) {
        return mdt_err_set(err, MDT_E(RANGE), "the config's directory is too long: move it");
    }
    PATH_OF(cfg->store_path, "[store] path");
    PATH_OF(cfg->vault_key_file, "[vault] key_file");
    PATH_OF(cfg->cards.key_ring, "[cards] key_ring");
    PATH_OF(cfg->cards.emboss_file, "[cards] emboss_file");
    PATH_OF(cfg->http.tls_cert, "[http] tls_cert");
    PATH_OF(cfg->http.tls_key, "[http] tls_key");
    PATH_OF(cfg->webhook.tls_ca_file, "[webhook] tls_ca_file");
    PATH_OF(cfg->acquirer.state_file, "[acquirer] state_file");
    PATH_OF(cfg->social.tls_ca_file, "[social] tls_ca_file");
    PATH_OF(cfg->smpp.tls_ca_file, "[smpp] tls_ca_file");
    PATH_OF(cfg->sip.auth_file, "[sip] auth_file");
    for (uint32_t i = 0; i < cfg->smpp_more_count; i++) {
        PATH_OF(cfg->smpp_more[i].tls_ca_file, "[smpp.<name>] tls_ca_file");
    }
    for (uint32_t i = 0; i < cfg->iso_count; i++) {
        PATH_OF(cfg->iso[i].tls_cert, "[iso8583.<name>] tls_cert");
        PATH_OF(cfg->iso[i].tls_key, "[iso8583.<name>] tls_key");
        PATH_OF(cfg->iso[i].tls_ca, "[iso8583.<name>] tls_ca");
        PATH_OF(cfg->iso[i].zpk_file, "[iso8583.<name>] zpk_file");
    }
#undef PATH_OF
    for (size_t i = 0; i < n; i++) {
        int rc = resolve_one(paths[i].path, paths[i].cap, config_path, dir_len, paths[i].key, err);

        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}
