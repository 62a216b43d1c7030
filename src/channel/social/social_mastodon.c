/* SPDX-License-Identifier: Apache-2.0 */
/* Mastodon notification pages read without I/O: mention notifications into posts, their status
 * HTML turned into text with the status' mentions (social_html.c). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/assert.h"
#include "base/error.h"
#include "channel/social/social_parse.h"
#include "channel/social/social_parse_int.h"

/* status.mentions into (urls, accts), pointers into the JSON. Returns the count or an error. */
static int masto_mentions(json_t *status, const char *path, const char **urls, const char **accts,
                          struct social_post *p, struct mdt_err *err)
{
    json_t *list = json_object_get(status, "mentions");
    char mpath[SOCIAL_PATH_MAX + 24];
    size_t n;
    int rc = 0;

    if (list == NULL || json_is_null(list)) {
        return 0;
    }
    if (!json_is_array(list)) {
        return social_field_err(err, path, "mentions", "not an array");
    }
    n = json_array_size(list);
    if (n > SOCIAL_MENTIONS_MAX) {
        return social_field_err(err, path, "mentions", "more than %d", SOCIAL_MENTIONS_MAX);
    }
    for (size_t k = 0; k < n && rc == 0; k++) {
        json_t *m = json_array_get(list, k);

        snprintf(mpath, sizeof(mpath), "%s.mentions[%zu]", path, k);
        if (!json_is_object(m)) {
            return mdt_err_set(err, MDT_E(INVAL), "%s: not an object", mpath);
        }
        rc = social_field_string(m, mpath, "url", true, &urls[k], err);
        if (rc == 0) {
            rc = social_field_string(m, mpath, "acct", true, &accts[k], err);
        }
        if (rc == 0 && !social_handle_ok(accts[k])) {
            rc = social_field_err(err, mpath, "acct", "not a handle");
        }
        if (rc == 0) {
            social_mention_keep(p, json_object_get(m, "acct"), json_object_get(m, "id"));
        }
    }
    return rc < 0 ? rc : (int)n;
}

/* The status of a mention notification into p (its author is the notification's). */
static int masto_status(json_t *status, const char *path, struct social_post *p,
                        struct mdt_err *err)
{
    const char *urls[SOCIAL_MENTIONS_MAX], *accts[SOCIAL_MENTIONS_MAX];
    const char *content = NULL, *created = NULL, *visibility = NULL;
    json_t *reblog = json_object_get(status, "reblog");
    int n, rc = social_field_id(status, path, "id", p->id, err);

    if (rc == 0) {
        rc = social_field_string(status, path, "content", true, &content, err);
    }
    if (rc == 0) {
        rc = social_field_string(status, path, "visibility", false, &visibility, err);
    }
    n = rc == 0 ? masto_mentions(status, path, urls, accts, p, err) : rc;
    if (n < 0) {
        return n;
    }
    if (social_field_string(status, path, "created_at", false, &created, NULL) == 0 &&
        created != NULL) {
        p->created_us = social_iso_time_parse(created);
    }
    p->repost = reblog != NULL && !json_is_null(reblog);
    p->direct = visibility != NULL && strcmp(visibility, "direct") == 0;
    social_html_to_text(content, strlen(content), urls, accts, (size_t)n, p->text, sizeof(p->text),
                        &p->truncated);
    return 0;
}

/* Notification i: a post in out[*count] when it is a mention with a status. */
static int masto_read(json_t *nt, size_t i, struct social_post *out, size_t max, size_t *count,
                      struct mdt_err *err)
{
    char path[SOCIAL_PATH_MAX], spath[SOCIAL_PATH_MAX];
    const char *type;
    json_t *status;
    struct social_post *p;
    int rc;

    snprintf(path, sizeof(path), "[%zu]", i);
    snprintf(spath, sizeof(spath), "[%zu].status", i);
    if (!json_is_object(nt)) {
        return mdt_err_set(err, MDT_E(INVAL), "%s: not an object", path);
    }
    rc = social_field_string(nt, path, "type", true, &type, err);
    status = json_object_get(nt, "status");
    if (rc < 0 || strcmp(type, "mention") != 0 || status == NULL || json_is_null(status)) {
        return rc;
    }
    if (*count == max) {
        return mdt_err_set(err, MDT_E(INVAL), "more than %zu mentions", max);
    }
    p = &out[*count];
    memset(p, 0, sizeof(*p));
    rc = social_field_id(nt, path, "id", p->notification_id, err);
    if (rc == 0) {
        rc = social_author_read(nt, path, "account", "id", "acct", p, err);
    }
    if (rc == 0) {
        rc = social_field_object(nt, path, "status", &status, err);
    }
    if (rc == 0) {
        rc = masto_status(status, spath, p, err);
    }
    *count += rc == 0;
    return rc;
}

int social_mastodon_parse_notifications(const char *body, size_t len, struct social_post *out,
                                        size_t max, struct mdt_err *err)
{
    json_t *root;
    size_t count = 0;
    int rc = 0;

    MDT_ASSERT(out != NULL || max == 0);
    root = social_json_read(body, len, err);
    if (root == NULL) {
        return MDT_E(INVAL);
    }
    if (!json_is_array(root)) {
        rc = mdt_err_set(err, MDT_E(INVAL), "not a JSON array");
    }
    for (size_t i = 0; rc == 0 && i < json_array_size(root); i++) {
        rc = masto_read(json_array_get(root, i), i, out, max, &count, err);
    }
    json_decref(root);
    return rc < 0 ? rc : (int)count;
}
