/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "usernetns/firewall.h"
#include "usernetns/plan.h"

/*
 * Why a lookup of what ("user 'alice'", "gid 3000") gave r: nobody by
 * that name or id, or a name service that failed, which never reads as
 * "nobody" (util_getpwnam()).  Returns r.
 */
__attribute__((format(printf, 3, 4))) static int lookup_failed(int r, struct errbuf *err,
							       const char *fmt, ...)
{
	char what[POLICY_NAME_MAX + 16]; /* "group 'NAME'" */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (r == -ENOENT)
		errbuf_set(err, "unknown %s", what);
	else
		errbuf_set(err, "cannot look up %s (a name service failed: %s)", what,
			   strerror(-r));
	return r;
}

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

/* What the name service says of the group of one [group:] section, for a user. */
struct group_answer {
	bool asked;    /* the section was reached: no earlier one placed the user */
	bool primary;  /* the group is the user's primary group (the passwd entry) */
	bool listed;   /* the group's entry lists the user */
	bool members;  /* the group's entry lists anybody */
	bool credited; /* the user's group list has it */
};

static bool answer_member(const struct group_answer *a)
{
	return a->primary || a->listed || a->credited;
}

/* What match_group() found. */
struct group_match {
	const struct policy_rule *rule; /* NULL: no [group:] section */
	gid_t gid;
	struct group_answer answer;  /* of rule */
	struct group_answer watched; /* of the group it was asked to watch */
};

/* The answer a later login must hear say "no" before the user may leave. */
static enum placement_member answer_witness(const struct group_answer *a)
{
	return a->primary ? PLACEMENT_MEMBER_PRIMARY :
	       a->listed  ? PLACEMENT_MEMBER_ENTRY :
			    PLACEMENT_MEMBER_LIST;
}

/*
 * The first [group:] section, in file order, that the user belongs to.
 *
 * A member is whom any of three answers names: the group is the user's
 * primary group, the group's entry (getgrnam_r()) lists the user, or the
 * user's group list (getgrouplist(), what initgroups() gives the session)
 * has it.  They differ with nothing failing: SSSD gives group lists to
 * users of its own domain only (a local user in a directory group is in
 * the entry alone), and with ignore_group_members its entries list
 * nobody (a member is in the list alone).  None of them tells "not a
 * member" from "not known", so:
 *  - a lookup that fails is an error, never a "no";
 *  - a group the name service says does not exist ends the search
 *    undecided: an offline SSSD says so of every group it has not
 *    cached, and the section after it, or [default], would be a guess.
 *    A user an earlier section placed never gets that far.
 * watch is the group of the section that last placed the user (NULL:
 * none): its answer, if it was asked, goes to ret->watched.
 *
 * Each question is asked once (docs/internals.md, "One question, one
 * answer"): the entry of each section's group, and the user's group list
 * when the first section whose group is not the user's primary group
 * needs it, kept for the sections after it (getgrouplist() puts the
 * primary group in every list: that answer is known without it).
 * Nothing outlives the call: the next login asks again.
 */
static int match_group(const struct policy *p, const char *user, gid_t gid, const char *watch,
		       struct group_match *ret, struct errbuf *err)
{
	gid_t *groups = NULL; /* the user's group list: NULL until asked */
	size_t n_groups = 0;
	char *buf = NULL;
	int r = 0;

	*ret = (struct group_match){ 0 };
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *rule = &p->rules[i];
		struct group_answer a = { .asked = true };
		struct group gr;

		if (rule->kind != POLICY_RULE_GROUP)
			continue;
		r = util_getgrnam(rule->name, &gr, &buf);
		if (r == -ENOENT) {
			errbuf_set(
				err,
				"[group:%s] (%s:%u): the name service knows no group '%s', so whether user '%s' is in it cannot be told (an offline SSSD says so of a group it has not cached; a misspelt name too)",
				rule->name, p->path, rule->line, rule->name, user);
			r = -EHOSTDOWN;
			break;
		}
		if (r < 0) {
			/* Not knowing a group could pick the wrong section. */
			lookup_failed(r, err, "group '%s'", rule->name);
			break;
		}
		a.primary = gr.gr_gid == gid;
		a.listed = name_in(user, gr.gr_mem);
		a.members = gr.gr_mem && gr.gr_mem[0];
		if (!a.primary && !groups) {
			r = util_getgrouplist(user, gid, &groups, &n_groups);
			if (r < 0) {
				errbuf_errno(err, r, "cannot list the groups of user '%s'", user);
				break;
			}
		}
		a.credited = a.primary || gid_in(gr.gr_gid, groups, n_groups);
		if (watch && streq(watch, rule->name))
			ret->watched = a;
		if (answer_member(&a)) {
			ret->rule = rule;
			ret->gid = gr.gr_gid;
			ret->answer = a;
			break;
		}
	}
	free(buf);
	free(groups);
	return r;
}

/*
 * A user last placed by another section, or in another mode, is moved
 * (PLAN_HISTORY_MOVED, which the caller logs), but never on an answer
 * that cannot say "no".  That the user left [group:G] is known only from
 * the kind of answer that showed the user in it: the passwd entry, now
 * with another primary group; the group's entry, now listing members and
 * not the user.  An entry that lists nobody (SSSD's ignore_group_members,
 * a cache that keeps no members) says nothing, and neither does the
 * user's group list, which an offline directory that has not cached it
 * leaves short without a word: such a user is refused, not moved, until
 * the answer comes back, the policy drops that section (or places the
 * user before it), or root forgets the record (usernetns-cleanup --forget).
 */
static int check_move(struct plan *plan, const struct group_answer *watched, struct errbuf *err)
{
	const struct placement *last = &plan->last;
	char from[POLICY_LABEL_MAX], to[POLICY_LABEL_MAX];
	const char *why;

	if (plan->history != PLAN_HISTORY_SAME)
		return 0;
	if (placement_same_section(last, &plan->placed) && last->mode == plan->placed.mode)
		return 0;
	plan->history = PLAN_HISTORY_MOVED;
	/* Not asked: a section before it placed the user, or the policy dropped it. */
	if (!watched->asked || answer_member(watched) || last->member == PLACEMENT_MEMBER_PRIMARY ||
	    (last->member == PLACEMENT_MEMBER_ENTRY && watched->members))
		return 0;
	why = last->member == PLACEMENT_MEMBER_ENTRY ?
		      "listed by the group's entry, which now lists nobody (SSSD's ignore_group_members, or a cache that keeps no members)" :
		      "a member by their own group list alone, which now lacks the group (an offline directory that has not cached the user's groups answers so)";
	errbuf_set(
		err,
		"cannot tell whether user '%s' left group '%s': %s (mode %s) placed the user last, %s; not moving the user to %s (mode %s) on that. If the user left the group: usernetns-cleanup --forget %s",
		plan->user, last->name,
		policy_section_label(last->kind, last->name, from, sizeof(from)),
		policy_mode_to_string(last->mode), why, plan_rule_label(plan, to, sizeof(to)),
		policy_mode_to_string(plan->mode), plan->user);
	return -EHOSTDOWN;
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
	/* A shared namespace's end is named without a user (policy-share.c). */
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
		plan->rate_out = rule->rate_out;
		plan->rate_in = rule->rate_in;
		plan->burst = rule->burst;
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

static int plan_fill(const struct policy *p, const struct uns_paths *history,
		     const struct passwd *pw, struct plan *plan, struct errbuf *err)
{
	struct group_match m = { 0 };
	const struct policy_rule *rule;
	const char *watch = NULL;
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

	if (history) {
		r = placement_read(history, pw->pw_uid, &plan->last, err);
		plan->history = r == 0 ? PLAN_HISTORY_SAME : PLAN_HISTORY_NONE;
		if (r < 0 && r != -ENOENT)
			return r;
		if (r == 0 && plan->last.kind == POLICY_RULE_GROUP)
			watch = plan->last.name;
	}
	rule = policy_find_rule(p, POLICY_RULE_USER, pw->pw_name);
	if (!rule) {
		r = match_group(p, pw->pw_name, pw->pw_gid, watch, &m, err);
		if (r < 0)
			return r;
		rule = m.rule;
	}
	if (!rule)
		rule = &p->defaults;
	/* A member of a shared section is placed in the group's namespace. */
	if (policy_rule_shared(rule)) {
		plan->owner = owner_group(m.gid);
		snprintf(plan->owner_name, sizeof(plan->owner_name), "%s", rule->name);
	}
	plan->placed = (struct placement){
		.kind = rule->kind,
		.mode = rule->mode,
		.member = rule->kind == POLICY_RULE_GROUP ? answer_witness(&m.answer) :
							    PLACEMENT_MEMBER_NONE,
	};
	snprintf(plan->placed.name, sizeof(plan->placed.name), "%s", rule->name ? rule->name : "");
	plan->in_group_list = m.answer.credited;
	r = fill_rule(p, rule, plan, err);
	if (r < 0)
		return r;
	return check_move(plan, &m.watched, err);
}

int plan_resolve_group(const struct policy *p, gid_t gid, struct plan *ret, struct errbuf *err)
{
	const struct policy_rule *rule;
	struct group gr;
	char *buf = NULL;
	int r;

	*ret = (struct plan){ .uid = (uid_t)-1, .gid = gid, .owner = owner_group(gid) };
	r = util_getgrgid(gid, &gr, &buf);
	if (r < 0) {
		lookup_failed(r, err, "gid %lu", (unsigned long)gid);
		goto out;
	}
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

/* A user by name: -ENOENT for none, another -errno when NSS failed. */
static int lookup_user(const char *user, struct passwd *ret, char **ret_buf, struct errbuf *err)
{
	int r = util_getpwnam(user, ret, ret_buf);

	return r < 0 ? lookup_failed(r, err, "user '%s'", user) : r;
}

int plan_resolve(const struct policy *p, const struct uns_paths *history, const char *user,
		 struct plan *ret, struct errbuf *err)
{
	struct passwd pw;
	char *buf = NULL;
	int r;

	r = lookup_user(user, &pw, &buf, err);
	if (r == 0)
		r = plan_fill(p, history, &pw, ret, err);
	free(buf);
	return r;
}

int plan_fallback_exempt(const struct policy_fallback *f, const char *user, struct errbuf *why)
{
	struct passwd pw;
	char *buf = NULL;
	char from[48];
	int r;

	r = lookup_user(user, &pw, &buf, why);
	if (r < 0)
		goto out;
	if (f->min_uid_line)
		snprintf(from, sizeof(from), "line %u of the policy", f->min_uid_line);
	else
		snprintf(from, sizeof(from), "the built-in default");
	if (pw.pw_uid == 0) {
		errbuf_set(why, "uid 0: root is never refused for want of a policy");
		r = 1;
	} else if (pw.pw_uid < f->min_uid) {
		errbuf_set(why, "uid %lu is below min_uid %lu (%s)", (unsigned long)pw.pw_uid,
			   (unsigned long)f->min_uid, from);
		r = 1;
	} else {
		errbuf_set(why, "uid %lu is not below min_uid %lu (%s)", (unsigned long)pw.pw_uid,
			   (unsigned long)f->min_uid, from);
	}
out:
	free(buf);
	return r;
}

int plan_resolve_uid(const struct policy *p, const struct uns_paths *history, uid_t uid,
		     struct plan *ret, struct errbuf *err)
{
	struct passwd pw;
	char *buf = NULL;
	int r;

	r = util_getpwuid(uid, &pw, &buf);
	if (r < 0)
		lookup_failed(r, err, "uid %lu", (unsigned long)uid);
	else
		r = plan_fill(p, history, &pw, ret, err);
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

/* How the section was chosen: the membership it rests on, and a move. */
static void print_how(const struct plan *plan, FILE *out)
{
	char last[POLICY_LABEL_MAX];

	switch (plan->placed.member) {
	case PLACEMENT_MEMBER_NONE:
		break;
	case PLACEMENT_MEMBER_PRIMARY:
		fprintf(out, "  %-11s by the primary group of the user's passwd entry\n", "member");
		break;
	case PLACEMENT_MEMBER_ENTRY:
		fprintf(out, "  %-11s by the group's entry%s\n", "member",
			plan->in_group_list ? " and the user's group list" :
					      "; the user's group list lacks it");
		break;
	case PLACEMENT_MEMBER_LIST:
		fprintf(out,
			"  %-11s by the user's group list; the group's entry does not list the user\n",
			"member");
		break;
	}
	if (plan->history == PLAN_HISTORY_MOVED)
		fprintf(out,
			"  %-11s from %s (mode %s), which placed the user last (a login logs it)\n",
			"moved",
			policy_section_label(plan->last.kind, plan->last.name, last, sizeof(last)),
			policy_mode_to_string(plan->last.mode));
}

void plan_print(const struct plan *plan, const char *policy_path, const char *rundir, FILE *out)
{
	char label[POLICY_LABEL_MAX];

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
		print_how(plan, out);
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
	print_how(plan, out);
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
		if (plan->rate_out || plan->rate_in) {
			char out_s[POLICY_RATE_STRLEN], in_s[POLICY_RATE_STRLEN];

			fprintf(out, "  %-11s out %s, in %s", "limits",
				policy_rate_format(plan->rate_out, out_s, sizeof(out_s)),
				policy_rate_format(plan->rate_in, in_s, sizeof(in_s)));
			if (plan->burst)
				fprintf(out, " (burst %" PRIu32 " bytes)", plan->burst);
			fprintf(out, "\n");
		}
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
