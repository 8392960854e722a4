/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The host's side of the policy: one nftables table of ours,
 * "table inet usernetns", keyed by ranges and sections, never by user, so
 * that no login touches the host's ruleset and its size does not grow with
 * users.  It drops what a namespace sends from an address that is not its
 * own, and what one user sends to another (their namespaces, their host
 * ends), and masquerades mode nat's ranges out of their uplinks (with
 * uplink = auto, out of every interface but host ends), never toward
 * another user's range.
 *
 * The table is rendered here, as nft(8) text, and loaded by
 * usernetns-firewall with "nft -f" (nothing the PAM module loads links
 * the GPL libraries of nftables).  What a login or usernetns-list asks,
 * whether the table is there and made from the policy as it is now, is
 * one nfnetlink request over libmnl.
 */
#ifndef USERNETNS_FIREWALL_H
#define USERNETNS_FIREWALL_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "usernetns/plan.h"
#include "usernetns/policy.h"
#include "usernetns/util.h"

#define FIREWALL_FAMILY "inet"
#define FIREWALL_TABLE "usernetns"

/*
 * The table's digest: 64-bit FNV-1a of the text of its sets and chains
 * (against staleness, not against anybody), which its comment records in
 * a fixed length whatever the policy's path or uplinks.  The table is the
 * policy's alone (uplink = auto is every interface but host ends, never
 * one looked up), so a login compares this with the loaded table's
 * without asking the host anything.
 */
int firewall_policy_digest(const struct policy *p, uint64_t *ret, struct errbuf *err);

/* What a rendered table is made from. */
struct firewall_made {
	uint64_t digest;   /* firewall_policy_digest() */
	char uplinks[128]; /* "eth0,wan1", auto as such (cut at its size) */
};

/*
 * The table for policy, as nft(8) reads it: in *ret (to free()), and
 * when ret_made is not NULL what it is made from.  Errors name what
 * cannot be rendered (an uplink the policy names that does not exist,
 * host ends without a fixed start to their name).
 */
int firewall_render(const struct policy *p, char **ret, struct firewall_made *ret_made,
		    struct errbuf *err);

/*
 * What loads it: the table, replacing ours (created first, so that the
 * delete never fails), in one nft transaction; or only its removal.
 */
int firewall_load_script(const char *table, char **ret);
const char *firewall_remove_script(void);

/*
 * Forwarding as the policy needs it (IPv4 for any translated range, IPv6
 * for a translated or routed IPv6 one): with enable, turned on; else
 * -EHOSTUNREACH with a message saying which is off and how to turn it on.
 */
int firewall_forwarding(const struct policy *p, bool enable, struct errbuf *err);

/* Is the host side of mode nat in place?  Needs CAP_NET_ADMIN. */
struct firewall_status {
	bool table;	  /* our table is loaded */
	bool forwarding4; /* net.ipv4.ip_forward */
	bool forwarding6; /* net.ipv6.conf.all.forwarding */
	uint64_t digest;  /* as its comment says; 0 without one of ours */
};

int firewall_status(struct firewall_status *ret, struct errbuf *err);

/* What a namespace needs of the host. */
struct firewall_need {
	enum policy_mode mode;
	bool v4, v6;		/* it has IPv4, IPv6 addresses */
	uint64_t policy_digest; /* firewall_policy_digest() of the policy now */
	const char *uplink;	/* its section's, to be there; NULL or "" (auto): not asked */
};

/*
 * The first uplink a mode nat section of p names that the host does not
 * have, "" when there is none (auto is not asked: see above): for need
 * where the section is not known.
 */
void firewall_missing_uplink(const struct policy *p, char ret[IFNAMSIZ]);

/*
 * "" when what need says is in place, else what is missing, for a message
 * ("table inet usernetns is not loaded", "... is stale: not what the
 * policy makes now").
 */
const char *firewall_status_problem(const struct firewall_status *s,
				    const struct firewall_need *need, char *buf, size_t size);

#endif
