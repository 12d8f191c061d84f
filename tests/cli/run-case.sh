#!/bin/sh
# Runs one command-line case: CASE_DIR/cmd under sh, with $CASCADE (the
# binary), $SOURCE (the project root), $SHARED (../shared/data) and $TMP (a
# fresh folder) set. Compares the exit status with CASE_DIR/exit and, when
# present, stderr and stdout with the grep -E patterns in CASE_DIR/stderr and
# CASE_DIR/stdout (each line a pattern that must match). A case that needs
# ../shared exits 77 when it is absent; so does a cmd that itself exits 77 (a
# tool it needs is missing), after saying why on stdout. The bad_* and
# output_* cases (broken inputs, failed writes) must also fail cleanly: stderr
# one line when the case has a stderr pattern, stdout empty unless it has a
# stdout pattern.
case_dir=$1
CASCADE=$2
SOURCE=$3
SHARED=$4
TMP=$(mktemp -d)
trap 'chmod -R u+rwx "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
export CASCADE SOURCE SHARED TMP
if grep -q '\$SHARED' "$case_dir/cmd" && [ ! -d "$SHARED" ]; then
    echo "skipped: ../shared/data is absent"
    exit 77
fi
(cd "$TMP" && sh "$case_dir/cmd") >"$TMP/.stdout" 2>"$TMP/.stderr"
status=$?
expected=$(cat "$case_dir/exit")
if [ "$status" = 77 ] && [ "$expected" != 77 ]; then
    cat "$TMP/.stdout"
    exit 77
fi
failed=0
if [ "$status" != "$expected" ]; then
    echo "exit status $status, expected $expected"
    failed=1
fi
# Every line of a pattern file must match somewhere in the stream.
for stream in stderr stdout; do
    [ -f "$case_dir/$stream" ] || continue
    while IFS= read -r pattern || [ -n "$pattern" ]; do
        [ -n "$pattern" ] || continue
        if ! grep -Eq -e "$pattern" "$TMP/.$stream"; then
            echo "$stream does not match the pattern: $pattern"
            failed=1
        fi
    done <"$case_dir/$stream"
done
case $(basename "$case_dir") in
    bad_*|output_*) clean_failure=1 ;;
    *) clean_failure=0 ;;
esac
if [ "$expected" != 0 ] && [ "$clean_failure" = 1 ]; then
    if [ -f "$case_dir/stderr" ] && [ "$(wc -l <"$TMP/.stderr")" != 1 ]; then
        echo "stderr has $(wc -l <"$TMP/.stderr") lines, expected one error line"
        failed=1
    fi
    if [ ! -f "$case_dir/stdout" ] && [ -s "$TMP/.stdout" ]; then
        echo "stdout is not empty after a failure"
        failed=1
    fi
fi
if [ "$failed" = 1 ]; then
    echo "--- stdout"; cat "$TMP/.stdout"; echo "--- stderr"; cat "$TMP/.stderr"
fi
exit $failed
