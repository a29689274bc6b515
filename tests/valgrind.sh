#!/usr/bin/env bash
# Runs a scripted parleyd session (tests/integration/valgrind_session.py) under
# valgrind and fails unless valgrind reports no errors and no leaks of any
# kind, no descriptor but stdin/stdout/stderr is open at exit, and parleyd
# exits 0 after SIGTERM.
#
#   PARLEY_BUILD    build directory holding parleyd (default: build)
#   PARLEY_BACKEND  I/O backend (default: epoll)
#   PYTHON          the interpreter with pytest, which the IRC harness needs
#                   (default: python3)
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
export PARLEY_BUILD=${PARLEY_BUILD:-build}
export PARLEY_TEST_DEADLINE=${PARLEY_TEST_DEADLINE:-30}   # valgrind is slow
BACKEND=${PARLEY_BACKEND:-epoll}
VGLOG=$(mktemp)
trap 'rm -f "$VGLOG"' EXIT

fail() {
	echo "valgrind.sh: FAIL: $*" >&2
	sed 's/^/[valgrind] /' "$VGLOG" >&2
	exit 1
}

command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is not installed" >&2; exit 1; }
[ -x "$ROOT/$PARLEY_BUILD/parleyd" ] || { echo "valgrind.sh: $PARLEY_BUILD/parleyd not built" >&2; exit 1; }

${PYTHON:-python3} "$ROOT/tests/integration/valgrind_session.py" --backend "$BACKEND" -- \
	valgrind --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all \
	--error-exitcode=1 --track-fds=yes --log-file="$VGLOG" ||
	fail "session failed or parleyd did not exit 0 (valgrind exits 1 on any error or leak)"

grep -q 'ERROR SUMMARY: 0 errors' "$VGLOG" || fail "valgrind reported errors"
grep -Eq 'All heap blocks were freed|in use at exit: 0 bytes' "$VGLOG" || fail "memory in use at exit"
# --track-fds lists every descriptor open at exit; only valgrind's own log may remain.
if grep -E '^==[0-9]+== Open ' "$VGLOG" | grep -v "$VGLOG" | grep -q .; then
	fail "descriptors left open at exit"
fi
echo "valgrind.sh: PASS (no errors, no leaks, exit 0, backend $BACKEND)"
