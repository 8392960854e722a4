/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The namespace's routes: of protocol static in its main table, exactly
 * what egress_routes() says; what a router gave goes, what others made
 * by hand stays.
 */
#include "config.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>

#include "ensure-internal.h"
#include "usernetns/egress.h"

/*
 * The routes we made in a namespace (static, main table), and those the
 * network gave it (a router advertisement's default or prefix), from one
 * dump.
 */
struct route_have {
	struct rtnl_route v[2 * EGRESS_ROUTES_MAX];
	bool used[2 * EGRESS_ROUTES_MAX];
	size_t n;
	struct rtnl_route learned[16];
	size_t n_learned;
};

/*
 * Learned from the network: what a router advertisement makes (protocol
 * ra, or a lifetime), and any default route but ours.  The routes of the
 * namespace are ours alone; routes an admin added by hand (other
 * protocols, no lifetime) are left alone.
 */
static bool route_learned(const struct rtnl_route *rt)
{
	return rt->protocol != RTPROT_STATIC &&
	       (rt->protocol == RTPROT_RA || rt->expires || rt->dst.len == 0);
}

static int note_route(const struct rtnl_route *rt, void *data)
{
	struct route_have *h = data;

	if (rt->table != RT_TABLE_MAIN)
		return 0;
	if (rt->protocol != RTPROT_STATIC) {
		if (rt->type == RTN_UNICAST && route_learned(rt) &&
		    h->n_learned < ELEMENTSOF(h->learned))
			h->learned[h->n_learned++] = *rt;
		return 0;
	}
	/* More than we would ever make: the rest go at the next login. */
	if (h->n < ELEMENTSOF(h->v))
		h->v[h->n++] = *rt;
	return 0;
}

/* Is the route h what w asks for, through the peer link? */
static bool route_matches(const struct rtnl_route *h, const struct egress_route *w,
			  const struct addr_prefix *gw, const struct rtnl_link *peer)
{
	if (!addr_prefix_equal(&h->dst, &w->dst))
		return false;
	if (w->prohibit)
		return h->type == RTN_PROHIBIT;
	return h->type == RTN_UNICAST && addr_prefix_equal(&h->gateway, gw) &&
	       h->oif == peer->ifindex;
}

/*
 * Make the routes of peer_addr's family in the namespace exactly what
 * egress_routes() says (have: what is there; NULL for a link just made,
 * which has none).  Routes others made (not RTPROT_STATIC) are left alone.
 */
static int routes_of_family(struct ensure_ctx *c, const struct addr_prefix *peer_addr,
			    const struct addr_prefix *via, const struct rtnl_link *peer,
			    struct route_have *have)
{
	struct egress_route want[EGRESS_ROUTES_MAX];
	struct addr_prefix gw = *via;
	size_t n_want;
	int r;

	gw.len = addr_family_bits(gw.family);
	egress_routes(c->plan, peer_addr, &gw, &c->dns, want, &n_want);
	for (size_t i = 0; i < n_want; i++) {
		bool found = false;

		for (size_t k = 0; have && k < have->n && !found; k++)
			if (!have->used[k] && route_matches(&have->v[k], &want[i], &gw, peer))
				found = have->used[k] = true;
		if (found)
			continue;
		r = rtnl_route_replace(&c->ns,
				       &(struct rtnl_route_change){
					       .dst = want[i].dst,
					       .prohibit = want[i].prohibit,
					       .gateway = gw,
					       .oif = peer->ifindex,
					       .ifname = peer->ifname,
				       },
				       c->err);
		if (r < 0)
			return r;
		if (have)
			c->changes |= ENSURE_FIXED_ROUTES;
	}
	for (size_t k = 0; have && k < have->n; k++) {
		const struct rtnl_route *h = &have->v[k];

		if (have->used[k] || h->dst.family != peer_addr->family)
			continue;
		/* A replaced route of the same destination is gone already. */
		for (size_t i = 0; i < n_want; i++)
			if (addr_prefix_equal(&h->dst, &want[i].dst))
				have->used[k] = true;
		if (have->used[k])
			continue;
		r = rtnl_route_delete(&c->ns,
				      &(struct rtnl_route_change){
					      .dst = h->dst,
					      .prohibit = h->type == RTN_PROHIBIT,
					      .gateway = h->gateway,
					      .oif = h->oif,
					      .ifname = peer->ifname,
				      },
				      c->err);
		if (r < 0 && r != -ESRCH)
			return r;
		c->changes |= ENSURE_FIXED_ROUTES;
	}
	for (size_t k = 0; have && k < have->n_learned; k++) {
		const struct rtnl_route *h = &have->learned[k];

		if (h->dst.family != peer_addr->family)
			continue;
		r = rtnl_route_delete(&c->ns,
				      &(struct rtnl_route_change){
					      .dst = h->dst,
					      .gateway = h->gateway,
					      .oif = h->oif,
					      .ifname = peer->ifname,
					      .protocol = h->protocol,
				      },
				      c->err);
		if (r < 0 && r != -ESRCH)
			return r;
		c->changes |= ENSURE_FIXED_ROUTES;
	}
	return 0;
}

int ensure_routes(struct ensure_ctx *c, const struct rtnl_link *pl)
{
	const struct state_record *rec = &c->rec;
	struct route_have *have = NULL;
	int r = 0;

	/* Fresh links have no routes yet; others are checked in one dump. */
	if (!(c->changes & ENSURE_CREATED_LINK)) {
		have = calloc(1, sizeof(*have));
		if (!have)
			return errbuf_errno(c->err, -ENOMEM, "cannot list routes");
		r = rtnl_route_foreach(&c->ns, note_route, have, c->err);
	}
	if (r == 0 && addr_prefix_is_set(&rec->peer4))
		r = routes_of_family(c, &rec->peer4, &rec->host4, pl, have);
	if (r == 0 && addr_prefix_is_set(&rec->peer6))
		r = routes_of_family(c, &rec->peer6, &rec->host6, pl, have);
	free(have);
	return r;
}
