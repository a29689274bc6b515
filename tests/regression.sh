#!/usr/bin/env bash
# Frame-server regression harness: starts one parleyd with a frame listener,
# runs the six checks the frame protocol was first specified with (echo,
# broadcast between two clients, slow-client disconnect, partial-frame
# reassembly, oversized-frame rejection, the STATS command; socket work in
# tests/integration/seed000.py) and prints them in that specification's
# report layout. Exits non-zero on any failure.
# The frame specification's nc steps (a person typing) run, as written, in
# tests/integration/test_03_frame.py.
#
#   PARLEY_BUILD    build directory holding parleyd (default: build)
#   PARLEY_BACKEND  I/O backend (default: poll, as in the original frame-server specification)
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PARLEYD="$ROOT/${PARLEY_BUILD:-build}/parleyd"
HELPER="$ROOT/tests/integration/seed000.py"
BACKEND=${PARLEY_BACKEND:-poll}
DEADLINE_TICKS=100   # x 0.05 s: how long to wait for the server to come up
TESTS=(basic_echo broadcast_two_clients slow_client_disconnect
       partial_frame_reassembly oversized_frame_rejected stats_command)

WORK=$(mktemp -d)
LOG="$WORK/server.log"
OUT="$WORK/server.out"
CONSOLE="$WORK/console"
SERVER_PID=

cleanup() {
	if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -KILL "$SERVER_PID" 2>/dev/null
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

die() {
	echo "[HARNESS] $*" >&2
	[ -s "$LOG" ] && sed 's/^/[LOG] /' "$LOG" >&2
	exit 1
}

start_server() {
	[ -x "$PARLEYD" ] || die "$PARLEYD not built (run make)"
	mkfifo "$CONSOLE"
	"$PARLEYD" --listen frame:127.0.0.1:0 --backend "$BACKEND" \
		--sendq 65536 --max-frame 65532 <"$CONSOLE" >"$OUT" 2>"$LOG" &
	SERVER_PID=$!
	exec 3>"$CONSOLE"   # keep stdin open for the whole run
	local tick
	for ((tick = 0; tick < DEADLINE_TICKS; tick++)); do
		grep -q ' READY ' "$LOG" && break
		kill -0 "$SERVER_PID" 2>/dev/null || die "server exited during startup"
		sleep 0.05
	done
	grep -q ' READY ' "$LOG" || die "server not ready"
	PORT=$(sed -n 's/.* LISTEN proto=frame .*port=\([0-9]*\).*/\1/p' "$LOG" | head -n 1)
	[ -n "$PORT" ] || die "no frame listener in the log"
	echo "[HARNESS] server started pid=$SERVER_PID"
}

# "[TEST] name ....... PASS": the name and its dots fill 25 columns.
report() {
	local name=$1 verdict=$2 dots=""
	local n=$((24 - ${#name}))
	while ((n-- > 0)); do dots+="."; done
	printf '[TEST] %s %s %s\n' "$name" "$dots" "$verdict"
}

run_tests() {
	PASSED=0
	FAILED=0
	local t
	for t in "${TESTS[@]}"; do
		if python3 "$HELPER" "$t" --port "$PORT" --log "$LOG" --stdout "$OUT" \
			--console "$CONSOLE"; then
			report "$t" PASS
			PASSED=$((PASSED + 1))
		else
			report "$t" FAIL
			FAILED=$((FAILED + 1))
		fi
	done
	echo "════════════════════════════════════"
	echo " $PASSED passed, $FAILED failed"
}

stop_server() {
	kill -TERM "$SERVER_PID"
	exec 3>&-
	wait "$SERVER_PID"
	local code=$?
	SERVER_PID=
	[ "$code" -eq 0 ] || die "server exited with status $code"
	grep -q ' SHUTDOWN ' "$LOG" || die "no SHUTDOWN log line"
	echo "[HARNESS] server stopped"
}

start_server
run_tests
stop_server
[ "$FAILED" -eq 0 ]
