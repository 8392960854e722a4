/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Name service inside a user's namespace.  resolv.conf names a loopback
 * resolver (127.0.0.53 with systemd-resolved, 127.0.0.1 with a local
 * cache), which in the namespace is the namespace's own loopback, where
 * nothing listens.  With dns = host-end, dns = host or dns = ADDR, a table
 * of ours in the namespace (table inet usernetns) translates the
 * destination of UDP and TCP queries to port 53 of 127.0.0.53, 127.0.0.54
 * and 127.0.0.1 into a resolver's address, and the loopback source of what then leaves into
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
	size_t n; /* 0: no redirect (dns = inherit, or no resolver of the host's) */
	struct addr_prefix addr[POLICY_DNS_MAX];
};

#define NSDNS_RESOLV_CONF "/etc/resolv.conf"
/* systemd-resolved's upstream servers, when resolv.conf names its stub. */
#define NSDNS_RESOLVED_CONF "/run/systemd/resolve/resolv.conf"

/* The host's own resolvers, for dns = host. */
struct nsdns_host {
	struct nsdns_targets t; /* those a namespace can reach, in order */
	const char *from;	/* the file they come from */
	char left_out[200];	/* what the files name that is not in t, and why; "" if nothing */
};

/*
 * The host's resolvers as a namespace of plan can use them: the IPv4
 * nameservers of resolv_conf that glibc uses (the first three).
 * systemd-resolved's stub (127.0.0.53, 127.0.0.54) stands for its
 * upstream servers, the nameservers of resolved_conf.  Left out: other
 * loopback addresses (a cache listening on the host's lo, which is not
 * the namespace's), IPv6 ones (the redirect translates IPv4 queries, and
 * a translation keeps the family), addresses in the ranges users'
 * addresses come from (no namespace reaches another's).  0 (ret->t may
 * be empty: left_out says why), or -errno when resolv_conf cannot be
 * read.
 */
int nsdns_host_resolvers(const struct plan *plan, const char *resolv_conf,
			 const char *resolved_conf, struct nsdns_host *ret, struct errbuf *err);

/*
 * Where plan sends queries, for a namespace whose host end has host4:
 * with dns = host, to host (nsdns_host_resolvers()).
 */
void nsdns_targets(const struct plan *plan, const struct addr_prefix *host4,
		   const struct nsdns_targets *host, struct nsdns_targets *ret);

/*
 * Where a namespace's queries go at a login (its routes and table
 * follow): nsdns_targets(), with dns = host to the host's resolvers as
 * its resolv.conf names them now, so that a change (DHCP) reaches each
 * namespace at its next login.  None is no reason to refuse a login: it
 * goes on, and problem (size bytes) says why for the caller to log; ""
 * when they go somewhere.
 */
void nsdns_login_targets(const struct plan *plan, const struct addr_prefix *host4,
			 struct nsdns_targets *ret, char *problem, size_t size);

/* "10.200.0.1", "192.0.2.53,192.0.2.54": targets as records keep them. */
int nsdns_format(const struct nsdns_targets *t, char *buf, size_t size);

/*
 * Add the redirect's rules for t to the namespace's table (nstable.h):
 * nothing when t has no target.
 */
void nsdns_rules(const struct nsdns_targets *t, struct nstable *out);

#endif
