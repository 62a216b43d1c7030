/* SPDX-License-Identifier: Apache-2.0 */
/* Several SMSCs, several binds each, one sender. Round robin over the bound sessions: the
 * windows of all binds fill evenly, and a link that drops only takes its own share away. */
#include "mandatd/smpp_links.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/log.h"
#include "vault/vault.h"

#define LINKS_SESSIONS_MAX (CONFIG_SMPP_LINKS_MAX * CONFIG_SMPP_BINDS_MAX)

struct smpp_links {
    struct smpp_session *s[LINKS_SESSIONS_MAX];
    size_t n;
    size_t next; /* round robin */
    size_t stopping;
    void (*done)(void *arg);
    void *done_arg;
};

static void link_config(const struct mandat_config *cfg, const struct config_smpp *c,
                        struct smpp_config *sc)
{
    smpp_config_default(sc);
    snprintf(sc->host, sizeof(sc->host), "%s", c->host);
    sc->port = (uint16_t)c->port;
    snprintf(sc->system_id, sizeof(sc->system_id), "%s", c->system_id);
    snprintf(sc->password, sizeof(sc->password), "%s", c->password);
    snprintf(sc->system_type, sizeof(sc->system_type), "%s", c->system_type);
    snprintf(sc->address_range, sizeof(sc->address_range), "%s", c->address_range);
    snprintf(sc->source_addr, sizeof(sc->source_addr), "%.20s", cfg->sms.short_code);
    sc->transceiver = c->transceiver != 0;
    sc->window = c->window;
    sc->throughput_per_s = c->throughput;
    sc->enquire_link_s = c->enquire_link_s;
    sc->registered_delivery = c->registered_delivery != 0;
    sc->tls = c->tls != 0;
    snprintf(sc->tls_ca_file, sizeof(sc->tls_ca_file), "%s", c->tls_ca_file);
    sc->tls_verify = c->tls_verify != 0;
    snprintf(sc->link, sizeof(sc->link), "%s", c->name);
}

static int start_link(struct event_base *base, const struct mandat_config *cfg,
                      const struct config_smpp *c, const struct smpp_handlers *h,
                      struct smpp_links *l, struct mdt_err *err)
{
    struct smpp_config sc;
    int rc = 0;

    if (c->host[0] == '\0') {
        return c->name[0] == '\0' ? 0
                                  : mdt_err_set(err, MDT_E(INVAL),
                                                "[smpp.%s] has no host: write host = the SMSC's "
                                                "address, or remove the section",
                                                c->name);
    }
    link_config(cfg, c, &sc);
    for (uint32_t b = 0; rc == 0 && b < c->binds; b++) {
        MDT_ASSERT(l->n < LINKS_SESSIONS_MAX);
        rc = smpp_session_start(base, &sc, h, &l->s[l->n], err);
        if (rc == 0) {
            l->n++;
        }
    }
    vault_wipe(sc.password, sizeof(sc.password));
    log_info("smpp: link %s to %s:%u, %u bind(s)%s", c->name[0] ? c->name : "[smpp]", c->host,
             (unsigned)c->port, (unsigned)c->binds, c->tls ? ", TLS" : "");
    return rc;
}

int smpp_links_start(struct event_base *base, const struct mandat_config *cfg,
                     const struct smpp_handlers *h, struct smpp_links **out, struct mdt_err *err)
{
    struct smpp_links *l = calloc(1, sizeof(*l));
    int rc;

    *out = NULL;
    if (l == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "out of memory");
    }
    rc = start_link(base, cfg, &cfg->smpp, h, l, err);
    for (uint32_t i = 0; rc == 0 && i < cfg->smpp_more_count; i++) {
        rc = start_link(base, cfg, &cfg->smpp_more[i], h, l, err);
    }
    if (rc < 0 || l->n == 0) {
        smpp_links_free(l);
        return rc;
    }
    *out = l;
    return 0;
}

static int links_submit(void *ctx, const struct outbox_row *r)
{
    struct smpp_links *l = ctx;

    for (size_t tried = 0; tried < l->n; tried++) {
        struct smpp_session *s = l->s[l->next];

        l->next = (l->next + 1) % l->n;
        if (smpp_session_bound(s) && smpp_session_submit(s, r) == 0) {
            return 0;
        }
    }
    return MDT_E(FULL);
}

static bool links_ready(void *ctx)
{
    return smpp_links_bound(ctx) > 0;
}

struct service_sender smpp_links_sender(struct smpp_links *l)
{
    return (struct service_sender){.submit = links_submit, .ready = links_ready, .ctx = l};
}

size_t smpp_links_bound(const struct smpp_links *l)
{
    size_t n = 0;

    for (size_t i = 0; l != NULL && i < l->n; i++) {
        n += smpp_session_bound(l->s[i]) ? 1 : 0;
    }
    return n;
}

size_t smpp_links_count(const struct smpp_links *l)
{
    return l != NULL ? l->n : 0;
}

void smpp_links_stats(const struct smpp_links *l, struct smpp_session_stats *sum)
{
    memset(sum, 0, sizeof(*sum));
    for (size_t i = 0; l != NULL && i < l->n; i++) {
        struct smpp_session_stats st;

        smpp_session_stats(l->s[i], &st);
        sum->mt_queued += st.mt_queued;
        sum->submit_in_flight += st.submit_in_flight;
        sum->mo_pending += st.mo_pending;
        sum->mo_partial += st.mo_partial;
        sum->mo_unconfirmed += st.mo_unconfirmed;
    }
}

static void one_stopped(void *arg)
{
    struct smpp_links *l = arg;

    MDT_ASSERT(l->stopping > 0);
    if (--l->stopping == 0) {
        l->done(l->done_arg);
    }
}

void smpp_links_stop(struct smpp_links *l, void (*done)(void *arg), void *arg)
{
    l->done = done;
    l->done_arg = arg;
    l->stopping = l->n;
    for (size_t i = 0; i < l->n; i++) {
        smpp_session_stop(l->s[i], one_stopped, l);
    }
}

void smpp_links_free(struct smpp_links *l)
{
    if (l == NULL) {
        return;
    }
    for (size_t i = 0; i < l->n; i++) {
        smpp_session_free(l->s[i]);
    }
    free(l);
}
