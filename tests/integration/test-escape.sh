#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# What an unprivileged user in a placed session tries, to reach what the
# policy refuses: socket options that skip the routes (SO_BINDTODEVICE,
# IP_UNICAST_IF, IPV6_UNICAST_IF), forged sources (IP(V6)_FREEBIND), raw
# sockets, a router advertisement on the bridge, the bridge's own subnet,
# protocols and ports; with no host table at all.  Every attempt runs as
# the user (no capability) inside the user's namespace, through
# tests/egress-probe.  In the sandbox: "wan" plays the internet
# (documentation addresses), "lan" a network the policy denies (the host
# has an address there too, with a service bound to it alone), and br0 a
# LAN with a host, a router and a bystander on it.
set -u
. "$(dirname "$0")/../tools/tap.sh"

: "${USERNETNS_BUILDDIR:?}" "${USERNETNS_POLICY_PATH:?}"

if [ -z "${USERNETNS_IN_SANDBOX:-}" ]; then
	USERNETNS_IN_SANDBOX=1 exec "$USERNETNS_BUILDDIR/tests/sandbox-run" "$0" "$@"
fi
. "$(dirname "$0")/../tools/world.sh"

bin=$USERNETNS_BUILDDIR/helpers
create=$bin/usernetns-create
list=$bin/usernetns-list
probe=$USERNETNS_BUILDDIR/tests/egress-probe
whoami=$USERNETNS_BUILDDIR/tests/whoami-server
ra_send=$USERNETNS_BUILDDIR/tests/ra-send

# ---- setting up ------------------------------------------------------------------

world_writable_etc
add_user alice 1101 students
add_user bob 1102 students
add_user frank 1106 restricted
add_user dave 1104 lab
add_user gina 1107 lab6

write_policy <<'EOF'
[default]
mode = none
[group:students]
mode   = nat
pool4  = 10.210.0.0/16
pool6  = fd42:210::/48
uplink = auto
deny   = 192.168.0.0/16, 10.0.0.0/8, fd00:beef::/32
deny   = tcp/25, udp/1-1023@198.51.100.128/25
[group:restricted]
mode  = nat
pool4 = 10.230.0.0/16
pool6 = fd42:230::/48
allow = tcp/7@198.51.100.0/25, 2001:db8::/32
[group:lab]
mode   = bridge
bridge = br0
pool4  = 10.50.0.128/25
allow  = 10.50.0.1/32
[group:lab6]
mode    = bridge
bridge  = br0
pool4   = 10.50.0.64/26
pool6   = fd42:50:0:0:1::/80
prefix6 = 126
allow   = 10.50.0.1/32, fd42:50::1/128
EOF

# The internet: routed back to the users' ranges, so that what gets
# through shows, with or without the host's table.
ip netns add wan && ip link add up0 type veth peer name wan0 netns wan &&
	ip -n wan addr add 198.51.100.1/24 dev wan0 && ip -n wan addr add 198.51.100.200/24 dev wan0 &&
	ip -n wan -6 addr add 2001:db8::1/64 dev wan0 nodad &&
	ip -n wan link set lo up && ip -n wan link set wan0 up &&
	ip -n wan route add 10.0.0.0/8 via 198.51.100.2 &&
	ip -n wan -6 route add fd42::/16 via 2001:db8::2 &&
	ip addr add 198.51.100.2/24 dev up0 && ip -6 addr add 2001:db8::2/64 dev up0 nodad &&
	ip link set up0 up &&
	ip route add default via 198.51.100.1 && ip -6 route add default via 2001:db8::1 ||
	bail_out "cannot make the wan"
# A denied network, where the host has an address too.
ip netns add lan && ip link add lan0 type veth peer name lan1 netns lan &&
	ip -n lan addr add 192.168.7.2/24 dev lan1 && ip -n lan -6 addr add fd00:beef::1/64 dev lan1 nodad &&
	ip -n lan link set lan1 up && ip -n lan link set lo up &&
	ip addr add 192.168.7.1/24 dev lan0 && ip -6 addr add fd00:beef::2/64 dev lan0 nodad &&
	ip link set lan0 up &&
	ip -n lan route add 10.0.0.0/8 via 192.168.7.1 && ip -n lan -6 route add fd42::/16 via fd00:beef::2 ||
	bail_out "cannot make the lan"
# The bridge, its LAN host, a router and a bystander (who takes what routers offer).
ip link add br0 type bridge && ip addr add 10.50.0.1/24 dev br0 &&
	ip -6 addr add fd42:50::1/64 dev br0 nodad && ip link set br0 up || bail_out "cannot make br0"
for n in lanhost router bystander; do
	ip netns add "$n" && ip link add "p-$n" type veth peer name eth0 netns "$n" &&
		ip link set "p-$n" master br0 && ip link set "p-$n" up &&
		ip -n "$n" link set lo up && ip -n "$n" link set eth0 up ||
		bail_out "cannot put $n on br0"
done
ip -n lanhost addr add 10.50.0.20/24 dev eth0 && ip -n lanhost -6 addr add fd42:50::20/64 dev eth0 nodad ||
	bail_out "cannot address the lan host"
echo 1 >/proc/sys/net/ipv4/ip_forward && echo 1 >/proc/sys/net/ipv6/conf/all/forwarding ||
	bail_out "cannot forward"
# Links this young have tentative link-local addresses, and neighbour
# discovery for what the host forwards waits on them: as on a host whose
# uplink has been up for a while, let them settle.
settled() { ! ip "$@" -6 addr show tentative | grep -q inet6; }
wait_for bash -c "$(declare -f settled); settled && settled -n wan && settled -n lan" ||
	bail_out "the links' IPv6 never settled"

: >/run/wan.log
: >/run/lan.log
: >/run/lanhost.log
ip netns exec wan "$whoami" 7 /run/wan.log >/dev/null 2>&1 &
ip netns exec wan "$whoami" 25 >/dev/null 2>&1 &
ip netns exec lan "$whoami" 7 /run/lan.log >/dev/null 2>&1 &
ip netns exec lanhost "$whoami" 7 /run/lanhost.log >/dev/null 2>&1 &
# Services of the host bound to one address alone: in the denied LAN, and the bridge's.
"$whoami" 7 "" 192.168.7.1 >/dev/null 2>&1 &
"$whoami" 8 "" fd00:beef::2 >/dev/null 2>&1 &
"$whoami" 7 "" 10.50.0.1 >/dev/null 2>&1 &
# And one on every address of the host's.
"$whoami" 9 >/dev/null 2>&1 &
listening() { ip netns exec "$1" ss -Htuln | grep -q ":$2 "; }
wait_for bash -c "$(declare -f listening); listening wan 7 && listening wan 25 && listening lan 7 &&
	listening lanhost 7 && ss -Htln | grep -q '192.168.7.1]:7 ' && ss -Htln | grep -q ':8 ' &&
	ss -Htln | grep -q '10.50.0.1]:7 ' && ss -Htln | grep -q ':9 '" || bail_out "the servers did not start"

# No host table at all, as on a site that never loaded one: whatever holds, holds in the namespaces.
nft flush ruleset

for u in alice bob frank dave gina; do
	"$create" "$u" >/dev/null 2>/run/create.err || bail_out "cannot create $u's: $(cat /run/create.err)"
done
addr4() { ip -n "user-$1" -o -4 addr show dev eth0 | awk '{ split($4, a, "/"); print a[1] }'; }
addr6() { ip -n "user-$1" -o -6 addr show dev eth0 scope global | awk '{ split($4, a, "/"); print a[1] }'; }

# attack USER PROBE-ARGS...: egress-probe as USER (no capability) in USER's
# namespace; sets out (what it printed) and status (0 through, 1 refused at
# once, 3 sent without an answer, 4 timed out).
attack() {
	local user=$1
	shift
	out=$(ip netns exec "user-$user" setpriv --reuid="$user" --regid="$user" --clear-groups \
		--inh-caps=-all --bounding-set=-all -- "$probe" -t 3 "$@" 2>&1)
	status=$?
}
# refused WHAT: the last attack was refused with an error, not left to
# time out (a timeout could also be a reply that found no way back).
refused() {
	check "$1" [ "$status" -eq 1 ]
	[ "$status" -eq 1 ] || diag "it said: $out"
}
through() {
	check "$1" [ "$status" -eq 0 ]
	[ "$status" -eq 0 ] || diag "it said: $out"
}

# ---- what the policy allows still works ---------------------------------------------------

attack alice tcp 198.51.100.1 7
through "a student reaches the internet (IPv4)"
attack alice tcp 2001:db8::1 7
through "and over IPv6"
attack alice udp 198.51.100.1 7
through "UDP too, answered"

# ---- a denied IPv6 network, with options that skip the routes -----------------------------

attack alice tcp fd00:beef::1 7
refused "IPv6 deny: a plain connect is refused"
attack alice -d eth0 tcp fd00:beef::1 7
refused "IPv6 deny: with SO_BINDTODEVICE too"
attack alice -u eth0 udp fd00:beef::1 7
refused "IPv6 deny: UDP with IPV6_UNICAST_IF too"
attack alice -d eth0 ping fd00:beef::1
refused "IPv6 deny: ping -I eth0 too"
attack alice -d eth0 tcp fd00:beef::2 8
refused "IPv6 deny: the host's own address there, with SO_BINDTODEVICE"
check_eq "nothing of it reached the denied network" "" "$(cat /run/lan.log)"

# ---- a denied IPv4 network: the host's own address in it ------------------------------------

attack alice -d eth0 tcp 192.168.7.1 7
refused "IPv4 deny: a host service bound to its LAN address alone, with SO_BINDTODEVICE"
attack alice -u eth0 udp 192.168.7.2 7
refused "IPv4 deny: UDP with IP_UNICAST_IF"
attack alice -d eth0 udp 192.168.7.2 7
refused "IPv4 deny: UDP with SO_BINDTODEVICE"

# ---- users never reach each other, without any host table ------------------------------------

: >/run/bob.log
chmod 0666 /run/bob.log
ip netns exec user-bob setpriv --reuid=bob --regid=bob --clear-groups "$whoami" 7007 /run/bob.log \
	>/dev/null 2>&1 &
wait_for bash -c "ip netns exec user-bob ss -Htuln | grep -q ':7007 '" || bail_out "bob's server did not start"
attack alice -d eth0 udp "$(addr6 bob)" 7007
refused "another user over IPv6: UDP with SO_BINDTODEVICE"
attack alice -d eth0 tcp "$(addr6 bob)" 7007
refused "another user over IPv6: TCP with SO_BINDTODEVICE"
attack alice -u eth0 udp "$(addr6 bob)" 7007
refused "another user over IPv6: UDP with IPV6_UNICAST_IF"
attack alice -d eth0 udp "$(addr4 bob)" 7007
refused "another user over IPv4: UDP with SO_BINDTODEVICE"
attack alice -d eth0 tcp "$(ip -n user-bob -4 route show default | awk '{ print $3 }')" 9
refused "another user's host end, with SO_BINDTODEVICE"
check_eq "bob's server never heard of alice" "" "$(cat /run/bob.log)"

# ---- forged sources ---------------------------------------------------------------------

attack alice -s "$(addr6 bob)" udp 2001:db8::1 7
refused "a forged IPv6 source (IPV6_FREEBIND, bob's address) never leaves"
attack alice -s "$(addr4 bob)" udp 198.51.100.1 7
refused "a forged IPv4 source (IP_FREEBIND) never leaves"
attack alice -s 2001:db8:ffff::1 udp 2001:db8::1 7
refused "nor any address that is not the namespace's"
check_lacks "the internet never saw bob's address from alice" "$(addr4 bob)" "$(cat /run/wan.log)"
check_lacks "nor his IPv6 one" "$(addr6 bob)" "$(cat /run/wan.log)"

# ---- raw sockets ---------------------------------------------------------------------------

attack alice raw
check_eq "raw sockets are refused" "EPERM" "$out"
attack alice packet
check_eq "packet sockets are refused" "EPERM" "$out"

# ---- protocols and ports -------------------------------------------------------------------

attack alice tcp 198.51.100.1 25
refused "deny tcp/25: SMTP refused at once"
check_contains "with a reset" "ECONNREFUSED" "$out"
attack alice -d eth0 tcp 198.51.100.1 25
refused "and with SO_BINDTODEVICE"
attack alice udp 198.51.100.200 7
refused "deny udp/1-1023@198.51.100.128/25: refused there"
attack alice udp 198.51.100.1 7
through "and not elsewhere"
attack alice tcp 198.51.100.200 7
through "nor for TCP"
attack frank tcp 198.51.100.1 7
through "allow tcp/7@198.51.100.0/25: through"
attack frank udp 198.51.100.1 7
refused "UDP there is not allowed"
attack frank tcp 198.51.100.200 7
refused "nor TCP outside the network"
attack frank tcp 2001:db8::1 7
through "an allowed IPv6 network: anything"
attack frank -d eth0 tcp 192.168.7.1 7
refused "and the rest, whatever the options"

# ---- refused, and counted ---------------------------------------------------------------------

out=$("$list" --stats 2>&1)
check_contains "usernetns-list --stats has a REFUSED column" "REFUSED" "$out"
# REFUSED, then SENT and RECEIVED: third from the end (HOST-SIDE may hold spaces).
refused_alice=$(echo "$out" | awk '$1 == "user-alice" { print $(NF - 2) }')
check "and counts alice's refused packets" [ "${refused_alice:-0}" -gt 0 ]
json=$("$list" --stats --json 2>&1)
check "the JSON has them too" python3 -c '
import json, sys
ns = {n["name"]: n for n in json.load(sys.stdin)["namespaces"]}
assert ns["user-alice"]["refused"]["packets"] > 0
assert ns["user-alice"]["refused"]["bytes"] > 0
' <<<"$json"
out=$("$list" --json 2>&1)
check_lacks "only with --stats" "refused" "$out"
helpers_with_caps /run/capbin
as alice /run/capbin/usernetns-list --stats
check "a user's --stats is refused (root's)" [ "$status" -ne 0 ]
check_contains "saying why" "run it as root" "$err"

# ---- the bridge's own subnet ----------------------------------------------------------------

attack dave tcp 10.50.0.1 7
through "bridge: allow = 10.50.0.1/32 reaches the gateway"
attack dave tcp 10.50.0.20 7
refused "bridge: and not another host on the bridge's subnet"
attack dave -d eth0 udp 10.50.0.20 7
refused "whatever the options"
lanhost_ll=$(ip -n lanhost -o -6 addr show dev eth0 scope link | awk '{ split($4, a, "/"); print a[1] }')
attack gina tcp 10.50.0.1 7
through "bridge, IPv6 plan: the gateway"
attack gina tcp "$lanhost_ll%eth0" 7
refused "bridge: a LAN host's link-local address is not reached either"
attack gina tcp fd42:50::20 7
refused "nor its global one"
check_eq "the LAN host heard nothing" "" "$(cat /run/lanhost.log)"

# ---- a router advertisement on the bridge ------------------------------------------------------

check_eq "IPv4-only: the namespace end has no IPv6 at all" 1 \
	"$(ip netns exec user-dave cat /proc/sys/net/ipv6/conf/eth0/disable_ipv6)"
check_eq "an IPv6 plan: router advertisements not accepted" 0 \
	"$(ip netns exec user-gina cat /proc/sys/net/ipv6/conf/eth0/accept_ra)"
check_eq "no address made from one" 0 \
	"$(ip netns exec user-gina cat /proc/sys/net/ipv6/conf/eth0/autoconf)"
# A router speaks from its link-local address, once that is no longer tentative.
wait_for bash -c 'ip -n router -6 addr show dev eth0 scope link | grep -q inet6 &&
	! ip -n router -6 addr show dev eth0 tentative | grep -q inet6' ||
	bail_out "the router has no link-local address"
ip netns exec router "$ra_send" eth0 2001:db8:5:: || bail_out "cannot send a router advertisement"
check "the bystander took the advertised prefix (the advertisement went round)" \
	wait_for bash -c 'ip -n bystander -6 addr show dev eth0 | grep -q "2001:db8:5:"'
check_lacks "dave's session got no address from it" "2001:db8:5:" "$(ip -n user-dave -6 addr)"
check_lacks "nor gina's" "2001:db8:5:" "$(ip -n user-gina -6 addr)"
check_lacks "nor a route" "proto ra" "$(ip -n user-gina -6 route)"

# ---- the next login puts IPv6 back as ours ----------------------------------------------------

ip netns exec user-gina sh -c 'echo 1 >/proc/sys/net/ipv6/conf/eth0/accept_ra; echo 1 >/proc/sys/net/ipv6/conf/eth0/autoconf'
ip -n user-gina -6 route add default via fe80::1 dev eth0 proto ra metric 2048
"$create" gina >/dev/null 2>&1
check_eq "a login turns accept_ra off again" 0 \
	"$(ip netns exec user-gina cat /proc/sys/net/ipv6/conf/eth0/accept_ra)"
check_eq "and autoconf" 0 "$(ip netns exec user-gina cat /proc/sys/net/ipv6/conf/eth0/autoconf)"
check_lacks "and removes a route a router gave" "proto ra" "$(ip -n user-gina -6 route)"
ip netns exec user-gina nft flush chain inet usernetns out
"$create" gina >/dev/null 2>&1
attack gina tcp fd42:50::20 7
refused "and a filter root flushed in the namespace comes back at the next login"

# ---- a deny that holds the gateway ------------------------------------------------------------

cp "$USERNETNS_POLICY_PATH" /run/policy.good
sed -i 's|^allow  = 10.50.0.1/32$|deny   = 10.50.0.0/25|' "$USERNETNS_POLICY_PATH"
out=$("$create" --dry-run dave 2>&1)
check "mode bridge: a deny that holds the gateway fails the dry run" [ $? -ne 0 ]
check_contains "at its line" \
	"$USERNETNS_POLICY_PATH:19: [group:lab]: deny 10.50.0.0/25 holds 10.50.0.1, the gateway of bridge br0" \
	"$out"
out=$("$create" dave 2>&1)
check "and a login" [ $? -ne 0 ]
check_contains "saying so" "line 19 of the policy: [group:lab]: deny 10.50.0.0/25 holds 10.50.0.1" "$out"
cp /run/policy.good "$USERNETNS_POLICY_PATH"

# ---- the dry run prints exactly what is applied --------------------------------------------

out=$("$create" --dry-run alice 2>&1)
digest=$(echo "$out" | sed -n 's/.*(its first rule says usernetns \([0-9a-f]*\)):$/\1/p')
check "the dry run prints the namespace's table" [ -n "$digest" ]
check_contains "with its rules" "ip6 daddr fd00:beef::/32 jump refuse" "$out"
check_contains "and the live table's first rule carries the same digest" "usernetns $digest:" \
	"$(ip netns exec user-alice nft list chain inet usernetns out)"
table=$(echo "$out" | sed -n '/^    table inet usernetns {$/,/^    }$/p' | sed 's/^    //; s/    /\t/g')
check "which nft takes as it is" ip netns exec wan nft -c -f - <<<"$table"

pkill -f whoami-server
done_testing
