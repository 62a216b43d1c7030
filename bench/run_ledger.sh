#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run bench/ledger: mandat's engine against a naive ledger on a real local PostgreSQL server,
# started here on a private port and data directory and stopped at the end.
# Usage: bench/run_ledger.sh [--store postgres] [bench_ledger options, e.g. --seconds 5
#        --submitters 1,8,64,512]
# --store postgres: mandat's own store on the same server too (schema mandat), side by side
# with the naive design on the same settings; default: mandat on SQLite. The server's settings
# that bear on durability and commit cost are printed first; with --store postgres the table's
# srv_us is the server's CPU per mandat transfer (all its processes), cli_us the bench's own.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# MANDAT_BUILD: another build tree (an earlier commit's, for a before/after in one session).
bin="${MANDAT_BUILD:-$top/build/release}/bench/bench_ledger"
port=${PGBENCH_PORT:-55432}
store=sqlite
if [ "${1:-}" = "--store" ]; then
    store=${2:?--store needs sqlite or postgres}
    shift 2
fi
data=$(mktemp -d /tmp/mandat-pg-XXXXXX)
cleanup() { "$top/bench/pg_server.sh" stop "$data" >/dev/null 2>&1 || true; rm -rf "$data"; }
trap cleanup EXIT
conninfo=$("$top/bench/pg_server.sh" start "$data" "$port" | tail -n 1)
psql -Atq "$conninfo" -c "SELECT 'server: ' || version()" \
    -c "SELECT 'settings: ' || string_agg(name || '=' || current_setting(name), ' ' ORDER BY name)
        FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes',
        'wal_sync_method', 'wal_level', 'shared_buffers', 'wal_buffers', 'commit_delay',
        'max_wal_size', 'checkpoint_timeout', 'wal_compression')"
case $store in
sqlite) "$bin" --pg "$conninfo" "$@" ;;
postgres)
    # Its own schema: the naive ledger's tables live in public.
    psql -q "$conninfo" -c "CREATE SCHEMA IF NOT EXISTS mandat"
    cpu=()
    usage=$("$bin" --help 2>&1 || true)
    if [[ $usage == *--server-pid* ]]; then # older builds lack it
        cpu=(--server-pid "$(head -n 1 "$data/postmaster.pid")")
    fi
    "$bin" --pg "$conninfo" "${cpu[@]}" \
        --store "postgresql://postgres@127.0.0.1:$port/postgres?options=-csearch_path%3Dmandat" "$@"
    ;;
*) echo "run_ledger.sh: --store is sqlite or postgres, not '$store'" >&2; exit 2 ;;
esac
