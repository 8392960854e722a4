#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The helpers as users run them: copies of the built binaries with the
# file capabilities make install gives them, started as unprivileged uids
# with setpriv(1), in the sandbox.  /etc is an overlay there, so the test
# users, the policy and /etc/netns exist only inside.
set -u
. "$(dirname "$0")/../tools/tap.sh"

: "${USERNETNS_BUILDDIR:?}" "${USERNETNS_POLICY_PATH:?}"
: "${USERNETNS_CAPS_CREATE:?}" "${USERNETNS_CAPS_CLEANUP:?}"
: "${USERNETNS_CAPS_JOIN:?}" "${USERNETNS_CAPS_LIST:?}"

if [ -z "${USERNETNS_IN_SANDBOX:-}" ]; then
	USERNETNS_IN_SANDBOX=1 exec "$USERNETNS_BUILDDIR/tests/sandbox-run" "$0" "$@"
fi

# ---- setting up --------------------------------------------------------------

. "$(dirname "$0")/../tools/world.sh"
world_writable_etc

cat >>/etc/passwd <<'EOF'
alice:x:1001:1001::/tmp:/bin/sh
bob:x:1002:1002::/tmp:/bin/sh
carol:x:1003:1003::/tmp:/bin/sh
dave:x:1004:1004::/tmp:/bin/sh
eve:x:1005:1005::/tmp:/bin/sh
EOF
cat >>/etc/group <<'EOF'
alice:x:1001:
bob:x:1002:
carol:x:1003:
dave:x:1004:
eve:x:1005:
netusers:x:2000:alice,bob,carol,eve
netadmin:x:2001:carol
EOF

write_policy <<'EOF'
[global]
admin_group = netadmin
[default]
mode = none
[group:netusers]
mode = veth
pool4 = 10.200.0.0/16
EOF

bin=/run/bin
helpers_with_caps "$bin"
cp "$USERNETNS_BUILDDIR/tests/.libs/evil-preload.so" "$bin/" || bail_out "no evil-preload.so"
: >/run/evil.log
chmod 0666 /run/evil.log

inode() { stat -L -c %i "$1" 2>/dev/null; }

# ---- create ------------------------------------------------------------------

# The first namespace since boot, made under a strict umask: the umask of
# whoever comes first must not decide who may use the directories.
saved_umask=$(umask)
umask 077
as alice "$bin/usernetns-create"
umask "$saved_umask"
check_eq "alice creates her own namespace" 0 "$status"
check_contains "and is told what was made" "alice: namespace user-alice created (vu1001 10.200." "$out"
check "it is mounted under /run/netns" mountpoint -q /run/netns/user-alice
check_eq "/run/netns is 0755 whatever the first creator's umask" "755" "$(stat -c %a /run/netns)"
check_eq "/run/usernetns is 0755 too" "755" "$(stat -c %a /run/usernetns)"
check_eq "its record belongs to root, for root's eyes only" "0 600" \
	"$(stat -c '%u %a' /run/usernetns/users/1001)"
check_eq "records are in a directory of root's" "0 700" "$(stat -c '%u %a' /run/usernetns/users)"
lease=$(ls -d "$USERNETNS_STATEDIR"/leases/*/uid-1001 2>/dev/null | head -n 1)
check_eq "its lease belongs to root, for root's eyes only" "0 600" \
	"$(stat -c '%u %a' "$lease" 2>/dev/null)"
check_eq "in a directory of root's" "0 700" "$(stat -c '%u %a' "$(dirname "$lease")" 2>/dev/null)"
as bob cat /run/usernetns/users/1001
check "another user cannot read alice's record" [ "$status" -ne 0 ]
as bob ls "$(dirname "$lease")"
check "nor list the leases" [ "$status" -ne 0 ]
as alice "$bin/usernetns-create"
check_contains "a second create finds it in place" "user-alice already in place" "$out"

as alice "$bin/usernetns-create" bob
check_eq "alice may not create bob's" 3 "$status"
check_contains "and is told why" "usernetns-create: not allowed to act for bob: only root and members of netadmin may act for other users" "$err"
check "nothing was made for bob" test ! -e /run/netns/user-bob

as carol "$bin/usernetns-create" bob
check_eq "carol (netadmin) may create bob's" 0 "$status"
check "bob's namespace exists" mountpoint -q /run/netns/user-bob
as bob "$bin/usernetns-join" -- true
check_eq "bob joins his, although alice's umask was 077" 0 "$status"
as bob "$bin/usernetns-list"
check_contains "and lists it" "user-bob" "$out"
check_lacks "but not alice's" "user-alice" "$out"

as dave "$bin/usernetns-create"
check_eq "dave, not handled, gets an error" 1 "$status"
check_contains "saying so" "dave is not handled by the policy (mode none)" "$err"

as alice "$bin/usernetns-create" --config "$USERNETNS_POLICY_PATH"
check_eq "a user's --config is refused for real actions" 3 "$status"
check_contains "with the reason" "--config is only for root, or with --dry-run" "$err"
as alice "$bin/usernetns-join" --config "$USERNETNS_POLICY_PATH" -- true
check_eq "join refuses it with its own failure code, 125" 125 "$status"
check_contains "for the same reason" "--config is only for root, or with --dry-run" "$err"
cp "$USERNETNS_POLICY_PATH" /tmp/draft.conf
chown alice /tmp/draft.conf
chmod 0644 /tmp/draft.conf
as alice "$bin/usernetns-create" --dry-run --config /tmp/draft.conf alice
check_eq "but taken for a dry run, even owned by the user" 0 "$status"
check_contains "which shows the plan" "alice (uid 1001): handled by [group:netusers]" "$out"

# A network of the host's (the campus LAN) inside the pool: the dry run
# finds it, wherever eve's block falls.
ip link add lan0 type veth peer name lan1 && ip link set lan1 up && ip link set lan0 up &&
	ip addr add 10.200.5.1/24 dev lan0 || bail_out "cannot make a LAN"
as eve "$bin/usernetns-create" --dry-run
check_contains "a dry run warns of a pool over a network of the host's" \
	"usernetns-create: warning: pool 10.200.0.0/16 overlaps the host's route 10.200.5.0/24 dev lan0: a login given addresses there is refused" "$err"
# One over the whole pool: eve's login is refused.
ip addr flush dev lan0 && ip addr add 10.0.0.1/8 dev lan0 || bail_out "cannot move the LAN"
as eve "$bin/usernetns-create"
check_eq "and the real thing is refused" 1 "$status"
check_contains "saying why" "usernetns-create: cannot create 'user-eve': pool 10.200.0.0/16 overlaps the host's route 10.0.0.0/8 dev lan0: namespaces there would take that network's traffic; choose another" "$err"
check "leaving nothing of eve's" bash -c \
	'test ! -e /run/netns/user-eve && test ! -e /run/usernetns/users/1005 &&
	 ! ls "$0"/leases/*/uid-1005 >/dev/null 2>&1' "$USERNETNS_STATEDIR"
ip link del lan0

# ---- capabilities --------------------------------------------------------------

cp "$USERNETNS_BUILDDIR/helpers/usernetns-create" "$bin/nocaps-create"
as eve "$bin/nocaps-create"
check_eq "without its file capabilities create refuses" 3 "$status"
check_contains "and says how to fix it" "missing capabilities cap_sys_admin,cap_net_admin,cap_setuid,cap_setgid: run it as root, or give the binary its file capabilities (setcap" "$err"
cp "$USERNETNS_BUILDDIR/helpers/usernetns-join" "$bin/nocaps-join"
as eve "$bin/nocaps-join" -- true
check_eq "join too, exiting 125" 125 "$status"

out=$(setpriv --reuid=eve --regid=eve --init-groups --no-new-privs -- \
	"$bin/usernetns-create" 2>&1)
status=$?
check_eq "a caller with no_new_privs is refused" 3 "$status"
check_contains "and told why" "usernetns-create: the caller set no_new_privs: refusing to use the file capabilities of usernetns-create" "$out"
check "and no state is left for eve" bash -c \
	'test ! -e /run/netns/user-eve && test ! -e /run/usernetns/users/1005 &&
	 ! ls "$0"/leases/*/uid-1005 >/dev/null 2>&1' "$USERNETNS_STATEDIR"

as alice env LD_PRELOAD="$bin/evil-preload.so" "$bin/usernetns-create"
as alice env LD_PRELOAD="$bin/evil-preload.so" "$bin/usernetns-join" -- true
as alice env LD_PRELOAD="$bin/evil-preload.so" "$bin/usernetns-list"
if grep -q '^usernetns' /run/evil.log || grep -v ' 0000000000000000$' /run/evil.log | grep -q .; then
	not_ok "LD_PRELOAD never runs in a privileged helper"
	diag "$(cat /run/evil.log)"
else
	ok "LD_PRELOAD never runs in a privileged helper"
fi

# ---- join ----------------------------------------------------------------------

probe='grep -E "^(CapInh|CapPrm|CapEff|CapAmb|NoNewPrivs):" /proc/self/status;
echo "ns $(stat -L -c %i /proc/self/ns/net)"; echo "env $USERNETNS";
echo "sys $(ls /sys/class/net | tr "\n" " ")";
gw=$(ip -4 route show default | cut -d" " -f3);
ping -c 1 -W 2 "$gw" >/dev/null && echo "ping ok"; ls -l /proc/self/fd/ | grep -c socket: | sed "s/^/sockets /"'
exec 9<>/dev/udp/127.0.0.1/9
as alice "$bin/usernetns-join" -- sh -c "$probe"
exec 9>&-
check_eq "alice joins her namespace" 0 "$status"
check_eq "the command runs in user-alice" "ns $(inode /run/netns/user-alice)" "$(grep '^ns ' <<<"$out")"
for set in CapInh CapPrm CapEff CapAmb; do
	check_eq "$set is empty in the command" "$set:	0000000000000000" "$(grep "^$set:" <<<"$out")"
done
check_eq "no_new_privs is set in the command" "NoNewPrivs:	1" "$(grep '^NoNewPrivs:' <<<"$out")"
check_contains "USERNETNS names the namespace" "env user-alice" "$out"
check_contains "/sys/class/net shows the namespace's links" "sys eth0 lo" "$out"
check_contains "the host end answers" "ping ok" "$out"
check_contains "no inherited socket reaches the command" "sockets 0" "$out"

as alice "$bin/usernetns-join" -- sh -c 'exit 7'
check_eq "join passes the command's exit status on" 7 "$status"
as alice "$bin/usernetns-join" -- /nonexistent
check_eq "a missing command exits 127" 127 "$status"

for target in bob root .. ../../proc/1/ns/net /proc/1/ns/net /run/netns/user-bob 1 1002; do
	as alice "$bin/usernetns-join" -u "$target" -- true
	if [ "$status" -eq 125 ]; then
		ok "alice cannot join '$target' ($(head -n 1 <<<"$err"))"
	else
		not_ok "alice cannot join '$target'"
		diag "status $status" "$err"
	fi
done

as carol "$bin/usernetns-join" -u alice -- stat -L -c %i /proc/self/ns/net
check_eq "carol (netadmin) joins alice's" "$(inode /run/netns/user-alice)" "$out"

# Someone with root bind-mounts bob's namespace under alice's name.
umount /run/netns/user-alice
mount --bind /run/netns/user-bob /run/netns/user-alice
as alice "$bin/usernetns-join" -- true
check_eq "a swapped name is refused" 125 "$status"
check_contains "by the inode check" "cannot enter 'user-alice': the namespace under that name is not the one usernetns made" "$err"
umount /run/netns/user-alice
as alice "$bin/usernetns-join" -- true
check_eq "a missing name is refused too" 125 "$status"
as alice "$bin/usernetns-create"
check_contains "create repairs it" "user-alice created" "$out"

mkdir -p /etc/netns/user-alice
echo "nameserver 192.0.2.53" >/etc/netns/user-alice/resolv.conf
as alice "$bin/usernetns-join" -- cat /etc/resolv.conf
check_contains "/etc/netns/NAME files are bound over /etc" "nameserver 192.0.2.53" "$out"
rm -r /etc/netns/user-alice

# ---- list ----------------------------------------------------------------------

as alice "$bin/usernetns-list"
check_eq "alice lists" 0 "$status"
check_contains "a table with a header" "NAME        USER   UID   MODE  STATE   HOST-IF" "$out"
check_contains "with her namespace" "user-alice  alice  1001  veth  active  vu1001" "$out"
check_lacks "and only hers" "user-bob" "$out"
as alice "$bin/usernetns-list" -u bob
check_eq "not bob's" 3 "$status"
as carol "$bin/usernetns-list" --json
check_eq "carol lists everybody in JSON" 0 "$status"
check_eq "valid JSON with both namespaces" "user-alice user-bob" \
	"$(jq -r '[.namespaces[].name] | join(" ")' <<<"$out")"
check_eq "with addresses and counts" "veth 1001 0" \
	"$(jq -r '.namespaces[0] | "\(.mode) \(.uid) \(.sessions)"' <<<"$out")"
check_eq "and complete process counts (cap_sys_ptrace)" "true" \
	"$(jq -r '.process_counts_complete' <<<"$out")"
check_eq "one namespace per line" 2 "$(grep -c '^{ "name": ' <<<"$out")"
# A host end deleted by hand (or a veth renamed over its name) is told.
ip link set vu1002 name vu1002x
as carol "$bin/usernetns-list"
check_contains "a host end gone is marked in the table" "vu1002(gone)" "$out"
check_lacks "the other is not" "vu1001(gone)" "$out"
as carol "$bin/usernetns-list" --json
check_eq "and in the JSON" "true false" \
	"$(jq -r '[.namespaces[].host_interface_present] | map(tostring) | join(" ")' <<<"$out")"
ip link set vu1002x name vu1002

# ---- cleanup -------------------------------------------------------------------

as alice "$bin/usernetns-cleanup" bob
check_eq "alice may not clean up bob's" 3 "$status"
as alice "$bin/usernetns-cleanup" --all
check_eq "nor everybody's" 3 "$status"

# A process in alice's namespace keeps it.
setpriv --reuid=alice --regid=alice --init-groups -- "$bin/usernetns-join" -- sleep 300 &
check "a command joins alice's namespace" wait_for bash -c '[ -n "$(ip netns pids user-alice)" ]'
as alice "$bin/usernetns-cleanup" --dry-run
check_contains "a dry run says it keeps a namespace in use" "kept user-alice of alice: 0 sessions, 1 process" "$out"
as alice "$bin/usernetns-cleanup"
check "and so does a real run" mountpoint -q /run/netns/user-alice
# Removed with processes inside, a namespace lives on with them, out of
# sight; a user who could do that at will could pile them up.
as alice "$bin/usernetns-cleanup" --force
check_eq "alice may not --force" 3 "$status"
check_contains "and is told why" "usernetns-cleanup: --force is for root and members of admin_group; end the processes in your namespace first" "$err"
check "her namespace stays, with her process in it" \
	bash -c '[ -n "$(ip netns pids user-alice)" ]'
as carol "$bin/usernetns-cleanup" --force --dry-run alice
check_contains "--force names the processes first" "would remove user-alice of alice with 0 sessions and 1 process (--force)" "$out"
check_contains "with their pids" "processes inside: " "$out"
check "a dry run removes nothing" mountpoint -q /run/netns/user-alice
as carol "$bin/usernetns-cleanup" --force alice
check_contains "an admin's --force removes it" "removed user-alice of alice: unused" "$out"
check "the namespace is gone" test ! -e /run/netns/user-alice
check "and its host end" bash -c '! ip link show vu1001 >/dev/null 2>&1'
pkill -x sleep
wait 2>/dev/null

# The record of the last placement: alice's, root's to read, and an
# admin's to forget, never hers (during an outage it would let her out).
check "creating her namespace recorded what placed alice" \
	grep -qx 'section=\[group:netusers\]' "$USERNETNS_STATEDIR/placements/1001"
check_eq "root's alone" "700 600" "$(stat -c %a "$USERNETNS_STATEDIR/placements" "$USERNETNS_STATEDIR/placements/1001" | tr '\n' ' ' | sed 's/ $//')"
as alice "$bin/usernetns-cleanup" --forget alice
check_eq "alice may not forget her placement" 3 "$status"
check_contains "and is told why" "usernetns-cleanup: --forget is for root and members of admin_group" "$err"
as carol "$bin/usernetns-cleanup" --forget --dry-run alice
check_contains "an admin's dry run says what it would forget" "would forget the last placement of alice: [group:netusers] (mode veth)" "$out"
check "and forgets nothing" test -e "$USERNETNS_STATEDIR/placements/1001"
as carol "$bin/usernetns-cleanup" --forget alice
check_contains "an admin forgets it" "forgot the last placement of alice: [group:netusers] (mode veth)" "$out"
check "the record is gone" test ! -e "$USERNETNS_STATEDIR/placements/1001"
as carol "$bin/usernetns-cleanup" --forget --all
check_eq "--forget takes users, not --all" 2 "$status"

# Leftovers of every kind, and things usernetns did not make.
as carol "$bin/usernetns-create" alice eve
ip netns add foreign
ip link add vu4242 type veth peer name foreign0
umount /run/netns/user-eve                        # the name lost: a placeholder remains
umount /run/netns/user-alice; rm /run/netns/user-alice   # the name removed entirely
ip link add vu1099 type veth peer name orph0      # our mark, no record
ip link set vu1099 alias "usernetns uid=1099"
as carol "$bin/usernetns-cleanup" --all --dry-run
check_contains "dry run: stale namespace" "would remove user-bob of bob: unused" "$out"
check_contains "dry run: record without a namespace" "would remove user-alice of alice: its namespace is gone" "$out"
check_contains "dry run: placeholder" "would remove user-eve of eve: an empty placeholder under its name" "$out"
check_contains "dry run: orphan host interface" "would remove host interface vu1099 (of uid 1099, no record names it)" "$out"
as carol "$bin/usernetns-cleanup" --all
check_eq "cleanup --all succeeds" 0 "$status"
check "bob's unused namespace is gone" test ! -e /run/netns/user-bob
check "eve's placeholder is gone" test ! -e /run/netns/user-eve
check "alice's record is gone" test ! -e /run/usernetns/users/1001
check "alice's host end is gone" bash -c '! ip link show vu1001 >/dev/null 2>&1'
check "the orphan host end is gone" bash -c '! ip link show vu1099 >/dev/null 2>&1'
check "a namespace ip made is untouched" test -e /run/netns/foreign
check "an interface without our mark is untouched" bash -c "ip link show vu4242 >/dev/null"
check "leases of users still handled stay" bash -c 'ls "$0"/leases/*/uid-1001 >/dev/null' "$USERNETNS_STATEDIR"

# The policy drops bob: his lease goes, alice's stays.
write_policy <<'EOF'
[global]
admin_group = netadmin
[group:netusers]
mode = veth
pool4 = 10.200.0.0/16
[user:bob]
mode = none
EOF
as carol "$bin/usernetns-cleanup" --all
check_contains "a lease of a user no longer handled is released" "released lease 10.200." "$out"
check_contains "naming the user" "of uid 1002: bob gets no addresses from the policy" "$out"
check "bob's lease file is gone" bash -c '! ls "$0"/leases/*/uid-1002 >/dev/null 2>&1' "$USERNETNS_STATEDIR"
check "alice's is kept" bash -c 'ls "$0"/leases/*/uid-1001 >/dev/null' "$USERNETNS_STATEDIR"

# The timer's run (usernetns-cleanup.service): --as-teardown keeps unused
# namespaces that teardown = never keeps, and still removes leftovers.
write_policy <<'EOF'
[global]
admin_group = netadmin
teardown = never
[group:netusers]
mode = veth
pool4 = 10.200.0.0/16
EOF
as carol "$bin/usernetns-create" alice eve
umount /run/netns/user-eve
"$bin/usernetns-cleanup" --all --as-teardown >/dev/null
status=$?
check_eq "cleanup --all --as-teardown succeeds" 0 "$status"
check_contains "says why it keeps an unused namespace" "kept user-alice of alice: unused, but teardown = never" "$(
	"$bin/usernetns-cleanup" --all --as-teardown --dry-run)"
check "alice's unused namespace stays under teardown = never" mountpoint -q /run/netns/user-alice
check "and its lease" bash -c 'ls "$0"/leases/*/uid-1001 >/dev/null' "$USERNETNS_STATEDIR"
check "eve's placeholder goes all the same" test ! -e /run/netns/user-eve
"$bin/usernetns-cleanup" --all >/dev/null
check "without --as-teardown, --all removes it" test ! -e /run/netns/user-alice
sed -i 's/^teardown = never/teardown = last-logout/' "$USERNETNS_POLICY_PATH"
as carol "$bin/usernetns-create" alice
"$bin/usernetns-cleanup" --all --as-teardown >/dev/null
check "under teardown = last-logout, --as-teardown removes it" test ! -e /run/netns/user-alice

# A user manager's stop (user@.service, through its drop-in): the user of
# that uid and the group's namespace the policy puts them in, as the last
# logout would have.
dropin=$USERNETNS_BUILDDIR/conf/systemd/user@.service.d/usernetns.conf
check_contains "the drop-in runs it as root, never failing the manager's stop" \
	"ExecStopPost=-+" "$(cat "$dropin")"
check_contains "for the manager's uid, as the last logout would" \
	"usernetns-cleanup --as-teardown --uid %i" "$(cat "$dropin")"
as carol "$bin/usernetns-create" alice
setpriv --reuid=alice --regid=alice --init-groups -- "$bin/usernetns-join" -- sleep 600 \
	>/dev/null 2>&1 &
joined=$!
wait_for bash -c 'pgrep -u alice -x sleep >/dev/null' || bail_out "alice's sleep did not start"
out=$("$bin/usernetns-cleanup" --as-teardown --uid 1001)
check_contains "--uid keeps a namespace with a process inside" "kept user-alice of alice" "$out"
kill "$joined"
pkill -u alice -x sleep
wait_for bash -c '! pgrep -u alice -x sleep >/dev/null'
out=$("$bin/usernetns-cleanup" --as-teardown --uid 1001)
check_contains "and removes it, unused" "removed user-alice of alice: unused" "$out"
as carol "$bin/usernetns-create" alice
as bob "$bin/usernetns-cleanup" --as-teardown --uid 1001
check "another user may not name alice's uid" [ "$status" -ne 0 ]
check "which keeps it" mountpoint -q /run/netns/user-alice
"$bin/usernetns-cleanup" --uid 1001 alice >/dev/null 2>&1
check_eq "--uid and a user name do not go together" 2 "$?"
"$bin/usernetns-cleanup" --uid 1001 >/dev/null

# Every task counts. A process whose main thread exited (its leader a
# zombie with no /proc/PID/ns/net) or moved to a namespace of its own
# while a thread stays inside keeps the namespace as any process does:
# otherwise a user could drop their namespace with processes in it, and
# pile such namespaces up. Leaving takes a user namespace of alice's own
# where the kernel lets users make them, root otherwise (the count does
# not care whose the process is).
cp "$USERNETNS_BUILDDIR/tests/lone-thread" "$bin/" || bail_out "no lone-thread"
as alice unshare --user --net true
leaver=$([ "$status" -eq 0 ] && echo alice || echo root)
# The two who remove an unused namespace of alice's: she, and the timer.
cleanup_by() {
	if [ "$1" = alice ]; then
		as alice "$bin/usernetns-cleanup"
	else
		out=$("$bin/usernetns-cleanup" --all --as-teardown)
	fi
}
for mode in leader-exits leader-leaves; do
	who=$([ "$mode" = leader-leaves ] && echo "$leaver" || echo alice)
	for remover in alice timer; do
		what="$mode ($who), cleanup by $remover"
		as alice "$bin/usernetns-create"
		# Emptied here, not by the job's redirection: the job may start
		# after the wait below has read the last round's "ready".
		rm -f /run/lone.out
		setpriv --reuid="$who" --regid="$who" --init-groups -- \
			"$bin/usernetns-join" -u alice -- "$bin/lone-thread" "$mode" >/run/lone.out 2>&1 &
		pid=$!
		# The case itself, or the test cannot go on.
		wait_for grep -qx ready /run/lone.out ||
			bail_out "lone-thread $mode did not start: $(cat /run/lone.out)"
		if [ "$mode" = leader-exits ]; then
			[ "$(cut -d' ' -f3 /proc/$pid/stat)" = Z ] && ! stat -L /proc/$pid/ns/net >/dev/null 2>&1
		else
			[ "$(inode /proc/$pid/ns/net)" != "$(inode /run/netns/user-alice)" ]
		fi || bail_out "lone-thread $mode: its leader still shows alice's namespace"
		cleanup_by "$remover"
		check_contains "$what: keeps the namespace" \
			"kept user-alice of alice: 0 sessions, 1 process" "$out"
		check "$what: which stays" mountpoint -q /run/netns/user-alice
		as carol "$bin/usernetns-cleanup" --force --dry-run alice
		check_contains "$what: --force names the process" "processes inside: $pid" "$out"
		kill "$pid"
		wait "$pid" 2>/dev/null
		cleanup_by "$remover"
		check_contains "$what: removes it once the process ends" \
			"removed user-alice of alice: unused" "$out"
	done
done

done_testing
