/* SPDX-License-Identifier: Apache-2.0 */
/* Key file handling, keyed PIN hashes, constant-time verification and weak-code rules. */
#include "vault/vault.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/assert.h"
#include "vault/vault_int.h"

struct vault {
    uint8_t *key;        /* VAULT_KEY_LEN bytes in their own page, locked, not dumped */
    uint8_t *seal_key;   /* in the same page: the key of VAULT_SEAL_VERSION, derived from key */
    uint8_t *x_secret;   /* in the same page: VAULT_X_SECRET_MAX bytes, the X consumer secret */
    size_t x_secret_len; /* 0: none held */
    struct vault_hmac_key *mac; /* in the same page: key's HMAC states (vault_int.h) */
    size_t map_len;
};

/* Where things are in the key's page. The HMAC states come last, 8-aligned. */
#define PAGE_MAC_OFFSET (2 * VAULT_KEY_LEN + VAULT_X_SECRET_MAX)
_Static_assert(PAGE_MAC_OFFSET % _Alignof(struct vault_hmac_key) == 0, "HMAC states aligned");

/* The sealing key is HMAC(key, "seal-key:v" || version): never the key that hashes codes and
 * tokens, and each seal version has its own. */
static const uint8_t seal_label[] = {
    's', 'e', 'a', 'l', '-', 'k', 'e', 'y', ':', 'v', VAULT_SEAL_VERSION};

const uint8_t *vault_seal_key(const struct vault *v, uint8_t version)
{
    /* One version today; a rotation adds the new one and keeps the old ones to open. */
    return version == VAULT_SEAL_VERSION ? v->seal_key : NULL;
}

int vault_x_secret_set(struct vault *v, const char *consumer_secret)
{
    size_t n = consumer_secret != NULL ? strlen(consumer_secret) : 0;

    MDT_ASSERT(v != NULL);
    if (n >= VAULT_X_SECRET_MAX) {
        return MDT_E(INVAL);
    }
    vault_wipe(v->x_secret, VAULT_X_SECRET_MAX);
    memcpy(v->x_secret, n > 0 ? consumer_secret : "", n);
    v->x_secret_len = n;
    return 0;
}

bool vault_x_secret_held(const struct vault *v)
{
    return v != NULL && v->x_secret_len > 0;
}

const uint8_t *vault_x_key(const struct vault *v, size_t *len)
{
    *len = v != NULL ? v->x_secret_len : 0;
    return *len > 0 ? v->x_secret : NULL;
}

void vault_wipe(void *p, size_t n)
{
    OPENSSL_cleanse(p, n);
}

static int key_create(const char *path, struct mdt_err *err)
{
    uint8_t key[VAULT_KEY_LEN];
    int fd;
    int rc = 0;

    if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key)) {
        return mdt_err_set(err, MDT_E(IO), "cannot get random bytes for a new key");
    }
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = mdt_err_set(err, MDT_E(IO), "cannot create key file '%s': %s", path, strerror(errno));
        goto out;
    }
    if (write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) || fsync(fd) != 0) {
        rc = mdt_err_set(err, MDT_E(IO), "cannot write key file '%s': %s", path, strerror(errno));
        unlink(path);
    }
    close(fd);
out:
    vault_wipe(key, sizeof(key));
    return rc;
}

static int key_read(const char *path, uint8_t *key, struct mdt_err *err)
{
    struct stat st;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = 0;

    if (fd < 0) {
        return mdt_err_set(err, errno == ENOENT ? MDT_E(NOTFOUND) : MDT_E(IO),
                           "cannot open key file '%s': %s", path, strerror(errno));
    }
    if (fstat(fd, &st) != 0 || st.st_size != VAULT_KEY_LEN) {
        rc = mdt_err_set(err, MDT_E(CORRUPT), "key file '%s' must hold exactly %d bytes", path,
                         VAULT_KEY_LEN);
        goto out;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        rc = mdt_err_set(err, MDT_E(CORRUPT), "key file '%s' is readable by others: chmod 600 it",
                         path);
        goto out;
    }
    n = read(fd, key, VAULT_KEY_LEN);
    if (n != VAULT_KEY_LEN) {
        rc = mdt_err_set(err, MDT_E(IO), "cannot read key file '%s'", path);
    }
out:
    close(fd);
    return rc;
}

void *vault_page_new(size_t len, size_t *map_len)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t p = (size_t)(page > 0 ? page : 4096);
    void *m;

    *map_len = (len + p - 1) / p * p;
    m = mmap(NULL, *map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        return NULL;
    }
    (void)mlock(m, *map_len);
    (void)madvise(m, *map_len, MADV_DONTDUMP);
    return m;
}

void vault_page_free(void *p, size_t map_len)
{
    if (p != NULL) {
        vault_wipe(p, map_len);
        munlock(p, map_len);
        munmap(p, map_len);
    }
}

int vault_open(const char *key_path, bool create, struct vault **out, struct mdt_err *err)
{
    struct vault *v = calloc(1, sizeof(*v));
    int rc;

    if (v == NULL) {
        return mdt_err_set(err, MDT_E(NOMEM), "out of memory opening the vault");
    }
    v->key = vault_page_new(PAGE_MAC_OFFSET + sizeof(struct vault_hmac_key), &v->map_len);
    if (v->key == NULL) {
        free(v);
        return mdt_err_set(err, MDT_E(NOMEM), "cannot map memory for the key");
    }
    rc = key_read(key_path, v->key, err);
    if (rc == MDT_E(NOTFOUND) && create) {
        rc = key_create(key_path, err);
        if (rc == 0) {
            rc = key_read(key_path, v->key, err);
        }
    }
    if (rc < 0) {
        vault_close(v);
        return rc;
    }
    v->seal_key = v->key + VAULT_KEY_LEN;
    v->x_secret = v->seal_key + VAULT_KEY_LEN;
    v->mac = (struct vault_hmac_key *)(v->key + PAGE_MAC_OFFSET);
    vault_hmac_key_set(v->mac, v->key, VAULT_KEY_LEN);
    vault_mac(v, seal_label, sizeof(seal_label), v->seal_key);
    *out = v;
    return 0;
}

void vault_close(struct vault *v)
{
    if (v == NULL) {
        return;
    }
    vault_page_free(v->key, v->map_len);
    free(v);
}

static bool six_digits(const char *code)
{
    for (int i = 0; i < VAULT_PIN_LEN; i++) {
        if (code[i] < '0' || code[i] > '9') {
            return false;
        }
    }
    return code[VAULT_PIN_LEN] == '\0';
}

int vault_pin_hash(const struct vault *v, const char *subject, const char *code,
                   uint8_t out[VAULT_PIN_HASH_LEN])
{
    uint8_t msg[128];
    size_t slen = strlen(subject);

    if (!six_digits(code) || slen + 1 + VAULT_PIN_LEN > sizeof(msg)) {
        return MDT_E(INVAL);
    }
    memcpy(msg, subject, slen);
    msg[slen] = 0;
    memcpy(msg + slen + 1, code, VAULT_PIN_LEN);
    _Static_assert(VAULT_PIN_HASH_LEN == 32, "a code's hash is an HMAC-SHA256");
    vault_hmac(v->mac, msg, slen + 1 + VAULT_PIN_LEN, out);
    vault_wipe(msg, sizeof(msg));
    return 0;
}

bool vault_pin_verify(const struct vault *v, const char *subject, const char *code,
                      const uint8_t stored[VAULT_PIN_HASH_LEN])
{
    uint8_t h[VAULT_PIN_HASH_LEN];
    bool ok;

    if (vault_pin_hash(v, subject, code, h) < 0) {
        return false;
    }
    ok = CRYPTO_memcmp(h, stored, VAULT_PIN_HASH_LEN) == 0;
    vault_wipe(h, sizeof(h));
    return ok;
}

/* From the HMAC states kept in the key's page (vault_int.h), not OpenSSL's one-shot HMAC(),
 * which would key a context in OpenSSL's heap every call: the same bits, a tenth of the time. */
void vault_mac(const struct vault *v, const void *data, size_t len, uint8_t out[32])
{
    vault_hmac(v->mac, data, len, out);
}

static bool is_sequence(const char *c)
{
    int up = 1, down = 1;

    for (int i = 1; i < VAULT_PIN_LEN; i++) {
        int d = c[i] - c[i - 1];

        up &= d == 1 || (c[i - 1] == '9' && c[i] == '0');
        down &= d == -1 || (c[i - 1] == '0' && c[i] == '9');
    }
    return up || down;
}

/* 121212 (period 2) and 123123 (period 3). */
static bool is_repeated(const char *c)
{
    for (int period = 2; period <= 3; period++) {
        bool same = true;

        for (int i = period; i < VAULT_PIN_LEN; i++) {
            same &= c[i] == c[i - period];
        }
        if (same) {
            return true;
        }
    }
    return false;
}

static bool in_phone(const char *code, const char *phone)
{
    char digits[32];
    size_t n = 0;

    if (phone == NULL) {
        return false;
    }
    for (const char *p = phone; *p != '\0' && n + 1 < sizeof(digits); p++) {
        if (*p >= '0' && *p <= '9') {
            digits[n++] = *p;
        }
    }
    digits[n] = '\0';
    return n >= VAULT_PIN_LEN && strstr(digits, code) != NULL;
}

enum pin_weakness vault_pin_weakness(const char *code, const char *phone_digits)
{
    if (code == NULL || !six_digits(code)) {
        return PIN_NOT_SIX_DIGITS;
    }
    if (strspn(code, (char[]){code[0], '\0'}) == VAULT_PIN_LEN) {
        return PIN_ALL_SAME;
    }
    if (is_sequence(code)) {
        return PIN_SEQUENCE;
    }
    if (is_repeated(code)) {
        return PIN_REPEATED;
    }
    if (in_phone(code, phone_digits)) {
        return PIN_IN_PHONE;
    }
    return PIN_OK;
}

const char *vault_pin_weakness_text(enum pin_weakness w, bool fr)
{
    switch (w) {
    case PIN_OK:
        return fr ? "Code accepté." : "Code accepted.";
    case PIN_NOT_SIX_DIGITS:
        return fr ? "Le code doit faire 6 chiffres." : "The code must be 6 digits.";
    case PIN_ALL_SAME:
        return fr ? "Code trop simple (chiffres identiques) : choisissez-en un autre."
                  : "Code too easy (all the same digit): choose another.";
    case PIN_SEQUENCE:
        return fr ? "Code trop simple (suite de chiffres) : choisissez-en un autre."
                  : "Code too easy (a run of digits): choose another.";
    case PIN_REPEATED:
        return fr ? "Code trop simple (motif répété) : choisissez-en un autre."
                  : "Code too easy (a repeated pattern): choose another.";
    case PIN_IN_PHONE:
        return fr ? "Code tiré de votre numéro : choisissez-en un autre."
                  : "Code taken from your phone number: choose another.";
    }
    return "";
}
