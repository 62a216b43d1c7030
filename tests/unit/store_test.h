/* SPDX-License-Identifier: Apache-2.0 */
/* Where the store tests keep their data, on either backend: a SQLite file in a scratch directory,
 * or, with MANDAT_STORE=postgres, a fresh schema of its own in the suite's PostgreSQL server
 * (tests/pg.sh; its URI from MANDAT_PG_URI or the file $MANDAT_PG_STATE/uri). */
#ifndef MDT_TESTS_STORE_TEST_H
#define MDT_TESTS_STORE_TEST_H

#include <stdbool.h>
#include <stddef.h>

/* Whether this run is on PostgreSQL (MANDAT_STORE=postgres). */
bool test_store_pg(void);

/* A new, empty store location named after name into out[cap]: dir/name on SQLite, else a URI
 * selecting a new schema (its search_path) in the suite's server. Fails the test on error. */
void test_store_path(const char *dir, const char *name, char *out, size_t cap);

/* Run SQL (no results) on the store at path, whichever backend: for tests that tamper with rows.
 * Returns 0 or -1 with the server's message on stderr. */
int test_store_sql(const char *path, const char *sql);

/* Remove what test_store_path made on the server (nothing on SQLite: the directory goes). */
void test_store_drop(const char *path);

#endif
