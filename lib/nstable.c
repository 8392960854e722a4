/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_tuple_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "usernetns/fault.h"
#include "usernetns/netns.h"
#include "usernetns/nstable.h"

/* The register nft itself uses for one-value matches (128 bits: an IPv6 address fits). */
#define REG NFT_REG_1

/* lo is interface 1 in every namespace. */
#define LOOPBACK_IFINDEX 1

static const struct {
	const char *name;
	const char *type; /* NULL: a chain jumped to, without a hook */
	uint32_t hook;
	int32_t priority;
	const char *hook_text;
} chains[NSTABLE_CHAINS] = {
	[NSTABLE_OUT] = { "out", "filter", NF_INET_LOCAL_OUT, 0, "output" },
	[NSTABLE_IN] = { "in", "filter", NF_INET_LOCAL_IN, 0, "input" },
	[NSTABLE_DNS] = { "dns", "nat", NF_INET_LOCAL_OUT, -100, "output" },
	[NSTABLE_DNS_SOURCE] = { "dns_source", "nat", NF_INET_POST_ROUTING, 100, "postrouting" },
	[NSTABLE_REFUSE] = { "refuse", NULL, 0, 0, NULL },
};

/* How a refused packet is answered, counted: at once, never a silent drop and a timeout. */
static const char *const refuse_why[] = {
	"TCP: a reset (ECONNREFUSED)",
	"the rest: administratively prohibited (EPERM, EHOSTUNREACH)",
};

void nstable_add(struct nstable *t, const struct nstable_rule *rule, const struct addr_prefix *nets,
		 size_t n)
{
	struct nstable_rule *r;

	if (t->n_rules == NSTABLE_RULES_MAX || n > NSTABLE_NETS_MAX - t->n_nets) {
		t->overflow = true;
		return;
	}
	r = &t->rules[t->n_rules++];
	*r = *rule;
	r->nets_at = t->n_nets;
	r->n_nets = n;
	if (n == 0) {
		r->nets_of = NSTABLE_NETS_NONE;
		return;
	}
	memcpy(&t->nets[t->n_nets], nets, n * sizeof(nets[0]));
	t->n_nets += n;
}

static bool chain_used(const struct nstable *t, enum nstable_chain c)
{
	for (size_t i = 0; i < t->n_rules; i++) {
		if (t->rules[i].chain == c)
			return true;
		if (c == NSTABLE_REFUSE && t->rules[i].verdict == NSTABLE_REFUSED)
			return true;
	}
	return false;
}

/* Does anything count into the named counter? */
static bool counts(const struct nstable *t)
{
	for (size_t i = 0; i < t->n_rules; i++)
		if (t->rules[i].verdict == NSTABLE_REFUSED ||
		    t->rules[i].verdict == NSTABLE_DROP_COUNTED)
			return true;
	return false;
}

/* ---- as text ---------------------------------------------------------------------- */

static const char *family_word(int family)
{
	return family == AF_INET ? "ip" : "ip6";
}

/* A rule's text, word by word. */
struct line {
	char text[2048];
	size_t len;
};

__attribute__((format(printf, 2, 3))) static void word(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (l->len >= sizeof(l->text) - 1)
		return;
	if (l->len)
		l->text[l->len++] = ' ';
	va_start(ap, fmt);
	k = vsnprintf(l->text + l->len, sizeof(l->text) - l->len, fmt, ap);
	va_end(ap);
	if (k > 0)
		l->len = l->len + (size_t)k < sizeof(l->text) ? l->len + (size_t)k :
								sizeof(l->text) - 1;
}

static void print_nets(const struct nstable *t, const struct nstable_rule *r, struct line *l)
{
	const struct addr_prefix *nets = &t->nets[r->nets_at];
	char list[1900] = "", buf[ADDR_PREFIX_STRLEN];
	size_t used = 0;

	for (size_t i = 0; i < r->n_nets && used < sizeof(list); i++) {
		const char *a = "";

		if (!addr_prefix_is_set(&nets[i]))
			snprintf(buf, sizeof(buf), "<%.40s>", r->unknown ? r->unknown : "?");
		else if (nets[i].len == addr_family_bits(nets[i].family))
			addr_format(&nets[i], buf, sizeof(buf));
		else
			addr_prefix_format(&nets[i], buf, sizeof(buf));
		a = buf;
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
					 a);
	}
	word(l, "%s %s %s%s%s%s", family_word(r->family),
	     r->nets_of == NSTABLE_NETS_SRC ? "saddr" : "daddr", r->nets_not ? "!= " : "",
	     r->n_nets == 1 ? "" : "{ ", list, r->n_nets == 1 ? "" : " }");
}

static const char *proto_word(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_SCTP:
		return "sctp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "ipv6-icmp";
	}
	return "?";
}

static void print_rule(const struct nstable *t, const struct nstable_rule *r, FILE *out)
{
	static const char *const ifaces[] = {
		[NSTABLE_IF_ANY] = NULL,
		[NSTABLE_OIF_LO] = "oif \"lo\"",
		[NSTABLE_OIF_NOT_LO] = "oif != \"lo\"",
		[NSTABLE_IIF_NOT_LO] = "iif != \"lo\"",
	};
	struct line l = { .len = 0 };
	char buf[ADDR_PREFIX_STRLEN];

	if (r->family && r->nets_of == NSTABLE_NETS_NONE)
		word(&l, "meta nfproto %s", r->family == AF_INET ? "ipv4" : "ipv6");
	if (ifaces[r->iface])
		word(&l, "%s", ifaces[r->iface]);
	if (r->nets_of != NSTABLE_NETS_NONE)
		print_nets(t, r, &l);
	if (r->proto)
		word(&l, "meta l4proto %s", proto_word(r->proto));
	if (r->th_min) {
		if (r->icmp_type)
			word(&l, "%s type", r->proto == IPPROTO_ICMP ? "icmp" : "icmpv6");
		else
			word(&l, "th dport");
		if (r->th_min == r->th_max)
			word(&l, "%u", r->th_min);
		else
			word(&l, "%u-%u", r->th_min, r->th_max);
	}
	if (r->ct_original)
		word(&l, "ct direction original");
	if (r->random_one_in > 1)
		word(&l, "numgen random mod %u == 0", r->random_one_in);
	switch (r->verdict) {
	case NSTABLE_ACCEPT:
		word(&l, "accept");
		break;
	case NSTABLE_REFUSED:
		word(&l, "jump %s", chains[NSTABLE_REFUSE].name);
		break;
	case NSTABLE_DROP:
		word(&l, "drop");
		break;
	case NSTABLE_DROP_COUNTED:
		word(&l, "counter name \"%s\" drop", NSTABLE_COUNTER);
		break;
	case NSTABLE_DNAT:
		if (r->to.len)
			word(&l, "dnat ip to %s", addr_format(&r->to, buf, sizeof(buf)));
		else
			word(&l, "dnat ip to <%s>", r->unknown ? r->unknown : "?");
		break;
	case NSTABLE_MASQUERADE:
		word(&l, "masquerade");
		break;
	}
	fprintf(out, "\t\t%s\n", l.text);
}

void nstable_print(const struct nstable *t, FILE *out)
{
	fputs("table inet " NSTABLE_NAME " {\n", out);
	if (counts(t))
		fputs("\tcounter " NSTABLE_COUNTER " {\n\t}\n", out);
	for (enum nstable_chain c = 0; c < NSTABLE_CHAINS; c++) {
		if (!chain_used(t, c))
			continue;
		fprintf(out, "\tchain %s {\n", chains[c].name);
		if (chains[c].type)
			fprintf(out, "\t\ttype %s hook %s priority %d; policy accept;\n",
				chains[c].type, chains[c].hook_text, chains[c].priority);
		if (c == NSTABLE_REFUSE) {
			fputs("\t\tmeta l4proto tcp counter name \"" NSTABLE_COUNTER
			      "\" reject with tcp reset\n"
			      "\t\tcounter name \"" NSTABLE_COUNTER
			      "\" reject with icmpx admin-prohibited\n",
			      out);
		}
		for (size_t i = 0; i < t->n_rules; i++)
			if (t->rules[i].chain == c)
				print_rule(t, &t->rules[i], out);
		fputs("\t}\n", out);
	}
	fputs("}\n", out);
}

/* ---- the rules' names: what the check compares --------------------------------------- */

int nstable_digest(const struct nstable *t, uint64_t *ret)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return -errno;
	nstable_print(t, f);
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	*ret = util_fnv1a64(text, len);
	free(text);
	return 0;
}

struct rule_name {
	enum nstable_chain chain;
	char comment[128];
};

#define NAMES_MAX (NSTABLE_RULES_MAX + ELEMENTSOF(refuse_why))

/* Each rule's chain and comment, in the order they are made. */
static size_t rule_names(const struct nstable *t, uint64_t digest, struct rule_name *ret)
{
	size_t k = 0;

	for (enum nstable_chain c = 0; c < NSTABLE_CHAINS; c++) {
		if (!chain_used(t, c))
			continue;
		if (c == NSTABLE_REFUSE)
			for (size_t i = 0; i < ELEMENTSOF(refuse_why); i++, k++) {
				ret[k].chain = c;
				snprintf(ret[k].comment, sizeof(ret[k].comment), "%s",
					 refuse_why[i]);
			}
		for (size_t i = 0; i < t->n_rules; i++) {
			if (t->rules[i].chain != c)
				continue;
			ret[k].chain = c;
			if (k == 0)
				snprintf(ret[k].comment, sizeof(ret[k].comment),
					 "usernetns %016llx: %s", (unsigned long long)digest,
					 t->rules[i].why);
			else
				snprintf(ret[k].comment, sizeof(ret[k].comment), "%s",
					 t->rules[i].why);
			k++;
		}
	}
	return k;
}

/* ---- the check: one dump of the table's rules ---------------------------------------- */

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
	if (w->seen >= w->n_want || !streq(a.chain, chains[w->want[w->seen].chain].name) ||
	    !streq(a.comment, w->want[w->seen].comment))
		w->differs = true;
	w->seen++;
	return MNL_CB_OK;
}

int nstable_check(struct nfnl *n, const struct nstable *t, bool *ret_ok, struct errbuf *err)
{
	struct rule_name *want;
	struct rule_walk w = { .differs = false };
	char buf[NFNL_BUF_SIZE];
	struct nlmsghdr *nlh;
	uint64_t digest;
	int r;

	*ret_ok = false;
	r = nstable_digest(t, &digest);
	if (r < 0)
		return errbuf_errno(err, r, "cannot describe table inet " NSTABLE_NAME);
	want = malloc(NAMES_MAX * sizeof(*want));
	if (!want)
		return errbuf_errno(err, -ENOMEM, "cannot check table inet " NSTABLE_NAME);
	w.want = want;
	w.n_want = rule_names(t, digest, want);
	nlh = nfnl_msg(buf, NFT_MSG_GETRULE, NFPROTO_INET, NLM_F_DUMP);
	mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, NSTABLE_NAME);
	r = nfnl_query(n, nlh, rule_cb, &w, err, "list the rules of table inet " NSTABLE_NAME);
	free(want);
	if (r == -ENOENT)
		r = 0;
	*ret_ok = r == 0 && !w.differs && w.seen == w.n_want;
	return r;
}

/* ---- making it ------------------------------------------------------------------------ */

static void put_table(struct nfnl *n, struct nfnl_batch *b, uint8_t family, uint16_t type,
		      bool comment)
{
	struct nlmsghdr *nlh =
		nfnl_batch_msg(n, b, type, family, type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0);

	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, NSTABLE_NAME);
	if (comment)
		nfnl_put_comment(nlh, NFTA_TABLE_USERDATA,
				 "made by usernetns at login from the policy (usernetns.conf(5))");
	nfnl_batch_next(b);
}

static void put_counter(struct nfnl *n, struct nfnl_batch *b)
{
	struct nlmsghdr *nlh = nfnl_batch_msg(n, b, NFT_MSG_NEWOBJ, NFPROTO_INET, NLM_F_CREATE);
	struct nlattr *data;

	mnl_attr_put_strz(nlh, NFTA_OBJ_TABLE, NSTABLE_NAME);
	mnl_attr_put_strz(nlh, NFTA_OBJ_NAME, NSTABLE_COUNTER);
	mnl_attr_put_u32(nlh, NFTA_OBJ_TYPE, htonl(NFT_OBJECT_COUNTER));
	data = mnl_attr_nest_start(nlh, NFTA_OBJ_DATA);
	mnl_attr_nest_end(nlh, data);
	nfnl_batch_next(b);
}

static void put_chain(struct nfnl *n, struct nfnl_batch *b, enum nstable_chain c)
{
	struct nlmsghdr *nlh = nfnl_batch_msg(n, b, NFT_MSG_NEWCHAIN, NFPROTO_INET, NLM_F_CREATE);
	struct nlattr *nest;

	mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, NSTABLE_NAME);
	mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, chains[c].name);
	if (chains[c].type) {
		nest = mnl_attr_nest_start(nlh, NFTA_CHAIN_HOOK);
		mnl_attr_put_u32(nlh, NFTA_HOOK_HOOKNUM, htonl(chains[c].hook));
		mnl_attr_put_u32(nlh, NFTA_HOOK_PRIORITY, htonl((uint32_t)chains[c].priority));
		mnl_attr_nest_end(nlh, nest);
		mnl_attr_put_strz(nlh, NFTA_CHAIN_TYPE, chains[c].type);
		mnl_attr_put_u32(nlh, NFTA_CHAIN_POLICY, htonl(NF_ACCEPT));
	}
	nfnl_batch_next(b);
}

static struct nlmsghdr *rule_start(struct nfnl *n, struct nfnl_batch *b, enum nstable_chain c)
{
	struct nlmsghdr *nlh =
		nfnl_batch_msg(n, b, NFT_MSG_NEWRULE, NFPROTO_INET, NLM_F_CREATE | NLM_F_APPEND);

	mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, NSTABLE_NAME);
	mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, chains[c].name);
	return nlh;
}

static void rule_end(struct nfnl_batch *b, struct nlmsghdr *nlh, struct nlattr *exprs,
		     const char *comment)
{
	nfnl_exprs_end(nlh, exprs);
	nfnl_put_comment(nlh, NFTA_RULE_USERDATA, comment);
	nfnl_batch_next(b);
}

/* The refuse chain: count, and answer TCP with a reset, the rest with ICMP. */
static void put_refuse_rules(struct nfnl *n, struct nfnl_batch *b, const struct rule_name *names)
{
	uint8_t tcp = IPPROTO_TCP;
	struct nlmsghdr *nlh;
	struct nlattr *exprs;

	nlh = rule_start(n, b, NSTABLE_REFUSE);
	exprs = nfnl_exprs_start(nlh);
	nfnl_expr_meta(nlh, NFT_META_L4PROTO, REG);
	nfnl_expr_cmp(nlh, REG, NFT_CMP_EQ, &tcp, sizeof(tcp));
	nfnl_expr_objref(nlh, NFT_OBJECT_COUNTER, NSTABLE_COUNTER);
	nfnl_expr_reject(nlh, NFT_REJECT_TCP_RST, 0);
	rule_end(b, nlh, exprs, names[0].comment);

	nlh = rule_start(n, b, NSTABLE_REFUSE);
	exprs = nfnl_exprs_start(nlh);
	nfnl_expr_objref(nlh, NFT_OBJECT_COUNTER, NSTABLE_COUNTER);
	nfnl_expr_reject(nlh, NFT_REJECT_ICMPX_UNREACH, NFT_REJECT_ICMPX_ADMIN_PROHIBITED);
	rule_end(b, nlh, exprs, names[1].comment);
}

/* A value compared at once, or between two bounds (both big endian). */
static void put_range(struct nlmsghdr *nlh, const void *min, const void *max, size_t len)
{
	if (memcmp(min, max, len) == 0) {
		nfnl_expr_cmp(nlh, REG, NFT_CMP_EQ, min, len);
	} else {
		nfnl_expr_cmp(nlh, REG, NFT_CMP_GTE, min, len);
		nfnl_expr_cmp(nlh, REG, NFT_CMP_LTE, max, len);
	}
}

static int put_rule(struct nfnl *n, struct nfnl_batch *b, const struct nstable *t,
		    const struct nstable_rule *r, const char *comment, struct errbuf *err)
{
	const struct addr_prefix *nets = &t->nets[r->nets_at];
	bool exact = r->n_nets == 1 && nets[0].len == addr_family_bits(nets[0].family);
	uint32_t set_id = 0, zero = 0, lo = LOOPBACK_IFINDEX;
	bool known = !(r->verdict == NSTABLE_DNAT && r->to.len == 0);
	struct nlmsghdr *nlh;
	struct nlattr *exprs;
	int rc;

	for (size_t i = 0; i < r->n_nets; i++)
		known &= nets[i].family == r->family;
	if (!known) {
		errbuf_set(err,
			   "cannot make table inet " NSTABLE_NAME
			   ": a rule (%s) names an address not known yet",
			   r->why);
		return -EINVAL;
	}
	if (r->nets_of != NSTABLE_NETS_NONE && r->n_nets > 1) {
		rc = nfnl_batch_address_set(n, b, NFPROTO_INET, NSTABLE_NAME, r->family, nets,
					    r->n_nets, &set_id);
		if (rc < 0)
			return errbuf_errno(err, rc,
					    "cannot make a set of table inet " NSTABLE_NAME);
	}

	nlh = rule_start(n, b, r->chain);
	exprs = nfnl_exprs_start(nlh);
	if (r->family) {
		uint8_t nfproto = r->family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;

		nfnl_expr_meta(nlh, NFT_META_NFPROTO, REG);
		nfnl_expr_cmp(nlh, REG, NFT_CMP_EQ, &nfproto, sizeof(nfproto));
	}
	if (r->iface != NSTABLE_IF_ANY) {
		nfnl_expr_meta(nlh, r->iface == NSTABLE_IIF_NOT_LO ? NFT_META_IIF : NFT_META_OIF,
			       REG);
		nfnl_expr_cmp(nlh, REG, r->iface == NSTABLE_OIF_LO ? NFT_CMP_EQ : NFT_CMP_NEQ, &lo,
			      sizeof(lo));
	}
	if (r->nets_of != NSTABLE_NETS_NONE) {
		/* Source and destination: 12 and 16 bytes into IPv4's header, 8 and 24 into IPv6's. */
		bool v4 = r->family == AF_INET, src = r->nets_of == NSTABLE_NETS_SRC;
		uint32_t len = addr_family_bytes(r->family);
		uint32_t offset = v4 ? (src ? 12 : 16) : (src ? 8 : 24);

		nfnl_expr_payload(nlh, NFT_PAYLOAD_NETWORK_HEADER, offset, len, REG);
		if (r->n_nets == 1 && !exact) {
			/* One network: the address masked, then compared. */
			struct addr_prefix mask = { .family = r->family };

			for (unsigned int bit = 0; bit < nets[0].len; bit++)
				mask.bytes[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
			nfnl_expr_bitwise_mask(nlh, REG, mask.bytes, len);
		}
		if (r->n_nets == 1)
			nfnl_expr_cmp(nlh, REG, r->nets_not ? NFT_CMP_NEQ : NFT_CMP_EQ,
				      nets[0].bytes, len);
		else
			nfnl_expr_lookup(nlh, REG, set_id, r->nets_not);
	}
	if (r->proto) {
		nfnl_expr_meta(nlh, NFT_META_L4PROTO, REG);
		nfnl_expr_cmp(nlh, REG, NFT_CMP_EQ, &r->proto, sizeof(r->proto));
	}
	if (r->th_min && r->icmp_type) {
		uint8_t min = (uint8_t)r->th_min, max = (uint8_t)r->th_max;

		/* The type: the first byte of an ICMP header. */
		nfnl_expr_payload(nlh, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, REG);
		put_range(nlh, &min, &max, 1);
	} else if (r->th_min) {
		uint16_t min = htons(r->th_min), max = htons(r->th_max);

		/* The destination port, 2 bytes into TCP, UDP and SCTP headers alike. */
		nfnl_expr_payload(nlh, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, REG);
		put_range(nlh, &min, &max, 2);
	}
	if (r->ct_original) {
		uint8_t original = IP_CT_DIR_ORIGINAL;

		nfnl_expr_ct(nlh, NFT_CT_DIRECTION, REG);
		nfnl_expr_cmp(nlh, REG, NFT_CMP_EQ, &original, sizeof(original));
	}
	if (r->random_one_in > 1) {
		nfnl_expr_numgen_random(nlh, REG, r->random_one_in);
		nfnl_expr_cmp(nlh, REG, NFT_CMP_EQ, &zero, sizeof(zero));
	}
	switch (r->verdict) {
	case NSTABLE_ACCEPT:
		nfnl_expr_verdict(nlh, NF_ACCEPT);
		break;
	case NSTABLE_REFUSED:
		nfnl_expr_jump(nlh, chains[NSTABLE_REFUSE].name);
		break;
	case NSTABLE_DROP_COUNTED:
		nfnl_expr_objref(nlh, NFT_OBJECT_COUNTER, NSTABLE_COUNTER);
		__attribute__((fallthrough));
	case NSTABLE_DROP:
		nfnl_expr_verdict(nlh, NF_DROP);
		break;
	case NSTABLE_DNAT:
		nfnl_expr_immediate(nlh, REG, r->to.bytes, 4);
		nfnl_expr_dnat(nlh, NFPROTO_IPV4, REG);
		break;
	case NSTABLE_MASQUERADE:
		nfnl_expr_masq(nlh);
		break;
	}
	rule_end(b, nlh, exprs, comment);
	return 0;
}

int nstable_apply(struct nfnl *n, const struct nstable *t, bool fresh, struct errbuf *err)
{
	struct rule_name *names = NULL;
	struct nfnl_batch *b = NULL;
	uint64_t digest;
	size_t k = 0;
	int r;

	if (nstable_empty(t))
		return nstable_remove(n, NULL, err);
	if (t->overflow) {
		errbuf_set(err, "cannot make table inet " NSTABLE_NAME
				": the policy asks for more rules than it holds");
		return -E2BIG;
	}
	r = nstable_digest(t, &digest);
	if (r < 0)
		return errbuf_errno(err, r, "cannot describe table inet " NSTABLE_NAME);
	b = malloc(sizeof(*b));
	names = malloc(NAMES_MAX * sizeof(*names));
	if (!b || !names) {
		r = errbuf_errno(err, -ENOMEM, "cannot make table inet " NSTABLE_NAME);
		goto out;
	}
	rule_names(t, digest, names);
	nfnl_batch_start(n, b);
	if (!fresh) {
		/*
		 * Whatever is there goes, in the same transaction: ours, and
		 * the table ip of the versions that made only the dns redirect.
		 */
		put_table(n, b, NFPROTO_IPV4, NFT_MSG_NEWTABLE, false);
		put_table(n, b, NFPROTO_IPV4, NFT_MSG_DELTABLE, false);
		put_table(n, b, NFPROTO_INET, NFT_MSG_NEWTABLE, false);
		put_table(n, b, NFPROTO_INET, NFT_MSG_DELTABLE, false);
	}
	put_table(n, b, NFPROTO_INET, NFT_MSG_NEWTABLE, true);
	if (counts(t))
		put_counter(n, b);
	for (enum nstable_chain c = 0; c < NSTABLE_CHAINS; c++)
		if (chain_used(t, c))
			put_chain(n, b, c);
	for (enum nstable_chain c = 0; c < NSTABLE_CHAINS && r == 0; c++) {
		if (!chain_used(t, c))
			continue;
		if (c == NSTABLE_REFUSE) {
			put_refuse_rules(n, b, &names[k]);
			k += ELEMENTSOF(refuse_why);
		}
		for (size_t i = 0; i < t->n_rules && r == 0; i++)
			if (t->rules[i].chain == c)
				r = put_rule(n, b, t, &t->rules[i], names[k++].comment, err);
	}
	if (r == 0)
		r = nfnl_batch_commit(n, b, err, "make table inet " NSTABLE_NAME);
	nfnl_batch_stop(b);
out:
	free(names);
	free(b);
	return r;
}

/* Is table NSTABLE_NAME of family there? */
static int table_exists(struct nfnl *n, uint8_t family, bool *ret, struct errbuf *err)
{
	char buf[NFNL_BUF_SIZE];
	struct nlmsghdr *nlh;
	int r;

	nlh = nfnl_msg(buf, NFT_MSG_GETTABLE, family, 0);
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, NSTABLE_NAME);
	r = nfnl_query(n, nlh, NULL, NULL, err, "ask for table " NSTABLE_NAME);
	*ret = r == 0;
	return r == -ENOENT ? 0 : r;
}

int nstable_remove(struct nfnl *n, bool *ret_removed, struct errbuf *err)
{
	static const uint8_t families[] = { NFPROTO_INET, NFPROTO_IPV4 };
	struct nfnl_batch *b;
	bool there[ELEMENTSOF(families)];
	int r = 0;

	if (ret_removed)
		*ret_removed = false;
	/* Asked first: a namespace without a link never had one. */
	for (size_t i = 0; i < ELEMENTSOF(families) && r == 0; i++)
		r = table_exists(n, families[i], &there[i], err);
	if (r < 0)
		return r;
	if (!there[0] && !there[1])
		return 0;
	b = malloc(sizeof(*b));
	if (!b)
		return errbuf_errno(err, -ENOMEM, "cannot remove table " NSTABLE_NAME);
	nfnl_batch_start(n, b);
	for (size_t i = 0; i < ELEMENTSOF(families); i++)
		if (there[i])
			put_table(n, b, families[i], NFT_MSG_DELTABLE, false);
	r = nfnl_batch_commit(n, b, err, "remove table " NSTABLE_NAME);
	nfnl_batch_stop(b);
	free(b);
	if (r == 0 && ret_removed)
		*ret_removed = true;
	return r == -ENOENT ? 0 : r; /* gone meanwhile */
}

/* ---- the generation ---------------------------------------------------------------- */

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;

	if ((nlh->nlmsg_type & 0xff) != NFT_MSG_NEWGEN)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg))
	{
		if (mnl_attr_get_type(attr) == NFTA_GEN_ID &&
		    mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			*(uint32_t *)data = ntohl(mnl_attr_get_u32(attr));
	}
	return MNL_CB_OK;
}

int nstable_generation(struct nfnl *n, uint32_t *ret, struct errbuf *err)
{
	char buf[NFNL_BUF_SIZE];
	struct nlmsghdr *nlh;
	uint32_t gen = 0;
	int r;

	nlh = nfnl_msg(buf, NFT_MSG_GETGEN, AF_UNSPEC, 0);
	r = nfnl_query(n, nlh, gen_cb, &gen, err, "ask for the nf_tables generation");
	if (r < 0)
		return r == -ENOENT ?
			       errbuf_errno(err, r, "cannot ask for the nf_tables generation") :
			       r;
	*ret = gen;
	return 0;
}

/* ---- the counter ---------------------------------------------------------------------- */

struct counter_reply {
	uint64_t packets, bytes;
	bool seen;
};

static int counter_attr_cb(const struct nlattr *attr, void *data)
{
	struct counter_reply *c = data;

	if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
		return MNL_CB_OK;
	if (mnl_attr_get_type(attr) == NFTA_COUNTER_PACKETS)
		c->packets = be64toh(mnl_attr_get_u64(attr));
	else if (mnl_attr_get_type(attr) == NFTA_COUNTER_BYTES)
		c->bytes = be64toh(mnl_attr_get_u64(attr));
	return MNL_CB_OK;
}

static int obj_attr_cb(const struct nlattr *attr, void *data)
{
	struct counter_reply *c = data;

	if (mnl_attr_get_type(attr) == NFTA_OBJ_DATA &&
	    mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0) {
		c->seen = true;
		mnl_attr_parse_nested(attr, counter_attr_cb, c);
	}
	return MNL_CB_OK;
}

static int obj_cb(const struct nlmsghdr *nlh, void *data)
{
	if ((nlh->nlmsg_type & 0xff) == NFT_MSG_NEWOBJ)
		mnl_attr_parse(nlh, sizeof(struct nfgenmsg), obj_attr_cb, data);
	return MNL_CB_OK;
}

int nstable_refused(struct nfnl *n, uint64_t *ret_packets, uint64_t *ret_bytes, struct errbuf *err)
{
	struct counter_reply c = { 0, 0, false };
	char buf[NFNL_BUF_SIZE];
	struct nlmsghdr *nlh;
	int r;

	nlh = nfnl_msg(buf, NFT_MSG_GETOBJ, NFPROTO_INET, 0);
	mnl_attr_put_strz(nlh, NFTA_OBJ_TABLE, NSTABLE_NAME);
	mnl_attr_put_strz(nlh, NFTA_OBJ_NAME, NSTABLE_COUNTER);
	mnl_attr_put_u32(nlh, NFTA_OBJ_TYPE, htonl(NFT_OBJECT_COUNTER));
	r = nfnl_query(n, nlh, obj_cb, &c, err, "read counter " NSTABLE_COUNTER);
	if (r < 0)
		return r;
	if (!c.seen) {
		errbuf_set(err, "cannot read counter " NSTABLE_COUNTER ": no data in the answer");
		return -EPROTO;
	}
	*ret_packets = c.packets;
	*ret_bytes = c.bytes;
	return 0;
}

static int refused_inside(void *data, struct errbuf *err)
{
	struct nstable_refused *ret = data;
	struct nfnl n;
	int r;

	r = nfnl_open(&n, err);
	if (r < 0)
		return r;
	r = nstable_refused(&n, &ret->packets, &ret->bytes, err);
	nfnl_close(&n);
	if (r == -ENOENT)
		return 0;
	ret->known = r == 0;
	return r;
}

int nstable_refused_in(int nsfd, struct nstable_refused *ret, struct errbuf *err)
{
	*ret = (struct nstable_refused){ 0 };
	return netns_run_in(nsfd, refused_inside, ret, err);
}
