#!/bin/sh
# Installs every Debian package that the build, the tests and the demo use,
# and only when something is missing.
#
# debootstrap, dpkg-dev (dpkg-scanpackages), openssh-client (ssh,
# ssh-keyscan), sshpass and util-linux (unshare, nsenter, flock) are for
# tests/e2e/box.sh, the enrollment tests' node machine: it builds its own
# Debian tree and repository once, cached in /var/cache/hostfleet-test.
#
# prometheus is there for promtool, which checks the master's /metrics
# (tests/e2e/0810-metrics.sh); its daemon is never started.
#
# chromium and Node.js run the web panel's tests in a real browser
# (tests/browser): the npm packages they need, pinned in
# tests/browser/package-lock.json, are installed there by `npm ci`, with
# no browser download (the tests drive Debian's chromium).  A Node.js that
# brings its own npm is taken as it is.
#
# nginx, BIND, Postfix and Dovecot are there for their checkers (nginx -t,
# named-checkzone, postmap, postconf, doveconf); the node renders their
# files but the tests never run the daemons.  Postfix is installed without
# its configuration dialog ("No configuration"), and no service is started
# by the packages' postinst: a policy-rc.d that answers 101 (action
# forbidden) is in place for the time of the install, unless the host has
# one of its own.
set -e
PKGS="build-essential pkg-config clang libclang-rt-14-dev
libmicrohttpd-dev libcurl4-gnutls-dev libjansson-dev libgnutls28-dev
libsodium-dev libsqlite3-dev libssh-dev libcmocka-dev libpsl-dev publicsuffix
libseccomp-dev
dpkg-dev lintian apt-utils gpg gpg-agent gpgconf adduser systemd
curl jq libxml2-utils openssl sqlite3 prometheus iproute2 nftables procps python3
nginx-light php-fpm php-cli bind9 bind9-utils bind9-dnsutils postfix
dovecot-core dovecot-imapd dovecot-lmtpd cron swaks faketime
debootstrap dpkg-dev openssh-client sshpass util-linux
chromium nodejs"
missing=""
command -v npm >/dev/null 2>&1 || missing=" npm"
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
browser_deps() {
	b=$(dirname "$0")/../tests/browser
	cmp -s "$b/package-lock.json" "$b/node_modules/.hostfleet-lock" &&
	    return 0
	echo "npm ci in $b"
	(cd "$b" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts \
	    --no-audit --no-fund --loglevel=error) &&
	    cp "$b/package-lock.json" "$b/node_modules/.hostfleet-lock"
}
if [ -z "$missing" ]; then
	browser_deps
	exit 0
fi
echo "installing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: run as root, or install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
mailname=$(hostname -f 2>/dev/null || hostname 2>/dev/null || echo localhost)
debconf-set-selections <<EOF
postfix postfix/main_mailer_type select No configuration
postfix postfix/mailname string $mailname
EOF
policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\n# tools/deps.sh: no service starts during the install\nexit 101\n' \
	    >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	policy=/usr/sbin/policy-rc.d
	trap 'rm -f "$policy"' EXIT
	trap 'exit 1' INT TERM
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
browser_deps
