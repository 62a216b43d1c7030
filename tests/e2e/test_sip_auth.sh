#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The SIP trunk's digest authentication and session timers end to end (issue 14): mandatd with
# [sip] auth = digest and short session intervals (min_se = 6, below RFC 4028's 90 s, for this
# test only), raw SIP over UDP (tests/e2e/sip_auth.py) and baresip with auth_user/auth_pass.
# Checks the 401 challenge, 403 for wrong credentials, a replayed and an expired nonce, a nonce
# we did not make, the bound on failures per address, an auth_file others may read refused,
# allow_or_digest; Session-Expires echoed, 422 with Min-SE, BYE when not refreshed, refreshes by
# re-INVITE and UPDATE, mandat refreshing for a caller without timers; and that neither the
# password nor its HA1 appears in the log or the test's output.
# Usage: test_sip_auth.sh MANDAT MANDATD
set -euo pipefail
mandat=$1
mandatd=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
tool="$top/tests/e2e/sip_auth.py"
. "$top/tests/e2e/lib.sh"
. "$top/tests/e2e/sip_lib.sh"
e2e_init sip_auth

user=trunk
realm=mandat-test
secret="Pw-$RANDOM-$RANDOM-secret"
ha1=$(printf '%s' "$user:$realm:$secret" | md5sum | cut -d' ' -f1)
# The CLI makes the line from the password on stdin; a line of another realm is skipped.
line=$(printf '%s\n' "$secret" | "$mandat" sip-user "$user" "$realm")
if [ "$line" = "$user:$realm:$ha1" ]; then ok; else bad "mandat sip-user printed another line"; fi
printf '# the trunk\n%s\nother:elsewhere:%s\n' "$line" "$ha1" >"$dir/sip.htdigest"
chmod 644 "$dir/sip.htdigest"
out="$dir/out.txt" # everything the test prints, grepped for the secret at the end

sip_conf 8 60 "auth = digest
auth_realm = $realm
auth_file = $dir/sip.htdigest
nonce_life = 2
auth_fail_max = 3
auth_fail_lock = 60
session_expires = 6
min_se = 6"
"${M[@]}" init >/dev/null

# An auth_file others may read is refused at start.
if timeout 10 "$mandatd" --config "$dir/mandat.conf" >"$dir/refused.log" 2>&1; then
  bad "mandatd started with an auth_file of mode 644"
elif grep -q "auth_file '$dir/sip.htdigest' may be read by others" "$dir/refused.log"; then ok
else bad "auth_file 644: $(tail -n 2 "$dir/refused.log")"; fi
chmod 600 "$dir/sip.htdigest"
start
log_has "sip listening" "auth digest, sessions of 6 s"

run() { python3 "$tool" "$@" 2>&1 | tee -a "$out" || true; }
want() { # want WHAT OUTPUT NEEDLE...
  local what=$1 got=$2
  shift 2
  for n in "$@"; do
    if [[ "$got" == *"$n"* ]]; then ok; else bad "$what: wanted \"$n\", got: $got"; fi
  done
}

# Digest (RFC 2617): a challenge, the call with the password, 403 with a wrong one.
got=$(run auth "$sport" 127.0.0.1 "$user" "$secret" none)
want none "$got" "none: 401 realm=$realm qop=auth algorithm=MD5 stale=no"
got=$(run auth "$sport" 127.0.0.1 "$user" "$secret" good)
want good "$got" "good: 200" "bye: 200"
got=$(run auth "$sport" 127.0.0.2 "$user" "$secret" wrong)
want wrong "$got" "wrong: 403"
log_has "failure logged" "sip: INVITE from 127.0.0.2:[0-9]* refused: wrong digest credentials (failure 1 of 3)"
# The same nonce and count again: a replay, answered stale; the next count is taken.
got=$(run auth "$sport" 127.0.0.1 "$user" "$secret" replay)
want replay "$got" "first: 200" "replay: 401 stale=true" "next count: 200" "bye: 200 200"
# A nonce older than nonce_life (2 s): stale=true, then a fresh one works.
got=$(run auth "$sport" 127.0.0.1 "$user" "$secret" stale 3)
want stale "$got" "stale: 401 stale=true" "after stale: 200" "bye: 200"
# A nonce we did not make: a new challenge, not a failure.
got=$(run auth "$sport" 127.0.0.1 "$user" "$secret" forged)
want forged "$got" "forged: 401 stale=no"
# Malformed or incomplete Authorization headers (no parameters, Basic, no nonce, 2 000
# parameters, qop=auth-int, a short nc, no cnonce, another realm, bytes): a new challenge each,
# not a failure; an empty response under a good nonce is a wrong one (403). Then the password
# still works from that address.
got=$(run auth "$sport" 127.0.0.1 "$user" "$secret" garbage)
want garbage "$got" "garbage: 401 401 401 401 401 401 401 401 401 403 401" "after garbage: 200" "bye: 200"
# Three failures from 127.0.0.3: it then gets 403 without a challenge, even with the password.
got=$(run auth "$sport" 127.0.0.3 "$user" "$secret" lock 3)
want lock "$got" "try 1: 403" "try 3: 403" "locked: 403" "locked with the password: 403" \
  "locked again: 403"
log_has "lock logged" "sip: INVITE from 127.0.0.3:[0-9]* refused: 3 failed authentications"
# Logged once however many attempts follow (a flood is not a flood of log lines).
n=$(grep -c "refused: 3 failed authentications" "$dir/mandatd.log" || true)
if [ "$n" = 1 ]; then ok; else bad "the lock logged $n times"; fi

# Session timers (RFC 4028), several calls at once (each its own socket).
tpids=()
for c in echo small expire reinvite update uas bad; do
  python3 "$tool" timer "$sport" "$user" "$secret" $c >"$dir/timer-$c.txt" 2>&1 &
  tpids+=($!)
done
wait "${tpids[@]}" || true
cat "$dir"/timer-*.txt >>"$out"
want echo "$(cat "$dir/timer-echo.txt")" "echo: 200 session-expires=90;refresher=uac require=timer" "bye: 200"
want small "$(cat "$dir/timer-small.txt")" "small: 422 session-expires=- require=- min-se=6"
want bad "$(cat "$dir/timer-bad.txt")" "bad Session-Expires: abc: 400" \
  "bad Session-Expires: 90;refresher=both: 400" "bad Min-SE: -1: 400" "bad Session-Expires: 99999999999: 400"
# Not refreshed: BYE at 6 - min(32, 6/3) = 4 s (RFC 4028 §10).
got=$(cat "$dir/timer-expire.txt")
want expire "$got" "expire: 200 session-expires=6;refresher=uac" "bye from mandat after"
secs=$(sed -n 's/^bye from mandat after \([0-9]*\)\..*/\1/p' <<<"$got")
if [ "${secs:-99}" -ge 3 ] && [ "${secs:-99}" -le 5 ]; then ok; else bad "expiry BYE after ${secs:-no} s, not about 4"; fi
# Re-INVITE refreshes every 2 s keep the call past 4 s; mandat answers them itself with the
# interval (sipsess's 200 could not carry it), sends that 200 until the ACK and no more, and
# leaves the refreshing to the caller.
got=$(cat "$dir/timer-reinvite.txt")
want reinvite "$got" "up after" "bye: 200" "mandat refreshed: 0" "stray responses: 0"
if [ "$(grep -c "^refresh: 200 session-expires=6;refresher=uac require=timer$" <<<"$got")" = 4 ]; then ok; else bad "re-INVITE refreshes: $got"; fi
got=$(cat "$dir/timer-update.txt")
want update "$got" "update: 200 session-expires=6;refresher=uac" "up after" "bye: 200"
if [ "$(grep -c "^update: 200 session-expires=6;refresher=uac$" <<<"$got")" = 4 ]; then ok; else bad "UPDATE refreshes: $got"; fi
# A caller without timers: mandat is the refresher (no Require: timer) and re-INVITEs.
got=$(cat "$dir/timer-uas.txt")
want uas "$got" "uas: 200 session-expires=6;refresher=uas require=-" "up after" "bye: 200"
if [[ "$got" =~ "mandat refreshed: "([2-9]) ]]; then ok; else bad "mandat did not refresh: $got"; fi
log_has "expiry logged" "session not refreshed within 6 s (RFC 4028), hanging up"
log_has "422 logged" "refused: Session-Expires 3 below .sip. min_se 6"

# baresip with the trunk's credentials completes a call to the digest-protected mandat.
"${M[@]}" sms 0612345678 INSCRIPTION >/dev/null
baresip_account=";auth_user=$user;auth_pass=$secret"
baresip_start +33612345678
n0=$(grep -c "answered from" "$dir/mandatd.log" || true)
got=$(ctrl dial "sip:mandat@127.0.0.1:$sport" 2>&1 || true)
if [[ "$got" == *'"ok":true'* ]]; then ok; else bad "dial: $got"; fi
log_has "baresip's call answered" "answered from" $((n0 + 1))
# baresip 1.0 does not support timers: mandat refreshes its call (a re-INVITE at 3 s, no body:
# baresip offers in its 200, mandat answers in the ACK) and the call stays up.
bcall=$(sed -n 's/.*sip: call \([0-9]*\) from +33612345678.*/\1/p' "$dir/mandatd.log" | tail -1)
log_has "baresip's call refreshed" "sip: call $bcall: session refreshed" 2 10
if grep -q "sip: call $bcall ended" "$dir/mandatd.log"; then bad "baresip's call ended before the hangup"; else ok; fi
got=$(ctrl hangup 2>&1 || true)
if [[ "$got" == *'"ok":true'* ]]; then ok; else bad "hangup: $got"; fi
log_has "baresip's call ended" "ended:" $((n0 + 1))

# allow_or_digest: 127.0.0.1 (in allow) is trusted without credentials, 127.0.0.2 is asked.
stop
sed -i 's/^auth = digest$/auth = allow_or_digest/' "$dir/mandat.conf"
start
log_has "restarted" "auth allow_or_digest"
got=$(run auth "$sport" 127.0.0.1 "$user" "$secret" none)
want "allowed address" "$got" "none: 200" "bye: 200"
got=$(run auth "$sport" 127.0.0.2 "$user" "$secret" none)
want "other address" "$got" "none: 401"
got=$(run auth "$sport" 127.0.0.2 "$user" "$secret" good)
want "other address with the password" "$got" "good: 200" "bye: 200"

stop
if grep -q "Sanitizer\|runtime error" "$dir/mandatd.log"; then bad "sanitizer report in the log"; else ok; fi
# The secret is nowhere: not the password, not its HA1, in the log or what the test printed.
for s in "$secret" "$ha1"; do
  if grep -q -- "$s" "$dir/mandatd.log" "$out" "$dir"/timer-*.txt; then bad "a secret in the log or output"; else ok; fi
done
e2e_done sip_auth
