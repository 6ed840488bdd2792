# Sourced by the command-line test scripts (sign_keys, sign_multi): the case
# counter, the failure report and the expectation on one run. The caller
# sets tmp (a folder), cases=0, failures=0, and a run function that leaves
# the exit status in rc, stdout in $tmp/out and stderr in $tmp/err.
# shellcheck shell=bash

fail() {
    failures=$((failures + 1))
    echo "FAIL: $1: $2"
    echo "  stdout: $(head -c 400 "$tmp/out")"
    echo "  stderr: $(head -c 400 "$tmp/err")"
}

# expect NAME RC [ERE on stdout, or on stderr when RC is not 0]. Exit 0
# needs a silent stderr; another exit exactly one line on stderr (and,
# with EXPECT_QUIET_FAILURE=1, nothing on stdout).
expect() {
    local name="$1" want="$2" pattern="${3:-}" match="$tmp/out"
    cases=$((cases + 1))
    [[ "$want" != 0 ]] && match="$tmp/err"
    if [[ "$rc" != "$want" ]]; then
        fail "$name" "exit $rc, want $want"
    elif [[ -n "$pattern" ]] && ! grep -Eq -- "$pattern" "$match"; then
        fail "$name" "output does not match /$pattern/"
    elif [[ "$want" == 0 && -s "$tmp/err" ]]; then
        fail "$name" "unexpected stderr"
    elif [[ "$want" != 0 && "$(wc -l <"$tmp/err")" -ne 1 ]]; then
        fail "$name" "want exactly one line on stderr"
    elif [[ "$want" != 0 && "${EXPECT_QUIET_FAILURE:-0}" == 1 && -s "$tmp/out" ]]; then
        fail "$name" "output on stdout"
    fi
}
