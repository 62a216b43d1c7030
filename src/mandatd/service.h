/* SPDX-License-Identifier: Apache-2.0 */
/* The service: mandatd's event-loop side. Channels hand it messages; it asks the dialog what
 * they mean, submits the step to the engine, and, once the step is durable, acknowledges the
 * message to its channel and queues the replies for sending. Loop thread only, except where
 * said. */
#ifndef MDT_MANDATD_SERVICE_H
#define MDT_MANDATD_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dialog/dialog.h"
#include "engine/engine.h"
#include "store/store_channel.h"

struct event_base;
struct service;

/* How a message ended, for its channel's acknowledgement:
 * rc 0: durable, replies[0..n) are the replies to its sender (texts, UTF-8); return true if the
 * channel delivers them itself (Kannel get-url: the HTTP body is the reply SMS), false to have
 * them sent through the outbox;
 * rc -MDT_EEXISTS: a redelivery of a message already handled (acknowledge, nothing to send);
 * rc -MDT_EBUSY or -MDT_EFULL: not taken, ask the peer to retry later;
 * other rc < 0: not taken (store failure). */
typedef bool (*service_ack_fn)(void *ctx, int rc, const char *const *replies, size_t n);

/* Create the service on base with a running engine and a loaded dialog (both borrowed). */
int service_create(struct event_base *base, struct engine *engine, struct dialog *dialog,
                   struct service **out, struct mdt_err *err);
void service_free(struct service *s);

/* Handle one received message; ack runs later on the loop thread (never inside this call). */
void service_receive(struct service *s, const struct dialog_message *m, void *ctx,
                     service_ack_fn ack);

/* How a message of a channel that tracks its acknowledgements (SMPP) ended: rc as for
 * service_ack_fn, and inbox_id, the id to give the acknowledgement for in-doubt tracking
 * (smpp_mo_ack), or NULL when the message is not tracked or not taken. */
typedef void (*service_mo_ack_fn)(void *ctx, int rc, const struct id128 *inbox_id);

/* service_receive for such a channel (its replies always go through the outbox). */
void service_receive_tracked(struct service *s, const struct dialog_message *m, void *ctx,
                             service_mo_ack_fn ack);

/* The channel's in-doubt reports (smpp_handlers.acks_read / acks_in_doubt): read ones are
 * cleared in the store in the next group commit (no fsync of their own); ones in doubt become
 * candidates for a redelivery (dialog_acks_in_doubt). Loop thread. */
void service_acks_read(struct service *s, const struct id128 *ids, size_t n);
void service_acks_in_doubt(struct service *s, const struct id128 *ids, size_t n);

/* A step decided outside a message (the HTTP API, a wallet page) is durable (rc 0) or failed:
 * read what it says (dialog_step_outcome, step->request) before returning; the dialog frees
 * the step after. Loop thread. */
typedef void (*service_step_fn)(void *ctx, int rc, const struct dialog_step *step);

/* Submit such a step; done runs later on the loop thread. Returns 0, or a negative code (the
 * engine's queue is full: answer 503) after which the step is released and done never runs. */
int service_submit(struct service *s, struct dialog_step *step, void *ctx, service_step_fn done);

/* Start the work the dialog does on its own (held money collected or returned). Called once a
 * second and after every finished step; the replies go to the outbox. */
void service_work(struct service *s);

/* Outbox rows loaded at start-up (store_channel_fns.outbox ctx = service). */
int service_outbox_loaded(void *ctx, const struct outbox_row *r);

/* Take up to max queued messages for dest (the dev phone, or a channel that polls), marking
 * them delivered (which drops their links' seals from the store). Returns how many were copied
 * to out, links opened: the caller wipes out once it has answered. */
size_t service_outbox_take(struct service *s, const char *dest, struct outbox_row *out, size_t max);

/* Where queued messages go out: a channel that sends (the SMPP session). submit copies the row
 * and returns 0, or -MDT_EFULL to keep it queued for later; ready says whether it sends now. */
struct service_sender {
    int (*submit)(void *ctx, const struct outbox_row *r);
    bool (*ready)(void *ctx);
    void *ctx;
};

/* Attach the sender (copied) and hand it what is queued. */
void service_sender_set(struct service *s, const struct service_sender *snd);

/* Attach the sender of CHANNEL_SOCIAL rows (the social channel); other rows go to the one of
 * service_sender_set. */
void service_social_sender_set(struct service *s, const struct service_sender *snd);

/* Hand the webhook events of every step, once durable, to fn (the webhook sender), so that they
 * go out at once rather than at the next poll of the store. */
void service_webhook_hook_set(struct service *s, void (*fn)(void *ctx, const struct webhook_row *r),
                              void *ctx);

/* Hand queued messages to the sender while it takes them (after a bind, on a timer). */
void service_outbox_flush(struct service *s);

/* The sender's outcome for outbox row id: accepted by the peer with peer_id (rc 0), or refused
 * for good (rc < 0). Persisted. */
void service_outbox_submitted(struct service *s, struct id128 id, int rc, const char *peer_id);

/* A delivery receipt for the message the peer calls peer_id: stat DELIVRD, UNDELIV, ... */
void service_outbox_receipt(struct service *s, const char *peer_id, const char *stat);

/* Put back a row the sender took but could not send (it goes first next time). */
void service_outbox_requeue(struct service *s, const struct outbox_row *r);

/* Messages waiting in the outbox. */
size_t service_outbox_depth(const struct service *s);

#endif
