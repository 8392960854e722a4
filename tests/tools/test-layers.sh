#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The files of lib/ call downward only: no two of them depend on each
# other, directly or through others (check-layers.sh, over the built
# library's symbol tables); and the check itself sees a cycle.
set -u
. "$(dirname "$0")/tap.sh"

: "${USERNETNS_BUILDDIR:?}"
layers=$(dirname "$0")/check-layers.sh

tmp=$(mktemp -d /tmp/uns-layers.XXXXXX) || bail_out "mktemp"
trap 'rm -rf "$tmp"' EXIT

# The library, and the one the fault tests link (fault.c's points in every file).
for lib in lib/.libs/libusernetns-core.a tests/.libs/libusernetns-core-faults.a; do
	out=$(sh "$layers" "$USERNETNS_BUILDDIR/$lib" 2>&1)
	status=$?
	check_eq "no cycle of calls between the files of lib/ ($lib)" 0 "$status"
	[ "$status" -eq 0 ] || diag "$out"
done

# An nm that prints what the "archive" holds: nm -P -A's lines, as made up.
cat >"$tmp/nm" <<'EOF'
#!/bin/sh
for a; do f=$a; done
cat "$f"
EOF
chmod +x "$tmp/nm"

# a -> b -> c -> a, and d beside them using a.
cat >"$tmp/cyclic.a" <<'EOF'
cyclic.a[lib_la-a.o]: a_run T 0 10
cyclic.a[lib_la-a.o]: b_step U
cyclic.a[lib_la-a.o]: malloc U
cyclic.a[lib_la-b.o]: b_step T 0 10
cyclic.a[lib_la-b.o]: c_table U
cyclic.a[lib_la-c.o]: c_table D 0 10
cyclic.a[lib_la-c.o]: c_back U
cyclic.a[lib_la-c.o]: a_run U
cyclic.a[lib_la-d.o]: a_run U
cyclic.a[lib_la-d.o]: d_main T 0 10
EOF
out=$(NM=$tmp/nm sh "$layers" "$tmp/cyclic.a" 2>&1)
status=$?
check_eq "a cycle fails the check" 1 "$status"
check_contains "it names the files of the cycle" "cycle of calls between lib/ files: a.c, b.c, c.c" "$out"
check_lacks "and only those" "d.c" "$out"
check_contains "and the symbols of each step" "c.c -> a.c (a_run)" "$out"

# Without c's call back into a, everything runs downward.
grep -v 'lib_la-c.o\]: a_run U' "$tmp/cyclic.a" >"$tmp/acyclic.a"
out=$(NM=$tmp/nm sh "$layers" "$tmp/acyclic.a" 2>&1)
check_eq "without the way back, no cycle" 0 $?
[ -z "$out" ] || diag "$out"

done_testing
