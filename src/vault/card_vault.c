/* SPDX-License-Identifier: Apache-2.0 */
/* The card vault: PANs under versioned AES-256-GCM data keys from a key ring file, a lookup key
 * for keyed hashes of PANs, rotation by appending a version, and the bounded pool of locked
 * memory where security codes wait for the acquirer. See card_vault.h for the contract. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/assert.h"
#include "base/hex.h"
#include "vault/card_vault.h"
#include "vault/vault.h"
#include "vault/vault_int.h"

/* The ring file holds at most a lookup line and CARD_VERSIONS_MAX version lines of about 76
 * characters, and a comment: anything bigger is not ours. */
#define RING_FILE_MAX 8192
#define RING_PATH_MAX 4096
#define NONCE_LEN 12 /* NIST SP 800-38D §8.2.2: 96-bit random nonces */
#define TAG_LEN 16
#define REFRESH_NS 1000000000LL /* a seal looks at the ring file at most once a second */

_Static_assert(CARD_SEAL_OVERHEAD == 4 + NONCE_LEN + TAG_LEN, "sealed PAN layout");

/* The keys, in their own locked page that core dumps leave out. */
struct ring {
    uint8_t lookup[CARD_KEY_LEN];
    struct vault_hmac_key lookup_mac; /* lookup's HMAC states, set by ring_read (vault_int.h) */
    uint8_t key[CARD_VERSIONS_MAX][CARD_KEY_LEN];
    uint32_t version[CARD_VERSIONS_MAX]; /* ascending */
    size_t n;
};

struct card_vault {
    char path[RING_PATH_MAX];
    pthread_rwlock_t lock; /* readers seal and open; a reload swaps the ring */
    struct ring *ring;
    size_t map_len;
    pthread_mutex_t refresh; /* one thread at a time looks at the file */
    int64_t checked_ns;      /* CLOCK_MONOTONIC of the last look */
    struct timespec mtime;   /* the file as last read */
    ino_t ino;
    off_t size;
};

static int64_t mono_ns(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* One line of the ring into r; line is NUL-terminated, without its newline. */
static int line_parse(char *line, struct ring *r, bool *have_lookup, unsigned lineno,
                      const char *path, struct mdt_err *err)
{
    char *end;
    unsigned long v;

    if (line[0] == '\0' || line[0] == '#') {
        return 0;
    }
    if (strncmp(line, "lookup ", 7) == 0 && !*have_lookup &&
        hex_decode(line + 7, r->lookup, CARD_KEY_LEN) == 0) {
        *have_lookup = true;
        return 0;
    }
    errno = 0;
    v = strtoul(line, &end, 10);
    if (line[0] < '1' || line[0] > '9' || errno != 0 || v > UINT32_MAX || *end != ' ' ||
        r->n == CARD_VERSIONS_MAX || (r->n > 0 && v <= r->version[r->n - 1]) ||
        hex_decode(end + 1, r->key[r->n], CARD_KEY_LEN) != 0) {
        return mdt_err_set(err, MDT_E(CORRUPT),
                           "card key ring '%s' line %u is not 'lookup KEY' or 'VERSION KEY' with "
                           "versions ascending and 64 hex digits a key",
                           path, lineno);
    }
    r->version[r->n++] = (uint32_t)v;
    return 0;
}

/* Read and parse the ring file into r; st gets what was read. The file's text is wiped. */
static int ring_read(const char *path, struct ring *r, struct stat *st, struct mdt_err *err)
{
    char text[RING_FILE_MAX + 1];
    bool have_lookup = false;
    unsigned lineno = 0;
    ssize_t got;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    int rc = 0;

    if (fd < 0) {
        return mdt_err_set(err, errno == ENOENT ? MDT_E(NOTFOUND) : MDT_E(IO),
                           "cannot open card key ring '%s': %s", path, strerror(errno));
    }
    memset(r, 0, sizeof(*r));
    if (fstat(fd, st) != 0 || st->st_size > RING_FILE_MAX) {
        rc = mdt_err_set(err, MDT_E(CORRUPT), "card key ring '%s' is over %d bytes", path,
                         RING_FILE_MAX);
        goto out;
    }
    if (st->st_mode & (S_IRWXG | S_IRWXO)) {
        rc = mdt_err_set(err, MDT_E(CORRUPT),
                         "card key ring '%s' is readable by others: chmod 600 it", path);
        goto out;
    }
    got = read(fd, text, RING_FILE_MAX);
    if (got < 0 || got != st->st_size) {
        rc = mdt_err_set(err, MDT_E(IO), "cannot read card key ring '%s'", path);
        goto out;
    }
    text[got] = '\0';
    for (char *line = text, *nl; rc == 0 && line != NULL && *line != '\0'; line = nl) {
        nl = strchr(line, '\n');
        if (nl != NULL) {
            *nl++ = '\0';
        }
        rc = line_parse(line, r, &have_lookup, ++lineno, path, err);
    }
    if (rc == 0 && (!have_lookup || r->n == 0)) {
        rc = mdt_err_set(err, MDT_E(CORRUPT), "card key ring '%s' lacks a lookup key or a version",
                         path);
    }
    if (rc == 0) {
        vault_hmac_key_set(&r->lookup_mac, r->lookup, CARD_KEY_LEN);
    }
out:
    vault_wipe(text, sizeof(text));
    close(fd);
    if (rc < 0) {
        vault_wipe(r, sizeof(*r));
    }
    return rc;
}

/* Write r as the ring file at path: a temporary file, fsync, rename, fsync of the folder. */
static int ring_write(const char *path, const struct ring *r, struct mdt_err *err)
{
    char tmp[RING_PATH_MAX + 8], dir[RING_PATH_MAX], line[128];
    const char *slash = strrchr(path, '/');
    int fd, dfd, rc = 0;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    snprintf(dir, sizeof(dir), "%.*s", slash == NULL ? 1 : (int)(slash - path + (slash == path)),
             slash == NULL ? "." : path);
    (void)unlink(tmp); /* left by a rotation that died before its rename */
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return mdt_err_set(err, MDT_E(IO), "cannot create '%s': %s", tmp, strerror(errno));
    }
    for (size_t i = 0; i <= r->n && rc == 0; i++) {
        const uint8_t *k = i == 0 ? r->lookup : r->key[i - 1];
        int n = i == 0 ? snprintf(line, sizeof(line), "lookup ")
                       : snprintf(line, sizeof(line), "%u ", r->version[i - 1]);

        if (i == 0 && dprintf(fd, "# mandat card key ring: keep it 0600 and off the database's "
                                  "disk; `mandat vault rotate` adds a version\n") < 0) {
            rc = MDT_E(IO);
        }
        hex_encode(k, CARD_KEY_LEN, line + n);
        n += 2 * CARD_KEY_LEN;
        line[n++] = '\n';
        if (write(fd, line, (size_t)n) != n) {
            rc = MDT_E(IO);
        }
    }
    vault_wipe(line, sizeof(line));
    if (rc == 0 && fsync(fd) != 0) {
        rc = MDT_E(IO);
    }
    close(fd);
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = MDT_E(IO);
    }
    if (rc < 0) {
        (void)unlink(tmp);
        return mdt_err_set(err, rc, "cannot write card key ring '%s': %s", path, strerror(errno));
    }
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd); /* the rename itself is durable */
        close(dfd);
    }
    return 0;
}

static int random_key(uint8_t key[CARD_KEY_LEN])
{
    return getrandom(key, CARD_KEY_LEN, 0) == CARD_KEY_LEN ? 0 : MDT_E(IO);
}

/* Run fn on path with an exclusive lock on path.lock held, so that rotations and creations do
 * not interleave. */
static int with_ring_lock(const char *path, int (*fn)(const char *, void *, struct mdt_err *),
                          void *arg, struct mdt_err *err)
{
    char lock[RING_PATH_MAX + 8];
    int fd, rc;

    snprintf(lock, sizeof(lock), "%s.lock", path);
    fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || flock(fd, LOCK_EX) != 0) {
        rc = mdt_err_set(err, MDT_E(IO), "cannot lock '%s': %s", lock, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return rc;
    }
    rc = fn(path, arg, err);
    close(fd); /* releases the lock */
    return rc;
}

/* Add one version to the ring at path (or make the ring, with version 1, when arg's create is
 * set and the file is missing). Runs under the ring lock. */
struct grow {
    struct ring *r; /* scratch, in locked memory */
    bool create;
    uint32_t version;
};

static int ring_grow(const char *path, void *arg, struct mdt_err *err)
{
    struct grow *g = arg;
    struct stat st;
    int rc = ring_read(path, g->r, &st, err);

    if (rc == MDT_E(NOTFOUND) && g->create) {
        memset(g->r, 0, sizeof(*g->r));
        if (random_key(g->r->lookup) < 0) {
            return mdt_err_set(err, MDT_E(IO), "cannot get random bytes for a card key");
        }
    } else if (rc < 0) {
        return rc;
    } else if (g->create) {
        return 0; /* made meanwhile by another process: use it as it is */
    }
    if (g->r->n == CARD_VERSIONS_MAX) {
        return mdt_err_set(err, MDT_E(RANGE), "card key ring '%s' holds %d versions already", path,
                           CARD_VERSIONS_MAX);
    }
    if (random_key(g->r->key[g->r->n]) < 0) {
        return mdt_err_set(err, MDT_E(IO), "cannot get random bytes for a card key");
    }
    g->version = g->r->n == 0 ? 1 : g->r->version[g->r->n - 1] + 1;
    MDT_ASSERT(g->version > 0);
    g->r->version[g->r->n++] = g->version;
    return ring_write(path, g->r, err);
}

int card_vault_rotate(const char *path, uint32_t *version, struct mdt_err *err)
{
    size_t map_len;
    struct grow g = {.r = vault_page_new(sizeof(struct ring), &map_len)};
    int rc;

    if (g.r == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "cannot map memory for the card keys");
    }
    rc = with_ring_lock(path, ring_grow, &g, err);
    if (rc == 0) {
        *version = g.version;
    }
    vault_page_free(g.r, map_len);
    return rc;
}

int card_vault_open(const char *path, bool create, struct card_vault **out, struct mdt_err *err)
{
    struct card_vault *cv;
    struct stat st;
    int rc;

    if (strlen(path) >= RING_PATH_MAX) {
        return mdt_err_set(err, MDT_E(INVAL), "card key ring path is over %d bytes",
                           RING_PATH_MAX - 1);
    }
    cv = calloc(1, sizeof(*cv));
    if (cv == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "out of memory opening the card vault");
    }
    snprintf(cv->path, sizeof(cv->path), "%s", path);
    pthread_rwlock_init(&cv->lock, NULL);
    pthread_mutex_init(&cv->refresh, NULL);
    cv->ring = vault_page_new(sizeof(struct ring), &cv->map_len);
    if (cv->ring == NULL) {
        card_vault_close(cv);
        return mdt_err_set(err, MDT_E(NOMEM), "cannot map memory for the card keys");
    }
    if (create) {
        struct grow g = {.r = cv->ring, .create = true};

        rc = with_ring_lock(path, ring_grow, &g, err);
        if (rc < 0) {
            card_vault_close(cv);
            return rc;
        }
    }
    rc = ring_read(path, cv->ring, &st, err);
    if (rc < 0) {
        card_vault_close(cv);
        return rc;
    }
    cv->mtime = st.st_mtim;
    cv->ino = st.st_ino;
    cv->size = st.st_size;
    cv->checked_ns = mono_ns();
    *out = cv;
    return 0;
}

void card_vault_close(struct card_vault *cv)
{
    if (cv == NULL) {
        return;
    }
    vault_page_free(cv->ring, cv->map_len);
    pthread_rwlock_destroy(&cv->lock);
    pthread_mutex_destroy(&cv->refresh);
    free(cv);
}

int card_vault_reload(struct card_vault *cv, struct mdt_err *err)
{
    size_t map_len;
    struct ring *fresh = vault_page_new(sizeof(struct ring), &map_len), *old;
    struct stat st;
    int rc;

    if (fresh == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "cannot map memory for the card keys");
    }
    rc = ring_read(cv->path, fresh, &st, err);
    if (rc < 0) {
        vault_page_free(fresh, map_len);
        return rc;
    }
    pthread_rwlock_wrlock(&cv->lock);
    old = cv->ring;
    cv->ring = fresh;
    cv->mtime = st.st_mtim;
    cv->ino = st.st_ino;
    cv->size = st.st_size;
    pthread_rwlock_unlock(&cv->lock);
    MDT_ASSERT(map_len == cv->map_len); /* same struct, same page count */
    vault_page_free(old, map_len);
    return 0;
}

/* Reload when the file changed since it was read, looking at most once a second. */
static void refresh(struct card_vault *cv)
{
    int64_t now = mono_ns();
    struct stat st;
    bool changed;

    if (pthread_mutex_trylock(&cv->refresh) != 0) {
        return; /* another thread is looking */
    }
    if (now - cv->checked_ns >= REFRESH_NS && stat(cv->path, &st) == 0) {
        cv->checked_ns = now;
        pthread_rwlock_rdlock(&cv->lock);
        changed = st.st_ino != cv->ino || st.st_size != cv->size ||
                  st.st_mtim.tv_sec != cv->mtime.tv_sec || st.st_mtim.tv_nsec != cv->mtime.tv_nsec;
        pthread_rwlock_unlock(&cv->lock);
        if (changed) {
            (void)card_vault_reload(cv, NULL); /* on failure the keys held stay in use */
        }
    }
    pthread_mutex_unlock(&cv->refresh);
}

uint32_t card_vault_version(struct card_vault *cv)
{
    uint32_t v;

    refresh(cv);
    pthread_rwlock_rdlock(&cv->lock);
    v = cv->ring->version[cv->ring->n - 1];
    pthread_rwlock_unlock(&cv->lock);
    return v;
}

/* The key of version, or NULL; under cv->lock. */
static const uint8_t *key_of(const struct ring *r, uint32_t version)
{
    for (size_t i = r->n; i-- > 0;) {
        if (r->version[i] == version) {
            return r->key[i];
        }
    }
    return NULL;
}

static bool pan_valid(const char *pan, size_t *len)
{
    size_t n = strnlen(pan, CARD_PAN_MAX + 1);

    for (size_t i = 0; i < n; i++) {
        if (pan[i] < '0' || pan[i] > '9') {
            return false;
        }
    }
    *len = n;
    return n >= CARD_PAN_MIN && n <= CARD_PAN_MAX;
}

int card_vault_seal(struct card_vault *cv, const char *token, const char *pan,
                    uint8_t out[CARD_SEALED_MAX], size_t *len, uint32_t *version)
{
    const struct ring *r;
    size_t n;
    uint32_t v;
    int rc;

    if (!pan_valid(pan, &n)) {
        return MDT_E(INVAL);
    }
    if (getrandom(out + 4, NONCE_LEN, 0) != NONCE_LEN) {
        return MDT_E(IO);
    }
    refresh(cv);
    pthread_rwlock_rdlock(&cv->lock);
    r = cv->ring;
    v = r->version[r->n - 1];
    out[0] = (uint8_t)(v >> 24);
    out[1] = (uint8_t)(v >> 16);
    out[2] = (uint8_t)(v >> 8);
    out[3] = (uint8_t)v;
    rc = vault_gcm(r->key[r->n - 1], true, out + 4, token, strlen(token), (const uint8_t *)pan, n,
                   out + 4 + NONCE_LEN, out + 4 + NONCE_LEN + n);
    pthread_rwlock_unlock(&cv->lock);
    if (rc == 0) {
        *len = CARD_SEAL_OVERHEAD + n;
        *version = v;
    }
    return rc;
}

/* Open under the lock; MDT_E(RANGE) when the version is not held. */
static int open_held(struct card_vault *cv, const char *token, const uint8_t *sealed, size_t len,
                     char *pan)
{
    uint32_t v = (uint32_t)sealed[0] << 24 | (uint32_t)sealed[1] << 16 | (uint32_t)sealed[2] << 8 |
                 sealed[3];
    size_t n = len - CARD_SEAL_OVERHEAD;
    uint8_t tag[TAG_LEN];
    const uint8_t *key;
    int rc;

    pthread_rwlock_rdlock(&cv->lock);
    key = key_of(cv->ring, v);
    if (key == NULL) {
        rc = MDT_E(RANGE);
    } else {
        memcpy(tag, sealed + 4 + NONCE_LEN + n, TAG_LEN);
        rc = vault_gcm(key, false, sealed + 4, token, strlen(token), sealed + 4 + NONCE_LEN, n,
                       (uint8_t *)pan, tag);
    }
    pthread_rwlock_unlock(&cv->lock);
    pan[n] = '\0';
    return rc;
}

int card_vault_open_pan(struct card_vault *cv, const char *token, const uint8_t *sealed, size_t len,
                        char pan[CARD_PAN_MAX + 1])
{
    size_t n;
    int rc;

    if (len < CARD_SEAL_OVERHEAD + CARD_PAN_MIN || len > CARD_SEALED_MAX) {
        vault_wipe(pan, CARD_PAN_MAX + 1);
        return MDT_E(INVAL);
    }
    rc = open_held(cv, token, sealed, len, pan);
    if (rc == MDT_E(RANGE) && card_vault_reload(cv, NULL) == 0) {
        rc = open_held(cv, token, sealed, len, pan); /* sealed after a rotation we had not seen */
    }
    if (rc == 0 && !pan_valid(pan, &n)) {
        rc = MDT_E(CORRUPT); /* authentic but not a PAN: sealed by something else */
    }
    if (rc < 0) {
        vault_wipe(pan, CARD_PAN_MAX + 1);
    }
    return rc;
}

int card_vault_reseal(struct card_vault *cv, const char *token, const uint8_t *sealed, size_t len,
                      uint8_t out[CARD_SEALED_MAX], size_t *out_len, uint32_t *version)
{
    char pan[CARD_PAN_MAX + 1];
    int rc;

    rc = card_vault_open_pan(cv, token, sealed, len, pan);
    if (rc < 0) {
        return rc;
    }
    if (((uint32_t)sealed[0] << 24 | (uint32_t)sealed[1] << 16 | (uint32_t)sealed[2] << 8 |
         sealed[3]) == card_vault_version(cv)) {
        rc = 0;
    } else {
        rc = card_vault_seal(cv, token, pan, out, out_len, version);
        rc = rc < 0 ? rc : 1;
    }
    vault_wipe(pan, sizeof(pan));
    return rc;
}

/* From the lookup key's HMAC states in the ring's locked page: one per authorization, where
 * OpenSSL's one-shot HMAC() would key a context in its own heap each time. */
void card_vault_pan_mac(struct card_vault *cv, const char *pan, uint8_t out[32])
{
    pthread_rwlock_rdlock(&cv->lock);
    vault_hmac(&cv->ring->lookup_mac, pan, strnlen(pan, CARD_PAN_MAX), out);
    pthread_rwlock_unlock(&cv->lock);
}

int card_vault_token_new(char token[CARD_TOKEN_MAX])
{
    uint8_t b[16];
    int n = snprintf(token, CARD_TOKEN_MAX, "card_");

    if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
        return MDT_E(IO);
    }
    hex_encode(b, sizeof(b), token + n);
    return 0;
}

/* ---- security codes in flight ---- */

/* The pool: CARD_CVV_SLOTS slots of CARD_CVV_MAX + 1 bytes in locked, undumped memory, and
 * which are in use. */
static struct {
    pthread_once_t once;
    pthread_mutex_t lock;
    char (*slot)[CARD_CVV_MAX + 1];
    uint8_t used[CARD_CVV_SLOTS];
    uint32_t next; /* where the search for a free slot starts: O(1) while the pool is sparse */
} cvv = {.once = PTHREAD_ONCE_INIT, .lock = PTHREAD_MUTEX_INITIALIZER};

static void cvv_init(void)
{
    size_t map_len;

    cvv.slot = vault_page_new((size_t)CARD_CVV_SLOTS * (CARD_CVV_MAX + 1), &map_len);
    MDT_ASSERT(cvv.slot != NULL); /* a few pages at start; the process cannot take cards without */
}

int card_cvv_take(char *code, uint32_t *slot)
{
    size_t n = strnlen(code, CARD_CVV_MAX + 1);
    int rc = MDT_E(BUSY);

    if (n < 3 || n > CARD_CVV_MAX || strspn(code, "0123456789") != n) {
        vault_wipe(code, n);
        return MDT_E(INVAL);
    }
    pthread_once(&cvv.once, cvv_init);
    pthread_mutex_lock(&cvv.lock);
    for (uint32_t k = 0; k < CARD_CVV_SLOTS; k++) {
        uint32_t i = (cvv.next + k) % CARD_CVV_SLOTS;

        if (!cvv.used[i]) {
            cvv.used[i] = 1;
            memcpy(cvv.slot[i], code, n + 1);
            cvv.next = (i + 1) % CARD_CVV_SLOTS;
            *slot = i;
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&cvv.lock);
    vault_wipe(code, n);
    return rc;
}

const char *card_cvv_get(uint32_t slot)
{
    MDT_ASSERT(slot < CARD_CVV_SLOTS && cvv.used[slot]);
    return cvv.slot[slot];
}

void card_cvv_drop(uint32_t slot)
{
    MDT_ASSERT(slot < CARD_CVV_SLOTS);
    pthread_mutex_lock(&cvv.lock);
    MDT_ASSERT(cvv.used[slot]);
    vault_wipe(cvv.slot[slot], CARD_CVV_MAX + 1);
    cvv.used[slot] = 0;
    pthread_mutex_unlock(&cvv.lock);
}

int card_vault_emboss_append(struct card_vault *cv, const char *path, const struct card_emboss *e,
                             struct mdt_err *err)
{
    char pan[CARD_PAN_MAX + 1];
    char line[CARD_PAN_MAX + 256];
    struct stat sb;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    int rc, n;

    if (fd < 0) {
        return mdt_err_set(err, MDT_E(IO), "cannot open the emboss file '%s': %s", path,
                           strerror(errno));
    }
    if (fstat(fd, &sb) != 0 || (sb.st_mode & 077) != 0) {
        close(fd);
        return mdt_err_set(err, MDT_E(INVAL),
                           "the emboss file '%s' may be read by others: chmod 600 it first", path);
    }
    rc = card_vault_open_pan(cv, e->token, e->sealed, e->sealed_len, pan);
    if (e->activation != NULL) {
        n = snprintf(line, sizeof(line), "%s|%02u/%02u|%s|%s\n", rc == 0 ? pan : "", e->exp_month,
                     e->exp_year % 100u, e->holder, e->activation);
    } else {
        n = snprintf(line, sizeof(line), "%s|%02u/%02u|%s\n", rc == 0 ? pan : "", e->exp_month,
                     e->exp_year % 100u, e->holder);
    }
    if (rc == 0 &&
        (n < 0 || (size_t)n >= sizeof(line) || write(fd, line, (size_t)n) != n || fsync(fd) != 0)) {
        rc = MDT_E(IO);
    }
    vault_wipe(pan, sizeof(pan));
    vault_wipe(line, sizeof(line));
    close(fd);
    if (rc < 0) {
        return mdt_err_set(err, rc, "cannot write the emboss file '%s': %s", path,
                           mdt_strerror(rc));
    }
    return 0;
}
