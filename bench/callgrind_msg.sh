#!/bin/sh
# Instructions executed per message by mailauth, counted by valgrind's
# callgrind (a figure a busy machine does not disturb), for the two
# message benchmarks:
#
#   dkim   bench_dkim -w: one 2 KiB prose message, RSA-2048, relaxed/relaxed,
#          key in the cache, verified through mailauth_eval_message; and the
#          OpenSSL floor of the same message
#   peers  bench_peers -m speed: the nine-class mix, mailauth's side
#
# usage: bench/callgrind_msg.sh BUILD_DIR [dkim|peers|all]
#
# Only the benchmark's own call is counted (--toggle-collect), and each figure
# is the difference of two runs of different lengths over the difference in
# messages, which leaves out start-up, key generation, zone loading and the
# first (cold) evaluation:
#   dkim:  -n 100 and -n 300 timed iterations per batch, one round: 200 more;
#   peers: 1 and 3 rounds of 8 evaluations per class (-t tiny): 144 more.
set -eu
if [ $# -lt 1 ] || [ ! -d "$1/bench" ]; then
    echo "usage: $0 BUILD_DIR [dkim|peers|all]" >&2
    exit 64
fi
dir=$1
what=${2:-all}
command -v valgrind >/dev/null || { echo "$0: valgrind not installed" >&2; exit 69; }

collected() { # function, then the command
    fn=$1
    shift
    valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect="$fn" "$@" 2>&1 |
        sed -n 's/.*Collected : //p'
}

dkim() { # function, iterations
    collected "$1" "$dir/bench/bench_dkim" -b prose -a rsa -c relaxed -i warm -w -s 2k -r 1 -n "$2"
}

peers() { # rounds
    collected bp_ma_run "$dir/bench/bench_peers" -m speed -r "$1" -t 0.000000001
}

if [ "$what" = dkim ] || [ "$what" = all ]; then
    for fn in bd_mailauth_whole bd_floor_run; do
        a=$(dkim "$fn" 100)
        b=$(dkim "$fn" 300)
        printf '%-18s 2 KiB RSA relaxed, whole message %10d instr/verification\n' "$fn" \
            $(((b - a) / 200))
    done
fi
if [ "$what" = peers ] || [ "$what" = all ]; then
    a=$(peers 1)
    b=$(peers 3)
    printf '%-18s nine-class mix %27d instr/message\n' bp_ma_run $(((b - a) / 144))
fi
