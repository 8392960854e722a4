/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Address leases: each owner (a user, or a group sharing a namespace)
 * holds one block of each pool it draws from, kept across logins and
 * reboots in the persistent state dir until it is released explicitly.
 *
 * Layout, per pool and block size (e.g. leases/10.200.0.0_16_30/):
 *   <index>      one file per leased block, made with link(2) so that it
 *                appears complete or not at all: "uid=1001 user=alice"
 *                (a group's: "gid=2000 group=team")
 *   uid-<uid>    the index of the block of uid (a group's: gid-<gid>):
 *                the O(1) lookup a login makes; written (atomically)
 *                after the block file
 * No lock is shared between users: link(2) is the claim.  Directories are
 * 0700 and files 0600 (they name users).
 * A block is first sought at a position hashed from the owner, so a user
 * tends to get the same block even from an empty state dir.
 */
#ifndef USERNETNS_LEASE_H
#define USERNETNS_LEASE_H

#include <stdbool.h>
#include <sys/types.h>

#include "usernetns/addr.h"
#include "usernetns/limits.h"
#include "usernetns/owner.h"
#include "usernetns/paths.h"
#include "usernetns/util.h"

/*
 * The block of pool leased to owner (whose name is name).  With allocate,
 * lease one if there is none (-ENOSPC when the pool is full); without,
 * -ENOENT.  The caller holds the lock of owner (state_lock()).
 */
int lease_get(const struct uns_paths *p, const struct addr_prefix *pool, unsigned int block_len,
	      owner_t owner, const char *name, bool allocate, struct addr_prefix *ret_block,
	      struct errbuf *err);

/*
 * Give back the block of owner in pool, if it holds one: the one its
 * index names, or (block not NULL) block, when the index cannot be read
 * and block is still owner's.
 */
int lease_release(const struct uns_paths *p, const struct addr_prefix *pool, unsigned int block_len,
		  owner_t owner, const struct addr_prefix *block, struct errbuf *err);

struct lease_entry {
	struct addr_prefix pool;
	unsigned int block_len;
	struct addr_prefix block;
	owner_t owner;
	char name[POLICY_NAME_MAX]; /* the user's, or the group's */
};

typedef int (*lease_visit_fn)(const struct lease_entry *e, void *data);

/* Call fn for every lease of every pool (for listing and cleanup). */
int lease_foreach(const struct uns_paths *p, lease_visit_fn fn, void *data, struct errbuf *err);

/* The directory name of a pool: "10.200.0.0_16_30", "fd42:200::_48_64". */
int lease_pool_dirname(const struct addr_prefix *pool, unsigned int block_len, char *buf,
		       size_t size);

#endif
