/* SPDX-License-Identifier: Apache-2.0 */
/* The body of a SIP INFO application/dtmf-relay request ("Signal=5\r\nDuration=160\r\n"), the
 * form trunks (Cisco, Asterisk, FreeSWITCH) send keys in when they do not use RFC 4733. No I/O,
 * no libre: the SIP thread hands it the body; fuzzed (tests/fuzz/fuzz_sip_info.c). */
#ifndef MDT_CHANNEL_SIP_SIP_INFO_H
#define MDT_CHANNEL_SIP_SIP_INFO_H

#include <stddef.h>
#include <stdint.h>

/* Bodies longer than this are refused: the form is two short lines. */
#define SIP_INFO_BODY_MAX 512

/* Read the key of a dtmf-relay body of len bytes (not NUL-terminated): *key is '0'-'9', '*',
 * '#' or 'A'-'D' (Signal=10 and 11 are read as '*' and '#', as some gateways send), and
 * *duration_ms the Duration line (0 when absent). Returns 0, -MDT_EPARSE (no Signal line, a
 * signal that is not a key, a line that is not "Name=value") or -MDT_ERANGE (body too long). */
int sip_info_dtmf_parse(const char *body, size_t len, char *key, uint32_t *duration_ms);

#endif
