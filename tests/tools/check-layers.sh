#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# check-layers.sh [ARCHIVE|OBJECT]...: do the files of lib/ call downward
# only?  Reads the symbol tables (nm): a file that uses a symbol another
# defines depends on it.  Exits 1 naming every cycle of dependencies
# between files, with the symbols that make each step; 0 when there is
# none.  Without arguments, the core library of the build in
# $USERNETNS_BUILDDIR (or the current directory).  NM names the nm to run.
set -u

nm=${NM:-nm}
if [ $# -eq 0 ]; then
	set -- "${USERNETNS_BUILDDIR:-.}/lib/.libs/libusernetns-core.a"
fi

# One line per global symbol: "FILE TYPE SYMBOL", FILE the object's
# name without the library's libtool prefix.  Each path is given to nm
# as a bare name from its own directory, so that nothing of the path
# (a ':' or '[' in it) reaches the parsing.
symbols() {
	for f in "$@"; do
		[ -e "$f" ] || { echo "check-layers: $f: no such file" >&2; return 1; }
		(cd "$(dirname "$f")" && "$nm" -g -P -A "$(basename "$f")") || return 1
	done | awk '
	{
		# "ARCHIVE[MEMBER]: SYMBOL TYPE ..." or "OBJECT: SYMBOL TYPE ..."
		file = $1
		sub(/:$/, "", file)
		if (match(file, /\[.*\]$/))
			file = substr(file, RSTART + 1, RLENGTH - 2)
		sub(/^.*_la-/, "", file)
		sub(/\.o$/, "", file)
		print file, $3, $2
	}'
}

table=$(symbols "$@") || exit 2
[ -n "$table" ] || { echo "check-layers: no symbols in $*" >&2; exit 2; }

printf '%s\n' "$table" | awk '
$2 == "U" { uses[++n_uses] = $1 SUBSEP $3; next }
$2 ~ /^[A-Z]$/ && $2 != "W" && $2 != "V" { owner[$3] = $1; files[$1] = 1 }
END {
	# Edges: file a uses a symbol of file b (b != a); why[a, b] keeps one.
	for (i = 1; i <= n_uses; i++) {
		split(uses[i], u, SUBSEP)
		if (!(u[2] in owner) || owner[u[2]] == u[1])
			continue
		a = u[1]; b = owner[u[2]]
		files[a] = 1
		if (!((a, b) in edge)) {
			edge[a, b] = 1
			why[a, b] = u[2]
		} else if (index(" " why[a, b] " ", " " u[2] " ") == 0 && split(why[a, b], w, " ") < 3)
			why[a, b] = why[a, b] " " u[2]
	}
	n = 0
	for (f in files)
		name[++n] = f
	# Sorted, so that the report is the same at every run.
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && name[j - 1] > name[j]; j--) {
			t = name[j]; name[j] = name[j - 1]; name[j - 1] = t
		}
	# reach[a, b]: a depends on b, directly or not (Warshall).
	for (i = 1; i <= n; i++)
		for (j = 1; j <= n; j++)
			if ((name[i], name[j]) in edge)
				reach[name[i], name[j]] = 1
	for (k = 1; k <= n; k++)
		for (i = 1; i <= n; i++) {
			if (!((name[i], name[k]) in reach))
				continue
			for (j = 1; j <= n; j++)
				if ((name[k], name[j]) in reach)
					reach[name[i], name[j]] = 1
		}
	# Each set of files that depend on each other, once, with one cycle
	# through all of them spelled out.
	cycles = 0
	for (i = 1; i <= n; i++) {
		a = name[i]
		if (a in done || !((a, a) in reach))
			continue
		members = ""
		for (j = 1; j <= n; j++) {
			b = name[j]
			if ((a, b) in reach && (b, a) in reach) {
				done[b] = 1
				members = members (members == "" ? "" : ", ") b ".c"
			}
		}
		cycles++
		print "cycle of calls between lib/ files: " members
		# Walk from a through every member and back, by shortest
		# paths, so that each step shown is one real dependency.
		at = a; left = 0
		for (j = 1; j <= n; j++)
			if (name[j] != a && (a, name[j]) in reach && (name[j], a) in reach) {
				todo[name[j]] = 1
				left++
			}
		do {
			# Breadth first to the nearest member still to show, or
			# back to a when all are shown.
			delete dist; delete prev
			dist[at] = 0; q[1] = at; qh = 1; qt = 1; target = ""
			while (qh <= qt && target == "") {
				x = q[qh++]
				for (j = 1; j <= n && target == ""; j++) {
					y = name[j]
					if (!((x, y) in edge) || (y in dist) || !((y, a) in reach))
						continue
					dist[y] = 1; prev[y] = x; q[++qt] = y
					if (left > 0 ? y in todo : y == a)
						target = y
				}
			}
			if (target == "")
				break
			m = 0
			for (y = target; y != at; y = prev[y])
				step[++m] = y
			step[++m] = at
			for (s = m; s > 1; s--) {
				printf "  %s.c -> %s.c (%s)\n", step[s], step[s - 1], why[step[s], step[s - 1]]
				if (step[s - 1] in todo) {
					delete todo[step[s - 1]]
					left--
				}
			}
			at = target
		} while (at != a)
		delete todo
	}
	exit cycles ? 1 : 0
}'
