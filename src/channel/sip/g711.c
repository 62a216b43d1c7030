/* SPDX-License-Identifier: Apache-2.0 */
/* G.711 through librem's tables (g711.h). librem's inline encoders negate the sample in 16 bits,
 * so INT16_MIN stays negative and indexes before the table: it is clamped here first. */
#include "channel/sip/g711.h"

#include <rem_g711.h>

#include "base/assert.h"

static int16_t clamp(int16_t s)
{
    return s == INT16_MIN ? (int16_t)(INT16_MIN + 1) : s;
}

void g711_frame_encode(enum g711_codec codec, const int16_t *pcm, size_t n, uint8_t *out)
{
    MDT_ASSERT(codec == G711_PCMA || codec == G711_PCMU);
    if (codec == G711_PCMA) {
        for (size_t i = 0; i < n; i++) {
            out[i] = g711_pcm2alaw(clamp(pcm[i]));
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            out[i] = g711_pcm2ulaw(clamp(pcm[i]));
        }
    }
}

void g711_frame_decode(enum g711_codec codec, const uint8_t *in, size_t n, int16_t *out)
{
    MDT_ASSERT(codec == G711_PCMA || codec == G711_PCMU);
    if (codec == G711_PCMA) {
        for (size_t i = 0; i < n; i++) {
            out[i] = g711_alaw2pcm(in[i]);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            out[i] = g711_ulaw2pcm(in[i]);
        }
    }
}

uint8_t g711_frame_silence(enum g711_codec codec)
{
    MDT_ASSERT(codec == G711_PCMA || codec == G711_PCMU);
    return codec == G711_PCMA ? G711_PCMA_SILENCE : G711_PCMU_SILENCE;
}
