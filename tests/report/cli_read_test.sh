#!/usr/bin/env bash
# mailauth-report parse and summary against their contract:
#   cli_read_test.sh MAILAUTH_REPORT DATA_DIR
# JSON keys and values, json == ndjson, CSV lines, a bad file among good
# ones (one stderr line naming it, exit 1, the others printed), mbox and
# Maildir expansion, usage errors (64), the summary table and an HTML page
# that escapes a hostile org name and fetches nothing.
set -euo pipefail
bin="$1"
data="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}

python3 -c 'import gzip,sys; open(sys.argv[2],"wb").write(gzip.compress(open(sys.argv[1],"rb").read()))' \
    "$data/ratified.xml" "$tmp/ratified.xml.gz"

# json: one object per report, one line each, the contract's keys
"$bin" parse --format json "$data/good.xml" "$tmp/ratified.xml.gz" >"$tmp/out.json" 2>"$tmp/err" ||
    fail "parse json exited $?"
[[ -s "$tmp/err" ]] && fail "parse json wrote to stderr: $(cat "$tmp/err")"
python3 - "$tmp/out.json" "$data/good.xml" "$tmp/ratified.xml.gz" <<'PY' || fail "json content"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 2, lines
a, b = (json.loads(l) for l in lines)
keys = ["file", "schema", "org_name", "email", "report_id", "begin", "end", "policy_domain",
        "policy_published", "records"]
assert list(a) == keys, list(a)
assert a["file"] == sys.argv[2] and b["file"] == sys.argv[3]
assert a["schema"] == "0.1" and b["schema"] == "2.0"
assert a["org_name"] == "Example Receiver" and a["report_id"] == "rcv-2023-11-14"
assert a["begin"] == 1699920000 and a["end"] == 1700006399
assert a["policy_domain"] == "example.org"
assert a["policy_published"] == {"p": "reject", "sp": None, "np": None, "adkim": "r", "aspf": "r",
                                 "pct": 100, "testing": None, "discovery_method": None}
assert b["policy_published"]["np"] == "reject" and b["policy_published"]["discovery_method"] == "treewalk"
r0, r1 = a["records"]
assert list(r0) == ["source_ip", "count", "disposition", "dkim", "spf", "reasons", "header_from",
                    "envelope_from", "auth_dkim", "auth_spf"], list(r0)
assert r0 == {"source_ip": "192.0.2.1", "count": 12, "disposition": "none", "dkim": "pass",
              "spf": "fail", "reasons": [], "header_from": "example.org", "envelope_from": None,
              "auth_dkim": [{"domain": "example.org", "selector": "s1", "result": "pass"}],
              "auth_spf": [{"domain": "example.org", "scope": "mfrom", "result": "pass"}]}, r0
assert r1["reasons"] == [{"type": "local_policy", "comment": 'seen before, "bad"'}]
assert r1["envelope_from"] == "spoof.example" and r1["auth_dkim"] == []
assert b["org_name"] == '<script>alert("org")</script> & Co'
PY

# ndjson is the same shape
"$bin" parse --format ndjson "$data/good.xml" "$tmp/ratified.xml.gz" >"$tmp/out.ndjson" ||
    fail "parse ndjson exited $?"
cmp -s "$tmp/out.json" "$tmp/out.ndjson" || fail "ndjson differs from json"
"$bin" parse "$data/good.xml" >"$tmp/out.default"
head -1 "$tmp/out.json" | cmp -s - "$tmp/out.default" || fail "the default format is not json"

# csv: a header, one line per record, quoting by RFC 4180
"$bin" parse --format csv "$data/good.xml" "$tmp/ratified.xml.gz" >"$tmp/out.csv" ||
    fail "parse csv exited $?"
python3 - "$tmp/out.csv" <<'PY' || fail "csv content"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0] == ["file", "org_name", "report_id", "begin", "end", "policy_domain", "source_ip",
                   "count", "disposition", "dkim", "spf", "header_from", "envelope_from",
                   "auth_dkim", "auth_spf"], rows[0]
assert len(rows) == 4, rows
assert rows[1][6:11] == ["192.0.2.1", "12", "none", "pass", "fail"], rows[1]
assert rows[1][13] == "example.org:s1:pass" and rows[1][14] == "example.org:mfrom:pass"
assert rows[3][1] == '<script>alert("org")</script> & Co' and rows[3][7] == "5"
PY

# a bad file among good ones: the good ones print, one stderr line, exit 1
set +e
"$bin" parse "$data/good.xml" "$data/broken.xml" "$tmp/missing.xml" "$tmp/ratified.xml.gz" \
    >"$tmp/mixed.out" 2>"$tmp/mixed.err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "bad file: exit $rc, not 1"
[[ "$(wc -l <"$tmp/mixed.out")" == 2 ]] || fail "bad file: the good reports were not all printed"
[[ "$(wc -l <"$tmp/mixed.err")" == 2 ]] || fail "bad file: not one stderr line per bad file"
grep -q "broken.xml: not well-formed XML" "$tmp/mixed.err" || fail "bad file: $(cat "$tmp/mixed.err")"
grep -q "missing.xml: cannot open" "$tmp/mixed.err" || fail "missing file: $(cat "$tmp/mixed.err")"

# a file name that is not UTF-8 is shown with U+FFFD in the JSON
odd="$tmp/odd-$(printf '\377')-name.xml"
cp "$data/good.xml" "$odd"
"$bin" parse "$odd" >"$tmp/odd.json" || fail "parse of an oddly named file exited $?"
python3 - "$tmp/odd.json" <<'PY' || fail "a name that is not UTF-8"
import json, sys
raw = open(sys.argv[1], "rb").read()
raw.decode("utf-8")  # the output is UTF-8 whatever the name
assert json.loads(raw)["file"].endswith("odd-\ufffd-name.xml")
PY

# mbox and Maildir expand to each message
{
    printf 'From a@example.net Tue Nov 14 00:00:00 2023\nContent-Type: text/xml\n\n'
    cat "$data/good.xml"
    printf '\nFrom b@example.net Tue Nov 14 00:00:01 2023\nContent-Type: application/gzip\n'
    printf 'Content-Transfer-Encoding: base64\n\n'
    base64 "$tmp/ratified.xml.gz"
} >"$tmp/box.mbox"
mkdir -p "$tmp/md/cur" "$tmp/md/new" "$tmp/md/tmp"
sed -n '2,$p' "$tmp/box.mbox" | sed '/^From b@/,$d' >"$tmp/md/new/1"
"$bin" parse "$tmp/box.mbox" "$tmp/md" >"$tmp/box.out" || fail "mbox/Maildir exited $?"
[[ "$(wc -l <"$tmp/box.out")" == 3 ]] || fail "mbox/Maildir: $(wc -l <"$tmp/box.out") reports, not 3"

# usage errors
set +e
"$bin" parse >/dev/null 2>&1
[[ $? == 64 ]] || fail "parse without files is not a usage error"
"$bin" parse --format xml "$data/good.xml" >/dev/null 2>&1
[[ $? == 64 ]] || fail "an unknown format is not a usage error"
"$bin" frobnicate >/dev/null 2>&1
[[ $? == 64 ]] || fail "an unknown command is not a usage error"
set -e

# summary: the text table, and the page
"$bin" summary --html "$tmp/sum.html" "$data/good.xml" "$tmp/ratified.xml.gz" >"$tmp/sum.txt" ||
    fail "summary exited $?"
python3 - "$tmp/sum.txt" "$tmp/sum.html" <<'PY' || fail "summary content"
import sys
rows = [l.split() for l in open(sys.argv[1]).read().splitlines()]
assert rows[0][:3] == ["policy_domain", "source_ip", "messages"], rows[0]
by_ip = {r[1]: r for r in rows[1:]}
# 198.51.100.7: 3 + 5 messages, no aligned pass at all
assert by_ip["198.51.100.7"][2:] == ["8", "0", "8", "0", "8", "0", "8"], by_ip
# 192.0.2.1: 12 messages, SPF-aligned fail, DKIM-aligned pass, so DMARC pass
assert by_ip["192.0.2.1"][2:] == ["12", "0", "12", "12", "0", "12", "0"], by_ip
html = open(sys.argv[2]).read()
assert html.startswith("<!DOCTYPE html>")
assert "<script" not in html and "&lt;script&gt;alert(&quot;org&quot;)&lt;/script&gt; &amp; Co" in html
assert html.count("<svg") == 2 and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
assert "2023-11-14" in html and "2023-11-15" in html
PY
set +e
"$bin" summary "$data/good.xml" "$data/broken.xml" >/dev/null 2>"$tmp/sum.err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "summary with a bad file: exit $rc"
grep -q "broken.xml" "$tmp/sum.err" || fail "summary: the bad file is not named"

if ((fails > 0)); then
    echo "$fails check(s) failed" >&2
    exit 1
fi
echo "report_read_cli: all checks passed"
