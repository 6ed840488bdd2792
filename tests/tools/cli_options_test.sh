#!/usr/bin/env bash
# ctest "cli_options": mailauth-check's later options against
# docs/mailauth-check.1.md, offline: JSON dmarc.reason, --exit-code,
# --from-headers, mbox and Maildir input (text and JSON Lines), --verbose,
# --lint, master-file zones.
#   cli_options_test.sh MAILAUTH_CHECK DATA_DIR     (DATA_DIR: tests/data/cli)
# Every case runs the real binary and checks its exit code and output.
set -u
if (($# != 2)); then
    echo "usage: cli_options_test.sh MAILAUTH_CHECK DATA_DIR" >&2
    exit 2
fi
bin="$1"
data="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0
cases=0
base=(--zone "$data/spf.zone" --zone "$data/dkim.zone" --zone "$data/arc.zone"
    --authserv-id mx.test.example --now 1700000000)

run() {
    "$bin" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

fail() {
    failures=$((failures + 1))
    echo "FAIL: $1: $2"
    echo "  stdout: $(head -c 800 "$tmp/out")"
    echo "  stderr: $(head -c 600 "$tmp/err")"
}

# expect NAME RC [ERE on stdout]
expect() {
    cases=$((cases + 1))
    if [[ "$rc" != "$2" ]]; then
        fail "$1" "exit $rc, want $2"
    elif [[ -n "${3:-}" ]] && ! grep -Eq -- "$3" "$tmp/out"; then
        fail "$1" "stdout does not match /$3/"
    fi
}

# json NAME PYTHON-EXPR: the expression over `o` (the JSON object, or the
# list of objects of JSON Lines as `rows`) must be true.
json() {
    cases=$((cases + 1))
    if ! python3 - "$tmp/out" "$2" >"$tmp/py" 2>&1 <<'PY'; then
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
rows = [json.loads(l) for l in text.splitlines() if l.strip()] if text.startswith('{"file"') else None
o = json.loads(text) if rows is None else None
assert eval(sys.argv[2]), sys.argv[2]
PY
        fail "$1" "$(tail -1 "$tmp/py")"
    fi
}

# --- JSON dmarc.reason ----------------------------------------------------------
env=(--ip 192.0.2.1 --helo mx.pass.example --mail-from someone@pass.example)
run "${base[@]}" "${env[@]}" --json "$data/arc.eml"
expect "dmarc pass" 0
json "dmarc pass: reason null" 'o["dmarc"]["result"] == "pass" and o["dmarc"]["reason"] is None'
json "dmarc keys" 'list(o["dmarc"])[-2:] == ["reason", "override"]'
run "${base[@]}" "${env[@]}" --json --only dmarc "$data/arc.eml"
json "dmarc fail: not aligned" 'o["dmarc"]["reason"] == "dmarc.not-aligned"'
run --zone "$data/spf.zone" --now 1700000000 "${env[@]}" --json "$data/message.eml"
json "dmarc none: no record" 'o["dmarc"]["result"] == "none" and o["dmarc"]["reason"] == "dmarc.no-record"'
{ # a From field over the 64 KiB header limit: DMARC permerror, and the reason says why
    printf 'From: Someone <someone@pass.example>, %s <x@pass.example>\n' "$(head -c 70000 /dev/zero | tr '\0' a)"
    printf 'Subject: big\n\nbody\n'
} >"$tmp/big.eml"
run "${base[@]}" "${env[@]}" --json "$tmp/big.eml"
json "dmarc permerror: limit-field" 'o["dmarc"]["result"] == "permerror" and o["dmarc"]["reason"] == "limit-field"'

# --- --exit-code ------------------------------------------------------------------
# exit_case NAME WANT MAIL-FROM-DOMAIN [more args]: SPF only, so the verdict is SPF's
exit_case() {
    local name="$1" want="$2" dom="$3"
    shift 3
    run "${base[@]}" --spf-only --ip 192.0.2.1 --mail-from "a@$dom" --exit-code "$@"
    expect "--exit-code $name" "$want" 'spf='
}
exit_case pass 0 pass.example
exit_case fail 1 fail.example
exit_case softfail 0 softfail.example
exit_case neutral 0 neutral.example
exit_case none 0 none.example
exit_case temperror 2 temp.example
exit_case permerror 3 perm.example
exit_case "fail beats temperror" 1 fail.example --helo temp.example
exit_case "temperror beats permerror" 2 perm.example --helo temp.example
run "${base[@]}" --spf-only --ip 192.0.2.1 --mail-from a@fail.example
expect "without --exit-code a fail is 0" 0 'spf=fail'
run "${base[@]}" "${env[@]}" --only dmarc --exit-code "$data/arc.eml"
expect "--exit-code: dmarc fail" 1 'dmarc=fail'
run "${base[@]}" "${env[@]}" --exit-code "$tmp/big.eml"
expect "--exit-code: dmarc permerror" 3 'dmarc=permerror'

# --- --from-headers -----------------------------------------------------------------
run "${base[@]}" --json --from-headers "$data/received.eml"
expect "--from-headers" 0
json "--from-headers: envelope from Received and Return-Path" \
    'o["spf"]["result"] == "pass" and "smtp.mailfrom=bounce@pass.example" in o["authentication_results"] and o["helo_spf"]["domain"] == "mx.pass.example" and o["iprev"]["ip"] == "192.0.2.1"'
run "${base[@]}" --json --from-headers --ip 198.51.100.9 --mail-from a@fail.example "$data/received.eml"
json "--from-headers: given options win" \
    'o["iprev"]["ip"] == "198.51.100.9" and o["spf"]["domain"] == "fail.example" and o["helo_spf"]["domain"] == "mx.pass.example"'
printf 'Return-Path: <>\nReceived: from [192.0.2.1] (helo=mx.pass.example) by mx.test.example; Tue, 14 Nov 2023 22:13:15 +0000\nFrom: a@pass.example\nSubject: x\n\nbody\n' >"$tmp/exim.eml"
run "${base[@]}" --json --from-headers "$tmp/exim.eml"
json "--from-headers: Exim form, null sender" \
    'o["iprev"]["ip"] == "192.0.2.1" and o["helo_spf"]["domain"] == "mx.pass.example" and "smtp.mailfrom=postmaster@mx.pass.example" in o["authentication_results"]'
run "${base[@]}" --json --from-headers "$data/message.eml"
json "--from-headers: nothing to take" 'o["spf"] is None and o["iprev"] is None'
run "${base[@]}" --from-headers --spf-only --ip 192.0.2.1
expect "--from-headers with --spf-only" 64

# --- mbox and Maildir ---------------------------------------------------------------
run "${base[@]}" --json --from-headers "$data/quoting.mbox"
expect "mbox json" 0
json "mbox: JSON Lines with file and index" \
    'len(rows) == 2 and [r["index"] for r in rows] == [0, 1] and all(r["file"].endswith("quoting.mbox") and list(r)[:3] == ["file", "index", "spf"] for r in rows)'
json "mbox: >From lines unquoted (the DKIM body hash holds)" \
    'rows[0]["dkim"][0]["result"] == "pass" and rows[1]["dkim"] == []'
[[ "$(wc -l <"$tmp/out")" == 2 ]] || fail "mbox json" "not one line per message"
run "${base[@]}" --from-headers "$data/quoting.mbox"
expect "mbox text: separator" 0 '^==> .*quoting\.mbox #0 <==$'
expect "mbox text: second message" 0 '^==> .*quoting\.mbox #1 <==$'
[[ "$(grep -c '^Authentication-Results:' "$tmp/out")" == 2 ]] || fail "mbox text" "want 2 fields"
"$bin" "${base[@]}" --json --from-headers - <"$data/quoting.mbox" >"$tmp/out" 2>"$tmp/err"
json "mbox on stdin" 'len(rows) == 2 and rows[0]["file"] == "stdin"'
mkdir -p "$tmp/md/cur" "$tmp/md/new" "$tmp/md/tmp"
cp "$data/received.eml" "$tmp/md/new/1700000001.M1.host"
cp "$data/message.eml" "$tmp/md/cur/1700000000.M2.host:2,S"
cp "$data/dkim.eml" "$tmp/md/cur/1700000002.M3.host:2,S"
cp "$data/message.eml" "$tmp/md/cur/.hidden"
cp "$data/message.eml" "$tmp/md/tmp/1700000003.M4.host"
run "${base[@]}" --json --from-headers "$tmp/md"
expect "maildir" 0
json "maildir: new/ then cur/, by name; tmp/ and dot files left out" \
    '[r["file"].split("/md/")[1] for r in rows] == ["new/1700000001.M1.host", "cur/1700000000.M2.host:2,S", "cur/1700000002.M3.host:2,S"] and [r["index"] for r in rows] == [0, 1, 2]'
json "maildir: verdicts" 'rows[0]["dkim"][0]["result"] == "pass" and len(rows[2]["dkim"]) == 2'
run "${base[@]}" --exit-code --from-headers --only spf,dkim "$tmp/md"
expect "maildir --exit-code: nothing failed" 0
printf 'Return-Path: <a@fail.example>\nReceived: from mx.pass.example (mx.pass.example [192.0.2.1]) by mx; x\nFrom: a@pass.example\n\nx\n' >"$tmp/md/cur/1700000009.M9.host:2,S"
run "${base[@]}" --exit-code --from-headers --only spf "$tmp/md"
expect "maildir --exit-code: one fail" 1
mkdir -p "$tmp/plain"
run "${base[@]}" "$tmp/plain"
expect "a folder that is not a Maildir" 66

# --- --verbose ----------------------------------------------------------------------
run "${base[@]}" --spf-only --ip 192.0.2.1 --mail-from a@pass.example --verbose
expect "--verbose" 0 'spf=pass'
grep -Eq '^mailauth-check: dns: pass\.example TXT -> records \(1\) ttl=300 [0-9]+ ms$' "$tmp/err" &&
    grep -Eq '^    300 TXT "v=spf1 ip4:192\.0\.2\.0/24 -all"$' "$tmp/err" ||
    fail "--verbose" "no answer line on stderr"
cases=$((cases + 1))

run "${base[@]}" --from-headers --verbose "$data/quoting.mbox"
expect "--verbose over an mbox" 0
grep -Eq '^mailauth-check: dns: _dmarc\.pass\.example TXT -> records \(1\) ttl=300 [0-9]+ ms$' "$tmp/err" &&
    grep -Eq '^mailauth-check: dns: _dmarc\.pass\.example TXT -> records \(1\) ttl=[0-9]+ cache$' "$tmp/err" ||
    fail "--verbose over an mbox" "the second message's question is not shown as a cache answer"
cases=$((cases + 1))

# --- master-file zones --------------------------------------------------------------
cat >"$tmp/master.zone" <<'Z'
$TTL 600
$ORIGIN master.example.
@        IN TXT "v=spf1 a:mx.master.example -all"
mx  60   IN A   192.0.2.1
Z
run --zone "$tmp/master.zone" --spf-only --ip 192.0.2.1 --mail-from a@master.example --verbose
expect "master-file zone" 0 'spf=pass'
grep -q 'mx.master.example A -> records (1) ttl=60' "$tmp/err" || fail "master-file zone" "TTL column"
cases=$((cases + 1))

# --- --lint -------------------------------------------------------------------------
lint=(--zone "$data/lint.zone")
run "${lint[@]}" --lint good.example --selector s1 --selector ed
expect "lint: clean domain" 0 '^good\.example: no problems found$'
run "${lint[@]}" --lint good.example --selector s1 --json
expect "lint json: clean" 0
json "lint json: clean" 'o["clean"] and o["problems"] == [] and o["spf"]["dns_lookups"] == 2 and o["spf"]["void_lookups"] == 0 and o["dmarc"]["record"].startswith("v=DMARC1")'
run "${lint[@]}" --lint bad.example --selector weak --selector old --selector junk --selector none
expect "lint: bad domain" 1
for want in 'spf: i3\.bad\.example: syntax .*ip4:192\.0\.2\.0/33' \
    'spf: gone\.bad\.example: include:gone\.bad\.example: .*no SPF record' \
    'spf: bad\.example: 1[0-9] DNS-causing terms .*allows 10' \
    'spf: bad\.example: 3 void lookups' 'spf: bad\.example: ptr: ptr should not be used' \
    'dmarc: _dmarc\.bad\.example: p=block: not a valid value' \
    'dmarc: _dmarc\.bad\.example: pct=200: not a valid value' \
    "dmarc: _dmarc\.bad\.example: unknown tag 'foo'" 'tag adkim appears twice' \
    'rua=mailto:d@elsewhere\.example: .*bad\.example\._report\._dmarc\.elsewhere\.example' \
    'ruf=mailto:f@good\.example: .*bad\.example\._report\._dmarc\.good\.example' \
    'dkim: weak\._domainkey\.bad\.example: 1024-bit RSA key' 'weak\._domainkey\.bad\.example: t=y' \
    'dkim: old\._domainkey\.bad\.example: the key is revoked' \
    'dkim: junk\._domainkey\.bad\.example: unusable key record \(dkim\.key-syntax\)' \
    'dkim: none\._domainkey\.bad\.example: no key record \(nxdomain\)' \
    '^bad\.example: [0-9]+ problems found$'; do
    grep -Eq -- "$want" "$tmp/out" || fail "lint: bad domain" "no line matching /$want/"
    cases=$((cases + 1))
done
grep -q 'reports.example' "$tmp/out" && fail "lint: bad domain" "an authorized destination reported"
run "${lint[@]}" --lint two.example --json
expect "lint: two SPF records" 1
json "lint json: problems" 'not o["clean"] and any("2 SPF records" in p for p in o["problems"]) and o["spf"]["record"] is None and o["spf"]["dns_lookups"] is None'
run "${lint[@]}" --lint none.example
expect "lint: nothing published" 1 'no SPF record .* published'
grep -q 'the policy of .* applies' "$tmp/out" &&
    fail "lint: nothing published" "a DMARC policy said to apply"
# RFC 7489 §6.6.3: no record at the subdomain, its organizational domain's
# applies: said, and not counted as a problem (exit 0)
run "${lint[@]}" --lint sub.good.example
expect "lint: inherited DMARC policy" 0 \
    '^dmarc: _dmarc\.sub\.good\.example: no record here; the policy of good\.example applies'
grep -q '^dmarc:.*problem\|dmarc: .*no _dmarc' "$tmp/out" &&
    fail "lint: inherited DMARC policy" "counted as a problem"
grep -q 'no DMARC record (v=DMARC1) published' "$tmp/out" &&
    fail "lint: inherited DMARC policy" "also reported as publishing nothing"
run "${lint[@]}" --lint Sub.Good.Example.
expect "lint: inherited DMARC policy, case and dot" 0 'the policy of good\.example applies'
run "${lint[@]}" --dmarc-mode 9989 --lint sub.good.example
expect "lint: no PSL fallback in RFC 9989 mode" 1 'no DMARC record \(v=DMARC1\) published'
run "${lint[@]}" --lint good.example "$data/message.eml"
expect "lint with a message" 64
run "${lint[@]}" --selector s1 "$data/message.eml"
expect "--selector without --lint" 64
run --record-zone "$tmp/x.zone" "${lint[@]}" "$data/message.eml"
expect "--record-zone with --zone" 64

echo "cli_options: $cases checks, $failures failed"
((failures == 0))
