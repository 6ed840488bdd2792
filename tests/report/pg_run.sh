#!/bin/sh
# Run a test program against a PostgreSQL server of its own:
#   pg_run.sh PROGRAM [ARGS...]
# initdb in a new temporary folder, postgres on a free loopback port with
# its unix socket in that folder (as the postgres or nobody user when run
# as root), then PROGRAM with MAILAUTH_TEST_PG_SOCKDIR, MAILAUTH_TEST_PG_PORT
# and MAILAUTH_TEST_PG_USER set; the server is stopped and the folder
# removed whatever happens. Exit status: PROGRAM's; 77 (skipped) when the
# server binaries are not installed; 1 when the server cannot be started.
set -u
bindir=${MAILAUTH_PG_BINDIR:-/usr/lib/postgresql/15/bin}
if [ ! -x "$bindir/initdb" ] || [ ! -x "$bindir/pg_ctl" ] || [ ! -x "$bindir/postgres" ]; then
    echo "pg_run: no PostgreSQL server binaries in $bindir: skipped"
    exit 77
fi

runas=""
base=${TMPDIR:-/tmp}
if [ "$(id -u)" = 0 ]; then
    # initdb refuses root; the server's folder must be its user's
    if id postgres >/dev/null 2>&1; then user=postgres; else user=nobody; fi
    runas="runuser -u $user --"
    base=/tmp # reachable by that user whatever TMPDIR is
fi
tmp=$(mktemp -d "$base/mailauth-pg-XXXXXX") || exit 1

cleanup() {
    if [ -f "$tmp/data/postmaster.pid" ]; then
        $runas "$bindir/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1 ||
            kill -9 "$(head -n 1 "$tmp/data/postmaster.pid")" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if [ -n "$runas" ]; then chown "$user" "$tmp"; fi
chmod 700 "$tmp"
if ! $runas "$bindir/initdb" -D "$tmp/data" -U mailauth --auth=trust -E UTF8 --no-locale --no-sync \
        >"$tmp/initdb.log" 2>&1; then
    echo "pg_run: initdb failed:"; cat "$tmp/initdb.log"; exit 1
fi

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

started=no
for attempt in 1 2 3 4 5; do # another run may take the port between the check and the bind
    port=$(free_port) || exit 1
    if $runas "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 60 \
            -o "-k $tmp -p $port -h 127.0.0.1 -c fsync=on -c max_connections=40" \
            start >/dev/null 2>&1; then
        started=yes
        break
    fi
done
if [ "$started" != yes ]; then
    echo "pg_run: the server did not start:"; cat "$tmp/server.log"; exit 1
fi

MAILAUTH_TEST_PG_SOCKDIR=$tmp MAILAUTH_TEST_PG_PORT=$port MAILAUTH_TEST_PG_USER=mailauth "$@"
rc=$?
if [ "$rc" != 0 ]; then
    echo "pg_run: the server's log:"; tail -n 40 "$tmp/server.log"
fi
exit "$rc"
