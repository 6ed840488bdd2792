#!/usr/bin/env bash
# ctest "cli": mailauth-check against its contract (docs/mailauth-check.1.md), offline.
#   cli_test.sh MAILAUTH_CHECK DATA_DIR
# DATA_DIR is tests/data/cli (zones spf.zone, extra.zone, bad.zone, dkim.zone,
# arc.zone; messages message.eml, dkim.eml, arc.eml, list.eml).
# Every case runs the real binary (sanitizers included in the test build) and
# checks the exit code, stdout and stderr. Prints one line per failure.
set -u

if (($# != 2)); then
    echo "usage: cli_test.sh MAILAUTH_CHECK DATA_DIR" >&2
    exit 2
fi
bin="$1"
data="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0
cases=0

zone="$data/spf.zone"
base=(--zone "$zone" --authserv-id mx.test.example --now 1700000000)

# run ARGS... (stdin from $stdin_file when set): sets rc; output in $tmp/out, $tmp/err.
run() {
    if [[ -n "${stdin_file:-}" ]]; then
        "$bin" "$@" <"$stdin_file" >"$tmp/out" 2>"$tmp/err"
    else
        "$bin" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
    fi
    rc=$?
}

fail() {
    failures=$((failures + 1))
    echo "FAIL: $1: $2"
    echo "  stdout: $(head -c 600 "$tmp/out")"
    echo "  stderr: $(head -c 600 "$tmp/err")"
}

# Unfold a header field (RFC 5322 §2.2.3): a line break before white space goes.
unfold() {
    sed -e ':a' -e 'N' -e '$!ba' -e 's/\n\([ \t]\)/\1/g'
}

# expect NAME RC [ERE]: exit code, a pattern on the unfolded stdout, and for
# exit 0 a silent stderr (a sanitizer report or a stray warning fails).
expect() {
    local name="$1" want="$2" pattern="${3:-}"
    cases=$((cases + 1))
    if [[ "$rc" != "$want" ]]; then
        fail "$name" "exit $rc, want $want"
    elif [[ -n "$pattern" ]] && ! unfold <"$tmp/out" | grep -Eq -- "$pattern"; then
        fail "$name" "stdout (unfolded) does not match /$pattern/"
    elif [[ "$want" == 0 && -s "$tmp/err" ]]; then
        fail "$name" "unexpected stderr"
    elif [[ "$want" != 0 && "$(wc -l <"$tmp/err")" -ne 1 ]]; then
        fail "$name" "want exactly one line on stderr"
    fi
}

# expect_err NAME RC EXACT-STDERR-LINE
expect_err() {
    cases=$((cases + 1))
    if [[ "$rc" != "$2" ]]; then
        fail "$1" "exit $rc, want $2"
    elif [[ "$(cat "$tmp/err")" != "$3" ]]; then
        fail "$1" "stderr is not '$3'"
    fi
}

# check_json NAME EXPECTED-JSON: top-level keys in the documented order, spf,
# helo_spf, dkim entries, dmarc, arc and iprev objects with exactly the
# documented keys (dmarc: plus "override"), listed values equal (null: not
# evaluated).
check_json() {
    cases=$((cases + 1))
    if ! python3 - "$tmp/out" "$2" >"$tmp/py" 2>&1 <<'PY'; then
import json, sys
got = json.load(open(sys.argv[1], encoding="utf-8"))
want = json.loads(sys.argv[2])
top = ["spf", "helo_spf", "dkim", "dmarc", "arc", "iprev", "authentication_results"]
assert list(got) == top, "top-level keys %r" % list(got)
for k in ("spf", "helo_spf"):
    if got[k] is not None:
        keys = ["result", "identity", "domain", "explanation", "reason"]
        assert list(got[k]) == keys, "%s keys %r" % (k, list(got[k]))
if got["dkim"] is not None:
    assert isinstance(got["dkim"], list), "dkim is %r, want a list or null" % (got["dkim"],)
    for e in got["dkim"]:
        keys = ["result", "domain", "selector", "algorithm", "key_bits", "reason"]
        assert list(e) == keys, "dkim entry keys %r" % list(e)
if got["dmarc"] is not None:
    keys = ["result", "header_from", "policy", "disposition", "org_domain", "policy_domain",
            "discovery", "spf_aligned", "dkim_aligned", "reason", "override"]
    assert list(got["dmarc"]) == keys, "dmarc keys %r" % list(got["dmarc"])
if got["arc"] is not None:
    keys = ["result", "instances", "oldest_pass", "reason"]
    assert list(got["arc"]) == keys, "arc keys %r" % list(got["arc"])
if got["iprev"] is not None:
    keys = ["result", "ip", "name", "reason"]
    assert list(got["iprev"]) == keys, "iprev keys %r" % list(got["iprev"])
ar = got["authentication_results"]
assert ar.startswith("Authentication-Results: "), "authentication_results %r" % ar
assert "\r" not in ar and "\n" not in ar, "authentication_results not on one line"
for k, v in want.items():
    if isinstance(v, list):  # entries in order, each with the listed values
        assert got[k] is not None and len(got[k]) == len(v), "%s = %r" % (k, got[k])
        for i, (ge, we) in enumerate(zip(got[k], v)):
            for kk, vv in we.items():
                assert ge[kk] == vv, "%s[%d].%s = %r, want %r" % (k, i, kk, ge[kk], vv)
    elif isinstance(v, dict):
        assert got[k] is not None, "%s is null" % k
        for kk, vv in v.items():
            assert got[k][kk] == vv, "%s.%s = %r, want %r" % (k, kk, got[k][kk], vv)
    else:
        assert got[k] == v, "%s = %r, want %r" % (k, got[k], v)
PY
        failures=$((failures + 1))
        echo "FAIL: $1: $(cat "$tmp/py")"
        echo "  stdout: $(head -c 800 "$tmp/out")"
    fi
}

# check_folding NAME: every output line fits in 78 columns, continuation
# lines start with white space, no CR, and the field did need folding.
# RFC 5322 §2.2.3 folds only at white space, so a longer line is accepted
# only when it is one token that has none (nothing could be done).
check_folding() {
    cases=$((cases + 1))
    if grep -q $'\r' "$tmp/out"; then
        fail "$1" "CR in the output"
    elif awk '{ t = $0; sub(/^[ \t]+/, "", t) }
              length($0) > 78 && t ~ /[ \t]/ { bad = 1 } END { exit !bad }' "$tmp/out"; then
        fail "$1" "a line longer than 78 columns could have been folded"
    elif awk 'NR > 1 && !/^[ \t]/ { bad = 1 } END { exit !bad }' "$tmp/out"; then
        fail "$1" "a continuation line does not start with white space"
    elif [[ "$(wc -l <"$tmp/out")" -lt 2 ]]; then
        fail "$1" "expected a folded (multi-line) field"
    fi
}

# --- help and version ------------------------------------------------------
run --help
expect "help" 0 '^Usage: mailauth-check '
run --version
expect "version" 0 '^mailauth-check \(mailauth [0-9]+\.[0-9]+\.[0-9]+\)$'

# --- --spf-only verdicts from the zone -------------------------------------
spf_case() { # NAME DOMAIN VERDICT [extra args]
    local name="$1" domain="$2" verdict="$3"
    shift 3
    run "${base[@]}" --spf-only --ip 192.0.2.1 --helo mx.pass.example \
        --mail-from "user@$domain" "$@"
    expect "spf-only $name" 0 "^Authentication-Results: mx\.test\.example;.*spf=$verdict([[:space:];]|\$)"
}
spf_case pass pass.example pass
spf_case fail fail.example fail
spf_case softfail softfail.example softfail
spf_case neutral neutral.example neutral
spf_case none none.example none
spf_case temperror temp.example temperror
spf_case permerror perm.example permerror
spf_case "second zone" second.example pass --zone "$data/extra.zone"
spf_case "ipv6 client" pass.example fail --ip 2001:db8::1

run "${base[@]}" --spf-only --ip 192.0.2.1 --helo mx.pass.example --mail-from a@pass.example
expect "smtp.mailfrom property" 0 'smtp\.mailfrom=a@pass\.example'
grep -q $'\r' "$tmp/out" && fail "no CR" "the text output has CR"
[[ "$(tail -c 1 "$tmp/out" | od -An -c | tr -d ' ')" == '\n' ]] ||
    fail "final newline" "the output does not end with a newline"

# --- --json ------------------------------------------------------------------
run "${base[@]}" --json --spf-only --ip 192.0.2.1 --helo mx.pass.example \
    --mail-from someone@pass.example
expect "json pass" 0
check_json "json pass" '{"spf": {"result": "pass", "identity": "mailfrom",
    "domain": "pass.example", "explanation": null},
  "helo_spf": {"result": "pass", "identity": "helo", "domain": "mx.pass.example",
    "explanation": null}}'

run "${base[@]}" --json --spf-only --ip 192.0.2.1 --helo mx.pass.example \
    --mail-from someone@exp.example
expect "json fail with explanation" 0
check_json "json fail with explanation" '{"spf": {"result": "fail", "domain": "exp.example",
    "explanation": "192.0.2.1 is not a \"server\" of exp.example"}}'

run "${base[@]}" --json --spf-only --ip 192.0.2.1 --helo mx.pass.example \
    --mail-from someone@temp.example
expect "json temperror" 0
check_json "json temperror" '{"spf": {"result": "temperror", "reason": "spf.dns-tempfail"}}'

run "${base[@]}" --json --spf-only --ip 192.0.2.1 --helo mx.pass.example \
    --mail-from someone@none.example
expect "json none" 0
check_json "json none" '{"spf": {"result": "none", "reason": "spf.no-record"}}'

run "${base[@]}" --json --spf-only --ip 192.0.2.1 --helo mx.pass.example --mail-from ""
expect "json null sender" 0
check_json "json null sender" '{"spf": {"result": "pass", "identity": "mailfrom",
    "domain": "mx.pass.example"}}'

run "${base[@]}" --json --only dkim,dmarc,arc --ip 192.0.2.1 --helo mx.pass.example \
    --mail-from a@pass.example "$data/message.eml"
expect "json --only without spf" 0
check_json "json --only without spf" '{"spf": null, "helo_spf": null, "dkim": [],
  "dmarc": {"result": "none", "header_from": "pass.example", "policy": null,
            "disposition": null, "policy_domain": null},
  "arc": {"result": "none", "instances": 0, "oldest_pass": null, "reason": "arc.no-sets"}}'

# --- message input: file, "-", stdin ------------------------------------------
msg_args=("${base[@]}" --ip 192.0.2.1 --helo mx.pass.example --mail-from a@pass.example)
run "${msg_args[@]}" "$data/message.eml"
expect "message file" 0 'spf=pass'
stdin_file="$data/message.eml"
run "${msg_args[@]}" -
expect "message on stdin (-)" 0 'spf=pass'
run "${msg_args[@]}"
expect "message on stdin (no FILE)" 0 'spf=pass'
stdin_file=""
run --authserv-id mx.test.example --zone "$zone" --json --ip 192.0.2.1 \
    --helo mx.pass.example --mail-from a@pass.example -- "$data/message.eml"
expect "options end at --" 0

# --- DKIM: dkim.eml carries an ed25519 and an rsa signature made by dkimpy --------
dkim_args=(--zone "$zone" --zone "$data/dkim.zone" --authserv-id mx.test.example
    --ip 192.0.2.1 --helo mx.pass.example --mail-from someone@pass.example)
run "${dkim_args[@]}" --now 1700000000 "$data/dkim.eml"
expect "dkim pass" 0 'dkim=pass[[:space:]]+\(256-bit[[:space:]]+key\)[[:space:]]+header\.d=pass\.example[[:space:]]+header\.i=@pass\.example[[:space:]]+header\.s=cli-ed[[:space:]]+header\.a=ed25519-sha256[[:space:]]+header\.b="?[A-Za-z0-9+/]{8}"?;[[:space:]]+dkim=pass[[:space:]]+\(2048-bit[[:space:]]+key\)[[:space:]]+header\.d=pass\.example[[:space:]]+header\.i=@pass\.example[[:space:]]+header\.s=cli[[:space:]]+header\.a=rsa-sha256[[:space:]]+'
run "${dkim_args[@]}" --now 1700000000 --json "$data/dkim.eml"
expect "dkim json" 0
check_json "dkim json" '{"spf": {"result": "pass"},
  "dkim": [{"result": "pass", "domain": "pass.example", "selector": "cli-ed",
            "algorithm": "ed25519-sha256", "key_bits": 256, "reason": null},
           {"result": "pass", "domain": "pass.example", "selector": "cli",
            "algorithm": "rsa-sha256", "key_bits": 2048, "reason": null}]}'
# --now before the signing time (t=1699999000, beyond the 300 s allowance)
run "${dkim_args[@]}" --now 1699990000 --json "$data/dkim.eml"
expect "dkim t= in the future" 0
check_json "dkim t= in the future" '{"dkim": [
    {"result": "permerror", "selector": "cli-ed", "key_bits": null, "reason": "dkim.future"},
    {"result": "permerror", "selector": "cli", "reason": "dkim.future"}]}'
run "${base[@]}" --ip 192.0.2.1 --mail-from someone@pass.example "$data/dkim.eml"
expect "dkim without the key" 0 'dkim=permerror[[:space:]]+\(no[[:space:]]+key[[:space:]]+record\)[[:space:]]+header\.d=pass\.example'
run "${dkim_args[@]}" --now 1700000000 --json --only spf "$data/dkim.eml"
expect "dkim left out" 0
check_json "dkim left out" '{"dkim": null, "dmarc": null, "arc": null, "spf": {"result": "pass"}}'
run "${msg_args[@]}" --json "$data/message.eml"
expect "no signature" 0
check_json "no signature" '{"dkim": []}'
grep -q '"authentication_results": ".*dkim=none' "$tmp/out" ||
    fail "no signature" "the field does not say dkim=none"

# --- all four methods: arc.eml is dkim.eml sealed by fwd.example (arc.zone) --------
all_zones=(--zone "$zone" --zone "$data/dkim.zone" --zone "$data/arc.zone"
    --authserv-id mx.test.example --now 1700000000)
all_args=("${all_zones[@]}" --ip 192.0.2.1 --helo mx.pass.example --mail-from someone@pass.example)
run "${all_args[@]}" --json "$data/arc.eml"
expect "all four json" 0
check_json "all four json" '{"spf": {"result": "pass", "domain": "pass.example"},
  "dkim": [{"result": "pass", "selector": "cli-ed"}, {"result": "pass", "selector": "cli"}],
  "dmarc": {"result": "pass", "header_from": "pass.example", "policy": "reject",
            "disposition": "none", "org_domain": "pass.example",
            "policy_domain": "pass.example", "discovery": "psl",
            "spf_aligned": true, "dkim_aligned": true, "reason": null, "override": null},
  "arc": {"result": "pass", "instances": 1, "oldest_pass": 0, "reason": null},
  "iprev": {"result": "pass", "ip": "192.0.2.1", "name": "mx.pass.example", "reason": null}}'
run "${all_args[@]}" "$data/arc.eml"
expect "all four field" 0 'spf=pass.*dkim=pass.*;[[:space:]]+dmarc=pass[[:space:]]+\(p=reject[[:space:]]+dis=none\)[[:space:]]+header\.from=pass\.example[[:space:]]+policy\.dmarc=reject;[[:space:]]+arc=pass[[:space:]]+header\.oldest-pass=0[[:space:]]+smtp\.remote-ip=192\.0\.2\.1;[[:space:]]+iprev=pass[[:space:]]+policy\.iprev=192\.0\.2\.1[[:space:]]+\(mx\.pass\.example\)$'
run "${all_args[@]}" --json --dmarc-mode 9989 "$data/arc.eml"
expect "--dmarc-mode 9989" 0
check_json "--dmarc-mode 9989" '{"dmarc": {"result": "pass", "discovery": "treewalk",
  "org_domain": "pass.example"}}'
run "${all_args[@]}" --json --dmarc-mode 7489 "$data/arc.eml"
expect "--dmarc-mode 7489" 0
check_json "--dmarc-mode 7489" '{"dmarc": {"result": "pass", "discovery": "psl"}}'
# --only: each method alone, the others null
run "${all_args[@]}" --json --only dmarc "$data/arc.eml"
expect "--only dmarc" 0
check_json "--only dmarc" '{"spf": null, "helo_spf": null, "dkim": null, "arc": null,
  "dmarc": {"result": "fail", "spf_aligned": false, "dkim_aligned": false,
            "disposition": "reject", "reason": "dmarc.not-aligned"}}'
run "${all_args[@]}" --json --only arc "$data/arc.eml"
expect "--only arc" 0
check_json "--only arc" '{"spf": null, "helo_spf": null, "dkim": null, "dmarc": null,
  "arc": {"result": "pass", "instances": 1}}'
run "${all_args[@]}" --json --only spf,dkim "$data/arc.eml"
expect "--only spf,dkim" 0
check_json "--only spf,dkim" '{"spf": {"result": "pass"}, "dmarc": null, "arc": null}'
grep -Eq '"authentication_results": ".*(dmarc|arc)=' "$tmp/out" &&
    fail "--only spf,dkim" "dmarc or arc in the field"
# tampering after the seal breaks the newest ARC-Message-Signature (and DKIM)
sed 's/^Hello, signed twice\./Hello, signed twice!/' "$data/arc.eml" >"$tmp/tampered.eml"
run "${all_args[@]}" --json "$tmp/tampered.eml"
expect "arc tampered" 0
check_json "arc tampered" '{"arc": {"result": "fail", "instances": 1, "oldest_pass": null,
  "reason": "arc.ams"}, "dmarc": {"result": "pass", "spf_aligned": true, "dkim_aligned": false}}'
# list.eml: the list changed the Subject and sealed; it delivers from 198.51.100.7
list_args=("${all_zones[@]}" --ip 198.51.100.7 --helo mx.fwd.example --mail-from bounce@fwd.example)
run "${list_args[@]}" --json "$data/list.eml"
expect "list: dmarc fail, untrusted sealer" 0
check_json "list: dmarc fail, untrusted sealer" '{"spf": {"result": "pass", "domain": "fwd.example"},
  "dkim": [{"result": "fail"}, {"result": "fail"}],
  "dmarc": {"result": "fail", "disposition": "reject", "override": null},
  "arc": {"result": "pass", "oldest_pass": 0}}'
run "${list_args[@]}" --json --trusted-sealer other.example "$data/list.eml"
expect "list: another sealer trusted" 0
check_json "list: another sealer trusted" '{"dmarc": {"result": "fail", "override": null}}'
run "${list_args[@]}" --json --trusted-sealer other.example --trusted-sealer FWD.example. \
    "$data/list.eml"
expect "list: trusted sealer override" 0
check_json "list: trusted sealer override" '{"dmarc": {"result": "fail", "policy": "reject",
  "disposition": "reject", "override": "arc"}, "arc": {"result": "pass"}}'
run "${list_args[@]}" --trusted-sealer fwd.example "$data/list.eml"
expect "list: override in the field" 0 'dmarc=fail[[:space:]]+\(p=reject[[:space:]]+dis=reject,[[:space:]]+override=local_policy[[:space:]]+arc=pass\)[[:space:]]+header\.from=pass\.example[[:space:]]+policy\.dmarc=reject;[[:space:]]+arc=pass'
run "${list_args[@]}" --trusted-sealer fwd.example --only spf,dkim,dmarc "$data/list.eml"
expect "list: no override without arc" 0 'dmarc=fail[[:space:]]+\(p=reject[[:space:]]+dis=reject\)'

# --- folding at 78 columns ----------------------------------------------------
long=folding-test.with-several-labels.long.example
run "${base[@]}" --spf-only --ip 192.0.2.1 --helo "mx.$long" --mail-from "postmaster@$long"
expect "long field" 0 'spf=pass'
check_folding "long field"

# --- usage errors: exit 64 with one line on stderr ----------------------------
run --bogus
expect "unknown option" 64
run -x
expect "unknown short option" 64
run "${base[@]}" --spf-only --ip 300.1.2.3 --mail-from a@pass.example
expect "bad --ip" 64
run "${base[@]}" --spf-only --ip 192.0.2.1/24 --mail-from a@pass.example
expect "bad --ip with prefix" 64
run "${base[@]}" --spf-only --ip
expect "--ip without value" 64
run "${base[@]}" --spf-only --mail-from a@pass.example
expect "--spf-only without --ip" 64
run "${base[@]}" --spf-only --ip 192.0.2.1 "$data/message.eml"
expect "--spf-only with a FILE" 64
run "${base[@]}" --dmarc-mode 1234 "$data/message.eml"
expect "bad --dmarc-mode" 64
run "${base[@]}" --only spf,bimi "$data/message.eml"
expect "bad --only" 64
run "${base[@]}" --trusted-sealer "not a domain" "$data/message.eml"
expect "bad --trusted-sealer" 64
run "${base[@]}" --now yesterday "$data/message.eml"
expect "bad --now" 64
run "${base[@]}" --json=yes "$data/message.eml"
expect "value for a flag" 64
run "${base[@]}" "$data/message.eml" "$data/message.eml"
expect "two messages" 64
run "${base[@]}" --dns-server 127.0.0.1 "$data/message.eml"
expect "--zone with --dns-server" 64
run --zone "$data/bad.zone" --spf-only --ip 192.0.2.1 --mail-from a@ok.example
expect_err "bad zone line" 64 "mailauth-check: $data/bad.zone:3: syntax error"

# --- unreadable input: exit 66 ------------------------------------------------
run "${base[@]}" --ip 192.0.2.1 "$tmp/no-such-message.eml"
expect "missing message" 66
run --zone "$tmp/no-such.zone" --spf-only --ip 192.0.2.1 --mail-from a@pass.example
expect "missing zone file" 66
run "${base[@]}" --ip 192.0.2.1 "$data"
expect "message is a directory" 66
truncate -s $((64 * 1024 * 1024 + 1)) "$tmp/huge.eml" # sparse: no disk space used
run "${base[@]}" --ip 192.0.2.1 "$tmp/huge.eml"
expect "message over 64 MiB" 66
grep -q 'too large' "$tmp/err" || fail "message over 64 MiB" "stderr does not say 'too large'"
rm -f "$tmp/huge.eml"

echo "cli: $cases checks, $failures failed"
((failures == 0))
