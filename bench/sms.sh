#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run bench/sms: a donation campaign through real SMPP binds. N numbers each text
# "DON 5 TELETHON" to 71004 and then confirm with their code; bench_sms is the SMSC, mandatd
# binds to it as an ESME. Three runs, each with the same generator and window:
#   1. trivial: the generator against an ESME that does no work (bench_sms esme): the
#      generator's own ceiling and CPU cost, to show it is not the bottleneck;
#   2. mandat:  mandatd on a store preloaded with the N customers (bench_sms setup), durable
#      commits (synchronous = full); then `mandat check` and the association's balance;
#   3. kannel (with --kannel): bearerbox + smsbox forwarding to a trivial HTTP application that
#      answers with the same texts (bench/sms_kannel.sh), and the ratio.
# Builds nothing: uses build/release (after `make build`; MANDAT_BUILD=dir and BENCH_SMS=binary
# override). Everything is bounded in time. Exit status 0 only when every run and check passed.
# Usage: bench/sms.sh [--numbers 100000] [--window 1000] [--mt-window 100] [--log warn]
#                     [--kannel] [--no-msgid] [--seconds-max 600] [--keep]
# --no-msgid: MOs without the SMSC's id (receipted_message_id), as most SMSCs send them: mandat
# then tracks each acknowledgement until the SMSC is known to have read it (in-doubt tracking).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
usage="$0 [--numbers N] [--window W] [--mt-window W] [--log LEVEL] [--kannel] [--no-msgid]
       [--seconds-max S] [--keep]"
kannel=0
extra_option() {
  shifted=1
  case $1 in
    --kannel) kannel=1 ;;
    --no-msgid) msgid=(--no-msgid) ;;
    *) shifted=0 ;;
  esac
}
# shellcheck source=bench/sms_lib.sh
. "$top/bench/sms_lib.sh"
sms_defaults bench/sms 100000 600
sms_parse "$@"
sms_start mandat-sms

echo "bench/sms: $numbers numbers x 2 MOs, window $window MOs awaiting a reply," \
  "$(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"

# 1. The generator alone, against an ESME that answers at once.
gen trivial --peer-pid-file "$dir/esme.pid"
sh -c 'echo $$ >"$1"; shift; exec "$@"' _ "$dir/esme.pid" "$bench" esme \
  --port "$(cat "$dir/trivial.port")" --seconds-max "$secs" 2>"$dir/esme.err" &
pids+=($!)
wait_pid "$gen_pid" $((secs + 40))
gen_done trivial
grep -v '^RESULT' "$dir/trivial.out" || true

# 2. mandat.
setup mandat
mandat_run mandat
check_association mandat

# 3. Kannel.
if [ "$kannel" = 1 ]; then
  BENCH_SMS=$bench "$top/bench/sms_kannel.sh" --numbers "$numbers" --window "$window" \
    --mt-window "$mt_window" --seconds-max "$secs" --dir "$dir/kannel" >"$dir/kannel.out" 2>&1 ||
    { echo "bench/sms: the Kannel run failed (see below)"; failed=1; }
  grep -v '^RESULT' "$dir/kannel.out" || true
fi

# Summary: one line per run, and the ratio mandat / Kannel.
summary mandat kannel "$dir"/trivial.out "$dir"/mandat.out "$dir"/kannel.out
exit "$failed"
