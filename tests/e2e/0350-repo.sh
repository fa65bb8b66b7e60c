#!/bin/sh
# The package and the master's apt repository (DESIGN.md §3.1): `make
# deb`'s package is lintian clean; the master serves it, signed with its
# own key, under /repo/ and nothing else there; a machine that pins that
# key installs it with apt, gets the system user and the units (none
# enabled), and upgrades when a new version is published; a wrong key, a
# changed index or a changed signed file make apt refuse.
#
# apt runs in a throwaway copy of this machine: an overlay of / in a mount
# namespace of its own, whose writes stay in the test's work dir, so the
# machine's own apt and dpkg state, users and units are untouched.
. "$(dirname "$0")/lib.sh"

# ---- the package ----
make -s -C "$TOP" build/rel/hostfleet >"$WORK/make.log" 2>&1 ||
    { fail "make build/rel/hostfleet: $(tail -5 "$WORK/make.log")"; exit 1; }
DEB=$(sh "$TOP/tools/mkdeb.sh" "$TOP/build/rel/hostfleet" "$WORK/out" 2>"$WORK/mkdeb.err")
check "mkdeb made a package" test -f "$DEB"
VERSION=$(dpkg-parsechangelog -l "$TOP/packaging/changelog" -S Version)
ARCH=$(dpkg --print-architecture)
assert_eq "the package's name" "$WORK/out/hostfleet_${VERSION}_$ARCH.deb" "$DEB"
assert_eq "the version of the executable" "hostfleet $VERSION" "$("$TOP/build/rel/hostfleet" --version)"
assert_eq "the package's version" "$VERSION" "$(dpkg-deb -f "$DEB" Version)"
check "the executable is stripped" sh -c "dpkg-deb --fsys-tarfile '$DEB' | tar -xO ./usr/bin/hostfleet >'$WORK/bin' && ! readelf -S '$WORK/bin' | grep -q '\.debug_\|\.symtab'"
assert_match "libraries in Depends" 'libmicrohttpd12 \(>= [^)]*\).*libsqlite3-0' "$(dpkg-deb -f "$DEB" Depends)"
assert_eq "the conffile" /etc/hostfleet/master.json "$(dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./conffiles)"
lintian --fail-on error,warning --pedantic -I "$DEB" >"$WORK/lintian.out" 2>&1
rc=$?
assert_eq "lintian passes" 0 "$rc"
assert_nomatch "lintian: no error or warning" '^[EW]: ' "$(cat "$WORK/lintian.out")"

# ---- the master's repository ----
start_master
R=$MSTATE/repo
check "the repository key, made at the master's first start" test -s "$R/hostfleet-archive.gpg"
check "the signing key stays out of the served dir" test -d "$MSTATE/repo-gnupg"
check "an empty index, signed" test -s "$R/dists/hostfleet/InRelease"
out=$("$HF" repo -s "$MSTATE" key)
FPR=$(printf '%s\n' "$out" | sed -n 's/^fingerprint=//p')
assert_match "repo key prints the fingerprint" '^[0-9A-F]{40}$' "$FPR"
# what an enrolling node does: fetch the key over the pinned TLS and check
# its fingerprint is the one the master gave
capi -o "$WORK/key.gpg" "$MURL/repo/hostfleet-archive.gpg"
mkdir -m 700 "$WORK/g0" "$WORK/g1"
got=$(gpg --homedir "$WORK/g0" --batch --with-colons --show-keys "$WORK/key.gpg" 2>/dev/null | sed -n 's/^fpr:::::::::\([0-9A-F]*\):$/\1/p' | head -1)
assert_eq "the served key has the pinned fingerprint" "$FPR" "$got"
out=$("$HF" repo -s "$MSTATE" add "$DEB" 2>&1)
assert_match "repo add" "fingerprint=$FPR" "$out"
check "the package in the pool" test -f "$R/pool/main/h/hostfleet/hostfleet_${VERSION}_$ARCH.deb"
pk=$(capi "$MURL/repo/dists/hostfleet/main/binary-$ARCH/Packages")
assert_match "the index lists it" "Package: hostfleet" "$pk"
assert_match "the index names its file" "Filename: pool/main/h/hostfleet/hostfleet_${VERSION}_$ARCH.deb" "$pk"
check "InRelease verifies with the key" sh -c "gpgv --keyring '$WORK/key.gpg' '$R/dists/hostfleet/InRelease' 2>/dev/null"

# content types, and only the repository's files
ct() { capi -o /dev/null -w '%{http_code} %{content_type}' "$@"; }
assert_eq "a package's type" "200 application/vnd.debian.binary-package" "$(ct "$MURL/repo/pool/main/h/hostfleet/hostfleet_${VERSION}_$ARCH.deb")"
assert_eq "InRelease's type" "200 text/plain; charset=utf-8" "$(ct "$MURL/repo/dists/hostfleet/InRelease")"
assert_eq "Release.gpg's type" "200 application/pgp-signature" "$(ct "$MURL/repo/dists/hostfleet/Release.gpg")"
assert_eq "Packages.gz's type" "200 application/gzip" "$(ct "$MURL/repo/dists/hostfleet/main/binary-$ARCH/Packages.gz")"
check "the served package is the file" cmp -s "$DEB" "$(capi -o "$WORK/got.deb" "$MURL/repo/pool/main/h/hostfleet/hostfleet_${VERSION}_$ARCH.deb" && echo "$WORK/got.deb")"
ln -s ../master.key "$R/leak"
ln -s .. "$R/up"
for p in ../master.key %2e%2e/master.key ..%2fmaster.key leak up/master.key \
    dists dists/ .gnupg /repo-gnupg/pubring.kbx dists/hostfleet/./InRelease \
    'dists//hostfleet/InRelease' nothing; do
	assert_eq "/repo/$p is not served" 404 "$(capi --path-as-is -o /dev/null -w '%{http_code}' "$MURL/repo/$p")"
done
assert_eq "no key of the master's through /repo/" 404 "$(capi --path-as-is -o /dev/null -w '%{http_code}' "$MURL/repo/../master.key")"
assert_eq "read-only" 405 "$(capi -o /dev/null -w '%{http_code}' -X POST -d x=1 "$MURL/repo/dists/hostfleet/InRelease")"
rm -f "$R/leak" "$R/up"

# ---- a machine that installs from it ----
OV=$WORK/ov
mkdir -p "$OV/upper" "$OV/work" "$OV/root"
# inroot SCRIPT: runs SCRIPT as root of the copy (sh -c), its output on
# stdout and stderr
inroot() {
	unshare -m sh -c '
		mount --make-rprivate / &&
		mount -t overlay ovl -o lowerdir=/,upperdir="$1/upper",workdir="$1/work" "$1/root" &&
		mount -t proc proc "$1/root/proc" &&
		mount --rbind /dev "$1/root/dev" &&
		mount -t tmpfs run "$1/root/run" &&
		exec chroot "$1/root" sh -c "$2"' sh "$OV" "$1"
}
# the copy's apt sees only the master's repository, through the pinned
# cluster CA
# (a copy of the CA in the copy's /etc, as an enrolled node has it: apt's
# https method runs as _apt, which cannot enter the master's state dir)
inroot "rm -f /etc/apt/sources.list /etc/apt/sources.list.d/* &&
	rm -rf /var/lib/apt/lists/* &&
	cp '$WORK/key.gpg' /etc/apt/hostfleet-archive.gpg &&
	cp '$MSTATE/ca.pem' /etc/apt/hostfleet-ca.pem && chmod 644 /etc/apt/hostfleet-ca.pem &&
	echo 'deb [signed-by=/etc/apt/hostfleet-archive.gpg] $MURL/repo hostfleet main' >/etc/apt/sources.list.d/hostfleet.list &&
	echo 'Acquire::https::CaInfo \"/etc/apt/hostfleet-ca.pem\";' >/etc/apt/apt.conf.d/90hostfleet" >"$WORK/setup.log" 2>&1 ||
    fail "the copy's apt set up: $(cat "$WORK/setup.log")"
check "the copy is a copy: the machine has no such source" test ! -e /etc/apt/sources.list.d/hostfleet.list
APT="DEBIAN_FRONTEND=noninteractive apt-get -q -o Dpkg::Use-Pty=0"

# the README's local install, as typed from a checkout whose build/ holds
# the package
sed -n '/^## Packages/,/^## /p' "$TOP/README.md" | grep '^    ' | sed 's/^    //' >"$WORK/readme.sh"
assert_eq "the README builds with make deb" "make deb" "$(sed -n 1p "$WORK/readme.sh")"
line=$(grep '^apt install \./' "$WORK/readme.sh")
assert_eq "the README installs the built file" 'apt install ./build/hostfleet_*.deb' "$line"
mkdir -p "$WORK/co/build" && cp "$DEB" "$WORK/co/build/"
inroot "cd '$WORK/co' && $line && dpkg-query -W -f '\${Version}' hostfleet" >"$WORK/readme.log" 2>&1
assert_match "the README's apt install" "$VERSION\$" "$(cat "$WORK/readme.log")"
inroot "$APT purge -y hostfleet" >"$WORK/purge0.log" 2>&1 ||
    fail "purge after the README's install: $(tail -3 "$WORK/purge0.log")"

# the package makes its system user: none in the copy before
inroot "if getent passwd hostfleet >/dev/null; then userdel hostfleet; fi &&
	if getent group hostfleet >/dev/null; then groupdel hostfleet; fi" ||
    fail "no user hostfleet in the copy"
inroot "$APT update" >"$WORK/update1.log" 2>&1
assert_eq "apt-get update from the master" 0 $?
inroot "$APT install -y hostfleet" >"$WORK/install1.log" 2>&1
rc=$?
assert_eq "apt-get install hostfleet ($(tail -3 "$WORK/install1.log"))" 0 "$rc"
assert_eq "installed version" "$VERSION" "$(inroot "dpkg-query -W -f '\${Version}' hostfleet")"
assert_eq "the installed executable" "hostfleet $VERSION" "$(inroot "hostfleet --version")"
assert_match "the system user hostfleet" '^hostfleet:x:[0-9]+:[0-9]+:hostfleet master,*:/var/lib/hostfleet:/usr/sbin/nologin$' "$(inroot "getent passwd hostfleet")"
check "the master's config" inroot "test -f /etc/hostfleet/master.json"
out=$(inroot "ls /lib/systemd/system/hostfleet-master.service /lib/systemd/system/hostfleet-node.service")
assert_match "both units installed" 'hostfleet-node.service' "$out"
assert_eq "no unit enabled by the package" "" "$(inroot "ls /etc/systemd/system/*/hostfleet-* 2>/dev/null")"
out=$(inroot "systemd-analyze verify --man=no /lib/systemd/system/hostfleet-master.service /lib/systemd/system/hostfleet-node.service 2>&1")
assert_eq "systemd-analyze verify: the units are sound" "" "$out"
out=$(inroot "hostfleet master -n -c /etc/hostfleet/master.json")
assert_match "the shipped master config checks" '"state_dir": "/var/lib/hostfleet/master"' "$out"
check "the machine itself has no package hostfleet" sh -c "! dpkg-query -W hostfleet >/dev/null 2>&1"

# ---- an upgrade: a new version published on the master ----
NEXT=$VERSION.1
dpkg-deb -R "$DEB" "$WORK/next"
sed -i "s/^Version: .*/Version: $NEXT/" "$WORK/next/DEBIAN/control"
dpkg-deb --root-owner-group -b "$WORK/next" "$WORK/hostfleet_${NEXT}_$ARCH.deb" >/dev/null
check "publish $NEXT" sh -c "'$HF' repo -s '$MSTATE' add '$WORK/hostfleet_${NEXT}_$ARCH.deb' >/dev/null"
# the same name with other bytes is refused, and the index stays
cp "$R/dists/hostfleet/InRelease" "$WORK/inrelease.before"
sed -i 's/^Description: .*/Description: another/' "$WORK/next/DEBIAN/control"
dpkg-deb --root-owner-group -b "$WORK/next" "$WORK/other.deb" >/dev/null
mkdir -p "$WORK/o" && cp "$WORK/other.deb" "$WORK/o/hostfleet_${NEXT}_$ARCH.deb"
out=$("$HF" repo -s "$MSTATE" add "$WORK/o/hostfleet_${NEXT}_$ARCH.deb" 2>&1)
assert_match "other bytes under a published version refused" 'another package of that name, version and architecture' "$out"
check "the index unchanged by the refusal" cmp -s "$WORK/inrelease.before" "$R/dists/hostfleet/InRelease"
inroot "$APT update && $APT install -y hostfleet" >"$WORK/install2.log" 2>&1
assert_eq "apt-get install upgrades" 0 $?
assert_eq "upgraded version" "$NEXT" "$(inroot "dpkg-query -W -f '\${Version}' hostfleet")"

# ---- refusals ----
# a changed index: a version that was never published, under the old
# signature
for f in Packages Packages.gz; do cp "$R/dists/hostfleet/main/binary-$ARCH/$f" "$WORK/$f.good"; done
sed -i "s/^Version: $NEXT\$/Version: 99.0/" "$R/dists/hostfleet/main/binary-$ARCH/Packages"
gzip -9nc "$R/dists/hostfleet/main/binary-$ARCH/Packages" >"$R/dists/hostfleet/main/binary-$ARCH/Packages.gz"
check "the index was changed" grep -q '^Version: 99.0$' "$R/dists/hostfleet/main/binary-$ARCH/Packages"
inroot "rm -rf /var/lib/apt/lists/* && $APT update" >"$WORK/tamper1.log" 2>&1
check "a changed Packages: apt-get update fails" test $? -ne 0
assert_match "a changed Packages: apt says why" 'Hash Sum mismatch|unexpected size' "$(cat "$WORK/tamper1.log")"
assert_nomatch "a changed Packages: 99.0 is not a candidate" '99\.0' "$(inroot "apt-cache policy hostfleet" 2>&1)"
for f in Packages Packages.gz; do cp "$WORK/$f.good" "$R/dists/hostfleet/main/binary-$ARCH/$f"; done

# a changed signed file: InRelease with a line that is not the signed one
cp "$R/dists/hostfleet/InRelease" "$WORK/InRelease.good"
cp "$R/dists/hostfleet/Release.gpg" "$WORK/Release.gpg.good"
sed -i 's/^Label: hostfleet$/Label: mallory/' "$R/dists/hostfleet/InRelease"
check "InRelease was changed" grep -q '^Label: mallory$' "$R/dists/hostfleet/InRelease"
rm -f "$R/dists/hostfleet/Release.gpg"
inroot "rm -rf /var/lib/apt/lists/* && $APT update" >"$WORK/tamper2.log" 2>&1
check "a changed InRelease: apt-get update fails" test $? -ne 0
assert_match "a changed InRelease: a bad signature" 'BADSIG' "$(cat "$WORK/tamper2.log")"
cp "$WORK/InRelease.good" "$R/dists/hostfleet/InRelease"
cp "$WORK/Release.gpg.good" "$R/dists/hostfleet/Release.gpg"

# a key that is not the master's
gpg --homedir "$WORK/g1" --batch --passphrase '' --quick-gen-key 'not the master' ed25519 sign never 2>/dev/null
gpg --homedir "$WORK/g1" --batch --export >"$WORK/wrong.gpg"
gpgconf --homedir "$WORK/g1" --kill gpg-agent
inroot "cp '$WORK/wrong.gpg' /etc/apt/hostfleet-archive.gpg && rm -rf /var/lib/apt/lists/* && $APT update" >"$WORK/wrongkey.log" 2>&1
check "a wrong key: apt-get update fails" test $? -ne 0
assert_match "a wrong key: apt names the missing key" "NO_PUBKEY" "$(cat "$WORK/wrongkey.log")"
# and with the right key again, all is well: the refusals were the key's
# and the files', not the master's
inroot "cp '$WORK/key.gpg' /etc/apt/hostfleet-archive.gpg && rm -rf /var/lib/apt/lists/* && $APT update" >"$WORK/update3.log" 2>&1
assert_eq "the right key again: apt-get update" 0 $?

# ---- removal ----
inroot "$APT purge -y hostfleet" >"$WORK/purge.log" 2>&1
assert_eq "apt-get purge hostfleet" 0 $?
check "purged: no executable" inroot "test ! -e /usr/bin/hostfleet"
assert_eq "purged: the package is gone" "" "$(inroot "dpkg-query -W -f '\${Status}' hostfleet 2>/dev/null | grep ' installed'")"
check "purged: the conffile is gone" inroot "test ! -e /etc/hostfleet/master.json"
check "purged: the system user stays (its files may outlive the package)" inroot "getent passwd hostfleet >/dev/null"
