/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "usernetns/firewall.h"
#include "usernetns/nfnl.h"

/*
 * The comment of our table: what it was made from, as a digest of a fixed
 * length (nft keeps at most 128 characters of a comment).
 */
#define MADE_BY "made by usernetns-firewall: policy %016" PRIx64
#define MADE_BY_SCAN "made by usernetns-firewall: policy %16" SCNx64

/* What made.uplinks says of uplink = auto. */
#define AUTO_UPLINKS "auto (every interface but host ends)"

/* ---- rendering ------------------------------------------------------------------ */

struct text {
	char *s;
	size_t len, cap;
	bool oom;
};

__attribute__((format(printf, 2, 3))) static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->oom = true;
			return;
		}
		if (t->s && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		char *s = util_grow(t->s, &t->cap, t->len + (size_t)n + 1, 1, 4096);
		if (!s) {
			t->oom = true;
			return;
		}
		t->s = s;
	}
}

/*
 * One masquerade rule: sources of a family going out of one uplink, or
 * for "" (auto) out of every interface but host ends.
 */
struct masquerade {
	int family;
	char uplink[IFNAMSIZ];
	struct addr_prefix src[POLICY_RANGES_MAX];
	size_t n;
};

static int add_masquerade(struct masquerade *m, size_t *n, const struct addr_prefix *src,
			  const char *uplink)
{
	struct addr_prefix net = addr_prefix_network(src);
	struct masquerade *e = NULL;

	for (size_t i = 0; i < *n && !e; i++)
		if (m[i].family == src->family && streq(m[i].uplink, uplink))
			e = &m[i];
	if (!e) {
		if (*n == 2 * POLICY_RANGES_MAX)
			return -E2BIG;
		e = &m[(*n)++];
		*e = (struct masquerade){ .family = src->family };
		snprintf(e->uplink, sizeof(e->uplink), "%s", uplink);
	}
	for (size_t i = 0; i < e->n; i++)
		if (addr_prefix_equal(&e->src[i], &net))
			return 0;
	if (e->n == POLICY_RANGES_MAX)
		return -E2BIG;
	e->src[e->n++] = net;
	return 0;
}

/*
 * The table is the policy's alone: uplink = auto is no interface looked up
 * at the load (a default route that comes later, or moves, would leave it
 * behind), but every interface that is not a host end.  With to_load, an
 * uplink the policy names must be there.
 */
static int check_uplink(const char *uplink, bool to_load, struct errbuf *err)
{
	if (to_load && uplink[0] && if_nametoindex(uplink) == 0)
		return errbuf_errno(err, -ENODEV, "uplink '%s' does not exist", uplink);
	return 0;
}

/* The translated ranges of every mode nat section, by family and uplink. */
static int collect_masquerades(const struct policy *p, bool to_load, struct masquerade *m,
			       size_t *n, struct errbuf *err)
{
	*n = 0;
	for (size_t i = 0; i <= p->n_rules; i++) {
		const struct policy_rule *rule = i == 0 ? &p->defaults : &p->rules[i - 1];
		const struct addr_prefix *v4 =
			addr_prefix_is_set(&rule->pool4) ? &rule->pool4 : &rule->address4;
		const struct addr_prefix *v6 =
			addr_prefix_is_set(&rule->pool6) ? &rule->pool6 : &rule->address6;
		char label[POLICY_LABEL_MAX];
		int rc = 0;

		if (rule->mode != POLICY_MODE_NAT)
			continue;
		policy_section_label(rule->kind, rule->name, label, sizeof(label));
		rc = check_uplink(rule->uplink, to_load, err);
		if (rc == 0 && addr_prefix_is_set(v4))
			rc = add_masquerade(m, n, v4, rule->uplink);
		if (rc == 0 && addr_prefix_is_set(v6) && policy_nat6_translates(rule->nat6, v6))
			rc = add_masquerade(m, n, v6, rule->uplink);
		if (rc == -E2BIG)
			errbuf_set(err, "too many translated ranges");
		else if (rc < 0) {
			char why[sizeof(err->msg)];

			snprintf(why, sizeof(why), "%s", err->msg);
			errbuf_set(err, "%s: %s", label, why);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void put_prefixes(struct text *t, const struct addr_prefix *v, size_t n)
{
	char buf[ADDR_PREFIX_STRLEN];

	for (size_t i = 0; i < n; i++)
		put(t, "%s%s", i ? ", " : "", addr_prefix_format(&v[i], buf, sizeof(buf)));
}

/*
 * Host ends by name, as an iifname match: the fixed start of each
 * host_ifname in use with a wildcard ("vu*"), or with shared sections an
 * anonymous set of them ({ "vu*", "vg*" }; nft 1.0.6 of Debian 12 takes
 * and matches it, older ones may not, so a policy without shared
 * sections keeps the single string).  A template that starts with its
 * variable part has no fixed start.
 */
static int host_end_match(const struct policy *p, struct text *ret, struct errbuf *err)
{
	char(*starts)[IFNAMSIZ] = calloc(p->n_rules + 1, sizeof(*starts));
	size_t n;

	if (!starts)
		return errbuf_errno(err, -ENOMEM, "cannot render the table");
	n = policy_host_end_starts(p, starts);
	if (n == 0 || !starts[0][0]) {
		free(starts);
		errbuf_set(
			err,
			"host_ifname = %s: the host's table finds host ends by the fixed start of their name; give it one, as vu%%U",
			p->global.host_ifname);
		return -EINVAL;
	}
	if (n == 1)
		put(ret, "\"%s*\"", starts[0]);
	else
		for (size_t i = 0; i < n; i++)
			put(ret, "%s\"%s*\"%s", i ? ", " : "{ ", starts[i], i + 1 < n ? "" : " }");
	free(starts);
	if (ret->oom)
		return errbuf_errno(err, -ENOMEM, "cannot render the table");
	return 0;
}

/*
 * The table after its comment line, to its end: sets and chains.  With
 * uplinks, the uplinks it names, "eth0,wan1" (cut at size).
 */
static int render_body(const struct policy *p, bool to_load, struct text *t, char *uplinks,
		       size_t size, struct errbuf *err)
{
	struct addr_prefix ranges[2][POLICY_RANGES_MAX];
	size_t n_ranges[2] = { 0, 0 }, n_m = 0;
	struct text ends_text = { 0 };
	struct masquerade *m;
	const char *ends;
	int rc;

	m = calloc(2 * POLICY_RANGES_MAX, sizeof(*m));
	if (!m)
		return errbuf_errno(err, -ENOMEM, "cannot render the table");
	rc = host_end_match(p, &ends_text, err);
	if (rc == 0)
		rc = collect_masquerades(p, to_load, m, &n_m, err);
	if (rc < 0) {
		free(ends_text.s);
		free(m);
		return rc;
	}
	ends = ends_text.s;
	for (size_t i = 0; i < p->n_ranges; i++) {
		int k = p->ranges[i].family == AF_INET ? 0 : 1;

		ranges[k][n_ranges[k]++] = p->ranges[i];
	}

	if (uplinks) {
		struct text u = { 0 };

		for (size_t i = 0; i < n_m; i++) {
			bool seen = false;

			for (size_t k = 0; k < i; k++)
				seen |= streq(m[k].uplink, m[i].uplink);
			if (!seen)
				put(&u, "%s%s", u.len ? "," : "",
				    m[i].uplink[0] ? m[i].uplink : AUTO_UPLINKS);
		}
		snprintf(uplinks, size, "%s", u.s && !u.oom ? u.s : "");
		free(u.s);
	}
	if (n_ranges[0] || n_ranges[1])
		put(t, "\n\t# Where users' addresses come from: no user reaches another.\n");
	for (int k = 0; k < 2; k++) {
		if (!n_ranges[k])
			continue;
		put(t, "\tset ranges%c {\n\t\ttype %s\n\t\tflags interval\n\t\telements = { ",
		    k ? '6' : '4', k ? "ipv6_addr" : "ipv4_addr");
		put_prefixes(t, ranges[k], n_ranges[k]);
		put(t, " }\n\t}\n");
	}

	put(t,
	    "\n\tchain input {\n\t\ttype filter hook input priority filter - 1; policy accept;\n");
	put(t, "\t\t# From a namespace, only its own addresses: what its host end routes to.\n");
	put(t, "\t\tiifname %s fib saddr . iif oif missing drop\n", ends);
	if (n_ranges[0] || n_ranges[1])
		put(t, "\t\t# Of the host's addresses in users' ranges, only its own host end.\n");
	for (int k = 0; k < 2; k++)
		if (n_ranges[k])
			put(t,
			    "\t\tiifname %s %s daddr @ranges%c fib daddr . iif type != local drop\n",
			    ends, k ? "ip6" : "ip", k ? '6' : '4');
	put(t, "\t}\n");

	put(t,
	    "\n\tchain forward {\n\t\ttype filter hook forward priority filter - 1; policy accept;\n");
	put(t, "\t\tiifname %s fib saddr . iif oif missing drop\n", ends);
	if (n_ranges[0] || n_ranges[1])
		put(t, "\t\t# Nor, through the host, another user.\n");
	for (int k = 0; k < 2; k++)
		if (n_ranges[k])
			put(t, "\t\t%s saddr @ranges%c %s daddr @ranges%c drop\n", k ? "ip6" : "ip",
			    k ? '6' : '4', k ? "ip6" : "ip", k ? '6' : '4');
	put(t, "\t}\n");

	if (n_m) {
		put(t,
		    "\n\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
		put(t, "\t\t# Mode nat: out through the host, as the host, never to a user.\n");
		for (size_t i = 0; i < n_m; i++) {
			int k = m[i].family == AF_INET ? 0 : 1;

			put(t, "\t\t%s saddr { ", k ? "ip6" : "ip");
			put_prefixes(t, m[i].src, m[i].n);
			put(t, " }");
			if (n_ranges[k])
				put(t, " %s daddr != @ranges%c", k ? "ip6" : "ip", k ? '6' : '4');
			if (m[i].uplink[0])
				put(t, " oifname \"%s\" masquerade\n", m[i].uplink);
			else
				put(t, " oifname != %s masquerade\n", ends);
		}
		put(t, "\t}\n");
	}
	put(t, "}\n");
	free(ends_text.s);
	free(m);
	if (t->oom)
		return errbuf_errno(err, -ENOMEM, "cannot render the table");
	return 0;
}

int firewall_policy_digest(const struct policy *p, uint64_t *ret, struct errbuf *err)
{
	struct text t = { 0 };
	int rc;

	rc = render_body(p, false, &t, NULL, 0, err);
	if (rc == 0)
		*ret = util_fnv1a64(t.s, strlen(t.s));
	free(t.s);
	return rc;
}

void firewall_missing_uplink(const struct policy *p, char ret[IFNAMSIZ])
{
	ret[0] = '\0';
	for (size_t i = 0; i <= p->n_rules && !ret[0]; i++) {
		const struct policy_rule *rule = i == 0 ? &p->defaults : &p->rules[i - 1];

		if (rule->mode == POLICY_MODE_NAT && rule->uplink[0] &&
		    if_nametoindex(rule->uplink) == 0)
			snprintf(ret, IFNAMSIZ, "%s", rule->uplink);
	}
}

int firewall_render(const struct policy *p, char **ret, struct firewall_made *ret_made,
		    struct errbuf *err)
{
	struct firewall_made made = { 0 };
	struct text body = { 0 }, t = { 0 };
	int rc;

	rc = render_body(p, true, &body, made.uplinks, sizeof(made.uplinks), err);
	if (rc < 0) {
		free(body.s);
		return rc;
	}
	made.digest = util_fnv1a64(body.s, strlen(body.s));
	put(&t, "table %s %s {\n\tcomment \"" MADE_BY "\"\n%s", FIREWALL_FAMILY, FIREWALL_TABLE,
	    made.digest, body.s);
	free(body.s);
	if (t.oom) {
		free(t.s);
		return errbuf_errno(err, -ENOMEM, "cannot render the table");
	}
	*ret = t.s;
	if (ret_made)
		*ret_made = made;
	return 0;
}

int firewall_load_script(const char *table, char **ret)
{
	/* Created first: deleting a table that is not there would fail the lot. */
	if (asprintf(ret, "table %s %s\ndelete table %s %s\n%s", FIREWALL_FAMILY, FIREWALL_TABLE,
		     FIREWALL_FAMILY, FIREWALL_TABLE, table) < 0)
		return -ENOMEM;
	return 0;
}

const char *firewall_remove_script(void)
{
	return "table " FIREWALL_FAMILY " " FIREWALL_TABLE "\n"
	       "delete table " FIREWALL_FAMILY " " FIREWALL_TABLE "\n";
}

/* ---- forwarding -------------------------------------------------------------------- */

#define IP_FORWARD "/proc/sys/net/ipv4/ip_forward"
#define IP6_FORWARD "/proc/sys/net/ipv6/conf/all/forwarding"

static int sysctl_read(const char *path, bool *ret)
{
	char buf[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	*ret = buf[0] != '0';
	return 0;
}

static int sysctl_on(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, "1\n", 2) != 2)
		r = -errno;
	close(fd);
	return r;
}

/* Does the policy need the host to forward family? */
static bool needs_forwarding(const struct policy *p, int family)
{
	for (size_t i = 0; i <= p->n_rules; i++) {
		const struct policy_rule *rule = i == 0 ? &p->defaults : &p->rules[i - 1];

		if (rule->mode != POLICY_MODE_NAT)
			continue;
		if (family == AF_INET &&
		    (addr_prefix_is_set(&rule->pool4) || addr_prefix_is_set(&rule->address4)))
			return true;
		if (family == AF_INET6 &&
		    (addr_prefix_is_set(&rule->pool6) || addr_prefix_is_set(&rule->address6)))
			return true;
	}
	return false;
}

int firewall_forwarding(const struct policy *p, bool enable, struct errbuf *err)
{
	static const struct {
		int family;
		const char *path, *name;
	} knobs[] = {
		{ AF_INET, IP_FORWARD, "net.ipv4.ip_forward" },
		{ AF_INET6, IP6_FORWARD, "net.ipv6.conf.all.forwarding" },
	};

	for (size_t i = 0; i < ELEMENTSOF(knobs); i++) {
		bool on = false;
		int r;

		if (!needs_forwarding(p, knobs[i].family))
			continue;
		r = sysctl_read(knobs[i].path, &on);
		if (r < 0)
			return errbuf_errno(err, r, "cannot read %s", knobs[i].name);
		if (on)
			continue;
		if (!enable) {
			errbuf_set(
				err,
				"%s is 0: the host does not forward, so mode nat reaches nothing; set forwarding = enable in [global], or sysctl -w %s=1",
				knobs[i].name, knobs[i].name);
			return -EHOSTUNREACH;
		}
		r = sysctl_on(knobs[i].path);
		if (r < 0)
			return errbuf_errno(err, r, "cannot turn %s on", knobs[i].name);
	}
	return 0;
}

/* ---- is it in place? ------------------------------------------------------------------ */

struct table_query {
	bool found;
	char comment[256];
};

static int table_attr_cb(const struct nlattr *attr, void *data)
{
	struct table_query *q = data;

	if (mnl_attr_get_type(attr) == NFTA_TABLE_USERDATA)
		nfnl_read_comment(attr, q->comment, sizeof(q->comment));
	return MNL_CB_OK;
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct table_query *q = data;

	if ((nlh->nlmsg_type & 0xff) != NFT_MSG_NEWTABLE)
		return MNL_CB_OK;
	q->found = true;
	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), table_attr_cb, q);
	return MNL_CB_OK;
}

/* Is our table loaded, and with which comment?  Needs CAP_NET_ADMIN. */
static int query_table(struct table_query *q, struct errbuf *err)
{
	char buf[NFNL_BUF_SIZE];
	struct nfnl n;
	struct nlmsghdr *nlh;
	int r;

	r = nfnl_open(&n, err);
	if (r < 0)
		return r;
	nlh = nfnl_msg(buf, NFT_MSG_GETTABLE, NFPROTO_INET, 0);
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, FIREWALL_TABLE);
	r = nfnl_query(&n, nlh, table_cb, q, err,
		       "ask for table " FIREWALL_FAMILY " " FIREWALL_TABLE);
	nfnl_close(&n);
	return r == -ENOENT ? 0 : r; /* not loaded: an answer, not an error */
}

int firewall_status(struct firewall_status *ret, struct errbuf *err)
{
	struct firewall_status s = { 0 };
	struct table_query q = { 0 };
	int r;

	r = query_table(&q, err);
	if (r < 0)
		return r;
	s.table = q.found;
	if (sysctl_read(IP_FORWARD, &s.forwarding4) < 0)
		s.forwarding4 = false;
	if (sysctl_read(IP6_FORWARD, &s.forwarding6) < 0)
		s.forwarding6 = false;
	/* A comment of another form (an older usernetns's) says nothing. */
	if (sscanf(q.comment, MADE_BY_SCAN, &s.digest) != 1)
		s.digest = 0;
	*ret = s;
	return 0;
}

const char *firewall_status_problem(const struct firewall_status *s,
				    const struct firewall_need *need, char *buf, size_t size)
{
	buf[0] = '\0';
	if (need->mode != POLICY_MODE_NAT)
		return buf;
	if (!s->table)
		snprintf(buf, size, "table %s %s is not loaded", FIREWALL_FAMILY, FIREWALL_TABLE);
	else if (need->v4 && !s->forwarding4)
		snprintf(buf, size, "net.ipv4.ip_forward is off");
	else if (need->v6 && !s->forwarding6)
		snprintf(buf, size, "net.ipv6.conf.all.forwarding is off");
	else if (!s->digest || s->digest != need->policy_digest)
		snprintf(buf, size, "table %s %s is stale: not what the policy makes now",
			 FIREWALL_FAMILY, FIREWALL_TABLE);
	else if (need->uplink && need->uplink[0] && if_nametoindex(need->uplink) == 0)
		snprintf(buf, size, "uplink '%s' is not there", need->uplink);
	return buf;
}
