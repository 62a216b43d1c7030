/* SPDX-License-Identifier: Apache-2.0 */
/* The hash index (base/index.h): candidates by hash, the declared bound, growth, deletion that
 * keeps every probe run whole (at the table's end too), and a random run against a plain list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "base/error.h"
#include "base/index.h"

/* Whether val is among the candidates under hash. */
static bool has(const struct index *x, uint64_t hash, uint32_t val)
{
    struct index_pos pos;

    for (uint32_t v = index_find(x, hash, &pos); v != 0; v = index_find_next(x, &pos)) {
        if (v == val) {
            return true;
        }
    }
    return false;
}

static void test_put_find_remove(void **state)
{
    struct index x;

    (void)state;
    assert_int_equal(index_init(&x, 100), 0);
    assert_false(has(&x, 42, 1));
    assert_int_equal(index_put(&x, 42, 1), 0);
    assert_int_equal(index_put(&x, 43, 2), 0);
    assert_true(has(&x, 42, 1));
    assert_true(has(&x, 43, 2));
    assert_false(has(&x, 42, 2));
    assert_int_equal(x.count, 2);
    assert_false(index_remove(&x, 42, 2)); /* another key's value: nothing removed */
    assert_true(index_remove(&x, 42, 1));
    assert_false(index_remove(&x, 42, 1));
    assert_false(has(&x, 42, 1));
    assert_true(has(&x, 43, 2));
    index_clear(&x);
    assert_int_equal(x.count, 0);
    assert_false(has(&x, 43, 2));
    index_free(&x);
    assert_null(x.slots);
}

/* Keys whose hashes are equal are all candidates, in probe order; the caller tells them apart. */
static void test_same_hash(void **state)
{
    struct index x;
    struct index_pos pos;

    (void)state;
    assert_int_equal(index_init(&x, 10), 0);
    for (uint32_t v = 1; v <= 5; v++) {
        assert_int_equal(index_put(&x, 7, v), 0);
    }
    assert_int_equal(index_find(&x, 7, &pos), 1);
    for (uint32_t v = 2; v <= 5; v++) {
        assert_int_equal(index_find_next(&x, &pos), v);
    }
    assert_int_equal(index_find_next(&x, &pos), 0);
    assert_true(index_remove(&x, 7, 3));
    assert_true(has(&x, 7, 5) && has(&x, 7, 1) && !has(&x, 7, 3));
    index_free(&x);
}

/* The bound is the caller's: put refuses past it, and takes again once an entry went. */
static void test_bound(void **state)
{
    struct index x;

    (void)state;
    assert_int_equal(index_init(&x, 3), 0);
    assert_int_equal(index_reserve(&x, 3), 0);
    assert_int_equal(x.mask + 1, 8); /* room for 3 entries at most half full */
    for (uint32_t v = 1; v <= 3; v++) {
        assert_int_equal(index_put(&x, v * 1000003u, v), 0);
    }
    assert_int_equal(index_put(&x, 99, 4), MDT_E(FULL));
    assert_false(has(&x, 99, 4));
    assert_true(index_remove(&x, 2 * 1000003u, 2));
    assert_int_equal(index_put(&x, 99, 4), 0);
    assert_true(has(&x, 99, 4));
    index_free(&x);
}

/* A run that wraps past the last slot: deleting at the end moves the entries at the start. */
static void test_wrap(void **state)
{
    struct index x;
    uint64_t last;

    (void)state;
    assert_int_equal(index_init(&x, 8), 0);
    last = x.mask; /* tags are the hash's low half here: home is the last slot */
    assert_int_equal(index_put(&x, last, 1), 0);
    assert_int_equal(index_put(&x, last, 2), 0); /* wraps to slot 0 */
    assert_int_equal(index_put(&x, 0, 3), 0);    /* home 0, pushed to slot 1 */
    assert_int_equal(x.slots[0].val, 2);
    assert_true(index_remove(&x, last, 1));
    assert_int_equal(x.slots[last].val, 2); /* moved back across the end */
    assert_int_equal(x.slots[0].val, 3);    /* and 3 to its home */
    assert_true(has(&x, last, 2) && has(&x, 0, 3));
    index_free(&x);
}

/* Growth past the first table, and a random run of puts and removes against a plain list: every
 * entry stays findable, none removed comes back, and the table is never more than half full. */
static void test_random(void **state)
{
    enum { N = 20000 };
    static uint64_t hash_of[N + 1];
    static bool in[N + 1];
    struct index x;
    const char *given = getenv("MDT_SEED");
    unsigned seed = given != NULL ? (unsigned)strtoul(given, NULL, 10) : (unsigned)time(NULL);
    uint32_t count = 0;

    (void)state;
    printf("test_random seed %u (run again with MDT_SEED=%u)\n", seed, seed);
    srand(seed);
    assert_int_equal(index_init(&x, N), 0);
    assert_int_equal(x.mask + 1, 1024); /* the first table: grown by the puts below */
    for (uint32_t v = 1; v <= N; v++) {
        /* Few distinct hashes: long runs of equal tags and of neighbouring homes. */
        hash_of[v] = (uint64_t)(rand() % (N / 4)) * 0x9e3779b97f4a7c15ull;
    }
    for (int step = 0; step < 8 * N; step++) {
        uint32_t v = (uint32_t)(rand() % N) + 1;

        if (in[v]) {
            assert_true(index_remove(&x, hash_of[v], v));
            count--;
        } else {
            assert_int_equal(index_put(&x, hash_of[v], v), 0);
            count++;
        }
        in[v] = !in[v];
        assert_int_equal(x.count, count);
        assert_true(2 * (uint64_t)x.count <= x.mask + 1);
        if (step % 997 == 0) {
            for (uint32_t k = 1; k <= N; k++) {
                assert_int_equal(has(&x, hash_of[k], k), in[k]);
            }
        }
    }
    index_free(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_find_remove), cmocka_unit_test(test_same_hash),
        cmocka_unit_test(test_bound),           cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_random),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
