/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nf_tables over the netlink core (nl.h): the few requests and the one
 * kind of transaction usernetns makes.  Not libnftnl or libnftables
 * (GPL-2): what the PAM module loads is loaded into programs of any
 * licence.
 *
 * A socket acts in the network namespace it was opened in.  Every wait
 * for the kernel is bounded; a failure's message carries the kernel's
 * extended-ack text, if any.  Numbers in nf_tables attributes are big
 * endian; the expression builders take host order and convert.
 */
#ifndef USERNETNS_NFNL_H
#define USERNETNS_NFNL_H

#include <libmnl/libmnl.h>
#include <stddef.h>
#include <stdint.h>

#include "usernetns/addr.h"
#include "usernetns/util.h"

struct nl;

struct nfnl {
	struct nl *nl; /* NULL until nfnl_open() */
};

#define NFNL_INIT ((struct nfnl){ 0 })

int nfnl_open(struct nfnl *n, struct errbuf *err);
void nfnl_close(struct nfnl *n);

/* Room for one request, or a reply's read. */
#define NFNL_BUF_SIZE 8192

/*
 * The header of an nf_tables message of type NFT_MSG_* for family
 * (NFPROTO_*) at the start of buf (NFNL_BUF_SIZE bytes, zeroed first:
 * libmnl leaves attribute padding as it finds it).
 */
struct nlmsghdr *nfnl_msg(char *buf, uint16_t type, uint8_t family, uint16_t flags);

/*
 * Send nlh (a get, or a dump with NLM_F_DUMP) and hand each reply to cb
 * until the kernel is done; a dump as nl_dump() reads it (one consistent
 * listing).  0 or -errno, err saying "failed to <what>: ...";
 * -ENOENT (no such table, chain) is returned without touching err, for
 * the caller to take as an answer.
 */
int nfnl_query(struct nfnl *n, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, struct errbuf *err,
	       const char *what);

/*
 * A transaction: messages between a batch's begin and end, applied by
 * the kernel all together or not at all.
 */
#define NFNL_BATCH_SIZE 131072

struct nfnl_batch {
	char buf[NFNL_BATCH_SIZE];
	struct mnl_nlmsg_batch *b;
	uint32_t sets; /* anonymous sets made, their ids */
	bool overflow;
};

void nfnl_batch_start(struct nfnl *n, struct nfnl_batch *b);
/* Done with b, committed or not: what libmnl allocated for it goes. */
void nfnl_batch_stop(struct nfnl_batch *b);
/* The next message, to fill and close with nfnl_batch_next(). */
struct nlmsghdr *nfnl_batch_msg(struct nfnl *n, struct nfnl_batch *b, uint16_t type, uint8_t family,
				uint16_t flags);
void nfnl_batch_next(struct nfnl_batch *b);
/* Send it and wait for the kernel's answer to each message (nl_batch_commit()). */
int nfnl_batch_commit(struct nfnl *n, struct nfnl_batch *b, struct errbuf *err, const char *what);

/*
 * An anonymous, constant set of addresses of family (AF_INET, AF_INET6),
 * the union of the networks nets[0..n) (they may overlap), in table of
 * table_family: made in the batch (set and elements), for the next
 * rule's nfnl_expr_lookup() by *ret_id.  0, or -EINVAL for an unset or
 * mixed address.
 */
int nfnl_batch_address_set(struct nfnl *n, struct nfnl_batch *b, uint8_t table_family,
			   const char *table, int family, const struct addr_prefix *nets,
			   size_t n_nets, uint32_t *ret_id);

/* ---- the pieces of a rule ------------------------------------------------------ */

/* Start and end NFTA_RULE_EXPRESSIONS. */
struct nlattr *nfnl_exprs_start(struct nlmsghdr *nlh);
void nfnl_exprs_end(struct nlmsghdr *nlh, struct nlattr *nest);

/* [ meta load KEY => reg ] */
void nfnl_expr_meta(struct nlmsghdr *nlh, uint32_t key, uint32_t dreg);
/* [ payload load LEN @ BASE + OFFSET => reg ] */
void nfnl_expr_payload(struct nlmsghdr *nlh, uint32_t base, uint32_t offset, uint32_t len,
		       uint32_t dreg);
/* [ cmp OP reg DATA ] */
void nfnl_expr_cmp(struct nlmsghdr *nlh, uint32_t sreg, uint32_t op, const void *data, size_t len);
/* [ numgen reg = random mod MODULUS ] */
void nfnl_expr_numgen_random(struct nlmsghdr *nlh, uint32_t dreg, uint32_t modulus);
/* [ immediate reg DATA ] */
void nfnl_expr_immediate(struct nlmsghdr *nlh, uint32_t dreg, const void *data, size_t len);
/* [ nat dnat FAMILY addr_min reg ] */
void nfnl_expr_dnat(struct nlmsghdr *nlh, uint32_t family, uint32_t addr_reg);
/* [ masq ] */
void nfnl_expr_masq(struct nlmsghdr *nlh);
/* [ ct load KEY => reg ] */
void nfnl_expr_ct(struct nlmsghdr *nlh, uint32_t key, uint32_t dreg);
/* [ immediate reg 0 VERDICT ]: accept, drop (NF_*) */
void nfnl_expr_verdict(struct nlmsghdr *nlh, int verdict);
/* [ immediate reg 0 jump CHAIN ] */
void nfnl_expr_jump(struct nlmsghdr *nlh, const char *chain);
/* [ bitwise reg = (reg & MASK) ^ 0 ]: keep the bits of mask (len bytes) */
void nfnl_expr_bitwise_mask(struct nlmsghdr *nlh, uint32_t reg, const void *mask, size_t len);
/* [ lookup reg SREG set ] of a set made in this batch (invert: not in it) */
void nfnl_expr_lookup(struct nlmsghdr *nlh, uint32_t sreg, uint32_t set_id, bool invert);
/* [ reject type TYPE code CODE ]: NFT_REJECT_* */
void nfnl_expr_reject(struct nlmsghdr *nlh, uint32_t type, uint8_t code);
/* [ objref type TYPE name NAME ]: count in a named counter (NFT_OBJECT_COUNTER) */
void nfnl_expr_objref(struct nlmsghdr *nlh, uint32_t type, const char *name);

/*
 * A comment as nft(8) keeps it in a table's or a rule's user data (type
 * 0, NUL-terminated), so that nft list shows it.
 */
void nfnl_put_comment(struct nlmsghdr *nlh, uint16_t attr, const char *comment);
/* The comment of such user data, "" without one. */
void nfnl_read_comment(const struct nlattr *attr, char *buf, size_t size);

#endif
