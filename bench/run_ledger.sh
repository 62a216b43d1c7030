#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run bench/ledger: mandat's engine against a naive ledger on a real local PostgreSQL server,
# started here on a private port and data directory and stopped at the end.
# Usage: bench/run_ledger.sh [bench_ledger options, e.g. --seconds 5 --submitters 1,8,64,512]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin="$top/build/release/bench/bench_ledger"
port=${PGBENCH_PORT:-55432}
data=$(mktemp -d /tmp/mandat-pg-XXXXXX)
cleanup() { "$top/bench/pg_server.sh" stop "$data" >/dev/null 2>&1 || true; rm -rf "$data"; }
trap cleanup EXIT
conninfo=$("$top/bench/pg_server.sh" start "$data" "$port" | tail -n 1)
"$bin" --pg "$conninfo" "$@"
