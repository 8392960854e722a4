/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cleaning up: what usernetns made and nobody uses any more, and nothing
 * else.  First collect (what is stale, and why), then apply: a dry run is
 * a collection printed, and usernetns-cleanup, a timer or any other
 * caller share one judgement of staleness.
 *
 * A new kind of leftover is a kind here: collected in cleanup_collect(),
 * removed in cleanup_apply(), described by the caller.
 */
#ifndef USERNETNS_CLEANUP_H
#define USERNETNS_CLEANUP_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "usernetns/inventory.h"
#include "usernetns/lease.h"
#include "usernetns/paths.h"
#include "usernetns/policy.h"
#include "usernetns/util.h"

enum cleanup_kind {
	CLEANUP_NAMESPACE,   /* a record and what it names */
	CLEANUP_ORPHAN_LINK, /* a host end of ours that no record names */
	CLEANUP_LEASE,	     /* a lease the policy no longer gives */
};

enum cleanup_verdict {
	CLEANUP_STALE,		/* to go */
	CLEANUP_IN_USE,		/* sessions or processes: kept */
	CLEANUP_FORCED,		/* in use, but to go (CLEANUP_FORCE) */
	CLEANUP_KEPT_BY_POLICY, /* unused, but teardown = never (CLEANUP_AS_TEARDOWN) */
};

enum cleanup_outcome {
	CLEANUP_PENDING, /* not applied (yet) */
	CLEANUP_REMOVED,
	CLEANUP_KEPT,	/* in use (again: a login came meanwhile) */
	CLEANUP_GONE,	/* removed by somebody else meanwhile */
	CLEANUP_FAILED, /* msg says why */
};

#define CLEANUP_WHY_MAX (POLICY_NAME_MAX + 64)

struct cleanup_item {
	enum cleanup_kind kind;
	enum cleanup_verdict verdict;
	char why[CLEANUP_WHY_MAX]; /* "unused", "bob gets no addresses ..." */
	union {
		struct inventory_entry ns;	   /* CLEANUP_NAMESPACE */
		struct inventory_orphan_link link; /* CLEANUP_ORPHAN_LINK */
		struct lease_entry lease;	   /* CLEANUP_LEASE */
	};
	enum cleanup_outcome outcome;
	char msg[sizeof(struct errbuf)]; /* CLEANUP_FAILED */
};

struct cleanup_plan {
	struct cleanup_item *v;
	size_t n;
	size_t hidden_processes; /* processes whose namespace we could not see */
};

enum {
	CLEANUP_FORCE = 1u << 0, /* namespaces in use go too */
	/*
	 * Unused namespaces go only where the policy's teardown would have
	 * removed them at the last logout (a periodic run must not undo
	 * teardown = never); leftovers go regardless.
	 */
	CLEANUP_AS_TEARDOWN = 1u << 1,
};

/*
 * What is stale among the records, host ends and leases of the owners in
 * only[0..n_only) (everybody's when only is NULL; orphan host ends only
 * then), judged with policy.  The calling thread must be in the host's
 * network namespace.
 */
int cleanup_collect(const struct uns_paths *p, const struct policy *policy, const owner_t *only,
		    size_t n_only, unsigned int flags, struct cleanup_plan *ret,
		    struct errbuf *err);

/*
 * Remove what plan says is to go, each under its user's lock, checked
 * again there (a login may have come meanwhile), and record each item's
 * outcome.  Host ends are deleted together at the end (one RCU grace
 * period for all).  Returns the number of failures.
 */
size_t cleanup_apply(const struct uns_paths *p, struct cleanup_plan *plan, unsigned int flags);

void cleanup_plan_free(struct cleanup_plan *plan);

#endif
