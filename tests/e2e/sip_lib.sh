# SPDX-License-Identifier: Apache-2.0
# What the phone channel's end-to-end scripts share (test_sip.sh, test_sip_pay.sh): a free UDP
# port, waiting for a line in mandatd's log, baresip started as the caller with its ctrl_tcp
# control port, one control command, and keys sent by it. Sourced after lib.sh, never run.

# udp_port: a port nothing uses now on UDP nor TCP (the kernel's choice for UDP, released at
# once): mandatd's SIP listens on both, and a TCP connection (to PostgreSQL, say) may hold as
# its own end a port that UDP has free.
udp_port() {
  python3 -c '
import socket
for _ in range(50):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    t = socket.socket()
    try:
        t.bind(("127.0.0.1", u.getsockname()[1]))
    except OSError:
        continue
    print(u.getsockname()[1])
    break'
}

# sip_conf MAX_CALLS RTP_TIMEOUT [MORE]: the test's config with [sip] on 127.0.0.1:$sport (a free
# UDP port, set here), RTP on 20000-29999 (below the kernel's ephemeral range, from which the
# tests' free ports come: two tests run at once), and MORE lines of [sip] if given.
sip_conf() {
  sport=$(udp_port)
  e2e_conf 0 "[sip]
listen = 127.0.0.1:$sport
rtp_port_min = 20000
rtp_port_max = 29999
max_calls = $1
rtp_timeout = $2${3:+
$3}"
}

# log_has NAME NEEDLE [COUNT] [SECONDS]: within SECONDS (10), mandatd's log has COUNT (1)
# lines with NEEDLE.
log_has() {
  local n
  for _ in $(seq $((${4:-10} * 10))); do
    n=$(grep -c -- "$2" "$dir/mandatd.log" || true)
    if [ "$n" -ge "${3:-1}" ]; then ok; return 0; fi
    sleep 0.1
  done
  bad "$1: ${n:-0} of ${3:-1} \"$2\" in the log"
}

# keys CALL DIGITS: baresip keys DIGITS by RFC 4733 on call CALL, then waits until mandatd
# has played something after the last key (the next question or answer).
says() { grep -c "sip: call $1 says" "$dir/mandatd.log" || true; }
keys() {
  local before
  before=$(says "$1")
  out=$(ctrl sndcode "$2" 2>&1 || true)
  if [[ "$out" != *'"ok":true'* ]]; then bad "sndcode $2: $out"; fi
  log_has "call $1 answers after $2" "sip: call $1 says" $((before + 1))
}

# ctrl COMMAND [PARAMS]: one ctrl_tcp command to baresip (a netstring of JSON); prints the reply.
ctrl() {
  python3 - "$cport" "$1" "${2:-}" <<'PY'
import json, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
b = json.dumps({"command": sys.argv[2], "params": sys.argv[3], "token": "e2e"}).encode()
s.sendall(str(len(b)).encode() + b":" + b + b",")
buf = b""
while b'"response":true' not in buf:
    chunk = s.recv(4096)
    if not chunk:
        break
    buf += chunk
print(buf.decode(errors="replace"))
PY
}

# baresip_start NUMBER [SOURCE.wav]: baresip as the caller NUMBER (E.164) in $dir/baresip ($bs;
# $dir/baresip-SOURCE with a source), with no sound card (aufile plays SOURCE in, 30 s of
# silence by default; aubridge takes what comes out, sndfile records it), stopped on exit; sets
# cport, its ctrl_tcp port, once it listens, and bpid. $baresip_account, if set, is added to the
# account's parameters (";auth_user=U;auth_pass=P" for digest).
baresip_start() {
  bs="$dir/baresip${2:+-$(basename "$2" .wav)}"
  mkdir -p "$bs"
  python3 - "$bs/silence.wav" <<'PY'
import sys, wave
w = wave.open(sys.argv[1], "wb")
w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
w.writeframes(b"\0\0" * 8000 * 30)
w.close()
PY
  # Up to three tries: a port picked free can be taken by another test before baresip binds it
  # (baresip then exits), and a loaded machine can take seconds to load its modules.
  for _try in 1 2 3; do
    cport=$(free_port)
    cat >"$bs/config" <<CONF
poll_method epoll
sip_listen 127.0.0.1:$(udp_port)
net_interface 127.0.0.1
rtp_ports 10000-19999
module_path /usr/lib/baresip/modules
module g711.so
module aufile.so
module sndfile.so
module aubridge.so
module_app account.so
module_app menu.so
module_app ctrl_tcp.so
ctrl_tcp_listen 127.0.0.1:$cport
audio_player aubridge,nul
audio_source aufile,${2:-$bs/silence.wav}
snd_path $bs
CONF
    echo "<sip:$1@127.0.0.1>;regint=0${baresip_account:-}" >"$bs/accounts"
    baresip -f "$bs" >"$bs/out" 2>&1 &
    bpid=$!
    e2e_track $bpid
    for _ in $(seq 200); do
      if (echo >"/dev/tcp/127.0.0.1/$cport") 2>/dev/null; then return 0; fi
      kill -0 $bpid 2>/dev/null || break
      sleep 0.1
    done
    echo "baresip did not listen on its ctrl_tcp port (try $_try): $(tail -n 3 "$bs/out")"
    kill $bpid 2>/dev/null || true
    wait $bpid 2>/dev/null || true
  done
}

# request AMOUNT [PAYER]: a merchant's "voice" payment request through the API ($base, $KEY)
# to PAYER (default 0612345678); sets id and ref (its phone reference).
request() {
  local out
  out=$(curl -s "$base/v1/payment-requests" -H "Authorization: Bearer $KEY" \
    -d "{\"amount\":$1,\"payer\":\"${2:-0612345678}\",\"reference\":\"order $1\",\"channel\":\"voice\"}")
  check "request created" '"state":"pending"' "$out"
  id=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  ref=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["phone_ref"])')
}
# state_of ID: the payment request's state, as the API says.
state_of() {
  curl -s "$base/v1/payment-requests/$1" -H "Authorization: Bearer $KEY" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])'
}
