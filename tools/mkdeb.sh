#!/bin/sh
# tools/mkdeb.sh BINARY OUTDIR - the hostfleet Debian package, made with
# dpkg-deb from a staged tree (`make deb`): the executable (stripped), the
# systemd units, the master's default config (a conffile), the man page,
# the documentation, and packaging/'s control file and maintainer scripts.
# Prints the path of the .deb it wrote.
#
# The version is the top entry of packaging/changelog, which the
# executable was built with too (hostfleet --version); the library
# dependencies are dpkg-shlibdeps's.
set -eu
umask 022
BIN=$1
mkdir -p "$2"
OUT=$(cd "$2" && pwd)
TOP=$(cd "$(dirname "$0")/.." && pwd)
P=$TOP/packaging

VERSION=$(dpkg-parsechangelog -l "$P/changelog" -S Version)
ARCH=$(dpkg --print-architecture)
built=$("$BIN" --version)
if [ "$built" != "hostfleet $VERSION" ]; then
	echo "mkdeb: $BIN says \"$built\", packaging/changelog $VERSION" >&2
	exit 1
fi
# the package's files get the changelog's date, so that two builds of one
# version are the same bytes
SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l "$P/changelog" -S Timestamp)
export SOURCE_DATE_EPOCH

STAGE=$OUT/deb/hostfleet
rm -rf "$OUT/deb"
mkdir -p "$STAGE/DEBIAN" "$STAGE/usr/bin" "$STAGE/lib/systemd/system" \
    "$STAGE/etc/hostfleet" "$STAGE/usr/share/man/man1" \
    "$STAGE/usr/share/doc/hostfleet"

install -m 755 "$BIN" "$STAGE/usr/bin/hostfleet"
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
    "$STAGE/usr/bin/hostfleet"
install -m 644 "$P/hostfleet-master.service" "$P/hostfleet-node.service" \
    "$STAGE/lib/systemd/system/"
install -m 644 "$P/master.json" "$STAGE/etc/hostfleet/master.json"
sed "s/@VERSION@/$VERSION/" "$P/hostfleet.1" |
    gzip -9n >"$STAGE/usr/share/man/man1/hostfleet.1.gz"
install -m 644 "$P/copyright" "$STAGE/usr/share/doc/hostfleet/copyright"
# a native package: its changelog is changelog.gz
gzip -9n <"$P/changelog" >"$STAGE/usr/share/doc/hostfleet/changelog.gz"
gzip -9n <"$TOP/README.md" >"$STAGE/usr/share/doc/hostfleet/README.md.gz"
gzip -9n <"$TOP/docs/operations.md" \
    >"$STAGE/usr/share/doc/hostfleet/operations.md.gz"
gzip -9n <"$TOP/docs/api.md" >"$STAGE/usr/share/doc/hostfleet/api.md.gz"
mkdir -p "$STAGE/usr/share/lintian/overrides"
install -m 644 "$P/lintian-overrides" \
    "$STAGE/usr/share/lintian/overrides/hostfleet"
find "$STAGE/usr/share" -type f -exec chmod 644 {} +

# the libraries the executable links, as dpkg-shlibdeps names their
# packages (it wants a debian/control to read, which a binary-only build
# has not: a minimal one in a scratch dir)
SH=$OUT/deb/shlibs
mkdir -p "$SH/debian"
printf 'Source: hostfleet\n\nPackage: hostfleet\nArchitecture: any\n' \
    >"$SH/debian/control"
SHLIBS=$(cd "$SH" && dpkg-shlibdeps -O "$STAGE/usr/bin/hostfleet" |
    sed -n 's/^shlibs:Depends=//p')
rm -rf "$SH"
[ -n "$SHLIBS" ] || { echo "mkdeb: dpkg-shlibdeps found no library" >&2; exit 1; }

for s in postinst prerm postrm; do
	install -m 755 "$P/$s" "$STAGE/DEBIAN/$s"
done
echo /etc/hostfleet/master.json >"$STAGE/DEBIAN/conffiles"
chmod 644 "$STAGE/DEBIAN/conffiles"
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o \
    -type f -print | sed 's|^\./||' | LC_ALL=C sort | xargs md5sum) \
    >"$STAGE/DEBIAN/md5sums"
chmod 644 "$STAGE/DEBIAN/md5sums"
SIZE=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$SIZE/" \
    -e "s/@SHLIBS@/$SHLIBS/" "$P/control.in" >"$STAGE/DEBIAN/control"
chmod 644 "$STAGE/DEBIAN/control"

DEB=hostfleet_${VERSION}_$ARCH.deb
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$OUT/$DEB" >/dev/null
echo "$2/$DEB"
