/* SPDX-License-Identifier: Apache-2.0 */
/* Trying mandat without an operator: `mandat sms` sends a message to a running mandatd as if from
 * a phone (through its Kannel-compatible endpoint), `mandat phone` is an interactive phone, and
 * `mandat association create` registers a donation keyword. */
#include <arpa/inet.h>
#include <ctype.h>
#include <getopt.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/id128.h"
#include "cli/cli.h"
#include "dialog/dialog.h"
#include "dialog/phone.h"
#include "engine/engine.h"

/* Replies are a few SMS; anything longer than this from our own endpoint is an error. */
#define SMS_HTTP_RESPONSE_MAX 65536

static void url_encode(const char *in, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;

    for (const unsigned char *p = (const unsigned char *)in; *p != '\0' && n + 4 < cap; p++) {
        if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            out[n++] = (char)*p;
        } else {
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    out[n] = '\0';
}

static int http_connect(const char *listen)
{
    char host[64], port[8];
    const char *colon = strrchr(listen, ':');
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    int fd = -1;

    if (colon == NULL || (size_t)(colon - listen) >= sizeof(host) || strlen(colon + 1) >= 8) {
        return -1;
    }
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    snprintf(port, sizeof(port), "%s", colon + 1);
    if (getaddrinfo(host, port, &hints, &ai) != 0) {
        return -1;
    }
    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

/* GET path from mandatd's endpoint; body (NUL-terminated) into buf. Returns the HTTP status, or
 * -1 when mandatd cannot be reached. */
static int http_get(const char *listen, const char *path, char *buf, size_t cap)
{
    char req[8192];
    size_t got = 0;
    int fd = http_connect(listen);
    int status = -1;
    char *body;

    if (fd < 0) {
        return -1;
    }
    snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, listen);
    if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
        close(fd);
        return -1;
    }
    for (;;) {
        ssize_t n = read(fd, buf + got, cap - 1 - got);

        if (n <= 0 || got + (size_t)n >= cap - 1) {
            got += n > 0 ? (size_t)n : 0;
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) {
        return -1;
    }
    body = strstr(buf, "\r\n\r\n");
    if (body == NULL) {
        buf[0] = '\0';
        return status;
    }
    body += 4;
    memmove(buf, body, strlen(body) + 1);
    return status;
}

/* mandat sms and mandat phone talk to mandatd's internal listener: it must be configured. */
static int internal_listen_required(const struct cli *c)
{
    if (c->cfg.http_internal_listen[0] == '\0') {
        cli_error("[http] internal_listen is not set: mandat sms and phone talk to mandatd's "
                  "internal listener (e.g. internal_listen = 127.0.0.1:8711)");
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

/* The message's path on the internal listener: as the gateway, with [kannel] mo_secret, or as
 * the dev phone (/dev/mo, dev mode only) when no secret is configured. */
static void mo_path(const struct cli *c, const char *query, char *path, size_t cap)
{
    char sec[400];

    if (c->cfg.kannel.mo_secret[0] != '\0') {
        url_encode(c->cfg.kannel.mo_secret, sec, sizeof(sec));
        snprintf(path, cap, "/kannel/mo?%s&secret=%s", query, sec);
    } else {
        snprintf(path, cap, "/dev/mo?%s", query);
    }
}

/* Send text from phone to mandatd; print the reply. Returns an exit status. */
static int send_mo(struct cli *c, const char *phone, const char *text, bool quiet_busy)
{
    static char buf[SMS_HTTP_RESPONSE_MAX];
    char from[128], to[128], enc[4096], query[4500], path[5000], idtext[ID128_TEXT_MAX];
    struct id128 id;
    int status;

    if (id128_random(&id) < 0) {
        cli_error("cannot get random bytes for a message id");
        return CLI_EXIT_USAGE;
    }
    id128_format(id, idtext);
    url_encode(phone, from, sizeof(from));
    url_encode(c->cfg.sms.short_code, to, sizeof(to));
    url_encode(text, enc, sizeof(enc));
    snprintf(query, sizeof(query), "from=%s&to=%s&text=%s&id=cli-%s", from, to, enc, idtext);
    mo_path(c, query, path, sizeof(path));
    status = http_get(c->cfg.http_internal_listen, path, buf, sizeof(buf));
    if (status < 0) {
        cli_error("cannot reach mandatd at %s: start it with 'make run' (or mandatd) and check "
                  "[http] internal_listen",
                  c->cfg.http_internal_listen);
        return CLI_EXIT_USAGE;
    }
    if (status == 404) {
        cli_error("mandatd has no message endpoint at %s: set [kannel] mo_secret (or "
                  "[http] dev_mode) in its config",
                  c->cfg.http_internal_listen);
        return CLI_EXIT_USAGE;
    }
    if (status != 200) {
        if (!quiet_busy) {
            cli_error("mandatd answered %d: %s", status, buf);
        }
        return CLI_EXIT_REFUSED;
    }
    fputs(buf, stdout);
    if (buf[0] != '\0' && buf[strlen(buf) - 1] != '\n') {
        fputc('\n', stdout);
    }
    return CLI_EXIT_OK;
}

/* Messages others' actions sent to phone (receipts), as the phone would receive them. */
static void poll_inbox(struct cli *c, const char *phone)
{
    static char buf[SMS_HTTP_RESPONSE_MAX];
    char enc[128], path[256], e164[PHONE_E164_MAX];

    /* Replies are addressed in E.164: a national number finds them too. */
    if (phone_normalize(phone, c->cfg.sms.country, e164, NULL) == 0) {
        phone = e164;
    }
    url_encode(phone, enc, sizeof(enc));
    snprintf(path, sizeof(path), "/dev/outbox?to=%s", enc);
    if (http_get(c->cfg.http_internal_listen, path, buf, sizeof(buf)) == 200 && buf[0] != '\0') {
        fputs(buf, stdout);
    }
}

void cmd_sms_usage(FILE *out)
{
    fprintf(out, "usage: mandat sms FROM TEXT...\n"
                 "\n"
                 "Send TEXT to a running mandatd as an SMS from the phone number FROM, and print\n"
                 "the reply (through mandatd's Kannel-compatible endpoint on [http]\n"
                 "internal_listen, with [kannel] mo_secret; or /dev/mo in dev mode).\n"
                 "\n"
                 "examples:\n"
                 "  mandat sms 0612345678 INSCRIPTION\n"
                 "  mandat sms 0612345678 CODE 483920\n"
                 "  mandat sms 0612345678 ENVOI 10 0698765432 merci\n");
}

int cmd_sms(struct cli *c, int argc, char **argv)
{
    char text[4096] = "";
    int rc = cli_config_load(c);

    if (rc != 0) {
        return rc;
    }
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        cmd_sms_usage(stdout);
        return CLI_EXIT_OK;
    }
    if (argc < 3) {
        return cli_usage_error("sms", "FROM and TEXT are required");
    }
    if (internal_listen_required(c) != CLI_EXIT_OK) {
        return CLI_EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++) {
        size_t n = strlen(text);

        snprintf(text + n, sizeof(text) - n, "%s%s", i > 2 ? " " : "", argv[i]);
    }
    return send_mo(c, argv[1], text, false);
}

void cmd_phone_usage(FILE *out)
{
    fprintf(out, "usage: mandat phone NUMBER\n"
                 "\n"
                 "An interactive phone: each line you type is sent to mandatd as an SMS from\n"
                 "NUMBER; replies, and messages others' payments send to NUMBER, are printed.\n"
                 "End with Ctrl-D.\n"
                 "\n"
                 "example:\n"
                 "  mandat phone +33612345678\n");
}

int cmd_phone(struct cli *c, int argc, char **argv)
{
    char line[4096];
    int rc = cli_config_load(c);

    if (rc != 0) {
        return rc;
    }
    if (argc != 2 || argv[1][0] == '-') {
        if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
            cmd_phone_usage(stdout);
            return CLI_EXIT_OK;
        }
        return cli_usage_error("phone", "give one phone number");
    }
    if (internal_listen_required(c) != CLI_EXIT_OK) {
        return CLI_EXIT_USAGE;
    }
    poll_inbox(c, argv[1]);
    for (;;) {
        printf("%s> ", argv[1]);
        fflush(stdout);
        if (fgets(line, sizeof(line), stdin) == NULL) {
            break;
        }
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] != '\0' && send_mo(c, argv[1], line, false) == CLI_EXIT_USAGE) {
            return CLI_EXIT_USAGE;
        }
        poll_inbox(c, argv[1]);
    }
    printf("\n");
    return CLI_EXIT_OK;
}

/* Open an association account, then give it a keyword. */
static int association_create(struct cli *c, const char *keyword, const char *name)
{
    struct cli_engine e = {0};
    struct store_extra row = {.kind = EXTRA_ASSOCIATION};
    int rc = cli_account_open(c, ACCOUNT_ASSOCIATION, &e, &row.u.association.account_id);

    if (rc != 0) {
        return rc;
    }
    snprintf(row.u.association.keyword, sizeof(row.u.association.keyword), "%s", keyword);
    snprintf(row.u.association.name, sizeof(row.u.association.name), "%s", name);
    rc = engine_execute_rows(e.engine, NULL, 0, &row, 1, NULL, NULL);
    cli_engine_close(&e);
    if (rc < 0) {
        cli_error("cannot create the association: %s", mdt_strerror(rc));
        return CLI_EXIT_USAGE;
    }
    printf("association %s (%s): account %llu\n", keyword, name,
           (unsigned long long)row.u.association.account_id);
    printf("(a mandatd running on this database learns it within a second)\n");
    return CLI_EXIT_OK;
}

void cmd_association_usage(FILE *out)
{
    fprintf(out, "usage: mandat association create KEYWORD NAME...\n"
                 "\n"
                 "Open an association account and give it the donation keyword people text\n"
                 "(DON 5 KEYWORD / GIVE 5 KEYWORD). KEYWORD: letters and digits, up to 31.\n"
                 "\n"
                 "example:\n"
                 "  mandat association create TELETHON Téléthon\n");
}

int cmd_association(struct cli *c, int argc, char **argv)
{
    char keyword[32], name[64] = "";
    size_t n;
    int rc = cli_config_load(c);

    if (rc != 0) {
        return rc;
    }
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        cmd_association_usage(stdout);
        return CLI_EXIT_OK;
    }
    if (argc < 4 || strcmp(argv[1], "create") != 0) {
        return cli_usage_error("association", "write: association create KEYWORD NAME");
    }
    n = strlen(argv[2]);
    if (n == 0 || n >= sizeof(keyword)) {
        return cli_usage_error("association", "keyword '%.40s' must be 1 to 31 letters", argv[2]);
    }
    for (size_t i = 0; i <= n; i++) {
        keyword[i] = (char)toupper((unsigned char)argv[2][i]);
        if (i < n && !isalnum((unsigned char)keyword[i])) {
            return cli_usage_error("association", "keyword '%.40s' must be letters and digits",
                                   argv[2]);
        }
    }
    for (int i = 3; i < argc; i++) {
        size_t len = strlen(name);

        snprintf(name + len, sizeof(name) - len, "%s%s", i > 3 ? " " : "", argv[i]);
    }
    return association_create(c, keyword, name);
}

void cmd_campaign_usage(FILE *out)
{
    fprintf(out, "usage: mandat campaign create TAG KEYWORD [NAME...]\n"
                 "\n"
                 "Give the association with donation keyword KEYWORD a campaign: people give with\n"
                 "DON 5 TAG (or #TAG in a post), and the total shows at /campaigns/TAG. TAG:\n"
                 "letters and digits, up to 31. NAME defaults to the association's.\n"
                 "\n"
                 "example:\n"
                 "  mandat campaign create TELETHON2026 TELETHON Téléthon 2026\n");
}

/* Campaigns live with the channel rows: read the associations, check, write the row. */
static int campaign_assoc(void *ctx, const struct association_row *r)
{
    struct store_extra row;

    return dialog_association_add(ctx, r->keyword, r->account_id, r->name, &row, NULL) < 0;
}

int cmd_campaign(struct cli *c, int argc, char **argv)
{
    struct store_channel_fns fns = {.association = campaign_assoc};
    struct dialog_config dc = {.lang = LANG_FR};
    struct cli_engine e = {0};
    struct store_extra row;
    struct mdt_err err = {0};
    struct dialog *d = NULL;
    char tag[32], keyword[32], name[64] = "";
    int rc = cli_config_load(c);

    if (rc != 0) {
        return rc;
    }
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        cmd_campaign_usage(stdout);
        return CLI_EXIT_OK;
    }
    if (argc < 4 || strcmp(argv[1], "create") != 0) {
        return cli_usage_error("campaign", "write: campaign create TAG KEYWORD [NAME]");
    }
    snprintf(tag, sizeof(tag), "%s", argv[2][0] == '#' ? argv[2] + 1 : argv[2]);
    snprintf(keyword, sizeof(keyword), "%s", argv[3]);
    for (char *p = tag; *p != '\0'; p++) {
        *p = (char)toupper((unsigned char)*p);
    }
    for (char *p = keyword; *p != '\0'; p++) {
        *p = (char)toupper((unsigned char)*p);
    }
    for (int i = 4; i < argc; i++) {
        size_t len = strlen(name);

        snprintf(name + len, sizeof(name) - len, "%s%s", i > 4 ? " " : "", argv[i]);
    }
    dc.currency = currency_find(c->cfg.ledger.default_currency);
    rc = cli_engine_open(c, CLI_STORE_WRITE, &e);
    if (rc != 0) {
        return rc;
    }
    if (dialog_create(&dc, NULL, &d) < 0 || store_channel_load(e.store, &fns, d, 0, &err) < 0) {
        rc = mdt_err_set(&err, MDT_E(NOMEM), "cannot read the associations");
    } else {
        rc = dialog_campaign_add(d, tag, keyword, name, clock_now_us(), &row, &err);
    }
    if (rc == 0) {
        rc = engine_execute_rows(e.engine, NULL, 0, &row, 1, NULL, NULL);
    }
    cli_engine_close(&e);
    dialog_free(d);
    if (rc < 0) {
        cli_error("cannot create the campaign: %s", err.msg[0] ? err.msg : mdt_strerror(rc));
        return CLI_EXIT_USAGE;
    }
    printf("campaign #%s for %s: DON 5 %s by SMS; total at /campaigns/%s\n", tag, keyword, tag,
           tag);
    return CLI_EXIT_OK;
}
