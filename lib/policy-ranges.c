/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The policy's address ranges: pools against the blocks they are split
 * into, pools and fixed blocks against each other and against the
 * reserved ranges, a pool translated for all its users or for none, the
 * ranges every namespace is kept from (policy.ranges), and resolvers a
 * section's namespaces can reach.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-internal.h"

static void check_pool_size(const struct policy *p, const struct policy_rule *r,
			    enum policy_key pool_key, enum policy_key prefix_key,
			    const struct addr_prefix *pool, unsigned int prefix, const char *file,
			    struct diag *d)
{
	char buf[ADDR_PREFIX_STRLEN];

	if (!addr_prefix_is_set(pool) || !policy_rule_key_ok(r, pool_key) ||
	    !policy_rule_key_ok(r, prefix_key))
		return;
	if (!policy_rule_sets(r, pool_key) && !policy_rule_sets(r, prefix_key))
		return; /* [default]'s own pair, checked there */
	if (pool->len > prefix)
		diag_error(d, file,
			   policy_rule_sets(r, prefix_key) ? r->key_line[prefix_key] :
							     policy_blame_line(p, r, pool_key),
			   "%s %s is too small for /%u blocks (%s = %u)", policy_key_name(pool_key),
			   addr_prefix_format(pool, buf, sizeof(buf)), prefix,
			   policy_key_name(prefix_key), prefix);
}

void policy_check_pool_sizes(const struct policy *p, const struct policy_rule *r, const char *file,
			     struct diag *d)
{
	check_pool_size(p, r, POLICY_KEY_POOL4, POLICY_KEY_PREFIX4, &r->pool4, r->prefix4, file, d);
	check_pool_size(p, r, POLICY_KEY_POOL6, POLICY_KEY_PREFIX6, &r->pool6, r->prefix6, file, d);
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
	struct range_use *grown = util_grow(*v, cap, *n + 1, sizeof(**v), 16), *u;

	if (!grown)
		return -ENOMEM;
	*v = grown;
	u = &grown[(*n)++];
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
void policy_check_overlaps(const struct policy *p, const char *file, struct diag *d)
{
	struct range_use *v = NULL;
	size_t n = 0, cap = 0;
	const struct policy_rule *r;
	int err = 0;

	for (size_t i = 0; i <= p->n_rules && err == 0; i++) {
		r = i == 0 ? &p->defaults : &p->rules[i - 1];
		if (policy_rule_sets(r, POLICY_KEY_POOL4) &&
		    policy_rule_key_ok(r, POLICY_KEY_POOL4) && addr_prefix_is_set(&r->pool4))
			err = add_range(&v, &n, &cap, &r->pool4, r->prefix4, POLICY_KEY_POOL4,
					r->key_line[POLICY_KEY_POOL4]);
		else if (policy_rule_sets(r, POLICY_KEY_PREFIX4) && addr_prefix_is_set(&r->pool4) &&
			 policy_rule_key_ok(r, POLICY_KEY_PREFIX4))
			err = add_range(&v, &n, &cap, &r->pool4, r->prefix4, POLICY_KEY_POOL4,
					r->key_line[POLICY_KEY_PREFIX4]);
		if (err == 0 && policy_rule_sets(r, POLICY_KEY_POOL6) &&
		    policy_rule_key_ok(r, POLICY_KEY_POOL6) && addr_prefix_is_set(&r->pool6))
			err = add_range(&v, &n, &cap, &r->pool6, r->prefix6, POLICY_KEY_POOL6,
					r->key_line[POLICY_KEY_POOL6]);
		else if (err == 0 && policy_rule_sets(r, POLICY_KEY_PREFIX6) &&
			 addr_prefix_is_set(&r->pool6) && policy_rule_key_ok(r, POLICY_KEY_PREFIX6))
			err = add_range(&v, &n, &cap, &r->pool6, r->prefix6, POLICY_KEY_POOL6,
					r->key_line[POLICY_KEY_PREFIX6]);
		if (err == 0 && policy_rule_sets(r, POLICY_KEY_ADDRESS4) &&
		    policy_rule_key_ok(r, POLICY_KEY_ADDRESS4))
			err = add_range(&v, &n, &cap, &r->address4, 0, POLICY_KEY_ADDRESS4,
					r->key_line[POLICY_KEY_ADDRESS4]);
		if (err == 0 && policy_rule_sets(r, POLICY_KEY_ADDRESS6) &&
		    policy_rule_key_ok(r, POLICY_KEY_ADDRESS6))
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
		char label[POLICY_LABEL_MAX], why[128], a[ADDR_PREFIX_STRLEN];

		if (r->dns.kind != POLICY_DNS_ADDRS || !policy_mode_has_link(r->mode))
			continue;
		/* Each section with its own lists, or its own resolvers. */
		if (r->kind != POLICY_RULE_DEFAULT && !policy_rule_sets(r, POLICY_KEY_DNS) &&
		    !policy_rule_sets(r, POLICY_KEY_DENY) &&
		    !policy_rule_sets(r, POLICY_KEY_ALLOW) && !policy_rule_sets(r, POLICY_KEY_MODE))
			continue;
		for (size_t k = 0; k < r->dns.n; k++)
			if (*unreachable(p, r, &r->dns.addr[k], why, sizeof(why)))
				diag_error(d, file, policy_blame_line(p, r, POLICY_KEY_DNS),
					   "%s: dns %s is unreachable from its namespaces: %s",
					   policy_rule_label(r, label, sizeof(label)),
					   addr_format(&r->dns.addr[k], a, sizeof(a)), why);
	}
}
