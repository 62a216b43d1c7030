/* SPDX-License-Identifier: Apache-2.0 */
/* `mandat rates`: the operator's exchange rates for the ISO 8583 host (issue 15), used when a
 * card network's request carries no amount in the card's currency (field 6). Each rate is kept
 * with the date it takes effect; a running mandatd rereads them within a second. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "cli/cli.h"
#include "dialog/iso_host.h"

void cmd_rates_usage(FILE *out)
{
    fprintf(out, "usage: mandat rates set CURRENCY RATE [--from YYYY-MM-DD]\n"
                 "       mandat rates list\n"
                 "\n"
                 "set records RATE units of CURRENCY for one unit of the ledger's currency\n"
                 "(up to 6 decimals), in force from now or from midnight UTC of the date given;\n"
                 "earlier rates are kept. list prints every rate, oldest first per currency.\n"
                 "\n"
                 "example:\n"
                 "  mandat rates set MAD 10.85\n");
}

static int rate_print(void *ctx, const struct fx_rate_row *r)
{
    time_t t = (time_t)(r->effective_us / 1000000);
    struct tm tm;
    char when[32];

    (void)ctx;
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
    printf("%-4s %" PRId64 ".%06" PRId64 "  from %s UTC\n", r->currency, r->rate_micro / 1000000,
           r->rate_micro % 1000000, when);
    return 0;
}

static int rates_list(struct cli *c)
{
    struct store_channel_fns fns = {.fx_rate = rate_print};
    struct cli_view view = {0};
    struct mdt_err err = {0};
    int rc = cli_view_open(c, &view);

    if (rc != 0) {
        return rc;
    }
    rc = store_channel_load(view.store, &fns, NULL, 0, &err);
    cli_view_close(&view);
    if (rc < 0) {
        cli_error("cannot read the rates: %s", err.msg);
        return CLI_EXIT_USAGE;
    }
    return 0;
}

/* "YYYY-MM-DD" as midnight UTC in microseconds: 0, or -1. */
static int date_parse(const char *text, int64_t *us)
{
    struct tm tm = {0};
    int y, m, d;
    char end;

    if (sscanf(text, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3 || m < 1 || m > 12 || d < 1 ||
        d > 31 || y < 1970) {
        return -1;
    }
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    *us = (int64_t)timegm(&tm) * 1000000;
    return 0;
}

static int rates_set(struct cli *c, const char *code, const char *rate, const char *from)
{
    struct store_extra row = {.kind = EXTRA_FX_RATE};
    struct fx_rate_row *r = &row.u.fx_rate;
    const struct currency *cur = currency_find(code);
    struct cli_engine e = {0};
    int rc;

    if (cur == NULL || strcmp(cur->code, c->cfg.ledger.default_currency) == 0) {
        return cli_usage_error("rates", "CURRENCY is an ISO 4217 code other than the ledger's");
    }
    if (iso_host_rate_parse(rate, &r->rate_micro) < 0) {
        return cli_usage_error("rates", "RATE is a positive number with at most 6 decimals");
    }
    r->created_us = clock_now_us();
    r->effective_us = r->created_us;
    if (from != NULL && date_parse(from, &r->effective_us) < 0) {
        return cli_usage_error("rates", "--from takes a date: YYYY-MM-DD");
    }
    snprintf(r->currency, sizeof(r->currency), "%s", cur->code);
    rc = cli_engine_open(c, CLI_STORE_WRITE, &e);
    if (rc != 0) {
        return rc;
    }
    rc = engine_execute_rows(e.engine, NULL, 0, &row, 1, NULL, NULL);
    cli_engine_close(&e);
    if (rc < 0) {
        cli_error("cannot record the rate: %s", mdt_strerror(rc));
        return CLI_EXIT_USAGE;
    }
    return rate_print(NULL, r);
}

int cmd_rates(struct cli *c, int argc, char **argv)
{
    int rc = cli_config_load(c);

    if (rc != 0) {
        return rc;
    }
    if (argc == 2 && strcmp(argv[1], "list") == 0) {
        return rates_list(c);
    }
    if (argc == 4 && strcmp(argv[1], "set") == 0) {
        return rates_set(c, argv[2], argv[3], NULL);
    }
    if (argc == 6 && strcmp(argv[1], "set") == 0 && strcmp(argv[4], "--from") == 0) {
        return rates_set(c, argv[2], argv[3], argv[5]);
    }
    return cli_usage_error("rates", "write: rates set CURRENCY RATE [--from YYYY-MM-DD] or "
                                    "rates list");
}
