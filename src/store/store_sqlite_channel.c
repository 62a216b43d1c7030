/* SPDX-License-Identifier: Apache-2.0 */
/* SQLite rows of the channels and the dialog: inbox, outbox, customers, conversations,
 * associations, merchants and the rest of store_channel.h, written with a ledger batch (read
 * back in store_sqlite_channel_read.c). */
#include <stdio.h>
#include <string.h>

#include "base/assert.h"
#include "base/id128.h"
#include "store/store_sqlite_int.h"

static void bind_text(sqlite3_stmt *st, int col, const char *text, size_t cap)
{
    sqlite3_bind_text(st, col, text, (int)strnlen(text, cap), SQLITE_STATIC);
}

static int write_inbox(struct sqlite_store *s, const struct inbox_row *r, struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[ST_INS_INBOX];

    sqlite_bind_id(st, 1, r->id);
    sqlite3_bind_int(st, 2, r->channel);
    bind_text(st, 3, r->peer_id, sizeof(r->peer_id));
    bind_text(st, 4, r->source, sizeof(r->source));
    bind_text(st, 5, r->dest, sizeof(r->dest));
    bind_text(st, 6, r->text, sizeof(r->text));
    sqlite3_bind_int64(st, 7, r->peer_time_us);
    sqlite3_bind_int64(st, 8, r->received_us);
    if (id128_is_zero(r->doubt_key)) {
        sqlite3_bind_null(st, 9);
    } else {
        sqlite_bind_id(st, 9, r->doubt_key);
    }
    return sqlite_step_done(s, st, err);
}

static int write_outbox(struct sqlite_store *s, const struct outbox_row *r, bool insert,
                        struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[insert ? ST_INS_OUTBOX : ST_OUTBOX_STATE];

    if (!insert) {
        sqlite3_bind_int(st, 1, r->state);
        sqlite3_bind_int64(st, 2, r->attempts);
        sqlite3_bind_int64(st, 3, r->next_try_us);
        bind_text(st, 4, r->peer_id, sizeof(r->peer_id));
        bind_text(st, 5, r->final_state, sizeof(r->final_state));
        sqlite_bind_id(st, 6, r->id);
        return sqlite_step_done(s, st, err);
    }
    sqlite_bind_id(st, 1, r->id);
    sqlite_bind_id(st, 2, r->inbox_id);
    sqlite3_bind_int(st, 3, r->channel);
    sqlite3_bind_int(st, 4, r->state);
    sqlite3_bind_int64(st, 5, r->attempts);
    bind_text(st, 6, r->source, sizeof(r->source));
    bind_text(st, 7, r->dest, sizeof(r->dest));
    bind_text(st, 8, r->peer_id, sizeof(r->peer_id));
    bind_text(st, 9, r->final_state, sizeof(r->final_state));
    sqlite3_bind_int64(st, 10, r->next_try_us);
    sqlite3_bind_int64(st, 11, r->created_us);
    bind_text(st, 12, r->text, sizeof(r->text));
    bind_text(st, 13, r->dest_id, sizeof(r->dest_id));
    bind_text(st, 14, r->reply_to, sizeof(r->reply_to));
    sqlite3_bind_int(st, 15, r->visibility);
    if (r->link_seal_len > 0) {
        MDT_ASSERT(r->link_seal_len <= sizeof(r->link_seal));
        sqlite3_bind_blob(st, 16, r->link_seal, r->link_seal_len, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(st, 16);
    }
    return sqlite_step_done(s, st, err);
}

static bool all_zero(const uint8_t *b, size_t n)
{
    uint8_t acc = 0;

    for (size_t i = 0; i < n; i++) {
        acc |= b[i];
    }
    return acc == 0;
}

/* A 32-byte hash, or NULL when it is all zeros (none). */
static void bind_hash(sqlite3_stmt *st, int col, const uint8_t h[32])
{
    if (all_zero(h, 32)) {
        sqlite3_bind_null(st, col);
    } else {
        sqlite3_bind_blob(st, col, h, 32, SQLITE_STATIC);
    }
}

static int write_social_link(struct sqlite_store *s, const struct social_link_row *r,
                             struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[ST_DELETE_SOCIAL_ALIASES];
    int rc;

    /* A rename: the row under the old handle goes, so that the old handle, which someone else
     * may take, no longer reaches this wallet. */
    bind_text(st, 1, r->user_id, sizeof(r->user_id));
    bind_text(st, 2, r->address, sizeof(r->address));
    rc = sqlite_step_done(s, st, err);
    if (rc < 0) {
        return rc;
    }
    st = s->st[ST_UPSERT_SOCIAL_LINK];
    bind_text(st, 1, r->address, sizeof(r->address));
    bind_text(st, 2, r->user_id, sizeof(r->user_id));
    bind_text(st, 3, r->phone, sizeof(r->phone));
    bind_hash(st, 4, r->token_hash);
    sqlite3_bind_int64(st, 5, r->token_expires_us);
    bind_text(st, 6, r->otp_phone, sizeof(r->otp_phone));
    bind_hash(st, 7, r->otp_hash);
    sqlite3_bind_int64(st, 8, r->otp_expires_us);
    sqlite3_bind_int64(st, 9, r->otp_attempts);
    sqlite3_bind_int(st, 10, r->lang);
    sqlite3_bind_int(st, 11, r->show_name ? 1 : 0);
    sqlite3_bind_int64(st, 12, r->created_us);
    sqlite3_bind_int64(st, 13, r->linked_us);
    return sqlite_step_done(s, st, err);
}

static int write_social_cursor(struct sqlite_store *s, const struct social_cursor_row *r,
                               struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[ST_UPSERT_SOCIAL_CURSOR];

    bind_text(st, 1, r->network, sizeof(r->network));
    bind_text(st, 2, r->since_id, sizeof(r->since_id));
    return sqlite_step_done(s, st, err);
}

static int write_customer(struct sqlite_store *s, const struct customer_row *r, struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[ST_UPSERT_CUSTOMER];

    bind_text(st, 1, r->phone, sizeof(r->phone));
    sqlite3_bind_int64(st, 2, (int64_t)r->account_id);
    sqlite3_bind_int(st, 3, r->lang);
    if (r->has_pin) {
        sqlite3_bind_blob(st, 4, r->pin_hash, sizeof(r->pin_hash), SQLITE_STATIC);
    } else {
        sqlite3_bind_null(st, 4);
    }
    sqlite3_bind_int64(st, 5, r->pin_failures);
    sqlite3_bind_int64(st, 6, r->locked_until_us);
    sqlite3_bind_int64(st, 7, r->created_us);
    if (r->enrol_expires_us != 0) {
        sqlite3_bind_blob(st, 8, r->enrol_hash, sizeof(r->enrol_hash), SQLITE_STATIC);
    } else {
        sqlite3_bind_null(st, 8);
    }
    sqlite3_bind_int64(st, 9, r->enrol_expires_us);
    sqlite3_bind_int64(st, 10, r->code_reset_us);
    bind_text(st, 11, r->name, sizeof(r->name));
    bind_text(st, 12, r->last_payee, sizeof(r->last_payee));
    sqlite3_bind_int64(st, 13, r->last_amount_minor);
    sqlite3_bind_int(st, 14, r->last_kind);
    bind_text(st, 15, r->last_ref, sizeof(r->last_ref));
    sqlite3_bind_int64(st, 16, r->last_done_us);
    return sqlite_step_done(s, st, err);
}

static int write_code_order(struct sqlite_store *s, const struct code_order_row *r,
                            struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[ST_UPSERT_CODE_ORDER];

    if (r->seq == 0) {
        sqlite3_bind_null(st, 1);
    } else {
        sqlite3_bind_int64(st, 1, (int64_t)r->seq);
    }
    bind_text(st, 2, r->phone, sizeof(r->phone));
    sqlite3_bind_int(st, 3, r->action);
    sqlite3_bind_int(st, 4, r->state);
    sqlite3_bind_int64(st, 5, r->created_us);
    sqlite3_bind_int64(st, 6, r->done_us);
    return sqlite_step_done(s, st, err);
}

static int write_card_topup(struct sqlite_store *s, const struct card_topup_row *r,
                            struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[ST_UPSERT_CARD_TOPUP];
    static const uint8_t zero[32];

    sqlite_bind_id(st, 1, r->id);
    bind_text(st, 2, r->phone, sizeof(r->phone));
    sqlite3_bind_int64(st, 3, (int64_t)r->wallet_account);
    sqlite3_bind_int64(st, 4, r->amount_minor);
    bind_text(st, 5, r->currency, sizeof(r->currency));
    sqlite3_bind_int(st, 6, r->state);
    sqlite3_bind_int(st, 7, r->lang);
    bind_text(st, 8, r->code, sizeof(r->code));
    bind_text(st, 9, r->card_last4, sizeof(r->card_last4));
    if (memcmp(r->token_hash, zero, sizeof(zero)) == 0) {
        sqlite3_bind_null(st, 10);
    } else {
        sqlite3_bind_blob(st, 10, r->token_hash, sizeof(r->token_hash), SQLITE_STATIC);
    }
    sqlite3_bind_int64(st, 11, r->created_us);
    sqlite3_bind_int64(st, 12, r->expires_us);
    sqlite3_bind_int64(st, 13, r->updated_us);
    sqlite3_bind_int64(st, 14, (int64_t)r->card_account);
    bind_text(st, 15, r->card_alias, sizeof(r->card_alias));
    bind_text(st, 16, r->card_target_last4, sizeof(r->card_target_last4));
    sqlite3_bind_int64(st, 17, r->fee_minor);
    sqlite3_bind_int64(st, 18, r->order_fee_minor);
    sqlite3_bind_int64(st, 19, r->charge_minor);
    bind_text(st, 20, r->file_token, sizeof(r->file_token));
    if (id128_is_zero(r->request_id)) {
        sqlite3_bind_null(st, 21);
    } else {
        sqlite_bind_id(st, 21, r->request_id);
    }
    return sqlite_step_done(s, st, err);
}

static int write_acquirer_op(struct sqlite_store *s, const struct acquirer_op_row *r,
                             struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[ST_UPSERT_ACQUIRER_OP];

    bind_text(st, 1, r->key, sizeof(r->key));
    sqlite_bind_id(st, 2, r->topup_id);
    sqlite3_bind_int(st, 3, r->kind);
    sqlite3_bind_int(st, 4, r->state);
    sqlite3_bind_int64(st, 5, r->amount_minor);
    bind_text(st, 6, r->currency, sizeof(r->currency));
    sqlite3_bind_int64(st, 7, (int64_t)r->wallet_account);
    bind_text(st, 8, r->ref, sizeof(r->ref));
    bind_text(st, 9, r->auth_ref, sizeof(r->auth_ref));
    bind_text(st, 10, r->code, sizeof(r->code));
    sqlite3_bind_int64(st, 11, r->created_us);
    sqlite3_bind_int64(st, 12, r->updated_us);
    return sqlite_step_done(s, st, err);
}

static int write_conversation(struct sqlite_store *s, const struct conversation_row *r,
                              struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[r->active ? ST_UPSERT_CONVERSATION : ST_DELETE_CONVERSATION];

    bind_text(st, 1, r->phone, sizeof(r->phone));
    if (!r->active) {
        return sqlite_step_done(s, st, err);
    }
    sqlite_bind_id(st, 2, r->order_id);
    sqlite3_bind_int64(st, 3, (int64_t)r->payee_account);
    bind_text(st, 4, r->payee, sizeof(r->payee));
    sqlite3_bind_int64(st, 5, r->amount_minor);
    bind_text(st, 6, r->ref, sizeof(r->ref));
    sqlite3_bind_int64(st, 7, r->expires_us);
    sqlite3_bind_int64(st, 8, r->attempts);
    sqlite3_bind_int(st, 9, r->kind);
    bind_text(st, 10, r->campaign, sizeof(r->campaign));
    bind_text(st, 11, r->origin, sizeof(r->origin));
    bind_text(st, 12, r->origin_user, sizeof(r->origin_user));
    bind_text(st, 13, r->origin_post, sizeof(r->origin_post));
    bind_hash(st, 14, r->token_hash);
    return sqlite_step_done(s, st, err);
}

static int write_campaign(struct sqlite_store *s, const struct campaign_row *r, struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[ST_UPSERT_CAMPAIGN];

    bind_text(st, 1, r->tag, sizeof(r->tag));
    bind_text(st, 2, r->keyword, sizeof(r->keyword));
    sqlite3_bind_int64(st, 3, (int64_t)r->account_id);
    bind_text(st, 4, r->name, sizeof(r->name));
    sqlite3_bind_int64(st, 5, r->created_us);
    return sqlite_step_done(s, st, err);
}

static int write_campaign_donation(struct sqlite_store *s, const struct campaign_donation_row *r,
                                   struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[ST_INS_CAMPAIGN_DONATION];

    bind_text(st, 1, r->tag, sizeof(r->tag));
    sqlite_bind_id(st, 2, r->transfer_id);
    sqlite3_bind_int64(st, 3, r->amount_minor);
    bind_text(st, 4, r->donor, sizeof(r->donor));
    sqlite3_bind_int64(st, 5, r->created_us);
    return sqlite_step_done(s, st, err);
}

static int write_association(struct sqlite_store *s, const struct association_row *r,
                             struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[ST_UPSERT_ASSOCIATION];

    bind_text(st, 1, r->keyword, sizeof(r->keyword));
    sqlite3_bind_int64(st, 2, (int64_t)r->account_id);
    bind_text(st, 3, r->name, sizeof(r->name));
    return sqlite_step_done(s, st, err);
}

static int write_claim(struct sqlite_store *s, const struct claim_row *r, struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[r->active ? ST_UPSERT_CLAIM : ST_DELETE_CLAIM];

    sqlite_bind_id(st, 1, r->id);
    if (!r->active) {
        return sqlite_step_done(s, st, err);
    }
    bind_text(st, 2, r->payer, sizeof(r->payer));
    sqlite3_bind_int64(st, 3, (int64_t)r->payer_account);
    bind_text(st, 4, r->payee, sizeof(r->payee));
    sqlite3_bind_int64(st, 5, r->amount_minor);
    sqlite3_bind_int64(st, 6, r->created_us);
    sqlite3_bind_int64(st, 7, r->expires_us);
    return sqlite_step_done(s, st, err);
}

static int write_merchant(struct sqlite_store *s, const struct merchant_row *r, struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[ST_UPSERT_MERCHANT];

    sqlite3_bind_int64(st, 1, (int64_t)r->account_id);
    bind_text(st, 2, r->name, sizeof(r->name));
    bind_text(st, 3, r->webhook_url, sizeof(r->webhook_url));
    sqlite3_bind_int(st, 4, r->fee_schedule);
    sqlite3_bind_int64(st, 5, r->created_us);
    return sqlite_step_done(s, st, err);
}

static int write_api_key(struct sqlite_store *s, const struct api_key_row *r, struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[ST_UPSERT_API_KEY];

    bind_text(st, 1, r->key_id, sizeof(r->key_id));
    sqlite3_bind_int64(st, 2, (int64_t)r->merchant_id);
    sqlite3_bind_blob(st, 3, r->hash, sizeof(r->hash), SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, r->scopes);
    sqlite3_bind_int64(st, 5, r->rate_per_s);
    sqlite3_bind_int(st, 6, r->revoked ? 1 : 0);
    sqlite3_bind_int64(st, 7, r->created_us);
    return sqlite_step_done(s, st, err);
}

static int write_payment_request(struct sqlite_store *s, const struct payment_request_row *r,
                                 struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[ST_UPSERT_PAYMENT_REQUEST];

    sqlite_bind_id(st, 1, r->id);
    sqlite3_bind_int64(st, 2, (int64_t)r->merchant_id);
    sqlite3_bind_int64(st, 3, r->amount_minor);
    bind_text(st, 4, r->currency, sizeof(r->currency));
    bind_text(st, 5, r->payer, sizeof(r->payer));
    bind_text(st, 6, r->reference, sizeof(r->reference));
    bind_text(st, 7, r->description, sizeof(r->description));
    bind_text(st, 8, r->callback_url, sizeof(r->callback_url));
    sqlite3_bind_int(st, 9, r->state);
    sqlite_bind_id(st, 10, r->transfer_id);
    sqlite3_bind_int64(st, 11, r->fee_minor);
    sqlite3_bind_int64(st, 12, r->refunded_minor);
    sqlite3_bind_int64(st, 13, r->created_us);
    sqlite3_bind_int64(st, 14, r->expires_us);
    sqlite3_bind_int64(st, 15, r->updated_us);
    sqlite3_bind_blob(st, 16, r->token_hash, sizeof(r->token_hash), SQLITE_STATIC);
    bind_text(st, 17, r->campaign, sizeof(r->campaign));
    return sqlite_step_done(s, st, err);
}

static int write_webhook(struct sqlite_store *s, const struct webhook_row *r, bool insert,
                         struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[insert ? ST_INS_WEBHOOK : ST_WEBHOOK_STATE];

    if (!insert) {
        sqlite3_bind_int(st, 1, r->state);
        sqlite3_bind_int64(st, 2, r->attempts);
        sqlite3_bind_int64(st, 3, r->next_try_us);
        bind_text(st, 4, r->last_error, sizeof(r->last_error));
        sqlite_bind_id(st, 5, r->id);
        return sqlite_step_done(s, st, err);
    }
    sqlite_bind_id(st, 1, r->id);
    sqlite3_bind_int64(st, 2, (int64_t)r->merchant_id);
    bind_text(st, 3, r->url, sizeof(r->url));
    bind_text(st, 4, r->type, sizeof(r->type));
    sqlite3_bind_int(st, 5, r->state);
    sqlite3_bind_int64(st, 6, r->attempts);
    sqlite3_bind_int64(st, 7, r->created_us);
    sqlite3_bind_int64(st, 8, r->next_try_us);
    bind_text(st, 9, r->body, sizeof(r->body));
    return sqlite_step_done(s, st, err);
}

static int write_idempotency(struct sqlite_store *s, const struct idempotency_row *r,
                             struct mdt_err *err)
{
    sqlite3_stmt *st = s->st[ST_INS_IDEMPOTENCY];

    sqlite3_bind_blob(st, 1, r->key_hash, sizeof(r->key_hash), SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, r->body_hash, sizeof(r->body_hash), SQLITE_STATIC);
    sqlite3_bind_int(st, 3, r->status);
    sqlite3_bind_int64(st, 4, r->created_us);
    bind_text(st, 5, r->response, sizeof(r->response));
    return sqlite_step_done(s, st, err);
}

static int write_one(struct sqlite_store *s, const struct store_extra *x, struct mdt_err *err)
{
    switch (x->kind) {
    case EXTRA_INBOX:
        return write_inbox(s, &x->u.inbox, err);
    case EXTRA_INBOX_DONE:
        sqlite_bind_id(s->st[ST_INBOX_DONE], 1, x->u.inbox.id);
        return sqlite_step_done(s, s->st[ST_INBOX_DONE], err);
    case EXTRA_INBOX_CONFIRMED:
        sqlite_bind_id(s->st[ST_INBOX_CONFIRMED], 1, x->u.inbox.id);
        return sqlite_step_done(s, s->st[ST_INBOX_CONFIRMED], err);
    case EXTRA_OUTBOX:
        return write_outbox(s, &x->u.outbox, true, err);
    case EXTRA_OUTBOX_STATE:
        return write_outbox(s, &x->u.outbox, false, err);
    case EXTRA_CUSTOMER:
        return write_customer(s, &x->u.customer, err);
    case EXTRA_CONVERSATION:
        return write_conversation(s, &x->u.conversation, err);
    case EXTRA_ASSOCIATION:
        return write_association(s, &x->u.association, err);
    case EXTRA_CLAIM:
        return write_claim(s, &x->u.claim, err);
    case EXTRA_MERCHANT:
        return write_merchant(s, &x->u.merchant, err);
    case EXTRA_API_KEY:
        return write_api_key(s, &x->u.api_key, err);
    case EXTRA_PAYMENT_REQUEST:
        return write_payment_request(s, &x->u.payment_request, err);
    case EXTRA_WEBHOOK:
        return write_webhook(s, &x->u.webhook, true, err);
    case EXTRA_WEBHOOK_STATE:
        return write_webhook(s, &x->u.webhook, false, err);
    case EXTRA_IDEMPOTENCY:
        return write_idempotency(s, &x->u.idempotency, err);
    case EXTRA_CAMPAIGN:
        return write_campaign(s, &x->u.campaign, err);
    case EXTRA_CAMPAIGN_DONATION:
        return write_campaign_donation(s, &x->u.campaign_donation, err);
    case EXTRA_SOCIAL_LINK:
        return write_social_link(s, &x->u.social_link, err);
    case EXTRA_SOCIAL_CURSOR:
        return write_social_cursor(s, &x->u.social_cursor, err);
    case EXTRA_CODE_ORDER:
        return write_code_order(s, &x->u.code_order, err);
    case EXTRA_CARD_PAN:
    case EXTRA_CARD:
    case EXTRA_CARD_ALIAS:
    case EXTRA_CARD_FILE:
    case EXTRA_CARD_ORDER:
        return sqlite_write_card(s, x, err);
    case EXTRA_CARD_TOPUP:
        return write_card_topup(s, &x->u.card_topup, err);
    case EXTRA_ACQUIRER_OP:
        return write_acquirer_op(s, &x->u.acquirer_op, err);
    case EXTRA_ISO_REQUEST:
    case EXTRA_CARD_PIN:
    case EXTRA_FX_RATE:
        return sqlite_write_iso(s, x, err);
    default:
        return mdt_err_set(err, MDT_E(INVAL), "unknown channel row kind %u", x->kind);
    }
}

int sqlite_write_extras(struct sqlite_store *s, const struct store_extras *x, size_t nx,
                        struct mdt_err *err)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < nx; i++) {
        for (size_t k = 0; rc == 0 && k < x[i].count; k++) {
            rc = write_one(s, &x[i].rows[k], err);
        }
    }
    return rc;
}
