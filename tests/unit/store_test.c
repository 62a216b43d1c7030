/* SPDX-License-Identifier: Apache-2.0 */
/* The store tests' locations on SQLite or PostgreSQL (store_test.h). */
#include "store_test.h"

#include <libpq-fe.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

bool test_store_pg(void)
{
    const char *v = getenv("MANDAT_STORE");

    return v != NULL && strcmp(v, "postgres") == 0;
}

/* The server's URI without a schema. */
static void server_uri(char *out, size_t cap)
{
    const char *uri = getenv("MANDAT_PG_URI");
    const char *state = getenv("MANDAT_PG_STATE");
    char file[512];
    FILE *f;

    if (uri != NULL && uri[0] != '\0') {
        snprintf(out, cap, "%s", uri);
        return;
    }
    assert_non_null(state);
    snprintf(file, sizeof(file), "%s/uri", state);
    f = fopen(file, "r");
    if (f == NULL) {
        fail_msg("no PostgreSQL server for the tests: run tests/pg.sh start %s", state);
    }
    assert_non_null(fgets(out, (int)cap, f));
    out[strcspn(out, "\n")] = '\0';
    fclose(f);
}

/* The schema a URI made by test_store_path selects. */
static const char *uri_schema(const char *path)
{
    const char *p = strstr(path, "search_path%3D");

    return p != NULL ? p + strlen("search_path%3D") : NULL;
}

static int pg_exec(const char *uri, const char *sql)
{
    PGconn *c = PQconnectdb(uri);
    PGresult *r = NULL;
    int rc = -1;

    if (PQstatus(c) == CONNECTION_OK) {
        PQclear(PQexec(c, "SET client_min_messages = warning"));
        r = PQexec(c, sql);
        if (PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK) {
            rc = 0;
        }
    }
    if (rc < 0) {
        fprintf(stderr, "test_store: %s\n", PQerrorMessage(c));
    }
    PQclear(r);
    PQfinish(c);
    return rc;
}

void test_store_path(const char *dir, const char *name, char *out, size_t cap)
{
    static unsigned counter;
    char base[400], schema[96], sql[256];

    if (!test_store_pg()) {
        snprintf(out, cap, "%s/%s", dir, name);
        return;
    }
    snprintf(schema, sizeof(schema), "t_%d_%u_", (int)getpid(), counter++);
    for (size_t i = 0; name[i] != '\0' && strlen(schema) < 60; i++) {
        char ch = name[i];
        size_t n = strlen(schema);

        schema[n] = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ? ch : '_';
        schema[n + 1] = '\0';
    }
    server_uri(base, sizeof(base));
    snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", schema,
             schema);
    assert_int_equal(pg_exec(base, sql), 0);
    assert_true((size_t)snprintf(out, cap, "%s%soptions=-csearch_path%%3D%s", base,
                                 strchr(base, '?') ? "&" : "?", schema) < cap);
}

int test_store_sql(const char *path, const char *sql)
{
    sqlite3 *h = NULL;
    int rc;

    if (strncmp(path, "postgres", 8) == 0) {
        return pg_exec(path, sql);
    }
    rc = sqlite3_open(path, &h) == SQLITE_OK && sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK
             ? 0
             : -1;
    if (rc < 0) {
        fprintf(stderr, "test_store: %s\n", sqlite3_errmsg(h));
    }
    sqlite3_close(h);
    return rc;
}

void test_store_drop(const char *path)
{
    const char *schema = uri_schema(path);
    char base[400], sql[160];

    if (strncmp(path, "postgres", 8) != 0 || schema == NULL) {
        return;
    }
    server_uri(base, sizeof(base));
    snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", schema);
    pg_exec(base, sql);
}
