#!/bin/sh
# run.sh: runs each libFuzzer target for a bounded time and fails on any
# crash, leak (LeakSanitizer), sanitizer report or per-input timeout.
#
#   tests/fuzz/run.sh BINDIR NAME...     (make fuzz calls it)
#   FUZZ_SECONDS  seconds per target (default 60)
#
# Each target starts from its seed corpus tests/fuzz/corpus/NAME (read only)
# plus a work corpus BINDIR/corpus/NAME that keeps what earlier runs found.
# Crashing inputs are saved as BINDIR/artifacts/NAME-crash-*. One summary
# line per target (executions, executions per second) is printed and
# appended to BINDIR/fuzz-summary.txt.
set -u
BINDIR=$1
shift
SECONDS_EACH=${FUZZ_SECONDS:-60}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
status=0
passed=0
failed=0

stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -n 1; }

for name in "$@"; do
	bin=$BINDIR/fuzz_$name
	log=$BINDIR/fuzz_$name.log
	mkdir -p "$BINDIR/corpus/$name" "$BINDIR/artifacts"
	dict=""
	[ -f "$ROOT/tests/fuzz/$name.dict" ] && dict="-dict=$ROOT/tests/fuzz/$name.dict"
	# shellcheck disable=SC2086  # $dict is empty or one word
	"$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
		-print_final_stats=1 -artifact_prefix="$BINDIR/artifacts/$name-" $dict \
		"$BINDIR/corpus/$name" "$ROOT/tests/fuzz/corpus/$name" >"$log" 2>&1
	rc=$?
	line="fuzz $name: execs=$(stat number_of_executed_units "$log") exec/s=$(stat average_exec_per_sec "$log") seconds=$SECONDS_EACH"
	if [ "$rc" -ne 0 ]; then
		echo "$line FAILED (exit $rc); log tail:" >&2
		tail -n 40 "$log" >&2
		status=1
		failed=$((failed + 1))
	else
		echo "$line OK"
		passed=$((passed + 1))
	fi
	echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $line rc=$rc" >>"$BINDIR/fuzz-summary.txt"
done
echo "fuzz: $passed passed, $failed failed"
exit $status
