/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A plan: what the policy says a login of one user gets, and who is left
 * alone while the policy cannot be used.  Resolving it is the only place
 * that looks at the user's groups.
 */
#ifndef USERNETNS_PLAN_H
#define USERNETNS_PLAN_H

#include <limits.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "usernetns/addr.h"
#include "usernetns/owner.h"
#include "usernetns/paths.h"
#include "usernetns/placement.h"
#include "usernetns/policy.h"
#include "usernetns/util.h"

enum plan_verdict {
	PLAN_HANDLED,	    /* the user gets a namespace */
	PLAN_BELOW_MIN_UID, /* uid < min_uid: left alone */
	PLAN_MODE_NONE,	    /* the matching section says mode none */
};

/* What resolving knew of the user's last placement (placement.h). */
enum plan_history {
	PLAN_HISTORY_UNREAD, /* not asked (no state dir given, or below min_uid) */
	PLAN_HISTORY_NONE,   /* no record: never placed, or forgotten */
	PLAN_HISTORY_SAME,   /* last placed by the same section, in the same mode */
	PLAN_HISTORY_MOVED,  /* last placed elsewhere, or in another mode: a move */
};

enum plan_addr_source {
	PLAN_ADDR_NONE,
	PLAN_ADDR_FIXED, /* address4/address6 of a [user:] section */
	PLAN_ADDR_POOL,	 /* a block leased from pool4/pool6 */
};

struct plan_addr {
	enum plan_addr_source source;
	struct addr_prefix pool; /* PLAN_ADDR_POOL */
	unsigned int block_len;	 /* PLAN_ADDR_POOL */
	/* PLAN_ADDR_FIXED: known now; PLAN_ADDR_POOL: once leased. */
	struct addr_prefix block, host, peer;
};

/* Where a's addresses come from: the pool, or the fixed block; or NULL. */
const struct addr_prefix *plan_addr_range(const struct plan_addr *a);
/* "pool" or "the fixed address block", for messages. */
const char *plan_addr_range_name(const struct plan_addr *a);

struct plan {
	char user[POLICY_NAME_MAX];
	uid_t uid;
	gid_t gid;
	/*
	 * Whose namespace it is: the user's, or the group's of a section
	 * with share = group, by whose name (user or group) it is recorded.
	 */
	owner_t owner;
	char owner_name[POLICY_NAME_MAX];

	enum plan_verdict verdict;
	enum policy_rule_kind rule_kind; /* the section that matched */
	char rule_name[POLICY_NAME_MAX]; /* "" for [default] */
	unsigned int rule_line;		 /* 0: the built-in default */

	enum policy_mode mode;
	/*
	 * The section as a record of the last placement keeps it, with how
	 * the user was known a member of a [group:] section; in_group_list
	 * says whether the user's group list has the group too (the two
	 * answers may differ: see plan.c).
	 */
	struct placement placed;
	bool in_group_list;
	/* The record as resolving found it (PLAN_HISTORY_SAME, _MOVED). */
	enum plan_history history;
	struct placement last;

	char netns[NAME_MAX + 1];
	char host_ifname[IFNAMSIZ];
	char peer_ifname[IFNAMSIZ];
	char bridge[IFNAMSIZ];
	unsigned int mtu;
	/* Limits: what the namespace may send and receive, bits per second (0: none). */
	uint64_t rate_out, rate_in;
	uint32_t burst; /* 0: chosen (tc_limit_burst()) */
	struct plan_addr v4, v6;
	enum policy_teardown teardown;

	/* What the namespace may reach (lib/egress.c). */
	struct policy_egress_list deny, allow;
	unsigned int deny_line;			      /* of the deny key that applies; 0: none */
	struct addr_prefix ranges[POLICY_RANGES_MAX]; /* every user's: not reachable */
	size_t n_ranges;
	bool port_isolation; /* mode bridge */

	/* Mode nat: what the host translates, and out of where. */
	bool nat4, nat6;
	char uplink[IFNAMSIZ]; /* "" for auto */
	/*
	 * And the table of the host's that does it, as the policy makes it
	 * (firewall_policy_digest()): a login finds the loaded one stale
	 * when it differs.  0 when the policy makes none.
	 */
	uint64_t host_table;

	/* Where queries to a loopback resolver go (lib/nsdns.c). */
	struct policy_dns dns;

	/*
	 * The namespace's host name from the hostname template ("" without
	 * one); hostname_refused when the user's name makes it invalid.
	 */
	char hostname[POLICY_HOSTNAME_MAX + 1];
	bool hostname_refused;
	/*
	 * The namespace name is not published to the host's name service:
	 * another user's host name could be the same
	 * (policy_hostname_claims()).
	 */
	bool netns_unlisted;
};

/*
 * Resolve user (looked up through NSS) against the policy.  Returns 0 with
 * a plan whose verdict says whether the user is handled; -ENOENT for an
 * unknown user; -EINVAL when the user's name makes an invalid namespace
 * name; -EHOSTDOWN when the name service cannot tell which section
 * applies (a group of the policy it says does not exist, before the
 * section that would place the user; or, with history, a user last
 * placed by a [group:] section whose membership only an answer that
 * cannot say "no" showed); another -errno when NSS failed.  Precedence:
 * [user:NAME], then the first [group:NAME] in file order the user belongs
 * to (primary group, the group's member list, or the user's group list),
 * then [default].
 *
 * history is the state dir whose record of the last placement is read
 * (placement.h; it must be readable: an error reading it is returned), or
 * NULL for callers that only look for a namespace, or may not read it
 * (an unprivileged dry run): then no move is judged.
 */
int plan_resolve(const struct policy *p, const struct uns_paths *history, const char *user,
		 struct plan *ret, struct errbuf *err);

/* The same for a uid. */
int plan_resolve_uid(const struct policy *p, const struct uns_paths *history, uid_t uid,
		     struct plan *ret, struct errbuf *err);

/*
 * Is user left alone while the policy cannot be used (f, from
 * policy_fallback())?  Root always: a session of root's in a namespace is
 * confined in nothing (root may setns() back), so refusing it would only
 * lock the admin out; and every uid below f's min_uid, which the policy
 * never handles either.  1 (exempt) or 0 (not: the login gets f's
 * on_error), why saying which; -ENOENT for an unknown user, another
 * -errno when NSS failed, why saying so.
 */
int plan_fallback_exempt(const struct policy_fallback *f, const char *user, struct errbuf *why);

/*
 * What the policy gives the group gid as such: its shared namespace (the
 * section with share = group), or mode none; no user in it (uid -1).
 * -ENOENT for an unknown group, another -errno when NSS failed.
 */
int plan_resolve_group(const struct policy *p, gid_t gid, struct plan *ret, struct errbuf *err);

/*
 * May the caller (a process with real uid caller and the given groups)
 * act on the namespace of target?  Yes for target itself, for root, and
 * for members of the policy's admin_group.  -EPERM with a message if not;
 * another -errno if the admin group could not be looked up (fail closed).
 */
int plan_may_manage(const struct policy *p, uid_t caller, const gid_t *groups, size_t n_groups,
		    uid_t target, struct errbuf *err);

/* "[group:netusers]", "[default]" or "built-in default". */
const char *plan_rule_label(const struct plan *plan, char *buf, size_t size);

/* Human-readable description, as usernetns-create --dry-run prints it. */
void plan_print(const struct plan *plan, const char *policy_path, const char *rundir, FILE *out);

#endif
