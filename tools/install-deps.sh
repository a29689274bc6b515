#!/bin/sh
# install-deps: installs the Debian 12 packages Parley builds and tests with,
# skipping those already present. Runs apt-get as root, or through sudo.
# The IRC clients drive test_46; inspircd and ngircd are the reference servers
# the IRC suite is checked against (IRC_REFERENCE=...).
set -eu

PACKAGES="build-essential clang libclang-rt-14-dev llvm make pkg-config \
libreadline-dev libcmocka-dev libhiredis-dev \
python3 python3-pytest valgrind socat netcat-openbsd redis-server tmux procps \
weechat-headless weechat-plugins ii sic irssi inspircd ngircd"

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

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
