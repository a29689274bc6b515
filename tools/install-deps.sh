#!/bin/sh
# install-deps: installs the Debian 12 packages Parley builds and tests with
# (or the packages named as arguments), skipping those already present. Runs
# apt-get as root, or through sudo.
#
# When another apt or dpkg process (an upgrade, unattended-upgrades, another
# install) holds the package locks, it waits for them, saying so, for up to
# INSTALL_DEPS_LOCK_WAIT seconds (default 300) instead of failing at once.
#
# Packages are installed without starting their system services
# (INSTALL_DEPS_NO_SERVICES=0 lets them start): the tests and benchmarks
# start their own redis-server, ircds and so on, on ports of their own,
# and a Debian ircd or prometheus started at install would otherwise hold
# ports such as 6667, the one `make run` gives Parley's IRC listener.
set -eu

PACKAGES="build-essential clang libclang-rt-14-dev llvm make pkg-config \
libreadline-dev libcmocka-dev libhiredis-dev libsqlite3-dev libsodium-dev sqlite3 \
libssl-dev openssl \
chromium chromium-driver python3-selenium node-ws prometheus \
python3 python3-pytest valgrind socat netcat-openbsd redis-server tmux procps \
weechat-headless weechat-plugins ii sic irssi"
[ $# -gt 0 ] && PACKAGES="$*"
LOCK_WAIT=${INSTALL_DEPS_LOCK_WAIT:-300}

missing=""
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "install-deps: need root or sudo to install:$missing" >&2
	exit 1
fi

errors=$(mktemp)
trap 'rm -f "$errors"' EXIT

# apt_locked ARGS...: apt-get ARGS, waiting while another process holds the
# dpkg or package-list lock. The first try fails at once if a lock is taken
# (apt then names the process holding it, for our message); later tries let
# apt itself wait for the dpkg locks (DPkg::Lock::Timeout, which also covers
# the lock dpkg takes again after the downloads), and retry each second for
# the list lock of `update`, which that option does not cover.
apt_locked() {
	start=$(date +%s)
	timeout=0
	while :; do
		if $SUDO apt-get -o DPkg::Lock::Timeout="$timeout" "$@" 2>"$errors"; then
			cat "$errors" >&2
			return 0
		fi
		if ! grep -Eq 'Could not get lock|Unable to acquire the dpkg|Unable to lock' "$errors"; then
			cat "$errors" >&2
			return 1
		fi
		waited=$(($(date +%s) - start))
		if [ "$waited" -ge "$LOCK_WAIT" ]; then
			cat "$errors" >&2
			echo "install-deps: gave up after ${waited}s waiting for the apt/dpkg lock" >&2
			return 1
		fi
		if [ "$timeout" -eq 0 ]; then
			holder=$(sed -n 's/.*It is held by \(process [0-9]* ([^)]*)\).*/\1/p' "$errors" | head -1)
			echo "install-deps: the apt/dpkg lock is held${holder:+ by $holder};" \
				"waiting up to ${LOCK_WAIT}s for it" >&2
		else
			sleep 1
		fi
		timeout=$((LOCK_WAIT - waited))
	done
}

# policy-rc.d answering 101 tells invoke-rc.d not to start services; one
# already in place is the administrator's and is left alone.
POLICY=/usr/sbin/policy-rc.d
if [ "${INSTALL_DEPS_NO_SERVICES:-1}" = 1 ] && [ ! -e "$POLICY" ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
	$SUDO chmod 755 "$POLICY"
	trap 'rm -f "$errors"; $SUDO rm -f "$POLICY"' EXIT
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt_locked update -qq
# shellcheck disable=SC2086
apt_locked install -y -qq --no-install-recommends $missing >/dev/null
