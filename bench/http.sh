#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/http: wrk against mandatd's API over keep-alive, on a store preloaded with N payers
# (bench_sms setup) and durable commits (synchronous = full):
#   1. GET /v1/transfers/{id} (a payment of the merchant's)  target >= 30k requests/s
#   2. POST /v1/payment-requests with Idempotency-Keys       target >= 15k requests/s
# Prints wrk's figures (requests/s, latency percentiles) and checks afterwards that every
# 201 answered is a payment request in the store. Builds nothing: uses build/release.
# Usage: bench/http.sh [--seconds 10] [--connections 64] [--threads 1] [--payers 100000]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${MANDAT_BUILD:-$top/build/release}
secs=10
conns=64
threads=1
payers=100000
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) secs=$2; shift 2 ;;
    --connections) conns=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --payers) payers=$2; shift 2 ;;
    *) echo "usage: $0 [--seconds S] [--connections C] [--threads T] [--payers N]" >&2; exit 2 ;;
  esac
done
dir=$(mktemp -d /tmp/mandat-bench-http-XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
cap=$((conns + 64 > 1024 ? conns + 64 : 1024))
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$dir/mandat.conf" <<CONF
[store]
path = $dir/mandat.db
synchronous = full
[log]
level = warn
[http]
listen = 127.0.0.1:$port
api_rate = 1000000
[vault]
key_file = $dir/pin.key
CONF
M=("$build/mandat" --config "$dir/mandat.conf")
"$build/bench/bench_sms" setup --db "$dir/mandat.db" --key "$dir/pin.key" --numbers "$payers" \
  --association-file "$dir/association" >/dev/null
merchant=$("${M[@]}" merchant create Bench Shop)
id=$(echo "$merchant" | sed -n 's/^merchant \([0-9]*\):.*/\1/p')
key=$("${M[@]}" merchant key "$id" --rate 1000000 | sed -n 's/^api key: //p')
# A transfer the merchant may read: one credited to its account.
"${M[@]}" transfer --kind topup --from 1 --to "$id" --amount 1 \
  --id 0000000000000000000000000000beef >/dev/null
"$build/mandatd" --config "$dir/mandat.conf" >"$dir/mandatd.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  if curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; then break; fi
  sleep 0.1
done
export BENCH_KEY=$key BENCH_PAYERS=$payers BENCH_THREADS=$threads
export BENCH_TRANSFER=0000000000000000000000000000beef
curl -s -f "http://127.0.0.1:$port/v1/transfers/$BENCH_TRANSFER" \
  -H "Authorization: Bearer $key" >/dev/null || { echo "bench/http: GET failed"; exit 1; }
echo "bench/http: $payers payers, wrk -t$threads -c$conns -d${secs}s, keep-alive," \
  "synchronous = full, $(nproc) cores"
echo "== GET /v1/transfers/{id}"
wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -s "$top/bench/http/get.lua" \
  "http://127.0.0.1:$port" | tee "$dir/get.txt"
echo "== POST /v1/payment-requests"
wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -s "$top/bench/http/post.lua" \
  "http://127.0.0.1:$port" | tee "$dir/post.txt"
kill "$pid"; wait "$pid" 2>/dev/null || true
pid=""
stored=$(sqlite3 "$dir/mandat.db" "select count(*) from payment_requests")
non2xx=$(sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$dir/post.txt")
total=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$dir/post.txt")
echo "check: $stored payment requests stored; wrk sent $total, ${non2xx:-0} not 2xx"
get_rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\)/\1/p' "$dir/get.txt")
post_rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\)/\1/p' "$dir/post.txt")
echo "RESULT get_rps=$get_rps post_rps=$post_rps (targets 30000 and 15000)"
"${M[@]}" check | tail -1
