/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Names that two owners could get: namespaces and host ends named by
 * [global]'s templates and by shared sections', and host names against
 * namespace names (the host's resolver knows both, without case).  The
 * rules of a single template are policy-names.c's.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-internal.h"

/* A name template in use, as policy_check_name_clashes() compares them. */
struct name_use {
	const struct policy_rule *rule; /* NULL: [global]'s */
	const char *tmpl;
	unsigned int line; /* the key's; else the section's, or 0 for [global] */
	bool is_default;
	char pattern[NAME_MAX + 1]; /* policy_template_pattern() */
	char cmp[NAME_MAX + 1];	    /* as names are compared: a namespace's without case */
	size_t start;		    /* length of its fixed start */
	bool fixed;		    /* gives a single name */
};

static int name_use_compare(const void *a, const void *b)
{
	const struct name_use *x = a, *y = b;
	int r = memcmp(x->cmp, y->cmp, x->start < y->start ? x->start : y->start);

	if (r)
		return r;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->fixed != y->fixed)
		return x->fixed ? -1 : 1;
	r = strcmp(x->cmp, y->cmp);
	if (r)
		return r;
	return x->line < y->line ? -1 : x->line > y->line;
}

/*
 * Can x (sorted before y) give a name y gives?  Every name a template
 * gives begins with its fixed start and goes on (each escape gives at
 * least one byte); a fixed one gives just its text.  So two templates
 * whose fixed starts differ before either ends give different names, and
 * that is the rule: it refuses some pairs that would never meet ("ns-%U"
 * and "ns-%G-x"), never one that could.  The one exception: a template
 * shared by several shared sections gives each a name of its own, told
 * apart by the gid (%G; with %g alone, the names are fixed and compared
 * whole), since a gid is one group as a uid is one user.
 */
static bool may_clash(const struct name_use *x, const struct name_use *y)
{
	if (x->fixed)
		return y->fixed && streq(x->cmp, y->cmp);
	if (y->start < x->start || memcmp(x->cmp, y->cmp, x->start) != 0)
		return false;
	if (y->fixed && y->start == x->start)
		return false;
	return !(x->rule && y->rule && streq(x->cmp, y->cmp));
}

static const char *name_use_label(const struct name_use *u, char *buf, size_t size)
{
	if (u->rule)
		return policy_rule_label(u->rule, buf, size);
	snprintf(buf, size, "[global]");
	return buf;
}

static void report_clash(const struct name_use *x, const struct name_use *y, enum policy_key k,
			 const char *file, struct diag *d)
{
	/* Blamed: the later of the two in the file. */
	const struct name_use *b = y->line > x->line ? y : x, *o = b == y ? x : y;
	char blabel[POLICY_LABEL_MAX], olabel[POLICY_LABEL_MAX], where[32];
	/* Alike only when case is ignored: say so, or the clash would not show. */
	const char *nocase =
		memcmp(x->pattern, y->pattern, x->fixed ? strlen(x->pattern) + 1 : x->start) ?
			" (ignoring case, as the host's resolver does)" :
			"";

	name_use_label(b, blabel, sizeof(blabel));
	name_use_label(o, olabel, sizeof(olabel));
	if (o->is_default)
		snprintf(where, sizeof(where), " (the default)");
	else
		snprintf(where, sizeof(where), " at line %u", o->line);
	if (x->fixed)
		diag_error(d, file, b->line,
			   "%s: %s = %s%s names its namespace '%s', as %s's %s = %s%s does%s",
			   blabel, policy_key_name(k), b->tmpl,
			   b->is_default ? " (the default)" : "", b->pattern, olabel,
			   policy_key_name(k), o->tmpl, where, nocase);
	else if (x->start == y->start)
		diag_error(
			d, file, b->line,
			"%s: %s = %s%s could give a name that %s's %s = %s%s gives: both have the fixed start '%.*s'%s; give each a start of its own",
			blabel, policy_key_name(k), b->tmpl, b->is_default ? " (the default)" : "",
			olabel, policy_key_name(k), o->tmpl, where, (int)x->start, x->pattern,
			nocase);
	else
		diag_error(
			d, file, b->line,
			"%s: %s = %s%s could give a name that %s's %s = %s%s gives: the fixed start of one ('%.*s') begins the other's ('%.*s')%s; give each a start of its own",
			blabel, policy_key_name(k), b->tmpl, b->is_default ? " (the default)" : "",
			olabel, policy_key_name(k), o->tmpl, where, (int)x->start, x->pattern,
			(int)y->start, y->pattern, nocase);
}

/*
 * No two namespaces, and no two host ends, may have one name: what
 * [global]'s templates give users must never be what a shared section's
 * give its group, nor one shared section's another's.  Sorted by fixed
 * start, templates whose names may meet have neighbours whose names may
 * meet (may_clash()), so comparing neighbours finds every clash; a clash
 * of host ends is always one of fixed starts, which the host's table
 * tells host ends apart by.  Namespace names are compared without case:
 * the host's resolver knows them as host names.
 */
void policy_check_name_clashes(const struct policy *p, enum policy_key k, const char *file,
			       struct diag *d)
{
	bool netns = k == POLICY_KEY_NETNS_NAME;
	struct name_use *v;
	size_t n = 0;

	if (!policy_first_shared(p))
		return;
	v = calloc(p->n_rules + 1, sizeof(*v));
	if (!v) {
		diag_error(d, file, 0, "out of memory while checking names");
		return;
	}
	for (size_t i = 0; i <= p->n_rules; i++) {
		const struct policy_rule *r = i == 0 ? NULL : &p->rules[i - 1];
		struct name_use *u = &v[n];

		if (r && !policy_shared_key_ok(r, k))
			continue;
		u->rule = r;
		if (r) {
			u->tmpl = netns ? policy_rule_netns_name(p, r) :
					  policy_rule_host_ifname(p, r);
			u->line = policy_rule_sets(r, k) ? r->key_line[k] : r->line;
			u->is_default = !policy_rule_sets(r, k);
		} else {
			u->tmpl = netns ? p->global.netns_name : p->global.host_ifname;
			u->line = p->global.key_line[k];
			u->is_default = u->line == 0;
		}
		if (policy_template_pattern(u->tmpl, r ? TEMPLATE_OF_GROUP : TEMPLATE_OF_USER,
					    r ? r->name : NULL, u->pattern, sizeof(u->pattern)) < 0)
			continue; /* too long: said already */
		for (size_t j = 0; j <= strlen(u->pattern); j++)
			u->cmp[j] = netns ? policy_fold_char(u->pattern[j]) : u->pattern[j];
		u->start = policy_pattern_fixed_start(u->pattern);
		u->fixed = u->pattern[u->start] == '\0';
		n++;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), name_use_compare);
	for (size_t i = 1; i < n; i++)
		if (may_clash(&v[i - 1], &v[i]))
			report_clash(&v[i - 1], &v[i], k, file, d);
	free(v);
}

/*
 * hostname could give every namespace name netns_name gives: say so with
 * the example, bob's namespace name as another user's host name.
 */
static void report_host_covers(const struct policy_global *g, const char *host, unsigned int hline,
			       const char *where, const char *file, struct diag *d)
{
	size_t hs = policy_pattern_fixed_start(host), he = policy_pattern_fixed_end(host);
	char name[NAME_MAX + 1], other[NAME_MAX + 1] = "";
	size_t n;

	if (policy_template_expand(g->netns_name, "bob", 1001, name, sizeof(name)) == 0 &&
	    (n = strlen(name)) > hs + he) {
		snprintf(other, sizeof(other), "%.*s", (int)(n - hs - he), name + hs);
		if (streq(other, "bob"))
			other[0] = '\0';
	}
	if (other[0])
		diag_error(
			d, file, hline,
			"hostname = %s: a user %s '%s' would get the host name '%s', which netns_name = %s %s gives the namespace of user bob (uid 1001), and so for every user; give the host names a fixed start or end of their own, as %%u.netns",
			g->hostname, host[hs] == TEMPLATE_DIGITS ? "with the uid" : "called", other,
			name, g->netns_name, where);
	else
		diag_error(
			d, file, hline,
			"hostname = %s: every namespace name netns_name = %s %s gives could be another user's host name; give the host names a fixed start or end of their own, as %%u.netns",
			g->hostname, g->netns_name, where);
}

/*
 * Host names and namespace names are one name space for the host's
 * resolver (nss-usernetns), which ignores case: no name may come from two
 * owners.  [global]'s hostname is held against each template that names
 * namespaces.  A shared section's names its group's one namespace: the
 * two may not meet at all (policy_patterns_may_meet()).  [global]'s
 * netns_name gives users' namespaces: those of its names a host name
 * could be are not published (policy_hostname_claims(), plan.c), so a
 * user whose name mimics another's host name loses only that; but a
 * hostname that could be every one of them leaves no namespace a name,
 * and is refused.  The very same template gives each user one name,
 * which is fine.
 */
void policy_check_host_names(const struct policy *p, const char *file, struct diag *d)
{
	const struct policy_global *g = &p->global;
	unsigned int hline = g->key_line[POLICY_KEY_HOSTNAME];
	char host[POLICY_TEMPLATE_MAX], ns[NAME_MAX + 1], where[32], label[POLICY_LABEL_MAX];
	unsigned int nline = g->key_line[POLICY_KEY_NETNS_NAME];

	if (!g->hostname[0] ||
	    policy_template_pattern(g->hostname, TEMPLATE_OF_USER, NULL, host, sizeof(host)) < 0)
		return;
	if (nline)
		snprintf(where, sizeof(where), "at line %u", nline);
	else
		snprintf(where, sizeof(where), "(the default)");
	if (policy_template_pattern(g->netns_name, TEMPLATE_OF_USER, NULL, ns, sizeof(ns)) == 0 &&
	    (strlen(host) != strlen(ns) || !policy_fold_equal(host, ns, strlen(ns))) &&
	    policy_pattern_covers(host, ns))
		report_host_covers(g, host, hline, where, file, d);

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];
		unsigned int line;
		bool fixed;

		if (!policy_shared_key_ok(r, POLICY_KEY_NETNS_NAME) ||
		    policy_template_pattern(r->netns_name, TEMPLATE_OF_GROUP, r->name, ns,
					    sizeof(ns)) < 0 ||
		    !policy_patterns_may_meet(host, ns))
			continue;
		policy_rule_label(r, label, sizeof(label));
		line = r->key_line[POLICY_KEY_NETNS_NAME];
		fixed = policy_pattern_fixed(ns);
		if (line > hline && fixed)
			diag_error(
				d, file, line,
				"%s: netns_name = %s names its namespace '%s', which [global]'s hostname = %s at line %u could give a user as a host name; give each a fixed start or end of its own",
				label, r->netns_name, ns, g->hostname, hline);
		else if (line > hline)
			diag_error(
				d, file, line,
				"%s: netns_name = %s could give a name that [global]'s hostname = %s at line %u could give a user as a host name; give each a fixed start or end of its own",
				label, r->netns_name, g->hostname, hline);
		else if (fixed)
			diag_error(
				d, file, hline,
				"hostname = %s could give a user the host name '%s', %s's namespace name (netns_name = %s at line %u); give each a fixed start or end of its own",
				g->hostname, ns, label, r->netns_name, line);
		else
			diag_error(
				d, file, hline,
				"hostname = %s could give a user a host name that %s's netns_name = %s at line %u gives its namespace; give each a fixed start or end of its own",
				g->hostname, label, r->netns_name, line);
	}
}
