#!/bin/sh
# mailauth-check --history: each run adds one history row with the
# evaluation time of --now, on SQLite or (under pg_run.sh) PostgreSQL.
#   check_history.sh MAILAUTH_CHECK DATA_DIR sqlite|postgresql
set -u
check=$1 data=$2 backend=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mailauth-history-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

if [ "$backend" = sqlite ]; then
    uri="sqlite:$tmp/history.db"
    query() { python3 -c 'import sqlite3, sys
for row in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in row))' "$tmp/history.db" "$1"; }
else
    uri="postgresql:///postgres?host=$MAILAUTH_TEST_PG_SOCKDIR&port=$MAILAUTH_TEST_PG_PORT&user=$MAILAUTH_TEST_PG_USER"
    query() { "${MAILAUTH_PG_BINDIR:-/usr/lib/postgresql/15/bin}/psql" -X -q -A -t \
        -h "$MAILAUTH_TEST_PG_SOCKDIR" -p "$MAILAUTH_TEST_PG_PORT" -U "$MAILAUTH_TEST_PG_USER" \
        -d postgres -c "$1"; }
fi

run() { # NOW IP
    "$check" --zone "$data/history.zone" --ip "$2" --helo mx.example.org \
        --mail-from alice@example.org --authserv-id mx.example.net --now "$1" \
        --history "$uri" "$data/message.eml" >"$tmp/out" 2>"$tmp/err"
}

run 1700000000 192.0.2.1 || fail "first run: $(cat "$tmp/err")"
grep -q "dmarc=pass" "$tmp/out" || fail "no dmarc=pass in: $(cat "$tmp/out")"
run 1700000060 198.51.100.9 || fail "second run: $(cat "$tmp/err")"

got=$(query "SELECT eval_time, source_ip, header_from, envelope_from, dmarc, disposition, spf_aligned, dkim_aligned, policy_domain, p, sp, np, adkim, aspf, pct, fo, rua, ruf, discovery_method FROM history ORDER BY eval_time")
want="1700000000|192.0.2.1|example.org|example.org|pass|none|pass|fail|example.org|quarantine|reject||s|r|100|1|mailto:rua@example.org|mailto:ruf@example.org|psl
1700000060|198.51.100.9|example.org|example.org|fail|quarantine|fail|fail|example.org|quarantine|reject||s|r|100|1|mailto:rua@example.org|mailto:ruf@example.org|psl"
[ "$got" = "$want" ] || fail "history rows:
$got
expected:
$want"

# a store that cannot be used is an error after the result was printed
if "$check" --zone "$data/history.zone" --ip 192.0.2.1 --mail-from a@example.org \
        --history "sqlite:$tmp/no/such/folder.db" "$data/message.eml" >/dev/null 2>"$tmp/err"; then
    fail "an unusable store was accepted"
fi
grep -q -- "--history" "$tmp/err" || fail "no message naming --history: $(cat "$tmp/err")"
"$check" --zone "$data/history.zone" --ip 192.0.2.1 --mail-from a@example.org \
    --history "mysql://x" "$data/message.eml" >/dev/null 2>&1
[ $? = 64 ] || fail "a URI of no known scheme is not a usage error"
"$check" --zone "$data/history.zone" --spf-only --ip 192.0.2.1 --mail-from a@example.org \
    --history "$uri" >/dev/null 2>"$tmp/err"
[ $? = 64 ] || fail "--spf-only --history (no DMARC) is not a usage error"
[ "$(query "SELECT COUNT(*) FROM history")" = 2 ] || fail "a refused run added a row"
echo "ok: two rows as evaluated, refused stores and runs reported"
