/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Turning a plan into a live namespace, idempotently, and removing it.
 * Everything a login or a helper does to namespaces and links goes
 * through here, under the lock of the user.
 */
#ifndef USERNETNS_ENSURE_H
#define USERNETNS_ENSURE_H

#include <stdbool.h>
#include <sys/types.h>

#include "usernetns/hostsfile.h"
#include "usernetns/netns.h"
#include "usernetns/paths.h"
#include "usernetns/plan.h"
#include "usernetns/state.h"
#include "usernetns/util.h"

/* What ensure_netns() changed, for logs. */
enum {
	ENSURE_CREATED = 1u << 0, /* a new namespace */
	ENSURE_REMOVED_PLACEHOLDER = 1u << 1,
	ENSURE_ADOPTED = 1u << 2,	      /* finished a crashed creation */
	ENSURE_REPLACED_STALE_LINK = 1u << 3, /* ghost host end or lone peer */
	ENSURE_CREATED_LINK = 1u << 4,
	ENSURE_FIXED_LINK = 1u << 5, /* up, MTU, master */
	ENSURE_FIXED_ADDRESSES = 1u << 6,
	ENSURE_FIXED_ROUTES = 1u << 7,
	ENSURE_LEASED = 1u << 8,	/* a new lease was taken */
	ENSURE_REMOVED_OLD = 1u << 9,	/* of a previous policy */
	ENSURE_FIXED_FILTER = 1u << 10, /* the namespace's table: filter, redirect of queries */
	ENSURE_FIXED_NAMES = 1u << 11,	/* the host's name files for it */
	ENSURE_FIXED_LIMITS = 1u << 12, /* the limits on its pair (tc.h) */
};

/* The changes that mean something was found broken and mended. */
#define ENSURE_REPAIRS                                                                           \
	(ENSURE_ADOPTED | ENSURE_REPLACED_STALE_LINK | ENSURE_CREATED_LINK | ENSURE_FIXED_LINK | \
	 ENSURE_FIXED_ADDRESSES | ENSURE_FIXED_ROUTES | ENSURE_REMOVED_PLACEHOLDER |             \
	 ENSURE_FIXED_FILTER | ENSURE_FIXED_NAMES | ENSURE_FIXED_LIMITS)

struct ensure_result {
	int netns_fd; /* of the namespace; the caller closes it */
	struct netns_id id;
	unsigned int changes;	    /* ENSURE_* */
	struct state_record record; /* as written */
	/*
	 * Names (or addresses) of the namespace that another owner's
	 * namespace holds, not published for this one: a sentence for the
	 * log, "" if none (hosts_publish()).
	 */
	char names_held[HOSTS_NAME_MAX + 128];
	/*
	 * With dns = host, why the namespace's queries go nowhere (the host's
	 * resolv.conf names no resolver it can reach): a sentence for the
	 * log, "" if they go somewhere.
	 */
	char dns_problem[320];
};

/*
 * What every login does before it makes anything: refuse a plan the
 * policy does not handle (-EINVAL), and note where the user is placed
 * (placement.h), outside any group's lock.  ensure_netns() and
 * session_open() start with it.
 */
int ensure_begin(const struct uns_paths *p, const struct plan *plan, unsigned int lock_timeout_ms,
		 struct errbuf *err);

/*
 * Bring the namespace of plan (whose verdict must be PLAN_HANDLED) to the
 * state the plan describes, from whatever state it is in: absent, a
 * placeholder, half made by a crashed login, without links, with a stale
 * host end of a ghost namespace, down, without addresses or routes.
 * Never touches a namespace or interface that its records and markers do
 * not show as made for this user.  Waits at most lock_timeout_ms for
 * another login of the same user.
 */
int ensure_netns(const struct uns_paths *p, const struct plan *plan, unsigned int lock_timeout_ms,
		 struct ensure_result *ret, struct errbuf *err);

/*
 * The namespace of plan, to enter, if it is the one usernetns made: the
 * record complete and for this name, the name mounted, and what is
 * mounted the very namespace whose inode the record holds (not one
 * somebody bound over the name).  An fd of it and its identity; -ENOENT
 * (none), -ESTALE (a record not complete), -EPERM (not the recorded one).
 */
int ensure_open_recorded(const struct uns_paths *p, const struct plan *plan, int *ret_fd,
			 struct netns_id *ret_id, struct errbuf *err);

/*
 * Move the calling thread into the namespace of plan, the one usernetns
 * made (ensure_open_recorded()), without the owner's lock: for
 * usernetns-join, which its caller may stop at will.  A removal racing it
 * (the last logout, a cleanup) marks the record before it looks for
 * processes inside, and this reads the record after entering: so either
 * the removal sees the thread inside and keeps the namespace, or the
 * thread goes back where it was and -ESTALE says the namespace is being
 * removed.  Never a thread in a namespace that lost its name and links.
 * Needs CAP_SYS_ADMIN and the right to read the record.
 * -ENOTRECOVERABLE when the thread could not go back.
 */
int ensure_join(const struct uns_paths *p, const struct plan *plan, struct errbuf *err);

/* The same, for a caller already holding the lock of the user. */
int ensure_netns_locked(const struct uns_paths *p, const struct plan *plan,
			unsigned int lock_timeout_ms, struct ensure_result *ret,
			struct errbuf *err);

enum {
	ENSURE_REMOVE_FORCE = 1u << 0, /* even with processes inside */
	/*
	 * Leave the host end for the caller to delete with others in one
	 * batch (rtnl_links_delete()): deleting a veth costs an RCU grace
	 * period, a batch costs one.  It keeps its mark, so what a crash
	 * leaves is removed by the next login or cleanup.
	 */
	ENSURE_REMOVE_KEEP_LINK = 1u << 1,
};

/* How a removal went, beside its return code. */
struct ensure_removal {
	pid_t busy_pid; /* -EBUSY: one of the processes inside */
	/*
	 * Why what its host end counted could not be added to the owner's
	 * usage (usage.h), "" when it was: lost, and to be said.
	 */
	char uncounted[160];
};

/*
 * Remove what ensure_netns() made for owner: what its host end counted
 * added to the owner's usage, then the host end (which takes its peer),
 * the name (unmounted and unlinked) and the record.  Leases stay.  The
 * caller holds the lock of owner (session_close() and session_reap()
 * take it).  -EBUSY when processes remain in the namespace and FORCE is
 * not given; -ENOENT when there is no record.  ret may be NULL.
 */
int ensure_remove_locked(const struct uns_paths *p, owner_t owner, unsigned int flags,
			 struct ensure_removal *ret, struct errbuf *err);

#endif
