/* SPDX-License-Identifier: Apache-2.0 */
/* What the social parsers share (social_parse.c): bounded UTF-8 text output, HTML character
 * references, dates, and the checked JSON field readers. Not for use outside src/channel/social.
 * Everything here reads outside input: no assertion on it, no recursion. */
#ifndef MDT_CHANNEL_SOCIAL_SOCIAL_PARSE_INT_H
#define MDT_CHANNEL_SOCIAL_SOCIAL_PARSE_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "channel/social/social_parse.h"

#define SOCIAL_PATH_MAX 64 /* "tweet_create_events[63].user", "[79].status" */

/* Text written into a caller's buffer: every put is whole or not at all, and the first that
 * does not fit ends the output, so a cut is always at a character (or mention) boundary. */
struct text_out {
    char *buf;
    size_t cap; /* bytes of buf, NUL included; >= 1 */
    size_t len;
    bool full; /* something did not fit: nothing more is written */
};

/* Start an empty output into buf (cap >= 1 bytes, always NUL-terminated). */
void social_out_init(struct text_out *o, char *buf, size_t cap);

/* Whether n more bytes fit; when they do not, the output is full from now on. */
bool social_out_fits(struct text_out *o, size_t n);

/* Append s[0 .. n) whole, or nothing (and the output is full). */
bool social_out_put(struct text_out *o, const char *s, size_t n);

/* Copy the character at s[0 .. n) (n >= 1): NUL is dropped, ill-formed UTF-8 becomes U+FFFD
 * one byte at a time. Returns the bytes of s consumed. */
size_t social_out_put_char(struct text_out *o, const char *s, size_t n);

/* Length of the well-formed UTF-8 sequence at s[0 .. n), 0 when ill-formed (RFC 3629 §4). */
size_t social_utf8_seq(const unsigned char *s, size_t n);

/* The UTF-8 bytes of scalar value cp into b; returns their count (1 to 4). */
size_t social_utf8_encode(uint32_t cp, char b[4]);

/* The character reference at s[0] == '&' into *cp (HTML §13.5, the few Mastodon and X emit);
 * x_only: only &amp; &lt; &gt;, as X escapes. Returns the bytes read, 0 when there is none
 * (then the '&' is text). */
size_t social_entity_read(const char *s, size_t n, bool x_only, uint32_t *cp);

/* The value of s[0 .. n) when all are digits, else -1. n <= 9. */
int social_digits_value(const char *s, size_t n);

/* Whether the fields name a real UTC date and time from 1970 on (second 60 allowed). */
bool social_date_valid(int y, int mo, int d, int h, int mi, int s);

/* ISO 8601 as Mastodon writes it (RFC 3339 §5.6) in microseconds since the epoch; 0 when it
 * is not that. */
int64_t social_iso_time_parse(const char *t);

/* The body as JSON (NULL with err set; err is cleared first): bounded in size and depth, no
 * duplicate keys. The caller json_decref()s it. */
json_t *social_json_read(const char *body, size_t len, struct mdt_err *err);

/* Set err to "path.key: what" ("key: what" at the top). Returns -MDT_EINVAL. */
int social_field_err(struct mdt_err *err, const char *path, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* o[key] as a string in *s (owned by o); absent or null gives NULL unless required. */
int social_field_string(json_t *o, const char *path, const char *key, bool required, const char **s,
                        struct mdt_err *err);

/* o[key] as an object (owned by o); absent or null is an error. */
int social_field_object(json_t *o, const char *path, const char *key, json_t **v,
                        struct mdt_err *err);

/* Whether s is a platform id: 1 to SOCIAL_ID_MAX - 1 letters, digits, '-', '_', '.'. */
bool social_id_ok(const char *s);

/* o[key], a required platform id, copied into out. */
int social_field_id(json_t *o, const char *path, const char *key, char out[SOCIAL_ID_MAX],
                    struct mdt_err *err);

/* Whether c may stand in a handle (command.c handle_read): letters, digits, '_', '.', '-'. */
bool social_is_handle_char(char c);

/* Whether s is a handle as command_parse reads one after its '@'. */
bool social_handle_ok(const char *s);

/* o[key], a required handle, lower-cased into out. */
int social_field_handle(json_t *o, const char *path, const char *key, char out[SOCIAL_HANDLE_MAX],
                        struct mdt_err *err);

/* The author of a post: the object o[key] (X "user", Mastodon "account") with its id_key and
 * handle_key, into p->author_id and p->author. Errors name "path.key.<field>". */
int social_author_read(json_t *o, const char *path, const char *key, const char *id_key,
                       const char *handle_key, struct social_post *p, struct mdt_err *err);

/* Keep a mentioned account with its id, when both are well formed and there is room. */
void social_mention_keep(struct social_post *p, json_t *handle, json_t *id);

/* ASCII letter. */
static inline bool social_is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

#endif
