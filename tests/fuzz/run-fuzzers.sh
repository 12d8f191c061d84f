#!/bin/sh
# Builds the libFuzzer targets (clang, ASan + UBSan) in their own build
# folder and runs each one for SECONDS with a fixed seed over its corpus in
# tests/fuzz/corpus/NAME (seeds and the regression inputs of past crashes).
# Fails when any target crashes, leaks, hangs or trips a sanitizer; the
# input that did it is left in BUILD/fuzz-artifacts/ to add to the corpus.
#
#   usage: tests/fuzz/run-fuzzers.sh SECONDS [BUILD_DIR] [TARGET...]
#
# New inputs a run discovers go to a scratch folder, not into the repository,
# so that the committed corpus stays small and the CI pass stays repeatable.
set -eu
seconds=${1:?usage: run-fuzzers.sh SECONDS [BUILD_DIR] [TARGET...]}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${2:-$root/build-fuzz}
[ $# -ge 2 ] && shift 2 || shift $#
fuzz=$root/tests/fuzz
# Every fuzz_NAME.c unless targets are named.
targets=${*:-$(cd "$fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')}

CC=${CC:-clang} cmake -S "$root" -B "$build" -DCASCADE_FUZZ=ON -DCASCADE_TESTS=OFF \
    -DCASCADE_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 >/dev/null

mkdir -p "$build/fuzz-artifacts"
failed=0
for name in $targets; do
    scratch=$(mktemp -d)
    dict=
    [ -f "$fuzz/$name.dict" ] && dict=-dict=$fuzz/$name.dict
    echo "fuzz_$name: $seconds s"
    if ! "$build/tests/fuzz/fuzz_$name" -seed=1 -max_total_time="$seconds" -max_len=4096 \
            -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 $dict \
            -artifact_prefix="$build/fuzz-artifacts/$name-" \
            "$scratch" "$fuzz/corpus/$name" >"$build/fuzz-$name.log" 2>&1; then
        echo "fuzz_$name FAILED: see $build/fuzz-$name.log and $build/fuzz-artifacts/"
        tail -n 40 "$build/fuzz-$name.log"
        failed=1
    fi
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "$build/fuzz-$name.log" || true
    rm -rf "$scratch"
done
exit $failed
