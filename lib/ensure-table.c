/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The namespace's table (nstable.h): its filter (egress.c) and the
 * redirect of its queries (nsdns.c), made, checked and removed through
 * the socket ensure-netns.c opened inside.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "ensure-internal.h"
#include "usernetns/egress.h"
#include "usernetns/fault.h"
#include "usernetns/nstable.h"

/* A mode with a link has a table; the record says whether an earlier policy made one. */
bool ensure_table_wanted(const struct ensure_ctx *c)
{
	return policy_mode_has_link(c->plan->mode) ||
	       (c->have_found && (c->found.host_ifname[0] || c->found.dns[0]));
}

/*
 * The namespace's table (nstable.h): its filter (egress.c) and the
 * redirect of queries to loopback resolvers (nsdns.c).  Made with a
 * fresh namespace.  At every other login: the same digest as recorded and
 * the namespace's nf_tables generation unchanged since is the same table
 * (one small request); else one dump of its rules tells; anything else,
 * and it is made again whole (root changed it, the policy changed).
 */
int ensure_table(struct ensure_ctx *c)
{
	struct state_record *rec = &c->rec;
	struct egress_addrs addrs = {
		.peer4 = rec->peer4,
		.peer6 = rec->peer6,
		.gw4 = rec->host4,
		.gw6 = rec->host6,
		.dns = c->dns,
	};
	struct nstable *t;
	uint64_t digest;
	bool ok = false;
	int r;

	/* The record keeps the targets, so that a policy back to inherit is seen. */
	r = nsdns_format(&c->dns, rec->dns, sizeof(rec->dns));
	if (r < 0)
		return errbuf_errno(c->err, r, "cannot record the dns targets");
	t = calloc(1, sizeof(*t));
	if (!t)
		return errbuf_errno(c->err, -ENOMEM, "cannot describe the namespace's table");
	egress_table(c->plan, &addrs, t);
	r = nstable_digest(t, &digest);
	if (r < 0) {
		r = errbuf_errno(c->err, r, "cannot describe the namespace's table");
		goto out;
	}
	rec->table_digest = digest;
	if (!c->fresh) {
		uint32_t gen;

		r = nstable_generation(&c->ns_nf, &gen, c->err);
		if (r < 0)
			goto out;
		if (c->have_found && netns_id_equal(&c->found.id, &c->id) &&
		    c->found.table_digest == digest && c->found.table_gen == gen) {
			rec->table_gen = gen;
			goto out;
		}
		r = nstable_check(&c->ns_nf, t, &ok, c->err);
		if (r < 0)
			goto out;
		if (ok) {
			rec->table_gen = gen;
			goto out;
		}
	}
	r = nstable_apply(&c->ns_nf, t, c->fresh, c->err);
	if (r == 0 && !c->fresh)
		c->changes |= ENSURE_FIXED_FILTER;
	if (r == 0)
		r = fault_err("ensure.table", c->err);
	if (r == 0)
		r = nstable_generation(&c->ns_nf, &rec->table_gen, c->err);
out:
	free(t);
	return r;
}

int ensure_table_remove(struct ensure_ctx *c)
{
	bool removed = false;
	int r;

	if (!c->ns_nf.nl)
		return 0;
	r = nstable_remove(&c->ns_nf, &removed, c->err);
	if (r == 0 && removed)
		c->changes |= ENSURE_FIXED_FILTER;
	return r;
}
