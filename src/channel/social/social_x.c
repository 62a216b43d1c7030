/* SPDX-License-Identifier: Apache-2.0 */
/* X Account Activity webhooks read without I/O: tweet_create_events into posts (text from
 * extended_tweet, entities, reply mentions, created_at). The webhook's CRC answer and signature
 * are the vault's (vault_x_sign, vault_x_signature_ok): the consumer secret never comes here. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/error.h"
#include "channel/social/social_parse.h"
#include "channel/social/social_parse_int.h"

/* X's text: UTF-8 with &amp; &lt; &gt; escaped. */
static void x_text_copy(const char *s, size_t n, struct text_out *o)
{
    size_t i = 0;
    uint32_t cp;
    char b[4];

    while (i < n && !o->full) {
        size_t used = s[i] == '&' ? social_entity_read(s + i, n - i, true, &cp) : 0;

        if (used > 0) {
            social_out_put(o, b, social_utf8_encode(cp, b));
            i += used;
        } else {
            i += social_out_put_char(o, s + i, n - i);
        }
    }
}

/* X's created_at, "Wed Oct 10 20:19:24 +0000 2018" (strftime "%a %b %d %H:%M:%S %z %Y").
 * 0 when it is not exactly that. */
static int64_t x_time_parse(const char *t)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int y, mo = 0, d, h, mi, s, off;

    if (strlen(t) != 30 || t[3] != ' ' || t[7] != ' ' || t[10] != ' ' || t[13] != ':' ||
        t[16] != ':' || t[19] != ' ' || (t[20] != '+' && t[20] != '-') || t[25] != ' ') {
        return 0;
    }
    for (int k = 0; k < 12; k++) {
        if (memcmp(t + 4, months + 3 * k, 3) == 0) {
            mo = k + 1;
        }
    }
    d = social_digits_value(t + 8, 2);
    h = social_digits_value(t + 11, 2);
    mi = social_digits_value(t + 14, 2);
    s = social_digits_value(t + 17, 2);
    off = social_digits_value(t + 21, 4);
    y = social_digits_value(t + 26, 4);
    if (off < 0 || off % 100 > 59 || off / 100 > 23 || !social_date_valid(y, mo, d, h, mi, s)) {
        return 0;
    }
    off = (off / 100 * 3600 + off % 100 * 60) * (t[20] == '-' ? -1 : 1);
    return clock_utc_us(y, mo, d, h, mi, s) - (int64_t)off * 1000000;
}

/* ------------------------------------------------------------------------------------------ */
/* X Account Activity                                                                         */

/* The text of a tweet: extended_tweet.full_text when X sent it (tweets over 140 characters
 * arrive in compatibility mode, "text" cut with "truncated": true), else full_text, else
 * text. */
static int x_text_read(json_t *ev, const char *path, struct social_post *p, struct mdt_err *err)
{
    json_t *ext = json_object_get(ev, "extended_tweet");
    json_t *full = json_is_object(ext) ? json_object_get(ext, "full_text") : NULL;
    struct text_out o;
    const char *s;
    size_t n;

    if (json_is_string(full)) {
        s = json_string_value(full);
        n = json_string_length(full);
    } else {
        full = json_object_get(ev, "full_text");
        if (!json_is_string(full)) {
            full = json_object_get(ev, "text");
        }
        if (full == NULL || json_is_null(full)) {
            return social_field_err(err, path, "text", "missing");
        }
        if (!json_is_string(full)) {
            return social_field_err(err, path, "text", "not a string");
        }
        s = json_string_value(full);
        n = json_string_length(full);
        p->truncated = json_is_true(json_object_get(ev, "truncated"));
    }
    social_out_init(&o, p->text, sizeof(p->text));
    x_text_copy(s, n, &o);
    p->truncated = p->truncated || o.full;
    return 0;
}

/* Our screen name as the tweet's user_mentions give it (the mention whose id is for_user_id),
 * lower-cased into out; false when we are not among them. */
static bool x_our_name(json_t *tweet, const char *for_user_id, char out[SOCIAL_HANDLE_MAX])
{
    json_t *ents = json_object_get(tweet, "entities");
    json_t *ms = json_is_object(ents) ? json_object_get(ents, "user_mentions") : NULL;
    size_t i;
    json_t *m;

    json_array_foreach(ms, i, m)
    {
        json_t *id = json_object_get(m, "id_str");
        json_t *name = json_object_get(m, "screen_name");

        if (json_is_string(id) && json_is_string(name) &&
            strcmp(json_string_value(id), for_user_id) == 0 &&
            social_handle_ok(json_string_value(name))) {
            const char *n = json_string_value(name);
            size_t k;

            for (k = 0; n[k] != '\0' && k + 1 < SOCIAL_HANDLE_MAX; k++) {
                out[k] = (n[k] >= 'A' && n[k] <= 'Z') ? (char)(n[k] + 32) : n[k];
            }
            out[k] = '\0';
            return true;
        }
    }
    return false;
}

/* A reply's text starts with the mentions X fills in (the people in the thread), which
 * display_text_range leaves out: "@bob @mandat pay @carol 5" would read as a payment to
 * @mandat. Those leading mentions are cut, up to where the displayed text starts; if ours was
 * among them it is put back in front, as if typed, so that the post still begins with it. Only
 * whole mentions are cut: a range that does not fall after one leaves the text as it was. */
static void x_reply_mentions_cut(json_t *ev, const char *for_user_id, struct social_post *p)
{
    json_t *ext = json_object_get(ev, "extended_tweet");
    json_t *tweet = json_is_object(ext) ? ext : ev;
    json_t *range = json_object_get(tweet, "display_text_range");
    json_t *first = json_array_get(range, 0);
    char ours[SOCIAL_HANDLE_MAX], rest[SOCIAL_TEXT_MAX];
    bool ours_cut = false, have_ours;
    size_t start, at = 0, cut = 0;

    if (!json_is_integer(first) || json_integer_value(first) <= 0 ||
        json_integer_value(first) >= (json_int_t)SOCIAL_TEXT_MAX) {
        return;
    }
    start = (size_t)json_integer_value(first);
    have_ours = x_our_name(tweet, for_user_id, ours);
    /* The prefix is "@name @name ": ASCII, so its code points (X's indices) are its bytes. */
    while (at < start && p->text[at] == '@') {
        size_t b = ++at;

        while (social_is_handle_char(p->text[at])) {
            at++;
        }
        if (at == b || at > start) {
            return;
        }
        if (have_ours && at - b == strlen(ours) && strncasecmp(p->text + b, ours, at - b) == 0) {
            ours_cut = true;
        }
        while (p->text[at] == ' ') {
            at++;
        }
        cut = at;
    }
    if (cut == 0 || cut < start) {
        return;
    }
    snprintf(rest, sizeof(rest), "%s", p->text + cut);
    if (ours_cut && (rest[0] != '@' || strncasecmp(rest + 1, ours, strlen(ours)) != 0)) {
        int n = snprintf(p->text, sizeof(p->text), "@%s %s", ours, rest);

        p->truncated = p->truncated || n < 0 || (size_t)n >= sizeof(p->text);
    } else {
        memcpy(p->text, rest, strlen(rest) + 1);
    }
}

static int x_event_read(json_t *ev, size_t i, const char *for_user_id, struct social_post *p,
                        struct mdt_err *err)
{
    char path[SOCIAL_PATH_MAX];
    json_t *rt;
    const char *created;
    int rc;

    memset(p, 0, sizeof(*p));
    snprintf(path, sizeof(path), "tweet_create_events[%zu]", i);
    if (!json_is_object(ev)) {
        return mdt_err_set(err, MDT_E(INVAL), "%s: not an object", path);
    }
    rc = social_field_id(ev, path, "id_str", p->id, err);
    if (rc == 0) {
        rc = social_author_read(ev, path, "user", "id_str", "screen_name", p, err);
    }
    if (rc == 0) {
        rc = x_text_read(ev, path, p, err);
    }
    if (rc < 0) {
        return rc;
    }
    x_reply_mentions_cut(ev, for_user_id, p);
    {
        /* extended_tweet's entities cover the whole text; the top level's the cut one. */
        json_t *ext = json_object_get(ev, "extended_tweet");
        json_t *ents = json_object_get(ext, "entities");
        json_t *ms = json_object_get(ents, "user_mentions");
        size_t k;
        json_t *m;

        if (!json_is_array(ms)) {
            ms = json_object_get(json_object_get(ev, "entities"), "user_mentions");
        }

        json_array_foreach(ms, k, m)
        {
            social_mention_keep(p, json_object_get(m, "screen_name"), json_object_get(m, "id_str"));
        }
    }
    /* A date we cannot read is no reason to lose a payment: 0, as documented. */
    if (social_field_string(ev, path, "created_at", false, &created, NULL) == 0 &&
        created != NULL) {
        p->created_us = x_time_parse(created);
    }
    rt = json_object_get(ev, "retweeted_status");
    p->repost = rt != NULL && !json_is_null(rt);
    p->from_self = strcmp(p->author_id, for_user_id) == 0;
    return 0;
}

int social_x_parse_events(const char *body, size_t len, struct social_post *out, size_t max,
                          struct mdt_err *err)
{
    char for_user_id[SOCIAL_ID_MAX];
    json_t *root, *events;
    size_t n = 0;
    int rc = 0;

    MDT_ASSERT(out != NULL || max == 0);
    root = social_json_read(body, len, err);
    if (root == NULL) {
        return MDT_E(INVAL);
    }
    if (!json_is_object(root)) {
        rc = mdt_err_set(err, MDT_E(INVAL), "not a JSON object");
        goto out;
    }
    /* favorite_events, follow_events, direct_message_events ...: nothing to read here. */
    events = json_object_get(root, "tweet_create_events");
    if (events == NULL || json_is_null(events)) {
        goto out;
    }
    if (!json_is_array(events)) {
        rc = social_field_err(err, "", "tweet_create_events", "not an array");
        goto out;
    }
    n = json_array_size(events);
    if (n > max) {
        rc = mdt_err_set(err, MDT_E(INVAL), "more than %zu events", max);
        goto out;
    }
    rc = social_field_id(root, "", "for_user_id", for_user_id, err);
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = x_event_read(json_array_get(events, i), i, for_user_id, &out[i], err);
    }
out:
    json_decref(root);
    return rc < 0 ? rc : (int)n;
}
