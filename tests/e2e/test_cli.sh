#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end test of the mandat command: one scripted session in a temporary directory that
# drives the real binary (init, accounts, transfers, holds, refusals, statements, check) and
# asserts outputs and exit codes, then tampers with the database and expects check to notice.
# With MANDAT_STORE=postgres the store is a schema on the suite's PostgreSQL server (lib.sh's
# e2e_store), the tampering done on a copy of it (store_copy).
# Usage: test_cli.sh MANDAT [MANDATD]   (MANDATD, when executable, runs beside the CLI)
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 MANDAT [MANDATD]" >&2
    exit 2
fi
MANDAT=$(realpath "$1")
MANDATD=${2:-}
if [ -n "$MANDATD" ] && [ -x "$MANDATD" ]; then
    MANDATD=$(realpath "$MANDATD")
else
    MANDATD=
fi

# lib.sh for the store (its checks are not used: this script has its own, defined below).
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
TMP=$(mktemp -d /tmp/mandat-cli-XXXXXX)
dir=$TMP
e2e_store
DAEMON_PID=
cleanup() {
    if [ -n "$DAEMON_PID" ]; then
        kill -TERM "$DAEMON_PID" 2>/dev/null || true
        wait "$DAEMON_PID" 2>/dev/null || true
    fi
    store_copy_drop 2>/dev/null || true
    e2e_store_drop
    rm -rf "$TMP"
}
trap cleanup EXIT
cd "$TMP"
# The config names the store: a path relative to the working directory on SQLite.
conf_store=$store_path
not_init="does not exist: run 'mandat init' first"
if [ -n "$pg_schema" ]; then
    not_init="holds no mandat schema: run 'mandat init' first"
else
    conf_store=ledger.db
    store_path=$TMP/ledger.db
fi

passed=0
failed=0
OUT=
ERR=
RC=0

pass() {
    passed=$((passed + 1))
}

fail() {
    failed=$((failed + 1))
    echo "FAIL: $1" >&2
    echo "  exit: $RC" >&2
    echo "  stdout: $(head -c 2000 <<<"$OUT")" >&2
    echo "  stderr: $(head -c 2000 <<<"$ERR")" >&2
}

# run ARGS...: run mandat, keep stdout in OUT, stderr in ERR, exit status in RC; never aborts.
run() {
    set +e
    "$MANDAT" "$@" >"$TMP/.out" 2>"$TMP/.err"
    RC=$?
    set -e
    OUT=$(cat "$TMP/.out")
    ERR=$(cat "$TMP/.err")
}

# expect NAME RC [stdout-regex] [stderr-regex]: assert on the last run.
expect() {
    local name=$1 want=$2 out_re=${3:-} err_re=${4:-}

    if [ "$RC" -ne "$want" ]; then
        fail "$name: exit $RC, expected $want"
    elif [ -n "$out_re" ] && ! grep -Eq -- "$out_re" <<<"$OUT"; then
        fail "$name: stdout does not match /$out_re/"
    elif [ -n "$err_re" ] && ! grep -Eq -- "$err_re" <<<"$ERR"; then
        fail "$name: stderr does not match /$err_re/"
    else
        pass
    fi
}

# assert NAME COMMAND...: a plain condition.
assert() {
    local name=$1
    shift
    if "$@"; then
        pass
    else
        fail "$name"
    fi
}

# field NAME: the value of the "NAME value" line of the last stdout.
field() {
    awk -v k="$1" '$1 == k { print $2; exit }' <<<"$OUT"
}

# balance ID: the posted balance of an account, in minor units, from 'account show --json'.
balance() {
    json_field "$1" balance_minor
}

available() {
    json_field "$1" available_minor
}

json_field() {
    { "$MANDAT" account show "$1" --json 2>/dev/null || true; } |
        python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2" 2>/dev/null ||
        echo "unreadable"
}

# ---- configuration: ./mandat.conf is read by default --------------------------------------

cat >mandat.conf <<EOF
[store]
path = $conf_store
synchronous = off
EOF

# ---- help and usage errors ----------------------------------------------------------------

run --help
expect "mandat --help" 0 '^usage: mandat' ''
run help transfer
expect "mandat help transfer" 0 'Examples' ''
run transfer --help
expect "mandat transfer --help" 0 '^usage: mandat transfer' ''
run account --help
expect "mandat account --help" 0 'account open KIND' ''
run statement --help
expect "mandat statement --help" 0 'RFC 4180' ''
run
expect "no command" 2 '' 'no command given'
run frobnicate
expect "unknown command" 2 '' "'frobnicate' is not a mandat command"
run --frobnicate init
expect "unknown global option" 2 '' "unknown option '--frobnicate'"
run transfer --from 1 --to 2 --amount 1 --bogus
expect "unknown transfer option" 2 '' "unknown option '--bogus'.*mandat help transfer"
run transfer --from 1 --amount 1
expect "transfer without --to" 2 '' 'needs --from, --to and --amount'
run help nosuch
expect "help on unknown command" 2 '' "'nosuch' is not a mandat command"

# ---- before init --------------------------------------------------------------------------

run account list
expect "list before init" 2 '' "$not_init"
run --config missing.conf account list
expect "missing --config" 2 '' "missing.conf"

# ---- init ---------------------------------------------------------------------------------

run init
expect "init" 0 '^initialised' ''
BANK=$(field bank)
FEES=$(field fees)
assert "init created the store from ./mandat.conf" test "$(db "SELECT count(*) FROM account_events")" -ge 2
assert "init printed the bank id" test -n "$BANK"
run init
expect "init again" 0 'already initialised' ''
assert "init again gives the same bank" test "$(field bank)" = "$BANK"
run init --currency XYZ
expect "init with unknown currency" 2 '' "'XYZ' is not a currency"

# ---- accounts -----------------------------------------------------------------------------

run account open wallet --tier 1
expect "open wallet tier 1" 0 '^account [0-9]+ opened \(wallet, EUR, tier 1\)' ''
W=$(awk '{print $2}' <<<"$OUT")
run account open wallet
expect "open wallet tier 0" 0 'opened \(wallet, EUR, tier 0\)' ''
W2=$(awk '{print $2}' <<<"$OUT")
run account open merchant
expect "open merchant" 0 'opened \(merchant' ''
MER=$(awk '{print $2}' <<<"$OUT")
run account open card
expect "open card" 0 'opened \(card' ''
CARD=$(awk '{print $2}' <<<"$OUT")
run account open bank
expect "open a system kind" 2 '' "'bank' is not a kind of account you can open"
run account open wallet --currency XYZ
expect "open with unknown currency" 2 '' "'XYZ' is not a currency"
run account open wallet --tier x
expect "open with bad tier" 2 '' "'x' is not a valid tier"
run account tier "$W2" 7
expect "tier out of range" 1 '' 'refused: tier_invalid: KYC tiers are 0'
run account show 12x
expect "bad account id" 2 '' "'12x' is not an account id"
run account show 999
expect "unknown account" 1 '' "account 999 not found: list accounts with 'mandat account list'"
run account frobnicate
expect "unknown account subcommand" 2 '' "'frobnicate' is not an account subcommand"

# ---- topup, p2p, refusals -----------------------------------------------------------------

T1=0123456789abcdef0123456789abcdef
run transfer --from "$BANK" --to "$W" --amount "200,00" --kind topup --id "$T1"
expect "topup" 0 '^state +posted' ''
assert "topup id printed" test "$(field id)" = "$T1"
assert "topup amount" grep -Eq '^amount +200.00 EUR' <<<"$OUT"
run transfer --from "$W" --to "$W2" --amount "10.50 €" --ref 'lunch'
expect "p2p" 0 '^amount +10.50 EUR' ''
P2P=$(field id)
assert "random id is 32 hex digits" grep -Eq '^[0-9a-f]{32}$' <<<"$P2P"
assert "wallet balance after p2p" test "$(balance "$W")" = 18950
assert "payee balance after p2p" test "$(balance "$W2")" = 1050

NOFUNDS=fedcba9876543210fedcba9876543210
run transfer --from "$W2" --to "$W" --amount 50 --id "$NOFUNDS"
expect "insufficient funds" 1 '' "^mandat: transfer refused: insufficient_funds: account $W2 has €10.50 available: top it up or send less"
assert "refusal moved nothing" test "$(balance "$W2")" = 1050
run transfer --from "$W" --to "$W2" --amount 300
expect "operation limit" 1 '' 'refused: limit_exceeded:operation_max: .*at most €250.00'
run transfer --from "$W" --to "$W2" --amount 145
expect "balance limit of a tier 0 wallet" 1 '' 'refused: limit_exceeded:max_balance: .*at most €150.00'
run transfer --from "$W" --to "$W2" --amount 10x
expect "bad amount" 2 '' "10x"
run transfer --from "$W" --to "$W2" --amount "5 USD"
expect "amount in another currency" 2 '' 'is in USD but the account holds EUR'
run transfer --from "$W" --to 999 --amount 1
expect "unknown payee" 1 '' 'refused: credit_account_not_found: account 999 not found'
run transfer --from "$W" --to "$W" --amount 1
expect "same account" 1 '' 'refused: accounts_must_be_different'
run transfer --from "$W" --to "$MER" --amount 1 --fee nosuch
expect "unknown fee schedule" 2 '' "fee schedule 'nosuch' is not in the config"
run transfer --from "$W" --to "$MER" --amount 1 --timeout 60
expect "timeout without pending" 2 '' '--timeout applies to pending transfers'

# ---- fees: card reload table ------------------------------------------------------------

run transfer --from "$W" --to "$CARD" --amount 40 --kind card_load --fee card_reload
expect "card load below the fee minimum" 1 '' "fee_below_minimum_amount: fee schedule 'card_reload' applies from €50.00"
run transfer --from "$W" --to "$CARD" --amount 60 --kind card_load --fee card_reload
expect "card load with reload fee" 0 '^fees +6.00 EUR' ''
assert "payer paid load and fee" test "$(balance "$W")" = 12350
assert "fees account got the fee" test "$(balance "$FEES")" = 600

# ---- pending, then post -----------------------------------------------------------------

run transfer --from "$W" --to "$MER" --amount 20 --kind payment --pending --fee merchant_standard --ref 'order, "42"'
expect "pending payment" 0 '^state +pending' ''
P1=$(field id)
assert "pending payment fee (1.5 % + 0.25, payee pays)" grep -Eq '^fees +0.55 EUR' <<<"$OUT"
assert "pending payment has an expiry" grep -Eq '^expires ' <<<"$OUT"
assert "hold keeps the balance" test "$(balance "$W")" = 12350
assert "hold reduces available" test "$(available "$W")" = 10350
run transfer --from "$MER" --to "$W" --amount 5 --refund-of "$P1"
expect "refund of an open hold" 1 '' 'refund_original_not_refundable'
run post "$P1"
expect "post" 0 '^state +posted' ''
assert "post names the pending" test "$(field pending)" = "$P1"
assert "post moved the amount" grep -Eq '^amount +20.00 EUR' <<<"$OUT"
assert "post kept the fee" grep -Eq '^fees +0.55 EUR' <<<"$OUT"
assert "balance after post" test "$(balance "$W")" = 10350
assert "merchant got 20 minus 0.55" test "$(balance "$MER")" = 1945
run post "$P1"
expect "post twice" 1 '' "refused: pending_already_posted: pending transfer $P1 was already posted"
run transfer --from "$MER" --to "$W" --amount 5 --refund-of "$P1"
expect "refund of the posted payment" 0 '^state +posted' ''
assert "refund credited the payer" test "$(balance "$W")" = 10850

# ---- pending, then partial post --------------------------------------------------------

run transfer --from "$W" --to "$MER" --amount 30 --pending
expect "pending p2p" 0 '^state +pending' ''
P2=$(field id)
run post "$P2" --amount 40
expect "post more than held" 1 '' 'pending_amount_exceeded: pending transfer .* holds only €30.00'
run post "$P2" --amount "12,25"
expect "partial post" 0 '^amount +12.25 EUR' ''
assert "partial post moved 12.25" test "$(balance "$W")" = 9625
assert "partial post released the rest" test "$(available "$W")" = 9625

# ---- pending, then void ----------------------------------------------------------------

run transfer --from "$W" --to "$MER" --amount 40 --pending --timeout 600
expect "pending with timeout" 0 '^state +pending' ''
P3=$(field id)
run void "$P3" --amount 1
expect "void takes no amount" 2 '' "'void' takes no --amount"
run void "$P3"
expect "void" 0 '^state +voided' ''
assert "void moved nothing" test "$(balance "$W")" = 9625
assert "void released the hold" test "$(available "$W")" = 9625
run void "$P3"
expect "void twice" 1 '' 'pending_already_voided'
run transfer --from "$W" --to "$MER" --amount 3 --pending --timeout 1
expect "short hold" 0 '^state +pending' ''
P4=$(field id)
# Wait for the fact itself: the clock is past the hold's expiry (a second away, bounded).
expires=$(date -u -d "$(sed -n 's/^expires *\(.*\) UTC$/\1/p' <<<"$OUT")Z" +%s)
for _ in $(seq 50); do
    if [ "$(date -u +%s)" -gt "$expires" ]; then
        break
    fi
    sleep 0.1
done
run post "$P4"
expect "post after the timeout" 1 '' "refused: pending_expired: pending transfer $P4 was already expired"
assert "expiry released the hold" test "$(available "$W")" = 9625
run statement "$W"
expect "statement shows the expiry" 0 " expired +$MER +-3.00 +96.25" ''

run post 00000000000000000000000000000001
expect "post of an unknown pending" 1 '' 'refused: pending_not_found'
run post nothex
expect "post of a malformed id" 2 '' "'nothex' is not an id"

# ---- freeze, refused, unfreeze ---------------------------------------------------------

run account freeze "$W2"
expect "freeze" 0 "^account $W2 frozen" ''
run transfer --from "$W" --to "$W2" --amount 1
expect "transfer to a frozen account" 1 '' "refused: account_frozen: account $W2 is frozen: unfreeze it with 'mandat account unfreeze $W2'"
run account show "$W2"
expect "show frozen" 0 '^status +frozen' ''
run account unfreeze "$W2"
expect "unfreeze" 0 "^account $W2 unfrozen" ''
run transfer --from "$W" --to "$W2" --amount 1
expect "transfer after unfreeze" 0 '^state +posted' ''
run account freeze 999
expect "freeze unknown account" 1 '' 'refused: account_not_found: account 999 not found'
run account close "$W2"
expect "close a non-empty account" 1 '' 'refused: account_not_empty'

# ---- idempotent retry ------------------------------------------------------------------

R=aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb
run transfer --from "$W" --to "$W2" --amount 2 --id "$R"
expect "first try" 0 '^state +posted' ''
FIRST=$OUT
before=$(balance "$W")
run transfer --from "$W" --to "$W2" --amount 2 --id "$R"
expect "retry" 0 '^state +posted' 'already done'
assert "retry prints the same output" test "$OUT" = "$FIRST"
assert "retry did not debit twice" test "$(balance "$W")" = "$before"
run transfer --from "$W" --to "$W2" --amount 3 --id "$R"
expect "same id, other amount" 1 '' 'refused: exists_with_different_fields'
run transfer --from "$W2" --to "$W" --amount 50 --id "$NOFUNDS"
expect "retry of a refusal gives the same refusal" 1 '' 'insufficient_funds'
W_BAL=$(balance "$W")
assert "wallet balance so far" test "$W_BAL" = 9325

# ---- statement: table, CSV, JSON -------------------------------------------------------

run statement "$W"
expect "statement table" 0 '^DATE \(UTC\) +ID +KIND +STATE' ''
assert "statement shows the closed hold" grep -Eq " held +$MER +-40.00 +96.25" <<<"$OUT"
assert "statement shows the void row" grep -Eq " voided +$MER +-40.00 +96.25" <<<"$OUT"
assert "statement shows the partial post" grep -Eq " posted +$MER +-12.25 +96.25" <<<"$OUT"
assert "statement footer" grep -Eq '^balance 93.25 EUR, available 93.25' <<<"$OUT"

run statement "$W" --csv
expect "statement csv" 0 '^date,id,kind,state,counterparty,amount,balance,currency,reference' ''
printf '%s\n' "$OUT" >statement.csv
assert "csv quotes per RFC 4180" grep -Fq '"order, ""42"""' statement.csv
assert "csv parses and adds up" python3 - statement.csv "$W_BAL" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert rows[-1]["balance"] == "93.25", rows[-1]
assert any(r["reference"] == 'order, "42"' for r in rows)
posted = sum(round(float(r["amount"]) * 100) for r in rows if r["state"] == "posted")
assert posted == int(sys.argv[2]), posted
EOF

run statement "$W" --json
expect "statement json" 0 '"transfers"' ''
printf '%s\n' "$OUT" >statement.json
assert "json is valid" python3 -m json.tool statement.json /dev/null
assert "json fields" python3 - statement.json "$W" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["account"] == int(sys.argv[2]) and d["currency"] == "EUR", d
assert d["balance_minor"] == 9325 and d["balance"] == "93.25", d
t = d["transfers"]
assert t[0]["kind"] == "topup" and t[0]["amount_minor"] == 20000 and t[0]["amount"] == "200.00"
assert t[-1]["balance_minor"] == 9325
assert {"date", "id", "kind", "state", "counterparty", "reference"} <= set(t[0])
EOF
run statement "$W" --json --csv
expect "statement with two formats" 2 '' 'choose one of --json and --csv'
run statement 999
expect "statement of an unknown account" 1 '' 'account 999 not found'

# ---- show ------------------------------------------------------------------------------

run show "$T1"
expect "show transfer" 0 '^kind +topup' ''
assert "show state" grep -Eq '^state +posted' <<<"$OUT"
assert "show amount" grep -Eq '^amount +200.00 EUR' <<<"$OUT"
run show "$P1"
expect "show pending payment" 0 '^reference +order, "42"' ''
assert "show fee schedule" grep -Eq '^fees +merchant_standard: 0.55 EUR' <<<"$OUT"
run show "$NOFUNDS"
expect "show rejection" 0 '^reason +insufficient_funds' ''
assert "show rejection state" grep -Eq '^state +rejected' <<<"$OUT"
run show 11111111111111111111111111111111
expect "show unknown id" 1 '' 'no transfer or rejection has id'

# ---- list, journal, check -------------------------------------------------------------

run account list
expect "account list" 0 "^ +$W +wallet +EUR +active +1 +93.25" ''
run account list --kind merchant
expect "account list by kind" 0 'merchant' ''
assert "list by kind shows merchants only" test "$(grep -c wallet <<<"$OUT" || true)" = 0
run account list --json
expect "account list json" 0 '"balance_minor"' ''
assert "money is conserved" python3 -c '
import json, sys
a = json.loads(sys.argv[1])
assert sum(x["balance_minor"] for x in a) == 0
assert sum(x["debits_pending_minor"] for x in a) == sum(x["credits_pending_minor"] for x in a)
' "$OUT"
run account show "$W"
expect "account show" 0 '^available +93.25 EUR' ''
assert "account show windows" grep -Eq '^day_debits +[0-9.]+ of 1000.00 EUR' <<<"$OUT"

run journal
expect "journal" 0 '^ +SEQ +TIME' ''
run journal --limit 2
expect "journal --limit" 0 'batch' ''
assert "journal --limit 2 prints 2 entries" test "$(wc -l <<<"$OUT")" = 3
run journal --limit x
expect "journal bad limit" 2 '' "'x' is not a valid limit"

run check
expect "check" 0 '^check: [0-9]+ accounts, [0-9]+ transfers, [0-9]+ rejections, [0-9]+ journal entries: ok$' ''

run --db other.db account list
expect "--db overrides the config" 2 '' "'other.db' does not exist"

# ---- beside mandatd --------------------------------------------------------------------

if [ -n "$MANDATD" ]; then
    "$MANDATD" --config mandat.conf >daemon.log 2>&1 &
    DAEMON_PID=$!
    for _ in $(seq 50); do
        if grep -q 'ready' daemon.log 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    assert "mandatd started" grep -q 'ready' daemon.log
    run transfer --from "$W" --to "$W2" --amount 1.25
    expect "transfer while mandatd runs" 0 '^state +posted' ''
    run check
    expect "check while mandatd runs" 0 ': ok$' ''
    kill -TERM "$DAEMON_PID"
    set +e
    wait "$DAEMON_PID"
    drc=$?
    set -e
    DAEMON_PID=
    assert "mandatd stopped cleanly" test "$drc" = 0
fi

# ---- tampering -------------------------------------------------------------------------

store_copy "UPDATE transfers SET amount = 100 WHERE id = $(blob "$T1");" || true
run --db "$copy" check
expect "check finds tampering" 1 'digest' ''
assert "check reports the wallet below zero" grep -Eq "account $W \(wallet\): below zero" <<<"$OUT"
assert "check counts violations" grep -Eq '^check: [0-9]+ violations$' <<<"$OUT"
run check
expect "the original still checks" 0 ': ok$' ''

if [ "$failed" -eq 0 ]; then
    echo "$passed passed, 0 failed"
    exit 0
fi
echo "$passed passed, $failed failed"
exit 1
