#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The phone channel speaks and hears (issue 14). baresip (the caller, ctrl_tcp) records what
# mandatd says: the French menu, stopped by 9 (barge-in), the English menu, then the balance in
# words, each found in the recording, in that order, closer to the audio `mandat prompt say`
# makes of its own words than to the other language's (sip_audio.py order). A caller that sends
# only in-band tones (baresip playing a WAV of DTMF tones through aufile; it never sends RFC 4733
# unless asked) drives the menu to the balance. A trunk sending each key both as RFC 4733 and as
# the tone counts each press once, and a real repeat twice. A French wallet's caller who
# switches to English with 9 and sends more than the wallet holds hears the refusal at once in
# English words (the amount available in words), not the French SMS.
# Usage: test_sip_speech.sh MANDAT MANDATD
set -euo pipefail
mandat=$1
mandatd=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
raw="$top/tests/e2e/sip_raw.py"
audio="$top/tests/e2e/sip_audio.py"
. "$top/tests/e2e/lib.sh"
. "$top/tests/e2e/sip_lib.sh"
e2e_init sip_speech

# The menu's words (dialog/voice.c) and the balance's (dialog/voice_text.c).
FR_MENU="Bienvenue chez mandat. Pour votre solde, tapez 1. Pour envoyer de l'argent, tapez 2. Pour payer une commande, tapez 3. Pour un don, tapez 4. For English, press 9."
EN_MENU="Welcome to mandat. For your balance, press 1. To send money, press 2. To pay an order, press 3. To give to a charity, press 4. Pour le français, tapez 9."
say() { # LANG OUT TEXT...: the expected audio, 16-bit linear as baresip records it
  local lang=$1 out=$2
  shift 2
  "${M[@]}" prompt say --lang "$lang" --codec linear --gap 60 --out "$out" "$@" >/dev/null
}
# recorded SECONDS: within 30 s, the call's recording holds SECONDS of audio.
recorded() {
  local wav n
  for _ in $(seq 300); do
    wav=$(ls "$bs"/dump-*-dec.wav 2>/dev/null | head -1 || true)
    if [ -n "$wav" ]; then
      n=$(stat -c %s "$wav")
      if [ "$n" -ge $((44 + 16000 * $1)) ]; then return 0; fi
    fi
    sleep 0.1
  done
  bad "the recording did not reach $1 s"
}
# audio_ok WHAT ARGS...: sip_audio.py ARGS passes; audio_fails WHAT ARGS...: it fails (the
# check can fail).
audio_ok() {
  local what=$1
  shift
  if python3 "$audio" "$@" >"$dir/audio.out" 2>&1; then
    ok "$what: $(tr '\n' ';' <"$dir/audio.out")"
  else
    bad "$what: $(cat "$dir/audio.out")"
  fi
}
audio_fails() {
  local what=$1
  shift
  if python3 "$audio" "$@" >/dev/null 2>&1; then bad "$what"; else ok; fi
}
wav_secs() { python3 -c 'import sys,wave; w=wave.open(sys.argv[1]); print(w.getnframes() // 8000 + 1)' "$1"; }

sip_conf 1 30
"${M[@]}" init >/dev/null
start
log_has "sip listening" "sip: listening on 127.0.0.1:$sport"
log_has "prompts synthesised at start" "sip: prompts spoken in"
P=+33612345678
"${M[@]}" sms 0612345678 INSCRIPTION >/dev/null
pa=$(db "select account_id from customers where phone = '$P'")
"${M[@]}" transfer --kind topup --from 1 --to "$pa" --amount 25.50 >/dev/null

say fr "$dir/fr.wav" "$FR_MENU"
say en "$dir/en.wav" "$EN_MENU"
say en "$dir/bal.wav" "Your balance is" "twenty-five euros and fifty cents."
en_s=$(wav_secs "$dir/en.wav")

# The menu in French (the wallet's language), 9 while it plays, the English menu in full, 1.
baresip_start $P
out=$(ctrl dial "sip:mandat@127.0.0.1:$sport" 2>&1 || true)
if [[ "$out" == *'"ok":true'* ]]; then ok; else bad "dial: $out"; fi
log_has "call answered" "sip: call 1 from $P"
recorded 5
ctrl sndcode 9 >/dev/null
log_has "language key" "sip: call 1 key 9 (rfc4733)"
recorded $((5 + en_s + 1))
ctrl sndcode 1 >/dev/null
log_has "balance answered" "sip: call 1: balance answered"
log_has "balance said" "sip: call 1 says say"
recorded $((5 + en_s + 1 + 5))
ctrl hangup >/dev/null
log_has "call ended" "sip: call 1 ended:"
kill "$bpid" 2>/dev/null || true
wait "$bpid" 2>/dev/null || true
wav=$(ls "$bs"/dump-*-dec.wav | head -1)
# The French menu's first 3 s, the English menu, the balance: each in its place, each at
# least 0.2 closer to its own words than to the others'.
audio_ok "prompts in order" order "$wav" 0.75 0.2 "$dir/fr.wav:3" "$dir/en.wav" "$dir/bal.wav"
# The same check fails on audio in the wrong language (it can fail).
audio_fails "the order check passes a French menu where the English one was" \
  order "$wav" 0.75 0.2 "$dir/fr.wav:3" "$dir/fr.wav"

# Keys only as tones in the audio: * (the menu again) then 1 (the balance).
python3 "$audio" tones "$dir/inband.wav" 30 2.0:'*' 4.0:1
baresip_start $P "$dir/inband.wav"
out=$(ctrl dial "sip:mandat@127.0.0.1:$sport" 2>&1 || true)
if [[ "$out" == *'"ok":true'* ]]; then ok; else bad "dial: $out"; fi
log_has "in-band call answered" "sip: call 2 from $P"
log_has "in-band *" "sip: call 2 key \* (inband)"
log_has "in-band 1" "sip: call 2 key 1 (inband)"
log_has "balance by in-band keys" "sip: call 2: balance answered"
log_has "balance said" "sip: call 2 says say"
if grep -q "sip: call 2 key .* (rfc4733)" "$dir/mandatd.log"; then bad "RFC 4733 keys on the in-band call"; else ok; fi
ctrl hangup >/dev/null
log_has "in-band call ended" "sip: call 2 ended:"
kill "$bpid" 2>/dev/null || true
wait "$bpid" 2>/dev/null || true

# A trunk sending * twice, each press both as RFC 4733 and as the tone: two presses, not four.
out=$(python3 "$raw" dual "$sport" '*' 2 2>&1 || true)
if [[ "$out" == *"SIP/2.0 200 OK"* && "$out" == *"bye: SIP/2.0 200 OK"* ]]; then ok; else bad "dual call: $out"; fi
log_has "dual call ended" "sip: call 3 ended:"
n=$(grep -c "sip: call 3 key \*" "$dir/mandatd.log" || true)
if [ "$n" = 2 ]; then ok; else bad "two presses sent both ways counted $n times"; fi
n=$(grep -c "sip: call 3: a key by .* counted once" "$dir/mandatd.log" || true)
if [ "$n" = 2 ]; then ok; else bad "$n second reports dropped, not 2"; fi

# 9, then 2: 30 € to another wallet with 25,50 € on this one. The dialog refuses at once in the
# wallet's French (NO_FUNDS); the call says it in English, in its own words.
"${M[@]}" sms 0612345678 CODE 483920 >/dev/null
"${M[@]}" sms +33698765432 JOIN >/dev/null
say en "$dir/nofunds_en.wav" "Not enough money. Available:" "twenty-five euros and fifty cents." "Nothing was taken."
say fr "$dir/nofunds_fr.wav" "Votre solde ne suffit pas. Disponible :" "vingt-cinq euros et cinquante centimes." "Rien n'a été débité."
python3 "$audio" tones "$dir/quiet.wav" 40
baresip_start $P "$dir/quiet.wav"
out=$(ctrl dial "sip:mandat@127.0.0.1:$sport" 2>&1 || true)
if [[ "$out" == *'"ok":true'* ]]; then ok; else bad "dial: $out"; fi
log_has "refused call answered" "sip: call 4 from $P"
log_has "refused call's menu" "sip: call 4 says menu"
keys 4 9
keys 4 2
log_has "number asked in English" "sip: call 4 says ask_number"
keys 4 0698765432#
keys 4 '30#'
log_has "refusal answered" "sip: call 4: order answered"
log_has "refusal said" "sip: call 4 says say"
if grep -q "sip: call 4: a reply without the call's words" "$dir/mandatd.log"; then bad "the refusal had no words"; else ok; fi
wav=$(ls "$bs"/dump-*-dec.wav | head -1)
secs=$(( $(stat -c %s "$wav") / 16000 + $(wav_secs "$dir/nofunds_en.wav") + 1 ))
recorded "$secs"
ctrl hangup >/dev/null
log_has "refused call ended" "sip: call 4 ended:"
kill "$bpid" 2>/dev/null || true
wait "$bpid" 2>/dev/null || true
audio_ok "refusal in English" heard "$wav" 0.75 0.2 "$dir/nofunds_en.wav" "$dir/nofunds_fr.wav"
# The same check fails on the French words (it can fail).
audio_fails "the check hears French where English was said" \
  heard "$wav" 0.75 0.2 "$dir/nofunds_fr.wav" "$dir/nofunds_en.wav"

stop
if grep -q "Sanitizer\|runtime error" "$dir/mandatd.log"; then bad "sanitizer report in the log"; else ok; fi
e2e_done sip_speech
