/* SPDX-License-Identifier: Apache-2.0 */
/* The pure rules of the social channel: X Account Activity events (social_x.c) and Mastodon
 * notifications (social_mastodon.c, social_html.c) read into posts whose text goes to
 * command_parse, plus Link headers, rate-limit waits and id order (social_paging.c). No I/O, no
 * clock, no money, no key: the X webhook's CRC answer and signature check are the vault's
 * (vault_x_sign, vault_x_signature_ok). Fuzzed (tests/fuzz/fuzz_social.c). */
#ifndef MDT_CHANNEL_SOCIAL_SOCIAL_PARSE_H
#define MDT_CHANNEL_SOCIAL_SOCIAL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/limits.h"

/* Mentions of one post kept with their platform ids, for finding payees by id: a payment names
 * one person, and posts with more mentions than this are not payments people write. */
#define SOCIAL_POST_MENTIONS 16

struct mdt_err;

/* An account a post mentions: its handle as the post's text reads it, and its platform id. */
struct social_mention {
    char handle[SOCIAL_HANDLE_MAX]; /* lower-case, no '@': "bob", "bob@other.example" */
    char id[SOCIAL_ID_MAX];
};

/* One post that mentions or was sent by the service account. Every string is NUL-terminated. */
struct social_post {
    char id[SOCIAL_ID_MAX];              /* the post (status / tweet) id */
    char notification_id[SOCIAL_ID_MAX]; /* Mastodon notification id; "" for X */
    char author_id[SOCIAL_ID_MAX];       /* the author's platform user id */
    char author[SOCIAL_HANDLE_MAX];      /* lower-case ASCII, no '@': X screen_name; Mastodon acct
                                          * ("alice" local, "bob@other.example" remote). Follows
                                          * command_parse's handle rules: letters, digits, '_', '.',
                                          * '-', at most one inner '@' */
    int64_t created_us;         /* microseconds since the epoch; 0 when absent/unparseable */
    char text[SOCIAL_TEXT_MAX]; /* plain UTF-8 text, entities decoded, no NUL inside */
    bool truncated;             /* text is not the whole post: cut here at SOCIAL_TEXT_MAX,
                                 * or X sent a cut "text" without extended_tweet */
    bool repost;    /* X retweet (retweeted_status present) or Mastodon reblog: callers ignore it */
    bool from_self; /* X: user.id_str == for_user_id (the service's own tweets); Mastodon: false */
    bool direct;    /* Mastodon visibility "direct": seen only by those mentioned; X: false */
    /* The first SOCIAL_POST_MENTIONS accounts mentioned (X entities.user_mentions, Mastodon
     * status.mentions) whose handle and id are well formed; others are left out. */
    struct social_mention mentions[SOCIAL_POST_MENTIONS];
    size_t n_mentions;
};

/* Parse an Account Activity POST body (len bytes, not necessarily NUL-terminated):
 * {"for_user_id":"..","tweet_create_events":[{"id_str", "created_at" ("Wed Oct 10 20:19:24
 * +0000 2018"), "text", "extended_tweet":{"full_text"} (preferred when present), "truncated",
 * "user":{"id_str","screen_name"}, "retweeted_status"?, ...}]} into out[0 .. max).
 * Bodies without tweet_create_events (favorite_events, direct_message_events, ...) give 0 posts,
 * not an error. X's HTML entities in text (&amp; &lt; &gt;) are decoded.
 * Returns the number of posts (<= max), or -MDT_EINVAL with err (when not NULL) saying what is
 * wrong first: "tweet_create_events[2].user.screen_name: missing", "not JSON: line 1 column 5:
 * ...", "more than 64 events" (max events). out is caller-owned; nothing is allocated that
 * outlives the call. Thread-safe. */
int social_x_parse_events(const char *body, size_t len, struct social_post *out, size_t max,
                          struct mdt_err *err);

/* Parse a Mastodon GET /api/v1/notifications response (len bytes): a JSON array of
 * Notification entities {id, type, created_at, account{id, username, acct}, status{id,
 * created_at, content (HTML), visibility, reblog, mentions[{id, username, url, acct}]}}.
 * Only type "mention" with a status gives a post (author from the notification's account);
 * others are skipped. The text is social_html_to_text of the content with the status'
 * mentions. Returns the number of posts (<= max), or -MDT_EINVAL with err as above
 * ("[3].status.mentions[0].acct: missing"). More than max mention notifications is an error
 * ("more than 40 mentions"), never a silent cut, so that min_id bookkeeping never skips a
 * post. Any malformed notification fails the whole page: see the Link header to step past it.
 * out is caller-owned. Thread-safe. */
int social_mastodon_parse_notifications(const char *body, size_t len, struct social_post *out,
                                        size_t max, struct mdt_err *err);

/* Mastodon status HTML to plain text, into out (cap >= 1 bytes, always NUL-terminated).
 * mention_urls[i] and mention_accts[i] are the status' mentions (n_mentions pairs, NULL when 0).
 *   - <br> is a line end; p, div, li, ul, ol, blockquote, pre, h1-h6 separate paragraphs with
 *     a blank line ("\n\n"); no line ends are written before the first or after the last text.
 *   - An <a> whose href (entities decoded) equals mention_urls[i] becomes "@" + mention_accts[i]
 *     and its content is dropped: "@bob" of a remote user reads "@bob@other.example". An <a>
 *     of class "mention" whose href matches none (remote servers link actor URIs) is resolved
 *     by its text: "@bob@other.example" by acct, "@bob" when exactly one mention's acct has the
 *     user part "bob"; otherwise "@bob" gets its href's host ("@bob@other.example", so that it
 *     never reads as a local user), and any other text stays. Other links keep their text.
 *   - Other tags are dropped. Entities decoded: &amp; &lt; &gt; &quot; &apos; &nbsp; (U+00A0)
 *     and numeric &#39; &#x27; for any scalar value but NUL; anything else is kept as text.
 *   - A '<' not followed by a letter, '/' or '!' is text. A tag with no closing '>' (outside
 *     quoted attribute values) is not a tag: its '<' and all that follows are text.
 *   - Tabs, CR and LF are HTML white space: one space each. NUL is dropped; bytes that are not
 *     UTF-8 become U+FFFD, so the output is always valid UTF-8.
 * Output stops at the first character or mention that does not fit (never cut inside one):
 * *truncated (when not NULL) is then true. Returns the length written. Never fails; linear in
 * len (plus the mentions compared per link). Thread-safe. */
size_t social_html_to_text(const char *html, size_t len, const char *const *mention_urls,
                           const char *const *mention_accts, size_t n_mentions, char *out,
                           size_t cap, bool *truncated);

/* From a Link header (RFC 8288 §3, as Mastodon sends it: <https://m.example/api/v1/
 * notifications?max_id=7>; rel="next", <...?min_id=9>; rel="prev"), copy the URL of the link
 * whose rel (a space-separated list, compared case-insensitively) holds rel into out (cap
 * bytes). The URL is copied as sent: callers must check that it names the server they asked
 * before sending it a token. Returns 0, -MDT_ENOTFOUND (no such link, or header NULL),
 * -MDT_EINVAL (malformed anywhere in the header), -MDT_ERANGE (URL does not fit; out is then "").
 * Thread-safe. */
int social_link_find(const char *header, const char *rel, char *out, size_t cap);

/* How long to wait after a 429 (or a spent quota), in microseconds from now_us: from
 * Retry-After (seconds; preferred, as the server's explicit answer) or the rate-limit reset
 * (X x-rate-limit-reset: Unix seconds; Mastodon X-RateLimit-Reset: ISO 8601
 * "2026-11-23T10:15:00.000Z"). Either may be NULL. Returns the wait, >= 0 (a reset already past
 * is 0) and capped at 15 minutes (X's rate window), or -1 when no header is usable. */
int64_t social_rate_wait_us(const char *ratelimit_reset, const char *retry_after, int64_t now_us);

/* Order of two platform ids for since_id / min_id bookkeeping: <0, 0, >0. Decimal ids compare
 * numerically at any length (leading zeros ignored); when either is not all digits, they
 * compare as byte strings (ULIDs sort that way). NULL is less than anything else. */
int social_id_cmp(const char *a, const char *b);

#endif
