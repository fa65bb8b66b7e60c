# box.sh - "a real node machine" for the enrollment tests (issue 11): a
# Debian 12 root file system with its own OpenSSH server, run in its own
# mount, PID, network, UTS and IPC namespaces at its own address.  Sourced
# after lib.sh:
#
#   . "$TOP/tests/e2e/lib.sh"; . "$TOP/tests/e2e/box.sh"
#
#   box_tree           builds once (debootstrap --variant=minbase, from the
#                      mirror the host's own apt uses) and then reuses the
#                      tree cached at BOX_TREE, $BOX_CACHE/bookworm-base-HASH
#                      (HASH: of its recipe)
#   box_local_repo     builds once and reuses BOX_REPO,
#                      $BOX_CACHE/roles-repo-HASH: an unsigned apt
#                      repository of the roles' packages and the agent's
#                      libraries, with every dependency the tree lacks
#   box_start NAME [PASSWORD]
#                      a machine: an overlay on the tree (its writes in
#                      $WORK/box-NAME), its own namespaces and cgroups,
#                      eth0 at box_addr NAME on a veth pair to the host,
#                      root's password set, systemd booted, sshd answering
#                      on port 22; the roles' repository, when built, as a
#                      file: source
#   box_addr NAME      the machine's address; box_gw NAME the host's end
#   box_exec NAME CMD...
#                      CMD run as root inside the machine (its root, its
#                      namespaces), with its exit status
#   box_ssh NAME CMD...
#                      CMD over SSH as root with the password (sshpass)
#   box_authorize NAME PUBKEYFILE
#                      the key logs in as root (root's authorized_keys)
#   box_stop NAME      the machine's processes killed, its netns, veth and
#                      cgroups gone (its mounts lived only in its mount
#                      namespace)
#
# Every machine still up is stopped at exit (lib.sh's teardown runs the
# hooks added with at_exit).  Nothing here writes to the host's /etc, its
# accounts or its packages: debootstrap writes only the new tree, the
# machine's writes land in its overlay's upper dir, and apt-get runs on
# the host only to download .deb files into the cache.  On the host a
# machine adds only its netns, its veth (route_localnet on its own end)
# and its cgroup dirs, all removed by box_stop.
#
# The machine reaches the test's own 127.N.0.x addresses (lib.sh's $NET,
# where start_master listens) over the veth pair: those routes go to the
# host, and route_localnet on both ends of the pair lets 127.N.0.x cross
# it.  The machine reaches nothing else: it has no default route.
#
# The machine's PID 1 is systemd, as on a real node: ssh.service runs
# sshd, a package's postinst starts its service, systemctl works.  It runs
# in a cgroup of its own (removed by box_stop), with container= set, /sys
# and the kernel's settings (/proc/sys but net) read-only, and without the
# capabilities to load modules or set the clock.  BOX_INIT_MODE=bash makes
# PID 1 a bash that runs only sshd, for hosts where systemd cannot boot
# (no cgroup hierarchy for it): there no service starts by itself.  This
# is isolation for tests, not a security boundary: the machine's root is
# the host's.
#
# The cache holds a tree and a repository for each recipe (BOX_INCLUDE,
# BOX_REPO_PKGS with BOX_REPO_EXTRA) it has seen; those of old recipes can
# be removed by hand while no test runs.
# docs/internals/testing.md tells more, with timings.

# shellcheck disable=SC3043 # local: dash and bash have it
# shellcheck disable=SC2016 # BOX_SETUP and BOX_BASH_INIT run in the machine

BOX_CACHE=${BOX_CACHE:-/var/cache/hostfleet-test}
BOX_SUITE=bookworm
# What an enrolled node needs besides minbase: systemd as its init, sshd
# (and sftp) for the master, adduser and sudo for ispmaster, ca-certificates and gpg for a
# signed repository over HTTPS, procps and iproute2 for the agent's stats
# and the tests.  A change here (or in BOX_RECIPE) rebuilds the tree.
BOX_INCLUDE=systemd,systemd-sysv,openssh-server,openssh-sftp-server,ca-certificates,sudo,adduser,gpg,procps,iproute2
BOX_RECIPE="2 $BOX_SUITE minbase $BOX_INCLUDE"
# The machine's init: systemd (as on a real node; services start and
# systemctl works), or bash, which runs only sshd
BOX_INIT_MODE=${BOX_INIT_MODE:-systemd}
# The roles' packages (sysdata.c's software defaults) and the hostfleet
# package's dependencies (its libraries and packaging/control.in's
# Depends): the roles' repository holds them and all they need.
# A test that needs more names them in BOX_REPO_EXTRA (before sourcing):
# the repository is then rebuilt with them.
BOX_REPO_PKGS="nftables cron nginx-light php-fpm bind9 bind9-utils postfix
dovecot-core dovecot-imapd dovecot-lmtpd libmicrohttpd12 libcurl3-gnutls
libjansson4 libgnutls30 libsodium23 libsqlite3-0 libssh-4 libpsl5
libseccomp2 publicsuffix adduser apt-utils gpg gpg-agent gpgconf
${BOX_REPO_EXTRA:-}"
# shellcheck disable=SC2086,SC2116 # the list on one line
BOX_REPO_RECIPE="1 $(echo $BOX_REPO_PKGS) / $BOX_RECIPE"
# One tree and one repository per recipe, named by its hash: checkouts of
# different recipes share the cache without rebuilding each other's, and
# a complete one is never replaced (a machine's lower dir stays put).
box_hash() { printf '%s' "$1" | sha256sum | cut -c1-8; }
BOX_TREE=$BOX_CACHE/$BOX_SUITE-base-$(box_hash "$BOX_RECIPE")
BOX_REPO=$BOX_CACHE/roles-repo-$(box_hash "$BOX_REPO_RECIPE")
# the longest a machine lives, in seconds: one left by a test killed
# before its teardown ends by itself (run.sh gives a test 600 s)
BOX_LIVE_MAX=${BOX_LIVE_MAX:-900}
BOX_LIST=""
BOX_N=0

box_say() { printf '%s: box: %s\n' "$TNAME" "$*"; }

# box_mirror: the Debian mirror of the host's own apt for $BOX_SUITE
# (deb822 .sources or one-line sources.list); $BOX_MIRROR overrides it.
box_mirror() {
	if [ -n "${BOX_MIRROR:-}" ]; then echo "$BOX_MIRROR"; return; fi
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v s="$BOX_SUITE" '
			/^[ \t]*$/ { if (u && ok) { print u; exit } u = ""; ok = 0; next }
			/^URIs:/ { u = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) ok = 1 }
			END { if (u && ok) print u }' "$f"
	done | head -n 1 | grep . && return
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -n "s/^deb  *\(\[[^]]*\]  *\)\{0,1\}\([^ ]*\)  *$BOX_SUITE  *.*main.*/\2/p" "$f"
	done | head -n 1 | grep . && return
	return 1
}

# box_tree: BOX_TREE built if missing or of another recipe; 0 or -1 (the
# test fails, saying why).
box_tree() {
	local tmp mirror t0
	if [ "$(cat "$BOX_TREE/.hostfleet-recipe" 2>/dev/null)" = "$BOX_RECIPE" ]; then
		return 0
	fi
	mkdir -p "$BOX_CACHE" || { fail "box: cannot make $BOX_CACHE"; return 1; }
	exec 8>"$BOX_TREE.lock"
	# one build at a time; another run waits for it and then reuses it
	if ! flock -w 900 8; then
		exec 8>&-; fail "box: $BOX_TREE.lock held for 15 min"; return 1
	fi
	if [ "$(cat "$BOX_TREE/.hostfleet-recipe" 2>/dev/null)" = "$BOX_RECIPE" ]; then
		exec 8>&-; return 0
	fi
	if ! command -v debootstrap >/dev/null; then
		exec 8>&-; fail "box: no debootstrap (tools/deps.sh installs it)"; return 1
	fi
	mirror=$(box_mirror) || {
		exec 8>&-
		fail "box: no $BOX_SUITE mirror in /etc/apt (set BOX_MIRROR)"; return 1
	}
	tmp=$(mktemp -d "$BOX_CACHE/.build.XXXXXX") || {
		exec 8>&-; fail "box: mktemp in $BOX_CACHE"; return 1; }
	box_say "building $BOX_TREE from $mirror (once; log in $tmp.log)"
	t0=$(date +%s)
	if ! debootstrap --variant=minbase --include="$BOX_INCLUDE" \
	    "$BOX_SUITE" "$tmp" "$mirror" >"$tmp.log" 2>&1; then
		tail -20 "$tmp.log"
		mv "$tmp.log" "$BOX_TREE.log"
		rm -rf "$tmp"; exec 8>&-
		fail "box: debootstrap of $BOX_SUITE from $mirror failed"; return 1
	fi
	# No source of its own: the machine has no way out; its packages come
	# from the master's repository and the roles' one (box_start).
	printf '# hostfleet-test: the machine has no route out; see box.sh\n' \
	    >"$tmp/etc/apt/sources.list"
	rm -rf "${tmp:?}/var/cache/apt/archives/"*.deb "${tmp:?}/var/lib/apt/lists/"* \
	    "$tmp/etc/ssh/ssh_host_"*
	echo "$BOX_RECIPE" >"$tmp/.hostfleet-recipe"
	# one without its stamp is an unfinished copy: no machine runs on it
	rm -rf "$BOX_TREE"
	mv "$tmp" "$BOX_TREE"
	mv "$tmp.log" "$BOX_TREE.log"
	box_say "built in $(( $(date +%s) - t0 )) s, $(du -sh "$BOX_TREE" | cut -f1)"
	exec 8>&-
}

# box_local_repo: BOX_REPO built if missing or of another recipe (or for
# another tree): the packages of BOX_REPO_PKGS and every dependency that
# the tree has not, without recommends, in the versions the host's apt
# would pick (its sources, bookworm-updates and -security too).  apt-get
# runs with a state of its own: the tree's dpkg status, private lists and
# a private archive dir; .deb files the host already has in
# /var/cache/apt/archives are copied, the others downloaded.  The
# repository is flat and unsigned (a Release with the Packages' hashes but
# no signature): machines use it as [trusted=yes], the test repository
# only.  0 or -1 (the test fails, saying why).
box_local_repo() {
	local tmp log t0 want uris have n f
	box_tree || return 1
	want=$BOX_REPO_RECIPE
	if [ "$(cat "$BOX_REPO/.hostfleet-recipe" 2>/dev/null)" = "$want" ]; then
		return 0
	fi
	exec 8>"$BOX_REPO.lock"
	if ! flock -w 900 8; then
		exec 8>&-; fail "box: $BOX_REPO.lock held for 15 min"; return 1
	fi
	if [ "$(cat "$BOX_REPO/.hostfleet-recipe" 2>/dev/null)" = "$want" ]; then
		exec 8>&-; return 0
	fi
	tmp=$(mktemp -d "$BOX_CACHE/.repo.XXXXXX") && chmod 755 "$tmp" || {
		exec 8>&-; fail "box: mktemp in $BOX_CACHE"; return 1; }
	log=$BOX_REPO.log
	: >"$log"
	box_say "building $BOX_REPO (once; log in $log)"
	t0=$(date +%s)
	mkdir -p "$tmp/lists/partial" "$tmp/cache" "$tmp/pool/partial" "$tmp/etc"
	: >"$tmp/etc/preferences"
	# the host's lists are copied when it has them (read only), else
	# updated privately from the host's sources
	cp /var/lib/apt/lists/*_Packages* /var/lib/apt/lists/*Release \
	    "$tmp/lists/" 2>/dev/null
	set -- -q -o Debug::NoLocking=1 \
	    -o Dir::State::status="$BOX_TREE/var/lib/dpkg/status" \
	    -o Dir::State::lists="$tmp/lists" \
	    -o Dir::State::extended_states="$tmp/extended_states" \
	    -o Dir::Cache="$tmp/cache" -o Dir::Cache::archives="$tmp/pool" \
	    -o Dir::Etc::preferences="$tmp/etc/preferences" \
	    -o APT::Install-Recommends=false -o APT::Install-Suggests=false
	# shellcheck disable=SC2086 # a list of package names
	if ! apt-get "$@" install -s -y $BOX_REPO_PKGS >>"$log" 2>&1; then
		box_say "the host's lists do not do: updating privately"
		if ! apt-get "$@" update >>"$log" 2>&1; then
			tail -20 "$log"; rm -rf "$tmp"; exec 8>&-
			fail "box: apt-get update (private lists) failed"; return 1
		fi
	fi
	# shellcheck disable=SC2086
	uris=$(apt-get "$@" install --print-uris -qq -y $BOX_REPO_PKGS 2>>"$log") || {
		tail -20 "$log"; rm -rf "$tmp"; exec 8>&-
		fail "box: no closure for the roles' packages"; return 1
	}
	for f in $(printf '%s\n' "$uris" | awk '{print $2}'); do
		[ -f "/var/cache/apt/archives/$f" ] &&
		    cp "/var/cache/apt/archives/$f" "$tmp/pool/"
	done
	have=$(find "$tmp/pool" -name '*.deb' | wc -l)
	# shellcheck disable=SC2086
	if ! apt-get "$@" install -d -y $BOX_REPO_PKGS >>"$log" 2>&1; then
		tail -20 "$log"; rm -rf "$tmp"; exec 8>&-
		fail "box: downloading the roles' packages failed"; return 1
	fi
	rm -rf "${tmp:?}/pool/partial" "${tmp:?}/pool/lock" "${tmp:?}/lists" \
	    "${tmp:?}/cache" "${tmp:?}/etc" "${tmp:?}/extended_states"
	n=$(find "$tmp/pool" -name '*.deb' | wc -l)
	if [ "$n" -ne "$(printf '%s\n' "$uris" | grep -c .)" ]; then
		rm -rf "$tmp"; exec 8>&-
		fail "box: $n .deb files, but apt named $(printf '%s\n' "$uris" | grep -c .)"
		return 1
	fi
	(cd "$tmp" && dpkg-scanpackages -m pool /dev/null >Packages 2>>"$log" &&
	    gzip -9nk Packages && {
		echo "Origin: hostfleet-test"
		echo "Label: hostfleet-test roles"
		echo "Date: $(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S UTC')"
		echo "SHA256:"
		for f in Packages Packages.gz; do
			echo " $(sha256sum "$f" | cut -d' ' -f1) $(stat -c %s "$f") $f"
		done
	    } >Release) || {
		rm -rf "$tmp"; exec 8>&-; fail "box: dpkg-scanpackages failed"; return 1
	}
	echo "$want" >"$tmp/.hostfleet-recipe"
	chmod -R a+rX "$tmp"
	rm -rf "$BOX_REPO"
	mv "$tmp" "$BOX_REPO"
	box_say "built in $(( $(date +%s) - t0 )) s: $n packages ($have from the host's cache), $(du -sh "$BOX_REPO" | cut -f1)"
	exec 8>&-
}

box_var() { eval "printf '%s\n' \"\${BOX_$2_$1:-}\""; }
box_addr() { box_var "$1" ADDR; }
box_gw() { box_var "$1" GW; }
box_pid() { box_var "$1" PID1; }

# The machine's setup, run by bash in its root before its init, with its
# name and the path of the roles' repository (or nothing): root's password
# from stdin, the host keys, sshd's configuration, the roles' source.
# Everything it writes is inside the machine.
BOX_SETUP='set -e
name=$1 repo=$2
IFS= read -r pw
echo "root:$pw" | chpasswd
unset pw
echo "$name" >/etc/hostname
printf "127.0.1.1\t%s\n" "$name" >>/etc/hosts
ssh-keygen -A >/dev/null
cat >/etc/ssh/sshd_config.d/hostfleet-test.conf <<X
# box.sh: root logs in with its password or a key
PermitRootLogin yes
PasswordAuthentication yes
PubkeyAuthentication yes
X
if [ -n "$repo" ]; then
	echo "deb [trusted=yes] file:/srv/hostfleet-roles ./" \
	    >/etc/apt/sources.list.d/hostfleet-roles.list
fi
: >/run/hostfleet-box.ready'

# The machine's PID 1 with BOX_INIT_MODE=bash: sshd in the foreground
# under a bash that reaps every child, orphans too, as they end.
BOX_BASH_INIT='mkdir -p -m 755 /run/sshd
/usr/sbin/sshd -D -e 2>>/var/log/sshd.log &
trap "exit 0" TERM
while :; do sleep 60; done'

# What no process of a machine may do, whatever it runs: load modules, set
# the clock, raw I/O, the kernel's log (setpriv's bounding set).
BOX_CAPS_DROPPED=-sys_module,-sys_time,-sys_rawio,-syslog,-wake_alarm,-sys_pacct

# box_cgroups NAME: the cgroup dirs of systemd in machine NAME on this
# host, and how they are mounted in it: "v2 DIR" (cgroup2 at
# /sys/fs/cgroup) or "hybrid DIR [DIR]" (name=systemd, and cgroup2 at
# unified when the host has it); 1 when the host has neither.
box_cgroups() {
	if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
		echo "v2 /sys/fs/cgroup/$1"
	elif [ "$(stat -fc %T /sys/fs/cgroup/systemd 2>/dev/null)" = cgroupfs ]; then
		if [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
			echo "hybrid /sys/fs/cgroup/systemd/$1 /sys/fs/cgroup/unified/$1"
		else
			echo "hybrid /sys/fs/cgroup/systemd/$1"
		fi
	else
		return 1
	fi
}

# box_rmcg DIR...: the cgroup dirs removed, their children first, once the
# machine's processes have left them (5 s at most); 1 when some are left.
box_rmcg() {
	local n c
	n=0; c=
	while [ $n -lt 50 ]; do
		for c in "$@"; do
			[ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
		done
		for c in "$@"; do [ -d "$c" ] && break; c=; done
		[ -z "$c" ] && return 0
		sleep 0.1; n=$((n + 1))
	done
	return 1
}

# box_overlay_ok DIR: an overlay on the tree can be mounted on DIR/root
# (tried in a mount namespace of its own); BOX_OVERLAY=no says no, to try
# the fallback.  Why not in DIR/overlay.err.
box_overlay_ok() {
	if [ "${BOX_OVERLAY:-yes}" = no ]; then
		echo "BOX_OVERLAY=no" >"$1/overlay.err"; return 1
	fi
	unshare --mount --propagation private sh -c 'mount -t overlay overlay \
	    -o "lowerdir=$1,upperdir=$2/upper,workdir=$2/work" "$2/root"' \
	    sh "$BOX_TREE" "$1" 2>"$1/overlay.err"
}

# box_start NAME [PASSWORD]: the machine NAME up, sshd answering; root's
# password is PASSWORD (default box-pass-$$), kept as BOX_PW_NAME.  0 or -1.
box_start() {
	local b pw dir ns hif sub gw addr lower repo n p u cgs cgmode cgflag
	b=$1; pw=${2:-box-pass-$$}
	case $b in
	*[!a-z0-9]*|'') fail "box: name [$b]: only a-z 0-9"; return 1 ;;
	esac
	if [ "$(cat "$BOX_TREE/.hostfleet-recipe" 2>/dev/null)" != "$BOX_RECIPE" ]; then
		fail "box $b: no tree (box_tree builds it)"; return 1
	fi
	BOX_N=$((BOX_N + 1))
	if [ $BOX_N -gt 60 ]; then fail "box $b: more than 60 machines"; return 1; fi
	dir=$WORK/box-$b
	ns=hfbox$TNUM-$b
	hif=hfb$TNUM-$BOX_N
	sub=$((TNUM % 250))
	gw=10.231.$sub.$((BOX_N * 4 + 1))
	addr=10.231.$sub.$((BOX_N * 4 + 2))
	eval "BOX_ADDR_$b=$addr BOX_GW_$b=$gw BOX_NS_$b=$ns BOX_IF_$b=$hif BOX_PW_$b=\$pw BOX_PID1_$b= BOX_UNSHARE_$b= BOX_TIMEOUT_$b= BOX_CG_$b="
	BOX_LIST="$BOX_LIST $b"
	mkdir -p "$dir/upper" "$dir/work" "$dir/root" || return 1
	# overlay when this kernel and $WORK's file system take it
	lower=$BOX_TREE
	if ! box_overlay_ok "$dir"; then
		box_say "$b: no overlayfs here ($(cat "$dir/overlay.err")):" \
		    "copying the tree (cp -a), slower"
		cp -a "$BOX_TREE/." "$dir/root/" || {
			fail "box $b: cp -a of the tree"; return 1; }
		lower=
	fi
	# the network: a veth pair, the host's end at gw, the machine's eth0
	# at addr; the test's 127.N.0.x addresses routed to the host
	# a run killed before its teardown may have left them: names are ours
	if [ -e "/run/netns/$ns" ]; then
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
	fi
	ip link del "$hif" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	ip netns add "$ns" || { fail "box $b: ip netns add $ns"; return 1; }
	ip link add "$hif" type veth peer name eth0 netns "$ns" &&
	    ip addr add "$gw/30" dev "$hif" &&
	    echo 1 >"/proc/sys/net/ipv4/conf/$hif/route_localnet" &&
	    ip link set "$hif" up &&
	    ip -n "$ns" link set lo up &&
	    ip -n "$ns" addr add "$addr/30" dev eth0 &&
	    ip netns exec "$ns" sh -c \
		'echo 1 >/proc/sys/net/ipv4/conf/eth0/route_localnet' &&
	    ip -n "$ns" link set eth0 up &&
	    ip -n "$ns" route add "$NET.0/24" via "$gw" table local ||
	    { fail "box $b: veth $hif - $ns"; return 1; }
	# its cgroups (systemd): a run killed before its teardown may have
	# left them too
	cgmode=; cgs=; cgflag=
	if [ "$BOX_INIT_MODE" = systemd ]; then
		cgs=$(box_cgroups "$ns") || {
			fail "box $b: no cgroup hierarchy for systemd here (BOX_INIT_MODE=bash runs sshd under bash)"
			return 1; }
		cgmode=${cgs%% *}; cgs=${cgs#* }
		# shellcheck disable=SC2086 # a list of dirs
		box_rmcg $cgs && mkdir $cgs ||
		    { fail "box $b: cgroups $cgs"; return 1; }
		cgflag=--cgroup
	elif [ "$BOX_INIT_MODE" != bash ]; then
		fail "box $b: BOX_INIT_MODE=$BOX_INIT_MODE: systemd or bash"; return 1
	fi
	eval "BOX_CG_$b=\$cgs"
	# the machine: its PID 1 (systemd, or bash with sshd under it) in its
	# namespaces, killed with them after BOX_LIVE_MAX s
	# (unshare --net=FILE would make a new netns and bind it on FILE)
	repo=
	[ -f "$BOX_REPO/Release" ] && repo=$BOX_REPO
	(umask 077 && printf '%s\n' "$pw" >"$dir/rootpw") || return 1
	setsid timeout -s KILL "$BOX_LIVE_MAX" nsenter --net="/run/netns/$ns" \
	    sh -c 'for c in $1; do echo $$ >"$c/cgroup.procs" || exit 1; done
		shift; exec unshare "$@"' sh "$cgs" \
	    --mount --pid --uts --ipc $cgflag --fork --kill-child \
	    --propagation private \
	    sh -c '
		set -e
		d=$1 lower=$2 repo=$3 name=$4 mode=$7 cgmode=$8 r=$1/root
		if [ -n "$lower" ]; then
			mount -t overlay overlay \
			    -o "lowerdir=$lower,upperdir=$d/upper,workdir=$d/work" "$r"
		else
			mount --bind "$r" "$r"
		fi
		mount -t proc proc "$r/proc"
		# the kernel settings stay the hosts: read-only but for the
		# machines own network
		mount --bind "$r/proc/sys" "$r/proc/sys"
		mount -o remount,bind,ro "$r/proc/sys"
		mount --bind "$r/proc/sys/net" "$r/proc/sys/net"
		mount -o remount,bind,rw "$r/proc/sys/net"
		if [ -e "$r/proc/sysrq-trigger" ]; then
			mount --bind "$r/proc/sysrq-trigger" "$r/proc/sysrq-trigger"
			mount -o remount,bind,ro "$r/proc/sysrq-trigger"
		fi
		mount -t sysfs -o ro sysfs "$r/sys"
		case $cgmode in
		v2)
			mount -t cgroup2 cgroup2 "$r/sys/fs/cgroup" ;;
		hybrid)
			mount -t tmpfs -o mode=755,size=1m tmpfs "$r/sys/fs/cgroup"
			mkdir "$r/sys/fs/cgroup/systemd"
			mount -t cgroup -o none,name=systemd cgroup \
			    "$r/sys/fs/cgroup/systemd"
			if [ -d /sys/fs/cgroup/unified ]; then
				mkdir "$r/sys/fs/cgroup/unified"
				mount -t cgroup2 cgroup2 "$r/sys/fs/cgroup/unified"
			fi ;;
		esac
		mount -t tmpfs -o mode=755,size=64m tmpfs "$r/dev"
		mknod -m 666 "$r/dev/null" c 1 3
		mknod -m 666 "$r/dev/zero" c 1 5
		mknod -m 666 "$r/dev/full" c 1 7
		mknod -m 666 "$r/dev/random" c 1 8
		mknod -m 666 "$r/dev/urandom" c 1 9
		mknod -m 666 "$r/dev/tty" c 5 0
		mkdir -m 755 "$r/dev/pts" && mkdir -m 1777 "$r/dev/shm"
		mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$r/dev/pts"
		ln -s pts/ptmx "$r/dev/ptmx"
		ln -s /proc/self/fd "$r/dev/fd"
		ln -s /proc/self/fd/0 "$r/dev/stdin"
		ln -s /proc/self/fd/1 "$r/dev/stdout"
		ln -s /proc/self/fd/2 "$r/dev/stderr"
		mount -t tmpfs -o mode=755,size=64m tmpfs "$r/run"
		mount -t tmpfs -o mode=1777,size=256m tmpfs "$r/tmp"
		if [ -n "$repo" ]; then
			mkdir -p "$r/srv/hostfleet-roles"
			mount --bind "$repo" "$r/srv/hostfleet-roles"
			mount -o remount,bind,ro "$r/srv/hostfleet-roles"
		fi
		hostname "$name"
		P=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
		chroot "$r" /usr/bin/env -i HOME=/root LC_ALL=C PATH=$P \
		    /bin/bash -c "$5" setup "$name" "$repo" <"$d/rootpw"
		if [ "$mode" = systemd ]; then
			exec setpriv --bounding-set "$9" chroot "$r" /usr/bin/env -i \
			    container=hostfleet-test PATH=$P /lib/systemd/systemd
		fi
		exec setpriv --bounding-set "$9" chroot "$r" /usr/bin/env -i \
		    HOME=/root LC_ALL=C PATH=$P /bin/bash -c "$6" init
	    ' sh "$dir" "$lower" "$repo" "$b" "$BOX_SETUP" "$BOX_BASH_INIT" \
	    "$BOX_INIT_MODE" "$cgmode" "$BOX_CAPS_DROPPED" \
	    >"$dir/init.out" 2>&1 </dev/null &
	eval "BOX_TIMEOUT_$b=$!"
	# its PID 1 is the child of unshare, the child of timeout
	n=0; p=; u=
	while [ $n -lt 100 ]; do
		u=$(awk '{print $1}' "/proc/$!/task/$!/children" 2>/dev/null)
		if [ -n "$u" ] && [ "$(cat "/proc/$u/comm" 2>/dev/null)" = unshare ]; then
			p=$(awk '{print $1}' "/proc/$u/task/$u/children" 2>/dev/null)
			[ -n "$p" ] && break
		fi
		sleep 0.1; n=$((n + 1))
	done
	if [ -z "$p" ]; then
		fail "box $b: did not start: $(cat "$dir/init.out")"; return 1
	fi
	eval "BOX_PID1_$b=$p BOX_UNSHARE_$b=$u"
	# ready: in its root (/proc/PID/root is the machine's /), set up
	wait_for "box $b: up" 30 test -e "/proc/$p/root/run/hostfleet-box.ready"
	n=$?
	rm -f "$dir/rootpw"
	if [ $n -ne 0 ]; then
		box_say "$b: PID 1 $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>&1)," \
		    "root $(readlink "/proc/$p/root" 2>&1)"
		cat "$dir/init.out"; return 1
	fi
	if ! wait_for "box $b: sshd on $addr:22" 30 box_keyscan "$b"; then
		cat "$dir/init.out"; tail -5 "$dir/upper/var/log/sshd.log" 2>/dev/null
		return 1
	fi
}

# box_keyscan NAME: sshd answers; its keys in $WORK/box-NAME/known_hosts.
box_keyscan() {
	local k
	k=$(ssh-keyscan -T 2 "$(box_addr "$1")" 2>/dev/null) && [ -n "$k" ] &&
	    printf '%s\n' "$k" >"$WORK/box-$1/known_hosts"
}

# box_exec NAME CMD...: CMD as root in the machine, in a clean environment.
box_exec() {
	local p
	p=$(box_pid "$1"); shift
	[ -n "$p" ] || { echo "box_exec: no such machine" >&2; return 127; }
	# never the host's root: only a process that is in the machine's
	if [ ! -e "/proc/$p/root/run/hostfleet-box.ready" ] ||
	    [ "$(readlink "/proc/$p/root")" = / ]; then
		echo "box_exec: the machine is not up" >&2; return 127
	fi
	nsenter -t "$p" -m -u -i -n -p -r -w env -i HOME=/root LC_ALL=C \
	    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	    "$@"
}

# box_ssh NAME CMD...: CMD over SSH as root with the password; the host
# key must be the one box_start saw.
box_ssh() {
	local b
	b=$1; shift
	SSHPASS=$(box_var "$b" PW) sshpass -e ssh -o BatchMode=no \
	    -o StrictHostKeyChecking=yes \
	    -o UserKnownHostsFile="$WORK/box-$b/known_hosts" \
	    -o PreferredAuthentications=password -o PubkeyAuthentication=no \
	    -o ConnectTimeout=10 -o LogLevel=ERROR \
	    root@"$(box_addr "$b")" "$@"
}

# box_authorize NAME PUBKEYFILE: the key logs in as root.
box_authorize() {
	box_exec "$1" sh -c 'umask 077; mkdir -p /root/.ssh &&
	    cat >>/root/.ssh/authorized_keys' <"$2"
}

# box_stop NAME: the machine's PID 1 killed (and so every process in it,
# and its mounts with its mount namespace), its veth pair and netns gone.
box_stop() {
	local b p u t ns hif l x
	b=$1
	p=$(box_var "$b" PID1); u=$(box_var "$b" UNSHARE); t=$(box_var "$b" TIMEOUT)
	ns=$(box_var "$b" NS); hif=$(box_var "$b" IF)
	[ -n "$p" ] && kill -KILL "$p" 2>/dev/null
	# and anything else in its network namespace (box_exec's commands)
	if [ -n "$ns" ] && [ -e "/run/netns/$ns" ]; then
		for x in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$x" 2>/dev/null
		done
	fi
	[ -n "$u" ] && kill -KILL "$u" 2>/dev/null
	[ -n "$t" ] && { kill -KILL "$t" 2>/dev/null; wait "$t" 2>/dev/null; }
	[ -n "$hif" ] && ip link del "$hif" 2>/dev/null
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	# shellcheck disable=SC2046 # a list of dirs
	box_rmcg $(box_var "$b" CG) || fail "box $b: its cgroups are left"
	eval "BOX_PID1_$b= BOX_UNSHARE_$b= BOX_TIMEOUT_$b= BOX_CG_$b="
	l=; for x in $BOX_LIST; do [ "$x" = "$b" ] || l="$l $x"; done
	BOX_LIST=$l
}

box_stop_all() { local x; for x in $BOX_LIST; do box_stop "$x"; done; }
at_exit box_stop_all
