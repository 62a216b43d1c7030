# SPDX-License-Identifier: Apache-2.0
# What bench/voice.sh and bench/voice_readback.sh share: a free UDP port, and a fresh mandatd
# with [sip] on 127.0.0.1. Sourced, never run.

udp_port() {
  python3 -c 'import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# voice_mandatd BUILD DIR SPORT MAX_CALLS [MORE] [MANDATD]: DIR/mandat.conf (the store in DIR,
# both HTTP listeners on ports the kernel picks, dev mode, [sip] on 127.0.0.1:SPORT with RTP on
# 20000-29999 and MAX_CALLS, then the config lines MORE), its database made, and MANDATD (default
# BUILD's mandatd; norr:PATH runs PATH without CAP_SYS_NICE, so no SCHED_RR for its playout, as
# an unprivileged service) started in the background (log DIR/mandatd.log, listeners in
# DIR/ports): sets mpid; exits with the log when it does not start.
voice_mandatd() {
  local build=$1 sd=$2
  cat >"$sd/mandat.conf" <<CONF
[store]
path = $sd/mandat.db
[http]
listen = 127.0.0.1:0
internal_listen = 127.0.0.1:0
dev_mode = true
[vault]
key_file = $sd/pin.key
${5:-}
[sip]
listen = 127.0.0.1:$3
rtp_port_min = 20000
rtp_port_max = 29999
max_calls = $4
rtp_timeout = 60
CONF
  "$build/mandat" --config "$sd/mandat.conf" init >/dev/null
  local bin=${6:-$build/mandatd} run
  run=("${bin#norr:}")
  [ "$bin" = "${bin#norr:}" ] ||
    run=(setpriv --bounding-set=-sys_nice --inh-caps=-sys_nice "${bin#norr:}")
  "${run[@]}" --config "$sd/mandat.conf" --ports-file "$sd/ports" >"$sd/mandatd.log" 2>&1 &
  mpid=$!
  for _ in $(seq 100); do
    [ -s "$sd/ports" ] && break
    kill -0 "$mpid" 2>/dev/null || break
    sleep 0.1
  done
  [ -s "$sd/ports" ] || { echo "mandatd did not start:"; cat "$sd/mandatd.log"; exit 1; }
}
