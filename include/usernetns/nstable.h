/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The namespace's table: table inet usernetns in each user's namespace,
 * where the user has no capability to change it.  It holds the filter
 * (lib/egress.c: what a session must not reach, refused whatever the
 * routes and socket options) and the redirect of name queries
 * (lib/nsdns.c).  Both describe their rules here, in one small subset of
 * nftables; this file writes that subset two ways: as nft(8) text (what
 * usernetns-create --dry-run prints, and what the check's digest is of)
 * and as one nf_tables transaction over netlink with libmnl.
 *
 * Made with a fresh namespace, checked at every other login (the
 * namespace's nf_tables generation against the one recorded when it was
 * made, else one dump of its rules, compared by their comments, the first
 * of which carries a digest of the whole text), made again whole, in one
 * transaction, when anything differs.  These functions act in the
 * namespace the socket was opened in.
 */
#ifndef USERNETNS_NSTABLE_H
#define USERNETNS_NSTABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "usernetns/addr.h"
#include "usernetns/nfnl.h"

#define NSTABLE_NAME "usernetns"
/* The named counter of every packet the table refused. */
#define NSTABLE_COUNTER "refused"

/* The chains, in the order they are made (and dumped). */
enum nstable_chain {
	NSTABLE_OUT,	    /* filter output 0: what sessions send */
	NSTABLE_IN,	    /* filter input 0: what arrives */
	NSTABLE_DNS,	    /* nat output -100: queries to loopback resolvers */
	NSTABLE_DNS_SOURCE, /* nat postrouting 100: their loopback source */
	NSTABLE_REFUSE,	    /* no hook: count, then refuse at once */
	NSTABLE_CHAINS
};

enum nstable_iface {
	NSTABLE_IF_ANY,
	NSTABLE_OIF_LO,	    /* goes out through lo: never leaves the namespace */
	NSTABLE_OIF_NOT_LO, /* leaves the namespace */
	NSTABLE_IIF_NOT_LO, /* came from outside */
};

enum nstable_verdict {
	NSTABLE_ACCEPT,
	NSTABLE_REFUSED,      /* jump refuse: counted, TCP reset or ICMP admin-prohibited */
	NSTABLE_DROP,	      /* dropped, not counted */
	NSTABLE_DROP_COUNTED, /* dropped and counted as refused (where nothing can answer) */
	NSTABLE_DNAT,	      /* destination to .to (IPv4) */
	NSTABLE_MASQUERADE,   /* source to the outgoing interface's address */
};

/* What a rule's addresses are matched against. */
enum nstable_nets_of {
	NSTABLE_NETS_NONE,
	NSTABLE_NETS_DST,
	NSTABLE_NETS_SRC,
};

/* One rule: every field that is set must match. */
struct nstable_rule {
	enum nstable_chain chain;
	int family; /* AF_INET, AF_INET6; 0: both */
	enum nstable_iface iface;
	/* Addresses (of family): one set, or one address compared directly. */
	enum nstable_nets_of nets_of;
	bool nets_not; /* match what is outside them */
	size_t nets_at, n_nets;
	uint8_t proto;		 /* IPPROTO_*; 0: every protocol */
	bool icmp_type;		 /* th_min..th_max are ICMP(v6) types, not ports */
	uint16_t th_min, th_max; /* destination ports; 0, 0: any */
	bool ct_original;	 /* ct direction original */
	uint32_t random_one_in;	 /* numgen random mod N == 0; 0: always */
	enum nstable_verdict verdict;
	struct addr_prefix to; /* NSTABLE_DNAT */
	char why[80];	       /* its comment */
	const char *unknown;   /* what an address not known yet is: "the gateway" */
};

#define NSTABLE_RULES_MAX 128
#define NSTABLE_NETS_MAX 256

struct nstable {
	size_t n_rules, n_nets;
	struct nstable_rule rules[NSTABLE_RULES_MAX];
	struct addr_prefix nets[NSTABLE_NETS_MAX];
	bool overflow; /* more than the table can hold: an error when made */
};

/*
 * Add a rule, with the n networks nets as its addresses (n may be 0);
 * the networks are copied.  A table out of room says so when it is made.
 */
void nstable_add(struct nstable *t, const struct nstable_rule *rule, const struct addr_prefix *nets,
		 size_t n);

/* Is there any rule (is a table wanted at all)? */
static inline bool nstable_empty(const struct nstable *t)
{
	return t->n_rules == 0;
}

/*
 * The table as nft(8) text, as nft -f takes it (without comments).  An
 * address of family 0 in a rule is one not known yet (a dry run before
 * the first login): it is written as "<the gateway>" (the rule's
 * unknown), and the text is then for reading only.
 */
void nstable_print(const struct nstable *t, FILE *out);

/*
 * The digest of t's text (nstable_print()), which the first rule's
 * comment carries ("usernetns 0123456789abcdef: ..."): how the check
 * sees any change, and how a dry run's text is matched with a live table.
 */
int nstable_digest(const struct nstable *t, uint64_t *ret);

/* Is the table there and exactly as t wants it?  One dump of its rules. */
int nstable_check(struct nfnl *n, const struct nstable *t, bool *ret_ok, struct errbuf *err);

/*
 * Make the table t describes, in one transaction that also removes
 * whatever table of ours is there (fresh: the namespace was just made
 * and has none).  An empty t removes the table instead.
 */
int nstable_apply(struct nfnl *n, const struct nstable *t, bool fresh, struct errbuf *err);

/* Remove the table, if there (*ret_removed says; may be NULL). */
int nstable_remove(struct nfnl *n, bool *ret_removed, struct errbuf *err);

/*
 * The namespace's nf_tables generation: a number every change to any of
 * its tables changes (NFT_MSG_GETGEN).  The same number as when the table
 * was made, and the same digest, is the same table: the check a login
 * makes first, one small request instead of a dump.
 */
int nstable_generation(struct nfnl *n, uint32_t *ret, struct errbuf *err);

/* What the table refused so far: -ENOENT when there is no table. */
int nstable_refused(struct nfnl *n, uint64_t *ret_packets, uint64_t *ret_bytes, struct errbuf *err);

/* What the table of the namespace nsfd refused, asked from inside it (netns_run_in()). */
struct nstable_refused {
	bool known; /* false: the namespace has no table */
	uint64_t packets, bytes;
};
int nstable_refused_in(int nsfd, struct nstable_refused *ret, struct errbuf *err);

#endif
