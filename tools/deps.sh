#!/bin/sh
# Installs every Debian package that the build, the tests and the demo use,
# and only when something is missing.
set -e
PKGS="build-essential pkg-config clang libclang-rt-14-dev
libmicrohttpd-dev libcurl4-gnutls-dev libjansson-dev libgnutls28-dev
libsodium-dev libsqlite3-dev libssh-dev libcmocka-dev
curl jq openssl sqlite3 iproute2 nftables procps python3"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: run as root, or install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
