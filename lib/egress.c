/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <string.h>

#include "usernetns/egress.h"

struct route_set {
	struct egress_route *v;
	size_t n;
};

/* Add dst; a prohibition replaces an allowance of the same destination. */
static void put(struct route_set *s, const struct addr_prefix *dst, bool prohibit)
{
	for (size_t i = 0; i < s->n; i++)
		if (addr_prefix_equal(&s->v[i].dst, dst)) {
			s->v[i].prohibit |= prohibit;
			return;
		}
	if (s->n < EGRESS_ROUTES_MAX)
		s->v[s->n++] = (struct egress_route){ .dst = *dst, .prohibit = prohibit };
}

/*
 * May dst be prohibited?  Not the connected block itself (the kernel's
 * route there must stay), nor a network that holds the gateway and is
 * more specific than the connected route (it would win over it).
 */
static bool may_prohibit(const struct addr_prefix *dst, const struct addr_prefix *connected,
			 const struct addr_prefix *gateway)
{
	if (addr_prefix_equal(dst, connected))
		return false;
	return !(addr_prefix_contains(dst, gateway) && dst->len > connected->len);
}

void egress_routes(const struct plan *plan, const struct addr_prefix *peer,
		   const struct addr_prefix *gateway, struct egress_route ret[EGRESS_ROUTES_MAX],
		   size_t *ret_n)
{
	struct route_set s = { .v = ret };
	struct addr_prefix connected = addr_prefix_network(peer), any = { .family = peer->family };
	struct addr_prefix gw = *gateway;
	bool allow_any = plan->allow.n == 0;

	gw.len = addr_family_bits(gw.family);
	for (size_t i = 0; i < plan->allow.n; i++) {
		const struct addr_prefix *a = &plan->allow.v[i];

		if (a->family != peer->family)
			continue;
		if (a->len == 0)
			allow_any = true;
		else
			put(&s, a, false);
	}
	put(&s, &any, !allow_any);
	for (size_t i = 0; i < plan->deny.n; i++)
		if (plan->deny.v[i].family == peer->family &&
		    may_prohibit(&plan->deny.v[i], &connected, &gw))
			put(&s, &plan->deny.v[i], true);
	for (size_t i = 0; i < plan->n_ranges; i++)
		if (plan->ranges[i].family == peer->family &&
		    may_prohibit(&plan->ranges[i], &connected, &gw))
			put(&s, &plan->ranges[i], true);
	*ret_n = s.n;
}
