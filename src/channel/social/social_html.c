/* SPDX-License-Identifier: Apache-2.0 */
/* Mastodon status HTML to plain text (social_html_to_text): paragraphs and line breaks, links
 * that are mentions written as "@acct", entities decoded, output always valid UTF-8. One pass,
 * linear in the input, no recursion. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/assert.h"
#include "channel/social/social_parse.h"
#include "channel/social/social_parse_int.h"

#define HREF_MAX 512 /* profile URLs are under 100 bytes */

/* The conversion's state. A link is either a mention already written (skip until </a>) or a
 * link whose text is kept (and, for class "mention", resolved at </a>). */
struct html {
    const char *s;
    size_t len;
    size_t i;
    const char *const *urls;
    const char *const *accts;
    size_t n_mentions;
    struct text_out o;
    int pending;       /* line ends owed before the next text: 0, 1 or 2 */
    bool skip;         /* inside a mention link already written: drop all until </a> */
    bool in_link;      /* inside an <a> whose text is kept */
    bool link_mention; /* that <a> has class "mention" and not "hashtag" */
    size_t link_start; /* where its text starts in o */
    char link_host[SOCIAL_HANDLE_MAX]; /* that <a>'s href host, lower-case; "" when none */
    bool no_tags;                      /* a tag was left unclosed: all from there on is text */
};

static bool is_html_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Line ends owed, then the text: none before the first text. White space at the start of a
 * line is dropped, as browsers do ("</p>\n<p>" is one paragraph break, not a space). */
static void html_put(struct html *h, const char *s, size_t n, bool space)
{
    if (space && (h->o.len == 0 || h->pending > 0 || h->o.buf[h->o.len - 1] == '\n')) {
        return;
    }
    if (h->pending > 0 && h->o.len > 0) {
        social_out_put(&h->o, "\n\n", (size_t)h->pending);
    }
    h->pending = 0;
    social_out_put(&h->o, s, n);
}

/* "@" + acct, whole or not at all. */
static void html_put_mention(struct html *h, const char *acct)
{
    size_t n = strlen(acct);

    if (h->pending > 0 && h->o.len > 0) {
        social_out_put(&h->o, "\n\n", (size_t)h->pending);
    }
    h->pending = 0;
    if (social_out_fits(&h->o, n + 1)) {
        social_out_put(&h->o, "@", 1);
        social_out_put(&h->o, acct, n);
    }
}

/* Text at h->i: an entity, white space, or one UTF-8 character. */
static void html_text(struct html *h)
{
    const char *s = h->s + h->i;
    size_t n = h->len - h->i, used = 0;
    uint32_t cp;
    char b[4];

    if (s[0] == '&') {
        used = social_entity_read(s, n, false, &cp);
    }
    if (used > 0) {
        html_put(h, b, social_utf8_encode(cp, b), false);
        h->i += used;
    } else if (is_html_space(s[0])) {
        html_put(h, " ", 1, true);
        h->i++;
    } else if (s[0] == '\0') {
        h->i++;
    } else {
        used = social_utf8_seq((const unsigned char *)s, n);
        html_put(h, used > 0 ? s : "\xef\xbf\xbd", used > 0 ? used : 3, false);
        h->i += used > 0 ? used : 1;
    }
}

/* Index of the '>' ending the tag opened before i, outside quoted attribute values; len when
 * there is none. */
static size_t tag_end(const char *s, size_t len, size_t i)
{
    char quote = 0;
    bool after_eq = false;

    for (; i < len; i++) {
        char c = s[i];

        if (quote != 0) {
            quote = c == quote ? 0 : quote;
        } else if (c == '>') {
            return i;
        } else if (after_eq && (c == '"' || c == '\'')) {
            quote = c;
            after_eq = false;
        } else if (c == '=') {
            after_eq = true;
        } else if (!is_html_space(c)) {
            after_eq = false;
        }
    }
    return len;
}

/* One attribute value span of the tag at s[0 .. n): name lower-case ASCII. */
struct attr {
    const char *v;
    size_t n;
    bool found;
};

/* Find href and class among the attributes at s[0 .. n) (after the tag name). */
static void tag_attrs(const char *s, size_t n, struct attr *href, struct attr *cls)
{
    size_t i = 0;

    while (i < n) {
        size_t name = i, name_n, v = 0, vn = 0;

        while (i < n && (is_html_space(s[i]) || s[i] == '/')) {
            i++;
        }
        for (name = i; i < n && !is_html_space(s[i]) && s[i] != '=' && s[i] != '/'; i++) {
        }
        name_n = i - name;
        while (i < n && is_html_space(s[i])) {
            i++;
        }
        if (i < n && s[i] == '=') {
            for (i++; i < n && is_html_space(s[i]); i++) {
            }
            if (i < n && (s[i] == '"' || s[i] == '\'')) {
                char q = s[i++];

                for (v = i; i < n && s[i] != q; i++) {
                }
                vn = i - v;
                i += i < n;
            } else {
                for (v = i; i < n && !is_html_space(s[i]); i++) {
                }
                vn = i - v;
            }
        }
        if (name_n == 4 && strncasecmp(s + name, "href", 4) == 0 && !href->found) {
            *href = (struct attr){s + v, vn, true};
        } else if (name_n == 5 && strncasecmp(s + name, "class", 5) == 0 && !cls->found) {
            *cls = (struct attr){s + v, vn, true};
        }
        if (name_n == 0 && i < n) {
            i++; /* a stray '=' or quote: step over it */
        }
    }
}

/* Whether the class list a holds word. */
static bool class_has(const struct attr *a, const char *word)
{
    size_t wn = strlen(word);

    for (size_t i = 0; i < a->n;) {
        size_t start;

        while (i < a->n && is_html_space(a->v[i])) {
            i++;
        }
        for (start = i; i < a->n && !is_html_space(a->v[i]); i++) {
        }
        if (i - start == wn && memcmp(a->v + start, word, wn) == 0) {
            return true;
        }
    }
    return false;
}

/* The acct a link's text "@bob" or "@bob@other.example" names among the mentions: exactly
 * one must match, by acct or by its user part. NULL when none or several do. */
static const char *mention_by_text(const struct html *h, const char *t, size_t n)
{
    const char *found = NULL;
    bool remote;
    size_t hits = 0;

    if (n < 2 || t[0] != '@' || n > SOCIAL_HANDLE_MAX) {
        return NULL;
    }
    t++;
    n--;
    remote = memchr(t, '@', n) != NULL;
    for (size_t k = 0; k < h->n_mentions; k++) {
        const char *a = h->accts[k];
        const char *at = strchr(a, '@');
        size_t an = remote || at == NULL ? strlen(a) : (size_t)(at - a);

        if (an == n && strncasecmp(a, t, n) == 0) {
            found = a;
            hits++;
        }
    }
    return hits == 1 ? found : NULL;
}

/* The host of an http(s) URL, lower-cased into out (cap bytes); "" when it has none that
 * could be a domain (letters, digits, '.', '-'). */
static void url_host(const char *url, char *out, size_t cap)
{
    const char *p = strstr(url, "://");
    size_t n = 0;

    out[0] = '\0';
    if (p == NULL ||
        (strncasecmp(url, "https://", 8) != 0 && strncasecmp(url, "http://", 7) != 0)) {
        return;
    }
    for (p += 3; *p != '\0' && *p != '/' && *p != ':' && *p != '?' && *p != '#'; p++) {
        char c = *p;

        if (!(social_is_alpha(c) || (c >= '0' && c <= '9') || c == '.' || c == '-') ||
            n + 1 >= cap) {
            out[0] = '\0';
            return;
        }
        out[n++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
        out[n] = '\0';
    }
}

/* A mention link none of the status' mentions names, written "@bob": left so, it would read as
 * the local @bob of the author's instance, who may be someone else. Its href's host says which
 * server the person is on ("@bob@other.example"), as Mastodon's acct would. */
static void mention_host_add(struct html *h)
{
    const char *t = h->o.buf + h->link_start;
    size_t n = h->o.len - h->link_start;
    size_t hn = strlen(h->link_host);

    if (n < 2 || t[0] != '@' || memchr(t + 1, '@', n - 1) != NULL || hn == 0 ||
        n + 1 + hn > SOCIAL_HANDLE_MAX) {
        return;
    }
    social_out_put(&h->o, "@", 1);
    social_out_put(&h->o, h->link_host, hn);
}

static void link_close(struct html *h)
{
    const char *acct;

    if (h->skip) {
        h->skip = false;
        return;
    }
    if (!h->in_link) {
        return;
    }
    h->in_link = false;
    if (!h->link_mention) {
        return;
    }
    acct = mention_by_text(h, h->o.buf + h->link_start, h->o.len - h->link_start);
    if (acct != NULL) {
        h->o.len = h->link_start;
        h->o.buf[h->o.len] = '\0';
        html_put_mention(h, acct);
    } else {
        mention_host_add(h);
    }
}

/* <a ...>: a mention by its href is written at once; other links keep their text. */
static void link_open(struct html *h, const char *attrs, size_t n)
{
    struct attr href = {0}, cls = {0};
    char url[HREF_MAX];
    struct text_out u;

    link_close(h);
    tag_attrs(attrs, n, &href, &cls);
    social_out_init(&u, url, sizeof(url));
    for (size_t i = 0; i < href.n && !u.full;) {
        uint32_t cp;
        char b[4];
        size_t used = href.v[i] == '&' ? social_entity_read(href.v + i, href.n - i, false, &cp) : 0;

        if (used > 0) {
            social_out_put(&u, b, social_utf8_encode(cp, b));
            i += used;
        } else {
            i += social_out_put_char(&u, href.v + i, href.n - i);
        }
    }
    for (size_t k = 0; href.found && !u.full && u.len > 0 && k < h->n_mentions; k++) {
        if (strcmp(url, h->urls[k]) == 0) {
            html_put_mention(h, h->accts[k]);
            h->skip = true;
            return;
        }
    }
    h->in_link = true;
    h->link_mention = cls.found && class_has(&cls, "mention") && !class_has(&cls, "hashtag");
    if (h->link_mention && href.found && !u.full) {
        url_host(url, h->link_host, sizeof(h->link_host));
    } else {
        h->link_host[0] = '\0';
    }
    if (h->pending > 0 && h->o.len > 0) {
        social_out_put(&h->o, "\n\n", (size_t)h->pending);
    }
    h->pending = 0;
    h->link_start = h->o.len;
}

/* What a tag does: line ends, links; all else is dropped. */
static void tag_apply(struct html *h, const char *name, bool closing, const char *attrs, size_t n)
{
    static const char *const blocks[] = {"p",  "div", "li", "ul", "ol", "blockquote", "pre",
                                         "h1", "h2",  "h3", "h4", "h5", "h6"};

    if (strcmp(name, "a") == 0) {
        if (closing) {
            link_close(h);
        } else {
            link_open(h, attrs, n);
        }
        return;
    }
    if (h->skip) {
        return;
    }
    if (strcmp(name, "br") == 0) {
        h->pending = h->pending < 2 ? h->pending + 1 : 2;
        return;
    }
    for (size_t k = 0; k < sizeof(blocks) / sizeof(blocks[0]); k++) {
        if (strcmp(name, blocks[k]) == 0) {
            h->pending = 2;
        }
    }
}

/* At h->i == '<': a tag, a comment or a declaration is read and applied; returns false when
 * the '<' is text. */
static bool html_tag(struct html *h)
{
    const char *s = h->s;
    size_t i = h->i + 1, end, name_n = 0;
    bool closing = false;
    char name[12];

    if (h->no_tags || i >= h->len) {
        return false;
    }
    if (s[i] == '!') {
        const char *close = NULL;

        if (h->len - i >= 3 && memcmp(s + i, "!--", 3) == 0) {
            close = memmem(s + i + 3, h->len - i - 3, "-->", 3);
            end = close != NULL ? (size_t)(close - s) + 2 : h->len;
        } else {
            end = tag_end(s, h->len, i);
        }
        h->no_tags = end >= h->len;
        h->i = h->no_tags ? h->i : end + 1;
        return !h->no_tags;
    }
    closing = s[i] == '/';
    i += closing;
    if (i >= h->len || !social_is_alpha(s[i])) {
        return false;
    }
    end = tag_end(s, h->len, i);
    if (end >= h->len) {
        h->no_tags = true;
        return false;
    }
    for (; i < end && (social_is_alpha(s[i]) || (s[i] >= '0' && s[i] <= '9')); i++, name_n++) {
        if (name_n < sizeof(name) - 1) {
            name[name_n] = (char)(s[i] | 0x20);
        }
    }
    name[name_n < sizeof(name) ? name_n : 0] = '\0';
    tag_apply(h, name, closing, s + i, end - i);
    h->i = end + 1;
    return true;
}

size_t social_html_to_text(const char *html, size_t len, const char *const *mention_urls,
                           const char *const *mention_accts, size_t n_mentions, char *out,
                           size_t cap, bool *truncated)
{
    struct html h = {.s = html,
                     .len = len,
                     .urls = mention_urls,
                     .accts = mention_accts,
                     .n_mentions = n_mentions};

    MDT_ASSERT((html != NULL || len == 0) && out != NULL && cap >= 1);
    MDT_ASSERT(n_mentions == 0 || (mention_urls != NULL && mention_accts != NULL));
    social_out_init(&h.o, out, cap);
    while (h.i < h.len && !h.o.full) {
        if (h.s[h.i] == '<' && html_tag(&h)) {
            continue;
        }
        if (h.skip) {
            h.i++;
        } else {
            html_text(&h);
        }
    }
    if (truncated != NULL) {
        *truncated = h.o.full;
    }
    return h.o.len;
}
