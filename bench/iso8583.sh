#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/iso8583: durable authorizations per second of the ISO 8583 issuer host (issue 15) with
# 1, 16 and 256 requests in flight over 4 links ([iso8583.b1..b4]), against a real mandatd
# (SQLite synchronous=FULL). The load is bench/iso8583_load.c (one thread, epoll; built in
# build/release as bench_iso8583_load); ISO_LOAD=python uses the former asyncio client,
# bench/iso8583_load.py. On a 2-core machine the client shares the CPU with mandatd.
# Usage: bench/iso8583.sh [SECONDS] (after a Release build; default 5 s per run)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
mandat=${MANDAT:-$top/build/release/mandat}
mandatd=${MANDATD:-$top/build/release/mandatd}
load=${LOAD:-$top/build/release/bench/bench_iso8583_load}
seconds=${1:-5}
dir=$(mktemp -d /tmp/mandat-bench-iso-XXXXXX)
pid=""
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; rm -rf "$dir"; }
trap cleanup EXIT
links=""
for i in 1 2 3 4; do links+="[iso8583.b$i]
listen = 127.0.0.1:0
in_flight = 256
"; done
cat >"$dir/mandat.conf" <<CONF
[store]
path = $dir/mandat.db
[http]
listen = 127.0.0.1:0
internal_listen = 127.0.0.1:0
dev_mode = true
[vault]
key_file = $dir/pin.key
[kannel]
mo_secret = bench-kannel-secret-0123456789
[cards]
key_ring = $dir/cards.keys
$links
CONF
M=("$mandat" --config "$dir/mandat.conf")
"${M[@]}" init >/dev/null
o=$("${M[@]}" card issue --holder 'BENCH CARD' --phone +212612345678 --emboss "$dir/emboss.txt")
account=$(sed -n 's/.*, account \([0-9]*\), .*/\1/p' <<<"$o")
code=$(sed -n 's/^activation code: \([0-9]\{6\}\) .*/\1/p' <<<"$o")
pan=$(cut -d'|' -f1 "$dir/emboss.txt")
"$mandatd" --config "$dir/mandat.conf" --ports-file "$dir/ports" >"$dir/mandatd.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$dir/ports" ] && break; sleep 0.1; done
internal=$(sed -n 's/^internal_listen .*:\([0-9]*\)$/\1/p' "$dir/ports")
sed -i "s|^internal_listen = 127.0.0.1:0|internal_listen = 127.0.0.1:$internal|" "$dir/mandat.conf"
ports=$(sed -n 's/^iso8583\.b[0-9] .*:\([0-9]*\)$/\1/p' "$dir/ports" | tr '\n' ' ')
"${M[@]}" sms +212612345678 ACTIVER "${pan: -4}" "$code" >/dev/null
"${M[@]}" transfer --kind card_load --from 1 --to "$account" --amount 5000 >/dev/null
echo "bench/iso8583: $seconds s per run, 4 links, durable (SQLite synchronous=FULL), $(nproc) cores"
runs=("1 1" "4 4" "4 64")
if [ -n "${RUN:-}" ]; then runs=("$RUN"); fi  # RUN="CONNS WINDOW": one run only
# mandatd's CPU time (user + system, clock ticks) so far: with other work on the machine the
# rate moves with the neighbours, the CPU time per authorization much less.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
# Bytes mandatd wrote (write() calls, mostly SQLite's WAL frames) and its fsyncs-ish: what the
# disk gets per authorization, which the schema and the rows per request decide.
wrote() { awk '$1 == "wchar:" {print $2}' "/proc/$pid/io"; }
hz=$(getconf CLK_TCK)
for run in "${runs[@]}"; do
  cpu0=$(cpu_ticks)
  wrote0=$(wrote)
  perf_pid=""
  if [ -n "${ISO_PERF:-}" ]; then  # ISO_PERF=FILE: perf record of mandatd during each run
    perf record -q -g -p "$pid" -o "$ISO_PERF" >/dev/null 2>&1 &
    perf_pid=$!
  fi
  # shellcheck disable=SC2086
  if [ "${ISO_LOAD:-c}" = python ]; then
    python3 "$top/bench/iso8583_load.py" "$pan" "$seconds" $run $ports
  else
    "$load" "$pan" "$seconds" $run $ports | tee "$dir/run.txt"
  fi
  n=$(sed -n 's/.*00: \([0-9]*\).*/\1/p' "$dir/run.txt" 2>/dev/null || true)
  if [ -n "$n" ] && [ "$n" -gt 0 ]; then
    echo "    mandatd CPU: $(awk -v t=$(( $(cpu_ticks) - cpu0 )) -v hz="$hz" -v n="$n" \
      'BEGIN {printf "%.1f", t * 1000000 / hz / n}') us per authorization," \
      "wrote $(( ($(wrote) - wrote0) / n )) bytes per authorization"
  fi
  if [ -n "$perf_pid" ]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
done
