/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The checks that need more than one key: sizes of pools against their
 * blocks, modes against what they need, address ranges against each other
 * and against the reserved ones, duplicate sections, and (on request)
 * sections naming nobody.  Each problem is blamed on the line that
 * brings it in.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-internal.h"

static bool rule_key_ok(const struct policy_rule *r, enum policy_key k)
{
	return !(r->bad_keys & (1u << k));
}

/* The line to blame for key k of rule r: its own, else [default]'s. */
static unsigned int blame_line(const struct policy *p, const struct policy_rule *r,
			       enum policy_key k)
{
	if (r->key_line[k])
		return r->key_line[k];
	if (p->defaults.key_line[k])
		return p->defaults.key_line[k];
	return r->line;
}

/* Does the rule set key k itself, or (for [default]) at all? */
static bool rule_sets(const struct policy_rule *r, enum policy_key k)
{
	return r->key_line[k] != 0;
}

static void check_pool_size(const struct policy *p, const struct policy_rule *r,
			    enum policy_key pool_key, enum policy_key prefix_key,
			    const struct addr_prefix *pool, unsigned int prefix, const char *file,
			    struct diag *d)
{
	char buf[ADDR_PREFIX_STRLEN];

	if (!addr_prefix_is_set(pool) || !rule_key_ok(r, pool_key) || !rule_key_ok(r, prefix_key))
		return;
	if (!rule_sets(r, pool_key) && !rule_sets(r, prefix_key))
		return; /* [default]'s own pair, checked there */
	if (pool->len > prefix)
		diag_error(d, file,
			   rule_sets(r, prefix_key) ? r->key_line[prefix_key] :
						      blame_line(p, r, pool_key),
			   "%s %s is too small for /%u blocks (%s = %u)", policy_key_name(pool_key),
			   addr_prefix_format(pool, buf, sizeof(buf)), prefix,
			   policy_key_name(prefix_key), prefix);
}

/* Does key k mean anything in r's mode? */
static bool key_has_effect(enum policy_key k, const struct policy_rule *r)
{
	enum policy_mode m = r->mode;

	switch (k) {
	case POLICY_KEY_POOL4:
	case POLICY_KEY_POOL6:
	case POLICY_KEY_ADDRESS4:
	case POLICY_KEY_ADDRESS6:
	case POLICY_KEY_DENY:
	case POLICY_KEY_ALLOW:
	case POLICY_KEY_DNS:
		return policy_mode_has_link(m);
	case POLICY_KEY_BRIDGE:
	case POLICY_KEY_PORT_ISOLATION:
		return m == POLICY_MODE_BRIDGE;
	case POLICY_KEY_UPLINK:
	case POLICY_KEY_NAT6:
		return m == POLICY_MODE_NAT;
	/*
	 * share = group in mode none: nobody gets a namespace, shared or
	 * not.  A warning, not an error: setting mode none is how a team is
	 * switched off for a while, and that should not mean deleting its
	 * share and names too.
	 */
	case POLICY_KEY_SHARE:
		return m != POLICY_MODE_NONE;
	/*
	 * Without share = group, an error of its own; in mode none, share's
	 * warning says it all; in mode isolated, there is no host end.
	 */
	case POLICY_KEY_HOST_IFNAME:
		return !policy_rule_shared(r) || m != POLICY_MODE_ISOLATED;
	default:
		return true;
	}
}

/* A key a section sets that its mode ignores: probably not meant. */
static void warn_no_effect(const struct policy_rule *r, const char *file, struct diag *d)
{
	char label[POLICY_NAME_MAX + 16];

	for (enum policy_key k = 0; k < POLICY_KEY__MAX; k++) {
		if (!rule_sets(r, k) || !rule_key_ok(r, k) || key_has_effect(k, r))
			continue;
		/* "pool4 = none", "deny = none": nothing, so nothing to say. */
		if ((k == POLICY_KEY_POOL4 && !addr_prefix_is_set(&r->pool4)) ||
		    (k == POLICY_KEY_POOL6 && !addr_prefix_is_set(&r->pool6)) ||
		    (k == POLICY_KEY_DENY && r->deny.n == 0) ||
		    (k == POLICY_KEY_ALLOW && r->allow.n == 0))
			continue;
		diag_warning(d, file, r->key_line[k], "%s: %s has no effect in mode %s",
			     policy_rule_label(r, label, sizeof(label)), policy_key_name(k),
			     policy_mode_to_string(r->mode));
	}
}

static void check_rule(const struct policy *p, const struct policy_rule *r, const char *file,
		       struct diag *d)
{
	char label[POLICY_NAME_MAX + 16];
	bool v4, v6;

	check_pool_size(p, r, POLICY_KEY_POOL4, POLICY_KEY_PREFIX4, &r->pool4, r->prefix4, file, d);
	check_pool_size(p, r, POLICY_KEY_POOL6, POLICY_KEY_PREFIX6, &r->pool6, r->prefix6, file, d);

	v4 = addr_prefix_is_set(&r->pool4) || addr_prefix_is_set(&r->address4);
	v6 = addr_prefix_is_set(&r->pool6) || addr_prefix_is_set(&r->address6);

	/*
	 * IPv6 refuses to run on a link with an MTU below 1280 (RFC 8200).
	 * Blame the section that brings the two together, once.
	 */
	if (v6 && r->mtu < 1280 && rule_key_ok(r, POLICY_KEY_MTU) &&
	    (r->kind == POLICY_RULE_DEFAULT || rule_sets(r, POLICY_KEY_MTU) ||
	     rule_sets(r, POLICY_KEY_POOL6) || rule_sets(r, POLICY_KEY_ADDRESS6)))
		diag_error(d, file, blame_line(p, r, POLICY_KEY_MTU),
			   "%s: mtu %u is below 1280, the minimum for IPv6",
			   policy_rule_label(r, label, sizeof(label)), r->mtu);

	if (!rule_key_ok(r, POLICY_KEY_MODE))
		return;
	/* [default]'s mode only matters to the users it applies to. */
	if (r->kind != POLICY_RULE_DEFAULT && !rule_sets(r, POLICY_KEY_MODE) &&
	    !rule_sets(r, POLICY_KEY_POOL4) && !rule_sets(r, POLICY_KEY_POOL6) &&
	    !rule_sets(r, POLICY_KEY_ADDRESS4) && !rule_sets(r, POLICY_KEY_ADDRESS6) &&
	    !rule_sets(r, POLICY_KEY_BRIDGE) && !rule_sets(r, POLICY_KEY_SHARE))
		return;

	/* [default] may hold keys for the sections that inherit them. */
	if (r->kind != POLICY_RULE_DEFAULT)
		warn_no_effect(r, file, d);

	/* The queries go over IPv4 (loopback resolvers are 127.0.0.0/8). */
	if (policy_mode_has_link(r->mode) && r->dns.kind != POLICY_DNS_INHERIT && !v4 &&
	    rule_key_ok(r, POLICY_KEY_DNS) &&
	    !(r->bad_keys & ((1u << POLICY_KEY_POOL4) | (1u << POLICY_KEY_ADDRESS4))))
		diag_error(d, file, blame_line(p, r, POLICY_KEY_DNS),
			   "%s: dns needs IPv4 addresses in the namespace: set pool4 or address4",
			   policy_rule_label(r, label, sizeof(label)));

	switch (r->mode) {
	case POLICY_MODE_NONE:
	case POLICY_MODE_ISOLATED:
		return;
	case POLICY_MODE_BRIDGE:
		if (!r->bridge[0] && rule_key_ok(r, POLICY_KEY_BRIDGE))
			diag_error(d, file, blame_line(p, r, POLICY_KEY_MODE),
				   "%s: mode bridge needs 'bridge = NAME' (here or in [default])",
				   policy_rule_label(r, label, sizeof(label)));
		break;
	case POLICY_MODE_VETH:
	case POLICY_MODE_NAT:
		if (!v4 && !v6 &&
		    !(r->bad_keys & ((1u << POLICY_KEY_POOL4) | (1u << POLICY_KEY_POOL6) |
				     (1u << POLICY_KEY_ADDRESS4) | (1u << POLICY_KEY_ADDRESS6))))
			diag_error(
				d, file, blame_line(p, r, POLICY_KEY_MODE),
				"%s: mode %s needs addresses: set pool4 or address4 (or pool6 or address6) here or in [default]",
				policy_rule_label(r, label, sizeof(label)),
				policy_mode_to_string(r->mode));
		break;
	}
}

/* Address ranges no pool or fixed address may touch. */
struct reserved_range {
	const char *prefix;
	const char *what;
};

static const struct reserved_range reserved_ranges[] = {
	{ "0.0.0.0/8", "\"this network\"" },
	{ "127.0.0.0/8", "loopback" },
	{ "169.254.0.0/16", "link-local" },
	{ "224.0.0.0/4", "multicast" },
	{ "240.0.0.0/4", "reserved" },
	{ "::/8", "reserved (loopback, unspecified, IPv4-mapped)" },
	{ "fe80::/10", "link-local" },
	{ "ff00::/8", "multicast" },
};

/* One address range some rule uses: a pool, or the block of an address. */
struct range_use {
	struct addr_prefix range; /* network form */
	unsigned int block_len;	  /* pools: the block size; else 0 */
	enum policy_key key;
	unsigned int line;
	struct addr_prefix last; /* addr_prefix_last() */
};

static int range_use_compare(const void *a, const void *b)
{
	const struct range_use *x = a, *y = b;
	int r = addr_prefix_compare(&x->range, &y->range);

	return r ? r : x->line < y->line ? -1 : x->line > y->line;
}

static int add_range(struct range_use **v, size_t *n, size_t *cap, const struct addr_prefix *range,
		     unsigned int block_len, enum policy_key key, unsigned int line)
{
	struct range_use *u = util_grow(*v, cap, *n + 1, sizeof(**v), 16);

	if (!u)
		return -ENOMEM;
	*v = u;
	u = &(*v)[(*n)++];
	u->range = addr_prefix_network(range);
	u->block_len = block_len;
	u->key = key;
	u->line = line;
	u->last = addr_prefix_last(&u->range);
	return 0;
}

static void check_reserved(const struct range_use *u, const char *file, struct diag *d)
{
	char buf[ADDR_PREFIX_STRLEN];

	for (size_t i = 0; i < ELEMENTSOF(reserved_ranges); i++) {
		struct addr_prefix res;

		if (addr_prefix_parse(reserved_ranges[i].prefix, AF_UNSPEC, false, &res, NULL) < 0)
			continue;
		if (addr_prefix_overlaps(&u->range, &res)) {
			diag_error(d, file, u->line, "%s %s overlaps %s (%s)",
				   policy_key_name(u->key),
				   addr_prefix_format(&u->range, buf, sizeof(buf)),
				   reserved_ranges[i].prefix, reserved_ranges[i].what);
			return;
		}
	}
}

/*
 * Pools and fixed addresses must not overlap, or two users could end up
 * with one address.  Two rules may share a pool by naming the same prefix
 * with the same block size.  Sorting by start address makes this
 * O(n log n): a range overlaps an earlier one exactly when it starts at or
 * before the highest end seen so far.
 */
static void check_overlaps(const struct policy *p, const char *file, struct diag *d)
{
	struct range_use *v = NULL;
	size_t n = 0, cap = 0;
	const struct policy_rule *r;
	int err = 0;

	for (size_t i = 0; i <= p->n_rules && err == 0; i++) {
		r = i == 0 ? &p->defaults : &p->rules[i - 1];
		if (rule_sets(r, POLICY_KEY_POOL4) && rule_key_ok(r, POLICY_KEY_POOL4) &&
		    addr_prefix_is_set(&r->pool4))
			err = add_range(&v, &n, &cap, &r->pool4, r->prefix4, POLICY_KEY_POOL4,
					r->key_line[POLICY_KEY_POOL4]);
		else if (rule_sets(r, POLICY_KEY_PREFIX4) && addr_prefix_is_set(&r->pool4) &&
			 rule_key_ok(r, POLICY_KEY_PREFIX4))
			err = add_range(&v, &n, &cap, &r->pool4, r->prefix4, POLICY_KEY_POOL4,
					r->key_line[POLICY_KEY_PREFIX4]);
		if (err == 0 && rule_sets(r, POLICY_KEY_POOL6) &&
		    rule_key_ok(r, POLICY_KEY_POOL6) && addr_prefix_is_set(&r->pool6))
			err = add_range(&v, &n, &cap, &r->pool6, r->prefix6, POLICY_KEY_POOL6,
					r->key_line[POLICY_KEY_POOL6]);
		else if (err == 0 && rule_sets(r, POLICY_KEY_PREFIX6) &&
			 addr_prefix_is_set(&r->pool6) && rule_key_ok(r, POLICY_KEY_PREFIX6))
			err = add_range(&v, &n, &cap, &r->pool6, r->prefix6, POLICY_KEY_POOL6,
					r->key_line[POLICY_KEY_PREFIX6]);
		if (err == 0 && rule_sets(r, POLICY_KEY_ADDRESS4) &&
		    rule_key_ok(r, POLICY_KEY_ADDRESS4))
			err = add_range(&v, &n, &cap, &r->address4, 0, POLICY_KEY_ADDRESS4,
					r->key_line[POLICY_KEY_ADDRESS4]);
		if (err == 0 && rule_sets(r, POLICY_KEY_ADDRESS6) &&
		    rule_key_ok(r, POLICY_KEY_ADDRESS6))
			err = add_range(&v, &n, &cap, &r->address6, 0, POLICY_KEY_ADDRESS6,
					r->key_line[POLICY_KEY_ADDRESS6]);
	}
	if (err) {
		diag_error(d, file, 0, "out of memory while checking address ranges");
		free(v);
		return;
	}

	for (size_t i = 0; i < n; i++)
		check_reserved(&v[i], file, d);

	if (n > 1)
		qsort(v, n, sizeof(*v), range_use_compare);
	for (size_t i = 1, widest = 0; i < n; i++) {
		const struct range_use *a = &v[widest], *b = &v[i];
		const struct range_use *first, *second;
		char abuf[ADDR_PREFIX_STRLEN], bbuf[ADDR_PREFIX_STRLEN];

		if (a->range.family != b->range.family) {
			widest = i;
			continue;
		}
		if (memcmp(b->range.bytes, a->last.bytes, sizeof(a->last.bytes)) > 0) {
			widest = i; /* disjoint from everything before */
			continue;
		}
		first = a->line <= b->line ? a : b;
		second = first == a ? b : a;
		if (addr_prefix_equal(&a->range, &b->range) && a->block_len &&
		    a->block_len == b->block_len && a->key == b->key)
			continue; /* one pool shared by several rules */
		if (addr_prefix_equal(&a->range, &b->range) && a->block_len && b->block_len &&
		    a->key == b->key)
			diag_error(
				d, file, second->line,
				"%s %s is split into /%u blocks here and into /%u blocks at line %u",
				policy_key_name(second->key),
				addr_prefix_format(&second->range, bbuf, sizeof(bbuf)),
				second->block_len, first->block_len, first->line);
		else
			diag_error(d, file, second->line, "%s %s overlaps %s %s at line %u",
				   policy_key_name(second->key),
				   addr_prefix_format(&second->range, bbuf, sizeof(bbuf)),
				   policy_key_name(first->key),
				   addr_prefix_format(&first->range, abuf, sizeof(abuf)),
				   first->line);
		if (memcmp(b->last.bytes, a->last.bytes, sizeof(a->last.bytes)) > 0)
			widest = i;
	}
	free(v);
}

/* ---- namespaces shared by a group -------------------------------------------- */

/*
 * Is r's own template for k (netns_name or host_ifname) one a shared
 * section may have?  0, or -EINVAL with why.  Besides the template's own
 * rules, the namespace name must be valid for this group, whose name (%g)
 * is known here; and a host end needs a fixed start, by which the host's
 * table finds it.
 */
static int shared_template_check(const struct policy_rule *r, enum policy_key k, struct errbuf *why)
{
	bool netns = k == POLICY_KEY_NETNS_NAME;
	const char *tmpl = netns ? r->netns_name : r->host_ifname;
	char name[NAME_MAX + 1], label[POLICY_NAME_MAX + 16];
	int e;

	e = policy_check_template(tmpl, netns ? TEMPLATE_NETNS : TEMPLATE_HOST_IFNAME,
				  TEMPLATE_OF_GROUP, why);
	if (e < 0)
		return e;
	if (netns) {
		policy_rule_label(r, label, sizeof(label));
		e = policy_template_expand_group(tmpl, r->name, POLICY_GID_MAX, name, sizeof(name));
		if (e == -ENAMETOOLONG) {
			errbuf_set(why, "gives %s a name of more than %d bytes", label, NAME_MAX);
			return -EINVAL;
		}
		if (e < 0 || !policy_netns_name_valid(name)) {
			errbuf_set(
				why,
				"gives %s the name '%s', which ip netns does not take (white space or '/'); use %%G",
				label, name);
			return -EINVAL;
		}
	} else if (policy_template_pattern(tmpl, TEMPLATE_OF_GROUP, NULL, name, sizeof(name)) < 0 ||
		   policy_pattern_fixed_start(name) == 0) {
		errbuf_set(
			why,
			"the host's table finds host ends by the fixed start of their name; give it one, as vg%%G");
		return -EINVAL;
	}
	return 0;
}

/*
 * share belongs with the keys that name a shared namespace: netns_name is
 * needed, and neither is meant without share = group.  Here, not as each
 * line is read: the keys of a section come in any order.
 */
static void check_share(const struct policy_rule *r, const char *file, struct diag *d)
{
	static const enum policy_key own[] = { POLICY_KEY_NETNS_NAME, POLICY_KEY_HOST_IFNAME };
	char label[POLICY_NAME_MAX + 16];
	struct errbuf why;

	if (r->kind != POLICY_RULE_GROUP || !rule_key_ok(r, POLICY_KEY_SHARE))
		return;
	policy_rule_label(r, label, sizeof(label));
	for (size_t i = 0; i < ELEMENTSOF(own); i++) {
		enum policy_key k = own[i];

		if (!rule_sets(r, k) || !rule_key_ok(r, k))
			continue;
		if (!policy_rule_shared(r))
			diag_error(
				d, file, r->key_line[k],
				"%s in %s: only a section with share = group names its %s; set it in [global]",
				policy_key_name(k), label,
				k == POLICY_KEY_NETNS_NAME ? "namespace" : "host end");
		else if (shared_template_check(r, k, &why) < 0)
			diag_error(d, file, r->key_line[k], "%s = %s: %s", policy_key_name(k),
				   k == POLICY_KEY_NETNS_NAME ? r->netns_name : r->host_ifname,
				   why.msg);
	}
	if (policy_rule_shared(r) && !rule_sets(r, POLICY_KEY_NETNS_NAME))
		diag_error(d, file, r->line, "%s: share = group needs netns_name with %%g or %%G",
			   label);
}

/* The first section with share = group, or NULL. */
static const struct policy_rule *first_shared(const struct policy *p)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (policy_rule_shared(&p->rules[i]) && rule_key_ok(&p->rules[i], POLICY_KEY_SHARE))
			return &p->rules[i];
	return NULL;
}

/*
 * The namespace end is named once for all the members of a shared
 * namespace: [global]'s peer_ifname, the one every namespace uses, may
 * then say nothing of a user.
 */
static void check_peer_ifname(const struct policy *p, const char *file, struct diag *d)
{
	const struct policy_global *g = &p->global;
	const struct policy_rule *s = first_shared(p);
	char pattern[IFNAMSIZ], label[POLICY_NAME_MAX + 16];

	if (!s || policy_template_pattern(g->peer_ifname, TEMPLATE_OF_USER, NULL, pattern,
					  sizeof(pattern)) < 0)
		return;
	if (policy_pattern_fixed(pattern))
		return;
	diag_error(
		d, file,
		g->key_line[POLICY_KEY_PEER_IFNAME] ? g->key_line[POLICY_KEY_PEER_IFNAME] : s->line,
		"peer_ifname = %s: %s at line %u shares one namespace among its members, whose end is named once for all of them: it cannot have %%u or %%U",
		g->peer_ifname, policy_rule_label(s, label, sizeof(label)), s->line);
}

/*
 * Does shared section r name its namespace (k: netns_name) or host end
 * (host_ifname) with a template worth comparing with others?  Not when
 * an error was said about it already.
 */
static bool shared_key_ok(const struct policy_rule *r, enum policy_key k)
{
	if (!policy_rule_shared(r) || !rule_key_ok(r, POLICY_KEY_SHARE))
		return false;
	if (rule_sets(r, k))
		return rule_key_ok(r, k) && shared_template_check(r, k, NULL) == 0;
	return k != POLICY_KEY_NETNS_NAME;
}

/* A name template in use, as check_name_clashes() compares them. */
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
	char blabel[POLICY_NAME_MAX + 16], olabel[POLICY_NAME_MAX + 16], where[32];
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
static void check_name_clashes(const struct policy *p, enum policy_key k, const char *file,
			       struct diag *d)
{
	bool netns = k == POLICY_KEY_NETNS_NAME;
	struct name_use *v;
	size_t n = 0;

	if (!first_shared(p))
		return;
	v = calloc(p->n_rules + 1, sizeof(*v));
	if (!v) {
		diag_error(d, file, 0, "out of memory while checking names");
		return;
	}
	for (size_t i = 0; i <= p->n_rules; i++) {
		const struct policy_rule *r = i == 0 ? NULL : &p->rules[i - 1];
		struct name_use *u = &v[n];

		if (r && !shared_key_ok(r, k))
			continue;
		u->rule = r;
		if (r) {
			u->tmpl = netns ? policy_rule_netns_name(p, r) :
					  policy_rule_host_ifname(p, r);
			u->line = rule_sets(r, k) ? r->key_line[k] : r->line;
			u->is_default = !rule_sets(r, k);
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
static void check_host_names(const struct policy *p, const char *file, struct diag *d)
{
	const struct policy_global *g = &p->global;
	unsigned int hline = g->key_line[POLICY_KEY_HOSTNAME];
	char host[POLICY_TEMPLATE_MAX], ns[NAME_MAX + 1], where[32], label[POLICY_NAME_MAX + 16];
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

		if (!shared_key_ok(r, POLICY_KEY_NETNS_NAME) ||
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

struct rule_ref {
	const struct policy_rule *rule;
};

static int rule_ref_compare(const void *a, const void *b)
{
	const struct policy_rule *x = ((const struct rule_ref *)a)->rule;
	const struct policy_rule *y = ((const struct rule_ref *)b)->rule;
	int r;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	r = strcmp(x->name, y->name);
	if (r)
		return r;
	return x->line < y->line ? -1 : x->line > y->line;
}

static void check_duplicate_sections(const struct policy *p, const char *file, struct diag *d)
{
	struct rule_ref *v;

	if (p->n_rules < 2)
		return;
	v = calloc(p->n_rules, sizeof(*v));
	if (!v) {
		diag_error(d, file, 0, "out of memory while checking sections");
		return;
	}
	for (size_t i = 0; i < p->n_rules; i++)
		v[i].rule = &p->rules[i];
	qsort(v, p->n_rules, sizeof(*v), rule_ref_compare);
	for (size_t i = 1, first = 0; i < p->n_rules; i++) {
		const struct policy_rule *a = v[first].rule, *b = v[i].rule;
		char label[POLICY_NAME_MAX + 16];

		if (a->kind != b->kind || !streq(a->name, b->name)) {
			first = i;
			continue;
		}
		diag_error(d, file, b->line, "duplicate section %s (first at line %u)",
			   policy_rule_label(b, label, sizeof(label)), a->line);
	}
	free(v);
}

/* Lookups through NSS: only when asked, as they may be slow. */
void policy_check_names(const struct policy *p, const char *file, struct diag *d)
{
	const struct policy_global *g = &p->global;
	bool groups = false;
	char *buf = NULL;

	if (g->admin_group[0] && !getgrnam(g->admin_group))
		diag_warning(d, file, g->key_line[POLICY_KEY_ADMIN_GROUP],
			     "admin_group '%s' is not a known group", g->admin_group);

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];
		struct passwd *pw;
		struct group gr;
		int e;

		if (r->kind == POLICY_RULE_GROUP) {
			/*
			 * Not a section that never applies: whether a user is in
			 * a group NSS does not know (an offline SSSD's answer for
			 * a group it has not cached) cannot be told, so every
			 * login that reaches it is refused (lib/plan.c).
			 */
			groups = true;
			e = util_getgrnam(r->name, &gr, &buf);
			if (e == -ENOENT)
				diag_error(
					d, file, r->line,
					"[group:%s]: no such group: every login this section is reached for is refused (a misspelt name, or a directory that is offline and has not cached the group)",
					r->name);
			else if (e < 0)
				diag_error(
					d, file, r->line,
					"[group:%s]: cannot look up the group (a name service failed: %s)",
					r->name, strerror(-e));
			continue;
		}
		pw = getpwnam(r->name);
		if (!pw)
			diag_warning(d, file, r->line,
				     "[user:%s]: no such user; the section never applies", r->name);
		else if (pw->pw_uid < g->min_uid)
			diag_warning(
				d, file, r->line,
				"[user:%s]: uid %lu is below min_uid %lu; the section never applies",
				r->name, (unsigned long)pw->pw_uid, (unsigned long)g->min_uid);
	}
	free(buf);
	/* What SSSD's settings keep NSS from saying of group members. */
	if (groups)
		policy_check_sssd(SSSD_CONF_DIR, d);
}

/* A pool or fixed block some section gives out, as its users see it. */
struct range_of_rule {
	struct addr_prefix range; /* network form */
	bool pool;
	bool nat; /* translated by the host */
	unsigned int line;
};

static int range_of_rule_compare(const void *a, const void *b)
{
	const struct range_of_rule *x = a, *y = b;
	int r = addr_prefix_compare(&x->range, &y->range);

	return r ? r : x->line < y->line ? -1 : x->line > y->line;
}

/* Is the range r gives out from family's pool translated by the host? */
static bool translated(const struct policy_rule *r, const struct addr_prefix *range)
{
	if (r->mode != POLICY_MODE_NAT)
		return false;
	return range->family == AF_INET || policy_nat6_translates(r->nat6, range);
}

void policy_collect_ranges(struct policy *p, const char *file, struct diag *d)
{
	struct range_of_rule *v;
	size_t n = 0;

	/* Four ranges at most per section: two pools, two fixed blocks. */
	v = calloc(4 * (p->n_rules + 1), sizeof(*v));
	if (!v) {
		diag_error(d, file, 0, "out of memory while checking address ranges");
		return;
	}
	for (size_t i = 0; i <= p->n_rules; i++) {
		const struct policy_rule *r = i == 0 ? &p->defaults : &p->rules[i - 1];
		const struct addr_prefix *pools[] = { &r->pool4, &r->pool6 };
		const struct addr_prefix *fixed[] = { &r->address4, &r->address6 };
		unsigned int line =
			r->key_line[POLICY_KEY_MODE] ? r->key_line[POLICY_KEY_MODE] : r->line;

		if (!policy_mode_has_link(r->mode))
			continue;
		for (size_t k = 0; k < 2; k++) {
			if (addr_prefix_is_set(pools[k]))
				v[n++] =
					(struct range_of_rule){ addr_prefix_network(pools[k]), true,
								translated(r, pools[k]), line };
			if (addr_prefix_is_set(fixed[k]))
				v[n++] = (struct range_of_rule){ addr_prefix_network(fixed[k]),
								 false, false, line };
		}
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), range_of_rule_compare);

	/*
	 * A pool is translated for all its users or for none: the host's
	 * table masquerades by pool.
	 */
	for (size_t i = 1, first = 0; i < n; i++) {
		char buf[ADDR_PREFIX_STRLEN];

		if (!addr_prefix_equal(&v[i].range, &v[first].range)) {
			first = i;
			continue;
		}
		if (!v[i].pool || !v[first].pool || v[i].nat == v[first].nat)
			continue;
		addr_prefix_format(&v[i].range, buf, sizeof(buf));
		if (v[first].nat)
			diag_error(
				d, file, v[i].line,
				"pool%c %s is translated (mode nat) at line %u but not here: the host translates a pool for all its users or for none",
				v[i].range.family == AF_INET ? '4' : '6', buf, v[first].line);
		else
			diag_error(
				d, file, v[i].line,
				"pool%c %s is translated (mode nat) here but not at line %u: the host translates a pool for all its users or for none",
				v[i].range.family == AF_INET ? '4' : '6', buf, v[first].line);
	}

	p->n_ranges = 0;
	for (size_t i = 0; i < n; i++) {
		if (p->n_ranges > 0 && addr_prefix_equal(&p->ranges[p->n_ranges - 1], &v[i].range))
			continue;
		if (p->n_ranges == POLICY_RANGES_MAX) {
			diag_error(
				d, file, v[i].line,
				"more than %u address ranges (pools and fixed addresses): each namespace holds a route for every one; use pools",
				POLICY_RANGES_MAX);
			break;
		}
		p->ranges[p->n_ranges++] = v[i].range;
	}
	free(v);
}

/*
 * Why rule r's namespaces cannot reach a resolver at a (UDP and TCP to
 * port 53: large answers come over TCP): "" if they can.
 */
static const char *unreachable(const struct policy *p, const struct policy_rule *r,
			       const struct addr_prefix *a, char *buf, size_t size)
{
	static const uint8_t protos[] = { IPPROTO_UDP, IPPROTO_TCP };
	char net[ADDR_PREFIX_STRLEN], entry[POLICY_EGRESS_STRLEN];

	buf[0] = '\0';
	for (size_t k = 0; k < ELEMENTSOF(protos) && !buf[0]; k++) {
		bool allowed = r->allow.n == 0;

		for (size_t i = 0; i < r->deny.n && !buf[0]; i++)
			if (policy_egress_covers(&r->deny.v[i], a, protos[k], 53))
				snprintf(buf, size, "the deny list has %s",
					 policy_egress_format(&r->deny.v[i], entry, sizeof(entry)));
		for (size_t i = 0; i < r->allow.n; i++)
			allowed |= policy_egress_covers(&r->allow.v[i], a, protos[k], 53);
		if (!buf[0] && !allowed)
			snprintf(buf, size, "the allow list leaves out %s/53",
				 policy_egress_proto_name(protos[k]));
	}
	for (size_t i = 0; i < p->n_ranges && !buf[0]; i++)
		if (addr_prefix_contains(&p->ranges[i], a))
			snprintf(
				buf, size,
				"users' addresses come from %s, which no namespace reaches (for the host end, write dns = host-end)",
				addr_prefix_format(&p->ranges[i], net, sizeof(net)));
	return buf;
}

void policy_check_reach(const struct policy *p, const char *file, struct diag *d)
{
	for (size_t i = 0; i <= p->n_rules; i++) {
		const struct policy_rule *r = i == 0 ? &p->defaults : &p->rules[i - 1];
		char label[POLICY_NAME_MAX + 16], why[128], a[ADDR_PREFIX_STRLEN];

		if (r->dns.kind != POLICY_DNS_ADDRS || !policy_mode_has_link(r->mode))
			continue;
		/* Each section with its own lists, or its own resolvers. */
		if (r->kind != POLICY_RULE_DEFAULT && !rule_sets(r, POLICY_KEY_DNS) &&
		    !rule_sets(r, POLICY_KEY_DENY) && !rule_sets(r, POLICY_KEY_ALLOW) &&
		    !rule_sets(r, POLICY_KEY_MODE))
			continue;
		for (size_t k = 0; k < r->dns.n; k++)
			if (*unreachable(p, r, &r->dns.addr[k], why, sizeof(why)))
				diag_error(d, file, blame_line(p, r, POLICY_KEY_DNS),
					   "%s: dns %s is unreachable from its namespaces: %s",
					   policy_rule_label(r, label, sizeof(label)),
					   addr_format(&r->dns.addr[k], a, sizeof(a)), why);
	}
}

void policy_check(const struct policy *p, const char *file, struct diag *d)
{
	check_duplicate_sections(p, file, d);
	check_rule(p, &p->defaults, file, d);
	for (size_t i = 0; i < p->n_rules; i++) {
		check_rule(p, &p->rules[i], file, d);
		check_share(&p->rules[i], file, d);
	}
	check_overlaps(p, file, d);
	check_peer_ifname(p, file, d);
	check_name_clashes(p, POLICY_KEY_NETNS_NAME, file, d);
	check_name_clashes(p, POLICY_KEY_HOST_IFNAME, file, d);
	check_host_names(p, file, d);
}
