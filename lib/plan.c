/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "usernetns/firewall.h"
#include "usernetns/plan.h"

static bool gid_in(gid_t gid, const gid_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == gid)
			return true;
	return false;
}

static bool name_in(const char *name, char *const *v)
{
	for (; v && *v; v++)
		if (streq(*v, name))
			return true;
	return false;
}

/*
 * The first [group:] section, in file order, that the user belongs to.
 *
 * Membership is asked two ways, because neither fails loudly on its own:
 * the user's group list (getgrouplist(), what initgroups() gives the
 * session) silently leaves out a source that fails, and the group's own
 * entry (getgrnam_r(), which does report errors) may come without its
 * member list (SSSD's ignore_group_members).  A user in the group's entry
 * but not in their own list is the mark of a directory that answered one
 * question and failed the other: refuse rather than pick a later section.
 * In the user's list but not in the entry's members counts: that is the
 * group the session will carry.
 */
static int match_group(const struct policy *p, const char *user, gid_t gid,
		       const struct policy_rule **ret, gid_t *ret_gid, struct errbuf *err)
{
	gid_t *groups = NULL;
	size_t n_groups = 0;
	char *buf = NULL;
	bool any = false;
	int r = 0;

	*ret = NULL;
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].kind == POLICY_RULE_GROUP) {
			any = true;
			break;
		}
	if (!any)
		return 0;

	r = util_getgrouplist(user, gid, &groups, &n_groups);
	if (r < 0)
		return errbuf_errno(err, r, "cannot list the groups of user '%s'", user);
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *rule = &p->rules[i];
		bool listed, credited;
		struct group gr;

		if (rule->kind != POLICY_RULE_GROUP)
			continue;
		r = util_getgrnam(rule->name, &gr, &buf);
		if (r == -ENOENT) {
			r = 0;
			continue;
		}
		if (r < 0) {
			/* Not knowing a group could pick the wrong section. */
			errbuf_set(err, "cannot look up group '%s' (a name service failed: %s)",
				   rule->name, strerror(-r));
			break;
		}
		listed = gr.gr_gid == gid || name_in(user, gr.gr_mem);
		credited = gid_in(gr.gr_gid, groups, n_groups);
		if (listed && !credited) {
			errbuf_set(
				err,
				"group '%s' lists user '%s', but the user's group list lacks it: a name service is failing",
				rule->name, user);
			r = -EHOSTDOWN;
			break;
		}
		if (credited) {
			*ret = rule;
			*ret_gid = gr.gr_gid;
			break;
		}
	}
	free(buf);
	free(groups);
	return r;
}

const struct addr_prefix *plan_addr_range(const struct plan_addr *a)
{
	switch (a->source) {
	case PLAN_ADDR_POOL:
		return &a->pool;
	case PLAN_ADDR_FIXED:
		return &a->block;
	case PLAN_ADDR_NONE:
		break;
	}
	return NULL;
}

const char *plan_addr_range_name(const struct plan_addr *a)
{
	return a->source == PLAN_ADDR_FIXED ? "the fixed address block" : "pool";
}

static void plan_addr_fill(struct plan_addr *a, const struct addr_prefix *fixed,
			   const struct addr_prefix *pool, unsigned int block_len)
{
	*a = (struct plan_addr){ .source = PLAN_ADDR_NONE };
	if (addr_prefix_is_set(fixed)) {
		a->source = PLAN_ADDR_FIXED;
		a->block = addr_prefix_network(fixed);
		/* The policy checked that fixed is a valid namespace end. */
		a->peer = *fixed;
		(void)addr_block_ends(&a->block, &a->host, &(struct addr_prefix){ 0 });
	} else if (addr_prefix_is_set(pool)) {
		a->source = PLAN_ADDR_POOL;
		a->pool = *pool;
		a->block_len = block_len;
	}
}

/*
 * The names of plan's namespace and host end: a user's from [global]'s
 * templates, a group's (share = group) from its section's.
 */
static int fill_names(const struct policy *p, const struct policy_rule *rule, struct plan *plan,
		      struct errbuf *err)
{
	bool shared = owner_is_group(plan->owner);
	const char *netns_t = policy_rule_netns_name(p, rule);
	const char *host_t = policy_rule_host_ifname(p, rule);
	uint32_t id = owner_id(plan->owner);
	int r;

	r = shared ? policy_template_expand_group(netns_t, plan->owner_name, id, plan->netns,
						  sizeof(plan->netns)) :
		     policy_template_expand(netns_t, plan->user, plan->uid, plan->netns,
					    sizeof(plan->netns));
	if (r < 0 || !policy_netns_name_valid(plan->netns)) {
		errbuf_set(err, "%s name '%s' gives an invalid namespace name with netns_name = %s",
			   shared ? "group" : "user", plan->owner_name, netns_t);
		return -EINVAL;
	}
	/* Checked by the policy to fit IFNAMSIZ for every uid and gid. */
	r = shared ? policy_template_expand_group(host_t, plan->owner_name, id, plan->host_ifname,
						  sizeof(plan->host_ifname)) :
		     policy_template_expand(host_t, plan->user, plan->uid, plan->host_ifname,
					    sizeof(plan->host_ifname));
	/* A shared namespace's end is named without a user (policy-check.c). */
	if (r == 0)
		r = policy_template_expand(p->global.peer_ifname, plan->user, plan->uid,
					   plan->peer_ifname, sizeof(plan->peer_ifname));
	if (r < 0) {
		errbuf_set(err, "cannot expand the interface names for %s %lu",
			   shared ? "gid" : "uid", (unsigned long)id);
		return r;
	}
	/* Host names are per user: a group's namespace has its own name only. */
	if (p->global.hostname[0] && !shared) {
		r = policy_template_expand(p->global.hostname, plan->user, plan->uid,
					   plan->hostname, sizeof(plan->hostname));
		if (r < 0 || !hosts_name_valid(plan->hostname)) {
			/* A user name no host name can hold: the namespace name alone. */
			plan->hostname[0] = '\0';
			plan->hostname_refused = true;
		}
	}
	/* A name a host name could be is the host names' (one owner for each name). */
	plan->netns_unlisted = policy_hostname_claims(p, plan->netns) &&
			       strcasecmp(plan->netns, plan->hostname) != 0;
	return 0;
}

/* What rule gives plan's owner, once the owner is known. */
static int fill_rule(const struct policy *p, const struct policy_rule *rule, struct plan *plan,
		     struct errbuf *err)
{
	int r;

	plan->teardown = p->global.teardown;
	plan->rule_kind = rule->kind;
	plan->rule_line = rule->line;
	if (rule->name)
		snprintf(plan->rule_name, sizeof(plan->rule_name), "%s", rule->name);
	plan->mode = rule->mode;
	if (rule->mode == POLICY_MODE_NONE) {
		plan->verdict = PLAN_MODE_NONE;
		return 0;
	}
	plan->verdict = PLAN_HANDLED;

	r = fill_names(p, rule, plan, err);
	if (r < 0)
		return r;
	snprintf(plan->bridge, sizeof(plan->bridge), "%s", rule->bridge);
	plan->mtu = rule->mtu;
	if (policy_mode_has_link(rule->mode)) {
		plan_addr_fill(&plan->v4, &rule->address4, &rule->pool4, rule->prefix4);
		plan_addr_fill(&plan->v6, &rule->address6, &rule->pool6, rule->prefix6);
		plan->deny = rule->deny;
		plan->deny_line = rule->key_line[POLICY_KEY_DENY] ?
					  rule->key_line[POLICY_KEY_DENY] :
					  p->defaults.key_line[POLICY_KEY_DENY];
		plan->allow = rule->allow;
		memcpy(plan->ranges, p->ranges, p->n_ranges * sizeof(p->ranges[0]));
		plan->n_ranges = p->n_ranges;
		plan->port_isolation = rule->port_isolation;
		plan->dns = rule->dns;
	}
	if (rule->mode == POLICY_MODE_NAT) {
		plan->nat4 =
			addr_prefix_is_set(&rule->pool4) || addr_prefix_is_set(&rule->address4);
		plan->nat6 = addr_prefix_is_set(&rule->pool6) ?
				     policy_nat6_translates(rule->nat6, &rule->pool6) :
				     addr_prefix_is_set(&rule->address6) &&
					     policy_nat6_translates(rule->nat6, &rule->address6);
		snprintf(plan->uplink, sizeof(plan->uplink), "%s", rule->uplink);
		/* A policy whose table cannot be made: no table is its. */
		if (firewall_policy_digest(p, &plan->host_table, NULL) < 0)
			plan->host_table = 0;
	}
	return 0;
}

static int plan_fill(const struct policy *p, const struct passwd *pw, struct plan *plan,
		     struct errbuf *err)
{
	const struct policy_rule *rule = NULL;
	gid_t group_gid = 0;
	int r;

	*plan = (struct plan){ 0 };
	if (!policy_user_name_valid(pw->pw_name)) {
		errbuf_set(
			err,
			"the name service gives uid %lu a user name that is empty or has control characters; refusing it",
			(unsigned long)pw->pw_uid);
		return -EINVAL;
	}
	if (strlen(pw->pw_name) >= sizeof(plan->user)) {
		errbuf_set(err, "user name '%.32s...' is too long", pw->pw_name);
		return -ENAMETOOLONG;
	}
	snprintf(plan->user, sizeof(plan->user), "%s", pw->pw_name);
	plan->uid = pw->pw_uid;
	plan->gid = pw->pw_gid;
	plan->owner = owner_user(pw->pw_uid);
	snprintf(plan->owner_name, sizeof(plan->owner_name), "%s", pw->pw_name);
	plan->teardown = p->global.teardown;

	if (pw->pw_uid < p->global.min_uid) {
		plan->verdict = PLAN_BELOW_MIN_UID;
		plan->mode = POLICY_MODE_NONE;
		return 0;
	}

	rule = policy_find_rule(p, POLICY_RULE_USER, pw->pw_name);
	if (!rule) {
		r = match_group(p, pw->pw_name, pw->pw_gid, &rule, &group_gid, err);
		if (r < 0)
			return r;
	}
	if (!rule)
		rule = &p->defaults;
	/* A member of a shared section is placed in the group's namespace. */
	if (policy_rule_shared(rule)) {
		plan->owner = owner_group(group_gid);
		snprintf(plan->owner_name, sizeof(plan->owner_name), "%s", rule->name);
	}
	return fill_rule(p, rule, plan, err);
}

int plan_resolve_group(const struct policy *p, gid_t gid, struct plan *ret, struct errbuf *err)
{
	const struct policy_rule *rule;
	struct group gr;
	char *buf = NULL;
	int r;

	*ret = (struct plan){ .uid = (uid_t)-1, .gid = gid, .owner = owner_group(gid) };
	r = util_getgrgid(gid, &gr, &buf);
	if (r == -ENOENT)
		errbuf_set(err, "unknown gid %lu", (unsigned long)gid);
	else if (r < 0)
		errbuf_set(err, "cannot look up gid %lu (a name service failed: %s)",
			   (unsigned long)gid, strerror(-r));
	if (r < 0)
		goto out;
	snprintf(ret->owner_name, sizeof(ret->owner_name), "%s", gr.gr_name);
	rule = policy_find_rule(p, POLICY_RULE_GROUP, gr.gr_name);
	if (!rule || !policy_rule_shared(rule)) {
		/* No namespace for the group as such: as mode none. */
		ret->verdict = PLAN_MODE_NONE;
		ret->mode = POLICY_MODE_NONE;
		goto out;
	}
	r = fill_rule(p, rule, ret, err);
out:
	free(buf);
	return r;
}

int plan_resolve(const struct policy *p, const char *user, struct plan *ret, struct errbuf *err)
{
	struct passwd pw;
	char *buf = NULL;
	int r;

	r = util_getpwnam(user, &pw, &buf);
	if (r == -ENOENT)
		errbuf_set(err, "unknown user '%s'", user);
	else if (r < 0)
		errbuf_set(err, "cannot look up user '%s' (a name service failed: %s)", user,
			   strerror(-r));
	else
		r = plan_fill(p, &pw, ret, err);
	free(buf);
	return r;
}

int plan_resolve_uid(const struct policy *p, uid_t uid, struct plan *ret, struct errbuf *err)
{
	struct passwd pw;
	char *buf = NULL;
	int r;

	r = util_getpwuid(uid, &pw, &buf);
	if (r == -ENOENT)
		errbuf_set(err, "unknown uid %lu", (unsigned long)uid);
	else if (r < 0)
		errbuf_set(err, "cannot look up uid %lu (a name service failed: %s)",
			   (unsigned long)uid, strerror(-r));
	else
		r = plan_fill(p, &pw, ret, err);
	free(buf);
	return r;
}

int plan_may_manage(const struct policy *p, uid_t caller, const gid_t *groups, size_t n_groups,
		    uid_t target, struct errbuf *err)
{
	struct group gr;
	char *buf = NULL;
	int r;

	if (caller == target || caller == 0)
		return 0;
	if (p->global.admin_group[0]) {
		r = util_getgrnam(p->global.admin_group, &gr, &buf);
		if (r < 0 && r != -ENOENT) {
			errbuf_errno(err, r, "cannot look up admin_group '%s'",
				     p->global.admin_group);
			free(buf);
			return r;
		}
		/* The caller's own credentials, not a group file's member list. */
		if (r == 0 && gid_in(gr.gr_gid, groups, n_groups)) {
			free(buf);
			return 0;
		}
		free(buf);
	}
	errbuf_set(err, "only root%s%s%s may act for other users",
		   p->global.admin_group[0] ? " and members of " : "", p->global.admin_group, "");
	return -EPERM;
}

const char *plan_rule_label(const struct plan *plan, char *buf, size_t size)
{
	if (plan->rule_kind == POLICY_RULE_DEFAULT && !plan->rule_line) {
		snprintf(buf, size, "the built-in default");
		return buf;
	}
	return policy_section_label(plan->rule_kind, plan->rule_name, buf, size);
}

static void print_addr(const char *label, const struct plan_addr *a, FILE *out)
{
	char b1[ADDR_PREFIX_STRLEN], b2[ADDR_PREFIX_STRLEN], b3[ADDR_PREFIX_STRLEN];

	switch (a->source) {
	case PLAN_ADDR_NONE:
		fprintf(out, "  %-11s none\n", label);
		break;
	case PLAN_ADDR_FIXED:
		fprintf(out, "  %-11s host end %s, namespace end %s (fixed)\n", label,
			addr_prefix_format(&a->host, b1, sizeof(b1)),
			addr_prefix_format(&a->peer, b2, sizeof(b2)));
		break;
	case PLAN_ADDR_POOL:
		if (addr_prefix_is_set(&a->block))
			fprintf(out, "  %-11s host end %s, namespace end %s (leased from %s)\n",
				label, addr_prefix_format(&a->host, b1, sizeof(b1)),
				addr_prefix_format(&a->peer, b2, sizeof(b2)),
				addr_prefix_format(&a->pool, b3, sizeof(b3)));
		else
			fprintf(out, "  %-11s a /%u block leased from pool %s at first login\n",
				label, a->block_len, addr_prefix_format(&a->pool, b1, sizeof(b1)));
		break;
	}
}

static void print_egress(const char *label, const struct policy_egress_list *l, const char *none,
			 FILE *out)
{
	char buf[POLICY_EGRESS_STRLEN];

	fprintf(out, "  %-11s ", label);
	if (l->n == 0)
		fputs(none, out);
	for (size_t i = 0; i < l->n; i++)
		fprintf(out, "%s%s", i ? ", " : "",
			policy_egress_format(&l->v[i], buf, sizeof(buf)));
	fputc('\n', out);
}

static void print_dns(const struct policy_dns *dns, FILE *out)
{
	char a[ADDR_PREFIX_STRLEN];

	switch (dns->kind) {
	case POLICY_DNS_INHERIT:
		fprintf(out, "  %-11s as the host's resolv.conf says (inherit)\n", "dns");
		return;
	case POLICY_DNS_HOST_END:
		fprintf(out, "  %-11s loopback resolvers answered from the host end's address\n",
			"dns");
		return;
	case POLICY_DNS_HOST:
		fprintf(out,
			"  %-11s loopback resolvers answered from the host's own, as its resolv.conf names them at each login\n",
			"dns");
		return;
	case POLICY_DNS_ADDRS:
		fprintf(out, "  %-11s loopback resolvers answered from", "dns");
		for (size_t i = 0; i < dns->n; i++)
			fprintf(out, "%s %s", i ? "," : "",
				addr_format(&dns->addr[i], a, sizeof(a)));
		fprintf(out, "%s\n", dns->n > 1 ? " (a query to one of them, at random)" : "");
		return;
	}
}

void plan_print(const struct plan *plan, const char *policy_path, const char *rundir, FILE *out)
{
	char label[POLICY_NAME_MAX + 16];

	plan_rule_label(plan, label, sizeof(label));
	switch (plan->verdict) {
	case PLAN_BELOW_MIN_UID:
		fprintf(out, "%s (uid %lu): not handled: uid is below min_uid\n", plan->user,
			(unsigned long)plan->uid);
		return;
	case PLAN_MODE_NONE:
		if (plan->rule_line)
			fprintf(out, "%s (uid %lu): not handled: mode none, from %s at %s:%u\n",
				plan->user, (unsigned long)plan->uid, label, policy_path,
				plan->rule_line);
		else
			fprintf(out, "%s (uid %lu): not handled: mode none, from %s\n", plan->user,
				(unsigned long)plan->uid, label);
		return;
	case PLAN_HANDLED:
		break;
	}

	if (plan->rule_line)
		fprintf(out, "%s (uid %lu): handled by %s at %s:%u\n", plan->user,
			(unsigned long)plan->uid, label, policy_path, plan->rule_line);
	else
		fprintf(out, "%s (uid %lu): handled by %s\n", plan->user, (unsigned long)plan->uid,
			label);
	fprintf(out, "  %-11s %s\n", "mode", policy_mode_to_string(plan->mode));
	fprintf(out, "  %-11s %s (%s/%s)\n", "namespace", plan->netns, rundir, plan->netns);
	if (owner_is_group(plan->owner))
		fprintf(out, "  %-11s shared by the members of group %s (gid %lu)\n", "owner",
			plan->owner_name, (unsigned long)owner_id(plan->owner));
	if (plan->hostname[0])
		fprintf(out, "  %-11s %s\n", "host name", plan->hostname);
	else if (plan->hostname_refused)
		fprintf(out, "  %-11s none: the user name makes no valid host name\n", "host name");
	if (plan->netns_unlisted)
		fprintf(out,
			"  %-11s %s is not published to the host: another user's host name could be the same\n",
			"unlisted", plan->netns);
	if (policy_mode_has_link(plan->mode)) {
		if (plan->mode == POLICY_MODE_BRIDGE)
			fprintf(out, "  %-11s %s, enslaved to bridge %s\n", "host end",
				plan->host_ifname, plan->bridge);
		else
			fprintf(out, "  %-11s %s\n", "host end", plan->host_ifname);
		fprintf(out, "  %-11s %s\n", "peer end", plan->peer_ifname);
		fprintf(out, "  %-11s %u\n", "mtu", plan->mtu);
		print_addr("ipv4", &plan->v4, out);
		print_addr("ipv6", &plan->v6, out);
		print_egress("allow", &plan->allow, "everything the deny list leaves", out);
		print_egress("deny", &plan->deny, "nothing", out);
		fprintf(out, "  %-11s every other user (%zu range%s)\n", "unreachable",
			plan->n_ranges, plan->n_ranges == 1 ? "" : "s");
	}
	if (policy_mode_has_link(plan->mode))
		print_dns(&plan->dns, out);
	if (plan->mode == POLICY_MODE_NAT)
		fprintf(out, "  %-11s through the host, translated for IPv4%s, uplink %s\n",
			"way out",
			plan->v6.source == PLAN_ADDR_NONE ? "" :
			plan->nat6			  ? " and IPv6" :
							    " (IPv6 routed)",
			plan->uplink[0] ? plan->uplink : "auto");
	fprintf(out, "  %-11s %s\n", "teardown", policy_teardown_to_string(plan->teardown));
}
