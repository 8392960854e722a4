/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a user's namespace may reach, as routes inside it: made over
 * rtnetlink with the namespace, where the user has no capability to undo
 * them, and whatever becomes of the host's firewall.  Prefixes only:
 * ports and protocols are the host firewall's.
 *
 * For each family with an address:
 *   - a default route via the host end, or, with an allow list, a route
 *     via the host end to each allowed network and a prohibit default;
 *   - a prohibit route to each denied network;
 *   - a prohibit route to every range users' addresses come from (pools
 *     and fixed blocks), so that no user reaches another's namespace or
 *     host end; the namespace's own block stays reachable through its
 *     connected route, which is more specific.
 * A prohibited destination fails at once (EACCES, "Permission denied"),
 * not after a timeout.
 */
#ifndef USERNETNS_EGRESS_H
#define USERNETNS_EGRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "usernetns/addr.h"
#include "usernetns/plan.h"

struct egress_route {
	struct addr_prefix dst; /* a network; length 0: the default route */
	bool prohibit;		/* unreachable; else via the gateway */
};

/* The most routes of one family egress_routes() gives. */
#define EGRESS_ROUTES_MAX (2 * POLICY_PREFIXES_MAX + POLICY_RANGES_MAX + 1)

/*
 * The routes of peer's family for a namespace whose end has the address
 * peer (with the prefix length of its connected route) and reaches out
 * through gateway.  Each destination once; a prohibition wins over an
 * allowance.  Never a prohibition that would cut the namespace off its
 * gateway (a range holding the gateway and more specific than the
 * connected route: a bridge's own address in its pool).
 */
void egress_routes(const struct plan *plan, const struct addr_prefix *peer,
		   const struct addr_prefix *gateway, struct egress_route ret[EGRESS_ROUTES_MAX],
		   size_t *ret_n);

#endif
