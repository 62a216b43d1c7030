/* SPDX-License-Identifier: Apache-2.0 */
/* mandatd: reads mandat.conf, opens the store, recovers the ledger view, runs the engine, and
 * stops cleanly on SIGTERM or SIGINT. Channels (SMPP, HTTP, social, SIP) plug in here later. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "ledger/engine.h"
#include "mandatd/config.h"
#include "store/store.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: mandatd [--config FILE] [--db PATH]\n"
                 "\n"
                 "Runs the mandat daemon: the ledger engine on the store named in the config.\n"
                 "  --config FILE  configuration (default: mandat.conf if present, else defaults;\n"
                 "                 see docs/mandat.conf)\n"
                 "  --db PATH      database file, overrides [store] path\n"
                 "Stop it with SIGTERM or Ctrl-C: queued operations finish first.\n");
}

static int parse_args(int argc, char **argv, struct mandat_config *cfg)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"db", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL;
    const char *db = NULL;
    struct mdt_err err = {0};

    for (;;) {
        int c = getopt_long(argc, argv, "c:d:h", opts, NULL);

        if (c == -1) {
            break;
        }
        if (c == 'c') {
            config = optarg;
        } else if (c == 'd') {
            db = optarg;
        } else if (c == 'h') {
            usage(stdout);
            exit(0);
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mandatd: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    config_defaults(cfg);
    if (config == NULL && access("mandat.conf", R_OK) == 0) {
        config = "mandat.conf";
    }
    if (config != NULL && config_load_file(cfg, config, &err) < 0) {
        fprintf(stderr, "mandatd: %s\n", err.msg);
        return 2;
    }
    if (db != NULL) {
        snprintf(cfg->store_path, sizeof(cfg->store_path), "%s", db);
    }
    return 0;
}

/* Block SIGTERM and SIGINT in every thread (set before any thread starts) and wait for them
 * here, so that shutdown runs in ordinary code, not in a signal handler. */
static int wait_for_stop(void)
{
    sigset_t set;
    int sig = 0;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    while (sigwait(&set, &sig) != 0) {
        continue;
    }
    return sig;
}

static int run(const struct mandat_config *cfg)
{
    struct store_options so = {
        .path = cfg->store_path, .sync = cfg->store_sync, .create = true, .busy_timeout_ms = 5000};
    struct engine_options eo = {
        .ledger = &cfg->ledger, .batch_max = cfg->batch_max, .queue_depth = cfg->queue_depth};
    struct store *store = NULL;
    struct engine *engine = NULL;
    struct engine_stats st;
    struct mdt_err err = {0};
    int64_t t0 = clock_mono_us();
    int rc, sig;

    rc = store_open(&so, &store, &err);
    if (rc < 0) {
        log_error("%s", err.msg);
        return 1;
    }
    eo.store = store;
    rc = engine_start(&eo, &engine, &err);
    if (rc < 0) {
        log_error("cannot start the ledger: %s", err.msg);
        store_close(store);
        return 1;
    }
    log_info("mandatd ready: store %s (synchronous=%s), ledger recovered in %lld ms",
             cfg->store_path,
             cfg->store_sync == STORE_SYNC_FULL     ? "full"
             : cfg->store_sync == STORE_SYNC_NORMAL ? "normal"
                                                    : "off",
             (long long)((clock_mono_us() - t0) / 1000));
    log_info("no channel is built yet: use the mandat CLI on the same database");
    sig = wait_for_stop();
    log_info("%s received: finishing queued operations", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    engine_stats_get(engine, &st);
    engine_stop(engine);
    store_close(store);
    log_info("mandatd stopped: %llu batches, %llu operations, %llu expired",
             (unsigned long long)st.batches, (unsigned long long)st.ops,
             (unsigned long long)st.expired);
    return 0;
}

int main(int argc, char **argv)
{
    struct mandat_config *cfg = calloc(1, sizeof(*cfg));
    sigset_t set;
    int rc;

    if (cfg == NULL) {
        fprintf(stderr, "mandatd: out of memory\n");
        return 1;
    }
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    rc = parse_args(argc, argv, cfg);
    if (rc == 0) {
        log_level_set(cfg->log_level);
        rc = run(cfg);
    }
    free(cfg);
    return rc;
}
