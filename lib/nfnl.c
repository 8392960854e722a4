/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <string.h>

#include "usernetns/nfnl.h"
#include "usernetns/nl.h"

/* A test build's one fault point (nl.h): a transaction, before it is sent. */
static const char *nfnl_fault_point(uint16_t type)
{
	return type == NFNL_MSG_BATCH_BEGIN ? "nfnl.batch" : NULL;
}

int nfnl_open(struct nfnl *n, struct errbuf *err)
{
	return nl_open(NETLINK_NETFILTER, nfnl_fault_point, &n->nl, err);
}

void nfnl_close(struct nfnl *n)
{
	nl_close(n->nl);
	n->nl = NULL;
}

static struct nlmsghdr *put_header(void *where, uint16_t type, uint8_t family, uint16_t flags,
				   uint16_t res_id, unsigned int seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(where);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(res_id);
	return nlh;
}

struct nlmsghdr *nfnl_msg(char *buf, uint16_t type, uint8_t family, uint16_t flags)
{
	memset(buf, 0, NFNL_BUF_SIZE);
	return put_header(buf, (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | type), family, flags, 0, 0);
}

int nfnl_query(struct nfnl *n, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, struct errbuf *err,
	       const char *what)
{
	struct errbuf why;
	int r;

	if (nlh->nlmsg_flags & NLM_F_DUMP)
		r = nl_dump(n->nl, nlh, 0, cb, data, &why, "%s", what);
	else
		r = nl_request(n->nl, nlh, cb, data, &why, "%s", what);
	/* No such table or chain is an answer, for the caller to take. */
	if (r < 0 && r != -ENOENT && err)
		*err = why;
	return r;
}

/* ---- transactions --------------------------------------------------------------- */

void nfnl_batch_start(struct nfnl *n, struct nfnl_batch *b)
{
	memset(b->buf, 0, sizeof(b->buf));
	/* Half the buffer is the limit: a message may run over it, not out. */
	b->b = mnl_nlmsg_batch_start(b->buf, sizeof(b->buf) / 2);
	b->sets = 0;
	b->overflow = false;
	put_header(mnl_nlmsg_batch_current(b->b), NFNL_MSG_BATCH_BEGIN, AF_UNSPEC, 0,
		   NFNL_SUBSYS_NFTABLES, nl_seq(n->nl));
	mnl_nlmsg_batch_next(b->b);
}

void nfnl_batch_stop(struct nfnl_batch *b)
{
	if (b->b)
		mnl_nlmsg_batch_stop(b->b);
	b->b = NULL;
}

struct nlmsghdr *nfnl_batch_msg(struct nfnl *n, struct nfnl_batch *b, uint16_t type, uint8_t family,
				uint16_t flags)
{
	/* Each with an ACK: the kernel answers every message of the batch. */
	return put_header(mnl_nlmsg_batch_current(b->b),
			  (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | type), family, NLM_F_ACK | flags,
			  0, nl_seq(n->nl));
}

void nfnl_batch_next(struct nfnl_batch *b)
{
	/* The last message is kept as long as there is room for the end. */
	if (!mnl_nlmsg_batch_next(b->b))
		b->overflow = true;
}

int nfnl_batch_commit(struct nfnl *n, struct nfnl_batch *b, struct errbuf *err, const char *what)
{
	if (b->overflow)
		return errbuf_errno(err, -EMSGSIZE, "failed to %s", what);
	put_header(mnl_nlmsg_batch_current(b->b), NFNL_MSG_BATCH_END, AF_UNSPEC, 0,
		   NFNL_SUBSYS_NFTABLES, nl_seq(n->nl));
	mnl_nlmsg_batch_next(b->b);
	return nl_batch_commit(n->nl, mnl_nlmsg_batch_head(b->b), mnl_nlmsg_batch_size(b->b), err,
			       "%s", what);
}

/* ---- expressions ---------------------------------------------------------------- */

struct nlattr *nfnl_exprs_start(struct nlmsghdr *nlh)
{
	return mnl_attr_nest_start(nlh, NFTA_RULE_EXPRESSIONS);
}

void nfnl_exprs_end(struct nlmsghdr *nlh, struct nlattr *nest)
{
	mnl_attr_nest_end(nlh, nest);
}

/* An element of the list: its name and, nested, its data. */
static struct nlattr *expr_start(struct nlmsghdr *nlh, const char *name, struct nlattr **data)
{
	struct nlattr *elem = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);

	mnl_attr_put_strz(nlh, NFTA_EXPR_NAME, name);
	*data = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
	return elem;
}

static void expr_end(struct nlmsghdr *nlh, struct nlattr *elem, struct nlattr *data)
{
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, elem);
}

static void put_be32(struct nlmsghdr *nlh, uint16_t type, uint32_t v)
{
	mnl_attr_put_u32(nlh, type, htonl(v));
}

/* Data in a nested NFTA_DATA_VALUE, as cmp and immediate take it. */
static void put_data(struct nlmsghdr *nlh, uint16_t type, const void *data, size_t len)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	mnl_attr_put(nlh, NFTA_DATA_VALUE, len, data);
	mnl_attr_nest_end(nlh, nest);
}

void nfnl_expr_meta(struct nlmsghdr *nlh, uint32_t key, uint32_t dreg)
{
	struct nlattr *data, *elem = expr_start(nlh, "meta", &data);

	put_be32(nlh, NFTA_META_KEY, key);
	put_be32(nlh, NFTA_META_DREG, dreg);
	expr_end(nlh, elem, data);
}

void nfnl_expr_payload(struct nlmsghdr *nlh, uint32_t base, uint32_t offset, uint32_t len,
		       uint32_t dreg)
{
	struct nlattr *data, *elem = expr_start(nlh, "payload", &data);

	put_be32(nlh, NFTA_PAYLOAD_DREG, dreg);
	put_be32(nlh, NFTA_PAYLOAD_BASE, base);
	put_be32(nlh, NFTA_PAYLOAD_OFFSET, offset);
	put_be32(nlh, NFTA_PAYLOAD_LEN, len);
	expr_end(nlh, elem, data);
}

void nfnl_expr_cmp(struct nlmsghdr *nlh, uint32_t sreg, uint32_t op, const void *value, size_t len)
{
	struct nlattr *data, *elem = expr_start(nlh, "cmp", &data);

	put_be32(nlh, NFTA_CMP_SREG, sreg);
	put_be32(nlh, NFTA_CMP_OP, op);
	put_data(nlh, NFTA_CMP_DATA, value, len);
	expr_end(nlh, elem, data);
}

void nfnl_expr_numgen_random(struct nlmsghdr *nlh, uint32_t dreg, uint32_t modulus)
{
	struct nlattr *data, *elem = expr_start(nlh, "numgen", &data);

	put_be32(nlh, NFTA_NG_DREG, dreg);
	put_be32(nlh, NFTA_NG_MODULUS, modulus);
	put_be32(nlh, NFTA_NG_TYPE, NFT_NG_RANDOM);
	put_be32(nlh, NFTA_NG_OFFSET, 0);
	expr_end(nlh, elem, data);
}

void nfnl_expr_immediate(struct nlmsghdr *nlh, uint32_t dreg, const void *value, size_t len)
{
	struct nlattr *data, *elem = expr_start(nlh, "immediate", &data);

	put_be32(nlh, NFTA_IMMEDIATE_DREG, dreg);
	put_data(nlh, NFTA_IMMEDIATE_DATA, value, len);
	expr_end(nlh, elem, data);
}

void nfnl_expr_dnat(struct nlmsghdr *nlh, uint32_t family, uint32_t addr_reg)
{
	struct nlattr *data, *elem = expr_start(nlh, "nat", &data);

	put_be32(nlh, NFTA_NAT_TYPE, NFT_NAT_DNAT);
	put_be32(nlh, NFTA_NAT_FAMILY, family);
	put_be32(nlh, NFTA_NAT_REG_ADDR_MIN, addr_reg);
	expr_end(nlh, elem, data);
}

void nfnl_expr_masq(struct nlmsghdr *nlh)
{
	struct nlattr *data, *elem = expr_start(nlh, "masq", &data);

	expr_end(nlh, elem, data);
}

void nfnl_expr_ct(struct nlmsghdr *nlh, uint32_t key, uint32_t dreg)
{
	struct nlattr *data, *elem = expr_start(nlh, "ct", &data);

	put_be32(nlh, NFTA_CT_KEY, key);
	put_be32(nlh, NFTA_CT_DREG, dreg);
	expr_end(nlh, elem, data);
}

/* The name the kernel gives an anonymous set ("__set0", ...) as nft asks for it. */
#define ANON_SET_NAME "__set%d"

void nfnl_expr_lookup(struct nlmsghdr *nlh, uint32_t sreg, uint32_t set_id, bool invert)
{
	struct nlattr *data, *elem = expr_start(nlh, "lookup", &data);

	mnl_attr_put_strz(nlh, NFTA_LOOKUP_SET, ANON_SET_NAME);
	put_be32(nlh, NFTA_LOOKUP_SET_ID, set_id);
	put_be32(nlh, NFTA_LOOKUP_SREG, sreg);
	if (invert)
		put_be32(nlh, NFTA_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
	expr_end(nlh, elem, data);
}

void nfnl_expr_bitwise_mask(struct nlmsghdr *nlh, uint32_t reg, const void *mask, size_t len)
{
	struct nlattr *data, *elem = expr_start(nlh, "bitwise", &data);
	uint8_t zero[16] = { 0 };

	put_be32(nlh, NFTA_BITWISE_SREG, reg);
	put_be32(nlh, NFTA_BITWISE_DREG, reg);
	put_be32(nlh, NFTA_BITWISE_LEN, (uint32_t)len);
	put_data(nlh, NFTA_BITWISE_MASK, mask, len);
	put_data(nlh, NFTA_BITWISE_XOR, zero, len);
	expr_end(nlh, elem, data);
}

void nfnl_expr_reject(struct nlmsghdr *nlh, uint32_t type, uint8_t code)
{
	struct nlattr *data, *elem = expr_start(nlh, "reject", &data);

	put_be32(nlh, NFTA_REJECT_TYPE, type);
	mnl_attr_put_u8(nlh, NFTA_REJECT_ICMP_CODE, code);
	expr_end(nlh, elem, data);
}

void nfnl_expr_objref(struct nlmsghdr *nlh, uint32_t type, const char *name)
{
	struct nlattr *data, *elem = expr_start(nlh, "objref", &data);

	put_be32(nlh, NFTA_OBJREF_IMM_TYPE, type);
	mnl_attr_put_strz(nlh, NFTA_OBJREF_IMM_NAME, name);
	expr_end(nlh, elem, data);
}

/* [ immediate reg 0 VERDICT ], to chain for a jump (NULL otherwise) */
static void put_verdict(struct nlmsghdr *nlh, int verdict, const char *chain)
{
	struct nlattr *data, *elem = expr_start(nlh, "immediate", &data), *value, *v;

	put_be32(nlh, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
	value = mnl_attr_nest_start(nlh, NFTA_IMMEDIATE_DATA);
	v = mnl_attr_nest_start(nlh, NFTA_DATA_VERDICT);
	put_be32(nlh, NFTA_VERDICT_CODE, (uint32_t)verdict);
	if (chain)
		mnl_attr_put_strz(nlh, NFTA_VERDICT_CHAIN, chain);
	mnl_attr_nest_end(nlh, v);
	mnl_attr_nest_end(nlh, value);
	expr_end(nlh, elem, data);
}

void nfnl_expr_jump(struct nlmsghdr *nlh, const char *chain)
{
	put_verdict(nlh, NFT_JUMP, chain);
}

void nfnl_expr_verdict(struct nlmsghdr *nlh, int verdict)
{
	put_verdict(nlh, verdict, NULL);
}

/* ---- sets ---------------------------------------------------------------------- */

/* nft(8)'s data types for addresses, so that nft list shows them as such. */
#define NFT_TYPE_IPADDR 7
#define NFT_TYPE_IP6ADDR 8

/* One element of an interval set: where an interval starts, or ends (after it). */
static void put_element(struct nlmsghdr *nlh, const uint8_t *key, size_t len, bool end)
{
	struct nlattr *elem = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM), *k;

	if (end)
		mnl_attr_put_u32(nlh, NFTA_SET_ELEM_FLAGS, htonl(NFT_SET_ELEM_INTERVAL_END));
	k = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, len, key);
	mnl_attr_nest_end(nlh, k);
	mnl_attr_nest_end(nlh, elem);
}

int nfnl_batch_address_set(struct nfnl *n, struct nfnl_batch *b, uint8_t table_family,
			   const char *table, int family, const struct addr_prefix *nets,
			   size_t n_nets, uint32_t *ret_id)
{
	struct addr_range ranges[ADDR_RANGES_MAX];
	size_t len = addr_family_bytes(family), n_ranges;
	uint8_t zero[16] = { 0 };
	struct nlmsghdr *nlh;
	struct nlattr *list;
	uint32_t id = ++b->sets;

	if (n_nets == 0 || n_nets > ELEMENTSOF(ranges))
		return -EINVAL;
	for (size_t i = 0; i < n_nets; i++)
		if (nets[i].family != family)
			return -EINVAL;
	n_ranges = addr_ranges_merge(nets, n_nets, ranges);

	nlh = nfnl_batch_msg(n, b, NFT_MSG_NEWSET, table_family, NLM_F_CREATE);
	mnl_attr_put_strz(nlh, NFTA_SET_TABLE, table);
	mnl_attr_put_strz(nlh, NFTA_SET_NAME, ANON_SET_NAME);
	put_be32(nlh, NFTA_SET_FLAGS, NFT_SET_ANONYMOUS | NFT_SET_CONSTANT | NFT_SET_INTERVAL);
	put_be32(nlh, NFTA_SET_KEY_TYPE, family == AF_INET ? NFT_TYPE_IPADDR : NFT_TYPE_IP6ADDR);
	put_be32(nlh, NFTA_SET_KEY_LEN, (uint32_t)len);
	put_be32(nlh, NFTA_SET_ID, id);
	nfnl_batch_next(b);

	nlh = nfnl_batch_msg(n, b, NFT_MSG_NEWSETELEM, table_family, NLM_F_CREATE);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, table);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, ANON_SET_NAME);
	put_be32(nlh, NFTA_SET_ELEM_LIST_SET_ID, id);
	list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	/* As nft does: what lies below the first interval is marked outside too. */
	if (memcmp(ranges[0].first, zero, len) != 0)
		put_element(nlh, zero, len, true);
	for (size_t i = 0; i < n_ranges; i++) {
		put_element(nlh, ranges[i].first, len, false);
		if (!ranges[i].to_end)
			put_element(nlh, ranges[i].after, len, true);
	}
	mnl_attr_nest_end(nlh, list);
	nfnl_batch_next(b);
	*ret_id = id;
	return 0;
}

/* ---- comments ------------------------------------------------------------------- */

void nfnl_put_comment(struct nlmsghdr *nlh, uint16_t attr, const char *comment)
{
	uint8_t tlv[2 + 128];
	size_t len = strnlen(comment, sizeof(tlv) - 3) + 1;

	tlv[0] = 0; /* nft's type for a comment, in tables and rules alike */
	tlv[1] = (uint8_t)len;
	memcpy(tlv + 2, comment, len - 1);
	tlv[2 + len - 1] = '\0';
	mnl_attr_put(nlh, attr, 2 + len, tlv);
}

void nfnl_read_comment(const struct nlattr *attr, char *buf, size_t size)
{
	const uint8_t *v = mnl_attr_get_payload(attr);
	size_t len = mnl_attr_get_payload_len(attr);

	buf[0] = '\0';
	for (size_t off = 0; off + 2 <= len;) {
		uint8_t type = v[off], n = v[off + 1];

		if (off + 2 + n > len)
			break;
		if (type == 0 && n > 0)
			snprintf(buf, size, "%.*s", (int)strnlen((const char *)v + off + 2, n),
				 (const char *)v + off + 2);
		off += 2 + n;
	}
}
