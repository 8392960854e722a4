# SPDX-License-Identifier: BSD-3-Clause
# TAP helpers for the shell tests; source this file.

tap_count=0
tap_failed=0

ok() {
	tap_count=$((tap_count + 1))
	echo "ok $tap_count - $*"
}

not_ok() {
	tap_count=$((tap_count + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_count - $*"
}

diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

# check DESCRIPTION COMMAND...: ok when COMMAND succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "expected: $2" "actual:   $3"
	fi
}

# check_contains DESCRIPTION NEEDLE HAYSTACK
check_contains() {
	case "$3" in
	*"$2"*) ok "$1" ;;
	*) not_ok "$1"; diag "missing: $2" "in:" "$3" ;;
	esac
}

# check_lacks DESCRIPTION NEEDLE HAYSTACK
check_lacks() {
	case "$3" in
	*"$2"*) not_ok "$1"; diag "unexpected: $2" "in:" "$3" ;;
	*) ok "$1" ;;
	esac
}

bail_out() {
	echo "Bail out! $*"
	exit 1
}

done_testing() {
	echo "1..$tap_count"
	[ "$tap_failed" -eq 0 ]
}

# wait_for COMMAND...: poll until COMMAND succeeds, for at most 60 s (what
# the kernel or a background process does in its own time is never
# assumed done); fails if it never does.
wait_for() {
	local i
	for i in $(seq 1200); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}
