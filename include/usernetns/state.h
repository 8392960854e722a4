/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-owner locks and records under the volatile state dir
 * (/run/usernetns): what was created for a user (or a group sharing one
 * namespace, include/usernetns/owner.h), so that the next login can tell
 * its own namespace and interfaces from anybody else's.
 */
#ifndef USERNETNS_STATE_H
#define USERNETNS_STATE_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "usernetns/addr.h"
#include "usernetns/netns-id.h"
#include "usernetns/owner.h"
#include "usernetns/paths.h"
#include "usernetns/policy.h"
#include "usernetns/usage.h"
#include "usernetns/util.h"

/* How long a login waits for another one of the same owner. */
#define STATE_LOCK_TIMEOUT_MS 10000u

enum state_phase {
	STATE_CREATING, /* written before the namespace is made */
	STATE_READY,	/* everything below was verified */
	/*
	 * Written before a removal looks for processes inside: whoever
	 * enters the namespace without the lock (usernetns-join) reads the
	 * record after entering, and backs out on seeing this.
	 */
	STATE_REMOVING,
};

/* Does the record name a namespace that was made (its inode is the one)? */
static inline bool state_phase_made(enum state_phase phase)
{
	return phase != STATE_CREATING;
}

struct state_record {
	owner_t owner;
	char name[POLICY_NAME_MAX]; /* the user's name, or the group's */
	char netns[NAME_MAX + 1];
	enum policy_mode mode;
	enum state_phase phase;
	struct netns_id id;	    /* 0/0 while creating */
	struct netns_id host_id;    /* the namespace the host end is in */
	char host_ifname[IFNAMSIZ]; /* "" without a link */
	char peer_ifname[IFNAMSIZ];
	int host_ifindex;
	int peer_ifindex;
	struct addr_prefix host4, peer4, host6, peer6; /* family 0: none */
	uint64_t created;			       /* seconds since the epoch */
	/* Mode nat: "ok", or what of the host's side was missing at login. */
	char host_side[96];
	/* Where queries to loopback resolvers go (nsdns_format()), "" if nowhere. */
	char dns[64];
	/*
	 * The namespace's table as made: the digest of its text and the
	 * namespace's nf_tables generation right after (nstable.h); 0/0 for
	 * none, or not known.
	 */
	uint64_t table_digest;
	uint32_t table_gen;
	/* Its host name, "" without one (besides the namespace name). */
	char hostname[POLICY_HOSTNAME_MAX + 1];
	/*
	 * The namespace name is not published to the host's name service:
	 * a host name of the policy's hostname template could be the same
	 * (plan.netns_unlisted).
	 */
	bool netns_unlisted;
	/*
	 * The limits on its pair as made (bits per second, 0: none; tc.h):
	 * what a login compares with the plan's, and takes away when the
	 * policy no longer has them.
	 */
	uint64_t rate_out, rate_in;
	uint32_t burst;
	/*
	 * What of the host end's counters is in the usage files already
	 * (usage.h), and of which link (its ifindex): the next count adds
	 * what came since, and a new link counts from zero.
	 */
	struct usage_counts counted;
	int counted_ifindex;
};

/*
 * Take the lock of owner (an flock under runstatedir/locks), waiting at
 * most timeout_ms.  The fd is the lock; close it to release.
 */
int state_lock(const struct uns_paths *p, owner_t owner, unsigned int timeout_ms, int *ret_fd,
	       struct errbuf *err);

/* -ENOENT when there is none, -EBADMSG when it cannot be parsed. */
int state_read(const struct uns_paths *p, owner_t owner, struct state_record *ret,
	       struct errbuf *err);

/*
 * The same for surveys of many: records_dfd from state_open_records()
 * (-ENOENT: no record at all yet), one lookup of a name each.
 */
int state_open_records(const struct uns_paths *p, int *ret_dfd, struct errbuf *err);

/*
 * The host namespace the first record that names one names (every
 * record names the namespace its host end was made in, never one of
 * ours), reading one record, or a few; -ENOENT when none does.
 */
int state_some_host(const struct uns_paths *p, struct netns_id *ret);
int state_read_at(const struct uns_paths *p, int records_dfd, owner_t owner,
		  struct state_record *ret, struct errbuf *err);
int state_write(const struct uns_paths *p, const struct state_record *rec, struct errbuf *err);
int state_remove(const struct uns_paths *p, owner_t owner, struct errbuf *err);

/* Serialise and parse (exposed for tests). */
int state_format(const struct state_record *rec, char *buf, size_t size);
int state_parse(const char *text, struct state_record *ret);

/*
 * Every owner with a record, sorted (users, then groups).  *ret is to
 * free().
 */
int state_list(const struct uns_paths *p, owner_t **ret, size_t *ret_n, struct errbuf *err);

#endif
