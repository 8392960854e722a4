#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Limits (rate_out, rate_in) on a session's traffic, in the sandbox: a
# namespace "wan" (documentation addresses) runs an iperf3 server; a
# session of mode veth sends to it and receives from it.  The rates are
# checked within generous bounds (a missing limit passes gigabits; the
# bench measures how close they are), and the session's user cannot take
# the limit away, whatever namespace they make.
set -u
. "$(dirname "$0")/../tools/tap.sh"

: "${USERNETNS_BUILDDIR:?}" "${USERNETNS_POLICY_PATH:?}"

if [ -z "${USERNETNS_IN_SANDBOX:-}" ]; then
	USERNETNS_IN_SANDBOX=1 exec "$USERNETNS_BUILDDIR/tests/sandbox-run" "$0" "$@"
fi
. "$(dirname "$0")/../tools/world.sh"

create=$USERNETNS_BUILDDIR/helpers/usernetns-create

world_writable_etc
add_user alice 1101 students
# students POOL RATE_OUT DENY: the policy, all but these as it starts.
students() {
	printf '[group:students]\nmode = veth\npool4 = %s\nrate_out = %s\nrate_in = 40mbit\ndeny = %s\n' \
		"$1" "$2" "$3" | write_policy
}
students 10.210.0.0/16 20mbit 203.0.113.0/24

ip link set lo up
ip netns add wan && ip link add up0 type veth peer name wan0 netns wan &&
	ip -n wan addr add 198.51.100.1/24 dev wan0 && ip -n wan link set lo up &&
	ip -n wan link set wan0 up && ip addr add 198.51.100.2/24 dev up0 &&
	ip link set up0 up && ip route add default via 198.51.100.1 &&
	ip -n wan route add 10.210.0.0/16 via 198.51.100.2 &&
	echo 1 >/proc/sys/net/ipv4/ip_forward || bail_out "cannot make the wan"
ip netns exec wan iperf3 -s -D -B 198.51.100.1 >/dev/null || bail_out "no iperf3 server"
wait_for ip netns exec wan ss -Hltn 'sport = 5201' | grep -q . || bail_out "the server does not listen"

out=$("$create" alice 2>&1)
check "the namespace is made with its limits" test $? -eq 0
diag "$out"

# inside COMMAND...: as alice in her namespace, as her session is.
inside() {
	nsenter --net=/run/netns/user-alice setpriv --reuid=alice --regid=alice --init-groups -- "$@"
}

# Mbit/s received by the other side of an iperf3 transfer (-R: towards alice).
mbits() {
	inside iperf3 -c 198.51.100.1 -t 2 -J "$@" 2>/dev/null |
		jq '.end.sum_received.bits_per_second / 1e6 | floor'
}

sent=$(mbits)
received=$(mbits -R)
diag "sent $sent Mbit/s (limit 20), received $received Mbit/s (limit 40)"
check "what she sends stays under its limit (20 Mbit/s, with room)" test "${sent:-0}" -gt 2 -a "${sent:-999999}" -le 25
check "what she receives stays under its limit (40 Mbit/s, with room)" test "${received:-0}" -gt 4 -a "${received:-999999}" -le 50

inside tc qdisc del dev eth0 root 2>/dev/null
check "she cannot take her limit away" ip netns exec user-alice sh -c "tc qdisc show dev eth0 root | grep -q '^qdisc tbf 554e:'"
inside unshare --user --map-root-user tc qdisc del dev eth0 root 2>/dev/null
check "nor from a user namespace of her own" ip netns exec user-alice sh -c "tc qdisc show dev eth0 root | grep -q 'rate 20Mbit'"
inside unshare --user --map-root-user tc qdisc replace dev eth0 root handle 1: tbf rate 10gbit burst 1m latency 1ms 2>/dev/null
check "nor replace it" ip netns exec user-alice sh -c "tc qdisc show dev eth0 root | grep -q 'rate 20Mbit'"

# Root takes the host end's away; her next login puts it back.
tc qdisc del dev vu1101 root
"$create" alice >/dev/null 2>&1
check "a limit root removed is made again at the next login" sh -c "tc qdisc show dev vu1101 root | grep -q 'rate 40Mbit'"

# ---- a changed policy reaches the live namespace -----------------------------------

# Her session: a process in her namespace, which the reload must leave running.
nsenter --net=/run/netns/user-alice setpriv --reuid=alice --regid=alice --init-groups -- sleep 600 &
session=$!
wait_for sh -c "ip netns pids user-alice | grep -qx $session" || bail_out "her session did not start"
check "before the reload she reaches the wan" inside ping -c 1 -W 2 -q 198.51.100.1
students 10.210.0.0/16 10mbit "198.51.100.0/24, 203.0.113.0/24"
out=$("$create" --reload 2>&1)
check_contains "usernetns-create --reload applies the policy to her live namespace" \
	"alice: namespace user-alice reloaded" "$out"
check "her new limit is in place" ip netns exec user-alice sh -c "tc qdisc show dev eth0 root | grep -q 'rate 10Mbit'"
wan_refused() { ! inside ping -c 1 -W 2 -q 198.51.100.1 >/dev/null 2>&1; }
check "the wan, now denied, is refused" wan_refused
check "her session ran on through it" kill -0 "$session"
out=$("$create" --reload 2>&1)
check_contains "a second reload finds nothing to do" "alice: namespace user-alice already as the policy says" "$out"
students 10.211.0.0/16 20mbit 203.0.113.0/24
out=$("$create" --reload 2>&1)
check_contains "a new pool is not applied live, and said" \
	"alice: namespace user-alice kept as it is: the policy gives it addresses from elsewhere" "$out"
check "nor is anything else of it" wan_refused
students 10.210.0.0/16 20mbit 203.0.113.0/24
"$create" --reload >/dev/null 2>&1
check "the policy as it was, reloaded: she reaches the wan again" inside ping -c 1 -W 2 -q 198.51.100.1
check "at her old limit" ip netns exec user-alice sh -c "tc qdisc show dev eth0 root | grep -q 'rate 20Mbit'"
as alice "$create" --reload
check_eq "--reload is root's" "3" "$status"
kill "$session"
wait "$session" 2>/dev/null

# ---- usage that outlives the namespace ------------------------------------------

list=$USERNETNS_BUILDDIR/helpers/usernetns-list
cleanup=$USERNETNS_BUILDDIR/helpers/usernetns-cleanup
# usage FIELD: alice's total of FIELD, from usernetns-list --usage --json.
usage() { "$list" --usage --json "$@" | jq -r '.usage[] | select(.user == "alice") | .'"$field"; }

live=$("$list" --json | jq -r '.namespaces[] | select(.user == "alice") | "\(.traffic.sent_bytes) \(.traffic.received_bytes)"')
diag "usernetns-list --json: sent and received $live"
check "usernetns-list shows what her namespace sent" test "${live% *}" -gt 2000000
check "and received" test "${live#* }" -gt 4000000
check_contains "the table's --stats has it too" "RECEIVED" "$("$list" --stats)"
# metric FORMAT: "FAMILY LABELS VALUE" lines of the metrics, as a real
# parser (Debian's python3-prometheus-client) reads them.
metric() {
	"$list" "--$1" --stats >/run/metrics.txt 2>/run/metrics.err || return 1
	/usr/bin/python3 - "$1" /run/metrics.txt <<'PY'
import sys
if sys.argv[1] == "openmetrics":
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
else:
    from prometheus_client.parser import text_string_to_metric_families
for family in text_string_to_metric_families(open(sys.argv[2]).read()):
    for s in family.samples:
        labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
        print(family.type, s.name, labels, int(s.value))
PY
}
om=$(metric openmetrics)
check "the OpenMetrics output parses" test $? -eq 0 -a -n "$om"
check_contains "with what her namespace sent" \
	"counter usernetns_sent_bytes_total kind=user,namespace=user-alice,owner=alice ${live% *}" "$om"
check_contains "her limits, in bytes a second" \
	"gauge usernetns_limit_bytes_per_second direction=out,kind=user,namespace=user-alice,owner=alice 2500000" "$om"
check_contains "each way" \
	"gauge usernetns_limit_bytes_per_second direction=in,kind=user,namespace=user-alice,owner=alice 5000000" "$om"
check_contains "what her filter refused" "counter usernetns_refused_packets_total kind=user,namespace=user-alice,owner=alice " "$om"
check_contains "and her sessions" "gauge usernetns_sessions kind=user,namespace=user-alice,owner=alice 0" "$om"
check_eq "it ends as OpenMetrics does" "# EOF" "$(tail -n 1 /run/metrics.txt)"
prom=$(metric prometheus)
check "Prometheus' text format parses too (node_exporter's textfile collector reads it)" test $? -eq 0 -a -n "$prom"
check_contains "with the same counters" \
	"counter usernetns_sent_bytes usernetns_sent_bytes_total kind=user,namespace=user-alice,owner=alice ${live% *}" \
	"$(/usr/bin/python3 - /run/metrics.txt <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
for family in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in family.samples:
        labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
        print(family.type, family.name, s.name, labels, int(s.value))
PY
)"
check_lacks "and no OpenMetrics-only line" "# EOF" "$(cat /run/metrics.txt)"
mkdir -p /run/textfile
"$list" --prometheus --output /run/textfile/usernetns.prom
check_eq "--output writes the file whole, readable by a scraper's user, and nothing else" \
	"usernetns.prom 644" "$(cd /run/textfile && stat -c '%n %a' -- * .[!.]* 2>/dev/null)"
check "the same metrics" grep -q '^usernetns_sent_bytes_total{namespace="user-alice",owner="alice",kind="user"} ' \
	/run/textfile/usernetns.prom
"$list" --output /run/textfile/x.prom 2>/run/output.err
check_eq "--output alone is a usage error" "2 usernetns-list: --output goes with --openmetrics or --prometheus" \
	"$? $(cat /run/output.err)"
check_eq "no usage before a namespace went" "" "$(field=sent_bytes usage)"
# Refused by her filter, twice: bound to her link (SO_BINDTODEVICE), past
# the route that refuses a denied network first, and uncounted.
inside ping -I eth0 -c 2 -i 0.2 -W 1 -q 203.0.113.1 >/dev/null 2>&1
out=$("$cleanup" --all 2>&1)
check_contains "the cleanup removes her namespace" "removed user-alice of alice" "$out"
check_lacks "and counts its traffic" "not in the usage" "$out"
sent_bytes=$(field=sent_bytes usage)
received_bytes=$(field=received_bytes usage)
diag "usage after the cleanup: sent $sent_bytes, received $received_bytes bytes"
# iperf3 moved ~4.5 MB out and ~9.5 MB in; the counters count whole frames.
check "what she sent is in her usage" test "${sent_bytes:-0}" -gt 2000000
check "and what she received" test "${received_bytes:-0}" -gt 4000000
check "and what her filter refused" test "$(field=refused_packets usage)" -ge 2
check_eq "counted on today's day (UTC)" "$(date -u +%F) $(date -u +%F)" \
	"$("$list" --usage --json | jq -r '.usage[] | select(.user == "alice") | "\(.first_day) \(.last_day)"')"
check_eq "nothing from tomorrow on" "0" "$(field=sent_bytes usage --since "$(date -u -d tomorrow +%F)")"
"$list" --usage --since 2026-02-30 >/dev/null 2>/run/since.err
check_eq "a day that does not exist is a usage error" 2 "$?"
check_contains "that names it" "--since '2026-02-30': expected a day, YYYY-MM-DD" "$(cat /run/since.err)"

# A reboot: /run starts empty, /var/lib keeps the usage.  Her next
# namespace's traffic adds to it.
sent_packets=$(field=sent_packets usage)
rm -rf /run/usernetns
"$create" alice >/dev/null 2>&1
inside ping -c 5 -i 0.2 -q 198.51.100.1 >/dev/null
"$cleanup" --all >/dev/null 2>&1
check "after a reboot, her next namespace's traffic adds to her usage" \
	test "$(field=sent_packets usage)" -ge "$((sent_packets + 5))"
check "and the bytes with it" test "$(field=sent_bytes usage)" -gt "$sent_bytes"
om=$(metric openmetrics)
check_contains "her usage is a metric too" \
	"counter usernetns_usage_sent_bytes_total kind=user,owner=alice $(field=sent_bytes usage)" "$om"
table=$("$list" --usage)
check_contains "the table has a row of hers" "alice            user" "$table"

pkill -x iperf3
done_testing
