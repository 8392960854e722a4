/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rule model: a policy's built-in defaults, how a section is named in
 * messages, and what a rule gives (its namespace and host end templates,
 * shared or not).  The reader, the checks and the entry points
 * (policy-load.c) build on it; it calls nothing of theirs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-internal.h"

/* ---- defaults --------------------------------------------------------- */

void policy_global_init(struct policy_global *g)
{
	*g = (struct policy_global){
		.min_uid = 1000,
		.on_error = POLICY_ON_ERROR_FAIL,
		.teardown = POLICY_TEARDOWN_LAST_LOGOUT,
	};
	snprintf(g->netns_name, sizeof(g->netns_name), "user-%%u");
	snprintf(g->host_ifname, sizeof(g->host_ifname), "vu%%U");
	snprintf(g->peer_ifname, sizeof(g->peer_ifname), "eth0");
}

void policy_rule_init(struct policy_rule *r, enum policy_rule_kind kind)
{
	*r = (struct policy_rule){
		.kind = kind,
		.mode = POLICY_MODE_NONE,
		.prefix4 = 30,
		.prefix6 = 64,
		.mtu = 1500,
		.port_isolation = true,
	};
}

/* ---- sections --------------------------------------------------------- */

const char *policy_section_label(enum policy_rule_kind kind, const char *name, char *buf,
				 size_t size)
{
	switch (kind) {
	case POLICY_RULE_DEFAULT:
		snprintf(buf, size, "[default]");
		break;
	case POLICY_RULE_GROUP:
		snprintf(buf, size, "[group:%s]", name);
		break;
	case POLICY_RULE_USER:
		snprintf(buf, size, "[user:%s]", name);
		break;
	}
	return buf;
}

const char *policy_rule_label(const struct policy_rule *r, char *buf, size_t size)
{
	return policy_section_label(r->kind, r->name, buf, size);
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_rules; i++)
		free(p->rules[i].name);
	free(p->rules);
	free(p->path);
	free(p);
}

/* ---- namespaces shared by a group ---------------------------------------- */

/*
 * A shared section's host end unless it says otherwise: "vg" tells it
 * from the users' "vu" (the host's table and the checks rely on it).
 */
#define SHARED_HOST_IFNAME "vg%G"

bool policy_rule_shared(const struct policy_rule *r)
{
	return r->share == POLICY_SHARE_GROUP;
}

const char *policy_rule_netns_name(const struct policy *p, const struct policy_rule *r)
{
	return policy_rule_shared(r) ? r->netns_name : p->global.netns_name;
}

const char *policy_rule_host_ifname(const struct policy *p, const struct policy_rule *r)
{
	if (!policy_rule_shared(r))
		return p->global.host_ifname;
	return r->host_ifname[0] ? r->host_ifname : SHARED_HOST_IFNAME;
}

size_t policy_host_end_starts(const struct policy *p, char (*ret)[IFNAMSIZ])
{
	size_t n = 0;

	for (size_t i = 0; i <= p->n_rules; i++) {
		const struct policy_rule *r = i == 0 ? NULL : &p->rules[i - 1];
		char start[IFNAMSIZ];
		bool seen = false;

		if (r && !policy_rule_shared(r))
			continue;
		/* A valid host_ifname gives at most IFNAMSIZ - 1 bytes, so fits. */
		if (policy_template_pattern(r ? policy_rule_host_ifname(p, r) :
						p->global.host_ifname,
					    r ? TEMPLATE_OF_GROUP : TEMPLATE_OF_USER, NULL, start,
					    sizeof(start)) < 0)
			continue;
		start[policy_pattern_fixed_start(start)] = '\0';
		for (size_t k = 0; k < n && !seen; k++)
			seen = streq(ret[k], start);
		if (!seen)
			memcpy(ret[n++], start, sizeof(start));
	}
	return n;
}

const struct policy_rule *policy_find_rule(const struct policy *p, enum policy_rule_kind kind,
					   const char *name)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].kind == kind && streq(p->rules[i].name, name))
			return &p->rules[i];
	return NULL;
}
