#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The phone channel end to end (issue 14): mandatd with [sip] on 127.0.0.1, baresip as the
# caller driven through its ctrl_tcp module (no sound card: aufile plays silence in, aubridge
# takes what comes out, sndfile records it), and a raw UDP client for what baresip cannot do.
# Checks OPTIONS, 403 off the allow-list, garbage survived, a call answered with the menu
# audible, an RFC 4733 key reaching the menu and the balance asked of the dialog, keys by SIP
# INFO, 503 with Retry-After beyond max_calls, and BYE ending the call.
# Usage: test_sip.sh MANDAT MANDATD
set -euo pipefail
mandat=$1
mandatd=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
raw="$top/tests/e2e/sip_raw.py"
. "$top/tests/e2e/lib.sh"
. "$top/tests/e2e/sip_lib.sh"
e2e_init sip

# peak WAV: the loudest sample of baresip's 16-bit mono recording so far (read past its 44-byte
# header, which sndfile completes only at the end), and its length in seconds.
peak() {
  python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()[44:]
n = len(d) // 2
s = struct.unpack("<%dh" % n, d[: 2 * n])
print(max((abs(x) for x in s), default=0), n // 8000)
PY
}

# heard: within 10 s, baresip's recording of the call holds sound (the menu's prompt).
heard() {
  local wav loud secs
  for _ in $(seq 100); do
    wav=$(ls "$bs"/dump-*-dec.wav 2>/dev/null | head -1 || true)
    if [ -n "$wav" ]; then
      read -r loud secs < <(peak "$wav")
      if [ "$loud" -gt 2000 ]; then ok "received audio peak $loud"; return 0; fi
    fi
    sleep 0.1
  done
  bad "baresip heard no prompt (recording: ${wav:-none})"
}

sip_conf 1 3 "retry_after = 7"
"${M[@]}" init >/dev/null
start
log_has "sip listening" "sip: listening on 127.0.0.1:$sport"

out=$(python3 "$raw" options 127.0.0.1 "$sport" 2>&1 || true)
if [[ "$out" == *"SIP/2.0 200 OK"* && "$out" == *"allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO"* ]]; then ok; else bad "OPTIONS: $out"; fi
out=$(python3 "$raw" tcp "$sport" 2>&1 || true)
if [[ "$out" == "SIP/2.0 200 OK" ]]; then ok; else bad "OPTIONS over TCP: $out"; fi
# 127.0.0.2 is loopback too, but not in [sip] allow (127.0.0.1 ::1).
out=$(python3 "$raw" options 127.0.0.2 "$sport" 2>&1 || true)
if [[ "$out" == *"SIP/2.0 403"* ]]; then ok; else bad "OPTIONS off the allow-list: $out"; fi
python3 "$raw" garbage "$sport" >/dev/null
out=$(python3 "$raw" options 127.0.0.1 "$sport" 2>&1 || true)
if [[ "$out" == *"SIP/2.0 200 OK"* ]]; then ok; else bad "OPTIONS after garbage: $out"; fi

# Keys by SIP INFO on a raw call: answered in PCMA, prompt packets flowing, the key in the menu.
out=$(python3 "$raw" info "$sport" 4 2>&1 || true)
for want in "SIP/2.0 200 OK" "answer: PCMA" "rtp: received" "info: SIP/2.0 200 OK" \
  "bad info: SIP/2.0 400" "bye: SIP/2.0 200 OK"; do
  if [[ "$out" == *"$want"* ]]; then ok; else bad "INFO call: wanted \"$want\", got: $out"; fi
done
log_has "INFO key" "sip: call 1 key 4 (info)"
log_has "INFO call ended" "sip: call 1 ended:"

# A caller that sends no RTP is hung up on after rtp_timeout (3 s), with a BYE.
out=$(python3 "$raw" silent "$sport" 2>&1 || true)
if [[ "$out" == *"SIP/2.0 200 OK"* && "$out" == *"bye from mandat"* ]]; then ok; else bad "silent caller: $out"; fi
log_has "RTP timeout" "sip: call 2: no RTP for 3 s: hanging up"
log_has "silent call ended" "sip: call 2 ended:"

# baresip, the caller +33 6 12 34 56 78, who has a wallet.
"${M[@]}" sms 0612345678 INSCRIPTION >/dev/null
baresip_start +33612345678

out=$(ctrl dial "sip:mandat@127.0.0.1:$sport" 2>&1 || true)
if [[ "$out" == *'"ok":true'* ]]; then ok; else bad "dial: $out"; fi
log_has "baresip's call answered" "sip: call 3 from +33612345678"
# The menu's prompt reaches baresip (its recording is not silent), then a key stops it.
heard
out=$(ctrl sndcode 1 2>&1 || true)
if [[ "$out" == *'"ok":true'* ]]; then ok; else bad "sndcode: $out"; fi
log_has "RFC 4733 key" "sip: call 3 key 1 (rfc4733)"
log_has "balance asked of the dialog" "sip: call 3: balance answered"
# The question is in the dialog's record as the caller's, on the voice channel (4), once.
n=$(db "select count(*) from inbox where channel = 4 and source = '+33612345678' and text = 'SOLDE'")
if [ "$n" = 1 ]; then ok; else bad "voice balance question recorded $n times"; fi

# A second call while one is held: 503 with the configured Retry-After.
out=$(python3 "$raw" busy "$sport" 2>&1 || true)
if [[ "$out" == *"SIP/2.0 503"* && "$out" == *"retry-after: 7"* ]]; then ok; else bad "busy: $out"; fi
log_has "busy logged" "refused: 1 calls held"

out=$(ctrl hangup 2>&1 || true)
if [[ "$out" == *'"ok":true'* ]]; then ok; else bad "hangup: $out"; fi
log_has "BYE ends the call" "sip: call 3 ended:"
# mandatd heard baresip's stream (silence, so no packet with sound).
if grep -q "sip: call 3 ended: [1-9][0-9]* audio packets received, 0 with sound" "$dir/mandatd.log"; then ok; else bad "call 3's RTP not counted"; fi

# The whole recording, closed at the hangup: sound over about the call's length.
wav=$(ls "$bs"/dump-*-dec.wav 2>/dev/null | head -1 || true)
read -r loud secs < <(peak "$wav")
if [ "$loud" -gt 2000 ]; then ok "recorded ${secs}s, peak $loud"; else bad "recording silent (peak $loud)"; fi

stop
if grep -q "mandatd stopped" "$dir/mandatd.log"; then ok; else bad "mandatd did not stop cleanly"; fi
# Under ASan the SIP thread's libre objects must all be freed at stop (LeakSanitizer reports).
if grep -q "Sanitizer\|runtime error" "$dir/mandatd.log"; then bad "sanitizer report in the log"; else ok; fi
e2e_done sip
