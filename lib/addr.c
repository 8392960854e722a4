/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usernetns/addr.h"

/* Is bit i (0 = most significant) of the address set? */
static bool addr_bit(const uint8_t *b, unsigned int i)
{
	return b[i / 8] & (0x80u >> (i % 8));
}

static bool addr_host_bits_clear(const struct addr_prefix *p)
{
	for (unsigned int i = p->len; i < addr_family_bits(p->family); i++)
		if (addr_bit(p->bytes, i))
			return false;
	return true;
}

static bool addr_host_bits_all_set(const struct addr_prefix *p)
{
	for (unsigned int i = p->len; i < addr_family_bits(p->family); i++)
		if (!addr_bit(p->bytes, i))
			return false;
	return true;
}

/*
 * Add v << shift to the big-endian number in b[0..n).  v stays below 2^33
 * here, so v << 7 cannot overflow 64 bits.
 */
static void addr_add_shifted(uint8_t *b, unsigned int n, uint64_t v, unsigned int shift)
{
	uint64_t x = v << (shift % 8);
	unsigned int carry = 0;

	for (int i = (int)n - 1 - (int)(shift / 8); i >= 0 && (x || carry); i--) {
		unsigned int sum = b[i] + (unsigned int)(x & 0xff) + carry;

		b[i] = sum & 0xff;
		carry = sum >> 8;
		x >>= 8;
	}
}

/* Read the host part of addr relative to its own prefix, if it fits. */
static bool addr_host_offset(const struct addr_prefix *p, uint64_t *ret)
{
	unsigned int bits = addr_family_bits(p->family);
	uint64_t v = 0;

	for (unsigned int i = p->len; i < bits; i++) {
		if (bits - i > 64) {
			if (addr_bit(p->bytes, i))
				return false;
			continue;
		}
		v = (v << 1) | addr_bit(p->bytes, i);
	}
	*ret = v;
	return true;
}

int addr_prefix_parse(const char *s, int family, bool allow_host_bits, struct addr_prefix *ret,
		      struct errbuf *err)
{
	char host[INET6_ADDRSTRLEN];
	struct addr_prefix p = { 0 };
	const char *slash, *q;
	uint64_t len;
	size_t n;

	slash = strchr(s, '/');
	if (!slash) {
		errbuf_set(err, "missing '/LENGTH' after the address");
		return -EINVAL;
	}
	n = (size_t)(slash - s);
	if (n == 0 || n >= sizeof(host)) {
		errbuf_set(err, "not an IP address");
		return -EINVAL;
	}
	memcpy(host, s, n);
	host[n] = '\0';

	if (family != AF_INET6 && inet_pton(AF_INET, host, p.bytes) == 1)
		p.family = AF_INET;
	else if (family != AF_INET && inet_pton(AF_INET6, host, p.bytes) == 1)
		p.family = AF_INET6;
	else {
		errbuf_set(err, "%s",
			   family == AF_INET  ? "not an IPv4 address" :
			   family == AF_INET6 ? "not an IPv6 address" :
						"not an IP address");
		return -EINVAL;
	}

	q = slash + 1;
	if (strlen(q) > 3 || util_parse_decimal(q, UINT64_MAX, &len, NULL) < 0) {
		errbuf_set(err, "prefix length is not a number");
		return -EINVAL;
	}
	if (len > addr_family_bits(p.family)) {
		errbuf_set(err, "%s",
			   p.family == AF_INET ? "prefix length out of range (0-32)" :
						 "prefix length out of range (0-128)");
		return -EINVAL;
	}
	p.len = (unsigned int)len;

	if (!allow_host_bits && !addr_host_bits_clear(&p)) {
		errbuf_set(err, "host bits are set beyond the prefix length");
		return -EINVAL;
	}

	*ret = p;
	return 0;
}

const char *addr_format(const struct addr_prefix *p, char *buf, size_t size)
{
	if (!inet_ntop(p->family, p->bytes, buf, (socklen_t)size))
		snprintf(buf, size, "?");
	return buf;
}

const char *addr_prefix_format(const struct addr_prefix *p, char *buf, size_t size)
{
	size_t n;

	addr_format(p, buf, size);
	n = strlen(buf);
	snprintf(buf + n, size - n, "/%u", p->len);
	return buf;
}

struct addr_prefix addr_prefix_network(const struct addr_prefix *p)
{
	struct addr_prefix r = *p;

	for (unsigned int i = r.len; i < addr_family_bits(r.family); i++)
		r.bytes[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
	return r;
}

struct addr_prefix addr_prefix_last(const struct addr_prefix *p)
{
	struct addr_prefix r = *p;

	for (unsigned int i = r.len; i < addr_family_bits(r.family); i++)
		r.bytes[i / 8] |= (uint8_t)(0x80u >> (i % 8));
	return r;
}

int addr_prefix_compare(const struct addr_prefix *a, const struct addr_prefix *b)
{
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	r = memcmp(a->bytes, b->bytes, sizeof(a->bytes));
	if (r)
		return r;
	return a->len < b->len ? -1 : a->len > b->len;
}

bool addr_prefix_equal(const struct addr_prefix *a, const struct addr_prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       memcmp(a->bytes, b->bytes, addr_family_bytes(a->family)) == 0;
}

/* Do the first n bits of a and b agree? */
static bool addr_same_bits(const uint8_t *a, const uint8_t *b, unsigned int n)
{
	if (memcmp(a, b, n / 8) != 0)
		return false;
	if (n % 8) {
		uint8_t mask = (uint8_t)(0xff00u >> (n % 8));

		return (a[n / 8] & mask) == (b[n / 8] & mask);
	}
	return true;
}

bool addr_prefix_overlaps(const struct addr_prefix *a, const struct addr_prefix *b)
{
	if (a->family != b->family)
		return false;
	return addr_same_bits(a->bytes, b->bytes, a->len < b->len ? a->len : b->len);
}

bool addr_prefix_contains(const struct addr_prefix *outer, const struct addr_prefix *inner)
{
	return outer->family == inner->family && outer->len <= inner->len &&
	       addr_same_bits(outer->bytes, inner->bytes, outer->len);
}

/* b + 1 on n bytes; false when it wraps (b was all ones). */
static bool addr_increment(uint8_t *b, unsigned int n)
{
	for (int i = (int)n - 1; i >= 0; i--)
		if (++b[i] != 0)
			return true;
	return false;
}

static int compare_first(const void *a, const void *b)
{
	const struct addr_prefix *x = a, *y = b;

	return memcmp(x->bytes, y->bytes, sizeof(x->bytes));
}

size_t addr_ranges_merge(const struct addr_prefix *nets, size_t n, struct addr_range *ret)
{
	struct addr_prefix sorted[ADDR_RANGES_MAX];
	unsigned int len;
	size_t k = 0;

	if (n == 0 || n > ADDR_RANGES_MAX)
		return 0;
	len = addr_family_bytes(nets[0].family);
	for (size_t i = 0; i < n; i++)
		sorted[i] = addr_prefix_network(&nets[i]);
	qsort(sorted, n, sizeof(sorted[0]), compare_first);
	for (size_t i = 0; i < n; i++) {
		struct addr_range r = { .to_end = false };
		struct addr_prefix last = addr_prefix_last(&sorted[i]);

		memcpy(r.first, sorted[i].bytes, len);
		/* The network's last address, plus one. */
		memcpy(r.after, last.bytes, len);
		r.to_end = !addr_increment(r.after, len);
		/* Overlapping or adjacent to the run before: one run. */
		if (k > 0 && !ret[k - 1].to_end && memcmp(r.first, ret[k - 1].after, len) <= 0) {
			if (r.to_end || memcmp(r.after, ret[k - 1].after, len) > 0) {
				memcpy(ret[k - 1].after, r.after, len);
				ret[k - 1].to_end = r.to_end;
			}
			continue;
		}
		if (k > 0 && ret[k - 1].to_end)
			continue; /* inside a run to the end */
		ret[k++] = r;
	}
	return k;
}

uint64_t addr_block_count(const struct addr_prefix *pool, unsigned int block_len)
{
	unsigned int bits;

	if (block_len < pool->len || block_len > addr_family_bits(pool->family))
		return 0;
	bits = block_len - pool->len;
	return bits >= 32 ? ADDR_BLOCKS_MAX : UINT64_C(1) << bits;
}

int addr_block_nth(const struct addr_prefix *pool, unsigned int block_len, uint64_t index,
		   struct addr_prefix *ret)
{
	struct addr_prefix r;

	if (index >= addr_block_count(pool, block_len))
		return -ERANGE;
	r = addr_prefix_network(pool);
	r.len = block_len;
	addr_add_shifted(r.bytes, addr_family_bytes(r.family), index,
			 addr_family_bits(r.family) - block_len);
	*ret = r;
	return 0;
}

int addr_block_index(const struct addr_prefix *pool, const struct addr_prefix *block,
		     uint64_t *ret_index)
{
	struct addr_prefix rel;
	uint64_t index;

	if (!addr_prefix_contains(pool, block))
		return -ERANGE;
	/* Shift the block's bits between the two prefix lengths down. */
	rel = *block;
	rel.len = pool->len;
	index = 0;
	for (unsigned int i = pool->len; i < block->len; i++) {
		if (block->len - i > 32) {
			if (addr_bit(rel.bytes, i))
				return -ERANGE;
			continue;
		}
		index = (index << 1) | addr_bit(rel.bytes, i);
	}
	*ret_index = index;
	return 0;
}

/* First usable offset in a block: 0 on /31 and /127, else 1. */
static unsigned int addr_first_usable(const struct addr_prefix *block)
{
	return block->len + 1 == addr_family_bits(block->family) ? 0 : 1;
}

int addr_block_ends(const struct addr_prefix *block, struct addr_prefix *ret_host,
		    struct addr_prefix *ret_peer)
{
	struct addr_prefix host, peer;
	unsigned int first;

	if (block->len + 1 > addr_family_bits(block->family))
		return -EINVAL;
	first = addr_first_usable(block);
	host = addr_prefix_network(block);
	peer = host;
	addr_add_shifted(host.bytes, addr_family_bytes(host.family), first, 0);
	addr_add_shifted(peer.bytes, addr_family_bytes(peer.family), first + 1, 0);
	*ret_host = host;
	*ret_peer = peer;
	return 0;
}

int addr_check_peer(const struct addr_prefix *addr, struct errbuf *err)
{
	unsigned int bits = addr_family_bits(addr->family);
	uint64_t offset;

	if (addr->len + 1 > bits) {
		errbuf_set(err, "%s",
			   addr->family == AF_INET ? "a /32 leaves no address for the host end" :
						     "a /128 leaves no address for the host end");
		return -EINVAL;
	}
	if (addr_first_usable(addr) == 1 && addr_host_bits_clear(addr)) {
		errbuf_set(err, "%s",
			   addr->family == AF_INET ?
				   "is the network address of its block" :
				   "is the subnet-router anycast address of its block");
		return -EINVAL;
	}
	if (addr->family == AF_INET && addr->len + 2 <= bits && addr_host_bits_all_set(addr)) {
		errbuf_set(err, "is the broadcast address of its block");
		return -EINVAL;
	}
	if (addr_host_offset(addr, &offset) && offset == addr_first_usable(addr)) {
		errbuf_set(err, "is the address the host end takes");
		return -EINVAL;
	}
	return 0;
}
