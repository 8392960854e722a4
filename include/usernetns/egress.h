/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a user's namespace may reach: a filter in the namespace's table
 * (nstable.h), which refuses what a session must not reach whatever the
 * routes, the socket options (SO_BINDTODEVICE and IP(V6)_UNICAST_IF skip
 * the routes, IP(V6)_FREEBIND forges a source) and the host's firewall;
 * and routes, which make a refused network fail at once for the plain
 * case.  Both are made in the namespace, where the user has no
 * capability to undo them.
 *
 * The filter, for what leaves through the namespace end (lo stays
 * inside; the kernel's own neighbour discovery goes), in this order:
 *   - a family without an address is refused;
 *   - nothing leaves with a source that is not the namespace's own;
 *   - the gateway (host end, or the bridge's address) is reached: it is
 *     the way out, and where dns = host-end queries go;
 *   - with dns = host, the host's resolvers are reached on port 53, UDP
 *     and TCP, whatever deny and allow say: they are the host's choice
 *     (its resolv.conf, from DHCP), not the policy's, and names must work;
 *   - denied networks and protocols/ports are refused;
 *   - every range users' addresses come from is refused (no user
 *     reaches another's namespace or host end);
 *   - with an allow list, only what it names is reached.
 * Refused is at once: a TCP reset, or ICMP administratively prohibited
 * (connect() fails with ECONNREFUSED, sendmsg() with EPERM), counted.
 *
 * The routes, for each family with an address, from the entries that
 * name networks:
 *   - a default route via the host end, or, with an allow list, a route
 *     via the host end to each network it names (the default for an entry
 *     of a protocol alone) and otherwise a prohibit default;
 *   - a prohibit route to each denied network (not protocol or port);
 *   - a prohibit route to every range users' addresses come from (pools
 *     and fixed blocks), so that no user reaches another's namespace or
 *     host end; the namespace's own block stays reachable through its
 *     connected route, which is more specific;
 *   - with dns = host, a route via the host end to each of the host's
 *     resolvers (a translated query is routed again, and a prohibit
 *     route would refuse it).
 * A prohibited destination fails at once (EACCES, "Permission denied"),
 * not after a timeout.
 */
#ifndef USERNETNS_EGRESS_H
#define USERNETNS_EGRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "usernetns/addr.h"
#include "usernetns/nsdns.h"
#include "usernetns/nstable.h"
#include "usernetns/plan.h"

struct egress_route {
	struct addr_prefix dst; /* a network; length 0: the default route */
	bool prohibit;		/* unreachable; else via the gateway */
};

/* The most routes of one family egress_routes() gives. */
#define EGRESS_ROUTES_MAX (2 * POLICY_EGRESS_MAX + POLICY_RANGES_MAX + POLICY_DNS_MAX + 1)

/*
 * The routes of peer's family for a namespace whose end has the address
 * peer (with the prefix length of its connected route) and reaches out
 * through gateway, its queries going to dns (nsdns_targets()).  Each
 * destination once; a prohibition wins over an allowance, but for the
 * host's resolvers of dns = host.  Never a prohibition that would cut the
 * namespace off its gateway (a range holding the gateway and more
 * specific than the connected route: a bridge's own address in its pool).
 */
void egress_routes(const struct plan *plan, const struct addr_prefix *peer,
		   const struct addr_prefix *gateway, const struct nsdns_targets *dns,
		   struct egress_route ret[EGRESS_ROUTES_MAX], size_t *ret_n);

/*
 * The addresses of a namespace that its filter names.  A family without
 * peer has no address in the namespace; a gateway or peer of length 0
 * but with its family set is one not known yet (a dry run before the
 * first login).
 */
struct egress_addrs {
	struct addr_prefix peer4, peer6; /* the namespace end's */
	struct addr_prefix gw4, gw6;	 /* the gateway */
	struct nsdns_targets dns;	 /* where its queries go (nsdns_targets()) */
};

/* Add the filter of plan, for a namespace with addrs, to t. */
void egress_filter(const struct plan *plan, const struct egress_addrs *addrs, struct nstable *t);

/*
 * The whole of the namespace's table for plan: the filter, and the
 * redirect of its name queries (nsdns.h) to addrs->dns.  What a login
 * makes and a dry run prints.
 */
void egress_table(const struct plan *plan, const struct egress_addrs *addrs, struct nstable *t);

/*
 * In mode bridge the gateway is a neighbour on the bridge's subnet, whose
 * other addresses deny and allow restrict like any other.  The gateway is
 * always reached (it is the way out), so a deny network that holds it
 * cannot mean what it says: 0, or -EINVAL with err naming the section
 * and the entry (the deny key's line is plan->deny_line).
 */
int egress_check_gateway(const struct plan *plan, const struct addr_prefix *gw, struct errbuf *err);

#endif
