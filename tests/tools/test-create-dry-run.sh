#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# usernetns-create --dry-run: how an admin checks a policy without a login.
set -u
. "$(dirname "$0")/tap.sh"

: "${USERNETNS_BUILDDIR:?}" "${USERNETNS_FIXTURES:?}" "${USERNETNS_CONF:?}" "${NSS_WRAPPER_PRELOAD:?}"
create=$USERNETNS_BUILDDIR/helpers/usernetns-create
nss=$USERNETNS_FIXTURES/../nss
examples=$(dirname "$USERNETNS_CONF")/examples

tmp=$(mktemp -d /tmp/uns-dry-run.XXXXXX) || bail_out "mktemp"
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"

# A policy as the caller owns it, writable only by its owner.
install_policy() {
	install -m 0644 "$1" "$tmp/$2"
}

# The test users, and the caller (a package build runs this as whoever
# builds), so that "no USER means the caller" has somebody to show.
cp "$nss/passwd" "$tmp/passwd" && cp "$nss/group" "$tmp/group" || bail_out "cannot copy the test users"
if ! grep -q "^[^:]*:x:$(id -u):" "$tmp/passwd"; then
	echo "builder:x:$(id -u):$(id -g):the caller:/nonexistent:/bin/sh" >>"$tmp/passwd"
	grep -q "^[^:]*:x:$(id -g):" "$tmp/group" || echo "builder:x:$(id -g):" >>"$tmp/group"
fi

run() {
	out=$(LD_PRELOAD=$NSS_WRAPPER_PRELOAD NSS_WRAPPER_PASSWD=$tmp/passwd \
		NSS_WRAPPER_GROUP=$tmp/group "$create" "$@" 2>"$tmp/stderr")
	status=$?
	err=$(cat "$tmp/stderr")
}

run --help
check_eq "--help exits 0" 0 "$status"
check_contains "--help explains --dry-run" "--dry-run" "$out"

run --version
check_contains "--version prints the version" "usernetns-create 0." "$out"


run --bogus alice
check_eq "an unknown option is a usage error" 2 "$status"

install_policy "$USERNETNS_CONF" default.conf
run --dry-run --config "$tmp/default.conf"
check_eq "no USER means the caller" 0 "$status"
check_contains "and shows the caller's plan" "(uid $(id -u)):" "$out"
run --dry-run --config "$tmp/default.conf" alice
check_eq "default policy: exit 0" 0 "$status"
check_contains "default policy handles nobody" \
	"alice (uid 1001): not handled: mode none, from [default] at $tmp/default.conf:" "$out"
check_eq "default policy: no warnings" "" "$err"

install_policy "$examples/netusers.conf" netusers.conf
run --dry-run --config "$tmp/netusers.conf" alice bob root
check_eq "example policy: exit 0" 0 "$status"
check_contains "a member of netusers is handled by its section" \
	"alice (uid 1001): handled by [group:netusers] at $tmp/netusers.conf:17" "$out"
check_contains "the plan names the namespace" "namespace   user-alice (/run/netns/user-alice)" "$out"
check_contains "the plan names the host end" "host end    vu1001" "$out"
check_contains "the plan names the peer end" "peer end    eth0" "$out"
check_contains "IPv4 comes from the pool" "ipv4        a /30 block leased from pool 10.200.0.0/16" "$out"
check_contains "IPv6 comes from the pool" "ipv6        a /64 block leased from pool fd42:200::/48" "$out"
check_contains "a non-member is not handled" "bob (uid 1002): not handled: mode none" "$out"
check_contains "root is below min_uid" "root (uid 0): not handled: uid is below min_uid" "$out"

printf '[default]\nmode = veth\npool4 = 10.200.0.0/16\nrate_out = 20mbit\nrate_in = 100mbit\n[user:erin]\nmode = isolated\nrate_in = 1mbit\n' >"$tmp/rates.conf"
run --dry-run --config "$tmp/rates.conf" alice erin
check_contains "the plan gives the limits each way" \
	"limits      out 20mbit, in 100mbit" "$out"
check_contains "the limits are warned about where they mean nothing" \
	"[user:erin]: rate_in has no effect in mode isolated" "$err"
printf '[default]\nmode = veth\npool4 = 10.200.0.0/16\nrate_in = 1500kbit\nburst = 32kb\n' >"$tmp/one.conf"
run --dry-run --config "$tmp/one.conf" alice
check_contains "and a limit one way, with its burst" \
	"limits      out none, in 1500kbit (burst 32768 bytes)" "$out"

install_policy "$USERNETNS_FIXTURES/bad/pools-overlap.conf" bad.conf
run --dry-run --config "$tmp/bad.conf" alice
check_eq "a bad policy exits 1" 1 "$status"
check_eq "no plan is printed for a bad policy" "" "$out"
check_contains "every error is printed (1)" "$tmp/bad.conf:10: pool4 10.200.128.0/17 overlaps pool4 10.200.0.0/16 at line 6" "$err"
check_contains "every error is printed (2)" "$tmp/bad.conf:11: pool6 fd42:200::/56 overlaps" "$err"
check_contains "every error is printed (3)" "$tmp/bad.conf:14: pool4 10.200.0.0/16 is split" "$err"
check_contains "and counted" "usernetns-create: $tmp/bad.conf: 3 errors; nothing was done" "$err"

run --dry-run --config "$tmp/netusers.conf" mallory alice
check_eq "an unknown user exits 1" 1 "$status"
check_contains "and is named" "usernetns-create: unknown user 'mallory'" "$err"
check_contains "the other users are still shown" "alice (uid 1001): handled" "$out"

cat >"$tmp/warn.conf" <<'POLICY'
[user:mallory]
mode = isolated
POLICY
chmod 0644 "$tmp/warn.conf"
run --dry-run --config "$tmp/warn.conf" alice
check_eq "warnings alone do not fail" 0 "$status"
check_contains "a section for an unknown user is a warning" \
	"$tmp/warn.conf:1: warning: [user:mallory]: no such user; the section never applies" "$err"
check_contains "and the plans are shown" "alice (uid 1001): not handled" "$out"

# A login that reaches a group NSS does not know is refused (an offline
# directory says so of groups it has not cached): fixed at once.
cat >"$tmp/nogroup.conf" <<'POLICY'
[group:netusers]
mode = isolated
[group:nosuchgroup]
mode = isolated
POLICY
chmod 0644 "$tmp/nogroup.conf"
run --dry-run --config "$tmp/nogroup.conf" alice
check_eq "a section for an unknown group exits 1" 1 "$status"
check_contains "and is an error" \
	"$tmp/nogroup.conf:3: [group:nosuchgroup]: no such group: every login this section is reached for is refused" "$err"
check_contains "counted" "usernetns-create: $tmp/nogroup.conf: 1 error; nothing was done" "$err"

ln -s "$tmp/netusers.conf" "$tmp/link.conf"
run --dry-run --config "$tmp/link.conf" alice
check_eq "a symlinked policy is refused" 1 "$status"
check_contains "with a reason" "$tmp/link.conf: is a symbolic link" "$err"

install -m 0664 "$examples/netusers.conf" "$tmp/gw.conf"
run --dry-run --config "$tmp/gw.conf" alice
check_eq "a group-writable policy is refused" 1 "$status"
check_contains "with a reason" "$tmp/gw.conf: is writable by group or others (mode 0664)" "$err"

run --dry-run --config "$tmp/missing.conf" alice
check_eq "a missing policy exits 1" 1 "$status"
check_contains "with a reason" "$tmp/missing.conf: cannot open: No such file or directory" "$err"

done_testing
