#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The packages as an admin meets them, on a minimal Debian 12 made for the
# test from Debian's archive (mmdebstrap, cached a week): install, a login
# through su landing in its namespace, the systemd-user stack, the timer's
# cleanup, an upgrade to a rebuilt package keeping the admin's policy,
# removal (refused while a stack names the module by hand: a line, a
# continued line, a file outside /etc/pam.d that a stack includes, a stack
# in /usr/lib/pam.d; then no stack names it and su still works), purge.  Everything after the bootstrap runs
# in a sandbox of its own (mount, network and PID namespaces, the system on
# a tmpfs), so nothing reaches the machine's network or /run.
#
# test-install.sh PACKAGE_DIR BUILD_DIR: the .debs and their tree as
# scripts/package leaves them; BUILD_DIR has tests/pam-session.
set -u
. "$(dirname "$0")/../tools/tap.sh"

if [ -z "${USERNETNS_IN_SANDBOX:-}" ]; then
	pkgdir=$(cd "${1:?package dir}" && pwd)
	builddir=$(cd "${2:?build dir}" && pwd)
	[ "$(id -u)" -eq 0 ] || bail_out "run as root"
	version=$(dpkg-deb -f "$pkgdir"/usernetns_*.deb Version) || bail_out "no usernetns .deb in $pkgdir"

	# The base system, cached: Debian's minimal one and our dependencies.
	cache=/var/cache/usernetns-tests
	includes=libcap2-bin,nftables,libmnl0,libinih1,libcap-ng0,libjson-c5,iproute2,systemd,libpam-runtime
	base=$cache/bookworm-$(echo "$includes" | md5sum | cut -c1-8).tar
	mkdir -p "$cache"
	if [ ! -s "$base" ] || [ -n "$(find "$base" -mtime +7)" ]; then
		mmdebstrap --quiet --format=tar --variant=minbase --include="$includes" bookworm "$base.new" \
			/etc/apt/sources.list.d/debian.sources ||
			mmdebstrap --quiet --format=tar --variant=minbase --include="$includes" bookworm "$base.new" ||
			bail_out "mmdebstrap failed"
		mv "$base.new" "$base"
	fi

	# The upgrade: the same tree rebuilt with a later version and a
	# changed default policy (so dpkg meets an edited conffile).
	up=$pkgdir/upgrade
	rm -rf "$up"
	mkdir -p "$up"
	cp -a "$pkgdir/usernetns-$version" "$up/tree" || bail_out "no tree usernetns-$version in $pkgdir"
	{
		printf 'usernetns (%s+upgradetest1) bookworm; urgency=medium\n\n' "$version"
		printf '  * Rebuilt for the upgrade test.\n\n'
		printf ' -- %s  %s\n\n' "$(dpkg-parsechangelog -l "$pkgdir/usernetns-$version/debian/changelog" -S Maintainer)" \
			"$(date -R)"
		cat "$pkgdir/usernetns-$version/debian/changelog"
	} >"$up/tree/debian/changelog"
	echo '# (a later default)' >>"$up/tree/conf/usernetns.conf"
	(cd "$up/tree" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b \
		>"$up/build.log" 2>&1) || {
		tail -n 30 "$up/build.log"
		bail_out "the upgrade build failed"
	}

	export USERNETNS_IN_SANDBOX=1 PKGDIR=$pkgdir UPDIR=$up BASE=$base BUILDDIR=$builddir VERSION=$version
	exec unshare --mount --net --pid --fork --mount-proc --propagation private "$0"
fi

# ---- in the sandbox: the system ---------------------------------------------

root=/run/pkgtest/root
mkdir -p /run/pkgtest
mount -t tmpfs -o mode=0755 tmpfs /run/pkgtest || bail_out "no tmpfs"
mkdir -p "$root"
tar -C "$root" -xf "$BASE" || bail_out "cannot unpack $BASE"
mount -t proc proc "$root/proc" &&
	mount -t sysfs sysfs "$root/sys" &&
	mount --rbind /dev "$root/dev" &&
	mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$root/run" ||
	bail_out "cannot mount the system's /proc, /sys, /dev, /run"
ip link set lo up
mkdir -p "$root/debs/new" && cp "$PKGDIR"/*.deb "$root/debs/" && cp "$UPDIR"/*.deb "$root/debs/new/" &&
	rm -f "$root"/debs/*dbgsym* "$root"/debs/new/*dbgsym* &&
	cp "$BUILDDIR/tests/pam-session" "$root/usr/local/bin/" || bail_out "cannot copy the packages in"

in_root() { chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
# as_alice COMMAND: run through su -, as an admin would check a login.
run() {
	out=$(in_root "$@" 2>/run/pkgtest/err)
	status=$?
	err=$(cat /run/pkgtest/err)
}
# check_status DESCRIPTION: the last run succeeded (else what it said).
check_status() {
	if [ "$status" -eq 0 ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "exit status $status" "$out" "$err"
	fi
}
apt_install() { run apt-get install -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"; }
names_module() { in_root grep -lE '^[[:space:]]*[^#[:space:]].*pam_usernetns[.]so' -r /etc/pam.d /usr/lib/pam.d; }
caps_set() { echo "$1" | sed 's/[+=]p$//' | tr , '\n' | sort | tr '\n' ' '; }
caps_exact() {
	local caps path
	while read -r caps path; do
		case $caps in '#'* | '') continue ;; esac
		[ "$(caps_set "$(in_root getcap "$path" | cut -d' ' -f2)")" = "$(caps_set "$caps")" ] || return 1
		[ ! -u "$root$path" ] || return 1
	done <"$root/usr/share/usernetns/helper-caps"
}
netns_of() { in_root ip netns identify "$1"; }

# ---- install -----------------------------------------------------------------

arch=$(dpkg --print-architecture)
apt_install ./debs/usernetns_"${VERSION}_$arch".deb ./debs/libpam-usernetns_"${VERSION}_$arch".deb \
	./debs/libnss-usernetns_"${VERSION}_$arch".deb
check_status "apt install ./usernetns ./libpam-usernetns ./libnss-usernetns"
check "each helper has exactly its file capabilities, and no set-user-ID bit" caps_exact
check "the pam-auth-update profile is installed" test -f "$root/usr/share/pam-configs/usernetns"
check "and off: no stack names the module before the admin enables it" test -z "$(names_module)"
check_eq "tmpfiles.d made /run/netns 0755 root" "755 0" "$(stat -c '%a %u' "$root/run/netns")"
check_eq "and /run/usernetns 0755 root" "755 0" "$(stat -c '%a %u' "$root/run/usernetns")"
check "nsswitch.conf: usernetns right after files on the hosts line" \
	grep -qE '^hosts:[[:space:]]+files usernetns( |$)' "$root/etc/nsswitch.conf"
run systemd-analyze verify --man=no /lib/systemd/system/usernetns-firewall.service \
	/lib/systemd/system/usernetns-firewall.path /lib/systemd/system/usernetns-firewall-reload.service \
	/lib/systemd/system/usernetns-cleanup.service /lib/systemd/system/usernetns-cleanup.timer
check_status "systemd-analyze verify accepts the units"
cp "$PKGDIR/usernetns-$VERSION/debian/tests/installed" "$root/usr/local/bin/autopkgtest-installed"
run autopkgtest-installed
check_status "the autopkgtest of the installed packages (debian/tests/installed) passes"
check "the firewall unit, its path unit and the cleanup timer are enabled" bash -c \
	'test -L "$0"/etc/systemd/system/multi-user.target.wants/usernetns-firewall.service &&
	 test -L "$0"/etc/systemd/system/multi-user.target.wants/usernetns-firewall.path &&
	 test -L "$0"/etc/systemd/system/timers.target.wants/usernetns-cleanup.timer' "$root"
check "the reload service is not: its path unit starts it" \
	test ! -e "$root/etc/systemd/system/multi-user.target.wants/usernetns-firewall-reload.service"

# ---- the admin's policy, the stack, a login ------------------------------------

in_root groupadd netusers && in_root useradd -m -G netusers -s /bin/sh alice &&
	in_root useradd -m -G netusers -s /bin/sh bob || bail_out "useradd failed"
cat >>"$root/etc/security/usernetns.conf" <<'EOF'
[group:netusers]
mode  = veth
pool4 = 10.200.0.0/16
EOF
cp "$root/etc/security/usernetns.conf" /run/pkgtest/policy.admin
run pam-auth-update --enable usernetns
check_status "pam-auth-update --enable usernetns"
check_eq "the module is in common-session and common-session-noninteractive" \
	"/etc/pam.d/common-session
/etc/pam.d/common-session-noninteractive" "$(names_module | sort)"
run su - alice -c 'ip netns identify; ip -br -4 addr show eth0'
check_status "su - alice: the login succeeds"
check_contains "and lands in user-alice" "user-alice" "$out"
addr=$(echo "$out" | sed -n 's|^eth0.* \(10\.200\.[0-9.]*\)/30.*|\1|p')
check "with eth0 addressed from the pool (a /30 of 10.200.0.0/16)" test -n "$addr"
check "teardown at the last logout removed it" test ! -e "$root/run/netns/user-alice"
run su - alice -c 'getent hosts user-alice'
check_eq "the host resolves namespaces through the installed NSS module" "$addr user-alice" \
	"$(echo "$out" | tr -s ' ')"

# systemd's user manager opens its session through the systemd-user stack
# (pam-session does what it does), so user services are placed too.
run pam-session systemd-user alice sh -c 'ip netns identify; ip -br -4 addr show eth0'
check_status "a session through the systemd-user stack opens"
check_contains "and its process (the user manager) is in user-alice" "user-alice" "$out"

# The timer's service: a namespace nobody uses (made without a login) goes.
run usernetns-create bob
check "usernetns-create bob makes bob's namespace" test -e "$root/run/netns/user-bob"
exec_start=$(sed -n 's/^ExecStart=//p' "$root/lib/systemd/system/usernetns-cleanup.service")
run $exec_start
check_status "the cleanup unit's command succeeds"
check "and removes the unused namespace" test ! -e "$root/run/netns/user-bob"

# ---- upgrade -------------------------------------------------------------------

new=${VERSION}+upgradetest1_$arch
apt_install ./debs/new/usernetns_"$new".deb ./debs/new/libpam-usernetns_"$new".deb \
	./debs/new/libnss-usernetns_"$new".deb
check_status "an upgrade to the rebuilt packages"
check_eq "is installed" "$VERSION+upgradetest1" "$(in_root dpkg-query -W -f '${Version}' libpam-usernetns)"
check "the admin's policy is kept" cmp -s /run/pkgtest/policy.admin "$root/etc/security/usernetns.conf"
check "the new default is beside it (.dpkg-dist)" grep -q 'a later default' \
	"$root/etc/security/usernetns.conf.dpkg-dist"
check "the helpers have their capabilities again" caps_exact
check_eq "the stacks still name the module" \
	"/etc/pam.d/common-session
/etc/pam.d/common-session-noninteractive" "$(names_module | sort)"
run su - alice -c 'ip netns identify'
check_eq "su - alice still lands in user-alice" "user-alice" "$out"

# ---- remove --------------------------------------------------------------------

# A line written by hand (pam-auth-update does not know it) stops the
# removal, in every form Linux-PAM reads; taken out, it stops it no more.
# refused WHAT FILE:LINE: apt-get remove stops, the module in place, naming it.
refused() {
	run apt-get remove -y -q libpam-usernetns
	check "removal is refused while $1" test "$status" -ne 0
	check_contains "naming $2" "$2" "$out $err"
	check "the module is still there" test -f "$root/lib/x86_64-linux-gnu/security/pam_usernetns.so"
}
echo 'session required pam_usernetns.so' >"$root/etc/pam.d/by-hand"
refused "a stack names the module by hand" /etc/pam.d/by-hand:1
run su - alice -c 'ip netns identify'
check_eq "logins still work" "user-alice" "$out"
printf 'session required pam_unix.so\nsession required \\\n\tpam_usernetns.so\n' >"$root/etc/pam.d/by-hand"
refused "a continued line names it (session required \\, then pam_usernetns.so)" /etc/pam.d/by-hand:3
mkdir -p "$root/etc/pam-local"
echo 'session required pam_usernetns.so' >"$root/etc/pam-local/session"
for how in '@include' 'session include' 'session substack'; do
	echo "$how /etc/pam-local/session" >"$root/etc/pam.d/by-hand"
	refused "a file outside /etc/pam.d names it, reached by \"$how /etc/pam-local/session\"" \
		"/etc/pam-local/session:1 (included by /etc/pam.d/by-hand:1)"
done
rm "$root/etc/pam.d/by-hand"
cp "$root/usr/lib/pam.d/systemd-user" /run/pkgtest/systemd-user
echo 'session optional pam_usernetns.so' >>"$root/usr/lib/pam.d/systemd-user"
refused "systemd's stack in /usr/lib/pam.d names it" /usr/lib/pam.d/systemd-user
cp /run/pkgtest/systemd-user "$root/usr/lib/pam.d/systemd-user"
run usernetns-firewall --load
check_status "usernetns-firewall --load"
run apt-get remove -y -q libpam-usernetns usernetns libnss-usernetns
check_status "apt remove of the three"
check "no PAM stack names the module" test -z "$(names_module)"
check "the module is gone" test ! -e "$root/lib/x86_64-linux-gnu/security/pam_usernetns.so"
run su - alice -c 'echo in; readlink /proc/self/ns/net'
check_status "su - alice still works"
check_eq "on the host's network" "in
$(readlink /proc/self/ns/net)" "$out"
check "nsswitch.conf no longer names usernetns" bash -c '! grep -q usernetns "$0"/etc/nsswitch.conf' "$root"
check "the policy stays (a conffile) until purge" cmp -s /run/pkgtest/policy.admin "$root/etc/security/usernetns.conf"
check "and the leases" test -d "$root/var/lib/usernetns/leases"
check "and the host's table" bash -c 'chroot "$0" nft list table inet usernetns >/dev/null' "$root"

# ---- purge ---------------------------------------------------------------------

mkdir -p "$root/var/lib/neighbour"
run apt-get purge -y -q usernetns libpam-usernetns libnss-usernetns
check_status "apt purge"
check "purge removes the policy" test ! -e "$root/etc/security/usernetns.conf"
check "and /var/lib/usernetns" test ! -e "$root/var/lib/usernetns"
check "and nothing else there" test -d "$root/var/lib/neighbour"
check "and the host's table" bash -c '! chroot "$0" nft list table inet usernetns 2>/dev/null' "$root"
check_eq "dpkg knows none of the three" "" \
	"$(in_root dpkg-query -W -f '${db:Status-Abbrev}${Package}\n' 2>/dev/null | grep -E 'usernetns' | grep -v '^un')"
run su - alice -c true
check_status "su still works"

done_testing
