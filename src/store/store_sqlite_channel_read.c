/* SPDX-License-Identifier: Apache-2.0 */
/* SQLite rows of the channels and the dialog read back: everything the dialog and the channels
 * rebuild at start-up (store_channel_load), a number's messages, and the webhook events an
 * operator lists and queues again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_sqlite_int.h"

static void column_hash(sqlite3_stmt *st, int col, uint8_t out[32])
{
    if (sqlite3_column_bytes(st, col) == 32) {
        memcpy(out, sqlite3_column_blob(st, col), 32);
    }
}

static void column_text(sqlite3_stmt *st, int col, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, col);

    snprintf(out, cap, "%s", t != NULL ? (const char *)t : "");
}

static int load_customer(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct customer_row r = {0};

    column_text(st, 0, r.phone, sizeof(r.phone));
    r.account_id = (uint64_t)sqlite3_column_int64(st, 1);
    r.lang = (uint16_t)sqlite3_column_int(st, 2);
    r.has_pin = sqlite3_column_bytes(st, 3) == (int)sizeof(r.pin_hash);
    if (r.has_pin) {
        memcpy(r.pin_hash, sqlite3_column_blob(st, 3), sizeof(r.pin_hash));
    }
    r.pin_failures = (uint32_t)sqlite3_column_int64(st, 4);
    r.locked_until_us = sqlite3_column_int64(st, 5);
    r.created_us = sqlite3_column_int64(st, 6);
    if (sqlite3_column_bytes(st, 7) == (int)sizeof(r.enrol_hash)) {
        memcpy(r.enrol_hash, sqlite3_column_blob(st, 7), sizeof(r.enrol_hash));
        r.enrol_expires_us = sqlite3_column_int64(st, 8);
    }
    r.code_reset_us = sqlite3_column_int64(st, 9);
    column_text(st, 10, r.name, sizeof(r.name));
    column_text(st, 11, r.last_payee, sizeof(r.last_payee));
    r.last_amount_minor = sqlite3_column_int64(st, 12);
    r.last_kind = (uint16_t)sqlite3_column_int(st, 13);
    column_text(st, 14, r.last_ref, sizeof(r.last_ref));
    r.last_done_us = sqlite3_column_int64(st, 15);
    return f->customer != NULL ? f->customer(ctx, &r) : 0;
}

static int load_conversation(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct conversation_row r = {.active = true};

    column_text(st, 0, r.phone, sizeof(r.phone));
    r.order_id = sqlite_column_id(st, 1);
    r.payee_account = (uint64_t)sqlite3_column_int64(st, 2);
    column_text(st, 3, r.payee, sizeof(r.payee));
    r.amount_minor = sqlite3_column_int64(st, 4);
    column_text(st, 5, r.ref, sizeof(r.ref));
    r.expires_us = sqlite3_column_int64(st, 6);
    r.attempts = (uint32_t)sqlite3_column_int64(st, 7);
    r.kind = (uint16_t)sqlite3_column_int(st, 8);
    column_text(st, 9, r.campaign, sizeof(r.campaign));
    column_text(st, 10, r.origin, sizeof(r.origin));
    column_text(st, 11, r.origin_user, sizeof(r.origin_user));
    column_text(st, 12, r.origin_post, sizeof(r.origin_post));
    column_hash(st, 13, r.token_hash);
    return f->conversation != NULL ? f->conversation(ctx, &r) : 0;
}

static int load_association(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct association_row r = {0};

    column_text(st, 0, r.keyword, sizeof(r.keyword));
    r.account_id = (uint64_t)sqlite3_column_int64(st, 1);
    column_text(st, 2, r.name, sizeof(r.name));
    return f->association != NULL ? f->association(ctx, &r) : 0;
}

static int load_claim(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct claim_row r = {.active = true};

    r.id = sqlite_column_id(st, 0);
    column_text(st, 1, r.payer, sizeof(r.payer));
    r.payer_account = (uint64_t)sqlite3_column_int64(st, 2);
    column_text(st, 3, r.payee, sizeof(r.payee));
    r.amount_minor = sqlite3_column_int64(st, 4);
    r.created_us = sqlite3_column_int64(st, 5);
    r.expires_us = sqlite3_column_int64(st, 6);
    return f->claim != NULL ? f->claim(ctx, &r) : 0;
}

static void column_blob(sqlite3_stmt *st, int col, uint8_t *out, size_t len)
{
    if (sqlite3_column_bytes(st, col) == (int)len) {
        memcpy(out, sqlite3_column_blob(st, col), len);
    }
}

static int load_merchant(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct merchant_row r = {0};

    r.account_id = (uint64_t)sqlite3_column_int64(st, 0);
    column_text(st, 1, r.name, sizeof(r.name));
    column_text(st, 2, r.webhook_url, sizeof(r.webhook_url));
    r.fee_schedule = (uint16_t)sqlite3_column_int(st, 3);
    r.created_us = sqlite3_column_int64(st, 4);
    return f->merchant(ctx, &r);
}

static int load_api_key(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct api_key_row r = {0};

    column_text(st, 0, r.key_id, sizeof(r.key_id));
    r.merchant_id = (uint64_t)sqlite3_column_int64(st, 1);
    column_blob(st, 2, r.hash, sizeof(r.hash));
    r.scopes = (uint32_t)sqlite3_column_int64(st, 3);
    r.rate_per_s = (uint32_t)sqlite3_column_int64(st, 4);
    r.revoked = sqlite3_column_int(st, 5) != 0;
    r.created_us = sqlite3_column_int64(st, 6);
    return f->api_key(ctx, &r);
}

static int load_payment_request(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct payment_request_row r = {0};

    r.id = sqlite_column_id(st, 0);
    r.merchant_id = (uint64_t)sqlite3_column_int64(st, 1);
    r.amount_minor = sqlite3_column_int64(st, 2);
    column_text(st, 3, r.currency, sizeof(r.currency));
    column_text(st, 4, r.payer, sizeof(r.payer));
    column_text(st, 5, r.reference, sizeof(r.reference));
    column_text(st, 6, r.description, sizeof(r.description));
    column_text(st, 7, r.callback_url, sizeof(r.callback_url));
    r.state = (uint16_t)sqlite3_column_int(st, 8);
    r.transfer_id = sqlite_column_id(st, 9);
    r.fee_minor = sqlite3_column_int64(st, 10);
    r.refunded_minor = sqlite3_column_int64(st, 11);
    r.created_us = sqlite3_column_int64(st, 12);
    r.expires_us = sqlite3_column_int64(st, 13);
    r.updated_us = sqlite3_column_int64(st, 14);
    column_blob(st, 15, r.token_hash, sizeof(r.token_hash));
    column_text(st, 16, r.campaign, sizeof(r.campaign));
    return f->payment_request(ctx, &r);
}

static struct webhook_row webhook_tmp;

/* The columns of WEBHOOK_COLS into r. */
static void column_webhook(sqlite3_stmt *st, struct webhook_row *r)
{
    memset(r, 0, sizeof(*r));
    r->id = sqlite_column_id(st, 0);
    r->merchant_id = (uint64_t)sqlite3_column_int64(st, 1);
    column_text(st, 2, r->url, sizeof(r->url));
    column_text(st, 3, r->type, sizeof(r->type));
    r->state = (uint16_t)sqlite3_column_int(st, 4);
    r->attempts = (uint32_t)sqlite3_column_int64(st, 5);
    r->created_us = sqlite3_column_int64(st, 6);
    r->next_try_us = sqlite3_column_int64(st, 7);
    column_text(st, 8, r->body, sizeof(r->body));
    column_text(st, 9, r->last_error, sizeof(r->last_error));
}

static int load_webhook(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    column_webhook(st, &webhook_tmp);
    return f->webhook(ctx, &webhook_tmp);
}

static struct idempotency_row idempotency_tmp;

static int load_idempotency(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct idempotency_row *r = &idempotency_tmp;

    memset(r, 0, sizeof(*r));
    column_blob(st, 0, r->key_hash, sizeof(r->key_hash));
    column_blob(st, 1, r->body_hash, sizeof(r->body_hash));
    r->status = (uint16_t)sqlite3_column_int(st, 2);
    r->created_us = sqlite3_column_int64(st, 3);
    column_text(st, 4, r->response, sizeof(r->response));
    return f->idempotency(ctx, r);
}

static int load_campaign(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct campaign_row r = {0};

    column_text(st, 0, r.tag, sizeof(r.tag));
    column_text(st, 1, r.keyword, sizeof(r.keyword));
    r.account_id = (uint64_t)sqlite3_column_int64(st, 2);
    column_text(st, 3, r.name, sizeof(r.name));
    r.created_us = sqlite3_column_int64(st, 4);
    return f->campaign(ctx, &r);
}

static int load_campaign_total(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct campaign_total t = {0};

    column_text(st, 0, t.tag, sizeof(t.tag));
    t.total_minor = sqlite3_column_int64(st, 1);
    t.donations = (uint64_t)sqlite3_column_int64(st, 2);
    return f->campaign_total(ctx, &t);
}

/* Rows are big (the text); one on the heap, reused, keeps the stack small. */
static struct inbox_row inbox_tmp;
static struct outbox_row outbox_tmp;

static int load_inbox(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct inbox_row *r = &inbox_tmp;

    memset(r, 0, sizeof(*r));
    r->id = sqlite_column_id(st, 0);
    r->channel = (uint16_t)sqlite3_column_int(st, 1);
    column_text(st, 2, r->peer_id, sizeof(r->peer_id));
    column_text(st, 3, r->source, sizeof(r->source));
    column_text(st, 4, r->dest, sizeof(r->dest));
    column_text(st, 5, r->text, sizeof(r->text));
    r->peer_time_us = sqlite3_column_int64(st, 6);
    r->received_us = sqlite3_column_int64(st, 7);
    r->doubt_key = sqlite_column_id(st, 9);
    return f->inbox != NULL ? f->inbox(ctx, r, sqlite3_column_int(st, 8) != 0) : 0;
}

static int load_outbox(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct outbox_row *r = &outbox_tmp;

    memset(r, 0, sizeof(*r));
    r->id = sqlite_column_id(st, 0);
    r->inbox_id = sqlite_column_id(st, 1);
    r->channel = (uint16_t)sqlite3_column_int(st, 2);
    r->state = (uint16_t)sqlite3_column_int(st, 3);
    r->attempts = (uint32_t)sqlite3_column_int64(st, 4);
    column_text(st, 5, r->source, sizeof(r->source));
    column_text(st, 6, r->dest, sizeof(r->dest));
    column_text(st, 7, r->peer_id, sizeof(r->peer_id));
    column_text(st, 8, r->final_state, sizeof(r->final_state));
    r->next_try_us = sqlite3_column_int64(st, 9);
    r->created_us = sqlite3_column_int64(st, 10);
    column_text(st, 11, r->text, sizeof(r->text));
    column_text(st, 12, r->dest_id, sizeof(r->dest_id));
    column_text(st, 13, r->reply_to, sizeof(r->reply_to));
    r->visibility = (uint16_t)sqlite3_column_int(st, 14);
    if (sqlite3_column_bytes(st, 15) > 0 &&
        sqlite3_column_bytes(st, 15) <= (int)sizeof(r->link_seal)) {
        r->link_seal_len = (uint16_t)sqlite3_column_bytes(st, 15);
        memcpy(r->link_seal, sqlite3_column_blob(st, 15), r->link_seal_len);
    }
    return f->outbox != NULL ? f->outbox(ctx, r) : 0;
}

static int load_social_link(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct social_link_row r = {0};

    column_text(st, 0, r.address, sizeof(r.address));
    column_text(st, 1, r.user_id, sizeof(r.user_id));
    column_text(st, 2, r.phone, sizeof(r.phone));
    column_hash(st, 3, r.token_hash);
    r.token_expires_us = sqlite3_column_int64(st, 4);
    column_text(st, 5, r.otp_phone, sizeof(r.otp_phone));
    column_hash(st, 6, r.otp_hash);
    r.otp_expires_us = sqlite3_column_int64(st, 7);
    r.otp_attempts = (uint32_t)sqlite3_column_int64(st, 8);
    r.lang = (uint16_t)sqlite3_column_int(st, 9);
    r.show_name = sqlite3_column_int(st, 10) != 0;
    r.created_us = sqlite3_column_int64(st, 11);
    r.linked_us = sqlite3_column_int64(st, 12);
    return f->social_link != NULL ? f->social_link(ctx, &r) : 0;
}

static int load_code_order(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct code_order_row r = {0};

    r.seq = (uint64_t)sqlite3_column_int64(st, 0);
    column_text(st, 1, r.phone, sizeof(r.phone));
    r.action = (uint16_t)sqlite3_column_int(st, 2);
    r.state = (uint16_t)sqlite3_column_int(st, 3);
    r.created_us = sqlite3_column_int64(st, 4);
    r.done_us = sqlite3_column_int64(st, 5);
    return f->code_order != NULL ? f->code_order(ctx, &r) : 0;
}

static int load_card_topup(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct card_topup_row r = {0};

    r.id = sqlite_column_id(st, 0);
    column_text(st, 1, r.phone, sizeof(r.phone));
    r.wallet_account = (uint64_t)sqlite3_column_int64(st, 2);
    r.amount_minor = sqlite3_column_int64(st, 3);
    column_text(st, 4, r.currency, sizeof(r.currency));
    r.state = (uint16_t)sqlite3_column_int(st, 5);
    r.lang = (uint16_t)sqlite3_column_int(st, 6);
    column_text(st, 7, r.code, sizeof(r.code));
    column_text(st, 8, r.card_last4, sizeof(r.card_last4));
    column_blob(st, 9, r.token_hash, sizeof(r.token_hash));
    r.created_us = sqlite3_column_int64(st, 10);
    r.expires_us = sqlite3_column_int64(st, 11);
    r.updated_us = sqlite3_column_int64(st, 12);
    r.card_account = (uint64_t)sqlite3_column_int64(st, 13);
    column_text(st, 14, r.card_alias, sizeof(r.card_alias));
    column_text(st, 15, r.card_target_last4, sizeof(r.card_target_last4));
    r.fee_minor = sqlite3_column_int64(st, 16);
    r.order_fee_minor = sqlite3_column_int64(st, 17);
    r.charge_minor = sqlite3_column_int64(st, 18);
    column_text(st, 19, r.file_token, sizeof(r.file_token));
    r.request_id = sqlite_column_id(st, 20);
    return f->card_topup != NULL ? f->card_topup(ctx, &r) : 0;
}

static int load_acquirer_op(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct acquirer_op_row r = {0};

    column_text(st, 0, r.key, sizeof(r.key));
    r.topup_id = sqlite_column_id(st, 1);
    r.kind = (uint16_t)sqlite3_column_int(st, 2);
    r.state = (uint16_t)sqlite3_column_int(st, 3);
    r.amount_minor = sqlite3_column_int64(st, 4);
    column_text(st, 5, r.currency, sizeof(r.currency));
    r.wallet_account = (uint64_t)sqlite3_column_int64(st, 6);
    column_text(st, 7, r.ref, sizeof(r.ref));
    column_text(st, 8, r.auth_ref, sizeof(r.auth_ref));
    column_text(st, 9, r.code, sizeof(r.code));
    r.created_us = sqlite3_column_int64(st, 10);
    r.updated_us = sqlite3_column_int64(st, 11);
    return f->acquirer_op != NULL ? f->acquirer_op(ctx, &r) : 0;
}

static int load_social_cursor(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct social_cursor_row r = {0};

    column_text(st, 0, r.network, sizeof(r.network));
    column_text(st, 1, r.since_id, sizeof(r.since_id));
    return f->social_cursor != NULL ? f->social_cursor(ctx, &r) : 0;
}

static int load_campaign_donor(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx)
{
    struct campaign_donation_row r = {0};

    column_text(st, 0, r.tag, sizeof(r.tag));
    r.transfer_id = sqlite_column_id(st, 1);
    r.amount_minor = sqlite3_column_int64(st, 2);
    column_text(st, 3, r.donor, sizeof(r.donor));
    r.created_us = sqlite3_column_int64(st, 4);
    return f->campaign_donor != NULL ? f->campaign_donor(ctx, &r) : 0;
}

typedef int (*row_fn)(sqlite3_stmt *st, const struct store_channel_fns *f, void *ctx);

static int each_row(struct sqlite_store *s, const char *sql, int64_t arg, row_fn fn,
                    const struct store_channel_fns *f, void *ctx, struct mdt_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        return sqlite_db_error(s, err, "load channel rows");
    }
    sqlite3_bind_int64(st, 1, arg);
    for (;;) {
        int step = sqlite3_step(st);

        if (step != SQLITE_ROW) {
            rc = step == SQLITE_DONE ? 0 : sqlite_db_error(s, err, "load channel rows");
            break;
        }
        rc = fn(st, f, ctx);
        if (rc != 0) {
            break;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

int sqlite_channel_load(struct store *base, const struct store_channel_fns *fns, void *ctx,
                        int64_t inbox_since_us, struct mdt_err *err)
{
    static const struct {
        const char *sql;
        row_fn fn;
    } q[] = {
        {"SELECT phone, account_id, lang, pin_hash, pin_failures, locked_until_us, created_us,"
         " enrol_hash, enrol_expires_us, code_reset_us, name, last_payee, last_amount_minor,"
         " last_kind, last_ref, last_done_us FROM customers WHERE ?1 IS NOT NULL",
         load_customer},
        {"SELECT phone, order_id, payee_account, payee, amount_minor, ref, expires_us, attempts,"
         " kind, campaign, origin, origin_user, origin_post, token_hash FROM conversations"
         " WHERE ?1 IS NOT NULL",
         load_conversation},
        {"SELECT keyword, account_id, name FROM associations WHERE ?1 IS NOT NULL",
         load_association},
        {"SELECT id, payer, payer_account, payee, amount_minor, created_us, expires_us"
         " FROM claims WHERE ?1 IS NOT NULL ORDER BY created_us",
         load_claim},
        {"SELECT id, channel, peer_id, source, dest, text, peer_time_us, received_us, done,"
         " doubt_key FROM inbox WHERE received_us >= ?1 OR done = 0 ORDER BY seq",
         load_inbox},
        {"SELECT id, inbox_id, channel, state, attempts, source, dest, peer_id, final_state,"
         " next_try_us, created_us, text, dest_id, reply_to, visibility, link_seal FROM outbox"
         " WHERE state < 2 AND ?1 IS NOT NULL"
         " ORDER BY seq",
         load_outbox},
        {"SELECT account_id, name, webhook_url, fee_schedule, created_us FROM merchants"
         " WHERE ?1 IS NOT NULL",
         load_merchant},
        {"SELECT key_id, merchant_id, hash, scopes, rate_per_s, revoked, created_us FROM api_keys"
         " WHERE ?1 IS NOT NULL",
         load_api_key},
        {"SELECT id, merchant_id, amount_minor, currency, payer, reference, description,"
         " callback_url, state, transfer_id, fee_minor, refunded_minor, created_us, expires_us,"
         " updated_us, token_hash, campaign FROM payment_requests WHERE ?1 IS NOT NULL ORDER BY"
         " seq",
         load_payment_request},
        {"SELECT id, merchant_id, url, type, state, attempts, created_us, next_try_us, body,"
         " last_error FROM webhooks WHERE state = 0 AND next_try_us <= ?1 ORDER BY seq",
         load_webhook},
        {"SELECT key_hash, body_hash, status, created_us, response FROM idempotency"
         " WHERE created_us >= ?1 ORDER BY seq",
         load_idempotency},
        {"SELECT tag, keyword, account_id, name, created_us FROM campaigns WHERE ?1 IS NOT NULL",
         load_campaign},
        {"SELECT tag, SUM(amount_minor), COUNT(*) FROM campaign_donations WHERE ?1 IS NOT NULL"
         " GROUP BY tag",
         load_campaign_total},
        {"SELECT tag, transfer_id, amount_minor, donor, created_us FROM (SELECT *, ROW_NUMBER()"
         " OVER (PARTITION BY tag ORDER BY seq DESC) AS n FROM campaign_donations"
         " WHERE donor != '' AND ?1 IS NOT NULL) WHERE n <= 10 ORDER BY tag, seq DESC",
         load_campaign_donor},
        {"SELECT address, user_id, phone, token_hash, token_expires_us, otp_phone, otp_hash,"
         " otp_expires_us, otp_attempts, lang, show_name, created_us, linked_us"
         " FROM social_links WHERE ?1 IS NOT NULL",
         load_social_link},
        {"SELECT network, since_id FROM social_cursors WHERE ?1 IS NOT NULL", load_social_cursor},
        {"SELECT seq, phone, action, state, created_us, done_us FROM code_orders"
         " WHERE state = 0 AND ?1 IS NOT NULL ORDER BY seq",
         load_code_order},
        {"SELECT c.account_id, c.token, c.exp_month, c.exp_year, c.status, c.holder, c.phone,"
         " c.activation_hash, c.activation_failures, c.activated_us, c.created_us, c.updated_us,"
         " p.bin, p.last4,"
         " p.pan_len, p.pan_mac FROM cards c JOIN card_pans p ON p.token = c.token"
         " WHERE ?1 IS NOT NULL"
         " ORDER BY c.account_id",
         sqlite_load_card},
        {"SELECT owner, alias, card_account, created_us FROM card_aliases WHERE ?1 IS NOT NULL",
         sqlite_load_card_alias},
        {"SELECT token, sealed, key_version, pan_mac, bin, last4, pan_len, created_us"
         " FROM card_pans WHERE ?1 IS NOT NULL",
         sqlite_load_card_pan},
        {"SELECT id, phone, wallet_account, amount_minor, currency, state, lang, code, card_last4,"
         " token_hash, created_us, expires_us, updated_us, card_account, card_alias,"
         " card_target_last4, fee_minor, order_fee_minor, charge_minor, file_token, request_id"
         " FROM card_topups WHERE (state < 4 OR id IN (SELECT topup_id FROM acquirer_ops"
         " WHERE state IN (0, 3))) AND ?1 IS NOT NULL ORDER BY created_us",
         load_card_topup},
        {"SELECT key, topup_id, kind, state, amount_minor, currency, wallet_account, ref, auth_ref,"
         " code, created_us, updated_us FROM acquirer_ops WHERE state IN (0, 3) AND ?1 IS NOT NULL"
         " ORDER BY created_us",
         load_acquirer_op},
        {"SELECT p.token, p.sealed, p.key_version, p.pan_mac, p.bin, p.last4, p.pan_len,"
         " p.created_us, f.owner, f.exp_month, f.exp_year, f.created_us FROM card_files f"
         " JOIN card_pans p ON p.pan_mac = f.pan_mac WHERE ?1 IS NOT NULL",
         sqlite_load_card_file},
        {"SELECT id, phone, wallet_account, price_minor, currency, state, lang, holder,"
         " holder_phone, alias, card_token, card_last4, token_hash, created_us, expires_us,"
         " updated_us FROM card_orders WHERE state < 2 AND ?1 IS NOT NULL ORDER BY created_us",
         sqlite_load_card_order},
        {"SELECT key, orig, mti, pcode, code, auth_id, card_account, hold_id, amount_minor,"
         " posted_minor, cash_minor, fee_minor, balance_minor, state, created_us, updated_us"
         " FROM iso_requests WHERE created_us >= ?1 ORDER BY updated_us",
         sqlite_load_iso_request},
        {"SELECT account_id, pin_hash, failures, updated_us FROM card_pins WHERE ?1 IS NOT NULL",
         sqlite_load_card_pin},
        {"SELECT currency, effective_us, rate_micro, created_us FROM fx_rates"
         " WHERE ?1 IS NOT NULL ORDER BY currency, effective_us",
         sqlite_load_fx_rate},
    };
    /* Tables nobody asked for are not read: a reload of the associations alone stays cheap. */
    const bool wanted[] = {
        fns->customer != NULL,       fns->conversation != NULL,   fns->association != NULL,
        fns->claim != NULL,          fns->inbox != NULL,          fns->outbox != NULL,
        fns->merchant != NULL,       fns->api_key != NULL,        fns->payment_request != NULL,
        fns->webhook != NULL,        fns->idempotency != NULL,    fns->campaign != NULL,
        fns->campaign_total != NULL, fns->campaign_donor != NULL, fns->social_link != NULL,
        fns->social_cursor != NULL,  fns->code_order != NULL,     fns->card != NULL,
        fns->card_alias != NULL,     fns->card_pan != NULL,       fns->card_topup != NULL,
        fns->acquirer_op != NULL,    fns->card_file != NULL,      fns->card_order != NULL,
        fns->iso_request != NULL,    fns->card_pin != NULL,       fns->fx_rate != NULL};
    struct sqlite_store *s = (struct sqlite_store *)base;
    int rc = 0;

    _Static_assert(sizeof(wanted) / sizeof(wanted[0]) == sizeof(q) / sizeof(q[0]),
                   "one callback per query");
    for (size_t i = 0; rc == 0 && i < sizeof(q) / sizeof(q[0]); i++) {
        if (wanted[i]) {
            rc = each_row(s, q[i].sql, inbox_since_us, q[i].fn, fns, ctx, err);
        }
    }
    return rc;
}

/* ---- webhook events for the operator (mandat webhook list, replay) ---- */

#define WEBHOOK_COLS                                                                               \
    "id, merchant_id, url, type, state, attempts, created_us, next_try_us, body, last_error"
/* By id (the unique index), or ?2 merchant (0: any), ?3 created since, ?4 state (-1: any): a
 * scan of the table, fine for an operator's command. */
#define WEBHOOK_BY_ID " WHERE id = ?1"
#define WEBHOOK_BY_FILTER                                                                          \
    " WHERE ?1 IS NULL AND (?2 = 0 OR merchant_id = ?2) AND created_us >= ?3"                      \
    " AND (?4 < 0 OR state = ?4)"

static void bind_webhook_filter(sqlite3_stmt *st, const struct store_webhook_filter *f)
{
    if (f->by_id) {
        sqlite_bind_id(st, 1, f->id);
        return;
    }
    sqlite3_bind_null(st, 1);
    sqlite3_bind_int64(st, 2, (int64_t)f->merchant_id);
    sqlite3_bind_int64(st, 3, f->since_us);
    sqlite3_bind_int(st, 4, f->state);
}

int sqlite_messages(struct store *base, const char *number, uint32_t limit, store_message_fn fn,
                    void *ctx, struct mdt_err *err)
{
    static const char sql[] =
        "SELECT 1, received_us, text FROM inbox WHERE source = ?1 AND channel = ?3"
        " UNION ALL SELECT 0, created_us, text FROM outbox WHERE dest = ?1 AND channel = ?3"
        " AND state != ?4 ORDER BY 2 DESC LIMIT ?2";
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct store_message *m = malloc(sizeof(*m));
    sqlite3_stmt *st = NULL;
    int rc = 0;

    if (m == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "read messages: out of memory");
    }
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        rc = sqlite_db_error(s, err, "read messages");
        goto out;
    }
    sqlite3_bind_text(st, 1, number, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, limit);
    sqlite3_bind_int(st, 3, CHANNEL_SMS);
    sqlite3_bind_int(st, 4, OUTBOX_QUEUED); /* queued ones reach the dev phone by /dev/outbox */
    while (rc == 0) {
        int step = sqlite3_step(st);

        if (step != SQLITE_ROW) {
            rc = step == SQLITE_DONE ? 0 : sqlite_db_error(s, err, "read messages");
            break;
        }
        m->inbound = sqlite3_column_int(st, 0) != 0;
        m->at_us = sqlite3_column_int64(st, 1);
        column_text(st, 2, m->text, sizeof(m->text));
        rc = fn(ctx, m);
    }
out:
    sqlite3_finalize(st);
    free(m);
    return rc;
}

int sqlite_webhook_list(struct store *base, const struct store_webhook_filter *f,
                        store_webhook_fn fn, void *ctx, struct mdt_err *err)
{
    static const char by_id[] =
        "SELECT " WEBHOOK_COLS " FROM webhooks" WEBHOOK_BY_ID " ORDER BY seq DESC LIMIT ?5";
    static const char by_filter[] =
        "SELECT " WEBHOOK_COLS " FROM webhooks" WEBHOOK_BY_FILTER " ORDER BY seq DESC LIMIT ?5";
    const char *sql = f->by_id ? by_id : by_filter;
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct webhook_row *r = malloc(sizeof(*r));
    sqlite3_stmt *st = NULL;
    int rc = 0;

    if (r == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "list webhook events: out of memory");
    }
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        rc = sqlite_db_error(s, err, "list webhook events");
        goto out;
    }
    bind_webhook_filter(st, f);
    sqlite3_bind_int64(st, 5, f->limit > 0 ? (int64_t)f->limit : -1);
    for (;;) {
        int step = sqlite3_step(st);

        if (step != SQLITE_ROW) {
            rc = step == SQLITE_DONE ? 0 : sqlite_db_error(s, err, "list webhook events");
            break;
        }
        column_webhook(st, r);
        rc = fn(ctx, r);
        if (rc != 0) {
            break;
        }
    }
out:
    sqlite3_finalize(st);
    free(r);
    return rc;
}

int sqlite_webhook_requeue(struct store *base, const struct store_webhook_filter *f, int64_t now_us,
                           uint64_t *count, struct mdt_err *err)
{
    static const char by_id[] = "UPDATE webhooks SET state = 0, next_try_us = ?5" WEBHOOK_BY_ID;
    static const char by_filter[] =
        "UPDATE webhooks SET state = 0, next_try_us = ?5" WEBHOOK_BY_FILTER;
    const char *sql = f->by_id ? by_id : by_filter;
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    int rc = 0;

    *count = 0;
    if (s->read_only || s->in_tx) {
        return mdt_err_set(err, MDT_E(INVAL), "requeue webhook events: %s",
                           s->read_only ? "the store is open read-only" : "inside a transaction");
    }
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        return sqlite_db_error(s, err, "requeue webhook events");
    }
    bind_webhook_filter(st, f);
    sqlite3_bind_int64(st, 5, now_us);
    /* Autocommit: one statement is one transaction, waiting busy_timeout_ms for the engine. */
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = sqlite_db_error(s, err, "requeue webhook events");
    } else {
        *count = (uint64_t)sqlite3_changes(s->db);
    }
    sqlite3_finalize(st);
    return rc;
}
