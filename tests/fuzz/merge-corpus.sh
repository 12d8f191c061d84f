#!/bin/sh
# Explores each target for RUNS inputs (seed SEED) into a scratch folder,
# then merges into tests/fuzz/corpus/NAME only the inputs that reach code or
# branches the corpus does not yet reach (libFuzzer -merge=1). The merged
# corpus is what CI replays (run-fuzzers.sh replay).
#
#   usage: tests/fuzz/merge-corpus.sh RUNS SEED [BUILD_DIR] [TARGET...]
set -eu
runs=${1:?usage: merge-corpus.sh RUNS SEED [BUILD_DIR] [TARGET...]}
seed=${2:?usage: merge-corpus.sh RUNS SEED [BUILD_DIR] [TARGET...]}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${3:-$root/build-fuzz}
[ $# -ge 3 ] && shift 3 || shift $#
fuzz=$root/tests/fuzz
targets=${*:-$(cd "$fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')}

CC=${CC:-clang} cmake -S "$root" -B "$build" -DCASCADE_FUZZ=ON -DCASCADE_TESTS=OFF \
    -DCASCADE_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 >/dev/null
mkdir -p "$build/fuzz-artifacts"

for name in $targets; do
    grown=$(mktemp -d)
    dict=
    [ -f "$fuzz/$name.dict" ] && dict=-dict=$fuzz/$name.dict
    before=$(ls "$fuzz/corpus/$name" | wc -l)
    "$build/tests/fuzz/fuzz_$name" -seed="$seed" -runs="$runs" -max_len=4096 \
        -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 $dict \
        -artifact_prefix="$build/fuzz-artifacts/$name-" \
        "$grown" "$fuzz/corpus/$name" >"$build/explore-$name.log" 2>&1 ||
        { echo "fuzz_$name FAILED: see $build/explore-$name.log"; rm -rf "$grown"; exit 1; }
    "$build/tests/fuzz/fuzz_$name" -merge=1 -max_len=4096 -timeout=30 $dict \
        "$fuzz/corpus/$name" "$grown" >"$build/merge-$name.log" 2>&1
    rm -rf "$grown"
    echo "fuzz_$name: $(grep '^stat::number_of_executed_units' "$build/explore-$name.log" | awk '{print $2}') runs;" \
        "corpus $before -> $(ls "$fuzz/corpus/$name" | wc -l) inputs"
done
