#!/bin/sh
# run.sh: runs the public irctest conformance suite against parleyd, out of
# band. irctest is never vendored or fetched here: point IRCTEST_DIR at a
# local copy of it. Extra arguments go to pytest (e.g. a single module:
#   IRCTEST_DIR=~/irctest tests/irctest/run.sh irctest/server_tests/cap.py).
# Environment: PARLEYD (binary, default build/parleyd), PARLEY_BACKEND
# (epoll, poll or select), IRCTEST_MARKS (the -m expression), PYTHON (an
# interpreter with pytest, default python3), IRCTEST_CONTROLLER (default
# parley_controller; e.g. irctest.controllers.ngircd to try a reference),
# IRCTEST_TEST_TIMEOUT (seconds one test may take, default 30: a test that
# waits forever for a reply fails instead of hanging the run).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
: "${IRCTEST_DIR:?set IRCTEST_DIR to a local copy of irctest}"
: "${PARLEYD:=$repo/build/parleyd}"
: "${IRCTEST_MARKS:=not Ergo and not deprecated and not strict}"
: "${IRCTEST_CONTROLLER:=parley_controller}"
: "${PYTHON:=python3}"
export PARLEYD

[ -x "$PARLEYD" ] || { echo "run.sh: $PARLEYD not built (run make)" >&2; exit 1; }

# Work on a temporary copy: Debian 12's pytest 7.2 predates the new-style
# `wrapper=True` hook irctest's conftest uses, so the copy gets the old
# `hookwrapper=True` form (the hook then no longer turns a skipped optional
# behaviour into an error; every other test runs unchanged).
work=$(mktemp -d "${TMPDIR:-/tmp}/irctest.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cp -R "$IRCTEST_DIR"/. "$work"/
if "$PYTHON" -c 'import sys, pytest; sys.exit(int(pytest.__version__.split(".")[0]) >= 8)'; then
	sed -i 's/@pytest\.hookimpl(wrapper=True)/@pytest.hookimpl(hookwrapper=True)/' "$work/conftest.py"
fi

cd "$work"
[ $# -gt 0 ] || set -- irctest/server_tests/
PYTHONPATH="$here:$work${PYTHONPATH:+:$PYTHONPATH}" \
	"$PYTHON" -m pytest -p no:cacheprovider -p parley_timeout --controller "$IRCTEST_CONTROLLER" \
	-m "$IRCTEST_MARKS" "$@"
