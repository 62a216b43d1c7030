#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mandat prompt: the words of amounts, dates, references and phone numbers as the phone channel
# speaks them, and `say` writing a WAV a person can play (8 kHz, 16-bit or G.711) with speech in
# it; refusals exit 2 with a message. No daemon, no database.
# Usage: test_prompt_cli.sh MANDAT
set -euo pipefail

MANDAT=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "test_prompt_cli: $*" >&2
    exit 1
}

expect_words() {
    local want=$1 got
    shift
    got=$("$MANDAT" prompt words "$@") || fail "prompt words $* exited $?"
    [ "$got" = "$want" ] || fail "prompt words $*: got '$got', wanted '$want'"
}

expect_words "vingt-cinq euros et cinquante centimes" --lang fr --amount 25,50
expect_words "twenty-five euros and fifty cents" --lang en --amount 25.50
expect_words "quatre-vingt-onze euros" --lang fr --amount 91
expect_words "un million d'euros" --lang fr --amount "1 000 000"
expect_words "un centime" --lang fr --amount 0,01
expect_words "le premier décembre deux mille vingt-six" --lang fr --date 2026-12-01
expect_words "K, 7, Q, 2" --ref K7Q2
expect_words "zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit" --phone +33612345678

# A WAV header's fields, read with od: format tag, channels, rate, bits, data length.
wav_field() {
    od -An -t u"$3" -j "$2" -N "$3" "$1" | tr -d ' '
}

"$MANDAT" prompt say --lang fr --amount 25,50 --out "$tmp/fr.wav" "Vous allez payer" ||
    fail "say fr exited $?"
[ "$(head -c 4 "$tmp/fr.wav")" = RIFF ] || fail "fr.wav is not RIFF"
[ "$(wav_field "$tmp/fr.wav" 20 2)" = 1 ] || fail "fr.wav is not linear PCM"
[ "$(wav_field "$tmp/fr.wav" 24 4)" = 8000 ] || fail "fr.wav is not 8 kHz"
[ "$(wav_field "$tmp/fr.wav" 34 2)" = 16 ] || fail "fr.wav is not 16-bit"
bytes=$(wav_field "$tmp/fr.wav" 40 4)
# About 3 s of speech: between 1.5 s and 8 s of 16-bit samples.
[ "$bytes" -gt 24000 ] && [ "$bytes" -lt 128000 ] || fail "fr.wav holds $bytes bytes of audio"
[ $(($(stat -c %s "$tmp/fr.wav") - 44)) -eq "$bytes" ] || fail "fr.wav's data length is wrong"
# Not silence: some samples are loud (od's signed 16-bit words above 3000 in magnitude).
loud=$(od -An -t d2 -j 44 -v "$tmp/fr.wav" | tr -s ' ' '\n' | awk '$1 > 3000 || $1 < -3000' |
    wc -l)
[ "$loud" -gt 100 ] || fail "fr.wav is near silent ($loud loud samples)"

"$MANDAT" prompt say --lang en --codec pcma --out "$tmp/en.wav" "Welcome to mandat." ||
    fail "say en exited $?"
[ "$(wav_field "$tmp/en.wav" 20 2)" = 6 ] || fail "en.wav is not A-law"
[ "$(wav_field "$tmp/en.wav" 34 2)" = 8 ] || fail "en.wav is not 8-bit"

# Refusals: exit 2 and a message that names what is wrong.
expect_refusal() {
    local phrase=$1 rc=0
    shift
    "$MANDAT" prompt "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
    [ "$rc" -eq 2 ] || fail "prompt $*: exit $rc, wanted 2"
    grep -q -- "$phrase" "$tmp/err" || fail "prompt $*: no '$phrase' in: $(cat "$tmp/err")"
}
expect_refusal "--lang is fr or en" words --lang de --amount 1
expect_refusal "cannot spell character 2" words --ref "K?"
expect_refusal "no such date 2025-02-29" words --date 2025-02-29
expect_refusal "say needs --out" say "Bonjour"
expect_refusal "amount 'douze'" words --amount douze
echo "test_prompt_cli: ok"
