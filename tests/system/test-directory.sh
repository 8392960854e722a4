#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The packages on a booted Debian 12 whose users live in a real directory:
# slapd (dc=example,dc=org) holds alice and bob and the group netusers
# (both, and the local user carol, are its members); the policy puts
# netusers in mode nat and everyone else in mode none.  Read through SSSD,
# the healthy directory places alice and carol (a files user in a
# directory group); then the outages an SSSD client meets, each built
# from an empty cache, each of which must refuse alice's login (ssh with
# a key, su -) and never open it on the host's network:
#   a. slapd down, SSSD offline, its cache holding only the users' passwd
#      entries (not netusers, not their groups);
#   b. with ignore_group_members = true: alice placed while healthy (by
#      her own group list), then offline with netusers' entry (without
#      members) cached and her groups not;
#   c. carol, whose membership only the directory knows, cold cache;
#   d. the SSSD daemon stopped;
#   e. slapd hung (SIGSTOP): refused within sshd's LoginGraceTime;
# and a user manager started during an outage (enable-linger) is not on
# the host once the directory is back.  Then the same directory through
# nslcd (libnss-ldapd): healthy, alice and carol placed; slapd down, both
# refused.
#
# test-directory.sh PACKAGE_DIR BUILD_DIR: as test-boot.sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tools/tap.sh"
. "$here/lib.sh"

sys_start "$here/test-directory.sh" "$@"

# ---- in the sandbox ------------------------------------------------------------

sys_unpack
sys_add_packages "$PKGDIR"
sys_add_wan "$BUILDDIR"
sys_boot
ok "the system boots (state $SYS_STATE)"

# ---- the packages and the policy, as test-boot.sh installs them ----------------------

run sys_install
check_status "apt install of the three packages, on the running system"
cat >"$SYS_ROOT/etc/security/usernetns.conf" <<'EOF'
[global]
forwarding = enable

[default]
mode = none

[group:netusers]
mode   = nat
pool4  = 10.210.0.0/16
uplink = auto
EOF
run sys_run sh -c 'pam-auth-update --enable usernetns && systemctl enable --now usernetns-firewall'
check_status "pam-auth-update --enable usernetns; systemctl enable --now usernetns-firewall"
# (polled: the unit follows the policy in its own time)
check "the host's table is in place, as the policy makes it" sys_wait_for usernetns-firewall --status
sys_wait_wan || bail_out "the wan's server did not start"
sys_wait_unit ssh.service active || bail_out "sshd did not start"

# ---- the directory -------------------------------------------------------------------

sys_slapd || bail_out "slapd did not start"
sys_ldap_add <<EOF || bail_out "cannot fill the directory"
dn: ou=people,$SYS_LDAP_BASE
objectClass: organizationalUnit
ou: people

dn: ou=groups,$SYS_LDAP_BASE
objectClass: organizationalUnit
ou: groups

dn: cn=ldapusers,ou=groups,$SYS_LDAP_BASE
objectClass: posixGroup
cn: ldapusers
gidNumber: 10000

dn: cn=netusers,ou=groups,$SYS_LDAP_BASE
objectClass: posixGroup
cn: netusers
gidNumber: 10100
memberUid: alice
memberUid: bob
memberUid: carol

dn: uid=alice,ou=people,$SYS_LDAP_BASE
objectClass: inetOrgPerson
objectClass: posixAccount
uid: alice
cn: Alice
sn: Alice
uidNumber: 10001
gidNumber: 10000
homeDirectory: /home/alice
loginShell: /bin/bash

dn: uid=bob,ou=people,$SYS_LDAP_BASE
objectClass: inetOrgPerson
objectClass: posixAccount
uid: bob
cn: Bob
sn: Bob
uidNumber: 10002
gidNumber: 10000
homeDirectory: /home/bob
loginShell: /bin/bash
EOF
alice_uid=10001
check_eq "slapd serves alice, bob and netusers" 3 \
	"$(sys_run ldapsearch -x -H ldap://127.0.0.1 -b "$SYS_LDAP_BASE" -LLL \
		'(|(uid=alice)(uid=bob)(cn=netusers))' dn | grep -c '^dn:')"
sys_run useradd -m -s /bin/bash carol || bail_out "useradd carol failed"
carol_uid=$(sys_run id -u carol)

# ---- SSSD ------------------------------------------------------------------------------

# sssd_conf [LINE...]: sssd.conf (0600) for the directory, LINEs added to
# the domain's section.  Entries expire after a second: while slapd is up
# every lookup asks it, so no case depends on what an earlier one cached.
# The responders start on demand (the package's sockets: no "services").
sssd_conf() {
	{
		cat <<EOF
[sssd]
domains = $SYS_LDAP_DOMAIN

[domain/$SYS_LDAP_DOMAIN]
id_provider = ldap
ldap_uri = ldap://127.0.0.1
ldap_search_base = $SYS_LDAP_BASE
ldap_schema = rfc2307
enumerate = false
entry_cache_timeout = 1
EOF
		printf '%s\n' "$@"
	} >"$SYS_ROOT/etc/sssd/sssd.conf" && chmod 0600 "$SYS_ROOT/etc/sssd/sssd.conf"
}

# directory_up, directory_down: slapd running (and answering), stopped.
directory_up() {
	sys_run systemctl kill --signal=SIGCONT slapd.service >/dev/null 2>&1
	sys_run systemctl start slapd.service &&
		sys_wait_for ldapsearch -x -H ldap://127.0.0.1 -b "$SYS_LDAP_BASE" -s base
}
directory_down() { sys_run systemctl stop slapd.service; }

# sssd_start: the daemon and the sockets of the responders a login asks
# (which start after it: named, so that the start waits for them too);
# reset-failed first, as so many starts would hit the units' start limit.
sssd_start() {
	sys_run systemctl reset-failed 'sssd*' >/dev/null 2>&1
	sys_run systemctl start sssd.service sssd-nss.socket sssd-pam.socket sssd-pam-priv.socket
}

# sssd_fresh WARM: SSSD started on an empty cache (its database and the
# clients' memory cache) with the directory up, then the shell command
# WARM run: the lookups that leave in the cache what a case needs.
sssd_fresh() {
	directory_up || bail_out "slapd does not answer"
	sys_run sh -c 'systemctl stop sssd.service && rm -f /var/lib/sss/db/*.ldb /var/lib/sss/mc/*' &&
		sssd_start || bail_out "sssd did not start"
	sys_run sh -c "$1" >/dev/null 2>&1
}

# The logins.  placed HOW USER WHAT: USER's login by HOW lands in
# user-USER.  refused HOW USER WHAT: it does not open at all (never on
# the host's network, nor anywhere); the reason shown, from the journal,
# and how long the login took in login_ms.
host_net=$(sys_run readlink /proc/1/ns/net)
placed() {
	local how=$1 user=$2 what=$3 ns
	run sys_login "$how" "$user" "$SYS_PROBE"
	ns=$(sys_netns_of "user-$user")
	if [ "$status" -eq 0 ] && [ "$(echo "$out" | sed -n 1,2p)" = "$ns
user-$user" ]; then
		ok "$what: $user is placed in user-$user"
	else
		not_ok "$what: $user is placed in user-$user"
		diag "exit status $status" "the login:" "$out"
		[ "$(echo "$out" | sed -n 1p)" = "$host_net" ] && diag "(that is the host's network)"
		sys_journal
	fi
}
refused() {
	local how=$1 user=$2 what=$3 cursor start
	cursor=$(sys_run journalctl --quiet --no-pager -n 0 --show-cursor | sed -n 's/^-- cursor: //p')
	start=${EPOCHREALTIME/./}
	run sys_login "$how" "$user" "$SYS_PROBE"
	login_ms=$(((${EPOCHREALTIME/./} - start) / 1000))
	case $out in
	*net:\[*)
		not_ok "$what: $user is refused"
		if [ "$(echo "$out" | sed -n 1p)" = "$host_net" ]; then
			diag "her login opened ON THE HOST'S NETWORK (exit status $status):"
		else
			diag "the login opened (exit status $status):"
		fi
		diag "$out"
		why "$cursor"
		;;
	*)
		if [ "$status" -ne 0 ]; then
			ok "$what: $user is refused"
			why "$cursor" | grep . || echo "$out" | tail -n 1 | sys_show
		else
			not_ok "$what: $user is refused"
			diag "exit status 0, yet no shell ran:" "$out"
		fi
		;;
	esac
}
# why CURSOR: the journal's first line after CURSOR that says why a
# login was refused, as a TAP comment.
why() {
	sys_run journalctl --no-pager --quiet -o cat --after-cursor="$1" |
		grep -m 1 -E 'pam_usernetns|Access denied|Invalid user|FAILED SU' | sys_show
}

# manager_off_host UID: no user manager of UID's runs on the host's
# network (it may run in a namespace, or not at all); polled until its
# start or stop is over.
manager_settled() {
	case $(sys_run systemctl is-active "user@$1.service") in
	activating | deactivating | reloading) return 1 ;;
	esac
}
manager_off_host() {
	local pid
	sys_poll manager_settled "$1"
	pid=$(sys_run systemctl show --property=MainPID --value "user@$1.service")
	[ "${pid:-0}" = 0 ] || [ "$(sys_run readlink "/proc/$pid/ns/net")" != "$host_net" ]
}
check_manager() {
	if manager_off_host "$1"; then
		ok "$2"
	else
		not_ok "$2"
		diag "user@$1.service runs on the host's network"
	fi
}

# end_sessions: every login of alice's and carol's ended and their user
# managers stopped (at once: logind would keep them 10 s); the units of
# refused managers forgotten (their failures are expected).
logged_out() {
	[ -z "$(sys_run loginctl list-sessions --no-legend 2>/dev/null | awk '$3 == "alice" || $3 == "carol"')" ]
}
end_sessions() {
	local units=("user@$alice_uid.service" "user@$carol_uid.service")
	sys_run loginctl terminate-user alice >/dev/null 2>&1
	sys_run loginctl terminate-user carol >/dev/null 2>&1
	sys_poll logged_out || bail_out "the sessions of alice and carol do not end"
	sys_run systemctl stop "${units[@]}" || bail_out "cannot stop the user managers of alice and carol"
	sys_run systemctl reset-failed "${units[@]}" >/dev/null 2>&1
}

sssd_conf
sssd_fresh true
for user in alice bob; do
	sys_run install -d -m 0755 -o "$user" -g ldapusers "/home/$user" || bail_out "no home for $user"
done
for user in alice carol; do sys_ssh_key "$user" || bail_out "no ssh key for $user"; done

echo "# SSSD, healthy"
check_contains "alice is in netusers (id, through SSSD)" "10100" "$(sys_run id -G alice)"
placed ssh alice "ssh with a key"
placed su alice "su -"
# (SSSD answers no initgroups for a user outside its domain: carol's
# group list lacks netusers, whose entry lists her)
placed ssh carol "a files user in a directory group, ssh with a key"
placed su carol "a files user in a directory group, su -"
end_sessions

echo "# a. SSSD offline (slapd down), only the users' passwd entries cached"
sssd_fresh 'getent passwd alice bob; ls -l /home'
directory_down
check_eq "as in the field: SSSD knows alice, not netusers, and her groups lack it" \
	"alice:10001 netusers: groups:10000" \
	"alice:$(sys_run id -u alice) netusers:$(sys_run getent group netusers) groups:$(sys_run id -G alice)"
refused ssh alice "a. ssh with a key"
refused su alice "a. su -"
check_manager "$alice_uid" "a. no user manager of hers runs on the host's network"
end_sessions
# A user manager started during the outage, by lingering: logind starts
# it at once, through the systemd-user stack.  Once the directory is back
# it must not be found on the host.
sys_run loginctl enable-linger alice || bail_out "cannot make alice linger"
sys_poll manager_settled "$alice_uid"
directory_up || bail_out "slapd does not answer"
sys_run systemctl stop sssd.service && sssd_start || bail_out "sssd did not restart"
check_manager "$alice_uid" "a. a user manager started during the outage (enable-linger) is not on the host afterwards"
sys_run loginctl disable-linger alice
end_sessions

echo "# b. ignore_group_members = true: netusers' entry cached without members, her groups not"
# As at a site that sets it: healthy, she is a member by her own group
# list alone, and placed so; then the outage.
sssd_conf 'ignore_group_members = true'
sssd_fresh true
check_eq "healthy, netusers' entry lists nobody" "netusers:*:10100:" "$(sys_run getent group netusers)"
placed ssh alice "b. healthy, ssh with a key"
end_sessions
sssd_fresh 'getent passwd alice bob; getent group netusers'
directory_down
check_eq "as in the field: netusers without members, her groups lack it" \
	"netusers:*:10100: groups:10000" \
	"$(sys_run getent group netusers) groups:$(sys_run id -G alice)"
refused ssh alice "b. ssh with a key"
refused su alice "b. su -"
check_manager "$alice_uid" "b. no user manager of hers runs on the host's network"
end_sessions
sssd_conf

echo "# c. carol (files) in netusers (directory), SSSD offline on a cold cache"
sssd_fresh true
directory_down
check_eq "as in the field: netusers unknown, carol's groups lack it" \
	"netusers: groups:$(sys_run id -g carol)" \
	"netusers:$(sys_run getent group netusers) groups:$(sys_run id -G carol)"
refused ssh carol "c. ssh with a key"
refused su carol "c. su -"
check_manager "$carol_uid" "c. no user manager of hers runs on the host's network"
end_sessions

echo "# d. the SSSD daemon stopped (slapd up)"
sssd_fresh 'getent passwd alice bob; ls -l /home'
sys_run systemctl stop sssd.service || bail_out "cannot stop sssd"
refused ssh alice "d. ssh with a key"
refused su alice "d. su -"
refused ssh carol "d. carol, ssh with a key"
refused su carol "d. carol, su -"
check_manager "$alice_uid" "d. no user manager of alice's runs on the host's network"
check_manager "$carol_uid" "d. nor of carol's"
end_sessions

echo "# e. slapd hung (SIGSTOP): lookups time out"
sssd_fresh 'getent passwd alice bob; ls -l /home'
sys_run systemctl kill --signal=SIGSTOP slapd.service || bail_out "cannot stop slapd's process"
grace=$(sys_run sshd -T | awk '$1 == "logingracetime" { print $2 }')
refused ssh alice "e. ssh with a key"
diag "the ssh login took $login_ms ms (sshd's LoginGraceTime: $grace s)"
check "e. within sshd's LoginGraceTime" test "$login_ms" -lt "$((${grace:-120} * 1000))"
refused su alice "e. su -"
check_manager "$alice_uid" "e. no user manager of hers runs on the host's network"
end_sessions

echo "# SSSD, healthy again"
sssd_fresh true
placed ssh alice "after the outages, ssh with a key"
end_sessions

# ---- nslcd ------------------------------------------------------------------------------

echo "# nslcd (libnss-ldapd) instead of SSSD"
run sys_run sh -ec "
	systemctl disable --quiet --now sssd.service
	pam-auth-update --disable sss
	sed -i '/^\(passwd\|group\|shadow\):/s/ sss\$/ ldap/' /etc/nsswitch.conf
	printf '%s\n' 'uid nslcd' 'gid nslcd' 'uri ldap://127.0.0.1/' 'base $SYS_LDAP_BASE' >/etc/nslcd.conf
	systemctl enable --quiet nslcd.service && systemctl start nslcd.service"
check_status "SSSD replaced by nslcd (nsswitch.conf, pam-auth-update --disable sss)"
directory_up || bail_out "slapd does not answer"
check_contains "alice is in netusers (id, through nslcd)" "10100" "$(sys_run id -G alice)"
placed ssh alice "nslcd: ssh with a key"
placed su alice "nslcd: su -"
placed ssh carol "nslcd: a files user in a directory group, ssh with a key"
placed su carol "nslcd: a files user in a directory group, su -"
end_sessions

directory_down
refused ssh alice "nslcd, slapd down: ssh with a key"
refused su alice "nslcd, slapd down: su -"
refused ssh carol "nslcd, slapd down: ssh with a key"
refused su carol "nslcd, slapd down: su -"
check_manager "$alice_uid" "nslcd, slapd down: no user manager of alice's runs on the host's network"
check_manager "$carol_uid" "nor of carol's"
end_sessions

check_eq "no unit failed" "" "$(sys_run systemctl --failed --no-legend --plain)"
diag "took $(($(date +%s) - SYS_STARTED)) s"
done_testing
