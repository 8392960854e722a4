/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 and IPv6 prefixes: parsing, formatting and the block arithmetic
 * behind address pools.
 */
#ifndef USERNETNS_ADDR_H
#define USERNETNS_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "usernetns/util.h"

/* Enough for "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128". */
#define ADDR_PREFIX_STRLEN 50

/* A pool never needs more blocks than there are uids. */
#define ADDR_BLOCKS_MAX (UINT64_C(1) << 32)

struct addr_prefix {
	int family;	   /* AF_INET or AF_INET6; 0 when unset */
	unsigned int len;  /* prefix length */
	uint8_t bytes[16]; /* network byte order; IPv4 uses the first 4 */
};

static inline unsigned int addr_family_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* The bytes of an address of family, as bytes[] and the kernel hold it. */
static inline unsigned int addr_family_bytes(int family)
{
	return family == AF_INET ? 4 : 16;
}

static inline bool addr_prefix_is_set(const struct addr_prefix *p)
{
	return p->family != 0;
}

/*
 * Parse "ADDRESS/LEN".  family is AF_INET, AF_INET6 or AF_UNSPEC.  With
 * allow_host_bits false, an address with bits set beyond LEN is rejected
 * (it names a network); with true it is kept (it names an interface
 * address).  On failure returns -EINVAL with err (may be NULL) saying why.
 */
int addr_prefix_parse(const char *s, int family, bool allow_host_bits, struct addr_prefix *ret,
		      struct errbuf *err);

/* "10.0.0.0/8"; buf must hold ADDR_PREFIX_STRLEN bytes. */
const char *addr_prefix_format(const struct addr_prefix *p, char *buf, size_t size);

/* The address alone, without "/LEN". */
const char *addr_format(const struct addr_prefix *p, char *buf, size_t size);

/* p with all bits beyond p->len cleared. */
struct addr_prefix addr_prefix_network(const struct addr_prefix *p);

/* p with all bits beyond p->len set: the prefix's last address. */
struct addr_prefix addr_prefix_last(const struct addr_prefix *p);

/* An order for sorting: by family, then address, then prefix length. */
int addr_prefix_compare(const struct addr_prefix *a, const struct addr_prefix *b);

bool addr_prefix_equal(const struct addr_prefix *a, const struct addr_prefix *b);
bool addr_prefix_overlaps(const struct addr_prefix *a, const struct addr_prefix *b);
bool addr_prefix_contains(const struct addr_prefix *outer, const struct addr_prefix *inner);

/*
 * A run of addresses, as an interval set holds it: from first to the one
 * before after, or to the family's last address (to_end, after unset).
 */
struct addr_range {
	uint8_t first[16], after[16];
	bool to_end;
};

#define ADDR_RANGES_MAX 256

/*
 * The union of the networks nets[0..n) (one family, overlapping or not)
 * as the fewest runs, in order: ret has room for n; returns how many (0
 * for more than ADDR_RANGES_MAX networks).
 */
size_t addr_ranges_merge(const struct addr_prefix *nets, size_t n, struct addr_range *ret);

/*
 * Number of blocks of length block_len in pool, saturated at
 * ADDR_BLOCKS_MAX.  0 when block_len is shorter than the pool's prefix.
 */
uint64_t addr_block_count(const struct addr_prefix *pool, unsigned int block_len);

/* The index-th block (0-based) of length block_len in pool. */
int addr_block_nth(const struct addr_prefix *pool, unsigned int block_len, uint64_t index,
		   struct addr_prefix *ret);

/* Inverse of addr_block_nth: which block of pool holds block. */
int addr_block_index(const struct addr_prefix *pool, const struct addr_prefix *block,
		     uint64_t *ret_index);

/*
 * The two ends of a point-to-point block.  The host end takes the first
 * usable address and the namespace end the second: .1 and .2 of an IPv4
 * /30, ::1 and ::2 of an IPv6 /64; on an IPv4 /31 or IPv6 /127 (RFC 3021,
 * RFC 6164) both addresses are usable, so .0 and .1.  Both ends carry the
 * block's prefix length.  -EINVAL when the block holds fewer than two
 * usable addresses.
 */
int addr_block_ends(const struct addr_prefix *block, struct addr_prefix *ret_host,
		    struct addr_prefix *ret_peer);

/*
 * Check that addr (an interface address with prefix) can be the namespace
 * end of its block: not the network or broadcast address and not the
 * address the host end takes.  Returns 0 or -EINVAL with err saying why.
 */
int addr_check_peer(const struct addr_prefix *addr, struct errbuf *err);

#endif
