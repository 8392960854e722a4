/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The last placement of each user: the section of the policy that last
 * gave the user a namespace, its mode, and which answer of the name
 * service showed the user a member of it.  lib/plan.c reads it so that a
 * directory that cannot tell (an offline SSSD, a group entry without
 * members) never moves a user out of that section; a login or
 * usernetns-create writes it before making the namespace.
 *
 * Persistent, as the leases (a reboot during an outage is when it
 * matters): statedir/placements/UID, root's (0700, files 0600: it names
 * users and their groups), written whole and synced, renamed into place,
 * under the user's own lock.  Forgotten when a login finds the user
 * placed nowhere (mode none), or by root (usernetns-cleanup --forget).
 */
#ifndef USERNETNS_PLACEMENT_H
#define USERNETNS_PLACEMENT_H

#include <stdbool.h>
#include <sys/types.h>

#include "usernetns/paths.h"
#include "usernetns/policy.h"
#include "usernetns/util.h"

/* How the user was known to be a member of a [group:] section. */
enum placement_member {
	PLACEMENT_MEMBER_NONE,	  /* [user:] or [default]: no membership */
	PLACEMENT_MEMBER_PRIMARY, /* the group is the user's primary group */
	PLACEMENT_MEMBER_ENTRY,	  /* the group's entry lists the user */
	PLACEMENT_MEMBER_LIST,	  /* the user's group list alone has it */
};

struct placement {
	enum policy_rule_kind kind;
	char name[POLICY_NAME_MAX]; /* the section's user or group; "" for [default] */
	enum policy_mode mode;
	enum placement_member member;
};

/* "primary", "entry", "list", "" */
const char *placement_member_to_string(enum placement_member m);

/* Is a the same section as b (kind and name)? */
bool placement_same_section(const struct placement *a, const struct placement *b);

/*
 * The last placement of uid: -ENOENT when there is none, -EBADMSG when it
 * cannot be parsed (or is another uid's), another -errno when it cannot
 * be read (callers that decide with it fail closed).
 */
int placement_read(const struct uns_paths *p, uid_t uid, struct placement *ret, struct errbuf *err);

/*
 * Make now the last placement of uid (whose name is user), unless it is
 * already: one small read when nothing changed; else a durable write
 * under the lock of uid (state_lock(), at most lock_timeout_ms).  Never
 * called with a group's lock held: a member could hold theirs.
 */
int placement_note(const struct uns_paths *p, uid_t uid, const char *user,
		   const struct placement *now, unsigned int lock_timeout_ms, struct errbuf *err);

/* Drop the record of uid, if any. */
int placement_forget(const struct uns_paths *p, uid_t uid, struct errbuf *err);

/* Serialise and parse (exposed for tests). */
int placement_format(uid_t uid, const char *user, const struct placement *pl, char *buf,
		     size_t size);
int placement_parse(const char *text, uid_t *ret_uid, struct placement *ret);

#endif
