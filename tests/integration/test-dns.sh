#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Names, in the sandbox.  Inside: resolv.conf (a copy of the sandbox's
# own) names the loopback resolver 127.0.0.53, as on a host with
# systemd-resolved; sessions of users whose policy says dns = host-end,
# dns = ADDR or dns = host resolve through resolvers of the tests' own
# (tests/dns-answer, which log how each query came), then through the two shipped examples
# (dnsmasq on the host ends; systemd-resolved, unpacked by scripts/deps,
# on an address of the host's).  On the host: nsswitch.conf says
# "hosts: files usernetns", and the built module answers for namespaces.
# A namespace "wan" plays the internet (documentation addresses); no
# query leaves the sandbox.
set -u
. "$(dirname "$0")/../tools/tap.sh"

: "${USERNETNS_BUILDDIR:?}" "${USERNETNS_SRCDIR:?}" "${USERNETNS_POLICY_PATH:?}"
: "${USERNETNS_CAPS_JOIN:?}" "${USERNETNS_RESOLVED:?}" "${USERNETNS_EXAMPLESDIR:?}"

if [ -z "${USERNETNS_IN_SANDBOX:-}" ]; then
	USERNETNS_IN_SANDBOX=1 exec "$USERNETNS_BUILDDIR/tests/sandbox-run" "$0" "$@"
fi
. "$(dirname "$0")/../tools/world.sh"

create=$USERNETNS_BUILDDIR/helpers/usernetns-create
cleanup=$USERNETNS_BUILDDIR/helpers/usernetns-cleanup
firewall=$USERNETNS_BUILDDIR/helpers/usernetns-firewall
answer=$USERNETNS_BUILDDIR/tests/dns-answer

[ -x "$USERNETNS_RESOLVED" ] || bail_out "no systemd-resolved at $USERNETNS_RESOLVED: run scripts/deps"

# ---- setting up ------------------------------------------------------------------

world_writable_etc
add_user alice 1101 students
add_user bob 1102 students
add_user carol 1103 staff
add_user dave 1104 plain
add_user erin 1105 resolved
add_user frank 1106 lab
add_user gina 1108 guests
add_user hank 1109 students

policy() {
	write_policy <<EOF
[global]
forwarding = enable
hostname = %u.netns
[default]
mode = none
[group:students]
mode   = nat
pool4  = 10.210.0.0/16
pool6  = fd42:210::/48
uplink = auto
dns    = $1
[group:staff]
mode  = nat
pool4 = 10.220.0.0/16
dns   = 198.51.100.53, 198.51.100.54
[group:plain]
mode  = veth
pool4 = 10.230.0.0/16
[group:resolved]
mode  = nat
pool4 = 10.240.0.0/16
dns   = 192.0.2.53
[group:lab]
mode   = bridge
bridge = br0
pool4  = 10.50.0.128/25
dns    = host-end
[group:guests]
mode  = nat
pool4 = 10.250.0.0/16
deny  = 198.51.100.0/24
dns   = host
EOF
}
policy host-end

# resolv.conf as systemd-resolved writes it, a private copy in the sandbox.
resolv() {
	rm -f /etc/resolv.conf
	printf '%s\n' "$@" >/etc/resolv.conf
}
resolv "nameserver 127.0.0.53" "options timeout:2 attempts:2"

# The internet, with two resolvers of its own.
ip netns add wan && ip link add up0 type veth peer name wan0 netns wan &&
	ip -n wan addr add 198.51.100.1/24 dev wan0 &&
	ip -n wan addr add 198.51.100.53/24 dev wan0 &&
	ip -n wan addr add 198.51.100.54/24 dev wan0 &&
	ip -n wan link set lo up && ip -n wan link set wan0 up &&
	ip addr add 198.51.100.2/24 dev up0 && ip link set up0 up &&
	ip route add default via 198.51.100.1 &&
	ip -6 addr add 2001:db8::2/64 dev up0 nodad && ip -6 route add default via 2001:db8::1 ||
	bail_out "cannot make the wan"
ip netns exec wan "$answer" 198.51.100.53 test.example 203.0.113.53 /run/wan53.log &
ip netns exec wan "$answer" 198.51.100.54 test.example 203.0.113.54 /run/wan54.log &
wait_for bash -c "ip netns exec wan ss -Hlnu | grep -q '198.51.100.53:53 ' &&
	ip netns exec wan ss -Hlnu | grep -q '198.51.100.54:53 '" || bail_out "the wan's resolvers did not start"
"$firewall" --load >/dev/null 2>/run/fw.err || bail_out "cannot load the table: $(cat /run/fw.err)"

# Sessions are processes users run in their namespaces: usernetns-join
# with its file capabilities, as the user, from a nosuid-free tmpfs.
bin=/run/bin
mkdir -p "$bin" && mount -t tmpfs -o mode=0755 tmpfs "$bin" &&
	cp "$USERNETNS_BUILDDIR/helpers/usernetns-join" "$bin/" &&
	setcap "$USERNETNS_CAPS_JOIN" "$bin/usernetns-join" || bail_out "cannot set up usernetns-join"

# session USER COMMAND...: run in USER's session; sets out and status.
session() {
	local user=$1
	shift
	out=$(setpriv --reuid="$user" --regid="$user" --init-groups -- "$bin/usernetns-join" -- "$@" 2>&1)
	status=$?
}

# The lab's bridge, with a neighbour on it that is not a user's.
ip link add br0 type bridge && ip addr add 10.50.0.1/24 dev br0 && ip link set br0 up &&
	ip netns add neighbour && ip link add nb0 type veth peer name att0 netns neighbour &&
	ip link set nb0 master br0 && ip link set nb0 up &&
	ip -n neighbour addr add 10.50.0.5/24 dev att0 && ip -n neighbour link set att0 up ||
	bail_out "cannot make the lab's bridge"

for u in alice bob carol dave erin frank gina; do
	"$create" "$u" >/dev/null 2>/run/create.err || bail_out "cannot create $u's: $(cat /run/create.err)"
done
host_end() { ip -o -4 addr show dev "vu$1" | awk '{ split($4, a, "/"); print a[1] }'; }
ns_addr() { ip -n "user-$1" -o -4 addr show dev eth0 | awk '{ split($4, a, "/"); print a[1] }'; }
alice_end=$(host_end 1101)
"$answer" "$alice_end" test.example 203.0.113.10 /run/alice.log &
answer_pid=$!
# In mode bridge the host end is the bridge's address.
"$answer" 10.50.0.1 test.example 203.0.113.50 &
wait_for bash -c "ss -Hlnu | grep -q '$alice_end:53 ' && ss -Hlnu | grep -q '10.50.0.1:53 '" ||
	bail_out "the test resolvers did not start"

# ---- without a redirect: the problem ------------------------------------------------------

session dave getent hosts test.example
check "without dns, a session's loopback resolver is its own, where nothing listens" \
	[ "$status" -ne 0 ]

# ---- dns = host-end ------------------------------------------------------------------

session alice getent hosts test.example
check_eq "dns = host-end: a session resolves through its host end" 0 "$status"
check_contains "with the resolver's answer" "203.0.113.10    test.example" "$out"
check_contains "over UDP, from the namespace's own address" "udp $(ns_addr alice) test.example" \
	"$(cat /run/alice.log)"

resolv "nameserver 127.0.0.53" "options use-vc timeout:2 attempts:2"
: >/run/alice.log
session alice getent hosts test.example
check_contains "over TCP too" "203.0.113.10    test.example" "$out"
check_contains "as the resolver saw it" "tcp $(ns_addr alice) test.example" "$(cat /run/alice.log)"

resolv "nameserver 127.0.0.1" "options timeout:2 attempts:2"
session alice getent hosts test.example
check_contains "a local cache's 127.0.0.1 is redirected as well" "203.0.113.10" "$out"
resolv "nameserver 127.0.0.54" "options timeout:2 attempts:2"
session alice getent hosts test.example
check_contains "and resolved's 127.0.0.54" "203.0.113.10" "$out"
resolv "nameserver 127.0.0.53" "options timeout:2 attempts:2"

session alice getent hosts nowhere.example
check "an unknown name is still unknown" [ "$status" -ne 0 ]
out=$(ip netns exec user-alice bash -c 'exec 3<>/dev/tcp/127.0.0.1/22' 2>&1)
check_contains "other ports of the loopback stay the namespace's own" "Connection refused" "$out"

session alice nft flush ruleset
check_contains "the user cannot remove the redirect" "Operation not permitted" "$out"
session alice sysctl -w net.ipv4.conf.eth0.route_localnet=0
check "nor what it needs" [ "$status" -ne 0 ]

# ---- the loopback is not reachable from the wire ------------------------------------------

# route_localnet lets the namespace end take 127.0.0.0/8 from the wire, for
# the replies to translated queries.  A neighbour on frank's bridge tries
# to reach what frank's session serves on 127.0.0.1 only.
ip netns exec user-frank "$USERNETNS_BUILDDIR/tests/whoami-server" 7 >/dev/null 2>&1 &
wait_for bash -c "ip netns exec user-frank ss -Hltn | grep -q ':7 '" || bail_out "no server in frank's"
frank_ns=$(ns_addr frank)
ip -n neighbour route add 127.0.0.1/32 via "$frank_ns" dev att0 &&
	ip netns exec neighbour sysctl -qw net.ipv4.conf.att0.route_localnet=1 ||
	bail_out "cannot point the neighbour at frank's loopback"
# neighbour_try: what the neighbour gets from 127.0.0.1 port 7, 3 s at most.
neighbour_try() {
	out=$(ip netns exec neighbour timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/7 && cat <&3' 2>&1)
	status=$?
}
ip netns exec user-frank nft flush ruleset
neighbour_try
check_eq "without the guard, a neighbour would reach the session's loopback" 0 "$status"
"$create" frank >/dev/null 2>&1
neighbour_try
check "with it (restored by the next login), it does not" [ "$status" -ne 0 ]
session frank getent hosts test.example
check_contains "while frank's own queries still come back" "test.example" "$out"

# ---- repaired at the next login ---------------------------------------------------------

ip netns exec user-alice nft flush ruleset
session alice getent hosts test.example
check "after root flushes the namespace's rules, queries go nowhere" [ "$status" -ne 0 ]
out=$("$create" alice 2>&1)
check_contains "the next login repairs them" "repaired" "$out"
session alice getent hosts test.example
check_contains "and names resolve again" "203.0.113.10" "$out"
ip netns exec user-alice sysctl -qw net.ipv4.conf.eth0.route_localnet=0
out=$("$create" alice 2>&1)
check_contains "so is the namespace end's route_localnet" "repaired" "$out"
check_eq "which is on again" 1 "$(ip netns exec user-alice sysctl -n net.ipv4.conf.eth0.route_localnet)"
out=$("$create" alice 2>&1)
check_contains "a whole namespace is left as it is" "already in place" "$out"

# ---- dns = ADDR: resolvers beyond the host -------------------------------------------------

: >/run/wan53.log
: >/run/wan54.log
fails=0
for i in $(seq 1 30); do
	session carol getent hosts test.example
	case $out in 203.0.113.53*|203.0.113.54*) ;; *) fails=$((fails + 1)) ;; esac
done
check_eq "dns = ADDR, ADDR: every lookup answered by one of the two" 0 "$fails"
check "queries reach the first" [ -s /run/wan53.log ]
check "and the second: spread at random, per query" [ -s /run/wan54.log ]
check_lacks "they leave as the host (masquerade), never as 127.0.0.1" "127.0.0.1" \
	"$(cat /run/wan53.log /run/wan54.log)"

# ---- dns = host: the host's own resolvers, on a stock host -------------------------------

# No resolver runs on the host: its resolv.conf names the network's (from
# DHCP), here the wan's, in a network the guests' deny list keeps out.
ip netns exec wan "$USERNETNS_BUILDDIR/tests/whoami-server" 7 >/dev/null 2>&1 &
wait_for bash -c "ip netns exec wan ss -Hltn | grep -q ':7 '" || bail_out "no server on the wan"
resolv "nameserver 198.51.100.53" "options timeout:2 attempts:2"
out=$("$create" gina 2>&1)
check_lacks "dns = host: a login with a resolver to use says nothing of it" "dns = host" "$out"
session gina getent hosts test.example
check_contains "a session resolves through the host's resolver, which the deny list covers" \
	"203.0.113.53" "$out"
session gina bash -c 'exec 3<>/dev/tcp/198.51.100.53/7 && cat <&3'
check "and reaches nothing of it but port 53" [ "$status" -ne 0 ]
check_contains "refused at once" "Connection refused" "$out"
session gina bash -c 'exec 3<>/dev/tcp/198.51.100.1/7 && cat <&3'
check_contains "nor anything else the deny list covers" "Permission denied" "$out"

# systemd-resolved on the host: its stub stands for its upstream servers.
# resolv.conf changes (DHCP, resolved starting): the next login takes it.
mkdir -p /run/systemd/resolve && echo 'nameserver 198.51.100.54' >/run/systemd/resolve/resolv.conf
resolv "nameserver 127.0.0.53" "options timeout:2 attempts:2"
session gina getent hosts test.example
check_contains "resolv.conf changed: the session keeps the resolvers of its login" \
	"203.0.113.53" "$out"
"$create" gina >/dev/null 2>&1
session gina getent hosts test.example
check_contains "the next login takes systemd-resolved's upstream servers for its stub" \
	"203.0.113.54" "$out"
: >/run/wan54.log
resolv "nameserver 127.0.0.53" "options use-vc timeout:2 attempts:2"
session gina getent hosts test.example
check_contains "over TCP too" "tcp 198.51.100.2 test.example" "$(cat /run/wan54.log)"

# Nothing a namespace can reach: a resolver on the host's own loopback.
resolv "nameserver 127.0.0.1" "nameserver 2001:db8::53"
out=$("$create" gina 2>&1)
check_eq "a login with no resolver to use goes on" 0 "$?"
check_contains "saying why names do not resolve" \
	"usernetns-create: warning: dns = host for gina: /etc/resolv.conf names no resolver a namespace can reach: 127.0.0.1 (the host's loopback, not the namespace's), 2001:db8::53 (IPv6: the redirect is IPv4); names do not resolve in user-gina" \
	"$out"
out=$("$create" --dry-run gina 2>&1)
check_contains "so does the dry run" \
	"usernetns-create: warning: dns = host: /etc/resolv.conf names no resolver a namespace can reach; names would not resolve in user-gina" \
	"$out"
resolv "nameserver 198.51.100.53" "nameserver 2001:db8::53"
out=$("$create" --dry-run gina 2>&1)
check_contains "the dry run names the host's resolvers" \
	"resolvers   198.51.100.53 (now, from /etc/resolv.conf)" "$out"
check_contains "what it leaves out" "left out    2001:db8::53 (IPv6: the redirect is IPv4)" "$out"
check_contains "and what the filter lets through to them" \
	"ip daddr 198.51.100.53 meta l4proto udp th dport 53 accept" "$out"
rm -rf /run/systemd/resolve
resolv "nameserver 127.0.0.53" "options timeout:2 attempts:2"
"$create" gina >/dev/null 2>&1

# ---- the policy changes -------------------------------------------------------------

policy inherit
"$create" alice >/dev/null 2>&1
check "dns = inherit again: the redirect is gone" \
	bash -c '! ip netns exec user-alice nft list chain inet usernetns dns >/dev/null 2>&1'
check "and the filter stays" \
	bash -c 'ip netns exec user-alice nft list chain inet usernetns out >/dev/null 2>&1'
check_eq "and route_localnet off" 0 "$(ip netns exec user-alice sysctl -n net.ipv4.conf.eth0.route_localnet)"
policy host-end
"$create" alice >/dev/null 2>&1
session alice getent hosts test.example
check_contains "dns = host-end: back again" "203.0.113.10" "$out"

# ---- the shipped dnsmasq example -------------------------------------------------------

kill "$answer_pid"
wait_for bash -c "! ss -Hlnu | grep -q '$alice_end:53 '" || bail_out "the test resolver did not stop"
# Nothing answers on the host ends now: the dry run says so, and what to do.
out=$("$create" --dry-run alice 2>&1)
check_contains "dns = host-end with no resolver on the host end: the dry run warns" \
	"usernetns-create: warning: dns = host-end: nothing on this host listens on udp port 53 at $alice_end, nor on every address: the queries of user-alice would go unanswered; run a resolver on the host ends (dnsmasq with $USERNETNS_EXAMPLESDIR/dnsmasq-usernetns.conf), or set dns = host" \
	"$out"
out=$("$create" --dry-run hank 2>&1)
check_contains "before a first login, for every host end of the pool" \
	"nothing on this host listens on udp port 53 at any host end of 10.210.0.0/16 (one bound to each as it comes is seen once one exists), nor on every address" \
	"$out"
out=$("$create" --dry-run frank 2>&1)
check_lacks "a resolver on the bridge's address answers mode bridge's" "dns = host-end" "$out"
# A network namespace of its own, where a resolver listens on every address.
ip netns add wild && ip -n wild link set lo up || bail_out "cannot make a namespace"
ip netns exec wild "$answer" 0.0.0.0 test.example 203.0.113.9 &
wild_pid=$!
wait_for bash -c "ip netns exec wild ss -Hlnu | grep -q '0.0.0.0:53 '" || bail_out "no resolver in wild"
out=$(ip netns exec wild "$create" --dry-run alice 2>&1)
check_lacks "a resolver on every address answers every host end" "dns = host-end" "$out"
kill "$wild_pid"
dnsmasq --keep-in-foreground --conf-file="$USERNETNS_SRCDIR/conf/examples/dnsmasq-usernetns.conf" \
	--no-resolv --server=198.51.100.53 --pid-file=/run/dnsmasq.pid --user=root \
	--log-facility=/run/dnsmasq.log &
wait_for bash -c "ss -Hlnu | grep -q '$alice_end:53 '" || bail_out "dnsmasq did not start"
session alice getent hosts test.example
check_contains "dnsmasq on the host ends (the example) answers a session" "203.0.113.53" "$out"
"$create" bob >/dev/null 2>&1 || true
"$cleanup" bob >/dev/null 2>&1
"$create" bob >/dev/null 2>&1
wait_for bash -c "ss -Hlnu | grep -q '$(host_end 1102):53 '"
session bob getent hosts test.example
check_contains "and a namespace made after it started (bind-dynamic)" "203.0.113.53" "$out"
listening=$(ss -Hlnu | awk '$4 ~ /:53$/ { print $4 }')
check_lacks "it does not listen on the uplink" "198.51.100.2:53" "$listening"
check_lacks "nor on the host's loopback" "127.0.0.1:53" "$listening"
out=$("$create" --dry-run alice hank 2>&1)
check_lacks "with it, the dry run has nothing to say of the host ends" "dns = host-end" "$out"
kill "$(cat /run/dnsmasq.pid)"

# ---- the shipped systemd-resolved example ---------------------------------------------------

ip addr add 192.0.2.53/32 dev lo
echo 'systemd-resolve:x:990:990::/:/usr/sbin/nologin' >>/etc/passwd
echo 'systemd-resolve:x:990:' >>/etc/group
mkdir -p /etc/systemd/resolved.conf.d /run/systemd
printf '[Resolve]\nDNS=198.51.100.53\nLLMNR=no\nMulticastDNS=no\nDNSSEC=no\n' >/etc/systemd/resolved.conf
cp "$USERNETNS_SRCDIR/conf/examples/resolved-usernetns.conf" /etc/systemd/resolved.conf.d/
"$USERNETNS_RESOLVED" >/run/resolved.log 2>&1 &
resolved_pid=$!
wait_for bash -c "ss -Hlnu | grep -q '192.0.2.53:53 '" ||
	bail_out "systemd-resolved did not start: $(tail -n 5 /run/resolved.log)"
session erin getent hosts test.example
check_contains "systemd-resolved's extra listener (the example) answers dns = ADDR" \
	"203.0.113.53" "$out"
session erin getent hosts test.example
check_contains "from its cache too" "203.0.113.53" "$out"
kill "$resolved_pid"

# ---- the host resolves the namespaces -------------------------------------------------------

printf 'passwd: files\ngroup: files\nhosts: files usernetns\n' >/etc/nsswitch.conf
export LD_LIBRARY_PATH=$USERNETNS_BUILDDIR/nss/.libs
alice_ns=$(ns_addr alice)
alice_ns6=$(ip -n user-alice -o -6 addr show dev eth0 scope global | awk '{ split($4, a, "/"); print a[1] }')
out=$(getent ahosts user-alice)
check_contains "getent ahosts user-alice: the address inside alice's namespace" "$alice_ns" "$out"
check_contains "and its IPv6 address" "$alice_ns6" "$out"
out=$(getent hosts alice.netns)
check_contains "the host name of the template (hostname = %u.netns)" "alice.netns user-alice" "$out"
out=$(setpriv --reuid=dave --regid=dave --clear-groups getent hosts alice.netns)
check_contains "for every user of the host, not root alone" "alice.netns user-alice" "$out"
out=$(getent hosts "$alice_ns")
check_contains "a reverse lookup names the namespace" "alice.netns user-alice" "$out"
out=$(ping -c 1 -W 5 user-alice 2>&1)
check_contains "ping user-alice reaches it" "1 received" "$out"
out=$(getent hosts user-nobody)
check_eq "names of no namespace are not found" "" "$out"
# A name is one owner's.  To the resolver, which ignores case, Dave's
# user-Dave and Dave.netns are dave's names: they stay dave's however
# often Dave's namespace is made or repaired.
add_user Dave 1107 plain
dave_ns=$(ns_addr dave)
out=$("$create" Dave 2>&1)
check_contains "a name another namespace holds is not taken" \
	"Dave: dave.netns is held by the namespace of uid 1104, and 1 more; not published for it" "$out"
"$create" Dave >/dev/null 2>&1
out=$(getent hosts user-dave | tr -s ' \t' ' ')
check_eq "and it still resolves to its owner's namespace" "$dave_ns dave.netns user-dave" "$out"
out=$(getent hosts Dave.netns | tr -s ' \t' ' ')
check_eq "by either name" "$dave_ns dave.netns user-dave" "$out"
"$cleanup" Dave >/dev/null 2>&1
out=$(getent hosts user-dave | tr -s ' \t' ' ')
check_eq "which the other's removal leaves alone" "$dave_ns dave.netns user-dave" "$out"
"$cleanup" alice >/dev/null 2>&1
out=$(getent ahosts user-alice)
check_eq "a namespace removed is no longer resolved" "" "$out"
out=$(getent hosts "$alice_ns")
check_eq "nor its address" "" "$out"
check "and no file of it is left" bash -c "! grep -rl alice /run/usernetns/hosts"

# ---- the dry run says it all ----------------------------------------------------------

out=$("$create" --dry-run alice 2>&1)
check_contains "a dry run shows the host name" "host name   alice.netns" "$out"
check_contains "and where queries go" "loopback resolvers answered from the host end's address" "$out"
out=$("$create" --dry-run carol 2>&1)
check_contains "or the resolvers given" "answered from 198.51.100.53, 198.51.100.54" "$out"

done_testing
