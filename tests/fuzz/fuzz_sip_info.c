/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for sip_info_dtmf_parse (SIP INFO application/dtmf-relay bodies): arbitrary
 * bytes must either fail with a code or give one key of the keypad and a duration read from at
 * most six digits. Aborts otherwise. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "channel/sip/sip_info.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char key = 'x';
    uint32_t duration_ms = 7;
    int rc = sip_info_dtmf_parse((const char *)data, size, &key, &duration_ms);

    if (rc == 0) {
        if (key == 0 || strchr("0123456789*#ABCD", key) == NULL || duration_ms > 999999) {
            abort();
        }
    } else if (rc != MDT_E(PARSE) && rc != MDT_E(RANGE)) {
        abort();
    } else if (size > SIP_INFO_BODY_MAX && rc != MDT_E(RANGE)) {
        abort();
    }
    return 0;
}
