/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "usernetns/reload.h"

/* Is the address the namespace end has one the plan's source would give? */
static bool address_fits(const struct plan_addr *a, const struct addr_prefix *peer)
{
	const struct addr_prefix *range = plan_addr_range(a);

	if (!addr_prefix_is_set(peer))
		return a->source == PLAN_ADDR_NONE;
	if (!range)
		return false;
	if (a->source == PLAN_ADDR_FIXED)
		return addr_prefix_equal(&a->peer, peer);
	return addr_prefix_contains(range, peer) && peer->len == a->block_len;
}

int reload_plan(const struct policy *policy, const struct uns_paths *p,
		const struct state_record *rec, struct plan *ret_plan, enum reload_verdict *ret,
		char *why, size_t size, struct errbuf *err)
{
	struct plan *plan = ret_plan;
	int r;

	why[0] = '\0';
	if (owner_is_group(rec->owner))
		r = plan_resolve_group(policy, owner_id(rec->owner), plan, err);
	else
		r = plan_resolve_uid(policy, p, owner_id(rec->owner), plan, err);
	if (r < 0)
		return r;
	*ret = RELOAD_NOT_LIVE;
	if (plan->verdict != PLAN_HANDLED || plan->owner != rec->owner) {
		*ret = RELOAD_NOT_HANDLED;
		snprintf(why, size, "%s",
			 plan->verdict != PLAN_HANDLED ?
				 "the policy no longer gives it a namespace" :
				 "the policy places it in another namespace");
	} else if (plan->mode != rec->mode) {
		snprintf(why, size, "the policy gives it mode %s, not %s",
			 policy_mode_to_string(plan->mode), policy_mode_to_string(rec->mode));
	} else if (!streq(plan->netns, rec->netns)) {
		snprintf(why, size, "the policy names its namespace %s", plan->netns);
	} else if (policy_mode_has_link(plan->mode) &&
		   (!streq(plan->host_ifname, rec->host_ifname) ||
		    !streq(plan->peer_ifname, rec->peer_ifname))) {
		snprintf(why, size, "the policy names its pair %s and %s", plan->host_ifname,
			 plan->peer_ifname);
	} else if (policy_mode_has_link(plan->mode) && (!address_fits(&plan->v4, &rec->peer4) ||
							!address_fits(&plan->v6, &rec->peer6))) {
		snprintf(why, size, "the policy gives it addresses from elsewhere");
	} else {
		*ret = RELOAD_APPLY;
	}
	return 0;
}
