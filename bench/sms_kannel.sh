#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/sms, the Kannel side: the same campaign, the same generator (bench_sms smsc) as the
# SMSC, with Kannel in mandat's place: bearerbox binds to it (SMPP transceiver), smsbox
# forwards each MO to a trivial HTTP application (bench_sms app) by get-url and sends the
# body of its answer back as the reply. Kannel keeps no store (its default): nothing here is
# durable, whereas mandat commits every message, order and reply with an fsync.
# Needs the Debian package kannel (bearerbox, smsbox). Called by bench/sms.sh --kannel; alone:
#   bench/sms_kannel.sh [--numbers N] [--window W] [--mt-window W] [--seconds-max S] [--dir DIR]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bench=${BENCH_SMS:-$top/build/release/bench/bench_sms}
bearerbox=${BEARERBOX:-/usr/sbin/bearerbox}
smsbox=${SMSBOX:-/usr/sbin/smsbox}
numbers=100000
window=1000
mt_window=100
secs=600
dir=""
while [ $# -gt 0 ]; do
  case $1 in
    --numbers) numbers=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --mt-window) mt_window=$2; shift 2 ;;
    --seconds-max) secs=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    *) echo "usage: $0 [--numbers N] [--window W] [--mt-window W] [--seconds-max S] [--dir DIR]" >&2
       exit 2 ;;
  esac
done
for f in "$bench" "$bearerbox" "$smsbox"; do
  if [ ! -x "$f" ]; then echo "bench/sms_kannel: $f is missing (apt-get install kannel?)" >&2; exit 2; fi
done
own_dir=0
if [ -z "$dir" ]; then dir=$(mktemp -d /tmp/mandat-sms-kannel-XXXXXX); own_dir=1; fi
mkdir -p "$dir"
pids=()
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  if [ "$own_dir" = 1 ] && [ -z "${KEEP:-}" ]; then rm -rf "$dir"; fi
}
trap cleanup EXIT
me=bench/sms_kannel
# shellcheck source=bench/sms_lib.sh
. "$top/bench/sms_lib.sh" # wait_file

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

app_port=$(free_port)
admin_port=$(free_port)
box_port=$(free_port)
"$bench" smsc --port 0 --numbers "$numbers" --window "$window" --seconds-max "$secs" \
  --ready-file "$dir/smsc.port" --label kannel --no-msgid --peer-pid-file "$dir/kannel.pids" \
  --start-delay 2 \
  >"$dir/kannel.out" 2>"$dir/kannel.err" &
gen_pid=$!
pids+=("$gen_pid")
wait_file "$dir/smsc.port" 10
"$bench" app --port "$app_port" --seconds-max "$((secs + 60))" &
app_pid=$!
pids+=("$app_pid")

# Log levels: 0 debug .. 4 panic; 3 = errors only, as mandatd runs with warnings only.
cat >"$dir/kannel.conf" <<CONF
group = core
admin-port = $admin_port
admin-password = bench
smsbox-port = $box_port
box-allow-ip = 127.0.0.1
log-file = "$dir/bearerbox.log"
log-level = 3
dlr-storage = internal

group = smsc
smsc = smpp
smsc-id = bench
host = 127.0.0.1
port = $(cat "$dir/smsc.port")
transceiver-mode = true
smsc-username = kannel
smsc-password = secret
system-type = ""
source-addr-ton = 3
source-addr-npi = 0
dest-addr-ton = 1
dest-addr-npi = 1
max-pending-submits = $mt_window
enquire-link-interval = 30
reconnect-delay = 1
msg-id-type = 0x01

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = $box_port
log-file = "$dir/smsbox.log"
log-level = 3
max-pending-requests = $window

group = sms-service
keyword = default
catch-all = true
get-url = "http://127.0.0.1:$app_port/mo?from=%p&to=%P&text=%a"
max-messages = 1
omit-empty = true
CONF
# bearerbox, then smsbox once bearerbox listens for it (smsbox gives up at once otherwise). The
# generator reads the pids when it starts the campaign, 2 s after bearerbox binds. -v 3: only
# errors on the console, as in the log files (the default is debug, a line per PDU).
"$bearerbox" -v 3 "$dir/kannel.conf" >"$dir/bearerbox.out" 2>&1 &
bb_pid=$!
pids+=("$bb_pid")
for _ in $(seq 100); do
  if python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' \
    "$box_port" 2>/dev/null; then break; fi
  sleep 0.1
done
"$smsbox" -v 3 "$dir/kannel.conf" >"$dir/smsbox.out" 2>&1 &
sb_pid=$!
pids+=("$sb_pid")
printf '%s\n%s\n%s\n' "$bb_pid" "$sb_pid" "$app_pid" >"$dir/kannel.pids"
for _ in $(seq $((secs + 40))); do
  if ! kill -0 "$gen_pid" 2>/dev/null; then break; fi
  sleep 1
done
rc=0
wait "$gen_pid" || rc=$?
cat "$dir/kannel.out"
if [ "$rc" != 0 ]; then
  echo "bench/sms_kannel: generator exit $rc; its stderr and Kannel's logs:"
  tail -5 "$dir/kannel.err" "$dir/bearerbox.log" "$dir/smsbox.log" 2>/dev/null || true
fi
exit "$rc"
