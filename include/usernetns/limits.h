/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sizes of names and ids, below everything that keeps them: the
 * policy refuses what exceeds them, and the records, leases and owner
 * keys (state.c, lease.c, owner.c) hold what it let through.  Here, not
 * in policy.h, so that those files depend on no part of the policy.
 */
#ifndef USERNETNS_LIMITS_H
#define USERNETNS_LIMITS_H

#include <stdint.h>

#include "usernetns/hostsfile.h"

/* User and group names, with their NUL. */
#define POLICY_NAME_MAX 256u

/* The largest uid and gid a template may have to hold: (uid_t)-2, (gid_t)-2. */
#define POLICY_UID_MAX UINT32_C(4294967294)
#define POLICY_GID_MAX UINT32_C(4294967294)

/* The longest host name (RFC 1035: 253 bytes written out). */
#define POLICY_HOSTNAME_MAX ((unsigned int)HOSTS_NAME_MAX)

#endif
