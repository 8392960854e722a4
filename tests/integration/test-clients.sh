#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Real clients through our PAM stack: su, runuser and login (util-linux
# and shadow), driven by pam_wrapper (service files of ours) and
# nss_wrapper (users of tests/nss), as root, in the sandbox.  The commands
# they run must be in the user's namespace, see eth0 with its address, and
# reach the host end.
set -u
. "$(dirname "$0")/../tools/tap.sh"

: "${USERNETNS_BUILDDIR:?}" "${USERNETNS_FIXTURES:?}" "${NSS_WRAPPER_PRELOAD:?}" "${PAM_WRAPPER_LIB:?}"

if [ -z "${USERNETNS_IN_SANDBOX:-}" ]; then
	USERNETNS_IN_SANDBOX=1 exec "$USERNETNS_BUILDDIR/tests/sandbox-run" "$0" "$@"
fi

module=$USERNETNS_BUILDDIR/pam/.libs/pam_usernetns.so
nss=$USERNETNS_FIXTURES/../nss
secdir=$(dirname "$(find /lib /usr/lib -name pam_permit.so -path '*security*' 2>/dev/null | head -n 1)")
[ -f "$module" ] || bail_out "no module at $module"
[ -n "$secdir" ] || bail_out "cannot find the PAM module directory"

# pam_wrapper keeps a directory per process in /tmp, named by one letter,
# found free with no lock: processes starting at once can pick the same
# one and fail.  A /tmp of the sandbox's own holds no stale ones, and the
# commands below run without pam_wrapper (unset in the probe).  A checkout
# in the machine's /tmp (CI's may be) is bound back in, or the new /tmp
# would hide the build.
mkdir -p /run/machine-tmp && mount --bind /tmp /run/machine-tmp &&
	mount -t tmpfs -o mode=1777 tmpfs /tmp || bail_out "cannot mount a tmpfs on /tmp"
for d in "$USERNETNS_BUILDDIR" "$USERNETNS_FIXTURES"; do
	case $d in
	/tmp/?*)
		top=${d#/tmp/}
		top=${top%%/*}
		mkdir -p "/tmp/$top" && mount --bind "/run/machine-tmp/$top" "/tmp/$top" ||
			bail_out "cannot bind /tmp/$top back"
		;;
	esac
done

work=/run/clients
mkdir -p "$work/services"
cat >"$work/usernetns.conf" <<'POLICY'
[global]
min_uid = 1000
[default]
mode = none
[group:netusers]
mode = veth
pool4 = 10.200.0.0/16
pool6 = fd42:200::/48
POLICY
chmod 0644 "$work/usernetns.conf"

# pam_wrapper falls back to "other" for anything else: deny.
printf 'auth required %s/pam_deny.so\naccount required %s/pam_deny.so\n' \
	"$secdir" "$secdir" >"$work/services/other"

# Root needs no password; the session stack is what is tested.
for service in su su-l runuser runuser-l login; do
	"$USERNETNS_BUILDDIR/tests/pam-service" "$work/services/$service" --secdir "$secdir" \
		--conf "$work/usernetns.conf" debug || bail_out "cannot write the $service service"
done

# What the user's command reports about itself.
probe='unset LD_PRELOAD PAM_WRAPPER;
echo "ns $(stat -L -c %i /proc/self/ns/net)";
echo "name $(stat -L -c %i /run/netns/user-alice 2>/dev/null)";
echo "env ${USERNETNS:-}";
ip -o -4 addr show dev eth0 | awk "{ print \"addr \" \$4 }";
gw=$(ip -4 route show default | awk "{ print \$3 }");
echo "gw $gw";
if ping -c 1 -W 2 "$gw" >/dev/null 2>&1; then echo ping ok; else echo ping failed; fi'

wrapped() {
	LD_PRELOAD="$PAM_WRAPPER_LIB $NSS_WRAPPER_PRELOAD" PAM_WRAPPER=1 \
		PAM_WRAPPER_SERVICE_DIR="$work/services" \
		NSS_WRAPPER_PASSWD="$nss/passwd" NSS_WRAPPER_GROUP="$nss/group" "$@"
}

# check_inside CLIENT OUTPUT
check_inside() {
	local client=$1 out=$2 ns name
	ns=$(sed -n 's/^ns //p' <<<"$out")
	name=$(sed -n 's/^name //p' <<<"$out")
	if [ -n "$ns" ] && [ "$ns" = "$name" ]; then
		ok "$client: the command runs in /run/netns/user-alice (inode $ns)"
	else
		not_ok "$client: the command runs in /run/netns/user-alice"
		diag "$out"
	fi
	host=$(stat -L -c %i /proc/self/ns/net)
	check "$client: not in the host's namespace" [ "$ns" != "$host" ]
	check_contains "$client: USERNETNS is set" "env user-alice" "$out"
	check_contains "$client: eth0 has the leased address" "addr 10.200." "$out"
	check_contains "$client: the default route goes via the host end" "gw 10.200." "$out"
	check_contains "$client: the host end answers ping" "ping ok" "$out"
}

# check_gone CLIENT: logout took the namespace with it.
check_gone() {
	check "$1: the last logout removed the namespace" [ ! -e /run/netns/user-alice ]
	check "$1: and the host end" bash -c '! ip link show vu1001 >/dev/null 2>&1'
}

out=$(wrapped su alice -c "$probe" 2>&1)
check_inside su "$out"
check_gone su

out=$(wrapped su - alice -c "$probe" 2>&1)
check_inside "su -" "$out"
check_gone "su -"

out=$(wrapped runuser -u alice -- sh -c "$probe" 2>&1)
check_inside runuser "$out"
check_gone runuser

out=$(wrapped runuser -l alice -c "$probe" 2>&1)
check_inside "runuser -l" "$out"
check_gone "runuser -l"

# A user the policy does not handle stays on the host.
out=$(wrapped su bob -c 'stat -L -c %i /proc/self/ns/net; echo "env ${USERNETNS:-none}"' 2>&1)
check_contains "su bob: not handled, on the host" "$(stat -L -c %i /proc/self/ns/net)" "$out"
check_contains "su bob: no USERNETNS" "env none" "$out"

# A second login of a user joins the first one's namespace.
wrapped su alice -c 'exec sleep 300' >/dev/null 2>&1 &
first=$!
# Placed once the command runs in the namespace.
in_alice() { [ -n "$(ip netns pids user-alice 2>/dev/null)" ]; }
wait_for in_alice || diag "the first su of alice never ran in user-alice"
inode=$(stat -L -c %i /run/netns/user-alice 2>/dev/null)
out=$(wrapped su alice -c 'stat -L -c %i /proc/self/ns/net' 2>/dev/null)
check_eq "a second su of alice joins the same namespace" "$inode" "$out"
check "the first session keeps it after the second logs out" [ -e /run/netns/user-alice ]
pkill -x sleep 2>/dev/null
wait "$first" 2>/dev/null
check "the last logout of the two removed the namespace" wait_for test ! -e /run/netns/user-alice

# login(1), from shadow, needs a terminal: script(1) gives it one.  It
# keeps the environment (-p) that points nss_wrapper at our users; its
# utmp and lastlog writes go to a tmpfs, not to the machine's /var/log.
mount -t tmpfs tmpfs /var/log
out=$(printf '%s\nexit\n' "$probe" |
	wrapped script -qec "login -p -f alice" /dev/null 2>&1 |
	tr -d '\r' | sed 's/^\(\$ \)*//')
check_inside login "$out"
check_gone login
umount /var/log

done_testing
