/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for channel/social parsing: Account Activity events, Mastodon notifications and
 * their HTML, Link headers, rate-limit waits, id order, and texts cut at a UTF-8 boundary. X's
 * CRC answers and signatures are the vault's (test_vault.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/money.h"
#include "channel/social/social_parse.h"
#include "dialog/command.h"

#define S_US 1000000LL

static struct social_post posts[SOCIAL_POSTS_MAX];

static int x_parse(const char *body, struct mdt_err *err)
{
    memset(posts, 0x5a, sizeof(posts));
    return social_x_parse_events(body, strlen(body), posts, SOCIAL_POSTS_MAX, err);
}

static int masto_parse(const char *body, struct mdt_err *err)
{
    memset(posts, 0x5a, sizeof(posts));
    return social_mastodon_parse_notifications(body, strlen(body), posts, SOCIAL_POSTS_MAX, err);
}

static size_t html(const char *h, char *out, size_t cap, bool *truncated)
{
    static const char *const urls[] = {"https://m.example/@mandat", "https://other.example/@bob",
                                       "https://m.example/@alice"};
    static const char *const accts[] = {"mandat", "bob@other.example", "alice"};

    return social_html_to_text(h, strlen(h), urls, accts, 3, out, cap, truncated);
}

/* ---- X: events ---- */

static const char x_body[] =
    "{\"for_user_id\":\"2244994945\",\"tweet_create_events\":["
    /* 0: a long tweet in compatibility mode: text cut, full_text in extended_tweet. */
    "{\"created_at\":\"Wed Oct 10 20:19:24 +0000 2018\",\"id\":1050118621198921728,"
    "\"id_str\":\"1050118621198921728\",\"text\":\"@Mandat #envoyer 20\\u20ac @bob pour les "
    "courses &amp; le\\u2026 https://t.co/x\",\"truncated\":true,"
    "\"extended_tweet\":{\"full_text\":\"@Mandat #envoyer 20\\u20ac @bob pour les courses "
    "&amp; le pain &lt;3\",\"display_text_range\":[0,55],\"entities\":{\"hashtags\":[]}},"
    "\"user\":{\"id\":6253282,\"id_str\":\"6253282\",\"name\":\"Alice\",\"screen_name\":"
    "\"Alice_B\"},\"entities\":{\"hashtags\":[{\"text\":\"envoyer\",\"indices\":[8,16]}],"
    "\"user_mentions\":[{\"screen_name\":\"Mandat\",\"id_str\":\"2244994945\"}]}},"
    /* 1: a retweet. */
    "{\"created_at\":\"Wed Oct 10 20:20:00 +0000 2018\",\"id_str\":\"1050118621198921729\","
    "\"text\":\"RT @Alice_B: @Mandat #envoyer 20\\u20ac @bob\",\"truncated\":false,"
    "\"retweeted_status\":{\"id_str\":\"1050118621198921728\"},"
    "\"user\":{\"id_str\":\"42\",\"screen_name\":\"carol\"}},"
    /* 2: the service's own reply, no date. */
    "{\"id_str\":\"1050118621198921730\",\"text\":\"@alice_b Merci !\",\"truncated\":false,"
    "\"user\":{\"id_str\":\"2244994945\",\"screen_name\":\"Mandat\"}}]}";

static void test_x_events(void **state)
{
    struct mdt_err err = {0};
    struct command c;

    (void)state;
    assert_int_equal(x_parse(x_body, &err), 3);
    assert_string_equal(posts[0].id, "1050118621198921728");
    assert_string_equal(posts[0].notification_id, "");
    assert_string_equal(posts[0].author_id, "6253282");
    assert_string_equal(posts[0].author, "alice_b");
    assert_int_equal(posts[0].created_us, 1539202764 * S_US);
    assert_string_equal(posts[0].text,
                        "@Mandat #envoyer 20\xe2\x82\xac @bob pour les courses & le pain <3");
    assert_false(posts[0].truncated);
    assert_false(posts[0].repost);
    assert_false(posts[0].from_self);
    assert_false(posts[0].direct);

    assert_true(posts[1].repost);
    assert_string_equal(posts[1].author, "carol");
    assert_int_equal(posts[1].created_us, (1539202764 + 36) * S_US);

    assert_true(posts[2].from_self);
    assert_int_equal(posts[2].created_us, 0);
    assert_string_equal(posts[2].text, "@alice_b Merci !");

    /* What the dialog will read. */
    assert_int_equal(
        command_parse(posts[0].text, strlen(posts[0].text), "FR", currency_find("EUR"), &c), 0);
    assert_int_equal(c.type, CMD_SEND);
    assert_int_equal(c.amount_minor, 2000);
    assert_string_equal(c.payee_handle, "bob");
    assert_int_equal(posts[0].n_mentions, 1);
    assert_string_equal(posts[0].mentions[0].handle, "mandat");
    assert_string_equal(posts[0].mentions[0].id, "2244994945");
}

static void test_x_cut_text_without_extended_tweet(void **state)
{
    struct mdt_err err = {0};

    (void)state;
    assert_int_equal(
        x_parse("{\"for_user_id\":\"1\",\"tweet_create_events\":[{\"id_str\":\"7\",\"text\":"
                "\"@m #don 5\\u2026\",\"truncated\":true,\"created_at\":\"Wed Oct 10 20:19:24 "
                "-0130 2018\",\"user\":{\"id_str\":\"2\",\"screen_name\":\"x\"}}]}",
                &err),
        1);
    assert_true(posts[0].truncated);
    assert_int_equal(posts[0].created_us, (1539202764 + 5400) * S_US);
}

/* One tweet event with for_user_id 99 (us, @Mandat): TEXT and RANGE as JSON. */
static int x_one(const char *text, const char *range, struct mdt_err *err)
{
    char body[1024];

    snprintf(body, sizeof(body),
             "{\"for_user_id\":\"99\",\"tweet_create_events\":[{\"id_str\":\"7\",\"text\":"
             "\"%s\",\"display_text_range\":%s,\"user\":{\"id_str\":\"2\",\"screen_name\":"
             "\"alice\"},\"entities\":{\"user_mentions\":[{\"screen_name\":\"bob\",\"id_str\":"
             "\"5\"},{\"screen_name\":\"Mandat\",\"id_str\":\"99\"}]}}]}",
             text, range);
    return x_parse(body, err);
}

static void test_x_reply_mentions(void **state)
{
    struct mdt_err err = {0};
    struct command c;

    (void)state;
    /* A reply to @bob that mentions us: X's prefix "@bob " is cut. */
    assert_int_equal(x_one("@bob @Mandat envoie 5\\u20ac \\u00e0 @carol", "[5,32]", &err), 1);
    assert_string_equal(posts[0].text, "@Mandat envoie 5\xe2\x82\xac \xc3\xa0 @carol");
    assert_int_equal(
        command_parse(posts[0].text, strlen(posts[0].text), "FR", currency_find("EUR"), &c), 0);
    assert_int_equal(c.type, CMD_SEND);
    assert_string_equal(c.payee_handle, "carol");
    /* A reply in our thread: both mentions are the prefix; ours comes back in front. */
    assert_int_equal(x_one("@bob @mandat pay @carol 5 EUR", "[13,29]", &err), 1);
    assert_string_equal(posts[0].text, "@mandat pay @carol 5 EUR");
    assert_int_equal(
        command_parse(posts[0].text, strlen(posts[0].text), "FR", currency_find("EUR"), &c), 0);
    assert_string_equal(c.payee_handle, "carol");
    /* Not a reply: nothing cut. */
    assert_int_equal(x_one("@mandat solde", "[0,13]", &err), 1);
    assert_string_equal(posts[0].text, "@mandat solde");
    /* A range inside a word, or past a non-mention, changes nothing. */
    assert_int_equal(x_one("@bob @mandat solde", "[3,18]", &err), 1);
    assert_string_equal(posts[0].text, "@bob @mandat solde");
    assert_int_equal(x_one("hi @mandat solde", "[3,16]", &err), 1);
    assert_string_equal(posts[0].text, "hi @mandat solde");
    assert_int_equal(x_one("@bob @mandat solde", "[\"x\",18]", &err), 1);
    assert_string_equal(posts[0].text, "@bob @mandat solde");
}

static void test_x_other_events_give_nothing(void **state)
{
    struct mdt_err err = {0};

    (void)state;
    assert_int_equal(x_parse("{\"for_user_id\":\"2244994945\",\"favorite_events\":[{\"id\":\"a\","
                             "\"favorited_status\":{\"id_str\":\"1\"}}]}",
                             &err),
                     0);
    assert_int_equal(x_parse("{\"for_user_id\":\"2244994945\",\"direct_message_events\":[{"
                             "\"type\":\"message_create\"}]}",
                             &err),
                     0);
    assert_int_equal(x_parse("{\"for_user_id\":\"1\",\"tweet_create_events\":[]}", &err), 0);
    assert_int_equal(err.code, 0);
}

static void expect_x_error(const char *body, const char *msg)
{
    struct mdt_err err = {0};

    assert_int_equal(x_parse(body, &err), MDT_E(INVAL));
    assert_int_equal(err.code, MDT_E(INVAL));
    assert_string_equal(err.msg, msg);
}

/* Where the JSON is broken is ours to say; what jansson calls it varies with its version. */
static void expect_not_json(int rc, const struct mdt_err *err, const char *prefix)
{
    assert_int_equal(rc, MDT_E(INVAL));
    assert_int_equal(err->code, MDT_E(INVAL));
    assert_true(strncmp(err->msg, prefix, strlen(prefix)) == 0);
    assert_true(strlen(err->msg) > strlen(prefix));
}

static void test_x_errors_say_where(void **state)
{
    struct mdt_err err = {0};
    static char big[4096];
    size_t n;

    (void)state;
    expect_x_error("{\"for_user_id\":\"1\",\"tweet_create_events\":[{\"id_str\":\"7\",\"text\":"
                   "\"a\",\"user\":{\"id_str\":\"2\",\"screen_name\":\"x\"}},{\"id_str\":\"8\","
                   "\"text\":\"a\",\"user\":{\"id_str\":\"2\"}}]}",
                   "tweet_create_events[1].user.screen_name: missing");
    expect_x_error("{\"for_user_id\":\"1\",\"tweet_create_events\":[{\"text\":\"a\"}]}",
                   "tweet_create_events[0].id_str: missing");
    expect_x_error("{\"for_user_id\":\"1\",\"tweet_create_events\":[{\"id_str\":7}]}",
                   "tweet_create_events[0].id_str: not a string");
    expect_x_error(
        "{\"for_user_id\":\"1\",\"tweet_create_events\":[{\"id_str\":\"7 8\"}]}",
        "tweet_create_events[0].id_str: not an id (1 to 64 letters, digits, '-', '_' or '.')");
    expect_x_error("{\"for_user_id\":\"1\",\"tweet_create_events\":[{\"id_str\":\"7\",\"user\":{"
                   "\"id_str\":\"2\",\"screen_name\":\"x\"}}]}",
                   "tweet_create_events[0].text: missing");
    expect_x_error("{\"for_user_id\":\"1\",\"tweet_create_events\":[{\"id_str\":\"7\",\"text\":"
                   "\"a\",\"user\":{\"id_str\":\"2\",\"screen_name\":\"a b\"}}]}",
                   "tweet_create_events[0].user.screen_name: not a handle (1 to 63 letters, "
                   "digits, '_', '.', '-', one '@' inside)");
    expect_x_error("{\"for_user_id\":\"1\",\"tweet_create_events\":[{\"id_str\":\"7\",\"text\":"
                   "\"a\",\"user\":[]}]}",
                   "tweet_create_events[0].user: not an object");
    expect_x_error("{\"tweet_create_events\":[{}]}", "for_user_id: missing");
    expect_x_error("{\"for_user_id\":\"1\",\"tweet_create_events\":{}}",
                   "tweet_create_events: not an array");
    expect_x_error("{\"for_user_id\":\"1\",\"tweet_create_events\":[3]}",
                   "tweet_create_events[0]: not an object");
    expect_x_error("[]", "not a JSON object");
    expect_not_json(x_parse("{\"a\":1,\"a\":2}", &err), &err, "not JSON: line 1 column 10: ");
    expect_not_json(x_parse("{\"for", &err), &err, "not JSON: line 1 column 5: ");
    /* More events than the caller has room for. */
    n = (size_t)snprintf(big, sizeof(big), "{\"for_user_id\":\"1\",\"tweet_create_events\":[");
    for (int i = 0; i <= SOCIAL_POSTS_MAX; i++) {
        n += (size_t)snprintf(big + n, sizeof(big) - n, "%s{}", i > 0 ? "," : "");
    }
    snprintf(big + n, sizeof(big) - n, "]}");
    expect_x_error(big, "more than 64 events");
    assert_int_equal(social_x_parse_events(x_body, strlen(x_body), posts, 2, &err), MDT_E(INVAL));
    assert_string_equal(err.msg, "more than 2 events");
    /* Nesting is bounded before jansson sees it. */
    memset(big, '[', 40);
    big[40] = '\0';
    expect_x_error(big, "JSON nested deeper than 32 levels");
}

/* ---- Mastodon ---- */

#define ACCOUNT(id, user, acct)                                                                    \
    "{\"id\":\"" id "\",\"username\":\"" user "\",\"acct\":\"" acct "\",\"display_name\":\"\","    \
    "\"url\":\"https://x/@" user "\",\"emojis\":[],\"fields\":[]}"

static const char masto_body[] =
    "["
    /* 0: a local mention of the service and of a remote user, a hashtag, entities. */
    "{\"id\":\"34975861\",\"type\":\"mention\",\"created_at\":\"2019-12-08T03:48:33.901Z\","
    "\"account\":" ACCOUNT(
        "14715", "Alice",
        "Alice") ",\"status\":{\"id\":\"103270115826048975\","
                 "\"created_at\":\"2019-12-08T03:48:33.901Z\",\"in_reply_to_id\":null,"
                 "\"sensitive\":false,"
                 "\"spoiler_text\":\"\",\"visibility\":\"public\",\"language\":\"fr\",\"uri\":"
                 "\"https://"
                 "m.example/users/Alice/statuses/"
                 "103270115826048975\",\"reblog\":null,\"content\":\""
                 "<p><span class=\\\"h-card\\\" translate=\\\"no\\\"><a "
                 "href=\\\"https://m.example/@mandat\\\" "
                 "class=\\\"u-url mention\\\">@<span>mandat</span></a></span> <a "
                 "href=\\\"https://m.example/"
                 "tags/envoyer\\\" class=\\\"mention hashtag\\\" "
                 "rel=\\\"tag\\\">#<span>envoyer</span></a> "
                 "20\xe2\x82\xac <span class=\\\"h-card\\\" translate=\\\"no\\\"><a "
                 "href=\\\"https://"
                 "other.example/@bob\\\" class=\\\"u-url mention\\\">@<span>bob</span></a></span> "
                 "courses &amp; pain &lt;3</p>\",\"account\":" ACCOUNT(
                     "14715", "Alice",
                     "Alice") ","
                              "\"media_attachments\":[],\"mentions\":[{\"id\":\"1\",\"username\":"
                              "\"mandat\",\"url\":"
                              "\"https://m.example/"
                              "@mandat\",\"acct\":\"mandat\"},{\"id\":\"2\",\"username\":\"bob\","
                              "\"url\":\"https://other.example/"
                              "@bob\",\"acct\":\"bob@other.example\"}],\"tags\":[{"
                              "\"name\":\"envoyer\",\"url\":\"https://m.example/tags/"
                              "envoyer\"}],\"emojis\":[],"
                              "\"card\":null,\"poll\":null}},"
                              /* 1, 2: not mentions. */
                              "{\"id\":\"34975860\",\"type\":\"favourite\",\"created_at\":\"2019-"
                              "12-08T03:48:00.000Z\","
                              "\"account\":" ACCOUNT(
                                  "9", "dan",
                                  "dan@far.example") ",\"status\":{\"id\":\"1\","
                                                     "\"content\":\"<p>x</p>\",\"mentions\":[]}},"
                                                     "{\"id\":\"34975859\",\"type\":\"follow\","
                                                     "\"created_at\":\"2019-12-08T03:47:00.000Z\","
                                                     "\"account\":" ACCOUNT(
                                                         "9", "dan",
                                                         "dan@far.example") "},"
                                                                            /* 3: a remote author,
                                                                             * direct, paragraphs
                                                                             * and <br>, numeric
                                                                             * entities, and a
                                                                             * mention of the
                                                                             * service whose href is
                                                                             * the actor URI its
                                                                             * server linked
                                                                             * (resolved by its
                                                                             * text). */
                                                                            "{\"id\":\"34975858\","
                                                                            "\"type\":\"mention\","
                                                                            "\"created_at\":\"2019-"
                                                                            "12-08T03:46:00+01:"
                                                                            "00\","
                                                                            "\"account\":" ACCOUNT(
                                                                                "77", "Carol",
                                                                                "Carol@Other."
                                                                                "Example") ",\"stat"
                                                                                           "us\":{"
                                                                                           "\"id\":"
                                                                                           "\"10327"
                                                                                           "0115826"
                                                                                           "048970"
                                                                                           "\","
                                                                                           "\"creat"
                                                                                           "ed_"
                                                                                           "at\":"
                                                                                           "\"2019-"
                                                                                           "12-"
                                                                                           "08T04:"
                                                                                           "46:00."
                                                                                           "5+01:"
                                                                                           "00\","
                                                                                           "\"visib"
                                                                                           "ility\""
                                                                                           ":"
                                                                                           "\"direc"
                                                                                           "t\","
                                                                                           "\"reblo"
                                                                                           "g\":"
                                                                                           "null,"
                                                                                           "\"conte"
                                                                                           "nt\":"
                                                                                           "\"<p><"
                                                                                           "a "
                                                                                           "href="
                                                                                           "\\\"htt"
                                                                                           "ps://"
                                                                                           "m."
                                                                                           "example"
                                                                                           "/users/"
                                                                                           "mandat"
                                                                                           "\\\" "
                                                                                           "class="
                                                                                           "\\\"u-"
                                                                                           "url "
                                                                                           "mention"
                                                                                           "\\\">@"
                                                                                           "mandat<"
                                                                                           "/a> "
                                                                                           "#don 5 "
                                                                                           "<a "
                                                                                           "href="
                                                                                           "\\\"htt"
                                                                                           "ps://"
                                                                                           "m."
                                                                                           "example"
                                                                                           "/tags/"
                                                                                           "ACF\\\""
                                                                                           " "
                                                                                           "class="
                                                                                           "\\\"men"
                                                                                           "tion "
                                                                                           "hashtag"
                                                                                           "\\\" "
                                                                                           "rel="
                                                                                           "\\\"tag"
                                                                                           "\\\">#<"
                                                                                           "span>"
                                                                                           "ACF</"
                                                                                           "span></"
                                                                                           "a></"
                                                                                           "p><p>l&"
                                                                                           "#39;an "
                                                                                           "prochai"
                                                                                           "n<br "
                                                                                           "/>"
                                                                                           "aussi "
                                                                                           "&#x27;&"
                                                                                           "quot;&"
                                                                                           "nbsp;!<"
                                                                                           "/p>\","
                                                                                           "\"menti"
                                                                                           "ons\":["
                                                                                           "{\"id\""
                                                                                           ":\"1\","
                                                                                           "\"usern"
                                                                                           "ame\":"
                                                                                           "\"manda"
                                                                                           "t\","
                                                                                           "\"url\""
                                                                                           ":\"http"
                                                                                           "s://"
                                                                                           "m."
                                                                                           "example"
                                                                                           "/@"
                                                                                           "mandat"
                                                                                           "\","
                                                                                           "\"acct"
                                                                                           "\":"
                                                                                           "\"manda"
                                                                                           "t@m."
                                                                                           "example"
                                                                                           "\"}]}},"
                                                                                           /* 4: a
                                                                                              mention
                                                                                              whose
                                                                                              status
                                                                                              is a
                                                                                              reblog.
                                                                                            */
                                                                                           "{\"id\""
                                                                                           ":\"3497"
                                                                                           "5857\","
                                                                                           "\"type"
                                                                                           "\":"
                                                                                           "\"menti"
                                                                                           "on\","
                                                                                           "\"accou"
                                                                                           "nt\""
                                                                                           ":" ACCOUNT(
                                                                                               "5",
                                                                                               "ev"
                                                                                               "e",
                                                                                               "ev"
                                                                                               "e") ","
                                                                                                    "\"status\":{\"id\":\"9\",\"content\":\"\",\"reblog\":{\"id\":\"8\",\"content\":\"<p>@mandat "
                                                                                                    "#don 1</p>\"},\"mentions\":[]}},"
                                                                                                    /* 5: a mention with no status (deleted): nothing. */
                                                                                                    "{\"id\":\"34975856\",\"type\":\"mention\",\"account\":" ACCOUNT(
                                                                                                        "5",
                                                                                                        "eve",
                                                                                                        "eve") ","
                                                                                                               "\"status\":null}"
                                                                                                               "]";

static void test_mastodon_notifications(void **state)
{
    struct mdt_err err = {0};
    struct command c;

    (void)state;
    assert_int_equal(masto_parse(masto_body, &err), 3);
    assert_string_equal(posts[0].notification_id, "34975861");
    assert_string_equal(posts[0].id, "103270115826048975");
    assert_string_equal(posts[0].author_id, "14715");
    assert_string_equal(posts[0].author, "alice");
    assert_int_equal(posts[0].created_us, 1575776913 * S_US + 901000);
    assert_string_equal(posts[0].text,
                        "@mandat #envoyer 20\xe2\x82\xac @bob@other.example courses & pain <3");
    assert_false(posts[0].truncated || posts[0].repost || posts[0].from_self || posts[0].direct);
    assert_int_equal(
        command_parse(posts[0].text, strlen(posts[0].text), "FR", currency_find("EUR"), &c), 0);
    assert_int_equal(c.type, CMD_SEND);
    assert_int_equal(c.amount_minor, 2000);
    assert_string_equal(c.payee_handle, "bob@other.example");
    /* The mentions with their ids, for finding the payee by id. */
    assert_int_equal(posts[0].n_mentions, 2);
    assert_string_equal(posts[0].mentions[0].handle, "mandat");
    assert_string_equal(posts[0].mentions[0].id, "1");
    assert_string_equal(posts[0].mentions[1].handle, "bob@other.example");

    assert_string_equal(posts[1].notification_id, "34975858");
    assert_string_equal(posts[1].author, "carol@other.example");
    assert_true(posts[1].direct);
    assert_int_equal(posts[1].created_us, (1575776913 - 153) * S_US + 500000);
    assert_string_equal(posts[1].text,
                        "@mandat@m.example #don 5 #ACF\n\nl'an prochain\naussi '\"\xc2\xa0!");
    assert_int_equal(
        command_parse(posts[1].text, strlen(posts[1].text), "FR", currency_find("EUR"), &c), 0);
    assert_int_equal(c.type, CMD_DONATE);
    assert_string_equal(c.keyword, "ACF");

    assert_string_equal(posts[2].notification_id, "34975857");
    assert_true(posts[2].repost);
    assert_int_equal(posts[2].created_us, 0);
    assert_string_equal(posts[2].text, "");

    /* Room for two mentions only: an error, never a silent cut. */
    assert_int_equal(
        social_mastodon_parse_notifications(masto_body, strlen(masto_body), posts, 2, &err),
        MDT_E(INVAL));
    assert_string_equal(err.msg, "more than 2 mentions");
}

static void expect_masto_error(const char *body, const char *msg)
{
    struct mdt_err err = {0};

    assert_int_equal(masto_parse(body, &err), MDT_E(INVAL));
    assert_int_equal(err.code, MDT_E(INVAL));
    assert_string_equal(err.msg, msg);
}

static void test_mastodon_errors_say_where(void **state)
{
    struct mdt_err err = {0};

    (void)state;
    expect_masto_error("{}", "not a JSON array");
    expect_masto_error("[1]", "[0]: not an object");
    expect_masto_error("[{\"id\":\"1\"}]", "[0].type: missing");
    expect_masto_error(
        "[{\"type\":\"follow\"},{\"id\":\"2\",\"type\":\"mention\",\"account\":" ACCOUNT(
            "5", "eve", "eve") ",\"status\":{\"content\":\"\"}}]",
        "[1].status.id: missing");
    expect_masto_error("[{\"id\":\"2\",\"type\":\"mention\",\"status\":{\"id\":\"3\"}}]",
                       "[0].account: missing");
    expect_masto_error("[{\"id\":\"2\",\"type\":\"mention\",\"account\":{\"id\":\"5\"},"
                       "\"status\":{\"id\":\"3\"}}]",
                       "[0].account.acct: missing");
    expect_masto_error("[{\"id\":\"2\",\"type\":\"mention\",\"account\":" ACCOUNT(
                           "5", "eve", "eve") ",\"status\":{\"id\":\"3\"}}]",
                       "[0].status.content: missing");
    expect_masto_error("[{\"id\":\"2\",\"type\":\"mention\",\"account\":" ACCOUNT(
                           "5", "eve", "eve") ",\"status\":{\"id\":\"3\",\"content\":\"\","
                                              "\"mentions\":[{\"url\":\"u\"}]}}]",
                       "[0].status.mentions[0].acct: missing");
    expect_masto_error("[{\"id\":\"2\",\"type\":\"mention\",\"account\":" ACCOUNT(
                           "5", "eve", "eve") ",\"status\":[]}]",
                       "[0].status: not an object");
    expect_not_json(masto_parse("[", &err), &err, "not JSON: line 1 column 1: ");
}

/* ---- HTML ---- */

static void test_html_to_text(void **state)
{
    char out[256];
    bool cut = true;

    (void)state;
    /* Mentions by href (whatever their text), hashtags keep their text. */
    assert_int_equal(html("<p><a href=\"https://other.example/@bob\" class=\"u-url mention\">@"
                          "<span>bob</span></a> <a href=\"https://m.example/tags/ACF\" "
                          "class=\"mention hashtag\">#<span>ACF</span></a></p>",
                          out, sizeof(out), &cut),
                     strlen("@bob@other.example #ACF"));
    assert_string_equal(out, "@bob@other.example #ACF");
    assert_false(cut);
    /* Paragraphs, <br> in all spellings, white space between blocks, no leading or trailing
     * line ends. */
    html("\n<p>a</p>\n<p>b<br>c<BR/>d<br /><br><br>e</p><p></p>", out, sizeof(out), NULL);
    assert_string_equal(out, "a\n\nb\nc\nd\n\ne");
    /* Entities. */
    html("&amp;&lt;&gt;&quot;&apos;&nbsp;&#39;&#x27;&#X41;&#233;&#x1F600;", out, sizeof(out), NULL);
    assert_string_equal(out, "&<>\"'\xc2\xa0''A\xc3\xa9\xf0\x9f\x98\x80");
    /* Not entities: kept as text. */
    html("&copy; &#0; &#xD800; &#x110000; &#12345678; &amp &#; a&b", out, sizeof(out), NULL);
    assert_string_equal(out, "&copy; &#0; &#xD800; &#x110000; &#12345678; &amp &#; a&b");
    /* Entities in href are decoded before comparing. */
    html("<a href=\"https://m.example/&#64;alice\">@x</a>!", out, sizeof(out), NULL);
    assert_string_equal(out, "@alice!");
    html("<a href='https://m.example/@alice' class=mention>@someone</a>!", out, sizeof(out), NULL);
    assert_string_equal(out, "@alice!");
}

static void test_html_mentions_by_text(void **state)
{
    static const char *const urls[] = {"https://a.example/@bob", "https://b.example/@bob",
                                       "https://m.example/@carol"};
    static const char *const accts[] = {"bob@a.example", "bob@b.example", "carol"};
    static const struct {
        const char *html, *text;
    } cases[] = {
        /* An actor URI its server linked: resolved by the text, by acct or unique user part. */
        {"<a href=\"https://m.example/users/carol\" class=\"u-url mention\">@<span>Carol</span>"
         "</a>",
         "@carol"},
        {"<a class=\"mention\" href=\"x\">@bob@b.example</a>", "@bob@b.example"},
        {"<a class=\"mention\" href=\"x\">@BOB@A.example</a>", "@bob@a.example"},
        /* Two bobs: "@bob" stays as written, and so does a link that is not a mention. */
        {"<a class=\"mention\" href=\"x\">@bob</a>", "@bob"},
        {"<a class=\"mention hashtag\" href=\"x\">@Carol</a>", "@Carol"},
        {"<a href=\"x\">@Carol</a>", "@Carol"},
        {"<a class=\"mention\" href=\"x\">@nobody</a>", "@nobody"},
        /* Unresolved, with a server in the href: that server's user, never a local one. */
        {"<a class=\"mention\" href=\"https://B.example/users/bob\">@bob</a>", "@bob@b.example"},
        {"<a class=\"u-url mention\" href=\"https://z.example:8443/@nobody\">@<span>nobody</span>"
         "</a> hi",
         "@nobody@z.example hi"},
        {"<a class=\"mention\" href=\"https://z.example/@x\">@a@b.example</a>", "@a@b.example"},
        {"<a class=\"mention\" href=\"ftp://z.example/bob\">@bob</a>", "@bob"},
        {"<a class=\"mention\" href=\"https://z_bad.example/bob\">@bob</a>", "@bob"},
    };
    char out[128];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        social_html_to_text(cases[i].html, strlen(cases[i].html), urls, accts, 3, out, sizeof(out),
                            NULL);
        assert_string_equal(out, cases[i].text);
    }
}

static void test_html_malformed(void **state)
{
    char out[128];
    const char bytes[] = "a\0b\xff\xc3(<p>";

    (void)state;
    /* Unknown tags and comments dropped; a '<' that opens nothing is text. */
    html("<marquee>x</marquee><!-- c --><!DOCTYPE html>1 < 2 <3 <>", out, sizeof(out), NULL);
    assert_string_equal(out, "x1 < 2 <3 <>");
    /* An unclosed tag: its '<' and everything after are text. */
    html("a<b>c<a href=\"x", out, sizeof(out), NULL);
    assert_string_equal(out, "ac<a href=\"x");
    html("a<!-- b <p>c", out, sizeof(out), NULL);
    assert_string_equal(out, "a<!-- b <p>c");
    /* '>' inside a quoted value does not end the tag. */
    html("<a title=\"x>y\" href=\"https://m.example/@alice\">z</a>.", out, sizeof(out), NULL);
    assert_string_equal(out, "@alice.");
    /* A mention link never closed: the rest is its content, dropped. */
    html("<a href=\"https://m.example/@alice\">z <p>y", out, sizeof(out), NULL);
    assert_string_equal(out, "@alice");
    /* NUL dropped, bad UTF-8 replaced, tabs as spaces. */
    social_html_to_text(bytes, sizeof(bytes) - 1, NULL, NULL, 0, out, sizeof(out), NULL);
    assert_string_equal(out, "ab\xef\xbf\xbd\xef\xbf\xbd(");
    html("a\tb\r\nc", out, sizeof(out), NULL);
    assert_string_equal(out, "a b  c");
}

static void test_truncation_at_utf8_boundary(void **state)
{
    char out[8];
    bool cut = false;
    static char big[4 * SOCIAL_TEXT_MAX];
    char body[sizeof(big) + 256];
    struct mdt_err err = {0};
    size_t n = 0;

    (void)state;
    /* 8 bytes hold 7 and the NUL: "ab" and two 2-byte "é", not half of the third. */
    assert_int_equal(html("ab\xc3\xa9\xc3\xa9\xc3\xa9", out, sizeof(out), &cut), 6);
    assert_string_equal(out, "ab\xc3\xa9\xc3\xa9");
    assert_true(cut);
    /* A mention is whole or absent. */
    assert_int_equal(
        html("ab <a href=\"https://other.example/@bob\">x</a>", out, sizeof(out), &cut), 3);
    assert_string_equal(out, "ab ");
    assert_true(cut);
    assert_int_equal(html("abcdefg", out, sizeof(out), &cut), 7);
    assert_false(cut);
    assert_int_equal(html("abcdefgh", out, sizeof(out), &cut), 7);
    assert_true(cut);
    /* An X text longer than SOCIAL_TEXT_MAX in 3-byte characters is cut between two. */
    for (int i = 0; i < SOCIAL_TEXT_MAX; i++) {
        memcpy(big + n, "\xe2\x82\xac", 3);
        n += 3;
    }
    big[n] = '\0';
    snprintf(body, sizeof(body),
             "{\"for_user_id\":\"1\",\"tweet_create_events\":[{\"id_str\":\"7\",\"text\":\"%s\","
             "\"user\":{\"id_str\":\"2\",\"screen_name\":\"x\"}}]}",
             big);
    assert_int_equal(x_parse(body, &err), 1);
    assert_true(posts[0].truncated);
    assert_int_equal(strlen(posts[0].text), (SOCIAL_TEXT_MAX - 1) / 3 * 3);
}

/* ---- Link, rate limits, ids ---- */

static void test_link_header(void **state)
{
    static const char h[] = "<https://m.example/api/v1/notifications?max_id=7&types[]=mention>; "
                            "rel=\"next\", <https://m.example/api/v1/notifications?min_id=9&types"
                            "[]=mention>; rel=\"prev\"";
    char out[128];

    (void)state;
    assert_int_equal(social_link_find(h, "next", out, sizeof(out)), 0);
    assert_string_equal(out, "https://m.example/api/v1/notifications?max_id=7&types[]=mention");
    assert_int_equal(social_link_find(h, "prev", out, sizeof(out)), 0);
    assert_string_equal(out, "https://m.example/api/v1/notifications?min_id=9&types[]=mention");
    assert_int_equal(social_link_find(h, "last", out, sizeof(out)), MDT_E(NOTFOUND));
    assert_int_equal(social_link_find(NULL, "next", out, sizeof(out)), MDT_E(NOTFOUND));
    assert_int_equal(social_link_find("", "next", out, sizeof(out)), MDT_E(NOTFOUND));
    /* Token values, relation lists, case, other parameters, commas inside the URL. */
    assert_int_equal(social_link_find("<a,b>;title=\"x;y, z\" ; REL=next", "next", out, 8), 0);
    assert_string_equal(out, "a,b");
    assert_int_equal(social_link_find("<u>; rel=\"prev next\"", "next", out, 8), 0);
    assert_int_equal(social_link_find("<u>; rel=\"nextpage\"", "next", out, 8), MDT_E(NOTFOUND));
    /* Only the first rel of a link counts (RFC 8288 §3.3). */
    assert_int_equal(social_link_find("<u>; rel=prev; rel=next", "next", out, 8), MDT_E(NOTFOUND));
    /* Malformed anywhere. */
    assert_int_equal(social_link_find("https://x; rel=next", "next", out, 8), MDT_E(INVAL));
    assert_int_equal(social_link_find("<u; rel=next", "next", out, 8), MDT_E(INVAL));
    assert_int_equal(social_link_find("<u>; rel=\"next", "next", out, 8), MDT_E(INVAL));
    assert_int_equal(social_link_find("<u>; rel=next <v>", "next", out, 8), MDT_E(INVAL));
    assert_int_equal(social_link_find("<u>; rel=next, junk", "next", out, 8), MDT_E(INVAL));
    assert_int_equal(social_link_find("<>; rel=next", "next", out, 8), MDT_E(INVAL));
    assert_int_equal(social_link_find("<u>;", "next", out, 8), MDT_E(INVAL));
    /* Too long for out. */
    assert_int_equal(social_link_find(h, "next", out, 20), MDT_E(RANGE));
    assert_string_equal(out, "");
}

static void test_rate_wait(void **state)
{
    int64_t now = 1795428900 * S_US - 90 * S_US; /* 90 s before 2026-11-23T10:15:00Z */

    (void)state;
    /* Mastodon's ISO 8601 reset, X's Unix seconds, Retry-After preferred. */
    assert_int_equal(social_rate_wait_us("2026-11-23T10:15:00.000Z", NULL, now), 90 * S_US);
    assert_int_equal(social_rate_wait_us("2026-11-23T10:15:00.250Z", NULL, now),
                     90 * S_US + 250000);
    assert_int_equal(social_rate_wait_us("2026-11-23T11:15:00+01:00", NULL, now), 90 * S_US);
    assert_int_equal(social_rate_wait_us("1795428900", NULL, now), 90 * S_US);
    assert_int_equal(social_rate_wait_us("1795428900", "30", now), 30 * S_US);
    assert_int_equal(social_rate_wait_us(NULL, "0", now), 0);
    /* Past resets are 0; far ones are capped at 15 minutes. */
    assert_int_equal(social_rate_wait_us("2026-11-23T10:00:00Z", NULL, now), 0);
    assert_int_equal(social_rate_wait_us("1", NULL, now), 0);
    assert_int_equal(social_rate_wait_us("2027-01-01T00:00:00Z", NULL, now), 900 * S_US);
    assert_int_equal(social_rate_wait_us("99999999999999999999999", NULL, now), 900 * S_US);
    assert_int_equal(social_rate_wait_us(NULL, "3600", now), 900 * S_US);
    assert_int_equal(social_rate_wait_us(NULL, "99999999999999999999999", now), 900 * S_US);
    /* Unusable. */
    assert_int_equal(social_rate_wait_us(NULL, NULL, now), -1);
    assert_int_equal(social_rate_wait_us("soon", "-5", now), -1);
    assert_int_equal(social_rate_wait_us("2026-13-23T10:15:00Z", "", now), -1);
    assert_int_equal(social_rate_wait_us("2026-02-29T10:15:00Z", NULL, now), -1);
    assert_int_equal(social_rate_wait_us("2026-11-23T10:15:00", NULL, now), -1);
    assert_int_equal(social_rate_wait_us(NULL, "Wed, 21 Oct 2015 07:28:00 GMT", now), -1);
}

static void test_id_cmp(void **state)
{
    (void)state;
    /* 20 digits: past INT64_MAX (9223372036854775807) and past UINT64_MAX. */
    assert_true(social_id_cmp("18446744073709551616", "18446744073709551615") > 0);
    assert_true(social_id_cmp("9223372036854775808", "18446744073709551615") < 0);
    assert_true(social_id_cmp("99999999999999999999", "100000000000000000000") < 0);
    assert_int_equal(social_id_cmp("00042", "42"), 0);
    assert_int_equal(social_id_cmp("0", "000"), 0);
    assert_true(social_id_cmp("1050118621198921728", "1050118621198921729") < 0);
    assert_true(social_id_cmp("110", "99") > 0);
    /* Not numbers: byte order (ULIDs sort so). */
    assert_true(social_id_cmp("01HZX3", "01HZX4") < 0);
    assert_true(social_id_cmp("abc", "99") > 0);
    assert_true(social_id_cmp("", "1") < 0);
    assert_true(social_id_cmp(NULL, "1") < 0);
    assert_true(social_id_cmp("1", NULL) > 0);
    assert_int_equal(social_id_cmp(NULL, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_x_events),
        cmocka_unit_test(test_x_cut_text_without_extended_tweet),
        cmocka_unit_test(test_x_reply_mentions),
        cmocka_unit_test(test_x_other_events_give_nothing),
        cmocka_unit_test(test_x_errors_say_where),
        cmocka_unit_test(test_mastodon_notifications),
        cmocka_unit_test(test_mastodon_errors_say_where),
        cmocka_unit_test(test_html_to_text),
        cmocka_unit_test(test_html_mentions_by_text),
        cmocka_unit_test(test_html_malformed),
        cmocka_unit_test(test_truncation_at_utf8_boundary),
        cmocka_unit_test(test_link_header),
        cmocka_unit_test(test_rate_wait),
        cmocka_unit_test(test_id_cmp),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
