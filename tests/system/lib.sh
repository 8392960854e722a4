# SPDX-License-Identifier: BSD-3-Clause
# The harness of the system tests: a minimal Debian 12 booted with
# systemd-nspawn (real systemd, logind, sshd, su, sudo, the user manager),
# our packages installed fresh in it, driven from outside with nsenter.
# Source it after tap.sh, then:
#
#   sys_start SCRIPT PKG BUILD a test's first line: arguments, image, sandbox
#   sys_image                  the cached image (mmdebstrap): SYS_IMAGE
#   sys_enter SCRIPT           re-runs the test in a sandbox of its own
#   sys_unpack                 the image on a tmpfs: SYS_ROOT
#   sys_add_packages DIR       our .debs in it, for sys_install
#   sys_add_wan BUILD_DIR      the machine's uplink and "internet"
#   sys_boot / sys_poweroff    start, stop the container (bounded waits)
#   sys_install                apt installs our packages, on the running system
#   sys_run CMD...             CMD as root in the container
#   sys_unit CMD...            the same, in a transient service of its systemd
#   sys_ssh_key USER           a key for USER's ssh logins
#   sys_login HOW USER CMD     a login of USER (ssh, su, sudo, machinectl)
#                              running the shell command CMD: its output
#   sys_wait_for CMD...        poll CMD in the container, with a bound
#   sys_wait_unit UNIT STATE   poll until UNIT is STATE (is-active's words)
#   sys_wait_wan               poll until the wan's server listens
#   run CMD... / check_status  CMD's output and status; a TAP line of them
#   sys_journal                the journal's last lines, as TAP comments
#   SYS_PROBE                  a login's CMD that says where the login is
#   sys_netns_of NAME          /run/netns/NAME as /proc/PID/ns/net shows it
#   sys_slapd                  slapd serving SYS_LDAP_BASE, from scratch
#   sys_ldap_add               the LDIF on standard input added to it
#
# Nothing reaches the machine's network (--private-network), /run (a tmpfs
# of the sandbox's own) or its processes: the sandbox is a PID namespace
# whose end kills whatever is left, and the container is stopped and its
# root removed on any exit.

SYS_CACHE=/var/cache/usernetns-tests
# The packages' dependencies, the login stack, and what the directory
# cases need (slapd, sssd, nslcd, dnsmasq: installed, left disabled).
SYS_INCLUDES="libcap2-bin,nftables,libmnl0,libinih1,libcap-ng0,libjson-c5,libpam-runtime,\
iproute2,iputils-ping,procps,systemd,systemd-container,dbus,libpam-systemd,openssh-server,sudo,\
slapd,ldap-utils,sssd,libnss-sss,libpam-sss,nslcd,libnss-ldapd,dnsmasq"
# Run in the image once it is made: the directory services stay off
# until a test turns them on.
SYS_CUSTOMIZE='chroot "$1" systemctl disable --quiet slapd.service nslcd.service sssd.service dnsmasq.service'
SYS_MACHINE=usernetns-sys
SYS_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# The bounds of the waits, in seconds: far beyond what a slow machine
# needs (a boot takes seconds, anything else less than one).
SYS_BOOT_WAIT=300
SYS_WAIT=60

# The image: a tar of the root, made by mmdebstrap from Debian's archive,
# cached a week, keyed by what goes into it.  Sets SYS_IMAGE.
sys_image() {
	local key
	key=$(printf '%s\n' "$SYS_INCLUDES" "$SYS_CUSTOMIZE" | md5sum | cut -c1-8)
	SYS_IMAGE=$SYS_CACHE/bookworm-system-$key.tar
	mkdir -p "$SYS_CACHE" || bail_out "cannot make $SYS_CACHE"
	# One build at a time; a second run waits and takes the first's.
	exec 9>"$SYS_CACHE/.system-image.lock" && flock 9 || bail_out "cannot lock $SYS_CACHE"
	if [ ! -s "$SYS_IMAGE" ] || [ -n "$(find "$SYS_IMAGE" -mtime +7)" ]; then
		# (and images of other package lists, a week old, go)
		find "$SYS_CACHE" -maxdepth 1 -name 'bookworm-system-*.tar' -mtime +7 -delete
		echo "# making the image $SYS_IMAGE (mmdebstrap, about a minute)"
		sys_mmdebstrap /etc/apt/sources.list.d/debian.sources || sys_mmdebstrap ||
			bail_out "mmdebstrap failed"
		mv "$SYS_IMAGE.new" "$SYS_IMAGE" || bail_out "cannot store $SYS_IMAGE"
	fi
	exec 9>&-
}

sys_mmdebstrap() {
	mmdebstrap --quiet --format=tar --variant=minbase --include="$SYS_INCLUDES" \
		--customize-hook="$SYS_CUSTOMIZE" bookworm "$SYS_IMAGE.new" "$@"
}

# sys_start SCRIPT PACKAGE_DIR BUILD_DIR: what a system test does first.
# Outside the sandbox: the arguments checked (the .debs as scripts/package
# leaves them; BUILD_DIR has tests/whoami-server, the wan's server, and
# the other programs of tests/ that SYS_PROGRAMS names), the image made or
# found, then SCRIPT again in the sandbox (sys_enter: it exits with its
# status).  In the sandbox it returns at once, with PKGDIR, BUILDDIR and
# SYS_STARTED (when the test started) set.
sys_start() {
	local script=$1 program
	[ -n "${SYS_IN_SANDBOX:-}" ] && return 0
	SYS_STARTED=$(date +%s)
	PKGDIR=$(cd "${2:?package dir}" && pwd) && BUILDDIR=$(cd "${3:?build dir}" && pwd) ||
		bail_out "usage: ${script##*/} PACKAGE_DIR BUILD_DIR"
	ls "$PKGDIR"/usernetns_*.deb "$PKGDIR"/libpam-usernetns_*.deb "$PKGDIR"/libnss-usernetns_*.deb \
		>/dev/null || bail_out "no packages in $PKGDIR (scripts/package makes them)"
	for program in whoami-server ${SYS_PROGRAMS:-}; do
		[ -x "$BUILDDIR/tests/$program" ] || bail_out "no $BUILDDIR/tests/$program"
	done
	sys_image
	export SYS_STARTED PKGDIR BUILDDIR
	sys_enter "$script"
}

# sys_enter SCRIPT ARGS...: run SCRIPT again in new mount and PID
# namespaces, with SYS_IN_SANDBOX set, and exit with its status.  When
# the sandbox's first process ends, however it ends, the kernel kills
# every process in it, the container included, and its mounts go.  The
# signals that stop a test reach it (unshare itself blocks them).
sys_enter() {
	local sandbox status
	[ -n "${SYS_IN_SANDBOX:-}" ] && return 0
	[ "$(id -u)" -eq 0 ] || bail_out "run as root"
	command -v systemd-nspawn >/dev/null || bail_out "no systemd-nspawn (scripts/deps installs systemd-container)"
	sys_cgroup_make
	export SYS_IN_SANDBOX=1 SYS_IMAGE SYS_CGROUPS
	unshare --mount --pid --fork --kill-child=SIGTERM --mount-proc --propagation private "$@" &
	sandbox=$!
	trap 'pkill -TERM -P "$sandbox"' TERM HUP
	trap 'pkill -INT -P "$sandbox"' INT
	# (wait returns early for a trapped signal: wait again for the end)
	while :; do
		wait "$sandbox"
		status=$?
		kill -0 "$sandbox" 2>/dev/null || break
	done
	sys_cgroup_remove $SYS_CGROUPS
	exit "$status"
}

# The container lives in cgroups of its own (nspawn without a host's
# systemd makes its payload cgroup below its own), so that two runs at
# once never share one: usernetns-system.PID, PID this test's outside
# the sandbox.  Those of runs that are gone (killed) are removed first.
sys_cgroup_make() {
	local h cg
	SYS_CGROUPS=
	for h in /sys/fs/cgroup /sys/fs/cgroup/unified /sys/fs/cgroup/systemd; do
		[ -e "$h/cgroup.procs" ] || continue
		for cg in "$h"/usernetns-system.*; do
			[ -d "$cg" ] && ! kill -0 "${cg##*.}" 2>/dev/null && sys_cgroup_remove "$cg"
		done
		mkdir "$h/usernetns-system.$$" || bail_out "cannot make a cgroup in $h"
		SYS_CGROUPS="$SYS_CGROUPS $h/usernetns-system.$$"
	done
}

# sys_cgroup_remove CGROUP...: remove each with what is below it (an
# empty cgroup is removed by rmdir; one still in use stays).
sys_cgroup_remove() {
	local cg
	for cg in "$@"; do
		[ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	return 0
}

# sys_unpack: a tmpfs on /run (the sandbox's: nspawn keeps its own state
# there too), the image unpacked in it.  Sets SYS_ROOT and SYS_DIR.
sys_unpack() {
	mount -t tmpfs -o mode=0755 tmpfs /run || bail_out "no tmpfs on /run"
	SYS_DIR=/run/system
	SYS_ROOT=$SYS_DIR/root
	trap sys_cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	mkdir -p "$SYS_ROOT" && tar -C "$SYS_ROOT" -xf "$SYS_IMAGE" || bail_out "cannot unpack $SYS_IMAGE"
	# A name of its own, which it resolves (mmdebstrap copies the machine's).
	echo "$SYS_MACHINE" >"$SYS_ROOT/etc/hostname" &&
		printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' \
			"$SYS_MACHINE" >"$SYS_ROOT/etc/hosts" || bail_out "cannot name the system"
}

# sys_add_packages PACKAGE_DIR: our .debs (scripts/package's, without the
# debug symbols) in the image's /debs, for sys_install.
sys_add_packages() {
	mkdir -p "$SYS_ROOT/debs" && cp "$1"/*.deb "$SYS_ROOT/debs/" && rm -f "$SYS_ROOT"/debs/*dbgsym* ||
		bail_out "cannot copy the packages in"
}

# sys_install: apt installs them on the running system (the image has
# every dependency: the container has no way to the archive).
sys_install() { sys_run sh -c 'apt-get install -y -q /debs/*.deb' </dev/null; }

# The machine's network, which sys_add_wan brings up at every boot as
# ifupdown would, before network-online.target: an uplink up0 (the
# machine's address SYS_UPLINK) to a namespace "wan" playing the
# internet, with documentation addresses and the default route through
# it.  The wan's server (tests/whoami-server, port 7) answers on both
# SYS_WAN addresses with the address it sees.
SYS_UPLINK=198.51.100.2
SYS_WAN="198.51.100.1 203.0.113.1"

# sys_add_wan BUILD_DIR: its units, enabled, in the image (BUILD_DIR has
# tests/whoami-server).
sys_add_wan() {
	cp "$1/tests/whoami-server" "$SYS_ROOT/usr/local/bin/" || bail_out "no $1/tests/whoami-server"
	cat >"$SYS_ROOT/usr/local/sbin/wan-up" <<EOF
#!/bin/sh
set -e
ip netns add wan
ip link add up0 type veth peer name wan0 netns wan
ip -n wan link set lo up
ip -n wan addr add ${SYS_WAN%% *}/24 dev wan0
ip -n wan addr add ${SYS_WAN##* }/24 dev wan0
ip -n wan link set wan0 up
ip addr add $SYS_UPLINK/24 dev up0
ip link set up0 up
ip route add default via ${SYS_WAN%% *}
EOF
	chmod 0755 "$SYS_ROOT/usr/local/sbin/wan-up"
	cat >"$SYS_ROOT/etc/systemd/system/wan.service" <<'EOF'
[Unit]
Description=The test's uplink and its "internet"
Before=network-online.target
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/wan-up
[Install]
WantedBy=network-online.target
EOF
	cat >"$SYS_ROOT/etc/systemd/system/wan-server.service" <<'EOF'
[Unit]
Description=A server on the test's "internet" that says whom it sees
Requires=wan.service
After=wan.service
[Service]
NetworkNamespacePath=/run/netns/wan
ExecStart=/usr/local/bin/whoami-server 7
[Install]
WantedBy=multi-user.target
EOF
	chroot "$SYS_ROOT" systemctl enable --quiet wan.service wan-server.service ||
		bail_out "cannot enable the wan's units"
}

# sys_wait_wan: the wan's server listens (after a boot).
sys_wait_wan() { sys_wait_for sh -c 'ip netns exec wan ss -Htln | grep -q ":7 "'; }

# sys_boot: start the container and wait until systemd says it is up
# (running, or degraded: the failed units are shown).  Sets SYS_PID1, the
# container's init as this sandbox sees it.
sys_boot() {
	local cg
	SYS_BOOTS=$((${SYS_BOOTS:-0} + 1))
	(
		for cg in $SYS_CGROUPS; do echo "$BASHPID" >"$cg/cgroup.procs" || exit 1; done
		exec env TERM=dumb systemd-nspawn --quiet --register=no --keep-unit --private-network \
			--console=read-only --machine="$SYS_MACHINE" --directory="$SYS_ROOT" --boot
	) >"$SYS_DIR/boot-$SYS_BOOTS.log" 2>&1 </dev/null &
	SYS_NSPAWN=$!
	SYS_PID1=
	SYS_WAIT=$SYS_BOOT_WAIT sys_poll sys_find_init || {
		tail -n 30 "$SYS_DIR/boot-$SYS_BOOTS.log" | sys_show
		bail_out "the container did not start"
	}
	SYS_WAIT=$SYS_BOOT_WAIT sys_poll sys_booted || {
		diag "systemctl is-system-running: $SYS_STATE"
		sys_run systemctl list-jobs --no-pager 2>&1 | sys_show
		tail -n 30 "$SYS_DIR/boot-$SYS_BOOTS.log" | sys_show
		bail_out "the container did not finish booting"
	}
	[ "$SYS_STATE" = running ] || {
		diag "booted degraded; failed units:"
		sys_run systemctl --failed --no-legend --no-pager | sys_show
	}
}

# The container's init: nspawn's child that is PID 1 of its own namespace,
# once it runs systemd.
sys_find_init() {
	local pid
	kill -0 "$SYS_NSPAWN" 2>/dev/null || return 2
	for pid in $(pgrep -P "$SYS_NSPAWN"); do
		[ "$(awk '/^NSpid:/ { print $NF }' "/proc/$pid/status" 2>/dev/null)" = 1 ] &&
			[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = systemd ] && SYS_PID1=$pid && return 0
	done
	return 1
}

sys_booted() {
	SYS_STATE=$(sys_run systemctl is-system-running 2>/dev/null)
	case $SYS_STATE in
	running | degraded) return 0 ;;
	esac
	kill -0 "$SYS_NSPAWN" 2>/dev/null || return 2
	return 1
}

# sys_poweroff: stop the container (systemd's own shutdown), waiting for
# nspawn to end; a container that does not stop in time is killed.
sys_poweroff() {
	[ -n "${SYS_NSPAWN:-}" ] || return 0
	# (SIGRTMIN+4 is systemd's poweroff; without an init, nothing to wait for)
	[ -n "$SYS_PID1" ] && kill -RTMIN+4 "$SYS_PID1" 2>/dev/null &&
		SYS_WAIT=$SYS_BOOT_WAIT sys_poll sys_nspawn_gone
	if ! sys_nspawn_gone; then
		diag "the container did not stop: killed"
		kill -KILL $SYS_PID1 "$SYS_NSPAWN" 2>/dev/null
	fi
	wait "$SYS_NSPAWN" 2>/dev/null
	SYS_NSPAWN=
	SYS_PID1=
}

sys_nspawn_gone() { ! kill -0 "$SYS_NSPAWN" 2>/dev/null; }

sys_cleanup() {
	local status=$?
	sys_poweroff
	cd / || true
	rm -rf "${SYS_ROOT:?}"
	sys_cgroup_remove $SYS_CGROUPS
	exit "$status"
}

# Lines on standard input as TAP comments.
sys_show() { sed 's/^/# /'; }

# sys_poll COMMAND...: poll COMMAND (here, in the sandbox) until it
# succeeds, for at most SYS_WAIT seconds (the caller may set it for one
# call); it may end the wait with 2 (what it waits for can no longer come).
sys_poll() {
	local end=$((SECONDS + SYS_WAIT)) r
	while :; do
		"$@"
		r=$?
		[ "$r" -eq 0 ] && return 0
		[ "$r" -eq 2 ] && return 1
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# sys_run COMMAND...: COMMAND as root in the container (all its
# namespaces, a clean environment); its status and output are COMMAND's.
sys_run() {
	nsenter --target "$SYS_PID1" --all \
		env -i PATH="$SYS_PATH" HOME=/root LANG=C.UTF-8 TERM=dumb "$@"
}

# sys_unit COMMAND...: COMMAND as root in a transient service of the
# container's systemd (where a process of the system runs: its cgroup,
# no session), its output on ours and its status ours.
sys_unit() {
	sys_run systemd-run --quiet --wait --pipe --collect --service-type=exec -- "$@" </dev/null
}

# sys_wait_for COMMAND...: poll COMMAND in the container until it
# succeeds, with the bound.
sys_wait_for() { sys_poll sys_run "$@" >/dev/null 2>&1; }

# sys_wait_unit UNIT STATE: poll until systemctl is-active says STATE.
sys_wait_unit() { sys_poll sys_unit_is "$1" "$2"; }
sys_unit_is() { [ "$(sys_run systemctl is-active "$1" 2>/dev/null)" = "$2" ]; }

# sys_ssh_key USER: a key for USER's logins by ssh (root's, in the
# container), authorised in USER's home.
sys_ssh_key() {
	local user=$1
	sys_run sh -ec '
		user=$1
		home=$(getent passwd "$user" | cut -d: -f6)
		mkdir -p -m 0700 /root/.ssh/keys
		rm -f /root/.ssh/keys/"$user" /root/.ssh/keys/"$user".pub
		ssh-keygen -q -t ed25519 -N "" -C "$user@system-test" -f /root/.ssh/keys/"$user"
		install -d -m 0700 -o "$user" -g "$(id -g "$user")" "$home/.ssh"
		install -m 0600 -o "$user" -g "$(id -g "$user")" /root/.ssh/keys/"$user".pub "$home/.ssh/authorized_keys"
	' sh "$user"
}

# sys_login HOW USER CMD: log USER in and run the shell command CMD there;
# prints what it prints (stdout and stderr), returns its status (255 if
# the login failed).  CMD reads nothing from its standard input.
#   ssh         ssh USER@127.0.0.1 with USER's key (sys_ssh_key), from
#               inside the container, through its sshd
#   su          su - USER -c CMD, by root in a service of the container
#   sudo        sudo -iu USER, the same way; its login shell reads CMD
#               from its standard input (sudo -i would pass a command
#               with its $ and line ends mangled)
#   machinectl  machinectl shell USER@.host, through the container's
#               systemd-machined (the login stack of container-shell@);
#               it gives back no status (systemd 252) and writes to a
#               pty: CMD's status is printed after its output and taken
#               from there, and \r taken out
sys_login() {
	local how=$1 user=$2 cmd=$3 out mark='@@ status of the command: '
	case $how in
	ssh)
		sys_run ssh -n -i "/root/.ssh/keys/$user" -o BatchMode=yes -o StrictHostKeyChecking=no \
			-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "$user@127.0.0.1" "$cmd" 2>&1
		;;
	su) sys_unit su - "$user" -c "$cmd" 2>&1 ;;
	sudo)
		printf '%s\n' "$cmd" |
			sys_run systemd-run --quiet --wait --pipe --collect --service-type=exec -- sudo -iu "$user" 2>&1
		;;
	machinectl)
		out=$(sys_run machinectl shell --quiet "$user@.host" /bin/sh -c \
			'/bin/sh -c "$1"; echo "$2$?"' sh "$cmd" "$mark" </dev/null 2>&1 | tr -d '\r')
		case $out in
		*"$mark"*) ;;
		*)
			printf '%s\n' "$out"
			return 255
			;;
		esac
		printf '%s' "${out%"$mark"*}"
		return "${out##*"$mark"}"
		;;
	*) bail_out "sys_login: no login method $how" ;;
	esac
}

# run COMMAND...: its output (stdout and stderr) in out, its status in status.
run() {
	out=$("$@" 2>&1)
	status=$?
}
# check_status DESCRIPTION: the last run succeeded (else what it said).
check_status() {
	if [ "$status" -eq 0 ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "exit status $status" "$out"
	fi
}
# The last lines of the container's journal, after a failed login.
sys_journal() { sys_run journalctl --no-pager --quiet -n 25 -o short-monotonic | sys_show; }

# What a login shows of its network (sys_login's CMD): its namespace, the
# name iproute2 knows it by ("-" for none), eth0's IPv4 address ("-"
# without one).
SYS_PROBE='readlink /proc/self/ns/net; n=$(ip netns identify); echo "${n:--}"
	a=$(ip -o -4 addr show dev eth0 2>/dev/null | awk "{ print \$4 }"); echo "${a:--}"'

# sys_netns_of NAME: the named namespace as /proc/PID/ns/net shows one.
sys_netns_of() { sys_run sh -c 'echo "net:[$(stat -L -c %i "/run/netns/$1")]"' sh "$1" 2>&1; }

# A directory for the tests that need one: slapd for SYS_LDAP_DOMAIN,
# with the base SYS_LDAP_BASE and its admin SYS_LDAP_ADMIN (password
# SYS_LDAP_PASSWORD), the schemas Debian loads (core, cosine, nis,
# inetorgperson), on ldap://127.0.0.1 and ldapi:///.
SYS_LDAP_DOMAIN=example.org
SYS_LDAP_BASE=dc=example,dc=org
SYS_LDAP_ADMIN=cn=admin,$SYS_LDAP_BASE
SYS_LDAP_PASSWORD=system-test

# sys_slapd: slapd made from scratch as an admin answers its questions
# (debconf, then dpkg-reconfigure: a new database, the image's moved to
# /var/backups), enabled and started; waits until it answers.
sys_slapd() {
	sys_run sh -ec '
		printf "slapd %s\n" "slapd/no_configuration boolean false" \
			"slapd/domain string $2" \
			"shared/organization string usernetns system test" \
			"slapd/password1 password $1" "slapd/password2 password $1" \
			"slapd/purge_database boolean true" "slapd/move_old_database boolean true" |
			debconf-set-selections
		DEBIAN_FRONTEND=noninteractive dpkg-reconfigure -f noninteractive slapd
		# (a unit of an init script: --now would not start it)
		systemctl enable --quiet slapd.service
		systemctl start slapd.service
	' sh "$SYS_LDAP_PASSWORD" "$SYS_LDAP_DOMAIN" </dev/null >"$SYS_DIR/slapd.out" 2>&1 || {
		sys_show <"$SYS_DIR/slapd.out"
		return 1
	}
	sys_wait_for ldapsearch -x -H ldap://127.0.0.1 -b "$SYS_LDAP_BASE" -s base
}

# sys_ldap_add: the LDIF on standard input added, as the admin.
sys_ldap_add() {
	sys_run ldapadd -x -H ldap://127.0.0.1 -D "$SYS_LDAP_ADMIN" -w "$SYS_LDAP_PASSWORD" >/dev/null
}
