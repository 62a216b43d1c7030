#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Start or stop a throwaway local PostgreSQL 15 server for bench/ledger's "conventional design"
# baseline. Durable settings (fsync, synchronous_commit) match what mandat's ledger promises.
#
# usage: bench/pg_server.sh start DIR PORT   prints the libpq conninfo on success
#        bench/pg_server.sh stop DIR
#
# PostgreSQL refuses to run as root, so under root the server runs as a system user
# ($PG_BENCH_USER, default mandatbench) that this script creates if it is missing.
# PGBIN overrides where initdb and pg_ctl are found. PG_BENCH_STATS=1 loads pg_stat_statements
# (track = all, so statements inside a pipeline count too): where the server's time goes.
set -eu

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
RUN_USER=${PG_BENCH_USER:-mandatbench}

die() {
    echo "pg_server.sh: $*" >&2
    exit 1
}

usage() {
    echo "usage: $0 start DIR PORT | stop DIR" >&2
    exit 2
}

# Run a PostgreSQL binary as the user that owns the cluster.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$RUN_USER" -- "$@"
    else
        "$@"
    fi
}

ensure_user() {
    if [ "$(id -u)" -ne 0 ]; then
        return 0
    fi
    if ! id -u "$RUN_USER" >/dev/null 2>&1; then
        useradd -r -M -d /nonexistent -s /usr/sbin/nologin "$RUN_USER" ||
            die "cannot create system user '$RUN_USER'"
    fi
}

# The server user must be able to reach DIR: every parent needs search permission for it.
check_reachable() {
    if ! as_pg test -x "$1" -a -w "$1"; then
        die "'$1' is not reachable or writable by user '$(as_pg id -un)'; use a directory under /tmp"
    fi
}

write_config() {
    dir=$1
    port=$2
    # A separate file rewritten on every start, so the port can change and repeated starts do
    # not pile up duplicate settings in postgresql.conf.
    cat >"$dir/mandat_bench.conf" <<EOF
# Written by bench/pg_server.sh; rewritten on every start.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 600
shared_buffers = 256MB
fsync = on
synchronous_commit = on
full_page_writes = on
wal_level = minimal
max_wal_senders = 0
checkpoint_timeout = 15min
max_wal_size = 4GB
EOF
    if [ "${PG_BENCH_STATS:-0}" = 1 ]; then
        printf '%s\n' "shared_preload_libraries = 'pg_stat_statements'" \
            "pg_stat_statements.track = all" >>"$dir/mandat_bench.conf"
    fi
    if ! grep -q "^include_if_exists = 'mandat_bench.conf'" "$dir/postgresql.conf"; then
        echo "include_if_exists = 'mandat_bench.conf'" >>"$dir/postgresql.conf"
    fi
    if [ "$(id -u)" -eq 0 ]; then
        chown "$RUN_USER" "$dir/mandat_bench.conf" "$dir/postgresql.conf"
    fi
}

start() {
    dir=$1
    port=$2
    case $port in
    '' | *[!0-9]*) die "port '$port' is not a number" ;;
    esac
    [ -x "$PGBIN/initdb" ] || die "no initdb in '$PGBIN' (set PGBIN)"
    ensure_user
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" -eq 0 ]; then
        chown "$RUN_USER" "$dir"
    fi
    chmod 700 "$dir" || die "cannot set mode 700 on '$dir'"
    check_reachable "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
        [ -z "$(ls -A "$dir")" ] || die "'$dir' is not empty and holds no PostgreSQL cluster"
        # initdb wants an empty directory, so its log goes elsewhere.
        log=$(mktemp /tmp/pg_server_initdb.XXXXXX)
        if ! as_pg "$PGBIN/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --no-sync \
            >"$log" 2>&1; then
            die "initdb failed, see '$log'"
        fi
        rm -f "$log"
    fi
    if as_pg "$PGBIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        # Line 4 of postmaster.pid is the port the running server listens on.
        running=$(sed -n 4p "$dir/postmaster.pid")
        [ "$running" = "$port" ] ||
            die "server in '$dir' already runs on port $running, not $port; stop it first"
        echo "pg_server.sh: server in '$dir' already running" >&2
    else
        write_config "$dir" "$port"
        as_pg "$PGBIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null ||
            die "server did not start, see '$dir/server.log'"
    fi
    echo "host=127.0.0.1 port=$port user=postgres dbname=postgres"
}

stop() {
    dir=$1
    if [ ! -f "$dir/PG_VERSION" ]; then
        echo "pg_server.sh: no cluster in '$dir', nothing to stop" >&2
        return 0
    fi
    if ! as_pg "$PGBIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        echo "pg_server.sh: server in '$dir' is not running" >&2
        return 0
    fi
    as_pg "$PGBIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null ||
        die "server in '$dir' did not stop, see '$dir/server.log'"
}

[ $# -ge 1 ] || usage
case $1 in
start)
    [ $# -eq 3 ] || usage
    start "$2" "$3"
    ;;
stop)
    [ $# -eq 2 ] || usage
    stop "$2"
    ;;
*) usage ;;
esac
