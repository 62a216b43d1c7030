#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mandat migrate --to postgresql://...: a SQLite store with accounts, transfers, a hold, a
# rejection, a merchant and an association copied into an empty PostgreSQL schema on the suite's
# server; the copy shows the same accounts, statements and journal, and mandat check passes on
# it; a second migration into it is refused; the copy keeps working (a transfer on it).
# Usage: test_migrate.sh MANDAT (MANDAT_PG_STATE or MANDAT_PG_URI names the server)
set -euo pipefail
mandat=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
MANDAT_STORE="" e2e_init migrate
cd "$dir" # mandat init writes the cards' key ring in the working directory
base=${MANDAT_PG_URI:-$(cat "${MANDAT_PG_STATE:?MANDAT_PG_STATE or MANDAT_PG_URI}/uri")}
schema=$(basename "$dir" | tr 'A-Z-' 'a-z_')
psql -qX "$base" -c "CREATE SCHEMA $schema" >/dev/null
trap 'e2e_cleanup; psql -qX "$base" -c "SET client_min_messages = warning; DROP SCHEMA $schema CASCADE" >/dev/null 2>&1 || true' EXIT
pg="$base?options=-csearch_path%3D$schema"
L=("$mandat" --db "$dir/mandat.db")
P=("$mandat" --db "$pg")

# run_ok NAME COMMAND...: the command succeeds.
run_ok() {
  local name=$1
  shift
  if "$@" >/dev/null 2>"$dir/err"; then ok; else bad "$name: $(cat "$dir/err")"; fi
}

run_ok "init" "${L[@]}" init
run_ok "wallet" "${L[@]}" account open wallet --tier 2
run_ok "wallet 2" "${L[@]}" account open wallet --tier 2
run_ok "top-up" "${L[@]}" transfer --from 1 --to 5 --amount 500 --kind topup
run_ok "p2p" "${L[@]}" transfer --from 5 --to 6 --amount 120.50 --kind p2p
run_ok "hold" "${L[@]}" transfer --from 5 --to 6 --amount 10 --kind p2p --pending --timeout 3600
if "${L[@]}" transfer --from 6 --to 5 --amount 100000 --kind p2p >/dev/null 2>&1; then
  bad "an overdraft was accepted"
else
  ok # a rejection row
fi
run_ok "merchant" "${L[@]}" merchant create Boulangerie Martin
run_ok "association" "${L[@]}" association create TELETHON Telethon France

expect "migrated" "migrated" "${mandat}" --db "$dir/mandat.db" migrate --to "$pg"
for cmd in "account list" "statement 5" "statement 6" "journal" "merchant list"; do
  # shellcheck disable=SC2086
  a=$("${L[@]}" $cmd 2>&1)
  # shellcheck disable=SC2086
  b=$("${P[@]}" $cmd 2>&1)
  if [ "$a" = "$b" ] && [ -n "$a" ]; then ok; else bad "$cmd differs:"$'\n'"$a"$'\n'"---"$'\n'"$b"; fi
done
expect "check on the copy" ": ok" "${P[@]}" check
expect "same check as the original" "$("${L[@]}" check)" "${P[@]}" check
if "${mandat}" --db "$dir/mandat.db" migrate --to "$pg" >"$dir/out" 2>&1; then
  bad "a second migration into a full store was accepted"
else
  check_out=$(cat "$dir/out")
  if [[ "$check_out" == *"empty one"* ]]; then ok; else bad "second migration: $check_out"; fi
fi
run_ok "the copy goes on" "${P[@]}" transfer --from 5 --to 6 --amount 1 --kind p2p
expect "and still checks" ": ok" "${P[@]}" check
e2e_done migrate
