/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Namespaces shared by a group (share = group): the keys that go with
 * share, the templates a shared section names its namespace and host end
 * with, and [global]'s peer_ifname, which then names every member's end.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include "policy-internal.h"

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
	char name[NAME_MAX + 1], label[POLICY_LABEL_MAX];
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
void policy_check_share(const struct policy_rule *r, const char *file, struct diag *d)
{
	static const enum policy_key own[] = { POLICY_KEY_NETNS_NAME, POLICY_KEY_HOST_IFNAME };
	char label[POLICY_LABEL_MAX];
	struct errbuf why;

	if (r->kind != POLICY_RULE_GROUP || !policy_rule_key_ok(r, POLICY_KEY_SHARE))
		return;
	policy_rule_label(r, label, sizeof(label));
	for (size_t i = 0; i < ELEMENTSOF(own); i++) {
		enum policy_key k = own[i];

		if (!policy_rule_sets(r, k) || !policy_rule_key_ok(r, k))
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
	if (policy_rule_shared(r) && !policy_rule_sets(r, POLICY_KEY_NETNS_NAME))
		diag_error(d, file, r->line, "%s: share = group needs netns_name with %%g or %%G",
			   label);
}

const struct policy_rule *policy_first_shared(const struct policy *p)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (policy_rule_shared(&p->rules[i]) &&
		    policy_rule_key_ok(&p->rules[i], POLICY_KEY_SHARE))
			return &p->rules[i];
	return NULL;
}

/*
 * The namespace end is named once for all the members of a shared
 * namespace: [global]'s peer_ifname, the one every namespace uses, may
 * then say nothing of a user.
 */
void policy_check_peer_ifname(const struct policy *p, const char *file, struct diag *d)
{
	const struct policy_global *g = &p->global;
	const struct policy_rule *s = policy_first_shared(p);
	char pattern[IFNAMSIZ], label[POLICY_LABEL_MAX];

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

bool policy_shared_key_ok(const struct policy_rule *r, enum policy_key k)
{
	if (!policy_rule_shared(r) || !policy_rule_key_ok(r, POLICY_KEY_SHARE))
		return false;
	if (policy_rule_sets(r, k))
		return policy_rule_key_ok(r, k) && shared_template_check(r, k, NULL) == 0;
	return k != POLICY_KEY_NETNS_NAME;
}
