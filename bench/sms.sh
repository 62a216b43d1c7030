#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run bench/sms: a donation campaign through real SMPP binds. N numbers each text
# "DON 5 TELETHON" to 71004 and then confirm with their code; bench_sms is the SMSC, mandatd
# binds to it as an ESME. Three runs, each with the same generator and window:
#   1. trivial: the generator against an ESME that does no work (bench_sms esme): the
#      generator's own ceiling and CPU cost, to show it is not the bottleneck;
#   2. mandat:  mandatd on a store preloaded with the N customers (bench_sms setup), durable
#      commits (synchronous = full); then `mandat check` and the association's balance;
#   2b. mandat_pg (with --store postgres): the same on mandat's PostgreSQL store, on a private
#      PostgreSQL 15 server started here (bench/pg_server.sh: fsync and synchronous_commit on),
#      schema mandat_pg; the same checks, and its ratio to the SQLite run;
#   3. kannel (with --kannel): bearerbox + smsbox forwarding to a trivial HTTP application that
#      answers with the same texts (bench/sms_kannel.sh), and the ratio.
# Builds nothing: uses build/release (after `make build`; MANDAT_BUILD=dir and BENCH_SMS=binary
# override). Everything is bounded in time. Exit status 0 only when every run and check passed.
# Usage: bench/sms.sh [--numbers 100000] [--window 1000] [--mt-window 100] [--log warn]
#                     [--kannel] [--no-msgid] [--store postgres] [--seconds-max 600] [--keep]
# PG_BENCH_STATS=1 (with --store postgres): pg_stat_statements on, and the statements that took
# the server's time printed after the run (bench/pg_server.sh).
# --no-msgid: MOs without the SMSC's id (receipted_message_id), as most SMSCs send them: mandat
# then tracks each acknowledgement until the SMSC is known to have read it (in-doubt tracking).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
usage="$0 [--numbers N] [--window W] [--mt-window W] [--log LEVEL] [--kannel] [--no-msgid]
       [--store postgres] [--seconds-max S] [--keep]"
kannel=0
store=sqlite
extra_option() {
  shifted=1
  case $1 in
    --kannel) kannel=1 ;;
    --no-msgid) msgid=(--no-msgid) ;;
    --store)
      shifted=2
      case ${2:-} in
        sqlite | postgres) store=$2 ;;
        *) shifted=0 ;;
      esac
      ;;
    *) shifted=0 ;;
  esac
}
# shellcheck source=bench/sms_lib.sh
. "$top/bench/sms_lib.sh"
sms_defaults bench/sms 100000 600
sms_parse "$@"
sms_start mandat-sms

# --store postgres: a private server (its data directory readable by the user it runs as, when
# run as root), stopped at exit.
pg_data=""
if [ "$store" = postgres ]; then
  pg_data=$(mktemp -d /tmp/mandat-sms-pg-XXXXXX)
  chmod 755 "$pg_data"
  trap '"$top/bench/pg_server.sh" stop "$pg_data" >/dev/null 2>&1 || true; rm -rf "$pg_data"; sms_cleanup' EXIT
  pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$top/bench/pg_server.sh" start "$pg_data" "$pg_port" >/dev/null
  pg_uri="postgresql://postgres@127.0.0.1:$pg_port/postgres"
  psql -qX "$pg_uri" -c "CREATE SCHEMA mandat_pg"
  if [ "${PG_BENCH_STATS:-0}" = 1 ]; then
    psql -qX "$pg_uri" -c "CREATE EXTENSION pg_stat_statements"
  fi
  echo "bench/sms: PostgreSQL $(psql -qtAX "$pg_uri" -c "SHOW server_version") on port $pg_port," \
    "fsync $(psql -qtAX "$pg_uri" -c "SHOW fsync"), synchronous_commit" \
    "$(psql -qtAX "$pg_uri" -c "SHOW synchronous_commit")"
fi

echo "bench/sms: $numbers numbers x 2 MOs, window $window MOs awaiting a reply," \
  "$(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"

# 1. The generator alone, against an ESME that answers at once.
gen trivial --peer-pid-file "$dir/esme.pid"
sh -c 'echo $$ >"$1"; shift; exec "$@"' _ "$dir/esme.pid" "$bench" esme \
  --port "$(cat "$dir/trivial.port")" --seconds-max "$secs" 2>"$dir/esme.err" &
pids+=($!)
wait_pid "$gen_pid" $((secs + 40))
gen_done trivial
grep -v '^RESULT' "$dir/trivial.out" || true

# 2. mandat.
setup mandat
mandat_run mandat
check_association mandat

# 2b. mandat on PostgreSQL.
if [ "$store" = postgres ]; then
  setup mandat_pg
  mandat_run mandat_pg
  check_association mandat_pg
  if [ "${PG_BENCH_STATS:-0}" = 1 ]; then
    echo "bench/sms: the server's time by statement (pg_stat_statements, top 12)"
    psql -qX "$pg_uri" -c "SELECT calls, round(total_exec_time) AS exec_ms,
      round(total_plan_time) AS plan_ms, rows, left(regexp_replace(query, '\s+', ' ', 'g'), 70)
      AS query FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT 12"
  fi
fi

# 3. Kannel.
if [ "$kannel" = 1 ]; then
  BENCH_SMS=$bench "$top/bench/sms_kannel.sh" --numbers "$numbers" --window "$window" \
    --mt-window "$mt_window" --seconds-max "$secs" --dir "$dir/kannel" >"$dir/kannel.out" 2>&1 ||
    { echo "bench/sms: the Kannel run failed (see below)"; failed=1; }
  grep -v '^RESULT' "$dir/kannel.out" || true
fi

# Summary: one line per run, and the ratio mandat / Kannel.
summary mandat kannel "$dir"/trivial.out "$dir"/mandat.out "$dir"/mandat_pg.out "$dir"/kannel.out
if [ "$store" = postgres ]; then
  summary mandat_pg mandat "$dir"/mandat.out "$dir"/mandat_pg.out | tail -n 1
fi
exit "$failed"
