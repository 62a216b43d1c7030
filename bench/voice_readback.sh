#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run bench/voice_readback: how long mandatd's loop is held while calls ask for read-backs. For
# each build given (to compare two side by side in one run, e.g. before and after a change:
# BUILD_A BUILD_B, alternated ROUNDS times on fresh databases), CALLS wallets with distinct
# balances are called at once by raw SIP callers (bench/voice_readback.py) that all key 1 at the
# same instant: every call's balance is a new amount for espeak-ng. GET /healthz on the internal
# listener is timed back to back, 1 s before the burst and 3 s during it; the health check
# waits for whatever the loop is doing. With synthesis on the loop, the burst's worst health
# check is about CALLS times one synthesis; with the speech worker, it stays near the idle one.
# Builds nothing: uses build/release by default (after `make build`).
# Usage: bench/voice_readback.sh [--calls 20] [--rounds 3] [--keep] [BUILD_DIR...]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
calls=20
rounds=3
keep=0
builds=()
while [ $# -gt 0 ]; do
  case $1 in
    --calls) calls=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --keep) keep=1 ;;
    -*) echo "usage: $0 [--calls N] [--rounds N] [--keep] [BUILD_DIR...]" >&2; exit 2 ;;
    *) builds+=("$1") ;;
  esac
  shift
done
[ ${#builds[@]} -gt 0 ] || builds=("${MANDAT_BUILD:-$top/build/release}")
for b in "${builds[@]}"; do
  for x in mandatd mandat; do
    [ -x "$b/$x" ] || { echo "bench/voice_readback: $b/$x missing" >&2; exit 2; }
  done
done

dir=$(mktemp -d /tmp/mandat-bench-readback-XXXXXX)
mpid=""
cleanup() {
  [ -n "$mpid" ] && kill -9 "$mpid" 2>/dev/null || true
  if [ "$keep" = 1 ]; then echo "bench/voice_readback: kept $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT
. "$top/bench/voice_lib.sh"

# one BUILD ROUND: a fresh mandatd of BUILD, CALLS wallets, the burst; prints one row.
one() {
  local build=$1 round=$2
  local sd="$dir/$round-$(basename "$(dirname "$build")")-$(basename "$build")"
  local sport iport numbers=() M
  mkdir -p "$sd"
  sport=$(udp_port)
  M=("$build/mandat" --config "$sd/mandat.conf")
  # mandat sms talks to the internal listener as the SMS gateway
  voice_mandatd "$build" "$sd" "$sport" $((calls + 8)) "[kannel]
mo_secret = bench-kannel-secret-0123456789"
  iport=$(sed -n 's/^internal_listen .*:\([0-9]*\)$/\1/p' "$sd/ports")
  sed -i "s|^internal_listen = 127.0.0.1:0\$|internal_listen = 127.0.0.1:$iport|" "$sd/mandat.conf"
  for i in $(seq "$calls"); do
    local n acct
    n=$(printf '+336%08d' "$((round * 1000 + i))")
    "${M[@]}" sms "$n" INSCRIPTION >/dev/null
    acct=$(sqlite3 "$sd/mandat.db" "select account_id from customers where phone = '$n'")
    # a balance no other call has: a new amount in words for each read-back
    "${M[@]}" transfer --kind topup --from 1 --to "$acct" \
      --amount "$((20 + i)).$((10 + i))" >/dev/null
    numbers+=("$n")
  done
  python3 "$top/bench/voice_readback.py" "$sport" "$iport" "${numbers[@]}" >"$sd/out"
  kill -TERM "$mpid"
  wait "$mpid" || true
  mpid=""
  local said spoken
  said=$(grep -c "says say" "$sd/mandatd.log" || true)
  spoken=$(sed -n 's/.*read-back spoken in \([0-9]*\) ms after \([0-9]*\) ms.*/\1 \2/p' \
    "$sd/mandatd.log" | awk '{ s += $1; if ($2 > q) q = $2; n++ }
      END { if (n) printf "%.0f/%d", s / n, q; else print "-" }')
  printf '%-40s %5s | %-44s | %-44s | %5s %9s\n' "$build" "$round" \
    "$(sed -n 's/^idle  //p' "$sd/out")" "$(sed -n 's/^burst //p' "$sd/out")" "$said" "$spoken"
}

echo "bench/voice_readback: $calls calls at once, $rounds rounds, $(nproc) cores," \
  "load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "GET /healthz latency in ms, 1 s before and 3 s during the burst of read-backs;"
echo "said: read-backs asked; synth: the worker's mean synthesis / longest wait in queue (ms)"
printf '%-40s %5s | %-44s | %-44s | %5s %9s\n' build round "idle" "burst" said synth
for r in $(seq "$rounds"); do
  for b in "${builds[@]}"; do
    one "$b" "$r"
  done
done
