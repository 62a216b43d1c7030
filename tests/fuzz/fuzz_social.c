/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the social channel's input. The first byte selects what the rest is:
 * 0 X events, 1 Mastodon notifications, 2 status HTML, 3 a Link header, 4 rate-limit headers,
 * 5 two ids, 6 and 7 X or Mastodon with room for (byte >> 3) posts. Every post read is also
 * given to command_parse, the post parser proper. Oracles: no crash or sanitizer report; counts
 * within max; errors with a message; strings terminated, texts well-formed UTF-8, authors
 * handles; a text cut shorter is the same text when it was not cut. Aborts on violation. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/money.h"
#include "channel/social/social_parse.h"
#include "dialog/command.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct social_post posts[SOCIAL_POSTS_MAX];

static const char *const urls[] = {"https://m.example/@mandat", "https://other.example/@bob",
                                   "https://m.example/@bob"};
static const char *const accts[] = {"mandat", "bob@other.example", "bob"};

static void require(bool ok)
{
    if (!ok) {
        abort();
    }
}

static bool terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

/* Well-formed UTF-8 (RFC 3629), checked independently of the parser's decoder. */
static bool utf8_ok(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;

    for (size_t i = 0; u[i] != '\0';) {
        size_t n = u[i] < 0x80    ? 1
                   : u[i] >= 0xf5 ? 0
                   : u[i] >= 0xf0 ? 4
                   : u[i] >= 0xe0 ? 3
                   : u[i] >= 0xc2 ? 2
                                  : 0;
        uint32_t cp = n == 1 ? u[i] : n == 2 ? u[i] & 0x1fu : n == 3 ? u[i] & 0x0fu : u[i] & 7u;

        if (n == 0) {
            return false;
        }
        for (size_t j = 1; j < n; j++) {
            if ((u[i + j] & 0xc0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (u[i + j] & 0x3fu);
        }
        if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (n == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
            return false;
        }
        i += n;
    }
    return true;
}

/* The handle rules of command_parse (after the '@'), lower-case. */
static bool handle_ok(const char *s)
{
    size_t n = strlen(s), ats = 0;

    if (n == 0 || n > COMMAND_HANDLE_MAX || s[0] == '@' || s[n - 1] == '@') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (c == '@') {
            ats++;
        } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                     c == '-')) {
            return false;
        }
    }
    return ats <= 1;
}

static void check_command(const char *text)
{
    struct command c;

    memset(&c, 0xa5, sizeof(c));
    require(command_parse(text, strlen(text), "FR", currency_find("EUR"), &c) == 0);
    require(c.type >= CMD_NONE && c.type < CMD_COUNT_ && c.hint >= HINT_NONE &&
            c.hint < HINT_COUNT_);
    require(terminated(c.payee_handle, sizeof(c.payee_handle)) &&
            terminated(c.note, sizeof(c.note)) && terminated(c.detail, sizeof(c.detail)));
    require(strlen(text) <= COMMAND_TEXT_MAX || c.hint == HINT_TOO_LONG);
}

static void check_post(const struct social_post *p, bool mastodon)
{
    require(terminated(p->id, sizeof(p->id)) && p->id[0] != '\0');
    require(terminated(p->notification_id, sizeof(p->notification_id)));
    require((p->notification_id[0] != '\0') == mastodon);
    require(terminated(p->author_id, sizeof(p->author_id)) && p->author_id[0] != '\0');
    require(terminated(p->author, sizeof(p->author)) && handle_ok(p->author));
    require(terminated(p->text, sizeof(p->text)) && utf8_ok(p->text));
    require(!mastodon || !p->from_self);
    require(mastodon || !p->direct);
    require(p->n_mentions <= SOCIAL_POST_MENTIONS);
    for (size_t i = 0; i < p->n_mentions; i++) {
        require(terminated(p->mentions[i].handle, sizeof(p->mentions[i].handle)) &&
                handle_ok(p->mentions[i].handle));
        require(terminated(p->mentions[i].id, sizeof(p->mentions[i].id)) &&
                p->mentions[i].id[0] != '\0');
    }
    check_command(p->text);
}

static void fuzz_posts(const char *body, size_t len, bool mastodon, size_t max)
{
    struct mdt_err err = {0};
    int rc;

    memset(posts, 0x5a, sizeof(posts));
    rc = mastodon ? social_mastodon_parse_notifications(body, len, posts, max, &err)
                  : social_x_parse_events(body, len, posts, max, &err);
    if (rc < 0) {
        require(rc == MDT_E(INVAL) && err.code == rc && err.msg[0] != '\0');
        require(terminated(err.msg, sizeof(err.msg)));
        return;
    }
    require((size_t)rc <= max && err.code == 0);
    for (int i = 0; i < rc; i++) {
        check_post(&posts[i], mastodon);
    }
}

static void fuzz_html(const char *html, size_t len, size_t small)
{
    static char full[SOCIAL_TEXT_MAX], cut[SOCIAL_TEXT_MAX];
    bool full_cut = true, cut_cut = true;
    size_t n = social_html_to_text(html, len, urls, accts, 3, full, sizeof(full), &full_cut);
    size_t m = social_html_to_text(html, len, urls, accts, 3, cut, small + 1, &cut_cut);

    require(n < sizeof(full) && strlen(full) == n && utf8_ok(full));
    require(m <= small && strlen(cut) == m && utf8_ok(cut));
    if (!cut_cut) {
        require(!full_cut && m == n && memcmp(cut, full, n) == 0);
    }
    check_command(full);
}

static void fuzz_link(const char *header, size_t small)
{
    static const char *const rels[] = {"next", "prev"};
    char out[512], tiny[64];

    for (size_t r = 0; r < 2; r++) {
        int rc = social_link_find(header, rels[r], out, sizeof(out));
        int rc_tiny = social_link_find(header, rels[r], tiny, small % sizeof(tiny) + 1);

        require(rc == 0 || rc == MDT_E(NOTFOUND) || rc == MDT_E(INVAL) || rc == MDT_E(RANGE));
        require(terminated(out, sizeof(out)) && (rc == 0) == (out[0] != '\0'));
        for (size_t i = 0; rc == 0 && out[i] != '\0'; i++) {
            require((unsigned char)out[i] > 0x20 && out[i] != '<' && out[i] != '>');
        }
        /* Less room changes nothing but a fit. */
        if (rc == 0) {
            require(rc_tiny == 0 ? strcmp(tiny, out) == 0
                                 : rc_tiny == MDT_E(RANGE) && strlen(out) > small % 64);
        } else {
            require(rc_tiny == rc);
        }
    }
}

/* The input split at its first NUL into two strings. */
static void fuzz_pair(const char *s, size_t len, bool ids)
{
    const char *b = memchr(s, '\0', len) != NULL ? s + strlen(s) + 1 : "";

    if (ids) {
        int ab = social_id_cmp(s, b), ba = social_id_cmp(b, s);

        require((ab > 0) == (ba < 0) && (ab == 0) == (ba == 0) && social_id_cmp(s, s) == 0);
        require(social_id_cmp(s, NULL) > 0);
    } else {
        int64_t w = social_rate_wait_us(s, b, 1795428900LL * 1000000);

        require(w >= -1 && w <= 15 * 60 * 1000000LL);
        require(social_rate_wait_us(s, NULL, 0) >= -1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned mode, small;
    char *body, *copy;
    size_t len;

    if (size == 0) {
        return 0;
    }
    mode = data[0] & 7u;
    small = data[0] >> 3;
    len = size - 1;
    /* body: exactly len bytes, so that any read past them is an ASan error; copy: the same
     * NUL-terminated, for the functions that take strings. */
    body = malloc(len > 0 ? len : 1);
    copy = malloc(len + 1);
    require(body != NULL && copy != NULL);
    memcpy(body, data + 1, len);
    memcpy(copy, data + 1, len);
    copy[len] = '\0';
    switch (mode) {
    case 0:
    case 6:
        fuzz_posts(body, len, false, mode == 0 ? SOCIAL_POSTS_MAX : small);
        break;
    case 1:
    case 7:
        fuzz_posts(body, len, true, mode == 1 ? SOCIAL_POSTS_MAX : small);
        break;
    case 2:
        fuzz_html(body, len, small * 4);
        break;
    case 3:
        fuzz_link(copy, small);
        break;
    default:
        fuzz_pair(copy, len, mode == 5);
        break;
    }
    free(body);
    free(copy);
    return 0;
}
