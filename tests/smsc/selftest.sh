#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Self-test of the SMSC simulator: starts smsc.js, binds to it with selfclient.js (an ESME built
# on the smpp package's own codec), drives every control endpoint with curl, checks the answers,
# stops the simulator and prints "N passed, M failed" (exit 1 on any failure). About 10 s
# alone (each JSON check starts a node, which a loaded machine slows several times); a
# watchdog ends it at 90 s, under ctest's 120. Needs node, npm (for node_modules when missing) and curl.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
T=$(mktemp -d)
PIDS=()
PASS=0
FAIL=0

cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
(trap 'kill "$w" 2>/dev/null; exit 0' TERM
 sleep 90 & w=$!; wait "$w" || exit 0; echo "selftest: watchdog: over 90 s" >&2; kill -TERM $$) >/dev/null &
PIDS+=($!)
trap 'echo "$PASS passed, $((FAIL + 1)) failed"; exit 1' TERM

if [ ! -d "$ROOT/node_modules/smpp" ]; then
    (cd "$ROOT" && npm ci --no-audit --no-fund --silent) || { echo "selftest: npm ci failed"; exit 1; }
fi

ok() { PASS=$((PASS + 1)); echo "ok - $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL - $1"; }

# eq NAME EXPECTED ACTUAL
eq() { if [ "$2" == "$3" ]; then ok "$1"; else bad "$1: expected [$2], got [$3]"; fi; }

# j JSON EXPR: evaluate a JavaScript expression on the parsed JSON (as j); strings print raw.
j() {
    node -e 'let j; try { j = JSON.parse(process.argv[1]); } catch (e) { console.log("<not JSON>"); process.exit(0); }
             let v; try { v = eval(process.argv[2]); } catch (e) { v = "<" + e.message + ">"; }
             console.log(typeof v === "string" ? v : JSON.stringify(v));' "$1" "$2"
}

# req PORT METHOD PATH [JSON]: prints the body; the HTTP status goes to $T/code.
req() {
    local data=()
    [ $# -ge 4 ] && data=(-H 'Content-Type: application/json' --data-binary "$4")
    curl -s --max-time 10 -o "$T/body" -w '%{http_code}' -X "$2" "${data[@]}" "http://127.0.0.1:$1$3" >"$T/code"
    cat "$T/body"
}
ctl() { req "$CP" "$@"; }   # the simulator's control API
cli() { req "$HP" "$@"; }   # the self client's API
code() { cat "$T/code"; }

# until_true SECONDS COMMAND...: retry every 0.1 s
until_true() {
    local end=$((SECONDS + $1)); shift
    until "$@"; do
        [ $SECONDS -ge $end ] && return 1
        sleep 0.1
    done
}

# ready_line FILE: the JSON ready line a process prints first
ready_line() { until_true 5 grep -q '"event":"ready"' "$1" && grep -m1 '"event":"ready"' "$1"; }

# ------------------------------------------------------------------------------------------
node "$HERE/smsc.js" --port 0 --control-port 0 --system-id mandat --password s3cret --verbose \
    >"$T/smsc.out" 2>"$T/smsc.err" &
SMSC=$!
PIDS+=($SMSC)
R=$(ready_line "$T/smsc.out") || { echo "selftest: simulator did not start"; cat "$T/smsc.err"; echo "0 passed, 1 failed"; exit 1; }
SP=$(j "$R" j.smpp_port)
CP=$(j "$R" j.control_port)
ok "simulator ready (smpp $SP, control $CP)"

eq "GET /health" true "$(j "$(ctl GET /health)" j.ok)"

# Bind failures, and the transmitter/receiver pair of binds.
out=$(node "$HERE/selfclient.js" --port "$SP" --bind-only --password wrong)
eq "wrong password -> ESME_RINVPASWD" 14 "$(j "$(head -1 <<<"$out")" j.command_status)"
out=$(node "$HERE/selfclient.js" --port "$SP" --bind-only --system-id other --password s3cret)
eq "wrong system_id -> ESME_RBINDFAIL" 13 "$(j "$(head -1 <<<"$out")" j.command_status)"
node "$HERE/selfclient.js" --port "$SP" --bind-only --bind-mode transmitter --password s3cret --hold 1500 >"$T/tx.out" &
PIDS+=($!)
node "$HERE/selfclient.js" --port "$SP" --bind-only --bind-mode receiver --password s3cret --hold 1500 >"$T/rx.out" &
PIDS+=($!)
two_binds() { [ "$(j "$(ctl GET /binds)" 'j.binds.map(b => b.bind).sort().join()')" == receiver,transmitter ]; }
if until_true 5 two_binds; then ok "bind_transmitter + bind_receiver listed by GET /binds"; else bad "tx+rx binds: $(ctl GET /binds)"; fi
no_binds() { [ "$(j "$(ctl GET /binds)" j.binds.length)" == 0 ]; }
if until_true 5 no_binds; then ok "unbind answered, binds gone"; else bad "binds left: $(ctl GET /binds)"; fi
eq "unbind_resp OK" '{"event":"unbind","command_status":0}' "$(grep unbind "$T/rx.out")"

# The transceiver ESME: binds and submits a GSM text with a euro sign and a UCS-2 text.
node "$HERE/selfclient.js" --port "$SP" --password s3cret --http-port 0 --reconnect >"$T/cli.out" 2>"$T/cli.err" &
PIDS+=($!)
R=$(ready_line "$T/cli.out") || { bad "self client did not start"; }
HP=$(j "$R" j.http_port)
two_mt() { [ "$(j "$(ctl GET '/mt?since=0')" j.mt.length)" == 2 ]; }
until_true 5 two_mt || bad "initial submits not seen"
M=$(ctl GET '/mt?since=0')
eq "bind_transceiver listed" "transceiver mandat" "$(j "$(ctl GET /binds)" '`${j.binds[0].bind} ${j.binds[0].system_id}`')"
eq "MT 0 GSM text with extension table" 'Prix: 5€ {ok} [x]' "$(j "$M" j.mt[0].text)"
eq "MT 0 data_coding, euro as ESC 0x65" "0 true" "$(j "$M" '`${j.mt[0].data_coding} ${j.mt[0].hex.includes("1b65")}`')"
eq "MT 1 UCS-2 text" 'Привет, ça coûte 5 € ✓' "$(j "$M" j.mt[1].text)"
eq "MT 1 data_coding 8, addresses" "8 71004 33612345678" "$(j "$M" '`${j.mt[1].data_coding} ${j.mt[1].from} ${j.mt[1].to}`')"
ID0=$(j "$M" j.mt[0].message_id)
eq "message_id assigned and returned to the ESME" "$ID0" "$(j "$(cli GET /state)" j.initial[0].message_id)"
eq "messages: two single messages" "single,single" "$(j "$M" 'j.messages.map(m => m.via).join()')"

# Latin-1 and a concatenated MT (8-bit UDH ref 42, 2 parts), reassembled.
eq "submit Latin-1" 0 "$(j "$(cli POST /submit '{"text":"Ça coûte très cher","data_coding":3}')" j.command_status)"
cli POST /submit '{"text":"Bonjour, voici la première ","udh":"0500032a0201"}' >/dev/null
cli POST /submit '{"text":"et la seconde partie.","udh":"0500032a0202"}' >/dev/null
M=$(ctl GET '/mt?since=2')
eq "GET /mt?since=2 starts at index 2" "2 5" "$(j "$M" '`${j.mt[0].index} ${j.next}`')"
eq "MT Latin-1 decoded" 'Ça coûte très cher' "$(j "$M" j.mt[0].text)"
eq "UDH parts listed individually" "42/2/1 42/2/2" "$(j "$M" 'j.mt.slice(1).map(r => `${r.udh.ref}/${r.udh.total}/${r.udh.seq}`).join(" ")')"
eq "UDH parts reassembled" "udh 42 true Bonjour, voici la première et la seconde partie." \
    "$(j "$M" 'j.messages.filter(m => m.via == "udh").map(m => `${m.via} ${m.ref} ${m.complete} ${m.text}`).join()')"

# Modes: throttle, queue full, unanswered submit_sm, reject.
ctl POST /mode '{"throttle":true}' >/dev/null
eq "throttle -> ESME_RTHROTTLED" 88 "$(j "$(cli POST /submit '{"text":"t"}')" j.command_status)"
ctl POST /mode '{"throttle":false,"queue_full":true}' >/dev/null
eq "queue_full -> ESME_RMSGQFUL" 20 "$(j "$(cli POST /submit '{"text":"q"}')" j.command_status)"
ctl POST /mode '{"queue_full":false,"drop_next_submit_resp":1}' >/dev/null
eq "drop_next_submit_resp: no answer" null "$(j "$(cli POST /submit '{"text":"d","timeout_ms":400}')" j.command_status)"
eq "next submit answered again" 0 "$(j "$(cli POST /submit '{"text":"after"}')" j.command_status)"
M=$(ctl GET '/mt?since=5')
eq "rejected/unanswered recorded, not accepted" "88:false 20:false null:false 0:true" \
    "$(j "$M" 'j.mt.map(r => `${r.command_status}:${r.accepted}`).join(" ")')"
ctl POST /mode '{"reject_next_submit":1,"reject_status":69}' >/dev/null
eq "reject_next_submit -> chosen status once" "69 0" \
    "$(j "$(cli POST /submit '{"text":"r"}')" j.command_status) $(j "$(cli POST /submit '{"text":"r2"}')" j.command_status)"
ctl POST /mode '{"refuse_bind":true}' >/dev/null
out=$(node "$HERE/selfclient.js" --port "$SP" --bind-only --password s3cret)
eq "refuse_bind -> ESME_RBINDFAIL" 13 "$(j "$(head -1 <<<"$out")" j.command_status)"
ctl POST /mode '{"refuse_bind":false}' >/dev/null
eq "GET /mode" "false false 0" "$(j "$(ctl GET /mode)" '`${j.throttle} ${j.queue_full} ${j.drop_next_submit_resp}`')"
ctl POST /mode '{"bogus":1}' >/dev/null
eq "POST /mode unknown key -> 400" 400 "$(code)"

# Delivery receipts: auto_dlr, then POST /dlr.
ctl POST /mode '{"auto_dlr":true}' >/dev/null
S=$(cli POST /submit '{"text":"receipt please","registered_delivery":1}')
ID=$(j "$S" j.message_id)
got_dlr() { [ "$(j "$(cli GET /received)" "j.deliver_sm.filter(d => d.receipted_message_id == '$ID').length")" == 1 ]; }
if until_true 3 got_dlr; then ok "auto_dlr receipt delivered"; else bad "no auto receipt for $ID"; fi
D=$(j "$(cli GET /received)" "JSON.stringify(j.deliver_sm.find(d => d.receipted_message_id == '$ID'))")
eq "auto_dlr esm_class 4, message_state 2" "4 2" "$(j "$D" '`${j.esm_class} ${j.message_state}`')"
if [[ $(j "$D" j.text) =~ ^id:$ID\ sub:001\ dlvrd:001\ submit\ date:[0-9]{10}\ done\ date:[0-9]{10}\ stat:DELIVRD\ err:000\ text:receipt\ please$ ]]; then
    ok "auto_dlr receipt text"; else bad "auto_dlr receipt text: $(j "$D" j.text)"; fi
cli POST /submit '{"text":"no receipt asked"}' >/dev/null
sleep 0.2
eq "no auto receipt without registered_delivery" 1 "$(j "$(cli GET /received)" 'j.deliver_sm.filter(d => d.esm_class == 4).length')"
ctl POST /mode '{"auto_dlr":false}' >/dev/null
R=$(ctl POST /dlr "{\"message_id\":\"$ID0\",\"stat\":\"UNDELIV\",\"err\":\"001\"}")
eq "POST /dlr acked" "true 0" "$(j "$R" '`${j.acked} ${j.command_status}`')"
D=$(j "$(cli GET /received)" "JSON.stringify(j.deliver_sm.find(d => d.receipted_message_id == '$ID0'))")
eq "POST /dlr TLVs and text" "5 030001 stat:UNDELIV err:001" "$(j "$D" '`${j.message_state} ${j.network_error_code} ${j.text.match(/stat:\S+ err:\S+/)[0]}`')"
eq "POST /dlr goes back to the MT's source" "33612345678 71004" "$(j "$D" '`${j.source_addr} ${j.destination_addr}`')"

# MOs: plain GSM, UCS-2 in 2 UDH parts, 3 SAR parts, Latin-1, redelivery, unacked.
R=$(ctl POST /mo '{"from":"+33612345678","to":"71004","text":"ENVOI 10 0612345678"}')
eq "POST /mo acked" "true 0 1" "$(j "$R" '`${j.acked} ${j.command_status} ${j.sequence_numbers.length}`')"
last() { cli GET /received >"$T/rcv"; j "$(cat "$T/rcv")" "JSON.stringify(j.deliver_sm.slice(-$1))"; }
L=$(last 1)
eq "MO received as sent (TON 1, + removed)" "ENVOI 10 0612345678 33612345678 1 71004 0" \
    "$(j "$L" '`${j[0].text} ${j[0].source_addr} ${j[0].source_addr_ton} ${j[0].destination_addr} ${j[0].data_coding}`')"
R=$(ctl POST /mo '{"from":"+33612345678","to":"71004","text":"€ en GSM: ENVOI 5 0600000000 {x}"}')
eq "MO GSM extension table" "€ en GSM: ENVOI 5 0600000000 {x}" "$(j "$(last 1)" 'j[0].text')"
R=$(ctl POST /mo '{"from":"+33612345678","to":"71004","text":"Привет, отправить 10 €","coding":"ucs2","parts":2}')
eq "POST /mo parts=2 -> 2 PDUs acked" "true 2" "$(j "$R" '`${j.acked} ${j.sequence_numbers.length}`')"
L=$(last 2)
eq "MO UCS-2 parts carry UDH 8-bit ref 2/1, 2/2" "true true 8" \
    "$(j "$L" '`${/^0003..0201$/.test(j[0].udh[0])} ${/^0003..0202$/.test(j[1].udh[0])} ${j[0].data_coding}`')"
eq "MO UCS-2 parts rejoin" "Привет, отправить 10 €" "$(j "$L" 'j[0].text + j[1].text')"
R=$(ctl POST /mo '{"from":"+33612345678","to":"71004","text":"SAR en trois morceaux","sar":true,"parts":3}')
L=$(last 3)
eq "MO SAR TLVs" "1/3 2/3 3/3 same-ref" \
    "$(j "$L" 'j.map(d => `${d.sar_segment_seqnum}/${d.sar_total_segments}`).join(" ") + (new Set(j.map(d => d.sar_msg_ref_num)).size == 1 ? " same-ref" : " refs-differ")')"
eq "MO SAR text rejoins" "SAR en trois morceaux" "$(j "$L" 'j.map(d => d.text).join("")')"
R=$(ctl POST /mo '{"from":"+33612345678","to":"71004","text":"Ça coûte","coding":"latin1"}')
eq "MO Latin-1" "Ça coûte 3" "$(j "$(last 1)" '`${j[0].text} ${j[0].data_coding}`')"
R=$(ctl POST /mo '{"from":"+33612345678","to":"71004","text":"SOLDE","message_id":"MO-77","redeliver":2}')
eq "redeliver 2 -> 3 PDUs, all acked" "3 true" "$(j "$R" '`${new Set(j.sequence_numbers).size} ${j.acked}`')"
eq "redelivered copies identical" "SOLDE,MO-77 SOLDE,MO-77 SOLDE,MO-77" "$(j "$(last 3)" 'j.map(d => [d.text, d.receipted_message_id]).join(" ")')"
cli POST /mode '{"deliver_status":88}' >/dev/null
R=$(ctl POST /mo '{"from":"+33612345678","to":"71004","text":"x"}')
eq "MO nacked: acked false, status reported" "false 88" "$(j "$R" '`${j.acked} ${j.command_status}`')"
cli POST /mode '{"deliver_status":0,"no_ack":true}' >/dev/null
R=$(ctl POST /mo '{"from":"+33612345678","to":"71004","text":"x","timeout_ms":300}')
eq "MO unanswered: acked false, status null" "false null" "$(j "$R" '`${j.acked} ${j.command_status}`')"
cli POST /mode '{"no_ack":false}' >/dev/null
ctl POST /mo '{"from":"+33612345678","to":"71004","text":"ê","coding":"gsm"}' >/dev/null
eq "POST /mo text not in GSM -> 400" 400 "$(code)"
ctl POST /mo '{"to":"71004","text":"x"}' >/dev/null
eq "POST /mo without from -> 400" 400 "$(code)"

# enquire_link both ways, stats.
eq "ESME enquire_link answered" 0 "$(j "$(cli POST /enquire_link)" j.command_status)"
eq "POST /enquire_link to the ESME" "1 true" "$(j "$(ctl POST /enquire_link)" '`${j.sent} ${j.acked}`')"
S=$(ctl GET /stats)
echo "# stats: $S"
eq "GET /stats counters" \
    "enquire_links=1 binds_failed=3 binds=1 mt_received=13 mt_accepted=9 mo_sent=13 mo_acked=11 dlr_sent=2 dlr_acked=2" \
    "$(j "$S" '["enquire_links", "binds_failed", "binds", "mt_received", "mt_accepted", "mo_sent", "mo_acked", "dlr_sent", "dlr_acked"].map(k => `${k}=${j[k]}`).join(" ")')"

# Control API bounds and errors.
head -c 70000 /dev/zero | tr '\0' 'a' >"$T/big"
curl -s --max-time 10 -o /dev/null -w '%{http_code}' -X POST --data-binary @"$T/big" "http://127.0.0.1:$CP/mo" >"$T/code"
eq "body over 64 KB -> 413" 413 "$(code)"
ctl POST /mo '{"from":' >/dev/null
eq "bad JSON -> 400" 400 "$(code)"
ctl GET /nowhere >/dev/null
eq "unknown path -> 404" 404 "$(code)"

# Drop and reconnect.
eq "POST /drop" 1 "$(j "$(ctl POST /drop)" j.dropped)"
eq "no binds right after /drop" 0 "$(j "$(ctl GET /binds)" j.binds.length)"
one_bind() { [ "$(j "$(ctl GET /binds)" j.binds.length)" == 1 ]; }
if until_true 5 one_bind; then ok "ESME reconnected after /drop"; else bad "no rebind after /drop"; fi

# A message left in doubt: the link dropped the moment its deliver_sm_resp is read (nothing
# written after it is answered), then the same MO again on the next bind.
ctl POST /mo '{"to":"71004","text":"again","redeliver_after_ms":300}' >/dev/null
eq "redeliver_after_ms without after_resp -> 400" 400 "$(code)"
R=$(ctl POST /mo '{"from":"+33611111111","to":"71004","text":"again","after_resp":"drop","redeliver_after_ms":300}')
eq "after_resp drop: acknowledged, redelivery 0" "true 0" "$(j "$R" '`${j.acked} ${j.redelivery}`')"
S0=$(j "$R" j.session)
eq "after_resp drop: that bind is gone" true "$(j "$(ctl GET /binds)" "j.binds.every(b => b.session != $S0)")"
redone() { [ "$(j "$(ctl GET /redeliveries)" 'j.redeliveries[0].done')" == true ]; }
if until_true 5 redone; then ok "redelivered after the rebind"; else bad "no redelivery: $(ctl GET /redeliveries)"; fi
eq "redelivery acknowledged on another session" "true true" \
    "$(j "$(ctl GET /redeliveries)" "\`\${j.redeliveries[0].acked} \${j.redeliveries[0].session != $S0}\`")"
eq "the ESME got the MO twice" 2 "$(j "$(cli GET /received)" 'j.deliver_sm.filter(d => d.text == "again").length')"
R=$(ctl POST /mo '{"from":"+33611111111","to":"71004","text":"mute","after_resp":"mute"}')
S0=$(j "$R" j.session)
ctl POST /mo "{\"from\":\"+33611111111\",\"to\":\"71004\",\"text\":\"x\",\"session\":$S0}" >/dev/null
eq "after_resp mute: that connection takes no more MOs" 409 "$(code)"
ctl POST /drop >/dev/null
if until_true 5 one_bind; then ok "ESME reconnected after the muted link"; else bad "no rebind after mute"; fi

# Reset.
ctl POST /mode '{"throttle":true}' >/dev/null
eq "POST /reset" true "$(j "$(ctl POST /reset)" j.ok)"
eq "reset cleared MTs and modes" "0 0 false" "$(j "$(ctl GET '/mt?since=0')" '`${j.mt.length} ${j.total}`') $(j "$(ctl GET /mode)" j.throttle)"
cli POST /submit '{"text":"after reset"}' >/dev/null
eq "indexes restart at 0 after reset" "0 after reset" "$(j "$(ctl GET '/mt?since=0')" '`${j.mt[0].index} ${j.mt[0].text}`')"

# Verbose log and clean stop.
if grep -q 'submit_sm seq=' "$T/smsc.err" && grep -q -- '-> deliver_sm seq=' "$T/smsc.err"; then ok "--verbose logs PDUs"; else bad "--verbose log missing"; fi
kill -TERM "$SMSC"
rc=0
for _ in $(seq 50); do kill -0 "$SMSC" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$SMSC" 2>/dev/null; then bad "simulator still running 5 s after SIGTERM"; else wait "$SMSC"; rc=$?; eq "exit status 0 on SIGTERM" 0 "$rc"; fi
if grep -qv '^smsc ' "$T/smsc.err"; then bad "unexpected stderr: $(grep -v '^smsc ' "$T/smsc.err" | head -3)"; else ok "no errors on stderr"; fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
