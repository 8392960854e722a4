#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Print what usernetns has made on this (sandboxed) machine, without what
# differs between two equally good runs (ifindexes, inodes, MAC addresses,
# times, carrier state), so that two snapshots can be compared as text.
# Usage: snapshot.sh STATEDIR [nosessions] [noleases]
statedir=$1
shift
links() {
	ip "$@" -o link show | sed -E 's/^[0-9]+: //; s/@[a-zA-Z0-9]+//;
		s/ +link\/(ether|loopback) [0-9a-f:]+ brd [0-9a-f:]+//; s/ link-netns[id]* \S+//;
		s/ state \S+//; s/,?(LOWER_UP|NO-CARRIER|M-DOWN)//g; s/<,/</; s/ +/ /g' | sort
}
echo "== names"
ls /run/netns 2>/dev/null
# The run dir's own bind mount stays, as with ip(8): count what is below.
echo "== mounts under /run/netns/"
grep -c ' /run/netns/' /proc/self/mountinfo
echo "== host links"
links
echo "== host addresses"
ip -o addr show scope global | awk '{ print $2, $4 }' | sort
for n in $(ls /run/netns 2>/dev/null); do
	echo "== namespace $n"
	links -n "$n"
	ip -n "$n" -o addr show scope global | awk '{ print $2, $4 }' | sort
	# Every route of the namespace: the default, egress and isolation ones.
	ip -n "$n" route show table main
	ip -n "$n" -6 route show table main | sed 's/ pref medium//'
	nsenter --net="/run/netns/$n" cat /proc/sys/net/ipv4/ping_group_range
	# The dns redirect, and what it needs of the namespace end.
	nsenter --net="/run/netns/$n" nft list ruleset
	nsenter --net="/run/netns/$n" sysctl -a 2>/dev/null | grep '\.route_localnet' | sort
done
echo "== records"
for f in /run/usernetns/users/*; do
	[ -e "$f" ] || continue
	echo "-- $f"
	grep -Ev '^(netns_dev|netns_ino|host_netns_dev|host_netns_ino|created|host_ifindex|peer_ifindex)=' "$f"
done
echo "== run state files"
(cd /run/usernetns 2>/dev/null && find . -type f ! -path './sessions/*' | sort)
echo "== host name files"
(cd /run/usernetns/hosts 2>/dev/null && find . -type f | sort | while read -r f; do
	echo "-- $f $(stat -c %a "$f")"
	cat "$f"
done)
if [ "${1:-}" != nosessions ]; then
	echo "== sessions"
	find /run/usernetns/sessions -type f 2>/dev/null | wc -l
fi
[ "${1:-}" = nosessions ] && shift
if [ "${1:-}" != noleases ]; then
	echo "== leases"
	# Not the usage files: what was used before, which a fault cannot undo.
	(cd "$statedir" 2>/dev/null && find . -type f ! -path './usage/*' | sort &&
		cat leases/*/* 2>/dev/null)
fi
