/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "usernetns/cleanup.h"
#include "usernetns/plan.h"
#include "usernetns/rtnl.h"
#include "usernetns/session.h"
#include "usernetns/shield.h"

static struct cleanup_item *add_item(struct cleanup_plan *plan, size_t *cap, enum cleanup_kind kind)
{
	struct cleanup_item *it, *v = util_grow(plan->v, cap, plan->n + 1, sizeof(*v), 16);

	if (!v)
		return NULL;
	plan->v = v;
	it = &plan->v[plan->n++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	return it;
}

/* ---- namespaces and host ends ------------------------------------------------ */

static void judge_namespace(struct cleanup_item *it, const struct policy *policy,
			    unsigned int flags)
{
	const struct inventory_entry *e = &it->ns;
	const char *why = "?";

	it->verdict = CLEANUP_STALE;
	switch (e->state) {
	case OURS_ACTIVE:
	case OURS_UNFINISHED:
		if (e->sessions > 0 || e->processes > 0)
			it->verdict = flags & CLEANUP_FORCE ? CLEANUP_FORCED : CLEANUP_IN_USE;
		else if (e->state == OURS_ACTIVE && flags & CLEANUP_AS_TEARDOWN &&
			 policy->global.teardown == POLICY_TEARDOWN_NEVER)
			it->verdict = CLEANUP_KEPT_BY_POLICY;
		why = e->state == OURS_ACTIVE ? "unused" : "half made by a login that died";
		break;
	case OURS_MISSING:
		why = "its namespace is gone";
		break;
	case OURS_PLACEHOLDER:
		why = "an empty placeholder under its name";
		break;
	case OURS_FOREIGN:
		why = "its name now holds a namespace usernetns did not make (left alone)";
		break;
	}
	snprintf(it->why, sizeof(it->why), "%s", why);
}

/* ---- leases ------------------------------------------------------------------ */

struct lease_walk {
	const struct uns_paths *p;
	const struct policy *policy;
	const owner_t *only;
	size_t n_only;
	struct cleanup_plan *plan;
	size_t *cap;
	size_t n_namespaces; /* plan->v[0..n) are the namespaces */
	bool oom;
};

/* Will the namespace of owner stay (so its addresses are in use)? */
static bool namespace_stays(const struct lease_walk *w, owner_t owner)
{
	for (size_t i = 0; i < w->n_namespaces; i++)
		if (w->plan->v[i].ns.rec.owner == owner)
			return w->plan->v[i].verdict == CLEANUP_IN_USE ||
			       w->plan->v[i].verdict == CLEANUP_KEPT_BY_POLICY;
	return true; /* no namespace item: whatever record there is stays */
}

/* Why the lease should go, or false to keep it. */
static bool lease_stale(const struct lease_walk *w, const struct lease_entry *e, char *why,
			size_t size)
{
	const struct plan_addr *a;
	char who[OWNER_STRLEN];
	struct state_record rec;
	struct plan plan;
	int r;

	/* In use by a namespace that is up and stays, whatever the policy says. */
	if (namespace_stays(w, e->owner) && state_read(w->p, e->owner, &rec, NULL) == 0 &&
	    ((addr_prefix_is_set(&rec.peer4) && addr_prefix_contains(&e->block, &rec.peer4)) ||
	     (addr_prefix_is_set(&rec.peer6) && addr_prefix_contains(&e->block, &rec.peer6))))
		return false;

	r = owner_is_group(e->owner) ?
		    plan_resolve_group(w->policy, owner_id(e->owner), &plan, NULL) :
		    plan_resolve_uid(w->policy, w->p, owner_id(e->owner), &plan, NULL);
	if (r == -ENOENT) {
		snprintf(why, size, "%s no longer exists",
			 owner_describe(e->owner, who, sizeof(who)));
		return true;
	}
	if (r < 0)
		return false; /* a failed lookup: never release on a guess */
	/* A member's plan for a shared section is the group's, not the user's. */
	if (plan.verdict != PLAN_HANDLED || !policy_mode_has_link(plan.mode) ||
	    plan.owner != e->owner) {
		snprintf(why, size, "%s gets no addresses from the policy", plan.owner_name);
		return true;
	}
	a = e->pool.family == AF_INET ? &plan.v4 : &plan.v6;
	if (a->source != PLAN_ADDR_POOL || !addr_prefix_equal(&a->pool, &e->pool) ||
	    a->block_len != e->block_len) {
		snprintf(why, size, "%s no longer draws from this pool", plan.owner_name);
		return true;
	}
	return false;
}

static int visit_lease(const struct lease_entry *e, void *data)
{
	struct lease_walk *w = data;
	struct cleanup_item *it;
	char why[CLEANUP_WHY_MAX];

	if (!inventory_owner_wanted(e->owner, w->only, w->n_only) ||
	    !lease_stale(w, e, why, sizeof(why)))
		return 0;
	it = add_item(w->plan, w->cap, CLEANUP_LEASE);
	if (!it) {
		w->oom = true;
		return -ENOMEM;
	}
	it->verdict = CLEANUP_STALE;
	it->lease = *e;
	snprintf(it->why, sizeof(it->why), "%s", why);
	return 0;
}

/* ---- collecting -------------------------------------------------------------- */

int cleanup_collect(const struct uns_paths *p, const struct policy *policy, const owner_t *only,
		    size_t n_only, unsigned int flags, struct cleanup_plan *ret, struct errbuf *err)
{
	struct cleanup_plan plan = { 0 };
	struct inventory inv = { 0 };
	struct lease_walk w = { .p = p, .policy = policy, .only = only, .n_only = n_only };
	struct cleanup_item *it;
	size_t cap = 0;
	int r;

	r = inventory_collect(p, only, n_only, INVENTORY_ORPHANS, &inv, err);
	if (r < 0)
		return r;
	plan.hidden_processes = inv.hidden_processes;
	for (size_t i = 0; i < inv.n; i++) {
		it = add_item(&plan, &cap, CLEANUP_NAMESPACE);
		if (!it)
			goto oom;
		it->ns = inv.v[i];
		judge_namespace(it, policy, flags);
	}
	for (size_t i = 0; i < inv.n_orphans; i++) {
		it = add_item(&plan, &cap, CLEANUP_ORPHAN_LINK);
		if (!it)
			goto oom;
		it->verdict = CLEANUP_STALE;
		it->link = inv.orphans[i];
		snprintf(it->why, sizeof(it->why), "no record names it");
	}
	inventory_free(&inv);
	/* Leases are judged knowing which namespaces (and addresses) stay. */
	w.plan = &plan;
	w.cap = &cap;
	for (size_t i = 0; i < plan.n; i++)
		w.n_namespaces += plan.v[i].kind == CLEANUP_NAMESPACE;
	r = lease_foreach(p, visit_lease, &w, err);
	if (w.oom)
		goto oom;
	if (r < 0) {
		cleanup_plan_free(&plan);
		return r;
	}
	*ret = plan;
	return 0;
oom:
	inventory_free(&inv);
	cleanup_plan_free(&plan);
	errbuf_set(err, "out of memory");
	return -ENOMEM;
}

/* ---- applying ---------------------------------------------------------------- */

static void failed(struct cleanup_item *it, const struct errbuf *err)
{
	it->outcome = CLEANUP_FAILED;
	snprintf(it->msg, sizeof(it->msg), "%s", err->msg);
}

struct locked_step {
	const struct uns_paths *p;
	const struct cleanup_item *it;
};

/* Remove a namespace, keeping its host end for the batch. */
static void apply_namespace(const struct uns_paths *p, struct cleanup_item *it, unsigned int flags)
{
	struct session_close_result res;
	struct errbuf err = { "" };
	int r;

	r = session_reap(p, it->ns.rec.owner,
			 ENSURE_REMOVE_KEEP_LINK |
				 (flags & CLEANUP_FORCE ? ENSURE_REMOVE_FORCE : 0),
			 STATE_LOCK_TIMEOUT_MS, &res, &err);
	if (r < 0) {
		failed(it, &err);
		return;
	}
	switch (res.outcome) {
	case SESSION_REMOVED:
		it->outcome = CLEANUP_REMOVED;
		/* Removed, but its traffic is not in the usage: the report says so. */
		snprintf(it->msg, sizeof(it->msg), "%s", res.uncounted);
		break;
	case SESSION_NOTHING:
		it->outcome = CLEANUP_GONE; /* another cleanup was first */
		break;
	case SESSION_OTHERS_REMAIN:
	case SESSION_BUSY:
	case SESSION_KEPT:
		it->outcome = CLEANUP_KEPT; /* a login came in meanwhile */
		break;
	}
}

/*
 * The steps below run under the lock of the item's owner
 * (shield_run_locked()): data is the item, out its outcome.
 */

/* An orphan host end goes unless a login made it its own meanwhile. */
static int judge_orphan_locked(void *data, void *out, int *ret_fd, struct errbuf *err)
{
	const struct locked_step *c = data;
	enum cleanup_outcome *ret = out;
	struct state_record rec;

	if (state_read(c->p, c->it->link.owner, &rec, NULL) == 0 &&
	    streq(rec.host_ifname, c->it->link.ifname))
		*ret = CLEANUP_KEPT; /* named again by a login */
	else
		*ret = CLEANUP_REMOVED; /* once the batch is deleted */
	return 0;
}

static int release_lease_locked(void *data, void *out, int *ret_fd, struct errbuf *err)
{
	const struct locked_step *c = data;
	const struct lease_entry *l = &c->it->lease;
	int r;

	r = lease_release(c->p, &l->pool, l->block_len, l->owner, &l->block, err);
	if (r == 0)
		*(enum cleanup_outcome *)out = CLEANUP_REMOVED;
	return r;
}

static void apply_locked(const struct uns_paths *p, struct cleanup_item *it, owner_t owner,
			 shield_fn step)
{
	struct locked_step c = { p, it };
	enum cleanup_outcome outcome = CLEANUP_PENDING;
	struct errbuf err = { "" };
	int r;

	r = shield_run_locked(p, owner, STATE_LOCK_TIMEOUT_MS, step, &c, &outcome, sizeof(outcome),
			      NULL, &err);
	if (r < 0)
		failed(it, &err);
	else
		it->outcome = outcome;
}

/* The host end an item leaves for the batch, if any: its ifindex, owner, name. */
static bool doomed_link(const struct cleanup_item *it, int *ret_ifindex, owner_t *ret_owner,
			const char **ret_ifname)
{
	if (it->outcome != CLEANUP_REMOVED)
		return false;
	if (it->kind == CLEANUP_NAMESPACE && it->ns.host_link) {
		*ret_ifindex = it->ns.host_ifindex;
		*ret_owner = it->ns.rec.owner;
		*ret_ifname = it->ns.rec.host_ifname;
		return true;
	}
	if (it->kind == CLEANUP_ORPHAN_LINK) {
		*ret_ifindex = it->link.ifindex;
		*ret_owner = it->link.owner;
		*ret_ifname = it->link.ifname;
		return true;
	}
	return false;
}

/*
 * Removals go in batches of CLEANUP_BATCH namespaces (or orphan links),
 * each batch's host ends deleted together before the next starts.  The
 * kernel unregisters a batch of links under the RTNL lock, which every
 * login needs to make its link, and each link costs it a walk of the
 * host's routing tables: one batch of all 10,000 held the lock for tens
 * of seconds (a login stalled 39 s).  16 holds it for a few tens of
 * milliseconds, and the namespaces dropped meanwhile reach the kernel's
 * cleanup (cleanup_net()) in as small groups.  Measured at 10,000 with
 * 100 logins meanwhile (docs/internals.md): 32 took 32-35 s with the
 * slowest logins at 137-155 ms, 16 took 42-47 s with them at 97-119 ms,
 * 8 took twice as long (an RCU grace period per batch) for no better.
 */
#define CLEANUP_BATCH 16

/*
 * Delete the host ends left by the removals in one batch (a veth costs an
 * RCU grace period to delete; a batch costs one), each only if it is
 * still the one we judged: same index, same name, still marked ours for
 * the same owner.  Ends gone with their namespace meanwhile are success.
 */
static void delete_links(struct cleanup_plan *plan, size_t first, size_t end)
{
	struct errbuf err = { "" };
	struct rtnl rtnl = RTNL_INIT;
	int *ifindex;
	size_t n = 0;
	int r;

	ifindex = calloc(end > first ? end - first : 1, sizeof(*ifindex));
	if (!ifindex) {
		errbuf_set(&err, "out of memory");
		r = -ENOMEM;
		goto out;
	}
	r = rtnl_open(&rtnl, &err);
	for (size_t i = first; r == 0 && i < end; i++) {
		struct rtnl_link l;
		const char *ifname;
		owner_t owner;
		int index;

		if (doomed_link(&plan->v[i], &index, &owner, &ifname) &&
		    rtnl_link_get_index(&rtnl, index, &l, NULL) == 0 &&
		    ours_host_link_of(&l, owner) && streq(l.ifname, ifname))
			ifindex[n++] = index;
	}
	if (r == 0 && n > 0)
		r = rtnl_links_delete(&rtnl, ifindex, n, &err);
	rtnl_close(&rtnl);
out:
	free(ifindex);
	if (r == 0)
		return;
	for (size_t i = first; i < end; i++) {
		int index;
		owner_t owner;
		const char *ifname;

		if (doomed_link(&plan->v[i], &index, &owner, &ifname))
			failed(&plan->v[i], &err);
	}
}

size_t cleanup_apply(const struct uns_paths *p, struct cleanup_plan *plan, unsigned int flags)
{
	size_t failures = 0, first = 0, in_batch = 0;

	for (size_t i = 0; i < plan->n; i++) {
		struct cleanup_item *it = &plan->v[i];

		if (it->verdict == CLEANUP_IN_USE || it->verdict == CLEANUP_KEPT_BY_POLICY) {
			it->outcome = CLEANUP_KEPT;
			continue;
		}
		switch (it->kind) {
		case CLEANUP_NAMESPACE:
			apply_namespace(p, it, flags);
			in_batch++;
			break;
		case CLEANUP_ORPHAN_LINK:
			apply_locked(p, it, it->link.owner, judge_orphan_locked);
			in_batch++;
			break;
		case CLEANUP_LEASE:
			break; /* after the namespaces, whose records name them */
		}
		if (in_batch == CLEANUP_BATCH) {
			delete_links(plan, first, i + 1);
			first = i + 1;
			in_batch = 0;
		}
	}
	delete_links(plan, first, plan->n);
	for (size_t i = 0; i < plan->n; i++)
		if (plan->v[i].kind == CLEANUP_LEASE)
			apply_locked(p, &plan->v[i], plan->v[i].lease.owner, release_lease_locked);
	for (size_t i = 0; i < plan->n; i++)
		failures += plan->v[i].outcome == CLEANUP_FAILED;
	return failures;
}

void cleanup_plan_free(struct cleanup_plan *plan)
{
	free(plan->v);
	*plan = (struct cleanup_plan){ 0 };
}
