/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The host's side of the policy: one nftables table of ours,
 * "table inet usernetns", keyed by ranges and sections, never by user, so
 * that no login touches the host's ruleset and its size does not grow with
 * users.  It drops what a namespace sends from an address that is not its
 * own, and what one user sends to another (their namespaces, their host
 * ends), and masquerades mode nat's ranges out of their uplinks.
 *
 * The table is rendered here, as nft(8) text, and loaded by
 * usernetns-firewall with "nft -f" (nothing the PAM module loads links
 * the GPL libraries of nftables).  What a login or usernetns-list asks,
 * whether the table is there, is one nfnetlink request over libmnl.
 */
#ifndef USERNETNS_FIREWALL_H
#define USERNETNS_FIREWALL_H

#include <net/if.h>
#include <stdbool.h>

#include "usernetns/plan.h"
#include "usernetns/policy.h"
#include "usernetns/rtnl.h"
#include "usernetns/util.h"

#define FIREWALL_FAMILY "inet"
#define FIREWALL_TABLE "usernetns"

/*
 * The interface an uplink setting names: itself, or for "" (auto) the
 * interface of family's default route as r sees it.  -ENODEV with a
 * message when there is none.
 */
int firewall_uplink(struct rtnl *r, const char *uplink, int family, char ret[IFNAMSIZ],
		    struct errbuf *err);

/*
 * The table for policy, as nft(8) reads it, uplinks resolved through r:
 * in *ret (to free()).  Errors name what cannot be rendered (an uplink
 * that does not exist, host ends without a fixed start to their name).
 */
int firewall_render(const struct policy *p, struct rtnl *r, char **ret, struct errbuf *err);

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

/* Is the host side of mode nat in place? */
struct firewall_status {
	bool table;		/* our table is loaded */
	bool forwarding4;	/* net.ipv4.ip_forward */
	bool forwarding6;	/* net.ipv6.conf.all.forwarding */
	char uplinks[128];	/* as the loaded table records them */
	char missing[IFNAMSIZ]; /* an uplink that is not there, or "" */
};

int firewall_status(struct firewall_status *ret, struct errbuf *err);

/*
 * "" when what a namespace of mode (with IPv4 and IPv6 addresses as
 * said) needs of the host is in place, else what is missing, for a
 * message ("table inet usernetns is not loaded").
 */
const char *firewall_status_problem(const struct firewall_status *s, enum policy_mode mode, bool v4,
				    bool v6, char *buf, size_t size);

#endif
