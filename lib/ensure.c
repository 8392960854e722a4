/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ensure_netns(): plan -> live namespace, from any state, under the
 * owner's lock: the steps in their order, each in a file of its own
 * (ensure-internal.h).
 *
 * Ownership is what keeps this safe on a shared machine (ours.h): a
 * namespace is ours when the record of the user names its nsfs inode (or
 * says a creation was under way when the process died); a host interface
 * is ours when it carries the alias "usernetns uid=N" (gid=N) or is
 * paired with an interface inside our namespace.  Anything else with one
 * of our names is reported and left alone.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "ensure-internal.h"
#include "usernetns/fault.h"
#include "usernetns/firewall.h"
#include "usernetns/hosts.h"
#include "usernetns/placement.h"
#include "usernetns/shield.h"

/*
 * A namespace with a link: its addresses, the pair, the addresses on it
 * and the neighbours across it, the limits on it, where its queries go,
 * its routes and its table, in that order (each needs what comes before).
 */
static int ensure_network(struct ensure_ctx *c)
{
	struct rtnl_link hl, pl, bridge = { 0 };
	int r;

	r = ensure_addressing(c, &bridge);
	if (r == 0)
		r = ensure_links(c, bridge.ifindex, &hl, &pl);
	if (r == 0)
		r = fault_err("ensure.links", c->err);
	if (r < 0)
		return r;
	c->rec.host_ifindex = hl.ifindex;
	c->rec.peer_ifindex = pl.ifindex;

	r = ensure_addresses(c, &hl, &pl);
	if (r == 0)
		r = fault_err("ensure.addresses", c->err);
	if (r == 0 && (c->changes & (ENSURE_CREATED_LINK | ENSURE_FIXED_ADDRESSES)))
		r = ensure_neighbours(c, &hl, &pl);
	if (r == 0)
		r = ensure_limits(c, &hl, &pl);
	if (r < 0)
		return r;

	nsdns_login_targets(c->plan, &c->rec.host4, &c->dns, c->dns_problem,
			    sizeof(c->dns_problem));
	r = ensure_routes(c, &pl);
	if (r == 0)
		r = ensure_table(c);
	return r;
}

/*
 * Mode nat needs the host's side (our table as the policy makes it now,
 * forwarding, its uplink): a session without it has no way out.  Not a
 * reason to refuse a login (the namespace is whole, and isolation does
 * not depend on it), but one to say so loudly: the caller logs what the
 * record says.  One request for the table, whose digest is compared
 * with the plan's (from the policy alone): no nft, no dump of the host's
 * routes.
 */
static void note_host_side(struct ensure_ctx *c)
{
	const struct firewall_need need = {
		.mode = c->plan->mode,
		.v4 = addr_prefix_is_set(&c->rec.peer4),
		.v6 = addr_prefix_is_set(&c->rec.peer6),
		.policy_digest = c->plan->host_table,
		.uplink = c->plan->uplink,
	};
	struct firewall_status s;
	struct errbuf err = { "" };
	char problem[sizeof(c->rec.host_side)];

	if (firewall_status(&s, &err) < 0)
		snprintf(c->rec.host_side, sizeof(c->rec.host_side), "unknown (%.80s)", err.msg);
	else if (*firewall_status_problem(&s, &need, problem, sizeof(problem)))
		snprintf(c->rec.host_side, sizeof(c->rec.host_side), "%s", problem);
	else
		snprintf(c->rec.host_side, sizeof(c->rec.host_side), "ok");
}

/*
 * The host's name files for the namespace (hosts.h): what an earlier
 * login published and this one does not (a new address, a new policy)
 * goes, and the rest is written where it differs.
 */
static int ensure_names(struct ensure_ctx *c)
{
	struct hosts_published done;
	int r;

	if (c->have_found) {
		r = hosts_unpublish(c->p, &c->found, &c->rec, c->err);
		if (r < 0)
			return r;
	}
	r = hosts_publish(c->p, &c->rec, &done, c->err);
	if (r < 0)
		return r;
	if (done.changed && !c->fresh)
		c->changes |= ENSURE_FIXED_NAMES;
	/* Somebody else's name: theirs, and the login goes on without it. */
	if (done.n_held == 1)
		snprintf(c->names_held, sizeof(c->names_held), "%s", done.held);
	else if (done.n_held > 1)
		snprintf(c->names_held, sizeof(c->names_held), "%s, and %zu more", done.held,
			 done.n_held - 1);
	return 0;
}

static int ensure_locked(struct ensure_ctx *c)
{
	const struct plan *plan = c->plan;
	char old_record[2048], new_record[2048];
	int r;

	r = netns_current(&c->host_id);
	if (r < 0)
		return errbuf_errno(c->err, r, "cannot identify the current network namespace");
	r = state_read(c->p, plan->owner, &c->old, c->err);
	if (r == 0)
		c->have_old = true;
	else if (r != -ENOENT)
		return r;
	c->have_found = c->have_old;
	c->found = c->old;

	if (c->have_old && (c->old.host_id.ino || c->old.host_id.dev) &&
	    !netns_id_equal(&c->old.host_id, &c->host_id)) {
		errbuf_set(
			c->err,
			"the namespace of %s was made from another network namespace than this one; run from the host's",
			plan->user);
		return -EXDEV;
	}

	/* A previous policy named the namespace differently: retire it. */
	if (c->have_old && !streq(c->old.netns, plan->netns)) {
		struct ensure_removal gone = { 0 };

		r = ensure_remove_locked(c->p, plan->owner, 0, &gone, c->err);
		if (r == -EBUSY) {
			errbuf_set(
				c->err,
				"namespace '%s' of an earlier policy still has processes (pid %ld); end them or run usernetns-cleanup --force %s",
				c->old.netns, (long)gone.busy_pid, plan->user);
			return r;
		}
		if (r < 0 && r != -ENOENT)
			return r;
		c->have_old = false;
		c->changes |= ENSURE_REMOVED_OLD;
	}

	/* The host's rtnetlink only where there are links, now or before. */
	if (policy_mode_has_link(plan->mode) || (c->have_old && c->old.host_ifname[0])) {
		r = rtnl_open(&c->host, c->err);
		if (r < 0)
			return r;
	}

	/* Links of an earlier policy (other name, or a mode without links). */
	if (c->have_old && c->old.host_ifname[0] &&
	    (!policy_mode_has_link(plan->mode) || !streq(c->old.host_ifname, plan->host_ifname))) {
		r = ensure_delete_host_link(&c->host, plan->owner, c->old.host_ifname, c->err);
		if (r < 0)
			return r;
		c->old.host_ifname[0] = '\0';
		c->changes |= ENSURE_REMOVED_OLD;
	}

	r = ensure_namespace(c);
	if (r < 0)
		goto fail;

	ensure_record_init(c, STATE_READY);
	c->rec.id = c->id;
	if (policy_mode_has_link(plan->mode))
		r = ensure_network(c);
	else
		r = ensure_table_remove(c);
	if (r < 0)
		goto fail;
	if (plan->mode == POLICY_MODE_NAT)
		note_host_side(c);
	r = ensure_names(c);
	if (r < 0)
		goto fail;

	if (!c->have_old || state_format(&c->old, old_record, sizeof(old_record)) < 0 ||
	    state_format(&c->rec, new_record, sizeof(new_record)) < 0 ||
	    !streq(old_record, new_record)) {
		r = state_write(c->p, &c->rec, c->err);
		if (r == 0)
			r = fault_err("ensure.recorded-ready", c->err);
		if (r < 0)
			goto fail;
	}
	return 0;
fail:
	ensure_roll_back(c);
	return r;
}

int ensure_netns_locked(const struct uns_paths *p, const struct plan *plan,
			unsigned int lock_timeout_ms, struct ensure_result *ret, struct errbuf *err)
{
	struct ensure_ctx c = {
		.p = p,
		.plan = plan,
		.lock_timeout_ms = lock_timeout_ms,
		.err = err,
		.nsfd = -1,
	};
	int r;

	if (plan->verdict != PLAN_HANDLED) {
		errbuf_set(err, "%s is not handled by the policy", plan->user);
		return -EINVAL;
	}
	r = ensure_locked(&c);
	rtnl_close(&c.host);
	rtnl_close(&c.ns);
	nfnl_close(&c.ns_nf);
	if (r < 0) {
		if (c.nsfd >= 0)
			close(c.nsfd);
		return r;
	}
	ret->netns_fd = c.nsfd;
	ret->id = c.id;
	ret->changes = c.changes;
	ret->record = c.rec;
	snprintf(ret->names_held, sizeof(ret->names_held), "%s", c.names_held);
	snprintf(ret->dns_problem, sizeof(ret->dns_problem), "%s", c.dns_problem);
	return 0;
}

struct ensure_call {
	const struct uns_paths *p;
	const struct plan *plan;
	unsigned int lock_timeout_ms;
};

static int ensure_under_lock(void *data, void *out, int *ret_fd, struct errbuf *err)
{
	const struct ensure_call *c = data;
	struct ensure_result *res = out;
	int r;

	r = ensure_netns_locked(c->p, c->plan, c->lock_timeout_ms, res, err);
	if (r == 0)
		*ret_fd = res->netns_fd;
	return r;
}

int ensure_begin(const struct uns_paths *p, const struct plan *plan, unsigned int lock_timeout_ms,
		 struct errbuf *err)
{
	if (plan->verdict != PLAN_HANDLED) {
		errbuf_set(err, "%s is not handled by the policy", plan->user);
		return -EINVAL;
	}
	return placement_note(p, plan->uid, plan->user, &plan->placed, lock_timeout_ms, err);
}

int ensure_netns(const struct uns_paths *p, const struct plan *plan, unsigned int lock_timeout_ms,
		 struct ensure_result *ret, struct errbuf *err)
{
	struct ensure_call c = { p, plan, lock_timeout_ms };
	int fd, r;

	r = ensure_begin(p, plan, lock_timeout_ms, err);
	if (r < 0)
		return r;
	r = shield_run_locked(p, plan->owner, lock_timeout_ms, ensure_under_lock, &c, ret,
			      sizeof(*ret), &fd, err);
	if (r == 0)
		ret->netns_fd = fd;
	return r;
}
