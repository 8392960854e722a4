/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What usernetns-create --dry-run shows of a plan beyond plan_print():
 * the namespace's table as a login would make it, the host's resolvers
 * it would take, and what a login would find wrong on this host.  A check
 * that finds something returns -errno with a sentence for the caller to
 * show, starting "warning: " (or "note: " where it cannot look).
 */
#ifndef USERNETNS_DRYRUN_H
#define USERNETNS_DRYRUN_H

#include <stdio.h>

#include "usernetns/egress.h"
#include "usernetns/paths.h"
#include "usernetns/plan.h"

/*
 * The addresses the namespace's table names: its record's, when it
 * exists and can be read (it is root's); else fixed ones, and for a pool
 * the family alone (egress.h: not known before the first login).  In
 * mode bridge the gateway is the bridge's address: when it cannot be
 * found, ret has no gateway and the return is -errno with a warning.
 */
int dryrun_table_addresses(const struct uns_paths *paths, const struct plan *plan,
			   struct egress_addrs *ret, struct errbuf *warning);

/*
 * With dns = host, the host's resolvers a login would send the queries
 * to now (*ret), printed on out with where they come from and what is
 * left out.  -errno with a warning when none would answer.
 */
int dryrun_host_resolvers(const struct plan *plan, FILE *out, struct nsdns_targets *ret,
			  struct errbuf *warning);

/*
 * The checks below look at the host only from the host's namespace: run
 * inside plan's (found under paths->rundir), its routes and sockets are
 * not the host's.
 *
 * With dns = host-end, the queries go to the host end (gw4, when known;
 * else any of the pool's): does a resolver of the host's listen there, on
 * UDP port 53, or on every address?  -errno with a warning if not, or if
 * it cannot be told.  Only from the host's namespace (else 0).
 */
int dryrun_check_resolver(const struct uns_paths *paths, const struct plan *plan,
			  const struct addr_prefix *gw4, struct errbuf *warning);

/*
 * Would a login be refused for addresses over one of the host's
 * networks?  -errno with a warning if so, or if it cannot be told; a
 * note from inside the user's namespace, whose routes are not the host's.
 */
int dryrun_check_host_networks(const struct uns_paths *paths, const struct plan *plan,
			       struct errbuf *warning);

/*
 * The namespace's table a login makes for plan with addrs (egress.h), on
 * out in nft(8)'s words, indented, with its digest, which the live
 * table's first rule carries.  -EINVAL with err saying why when a deny
 * holds the gateway (mode bridge: the deny key's line is
 * plan->deny_line); -ENOMEM.
 */
int dryrun_print_table(const struct plan *plan, const struct egress_addrs *addrs, FILE *out,
		       struct errbuf *err);

#endif
