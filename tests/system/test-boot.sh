#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The packages in a booted Debian 12, as a machine in the field runs them:
# systemd as PID 1 (systemd-nspawn), logind, sshd, su, sudo, the user
# manager, nftables.  Install on the running system, the admin's steps
# (pam-auth-update, a policy, the firewall unit), a reboot loading the
# host's table; then real logins: alice (netusers, mode nat) by ssh with a
# key lands in user-alice and reaches a "wan" through NAT, and so do her
# su -, sudo -iu and machinectl shell logins and her user manager; bob
# (no member) and root stay on the host.  Then the field's promises: the
# last logout removes her namespace when logind stops her user manager
# (not while she lingers); joins racing that removal are never left in a
# namespace without name or links; an edited policy reaches the host's
# table by itself; dns = host resolves through the host's resolver; and a
# broken policy leaves root alone.  The container has a network of its
# own (--private-network): its "wan" is a namespace inside it, with
# documentation addresses.
#
# test-boot.sh PACKAGE_DIR BUILD_DIR: the .debs as scripts/package leaves
# them; BUILD_DIR has tests/whoami-server and tests/dns-answer (the wan's
# servers).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tools/tap.sh"
. "$here/lib.sh"

# (the wan's servers, beside whoami-server: sys_start checks they are built)
SYS_PROGRAMS=dns-answer
sys_start "$here/test-boot.sh" "$@"

# ---- in the sandbox ------------------------------------------------------------

sys_unpack
sys_add_packages "$PKGDIR"
sys_add_wan "$BUILDDIR"

# ---- install on the running system, the admin's steps ------------------------------

sys_boot
ok "the system boots (systemd $(sys_run systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p'), state $SYS_STATE)"

run sys_install
check_status "apt install of the three packages, on the running system"
check "usernetns-cleanup.timer is active" sys_unit_is usernetns-cleanup.timer active

sys_run groupadd netusers && sys_run useradd -m -s /bin/bash -G netusers alice &&
	sys_run useradd -m -s /bin/bash bob || bail_out "useradd failed"
for user in alice bob root; do sys_ssh_key "$user" || bail_out "no ssh key for $user"; done
alice_uid=$(sys_run id -u alice)

cat >"$SYS_ROOT/etc/security/usernetns.conf" <<'EOF'
[global]
forwarding = enable

[default]
mode = none

[group:netusers]
mode   = nat
pool4  = 10.210.0.0/16
uplink = auto
deny   = 203.0.113.0/24
EOF
run sys_run usernetns-create --dry-run alice
check_contains "the policy is read: alice is handled by [group:netusers]" "handled by [group:netusers]" "$out"
run sys_run pam-auth-update --enable usernetns
check_status "pam-auth-update --enable usernetns"
check_eq "the module is in common-session and common-session-noninteractive" \
	"/etc/pam.d/common-session
/etc/pam.d/common-session-noninteractive" \
	"$(sys_run grep -l 'pam_usernetns[.]so' /etc/pam.d/common-session /etc/pam.d/common-session-noninteractive)"
run sys_run systemctl enable --now usernetns-firewall
check_status "systemctl enable --now usernetns-firewall"
# (polled: a unit that follows the policy may reload it in its own time)
if sys_wait_for usernetns-firewall --status; then
	ok "the host's table is in place, as the policy makes it"
else
	not_ok "the host's table is in place, as the policy makes it"
	sys_run usernetns-firewall --status 2>&1 | sys_show
fi

# ---- a reboot: the table at boot ---------------------------------------------------

sys_poweroff
sys_boot
ok "the system boots again (state $SYS_STATE)"
check "usernetns-firewall.service is active after the boot" sys_unit_is usernetns-firewall.service active
run sys_run usernetns-firewall --status
check_status "the table is loaded, as the policy makes it"
check_contains "masquerading out of whatever is not a host end (uplink = auto: routes may come late)" \
	'oifname != "vu*" masquerade' "$(sys_run nft list table inet usernetns)"
check_eq "forwarding = enable: IPv4 forwarding is on" 1 "$(sys_run cat /proc/sys/net/ipv4/ip_forward)"
sys_wait_wan || bail_out "the wan's server did not start"
check "sshd runs" sys_wait_unit ssh.service active

# ---- logins ------------------------------------------------------------------------

host_net=$(sys_run readlink /proc/1/ns/net)
alice_net() { sys_netns_of user-alice; }

# placed HOW WHAT: alice's login by HOW (WHAT says how) lands in user-alice.
placed() {
	local how=$1 what=$2 ns
	run sys_login "$how" alice "$SYS_PROBE"
	if [ "$status" -ne 0 ]; then
		not_ok "$what: alice logs in"
		diag "exit status $status" "$out"
		sys_journal
		return
	fi
	ok "$what: alice logs in"
	ns=$(alice_net)
	if [ "$(echo "$out" | sed -n 1,2p)" = "$ns
user-alice" ]; then
		ok "and her shell is in user-alice (ip netns identify, /proc/self/ns/net)"
	else
		not_ok "and her shell is in user-alice (ip netns identify, /proc/self/ns/net)"
		diag "user-alice: $ns" "the login:" "$out"
		sys_journal
	fi
	check "not on the host's network (PID 1's)" test "$(echo "$out" | sed -n 1p)" != "$host_net"
	check_contains "with eth0 addressed from the pool" "10.210." "$(echo "$out" | sed -n 3p)"
}

placed ssh "ssh with a key"
# reach ADDR: what the wan's server at ADDR says to alice's ssh login.
reach() { run sys_login ssh alice "exec 3<>/dev/tcp/$1/7 && cat <&3"; }
reach "${SYS_WAN%% *}"
check_eq "she reaches the wan, which sees the machine's uplink address (NAT)" "$SYS_UPLINK" "$out"
reach "${SYS_WAN##* }"
check_contains "a denied network fails at once" "Permission denied" "$out"

# The user manager (user@UID.service) that her login starts opens its
# own session through the systemd-user stack: it, and the services it
# runs, are in her namespace.  Her login stays open (reading a FIFO) while
# root looks at the manager's process.
mkdir -p "$SYS_ROOT/home/alice/.config/systemd/user" &&
	cat >"$SYS_ROOT/home/alice/.config/systemd/user/where.service" <<'EOF' &&
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'readlink /proc/self/ns/net >%h/where.out'
EOF
	sys_run chown -R alice:alice /home/alice/.config && sys_run mkfifo -m 0644 /run/hold ||
	bail_out "cannot write alice's user unit"
sys_login ssh alice 'readlink /proc/self/ns/net
	systemctl --user start where.service && cat ~/where.out
	read -r line </run/hold' >"$SYS_DIR/held.out" &
held=$!
# (her login is in once it has said both)
held_in() {
	[ "$(wc -l <"$SYS_DIR/held.out")" -ge 2 ] && return 0
	kill -0 "$held" 2>/dev/null || return 2
	return 1
}
sys_poll held_in
ns=$(alice_net)
check_eq "her systemctl --user starts a service there, in user-alice too" "$ns
$ns" "$(cat "$SYS_DIR/held.out")"
check "her user manager runs" sys_unit_is "user@$alice_uid.service" active
manager=$(sys_run systemctl show --property=MainPID --value "user@$alice_uid.service")
check_eq "in user-alice (/proc/PID/ns/net of user@$alice_uid.service's process)" \
	"$ns" "$(sys_run readlink "/proc/$manager/ns/net" 2>&1)"
# node_exporter's textfile directory, as prometheus-node-exporter makes it:
# the timer's service writes every user's traffic there.
check "usernetns-metrics.timer is active" sys_unit_is usernetns-metrics.timer active
sys_run mkdir -p /var/lib/prometheus/node-exporter
run sys_run systemctl start usernetns-metrics.service
check_status "usernetns-metrics.service runs where node_exporter's textfile directory is"
check_contains "and writes alice's traffic there, in the text format node_exporter reads" \
	'usernetns_sent_bytes_total{namespace="user-alice",owner="alice",kind="user"} ' \
	"$(sys_run cat /var/lib/prometheus/node-exporter/usernetns.prom 2>&1)"
sys_run timeout "$SYS_WAIT" sh -c 'echo >/run/hold'
wait "$held"

# ---- not placed ------------------------------------------------------------------

# on_host HOW USER WHAT: USER's login by HOW stays on the host's network.
on_host() {
	local how=$1 user=$2 what=$3
	run sys_login "$how" "$user" "$SYS_PROBE"
	if [ "$status" -ne 0 ]; then
		not_ok "$what: $user logs in"
		diag "exit status $status" "$out"
		sys_journal
		return
	fi
	ok "$what: $user logs in"
	check_eq "and stays on the host's network, in no namespace of ours" "$host_net -" \
		"$(echo "$out" | sed -n 1,2p | tr '\n' ' ' | sed 's/ $//')"
}
on_host ssh bob "ssh with a key, not in netusers"
on_host ssh root "ssh with a key"
check_eq "no namespace was made for either" "" \
	"$(sys_run ip netns list | cut -d' ' -f1 | grep -v -e '^user-alice$' -e '^wan$')"

# ---- other login programs --------------------------------------------------------

placed su "su - alice (root, in a service)"
placed sudo "sudo -iu alice (root, in a service)"
placed machinectl "machinectl shell alice@.host"
on_host su root "su - root"
on_host sudo root "sudo -i"
on_host machinectl root "machinectl shell root@.host"

# ---- the last logout -------------------------------------------------------------

# Every login of alice's above has ended; her user manager, which joined
# her namespace, outlives them until logind stops it (a few seconds), and
# its drop-in's ExecStopPost removes the namespace then.
gone() { ! sys_run test -e /run/netns/user-alice; }
if sys_poll gone; then
	ok "her last logout: the namespace goes once logind stops her user manager"
else
	not_ok "her last logout: the namespace goes once logind stops her user manager"
	# What kept it: the manager's end, the cleanup's word, who is inside.
	diag "$(sys_run journalctl --no-pager --quiet -n 30 -o short-monotonic \
		-u "user@$alice_uid.service" -t usernetns-cleanup 2>&1)"
	diag "$(sys_run usernetns-list 2>&1)"
	diag "$(sys_run usernetns-cleanup --dry-run --as-teardown --uid "$alice_uid" 2>&1)"
	diag "$(sys_run ps -eo pid,user,netns,args 2>&1 | grep -v ' - ')"
fi
check "her user manager has stopped" sys_wait_unit "user@$alice_uid.service" inactive
check "and so has her namespace's host end (vu$alice_uid)" \
	sys_wait_for sh -c "! ip link show vu$alice_uid"

# Lingering, the manager stays after the last session, and so does the
# namespace; when it stops, the namespace goes.
sys_run loginctl enable-linger alice || bail_out "cannot make alice linger"
run sys_login ssh alice "$SYS_PROBE"
check_status "lingering: alice logs in"
no_session() { [ -z "$(sys_run loginctl list-sessions --no-legend | awk '$3 == "alice"')" ]; }
sys_poll no_session || bail_out "alice's session never ended"
check "lingering: after her last logout her manager runs" sys_unit_is "user@$alice_uid.service" active
check "and her namespace stays" sys_run test -e /run/netns/user-alice
sys_run loginctl disable-linger alice
check "once she no longer lingers, the manager stops and the namespace goes" sys_poll gone

# ---- usernetns-join against the last logout ------------------------------------------

# 30 times: a join of alice's and the removal her last logout runs, at
# once.  The join either lands in her live, named namespace (which the
# removal then keeps) or fails with an error; never in one without name
# or links.
orphans=0 joined=0 refused=0
for i in $(seq 30); do
	sys_run usernetns-create alice >/dev/null 2>&1 || bail_out "cannot make alice's namespace"
	sys_run sh -c "setpriv --reuid=alice --regid=alice --init-groups -- usernetns-join -- \
			sh -c 'readlink /proc/self/ns/net; sleep 1' >/run/join.out 2>&1 &
		usernetns-cleanup --as-teardown --uid $alice_uid >/dev/null 2>&1; wait"
	first=$(sys_run head -n 1 /run/join.out)
	case $first in
	net:*)
		if [ "$first" = "$(alice_net)" ]; then
			joined=$((joined + 1))
		else
			orphans=$((orphans + 1))
			diag "trial $i: joined $first, user-alice is $(alice_net)"
		fi
		;;
	*"being removed"* | *"has no namespace"*) refused=$((refused + 1)) ;;
	*) orphans=$((orphans + 1)); diag "trial $i: $(sys_run cat /run/join.out)" ;;
	esac
done
diag "30 joins against the last logout: $joined in a live namespace, $refused refused"
check_eq "no join ever lands in a namespace without name or links" 0 "$orphans"
sys_run usernetns-cleanup --as-teardown --uid "$alice_uid" >/dev/null 2>&1

# ---- editing the policy is all it takes ------------------------------------------------

cp "$SYS_ROOT/etc/security/usernetns.conf" "$SYS_DIR/policy.good"
run sys_run usernetns-create alice
check_status "alice's namespace is there before the edit"
# A section more, and a limit for the section alice is in.
printf '\n[group:staff]\nmode  = nat\npool4 = 10.211.0.0/16\n' >>"$SYS_ROOT/etc/security/usernetns.conf"
sed -i 's/^\[group:netusers\]$/&\nrate_out = 20mbit/' "$SYS_ROOT/etc/security/usernetns.conf"
follows() { sys_run nft list table inet usernetns | grep -q 10.211.0.0/16 && sys_run usernetns-firewall --status; }
check "an edited policy reaches the host's table by itself (the path unit), and --status is fine" \
	sys_poll follows
limited() { sys_run ip netns exec user-alice tc qdisc show dev eth0 root | grep -q 'rate 20Mbit'; }
check "and her live namespace, by usernetns-create --reload from the same unit" sys_poll limited
sys_run usernetns-cleanup --as-teardown --uid "$alice_uid" >/dev/null 2>&1

# ---- names on a stock host: dns = host -----------------------------------------------

# The host's resolver is on the "internet" (as DHCP gives one); the
# policy denies its network for everything but DNS to it.
cp "$BUILDDIR/tests/dns-answer" "$SYS_ROOT/usr/local/bin/" || bail_out "no dns-answer"
sys_run ip -n wan addr add 198.51.100.53/24 dev wan0 &&
	sys_run systemd-run --quiet --unit=answer -p NetworkNamespacePath=/run/netns/wan \
		/usr/local/bin/dns-answer 198.51.100.53 test.example 203.0.113.80 ||
	bail_out "cannot start the resolver"
echo "nameserver 198.51.100.53" >"$SYS_ROOT/etc/resolv.conf"
sed -i 's|^deny   = 203.0.113.0/24$|deny   = 203.0.113.0/24, 198.51.100.0/24\ndns    = host|' \
	"$SYS_ROOT/etc/security/usernetns.conf"
sys_wait_for sh -c 'ip netns exec wan ss -Hluln | grep -q "198.51.100.53:53 "' ||
	bail_out "the resolver did not start"
run sys_login ssh alice 'getent hosts test.example'
check_contains "dns = host: alice resolves names through the host's resolver" "203.0.113.80" "$out"
reach "${SYS_WAN%% *}"
check_contains "while the rest of that network is denied" "Permission denied" "$out"
cp "$SYS_DIR/policy.good" "$SYS_ROOT/etc/security/usernetns.conf"

# ---- a typo in the policy never locks root out -----------------------------------------

printf '[global]\nmin_uid = 1000\n' >>"$SYS_ROOT/etc/security/usernetns.conf"
on_host ssh root "a second [global] in the policy: ssh root with a key"
on_host su root "and su - root"
on_host sudo root "and sudo -i"
on_host machinectl root "and machinectl shell root@.host"
run sys_login ssh alice "$SYS_PROBE"
check "alice's login is refused, never opened on the host" [ "$status" -ne 0 ]
check_contains "and the module says so at LOG_CRIT" "pam_usernetns" \
	"$(sys_run journalctl --no-pager -q -p crit -g 'pam_usernetns')"
cp "$SYS_DIR/policy.good" "$SYS_ROOT/etc/security/usernetns.conf"
placed ssh "the policy mended: ssh with a key"

check_eq "no unit failed" "" "$(sys_run systemctl --failed --no-legend --plain)"
diag "took $(($(date +%s) - SYS_STARTED)) s"
done_testing
