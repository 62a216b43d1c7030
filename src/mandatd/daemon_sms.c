/* SPDX-License-Identifier: Apache-2.0 */
/* mandatd's SMS wiring: the SMPP binds' and Kannel's callbacks into the service (received
 * messages, acknowledgements, submissions, receipts). */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/limits.h"
#include "base/log.h"
#include "channel/api/api.h"
#include "channel/api/ops.h"
#include "channel/api/request_json.h"
#include "channel/kannel/kannel.h"
#include "channel/kannel/kannel_send.h"
#include "channel/smpp/session.h"
#include "channel/smpp/smpp_pdu.h"
#include "channel/social/social.h"
#include "channel/web/web.h"
#include "channel/webhook/webhook.h"
#include "dialog/dialog.h"
#include "engine/engine.h"
#include "mandatd/config.h"
#include "mandatd/daemon.h"
#include "mandatd/service.h"
#include "mandatd/smpp_links.h"
#include "store/store.h"
#include "vault/vault.h"

/* The deliver_sm_resp status for a message's outcome: ESME_ROK once committed (or already
 * handled), ESME_RX_T_APPN (temporary: the SMSC delivers it again later) otherwise. Replies go
 * out through the outbox and submit_sm. */
static void smpp_ack(void *ctx, int rc, const struct id128 *inbox_id)
{
    smpp_mo_ack(ctx, (rc == 0 || rc == MDT_E(EXISTS)) ? ESME_ROK : ESME_RX_T_APPN, inbox_id);
}

static void smpp_on_mo(void *ctx, const struct dialog_message *m, struct smpp_mo *mo)
{
    struct daemon *d = ctx;

    /* The store cannot commit: the SMSC keeps the message and delivers it again later. */
    if (!engine_store_ok(d->engine)) {
        smpp_mo_ack(mo, ESME_RTHROTTLED, NULL);
        return;
    }
    service_receive_tracked(d->service, m, mo, smpp_ack);
}

static void smpp_on_acks_read(void *ctx, const struct id128 *ids, size_t n)
{
    struct daemon *d = ctx;

    service_acks_read(d->service, ids, n);
}

static void smpp_on_acks_in_doubt(void *ctx, const struct id128 *ids, size_t n)
{
    struct daemon *d = ctx;

    service_acks_in_doubt(d->service, ids, n);
}

static void smpp_on_submitted(void *ctx, struct id128 id, int rc, uint32_t status,
                              const char *message_id)
{
    struct daemon *d = ctx;

    if (rc < 0) {
        log_warn("the SMSC refused a message for good: status 0x%08x", status);
    }
    service_outbox_submitted(d->service, id, rc, message_id);
}

static void smpp_on_receipt(void *ctx, const char *message_id, const char *stat)
{
    struct daemon *d = ctx;

    service_outbox_receipt(d->service, message_id, stat);
}

static void smpp_on_bound(void *ctx, bool up)
{
    struct daemon *d = ctx;

    if (up) {
        service_outbox_flush(d->service);
    }
}

/* Bind to the operator's SMSCs: [smpp] and each [smpp.<name>] with a host, `binds` sessions
 * each. Passwords are never logged. */
int daemon_start_smpp(struct daemon *d, struct mdt_err *err)
{
    struct smpp_handlers h = {.mo = smpp_on_mo,
                              .submitted = smpp_on_submitted,
                              .receipt = smpp_on_receipt,
                              .bound = smpp_on_bound,
                              .acks_read = smpp_on_acks_read,
                              .acks_in_doubt = smpp_on_acks_in_doubt,
                              .ctx = d};
    struct service_sender snd;
    int rc = smpp_links_start(d->base, d->cfg, &h, &d->links, err);

    if (rc == 0 && d->links != NULL) {
        snd = smpp_links_sender(d->links);
        service_sender_set(d->service, &snd);
    }
    return rc;
}

static void kannel_on_submitted(void *ctx, struct id128 id, int rc, const char *peer_id)
{
    struct daemon *d = ctx;

    service_outbox_submitted(d->service, id, rc, peer_id);
}

static void kannel_on_requeue(void *ctx, const struct outbox_row *r)
{
    struct daemon *d = ctx;

    service_outbox_requeue(d->service, r);
}

/* Without an SMPP link, send replies through Kannel's sendsms when [kannel] says where. */
int daemon_start_kannel_send(struct daemon *d, struct mdt_err *err)
{
    const struct mandat_config *cfg = d->cfg;
    struct kannel_send_config kc = {.in_flight = 10};
    struct kannel_send_handlers h = {
        .submitted = kannel_on_submitted, .requeue = kannel_on_requeue, .ctx = d};
    struct service_sender snd = {.submit = kannel_send_submit, .ready = kannel_send_ready};
    int rc;

    if (cfg->smpp.host[0] != '\0' || cfg->kannel.sendsms_url[0] == '\0') {
        return 0;
    }
    snprintf(kc.url, sizeof(kc.url), "%s", cfg->kannel.sendsms_url);
    snprintf(kc.username, sizeof(kc.username), "%s", cfg->kannel.username);
    snprintf(kc.password, sizeof(kc.password), "%s", cfg->kannel.password);
    snprintf(kc.dlr_url, sizeof(kc.dlr_url), "%s", cfg->kannel.dlr_url);
    snprintf(kc.dlr_secret, sizeof(kc.dlr_secret), "%s", cfg->kannel.mo_secret);
    rc = kannel_send_start(d->base, &kc, &h, &d->kannel_send, err);
    vault_wipe(kc.password, sizeof(kc.password));
    if (rc == 0) {
        snd.ctx = d->kannel_send;
        service_sender_set(d->service, &snd);
    }
    return rc;
}

void daemon_kannel_dlr(void *ctx, const char *peer_id, const char *stat)
{
    struct daemon *d = ctx;

    service_outbox_receipt(d->service, peer_id, stat);
}

void daemon_kannel_mo(void *ctx, const struct dialog_message *m, struct kannel_request *req)
{
    struct daemon *d = ctx;

    /* The store cannot commit: 503 with Retry-After, and Kannel sends the message again. */
    if (!engine_store_ok(d->engine)) {
        kannel_reply(req, MDT_E(BUSY), NULL, 0);
        return;
    }
    service_receive(d->service, m, req, (service_ack_fn)kannel_reply);
}

size_t daemon_kannel_outbox(void *ctx, const char *dest, struct outbox_row *out, size_t max)
{
    struct daemon *d = ctx;

    return service_outbox_take(d->service, dest, out, max);
}
