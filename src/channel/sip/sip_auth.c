/* SPDX-License-Identifier: Apache-2.0 */
/* Digest authentication of the trunk's INVITEs (RFC 3261 §22.4, RFC 2617 §3.2, MD5 as trunks
 * use). The nonce is the time it was made and an HMAC-SHA256 over that time and the caller's
 * address under a key drawn at start: checking it needs no state per nonce. What is kept is
 * bounded: the failed attempts of at most SIP_AUTH_FAIL_ADDRS addresses (past auth_fail_max, an
 * address gets 403 without a challenge until auth_fail_lock has passed since its last failure)
 * and the nonce counts of the last SIP_AUTH_SEEN_MAX nonces used (a replay is answered stale).
 * The Authorization header is read by libre (httpauth_digest_response_decode) and the response
 * checked by libre (httpauth_digest_response_auth). Nothing secret is logged: no HA1, no
 * response, no nonce. SIP thread only. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "base/log.h"
#include "channel/sip/sip_int.h"

#define NONCE_KEY_LEN 32
/* An auth_file longer than this is refused: SIP_AUTH_USERS_MAX lines of at most 160 bytes and
 * comments fit. */
#define AUTH_FILE_MAX 4096

static void wipe(void *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ((volatile uint8_t *)p)[i] = 0; /* volatile: not dropped as a dead store */
    }
}

/* One line of the file (no line end): blank and '#' lines skipped, other realms' users too. */
static int auth_line(struct sip_channel *c, const char *line, size_t n, unsigned lineno,
                     const char *path, struct mdt_err *err)
{
    struct sip_digest_user u;
    int rc = 0;

    while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t')) {
        n--;
    }
    if (n == 0 || line[0] == '#') {
        return 0;
    }
    if (sip_digest_user_parse(line, n, &u) < 0) {
        return mdt_err_set(err, MDT_E(INVAL),
                           "[sip] auth_file '%s' line %u: not user:realm:HA1 (32 hex digits)", path,
                           lineno);
    }
    if (strcmp(u.realm, c->realm) == 0) {
        if (c->user_count >= SIP_AUTH_USERS_MAX) {
            rc = mdt_err_set(err, MDT_E(INVAL), "[sip] auth_file '%s': more than %d users", path,
                             SIP_AUTH_USERS_MAX);
        } else {
            c->users[c->user_count++] = u;
        }
    }
    wipe(&u, sizeof(u));
    return rc;
}

int sip_auth_load(struct sip_channel *c, const char *path, struct mdt_err *err)
{
    char buf[AUTH_FILE_MAX + 1];
    unsigned lineno = 1;
    struct stat st;
    ssize_t n = 0;
    int fd, rc = 0;

    c->user_count = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) {
        rc = mdt_err_set(err, MDT_E(IO), "[sip] auth_file '%s': %s", path, strerror(errno));
        goto out;
    }
    if ((st.st_mode & 077) != 0) {
        rc = mdt_err_set(err, MDT_E(INVAL),
                         "[sip] auth_file '%s' may be read by others: chmod 600 it", path);
        goto out;
    }
    n = read(fd, buf, sizeof(buf));
    if (n < 0 || n > AUTH_FILE_MAX) {
        rc = mdt_err_set(err, n < 0 ? MDT_E(IO) : MDT_E(INVAL), "[sip] auth_file '%s': %s", path,
                         n < 0 ? strerror(errno) : "longer than 4096 bytes");
        goto out;
    }
    for (const char *p = buf, *end = buf + n; p < end && rc == 0; lineno++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

        rc = auth_line(c, p, len, lineno, path, err);
        p += len + 1;
    }
    if (rc == 0 && c->user_count == 0) {
        rc = mdt_err_set(err, MDT_E(INVAL), "[sip] auth_file '%s': no user of realm '%s'", path,
                         c->realm);
    }
out:
    wipe(buf, sizeof(buf));
    if (rc < 0) {
        wipe(c->users, sizeof(c->users));
        c->user_count = 0;
    }
    if (fd >= 0) {
        close(fd);
    }
    return rc;
}

static bool digest_name_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > SIP_DIGEST_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ':' || (unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
            return false;
        }
    }
    return true;
}

int sip_digest_line(const char *user, const char *realm, const char *password, size_t password_len,
                    char *out, size_t cap)
{
    uint8_t ha1[SIP_DIGEST_HA1_LEN];
    int n;

    if (!digest_name_ok(user) || !digest_name_ok(realm) || password_len == 0) {
        return MDT_E(INVAL);
    }
    if (md5_printf(ha1, "%s:%s:%b", user, realm, password, password_len) != 0) {
        return MDT_E(NOMEM);
    }
    n = re_snprintf(out, cap, "%s:%s:%w", user, realm, ha1, sizeof(ha1));
    wipe(ha1, sizeof(ha1));
    return n < 0 || (size_t)n >= cap ? MDT_E(RANGE) : 0;
}

int sip_auth_init(struct sip_channel *c)
{
    uint8_t key[NONCE_KEY_LEN];
    int err;

    rand_bytes(key, sizeof(key));
    err = hmac_create(&c->nonce_hmac, HMAC_HASH_SHA256, key, sizeof(key));
    memset(key, 0, sizeof(key));
    return err != 0 ? MDT_E(NOMEM) : 0;
}

void sip_auth_release(struct sip_channel *c)
{
    c->nonce_hmac = mem_deref(c->nonce_hmac);
    wipe(c->users, sizeof(c->users));
}

bool sip_auth_required(const struct sip_channel *c, bool allowed)
{
    switch (c->auth) {
    case SIP_AUTH_ALLOW:
        return false;
    case SIP_AUTH_ALLOW_OR_DIGEST:
        return !allowed;
    case SIP_AUTH_DIGEST:
    case SIP_AUTH_ALLOW_AND_DIGEST:
        return true;
    }
    return true;
}

/* The MAC of the nonce (made_ms, seq) for src's address (its port may change between
 * requests). */
static int nonce_mac(struct sip_channel *c, uint64_t made_ms, uint32_t seq, const struct sa *src,
                     uint8_t mac[SIP_NONCE_MAC_LEN])
{
    uint8_t data[12 + 64], md[32];
    int n;

    for (int i = 0; i < 8; i++) {
        data[i] = (uint8_t)(made_ms >> (56 - 8 * i));
    }
    for (int i = 0; i < 4; i++) {
        data[8 + i] = (uint8_t)(seq >> (24 - 8 * i));
    }
    n = re_snprintf((char *)data + 12, sizeof(data) - 12, "%j", src);
    if (n < 0 || hmac_digest(c->nonce_hmac, md, sizeof(md), data, 12 + (size_t)n) != 0) {
        return MDT_E(NOMEM);
    }
    memcpy(mac, md, SIP_NONCE_MAC_LEN);
    return 0;
}

/* Compare without a branch on the bytes: a nonce's MAC is guessed byte by byte otherwise. */
static bool same_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint8_t d = 0;

    for (size_t i = 0; i < n; i++) {
        d |= (uint8_t)(a[i] ^ b[i]);
    }
    return d == 0;
}

/* 401 with a fresh nonce (RFC 2617 §3.2.1; stale: the credentials were right, the nonce old). */
static void challenge(struct sip_channel *c, const struct sip_msg *msg, bool stale)
{
    uint64_t now = tmr_jiffies();
    uint32_t seq = ++c->nonce_seq;
    uint8_t mac[SIP_NONCE_MAC_LEN];
    char nonce[SIP_NONCE_LEN + 1];

    if (nonce_mac(c, now, seq, &msg->src, mac) < 0) {
        (void)sip_treply(NULL, c->sip, msg, 500, "Server Internal Error");
        return;
    }
    sip_nonce_format(now, seq, mac, nonce);
    (void)sip_treplyf(NULL, NULL, c->sip, msg, false, 401, "Unauthorized",
                      "WWW-Authenticate: Digest realm=\"%s\", nonce=\"%s\", algorithm=MD5, "
                      "qop=\"auth\"%s\r\n"
                      "Content-Length: 0\r\n\r\n",
                      c->realm, nonce, stale ? ", stale=true" : "");
}

/* src's entry (a free or the oldest one when it has none and make), or NULL. Entries whose last
 * failure is older than the lock are free again. */
static struct sip_auth_fail *fail_entry(struct sip_channel *c, const struct sa *src, uint64_t now,
                                        bool make)
{
    struct sip_auth_fail *oldest = &c->fails[0];

    for (size_t i = 0; i < SIP_AUTH_FAIL_ADDRS; i++) {
        struct sip_auth_fail *f = &c->fails[i];

        if (f->last_ms != 0 && now - f->last_ms > c->fail_lock_ms) {
            f->last_ms = 0;
        }
        if (f->last_ms != 0 && sa_cmp(&f->addr, src, SA_ADDR)) {
            return f;
        }
        if (f->last_ms < oldest->last_ms) {
            oldest = f;
        }
    }
    if (!make) {
        return NULL;
    }
    memset(oldest, 0, sizeof(*oldest));
    oldest->addr = *src;
    return oldest;
}

/* Wrong credentials: count them against the address and answer 403. */
static void refuse(struct sip_channel *c, const struct sip_msg *msg, const char *why)
{
    uint64_t now = tmr_jiffies();
    struct sip_auth_fail *f = fail_entry(c, &msg->src, now, true);
    char peer[64];

    f->count++;
    f->last_ms = now != 0 ? now : 1;
    (void)re_snprintf(peer, sizeof(peer), "%J", &msg->src);
    log_warn("sip: INVITE from %s refused: %s (failure %u of %u)", peer, why, f->count,
             c->fail_max);
    (void)sip_treply(NULL, c->sip, msg, 403, "Forbidden");
}

/* Whether nc is new for the nonce (made_ms, mac), recording it (RFC 2617 §3.2.2: the count
 * rises with each request under a nonce). Without qop a nonce serves once (nc 0). */
static bool nonce_fresh(struct sip_channel *c, uint64_t made_ms, const uint8_t *mac, uint32_t nc)
{
    struct sip_auth_seen *slot = NULL;

    for (size_t i = 0; i < SIP_AUTH_SEEN_MAX; i++) {
        struct sip_auth_seen *s = &c->seen[i];

        if (s->used && s->made_ms == made_ms && memcmp(s->mac, mac, SIP_NONCE_MAC_LEN) == 0) {
            if (nc <= s->nc) {
                return false;
            }
            s->nc = nc;
            return true;
        }
        /* the slot to take: a free one, else the oldest nonce's */
        if (slot == NULL || (slot->used && (!s->used || s->made_ms < slot->made_ms))) {
            slot = s;
        }
    }
    if (made_ms <= c->seen_floor_ms) {
        return false; /* may have been let go: a replay cannot be told from a first use */
    }
    if (slot->used && slot->made_ms > c->seen_floor_ms) {
        c->seen_floor_ms = slot->made_ms;
    }
    *slot = (struct sip_auth_seen){.made_ms = made_ms, .nc = nc, .used = true};
    memcpy(slot->mac, mac, SIP_NONCE_MAC_LEN);
    return true;
}

static const struct sip_digest_user *user_find(const struct sip_channel *c, const struct pl *name)
{
    for (size_t i = 0; i < c->user_count; i++) {
        if (pl_strcmp(name, c->users[i].user) == 0) {
            return &c->users[i];
        }
    }
    return NULL;
}

/* The response's nonce: ours (its MAC for this address), its age and its count. Returns 0, or 1
 * when a challenge was sent (a nonce we did not make: another realm's, or before a restart). */
static int nonce_check(struct sip_channel *c, const struct sip_msg *msg,
                       const struct httpauth_digest_resp *resp, uint64_t *made_ms,
                       uint8_t mac[SIP_NONCE_MAC_LEN], uint32_t *nc)
{
    uint8_t want[SIP_NONCE_MAC_LEN];
    uint32_t seq;

    *nc = 0;
    if (sip_nonce_parse(resp->nonce.p, resp->nonce.l, made_ms, &seq, mac) < 0 ||
        nonce_mac(c, *made_ms, seq, &msg->src, want) < 0 ||
        !same_bytes(mac, want, SIP_NONCE_MAC_LEN) || *made_ms > tmr_jiffies()) {
        challenge(c, msg, false);
        return 1;
    }
    if (pl_isset(&resp->qop) &&
        (pl_strcasecmp(&resp->qop, "auth") != 0 || !pl_isset(&resp->cnonce) ||
         sip_hdr_nc_parse(resp->nc.p, resp->nc.l, nc) < 0 || *nc == 0)) {
        challenge(c, msg, false);
        return 1;
    }
    return 0;
}

int sip_auth_check(struct sip_channel *c, const struct sip_msg *msg)
{
    const struct sip_hdr *hdr = sip_msg_hdr(msg, SIP_HDR_AUTHORIZATION);
    struct sip_auth_fail *f = fail_entry(c, &msg->src, tmr_jiffies(), false);
    const struct sip_digest_user *user;
    struct httpauth_digest_resp resp;
    uint8_t mac[SIP_NONCE_MAC_LEN];
    uint64_t made_ms;
    uint32_t nc;

    if (f != NULL && f->count >= c->fail_max) {
        char peer[64];

        /* Locked: logged once (a flood is not a flood of lines), and kept locked while it
         * keeps trying (auth_fail_lock counts from its last attempt). */
        if (f->count == c->fail_max) {
            (void)re_snprintf(peer, sizeof(peer), "%J", &msg->src);
            log_warn("sip: INVITE from %s refused: %u failed authentications ([sip] "
                     "auth_fail_max), locked for %llu s after its last attempt",
                     peer, f->count, (unsigned long long)(c->fail_lock_ms / 1000));
            f->count++;
        }
        f->last_ms = tmr_jiffies();
        (void)sip_treply(NULL, c->sip, msg, 403, "Forbidden");
        return 1;
    }
    if (hdr == NULL || httpauth_digest_response_decode(&resp, &hdr->val) != 0 ||
        pl_strcmp(&resp.realm, c->realm) != 0) {
        challenge(c, msg, false); /* none, unreadable, or for another realm: ask */
        return 1;
    }
    if (nonce_check(c, msg, &resp, &made_ms, mac, &nc) != 0) {
        return 1;
    }
    user = user_find(c, &resp.username);
    if (user == NULL || httpauth_digest_response_auth(&resp, &msg->met, user->ha1) != 0) {
        refuse(c, msg, user == NULL ? "unknown digest user" : "wrong digest credentials");
        return 1;
    }
    if (tmr_jiffies() - made_ms > c->nonce_life_ms || !nonce_fresh(c, made_ms, mac, nc)) {
        challenge(c, msg, true); /* RFC 2617 §3.2.1: stale, the client retries at once */
        return 1;
    }
    if (f != NULL) {
        f->last_ms = 0; /* the trunk got it right: its earlier slips are forgiven */
    }
    return 0;
}
