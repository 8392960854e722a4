/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The namespace's link: where its addresses come from (fixed, leased,
 * a bridge's network), the veth pair between the host and the namespace,
 * the addresses on both ends and the neighbour entries between them.  On
 * an existing namespace each is read first and changed only where it
 * differs from the plan.
 */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "ensure-internal.h"
#include "usernetns/egress.h"
#include "usernetns/fault.h"
#include "usernetns/hostnet.h"
#include "usernetns/lease.h"
#include "usernetns/ours.h"

/* Addresses a link may carry before we call it corrupt. */
#define ADDRS_MAX 64

int ensure_find_host_link(struct rtnl *host, owner_t owner, const char *ifname,
			  struct rtnl_link *ret, struct errbuf *err)
{
	int r = rtnl_link_get(host, ifname, ret, err);

	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return r;
	return ours_host_link_of(ret, owner); /* not ours: leave it be */
}

int ensure_delete_host_link(struct rtnl *host, owner_t owner, const char *ifname,
			    struct errbuf *err)
{
	struct rtnl_link l;
	int r = ensure_find_host_link(host, owner, ifname, &l, err);

	return r <= 0 ? r : rtnl_link_delete(host, l.ifindex, ifname, err);
}

/*
 * Refuse to give out addresses the host already routes to a network of
 * its own: the namespace would take that network's traffic.  Asked when a
 * block is first leased (its two ends) and when a link with fixed
 * addresses is made; a lookup per address, so that the thousandth login
 * costs what the first does (usernetns-create --dry-run checks whole
 * ranges against every route).
 */
static int check_host_routes(struct ensure_ctx *c, const struct plan_addr *a,
			     const struct addr_prefix *host, const struct addr_prefix *peer,
			     int bridge_ifindex)
{
	const struct addr_prefix addrs[] = { *host, *peer };
	struct hostnet_overlap o;
	char text[256];
	bool found;
	int r;

	r = hostnet_find_route(&c->host, addrs, ELEMENTSOF(addrs), bridge_ifindex, &found, &o,
			       c->err);
	if (r < 0)
		return r;
	if (!found)
		return 0;
	hostnet_overlap_format(plan_addr_range_name(a), plan_addr_range(a), &o, text, sizeof(text));
	errbuf_set(c->err, "%s: namespaces there would take that network's traffic; choose another",
		   text);
	return -EADDRINUSE;
}

/* The two ends' addresses of one family, fixed or leased. */
static int resolve_addr(struct ensure_ctx *c, const struct plan_addr *a, int bridge_ifindex,
			struct addr_prefix *ret_host, struct addr_prefix *ret_peer)
{
	struct addr_prefix block;
	int r;

	switch (a->source) {
	case PLAN_ADDR_NONE:
		*ret_host = *ret_peer = (struct addr_prefix){ 0 };
		return 0;
	case PLAN_ADDR_FIXED:
		/* The link will be made (none is paired in the namespace). */
		if (!c->have_ns_peer) {
			r = check_host_routes(c, a, &a->host, &a->peer, bridge_ifindex);
			if (r < 0)
				return r;
		}
		*ret_host = a->host;
		*ret_peer = a->peer;
		return 0;
	case PLAN_ADDR_POOL:
		break;
	}
	r = lease_get(c->p, &a->pool, a->block_len, c->plan->owner, c->plan->owner_name, false,
		      &block, c->err);
	if (r == -ENOENT) {
		r = lease_get(c->p, &a->pool, a->block_len, c->plan->owner, c->plan->owner_name,
			      true, &block, c->err);
		if (r == 0)
			r = addr_block_ends(&block, ret_host, ret_peer);
		if (r == 0)
			r = check_host_routes(c, a, ret_host, ret_peer, bridge_ifindex);
		/* A block over a host network is not kept: the next login asks again. */
		if (r == -EADDRINUSE)
			(void)lease_release(c->p, &a->pool, a->block_len, c->plan->owner, NULL,
					    NULL);
		if (r == 0)
			c->changes |= ENSURE_LEASED;
		return r;
	}
	if (r < 0)
		return r;
	return addr_block_ends(&block, ret_host, ret_peer);
}

/* A deny the gateway is in: the policy cannot be applied as written. */
static int check_gateway(struct ensure_ctx *c, const struct addr_prefix *gw)
{
	struct errbuf why;
	int r = egress_check_gateway(c->plan, gw, &why);

	if (r < 0)
		errbuf_set(c->err, "line %u of the policy: %s", c->plan->deny_line, why.msg);
	return r;
}

int ensure_addressing(struct ensure_ctx *c, struct rtnl_link *ret_bridge)
{
	const struct plan *plan = c->plan;
	struct state_record *rec = &c->rec;
	struct rtnl_link bridge = { 0 };
	int r;

	if (plan->mode == POLICY_MODE_BRIDGE) {
		r = rtnl_link_get(&c->host, plan->bridge, &bridge, c->err);
		if (r == -ENODEV)
			errbuf_set(c->err, "bridge '%s' does not exist", plan->bridge);
		if (r < 0)
			return r;
		if (!streq(bridge.kind, "bridge")) {
			errbuf_set(c->err, "'%s' is not a bridge", plan->bridge);
			return -EINVAL;
		}
	}

	r = resolve_addr(c, &plan->v4, bridge.ifindex, &rec->host4, &rec->peer4);
	if (r == 0)
		r = resolve_addr(c, &plan->v6, bridge.ifindex, &rec->host6, &rec->peer6);
	if (r < 0)
		return r;

	if (plan->mode == POLICY_MODE_BRIDGE) {
		/* The host end is a port: the "host" address is the gateway. */
		r = hostnet_bridge_addressing(&c->host, &bridge, &rec->host4, &rec->peer4, c->err);
		if (r == 0)
			r = hostnet_bridge_addressing(&c->host, &bridge, &rec->host6, &rec->peer6,
						      c->err);
		if (r == 0)
			r = check_gateway(c, &rec->host4);
		if (r == 0)
			r = check_gateway(c, &rec->host6);
		if (r < 0)
			return r;
	}
	*ret_bridge = bridge;
	return 0;
}

/*
 * The pair made anew, when the one there is not ours by its other end:
 * what is left of an old one goes first (old_host: a host end of ours
 * whose peer is gone, the end of a ghost; old_peer: a peer inside our
 * namespace whose host end is gone; NULL when absent), then both ends are
 * made, down, with hardware addresses of ours.
 */
static int make_pair(struct ensure_ctx *c, int master, const struct rtnl_link *old_host,
		     const struct rtnl_link *old_peer, struct rtnl_link *ret_host,
		     struct rtnl_link *ret_peer)
{
	const struct plan *plan = c->plan;
	struct rtnl_link hl, pl;
	char who[OWNER_STRLEN];
	uint8_t mac[2][RTNL_MAC_LEN];
	int r;

	if (old_host) {
		if (!ours_host_link_of(old_host, plan->owner)) {
			errbuf_set(
				c->err,
				"interface '%s' exists on the host and was not made by usernetns for %s; rename or delete it",
				plan->host_ifname, owner_describe(plan->owner, who, sizeof(who)));
			return -EEXIST;
		}
		/* The end of a ghost: a namespace gone from the run dir. */
		r = rtnl_link_delete(&c->host, old_host->ifindex, old_host->ifname, c->err);
		if (r < 0 && r != -ENODEV)
			return r;
		c->changes |= ENSURE_REPLACED_STALE_LINK;
	}
	if (old_peer) {
		/* Inside our namespace, so ours; its pair is gone. */
		r = rtnl_link_delete(&c->ns, old_peer->ifindex, old_peer->ifname, c->err);
		if (r < 0 && r != -ENODEV)
			return r;
		c->changes |= ENSURE_REPLACED_STALE_LINK;
	}

	/*
	 * Hardware addresses of our choosing, so that both ends are known
	 * without asking the namespace (neighbour entries, below).
	 */
	r = rtnl_random_mac(mac[0]);
	if (r == 0)
		r = rtnl_random_mac(mac[1]);
	if (r < 0)
		return errbuf_errno(c->err, r, "cannot draw hardware addresses");
	r = rtnl_veth_create(&c->host,
			     &(struct rtnl_veth){
				     .ifname = plan->host_ifname,
				     .peer_ifname = plan->peer_ifname,
				     .peer_netns_fd = c->nsfd,
				     .mtu = plan->mtu,
				     .master = master,
				     .mac = mac[0],
				     .peer_mac = mac[1],
			     },
			     c->err);
	if (r < 0)
		return r;
	c->changes |= ENSURE_CREATED_LINK;
	r = rtnl_link_get(&c->host, plan->host_ifname, &hl, c->err);
	if (r < 0)
		return r;
	/*
	 * The peer is as we made it: down, with our MTU and hardware address,
	 * and the host end's IFLA_LINK is its ifindex.  No need to ask.
	 */
	pl = (struct rtnl_link){ .ifindex = hl.link, .mtu = hl.mtu, .has_mac = true };
	memcpy(pl.mac, mac[1], sizeof(pl.mac));
	snprintf(pl.ifname, sizeof(pl.ifname), "%s", plan->peer_ifname);
	snprintf(pl.kind, sizeof(pl.kind), "veth");
	*ret_host = hl;
	*ret_peer = pl;
	return 0;
}

int ensure_links(struct ensure_ctx *c, int master, struct rtnl_link *ret_host,
		 struct rtnl_link *ret_peer)
{
	const struct plan *plan = c->plan;
	struct rtnl_link hl = { 0 }, pl = { 0 };
	bool have_host = false, have_peer = false;
	/* Translated queries leave with a loopback source, for a moment (nsdns.h). */
	bool localnet = plan->dns.kind != POLICY_DNS_INHERIT;
	char alias[64];
	int r;

	ours_host_alias(plan->owner, alias, sizeof(alias));

	r = rtnl_link_get(&c->host, plan->host_ifname, &hl, c->err);
	if (r == 0)
		have_host = true;
	else if (r != -ENODEV)
		return r;
	if (c->have_ns_peer) {
		pl = c->ns_peer;
		have_peer = true;
	}

	if (!(have_host && have_peer && ours_link_pair(&hl, &pl))) {
		/* Not ours by its other end inside our namespace: made anew. */
		r = make_pair(c, master, have_host ? &hl : NULL, have_peer ? &pl : NULL, &hl, &pl);
		if (r < 0)
			return r;
	}

	/*
	 * The kernel ignores IFLA_IFALIAS on creation: mark the host end ours
	 * now, while a fresh one is still down.  Once it is up every change
	 * to it is a NETDEV_CHANGE, on which IPv6 walks the host's whole
	 * routing table (three routes for every veth there); down, nobody is
	 * told.  For the same reason nothing asks the kernel about the host
	 * end once it is up: RTM_GETLINK runs its pending link events too.
	 */
	if (hl.mtu != plan->mtu || !streq(hl.alias, alias) || hl.master != master) {
		r = rtnl_link_change(&c->host,
				     &(struct rtnl_link_change){
					     .ifindex = hl.ifindex,
					     .ifname = hl.ifname,
					     .up = hl.flags & IFF_UP,
					     .mtu = plan->mtu,
					     .alias = streq(hl.alias, alias) ? NULL : alias,
					     .set_master = true,
					     .master = master,
				     },
				     c->err);
		if (r < 0)
			return r;
		/* A fresh link lacks only the alias. */
		if (!(c->changes & ENSURE_CREATED_LINK) || hl.master != master)
			c->changes |= ENSURE_FIXED_LINK;
	}
	/* Bridge ports of users talk to the bridge, not to each other. */
	if (master && hl.isolated != plan->port_isolation) {
		r = rtnl_link_change(&c->host,
				     &(struct rtnl_link_change){
					     .ifindex = hl.ifindex,
					     .ifname = hl.ifname,
					     .up = hl.flags & IFF_UP,
					     .set_isolated = true,
					     .isolated = plan->port_isolation,
				     },
				     c->err);
		if (r < 0)
			return r;
		if (!(c->changes & ENSURE_CREATED_LINK))
			c->changes |= ENSURE_FIXED_LINK;
	}
	r = ensure_ipv6_end(c, &pl);
	if (r < 0)
		return r;
	if (!(pl.flags & IFF_UP) || pl.mtu != plan->mtu || pl.route_localnet != localnet) {
		r = rtnl_link_change(&c->ns,
				     &(struct rtnl_link_change){
					     .ifindex = pl.ifindex,
					     .ifname = pl.ifname,
					     .up = true,
					     .mtu = plan->mtu,
					     .set_route_localnet = pl.route_localnet != localnet,
					     .route_localnet = localnet,
				     },
				     c->err);
		if (r < 0)
			return r;
		if (!(c->changes & ENSURE_CREATED_LINK))
			c->changes |= ENSURE_FIXED_LINK;
	}
	if (c->changes & ENSURE_CREATED_LINK) {
		r = ensure_host_end_ipv6(plan, hl.ifname, c->err);
		if (r < 0)
			return r;
	}
	if (!(hl.flags & IFF_UP)) {
		r = rtnl_link_change(&c->host,
				     &(struct rtnl_link_change){
					     .ifindex = hl.ifindex,
					     .ifname = hl.ifname,
					     .up = true,
				     },
				     c->err);
		if (r < 0)
			return r;
		if (!(c->changes & ENSURE_CREATED_LINK))
			c->changes |= ENSURE_FIXED_LINK;
		hl.flags |= IFF_UP;
	}
	*ret_host = hl;
	*ret_peer = pl;
	return 0;
}

static bool addr_in(const struct addr_prefix *a, const struct addr_prefix *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (addr_prefix_equal(a, &v[i]))
			return true;
	return false;
}

/* Make the global addresses of a link exactly want[0..n). */
static int link_addresses(struct ensure_ctx *c, struct rtnl *r, const struct rtnl_link *l,
			  const struct addr_prefix *want, size_t n_want)
{
	struct addr_prefix have[ADDRS_MAX];
	size_t n_have = 0;
	int rc;

	if (!(c->changes & ENSURE_CREATED_LINK)) {
		rc = rtnl_addr_list(r, l->ifindex, have, ADDRS_MAX, &n_have, c->err);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < n_want; i++) {
		if (addr_in(&want[i], have, n_have))
			continue;
		rc = rtnl_addr_add(r, l->ifindex, l->ifname, &want[i], c->err);
		if (rc < 0)
			return rc;
		if (!(c->changes & ENSURE_CREATED_LINK))
			c->changes |= ENSURE_FIXED_ADDRESSES;
	}
	for (size_t i = 0; i < n_have; i++) {
		if (addr_in(&have[i], want, n_want))
			continue;
		rc = rtnl_addr_del(r, l->ifindex, l->ifname, &have[i], c->err);
		if (rc < 0 && rc != -EADDRNOTAVAIL)
			return rc;
		c->changes |= ENSURE_FIXED_ADDRESSES;
	}
	return 0;
}

int ensure_addresses(struct ensure_ctx *c, const struct rtnl_link *hl, const struct rtnl_link *pl)
{
	const struct state_record *rec = &c->rec;
	struct addr_prefix host[2], peer[2];
	size_t n_host = 0, n_peer = 0;
	int r;

	/* In bridge mode the host end is a bridge port, without addresses. */
	if (c->plan->mode != POLICY_MODE_BRIDGE) {
		if (addr_prefix_is_set(&rec->host4))
			host[n_host++] = rec->host4;
		if (addr_prefix_is_set(&rec->host6))
			host[n_host++] = rec->host6;
	}
	if (addr_prefix_is_set(&rec->peer4))
		peer[n_peer++] = rec->peer4;
	if (addr_prefix_is_set(&rec->peer6))
		peer[n_peer++] = rec->peer6;

	r = link_addresses(c, &c->host, hl, host, n_host);
	if (r == 0)
		r = link_addresses(c, &c->ns, pl, peer, n_peer);
	return r;
}

/*
 * Permanent neighbour entries on both ends of the pair, as soon as both
 * ends and their addresses are known: the namespace's gateway at the host
 * end's hardware address, and the namespace's addresses at its end's, on
 * the host end.  The neighbour tables limit their dynamic entries
 * (gc_thresh3, 1024 by default) for every namespace together, and each
 * active user took two: the host stopped passing traffic at about 511
 * active users.  Permanent entries do not count, and save an ARP or ND
 * round trip on the first packet each way.
 *
 * Not in mode bridge: a bridge takes the hardware address of a port
 * unless one was set, so the gateway's changes as ports come and go (the
 * pinned one then black-holes the session), and an entry on the bridge
 * would outlive the namespace on a LAN that others share.
 */
int ensure_neighbours(struct ensure_ctx *c, const struct rtnl_link *hl, const struct rtnl_link *pl)
{
	const struct state_record *rec = &c->rec;
	const struct addr_prefix *gw[2] = { &rec->host4, &rec->host6 };
	const struct addr_prefix *own[2] = { &rec->peer4, &rec->peer6 };
	int r = 0;

	if (c->plan->mode == POLICY_MODE_BRIDGE || !hl->has_mac || !pl->has_mac)
		return 0;
	for (int f = 0; f < 2 && r == 0; f++) {
		struct addr_prefix a;

		if (!addr_prefix_is_set(gw[f]) || !addr_prefix_is_set(own[f]))
			continue;
		a = *gw[f];
		a.len = addr_family_bits(a.family);
		r = rtnl_neigh_set(&c->ns, pl->ifindex, pl->ifname, &a, hl->mac, c->err);
		if (r < 0)
			break;
		a = *own[f];
		a.len = addr_family_bits(a.family);
		r = rtnl_neigh_set(&c->host, hl->ifindex, hl->ifname, &a, pl->mac, c->err);
	}
	if (r == 0)
		r = fault_err("ensure.neighbours", c->err);
	return r;
}
