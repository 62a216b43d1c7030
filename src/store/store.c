/* SPDX-License-Identifier: Apache-2.0 */
/* The store interface: backend dispatch, the canonical batch digest and journal hash shared by
 * every backend, and the checks of the invariants that the stored rows alone can show. */
#include "store/store.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/assert.h"
#include "base/id128.h"
#include "store/store_int.h"

int store_open(const struct store_options *opt, struct store **out, struct mdt_err *err)
{
    if (opt == NULL || opt->path == NULL || opt->path[0] == '\0') {
        return mdt_err_set(err, MDT_E(INVAL), "store path missing: set [store] path");
    }
    if (store_path_is_pg(opt->path)) {
        return store_pg_open(opt, out, err);
    }
    return store_sqlite_open(opt, out, err);
}

bool store_path_is_pg(const char *path)
{
    return strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0;
}

const char *store_backend_name(const struct store *s)
{
    return s->ops->name;
}

void store_close(struct store *s)
{
    if (s != NULL) {
        s->ops->close(s);
    }
}

int store_replay(struct store *s, uint64_t after_seq, const struct store_replay_fns *fns, void *ctx,
                 struct mdt_err *err)
{
    return s->ops->replay(s, after_seq, fns, ctx, err);
}

int store_changed(struct store *s, bool *changed, struct mdt_err *err)
{
    return s->ops->changed(s, changed, err);
}

int store_begin(struct store *s, bool *changed, struct mdt_err *err)
{
    return s->ops->begin(s, changed, err);
}

int store_write(struct store *s, const struct ledger_changes *ch, const struct store_extras *x,
                size_t nx, const char *kind, int64_t now_us, struct mdt_err *err)
{
    return s->ops->write(s, ch, x, nx, kind, now_us, err);
}

int store_channel_load(struct store *s, const struct store_channel_fns *fns, void *ctx,
                       int64_t inbox_since_us, struct mdt_err *err)
{
    return s->ops->channel_load(s, fns, ctx, inbox_since_us, err);
}

int store_commit(struct store *s, struct mdt_err *err)
{
    return s->ops->commit(s, err);
}

void store_rollback(struct store *s)
{
    s->ops->rollback(s);
}

bool store_pipelines(const struct store *s)
{
    return s->ops->commit_send != NULL;
}

int store_commit_send(struct store *s, struct mdt_err *err)
{
    return s->ops->commit_send(s, err);
}

int store_write_send(struct store *s, const struct ledger_changes *ch, const struct store_extras *x,
                     size_t nx, const char *kind, int64_t now_us, struct mdt_err *err)
{
    return s->ops->write_send(s, ch, x, nx, kind, now_us, err);
}

int store_commit_wait(struct store *s, struct mdt_err *err)
{
    return s->ops->commit_wait(s, err);
}

int store_read_begin(struct store *s, struct mdt_err *err)
{
    return s->ops->read_begin(s, err);
}

void store_read_end(struct store *s)
{
    s->ops->read_end(s);
}

int store_statement(struct store *s, uint64_t account_id, store_transfer_fn fn, void *ctx,
                    struct mdt_err *err)
{
    return s->ops->statement(s, account_id, fn, ctx, err);
}

int store_statement_page(struct store *s, uint64_t account_id, uint64_t after_seq, uint32_t limit,
                         store_transfer_fn fn, void *ctx, struct mdt_err *err)
{
    return s->ops->statement_page(s, account_id, after_seq, limit, fn, ctx, err);
}

int store_transfer_get(struct store *s, struct id128 id, struct transfer *out, struct mdt_err *err)
{
    return s->ops->transfer_get(s, id, out, err);
}

int store_journal(struct store *s, store_journal_fn fn, void *ctx, struct mdt_err *err)
{
    return s->ops->journal(s, fn, ctx, err);
}

int store_webhook_list(struct store *s, const struct store_webhook_filter *f, store_webhook_fn fn,
                       void *ctx, struct mdt_err *err)
{
    return s->ops->webhook_list(s, f, fn, ctx, err);
}

int store_messages(struct store *s, const char *number, uint32_t limit, store_message_fn fn,
                   void *ctx, struct mdt_err *err)
{
    return s->ops->messages(s, number, limit, fn, ctx, err);
}

int store_webhook_requeue(struct store *s, const struct store_webhook_filter *f, int64_t now_us,
                          uint64_t *count, struct mdt_err *err)
{
    return s->ops->webhook_requeue(s, f, now_us, count, err);
}

int store_card_reseal(struct store *s, uint32_t version, uint32_t limit, store_reseal_fn fn,
                      void *ctx, uint64_t *resealed, uint64_t *left, struct mdt_err *err)
{
    return s->ops->card_reseal(s, version, limit, fn, ctx, resealed, left, err);
}

int store_card_pan_known(struct store *s, const uint8_t pan_mac[32], bool *known,
                         struct mdt_err *err)
{
    return s->ops->card_pan_known(s, pan_mac, known, err);
}

/* ---- canonical encoding: little-endian fixed-width fields, so every backend agrees ---- */

struct enc {
    uint8_t buf[256];
    size_t len;
};

static void enc_u64(struct enc *e, uint64_t v)
{
    MDT_ASSERT(e->len + 8 <= sizeof(e->buf));
    for (int i = 0; i < 8; i++) {
        e->buf[e->len++] = (uint8_t)(v >> (8 * i));
    }
}

static void enc_bytes(struct enc *e, const void *p, size_t n)
{
    MDT_ASSERT(e->len + n <= sizeof(e->buf));
    memcpy(e->buf + e->len, p, n);
    e->len += n;
}

static void enc_transfer(struct enc *e, const struct transfer *t)
{
    size_t n = strnlen(t->ext_ref, sizeof(t->ext_ref));

    e->len = 0;
    enc_u64(e, t->seq);
    enc_u64(e, t->id.hi);
    enc_u64(e, t->id.lo);
    enc_u64(e, t->debit_account_id);
    enc_u64(e, t->credit_account_id);
    enc_u64(e, (uint64_t)t->amount);
    enc_u64(e, t->link_id.hi);
    enc_u64(e, t->link_id.lo);
    enc_u64(e, ((uint64_t)t->timeout_s << 32) | ((uint64_t)t->kind << 16) | t->flags);
    enc_u64(e, ((uint64_t)t->fee_schedules[0] << 48) | ((uint64_t)t->fee_schedules[1] << 32) |
                   ((uint64_t)t->channel << 16) | t->reason);
    enc_u64(e, (uint64_t)t->timestamp_us);
    enc_u64(e, (uint64_t)t->expires_us);
    enc_u64(e, t->fingerprint);
    enc_u64(e, n);
    enc_bytes(e, t->ext_ref, n);
}

static void enc_event(struct enc *e, const struct account_event *ev)
{
    e->len = 0;
    enc_u64(e, ev->seq);
    enc_u64(e, ev->account_id);
    enc_u64(e, ((uint64_t)ev->type << 48) | ((uint64_t)ev->kind << 32) |
                   ((uint64_t)ev->status << 16) | ev->tier);
    enc_u64(e, ev->flags);
    enc_bytes(e, ev->currency, 4);
    enc_u64(e, (uint64_t)ev->timestamp_us);
}

void store_digest(const struct account_event *ev, size_t nev, const struct transfer *tr, size_t ntr,
                  const struct transfer *rj, size_t nrj, uint8_t out[SHA256_LEN])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    struct enc e;
    unsigned int len = 0;

    MDT_ASSERT(ctx != NULL);
    MDT_ASSERT(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1);
    for (size_t i = 0; i < nev; i++) {
        enc_event(&e, &ev[i]);
        EVP_DigestUpdate(ctx, e.buf, e.len);
    }
    for (size_t i = 0; i < ntr; i++) {
        enc_transfer(&e, &tr[i]);
        EVP_DigestUpdate(ctx, e.buf, e.len);
    }
    for (size_t i = 0; i < nrj; i++) {
        enc_transfer(&e, &rj[i]);
        EVP_DigestUpdate(ctx, e.buf, e.len);
    }
    MDT_ASSERT(EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == SHA256_LEN);
    EVP_MD_CTX_free(ctx);
}

void store_journal_hash(const struct journal_entry *j, uint8_t out[SHA256_LEN])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    struct enc e = {.len = 0};
    unsigned int len = 0;

    MDT_ASSERT(ctx != NULL);
    MDT_ASSERT(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1);
    EVP_DigestUpdate(ctx, j->prev_hash, SHA256_LEN);
    enc_u64(&e, j->seq);
    enc_u64(&e, (uint64_t)j->created_us);
    enc_u64(&e, j->transfers);
    enc_u64(&e, j->rejections);
    enc_u64(&e, j->events);
    EVP_DigestUpdate(ctx, e.buf, e.len);
    EVP_DigestUpdate(ctx, j->kind, strnlen(j->kind, sizeof(j->kind)) + 0);
    EVP_DigestUpdate(ctx, "", 1);
    EVP_DigestUpdate(ctx, j->detail, strnlen(j->detail, sizeof(j->detail)));
    EVP_DigestUpdate(ctx, "", 1);
    EVP_DigestUpdate(ctx, j->digest, SHA256_LEN);
    MDT_ASSERT(EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == SHA256_LEN);
    EVP_MD_CTX_free(ctx);
}

/* ---- check ---- */

struct check_ctx {
    store_report_fn report;
    void *report_ctx;
    uint64_t violations;
    uint8_t prev_hash[SHA256_LEN];
    uint64_t entries;
};

void store_report(store_report_fn report_fn, void *ctx, uint64_t *violations, const char *fmt, ...)
{
    char text[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    (*violations)++;
    if (report_fn != NULL) {
        report_fn(ctx, text);
    }
}

/* A finding of the journal check. */
#define REPORT(c, ...) store_report((c)->report, (c)->report_ctx, &(c)->violations, __VA_ARGS__)

static int check_journal_entry(void *ctx, const struct journal_entry *e,
                               const uint8_t digest[SHA256_LEN], uint64_t orphans)
{
    struct check_ctx *c = ctx;
    uint8_t hash[SHA256_LEN];

    if (e == NULL) {
        REPORT(c, "%" PRIu64 " rows belong to no journal entry: written outside mandat", orphans);
        return 0;
    }
    if (memcmp(e->prev_hash, c->prev_hash, SHA256_LEN) != 0) {
        REPORT(c,
               "journal entry %" PRIu64 ": previous hash does not match entry %" PRIu64
               ": the chain is broken",
               e->seq, c->entries);
    }
    store_journal_hash(e, hash);
    if (memcmp(hash, e->hash, SHA256_LEN) != 0) {
        REPORT(c, "journal entry %" PRIu64 ": hash does not match its contents", e->seq);
    }
    if (memcmp(digest, e->digest, SHA256_LEN) != 0) {
        REPORT(c,
               "journal entry %" PRIu64 ": rows of this batch do not match its digest "
               "(rows changed, added or removed after commit)",
               e->seq);
    }
    memcpy(c->prev_hash, e->hash, SHA256_LEN);
    c->entries++;
    return 0;
}

int store_check_journal(struct store *s, store_report_fn report_fn, void *ctx, uint64_t *violations,
                        struct mdt_err *err)
{
    struct check_ctx c = {.report = report_fn, .report_ctx = ctx};
    int rc = s->ops->journal_verify(s, check_journal_entry, &c, err);

    *violations += c.violations;
    return rc;
}

int store_check_rows(struct store *s, store_report_fn report_fn, void *ctx, uint64_t *violations,
                     struct mdt_err *err)
{
    uint64_t found = 0;
    int rc = s->ops->check_rows(s, report_fn, ctx, &found, err);

    *violations += found;
    return rc;
}

int store_sums(struct store *s, store_sums_fn fn, void *ctx, struct mdt_err *err)
{
    return s->ops->sums(s, fn, ctx, err);
}

void store_batch_normalise(struct ledger_changes *ch)
{
    for (size_t i = 0; i < ch->transfer_count; i++) {
        struct transfer *t = &ch->transfers[i];

        t->state = (t->flags & TRANSFER_PENDING) ? TRANSFER_STATE_PENDING : TRANSFER_STATE_POSTED;
    }
}

int store_pending_expected(int64_t closes, int64_t flags)
{
    if (closes == 0) {
        return TRANSFER_STATE_PENDING;
    }
    if (flags & TRANSFER_POST_PENDING) {
        return TRANSFER_STATE_POSTED;
    }
    return (flags & TRANSFER_EXPIRE) ? TRANSFER_STATE_EXPIRED : TRANSFER_STATE_VOIDED;
}
