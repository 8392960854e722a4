/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A changed policy reaching namespaces that are live (usernetns-create
 * --reload): for each, the plan the policy gives its owner now, and
 * whether what differs can be applied without taking it down (its
 * filter, routes, DNS, limits: what a login mends) or not (another mode,
 * name, host end or address range: that waits until the namespace has
 * gone and the owner logs in again).
 */
#ifndef USERNETNS_RELOAD_H
#define USERNETNS_RELOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "usernetns/plan.h"
#include "usernetns/policy.h"
#include "usernetns/state.h"

enum reload_verdict {
	RELOAD_APPLY,	    /* what differs (if anything) can be applied live */
	RELOAD_NOT_LIVE,    /* it differs in what only a new namespace can take */
	RELOAD_NOT_HANDLED, /* the policy no longer gives the owner this namespace */
};

/*
 * The plan for the owner of rec under policy (its user's, or its group's
 * for a shared namespace), and whether it can be applied to the live
 * namespace; why says what keeps it from being applied.  -errno when the
 * name service cannot tell (fail closed: nothing is applied).
 */
int reload_plan(const struct policy *policy, const struct uns_paths *p,
		const struct state_record *rec, struct plan *ret_plan, enum reload_verdict *ret,
		char *why, size_t size, struct errbuf *err);

#endif
