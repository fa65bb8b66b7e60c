#!/bin/sh
# 0500-box: the enrollment tests' node machine (box.sh): a cached Debian 12
# tree, a machine started on it with its own namespaces and sshd, root
# logging in with its password or a key, the test's 127.N.0.x reachable
# and nothing else, a role's package installed from the local repository,
# what an enrollment does over SSH (an account, a signed repository served
# over HTTP from the test's address, a package from it; a tampered one
# refused), the host untouched, and nothing left after box_stop.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/e2e/box.sh"

# what the host must keep: its accounts, its apt configuration, its packages
host_state() {
	cat /etc/passwd /etc/group /etc/shadow /etc/gshadow /etc/hostname \
	    /etc/hosts | sha256sum
	hostname
	find /etc/apt /etc/ssh -type f -exec sha256sum {} + 2>/dev/null | sort |
	    sha256sum
	dpkg-query -W -f='${Package} ${Version} ${Status}\n' | sha256sum
	# the kernel's settings a machine's packages set (sysctl.d)
	cat /proc/sys/fs/protected_* /proc/sys/kernel/pid_max \
	    /proc/sys/kernel/hostname /proc/sys/net/ipv4/ip_forward
}
before=$(host_state)

t0=$(date +%s%N)
box_tree || exit 1
box_local_repo || exit 1
t1=$(date +%s%N)
say "tree and repository ready in $(( (t1 - t0) / 1000000 )) ms"

box_start m1 'root pass 1' || exit 1
t2=$(date +%s%N)
say "box m1 answering ssh in $(( (t2 - t1) / 1000000 )) ms"

# root over SSH with the password, on a Debian 12 machine of its own
assert_eq "ssh as root: id -u" 0 "$(box_ssh m1 id -u)"
assert_match "ssh: Debian 12" '^12\.' "$(box_ssh m1 cat /etc/debian_version)"
assert_eq "ssh: the machine's own hostname" m1 "$(box_ssh m1 hostname)"
# sshpass exits 5 when the password is refused
assert_eq "a wrong password is refused" 5 "$(SSHPASS=wrong sshpass -e ssh \
    -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$WORK/box-m1/known_hosts" \
    -o PreferredAuthentications=password -o PubkeyAuthentication=no \
    -o LogLevel=QUIET root@"$(box_addr m1)" true; echo $?)"

# and with a key, as the master will once enrolled
ssh-keygen -q -t ed25519 -N '' -f "$WORK/id_box" -C box-test
box_authorize m1 "$WORK/id_box.pub"
assert_eq "ssh as root with a key" 0 "$(ssh -i "$WORK/id_box" -o BatchMode=yes \
    -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$WORK/box-m1/known_hosts" \
    -o LogLevel=ERROR root@"$(box_addr m1)" id -u)"

# its own PID namespace: sshd runs under the machine's PID 1
assert_eq "box_exec: PID 1 is the machine's init" "$BOX_INIT_MODE" \
    "$(box_exec m1 cat /proc/1/comm)"
if [ "$BOX_INIT_MODE" = systemd ]; then
	# as on a real node: systemd is up, sshd is its ssh.service
	wait_for "systemd is running in the machine" 30 \
	    box_exec m1 systemctl is-system-running
	assert_eq "ssh.service active" active \
	    "$(box_ssh m1 systemctl is-active ssh.service)"
fi
check "the kernel's settings are read-only in the machine" \
    box_exec m1 sh -c '! echo 1 >/proc/sys/fs/protected_regular'
check "...but for its own network's" \
    box_exec m1 sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward'
assert_eq "...which the host keeps" 0 "$(cat /proc/sys/net/ipv4/ip_forward)"
assert_match "box_exec: sshd runs in the machine" '^[0-9]+$' \
    "$(box_exec m1 pgrep -ox sshd)"

# the machine reaches the test's 127.N.0.x addresses (where the master
# listens) but nothing else
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 1500)); s.listen(4); s.settimeout(20)
c, a = s.accept(); c.sendall(b"hf-master"); c.close()
' "$NET.1" &
lpid=$!
listening() { ss -Hltn "src $NET.1 and sport = :1500" | grep -q .; }
wait_for "the test's listener on $NET.1 port 1500" 10 listening
got=$(box_exec m1 bash -c "exec 3<>/dev/tcp/$NET.1/1500; cat <&3")
wait $lpid
assert_eq "the machine reaches $NET.1 on the host" hf-master "$got"
assert_eq "no default route in the machine" "" \
    "$(box_exec m1 ip route show default)"

# a role's package from the local repository alone
t3=$(date +%s%N)
out=$(box_exec m1 sh -c 'apt-get update && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y nginx-light' 2>&1)
rc=$?
t4=$(date +%s%N)
assert_eq "apt-get install nginx-light in the machine" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n' "$out" | tail -20
say "apt-get update and install nginx-light: $(( (t4 - t3) / 1000000 )) ms"
assert_match "nginx-light installed in the machine" '^install ok installed' \
    "$(box_exec m1 dpkg-query -W -f='${Status}' nginx-light)"
assert_match "...from the local repository" 'file:/srv/hostfleet-roles' \
    "$(box_exec m1 apt-cache policy nginx-light)"
if [ "$BOX_INIT_MODE" = systemd ]; then
	wait_for "its postinst started nginx.service" 30 \
	    box_exec m1 systemctl is-active nginx.service
	wait_for "nginx answers on the machine's address" 10 \
	    curl -s -o /dev/null "http://$(box_addr m1)/"
fi
# what an enrollment does over SSH: an account, a signed repository
# served over HTTP from the host's test address (as the master's will be),
# a package installed from it
check "ssh: useradd ispmaster in the machine" \
    box_ssh m1 useradd -m -s /bin/bash ispmaster
assert_match "ispmaster exists in the machine" '^uid=' \
    "$(box_exec m1 id ispmaster)"
check "...and not on the host" sh -c '! getent passwd ispmaster'
export GNUPGHOME="$WORK/gnupg"
mkdir -m 700 "$GNUPGHOME" "$WORK/repo"
gpg -q --batch --passphrase '' --quick-gen-key 'hostfleet box test' \
    ed25519 sign never 2>/dev/null
gpg -q --batch --export >"$WORK/repo.gpg"
ln -s "$BOX_REPO/pool" "$WORK/repo/pool"
cp "$BOX_REPO/Packages" "$BOX_REPO/Packages.gz" "$BOX_REPO/Release" "$WORK/repo/"
gpg -q --batch --clearsign -o "$WORK/repo/InRelease" "$WORK/repo/Release"
bg repohttp timeout "$LIVE_MAX" python3 -m http.server -b "$NET.1" \
    -d "$WORK/repo" 1580
wait_for "repository served on $NET.1:1580" 10 \
    curl -sf -o /dev/null "http://$NET.1:1580/InRelease"
box_ssh m1 'cat >/usr/share/keyrings/hf-box-test.gpg' <"$WORK/repo.gpg"
out=$(box_ssh m1 "rm /etc/apt/sources.list.d/hostfleet-roles.list &&
    echo 'deb [signed-by=/usr/share/keyrings/hf-box-test.gpg] http://$NET.1:1580/ ./' \
	>/etc/apt/sources.list.d/hf-box-test.list &&
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends cron" 2>&1)
assert_eq "signed repository over HTTP: apt-get update, install cron" 0 "$?"
assert_match "...cron installed" '^install ok installed' \
    "$(box_exec m1 dpkg-query -W -f='${Status}' cron)"
assert_match "...from $NET.1 (signed)" "http://$NET.1:1580" \
    "$(box_exec m1 apt-cache policy cron)"
# the same apt refuses a tampered repository
sed -i 's/^Origin: hostfleet-test$/Origin: tampered/' "$WORK/repo/InRelease"
assert_match "a tampered InRelease is refused" 'BADSIG' \
    "$(box_ssh m1 'apt-get update 2>&1')"

assert_eq "the host untouched (accounts, hostname, /etc/apt, /etc/ssh, packages)" \
    "$before" "$(host_state)"

# stopped: no process, no mount, no netns, no veth left
p1=$(box_pid m1)
ns=$(box_var m1 NS); hif=$(box_var m1 IF); cgs=$(box_var m1 CG)
box_stop m1
wait_for "no process left" 10 sh -c "! kill -0 $p1"
assert_eq "no mount left" "" "$(grep -F "$WORK/box-m1" /proc/mounts)"
assert_eq "no netns left" "" "$(ip netns list | grep -w "$ns")"
check "no veth left" sh -c "! ip link show $hif 2>/dev/null"
for c in $cgs; do
	check "no cgroup left ($c)" test ! -e "$c"
done
assert_eq "no process of the tree left" "" \
    "$(for p in /proc/[0-9]*; do readlink "$p/root"; done 2>/dev/null |
	grep -F "$WORK/box-")"
say "done in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
