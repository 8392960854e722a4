/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Login sessions: several sessions share the namespace of their owner (a
 * user, or a group sharing one), and the last one to close may remove it.
 * A session is a file under /run/usernetns/sessions/OWNER/ naming the
 * process that opened it and the uid it was opened for, so a session
 * whose process died without closing is recognised and dropped.  Opening
 * and closing happen under the owner's lock, which is what keeps a
 * closing last session from removing a namespace another login is about
 * to enter.
 */
#ifndef USERNETNS_SESSION_H
#define USERNETNS_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "usernetns/ensure.h"
#include "usernetns/paths.h"
#include "usernetns/plan.h"
#include "usernetns/util.h"

#define SESSION_ID_MAX 48

struct session_open_result {
	struct ensure_result ensure; /* netns_fd is the caller's to close */
	char id[SESSION_ID_MAX];
};

/*
 * Ensure the namespace of plan and record a session of process pid
 * (opened by service, for logs), atomically with respect to other logins
 * and logouts of its owner.
 */
int session_open(const struct uns_paths *p, const struct plan *plan, pid_t pid, const char *service,
		 unsigned int lock_timeout_ms, struct session_open_result *ret, struct errbuf *err);

/*
 * Undo a session_open() whose login failed afterwards: drop its session
 * record and, if that login made the namespace (undo_namespace) and no
 * other session has come since, the namespace too.
 */
int session_abort(const struct uns_paths *p, owner_t owner, const char *id, bool undo_namespace,
		  unsigned int lock_timeout_ms, struct errbuf *err);

enum session_close_outcome {
	SESSION_OTHERS_REMAIN, /* other live sessions of the owner */
	SESSION_KEPT,	       /* last one, but teardown = never */
	SESSION_BUSY,	       /* last one, but processes remain */
	SESSION_REMOVED,       /* last one: the namespace was removed */
	SESSION_NOTHING,       /* no namespace to remove */
};

struct session_close_result {
	enum session_close_outcome outcome;
	size_t live;	/* sessions still open */
	pid_t busy_pid; /* SESSION_BUSY: one process inside */
	/* SESSION_REMOVED: why its usage was not counted, "" when it was. */
	char uncounted[160];
};

/*
 * Close session id (NULL: only drop the records of dead processes) of
 * owner; if no live session remains and teardown is last-logout, remove the
 * namespace unless processes remain in it.  The calling thread must be in
 * the host's network namespace.
 */
int session_close(const struct uns_paths *p, owner_t owner, const char *id,
		  enum policy_teardown teardown, unsigned int lock_timeout_ms,
		  struct session_close_result *ret, struct errbuf *err);

/*
 * For cleanup: under the lock, drop the records of dead sessions; if no
 * live session remains (or ENSURE_REMOVE_FORCE), remove what
 * ensure_netns() made for owner: a namespace without processes (any, with
 * force), a placeholder, a host end (unless ENSURE_REMOVE_KEEP_LINK), the
 * record.  Outcomes as for session_close().
 */
int session_reap(const struct uns_paths *p, owner_t owner, unsigned int flags,
		 unsigned int lock_timeout_ms, struct session_close_result *ret,
		 struct errbuf *err);

/*
 * The live sessions of owner; with prune, the records of dead processes are
 * removed on the way (needs the lock held, and privilege).
 */
int session_count(const struct uns_paths *p, owner_t owner, bool prune, size_t *ret_live,
		  struct errbuf *err);

/*
 * The owners that have a directory of sessions (live or not), sorted: a
 * survey of thousands asks session_count() only of these.
 */
int session_owners(const struct uns_paths *p, owner_t **ret, size_t *ret_n, struct errbuf *err);

struct session_member {
	uid_t uid; /* (uid_t)-1: a session recorded before groups */
	size_t sessions;
};

/*
 * Who has live sessions in the namespace of owner (several members, for
 * a group's): the first max distinct uids and their sessions.
 */
int session_members(const struct uns_paths *p, owner_t owner, struct session_member *ret,
		    size_t max, size_t *ret_n, struct errbuf *err);

#endif
