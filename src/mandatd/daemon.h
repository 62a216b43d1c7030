/* SPDX-License-Identifier: Apache-2.0 */
/* What mandatd runs, shared by the files that start it: main.c (arguments, the loop, signals,
 * the dialog, start and stop), daemon_sms.c (SMPP binds and Kannel), daemon_http.c (the
 * listeners, the API, webhooks), daemon_social.c (the social networks) and daemon_sip*.c (the
 * phone channel). Not for use outside
 * src/mandatd. */
#ifndef MDT_MANDATD_DAEMON_H
#define MDT_MANDATD_DAEMON_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "channel/kannel/kannel.h"
#include "dialog/dialog.h"
#include "mandatd/config.h"

/* Everything mandatd runs, and the order to stop it in (see stop in main.c). */
struct daemon {
    const struct mandat_config *cfg;
    struct store *store;
    struct engine *engine;
    struct vault *vault;
    struct card_vault *cards; /* card numbers' key ring: [cards] key_ring (issue 13) */
    struct dialog *dialog;
    struct event_base *base;
    struct service *service;
    struct kannel *kannel;          /* the public listener */
    struct kannel *kannel_internal; /* Kannel, /metrics, /dev: never on the internet */
    struct smpp_links *links;       /* every bind of every SMSC link; NULL without [smpp] host */
    struct kannel_send *kannel_send;
    struct event *sigterm, *sigint, *sighup, *flush;
    struct store *reader;     /* a second, read-only connection: what other processes added */
    struct store *api_reader; /* a third, the API's reader thread's own (statements, journal) */
    struct api *api;
    struct web *web;
    struct acquirer *acquirer; /* [acquirer]; NULL when kind is none */
    struct topup_flow *topups; /* top-ups by bank card over it */
    uint64_t bank_account;     /* top-ups through the operator API come from it */
    uint64_t fees_account;     /* card orders on a page pay their price to it */
    struct webhook_sender *webhooks;
    struct social *social;  /* NULL without [social] x_consumer_secret or mastodon_url */
    struct daemon_sip *sip; /* the phone channel; NULL without [sip] listen */
    struct iso_daemon *iso; /* the ISO 8583 issuer host; NULL without [iso8583.<name>] */
    const char *ports_file; /* --ports-file, or NULL */
    /* Where the listeners are bound ("" when off): the port the kernel chose for port 0. */
    char public_addr[80], internal_addr[80];
};

/* ---- daemon_sms.c ---- */

/* Open every bind of every [smpp] link on the loop; nothing without [smpp] host. */
int daemon_start_smpp(struct daemon *d, struct mdt_err *err);
/* Start the Kannel sendsms client when [kannel] sendsms_url is set. */
int daemon_start_kannel_send(struct daemon *d, struct mdt_err *err);
/* The Kannel endpoint's handlers (ctx is the daemon): a message received, the dev outbox taken,
 * a delivery report. */
void daemon_kannel_mo(void *ctx, const struct dialog_message *m, struct kannel_request *req);
size_t daemon_kannel_outbox(void *ctx, const char *dest, struct outbox_row *out, size_t max);
void daemon_kannel_dlr(void *ctx, const char *peer_id, const char *stat);

/* ---- daemon_http.c ---- */

/* The merchant API and the wallet pages (before the listeners, which route to them). */
int daemon_start_api(struct daemon *d, struct mdt_err *err);
/* The merchants' webhook sender. */
int daemon_start_webhooks(struct daemon *d, struct mdt_err *err);
/* The public and internal listeners with the Kannel handlers h; records the bound addresses. */
int daemon_start_listeners(struct daemon *d, struct kannel_handlers *h, struct mdt_err *err);
/* Whether "host:port" asks for port 0, the kernel's choice. */
bool daemon_listen_port_zero(const char *listen);

/* ---- daemon_social.c ---- */

/* The social networks' channel when [social] names one. */
int daemon_start_social(struct daemon *d, struct mdt_err *err);

/* ---- daemon_sip.c ---- */

/* The phone channel and its menu when [sip] listen is set (issue 14). */
int daemon_start_sip(struct daemon *d, struct mdt_err *err);
/* Hang up its calls and stop its thread (NULL channel is fine). Before the service is freed. */
void daemon_stop_sip(struct daemon *d);

/* ---- daemon_iso.c ---- */

/* The ISO 8583 issuer host and its links when [iso8583.<name>] sections exist (issue 15). */
int daemon_start_iso(struct daemon *d, struct mdt_err *err);
/* "iso8583.<name> 127.0.0.1:PORT" a line for each listening link, for --ports-file. */
void daemon_iso_ports(const struct daemon *d, FILE *f);
/* Close its links (before the engine stops: no new request). */
void daemon_stop_iso_links(struct daemon *d);
/* After the engine has stopped: answer and free what is left. NULL host is fine. */
void daemon_stop_iso(struct daemon *d);

#endif
