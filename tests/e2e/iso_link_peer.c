/* SPDX-License-Identifier: Apache-2.0 */
/* The ISO 8583 link alone, for tests/e2e/test_iso_link.py: an iso_link listening or connecting
 * as told, whose requests are approved (39 = 00) after a fixed delay, so that the in-flight
 * limit can be reached. Stops on SIGTERM. Not part of mandatd: the host's decisions are not
 * built yet. Usage: iso_link_peer listen|connect IP:PORT [--ports-file F] [--in-flight N]
 * [--delay-ms N] [--echo-idle-ms N] [--echo-wait-ms N] [--sign-on] [--tls-cert F --tls-key F]
 * [--tls-ca F] */
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "channel/iso8583/iso_link.h"

struct pending {
    struct iso_link_request *rq;
    struct event *ev;
};

static struct event_base *base;
static unsigned delay_ms = 200;

static void approve(evutil_socket_t fd, short what, void *arg)
{
    struct pending *p = arg;
    struct iso8583_msg resp;
    struct mdt_err err = {0};

    (void)fd;
    (void)what;
    if (iso8583_response_init(iso_link_request_msg(p->rq), &resp, &err) != 0 ||
        iso8583_set_str(&resp, 38, "A1B2C3", &err) != 0 ||
        iso8583_set_str(&resp, 39, "00", &err) != 0) {
        fprintf(stderr, "iso_link_peer: %s\n", err.msg);
    }
    if (iso_link_answer(p->rq, &resp, &err) != 0) {
        fprintf(stderr, "iso_link_peer: %s\n", err.msg);
    }
    event_free(p->ev);
    free(p);
}

static void on_request(struct iso_link_request *rq, const struct iso8583_msg *msg, void *arg)
{
    struct pending *p = calloc(1, sizeof(*p));
    struct timeval tv = {(time_t)(delay_ms / 1000), (suseconds_t)(delay_ms % 1000) * 1000};

    (void)msg;
    (void)arg;
    if (p == NULL) {
        abort();
    }
    p->rq = rq;
    p->ev = evtimer_new(base, approve, p);
    evtimer_add(p->ev, &tv);
}

static void on_term(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    event_base_loopexit(base, NULL);
}

static unsigned num(const char *s)
{
    return (unsigned)strtoul(s, NULL, 10);
}

int main(int argc, char **argv)
{
    struct iso_link_config cfg = {
        .name = "test", .inflight_max = 4, .echo_wait_ms = 1000, .reconnect_ms = 200};
    const char *ports_file = NULL;
    struct iso_link *link = NULL;
    struct mdt_err err = {0};
    struct event *term;
    FILE *f;

    if (argc < 3) {
        fprintf(stderr, "usage: iso_link_peer listen|connect IP:PORT [options]\n");
        return 2;
    }
    *(strcmp(argv[1], "listen") == 0 ? &cfg.listen : &cfg.connect) = argv[2];
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--sign-on") == 0) {
            cfg.sign_on = true;
        } else if (i + 1 == argc) {
            fprintf(stderr, "iso_link_peer: %s wants a value\n", argv[i]);
            return 2;
        } else if (strcmp(argv[i], "--ports-file") == 0) {
            ports_file = argv[++i];
        } else if (strcmp(argv[i], "--in-flight") == 0) {
            cfg.inflight_max = num(argv[++i]);
        } else if (strcmp(argv[i], "--delay-ms") == 0) {
            delay_ms = num(argv[++i]);
        } else if (strcmp(argv[i], "--echo-idle-ms") == 0) {
            cfg.echo_idle_ms = num(argv[++i]);
        } else if (strcmp(argv[i], "--echo-wait-ms") == 0) {
            cfg.echo_wait_ms = num(argv[++i]);
        } else if (strcmp(argv[i], "--tls-cert") == 0) {
            cfg.tls_cert = argv[++i];
        } else if (strcmp(argv[i], "--tls-key") == 0) {
            cfg.tls_key = argv[++i];
        } else if (strcmp(argv[i], "--tls-ca") == 0) {
            cfg.tls_ca = argv[++i];
        }
    }
    log_level_set(3);
    base = event_base_new();
    if (base == NULL || iso_link_start(base, &cfg, on_request, NULL, &link, &err) != 0) {
        fprintf(stderr, "iso_link_peer: %s\n", err.msg);
        return 1;
    }
    if (ports_file != NULL) {
        f = fopen(ports_file, "w");
        if (f == NULL) {
            return 1;
        }
        fprintf(f, "%d\n", iso_link_port(link));
        fclose(f);
    }
    term = evsignal_new(base, SIGTERM, on_term, NULL);
    evsignal_add(term, NULL);
    event_base_dispatch(base);
    iso_link_free(link);
    event_free(term);
    event_base_free(base);
    return 0;
}
