#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# More active users at once than the kernel's neighbour tables hold
# dynamic entries for (gc_thresh3, 1024 by default, counted over every
# namespace): 2,000 namespaces each send to a "wan" in the same moment,
# and every datagram arrives.  Each pair's ends know each other's
# hardware address from the start (permanent neighbour entries), so no
# user's first packet waits for, or is dropped for, a table full of
# others' entries.  A test of what gets through, not of how fast.
set -u
. "$(dirname "$0")/../tools/tap.sh"

: "${USERNETNS_BUILDDIR:?}" "${USERNETNS_POLICY_PATH:?}"

if [ -z "${USERNETNS_IN_SANDBOX:-}" ]; then
	USERNETNS_IN_SANDBOX=1 exec "$USERNETNS_BUILDDIR/tests/sandbox-run" "$0" "$@"
fi
. "$(dirname "$0")/../tools/world.sh"

N=2000
world_writable_etc
{
	for i in $(seq 1 $N); do echo "act$i:x:$((20000 + i)):30000::/tmp:/bin/sh"; done
} >>/etc/passwd
echo "active:x:30000:" >>/etc/group
write_policy <<'EOF'
[group:active]
mode  = veth
pool4 = 10.200.0.0/16
EOF

ip netns add wan && ip link add up0 type veth peer name wan0 netns wan &&
	ip -n wan addr add 198.51.100.1/24 dev wan0 && ip -n wan link set lo up &&
	ip -n wan link set wan0 up && ip addr add 198.51.100.2/24 dev up0 && ip link set up0 up &&
	ip route add default via 198.51.100.1 && echo 1 >/proc/sys/net/ipv4/ip_forward ||
	bail_out "cannot make the wan"
: >/run/wan.log
ip netns exec wan "$USERNETNS_BUILDDIR/tests/whoami-server" 9 /run/wan.log >/dev/null 2>&1 &
wait_for bash -c 'ip netns exec wan ss -Hluln | grep -q ":9 "' || bail_out "the wan's server did not start"

# All of them, by one helper (as many logins would, one after the other).
"$USERNETNS_BUILDDIR/helpers/usernetns-create" $(seq -f 'act%g' 1 $N) >/run/create.out 2>&1
check_eq "$N namespaces made" "$N" "$(ls /run/netns | grep -c '^user-act')"

out=$("$USERNETNS_BUILDDIR/tests/netns-send" /run/netns user-act 198.51.100.1 9 2>&1)
check_contains "every one of the $N sends leaves" "sent $N, refused 0" "$out"
arrived() { [ "$(sort -u /run/wan.log | wc -l)" -ge "$1" ]; }
check "and every one arrives at the wan" wait_for arrived $N
check_eq "each from an address of its own" "$N" "$(sort -u /run/wan.log | wc -l)"
check "the host's end of each pair knows its namespace's address for good" \
	bash -c 'ip -4 neigh show nud permanent | grep -c "dev vu" | grep -qx '"$N"
check "and each namespace its gateway" \
	bash -c '[ "$(ip -n user-act1 -4 neigh show nud permanent dev eth0 | wc -l)" -eq 1 ]'

pkill -f whoami-server
done_testing
