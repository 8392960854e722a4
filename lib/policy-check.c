/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The checks that need more than one key, from policy_check(): each
 * section's keys against its mode (what a mode needs, what it ignores),
 * duplicate sections, then the address ranges (policy-ranges.c), the
 * shared namespaces (policy-share.c) and the names two owners could get
 * (policy-clash.c).  Each problem is blamed on the line that brings it
 * in; the order of the checks is the order of the messages.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-internal.h"

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
	case POLICY_KEY_RATE_OUT:
	case POLICY_KEY_RATE_IN:
		return policy_mode_has_link(m);
	/* A burst above no rate means nothing either. */
	case POLICY_KEY_BURST:
		return policy_mode_has_link(m) && (r->rate_out || r->rate_in);
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
	char label[POLICY_LABEL_MAX];

	for (enum policy_key k = 0; k < POLICY_KEY__MAX; k++) {
		if (!policy_rule_sets(r, k) || !policy_rule_key_ok(r, k) || key_has_effect(k, r))
			continue;
		/* "pool4 = none", "deny = none": nothing, so nothing to say. */
		if ((k == POLICY_KEY_POOL4 && !addr_prefix_is_set(&r->pool4)) ||
		    (k == POLICY_KEY_POOL6 && !addr_prefix_is_set(&r->pool6)) ||
		    (k == POLICY_KEY_DENY && r->deny.n == 0) ||
		    (k == POLICY_KEY_ALLOW && r->allow.n == 0) ||
		    (k == POLICY_KEY_RATE_OUT && !r->rate_out) ||
		    (k == POLICY_KEY_RATE_IN && !r->rate_in))
			continue;
		if (k == POLICY_KEY_BURST && policy_mode_has_link(r->mode))
			diag_warning(d, file, r->key_line[k],
				     "%s: burst has no effect without rate_out or rate_in",
				     policy_rule_label(r, label, sizeof(label)));
		else
			diag_warning(d, file, r->key_line[k], "%s: %s has no effect in mode %s",
				     policy_rule_label(r, label, sizeof(label)), policy_key_name(k),
				     policy_mode_to_string(r->mode));
	}
}

static void check_rule(const struct policy *p, const struct policy_rule *r, const char *file,
		       struct diag *d)
{
	char label[POLICY_LABEL_MAX];
	bool v4, v6;

	policy_check_pool_sizes(p, r, file, d);

	v4 = addr_prefix_is_set(&r->pool4) || addr_prefix_is_set(&r->address4);
	v6 = addr_prefix_is_set(&r->pool6) || addr_prefix_is_set(&r->address6);

	/*
	 * IPv6 refuses to run on a link with an MTU below 1280 (RFC 8200).
	 * Blame the section that brings the two together, once.
	 */
	if (v6 && r->mtu < 1280 && policy_rule_key_ok(r, POLICY_KEY_MTU) &&
	    (r->kind == POLICY_RULE_DEFAULT || policy_rule_sets(r, POLICY_KEY_MTU) ||
	     policy_rule_sets(r, POLICY_KEY_POOL6) || policy_rule_sets(r, POLICY_KEY_ADDRESS6)))
		diag_error(d, file, policy_blame_line(p, r, POLICY_KEY_MTU),
			   "%s: mtu %u is below 1280, the minimum for IPv6",
			   policy_rule_label(r, label, sizeof(label)), r->mtu);

	/* The shaper sends a packet whole: a burst must hold the largest. */
	if (r->burst && r->burst < r->mtu + POLICY_LINK_HEADER &&
	    policy_rule_key_ok(r, POLICY_KEY_MTU) && policy_rule_key_ok(r, POLICY_KEY_BURST) &&
	    (r->kind == POLICY_RULE_DEFAULT || policy_rule_sets(r, POLICY_KEY_BURST) ||
	     policy_rule_sets(r, POLICY_KEY_MTU)))
		diag_error(d, file, policy_blame_line(p, r, POLICY_KEY_BURST),
			   "%s: burst of %u bytes cannot hold a packet of mtu %u (%u bytes)",
			   policy_rule_label(r, label, sizeof(label)), r->burst, r->mtu,
			   r->mtu + POLICY_LINK_HEADER);

	if (!policy_rule_key_ok(r, POLICY_KEY_MODE))
		return;
	/* [default]'s mode only matters to the users it applies to. */
	if (r->kind != POLICY_RULE_DEFAULT && !policy_rule_sets(r, POLICY_KEY_MODE) &&
	    !policy_rule_sets(r, POLICY_KEY_POOL4) && !policy_rule_sets(r, POLICY_KEY_POOL6) &&
	    !policy_rule_sets(r, POLICY_KEY_ADDRESS4) &&
	    !policy_rule_sets(r, POLICY_KEY_ADDRESS6) && !policy_rule_sets(r, POLICY_KEY_BRIDGE) &&
	    !policy_rule_sets(r, POLICY_KEY_SHARE))
		return;

	/* [default] may hold keys for the sections that inherit them. */
	if (r->kind != POLICY_RULE_DEFAULT)
		warn_no_effect(r, file, d);

	/* The queries go over IPv4 (loopback resolvers are 127.0.0.0/8). */
	if (policy_mode_has_link(r->mode) && r->dns.kind != POLICY_DNS_INHERIT && !v4 &&
	    policy_rule_key_ok(r, POLICY_KEY_DNS) &&
	    !(r->bad_keys & ((1u << POLICY_KEY_POOL4) | (1u << POLICY_KEY_ADDRESS4))))
		diag_error(d, file, policy_blame_line(p, r, POLICY_KEY_DNS),
			   "%s: dns needs IPv4 addresses in the namespace: set pool4 or address4",
			   policy_rule_label(r, label, sizeof(label)));

	switch (r->mode) {
	case POLICY_MODE_NONE:
	case POLICY_MODE_ISOLATED:
		return;
	case POLICY_MODE_BRIDGE:
		if (!r->bridge[0] && policy_rule_key_ok(r, POLICY_KEY_BRIDGE))
			diag_error(d, file, policy_blame_line(p, r, POLICY_KEY_MODE),
				   "%s: mode bridge needs 'bridge = NAME' (here or in [default])",
				   policy_rule_label(r, label, sizeof(label)));
		break;
	case POLICY_MODE_VETH:
	case POLICY_MODE_NAT:
		if (!v4 && !v6 &&
		    !(r->bad_keys & ((1u << POLICY_KEY_POOL4) | (1u << POLICY_KEY_POOL6) |
				     (1u << POLICY_KEY_ADDRESS4) | (1u << POLICY_KEY_ADDRESS6))))
			diag_error(
				d, file, policy_blame_line(p, r, POLICY_KEY_MODE),
				"%s: mode %s needs addresses: set pool4 or address4 (or pool6 or address6) here or in [default]",
				policy_rule_label(r, label, sizeof(label)),
				policy_mode_to_string(r->mode));
		break;
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
		char label[POLICY_LABEL_MAX];

		if (a->kind != b->kind || !streq(a->name, b->name)) {
			first = i;
			continue;
		}
		diag_error(d, file, b->line, "duplicate section %s (first at line %u)",
			   policy_rule_label(b, label, sizeof(label)), a->line);
	}
	free(v);
}

void policy_check(const struct policy *p, const char *file, struct diag *d)
{
	check_duplicate_sections(p, file, d);
	check_rule(p, &p->defaults, file, d);
	for (size_t i = 0; i < p->n_rules; i++) {
		check_rule(p, &p->rules[i], file, d);
		policy_check_share(&p->rules[i], file, d);
	}
	policy_check_overlaps(p, file, d);
	policy_check_peer_ifname(p, file, d);
	policy_check_name_clashes(p, POLICY_KEY_NETNS_NAME, file, d);
	policy_check_name_clashes(p, POLICY_KEY_HOST_IFNAME, file, d);
	policy_check_host_names(p, file, d);
}
