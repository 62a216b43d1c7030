/* SPDX-License-Identifier: Apache-2.0 */
/* G.711 A-law and µ-law (ITU-T G.711) for the phone channel: 8 kHz 16-bit linear audio to the
 * bytes RTP carries (payload types 8 PCMA and 0 PCMU) and back. librem's tables do the work.
 * Names are g711_frame_*: spandsp exports g711_encode and g711_decode, and librem g711_pcm2*. */
#ifndef MDT_CHANNEL_SIP_G711_H
#define MDT_CHANNEL_SIP_G711_H

#include <stddef.h>
#include <stdint.h>

/* The codecs of the phone channel, by their static RTP payload type (RFC 3551 §6). */
enum g711_codec {
    G711_PCMU = 0,
    G711_PCMA = 8,
};

/* The byte of each codec that decodes to (near) zero: what silence is made of. */
#define G711_PCMU_SILENCE 0xff
#define G711_PCMA_SILENCE 0xd5

/* Encode n samples of pcm into n bytes of out (caller-owned, n bytes). Every int16 value is
 * accepted (-32768 is encoded as -32767: librem's tables index past their end for it).
 * Thread-safe. */
void g711_frame_encode(enum g711_codec codec, const int16_t *pcm, size_t n, uint8_t *out);

/* Decode n bytes into n samples of out (caller-owned). Every byte is valid. Thread-safe. */
void g711_frame_decode(enum g711_codec codec, const uint8_t *in, size_t n, int16_t *out);

/* The silence byte of codec. */
uint8_t g711_frame_silence(enum g711_codec codec);

#endif
