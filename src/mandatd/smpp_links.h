/* SPDX-License-Identifier: Apache-2.0 */
/* Every SMPP link of mandat.conf as one sender: [smpp] and each [smpp.<name>], each with its
 * `binds` parallel sessions. Replies are spread over the bound sessions in turn; messages and
 * receipts from any session reach the same handlers. */
#ifndef MDT_MANDATD_SMPP_LINKS_H
#define MDT_MANDATD_SMPP_LINKS_H

#include <stdbool.h>
#include <stddef.h>

#include "channel/smpp/session.h"
#include "mandatd/config.h"
#include "mandatd/service.h"

struct event_base;
struct smpp_links;

/* Start a session per bind of every link with a host (none: *out NULL, returns 0). h is
 * copied. Passwords are wiped from the copies made. *out: smpp_links_free(). */
int smpp_links_start(struct event_base *base, const struct mandat_config *cfg,
                     const struct smpp_handlers *h, struct smpp_links **out, struct mdt_err *err);

/* The service's sender over the links: submit to the next bound session that takes it. */
struct service_sender smpp_links_sender(struct smpp_links *l);

/* Sessions bound now, and in all. */
size_t smpp_links_bound(const struct smpp_links *l);
size_t smpp_links_count(const struct smpp_links *l);

/* Counters summed over the sessions (for /metrics). */
void smpp_links_stats(const struct smpp_links *l, struct smpp_session_stats *sum);

/* Unbind every session gracefully; done(arg) runs once, when the last one is done. */
void smpp_links_stop(struct smpp_links *l, void (*done)(void *arg), void *arg);

void smpp_links_free(struct smpp_links *l);

#endif
