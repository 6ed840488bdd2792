#!/usr/bin/env bash
# mailauth-report import and summary --store, on SQLite or (under
# pg_run.sh) PostgreSQL:
#   cli_import_test.sh MAILAUTH_REPORT DATA_DIR TESTDATA_DIR sqlite|postgresql
# One line per file with the reports imported and the duplicates; a report
# seen again is kept once; a report without org_name is kept; a bad file
# gets one stderr line and exit 1 while the others are kept; a report cut
# short is rolled back; summary --store prints the same table and page as
# summary over the files, and --period selects by the reports' dates.
set -euo pipefail
bin="$1" data="$2" testdata="$3" backend="$4"
corpus="$testdata/dmarc-reports/samples/parsedmarc/aggregate"
if [[ ! -d "$corpus" ]]; then
    echo "no report corpus in $testdata: skipped"
    exit 77
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}
if [[ "$backend" == sqlite ]]; then
    store="sqlite:$tmp/store.db"
else
    store="postgresql:///postgres?host=$MAILAUTH_TEST_PG_SOCKDIR&port=$MAILAUTH_TEST_PG_PORT&user=$MAILAUTH_TEST_PG_USER"
fi
python3 -c 'import gzip,sys; open(sys.argv[2],"wb").write(gzip.compress(open(sys.argv[1],"rb").read()))' \
    "$data/ratified.xml" "$tmp/ratified.xml.gz"

# two good files and a bad one: counts per file, the bad one named, exit 1
set +e
"$bin" import --store "$store" "$data/good.xml" "$data/broken.xml" "$tmp/ratified.xml.gz" \
    >"$tmp/imp.out" 2>"$tmp/imp.err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "import with a bad file: exit $rc, not 1"
printf '%s\n' "$data/good.xml: imported 1 report, 0 duplicates" \
    "$data/broken.xml: imported 0 reports, 0 duplicates" \
    "$tmp/ratified.xml.gz: imported 1 report, 0 duplicates" | cmp -s - "$tmp/imp.out" ||
    fail "import output: $(cat "$tmp/imp.out")"
[[ "$(wc -l <"$tmp/imp.err")" == 1 ]] && grep -q "broken.xml: not well-formed XML" "$tmp/imp.err" ||
    fail "import errors: $(cat "$tmp/imp.err")"

# the same report again (also inside a message): a duplicate, kept once
{
    printf 'From: dmarc@example.net\nContent-Type: text/xml\n\n'
    cat "$data/good.xml"
} >"$tmp/again.eml"
"$bin" import --store "$store" "$tmp/again.eml" >"$tmp/dup.out" 2>"$tmp/dup.err" ||
    fail "import of a duplicate exited $?: $(cat "$tmp/dup.err")"
[[ "$(cat "$tmp/dup.out")" == "$tmp/again.eml: imported 0 reports, 1 duplicate" ]] ||
    fail "duplicate: $(cat "$tmp/dup.out")"
[[ -s "$tmp/dup.err" ]] && fail "a duplicate wrote to stderr: $(cat "$tmp/dup.err")"

# a report cut short after its first record is rolled back: not kept
sed -e 's/rcv-2023-11-14/rcv-cut/' -e '45,$d' "$data/good.xml" >"$tmp/cut.xml"
set +e
"$bin" import --store "$store" "$tmp/cut.xml" >"$tmp/cut.out" 2>"$tmp/cut.err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "a report cut short: exit $rc"
[[ "$(wc -l <"$tmp/cut.err")" == 1 ]] || fail "a report cut short: $(cat "$tmp/cut.err")"

# summary --store: the same table and page as summary over the files
"$bin" summary --html "$tmp/files.html" "$data/good.xml" "$tmp/ratified.xml.gz" >"$tmp/files.txt"
"$bin" summary --store "$store" --html "$tmp/store.html" >"$tmp/store.txt" ||
    fail "summary --store exited $?"
cmp -s "$tmp/files.txt" "$tmp/store.txt" || fail "summary --store table differs:
$(diff "$tmp/files.txt" "$tmp/store.txt")"
cmp -s "$tmp/files.html" "$tmp/store.html" || fail "summary --store page differs"
grep -q "rcv-cut" "$tmp/store.html" && fail "the report cut short was kept"
# --period: the reports whose dates overlap it
"$bin" summary --store "$store" --period 2023-11-15 >"$tmp/p15.txt"
"$bin" summary "$tmp/ratified.xml.gz" >"$tmp/r15.txt"
cmp -s "$tmp/p15.txt" "$tmp/r15.txt" || fail "summary --period 2023-11-15:
$(cat "$tmp/p15.txt")"
"$bin" summary --store "$store" --period 2020-01-01..2020-12-31 >"$tmp/p20.txt"
[[ "$(wc -l <"$tmp/p20.txt")" == 1 ]] || fail "a period without reports: $(cat "$tmp/p20.txt")"

# reports with an empty <org_name/> (two real ones, and one made here) are kept
sed -e 's|<org_name>Example Receiver</org_name>|<org_name/>|' -e 's/rcv-2023-11-14/no-org/' \
    "$data/good.xml" >"$tmp/noorg.xml"
for f in "$corpus/!example.com!1538204542!1538463818.xml" \
    "$corpus/!large-example.com!1711897200!1711983600.xml" "$tmp/noorg.xml"; do
    "$bin" import --store "$store" "$f" >"$tmp/o.out" 2>"$tmp/o.err" ||
        fail "no org_name: $f: exit $?: $(cat "$tmp/o.err")"
    [[ "$(cat "$tmp/o.out")" == "$f: imported 1 report, 0 duplicates" ]] ||
        fail "no org_name: $(cat "$tmp/o.out")"
    "$bin" import --store "$store" "$f" >"$tmp/o.out"
    [[ "$(cat "$tmp/o.out")" == "$f: imported 0 reports, 1 duplicate" ]] ||
        fail "no org_name, again: $(cat "$tmp/o.out")"
done
"$bin" summary --store "$store" --period 2018-10-01 >"$tmp/p18.txt"
"$bin" summary "$corpus/!example.com!1538204542!1538463818.xml" >"$tmp/f18.txt"
cmp -s "$tmp/p18.txt" "$tmp/f18.txt" || fail "the report without org_name, summarized:
$(diff "$tmp/f18.txt" "$tmp/p18.txt")"

# an empty <reason> (no type) is left out, the report kept
"$bin" import --store "$store" "$corpus/empty_reason.xml" >"$tmp/e.out" 2>"$tmp/e.err" ||
    fail "empty reason: exit $?: $(cat "$tmp/e.err")"
grep -q ": imported 1 report, 0 duplicates" "$tmp/e.out" || fail "empty reason: $(cat "$tmp/e.out")"

# the store refusing a report (SQLite triggers stand in for a database that
# says no): at import_begin, one error line and no second one from the end
# of an import that never opened; at a record, the report is rolled back
if [[ "$backend" == sqlite ]]; then
    sed -e 's/rcv-2023-11-14/rcv-refused/' "$data/good.xml" >"$tmp/refused.xml"
    sql() { python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()' "$tmp/store.db" "$1"; }
    sql "CREATE TRIGGER no_reports BEFORE INSERT ON report_received
         BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
    set +e
    "$bin" import --store "$store" "$tmp/refused.xml" >"$tmp/r.out" 2>"$tmp/r.err"
    rc=$?
    set -e
    [[ $rc == 1 ]] || fail "store refuses the report: exit $rc"
    [[ "$(wc -l <"$tmp/r.err")" == 1 ]] && grep -q "refused.xml: cannot keep the report: .*refused by the test" "$tmp/r.err" ||
        fail "store refuses the report: $(cat "$tmp/r.err")"
    [[ "$(cat "$tmp/r.out")" == "$tmp/refused.xml: imported 0 reports, 0 duplicates" ]] ||
        fail "store refuses the report: $(cat "$tmp/r.out")"
    sql "DROP TRIGGER no_reports;
         CREATE TRIGGER no_records BEFORE INSERT ON report_received_record
         WHEN NEW.seq = 1 BEGIN SELECT RAISE(ABORT, 'second record refused'); END;"
    set +e
    "$bin" import --store "$store" "$tmp/refused.xml" >"$tmp/r.out" 2>"$tmp/r.err"
    rc=$?
    set -e
    [[ $rc == 1 ]] || fail "store refuses a record: exit $rc"
    [[ "$(wc -l <"$tmp/r.err")" == 1 ]] && grep -q "second record refused" "$tmp/r.err" ||
        fail "store refuses a record: $(cat "$tmp/r.err")"
    sql "DROP TRIGGER no_records;"
    "$bin" summary --store "$store" --html "$tmp/after.html" >/dev/null
    grep -q "rcv-refused" "$tmp/after.html" && fail "a refused report was kept"
    # and once the store takes it, it is imported (not a duplicate of a rollback)
    "$bin" import --store "$store" "$tmp/refused.xml" >"$tmp/r.out" ||
        fail "import after the refusals: exit $?"
    [[ "$(cat "$tmp/r.out")" == "$tmp/refused.xml: imported 1 report, 0 duplicates" ]] ||
        fail "import after the refusals: $(cat "$tmp/r.out")"
fi

# usage and store errors
set +e
"$bin" import "$data/good.xml" >/dev/null 2>&1
[[ $? == 64 ]] || fail "import without --store is not a usage error"
"$bin" import --store "$store" >/dev/null 2>&1
[[ $? == 64 ]] || fail "import without files is not a usage error"
"$bin" summary --store "$store" "$data/good.xml" >/dev/null 2>&1
[[ $? == 64 ]] || fail "summary --store with files is not a usage error"
"$bin" summary --period 2023-11-15 "$data/good.xml" >/dev/null 2>&1
[[ $? == 64 ]] || fail "summary --period without --store is not a usage error"
"$bin" summary --store "$store" --period 2023-13-01 >/dev/null 2>&1
[[ $? == 64 ]] || fail "a bad period is not a usage error"
"$bin" import --store "nosuch:x" "$data/good.xml" >/dev/null 2>"$tmp/u.err"
[[ $? == 1 ]] || fail "an unknown store URI: not exit 1"
set -e
grep -q "nosuch:x" "$tmp/u.err" || fail "an unknown store URI is not named"

if ((fails > 0)); then
    echo "$fails check(s) failed" >&2
    exit 1
fi
echo "report_import_cli ($backend): all checks passed"
