/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a user's namespace may reach (lib/egress.c): its routes, and its
 * filter as the namespace's table writes it (lib/nstable.c).
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
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

static void add(struct policy_egress_list *l, const char *s)
{
	l->v[l->n++] = (struct policy_egress){ .net = prefix(s) };
}

/* An entry of a protocol, with ports (0, 0: any) and a network (NULL: any). */
static void add_proto(struct policy_egress_list *l, uint8_t proto, uint16_t min, uint16_t max,
		      const char *net)
{
	l->v[l->n++] = (struct policy_egress){
		.net = net ? prefix(net) : (struct addr_prefix){ 0 },
		.proto = proto,
		.port_min = min,
		.port_max = max,
	};
}

/* The routes as text, "dst prohibit|via" each, in order, queries going to dns. */
static const char *routes_dns(const struct plan *plan, const char *peer, const char *gw,
			      const struct nsdns_targets *dns)
{
	static char text[4096];
	struct egress_route v[EGRESS_ROUTES_MAX];
	struct addr_prefix p = prefix(peer), g = prefix(gw);
	size_t n, len = 0;

	egress_routes(plan, &p, &g, dns, v, &n);
	text[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char buf[ADDR_PREFIX_STRLEN];

		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s %s",
					i ? ", " : "", addr_prefix_format(&v[i].dst, buf, sizeof(buf)),
					v[i].prohibit ? "prohibit" : "via");
	}
	return text;
}

static const char *routes(const struct plan *plan, const char *peer, const char *gw)
{
	return routes_dns(plan, peer, gw, NULL);
}

/* Targets of the dns redirect: the host's resolvers "a,b", as read from its resolv.conf. */
static struct nsdns_targets targets(const char *s)
{
	struct nsdns_targets t = { 0 };
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *a = strtok_r(buf, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
		char p[64];

		snprintf(p, sizeof(p), "%s/32", a);
		t.addr[t.n++] = prefix(p);
	}
	return t;
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

/*
 * dns = host: the host's resolvers are reached whatever the lists say (a
 * translated query is routed again); other resolvers are the policy's,
 * which the policy check keeps out of its lists.
 */
static void test_host_resolvers_routed(void **state)
{
	struct plan plan = { .dns.kind = POLICY_DNS_HOST };
	struct nsdns_targets dns = targets("192.168.1.1,10.200.0.9,198.51.100.53");

	add(&plan.deny, "192.168.0.0/16");
	add(&plan.deny, "198.51.100.53/32");
	plan.ranges[plan.n_ranges++] = prefix("10.210.0.0/16");
	/* One in the namespace's own block is on its link already. */
	assert_string_equal(routes_dns(&plan, "10.200.0.10/29", "10.200.0.9/29", &dns),
			    "0.0.0.0/0 via, 192.168.0.0/16 prohibit, 198.51.100.53/32 via, "
			    "10.210.0.0/16 prohibit, 192.168.1.1/32 via");
	/* With an allow list, they are reached too. */
	add(&plan.allow, "203.0.113.0/24");
	assert_string_equal(routes_dns(&plan, "10.200.0.10/29", "10.200.0.9/29", &dns),
			    "203.0.113.0/24 via, 0.0.0.0/0 prohibit, 192.168.0.0/16 prohibit, "
			    "198.51.100.53/32 via, 10.210.0.0/16 prohibit, 192.168.1.1/32 via");
	/* IPv6 has none. */
	assert_string_equal(routes_dns(&plan, "fd42:200::2/64", "fd42:200::1/64", &dns),
			    "::/0 prohibit");
	/* The resolvers of dns = ADDR get nothing of the kind. */
	plan.dns.kind = POLICY_DNS_ADDRS;
	assert_string_equal(routes_dns(&plan, "10.200.0.10/29", "10.200.0.9/29", &dns),
			    "203.0.113.0/24 via, 0.0.0.0/0 prohibit, 192.168.0.0/16 prohibit, "
			    "198.51.100.53/32 prohibit, 10.210.0.0/16 prohibit");
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

/* The filter's table as nft(8) text. */
static char *filter_text(const struct plan *plan, const struct egress_addrs *a)
{
	struct nstable *t = calloc(1, sizeof(*t));
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(t);
	assert_non_null(f);
	egress_filter(plan, a, t);
	assert_false(t->overflow);
	nstable_print(t, f);
	fclose(f);
	free(t);
	return text;
}

static void test_filter_nat(void **state)
{
	struct plan plan = { .mode = POLICY_MODE_NAT };
	struct egress_addrs a = {
		.peer4 = prefix("10.210.0.6/30"),
		.gw4 = prefix("10.210.0.5/30"),
		.peer6 = prefix("fd42:210:0:1::2/64"),
		.gw6 = prefix("fd42:210:0:1::1/64"),
	};
	char *text;

	add(&plan.deny, "192.168.0.0/16");
	add(&plan.deny, "10.0.0.0/8");
	add(&plan.deny, "fd00:beef::/32");
	add_proto(&plan.deny, IPPROTO_TCP, 25, 25, NULL);
	add_proto(&plan.deny, IPPROTO_UDP, 1, 1023, "192.0.2.0/24");
	plan.ranges[plan.n_ranges++] = prefix("10.210.0.0/16");
	plan.ranges[plan.n_ranges++] = prefix("fd42:210::/48");
	text = filter_text(&plan, &a);
	assert_string_equal(
		text,
		"table inet usernetns {\n"
		"\tcounter refused {\n\t}\n"
		"\tchain out {\n"
		"\t\ttype filter hook output priority 0; policy accept;\n"
		"\t\toif \"lo\" accept\n"
		"\t\tmeta l4proto ipv6-icmp icmpv6 type 130-143 accept\n"
		"\t\tip saddr != 10.210.0.6 counter name \"refused\" drop\n"
		"\t\tip6 saddr != { fd42:210:0:1::2, fe80::/10 } counter name \"refused\" drop\n"
		"\t\tip daddr 10.210.0.5 accept\n"
		"\t\tip6 daddr fd42:210:0:1::1 accept\n"
		"\t\tip daddr { 192.168.0.0/16, 10.0.0.0/8 } jump refuse\n"
		"\t\tip6 daddr fd00:beef::/32 jump refuse\n"
		"\t\tmeta l4proto tcp th dport 25 jump refuse\n"
		"\t\tip daddr 192.0.2.0/24 meta l4proto udp th dport 1-1023 jump refuse\n"
		"\t\tip daddr 10.210.0.0/16 jump refuse\n"
		"\t\tip6 daddr fd42:210::/48 jump refuse\n"
		"\t}\n"
		"\tchain refuse {\n"
		"\t\tmeta l4proto tcp counter name \"refused\" reject with tcp reset\n"
		"\t\tcounter name \"refused\" reject with icmpx admin-prohibited\n"
		"\t}\n"
		"}\n");
	free(text);
}

static void test_filter_allow_and_no_ipv6(void **state)
{
	struct plan plan = { .mode = POLICY_MODE_BRIDGE };
	struct egress_addrs a = {
		.peer4 = prefix("10.50.0.130/24"),
		.gw4 = prefix("10.50.0.1/24"),
	};
	char *text;

	add(&plan.allow, "198.51.100.0/25");
	add(&plan.allow, "2001:db8::/32");
	add_proto(&plan.allow, IPPROTO_TCP, 443, 443, NULL);
	plan.ranges[plan.n_ranges++] = prefix("10.50.0.128/25");
	text = filter_text(&plan, &a);
	/* No IPv6 in the namespace: all of it refused, whatever the allow list says. */
	assert_non_null(strstr(text, "\t\tmeta nfproto ipv6 jump refuse\n"));
	assert_null(strstr(text, "2001:db8"));
	assert_null(strstr(text, "icmpv6 type 130-143"));
	/* The bridge's subnet is restricted like any other, the gateway first. */
	assert_non_null(strstr(text, "\t\tip daddr 10.50.0.1 accept\n"
				     "\t\tip daddr 10.50.0.128/25 jump refuse\n"
				     "\t\tip daddr 198.51.100.0/25 accept\n"
				     "\t\tmeta l4proto tcp th dport 443 accept\n"
				     "\t\tjump refuse\n"));
	free(text);
}

/*
 * dns = host: UDP and TCP to port 53 of the host's resolvers go through,
 * after the gateway and before what deny and allow say; nothing else to
 * them does.
 */
static void test_filter_host_resolvers(void **state)
{
	struct plan plan = { .mode = POLICY_MODE_NAT, .dns.kind = POLICY_DNS_HOST };
	struct egress_addrs a = {
		.peer4 = prefix("10.210.0.6/30"),
		.gw4 = prefix("10.210.0.5/30"),
		.dns = targets("192.168.1.1,192.168.1.2"),
	};
	char *text;

	add(&plan.deny, "192.168.0.0/16");
	add_proto(&plan.deny, IPPROTO_UDP, 0, 0, NULL);
	add_proto(&plan.allow, IPPROTO_TCP, 443, 443, NULL);
	text = filter_text(&plan, &a);
	assert_non_null(strstr(text,
			       "\t\tip daddr 10.210.0.5 accept\n"
			       "\t\tip daddr { 192.168.1.1, 192.168.1.2 } meta l4proto udp th dport 53 accept\n"
			       "\t\tip daddr { 192.168.1.1, 192.168.1.2 } meta l4proto tcp th dport 53 accept\n"
			       "\t\tip daddr 192.168.0.0/16 jump refuse\n"
			       "\t\tmeta l4proto udp jump refuse\n"));
	free(text);

	/* dns = ADDR: the policy check keeps its resolvers out of the lists; no exemption. */
	plan.dns.kind = POLICY_DNS_ADDRS;
	text = filter_text(&plan, &a);
	assert_null(strstr(text, "th dport 53 accept"));
	free(text);
	/* Nor with no resolver of the host's. */
	plan.dns.kind = POLICY_DNS_HOST;
	a.dns.n = 0;
	text = filter_text(&plan, &a);
	assert_null(strstr(text, "th dport 53 accept"));
	free(text);
}

static void test_filter_unknown_addresses(void **state)
{
	struct plan plan = { .mode = POLICY_MODE_VETH };
	/* A dry run before the first login: the family, not the address. */
	struct egress_addrs a = {
		.peer4 = { .family = AF_INET },
		.gw4 = { .family = AF_INET },
	};
	char *text = filter_text(&plan, &a);

	assert_non_null(strstr(text, "ip daddr <the gateway> accept"));
	assert_non_null(strstr(text, "ip saddr != <this namespace's address> counter"));
	free(text);
}

static void test_filter_none_without_link(void **state)
{
	struct plan plan = { .mode = POLICY_MODE_ISOLATED };
	struct egress_addrs a = { .peer4 = { .family = AF_INET } };
	struct nstable t = { 0 };

	egress_filter(&plan, &a, &t);
	assert_true(nstable_empty(&t));
}

static void test_gateway_in_deny(void **state)
{
	struct plan plan = { .mode = POLICY_MODE_BRIDGE,
			     .bridge = "br0",
			     .rule_kind = POLICY_RULE_GROUP,
			     .rule_name = "lab",
			     .rule_line = 9,
			     .deny_line = 12 };
	struct addr_prefix gw = prefix("10.50.0.1/24");
	struct errbuf err = { "" };

	add_proto(&plan.deny, IPPROTO_TCP, 25, 25, "10.0.0.0/8");
	assert_int_equal(egress_check_gateway(&plan, &gw, &err), 0);
	add(&plan.deny, "10.50.0.0/25");
	assert_int_equal(egress_check_gateway(&plan, &gw, &err), -EINVAL);
	assert_string_equal(
		err.msg,
		"[group:lab]: deny 10.50.0.0/25 holds 10.50.0.1, the gateway of bridge br0, which a namespace on the bridge always reaches (its way out); deny the networks around it");
	/* In mode veth and nat the gateway is the namespace's own host end. */
	plan.mode = POLICY_MODE_NAT;
	assert_int_equal(egress_check_gateway(&plan, &gw, &err), 0);
}

static void test_address_runs(void **state)
{
	struct addr_prefix nets[] = { prefix("10.210.0.0/16"), prefix("10.0.0.0/8"),
				      prefix("192.168.0.0/24"), prefix("192.168.1.0/24"),
				      prefix("255.255.255.0/24") };
	struct addr_range r[ELEMENTSOF(nets)];
	size_t n = addr_ranges_merge(nets, ELEMENTSOF(nets), r);
	static const uint8_t after10[4] = { 11, 0, 0, 0 }, first192[4] = { 192, 168, 0, 0 },
			     after192[4] = { 192, 168, 2, 0 };

	/* 10.210/16 is inside 10/8; the two /24s touch; the last runs to the end. */
	assert_int_equal(n, 3);
	assert_memory_equal(r[0].after, after10, 4);
	assert_memory_equal(r[1].first, first192, 4);
	assert_memory_equal(r[1].after, after192, 4);
	assert_true(r[2].to_end);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_only),
		cmocka_unit_test(test_deny_and_ranges),
		cmocka_unit_test(test_allow_list),
		cmocka_unit_test(test_host_resolvers_routed),
		cmocka_unit_test(test_bridge_keeps_its_gateway),
		cmocka_unit_test(test_filter_nat),
		cmocka_unit_test(test_filter_allow_and_no_ipv6),
		cmocka_unit_test(test_filter_host_resolvers),
		cmocka_unit_test(test_filter_unknown_addresses),
		cmocka_unit_test(test_filter_none_without_link),
		cmocka_unit_test(test_gateway_in_deny),
		cmocka_unit_test(test_address_runs),
	};

	return cmocka_run_group_tests_name("egress", tests, NULL, NULL);
}
