/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "usernetns/inventory.h"
#include "usernetns/netns.h"
#include "usernetns/nstable.h"
#include "usernetns/rtnl.h"
#include "usernetns/session.h"

const char *inventory_state_to_string(enum inventory_state s)
{
	switch (s) {
	case INVENTORY_ACTIVE:
		return "active";
	case INVENTORY_UNFINISHED:
		return "unfinished";
	case INVENTORY_MISSING:
		return "missing";
	case INVENTORY_PLACEHOLDER:
		return "placeholder";
	case INVENTORY_FOREIGN:
		return "foreign";
	}
	return "?";
}

/* Host links that carry our mark (state_host_link_owner()). */
struct marked_link {
	char ifname[IFNAMSIZ];
	int ifindex;
	owner_t owner;
};

struct link_collect {
	struct marked_link *v;
	size_t n, cap;
	int err;
};

static int collect_link(const struct rtnl_link *l, void *data)
{
	struct link_collect *c = data;
	owner_t owner;

	if (!state_host_link_owner(l, &owner))
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct marked_link *v = reallocarray(c->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	snprintf(c->v[c->n].ifname, sizeof(c->v[c->n].ifname), "%s", l->ifname);
	c->v[c->n].ifindex = l->ifindex;
	c->v[c->n].owner = owner;
	c->n++;
	return 0;
}

bool inventory_owner_wanted(owner_t owner, const owner_t *only, size_t n_only)
{
	if (!only)
		return true;
	for (size_t i = 0; i < n_only; i++)
		if (only[i] == owner)
			return true;
	return false;
}

static int classify(const struct uns_paths *p, struct inventory_entry *e,
		    const struct netns_census *census, struct errbuf *err)
{
	enum netns_state state;
	int r;

	r = netns_open(p->rundir, e->rec.netns, &state, NULL, &e->found, err);
	if (r < 0)
		return r;
	switch (state) {
	case NETNS_ABSENT:
		e->state = INVENTORY_MISSING;
		break;
	case NETNS_PLACEHOLDER:
		e->state = INVENTORY_PLACEHOLDER;
		break;
	case NETNS_FOREIGN:
		e->state = INVENTORY_FOREIGN;
		break;
	case NETNS_MOUNTED:
		if (state_phase_made(e->rec.phase) && netns_id_equal(&e->rec.id, &e->found))
			e->state = INVENTORY_ACTIVE;
		else if (e->rec.phase == STATE_CREATING)
			e->state = INVENTORY_UNFINISHED;
		else
			e->state = INVENTORY_FOREIGN;
		break;
	}
	if (e->state == INVENTORY_ACTIVE || e->state == INVENTORY_UNFINISHED)
		e->processes = netns_census_count(census, &e->found);
	if (owner_is_group(e->rec.owner)) {
		r = session_members(p, e->rec.owner, e->members, INVENTORY_MEMBERS_MAX,
				    &e->n_members, err);
		if (r < 0)
			return r;
	}
	return session_count(p, e->rec.owner, false, &e->sessions, err);
}

int inventory_collect(const struct uns_paths *p, const owner_t *only, size_t n_only,
		      struct inventory *ret, struct errbuf *err)
{
	struct inventory inv = { 0 };
	struct link_collect links = { 0 };
	struct netns_census census = { 0 };
	struct rtnl rtnl = RTNL_INIT;
	owner_t *owners = NULL;
	size_t n_owners = 0;
	struct netns_id now;
	bool have_now;
	int r;

	have_now = netns_current(&now) == 0;
	r = state_list(p, &owners, &n_owners, err);
	if (r < 0)
		return r;
	r = netns_census_take(&census);
	if (r < 0) {
		errbuf_errno(err, r, "cannot scan /proc");
		goto out;
	}
	inv.hidden_processes = census.hidden;
	r = rtnl_open(&rtnl, err);
	/*
	 * With logins arriving fast among thousands of links, every listing
	 * may be marked interrupted.  Its last one serves: what a cleanup
	 * does with a link it judges again under the owner's lock (the
	 * record names its host end before the link exists, and a doomed
	 * host end must still carry our mark and name).
	 */
	rtnl.accept_interrupted = true;
	if (r == 0)
		r = rtnl_link_foreach(&rtnl, collect_link, &links, err);
	rtnl_close(&rtnl);
	if (r < 0)
		goto out;

	inv.v = calloc(n_owners ? n_owners : 1, sizeof(*inv.v));
	if (!inv.v) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n_owners; i++) {
		struct inventory_entry *e = &inv.v[inv.n];

		if (!inventory_owner_wanted(owners[i], only, n_only))
			continue;
		r = state_read(p, owners[i], &e->rec, err);
		if (r == -ENOENT)
			continue; /* removed since the listing */
		if (r < 0)
			goto out;
		r = classify(p, e, &census, err);
		if (r < 0)
			goto out;
		/* Host links are only visible from the host's namespace. */
		e->host_link_known = have_now && netns_id_equal(&now, &e->rec.host_id);
		for (size_t k = 0; k < links.n; k++)
			if (links.v[k].owner == e->rec.owner &&
			    streq(links.v[k].ifname, e->rec.host_ifname)) {
				e->host_link = true;
				e->host_ifindex = links.v[k].ifindex;
			}
		inv.n++;
	}

	/* Marked links no record names: left by a record that was lost. */
	if (!only) {
		inv.orphans = calloc(links.n ? links.n : 1, sizeof(*inv.orphans));
		if (!inv.orphans) {
			r = -ENOMEM;
			goto out;
		}
		for (size_t k = 0; k < links.n; k++) {
			bool named = false;

			for (size_t i = 0; i < inv.n && !named; i++)
				named = inv.v[i].rec.owner == links.v[k].owner &&
					streq(inv.v[i].rec.host_ifname, links.v[k].ifname);
			if (named)
				continue;
			snprintf(inv.orphans[inv.n_orphans].ifname, IFNAMSIZ, "%s",
				 links.v[k].ifname);
			inv.orphans[inv.n_orphans].ifindex = links.v[k].ifindex;
			inv.orphans[inv.n_orphans].owner = links.v[k].owner;
			inv.n_orphans++;
		}
	}
	r = 0;
out:
	free(owners);
	free(links.v);
	netns_census_free(&census);
	if (r < 0) {
		if (r == -ENOMEM)
			errbuf_set(err, "out of memory");
		inventory_free(&inv);
		return r;
	}
	*ret = inv;
	return 0;
}

void inventory_free(struct inventory *inv)
{
	free(inv->v);
	free(inv->orphans);
	*inv = (struct inventory){ 0 };
}

struct refused_read {
	struct inventory_entry *e;
};

/* Inside the namespace: its counter, over a socket opened there. */
static int read_refused(void *data, struct errbuf *err)
{
	struct inventory_entry *e = data;
	struct nfnl n;
	int r;

	r = nfnl_open(&n, err);
	if (r < 0)
		return r;
	r = nstable_refused(&n, &e->refused_packets, &e->refused_bytes, err);
	nfnl_close(&n);
	if (r == -ENOENT)
		return 0;
	if (r == 0)
		e->refused_known = true;
	return r;
}

int inventory_read_refused(const struct uns_paths *p, struct inventory_entry *e, struct errbuf *err)
{
	enum netns_state state;
	struct netns_id id;
	int fd, r;

	e->refused_known = false;
	if (e->state != INVENTORY_ACTIVE || !e->rec.host_ifname[0])
		return 0;
	r = netns_open(p->rundir, e->rec.netns, &state, &fd, &id, err);
	if (r < 0)
		return r;
	if (state != NETNS_MOUNTED)
		return 0;
	/* Only into the very namespace the record names. */
	if (netns_id_equal(&id, &e->rec.id))
		r = netns_run_in(fd, read_refused, e, err);
	close(fd);
	return r;
}
