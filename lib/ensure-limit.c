/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The limits on a namespace's pair (tc.h): the namespace end's for what
 * it sends, where its user has no capability to take it away, and the
 * host end's for what it receives.
 */
#include "config.h"

#include "ensure-internal.h"
#include "usernetns/fault.h"
#include "usernetns/tc.h"

/* One end: made on a fresh link, else checked and made again if it differs. */
static int limit_end(struct ensure_ctx *c, struct rtnl *r, const struct rtnl_link *l,
		     const struct tc_limit *want)
{
	bool ok = false;
	int rc = 0;

	if (!(c->changes & ENSURE_CREATED_LINK))
		rc = tc_limit_check(r, l->ifindex, l->ifname, c->plan->mtu, want, &ok, c->err);
	else
		ok = !want->rate; /* a new veth has no qdisc of ours */
	if (rc == 0 && !ok) {
		rc = tc_limit_set(r, l->ifindex, l->ifname, c->plan->mtu, want, c->err);
		if (rc == 0)
			c->changes |= ENSURE_FIXED_LIMITS;
	}
	return rc;
}

int ensure_limits(struct ensure_ctx *c, const struct rtnl_link *hl, const struct rtnl_link *pl)
{
	const struct tc_limit out = { c->plan->rate_out, c->plan->burst },
			      in = { c->plan->rate_in, c->plan->burst };
	bool had = c->have_found && (c->found.rate_out || c->found.rate_in);
	int r;

	/* Nothing asked for, and nothing made before: no question to ask. */
	if (!out.rate && !in.rate && !had)
		return 0;
	r = limit_end(c, &c->ns, pl, &out);
	if (r == 0)
		r = limit_end(c, &c->host, hl, &in);
	if (r == 0)
		r = fault_err("ensure.limits", c->err);
	if (r == 0) {
		c->rec.rate_out = out.rate;
		c->rec.rate_in = in.rate;
		c->rec.burst = c->plan->burst;
	}
	return r;
}
