/* SPDX-License-Identifier: BSD-3-Clause */
/* The routes that say what a user's namespace may reach (lib/egress.c). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "usernetns/egress.h"

static struct addr_prefix prefix(const char *s)
{
	struct addr_prefix p;
	struct errbuf err = { "" };

	if (addr_prefix_parse(s, AF_UNSPEC, true, &p, &err) < 0)
		fail_msg("%s: %s", s, err.msg);
	return p;
}

static void add(struct policy_prefix_list *l, const char *s)
{
	l->v[l->n++] = prefix(s);
}

/* The routes as text, "dst prohibit|via" each, in order. */
static const char *routes(const struct plan *plan, const char *peer, const char *gw)
{
	static char text[4096];
	struct egress_route v[EGRESS_ROUTES_MAX];
	struct addr_prefix p = prefix(peer), g = prefix(gw);
	size_t n, len = 0;

	egress_routes(plan, &p, &g, v, &n);
	text[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char buf[ADDR_PREFIX_STRLEN];

		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s %s",
					i ? ", " : "", addr_prefix_format(&v[i].dst, buf, sizeof(buf)),
					v[i].prohibit ? "prohibit" : "via");
	}
	return text;
}

static void test_default_only(void **state)
{
	struct plan plan = { 0 };

	assert_string_equal(routes(&plan, "10.200.0.2/30", "10.200.0.1/30"), "0.0.0.0/0 via");
	assert_string_equal(routes(&plan, "fd42:200::2/64", "fd42:200::1/64"), "::/0 via");
}

static void test_deny_and_ranges(void **state)
{
	struct plan plan = { 0 };

	add(&plan.deny, "192.168.0.0/16");
	add(&plan.deny, "10.0.0.0/8");
	add(&plan.deny, "fd00::/8");
	plan.ranges[plan.n_ranges++] = prefix("10.200.0.0/16");
	plan.ranges[plan.n_ranges++] = prefix("10.201.0.0/30");	/* its own fixed block */
	plan.ranges[plan.n_ranges++] = prefix("fd42:200::/48");
	/* Its own block stays reachable: the connected route is more specific. */
	assert_string_equal(routes(&plan, "10.201.0.2/30", "10.201.0.1/30"),
			    "0.0.0.0/0 via, 192.168.0.0/16 prohibit, 10.0.0.0/8 prohibit, "
			    "10.200.0.0/16 prohibit");
	assert_string_equal(routes(&plan, "fd42:200:0:5::2/64", "fd42:200:0:5::1/64"),
			    "::/0 via, fd00::/8 prohibit, fd42:200::/48 prohibit");
}

static void test_allow_list(void **state)
{
	struct plan plan = { 0 };

	add(&plan.allow, "198.51.100.0/25");
	add(&plan.allow, "203.0.113.0/24");
	add(&plan.deny, "203.0.113.0/24"); /* denied wins */
	assert_string_equal(routes(&plan, "10.200.0.2/30", "10.200.0.1/30"),
			    "198.51.100.0/25 via, 203.0.113.0/24 prohibit, 0.0.0.0/0 prohibit");
	/* An allow list without IPv6 allows no IPv6. */
	assert_string_equal(routes(&plan, "fd42:200::2/64", "fd42:200::1/64"), "::/0 prohibit");
	/* One that allows everything is no restriction. */
	add(&plan.allow, "::/0");
	assert_string_equal(routes(&plan, "fd42:200::2/64", "fd42:200::1/64"), "::/0 via");
}

static void test_bridge_keeps_its_gateway(void **state)
{
	struct plan plan = { 0 };

	/* A pool over the bridge's own address: prohibiting it would cut the way out. */
	plan.ranges[plan.n_ranges++] = prefix("10.50.0.0/25");
	assert_string_equal(routes(&plan, "10.50.0.10/24", "10.50.0.1/24"), "0.0.0.0/0 via");
	/* A pool beside it is prohibited. */
	plan.n_ranges = 0;
	plan.ranges[plan.n_ranges++] = prefix("10.50.0.128/25");
	assert_string_equal(routes(&plan, "10.50.0.130/24", "10.50.0.1/24"),
			    "0.0.0.0/0 via, 10.50.0.128/25 prohibit");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_only),
		cmocka_unit_test(test_deny_and_ranges),
		cmocka_unit_test(test_allow_list),
		cmocka_unit_test(test_bridge_keeps_its_gateway),
	};

	return cmocka_run_group_tests_name("egress", tests, NULL, NULL);
}
