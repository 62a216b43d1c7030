#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A call's last words are heard to the end and then hung up on (issue 14): a caller who presses a
# key while mandatd says goodbye (# in the menu), or while it tells a hidden number that it tried
# too many references, gets mandatd's BYE as soon as the prompt ends, not when the RTP timeout
# (30 s here) ends the call: a key no longer stops a final prompt, which held a call slot.
# Usage: test_sip_goodbye.sh MANDAT MANDATD
set -euo pipefail
mandat=$1
mandatd=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
raw="$top/tests/e2e/sip_raw.py"
. "$top/tests/e2e/lib.sh"
. "$top/tests/e2e/sip_lib.sh"
e2e_init sip_goodbye

sip_conf 2 30
"${M[@]}" init >/dev/null
start
log_has "sip listening" "sip: listening on 127.0.0.1:$sport"

# hung_up N OUT: call N's raw caller got mandatd's BYE within 8 s of its last key (the longest
# last words, "too many", last about 3.5 s).
hung_up() {
  local secs
  for _ in $(seq 200); do
    if grep -q "bye from mandat\|no bye from mandat" "$2"; then break; fi
    sleep 0.1
  done
  secs=$(sed -n 's/^bye from mandat after \([0-9.]*\) s$/\1/p' "$2")
  if [ -n "$secs" ] && python3 -c "import sys; sys.exit(0 if $secs < 8 else 1)"; then
    ok "call $1 hung up ${secs} s after the key"
  else
    bad "call $1: no BYE from mandatd after a key in its last prompt: $(tr '\n' ' ' <"$2")"
  fi
  log_has "call $1 ended" "sip: call $1 ended:"
}

fifo="$dir/keys"
mkfifo "$fifo"
# call FROM: a raw call from FROM keying what is written to fd 3, its output in $dir/raw-N.out.
n=0
call() {
  n=$((n + 1))
  python3 "$raw" keys "$sport" "$1" <"$fifo" >"$dir/raw-$n.out" 2>&1 &
  e2e_track $!
  exec 3>"$fifo"
}

# 1. The menu's # (goodbye), then 1 while goodbye plays (keyed once the log says it plays: a
# key keyed with the # could reach the SIP thread before the goodbye does, and stop nothing).
call +33612345678
log_has "call answered" "sip: call 1 from +33612345678"
echo '#' >&3
log_has "goodbye said" "sip: call 1 says goodbye"
echo '1?' >&3
exec 3>&-
hung_up 1 "$dir/raw-1.out"

# 2. A hidden number keys three references that find no order; a key during "too many".
call anonymous
log_has "hidden number answered" "sip: call 2 from anonymous"
for i in 1 2; do
  echo '123456#' >&3
  log_has "no order $i" "sip: call 2 says no_order" $i
done
echo '123456#' >&3
log_has "too many references" "sip: call 2 says too_many"
echo '1?' >&3
exec 3>&-
hung_up 2 "$dir/raw-2.out"

# Both call slots (max_calls = 2) are free again: a new call is answered.
call +33612345678
log_has "call answered after the hang-ups" "sip: call 3 from +33612345678"
echo BYE >&3
exec 3>&-
log_has "call 3 ended" "sip: call 3 ended:"

stop
if grep -q "Sanitizer\|runtime error" "$dir/mandatd.log"; then bad "sanitizer report in the log"; else ok; fi
e2e_done sip_goodbye
