#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback, for tests, benchmarks and the replica drill.
#
#   eval "$(scripts/postgres/cluster.sh start DIR)"   # exports VMTRUST_TEST_POSTGRES_URL
#   scripts/postgres/cluster.sh stop DIR
#
# `start` installs Debian's postgresql package when no server binaries are found, runs
# initdb in DIR (which must not exist yet or be empty), starts the server on 127.0.0.1 with
# a free port (Unix socket in DIR too), creates the database `vmtrust`, and prints
# `export VMTRUST_TEST_POSTGRES_URL=postgres://USER@127.0.0.1:PORT/vmtrust`.
# PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user
# (created by the package). Authentication is `trust` on loopback only.
# Durability settings are PostgreSQL's defaults (fsync = on, synchronous_commit = on).
set -euo pipefail

find_bin() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
    done
    return 1
}

install_postgres() {
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >/dev/null
    # The package starts a cluster of its own on 5432; it is not ours: stop it.
    service postgresql stop >/dev/null 2>&1 || true
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

case "$cmd" in
start)
    bin=$(find_bin) || { install_postgres; bin=$(find_bin); }
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$dir"
        # The server user must be able to reach DIR (mktemp -d makes its parent 0700).
        chmod o+x "$(dirname "$dir")"
    fi
    user=$(as_owner id -un)
    as_owner "$bin/initdb" -D "$dir/data" -U "$user" --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200" start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$user" vmtrust
    echo "export VMTRUST_TEST_POSTGRES_URL=postgres://$user@127.0.0.1:$port/vmtrust"
    ;;
stop)
    bin=$(find_bin) || exit 0
    [ -f "$dir/data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
