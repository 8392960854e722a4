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
 * Its rules go into the namespace's table with the filter's, made,
 * checked and repaired with it.
 */
#ifndef USERNETNS_NSDNS_H
#define USERNETNS_NSDNS_H

#include <stdbool.h>

#include "usernetns/addr.h"
#include "usernetns/nstable.h"
#include "usernetns/plan.h"

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

/*
 * Add the redirect's rules for t to the namespace's table (nstable.h):
 * nothing when t has no target.
 */
void nsdns_rules(const struct nsdns_targets *t, struct nstable *out);

#endif
