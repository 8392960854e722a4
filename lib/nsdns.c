/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_tuple_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usernetns/nsdns.h"

/* The registers nft itself uses for one-value matches. */
#define REG NFT_REG_1

#define CHAIN_OUT "output"
#define CHAIN_POST "postrouting"
#define CHAIN_IN "input"

/* The priorities of destination and source translation (NF_IP_PRI_NAT_*), filtering. */
#define PRIO_DNAT (-100)
#define PRIO_SNAT 100
#define PRIO_FILTER 0

/* What loopback resolvers resolv.conf may name: one address, and a range. */
struct loopback_match {
	const char *text;
	uint8_t from[4], to[4];
};

static const struct loopback_match loopbacks[] = {
	{ "127.0.0.1", { 127, 0, 0, 1 }, { 127, 0, 0, 1 } },
	{ "127.0.0.53-127.0.0.54", { 127, 0, 0, 53 }, { 127, 0, 0, 54 } },
};

static const struct {
	const char *name;
	uint8_t number;
} protos[] = { { "udp", IPPROTO_UDP }, { "tcp", IPPROTO_TCP } };

/* The rules, in order, each named by its comment: what the check compares. */
#define RULES_MAX (POLICY_DNS_MAX * ELEMENTSOF(protos) * ELEMENTSOF(loopbacks) + 2)

struct rule_name {
	const char *chain;
	char comment[96];
};

static size_t rule_names(const struct nsdns_targets *t, struct rule_name ret[RULES_MAX])
{
	char a[ADDR_PREFIX_STRLEN];
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		for (size_t p = 0; p < ELEMENTSOF(protos); p++)
			for (size_t l = 0; l < ELEMENTSOF(loopbacks); l++) {
				ret[n].chain = CHAIN_OUT;
				snprintf(ret[n].comment, sizeof(ret[n].comment),
					 "usernetns dns: %s %s port 53 to %s (%zu of %zu)",
					 protos[p].name, loopbacks[l].text,
					 addr_format(&t->addr[i], a, sizeof(a)), i + 1, t->n);
				n++;
			}
	ret[n].chain = CHAIN_POST;
	snprintf(ret[n].comment, sizeof(ret[n].comment),
		 "usernetns dns: loopback source leaving, as this namespace");
	n++;
	ret[n].chain = CHAIN_IN;
	snprintf(ret[n].comment, sizeof(ret[n].comment),
		 "usernetns dns: the loopback reached from outside only by replies");
	return n + 1;
}

void nsdns_targets(const struct plan *plan, const struct addr_prefix *host4,
		   struct nsdns_targets *ret)
{
	*ret = (struct nsdns_targets){ 0 };
	if (!policy_mode_has_link(plan->mode))
		return;
	switch (plan->dns.kind) {
	case POLICY_DNS_INHERIT:
		return;
	case POLICY_DNS_HOST_END:
		if (addr_prefix_is_set(host4)) {
			ret->addr[0] = *host4;
			ret->addr[0].len = 32;
			ret->n = 1;
		}
		return;
	case POLICY_DNS_ADDRS:
		ret->n = plan->dns.n;
		memcpy(ret->addr, plan->dns.addr, plan->dns.n * sizeof(plan->dns.addr[0]));
		return;
	}
}

int nsdns_format(const struct nsdns_targets *t, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < t->n; i++) {
		char a[ADDR_PREFIX_STRLEN];
		int k = snprintf(buf + used, size - used, "%s%s", i ? "," : "",
				 addr_format(&t->addr[i], a, sizeof(a)));

		if (k < 0 || (size_t)k >= size - used)
			return -ENAMETOOLONG;
		used += (size_t)k;
	}
	return 0;
}

int nsdns_parse(const char *s, struct nsdns_targets *ret)
{
	struct nsdns_targets t = { 0 };
	char buf[POLICY_DNS_MAX * 16 + 1];

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	for (char *item = buf, *next; *buf && item; item = next) {
		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		if (t.n == POLICY_DNS_MAX || inet_pton(AF_INET, item, t.addr[t.n].bytes) != 1)
			return -EINVAL;
		t.addr[t.n].family = AF_INET;
		t.addr[t.n].len = 32;
		t.n++;
	}
	*ret = t;
	return 0;
}

/* ---- the check: one dump of the table's rules ---------------------------------- */

struct rule_walk {
	const struct rule_name *want;
	size_t n_want, seen;
	bool differs;
};

struct rule_attrs {
	char chain[32];
	char comment[128];
};

static int rule_attr_cb(const struct nlattr *attr, void *data)
{
	struct rule_attrs *a = data;

	switch (mnl_attr_get_type(attr)) {
	case NFTA_RULE_CHAIN:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(a->chain, sizeof(a->chain), "%s", mnl_attr_get_str(attr));
		break;
	case NFTA_RULE_USERDATA:
		nfnl_read_comment(attr, a->comment, sizeof(a->comment));
		break;
	}
	return MNL_CB_OK;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rule_walk *w = data;
	struct rule_attrs a = { "", "" };

	if ((nlh->nlmsg_type & 0xff) != NFT_MSG_NEWRULE)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), rule_attr_cb, &a);
	if (w->seen >= w->n_want || !streq(a.chain, w->want[w->seen].chain) ||
	    !streq(a.comment, w->want[w->seen].comment))
		w->differs = true;
	w->seen++;
	return MNL_CB_OK;
}

int nsdns_check(struct nfnl *n, const struct nsdns_targets *t, bool *ret_ok, struct errbuf *err)
{
	struct rule_name want[RULES_MAX];
	struct rule_walk w = { .want = want };
	char buf[NFNL_BUF_SIZE];
	struct nlmsghdr *nlh;
	int r;

	w.n_want = rule_names(t, want);
	nlh = nfnl_msg(buf, NFT_MSG_GETRULE, NFPROTO_IPV4, NLM_F_DUMP);
	mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, NSDNS_TABLE);
	r = nfnl_query(n, nlh, rule_cb, &w, err, "list the rules of table ip " NSDNS_TABLE);
	if (r == -ENOENT)
		r = 0;
	*ret_ok = r == 0 && !w.differs && w.seen == w.n_want;
	return r;
}

/* ---- making it ------------------------------------------------------------------- */

static void put_table(struct nfnl *n, struct nfnl_batch *b, uint16_t type, bool comment)
{
	struct nlmsghdr *nlh = nfnl_batch_msg(n, b, type, NFPROTO_IPV4,
					      type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0);

	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, NSDNS_TABLE);
	if (comment)
		nfnl_put_comment(
			nlh, NFTA_TABLE_USERDATA,
			"made by usernetns at login: the policy's dns (usernetns.conf(5))");
	nfnl_batch_next(b);
}

static void put_chain(struct nfnl *n, struct nfnl_batch *b, const char *name, uint32_t hook,
		      int32_t prio, const char *type)
{
	struct nlmsghdr *nlh = nfnl_batch_msg(n, b, NFT_MSG_NEWCHAIN, NFPROTO_IPV4, NLM_F_CREATE);
	struct nlattr *nest;

	mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, NSDNS_TABLE);
	mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, name);
	nest = mnl_attr_nest_start(nlh, NFTA_CHAIN_HOOK);
	mnl_attr_put_u32(nlh, NFTA_HOOK_HOOKNUM, htonl(hook));
	mnl_attr_put_u32(nlh, NFTA_HOOK_PRIORITY, htonl((uint32_t)prio));
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_strz(nlh, NFTA_CHAIN_TYPE, type);
	mnl_attr_put_u32(nlh, NFTA_CHAIN_POLICY, htonl(NF_ACCEPT));
	nfnl_batch_next(b);
}

static struct nlmsghdr *rule_start(struct nfnl *n, struct nfnl_batch *b, const char *chain)
{
	struct nlmsghdr *nlh =
		nfnl_batch_msg(n, b, NFT_MSG_NEWRULE, NFPROTO_IPV4, NLM_F_CREATE | NLM_F_APPEND);

	mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, NSDNS_TABLE);
	mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, chain);
	return nlh;
}

/*
 * meta l4proto P ip daddr L th dport 53 [numgen random mod K == 0]
 * dnat ip to T: of k resolvers still to choose from, this one takes a
 * query with chance 1/k, the last one every query left.
 */
static void put_redirect(struct nfnl *n, struct nfnl_batch *b, uint8_t proto,
			 const struct loopback_match *l, const struct addr_prefix *target,
			 uint32_t choices, const char *comment)
{
	struct nlmsghdr *nlh = rule_start(n, b, CHAIN_OUT);
	struct nlattr *exprs = nfnl_exprs_start(nlh);
	uint16_t port = htons(53);
	uint32_t zero = 0;

	nfnl_expr_meta(nlh, NFT_META_L4PROTO, REG);
	nfnl_expr_cmp(nlh, REG, NFT_CMP_EQ, &proto, sizeof(proto));
	/* The destination address: 16 bytes into the IPv4 header. */
	nfnl_expr_payload(nlh, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, REG);
	if (memcmp(l->from, l->to, 4) == 0) {
		nfnl_expr_cmp(nlh, REG, NFT_CMP_EQ, l->from, 4);
	} else {
		nfnl_expr_cmp(nlh, REG, NFT_CMP_GTE, l->from, 4);
		nfnl_expr_cmp(nlh, REG, NFT_CMP_LTE, l->to, 4);
	}
	/* The destination port, 2 bytes into UDP and TCP headers alike. */
	nfnl_expr_payload(nlh, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, REG);
	nfnl_expr_cmp(nlh, REG, NFT_CMP_EQ, &port, sizeof(port));
	if (choices > 1) {
		nfnl_expr_numgen_random(nlh, REG, choices);
		nfnl_expr_cmp(nlh, REG, NFT_CMP_EQ, &zero, sizeof(zero));
	}
	nfnl_expr_immediate(nlh, REG, target->bytes, 4);
	nfnl_expr_dnat(nlh, NFPROTO_IPV4, REG);
	nfnl_exprs_end(nlh, exprs);
	nfnl_put_comment(nlh, NFTA_RULE_USERDATA, comment);
	nfnl_batch_next(b);
}

/* ip saddr 127.0.0.0/8 oif != lo masquerade */
static void put_masquerade(struct nfnl *n, struct nfnl_batch *b, const char *comment)
{
	struct nlmsghdr *nlh = rule_start(n, b, CHAIN_POST);
	struct nlattr *exprs = nfnl_exprs_start(nlh);
	uint8_t loopback_net = 127;
	uint32_t lo = 1; /* lo is interface 1 in every namespace */

	/* The first byte of the source address, 12 bytes into the header. */
	nfnl_expr_payload(nlh, NFT_PAYLOAD_NETWORK_HEADER, 12, 1, REG);
	nfnl_expr_cmp(nlh, REG, NFT_CMP_EQ, &loopback_net, sizeof(loopback_net));
	nfnl_expr_meta(nlh, NFT_META_OIF, REG);
	nfnl_expr_cmp(nlh, REG, NFT_CMP_NEQ, &lo, sizeof(lo));
	nfnl_expr_masq(nlh);
	nfnl_exprs_end(nlh, exprs);
	nfnl_put_comment(nlh, NFTA_RULE_USERDATA, comment);
	nfnl_batch_next(b);
}

/*
 * iif != lo ip daddr 127.0.0.0/8 ct direction original drop: with
 * route_localnet, the namespace end would take packets for its loopback
 * from the wire (from a neighbour on a bridge, say) and hand them to
 * services bound to 127.0.0.1.  Only the replies to translated queries
 * may come that way.
 */
static void put_guard(struct nfnl *n, struct nfnl_batch *b, const char *comment)
{
	struct nlmsghdr *nlh = rule_start(n, b, CHAIN_IN);
	struct nlattr *exprs = nfnl_exprs_start(nlh);
	uint8_t loopback_net = 127, original = IP_CT_DIR_ORIGINAL;
	uint32_t lo = 1;

	nfnl_expr_meta(nlh, NFT_META_IIF, REG);
	nfnl_expr_cmp(nlh, REG, NFT_CMP_NEQ, &lo, sizeof(lo));
	nfnl_expr_payload(nlh, NFT_PAYLOAD_NETWORK_HEADER, 16, 1, REG);
	nfnl_expr_cmp(nlh, REG, NFT_CMP_EQ, &loopback_net, sizeof(loopback_net));
	nfnl_expr_ct(nlh, NFT_CT_DIRECTION, REG);
	nfnl_expr_cmp(nlh, REG, NFT_CMP_EQ, &original, sizeof(original));
	nfnl_expr_verdict(nlh, NF_DROP);
	nfnl_exprs_end(nlh, exprs);
	nfnl_put_comment(nlh, NFTA_RULE_USERDATA, comment);
	nfnl_batch_next(b);
}

int nsdns_apply(struct nfnl *n, const struct nsdns_targets *t, bool fresh, struct errbuf *err)
{
	struct rule_name names[RULES_MAX];
	struct nfnl_batch *b;
	size_t k = 0;
	int r;

	if (t->n == 0)
		return nsdns_remove(n, NULL, err);
	b = malloc(sizeof(*b));
	if (!b)
		return errbuf_errno(err, -ENOMEM, "cannot make table ip " NSDNS_TABLE);
	rule_names(t, names);
	nfnl_batch_start(n, b);
	if (!fresh) {
		/* Whatever is there goes, in the same transaction. */
		put_table(n, b, NFT_MSG_NEWTABLE, false);
		put_table(n, b, NFT_MSG_DELTABLE, false);
	}
	put_table(n, b, NFT_MSG_NEWTABLE, true);
	put_chain(n, b, CHAIN_OUT, NF_INET_LOCAL_OUT, PRIO_DNAT, "nat");
	put_chain(n, b, CHAIN_POST, NF_INET_POST_ROUTING, PRIO_SNAT, "nat");
	put_chain(n, b, CHAIN_IN, NF_INET_LOCAL_IN, PRIO_FILTER, "filter");
	for (size_t i = 0; i < t->n; i++)
		for (size_t p = 0; p < ELEMENTSOF(protos); p++)
			for (size_t l = 0; l < ELEMENTSOF(loopbacks); l++, k++)
				put_redirect(n, b, protos[p].number, &loopbacks[l], &t->addr[i],
					     (uint32_t)(t->n - i), names[k].comment);
	put_masquerade(n, b, names[k++].comment);
	put_guard(n, b, names[k].comment);
	r = nfnl_batch_commit(n, b, err, "make table ip " NSDNS_TABLE);
	free(b);
	return r;
}

int nsdns_remove(struct nfnl *n, bool *ret_removed, struct errbuf *err)
{
	char buf[NFNL_BUF_SIZE];
	struct nlmsghdr *nlh;
	struct nfnl_batch *b;
	int r;

	if (ret_removed)
		*ret_removed = false;
	/* Asked first: most namespaces never had one. */
	nlh = nfnl_msg(buf, NFT_MSG_GETTABLE, NFPROTO_IPV4, 0);
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, NSDNS_TABLE);
	r = nfnl_query(n, nlh, NULL, NULL, err, "ask for table ip " NSDNS_TABLE);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	b = malloc(sizeof(*b));
	if (!b)
		return errbuf_errno(err, -ENOMEM, "cannot remove table ip " NSDNS_TABLE);
	nfnl_batch_start(n, b);
	put_table(n, b, NFT_MSG_DELTABLE, false);
	r = nfnl_batch_commit(n, b, err, "remove table ip " NSDNS_TABLE);
	free(b);
	if (r == 0 && ret_removed)
		*ret_removed = true;
	return r == -ENOENT ? 0 : r; /* gone meanwhile */
}
