#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# More active users at once than the kernel's neighbour tables hold
# dynamic entries for (gc_thresh3, 1024 by default, counted over every
# namespace): 2,000 namespaces each send to a "wan" in the same moment,
# and every datagram arrives.  Each pair's ends know each other's
# hardware address from the start (permanent neighbour entries), so no
# user's first packet waits for, or is dropped for, a table full of
# others' entries.  Then a cleanup of them all while links come and go
# faster than the kernel lists them.  A test of what gets through, not of
# how fast.
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

# The host's own neighbour entry for the wan, resolved before the burst:
# until it is, the kernel queues a few datagrams for it and drops the rest.
ip neigh replace 198.51.100.1 dev up0 lladdr "$(ip -n wan -br link show wan0 | awk '{ print $3 }')" nud permanent ||
	bail_out "cannot pin the wan's address"
out=$("$USERNETNS_BUILDDIR/tests/netns-send" /run/netns user-act 198.51.100.1 9 2>&1)
check_contains "every one of the $N sends leaves" "sent $N, refused 0" "$out"
arrived() { [ "$(sort -u /run/wan.log | wc -l)" -ge "$1" ]; }
check "and every one arrives at the wan" wait_for arrived $N
check_eq "each from an address of its own" "$N" "$(sort -u /run/wan.log | wc -l)"
check "the host's end of each pair knows its namespace's address for good" \
	bash -c 'ip -4 neigh show nud permanent | grep -c "dev vu" | grep -qx '"$N"
check_eq "no host end of an IPv4-only pool has IPv6 routes in the host's tables" 0 \
	"$(ip -6 route show table all | grep -c ' dev vu')"
check "and each namespace its gateway" \
	bash -c '[ "$(ip -n user-act1 -4 neigh show nud permanent dev eth0 | wc -l)" -eq 1 ]'

# A listing of them all: the records are read by several threads, the
# host ends' names in one read of /proc/net/dev.
list_json=$("$USERNETNS_BUILDDIR/helpers/usernetns-list" --json)
check_eq "usernetns-list --json lists all $N, active, each host end present" \
	"$N $N $N" "$(jq -r '.namespaces | "\(length) \(map(select(.state == "active")) | length) \(map(select(.host_interface_present)) | length)"' <<<"$list_json")"
check_eq "in the records' order, each once" "$N" \
	"$(jq -r '.namespaces[].name' <<<"$list_json" | sort -u | wc -l)"

# A cleanup of them all while links come and go as fast as logins make
# them: the kernel marks every listing of the host's links interrupted,
# and the cleanup goes on with its last one (what it removes it checks
# again, under each owner's lock) instead of failing.
churn() {
	while :; do
		ip link add churn0 type veth peer name churn1 && ip link del churn0
	done
}
churn >/dev/null 2>&1 &
churner=$!
ok=0
for i in 1 2 3; do
	"$USERNETNS_BUILDDIR/helpers/usernetns-cleanup" --all --dry-run >/run/cleanup.out.$i 2>&1 &&
		ok=$((ok + 1))
done
check_eq "a cleanup's survey amid the churn never fails (3 of 3)" 3 "$ok"
tail -n 3 /run/cleanup.out.* | sed "s/^/# /"
"$USERNETNS_BUILDDIR/helpers/usernetns-cleanup" --all >/run/cleanup.out 2>&1
status=$?
grep -v "^removed" /run/cleanup.out | tail -n 5 | sed "s/^/# /"
check_eq "and the cleanup itself removes them all" "0 $(ls /run/netns | grep -c '^user-act')" \
	"$status $(ls /run/netns | grep -c '^user-act')"
kill "$churner"
wait "$churner" 2>/dev/null

pkill -f whoami-server
done_testing
