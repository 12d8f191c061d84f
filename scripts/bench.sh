#!/bin/sh
# Benchmark: cascade sweep against the floor (reading the logits once) and
# against an honest NumPy implementation of the same sweep.
#
#   scripts/bench.sh [--runs N] [--dir DIR] [--keep] [--set i|ii|iii|all]
#
# Generates three sets with `cascade synth` (once; reused while DIR keeps
# them):
#   (i)   16 models x 50,000 samples x 1,000 classes, float32 logits (3.2 GB)
#   (ii)  200 models x 50,000 samples x 10 classes, float32 logits, and the
#         same saved as records (`cascade records`)
#   (iii) 100 models x 50,000 samples x 10 classes (seed 3) as records, for
#         the 161,700 triples of `sweep --stages 3`
# then, in one run and alternating, times N times each:
#   (a) cat of every logit file to /dev/null: the floor, reading the bytes once
#   (b) cascade sweep, end to end (logits -> front CSV)
#   (c) scripts/numpy_sweep.py, float32, the way a careful NumPy user writes it
# and on set (ii) also (b') cascade sweep of the saved records. Run as root,
# set (i) is also timed with a cold page cache (sync, then drop_caches before
# each run of cat and of cascade). Every (b) reports its peak RSS, and the
# end prints a Markdown table of the medians with the date and machine.
# It checks that (b) and (c) give the same front (models, accuracy, cost): in
# float64 against cascade --precise, since float32 confidences, NumPy's or
# cascade's vectorised exp, can tie or swap in the last bits,
# and prints medians with the ratios b/a and c/b, and the peak RSS of (b).
# Needs the build in ./build and /usr/bin/python3 with NumPy.
set -eu
cd "$(dirname "$0")/.."
runs=3
dir=${TMPDIR:-/tmp}/cascade-bench
keep=0
sets="i ii iii"
while [ $# -gt 0 ]; do
    case $1 in
    --runs) runs=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --set) case $2 in all|both) sets="i ii iii" ;; *) sets=$2 ;; esac; shift 2 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
cascade=build/cascade
[ -x "$cascade" ] || { echo "bench.sh: build first (cmake -S . -B build && cmake --build build)" >&2; exit 2; }
/usr/bin/python3 -c 'import numpy' 2>/dev/null || { echo "bench.sh: /usr/bin/python3 lacks NumPy (apt-get install python3-numpy)" >&2; exit 2; }
mkdir -p "$dir"

seconds() { # runs "$@", prints wall seconds; the command's output is discarded
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}
# medians to 3 significant digits, ratios to 2 decimals: the table's precision
median() { sort -g | awk '{v[NR]=$1} END {printf "%.3g\n", (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f\n", a / b}'; }
peak_rss_mb() { # peak resident set of "$@" in MB
    /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1 | awk '{printf "%.0f", $1 / 1024}'
}
same_front() { # the front's models, accuracy and cost, in both files
    python3 - "$1" "$2" <<'EOF'
import csv, sys
def rows(path):
    with open(path) as f:
        return [(r["models"], r["accuracy"], r["cost"]) for r in csv.DictReader(f)]
a, b = rows(sys.argv[1]), rows(sys.argv[2])
differ = sum(x != y for x, y in zip(a, b)) + abs(len(a) - len(b))
print(f"{len(a)} and {len(b)} front rows, {differ} differ")
sys.exit(1 if differ else 0)
EOF
}

make_set() { # NAME MODELS CLASSES
    if [ ! -f "$dir/$1/manifest.json" ]; then
        echo "generating set $1: $2 models x 50000 samples x $3 classes ..."
        $cascade synth -o "$dir/$1" --models "$2" --samples 50000 --classes "$3" --seed 7 -q
    fi
}

table="| set | (a) cat | (b) cascade | (c) NumPy | b/a | c/b | peak RSS of (b) |
|---|---:|---:|---:|---:|---:|---:|"
row() { table="$table
$1"; }

cold_seconds() { # drops the page cache, then times "$@"
    sync
    echo 1 >/proc/sys/vm/drop_caches
    seconds "$@"
}

bench_cold() { # set (i) with a cold page cache: root only
    if [ "$(id -u)" != 0 ] || [ ! -w /proc/sys/vm/drop_caches ]; then
        echo "set (i) cold: skipped (dropping the page cache needs root)"
        return
    fi
    manifest=$dir/i/manifest.json
    : >"$dir/a" ; : >"$dir/b"
    run=1
    while [ "$run" -le "$runs" ]; do
        cold_seconds sh -c "cat '$dir/i'/*.logits.npy > /dev/null" >>"$dir/a"
        cold_seconds $cascade sweep "$manifest" -q -o "$dir/front-i-cold.csv" >>"$dir/b"
        echo "  cold run $run: a $(tail -n 1 "$dir/a") s, b $(tail -n 1 "$dir/b") s"
        run=$((run + 1))
    done
    a=$(median <"$dir/a"); b=$(median <"$dir/b")
    echo "set (i) cold, medians over $runs runs: (a) cat $a s, (b) cascade sweep $b s, b/a = $(ratio "$b" "$a")"
    row "| (i) cold page cache | $a s | $b s | | $(ratio "$b" "$a") | | |"
}

bench_chains() { # set (iii): triples of 100 models, from saved records
    records=$dir/iii.records/manifest.json
    : >"$dir/b"
    run=1
    while [ "$run" -le "$runs" ]; do
        seconds $cascade sweep "$records" --stages 3 -q -o "$dir/front-iii.csv" >>"$dir/b"
        echo "  run $run: b $(tail -n 1 "$dir/b") s"
        run=$((run + 1))
    done
    b=$(median <"$dir/b")
    rss=$(peak_rss_mb $cascade sweep "$records" --stages 3 -q -o "$dir/front-iii.csv")
    echo "set (iii), median over $runs runs: cascade sweep --stages 3 $b s, peak RSS $rss MB"
    row "| (iii) 100 models x 50,000 x 10, records, --stages 3 | | $b s | | | | $rss MB |"
}

bench_set() { # NAME
    set_dir=$dir/$1
    manifest=$set_dir/manifest.json
    bytes=$(cat "$set_dir"/*.logits.npy | wc -c)
    echo
    echo "set ($1): $(ls "$set_dir"/*.logits.npy | wc -l) logit files, $(echo "$bytes / 1000000" | bc) MB"
    if [ "$1" = ii ] && [ ! -f "$set_dir.records/manifest.json" ]; then
        $cascade records "$manifest" -o "$set_dir.records" -q
    fi
    # The cross-check, untimed: NumPy in float64 against cascade --precise
    # (confidences in double, libm exp): they must agree exactly. The
    # default vectorised exp (within about 3e-7 relative) can order two samples
    # whose confidences differ by less than that the other way round; how
    # many front rows that moves is reported, not failed on.
    $cascade sweep "$manifest" -q -o "$dir/front-$1.csv"
    $cascade sweep "$manifest" -q --precise -o "$dir/front-$1-precise.csv"
    /usr/bin/python3 scripts/numpy_sweep.py "$manifest" --dtype float64 -o "$dir/front-$1-numpy64.csv"
    printf 'check (b --precise) = (c in float64): '
    same_front "$dir/front-$1-precise.csv" "$dir/front-$1-numpy64.csv" || check_failed=1
    printf 'for information, (b) with the vectorised exp against (c in float64): '
    same_front "$dir/front-$1.csv" "$dir/front-$1-numpy64.csv" || true
    : >"$dir/a" ; : >"$dir/b" ; : >"$dir/c" ; : >"$dir/r"
    run=1
    while [ "$run" -le "$runs" ]; do
        seconds sh -c "cat '$set_dir'/*.logits.npy > /dev/null" >>"$dir/a"
        seconds $cascade sweep "$manifest" -q -o "$dir/front-$1.csv" >>"$dir/b"
        seconds /usr/bin/python3 scripts/numpy_sweep.py "$manifest" -o "$dir/front-$1-numpy.csv" >>"$dir/c"
        if [ "$1" = ii ]; then
            seconds $cascade sweep "$set_dir.records/manifest.json" -q -o "$dir/front-$1-records.csv" >>"$dir/r"
        fi
        echo "  run $run: a $(tail -n 1 "$dir/a") s, b $(tail -n 1 "$dir/b") s, c $(tail -n 1 "$dir/c") s$( [ "$1" = ii ] && echo ", b' $(tail -n 1 "$dir/r") s")"
        run=$((run + 1))
    done
    a=$(median <"$dir/a"); b=$(median <"$dir/b"); c=$(median <"$dir/c")
    rss=$(peak_rss_mb $cascade sweep "$manifest" -q -o "$dir/front-$1.csv")
    one_model_mb=$(echo "$bytes / $(ls "$set_dir"/*.logits.npy | wc -l) / 1000000" | bc)
    echo "medians over $runs runs: (a) cat $a s, (b) cascade sweep $b s, (c) numpy $c s"
    echo "ratios: b/a = $(ratio "$b" "$a"), c/b = $(ratio "$c" "$b")"
    if [ "$1" = ii ]; then
        r=$(median <"$dir/r")
        echo "(b') cascade sweep of the saved records: $r s (c/b' = $(ratio "$c" "$r"))"
    fi
    echo "peak RSS of (b): $rss MB (one model's logits: $one_model_mb MB)"
    case $1 in
    i) label="(i) 16 models x 50,000 x 1,000, float32" ;;
    *) label="(ii) 200 models x 50,000 x 10, float32" ;;
    esac
    row "| $label | $a s | $b s | $c s | $(ratio "$b" "$a") | $(ratio "$c" "$b") | $rss MB |"
    if [ "$1" = ii ]; then
        rss_records=$(peak_rss_mb $cascade sweep "$set_dir.records/manifest.json" -q -o "$dir/front-ii-records.csv")
        row "| (ii) as saved records (b') | | $r s | | | $(ratio "$c" "$r") | $rss_records MB |"
    fi
}

check_failed=0
for s in $sets; do
    case $s in
    i) make_set i 16 1000 ;;
    ii) make_set ii 200 10 ;;
    iii)
        if [ ! -f "$dir/iii.records/manifest.json" ]; then
            echo "generating set iii: 100 models x 50000 samples x 10 classes, as records ..."
            $cascade synth -o "$dir/iii" --models 100 --samples 50000 --classes 10 --seed 3 -q
            $cascade records "$dir/iii/manifest.json" -o "$dir/iii.records" -q
        fi ;;
    *) echo "bench.sh: --set takes i, ii, iii or all" >&2; exit 2 ;;
    esac
done
# the softmax kernel this CPU runs (the same bits on either)
if grep -qw avx512f /proc/cpuinfo && grep -qw avx512dq /proc/cpuinfo; then simd=AVX-512
elif grep -qw avx2 /proc/cpuinfo; then simd=AVX2
else simd="no AVX2"; fi
machine="$(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p') ($simd), $(free -g | awk '/^Mem:/ {print $2}') GB, $(uname -r)"
echo "machine: $machine, $(date -u +%Y-%m-%d)"
for s in $sets; do
    case $s in
    iii) bench_chains ;;
    *) bench_set "$s"
       if [ "$s" = i ]; then bench_cold; fi ;;
    esac
done
echo
echo "$(date -u +%Y-%m-%d), $machine: scripts/bench.sh --runs $runs"
echo
echo "$table"
[ "$keep" = 1 ] || rm -rf "$dir"
exit $check_failed
