/* SPDX-License-Identifier: Apache-2.0 */
/* Prompts (prompts.h): espeak-ng synthesis at 22050 Hz, resampling to 8 kHz, G.711 in both laws,
 * and a cache bounded in entries and bytes with least-recently-used eviction of unpinned
 * prompts. The cache is a small array searched linearly: O(entries), at most 256 string
 * compares behind a hash compare, once per prompt started, never per packet. */
#include "channel/sip/prompts.h"

#include <espeak-ng/speak_lib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "channel/sip/resample.h"

/* espeak-ng's output rate; checked against what espeak_Initialize reports. */
#define ESPEAK_RATE_HZ 22050
/* Capture bound: PROMPTS_SECONDS_MAX at espeak's rate. */
#define CAPTURE_MAX ((size_t)ESPEAK_RATE_HZ * PROMPTS_SECONDS_MAX)
/* The low-pass corner before decimation to 8 kHz (resample.h). */
#define CUTOFF_HZ 3600
#define RATE_WPM_DEFAULT 150

/* The voice of each language: adding a language is a row here (and its words in speak.c). */
static const char *const voices[] = {
    [LANG_FR] = "fr",
    [LANG_EN] = "en",
};
#define VOICES (sizeof(voices) / sizeof(voices[0]))
_Static_assert(VOICES == LANG_EN + 1, "a voice per enum lang");

struct prompt_entry {
    enum lang lang;
    uint32_t hash;
    char *text;
    uint8_t *pcma; /* len bytes each, one allocation: pcmu = pcma + len */
    uint8_t *pcmu;
    size_t len;
    unsigned pins;
    uint64_t used; /* tick of the last prompts_get: the least recent is evicted first */
};

struct prompts {
    pthread_t owner;
    struct resampler rs;
    int16_t *capture; /* CAPTURE_MAX samples from espeak's callback */
    size_t captured;
    bool capture_over;
    int16_t *pcm8; /* the capture at 8 kHz */
    struct prompt_entry *entries;
    size_t n;
    size_t entries_max;
    size_t bytes_max;
    size_t bytes;
    uint64_t tick;
    int voice; /* the language of the voice set in espeak-ng, -1 for none */
    struct prompts_stats stats;
};

/* One struct prompts per process: espeak-ng's state is global. */
static atomic_flag espeak_taken = ATOMIC_FLAG_INIT;

static void owner_check(const struct prompts *p)
{
    MDT_ASSERT(pthread_equal(pthread_self(), p->owner));
}

/* espeak-ng's synchronous callback: appends the samples of a chunk, or stops synthesis (return
 * 1) when the capture is full. wav is NULL at the end of the text. */
static int capture_cb(short *wav, int numsamples, espeak_EVENT *events)
{
    struct prompts *p = events != NULL ? events->user_data : NULL;

    if (p == NULL || wav == NULL || numsamples <= 0) {
        return 0;
    }
    if ((size_t)numsamples > CAPTURE_MAX - p->captured) {
        p->capture_over = true;
        return 1;
    }
    memcpy(p->capture + p->captured, wav, sizeof(int16_t) * (size_t)numsamples);
    p->captured += (size_t)numsamples;
    return 0;
}

/* espeak-ng is started once per process and never stopped: in 1.51, espeak_Terminate after a
 * second espeak_Initialize waits forever on its own worker thread. Its memory goes with the
 * process. Guarded by espeak_taken, so only one thread ever gets here at a time. */
static bool espeak_started;

static int espeak_start(const struct prompts_config *cfg, struct mdt_err *err)
{
    int rate;

    if (!espeak_started) {
        rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, cfg->data_path,
                                 espeakINITIALIZE_DONT_EXIT);
        if (rate != ESPEAK_RATE_HZ) {
            return mdt_err_set(err, MDT_E(NOTFOUND),
                               "espeak-ng did not start (rate %d, data path '%s')", rate,
                               cfg->data_path != NULL ? cfg->data_path : "default");
        }
        espeak_started = true;
    }
    espeak_SetSynthCallback(capture_cb);
    for (size_t i = 0; i < VOICES; i++) {
        if (espeak_SetVoiceByName(voices[i]) != EE_OK) {
            return mdt_err_set(err, MDT_E(NOTFOUND), "espeak-ng has no voice '%s'", voices[i]);
        }
    }
    espeak_SetParameter(espeakRATE, cfg->rate_wpm != 0 ? (int)cfg->rate_wpm : RATE_WPM_DEFAULT, 0);
    return 0;
}

int prompts_new(const struct prompts_config *cfg, struct prompts **out, struct mdt_err *err)
{
    static const struct prompts_config none = {0};
    struct prompts *p = NULL;
    int rc;

    if (out == NULL) {
        return mdt_err_set(err, MDT_E(INVAL), "no place for the prompts");
    }
    *out = NULL;
    cfg = cfg != NULL ? cfg : &none;
    if (atomic_flag_test_and_set(&espeak_taken)) {
        return mdt_err_set(err, MDT_E(BUSY), "espeak-ng is already in use in this process");
    }
    p = calloc(1, sizeof(*p));
    if (p == NULL) {
        rc = mdt_err_set(err, MDT_E(NOMEM), "no memory for the prompts");
        goto fail;
    }
    p->owner = pthread_self();
    p->voice = -1;
    p->entries_max = cfg->entries_max != 0 ? cfg->entries_max : PROMPTS_ENTRIES_MAX;
    p->bytes_max = cfg->bytes_max != 0 ? cfg->bytes_max : PROMPTS_BYTES_MAX;
    p->capture = malloc(sizeof(int16_t) * CAPTURE_MAX);
    p->entries = calloc(p->entries_max, sizeof(*p->entries));
    if (p->capture == NULL || p->entries == NULL) {
        rc = mdt_err_set(err, MDT_E(NOMEM), "no memory for the prompts");
        goto fail;
    }
    rc = resample_init(&p->rs, ESPEAK_RATE_HZ, PROMPTS_RATE_HZ, CUTOFF_HZ, err);
    if (rc != 0) {
        goto fail;
    }
    p->pcm8 = malloc(sizeof(int16_t) * resample_out_len(&p->rs, CAPTURE_MAX));
    if (p->pcm8 == NULL) {
        rc = mdt_err_set(err, MDT_E(NOMEM), "no memory for the prompts");
        goto fail;
    }
    rc = espeak_start(cfg, err);
    if (rc != 0) {
        goto fail;
    }
    *out = p;
    return 0;
fail:
    if (p != NULL) {
        prompts_free(p); /* also gives espeak-ng back */
    } else {
        atomic_flag_clear(&espeak_taken);
    }
    return rc;
}

static void entry_free(struct prompt_entry *e)
{
    free(e->text);
    free(e->pcma);
    *e = (struct prompt_entry){0};
}

void prompts_free(struct prompts *p)
{
    if (p == NULL) {
        return;
    }
    owner_check(p);
    for (size_t i = 0; p->entries != NULL && i < p->n; i++) {
        entry_free(&p->entries[i]);
    }
    resample_release(&p->rs);
    free(p->pcm8);
    free(p->capture);
    free(p->entries);
    free(p);
    atomic_flag_clear(&espeak_taken);
}

void prompts_adopt(struct prompts *p)
{
    p->owner = pthread_self();
}

/* FNV-1a over the language and the text. */
static uint32_t key_hash(enum lang lang, const char *text)
{
    uint32_t h = 2166136261u ^ (uint32_t)lang;

    for (const unsigned char *s = (const unsigned char *)text; *s != '\0'; s++) {
        h = (h ^ *s) * 16777619u;
    }
    return h;
}

static struct prompt_entry *cache_find(struct prompts *p, enum lang lang, const char *text,
                                       uint32_t hash)
{
    for (size_t i = 0; i < p->n; i++) {
        struct prompt_entry *e = &p->entries[i];

        if (e->hash == hash && e->lang == lang && strcmp(e->text, text) == 0) {
            return e;
        }
    }
    return NULL;
}

static size_t entry_bytes(const struct prompt_entry *e)
{
    return 2 * e->len + strlen(e->text) + 1;
}

/* Drops least recently used unpinned prompts until need more bytes and one more entry fit.
 * Returns 0 or -MDT_EFULL. */
static int cache_make_room(struct prompts *p, size_t need, struct mdt_err *err)
{
    while (p->n >= p->entries_max || need > p->bytes_max - p->bytes) {
        size_t victim = p->n;

        for (size_t i = 0; i < p->n; i++) {
            if (p->entries[i].pins == 0 &&
                (victim == p->n || p->entries[i].used < p->entries[victim].used)) {
                victim = i;
            }
        }
        if (victim == p->n) {
            return mdt_err_set(err, MDT_E(FULL),
                               "prompt cache full: %zu prompts, %zu bytes, all in use", p->n,
                               p->bytes);
        }
        p->bytes -= entry_bytes(&p->entries[victim]);
        entry_free(&p->entries[victim]);
        p->entries[victim] = p->entries[p->n - 1];
        p->entries[p->n - 1] = (struct prompt_entry){0};
        p->n--;
        p->stats.evictions++;
    }
    return 0;
}

/* Synthesises text in lang into p->capture, then p->pcm8; returns the 8 kHz sample count
 * (> 0) or a negative code. */
static int synthesise(struct prompts *p, enum lang lang, const char *text, size_t *samples,
                      struct mdt_err *err)
{
    espeak_ERROR e;

    if (p->voice != (int)lang) {
        if (espeak_SetVoiceByName(voices[lang]) != EE_OK) {
            return mdt_err_set(err, MDT_E(IO), "espeak-ng cannot set voice '%s'", voices[lang]);
        }
        p->voice = (int)lang;
    }
    p->captured = 0;
    p->capture_over = false;
    e = espeak_Synth(text, strlen(text) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, NULL, p);
    if (p->capture_over) {
        return mdt_err_set(err, MDT_E(RANGE), "prompt longer than %d s", PROMPTS_SECONDS_MAX);
    }
    if (e != EE_OK || p->captured == 0) {
        return mdt_err_set(err, MDT_E(IO), "espeak-ng could not speak the prompt (error %d)",
                           (int)e);
    }
    resample_run(&p->rs, p->capture, p->captured, p->pcm8);
    *samples = resample_out_len(&p->rs, p->captured);
    p->stats.synths++;
    return 0;
}

/* A new cache entry for (lang, text), synthesised and encoded in both laws. */
static int cache_add(struct prompts *p, enum lang lang, const char *text, uint32_t hash,
                     struct prompt_entry **out, struct mdt_err *err)
{
    struct prompt_entry e = {.lang = lang, .hash = hash};
    size_t samples = 0, text_len = strlen(text);
    int rc = synthesise(p, lang, text, &samples, err);

    if (rc != 0) {
        return rc;
    }
    if (2 * samples + text_len + 1 > p->bytes_max) {
        return mdt_err_set(err, MDT_E(FULL), "prompt of %zu bytes larger than the cache",
                           2 * samples);
    }
    rc = cache_make_room(p, 2 * samples + text_len + 1, err);
    if (rc != 0) {
        return rc;
    }
    e.text = malloc(text_len + 1);
    e.pcma = malloc(2 * samples);
    if (e.text == NULL || e.pcma == NULL) {
        entry_free(&e);
        return mdt_err_set(err, MDT_E(NOMEM), "no memory for a prompt");
    }
    memcpy(e.text, text, text_len + 1);
    e.len = samples;
    e.pcmu = e.pcma + samples;
    g711_frame_encode(G711_PCMA, p->pcm8, samples, e.pcma);
    g711_frame_encode(G711_PCMU, p->pcm8, samples, e.pcmu);
    p->entries[p->n] = e;
    *out = &p->entries[p->n];
    p->n++;
    p->bytes += entry_bytes(&e);
    return 0;
}

int prompts_get(struct prompts *p, enum lang lang, const char *text, enum g711_codec codec,
                const uint8_t **buf, size_t *len, struct mdt_err *err)
{
    struct prompt_entry *e;
    uint32_t hash;
    int rc;

    if (p == NULL || text == NULL || buf == NULL || len == NULL) {
        return mdt_err_set(err, MDT_E(INVAL), "no prompt text or output");
    }
    owner_check(p);
    if ((unsigned)lang >= VOICES || (codec != G711_PCMA && codec != G711_PCMU)) {
        return mdt_err_set(err, MDT_E(INVAL), "no voice for language %d or codec %d", (int)lang,
                           (int)codec);
    }
    if (text[0] == '\0') {
        return mdt_err_set(err, MDT_E(INVAL), "empty prompt text");
    }
    if (strnlen(text, PROMPTS_TEXT_MAX) >= PROMPTS_TEXT_MAX) {
        return mdt_err_set(err, MDT_E(RANGE), "prompt text longer than %d bytes",
                           PROMPTS_TEXT_MAX - 1);
    }
    hash = key_hash(lang, text);
    e = cache_find(p, lang, text, hash);
    if (e != NULL) {
        p->stats.hits++;
    } else {
        rc = cache_add(p, lang, text, hash, &e, err);
        if (rc != 0) {
            return rc;
        }
    }
    e->pins++;
    e->used = ++p->tick;
    *buf = codec == G711_PCMA ? e->pcma : e->pcmu;
    *len = e->len;
    return 0;
}

void prompts_release(struct prompts *p, const uint8_t *buf)
{
    owner_check(p);
    for (size_t i = 0; i < p->n; i++) {
        struct prompt_entry *e = &p->entries[i];

        if (buf == e->pcma || buf == e->pcmu) {
            MDT_ASSERT(e->pins > 0);
            e->pins--;
            return;
        }
    }
    MDT_ASSERT(!"prompts_release of a buffer the cache does not hold");
}

int prompts_join(struct prompts *p, enum lang lang, const char *const *texts, size_t n,
                 unsigned gap_ms, enum g711_codec codec, uint8_t *out, size_t cap, size_t *len,
                 struct mdt_err *err)
{
    size_t gap = (size_t)gap_ms * PROMPTS_RATE_HZ / 1000, at = 0;

    if (texts == NULL || out == NULL || len == NULL) {
        return mdt_err_set(err, MDT_E(INVAL), "no prompt pieces or output");
    }
    *len = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *piece = NULL;
        size_t piece_len = 0, pad = i > 0 ? gap : 0;
        int rc = prompts_get(p, lang, texts[i], codec, &piece, &piece_len, err);

        if (rc != 0) {
            return rc;
        }
        if (pad + piece_len > cap - at) {
            prompts_release(p, piece);
            return mdt_err_set(err, MDT_E(RANGE),
                               "joined prompt longer than its buffer of %zu "
                               "bytes",
                               cap);
        }
        memset(out + at, g711_frame_silence(codec), pad);
        memcpy(out + at + pad, piece, piece_len);
        at += pad + piece_len;
        prompts_release(p, piece);
    }
    *len = at;
    return 0;
}

void prompts_stats_get(const struct prompts *p, struct prompts_stats *stats)
{
    *stats = p->stats;
    stats->entries = p->n;
    stats->bytes = p->bytes;
}
