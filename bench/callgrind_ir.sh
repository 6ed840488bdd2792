#!/bin/sh
# Instructions executed per SPF evaluation, for each library and case, counted
# by valgrind's callgrind: a figure that a busy machine does not disturb.
#
# usage: bench/callgrind_ir.sh BENCH_SPF_BINARY [extra bench_spf options, e.g. -H]
#
# Each (library, case) runs twice, with -n 2000 and -n 4000 timed iterations;
# bench_spf runs n/10+1 warm-up evaluations before the timed ones, so the
# second run does exactly 2200 evaluations more. The difference of the two
# totals over 2200 leaves out start-up, zone loading and the cross-check.
set -eu
if [ $# -lt 1 ] || [ ! -x "$1" ]; then
    echo "usage: $0 BENCH_SPF_BINARY [bench_spf options]" >&2
    exit 64
fi
bin=$1
shift
command -v valgrind >/dev/null || { echo "$0: valgrind not installed" >&2; exit 69; }

total() { # impl case n [options]
    impl=$1 c=$2 n=$3
    shift 3
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        "$bin" -i "$impl" -m throughput -k 1 -c "$c" -n "$n" "$@" 2>&1 |
        sed -n 's/.*Collected : //p'
}

printf '%-9s %-6s %14s\n' library case instr/eval
for impl in mailauth libspf2; do
    for c in best worst fail; do
        a=$(total "$impl" "$c" 2000 "$@")
        b=$(total "$impl" "$c" 4000 "$@")
        printf '%-9s %-6s %14d\n' "$impl" "$c" $(((b - a) / 2200))
    done
done
