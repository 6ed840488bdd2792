# Building libFuzzer targets; shared by scripts/fuzz and scripts/fuzz-all
# (sourced after common.sh, not run).
# shellcheck shell=bash

# Flags of every fuzz build: ASan + UBSan, UBSan fatal.
MAILAUTH_FUZZ_SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"

# The names of the targets, one per fuzz/fuzz_NAME.c (run from the root);
# libmailauth-report's (fuzz_report_*) only when its libraries are there,
# as the build makes that library only then.
mailauth_fuzz_targets() {
    local f report=0
    if pkg-config --exists libxml-2.0 zlib libzip sqlite3 libpq 2>/dev/null; then
        report=1
    fi
    for f in fuzz/fuzz_*.c; do
        [[ -e "$f" ]] || continue
        if [[ "$f" == fuzz/fuzz_report_* ]] && ((report == 0)); then
            continue
        fi
        basename "$f" .c | sed 's/^fuzz_//'
    done
}

# mailauth_fuzz_build_lib BUILD: the library with clang into BUILD, with
# coverage instrumentation only (fuzzer-no-link); the fuzzer runtime and
# main() come with each target's link.
mailauth_fuzz_build_lib() {
    local build="$1"
    mailauth_install_pkgs "${MAILAUTH_BUILD_PKGS[@]}" clang libclang-rt-14-dev
    echo "==> building the library with clang into $build"
    CC=clang cmake -S "$MAILAUTH_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DMAILAUTH_BUILD_TESTS=OFF -DMAILAUTH_BUILD_EXAMPLES=OFF \
        -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link $MAILAUTH_FUZZ_SAN" >/dev/null
    cmake --build "$build" --target mailauth_static -j "$(mailauth_jobs)" >/dev/null
    # libmailauth-report's targets (fuzz_report_*) need its static library
    if cmake --build "$build" --target help 2>/dev/null | grep mailauth_report_static >/dev/null; then
        cmake --build "$build" --target mailauth_report_static -j "$(mailauth_jobs)" >/dev/null
    fi
}

# mailauth_fuzz_build_target BUILD TARGET: BUILD/fuzz_TARGET from
# fuzz/fuzz_TARGET.c and BUILD/libmailauth.a.
mailauth_fuzz_build_target() {
    local build="$1" target="$2"
    if [[ "$target" == report_* ]]; then
        mailauth_fuzz_build_report_target "$build" "$target"
        return
    fi
    # shellcheck disable=SC2086,SC2046 # the flags and pkg-config output are word lists
    clang -std=c11 -g -O1 -D_POSIX_C_SOURCE=200809L -fsanitize=fuzzer $MAILAUTH_FUZZ_SAN \
        -I"$MAILAUTH_ROOT/include" -I"$MAILAUTH_ROOT/lib" "$MAILAUTH_ROOT/fuzz/fuzz_${target}.c" \
        "$build/libmailauth.a" $(pkg-config --libs openssl libcares libidn2 libpsl) \
        -o "$build/fuzz_${target}"
}

# mailauth_fuzz_build_report_target BUILD TARGET: BUILD/fuzz_TARGET from
# fuzz/fuzz_TARGET.c, BUILD/lib/report/libmailauth-report.a and
# BUILD/libmailauth.a (libmailauth-report's targets, fuzz_report_*).
mailauth_fuzz_build_report_target() {
    local build="$1" target="$2"
    # shellcheck disable=SC2086,SC2046 # the flags and pkg-config output are word lists
    clang -std=c11 -g -O1 -D_POSIX_C_SOURCE=200809L -fsanitize=fuzzer $MAILAUTH_FUZZ_SAN \
        -I"$MAILAUTH_ROOT/include" -I"$MAILAUTH_ROOT/lib/report" \
        "$MAILAUTH_ROOT/fuzz/fuzz_${target}.c" "$build/lib/report/libmailauth-report.a" \
        "$build/libmailauth.a" \
        $(pkg-config --libs libxml-2.0 zlib libzip sqlite3 libpq openssl libcares libidn2 libpsl) \
        -o "$build/fuzz_${target}"
}

# Sanitizer options for running a target: stop at the first report, leaks count.
mailauth_fuzz_env() {
    export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}"
    export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
}
