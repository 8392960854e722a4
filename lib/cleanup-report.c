/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>

#include "usernetns/cleanup-report.h"
#include "usernetns/netns.h"

static const char *plural(size_t n, const char *many)
{
	return n == 1 ? "" : many;
}

/* The first processes in a namespace that goes with them (--force). */
static void say_pids(const struct netns_id *id, FILE *out)
{
	pid_t pids[16];
	size_t n = 0;

	if (netns_list_pids(id, pids, 16, &n) < 0 || n == 0)
		return;
	fprintf(out, "  processes inside:");
	for (size_t i = 0; i < n; i++)
		fprintf(out, " %ld", (long)pids[i]);
	fprintf(out, "%s\n", n == 16 ? " ..." : "");
}

void cleanup_report_plan(const struct cleanup_item *it, bool dry_run, FILE *out)
{
	const struct inventory_entry *e = &it->ns;
	char b[ADDR_PREFIX_STRLEN], who[OWNER_STRLEN];

	switch (it->verdict) {
	case CLEANUP_IN_USE:
		fprintf(out, "kept %s of %s: %zu session%s, %zu process%s\n", e->rec.netns,
			e->rec.name, e->sessions, plural(e->sessions, "s"), e->processes,
			plural(e->processes, "es"));
		return;
	case CLEANUP_KEPT_BY_POLICY:
		fprintf(out, "kept %s of %s: unused, but teardown = never\n", e->rec.netns,
			e->rec.name);
		return;
	case CLEANUP_FORCED:
		fprintf(out, "%s %s of %s with %zu session%s and %zu process%s (--force)\n",
			dry_run ? "would remove" : "removing", e->rec.netns, e->rec.name,
			e->sessions, plural(e->sessions, "s"), e->processes,
			plural(e->processes, "es"));
		say_pids(&e->found, out);
		break;
	case CLEANUP_STALE:
		break;
	}
	if (!dry_run)
		return;
	switch (it->kind) {
	case CLEANUP_NAMESPACE:
		fprintf(out, "would remove %s of %s: %s\n", e->rec.netns, e->rec.name, it->why);
		break;
	case CLEANUP_ORPHAN_LINK:
		fprintf(out, "would remove host interface %s (of %s, %s)\n", it->link.ifname,
			owner_describe(it->link.owner, who, sizeof(who)), it->why);
		break;
	case CLEANUP_LEASE:
		fprintf(out, "would release lease %s of %s: %s\n",
			addr_prefix_format(&it->lease.block, b, sizeof(b)),
			owner_describe(it->lease.owner, who, sizeof(who)), it->why);
		break;
	}
}

int cleanup_report_outcome(const struct cleanup_item *it, FILE *out, struct errbuf *err)
{
	const struct state_record *rec = &it->ns.rec;
	char b[ADDR_PREFIX_STRLEN], who[OWNER_STRLEN];

	if (it->kind == CLEANUP_LEASE)
		addr_prefix_format(&it->lease.block, b, sizeof(b));
	if (it->outcome == CLEANUP_FAILED) {
		if (it->kind == CLEANUP_NAMESPACE)
			errbuf_set(err, "cannot remove '%s': %s", rec->netns, it->msg);
		else if (it->kind == CLEANUP_ORPHAN_LINK)
			errbuf_set(err, "cannot remove host interface %s: %s", it->link.ifname,
				   it->msg);
		else
			errbuf_set(err, "cannot release lease %s: %s", b, it->msg);
		return -EIO;
	}
	if (it->kind == CLEANUP_NAMESPACE && it->outcome == CLEANUP_KEPT &&
	    it->verdict != CLEANUP_IN_USE && it->verdict != CLEANUP_KEPT_BY_POLICY)
		fprintf(out, "kept %s of %s: in use again\n", rec->netns, rec->name);
	if (it->outcome != CLEANUP_REMOVED)
		return 0;
	switch (it->kind) {
	case CLEANUP_NAMESPACE:
		fprintf(out, "removed %s of %s: %s\n", rec->netns, rec->name, it->why);
		if (it->msg[0])
			fprintf(out, "its traffic is not in the usage of %s: %s\n", rec->name,
				it->msg);
		break;
	case CLEANUP_ORPHAN_LINK:
		fprintf(out, "removed host interface %s (of %s, no record named it)\n",
			it->link.ifname, owner_describe(it->link.owner, who, sizeof(who)));
		break;
	case CLEANUP_LEASE:
		fprintf(out, "released lease %s of %s: %s\n", b,
			owner_describe(it->lease.owner, who, sizeof(who)), it->why);
		break;
	}
	return 0;
}

bool cleanup_report_done(const struct cleanup_item *it, char buf[CLEANUP_REPORT_DONE_MAX])
{
	char b[ADDR_PREFIX_STRLEN], who[OWNER_STRLEN];

	if (it->outcome != CLEANUP_REMOVED || it->kind == CLEANUP_ORPHAN_LINK)
		return false;
	if (it->kind == CLEANUP_NAMESPACE)
		snprintf(buf, CLEANUP_REPORT_DONE_MAX, "removed %s of %s", it->ns.rec.netns,
			 it->ns.rec.name);
	else
		snprintf(buf, CLEANUP_REPORT_DONE_MAX, "released lease %s of %s",
			 addr_prefix_format(&it->lease.block, b, sizeof(b)),
			 owner_describe(it->lease.owner, who, sizeof(who)));
	return true;
}

void cleanup_report_count(struct cleanup_report_count *c, const struct cleanup_item *it,
			  bool dry_run)
{
	bool kept_anyway = it->verdict == CLEANUP_IN_USE || it->verdict == CLEANUP_KEPT_BY_POLICY;

	if (dry_run ? !kept_anyway : it->outcome == CLEANUP_REMOVED)
		c->removed++;
	else if (kept_anyway || it->outcome == CLEANUP_KEPT || it->outcome == CLEANUP_GONE)
		c->kept++;
}

void cleanup_report_summary(const struct cleanup_plan *plan, const struct cleanup_report_count *c,
			    bool dry_run, bool failures, FILE *out)
{
	if (plan->hidden_processes > 0)
		fprintf(out, "note: %zu processes could not be inspected\n",
			plan->hidden_processes);
	fprintf(out, "%zu %s, %zu kept%s\n", c->removed, dry_run ? "to remove" : "removed", c->kept,
		failures ? ", some failures (see above)" : "");
}

const char *cleanup_report_placement(const struct placement *pl, char *buf, size_t size)
{
	char label[POLICY_LABEL_MAX];

	policy_section_label(pl->kind, pl->name, label, sizeof(label));
	snprintf(buf, size, "%s (mode %s)", label, policy_mode_to_string(pl->mode));
	return buf;
}
