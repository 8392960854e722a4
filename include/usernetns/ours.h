/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Whether what carries one of our names is ours: the namespace under a
 * record's name, and an interface on the host.  The one definition of
 * both, which making, repairing, listing, cleaning up and removing go by:
 * anything that is not ours is reported and left alone.
 */
#ifndef USERNETNS_OURS_H
#define USERNETNS_OURS_H

#include <stdbool.h>
#include <stddef.h>

#include "usernetns/netns-id.h"
#include "usernetns/owner.h"
#include "usernetns/rtnl.h"
#include "usernetns/state.h"
#include "usernetns/util.h"

/* What is under the name of a namespace, judged by its owner's record. */
enum ours_netns {
	OURS_ACTIVE,	  /* the recorded namespace is mounted under its name */
	OURS_UNFINISHED,  /* a creation died after mounting: the next login adopts it */
	OURS_MISSING,	  /* nothing under the name (removed, or a ghost) */
	OURS_PLACEHOLDER, /* an empty file under the name, nothing mounted */
	OURS_FOREIGN,	  /* something not ours under the name */
};

struct ours_found {
	enum ours_netns verdict;
	bool mounted;	    /* a network namespace is under the name, ours or not */
	struct netns_id id; /* which, when mounted */
};

/*
 * Judge what is under rundir/name by rec, the owner's record (NULL: none,
 * and nothing there is ours).  A namespace is ours when its nsfs inode is
 * the one the record holds, or when the record says a creation was under
 * way (written before the namespace is made: a login that died between
 * mounting and recording).  With ret_fd, an fd of the namespace when it
 * is ours (active or unfinished), else -1.  A survey of thousands passes
 * rundir_dfd (O_PATH of rundir; else -1) and no ret_fd: a namespace still
 * mounted where its record says then costs one fstatat(), no open.
 */
int ours_netns(const char *rundir, int rundir_dfd, const char *name, const struct state_record *rec,
	       struct ours_found *ret, int *ret_fd, struct errbuf *err);

const char *ours_netns_to_string(enum ours_netns v);

/*
 * A host interface is ours when it is a veth carrying the alias
 * "usernetns uid=N" (or gid=N) that ours_host_alias() makes, set right
 * after creation; or, before that, when it is paired with the peer
 * inside our namespace (ours_link_pair()).
 */
void ours_host_alias(owner_t owner, char *buf, size_t size);

/* Is l marked as made by usernetns?  For which owner (may be NULL)? */
bool ours_host_link(const struct rtnl_link *l, owner_t *ret_owner);

/* Is l marked as made by usernetns for owner? */
bool ours_host_link_of(const struct rtnl_link *l, owner_t owner);

/* Are host and peer (the one in our namespace) the two ends of one veth? */
bool ours_link_pair(const struct rtnl_link *host, const struct rtnl_link *peer);

#endif
