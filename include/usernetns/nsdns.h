/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Name service inside a user's namespace.  resolv.conf names a loopback
 * resolver (127.0.0.53 with systemd-resolved, 127.0.0.1 with a local
 * cache), which in the namespace is the namespace's own loopback, where
 * nothing listens.  With dns = host-end or dns = ADDR, a table of ours in
 * the namespace (table ip usernetns) translates the destination of UDP and
 * TCP queries to port 53 of 127.0.0.53, 127.0.0.54 and 127.0.0.1 into a
 * resolver's address, and the loopback source of what then leaves into
 * the namespace's own address; the namespace end lets loopback addresses
 * through (route_localnet) for the moment in between.  Programs and
 * resolv.conf are left as they are; the user has no capability in the
 * namespace to change any of it; no process runs for it.
 *
 * Made over nfnetlink with libmnl in one transaction, checked with one
 * dump at every login (by the comments of its rules), made again whole
 * when anything differs.  These functions act in the namespace the socket
 * was opened in.
 */
#ifndef USERNETNS_NSDNS_H
#define USERNETNS_NSDNS_H

#include <stdbool.h>

#include "usernetns/addr.h"
#include "usernetns/nfnl.h"
#include "usernetns/plan.h"

#define NSDNS_TABLE "usernetns"

struct nsdns_targets {
	size_t n; /* 0: no redirect (dns = inherit) */
	struct addr_prefix addr[POLICY_DNS_MAX];
};

/* Where plan sends queries, for a namespace whose host end has host4. */
void nsdns_targets(const struct plan *plan, const struct addr_prefix *host4,
		   struct nsdns_targets *ret);

/* "10.200.0.1", "192.0.2.53,192.0.2.54": targets as records keep them. */
int nsdns_format(const struct nsdns_targets *t, char *buf, size_t size);
int nsdns_parse(const char *s, struct nsdns_targets *ret);

/* Is the table there and as t wants it? */
int nsdns_check(struct nfnl *n, const struct nsdns_targets *t, bool *ret_ok, struct errbuf *err);

/*
 * Make the table as t wants it, in one transaction, replacing any table of
 * that name (fresh: the namespace was just made and has none).
 */
int nsdns_apply(struct nfnl *n, const struct nsdns_targets *t, bool fresh, struct errbuf *err);

/* Remove the table, if there (*ret_removed says; may be NULL). */
int nsdns_remove(struct nfnl *n, bool *ret_removed, struct errbuf *err);

#endif
