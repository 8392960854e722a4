/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What usernetns has made on this machine, from its records, checked
 * against the run dir, the host's links and /proc: what usernetns-list
 * shows and what usernetns-cleanup decides on.
 */
#ifndef USERNETNS_INVENTORY_H
#define USERNETNS_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "usernetns/ours.h"
#include "usernetns/paths.h"
#include "usernetns/session.h"
#include "usernetns/state.h"
#include "usernetns/usage.h"
#include "usernetns/util.h"

#define INVENTORY_MEMBERS_MAX 16

struct inventory_entry {
	struct state_record rec;
	enum ours_netns state;
	struct netns_id found; /* what is mounted under the name, if any */
	size_t sessions;       /* live ones */
	size_t processes;      /* in the namespace, that we could see */
	bool host_link;	       /* the recorded host end exists (its name and index) */
	/* With host_link: what the namespace sent and received through it (zero: none). */
	struct usage_counts traffic;
	int host_ifindex;     /* its ifindex, when it does */
	bool host_link_known; /* false: not run from the host's namespace */
	/* A group's namespace: who is in it (the first INVENTORY_MEMBERS_MAX). */
	struct session_member members[INVENTORY_MEMBERS_MAX];
	size_t n_members;
	/* What its table refused (inventory_read_refused()). */
	bool refused_known;
	uint64_t refused_packets, refused_bytes;
};

/* A host interface marked as ours whose user has no record naming it. */
struct inventory_orphan_link {
	char ifname[IFNAMSIZ];
	int ifindex;
	owner_t owner;
};

struct inventory {
	struct inventory_entry *v;
	size_t n;
	struct inventory_orphan_link *orphans;
	size_t n_orphans;
	size_t hidden_processes; /* processes whose namespace we could not see */
};

enum {
	/*
	 * Also the orphan host links (when only is NULL): a dump of the
	 * host's links, which costs the kernel time quadratic in the number
	 * of pairs; a cleanup needs it, a listing does not.
	 */
	INVENTORY_ORPHANS = 1u << 0,
};

/*
 * Collect the records of the owners in only[0..n_only) (all records when
 * only is NULL), sorted by owner, with their state, sessions, processes
 * and whether their host end exists, and the orphans if flags asks.  The
 * calling thread must be in the host's network namespace.
 */
int inventory_collect(const struct uns_paths *p, const owner_t *only, size_t n_only,
		      unsigned int flags, struct inventory *ret, struct errbuf *err);

void inventory_free(struct inventory *inv);

/*
 * Read what the table of e's namespace refused (nstable.h) into e, when it
 * is the active namespace of its record: entering it needs CAP_SYS_ADMIN,
 * asking its nf_tables CAP_NET_ADMIN.  A namespace without a table (mode
 * isolated, or made before the filter) is not an error: refused_known
 * stays false.
 */
int inventory_read_refused(const struct uns_paths *p, struct inventory_entry *e,
			   struct errbuf *err);

/* Is owner one of only[0..n_only) (every owner when only is NULL)? */
bool inventory_owner_wanted(owner_t owner, const owner_t *only, size_t n_only);

#endif
