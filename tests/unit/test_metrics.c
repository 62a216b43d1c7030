/* SPDX-License-Identifier: Apache-2.0 */
/* The metrics registry: counters, cumulative histogram buckets in exported units, gauges, and a
 * buffer too small refused rather than cut. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/metrics.h"

static void test_format(void **state)
{
    struct metrics_gauges g = {
        .transfers = 7, .transfers_pending = 2, .outbox_depth = 3, .smpp_mo_unconfirmed = 9};
    char buf[8192], small[64];

    (void)state;
    metrics_reset();
    metrics_add(METRIC_MESSAGES_IN_SMS, 5);
    metrics_add(METRIC_MESSAGES_OUT_SMS, 4);
    metrics_observe(METRIC_BATCH_SIZE, 3);        /* bucket le=4 */
    metrics_observe(METRIC_BATCH_SIZE, 100000);   /* above every bound: only +Inf */
    metrics_observe(METRIC_COMMIT_SECONDS, 1500); /* 1.5 ms: bucket le=0.0025 */
    assert_true(metrics_format(&g, buf, sizeof(buf)) > 0);
    assert_non_null(strstr(buf, "mandat_messages_total{channel=\"sms\",direction=\"in\"} 5\n"));
    assert_non_null(strstr(buf, "mandat_messages_total{channel=\"sms\",direction=\"out\"} 4\n"));
    assert_non_null(strstr(buf, "# TYPE mandat_messages_total counter\n"));
    assert_null(strstr(strstr(buf, "# TYPE mandat_messages_total") + 1,
                       "# TYPE mandat_messages_total")); /* one TYPE line per family */
    assert_non_null(strstr(buf, "mandat_engine_batch_size_bucket{le=\"2\"} 0\n"));
    assert_non_null(strstr(buf, "mandat_engine_batch_size_bucket{le=\"4\"} 1\n"));
    assert_non_null(strstr(buf, "mandat_engine_batch_size_bucket{le=\"8190\"} 1\n"));
    assert_non_null(strstr(buf, "mandat_engine_batch_size_bucket{le=\"+Inf\"} 2\n"));
    assert_non_null(strstr(buf, "mandat_engine_batch_size_count 2\n"));
    assert_non_null(strstr(buf, "mandat_engine_commit_seconds_bucket{le=\"0.001\"} 0\n"));
    assert_non_null(strstr(buf, "mandat_engine_commit_seconds_bucket{le=\"0.0025\"} 1\n"));
    assert_non_null(strstr(buf, "mandat_engine_commit_seconds_sum 0.0015\n"));
    assert_non_null(strstr(buf, "mandat_transfers{state=\"pending\"} 2\n"));
    assert_non_null(strstr(buf, "mandat_outbox_depth 3\n"));
    assert_non_null(strstr(buf, "mandat_smpp_mo_unconfirmed 9\n"));
    assert_int_equal(metrics_format(&g, small, sizeof(small)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
