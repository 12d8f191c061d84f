#!/bin/sh
# Builds the libFuzzer targets (clang, ASan + UBSan) in their own build
# folder and runs each one over its corpus in tests/fuzz/corpus/NAME (seeds,
# a merged corpus from long runs, and the inputs of past crashes).
#
#   usage: tests/fuzz/run-fuzzers.sh replay|RUNS [BUILD_DIR] [TARGET...]
#
# replay: every corpus input once, nothing new. This is what CI runs: it is
#   the same pass on every run and every machine, so CI cannot go red on an
#   input that a lucky mutation found this time and missed the last.
# RUNS:   explore, RUNS new inputs per target from seed 1. libFuzzer is not
#   bit-for-bit repeatable even with a fixed seed, so this is for people,
#   not for CI. New inputs go to a scratch folder; merge the worthwhile ones
#   into the corpus with tests/fuzz/merge-corpus.sh.
#
# Fails when any target crashes, leaks, hangs or trips a sanitizer; the
# input that did it is left in BUILD/fuzz-artifacts/ to add to the corpus.
set -eu
mode=${1:?usage: run-fuzzers.sh replay|RUNS [BUILD_DIR] [TARGET...]}
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
    if [ "$mode" = replay ]; then
        # -runs=0: read the whole corpus in, run each input, mutate nothing.
        echo "fuzz_$name: replay of $(ls "$fuzz/corpus/$name" | wc -l) inputs"
        runs=0
    else
        echo "fuzz_$name: $mode runs"
        runs=$mode
    fi
    if ! "$build/tests/fuzz/fuzz_$name" -seed=1 -runs="$runs" -max_len=4096 \
            -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 $dict \
            -artifact_prefix="$build/fuzz-artifacts/$name-" \
            "$scratch" "$fuzz/corpus/$name" >"$build/fuzz-$name.log" 2>&1; then
        echo "fuzz_$name FAILED: see $build/fuzz-$name.log and $build/fuzz-artifacts/"
        tail -n 40 "$build/fuzz-$name.log"
        failed=1
    fi
    grep -E '^stat::number_of_executed_units|INITED cov' "$build/fuzz-$name.log" || true
    rm -rf "$scratch"
done
exit $failed
