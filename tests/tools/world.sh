# SPDX-License-Identifier: BSD-3-Clause
# For shell tests in the sandbox: /etc and the policy's directory made
# writable (overlays whose upper layers are in the sandbox's /run), users
# and groups added there, the policy written.  Source after tap.sh.

: "${USERNETNS_POLICY_PATH:?}"

# A writable view of DIR (an overlay whose upper layer is in /run).
overlay() {
	local dir=$1 key
	key=$(echo "$dir" | tr / _)
	mkdir -p "/run/ov/$key.up" "/run/ov/$key.work"
	mount -t overlay overlay \
		-o "lowerdir=$dir,upperdir=/run/ov/$key.up,workdir=/run/ov/$key.work" "$dir" ||
		bail_out "cannot overlay $dir"
}

# /etc, and the policy's directory, writable here only.
world_writable_etc() {
	local policydir ancestor
	overlay /etc
	policydir=$(dirname "$USERNETNS_POLICY_PATH")
	ancestor=$policydir
	while [ ! -d "$ancestor" ]; do ancestor=$(dirname "$ancestor"); done
	[ "$ancestor" = /etc ] || overlay "$ancestor"
	mkdir -p "$policydir"
}

# add_user NAME UID [GROUP...]: a user with a group of its own, in GROUPs.
add_user() {
	local name=$1 uid=$2 g
	shift 2
	echo "$name:x:$uid:$uid::/tmp:/bin/sh" >>/etc/passwd
	echo "$name:x:$uid:" >>/etc/group
	for g in "$@"; do
		if grep -q "^$g:" /etc/group; then
			sed -i "s/^\($g:x:[0-9]*:\)\(.*\)$/\1\2,$name/; s/^\($g:x:[0-9]*:\),/\1/" /etc/group
		else
			echo "$g:x:$((uid + 10000)):$name" >>/etc/group
		fi
	done
}

# The policy, from standard input.
write_policy() {
	cat >"$USERNETNS_POLICY_PATH"
	chmod 0644 "$USERNETNS_POLICY_PATH"
}

# helpers_with_caps DIR: copies of the built helpers in DIR (a tmpfs of its
# own: /run is nosuid, which voids file capabilities), with the file
# capabilities make install gives them.
helpers_with_caps() {
	local bin=$1 h
	: "${USERNETNS_BUILDDIR:?}" "${USERNETNS_CAPS_CREATE:?}" "${USERNETNS_CAPS_CLEANUP:?}"
	: "${USERNETNS_CAPS_JOIN:?}" "${USERNETNS_CAPS_LIST:?}"
	mkdir -p "$bin"
	mount -t tmpfs -o mode=0755 tmpfs "$bin" || bail_out "cannot mount $bin"
	for h in create cleanup join list; do
		cp "$USERNETNS_BUILDDIR/helpers/usernetns-$h" "$bin/" || bail_out "no usernetns-$h"
	done
	setcap "$USERNETNS_CAPS_CREATE" "$bin/usernetns-create" &&
		setcap "$USERNETNS_CAPS_CLEANUP" "$bin/usernetns-cleanup" &&
		setcap "$USERNETNS_CAPS_JOIN" "$bin/usernetns-join" &&
		setcap "$USERNETNS_CAPS_LIST" "$bin/usernetns-list" ||
		bail_out "setcap failed"
}

# as USER COMMAND...: run as an unprivileged user with their groups;
# sets out, err, status.
as() {
	local user=$1
	shift
	out=$(setpriv --reuid="$user" --regid="$user" --init-groups -- "$@" 2>/run/stderr)
	status=$?
	err=$(cat /run/stderr)
}
