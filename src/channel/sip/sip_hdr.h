/* SPDX-License-Identifier: Apache-2.0 */
/* The small SIP texts mandat reads itself rather than through libre: a Session-Expires or Min-SE
 * value (RFC 4028 §4, §5), our own digest nonce (a timestamp and a MAC, so that no state is kept
 * per nonce), a nonce count (RFC 2617 §3.2.2) and a line of the trunk's digest credentials
 * (htdigest's "user:realm:HA1"). No I/O, no libre; fuzzed (tests/fuzz/fuzz_sip_hdr.c). */
#ifndef MDT_CHANNEL_SIP_SIP_HDR_H
#define MDT_CHANNEL_SIP_SIP_HDR_H

#include <stddef.h>
#include <stdint.h>

/* Who refreshes a session (RFC 4028 §4 "refresher" parameter). */
enum sip_refresher {
    SIP_REFRESHER_NONE = 0, /* the parameter is absent: the UAS decides */
    SIP_REFRESHER_UAC = 1,
    SIP_REFRESHER_UAS = 2,
};

/* A session interval longer than this is refused as malformed: a day is far beyond any trunk's
 * (RFC 4028 recommends 1800 s) and keeps every sum below 2^32. */
#define SIP_SE_MAX_S 86400

/* Read a Session-Expires or Min-SE value of n bytes: delta-seconds, then ";param" items, blanks
 * around them allowed; refresher=uac|uas is read into *refresher (NULL: ignored, as for Min-SE),
 * other parameters are skipped. Returns 0, -MDT_EPARSE (no number, a number above SIP_SE_MAX_S or
 * of more than 10 digits, a refresher that is not uac or uas, a stray character). */
int sip_hdr_delta_parse(const char *p, size_t n, uint32_t *delta_s, enum sip_refresher *refresher);

/* Our digest nonce: 16 hex digits of the time it was made (ms), 8 of a sequence number (two
 * challenges in the same millisecond differ) and 32 of a MAC over them and the peer's address
 * (sip_auth.c makes the MAC). */
#define SIP_NONCE_MAC_LEN 16
#define SIP_NONCE_LEN (16 + 8 + 2 * SIP_NONCE_MAC_LEN)

/* Write the nonce of made_ms, seq and mac in out (SIP_NONCE_LEN + 1 bytes, NUL-terminated). */
void sip_nonce_format(uint64_t made_ms, uint32_t seq, const uint8_t mac[SIP_NONCE_MAC_LEN],
                      char out[SIP_NONCE_LEN + 1]);

/* Read a nonce of n bytes back. Returns 0 or -MDT_EPARSE (not SIP_NONCE_LEN lowercase hex
 * digits: a nonce we did not make). */
int sip_nonce_parse(const char *p, size_t n, uint64_t *made_ms, uint32_t *seq,
                    uint8_t mac[SIP_NONCE_MAC_LEN]);

/* Read a nonce count of n bytes: exactly 8 hex digits (RFC 2617 §3.2.2). Returns 0 or
 * -MDT_EPARSE. */
int sip_hdr_nc_parse(const char *p, size_t n, uint32_t *nc);

/* A user and realm at most this long (bytes, without the NUL). */
#define SIP_DIGEST_NAME_MAX 63
/* HA1 = MD5(user ":" realm ":" password), RFC 2617 §3.2.2.2. */
#define SIP_DIGEST_HA1_LEN 16

struct sip_digest_user {
    char user[SIP_DIGEST_NAME_MAX + 1];
    char realm[SIP_DIGEST_NAME_MAX + 1];
    uint8_t ha1[SIP_DIGEST_HA1_LEN];
};

/* Read one line of n bytes (no line end) of an htdigest file: "user:realm:" and 32 hex digits of
 * HA1. Returns 0 or -MDT_EPARSE (a missing field, an empty or too long user or realm, a HA1 that
 * is not 32 hex digits). out is wiped on error. */
int sip_digest_user_parse(const char *line, size_t n, struct sip_digest_user *out);

#endif
