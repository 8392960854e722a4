#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# libpam-usernetns.prerm on made-up systems: which stacks it reads (the
# files of /etc/pam.d and /usr/lib/pam.d, and what they include), and when
# it stops a removal.  Each case is a tree under DPKG_ROOT, as dpkg gives a
# maintainer script, and a pam-auth-update that logs its arguments and
# takes the module out of pam-auth-update's own files (or, asked to, leaves
# them as they are, as it does a file edited by hand).  The same script
# meets the real pam-auth-update in tests/package/test-install.sh.
# USERNETNS_PRERM names another prerm to run (an older one, say).
set -u
. "$(dirname "$0")/../tools/tap.sh"

prerm=${USERNETNS_PRERM:-${USERNETNS_SRCDIR:?}/debian/libpam-usernetns.prerm}
[ -r "$prerm" ] || bail_out "no $prerm"

tmp=$(mktemp -d /tmp/uns-prerm.XXXXXX) || bail_out "mktemp"
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin"
cat >"$tmp/bin/pam-auth-update" <<'EOF'
#!/bin/sh
echo "$*" >>"$PAU_LOG"
[ -n "${PAU_KEEPS:-}" ] || sed -i '/pam_usernetns/d' "$2"/etc/pam.d/common-*
EOF
chmod +x "$tmp/bin/pam-auth-update"

# fresh: a new system with pam-auth-update's files, the module enabled.
fresh() {
	r=$tmp/root
	rm -rf "$r" "$tmp/log"
	mkdir -p "$r/etc/pam.d" "$r/usr/lib/pam.d" "$r/opt"
	for t in auth account password session session-noninteractive; do
		cat >"$r/etc/pam.d/common-$t" <<EOF
# /etc/pam.d/common-$t
# here are the per-package modules (the "Primary" block)
$t	[default=1]	pam_permit.so
# end of pam-auth-update config
EOF
	done
	for t in session session-noninteractive; do
		sed -i '/^# end of/i session\trequired\tpam_usernetns.so' "$r/etc/pam.d/common-$t"
	done
	printf '@include common-auth\n@include common-session\n' >"$r/etc/pam.d/login"
	printf '@include common-session-noninteractive\n' >"$r/usr/lib/pam.d/systemd-user"
}

# run_prerm ARG...: run it on the tree; out holds what it said, status its status.
run_prerm() {
	out=$(PATH=$tmp/bin:$PATH PAU_LOG=$tmp/log DPKG_ROOT=$r sh "$prerm" "$@" 2>&1)
	status=$?
	pau=$(cat "$tmp/log" 2>/dev/null)
}

# refused DESCRIPTION FILE:LINE...: the removal stops, before pam-auth-update
# runs, naming each FILE:LINE (under the tree).
refused() {
	local desc=$1 at
	shift
	run_prerm remove
	if [ "$status" -eq 0 ] || [ -n "$pau" ]; then
		not_ok "$desc: refused"
		diag "exit status $status, pam-auth-update: ${pau:-not run}" "$out"
		return
	fi
	for at; do
		case $out in
		*"  $r$at"*) ;;
		*) not_ok "$desc: refused naming $at"; diag "$out"; return ;;
		esac
	done
	ok "$desc: refused naming $*"
}

# allowed DESCRIPTION: the removal goes on, through pam-auth-update.
allowed() {
	run_prerm remove
	if [ "$status" -eq 0 ] && [ "$pau" = "--root $r --package --remove usernetns" ]; then
		ok "$1: removal goes on"
	else
		not_ok "$1: removal goes on"
		diag "exit status $status, pam-auth-update: ${pau:-not run}" "$out"
	fi
}

# ---- what pam-auth-update takes out, and what it does not ---------------------

fresh
allowed "the module only in pam-auth-update's blocks"
check "and pam-auth-update took it out" bash -c '! grep -q pam_usernetns "$0"/etc/pam.d/*' "$r"

fresh
run_prerm upgrade 2
check_eq "an upgrade neither stops nor runs pam-auth-update" "0 " "$status $pau"
run_prerm deconfigure
check_eq "deconfigure removes as remove does" "0 --root $r --package --remove usernetns" "$status $pau"

fresh
PAU_KEEPS=1 run_prerm remove
check "pam-auth-update leaving its file as it is (edited by hand): refused" test "$status" -ne 0
check_eq "after pam-auth-update ran" "--root $r --package --remove usernetns" "$pau"
check_contains "naming the line it left" "  $r/etc/pam.d/common-session:4" "$out"
check_contains "and saying how to go on" "pam-auth-update --disable usernetns" "$out"

fresh
cp "$r/etc/pam.d/common-session" "$r/etc/pam.d/sshd"
refused "pam-auth-update's block copied into a file of its own (which it never edits)" \
	/etc/pam.d/sshd:4

# ---- lines written by hand ------------------------------------------------------

fresh
echo 'session required pam_usernetns.so' >"$r/etc/pam.d/by-hand"
refused "a line by hand" /etc/pam.d/by-hand:1
echo 'session optional pam_usernetns.so debug' >"$r/etc/pam.d/common-session"
refused "a line by hand in common-session, outside pam-auth-update's block" \
	/etc/pam.d/by-hand:1 /etc/pam.d/common-session:1

fresh
printf 'session required pam_unix.so\nsession required \\\n\tpam_usernetns.so\n' >"$r/etc/pam.d/by-hand"
refused "a continued line (Linux-PAM joins a line ending in \\)" /etc/pam.d/by-hand:3
printf 'session required \\  \n# a comment\n\n  pam_usernetns.so\n' >"$r/etc/pam.d/by-hand"
refused "a continued line across blanks after the \\, a comment and an empty line" \
	/etc/pam.d/by-hand:4

fresh
printf '# session required pam_usernetns.so\n  # session required pam_usernetns.so\n' >"$r/etc/pam.d/by-hand"
printf 'session required pam_unix.so # was pam_usernetns.so\n' >>"$r/etc/pam.d/by-hand"
allowed "comments, and text after #"
fresh
printf 'session required pam_unix.so # \\\n  pam_usernetns.so\n' >"$r/etc/pam.d/by-hand"
refused "a # ends a line before its \\: the next line is one of its own" /etc/pam.d/by-hand:2

fresh
echo 'session required pam_usernetns.so' >"$r/usr/lib/pam.d/cron"
refused "a stack in /usr/lib/pam.d" /usr/lib/pam.d/cron:1
fresh
echo 'session required pam_usernetns.so' >"$r/usr/lib/pam.d/login"
allowed "a file of /usr/lib/pam.d that /etc/pam.d shadows (never read)"

# ---- files outside /etc/pam.d, reached through an include ----------------------

for how in '@include' '@INCLUDE' 'session include' '-session include' 'Session Include' \
	'auth include' 'session substack' 'account substack'; do
	fresh
	printf 'session required pam_unix.so\n%s /opt/stack\n' "$how" >"$r/etc/pam.d/login"
	printf '# made by hand\nsession required pam_usernetns.so\n' >"$r/opt/stack"
	refused "a file reached by \"$how /opt/stack\"" "/opt/stack:2 (included by $r/etc/pam.d/login:2)"
done

fresh
printf 'session [success=1 default=ignore] include /opt/stack\n' >"$r/etc/pam.d/login"
echo 'session required pam_usernetns.so' >"$r/opt/stack"
allowed "after a control in brackets, \"include\" is a module name to Linux-PAM: nothing is included"

fresh
printf 'session include /opt/one\n' >"$r/usr/lib/pam.d/systemd-user"
printf '@include /opt/two\n' >"$r/opt/one"
printf '@include local/three\n' >"$r/opt/two"
mkdir "$r/etc/pam.d/local"
printf 'session required \\\n pam_usernetns.so\n' >"$r/etc/pam.d/local/three"
refused "a chain: /usr/lib/pam.d to /opt, /opt to a relative name (in /etc/pam.d)" \
	"/etc/pam.d/local/three:2 (included by $r/opt/two:1)"

fresh
mkdir "$r/usr/lib/pam.d/vendor"
echo 'session required pam_usernetns.so' >"$r/usr/lib/pam.d/vendor/stack"
printf 'session substack vendor/stack\n' >>"$r/etc/pam.d/login"
refused "a relative name missing from /etc/pam.d is looked for in /usr/lib/pam.d" \
	"/usr/lib/pam.d/vendor/stack:1 (included by $r/etc/pam.d/login:3)"

fresh
printf '@include /opt/b\n' >"$r/opt/a"
printf '@include /opt/a\nsession include /opt/b\n' >"$r/opt/b"
printf '@include /opt/a\n' >>"$r/etc/pam.d/login"
allowed "a loop of includes naming nothing ends"
fresh
printf '@include /opt/b\nsession required pam_usernetns.so\n' >"$r/opt/a"
printf '@include /opt/a\n' >"$r/opt/b"
printf '@include /opt/a\n' >>"$r/etc/pam.d/login"
printf '@include /opt/b\n' >>"$r/etc/pam.d/other"
refused "a loop of includes naming the module" "/opt/a:2 (included by $r/etc/pam.d/login:3)"
check_eq "naming each line once" 1 "$(printf '%s\n' "$out" | grep -c '/opt/a:2')"

fresh
mkdir "$r/opt/dir"
mkfifo "$r/opt/fifo"
printf '@include /opt/dir\n@include /opt/fifo\n@include /opt/missing\n@include\nsession include\n' \
	>>"$r/etc/pam.d/login"
allowed "includes of a directory, a FIFO, a missing file, or of nothing"

fresh
printf "@include /opt/it's here\n" >>"$r/etc/pam.d/login"
printf 'session required pam_usernetns.so\n' >"$r/opt/it's"
refused "a name with a quote" "/opt/it's:1"

done_testing
