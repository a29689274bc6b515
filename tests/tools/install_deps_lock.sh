#!/bin/sh
# install_deps_lock: tools/install-deps.sh must wait for an apt/dpkg lock
# held by another process (saying so) rather than fail at once, and give up
# with a clear message after INSTALL_DEPS_LOCK_WAIT seconds.
#
# Safe on a real machine: apt-get runs against a scratch tree (APT_CONFIG
# points its status file, lists, cache and sources at a temporary
# directory with no sources), so the system's own locks are never touched
# and nothing is installed. The "package" asked for does not exist there:
# getting as far as "Unable to locate package" proves the lock was passed.
# Needs root (sudo would drop APT_CONFIG), apt-get and python3 (which holds
# the lock the way apt does, with fcntl).
set -eu

cd "$(dirname "$0")/../.."
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null || ! command -v python3 >/dev/null; then
	echo "install_deps_lock: SKIP (needs root, apt-get and python3)"
	exit 0
fi

SB=$(mktemp -d)
HOLDER=""
cleanup() {
	[ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null || true
	rm -rf "$SB"
}
trap cleanup EXIT

mkdir -p "$SB/dpkg/updates" "$SB/lists/partial" "$SB/cache/archives/partial" \
	"$SB/etc/sources.list.d" "$SB/etc/apt.conf.d" "$SB/etc/preferences.d" "$SB/log"
: > "$SB/dpkg/status"
: > "$SB/etc/sources.list"
cat > "$SB/apt.conf" <<CONF
Dir::State::status "$SB/dpkg/status";
Dir::State::Lists "$SB/lists";
Dir::Cache "$SB/cache";
Dir::Etc::SourceList "$SB/etc/sources.list";
Dir::Etc::SourceParts "$SB/etc/sources.list.d";
Dir::Etc::Parts "$SB/etc/apt.conf.d";
Dir::Etc::PreferencesParts "$SB/etc/preferences.d";
Dir::Log "$SB/log";
CONF
export APT_CONFIG="$SB/apt.conf"

fails=0
fail() { echo "install_deps_lock: FAIL: $*"; fails=$((fails + 1)); }

# hold LOCKFILE SECONDS: holds an fcntl lock on LOCKFILE for SECONDS in the
# background; returns once the lock is taken.
hold() {
	rm -f "$SB/held"
	python3 -c '
import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.lockf(f, fcntl.LOCK_EX)
open(sys.argv[3], "w").close()
time.sleep(float(sys.argv[2]))' "$1" "$2" "$SB/held" &
	HOLDER=$!
	for _ in $(seq 100); do [ -e "$SB/held" ] && return 0; sleep 0.05; done
	echo "install_deps_lock: could not take $1" >&2
	exit 1
}

# run_deps NAME LOCKFILE HOLD_SECONDS WAIT_LIMIT: runs install-deps for a
# package that does not exist while LOCKFILE is held; leaves its stderr in
# $SB/NAME.err, its status in $rc and its duration in $took.
run_deps() {
	hold "$SB/$2" "$3"
	start=$(date +%s)
	rc=0
	INSTALL_DEPS_LOCK_WAIT=$4 sh tools/install-deps.sh parley-no-such-package \
		>/dev/null 2>"$SB/$1.err" || rc=$?
	took=$(($(date +%s) - start))
	wait "$HOLDER" 2>/dev/null || true
	HOLDER=""
}

check_waited() {
	name=$1
	grep -q 'install-deps: the apt/dpkg lock is held by process' "$SB/$name.err" ||
		fail "$name: no message saying it waits for the lock"
	grep -q 'Unable to locate package parley-no-such-package' "$SB/$name.err" ||
		fail "$name: did not get past the lock: $(cat "$SB/$name.err")"
	[ "$rc" -ne 0 ] || fail "$name: a missing package must still fail"
	[ "$took" -ge 2 ] || fail "$name: returned after ${took}s, before the lock was freed"
}

# The dpkg front-end lock (`apt-get install`), held for 3 s.
run_deps frontend dpkg/lock-frontend 3 60
check_waited frontend
# The package-list lock (`apt-get update`), held for 3 s.
run_deps lists lists/lock 3 60
check_waited lists
# A lock held longer than INSTALL_DEPS_LOCK_WAIT: gives up, says why.
run_deps giveup dpkg/lock-frontend 6 1
grep -q 'install-deps: gave up after [0-9]*s waiting for the apt/dpkg lock' "$SB/giveup.err" ||
	fail "giveup: no clear message: $(cat "$SB/giveup.err")"
[ "$rc" -ne 0 ] || fail "giveup: exit status 0"
[ "$took" -lt 6 ] || fail "giveup: waited ${took}s, past the 1 s limit"

[ "$fails" -eq 0 ] || exit 1
echo "install_deps_lock: 3 scenarios passed"
