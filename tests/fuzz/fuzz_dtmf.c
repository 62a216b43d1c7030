/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for channel/sip/dtmf: any bytes as 8 kHz audio, fed in chunks of sizes the
 * input chooses, through the in-band detector; every key reported is a keypad key with a time
 * inside its chunk, and the keys (with the input's own reports from other paths) go through the
 * deduplicator, whose memory stays bounded. Aborts otherwise. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "channel/sip/dtmf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dtmf_detector *d = NULL;
    struct dtmf_dedup dedup;
    size_t n, at = 0, chunk;
    int16_t *pcm;

    if (size < 2) {
        return 0;
    }
    chunk = 1 + data[0] % 400;
    n = (size - 1) / 2;
    pcm = malloc(sizeof(int16_t) * (n > 0 ? n : 1));
    if (pcm == NULL || dtmf_detector_new(&d, NULL) != 0) {
        abort();
    }
    memcpy(pcm, data + 1, n * 2);
    dtmf_dedup_init(&dedup, data[1]);
    while (at < n) {
        struct dtmf_key keys[4], other;
        size_t len = n - at < chunk ? n - at : chunk, dropped = 0;
        uint64_t start_ms = at / 8;
        size_t k = dtmf_detector_feed(d, pcm + at, len, start_ms, keys, 4, &dropped);

        if (k > 4) {
            abort();
        }
        for (size_t i = 0; i < k; i++) {
            if (!dtmf_key_valid(keys[i].key) || keys[i].source != DTMF_SRC_INBAND ||
                keys[i].at_ms < start_ms || keys[i].at_ms > start_ms + len / 8) {
                abort();
            }
            (void)dtmf_dedup_accept(&dedup, &keys[i]);
        }
        /* Another path's report, made of the audio's own bytes. */
        other = (struct dtmf_key){.key = (char)(pcm[at] & 0x7f),
                                  .source = (enum dtmf_source)((pcm[at] >> 8) & 3),
                                  .at_ms = start_ms + (uint64_t)(pcm[at] & 0xff)};
        (void)dtmf_dedup_accept(&dedup, &other);
        if (dedup.n > DTMF_DEDUP_KEEP) {
            abort();
        }
        if ((pcm[at] & 0x3ff) == 7) {
            dtmf_detector_lost(d, (size_t)(pcm[at] >> 4) & 0xfff);
        }
        at += len;
    }
    dtmf_detector_free(d);
    free(pcm);
    return 0;
}
