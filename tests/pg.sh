#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The test suite's private PostgreSQL 15 server: started once (CTest fixture pg_server) on a free
# port and a data directory under /tmp, as an unprivileged user (bench/pg_server.sh does the
# initdb and pg_ctl work, with fsync and synchronous_commit on), and stopped after.
#
# usage: tests/pg.sh start STATE   start a server; STATE/uri gets its postgresql:// URI
#        tests/pg.sh stop STATE    stop it and remove its data directory
#        tests/pg.sh crash STATE   stop it at once (pg_ctl -m immediate: no checkpoint, as a
#                                  power cut to the server) and start it again on its port
#        tests/pg.sh down STATE    stop it at once, data and port kept (an outage)
#        tests/pg.sh up STATE      start it again after down
#        tests/pg.sh uri STATE     print the URI (fails when no server was started)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)

die() {
    echo "pg.sh: $*" >&2
    exit 1
}

# A port nothing listens on, from a range away from the bench's 55432.
free_port() {
    local p
    for p in $(shuf -i 56000-56999 -n 50); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    die "no free port found in 56000-56999"
}

stop() {
    local state=$1
    if [ -f "$state/datadir" ]; then
        local data
        data=$(cat "$state/datadir")
        "$top/bench/pg_server.sh" stop "$data" >/dev/null 2>&1 || true
        case $data in
        /tmp/mandat-pg-test-*) rm -rf "$data" ;;
        esac
    fi
    rm -f "$state/datadir" "$state/uri"
}

start() {
    local state=$1 data port
    mkdir -p "$state"
    stop "$state"
    data=$(mktemp -d /tmp/mandat-pg-test-XXXXXX)
    chmod 755 "$data"
    echo "$data" >"$state/datadir"
    for _ in 1 2 3; do
        port=$(free_port)
        if "$top/bench/pg_server.sh" start "$data" "$port" >/dev/null; then
            echo "postgresql://postgres@127.0.0.1:$port/postgres" >"$state/uri"
            cat "$state/uri"
            return 0
        fi
    done
    die "the server did not start (see $data/server.log)"
}

# The server stopped at once (no checkpoint), data and port kept.
down() {
    local state=$1 data
    data=$(cat "$state/datadir") || die "no server started in '$state'"
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "${PG_BENCH_USER:-mandatbench}" -- "${PGBIN:-/usr/lib/postgresql/15/bin}/pg_ctl" \
            -D "$data" -m immediate -w stop >/dev/null
    else
        "${PGBIN:-/usr/lib/postgresql/15/bin}/pg_ctl" -D "$data" -m immediate -w stop >/dev/null
    fi
}

# The server started again on its port after down.
up() {
    local state=$1 data port
    data=$(cat "$state/datadir") || die "no server started in '$state'"
    port=$(sed 's|.*:\([0-9]*\)/.*|\1|' "$state/uri")
    "$top/bench/pg_server.sh" start "$data" "$port" >/dev/null
}

# The server stopped at once and started again, data and port kept.
crash() {
    down "$1"
    up "$1"
}

[ $# -eq 2 ] || die "usage: $0 start|stop|crash|down|up|uri STATE"
case $1 in
start) start "$2" ;;
stop) stop "$2" ;;
crash) crash "$2" ;;
down) down "$2" ;;
up) up "$2" ;;
uri) cat "$2/uri" 2>/dev/null || die "no server started in '$2': run '$0 start $2'" ;;
*) die "unknown command '$1'" ;;
esac
