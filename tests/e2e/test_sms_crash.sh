#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# kill -9 of mandatd in the middle of conversations under load: N numbers each text
# "DON 5 TELETHON" then their code through a real SMPP bind to bench_sms (the SMSC, in
# crash-tolerant mode: it accepts the restarted mandatd's re-bind and redelivers, with the same
# message id, every MO it sent whose deliver_sm_resp never came). mandatd (synchronous = full) is
# killed -9 three times at random moments and restarted (random points of the load, counted in
# MOs received rather than in seconds, so that a fast machine and a slow one both kill mid-load;
# the run prints its seed and MDT_SEED=N replays its kill points). Then the proof that no acknowledged MO
# or payment is lost or doubled: `mandat check`, the association received exactly N x 5 EUR,
# one donation per number, every acknowledged MO in the inbox, every number confirmed. An
# operator's CLI commits top-ups of its own beside mandatd all along (another writer).
# Usage: test_sms_crash.sh MANDAT MANDATD BENCH_SMS [NUMBERS]
set -euo pipefail
mandat=$1
mandatd=$2
bench=$3
numbers=${4:-3000}
kills=3
# New conversations per second: the load lasts numbers / rate seconds (6 s) on a fast machine,
# longer on a slow one; the kills are placed by progress, not by time.
rate=$((numbers / 6))
seed=${MDT_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "seed $seed (MDT_SEED=$seed replays these kill points)"
RANDOM=$seed
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/e2e/lib.sh"
e2e_init smscrash
# Not e2e_track: the generator is waited for below, and its pid may then be another's.
gen=""
cliw=""
trap 'if [ -n "$gen" ]; then kill -9 "$gen" 2>/dev/null || true; fi
  if [ -n "$cliw" ]; then kill "$cliw" 2>/dev/null || true; fi; e2e_cleanup' EXIT

"$bench" setup --db "$store_path" --key "$dir/pin.key" --numbers "$numbers" \
  --association-file "$dir/association"
assoc=$(cat "$dir/association")

"$bench" smsc --port 0 --numbers "$numbers" --window 200 --rate "$rate" --seconds-max 80 --crash-tolerant \
  --acked-file "$dir/acked" --ready-file "$dir/smsc.port" --peer-pid-file "$dir/mandatd.pid" \
  --stop-peer --label crash >"$dir/gen.out" 2>"$dir/gen.err" &
gen=$!
for _ in $(seq 100); do
  if [ -s "$dir/smsc.port" ]; then break; fi
  sleep 0.1
done
if [ ! -s "$dir/smsc.port" ]; then echo "the generator did not start:"; cat "$dir/gen.err"; exit 1; fi
cat >"$dir/mandat.conf" <<CONF
[store]
path = $store_path
synchronous = full
[log]
level = warn
[http]
listen =
[vault]
key_file = $dir/pin.key
[smpp]
host = 127.0.0.1
port = $(cat "$dir/smsc.port")
system_id = mandat
password = secret
transceiver = yes
window = 100
registered_delivery = no
enquire_link = 5
CONF

# The pid file is written before mandatd runs: the generator reads it at each bind.
start_pidfile() {
  sh -c 'echo $$ >"$1"; shift; exec "$@"' _ "$dir/mandatd.pid" "$mandatd" \
    --config "$dir/mandat.conf" >>"$dir/mandatd.log" 2>&1 &
  pid=$!
}

# mos: the MOs mandatd has committed so far (its inbox), 0 while the table is not there yet.
mos() { db "SELECT count(*) FROM inbox" 2>/dev/null || echo 0; }
# at_mos N: waits (60 s at most) until N MOs are in, or the generator is gone.
at_mos() {
  for _ in $(seq 600); do
    if [ "$(mos)" -ge "$1" ] || ! kill -0 "$gen" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
}

M=("$mandat" --config "$dir/mandat.conf")
# An operator's CLI writing beside mandatd the whole time: a wallet of its own, topped up 20
# times, each with its own id (a retry never moves money twice). On PostgreSQL such a commit can
# fall between two of mandatd's batches in flight and refuse the second one whole: its MOs are
# answered "temporary error" and the SMSC sends them again, so the checks below still hold.
cli_wallet=$("${M[@]}" account open wallet --tier 2 | sed -n 's/^account \([0-9]*\) opened.*/\1/p')
cli_writes() {
  for i in $(seq 20); do
    for _ in 1 2 3 4 5; do
      if "${M[@]}" transfer --from 1 --to "$cli_wallet" --amount 1 --kind topup \
        --id "$(printf 'c11c%028x' "$i")" >/dev/null 2>>"$dir/cli.err"; then
        echo "$i" >>"$dir/cli.done"
        break
      fi
      sleep 0.2
    done
    sleep 0.2
  done
}
cli_writes &
cliw=$!

start_pidfile
# Each number sends two MOs; kill k falls at a random point between k quarters of them and an
# eighth more, so that conversations are in every state at each and the load is never over.
killed=0
total=$((numbers * 2))
for k in $(seq "$kills"); do
  at_mos $((total * k / 4 + RANDOM % (total / 8)))
  if ! kill -0 "$gen" 2>/dev/null; then break; fi
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  killed=$((killed + 1))
  echo "kill -9 #$k of mandatd (pid $pid)"
  start_pidfile
done
if [ "$killed" = "$kills" ]; then ok "mandatd killed -9 $killed times under load"; else
  bad "the campaign ended before $kills kills (only $killed): raise the numbers"; fi

# The generator stops mandatd (SIGTERM) once every number is done or given up; bounded.
gstatus=0
for _ in $(seq 900); do
  if ! kill -0 "$gen" 2>/dev/null; then break; fi
  sleep 0.1
done
if kill -0 "$gen" 2>/dev/null; then kill -9 "$gen" 2>/dev/null || true; gstatus=124; fi
wait "$gen" 2>/dev/null || gstatus=$?
gen=""
for _ in $(seq 100); do
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  sleep 0.1
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
pid=""
grep -v '^RESULT\|^CRASH' "$dir/gen.out" || true
grep 'drop\|re-bound\|refused\|expected' "$dir/gen.err" | head -20 || true
if [ "$gstatus" = 0 ]; then ok "the generator finished: every MO acknowledged, every number answered"
else bad "the generator exited with $gstatus"; tail -5 "$dir/gen.err"; fi

crash=$(grep '^CRASH' "$dir/gen.out" || true)
val() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$crash"; }
if [ -n "$crash" ] && [ "$(val rebinds)" -ge "$killed" ]; then ok "re-binds: $(val rebinds)"
else bad "re-binds: '$(val rebinds)', kills $killed"; fi
if [ "$(val unacked)" = 0 ]; then ok "MOs never acknowledged: 0"
else bad "MOs never acknowledged: '$(val unacked)'"; fi
if [ "$(val confirmed)" = "$numbers" ]; then ok "donations confirmed by SMS: $numbers"
else bad "donations confirmed by SMS: '$(val confirmed)' of $numbers"; fi
if [ "$(val no_final)" = 0 ]; then ok "numbers without a final reply: 0"
else bad "numbers without a final reply: '$(val no_final)'"; fi
echo "duplicate replies (MTs re-sent from the outbox, allowed): $(val dup_replies)"

wait "$cliw" || true
cliw=""
cli_n=$(sort -u "$dir/cli.done" 2>/dev/null | wc -l)
cli_rows=$(db "select count(*) || ' ' || coalesce(sum(amount), 0) from transfers where credit_account_id = $cli_wallet")
cli_balance=$("${M[@]}" account show "$cli_wallet" --json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["balance_minor"])')
if [ "$cli_n" = 20 ] && [ "$cli_rows" = "20 2000" ] && [ "$cli_balance" = 2000 ]; then
  ok "the CLI's 20 top-ups beside mandatd: each there once (20.00 EUR)"
else bad "CLI top-ups: $cli_n done, rows (count, cents) '$cli_rows', balance $cli_balance"
  cat "$dir/cli.err" 2>/dev/null | tail -5; fi
if "${M[@]}" check >"$dir/check.out" 2>&1; then ok "mandat check"
else bad "mandat check:"; cat "$dir/check.out"; fi

q() { db "$1"; }
want=$((numbers * 500))
got=$("${M[@]}" account show "$assoc" --json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["balance_minor"])')
if [ "$got" = "$want" ]; then ok "the association received $got cents = $numbers x 5 EUR"
else bad "the association received $got cents, expected $want"; fi
# Donations (kind 2): a hold (flags 2) when "DON" is understood, then its post (flags 4, link_id
# = the hold) on the code. Exactly one of each per number: no order doubled, no payment doubled.
holds=$(q "select count(*) || ' ' || count(distinct debit_account_id) from transfers where kind = 2 and (flags & 2) != 0 and credit_account_id = $assoc")
if [ "$holds" = "$numbers $numbers" ]; then ok "one donation order (hold) per number: $numbers"
else bad "holds (count, distinct payers): $holds, expected $numbers $numbers"; fi
posts=$(q "select count(*) || ' ' || count(distinct debit_account_id) || ' ' || count(distinct link_id) || ' ' || coalesce(sum(amount), 0) from transfers where kind = 2 and (flags & 4) != 0 and credit_account_id = $assoc")
if [ "$posts" = "$numbers $numbers $numbers $want" ]; then ok "one posted donation per number: $numbers, $want cents"
else bad "posts (count, payers, holds, cents): $posts, expected $numbers $numbers $numbers $want"; fi
orphans=$(q "select count(*) from transfers where kind = 2 and (flags & 4) != 0 and link_id not in (select id from transfers where (flags & 2) != 0)")
voided=$(q "select count(*) from transfers where kind = 2 and (flags & (8 | 16)) != 0")
if [ "$orphans" = 0 ] && [ "$voided" = 0 ]; then ok "every post matches a hold; none voided or expired"
else bad "$orphans posts without their hold, $voided voided or expired"; fi
open=$(q "select count(*) from conversations")
if [ "$open" = 0 ]; then ok "no order left waiting for its code"
else bad "$open orders still waiting for a code"; fi
# Each customer paid 5 EUR exactly once: the top-up and the post (no holds) leave 95 EUR.
wrong=$(q "select count(*) from customers c left join (select a, sum(d) as s from (select credit_account_id as a, amount as d from transfers where (flags & 2) = 0 union all select debit_account_id, -amount from transfers where (flags & 2) = 0) m group by a) b on b.a = c.account_id where coalesce(b.s, 0) != 9500")
if [ "$wrong" = 0 ]; then ok "every customer's posted movements sum to 95 EUR"
else bad "$wrong customers whose posted movements do not sum to 95 EUR"; fi
# Every MO the SMSC saw acknowledged is in the inbox (peer_id = receipted_message_id), once.
acked=$(wc -l <"$dir/acked")
db "select peer_id from inbox" >"$dir/inbox.ids"
python3 - "$dir/inbox.ids" "$dir/acked" <<'PY' >"$dir/inbox.check"
import sys
acked = [l.strip() for l in open(sys.argv[2]) if l.strip()]
have = {}
for pid in (l.rstrip("\n") for l in open(sys.argv[1])):
    have[pid] = have.get(pid, 0) + 1
missing = [a for a in acked if a not in have]
doubled = [p for p, n in have.items() if n > 1]
print(len(acked), len(missing), len(doubled), len(have), " ".join(missing[:5]))
PY
read -r n_acked n_missing n_doubled n_inbox sample <"$dir/inbox.check" || true
if [ "$n_acked" = "$acked" ] && [ "$n_missing" = 0 ] && [ "$acked" -ge $((2 * numbers)) ]; then
  ok "all $acked acknowledged MOs are in the inbox ($n_inbox distinct ids)"
else bad "acknowledged $acked, missing from the inbox $n_missing: $sample"; fi
if [ "$n_doubled" = 0 ]; then ok "no MO twice in the inbox"; else bad "$n_doubled MOs twice in the inbox"; fi
if grep -qiE 'assert|panic' "$dir/mandatd.log"; then
  bad "mandatd asserted:"; grep -iE 'assert|panic' "$dir/mandatd.log" | head -5
else ok "no assertion in mandatd's log"; fi

e2e_done sms_crash
