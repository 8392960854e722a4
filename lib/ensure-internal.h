/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the parts of ensure share, and nothing outside them sees:
 *
 *   ensure.c         the orchestration: a plan made a live namespace,
 *                    step by step, under the owner's lock
 *   ensure-netns.c   the namespace itself: ours, adopted or made; our
 *                    sockets in it, and its lo
 *   ensure-link.c    where the addresses come from; the veth pair, its
 *                    addresses and neighbours
 *   ensure-route.c   the namespace's routes
 *   ensure-sysctl.c  settings under /proc: the namespace's (ping, IPv6)
 *                    and the host end's IPv6
 *   ensure-table.c   the namespace's table: its filter and the redirect
 *                    of queries
 *   ensure-remove.c  removal, and undoing what a failed call made
 *   ensure-join.c    the recorded namespace, entered without the lock
 *
 * Each step works on the context of one call, returns 0 or -errno with
 * c->err set, and adds what it changed to c->changes (ENSURE_*).
 */
#ifndef USERNETNS_ENSURE_INTERNAL_H
#define USERNETNS_ENSURE_INTERNAL_H

#include <stdbool.h>

#include "usernetns/ensure.h"
#include "usernetns/nfnl.h"
#include "usernetns/nsdns.h"
#include "usernetns/rtnl.h"

struct ensure_ctx {
	const struct uns_paths *p;
	const struct plan *plan;
	unsigned int lock_timeout_ms; /* for the run dir's lock */
	struct errbuf *err;

	struct rtnl host;  /* in the caller's (host) namespace */
	struct rtnl ns;	   /* in the user's namespace */
	struct nfnl ns_nf; /* there too, when its dns redirect is to be made or removed */
	int nsfd;
	struct netns_id id;
	struct netns_id host_id;
	bool fresh;	     /* made by this call */
	bool wrote_creating; /* this call wrote a "creating" record */
	unsigned int changes;
	char names_held[sizeof(((struct ensure_result *)0)->names_held)];
	struct nsdns_targets dns; /* where the namespace's queries go */
	char dns_problem[sizeof(((struct ensure_result *)0)->dns_problem)];

	bool have_old;
	struct state_record old;
	/* The record as this call found it, for what it published. */
	bool have_found;
	struct state_record found;
	struct state_record rec;

	/* What is in an existing namespace, from one dump of its links. */
	struct rtnl_link ns_lo, ns_peer;
	bool have_ns_peer;
};

/* ---- the namespace (ensure-netns.c) ------------------------------------------ */

/*
 * The namespace of c->plan, ours (ours_netns()), adopted, or made; then
 * our sockets in it (c->ns, and c->ns_nf if ensure_table_wanted()), its
 * lo up, and what of its links is there (c->ns_peer).
 */
int ensure_namespace(struct ensure_ctx *c);

/* c->rec as the plan describes it, in phase. */
void ensure_record_init(struct ensure_ctx *c, enum state_phase phase);

/* ---- links, addresses, neighbours (ensure-link.c) ------------------------------ */

/*
 * The two ends' addresses of each family (fixed, leased, or in mode
 * bridge the bridge's network) into c->rec; in mode bridge the bridge
 * into *ret_bridge.
 */
int ensure_addressing(struct ensure_ctx *c, struct rtnl_link *ret_bridge);

/* The veth pair, made or mended; master: the bridge's ifindex, or 0. */
int ensure_links(struct ensure_ctx *c, int master, struct rtnl_link *ret_host,
		 struct rtnl_link *ret_peer);

/* The addresses of both ends, exactly those of c->rec. */
int ensure_addresses(struct ensure_ctx *c, const struct rtnl_link *hl, const struct rtnl_link *pl);

/* Permanent neighbour entries on both ends of the pair. */
int ensure_neighbours(struct ensure_ctx *c, const struct rtnl_link *hl, const struct rtnl_link *pl);

/* ensure-limit.c: the limits of the plan on both ends, or none left of ours. */
int ensure_limits(struct ensure_ctx *c, const struct rtnl_link *hl, const struct rtnl_link *pl);

/* The host link named ifname: 1 when it is owner's (ours_host_link_of()), 0 when absent or not. */
int ensure_find_host_link(struct rtnl *host, owner_t owner, const char *ifname,
			  struct rtnl_link *ret, struct errbuf *err);

/* Delete the host link named ifname if it is owner's (ours_host_link_of()); fine if absent. */
int ensure_delete_host_link(struct rtnl *host, owner_t owner, const char *ifname,
			    struct errbuf *err);

/* ---- routes (ensure-route.c) --------------------------------------------------- */

/* The namespace's routes through the peer pl, as egress_routes() says. */
int ensure_routes(struct ensure_ctx *c, const struct rtnl_link *pl);

/* ---- settings under /proc (ensure-sysctl.c) ------------------------------------- */

/* Inside a fresh (or adopted) namespace: unprivileged ping, IPv6 as ours. */
int ensure_fresh_sysctls(const struct plan *plan, struct errbuf *err);

/* The namespace end's IPv6 settings, where they differ (pl: the peer as dumped). */
int ensure_ipv6_end(struct ensure_ctx *c, const struct rtnl_link *pl);

/* No IPv6 on a fresh host end that holds no IPv6 address of the plan. */
int ensure_host_end_ipv6(const struct plan *plan, const char *ifname, struct errbuf *err);

/* ---- the namespace's table (ensure-table.c) -------------------------------------- */

/* Does this call make or remove the namespace's table (so needs c->ns_nf)? */
bool ensure_table_wanted(const struct ensure_ctx *c);

/* The table as the plan and c->rec describe it, made or checked. */
int ensure_table(struct ensure_ctx *c);

/* No link, nothing leaves: the table of an earlier policy goes. */
int ensure_table_remove(struct ensure_ctx *c);

/* ---- undoing (ensure-remove.c) -------------------------------------------------- */

/* Undo what this very call made after a later step failed. */
void ensure_roll_back(struct ensure_ctx *c);

#endif
