#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hostile clients against a real mandatd (issue 11, item 4), and well-behaved load between
# them (messages over keep-alive, answered once durable): huge heads, many header lines, a
# 1 MiB URL, a 32 MiB header line (CPU time of mandatd measured), a 300 MB request line (its RSS
# measured), 300 slow connections (cut at the deadline), repeated Content-Length, the per-address
# cap, and descriptor exhaustion under a low `ulimit -n` (CPU and log of mandatd measured, then
# a normal request served). The raw clients are hostile.py. Usage: test_http_hostile.sh MANDAT
# MANDATD
set -euo pipefail
mandat=$1
mandatd=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/e2e/lib.sh"
e2e_init hostile
H=(python3 "$top/tests/security/hostile.py")
tck=$(getconf CLK_TCK)

# port 0: start sets port and base from the ports mandatd got
e2e_conf 0
# Short deadlines so that the test is short; the caps fit the attacks below.
sed -i "s/^dev_mode = true$/dev_mode = true\nrequest_timeout = 2\nmax_connections = 1024\nmax_connections_per_address = 350/" \
  "$dir/mandat.conf"
"${M[@]}" init >/dev/null

# cpu_ticks: user + system time of mandatd so far, in clock ticks. rss_kb: its resident memory.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
# run COMMAND...: a hostile.py line is a result.
run() { run_at "$port" "$@"; }
# run_at PORT COMMAND...: the same against another listener (the internal one).
run_at() {
  local line p=$1
  shift
  while IFS= read -r line; do
    case $line in
      ok*) ok "${line#ok   }" ;;
      FAIL*) bad "${line#FAIL }" ;;
      *) echo "$line" ;;
    esac
  done < <(MANDAT_KSECRET=$ksecret "${H[@]}" "$p" "$@" 2>&1)
}
healthy() { # WHAT: a normal request is served
  if [ "$(curl -s --max-time 5 "$base/healthz")" = "ok" ]; then ok "$1"; else bad "$1"; fi
}

start
healthy "served before the attacks"
run head headers64k
run head lines20k
run head url1m

before=$(cpu_ticks)
t0=$(date +%s%N)
run head line32m
spent=$(($(cpu_ticks) - before))
elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
# The old server took 3.5 s of CPU (quadratic); reading 32 MiB from the socket costs ~0.1 s.
if [ "$spent" -lt "$tck" ]; then
  ok "32 MiB header line: $((spent * 1000 / tck)) ms of mandatd CPU, answered in $elapsed_ms ms"
else
  bad "32 MiB header line: $((spent * 1000 / tck)) ms of mandatd CPU (want < 1000)"
fi

rss0=$(rss_kb)
run stream 300
rss1=$(rss_kb)
# The old server held the whole line: 370 MB more.
if [ $((rss1 - rss0)) -lt 65536 ]; then
  ok "300 MB request line: RSS $((rss0 / 1024)) -> $((rss1 / 1024)) MB"
else
  bad "300 MB request line: RSS grew from $((rss0 / 1024)) to $((rss1 / 1024)) MB"
fi

run head cl-dup
run_at "$iport" load 32 2
run slow 300 0.5
run cap 350
healthy "served after the attacks"
stop

# Descriptor exhaustion: mandatd with 64 descriptors, 300 clients connecting. The old accept
# loop spun at 100 % CPU and logged megabytes a second.
sed -i "s/^max_connections_per_address = 350$/max_connections_per_address = 1024/" \
  "$dir/mandat.conf"
(
  ulimit -n 64
  exec "$mandatd" --config "$dir/mandat.conf" >>"$dir/mandatd.log" 2>&1
) &
pid=$!
for _ in $(seq 50); do
  if curl -s -o /dev/null "$base/healthz"; then break; fi
  sleep 0.1
done
paused() { grep -c "cannot accept connections" "$dir/mandatd.log" || true; }
p0=$(paused)
"${H[@]}" "$port" flood 300 4 >"$dir/flood.out" 2>&1 &
flood=$!
e2e_track "$flood"
# Out of descriptors once the pause is logged (10 s at most); then two seconds measured.
for _ in $(seq 100); do
  if [ "$(paused)" -gt "$p0" ]; then break; fi
  sleep 0.1
done
log0=$(stat -c %s "$dir/mandatd.log")
before=$(cpu_ticks)
sleep 2 # the window measured, not a wait for an event
spent=$(($(cpu_ticks) - before))
grown=$(($(stat -c %s "$dir/mandatd.log") - log0))
# Two seconds are 2 * tck ticks at 100 %; paused accepting costs almost nothing.
if [ "$spent" -lt $((tck / 2)) ]; then
  ok "out of descriptors ($(cat "$dir/flood.out")): $((spent * 1000 / tck)) ms of CPU in 2 s"
else
  bad "out of descriptors: $((spent * 1000 / tck)) ms of CPU in 2 s (spinning?)"
fi
if [ "$grown" -lt 65536 ]; then
  ok "out of descriptors: the log grew by $grown bytes in 2 s"
else
  bad "out of descriptors: the log grew by $grown bytes in 2 s"
fi
if grep -q "cannot accept connections" "$dir/mandatd.log"; then ok; else bad "no pause logged"; fi
wait "$flood" || true
for _ in $(seq 50); do
  if [ "$(curl -s --max-time 1 "$base/healthz")" = "ok" ]; then break; fi
  sleep 0.1
done
healthy "served once the clients closed"
stop

e2e_done hostile
