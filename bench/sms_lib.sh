# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034 # the variables below are the caller's
# bench/sms and bench/cards, the shell they share (sourced, after top= is set): the binaries and
# common defaults, the run directory and its cleanup, waiting on files and processes, the
# generator (bench_sms smsc) in the background, a store preloaded by bench_sms setup, a mandatd
# run bound to the generator with durable commits and `mandat check` after it, and the summary
# table of the generators' RESULT lines. The caller calls sms_defaults, then sms_parse "$@" (with
# its extra_option function and usage text), then sms_start.

# sms_defaults NAME NUMBERS SECONDS: me=NAME (for messages), the binaries (MANDAT_BUILD=dir and
# BENCH_SMS=binary override build/release) and the defaults of the options both benchmarks take.
sms_defaults() {
  me=$1
  numbers=$2
  secs=$3
  build=${MANDAT_BUILD:-$top/build/release}
  bench=${BENCH_SMS:-$build/bench/bench_sms}
  mandatd=$build/mandatd
  mandat=$build/mandat
  window=1000
  mt_window=100
  log=warn
  keep=0
  msgid=()
  pids=()
  failed=0
}

# sms_option ARGS...: the option at the front of ARGS if both benchmarks take it (--numbers,
# --window, --mt-window, --log, --seconds-max, --keep); shifted gets how many words it took,
# 0 when it is another.
sms_option() {
  shifted=2
  case $1 in
    --numbers) numbers=$2 ;;
    --window) window=$2 ;;
    --mt-window) mt_window=$2 ;;
    --log) log=$2 ;;
    --seconds-max) secs=$2 ;;
    --keep) keep=1; shifted=1 ;;
    *) shifted=0 ;;
  esac
}

# sms_parse ARGS...: the command line. Options sms_option does not know go to the caller's
# extra_option, which sets shifted like it (0: unknown); an unknown option prints "usage: $usage"
# and exits 2.
sms_parse() {
  while [ $# -gt 0 ]; do
    sms_option "$@"
    if [ "$shifted" = 0 ]; then extra_option "$@"; fi
    if [ "$shifted" = 0 ]; then echo "usage: $usage" >&2; exit 2; fi
    shift "$shifted"
  done
}

# sms_start NAME: check the binaries, make $dir (/tmp/NAME-XXXXXX); at exit, kill what was
# started (pids) and remove $dir unless --keep.
sms_start() {
  for f in "$bench" "$mandatd" "$mandat"; do
    if [ ! -x "$f" ]; then echo "$me: $f is missing: build first (make build)" >&2; exit 2; fi
  done
  dir=$(mktemp -d "/tmp/$1-XXXXXX")
  trap sms_cleanup EXIT
}

# shellcheck disable=SC2317 # called by the trap
sms_cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  if [ "$keep" = 1 ]; then echo "kept $dir"; else rm -rf "$dir"; fi
}

# wait_file FILE SECONDS: until FILE is non-empty.
wait_file() {
  for _ in $(seq $(($2 * 10))); do
    if [ -s "$1" ]; then return 0; fi
    sleep 0.1
  done
  echo "$me: $1 did not appear within $2 s" >&2
  return 1
}

# wait_pid PID SECONDS: until PID exits (its status in $status); kill -9 after SECONDS.
status=0
wait_pid() {
  status=0
  for _ in $(seq $(($2 * 10))); do
    if ! kill -0 "$1" 2>/dev/null; then wait "$1" 2>/dev/null || status=$?; return 0; fi
    sleep 0.1
  done
  echo "$me: pid $1 still running after $2 s: killed" >&2
  kill -9 "$1" 2>/dev/null || true
  status=124
}

# gen_done LABEL: report a generator that saw errors or did not finish.
gen_done() {
  if [ "$status" != 0 ]; then
    echo "$me: the $1 run failed (exit $status):"; tail -n 5 "$dir/$1.err"
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

# store_of LABEL: where run LABEL keeps its store: $dir/LABEL.db, or for a LABEL ending in _pg the
# schema LABEL on the PostgreSQL server at $pg_uri (bench/sms.sh --store postgres starts it).
store_of() {
  case $1 in
    *_pg) echo "$pg_uri?options=-csearch_path%3D$1" ;;
    *) echo "$dir/$1.db" ;;
  esac
}

# setup LABEL EXTRA...: the store of LABEL (store_of) with the N customers (and what EXTRA asks, e.g.
# --cards RING), the association's account id in $dir/LABEL.association.
setup() {
  local label=$1; shift
  "$bench" setup --db "$(store_of "$label")" --key "$dir/pin.key" --numbers "$numbers" \
    --association-file "$dir/$label.association" "$@"
}

# mandat_run LABEL GEN_EXTRA...: mandatd on LABEL's store (store_of; config $dir/LABEL.conf, durable
# commits, the card key ring $dir/cards.keys), bound to a generator run with GEN_EXTRA; then
# `mandat check`. The generator's report, but its RESULT line, is printed.
mandat_run() {
  local label=$1 pid; shift
  gen "$label" --peer-pid-file "$dir/$label.mandatd.pid" --stop-peer "$@"
  cat >"$dir/$label.conf" <<CONF
[store]
path = $(store_of "$label")
synchronous = full
[log]
level = $log
[http]
listen =
[vault]
key_file = $dir/pin.key
[cards]
key_ring = $dir/cards.keys
[smpp]
host = 127.0.0.1
port = $(cat "$dir/$label.port")
system_id = mandat
password = secret
transceiver = yes
window = $mt_window
registered_delivery = no
CONF
  # The pid file is written before mandatd runs, so the generator finds it at bind time.
  sh -c 'echo $$ >"$1"; shift; exec "$@"' _ "$dir/$label.mandatd.pid" "$mandatd" \
    --config "$dir/$label.conf" >"$dir/$label.mandatd.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_pid "$gen_pid" $((secs + 40))
  gen_done "$label"
  wait_pid "$pid" 60
  grep -v '^RESULT' "$dir/$label.out" || true
  if grep -qiE 'error|assert' "$dir/$label.mandatd.log"; then
    echo "$me: mandatd logged errors:"; grep -iE 'error|assert' "$dir/$label.mandatd.log" | head -5
  fi
  "$mandat" --config "$dir/$label.conf" check || failed=1
}

# check_association LABEL: the association of run LABEL received N x 5 EUR.
check_association() {
  local given want=$((numbers * 500))
  given=$("$mandat" --config "$dir/$1.conf" account show "$(cat "$dir/$1.association")" --json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["balance_minor"])')
  if [ "$given" = "$want" ]; then
    echo "check: association TELETHON received $given cents = $numbers x 5 EUR: ok"
  else
    echo "check: association TELETHON received $given cents, expected $want: WRONG"
    failed=1
  fi
}

# summary NUM DEN FILE...: one line per RESULT line of FILEs (done/s: numbers whose order was
# confirmed, per second; peer_us/d: the peer's CPU microseconds per confirmed order, which other
# load on the machine disturbs less than rates), then run NUM's figures over run DEN's.
summary() {
  local num=$1 den=$2; shift 2
  echo
  { grep -h '^RESULT' "$@" 2>/dev/null || true; } | python3 -c '
import sys
num, den = sys.argv[1], sys.argv[2]
rows = {}
for line in sys.stdin:
    f = line.split()
    rows[f[1]] = dict(kv.split("=") for kv in f[2:])
print("%-8s %9s %8s %8s %8s %9s %9s %7s %9s %9s %9s" % ("run", "MOs", "secs", "MO/s",
      "done/s", "p50_us", "p99_us", "errors", "gen_cpu%", "peer_cpu%", "peer_us/d"))
for k, r in rows.items():
    w = float(r["wall"]) or 1
    s = float(r["secs"])
    done = int(r.get("done", 0))
    r["done_per_s"] = done / s if s > 0 else 0
    r["cpu_per_done"] = 1e6 * float(r["peer_cpu"]) / done if done > 0 else 0
    print("%-8s %9s %8s %8s %8.0f %9s %9s %7s %9.0f %9.0f %9.0f" % (k, r["mos"], r["secs"],
          r["mo_per_s"], r["done_per_s"], r["p50_us"], r["p99_us"], r["errors"],
          100 * float(r["gen_cpu"]) / w, 100 * float(r["peer_cpu"]) / w, r["cpu_per_done"]))
if num in rows and den in rows and float(rows[den]["mo_per_s"]) > 0:
    print("ratio %s / %s: %.2fx MO/s, %.2fx confirmed orders/s, %.2fx peer CPU per order" % (
          num, den, float(rows[num]["mo_per_s"]) / float(rows[den]["mo_per_s"]),
          rows[num]["done_per_s"] / (rows[den]["done_per_s"] or 1),
          rows[num]["cpu_per_done"] / (rows[den]["cpu_per_done"] or 1)))
' "$num" "$den"
}
