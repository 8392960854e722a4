#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Mode nat, egress lists and isolation between users, in the sandbox.  A
# namespace "wan" plays the internet (documentation addresses, no route
# back to the users' ranges) with a server that says whom it sees; a
# namespace "lan" plays the campus LAN; the sandbox's own namespace is the
# host, with our table loaded by usernetns-firewall.  No traffic leaves
# the sandbox.
set -u
. "$(dirname "$0")/../tools/tap.sh"

: "${USERNETNS_BUILDDIR:?}" "${USERNETNS_POLICY_PATH:?}"

if [ -z "${USERNETNS_IN_SANDBOX:-}" ]; then
	USERNETNS_IN_SANDBOX=1 exec "$USERNETNS_BUILDDIR/tests/sandbox-run" "$0" "$@"
fi
. "$(dirname "$0")/../tools/world.sh"

bin=$USERNETNS_BUILDDIR/helpers
create=$bin/usernetns-create
firewall=$bin/usernetns-firewall
whoami=$USERNETNS_BUILDDIR/tests/whoami-server

# ---- setting up ------------------------------------------------------------------

world_writable_etc
add_user alice 1101 students
add_user bob 1102 students
add_user carol 1103 staff
add_user dave 1104 lab
add_user erin 1105 lab
add_user frank 1106 restricted

write_policy <<'EOF'
[global]
forwarding = enable
[default]
mode = none
[group:students]
mode   = nat
pool4  = 10.210.0.0/16
pool6  = fd42:210::/48
uplink = auto
deny   = 192.168.0.0/16, 10.0.0.0/8
deny   = fd00:beef::/32
[group:staff]
mode  = veth
pool4 = 10.220.0.0/16
[group:lab]
mode   = bridge
bridge = br0
pool4  = 10.50.0.128/25
[group:restricted]
mode  = nat
pool4 = 10.230.0.0/16
allow = 198.51.100.0/25
EOF

# The internet: two servers' addresses, one outside restricted's allow list.
ip netns add wan && ip link add up0 type veth peer name wan0 netns wan &&
	ip -n wan addr add 198.51.100.1/24 dev wan0 &&
	ip -n wan addr add 198.51.100.200/24 dev wan0 &&
	ip -n wan -6 addr add 2001:db8::1/64 dev wan0 nodad &&
	ip -n wan link set lo up && ip -n wan link set wan0 up &&
	ip addr add 198.51.100.2/24 dev up0 && ip -6 addr add 2001:db8::2/64 dev up0 nodad &&
	ip link set up0 up &&
	ip route add default via 198.51.100.1 && ip -6 route add default via 2001:db8::1 ||
	bail_out "cannot make the wan"
ip netns exec wan "$whoami" 7 >/dev/null 2>&1 &
# The campus LAN, which students must never reach.
ip netns add lan && ip link add lan0 type veth peer name lan1 netns lan &&
	ip -n lan addr add 192.168.7.2/24 dev lan1 && ip -n lan link set lan1 up &&
	ip -n lan link set lo up && ip addr add 192.168.7.1/24 dev lan0 && ip link set lan0 up ||
	bail_out "cannot make the lan"
ip netns exec lan "$whoami" 7 >/dev/null 2>&1 &
# The lab's bridge.
ip link add br0 type bridge && ip addr add 10.50.0.1/24 dev br0 && ip link set br0 up ||
	bail_out "cannot make br0"
wait_for bash -c 'ip netns exec wan ss -Htln | grep -q ":7 " && ip netns exec lan ss -Htln | grep -q ":7 "' ||
	bail_out "the servers did not start"

# from USER HOST: what the server at HOST (port 7) says, from USER's namespace;
# sets out (its answer, or the error) and status.
from() {
	out=$(ip netns exec "user-$1" bash -c "exec 3<>/dev/tcp/$2/7 && cat <&3" 2>&1)
	status=$?
}

# ---- the host's side ----------------------------------------------------------------

out=$("$firewall" --print 2>&1)
check_contains "--print shows our table" "table inet usernetns {" "$out"
check_contains "with masquerade for the students' pool out of every interface but host ends" \
	'ip saddr { 10.210.0.0/16, 10.230.0.0/16 } ip daddr != @ranges4 oifname != "vu*" masquerade' "$out"
check_contains "and NAT66 for their unique local pool" \
	'ip6 saddr { fd42:210::/48 } ip6 daddr != @ranges6 oifname != "vu*" masquerade' "$out"
check_contains "and no user reaching another through the host" \
	"ip saddr @ranges4 ip daddr @ranges4 drop" "$out"
check_eq "forwarding is off before" "0" "$(cat /proc/sys/net/ipv4/ip_forward)"
out=$("$firewall" --load 2>&1)
check_eq "--load loads it" 0 "$?"
check_eq "forwarding = enable turned IPv4 forwarding on" "1" "$(cat /proc/sys/net/ipv4/ip_forward)"
check_eq "and IPv6's" "1" "$(cat /proc/sys/net/ipv6/conf/all/forwarding)"
out=$("$firewall" --status 2>&1)
check_eq "--status says it is in place" 0 "$?"
check_contains "naming the uplinks" "uplinks: auto (every interface but host ends)" "$out"
check_contains "and made from the policy as it is" \
	"table inet usernetns: loaded, as $USERNETNS_POLICY_PATH makes it" "$out"
check_contains "its comment: what it is made from, in a fixed length" \
	'comment "made by usernetns-firewall: policy ' "$(nft list table inet usernetns)"
check_lacks "not the policy's path, as long as a checkout's may be" "$USERNETNS_POLICY_PATH" \
	"$(nft list table inet usernetns)"
rules_before=$(nft list table inet usernetns | wc -l)

# ---- out through the host -------------------------------------------------------------

for u in alice bob carol dave erin frank; do
	"$create" "$u" >/dev/null 2>/run/create.err || bail_out "cannot create $u's: $(cat /run/create.err)"
done
check_eq "the table does not grow with users" "$rules_before" "$(nft list table inet usernetns | wc -l)"

from alice 198.51.100.1
check_eq "a student reaches the internet, which sees the host's address" "198.51.100.2" "$out"
from alice 2001:db8::1
check_eq "over IPv6 too (a unique local pool: NAT66)" "2001:db8::2" "$out"
from frank 198.51.100.1
check_eq "restricted reaches what it is allowed" "198.51.100.2" "$out"

# ---- egress policy: an immediate error, whatever the host's firewall -----------------------

from alice 192.168.7.2
check "a student never reaches the campus LAN" [ "$status" -ne 0 ]
check_contains "it fails at once: prohibited, not a timeout" "Permission denied" "$out"
from frank 198.51.100.200
check "restricted does not reach what its allow list leaves out" [ "$status" -ne 0 ]
check_contains "at once" "Permission denied" "$out"
out=$(ip netns exec user-alice ping -6 -c 1 -W 5 fd00:beef::1 2>&1)
check_contains "denied IPv6 networks too" "Permission denied" "$out"
out=$(ip netns exec user-alice setpriv --reuid=1101 --regid=1101 --clear-groups \
	ip route del prohibit 192.168.0.0/16 2>&1)
check_contains "the user cannot undo it (no capability in the namespace)" "Operation not permitted" \
	"$out"

# ---- no user reaches another -------------------------------------------------------------

addr_of() { ip -n "user-$1" -o -4 addr show dev eth0 | awk '{ split($4, a, "/"); print a[1] }'; }
host_end_of() { ip -n "user-$1" -4 route show default | awk '{ print $3 }'; }
# isolated WHO TARGET WHAT: WHO's connection to TARGET fails at once.
isolated() {
	from "$1" "$2"
	check_contains "$3" "Permission denied" "$out"
}
isolated alice "$(addr_of bob)" "nat: a student does not reach another's namespace"
isolated alice "$(host_end_of bob)" "nat: nor another's host end"
isolated carol "$(addr_of alice)" "veth: staff do not reach a student"
isolated alice "$(addr_of carol)" "nor a student the staff"
isolated dave "$(addr_of erin)" "bridge: a lab user does not reach another"
ports=$(ip -o link show master br0 | awk -F': ' '{ print $2 }' | cut -d@ -f1)
for p in $ports; do
	check_contains "bridge: port $p is isolated" "isolated on" "$(ip -d link show "$p")"
done
# ---- it comes back by itself --------------------------------------------------------------

nft flush ruleset
out=$("$firewall" --status 2>&1)
check "after nft flush ruleset, --status says it is missing" [ $? -ne 0 ]
check_contains "why" "table inet usernetns: not loaded" "$out"
isolated alice "$(addr_of bob)" "isolation holds while the host's table is gone"
from alice 192.168.7.2
check_contains "and so does the deny list" "Permission denied" "$out"
# Even with the routes gone (as root could) and no table on the host (as
# where br_netfilter shows bridged traffic to it), the bridge's port
# isolation and the namespaces' own filters keep them apart...
ip -n user-dave route del prohibit 10.50.0.128/25
ip -n user-erin route del prohibit 10.50.0.128/25
ip netns exec user-dave ping -c 1 -W 2 "$(addr_of erin)" >/dev/null 2>&1
check "bridge: isolation holds without the routes" [ $? -ne 0 ]
for p in $ports; do ip link set "$p" type bridge_slave isolated off; done
out=$(ip netns exec user-dave ping -c 1 -W 2 "$(addr_of erin)" 2>&1)
check_contains "bridge: and without port isolation: refused at once by dave's filter" \
	"Operation not permitted" "$out"
# ...which, were the filters gone too (as root could), would meet.
ip netns exec user-dave nft delete table inet usernetns
ip netns exec user-erin nft delete table inet usernetns
check "(without them all, they would reach each other)" \
	wait_for ip netns exec user-dave ping -c 1 -W 1 "$(addr_of erin)"
"$create" dave erin >/dev/null 2>&1
check "the next login puts the routes back" \
	bash -c 'ip -n user-dave route show | grep -q "prohibit 10.50.0.128/25"'
check "and the filter" bash -c 'ip netns exec user-dave nft list table inet usernetns >/dev/null'
ip netns exec user-dave ping -c 1 -W 2 "$(addr_of erin)" >/dev/null 2>&1
check "and they are apart again" [ $? -ne 0 ]
for p in $ports; do
	check_contains "and isolates port $p again" "isolated on" "$(ip -d link show "$p")"
done
"$create" bob >/dev/null 2>/run/create.err
check_contains "a nat login then says so loudly" \
	"the host's side is not in place (table inet usernetns is not loaded)" "$(cat /run/create.err)"
out=$("$USERNETNS_BUILDDIR/helpers/usernetns-list" 2>&1)
check_contains "usernetns-list shows it too" "table inet usernetns is not loaded" "$out"
# What the unit runs when nftables.service reloads.
unit=$USERNETNS_BUILDDIR/conf/systemd/usernetns-firewall.service
reload=$(sed -n 's/^ExecReload=[^ ]*usernetns-firewall //p' "$unit")
check_eq "the unit reloads with --load" "--load" "$reload"
"$firewall" $reload >/dev/null 2>&1
check_eq "which restores the table" 0 "$?"
from alice 198.51.100.1
check_eq "and NAT with it" "198.51.100.2" "$out"
"$create" bob >/dev/null 2>/run/create.err
check_lacks "a nat login is quiet again" "not in place" "$(cat /run/create.err)"
out=$("$USERNETNS_BUILDDIR/helpers/usernetns-list" 2>&1)
check_contains "and usernetns-list shows the host side in place" "user-alice" "$out"
check_lacks "with nothing missing" "not loaded" "$out"

# ---- a table the policy has left behind ---------------------------------------------------

# record_of UID: the host's side as the last login of UID recorded it.
record_of() { sed -n 's/^host_side=//p' "/run/usernetns/users/$1"; }
check_eq "a login records the host's side in place" "ok" "$(record_of 1102)"
cp "$USERNETNS_POLICY_PATH" /run/policy.loaded
cat >>"$USERNETNS_POLICY_PATH" <<'EOF'
[group:later]
mode = veth
pool4 = 10.240.0.0/16
EOF
out=$("$firewall" --status 2>&1)
check "a policy changed since the load: --status fails" [ $? -ne 0 ]
check_contains "saying the table is stale, and what to run" \
	"table inet usernetns: loaded, stale: not what the policy makes now; run usernetns-firewall --load" \
	"$out"
"$create" bob >/dev/null 2>/run/create.err
check_contains "a nat login says so" \
	"the host's side is not in place (table inet usernetns is stale: not what the policy makes now)" \
	"$(cat /run/create.err)"
check_eq "and records it" "table inet usernetns is stale: not what the policy makes now" \
	"$(record_of 1102)"
out=$("$USERNETNS_BUILDDIR/helpers/usernetns-list" 2>&1)
check_contains "usernetns-list shows it" "table inet usernetns is stale" "$out"
"$firewall" --load >/dev/null 2>&1
out=$("$firewall" --status 2>&1)
check_eq "loaded again, it is in place" 0 "$?"
"$create" bob >/dev/null 2>/run/create.err
check_lacks "and a nat login is quiet" "not in place" "$(cat /run/create.err)"
check_eq "recording it" "ok" "$(record_of 1102)"
cp /run/policy.loaded "$USERNETNS_POLICY_PATH"
"$firewall" --load >/dev/null 2>&1

# ---- uplink = auto: wherever the default route is, or comes to be -------------------------

# The table names no interface for auto: what leaves the users' ranges for
# anything but a user's goes out as the host through every interface but
# host ends.  A default route that comes after the load (DHCP), or moves,
# changes nothing.  Beyond the wan's router, an address only the default
# route reaches, for each family.
ip -n wan addr add 192.0.2.10/32 dev lo && ip -n wan -6 addr add 2001:db8:1::10/128 dev lo ||
	bail_out "cannot put addresses beyond the wan's router"
ip route del default && ip -6 route del default || bail_out "cannot remove the default routes"
out=$("$firewall" --load 2>&1)
check_eq "without a default route, --load loads the table" 0 "$?"
check_eq "saying nothing" "" "$out"
out=$("$firewall" --status 2>&1)
check_eq "which --status finds in place" 0 "$?"
check_contains "out of every interface but host ends" \
	"uplinks: auto (every interface but host ends)" "$out"
ip route add default via 198.51.100.1 && ip -6 route add default via 2001:db8::1 ||
	bail_out "cannot add the default routes"
from alice 192.0.2.10
check_eq "a default route that comes later: students reach beyond it, as the host" \
	"198.51.100.2" "$out"
from alice 2001:db8:1::10
check_eq "over IPv6 too (pool6 with uplink = auto)" "2001:db8::2" "$out"
# A second way out; the default route moves there.
ip netns add wan2 && ip link add up1 type veth peer name wan20 netns wan2 &&
	ip -n wan2 addr add 203.0.113.1/24 dev wan20 && ip -n wan2 addr add 192.0.2.10/32 dev lo &&
	ip -n wan2 link set lo up && ip -n wan2 link set wan20 up &&
	ip addr add 203.0.113.2/24 dev up1 && ip link set up1 up ||
	bail_out "cannot make the second uplink"
ip netns exec wan2 "$whoami" 7 >/dev/null 2>&1 &
wait_for bash -c 'ip netns exec wan2 ss -Htln | grep -q ":7 "' || bail_out "the server on wan2 did not start"
from alice 203.0.113.1
check_eq "a network beside the default route's is reached as the host too" "203.0.113.2" "$out"
ip route replace default via 203.0.113.1 dev up1 || bail_out "cannot move the default route"
from alice 192.0.2.10
check_eq "the default route moved: out of its new interface, as the host there" "203.0.113.2" "$out"
out=$("$firewall" --status 2>&1)
check_eq "and the table is still as the policy makes it" 0 "$?"
ip route replace default via 198.51.100.1 dev up0 || bail_out "cannot put the default route back"
from alice 192.0.2.10
check_eq "and back" "198.51.100.2" "$out"

# Never to a user: what one sends to another keeps its source (were the
# filters and the host's drop gone, as root could make them, the other
# would see who it is, never the host).
ip netns exec user-carol "$whoami" 7 >/dev/null 2>&1 &
wait_for bash -c 'ip netns exec user-carol ss -Htln | grep -q ":7 "' || bail_out "no server in carol's"
nft flush chain inet usernetns forward
for u in alice carol; do
	ip netns exec "user-$u" nft delete table inet usernetns
	ip -n "user-$u" route flush type prohibit
done
from alice "$(addr_of carol)"
check_eq "the masquerade never hides one user from another" "$(addr_of alice)" "$out"
"$create" alice carol >/dev/null 2>&1
"$firewall" --load >/dev/null 2>&1
isolated alice "$(addr_of carol)" "(the next login and load put the walls back)"

# ---- the units: the table follows the policy, a failed load keeps it ------------------------

units=$USERNETNS_BUILDDIR/conf/systemd
# exec_of UNIT KEY: the arguments of usernetns-firewall in UNIT's KEY= lines, one a line.
exec_of() { sed -n "s/^$2=[^ ]*usernetns-firewall //p" "$units/$1"; }
check_eq "the service loads the table when it starts" "--load" \
	"$(exec_of usernetns-firewall.service ExecStart)"
check_eq "and has no ExecStop= (systemd runs it first at every restart)" "" \
	"$(grep '^ExecStop' "$units/usernetns-firewall.service")"
check "it stays active after its load, so that a reload reaches it" \
	grep -qx 'RemainAfterExit=yes' "$units/usernetns-firewall.service"
check "enabling it enables the path unit too" \
	grep -qx 'Also=usernetns-firewall.path' "$units/usernetns-firewall.service"
check "the path unit watches the policy file" \
	grep -qx "PathChanged=$USERNETNS_POLICY_PATH" "$units/usernetns-firewall.path"
check "and starts the reload service when it changes" \
	grep -qx 'Unit=usernetns-firewall-reload.service' "$units/usernetns-firewall.path"
check "which reloads the service (or starts it, were it not active)" \
	grep -qx 'ExecStart=/bin/systemctl reload-or-restart usernetns-firewall.service' \
	"$units/usernetns-firewall-reload.service"
check "and then applies the policy to the live namespaces" \
	grep -qx "ExecStart=$(dirname "$(sed -n 's/^ExecStart=\([^ ]*usernetns-firewall\) .*/\1/p' "$units/usernetns-firewall.service")")/usernetns-create --reload" \
	"$units/usernetns-firewall-reload.service"

# What systemctl restart runs (ExecStop=, then ExecStart=) and what
# systemctl reload runs, with a policy that cannot be loaded.
cp "$USERNETNS_POLICY_PATH" /run/policy.good
printf '[group:broken]\nmode = sideways\n' >>"$USERNETNS_POLICY_PATH"
status=0
for action in $(exec_of usernetns-firewall.service ExecStop) \
	$(exec_of usernetns-firewall.service ExecStart); do
	"$firewall" "$action" >/dev/null 2>&1 || status=$?
done
check "systemctl restart with a policy that cannot be loaded fails" [ "$status" -ne 0 ]
check "and the table loaded before stays" nft list table inet usernetns
from alice 198.51.100.1
check_eq "and NAT with it" "198.51.100.2" "$out"
"$firewall" "$(exec_of usernetns-firewall.service ExecReload)" >/dev/null 2>&1
check "systemctl reload fails the same way" [ $? -ne 0 ]
check "and keeps the table" nft list table inet usernetns
cp /run/policy.good "$USERNETNS_POLICY_PATH"

# The path unit starts a load at the first sign of an edit, which may not
# be done (an editor that moves the old file away, then writes the new
# one): a policy that changes during a load is loaded again.  An nft that
# edits the policy before it loads stands in for the editor.
cp "$USERNETNS_NFT" /run/real-nft
printf '%s\n' '#!/bin/sh' 'if [ ! -e /run/edited ]; then' '	: >/run/edited' \
	"	printf '[group:later]\\nmode = veth\\npool4 = 10.240.0.0/16\\n' >>'$USERNETNS_POLICY_PATH'" \
	'fi' 'exec /run/real-nft "$@"' >/run/edit-nft
chmod 0755 /run/edit-nft
mount --bind /run/edit-nft "$USERNETNS_NFT" || bail_out "cannot put an editing nft in place"
out=$("$firewall" --load 2>&1)
check_eq "a policy edited during the load: --load succeeds" 0 "$?"
umount "$USERNETNS_NFT"
check "(the policy was edited during it)" [ -e /run/edited ]
out=$("$firewall" --status 2>&1)
check_eq "and the table is the edited policy's" 0 "$?"
check_contains "with its range" "10.240.0.0/16" "$(nft list set inet usernetns ranges4)"
cp /run/policy.good "$USERNETNS_POLICY_PATH"
"$firewall" --load >/dev/null 2>&1

# ---- bad input: clear errors, nothing half-applied ----------------------------------------

sed -i 's/^uplink = auto/uplink = nosuch0/' "$USERNETNS_POLICY_PATH"
out=$("$firewall" --load 2>&1)
check "an uplink that does not exist is refused" [ $? -ne 0 ]
check_contains "naming it and its section" "[group:students]: uplink 'nosuch0' does not exist" "$out"
check "and the table loaded before stays" bash -c 'nft list table inet usernetns | grep -q "oifname != \"vu\*\""'
cp /run/policy.good "$USERNETNS_POLICY_PATH"
sed -i 's/^forwarding = enable/forwarding = check/' "$USERNETNS_POLICY_PATH"
echo 0 >/proc/sys/net/ipv4/ip_forward
nft flush ruleset
out=$("$firewall" --load 2>&1)
check "forwarding off with forwarding = check is refused" [ $? -ne 0 ]
check_contains "saying what to do" \
	"net.ipv4.ip_forward is 0: the host does not forward, so mode nat reaches nothing; set forwarding = enable in [global], or sysctl -w net.ipv4.ip_forward=1" "$out"
check "and nothing is loaded" bash -c '! nft list table inet usernetns >/dev/null 2>&1'
cat >>"$USERNETNS_POLICY_PATH" <<'EOF'
[group:more]
mode = veth
pool4 = 10.210.0.0/16
EOF
out=$("$firewall" --print 2>&1)
check "a pool shared by a nat and a veth section is refused" [ $? -ne 0 ]
check_contains "at its line" "pool4 10.210.0.0/16 is translated (mode nat) at line" "$out"
out=$("$firewall" --remove 2>&1)
check_eq "--remove of a table that is not there is fine" 0 "$?"

# A namespace shared by a group has host ends of its own (vg%G): the table
# finds every sort of host end, by each fixed start in use.
write_policy <<'EOF'
[global]
forwarding = enable
[group:staff]
mode  = nat
pool4 = 10.220.0.0/16
[group:lab]
mode  = veth
share = group
netns_name = lab-%g
pool4 = 10.221.0.0/16
EOF
out=$("$firewall" --print 2>&1)
check_contains "host ends of users and of shared sections, in one set" \
	'iifname { "vu*", "vg*" } fib saddr . iif oif missing drop' "$out"
check_contains "which uplink = auto leaves out" 'oifname != { "vu*", "vg*" } masquerade' "$out"
out=$("$firewall" --load 2>&1)
check_eq "which nft loads" 0 "$?"
check_contains "and the kernel keeps" 'iifname { "vg*", "vu*" }' "$(nft list table inet usernetns 2>&1)"
check_contains "both" 'oifname != { "vg*", "vu*" } masquerade' "$(nft list table inet usernetns 2>&1)"
"$firewall" --remove >/dev/null 2>&1

# Four nat sections, each out of an uplink of the longest name there is:
# the table records what it is made from in a comment of a fixed length
# (nft takes at most 128 characters), whatever the uplinks and the path.
for i in 1 2 3 4; do
	ip link add "uplink-number-$i" type veth peer name "uplink-peer-$i" ||
		bail_out "cannot make uplink-number-$i"
done
write_policy <<'EOF'
[global]
forwarding = enable
[group:students]
mode   = nat
pool4  = 10.210.0.0/16
uplink = uplink-number-1
[group:staff]
mode   = nat
pool4  = 10.220.0.0/16
uplink = uplink-number-2
[group:lab]
mode   = nat
pool4  = 10.230.0.0/16
uplink = uplink-number-3
[group:restricted]
mode   = nat
pool4  = 10.240.0.0/16
uplink = uplink-number-4
EOF
out=$("$firewall" --print 2>&1)
check_eq "four uplinks of 15 characters: nft takes the table (--print checks)" 0 "$?"
out=$("$firewall" --load 2>&1)
check_eq "and loads it" 0 "$?"
check_eq "with nothing said" "" "$out"
out=$("$firewall" --status 2>&1)
check_eq "--status says it is in place" 0 "$?"
check_contains "naming every uplink" \
	"uplinks: uplink-number-1,uplink-number-2,uplink-number-3,uplink-number-4" "$out"

# What nft refuses is an error of --print and --dry-run, in nft's words.
# The policy checks leave nothing nft refuses that a test could make, so
# an nft that refuses everything stands in for it.
fake=/run/fake-nft
printf '%s\n' '#!/bin/sh' 'cat >/dev/null' \
	'echo "/dev/stdin:4:10-20: Error: refused by the test" >&2' \
	'echo "	the line it refuses" >&2' 'exit 1' >"$fake"
chmod 0755 "$fake"
mount --bind "$fake" "$USERNETNS_NFT" || bail_out "cannot put a refusing nft in place"
out=$("$firewall" --print 2>/run/print.err)
check_eq "a table nft refuses: --print fails" 1 "$?"
check_contains "still printing the table" "table inet usernetns {" "$out"
check_contains "naming nft's reason and where" \
	"usernetns-firewall: nft refuses table inet usernetns at line 4:10-20: refused by the test" \
	"$(cat /run/print.err)"
# Anybody may ask, through a user namespace of the check's own where the
# host allows them; where it does not, the check says it cannot be made.
out=$(setpriv --reuid=1101 --regid=1101 --clear-groups "$firewall" --print 2>&1 >/dev/null)
if setpriv --reuid=1101 --regid=1101 --clear-groups unshare -Un true 2>/dev/null; then
	check_contains "for anybody, who may not touch the host's ruleset" \
		"nft refuses table inet usernetns at line 4:10-20: refused by the test" "$out"
else
	check_contains "for anybody, where user namespaces are refused: a warning" \
		"warning: the table is not checked with nft: cannot make a user and network namespace to check it in" \
		"$out"
fi
out=$("$create" --dry-run alice 2>&1)
check_eq "and usernetns-create --dry-run fails" 1 "$?"
check_contains "saying why" \
	"usernetns-create: the host's side: nft refuses table inet usernetns at line 4:10-20: refused by the test" \
	"$out"
umount "$USERNETNS_NFT"
# An error of nft that names no place in the table is nft's, not the
# table's (netlink refused to a user namespace, say): a warning.
printf '%s\n' '#!/bin/sh' 'cat >/dev/null' \
	'echo "netlink: Error: cache initialization failed: Operation not permitted" >&2' \
	'exit 1' >"$fake"
mount --bind "$fake" "$USERNETNS_NFT" || bail_out "cannot put a failing nft in place"
out=$("$firewall" --print 2>&1 >/dev/null)
check_eq "nft failing on its own: --print succeeds" 0 "$?"
check_contains "with a warning in nft's words" \
	"usernetns-firewall: warning: the table is not checked with nft: nft ended with status 1: netlink: Error: cache initialization failed: Operation not permitted" \
	"$out"
umount "$USERNETNS_NFT"
out=$("$create" --dry-run alice 2>&1)
check_eq "with nft as it is, the dry run passes" 0 "$?"
check_lacks "with nothing refused" "refuses" "$out"
# Without nft, the table is printed with a warning: nothing can load it.
out=$(unshare -m sh -c 'mount -t tmpfs tmpfs "$(dirname "$1")" && exec "$2" --print' sh \
	"$USERNETNS_NFT" "$firewall" 2>&1 >/dev/null)
check_eq "without nft, --print still succeeds" 0 "$?"
check_contains "saying it is not installed" \
	"usernetns-firewall: warning: the table is not checked with nft: $USERNETNS_NFT is not installed (package nftables)" \
	"$out"
"$firewall" --remove >/dev/null 2>&1

pkill -f whoami-server
done_testing
