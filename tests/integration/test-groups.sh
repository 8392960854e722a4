#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Group namespaces (share = group): members' logins through a real PAM
# stack (tests/pam-session: open, the command as the member, close) land
# in the group's one namespace; fifty members at once make one; the last
# member's last logout removes it; the helpers as members and as others;
# a member who leaves the group is placed by the rules that now apply.
set -u
. "$(dirname "$0")/../tools/tap.sh"

: "${USERNETNS_BUILDDIR:?}" "${USERNETNS_POLICY_PATH:?}" "${USERNETNS_STATEDIR:?}"
: "${USERNETNS_CAPS_CREATE:?}" "${USERNETNS_CAPS_CLEANUP:?}"
: "${USERNETNS_CAPS_JOIN:?}" "${USERNETNS_CAPS_LIST:?}"

if [ -z "${USERNETNS_IN_SANDBOX:-}" ]; then
	USERNETNS_IN_SANDBOX=1 exec "$USERNETNS_BUILDDIR/tests/sandbox-run" "$0" "$@"
fi
. "$(dirname "$0")/../tools/world.sh"

module=$USERNETNS_BUILDDIR/pam/.libs/pam_usernetns.so
session=$USERNETNS_BUILDDIR/tests/pam-session
[ -f "$module" ] || bail_out "no module at $module"

world_writable_etc
gid=3000
echo "vpnteam:x:$gid:" >>/etc/group
add_user ana 1301 vpnteam gnet
add_user ben 1302 vpnteam gnet
add_user cyd 1303 gnet
add_user adm1 1304 gadmin
for i in $(seq -w 1 50); do
	add_user "m$i" $((1400 + 10#$i)) vpnteam
done

write_policy <<'EOF'
[global]
admin_group = gadmin
[default]
mode = none
[group:vpnteam]
mode       = veth
share      = group
netns_name = team-%g
pool4      = 10.220.0.0/16
[group:gnet]
mode  = veth
pool4 = 10.200.0.0/16
EOF

"$USERNETNS_BUILDDIR/tests/pam-service" /etc/pam.d/usernetns-groups ||
	bail_out "cannot write the PAM service"

# login USER COMMAND...: a whole session of USER running COMMAND.
login() {
	local user=$1
	shift
	out=$("$session" usernetns-groups "$user" "$@" 2>/run/stderr)
	status=$?
	err=$(cat /run/stderr)
}

# A session that stays open until its flag file goes: login_bg USER NAME.
mkdir -p -m 1777 /run/hold
login_bg() {
	: >"/run/hold/$2"
	"$session" usernetns-groups "$1" sh -c \
		'ip netns identify > "$0.where"; while [ -e "$0" ]; do sleep 0.05; done' "/run/hold/$2" \
		2>"/run/hold/$2.err" &
	eval "pid_$2=$!"
	wait_for test -s "/run/hold/$2.where" || diag "session $2 did not open: $(cat "/run/hold/$2.err")"
}
logout_bg() {
	local pid
	eval "pid=\$pid_$2"
	rm -f "/run/hold/$2"
	wait "$pid"
}

inode() { stat -L -c %i "$1" 2>/dev/null; }

# ---- members share one namespace -----------------------------------------------

login_bg ana a
check_eq "ana lands in the group's namespace" "team-vpnteam" "$(cat /run/hold/a.where)"
check "its record is the group's" test -f "/run/usernetns/users/g$gid"
check_contains "named by the group" "group=vpnteam" "$(cat /run/usernetns/users/g$gid)"
check "one host end for the group, vg<gid>" bash -c 'ip link show "vg$0" >/dev/null' "$gid"
check_contains "marked as the group's" "usernetns gid=$gid" "$(ip -d link show "vg$gid")"
check "one lease for the group" bash -c 'ls "$0"/leases/*/gid-"$1" >/dev/null' "$USERNETNS_STATEDIR" "$gid"
check "and none for ana" bash -c '! ls "$0"/leases/*/uid-1301 >/dev/null 2>&1' "$USERNETNS_STATEDIR"
first=$(inode /run/netns/team-vpnteam)

login_bg ben b
check_eq "ben lands in the same one" "team-vpnteam" "$(cat /run/hold/b.where)"
check_eq "the very same namespace" "$first" "$(inode /run/netns/team-vpnteam)"
login cyd sh -c 'ip netns identify'
check_eq "cyd, not a member, lands in her own" "user-cyd" "$out"

"$USERNETNS_BUILDDIR/helpers/usernetns-list" >/run/list.out
check_contains "usernetns-list shows the group as its owner" "vpnteam" "$(cat /run/list.out)"
check_contains "and who is inside" "team-vpnteam (group vpnteam): " "$(cat /run/list.out)"
check_contains "ana with one session" "ana 1" "$(cat /run/list.out)"
check_contains "ben with one" "ben 1" "$(cat /run/list.out)"
members=$("$USERNETNS_BUILDDIR/helpers/usernetns-list" --json |
	jq -r '.namespaces[] | select(.group == "vpnteam") | .members | map(.user) | sort | join(",")')
check_eq "--json lists the members" "ana,ben" "$members"

logout_bg ana a
check "ana's logout leaves it to ben" mountpoint -q /run/netns/team-vpnteam
logout_bg ben b
check "the last member's last logout removes it" test ! -e /run/netns/team-vpnteam
check "with its host end" bash -c '! ip link show "vg$0" >/dev/null 2>&1' "$gid"
check "and its record" test ! -e "/run/usernetns/users/g$gid"

# ---- fifty members at once make one namespace ------------------------------------

# Each session stays until all fifty have said where they are: sessions
# that ended before a later login came would rightly leave it a new
# namespace (the last logout removes the old one), and the test would
# depend on how fast the machine starts fifty logins.
: >/run/m-hold
for i in $(seq -w 1 50); do
	"$session" usernetns-groups "m$i" sh -c \
		'readlink /proc/self/ns/net; while [ -e /run/m-hold ]; do sleep 0.05; done' \
		>"/run/m$i.ns" 2>"/run/m$i.err" &
done
wait_for bash -c '[ "$(grep -l . /run/m*.ns | wc -l)" -eq 50 ] || [ "$(grep -l . /run/m*.err | wc -l)" -gt 0 ]'
rm -f /run/m-hold
wait
distinct=$(cat /run/m*.ns | sort -u | wc -l)
failed=$(grep -l . /run/m*.err 2>/dev/null | wc -l)
check_eq "fifty members at once: every login succeeds" 0 "$failed"
check_eq "all in one namespace" 1 "$distinct"
check_eq "one lease" 1 "$(ls "$USERNETNS_STATEDIR"/leases/*/ | grep -c "^gid-$gid$")"
check "and all gone after the last logout" test ! -e /run/netns/team-vpnteam

# ---- the helpers -------------------------------------------------------------

bin=/run/bin
helpers_with_caps "$bin"

as ana "$bin/usernetns-create" --dry-run
check_contains "the dry run says whose it is" "shared by the members of group vpnteam (gid $gid)" "$out"
check_contains "and names it" "namespace   team-vpnteam" "$out"
as ana "$bin/usernetns-create"
check_eq "a member creates the group's namespace" 0 "$status"
[ "$status" -eq 0 ] || diag "$out" "$err"
check "it exists" mountpoint -q /run/netns/team-vpnteam
as ben "$bin/usernetns-join" -- sh -c 'readlink /proc/self/ns/net'
check_eq "another member joins it" "net:[$(inode /run/netns/team-vpnteam)]" "$out"
as cyd "$bin/usernetns-join" -- sh -c 'readlink /proc/self/ns/net'
check "cyd does not get it" [ "$out" != "net:[$(inode /run/netns/team-vpnteam)]" ]
as ben "$bin/usernetns-list"
check_contains "a member lists it" "team-vpnteam" "$out"
as cyd "$bin/usernetns-list"
check_lacks "others do not" "team-vpnteam" "$out"


login_bg ana c
as ben "$bin/usernetns-cleanup"
check_contains "a member's cleanup keeps it while a member is inside" "kept team-vpnteam of vpnteam" "$out"
check "it stays" mountpoint -q /run/netns/team-vpnteam
as ben "$bin/usernetns-cleanup" --force
check_eq "--force is not for members" 3 "$status"
as adm1 "$bin/usernetns-cleanup" --all --dry-run
check_contains "admin_group sees it" "team-vpnteam" "$out"
logout_bg ana c

# ---- leaving the group ---------------------------------------------------------

as ana "$bin/usernetns-create"
sed -i 's/^\(vpnteam:x:[0-9]*:\)ana,/\1/; s/^\(vpnteam:x:[0-9]*:.*\),ana\b/\1/' /etc/group
check_lacks "ana is out of the group" "ana" "$(grep '^vpnteam:' /etc/group | cut -d: -f4 | tr , '\n' | grep -x ana)"
login ana sh -c 'ip netns identify'
check_eq "her next login is placed by the rules that now apply" "user-ana" "$out"
as ana "$bin/usernetns-join" -- sh -c 'readlink /proc/self/ns/net'
check "usernetns-join no longer gives her the group's" [ "$out" != "net:[$(inode /run/netns/team-vpnteam)]" ]

# ---- the group no longer shares: its lease goes --------------------------------

sed -i 's/^share      = group/share      = user/; /^netns_name = team-%g/d' "$USERNETNS_POLICY_PATH"
"$USERNETNS_BUILDDIR/helpers/usernetns-cleanup" --all >/run/cleanup.out 2>&1
check_contains "cleanup removes the group's unused namespace" "removed team-vpnteam of vpnteam" "$(cat /run/cleanup.out)"
check_contains "and releases the group's lease" "of gid $gid: vpnteam gets no addresses from the policy" "$(cat /run/cleanup.out)"
check "the lease file is gone" bash -c '! ls "$0"/leases/*/gid-"$1" >/dev/null 2>&1' "$USERNETNS_STATEDIR" "$gid"

done_testing
