/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Whose namespaces a helper's caller may ask about: their own and the
 * group's the policy puts them in; anybody's for root and admin_group
 * (plan_may_manage()).  The caller is the calling process: its real uid,
 * and its groups as the kernel has them, not a group file's list.
 */
#ifndef USERNETNS_TARGETS_H
#define USERNETNS_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "usernetns/owner.h"
#include "usernetns/policy.h"
#include "usernetns/util.h"

/* May the caller act for target?  0; -EPERM saying why not; another -errno. */
int targets_may_manage(const struct policy *policy, uid_t target, struct errbuf *err);

/* May the caller act for anybody (root, admin_group)?  No when it cannot be told. */
bool targets_is_admin(const struct policy *policy);

/*
 * The owners of uid's namespaces: uid's own, and with group, the group's
 * namespace the policy puts uid in now, if it does.  Returns how many it
 * wrote to ret (1 or 2).
 */
size_t targets_of_user(const struct policy *policy, uid_t uid, bool group, owner_t ret[2]);

#endif
