#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Read-backs synthesised off the loop (issue 14: channel/sip/speech.c). Twelve raw SIP callers
# with distinct balances key 1 at once and all hang up the moment each answer is queued to be
# spoken (sip_raw.py burst): read-backs still queued or being synthesised when their call ends
# are dropped (the log says so, up to three bursts until one is), never played, and mandatd
# neither crashes nor leaks (the test runs under ASan in make test: its report would be in the
# log); it still answers its health check and the next call.
# Usage: test_sip_readback.sh MANDAT MANDATD
set -euo pipefail
mandat=$1
mandatd=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
raw="$top/tests/e2e/sip_raw.py"
. "$top/tests/e2e/lib.sh"
. "$top/tests/e2e/sip_lib.sh"
e2e_init sip_readback

CALLS=12
sip_conf $((CALLS + 2)) 30
"${M[@]}" init >/dev/null
start
log_has "sip listening" "sip: listening on 127.0.0.1:$sport"
numbers=()
for i in $(seq $CALLS); do
  n=$(printf '+3361000%04d' "$i")
  "${M[@]}" sms "$n" INSCRIPTION >/dev/null
  a=$(db "select account_id from customers where phone = '$n'")
  "${M[@]}" transfer --kind topup --from 1 --to "$a" --amount "$((10 + i)).$((20 + i))" >/dev/null
  numbers+=("$n")
done

dropped=0
for round in 1 2 3; do
  out=$(timeout 60 python3 "$raw" burst "$sport" 1 "$dir/mandatd.log" "${numbers[@]}" 2>&1 || true)
  n=$(grep -c "^bye: SIP/2.0 200" <<<"$out" || true)
  if [ "$n" = "$CALLS" ]; then ok; else bad "burst $round: $n of $CALLS calls hung up: $out"; fi
  log_has "burst $round: every call ended" "sip: call .* ended:" $((round * CALLS))
  dropped=$(grep -c "its read-back, not yet spoken, is dropped" "$dir/mandatd.log" || true)
  if [ "$dropped" -gt 0 ]; then break; fi
done
if [ "$dropped" -gt 0 ]; then ok "$dropped read-backs dropped with their calls"; else bad "no read-back was still being synthesised when its call ended, in 3 bursts"; fi
# A dropped read-back is never played: its call has no "read-back spoken" line.
for c in $(sed -n 's/.*sip: call \([0-9]*\): its read-back, not yet spoken, is dropped.*/\1/p' "$dir/mandatd.log"); do
  if grep -q "sip: call $c: read-back spoken" "$dir/mandatd.log"; then bad "call $c's dropped read-back was played"; fi
done
ok
if curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz" | grep -q 200; then ok; else bad "no health check after the bursts"; fi
out=$(python3 "$raw" info "$sport" 1 2>&1 || true)
if [[ "$out" == *"rtp: received"* && "$out" == *"bye: SIP/2.0 200"* ]]; then ok; else bad "the next call: $out"; fi

stop
if grep -q "Sanitizer\|runtime error" "$dir/mandatd.log"; then bad "sanitizer report in the log"; else ok; fi
e2e_done sip_readback
