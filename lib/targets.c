/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "usernetns/plan.h"
#include "usernetns/targets.h"

/* The caller's groups: the supplementary ones and the real gid. */
static int caller_groups(gid_t groups[NGROUPS_MAX + 1])
{
	int n = getgroups(NGROUPS_MAX, groups);

	if (n < 0)
		return -errno;
	groups[n++] = getgid();
	return n;
}

int targets_may_manage(const struct policy *policy, uid_t target, struct errbuf *err)
{
	gid_t groups[NGROUPS_MAX + 1];
	int n = caller_groups(groups);

	if (n < 0)
		return errbuf_errno(err, n, "cannot read the groups of this process");
	return plan_may_manage(policy, getuid(), groups, (size_t)n, target, err);
}

bool targets_is_admin(const struct policy *policy)
{
	/* No uid is (uid_t)-1: only root and admin_group may act for it. */
	return targets_may_manage(policy, (uid_t)-1, NULL) == 0;
}

size_t targets_of_user(const struct policy *policy, uid_t uid, bool group, owner_t ret[2])
{
	struct plan plan;
	size_t n = 0;

	ret[n++] = owner_user(uid);
	if (group && plan_resolve_uid(policy, NULL, uid, &plan, NULL) == 0 &&
	    owner_is_group(plan.owner))
		ret[n++] = plan.owner;
	return n;
}
