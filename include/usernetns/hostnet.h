/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The host's own networks, as its routes show them: an address block
 * given to namespaces must not overlap one, or the namespaces would take
 * that network's traffic (a pool over the campus LAN steals the LAN).
 * And what listens on them, for what a dry run checks.
 */
#ifndef USERNETNS_HOSTNET_H
#define USERNETNS_HOSTNET_H

#include <net/if.h>
#include <stdbool.h>

#include "usernetns/addr.h"
#include "usernetns/plan.h"
#include "usernetns/rtnl.h"
#include "usernetns/util.h"

struct hostnet_overlap {
	struct addr_prefix route; /* the host's route */
	char ifname[IFNAMSIZ];	  /* its link, "" if none */
	unsigned int table;
};

/*
 * Does prefix overlap a network of the namespace r acts in?  Networks are
 * the destinations of unicast and local routes of every table, but
 * default routes, routes on host ends usernetns made (their blocks come
 * from the same pools by design) and routes on except_ifindex (the bridge
 * of mode bridge, whose subnet holds its pool; 0: none).  *ret_found says
 * whether one does, *ret which.
 */
int hostnet_find_overlap(struct rtnl *r, const struct addr_prefix *prefix, int except_ifindex,
			 bool *ret_found, struct hostnet_overlap *ret, struct errbuf *err);

/*
 * The check a login makes, whatever the number of routes: is any of the
 * n addresses (those it is about to give out) routed by the host to a
 * network of its own?  One route lookup each (rtnl_route_lookup()), and a
 * link lookup when the route is on a link; default routes, host ends
 * usernetns made and except_ifindex are not networks, as above.  A route
 * inside a block that does not hold one of the addresses is not seen:
 * hostnet_find_overlap() is the thorough check.
 */
int hostnet_find_route(struct rtnl *r, const struct addr_prefix *addrs, size_t n,
		       int except_ifindex, bool *ret_found, struct hostnet_overlap *ret,
		       struct errbuf *err);

/*
 * The same for everything plan gives out (pools, fixed blocks), the bridge
 * of mode bridge excepted: the check a dry run makes.  *ret_addr gets the
 * plan's addresses that overlap.
 */
int hostnet_check_plan(struct rtnl *r, const struct plan *plan, bool *ret_found,
		       const struct plan_addr **ret_addr, struct hostnet_overlap *ret,
		       struct errbuf *err);

/*
 * "pool 10.200.0.0/16 overlaps the host's route 10.200.5.0/24 dev eth0"
 * (what, prefix, and the overlap).
 */
void hostnet_overlap_format(const char *what, const struct addr_prefix *prefix,
			    const struct hostnet_overlap *o, char *buf, size_t size);

/*
 * Mode bridge puts a namespace on the bridge's subnet: its address peer
 * takes the prefix length of the bridge's address whose subnet holds it,
 * and that address is its gateway (*ret_gw).  Nothing for an unset peer;
 * -EADDRNOTAVAIL when no address of the bridge's fits.
 */
int hostnet_bridge_addressing(struct rtnl *r, const struct rtnl_link *bridge,
			      struct addr_prefix *ret_gw, struct addr_prefix *peer,
			      struct errbuf *err);

/*
 * Does a UDP socket of the caller's network namespace (as /proc/self/net
 * shows it) take datagrams to port at an IPv4 address within (NULL:
 * none), or at every address?  What a dry run asks of dns = host-end: is
 * there a resolver to answer the host ends?  A socket bound to :: counts
 * as every address: /proc does not say whether it takes IPv4 too
 * (IPV6_V6ONLY), as most resolvers' do.  Sockets on the loopback answer
 * no host end.
 */
int hostnet_udp_listening(const struct addr_prefix *within, uint16_t port, bool *ret_found,
			  struct errbuf *err);

#endif
