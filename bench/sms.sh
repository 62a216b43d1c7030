#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run bench/sms: a donation campaign through real SMPP binds. N numbers each text
# "DON 5 TELETHON" to 71004 and then confirm with their code; bench_sms is the SMSC, mandatd
# binds to it as an ESME. Three runs, each with the same generator and window:
#   1. trivial: the generator against an ESME that does no work (bench_sms esme): the
#      generator's own ceiling and CPU cost, to show it is not the bottleneck;
#   2. mandat:  mandatd on a store preloaded with the N customers (bench_sms setup), durable
#      commits (synchronous = full); then `mandat check` and the association's balance;
#   3. kannel (with --kannel): bearerbox + smsbox forwarding to a trivial HTTP application that
#      answers with the same texts (bench/sms_kannel.sh), and the ratio.
# Builds nothing: uses build/release (after `make build`; MANDAT_BUILD=dir and BENCH_SMS=binary
# override). Everything is bounded in time. Exit status 0 only when every run and check passed.
# Usage: bench/sms.sh [--numbers 100000] [--window 1000] [--mt-window 100] [--log warn]
#                     [--kannel] [--no-msgid] [--seconds-max 600] [--keep]
# --no-msgid: MOs without the SMSC's id (receipted_message_id), as most SMSCs send them: mandat
# then tracks each acknowledgement until the SMSC is known to have read it (in-doubt tracking).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${MANDAT_BUILD:-$top/build/release}
bench=${BENCH_SMS:-$build/bench/bench_sms}
mandatd=$build/mandatd
mandat=$build/mandat
numbers=100000
window=1000
mt_window=100
log=warn
kannel=0
secs=600
keep=0
msgid=()
while [ $# -gt 0 ]; do
  case $1 in
    --numbers) numbers=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --mt-window) mt_window=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --kannel) kannel=1; shift ;;
    --no-msgid) msgid=(--no-msgid); shift ;;
    --seconds-max) secs=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--numbers N] [--window W] [--mt-window W] [--log LEVEL] [--kannel]" \
            "[--seconds-max S] [--keep]" >&2; exit 2 ;;
  esac
done
for f in "$bench" "$mandatd" "$mandat"; do
  if [ ! -x "$f" ]; then echo "bench/sms: $f is missing: build first (make build)" >&2; exit 2; fi
done
dir=$(mktemp -d /tmp/mandat-sms-XXXXXX)
pids=()
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  if [ "$keep" = 1 ]; then echo "kept $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT

# wait_file FILE SECONDS: until FILE is non-empty.
wait_file() {
  for _ in $(seq $(($2 * 10))); do
    if [ -s "$1" ]; then return 0; fi
    sleep 0.1
  done
  echo "bench/sms: $1 did not appear within $2 s" >&2
  return 1
}

# wait_pid PID SECONDS: until PID exits (its status in $status); kill -9 after SECONDS.
status=0
failed=0
wait_pid() {
  status=0
  for _ in $(seq $(($2 * 10))); do
    if ! kill -0 "$1" 2>/dev/null; then wait "$1" 2>/dev/null || status=$?; return 0; fi
    sleep 0.1
  done
  echo "bench/sms: pid $1 still running after $2 s: killed" >&2
  kill -9 "$1" 2>/dev/null || true
  status=124
}

# gen_done LABEL: report a generator that saw errors or did not finish.
gen_done() {
  if [ "$status" != 0 ]; then
    echo "bench/sms: the $1 run failed (exit $status):"; tail -n 5 "$dir/$1.err"
    failed=1
  fi
}

gen() { # gen LABEL EXTRA...: the generator in the background, its port in $dir/LABEL.port
  local label=$1; shift
  "$bench" smsc --port 0 --numbers "$numbers" --window "$window" --seconds-max "$secs" \
    --ready-file "$dir/$label.port" --label "$label" ${msgid[@]+"${msgid[@]}"} "$@" >"$dir/$label.out" 2>"$dir/$label.err" &
  gen_pid=$!
  pids+=("$gen_pid")
  wait_file "$dir/$label.port" 10
}

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
"$bench" setup --db "$dir/mandat.db" --key "$dir/pin.key" --numbers "$numbers" \
  --association-file "$dir/association"
gen mandat --peer-pid-file "$dir/mandatd.pid" --stop-peer
cat >"$dir/mandat.conf" <<CONF
[store]
path = $dir/mandat.db
synchronous = full
[log]
level = $log
[http]
listen =
[vault]
key_file = $dir/pin.key
[smpp]
host = 127.0.0.1
port = $(cat "$dir/mandat.port")
system_id = mandat
password = secret
transceiver = yes
window = $mt_window
registered_delivery = no
CONF
# The pid file is written before mandatd runs, so the generator finds it at bind time.
sh -c 'echo $$ >"$1"; shift; exec "$@"' _ "$dir/mandatd.pid" "$mandatd" --config "$dir/mandat.conf" \
  >"$dir/mandatd.log" 2>&1 &
mandatd_pid=$!
pids+=("$mandatd_pid")
wait_pid "$gen_pid" $((secs + 40))
gen_done mandat
wait_pid "$mandatd_pid" 60
grep -v '^RESULT' "$dir/mandat.out" || true
if grep -qiE 'error|assert' "$dir/mandatd.log"; then
  echo "bench/sms: mandatd logged errors:"; grep -iE 'error|assert' "$dir/mandatd.log" | head -5
fi
"$mandat" --config "$dir/mandat.conf" check || failed=1
assoc=$(cat "$dir/association")
given=$("$mandat" --config "$dir/mandat.conf" account show "$assoc" --json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["balance_minor"])')
want=$((numbers * 500))
if [ "$given" = "$want" ]; then
  echo "check: association TELETHON received $given cents = $numbers x 5 EUR: ok"
else
  echo "check: association TELETHON received $given cents, expected $want: WRONG"
  failed=1
fi

# 3. Kannel.
if [ "$kannel" = 1 ]; then
  BENCH_SMS=$bench "$top/bench/sms_kannel.sh" --numbers "$numbers" --window "$window" \
    --mt-window "$mt_window" --seconds-max "$secs" --dir "$dir/kannel" >"$dir/kannel.out" 2>&1 ||
    { echo "bench/sms: the Kannel run failed (see below)"; failed=1; }
  grep -v '^RESULT' "$dir/kannel.out" || true
fi

# Summary: one line per run, and the ratio mandat / Kannel.
echo
grep -h '^RESULT' "$dir"/trivial.out "$dir"/mandat.out "$dir"/kannel.out 2>/dev/null | python3 -c '
import sys
rows = {}
for line in sys.stdin:
    f = line.split()
    rows[f[1]] = dict(kv.split("=") for kv in f[2:])
print("%-8s %9s %8s %8s %9s %9s %7s %9s %9s" % ("run", "MOs", "secs", "MO/s", "p50_us",
      "p99_us", "errors", "gen_cpu%", "peer_cpu%"))
for k, r in rows.items():
    w = float(r["wall"]) or 1
    print("%-8s %9s %8s %8s %9s %9s %7s %9.0f %9.0f" % (k, r["mos"], r["secs"], r["mo_per_s"],
          r["p50_us"], r["p99_us"], r["errors"], 100 * float(r["gen_cpu"]) / w,
          100 * float(r["peer_cpu"]) / w))
if "mandat" in rows and "kannel" in rows and float(rows["kannel"]["mo_per_s"]) > 0:
    print("ratio mandat / kannel: %.1fx MO/s" % (float(rows["mandat"]["mo_per_s"]) /
          float(rows["kannel"]["mo_per_s"])))
'
exit "$failed"
