#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run bench/voice: simultaneous phone calls to mandatd, driven by sipp on this machine. Each
# call (bench/voice/uac.xml) offers PCMA, is answered, hears mandat's spoken menu (20 ms G.711
# playout) while it sends A-law audio that mandat's in-band keypad detector decodes, then an
# RFC 2833 key, is held HOLD seconds in all and hung up. For every step of N calls (a fresh
# mandatd each): calls held at once (sipp's CurrentCall), call setups per second (N over the
# time to get all N answered, at the offered rate), mandatd's CPU per held call (from
# /proc/PID/stat over a window with all N held, and sipp's), and mandat's own playout lateness
# (each frame's time handed to the kernel against its schedule: those more than 20 ms late,
# p99, p99.9 and the worst, logged at stop).
# Builds nothing: uses build/release (after `make build`; MANDAT_BUILD=dir overrides).
# MANDATD="path ..." runs each step with each of these mandatd binaries in turn (say an old
# build and a new one: a side-by-side comparison under the same load); the `bin` column is the
# binary's place in that list. A path written norr:PATH runs without CAP_SYS_NICE (setpriv),
# as an unprivileged service would: the playout thread then gets no SCHED_RR (column rr: yes,
# no, or - for builds that do not say). Bounded: each step takes about hold + N / rate + 10 s.
# Usage: bench/voice.sh [--steps "100 250 500 1000"] [--rate 200] [--hold 20] [--window 10]
#                       [--keep]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${MANDAT_BUILD:-$top/build/release}
steps="100 250 500 1000"
rate=200
hold=20
window=10
keep=0
while [ $# -gt 0 ]; do
  case $1 in
    --steps) steps=$2; shift ;;
    --rate) rate=$2; shift ;;
    --hold) hold=$2; shift ;;
    --window) window=$2; shift ;;
    --keep) keep=1 ;;
    *) echo "usage: $0 [--steps \"N...\"] [--rate CPS] [--hold S] [--window S] [--keep]" >&2
       exit 2 ;;
  esac
  shift
done
mandatds=${MANDATD:-$build/mandatd}
for b in $mandatds "$build/mandat"; do
  b=${b#norr:}
  [ -x "$b" ] || { echo "bench/voice: $b missing: make build first" >&2; exit 2; }
done
command -v sipp >/dev/null || { echo "bench/voice: sipp missing (Debian sip-tester)" >&2; exit 2; }
max=0
for n in $steps; do [ "$n" -gt "$max" ] && max=$n; done
# Each call: mandat's RTP and RTCP sockets, libre's; sipp a socket and a pcap thread per call.
ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -ge $((max * 4 + 256)) ] ||
  { echo "bench/voice: ulimit -n $(ulimit -n) is too low for $max calls" >&2; exit 2; }

dir=$(mktemp -d /tmp/mandat-bench-voice-XXXXXX)
mpid=""
spid=""
cleanup() {
  [ -n "$spid" ] && kill "$spid" 2>/dev/null || true
  [ -n "$mpid" ] && kill -9 "$mpid" 2>/dev/null || true
  if [ "$keep" = 1 ]; then echo "bench/voice: kept $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT

. "$top/bench/voice_lib.sh"
# ticks PID: utime + stime of PID, in clock ticks.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# col CSV NAME: the last value of column NAME in sipp's stat CSV (';' separated).
col() {
  awk -F';' -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
    c { v = $c } END { print v + 0 }' "$1"
}
# colmax CSV NAME: the largest value of column NAME.
colmax() {
  awk -F';' -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
    c && $c + 0 > m { m = $c + 0 } END { print m + 0 }' "$1"
}
hz=$(getconf CLK_TCK)
# alaw FILE: the A-law payload of sipp's g711a.pcap (7 s of speech), for the scenario's
# rtp_stream: sipp streams it from ordinary UDP sockets (play_pcap_audio sends through a raw
# socket per call, and every raw socket open makes the kernel look at every UDP packet).
alaw() {
  python3 - "$1" <<'PY'
import struct, sys
d = open("/usr/share/sip-tester/g711a.pcap", "rb").read()
e = "<" if d[:4] == b"\xd4\xc3\xb2\xa1" else ">"
off, out = 24, b""
while off + 16 <= len(d):
    incl = struct.unpack(e + "I", d[off + 8:off + 12])[0]
    ip = d[off + 16 + 14:off + 16 + incl]  # Ethernet
    off += 16 + incl
    out += ip[(ip[0] & 15) * 4 + 8 + 12:]  # IP, UDP, RTP headers
open(sys.argv[1], "wb").write(out)
PY
}

echo "bench/voice: steps $steps, offered $rate calls/s, each held ${hold} s, CPU window" \
  "${window} s, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
i=0
for b in $mandatds; do
  i=$((i + 1))
  echo "bin $i: $b ($(stat -c %y "${b#norr:}" | cut -c1-19))"
done
printf '%6s %3s | %6s %6s %7s | %7s | %9s %6s %5s | %3s %8s %6s %7s %7s %7s | %7s %7s\n' calls \
  bin held ok failed setups/s "cpu%/call" sipp% load rr frames late p99_ms p999_ms max_ms \
  wake_ms lock_ms
status=0
for n in $steps; do
  bi=0
  for mandatd in $mandatds; do
    bi=$((bi + 1))
    sd="$dir/$n-$bi"
    mkdir -p "$sd"
    sport=$(udp_port)
    # the ramp takes n / rate seconds: hold long enough for a window with all n held
    h=$((hold > n / rate + window + 5 ? hold : n / rate + window + 5))
    alaw "$sd/audio.alaw"
    voice_mandatd "$build" "$sd" "$sport" $((max + 16)) "" "$mandatd"
    # sipp's stat CSV every second (CurrentCall, SuccessfulCall, FailedCall...), in $sd
    (cd "$sd" && exec sipp -sf "$top/bench/voice/uac.xml" -s 100 "127.0.0.1:$sport" -i 127.0.0.1 \
      -p "$(udp_port)" -mp "$(udp_port)" -r "$rate" -l "$n" -m "$n" -d $((h * 1000)) \
      -trace_stat -stf stat.csv -fd 1 -timeout $((h + n / rate + 60)) -timeout_error \
      -max_socket $((n + 64)) -bg >"$sd/sipp.out" 2>&1) || true
    # sipp -bg forks: find it by its stat file's writer
    spid=$(awk '/PID/ { gsub(/[^0-9]/, "", $NF); print $NF }' "$sd/sipp.out" | head -1)
    t0=$(date +%s.%N)
    # wait until all n are answered (SuccessfulCall counts ended calls: watch CurrentCall)
    ramp=""
    for _ in $(seq $((n / rate * 10 + 300))); do
      if [ -s "$sd/stat.csv" ] && [ "$(col "$sd/stat.csv" CurrentCall)" -ge "$n" ]; then
        ramp=$(echo "$(date +%s.%N) - $t0" | bc -l)
        break
      fi
      kill -0 "$spid" 2>/dev/null || break
      sleep 0.1
    done
    cpu="-"
    scpu="-"
    load="-"
    if [ -n "$ramp" ]; then
      c0=$(ticks "$mpid")
      p0=$(ticks "$spid")
      s0=$(date +%s.%N)
      sleep "$window"
      c1=$(ticks "$mpid")
      p1=$(ticks "$spid")
      s1=$(date +%s.%N)
      cpu=$(echo "scale=4; 100 * ($c1 - $c0) / $hz / ($s1 - $s0) / $n" | bc -l)
      scpu=$(echo "scale=0; 100 * ($p1 - $p0) / $hz / ($s1 - $s0)" | bc -l)
      load=$(cut -d' ' -f1 /proc/loadavg)
    fi
    for _ in $(seq $((h * 10 + 600))); do
      kill -0 "$spid" 2>/dev/null || break
      sleep 0.1
    done
    kill -TERM "$mpid"
    wait "$mpid" || true
    mpid=""
    ok=$(col "$sd/stat.csv" "SuccessfulCall(C)")
    failed=$(col "$sd/stat.csv" "FailedCall(C)")
    # answered calls per second: mandat's first to last "answered" line
    setups=$(grep ' answered from ' "$sd/mandatd.log" | awk '{ split(substr($1, 12, 12), t, ":")
        s = t[1] * 3600 + t[2] * 60 + t[3]; if (NR == 1) f = s; l = s; n = NR }
      END { if (n > 1 && l > f) printf "%d", (n - 1) / (l - f); else print "-" }')
    held=$(colmax "$sd/stat.csv" CurrentCall)
    # "sip: playout: F frames sent, L more than 20 ms late, latest M ms[, p99 P ms, p99.9 Q ms...]"
    # [..., woke up to W ms late, waited up to K ms for the lock]": wake_ms, the playout thread's
    # latest wake-up after its millisecond; lock_ms, its longest wait for its mutex (builds
    # before 2026-12-07 08:00 print neither, nor percentiles)
    read -r frames late maxms p99 p999 wake lock < <(grep 'sip: playout: ' "$sd/mandatd.log" | tail -1 |
      awk '{ for (i = 1; i <= NF; i++) {
          if ($i == "frames") f = $(i - 1); if ($i == "more") l = $(i - 1)
          if ($i == "latest") m = $(i + 1); if ($i == "p99") p = $(i + 1)
          if ($i == "p99.9") q = $(i + 1); if ($i == "woke") w = $(i + 3)
          if ($i == "waited") k = $(i + 3) }
        if (f != "") print f, l, m, (p != "" ? p : "-"), (q != "" ? q : "-"), (w != "" ? w : "-"),
          (k != "" ? k : "-") }')
    rr=-
    grep -q 'playout thread at SCHED_RR' "$sd/mandatd.log" && rr=yes
    grep -q 'playout thread at normal priority' "$sd/mandatd.log" && rr=no
    printf '%6s %3s | %6s %6s %7s | %7s | %9s %6s %5s | %3s %8s %6s %7s %7s %7s | %7s %7s\n' \
      "$n" "$bi" "$held" "$ok" "$failed" "$setups" "$cpu" "$scpu" "$load" "$rr" "${frames:--}" \
      "${late:--}" "${p99:--}" "${p999:--}" "${maxms:--}" "${wake:--}" "${lock:--}"
    if [ "$ok" -lt "$n" ] || [ -z "${frames:-}" ]; then status=1; fi
  done
done
exit $status
