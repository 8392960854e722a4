/* SPDX-License-Identifier: BSD-3-Clause */
/* CIDR parsing and the block arithmetic behind address pools. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "testutil.h"
#include "usernetns/addr.h"

static struct addr_prefix parse_ok(const char *s, bool host_bits)
{
	struct addr_prefix p;
	struct errbuf err = { "" };
	int r = addr_prefix_parse(s, AF_UNSPEC, host_bits, &p, &err);

	if (r != 0)
		fail_msg("%s: %s", s, err.msg);
	return p;
}

static const char *fmt(const struct addr_prefix *p)
{
	static char buf[4][ADDR_PREFIX_STRLEN];
	static int i;

	i = (i + 1) % 4;
	return addr_prefix_format(p, buf[i], sizeof(buf[i]));
}

static void expect_reject(const char *s, int family, bool host_bits,
			  const char *why)
{
	struct addr_prefix p;
	struct errbuf err = { "" };

	assert_int_equal(addr_prefix_parse(s, family, host_bits, &p, &err),
			 -EINVAL);
	if (!strstr(err.msg, why))
		fail_msg("%s: reason '%s' lacks '%s'", s, err.msg, why);
}

static void test_parse_ipv4(void **state)
{
	struct addr_prefix p = parse_ok("10.200.0.0/16", false);

	assert_int_equal(p.family, AF_INET);
	assert_int_equal(p.len, 16);
	assert_memory_equal(p.bytes, "\x0a\xc8\x00\x00", 4);
	assert_string_equal(fmt(&p), "10.200.0.0/16");

	p = parse_ok("0.0.0.0/0", false);
	assert_int_equal(p.len, 0);
	p = parse_ok("192.0.2.1/32", false);
	assert_string_equal(fmt(&p), "192.0.2.1/32");
}

static void test_parse_ipv6(void **state)
{
	struct addr_prefix p = parse_ok("fd42:200::/48", false);

	assert_int_equal(p.family, AF_INET6);
	assert_int_equal(p.len, 48);
	assert_string_equal(fmt(&p), "fd42:200::/48");
	p = parse_ok("FD42:0200:0000::/48", false);
	assert_string_equal(fmt(&p), "fd42:200::/48");
	p = parse_ok("2001:db8::1/128", false);
	assert_int_equal(p.len, 128);
}

static void test_parse_rejects(void **state)
{
	expect_reject("10.200.0.0", AF_UNSPEC, false, "missing '/LENGTH'");
	expect_reject("10.200.0/16", AF_UNSPEC, false, "not an IP address");
	expect_reject("10.200.0.0.0/16", AF_UNSPEC, false, "not an IP address");
	expect_reject("256.0.0.0/8", AF_UNSPEC, false, "not an IP address");
	expect_reject("junk/8", AF_INET, false, "not an IPv4 address");
	expect_reject("fd00::/8", AF_INET, false, "not an IPv4 address");
	expect_reject("10.0.0.0/8", AF_INET6, false, "not an IPv6 address");
	expect_reject("/8", AF_UNSPEC, false, "not an IP address");
	expect_reject("10.0.0.0/", AF_UNSPEC, false, "not a number");
	expect_reject("10.0.0.0/x", AF_UNSPEC, false, "not a number");
	expect_reject("10.0.0.0/-1", AF_UNSPEC, false, "not a number");
	expect_reject("10.0.0.0/ 8", AF_UNSPEC, false, "not a number");
	expect_reject("10.0.0.0/1000", AF_UNSPEC, false, "not a number");
	expect_reject("10.0.0.0/33", AF_UNSPEC, false, "out of range (0-32)");
	expect_reject("fd00::/129", AF_UNSPEC, false, "out of range (0-128)");
	expect_reject(" 10.0.0.0/8", AF_UNSPEC, false, "not an IP address");
}

static void test_host_bits(void **state)
{
	struct addr_prefix p;

	expect_reject("10.200.0.1/16", AF_INET, false, "host bits");
	expect_reject("10.200.128.0/16", AF_INET, false, "host bits");
	expect_reject("fd42:200::1/48", AF_INET6, false, "host bits");
	expect_reject("fd42:201::/15", AF_INET6, false, "host bits");

	p = parse_ok("10.200.0.1/16", true);
	assert_string_equal(fmt(&p), "10.200.0.1/16");
	p = addr_prefix_network(&p);
	assert_string_equal(fmt(&p), "10.200.0.0/16");
	p = parse_ok("fd42:200:0:7::2/61", true);
	p = addr_prefix_network(&p);
	assert_string_equal(fmt(&p), "fd42:200::/61");
}

/* A prefix's last address: every host bit set, the length kept. */
static void test_last(void **state)
{
	static const struct {
		const char *prefix, *last;
	} cases[] = {
		{ "10.200.0.1/16", "10.200.255.255/16" },
		{ "10.200.0.4/30", "10.200.0.7/30" },
		{ "192.0.2.1/32", "192.0.2.1/32" },
		{ "fd42:200::/61", "fd42:200:0:7:ffff:ffff:ffff:ffff/61" },
		{ "::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/0" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct addr_prefix p = parse_ok(cases[i].prefix, true);

		p = addr_prefix_last(&p);
		assert_string_equal(fmt(&p), cases[i].last);
	}
	assert_int_equal(addr_family_bytes(AF_INET), 4);
	assert_int_equal(addr_family_bytes(AF_INET6), 16);
}

static void test_overlap_contains(void **state)
{
	struct addr_prefix a = parse_ok("10.200.0.0/16", false);
	struct addr_prefix b = parse_ok("10.200.128.0/17", false);
	struct addr_prefix c = parse_ok("10.201.0.0/16", false);
	struct addr_prefix d = parse_ok("fd42::/16", false);
	struct addr_prefix e = parse_ok("10.0.0.0/8", false);

	assert_true(addr_prefix_overlaps(&a, &b));
	assert_true(addr_prefix_overlaps(&b, &a));
	assert_false(addr_prefix_overlaps(&a, &c));
	assert_false(addr_prefix_overlaps(&a, &d));
	assert_true(addr_prefix_contains(&a, &b));
	assert_false(addr_prefix_contains(&b, &a));
	assert_true(addr_prefix_contains(&e, &c));
	assert_true(addr_prefix_overlaps(&e, &c));
	assert_true(addr_prefix_equal(&a, &a));
	assert_false(addr_prefix_equal(&a, &b));
}

static void test_block_count(void **state)
{
	struct addr_prefix p4 = parse_ok("10.200.0.0/16", false);
	struct addr_prefix p6 = parse_ok("fd42:200::/48", false);
	struct addr_prefix big6 = parse_ok("fd00::/8", false);

	assert_int_equal(addr_block_count(&p4, 30), 16384);
	assert_int_equal(addr_block_count(&p4, 16), 1);
	assert_int_equal(addr_block_count(&p4, 15), 0);	/* pool too small */
	assert_int_equal(addr_block_count(&p4, 33), 0);
	assert_int_equal(addr_block_count(&p6, 64), 65536);
	/* 2^56 blocks: more than there are uids, so saturated. */
	assert_true(addr_block_count(&big6, 64) == ADDR_BLOCKS_MAX);
}

static void test_block_nth_ipv4(void **state)
{
	struct addr_prefix pool = parse_ok("10.200.0.0/16", false);
	struct addr_prefix b;
	uint64_t idx;

	assert_int_equal(addr_block_nth(&pool, 30, 0, &b), 0);
	assert_string_equal(fmt(&b), "10.200.0.0/30");
	assert_int_equal(addr_block_nth(&pool, 30, 1, &b), 0);
	assert_string_equal(fmt(&b), "10.200.0.4/30");
	/* Carry into the next byte. */
	assert_int_equal(addr_block_nth(&pool, 30, 64, &b), 0);
	assert_string_equal(fmt(&b), "10.200.1.0/30");
	assert_int_equal(addr_block_nth(&pool, 30, 16383, &b), 0);
	assert_string_equal(fmt(&b), "10.200.255.252/30");
	assert_int_equal(addr_block_nth(&pool, 30, 16384, &b), -ERANGE);

	assert_int_equal(addr_block_index(&pool, &(struct addr_prefix){ 0 }, &idx),
			 -ERANGE);
	b = parse_ok("10.200.255.252/30", false);
	assert_int_equal(addr_block_index(&pool, &b, &idx), 0);
	assert_int_equal(idx, 16383);
	b = parse_ok("10.201.0.0/30", false);
	assert_int_equal(addr_block_index(&pool, &b, &idx), -ERANGE);
}

static void test_block_nth_ipv6(void **state)
{
	struct addr_prefix pool = parse_ok("fd42:200::/48", false);
	struct addr_prefix big = parse_ok("fd00::/8", false);
	struct addr_prefix b;
	uint64_t idx;

	assert_int_equal(addr_block_nth(&pool, 64, 0, &b), 0);
	assert_string_equal(fmt(&b), "fd42:200::/64");
	assert_int_equal(addr_block_nth(&pool, 64, 1, &b), 0);
	assert_string_equal(fmt(&b), "fd42:200:0:1::/64");
	assert_int_equal(addr_block_nth(&pool, 64, 65535, &b), 0);
	assert_string_equal(fmt(&b), "fd42:200:0:ffff::/64");
	assert_int_equal(addr_block_nth(&pool, 64, 65536, &b), -ERANGE);

	/* Indexes up to 2^32 - 1 in a pool with room for far more. */
	assert_int_equal(addr_block_nth(&big, 64, UINT64_C(0xffffffff), &b), 0);
	assert_string_equal(fmt(&b), "fd00:0:ffff:ffff::/64");
	assert_int_equal(addr_block_index(&big, &b, &idx), 0);
	assert_true(idx == UINT64_C(0xffffffff));
	/* A block beyond what any uid could lease is not an index. */
	b = parse_ok("fd01::/64", false);
	assert_int_equal(addr_block_index(&big, &b, &idx), -ERANGE);

	for (uint64_t i = 0; i < 70000; i += 997) {
		assert_int_equal(addr_block_nth(&pool, 64, i % 65536, &b), 0);
		assert_int_equal(addr_block_index(&pool, &b, &idx), 0);
		assert_true(idx == i % 65536);
	}
}

static void test_block_ends(void **state)
{
	struct addr_prefix host, peer, b;

	b = parse_ok("10.200.0.4/30", false);
	assert_int_equal(addr_block_ends(&b, &host, &peer), 0);
	assert_string_equal(fmt(&host), "10.200.0.5/30");
	assert_string_equal(fmt(&peer), "10.200.0.6/30");

	/* RFC 3021: both addresses of a /31 are usable. */
	b = parse_ok("10.200.0.254/31", false);
	assert_int_equal(addr_block_ends(&b, &host, &peer), 0);
	assert_string_equal(fmt(&host), "10.200.0.254/31");
	assert_string_equal(fmt(&peer), "10.200.0.255/31");

	b = parse_ok("10.200.0.255/32", false);
	assert_int_equal(addr_block_ends(&b, &host, &peer), -EINVAL);

	b = parse_ok("fd42:200:0:7::/64", false);
	assert_int_equal(addr_block_ends(&b, &host, &peer), 0);
	assert_string_equal(fmt(&host), "fd42:200:0:7::1/64");
	assert_string_equal(fmt(&peer), "fd42:200:0:7::2/64");

	b = parse_ok("fd42::/127", false);
	assert_int_equal(addr_block_ends(&b, &host, &peer), 0);
	assert_string_equal(fmt(&host), "fd42::/127");
	assert_string_equal(fmt(&peer), "fd42::1/127");
}

static void expect_peer(const char *s, const char *why)
{
	struct addr_prefix p = parse_ok(s, true);
	struct errbuf err = { "" };

	if (!why) {
		assert_int_equal(addr_check_peer(&p, &err), 0);
		return;
	}
	assert_int_equal(addr_check_peer(&p, &err), -EINVAL);
	if (!strstr(err.msg, why))
		fail_msg("%s: reason '%s' lacks '%s'", s, err.msg, why);
}

static void test_check_peer(void **state)
{
	expect_peer("10.201.0.2/30", NULL);
	expect_peer("10.201.0.0/30", "network address");
	expect_peer("10.201.0.1/30", "host end takes");
	expect_peer("10.201.0.3/30", "broadcast");
	expect_peer("10.201.0.6/29", NULL);
	expect_peer("10.201.0.1/31", NULL);
	expect_peer("10.201.0.0/31", "host end takes");
	expect_peer("10.201.0.1/32", "no address for the host end");
	expect_peer("fd42::2/64", NULL);
	expect_peer("fd42::/64", "anycast");
	expect_peer("fd42::1/64", "host end takes");
	expect_peer("fd42::ffff:ffff:ffff:ffff/64", NULL);
	expect_peer("fd42::1/127", NULL);
	expect_peer("fd42::1/128", "no address for the host end");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ipv4),
		cmocka_unit_test(test_parse_ipv6),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_host_bits),
		cmocka_unit_test(test_last),
		cmocka_unit_test(test_overlap_contains),
		cmocka_unit_test(test_block_count),
		cmocka_unit_test(test_block_nth_ipv4),
		cmocka_unit_test(test_block_nth_ipv6),
		cmocka_unit_test(test_block_ends),
		cmocka_unit_test(test_check_peer),
	};

	return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
