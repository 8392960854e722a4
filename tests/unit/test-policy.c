/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The policy parser: values, defaults, inheritance from [default],
 * templates, how lines are read, and the checks on the file itself.
 * tests/fixtures/ holds one file per class of bad input (test-fixtures).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "usernetns/firewall.h"
#include "usernetns/policy.h"

static struct policy *parse_ok(const char *text)
{
	struct diag d = DIAG_INIT;
	struct policy *p = NULL;
	int r = test_parse(text, &p, &d);

	if (r != 0) {
		test_diag_dump(&d);
		fail_msg("policy rejected: %d", r);
	}
	assert_int_equal(d.n_errors, 0);
	diag_clear(&d);
	return p;
}

/* Parse text, expect it rejected with exactly one error at line. */
static void parse_one_error(const char *text, unsigned int line,
			    const char *needle)
{
	struct diag d = DIAG_INIT;

	assert_int_equal(test_parse(text, NULL, &d), -EINVAL);
	if (d.n_errors != 1 || !test_diag_has(&d, DIAG_ERROR, line, needle)) {
		test_diag_dump(&d);
		fail_msg("expected one error at line %u with '%s'", line, needle);
	}
	diag_clear(&d);
}

static const char *fmt(const struct addr_prefix *p)
{
	static char buf[4][ADDR_PREFIX_STRLEN];
	static int i;

	i = (i + 1) % 4;
	return addr_prefix_format(p, buf[i], sizeof(buf[i]));
}

static void test_empty_policy_has_safe_defaults(void **state)
{
	struct policy *p = parse_ok("");

	assert_string_equal(p->global.netns_name, "user-%u");
	assert_string_equal(p->global.host_ifname, "vu%U");
	assert_string_equal(p->global.peer_ifname, "eth0");
	assert_int_equal(p->global.min_uid, 1000);
	assert_int_equal(p->global.on_error, POLICY_ON_ERROR_FAIL);
	assert_int_equal(p->global.teardown, POLICY_TEARDOWN_LAST_LOGOUT);
	assert_string_equal(p->global.admin_group, "");
	assert_int_equal(p->defaults.mode, POLICY_MODE_NONE);
	assert_int_equal(p->defaults.line, 0);
	assert_int_equal(p->n_rules, 0);
	policy_free(p);
}

static void test_global_keys(void **state)
{
	struct policy *p = parse_ok("[global]\n"
				    "netns_name = ns-%U-%%\n"
				    "host_ifname = h%U\n"
				    "peer_ifname = net0\n"
				    "min_uid = 5000\n"
				    "on_error = ignore\n"
				    "teardown = never\n"
				    "admin_group = netadmin\n");

	assert_string_equal(p->global.netns_name, "ns-%U-%%");
	assert_string_equal(p->global.host_ifname, "h%U");
	assert_string_equal(p->global.peer_ifname, "net0");
	assert_int_equal(p->global.min_uid, 5000);
	assert_int_equal(p->global.on_error, POLICY_ON_ERROR_IGNORE);
	assert_int_equal(p->global.teardown, POLICY_TEARDOWN_NEVER);
	assert_string_equal(p->global.admin_group, "netadmin");
	assert_int_equal(p->global.line, 1);
	assert_int_equal(p->global.key_line[POLICY_KEY_MIN_UID], 5);
	policy_free(p);
}

static void test_rules_in_file_order(void **state)
{
	struct policy *p = parse_ok("[group:b]\nmode = isolated\n"
				    "[user:alice]\nmode = veth\naddress4 = 10.201.0.2/30\n"
				    "[group:a]\nmode = none\n");

	assert_int_equal(p->n_rules, 3);
	assert_int_equal(p->rules[0].kind, POLICY_RULE_GROUP);
	assert_string_equal(p->rules[0].name, "b");
	assert_int_equal(p->rules[0].line, 1);
	assert_int_equal(p->rules[1].kind, POLICY_RULE_USER);
	assert_string_equal(p->rules[1].name, "alice");
	assert_string_equal(fmt(&p->rules[1].address4), "10.201.0.2/30");
	assert_int_equal(p->rules[2].mode, POLICY_MODE_NONE);
	assert_ptr_equal(policy_find_rule(p, POLICY_RULE_GROUP, "a"), &p->rules[2]);
	assert_ptr_equal(policy_find_rule(p, POLICY_RULE_USER, "alice"), &p->rules[1]);
	assert_null(policy_find_rule(p, POLICY_RULE_USER, "b"));
	policy_free(p);
}

static void test_rules_inherit_default(void **state)
{
	/* [default] may come after the sections that inherit from it. */
	struct policy *p = parse_ok("[group:netusers]\n"
				    "mode = veth\n"
				    "prefix4 = 30\n"
				    "[group:wide]\n"
				    "mode = veth\n"
				    "pool4 = 10.210.0.0/16\n"
				    "prefix4 = 29\n"
				    "mtu = 9000\n"
				    "[default]\n"
				    "pool4 = 10.200.0.0/16\n"
				    "pool6 = fd42:200::/48\n"
				    "mtu = 1400\n");
	const struct policy_rule *n = &p->rules[0], *w = &p->rules[1];

	assert_int_equal(p->defaults.mode, POLICY_MODE_NONE);
	assert_int_equal(n->mode, POLICY_MODE_VETH);
	assert_string_equal(fmt(&n->pool4), "10.200.0.0/16");
	assert_string_equal(fmt(&n->pool6), "fd42:200::/48");
	assert_int_equal(n->prefix4, 30);
	assert_int_equal(n->prefix6, 64);
	assert_int_equal(n->mtu, 1400);
	assert_int_equal(n->key_line[POLICY_KEY_POOL4], 0);
	assert_int_equal(n->key_line[POLICY_KEY_PREFIX4], 3);

	assert_string_equal(fmt(&w->pool4), "10.210.0.0/16");
	assert_int_equal(w->prefix4, 29);
	assert_int_equal(w->mtu, 9000);
	/* IPv6 comes from [default] even where IPv4 is overridden. */
	assert_string_equal(fmt(&w->pool6), "fd42:200::/48");
	policy_free(p);
}

static void test_pool_none_stops_inheritance(void **state)
{
	struct policy *p = parse_ok("[default]\npool4 = 10.200.0.0/16\npool6 = fd42::/48\n"
				    "[group:v4only]\nmode = veth\npool6 = none\n"
				    "[group:iso]\nmode = isolated\npool4 = none\n");

	assert_int_equal(p->rules[0].pool6.family, 0);
	assert_string_equal(fmt(&p->rules[0].pool4), "10.200.0.0/16");
	assert_int_equal(p->rules[1].pool4.family, 0);
	policy_free(p);
	parse_one_error("[group:g]\nmode = veth\npool4 = none\n", 2, "mode veth needs addresses");
}

/* Limits in bits per second and bytes; [default]'s taken, or taken away. */
static void test_rates(void **state)
{
	struct policy *p = parse_ok("[default]\nmode = veth\npool4 = 10.200.0.0/16\n"
				    "rate_out = 20mbit\nrate_in = 1gbit\n"
				    "[group:a]\nburst = 64kb\n"
				    "[group:b]\nrate_out = none\nrate_in = 512kbit\nburst = 2mb\n"
				    "[group:c]\nrate_out = 100000000000bit\nrate_in = 64kbit\n");

	assert_true(p->rules[0].rate_out == UINT64_C(20000000));
	assert_true(p->rules[0].rate_in == UINT64_C(1000000000));
	assert_int_equal(p->rules[0].burst, 65536);
	assert_true(p->rules[1].rate_out == 0);
	assert_true(p->rules[1].rate_in == UINT64_C(512000));
	assert_int_equal(p->rules[1].burst, 2 << 20);
	assert_true(p->rules[2].rate_out == POLICY_RATE_MAX);
	assert_true(p->rules[2].rate_in == POLICY_RATE_MIN);
	assert_int_equal(p->rules[2].burst, 0);
	policy_free(p);
	(void)state;
}

static void test_modes(void **state)
{
	struct policy *p = parse_ok("[default]\nmode = isolated\n"
				    "[group:v]\nmode = veth\npool4 = 10.200.0.0/16\n"
				    "[group:b]\nmode = bridge\nbridge = br0\n");

	assert_int_equal(p->defaults.mode, POLICY_MODE_ISOLATED);
	assert_int_equal(p->rules[0].mode, POLICY_MODE_VETH);
	assert_int_equal(p->rules[1].mode, POLICY_MODE_BRIDGE);
	assert_string_equal(p->rules[1].bridge, "br0");
	assert_string_equal(policy_mode_to_string(POLICY_MODE_ISOLATED), "isolated");
	assert_true(policy_mode_has_link(POLICY_MODE_VETH));
	assert_false(policy_mode_has_link(POLICY_MODE_ISOLATED));
	policy_free(p);

	parse_one_error("[default]\nmode = Veth\n", 2,
			"mode = Veth: expected none, isolated, veth, bridge or nat");
	parse_one_error("[group:b]\nmode = bridge\n", 2, "needs 'bridge = NAME'");
	parse_one_error("[group:v]\nmode = veth\n", 2, "mode veth needs addresses");
	parse_one_error("[group:n]\nmode = nat\n", 2, "mode nat needs addresses");
}

static void test_nat_and_egress_keys(void **state)
{
	struct policy *p = parse_ok("[global]\nforwarding = enable\n"
				    "[default]\ndeny = 192.168.0.0/16\n"
				    "[group:students]\nmode = nat\npool4 = 10.210.0.0/16\n"
				    "pool6 = fd42:210::/48\nuplink = eth0\nnat6 = no\n"
				    "deny = 192.168.0.0/16, 10.0.0.0/8\ndeny = fd00::/8\n"
				    "deny = tcp/25, udp/1-1023@192.0.2.0/24, sctp@fd00:1::/32\n"
				    "allow = 0.0.0.0/0, ::/0\n"
				    "[group:lab]\nmode = nat\npool4 = 10.211.0.0/16\nuplink = auto\n"
				    "[group:bridged]\nmode = bridge\nbridge = br0\npool4 = 10.50.0.128/25\n"
				    "port_isolation = no\n");
	const struct policy_rule *r = &p->rules[0];
	char buf[POLICY_EGRESS_STRLEN];

	assert_int_equal(p->global.forwarding, POLICY_FORWARDING_ENABLE);
	assert_int_equal(r->mode, POLICY_MODE_NAT);
	assert_string_equal(r->uplink, "eth0");
	assert_int_equal(r->nat6, POLICY_NAT6_NO);
	/* A list key on several lines adds up; it replaces [default]'s. */
	assert_int_equal(r->deny.n, 6);
	assert_string_equal(policy_egress_format(&r->deny.v[1], buf, sizeof(buf)), "10.0.0.0/8");
	assert_string_equal(policy_egress_format(&r->deny.v[2], buf, sizeof(buf)), "fd00::/8");
	/* Protocols, ports and networks: as written. */
	assert_string_equal(policy_egress_format(&r->deny.v[3], buf, sizeof(buf)), "tcp/25");
	assert_int_equal(r->deny.v[3].proto, IPPROTO_TCP);
	assert_int_equal(r->deny.v[3].port_min, 25);
	assert_int_equal(r->deny.v[3].port_max, 25);
	assert_false(addr_prefix_is_set(&r->deny.v[3].net));
	assert_string_equal(policy_egress_format(&r->deny.v[4], buf, sizeof(buf)),
			    "udp/1-1023@192.0.2.0/24");
	assert_int_equal(r->deny.v[4].port_min, 1);
	assert_int_equal(r->deny.v[4].port_max, 1023);
	assert_string_equal(policy_egress_format(&r->deny.v[5], buf, sizeof(buf)),
			    "sctp@fd00:1::/32");
	assert_int_equal(r->deny.v[5].port_min, 0);
	assert_int_equal(r->allow.n, 2);
	/* Inherited from [default], "auto" is the empty name. */
	assert_int_equal(p->rules[1].deny.n, 1);
	assert_string_equal(p->rules[1].uplink, "");
	assert_int_equal(p->rules[1].nat6, POLICY_NAT6_AUTO);
	assert_true(p->rules[1].port_isolation);
	assert_false(p->rules[2].port_isolation);
	/* Every range users' addresses come from, once. */
	assert_int_equal(p->n_ranges, 4);
	policy_free(p);

	parse_one_error("[global]\nforwarding = maybe\n", 2,
			"forwarding = maybe: expected check or enable");
	parse_one_error("[default]\ndeny = 10.0.0.1/8\n", 2,
			"deny = 10.0.0.1/8: 10.0.0.1/8: host bits are set beyond the prefix length");
	parse_one_error("[default]\ndeny = 10.0.0.0/8,,192.168.0.0/16\n", 2, "an empty entry");
	parse_one_error("[default]\nallow = everything\n", 2,
			"allow = everything: everything: neither a network nor a protocol (tcp, udp, sctp) with ports");
	parse_one_error("[default]\nuplink = eth0/1\n", 2,
			"character '/' is not allowed in an interface name");
	parse_one_error("[default]\nport_isolation = on\n", 2, "expected yes or no");
	parse_one_error("[group:a]\nmode = nat\npool4 = 10.210.0.0/16\n"
			"[group:b]\nmode = veth\npool4 = 10.210.0.0/16\n",
			5, "pool4 10.210.0.0/16 is translated (mode nat) at line 2 but not here");
	assert_true(policy_nat6_translates(POLICY_NAT6_AUTO,
					   &(struct addr_prefix){ AF_INET6, 48, { 0xfd, 0x42 } }));
	assert_false(policy_nat6_translates(POLICY_NAT6_AUTO,
					    &(struct addr_prefix){ AF_INET6, 32, { 0x20, 0x01, 0x0d, 0xb8 } }));
	assert_true(policy_nat6_translates(POLICY_NAT6_YES,
					   &(struct addr_prefix){ AF_INET6, 32, { 0x20, 0x01, 0x0d, 0xb8 } }));
}

static void test_keys_without_effect(void **state)
{
	struct diag d = DIAG_INIT;
	struct policy *p = NULL;

	assert_int_equal(test_parse("[group:a]\nmode = veth\npool4 = 10.200.0.0/16\n"
				    "uplink = eth0\nport_isolation = no\n"
				    "[group:b]\nmode = isolated\ndeny = 10.0.0.0/8\n",
				    &p, &d),
			 0);
	assert_true(test_diag_has(&d, DIAG_WARNING, 4, "[group:a]: uplink has no effect in mode veth"));
	assert_true(test_diag_has(&d, DIAG_WARNING, 5,
				  "[group:a]: port_isolation has no effect in mode veth"));
	assert_true(test_diag_has(&d, DIAG_WARNING, 8,
				  "[group:b]: deny has no effect in mode isolated"));
	policy_free(p);
	diag_clear(&d);
}

static void test_syntax_accepted(void **state)
{
	/* Comments of both kinds, inline ';', CRLF, a BOM, blank lines with
	 * white space, indented comments, "key: value", no final newline. */
	struct policy *p = parse_ok("\xef\xbb\xbf# comment\r\n"
				    "; another\r\n"
				    "   \t\r\n"
				    "   ; indented comment\n"
				    "[global]   ; trailing comment\n"
				    "min_uid=2000 ; inline comment\n"
				    "netns_name: ns-%u\n"
				    "[default]\n"
				    "mode = none");

	assert_int_equal(p->global.min_uid, 2000);
	assert_string_equal(p->global.netns_name, "ns-%u");
	assert_int_equal(p->global.line, 5);
	assert_int_equal(p->global.key_line[POLICY_KEY_NETNS_NAME], 7);
	assert_int_equal(p->defaults.line, 8);
	policy_free(p);
}

static void test_line_numbers_survive_bad_lines(void **state)
{
	struct diag d = DIAG_INIT;
	char text[1024];

	/* A long line must count as one line, not be split in two. */
	snprintf(text, sizeof(text), "[global]\n; %0300d\nmin_uid = x\n", 0);
	assert_int_equal(test_parse(text, NULL, &d), -EINVAL);
	assert_int_equal(d.n_errors, 2);
	assert_true(test_diag_has(&d, DIAG_ERROR, 2, "line is too long (302 characters; the limit is 199)"));
	assert_true(test_diag_has(&d, DIAG_ERROR, 3, "min_uid = x: not a decimal number"));
	diag_clear(&d);
}

static void test_every_error_is_reported(void **state)
{
	struct diag d = DIAG_INIT;

	assert_int_equal(test_parse("mode = veth\n"
				    "[global]\n"
				    "min_uid = -1\n"
				    "min_uid = 10\n"
				    "bogus = 1\n"
				    "[default]\n"
				    "mode = fast\n"
				    "  pool4 = 10.0.0.0/8\n"
				    "[group:x]\n"
				    "pool4 = 10.1.0.0/16/\n"
				    "[group:x]\n",
				    NULL, &d),
			 -EINVAL);
	if (d.n_errors != 8)
		test_diag_dump(&d);
	assert_int_equal(d.n_errors, 8);
	assert_true(test_diag_has(&d, DIAG_ERROR, 1, "key 'mode' before any section header"));
	assert_true(test_diag_has(&d, DIAG_ERROR, 3, "min_uid = -1: not a decimal number"));
	assert_true(test_diag_has(&d, DIAG_ERROR, 4, "duplicate key 'min_uid' in [global] (first at line 3)"));
	assert_true(test_diag_has(&d, DIAG_ERROR, 5, "unknown key 'bogus' in [global]"));
	assert_true(test_diag_has(&d, DIAG_ERROR, 7, "mode = fast"));
	assert_true(test_diag_has(&d, DIAG_ERROR, 8, "indented line"));
	assert_true(test_diag_has(&d, DIAG_ERROR, 10, "pool4 = 10.1.0.0/16/: prefix length is not a number"));
	assert_true(test_diag_has(&d, DIAG_ERROR, 11, "duplicate section [group:x] (first at line 9)"));
	/* Messages carry the file name and the line. */
	assert_string_equal(d.entries[0].text,
			    "test.conf:1: key 'mode' before any section header");
	diag_clear(&d);
}

static void test_errors_are_capped(void **state)
{
	struct diag d = DIAG_INIT;
	size_t n = 500, len = 0;
	char *text = malloc(n * 16 + 16);

	assert_non_null(text);
	len += (size_t)sprintf(text, "[global]\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "junk%zu = 1\n", i);
	assert_int_equal(policy_parse("t", text, len, 0, NULL, &d), -EINVAL);
	assert_int_equal(d.n_errors, n);
	assert_int_equal(d.n_entries, DIAG_MAX_ENTRIES);
	assert_int_equal(d.n_dropped, n - DIAG_MAX_ENTRIES);
	diag_clear(&d);
	free(text);
}

static void test_hostile_bytes(void **state)
{
	struct diag d = DIAG_INIT;
	static const char nul[] = "[global]\nmin_uid = 1\0000\n";

	assert_int_equal(policy_parse("t", nul, sizeof(nul) - 1, 0, NULL, &d), -EINVAL);
	assert_true(test_diag_has(&d, DIAG_ERROR, 2, "NUL byte"));
	diag_clear(&d);

	parse_one_error("[global]\rmin_uid = 1\n", 1, "carriage return");
	parse_one_error("[global]\nmin_uid = 1\x1b[0m\n", 2, "control character 0x1b");
	parse_one_error("[global]\n\xef\xbb\xbfmin_uid = 1\n", 2, "unknown key");
}

static void test_too_many_sections(void **state)
{
	struct diag d = DIAG_INIT;
	size_t n = POLICY_SECTIONS_MAX + 5, len = 0;
	char *text = malloc(n * 32);

	assert_non_null(text);
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "[user:u%zu]\nmode = isolated\n", i);
	assert_int_equal(policy_parse("t", text, len, 0, NULL, &d), -EINVAL);
	assert_int_equal(d.n_errors, 1);
	assert_true(test_diag_has(&d, DIAG_ERROR, POLICY_SECTIONS_MAX * 2 + 1,
				  "too many sections (the limit is 10000)"));
	diag_clear(&d);
	free(text);
}

static void test_sections(void **state)
{
	parse_one_error("[globals]\n", 1, "unknown section [globals]; expected [global]");
	parse_one_error("[group:]\n", 1, "[group:]: empty name");
	parse_one_error("[user:a:b]\n", 1, "character ':' is not allowed");
	parse_one_error("[user: alice]\n", 1, "begins or ends with white space");
	parse_one_error("[global\n", 1, "without a closing ']'");
	parse_one_error("[global] x\n", 1, "unexpected text after the section header");
	parse_one_error("[default]\n[default]\n", 2, "duplicate section [default] (first at line 1)");
	parse_one_error("[global]\n[global]\n", 2, "duplicate section [global] (first at line 1)");
	parse_one_error("[global]\nmode = veth\n", 2, "'mode' belongs in [default], [group:NAME] or [user:NAME]");
	parse_one_error("[default]\nmin_uid = 1\n", 2, "'min_uid' belongs in [global]");
	parse_one_error("[group:g]\naddress4 = 10.201.0.2/30\n", 2, "belongs in a [user:NAME] section");
	parse_one_error("[global]\nMode = veth\n", 2, "did you mean 'mode'?");
	parse_one_error("[global]\n= x\n", 2, "missing key before '='");
	parse_one_error("[global]\nmin_uid\n", 2, "expected 'key = value'");
	parse_one_error("[global]\nmin_uid ; = 1\n", 2, "expected 'key = value'");
	parse_one_error("[global]\nmin_uid =\n", 2, "'min_uid' has no value");

	/* A group name with a space (as SSSD reports AD groups) is fine. */
	struct policy *p = parse_ok("[group:domain users]\nmode = isolated\n");
	assert_string_equal(p->rules[0].name, "domain users");
	policy_free(p);
}

static void test_numbers(void **state)
{
	struct policy *p = parse_ok("[global]\nmin_uid = 4294967294\n"
				    "[default]\nmtu = 68\n");

	assert_true(p->global.min_uid == (uid_t)4294967294u);
	assert_int_equal(p->defaults.mtu, 68);
	policy_free(p);

	parse_one_error("[global]\nmin_uid = 4294967295\n", 2, "out of range (0-4294967294)");
	parse_one_error("[global]\nmin_uid = 99999999999999999999999\n", 2, "not a decimal number");
	parse_one_error("[global]\nmin_uid = +5\n", 2, "not a decimal number");
	parse_one_error("[default]\nmtu = 67\n", 2, "out of range (68-65535)");
	parse_one_error("[default]\nmtu = 65536\n", 2, "out of range");
	parse_one_error("[default]\nprefix4 = 32\n", 2, "prefix4 = 32: out of range (1-31)");
	parse_one_error("[default]\nprefix6 = 128\n", 2, "out of range (1-127)");
	parse_one_error("[default]\nmtu = 1000\npool6 = fd42::/48\n", 2, "below 1280, the minimum for IPv6");
}

static void test_templates(void **state)
{
	char buf[64];

	parse_one_error("[global]\nnetns_name = user-%x\n", 2, "unknown escape '%x'");
	parse_one_error("[global]\nnetns_name = user-%\n", 2, "lone '%'");
	parse_one_error("[global]\nnetns_name = shared\n", 2, "must contain %u or %U");
	parse_one_error("[global]\nnetns_name = a/%u\n", 2, "character '/' is not allowed");
	parse_one_error("[global]\nnetns_name = \"user-%u\"\n", 2, "character '\"' is not allowed");
	parse_one_error("[global]\nhost_ifname = veth-%u\n", 2, "%u cannot be used in an interface name");
	parse_one_error("[global]\nhost_ifname = vhost\n", 2, "must contain %U");
	/* 6 + 10 digits of uid 4294967294 = 16 bytes: one too many. */
	parse_one_error("[global]\nhost_ifname = usrnet%U\n", 2, "expands to 16 bytes for uid 4294967294");
	parse_one_error("[global]\npeer_ifname = lo\n", 2, "not usable as the namespace end");
	parse_one_error("[global]\npeer_ifname = eth:0\n", 2, "character ':' is not allowed");
	parse_one_error("[global]\npeer_ifname = averyveryverylongname\n", 2, "expands to 21 bytes");

	struct policy *p = parse_ok("[global]\nhost_ifname = usrne%U\npeer_ifname = %%\n");
	policy_free(p);

	assert_int_equal(policy_template_expand("user-%u", "alice", 1001, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "user-alice");
	assert_int_equal(policy_template_expand("vu%U", "alice", 4294967294u, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "vu4294967294");
	assert_int_equal(policy_template_expand("%u.%U%%", "bob", 7, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "bob.7%");
	assert_int_equal(policy_template_expand("vu%U", "x", 4294967294u, buf, 12), -ENAMETOOLONG);
	assert_int_equal(policy_template_expand("vu%U", "x", 4294967294u, buf, 13), 0);
}

static void test_group_templates(void **state)
{
	char buf[64];

	/* A user's template knows nothing of groups. */
	parse_one_error("[global]\nnetns_name = team-%g\n", 2,
			"netns_name = team-%g: %g and %G name a group: only a section with share = group can use them");
	parse_one_error("[global]\nhost_ifname = vg%G\n", 2, "%g and %G name a group");
	parse_one_error("[global]\npeer_ifname = eth%G\n", 2, "%g and %G name a group");
	parse_one_error("[global]\nhostname = %g.netns\n", 2, "%g and %G name a group");
	/* The list of known escapes is the owner's. */
	parse_one_error("[global]\nnetns_name = user-%x\n", 2,
			"(known: %u user name, %U uid, %% a percent sign)");

	assert_int_equal(policy_template_expand_group("team-%g", "vpnteam", 1234, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "team-vpnteam");
	assert_int_equal(policy_template_expand_group("vg%G", "vpnteam", 4294967294u, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "vg4294967294");
	assert_int_equal(policy_template_expand_group("%g.%G%%", "lab", 7, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "lab.7%");
	assert_int_equal(policy_template_expand_group("vg%G", "x", 4294967294u, buf, 12), -ENAMETOOLONG);
	assert_int_equal(policy_template_expand_group("vg%G", "x", 4294967294u, buf, 13), 0);
	/* Each expander refuses the other owner's escapes. */
	assert_int_equal(policy_template_expand_group("team-%u", "vpnteam", 1, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(policy_template_expand_group("team-%U", "vpnteam", 1, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(policy_template_expand("user-%g", "alice", 1, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(policy_template_expand("vu%G", "alice", 1, buf, sizeof(buf)), -EINVAL);
}

static void test_share(void **state)
{
	/* Keys come in any order: share may follow the names. */
	struct policy *p = parse_ok("[global]\nnetns_name = ns-%U\n"
				    "[group:vpnteam]\nmode = nat\nnetns_name = team-%g\n"
				    "share = group\npool4 = 10.220.0.0/16\n"
				    "[group:lab]\nshare = group\nmode = veth\nnetns_name = lab%G\n"
				    "host_ifname = vl%G\npool4 = 10.221.0.0/16\n"
				    "[group:staff]\nmode = veth\nshare = user\npool4 = 10.222.0.0/16\n"
				    "[group:other]\nmode = veth\npool4 = 10.222.0.0/16\n");
	const struct policy_rule *t = &p->rules[0], *l = &p->rules[1], *s = &p->rules[2];
	char starts[5][IFNAMSIZ];

	assert_int_equal(t->share, POLICY_SHARE_GROUP);
	assert_int_equal(t->key_line[POLICY_KEY_SHARE], 6);
	assert_true(policy_rule_shared(t));
	assert_string_equal(t->netns_name, "team-%g");
	assert_string_equal(t->host_ifname, "");
	/* The section's own, and vg%G when it sets none; [global]'s for the others. */
	assert_string_equal(policy_rule_netns_name(p, t), "team-%g");
	assert_string_equal(policy_rule_host_ifname(p, t), "vg%G");
	assert_string_equal(policy_rule_host_ifname(p, l), "vl%G");
	assert_false(policy_rule_shared(s));
	assert_int_equal(s->share, POLICY_SHARE_USER);
	assert_string_equal(policy_rule_netns_name(p, s), "ns-%U");
	assert_string_equal(policy_rule_host_ifname(p, s), "vu%U");
	assert_int_equal(p->rules[3].share, POLICY_SHARE_USER);
	assert_string_equal(policy_rule_netns_name(p, &p->defaults), "ns-%U");
	/* [global]'s names are never a section's. */
	assert_string_equal(p->global.netns_name, "ns-%U");
	/* Every sort of host end, each once, [global]'s first. */
	assert_int_equal(policy_host_end_starts(p, starts), 3);
	assert_string_equal(starts[0], "vu");
	assert_string_equal(starts[1], "vg");
	assert_string_equal(starts[2], "vl");
	policy_free(p);

	/* Several shared sections may use one template: the group tells them apart. */
	p = parse_ok("[group:a]\nshare = group\nnetns_name = team-%g\nmode = isolated\n"
		     "[group:ab]\nshare = group\nnetns_name = team-%g\nmode = isolated\n"
		     "[group:c]\nshare = group\nnetns_name = grp%G\nmode = isolated\n"
		     "[group:d]\nshare = group\nnetns_name = grp%G\nmode = isolated\n");
	assert_int_equal(policy_host_end_starts(p, starts), 2);
	policy_free(p);

	parse_one_error("[user:alice]\nshare = group\n", 2,
			"'share' belongs in a [group:NAME] section, not [user:alice] (only a group's members can share a namespace)");
	parse_one_error("[default]\nshare = user\n", 2, "'share' belongs in a [group:NAME] section, not [default]");
	parse_one_error("[global]\nshare = group\n", 2, "'share' belongs in a [group:NAME] section, not [global]");
	parse_one_error("[group:g]\nshare = team\n", 2, "share = team: expected user or group");
	parse_one_error("[user:alice]\nnetns_name = ns-%u\n", 2,
			"'netns_name' belongs in [global] or a [group:NAME] section, not [user:alice] (a section names its namespace and host end only with share = group)");
	parse_one_error("[default]\nhost_ifname = vd%U\n", 2,
			"'host_ifname' belongs in [global] or a [group:NAME] section, not [default]");
	parse_one_error("[group:staff]\nmode = isolated\nnetns_name = staff-%u\n", 3,
			"netns_name in [group:staff]: only a section with share = group names its namespace; set it in [global]");
	parse_one_error("[group:staff]\nmode = isolated\nshare = user\nhost_ifname = vs%U\n", 4,
			"host_ifname in [group:staff]: only a section with share = group names its host end; set it in [global]");
	parse_one_error("[group:vpnteam]\nmode = isolated\nshare = group\n", 1,
			"[group:vpnteam]: share = group needs netns_name with %g or %G");
	/* A section's template is checked once its share is known. */
	parse_one_error("[group:vpnteam]\nnetns_name = team-%u\nshare = group\nmode = isolated\n", 2,
			"netns_name = team-%u: %u and %U name a user: a namespace shared by a group cannot use them");
	parse_one_error("[group:vpnteam]\nshare = group\nnetns_name = team\nmode = isolated\n", 3,
			"netns_name = team: must contain %g or %G");
	parse_one_error("[group:vpnteam]\nshare = group\nnetns_name = t-%x\nmode = isolated\n", 3,
			"unknown escape '%x' (known: %g group name, %G gid, %% a percent sign)");
	parse_one_error("[group:vpnteam]\nshare = group\nnetns_name = t-%g\nmode = veth\n"
			"pool4 = 10.220.0.0/16\nhost_ifname = vg%g\n", 6,
			"host_ifname = vg%g: %g cannot be used in an interface name (a group name may not fit in 15 bytes); use %G");
	parse_one_error("[group:vpnteam]\nshare = group\nnetns_name = t-%g\nmode = veth\n"
			"pool4 = 10.220.0.0/16\nhost_ifname = vgroup\n", 6,
			"host_ifname = vgroup: must contain %G");
	parse_one_error("[group:vpnteam]\nshare = group\nnetns_name = t-%g\nmode = veth\n"
			"pool4 = 10.220.0.0/16\nhost_ifname = vgroup%G\n", 6,
			"host_ifname = vgroup%G: expands to 16 bytes for gid 4294967294");
	parse_one_error("[group:vpnteam]\nshare = group\nnetns_name = t-%g\nmode = veth\n"
			"pool4 = 10.220.0.0/16\nhost_ifname = %Gv\n", 6,
			"host_ifname = %Gv: the host's table finds host ends by the fixed start of their name; give it one, as vg%G");
	parse_one_error("[group:vpnteam]\nshare = group\nmode = isolated\n"
			"netns_name = a-very-long-namespace-name-for-a-group-shared-by-its-members-%g-x\n", 4,
			"longer than 63 bytes");
	/* %g is known: the name this group gets must be one ip netns takes. */
	parse_one_error("[group:domain users]\nshare = group\nnetns_name = team-%g\nmode = isolated\n", 3,
			"netns_name = team-%g: gives [group:domain users] the name 'team-domain users', which ip netns does not take (white space or '/'); use %G");
}

static void test_share_names_never_clash(void **state)
{
	struct diag d = DIAG_INIT;
	struct policy *p = NULL;

	/* With the users' namespaces... */
	parse_one_error("[group:vpnteam]\nshare = group\nnetns_name = user-%g\nmode = isolated\n", 3,
			"[group:vpnteam]: netns_name = user-%g could give a name that [global]'s netns_name = user-%u (the default) gives: the fixed start of one ('user-') begins the other's ('user-vpnteam'); give each a start of its own");
	parse_one_error("[global]\nnetns_name = ns-%U\n"
			"[group:vpnteam]\nshare = group\nnetns_name = ns-%G\nmode = isolated\n", 5,
			"[group:vpnteam]: netns_name = ns-%G could give a name that [global]'s netns_name = ns-%U at line 2 gives: both have the fixed start 'ns-'");
	/* ...blamed on whichever comes later. */
	parse_one_error("[group:vpnteam]\nshare = group\nnetns_name = ns-%G\nmode = isolated\n"
			"[global]\nnetns_name = ns-%U\n", 6,
			"[global]: netns_name = ns-%U could give a name that [group:vpnteam]'s netns_name = ns-%G at line 3 gives");
	/* ...and with each other. */
	parse_one_error("[group:a]\nshare = group\nnetns_name = ns-%G\nmode = isolated\n"
			"[group:b]\nshare = group\nnetns_name = ns-1%G\nmode = isolated\n", 7,
			"[group:b]: netns_name = ns-1%G could give a name that [group:a]'s netns_name = ns-%G at line 3 gives: the fixed start of one ('ns-') begins the other's ('ns-1')");
	parse_one_error("[group:a]\nshare = group\nnetns_name = ns-%G\nmode = isolated\n"
			"[group:x-b]\nshare = group\nnetns_name = ns-%gb\nmode = isolated\n", 7,
			"[group:x-b]: netns_name = ns-%gb could give a name that [group:a]'s netns_name = ns-%G at line 3 gives");
	parse_one_error("[group:a]\nshare = group\nnetns_name = x-%g\nmode = isolated\n"
			"[group:x-a]\nshare = group\nnetns_name = %g\nmode = isolated\n", 7,
			"[group:x-a]: netns_name = %g names its namespace 'x-a', as [group:a]'s netns_name = x-%g at line 3 does");

	/* Host ends: a start of their own, which the host's table tells them by. */
	parse_one_error("[group:vpnteam]\nshare = group\nnetns_name = t-%g\nmode = veth\n"
			"pool4 = 10.220.0.0/16\nhost_ifname = vu1%G\n", 6,
			"[group:vpnteam]: host_ifname = vu1%G could give a name that [global]'s host_ifname = vu%U (the default) gives: the fixed start of one ('vu') begins the other's ('vu1')");
	parse_one_error("[global]\nhost_ifname = v%U\n"
			"[group:vpnteam]\nshare = group\nnetns_name = t-%g\nmode = veth\npool4 = 10.220.0.0/16\n", 3,
			"[group:vpnteam]: host_ifname = vg%G (the default) could give a name that [global]'s host_ifname = v%U at line 2 gives");
	parse_one_error("[group:a]\nshare = group\nnetns_name = a-%g\nmode = veth\npool4 = 10.220.0.0/16\n"
			"[group:b]\nshare = group\nnetns_name = b-%g\nmode = veth\npool4 = 10.221.0.0/16\n"
			"host_ifname = vg%Gb\n", 11,
			"[group:b]: host_ifname = vg%Gb could give a name that [group:a]'s host_ifname = vg%G (the default) gives: both have the fixed start 'vg'");

	/* The namespace end is named once for the whole group. */
	parse_one_error("[global]\npeer_ifname = e%U\n"
			"[group:vpnteam]\nshare = group\nnetns_name = t-%g\nmode = isolated\n", 2,
			"peer_ifname = e%U: [group:vpnteam] at line 3 shares one namespace among its members, whose end is named once for all of them: it cannot have %u or %U");
	p = parse_ok("[global]\npeer_ifname = e%U\n[group:staff]\nmode = isolated\n");
	policy_free(p);

	/* Shared in mode none: nothing, which is worth a word. */
	assert_int_equal(test_parse("[group:vpnteam]\nshare = group\nnetns_name = t-%g\n", &p, &d), 0);
	assert_int_equal(d.n_errors, 0);
	assert_int_equal(d.n_warnings, 1);
	assert_true(test_diag_has(&d, DIAG_WARNING, 2, "[group:vpnteam]: share has no effect in mode none"));
	policy_free(p);
	diag_clear(&d);
	/* A host end's name in mode isolated, likewise. */
	assert_int_equal(test_parse("[group:vpnteam]\nshare = group\nnetns_name = t-%g\n"
				    "mode = isolated\nhost_ifname = vt%G\n", &p, &d), 0);
	assert_int_equal(d.n_warnings, 1);
	assert_true(test_diag_has(&d, DIAG_WARNING, 5, "[group:vpnteam]: host_ifname has no effect in mode isolated"));
	policy_free(p);
	diag_clear(&d);
}

/*
 * Host names and namespace names are one name space for the host's
 * resolver, which ignores case: each name is one owner's.
 */
static void test_names_have_one_owner(void **state)
{
	struct policy *p;

	/* The issue's: a user called user-bob would be known as bob's namespace. */
	parse_one_error("[global]\nhostname = %u\n", 2,
			"hostname = %u: a user called 'user-bob' would get the host name 'user-bob', which netns_name = user-%u (the default) gives the namespace of user bob (uid 1001), and so for every user; give the host names a fixed start or end of their own, as %u.netns");
	parse_one_error("[global]\nnetns_name = user-%u\nhostname = u%u\n", 3,
			"a user called 'ser-bob' would get the host name 'user-bob', which netns_name = user-%u at line 2 gives");
	parse_one_error("[global]\nnetns_name = NS-%U\nhostname = ns-%u\n", 3,
			"a user called '1001' would get the host name 'NS-1001'");
	parse_one_error("[global]\nnetns_name = x1%U\nhostname = x%U\n", 3,
			"hostname = x%U: a user with the uid '11001' would get the host name 'x11001'");
	/* Told apart by a fixed start or end, or the very same template: fine. */
	policy_free(parse_ok("[global]\nhostname = %u.netns\n"));
	policy_free(parse_ok("[global]\nhostname = host-%u\n"));
	policy_free(parse_ok("[global]\nhostname = User-%U\nnetns_name = user-%U\n"));
	policy_free(parse_ok("[global]\nnetns_name = ns-%U\nhostname = %u.ns\n"));

	/* A group's one namespace: no user's host name may be its name. */
	parse_one_error("[global]\nhostname = %u.netns\n"
			"[group:web]\nshare = group\nmode = isolated\nnetns_name = %g.NETNS\n", 6,
			"[group:web]: netns_name = %g.NETNS names its namespace 'web.NETNS', which [global]'s hostname = %u.netns at line 2 could give a user as a host name; give each a fixed start or end of its own");
	parse_one_error("[global]\nhostname = %u1\n"
			"[group:lab]\nshare = group\nmode = isolated\nnetns_name = lab%G\n", 6,
			"[group:lab]: netns_name = lab%G could give a name that [global]'s hostname = %u1 at line 2 could give a user as a host name");
	/* ...blamed on whichever comes later. */
	parse_one_error("[group:web]\nshare = group\nmode = isolated\nnetns_name = %g-ns\n"
			"[global]\nhostname = %u-NS\n", 6,
			"hostname = %u-NS could give a user the host name 'web-ns', [group:web]'s namespace name (netns_name = %g-ns at line 4); give each a fixed start or end of its own");
	parse_one_error("[group:web]\nshare = group\nmode = isolated\nnetns_name = web-%G\n"
			"[global]\nhostname = w%u\n", 6,
			"hostname = w%u could give a user a host name that [group:web]'s netns_name = web-%G at line 4 gives its namespace");
	/* %G gives digits: lab%G never ends in a letter. */
	policy_free(parse_ok("[global]\nhostname = %u.netns\n"
			     "[group:lab]\nshare = group\nmode = isolated\nnetns_name = lab%G\n"
			     "[group:vpnteam]\nshare = group\nmode = isolated\nnetns_name = team-%g\n"));

	/* Namespace names differing in case only are one host name. */
	parse_one_error("[group:vpnteam]\nshare = group\nmode = isolated\nnetns_name = User-%g\n", 4,
			"the fixed start of one ('user-') begins the other's ('User-vpnteam') (ignoring case, as the host's resolver does); give each a start of its own");
	parse_one_error("[group:a]\nshare = group\nmode = isolated\nnetns_name = x-%g\n"
			"[group:X-a]\nshare = group\nmode = isolated\nnetns_name = %g\n", 8,
			"[group:X-a]: netns_name = %g names its namespace 'X-a', as [group:a]'s netns_name = x-%g at line 4 does (ignoring case, as the host's resolver does)");

	/* Which names a host name could be: the namespace names not published. */
	p = parse_ok("[global]\nhostname = %u.netns\n");
	assert_true(policy_hostname_claims(p, "user-bob.netns"));
	assert_true(policy_hostname_claims(p, "User-Bob.NetNS"));
	assert_false(policy_hostname_claims(p, "user-bob"));
	assert_false(policy_hostname_claims(p, ".netns"));
	policy_free(p);
	p = parse_ok("[global]\nhostname = h%U.%u\n");
	assert_true(policy_hostname_claims(p, "h1001.bob"));
	assert_false(policy_hostname_claims(p, "hx.bob"));
	assert_false(policy_hostname_claims(p, "h1001."));
	policy_free(p);
	p = parse_ok("[default]\nmode = none\n");
	assert_false(policy_hostname_claims(p, "user-bob"));
	policy_free(p);
}

/* The host's table finds host ends by every fixed start in use. */
static void test_share_host_ends_in_table(void **state)
{
	struct errbuf err = { "" };
	struct policy *p;
	char *table = NULL;

	p = parse_ok("[group:staff]\nmode = veth\npool4 = 10.200.0.0/16\n");
	assert_int_equal(firewall_render(p, &table, NULL, &err), 0);
	assert_non_null(strstr(table, "\t\tiifname \"vu*\" fib saddr . iif oif missing drop\n"));
	free(table);
	policy_free(p);

	p = parse_ok("[group:staff]\nmode = veth\npool4 = 10.200.0.0/16\n"
		     "[group:vpnteam]\nshare = group\nnetns_name = team-%g\nmode = nat\n"
		     "pool4 = 10.220.0.0/16\nuplink = lo\n"
		     "[group:lab]\nshare = group\nnetns_name = lab-%g\nhost_ifname = vl%G\n"
		     "mode = veth\npool4 = 10.221.0.0/16\n"
		     "[group:lab2]\nshare = group\nnetns_name = lab-%g\nhost_ifname = vl%G\n"
		     "mode = veth\npool4 = 10.222.0.0/16\n");
	assert_int_equal(firewall_render(p, &table, NULL, &err), 0);
	assert_non_null(strstr(table, "\t\tiifname { \"vu*\", \"vg*\", \"vl*\" } fib saddr . iif oif missing drop\n"));
	assert_non_null(strstr(table, "\t\tiifname { \"vu*\", \"vg*\", \"vl*\" } ip daddr @ranges4 fib daddr . iif type != local drop\n"));
	assert_null(strstr(table, "iifname \"vu*\""));
	free(table);
	policy_free(p);

	/* Without a fixed start, no host end can be found. */
	p = parse_ok("[global]\nhost_ifname = %Uh\n[group:staff]\nmode = veth\npool4 = 10.200.0.0/16\n");
	assert_int_equal(firewall_render(p, &table, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "host_ifname = %Uh: the host's table finds host ends by the fixed start"));
	policy_free(p);
}

/*
 * uplink = auto is no interface looked up at the load: what leaves a
 * translated range for anything but a user's range goes out as the host
 * through every interface but host ends, wherever the default route is
 * (or comes to be); the same table on every host.
 */
static void test_auto_uplink_in_table(void **state)
{
	struct errbuf err = { "" };
	struct firewall_made made;
	struct policy *p;
	char *table = NULL;

	p = parse_ok("[group:a]\nmode = nat\npool4 = 10.200.0.0/16\npool6 = fd42:200::/48\n"
		     "[group:b]\nmode = nat\npool4 = 10.201.0.0/16\nuplink = lo\n");
	assert_int_equal(firewall_render(p, &table, &made, &err), 0);
	assert_non_null(strstr(
		table,
		"\t\tip saddr { 10.200.0.0/16 } ip daddr != @ranges4 oifname != \"vu*\" masquerade\n"));
	assert_non_null(strstr(
		table,
		"\t\tip6 saddr { fd42:200::/48 } ip6 daddr != @ranges6 oifname != \"vu*\" masquerade\n"));
	assert_non_null(strstr(
		table, "\t\tip saddr { 10.201.0.0/16 } ip daddr != @ranges4 oifname \"lo\" masquerade\n"));
	assert_string_equal(made.uplinks, "auto (every interface but host ends),lo");
	free(table);
	policy_free(p);

	/* Host ends of shared sections too. */
	p = parse_ok("[group:a]\nmode = nat\npool4 = 10.200.0.0/16\n"
		     "[group:t]\nshare = group\nnetns_name = team-%g\nmode = nat\n"
		     "pool4 = 10.220.0.0/16\n");
	assert_int_equal(firewall_render(p, &table, NULL, &err), 0);
	assert_non_null(strstr(table, "\t\tip saddr { 10.200.0.0/16, 10.220.0.0/16 } ip daddr != "
				      "@ranges4 oifname != { \"vu*\", \"vg*\" } masquerade\n"));
	free(table);
	policy_free(p);
}

/*
 * The table's comment: what it is made from, two digests of a fixed
 * length whatever the policy's path (as long as a checkout's may be) and
 * uplinks; nft takes no comment of more than 128 characters.
 */
static void test_table_comment_and_digests(void **state)
{
	static const char text[] = "[group:a]\nmode = nat\npool4 = 10.200.0.0/16\nuplink = lo\n"
				   "[group:b]\nmode = nat\npool4 = 10.201.0.0/16\nuplink = lo\n";
	struct firewall_status s = { .table = true, .forwarding4 = true };
	struct firewall_need need = { .mode = POLICY_MODE_NAT, .v4 = true };
	struct errbuf err = { "" };
	struct diag d = DIAG_INIT;
	struct firewall_made made;
	struct policy *p, *q;
	char path[300], want[128], buf[128], *table = NULL;
	const char *comment;
	uint64_t digest;

	memset(path, 'x', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(policy_parse(path, text, strlen(text), 0, &p, &d), 0);
	diag_clear(&d);
	assert_int_equal(firewall_render(p, &table, &made, &err), 0);
	comment = strstr(table, "\tcomment \"");
	assert_non_null(comment);
	comment += strlen("\tcomment \"");
	snprintf(want, sizeof(want), "made by usernetns-firewall: policy %016" PRIx64 "\"\n",
		 made.digest);
	assert_int_equal(strncmp(comment, want, strlen(want)), 0);
	assert_true(strlen(want) < 128);
	assert_null(strstr(table, "xxxx"));
	assert_string_equal(made.uplinks, "lo");
	free(table);

	/* The policy's digest is of what it makes, wherever it is read from. */
	assert_int_equal(firewall_policy_digest(p, &digest, &err), 0);
	assert_true(digest == made.digest);
	q = parse_ok(text);
	assert_int_equal(firewall_policy_digest(q, &digest, &err), 0);
	assert_true(digest == made.digest);
	policy_free(q);
	/* Uplinks as written: none need be there for the digest. */
	q = parse_ok("[group:a]\nmode = nat\npool4 = 10.200.0.0/16\nuplink = nosuch0\n"
		     "[group:b]\nmode = nat\npool4 = 10.201.0.0/16\n");
	assert_int_equal(firewall_policy_digest(q, &digest, &err), 0);
	assert_true(digest != made.digest);
	assert_int_equal(firewall_render(q, &table, NULL, &err), -ENODEV);
	assert_non_null(strstr(err.msg, "[group:a]: uplink 'nosuch0' does not exist"));
	policy_free(q);

	/* What a login makes of it. */
	s.digest = made.digest;
	need.policy_digest = made.digest;
	assert_string_equal(firewall_status_problem(&s, &need, buf, sizeof(buf)), "");
	need.policy_digest = digest;
	assert_string_equal(firewall_status_problem(&s, &need, buf, sizeof(buf)),
			    "table inet usernetns is stale: not what the policy makes now");
	/* A comment of an older usernetns: no digest, so stale. */
	s.digest = 0;
	need.policy_digest = 0;
	assert_string_equal(firewall_status_problem(&s, &need, buf, sizeof(buf)),
			    "table inet usernetns is stale: not what the policy makes now");
	s.digest = made.digest;
	need.policy_digest = made.digest;
	need.uplink = "nosuch0";
	assert_string_equal(firewall_status_problem(&s, &need, buf, sizeof(buf)),
			    "uplink 'nosuch0' is not there");
	need.uplink = "";
	assert_string_equal(firewall_status_problem(&s, &need, buf, sizeof(buf)), "");
	s.forwarding4 = false;
	assert_string_equal(firewall_status_problem(&s, &need, buf, sizeof(buf)),
			    "net.ipv4.ip_forward is off");
	s.table = false;
	assert_string_equal(firewall_status_problem(&s, &need, buf, sizeof(buf)),
			    "table inet usernetns is not loaded");
	need.mode = POLICY_MODE_VETH;
	assert_string_equal(firewall_status_problem(&s, &need, buf, sizeof(buf)), "");
	policy_free(p);
}

static void test_addresses(void **state)
{
	struct policy *p = parse_ok("[user:alice]\nmode = veth\naddress4 = 10.201.0.2/30\n"
				    "address6 = fd42:201::2/64\n");

	assert_string_equal(fmt(&p->rules[0].address4), "10.201.0.2/30");
	assert_string_equal(fmt(&p->rules[0].address6), "fd42:201::2/64");
	policy_free(p);

	parse_one_error("[default]\npool4 = 10.200.0.1/16\n", 2,
			"pool4 = 10.200.0.1/16: host bits are set beyond the prefix length");
	parse_one_error("[default]\npool4 = fd42::/48\n", 2, "not an IPv4 address");
	parse_one_error("[default]\npool6 = 10.0.0.0/8\n", 2, "not an IPv6 address");
	parse_one_error("[default]\npool4 = 10.200.0.0/33\n", 2, "out of range (0-32)");
	parse_one_error("[default]\npool4 = ten/8\n", 2, "not an IPv4 address");
	parse_one_error("[default]\npool4 = 10.200.0.0/30\nprefix4 = 29\n", 3,
			"pool4 10.200.0.0/30 is too small for /29 blocks (prefix4 = 29)");
	parse_one_error("[default]\npool6 = fd42::/72\n", 2, "pool6 fd42::/72 is too small for /64 blocks");
	parse_one_error("[user:a]\naddress4 = 10.201.0.1/30\n", 2,
			"is the address the host end takes (the host end takes 10.201.0.1/30; the namespace end could be 10.201.0.2/30)");
	parse_one_error("[user:a]\naddress4 = 10.201.0.3/30\n", 2, "broadcast");
	parse_one_error("[user:a]\naddress4 = 10.201.0.0/30\n", 2, "network address");
	parse_one_error("[user:a]\naddress6 = fd42::1/128\n", 2, "no address for the host end");
	parse_one_error("[default]\npool4 = 127.0.0.0/16\n", 2, "overlaps 127.0.0.0/8 (loopback)");
	parse_one_error("[default]\npool6 = fe80::/64\n", 2, "(link-local)");
	parse_one_error("[default]\npool4 = 224.0.0.0/24\n", 2, "(multicast)");
}

static void test_overlaps(void **state)
{
	struct policy *p;

	/* Two groups may share one pool with the same block size. */
	p = parse_ok("[group:a]\nmode = veth\npool4 = 10.200.0.0/16\n"
		     "[group:b]\nmode = veth\npool4 = 10.200.0.0/16\n");
	policy_free(p);
	/* Or inherit it from [default]. */
	p = parse_ok("[default]\npool4 = 10.200.0.0/16\n"
		     "[group:a]\nmode = veth\n[group:b]\nmode = veth\nprefix4 = 30\n");
	policy_free(p);

	parse_one_error("[group:a]\nmode = veth\npool4 = 10.200.0.0/16\n"
			"[group:b]\nmode = veth\npool4 = 10.200.128.0/17\n",
			6, "pool4 10.200.128.0/17 overlaps pool4 10.200.0.0/16 at line 3");
	parse_one_error("[group:b]\nmode = veth\npool4 = 10.200.128.0/17\n"
			"[group:a]\nmode = veth\npool4 = 10.0.0.0/8\n",
			6, "pool4 10.0.0.0/8 overlaps pool4 10.200.128.0/17 at line 3");
	parse_one_error("[default]\npool4 = 10.200.0.0/16\n"
			"[group:a]\nmode = veth\nprefix4 = 29\n",
			5, "pool4 10.200.0.0/16 is split into /29 blocks here and into /30 blocks at line 2");
	parse_one_error("[default]\npool4 = 10.200.0.0/16\n"
			"[user:a]\nmode = veth\naddress4 = 10.200.7.2/30\n",
			5, "address4 10.200.7.0/30 overlaps pool4 10.200.0.0/16 at line 2");
	parse_one_error("[user:a]\nmode = veth\naddress4 = 10.201.0.2/30\n"
			"[user:b]\nmode = veth\naddress4 = 10.201.0.2/30\n",
			6, "address4 10.201.0.0/30 overlaps address4 10.201.0.0/30 at line 3");
	parse_one_error("[group:a]\nmode = veth\npool6 = fd42::/48\n"
			"[group:b]\nmode = veth\npool6 = fd42:0:0:8000::/49\n",
			6, "pool6 fd42:0:0:8000::/49 overlaps pool6 fd42::/48 at line 3");

	/* A narrow pool between two wide ones is caught too. */
	struct diag d = DIAG_INIT;
	assert_int_equal(test_parse("[group:a]\nmode=veth\npool4 = 10.0.0.0/8\n"
				    "[group:b]\nmode=veth\npool4 = 10.1.0.0/24\n"
				    "[group:c]\nmode=veth\npool4 = 10.2.0.0/16\n",
				    NULL, &d), -EINVAL);
	assert_int_equal(d.n_errors, 2);
	assert_true(test_diag_has(&d, DIAG_ERROR, 6, "overlaps pool4 10.0.0.0/8"));
	assert_true(test_diag_has(&d, DIAG_ERROR, 9, "overlaps pool4 10.0.0.0/8"));
	diag_clear(&d);
}

/* ---- the file itself ----------------------------------------------------- */

struct tmpdir {
	char dir[64];
	char path[128];
};

static int tmpdir_setup(void **state)
{
	struct tmpdir *t = calloc(1, sizeof(*t));

	snprintf(t->dir, sizeof(t->dir), "/tmp/uns-policy-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/usernetns.conf", t->dir);
	*state = t;
	return 0;
}

static int tmpdir_teardown(void **state)
{
	struct tmpdir *t = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	if (system(cmd) != 0)
		return -1;
	free(t);
	return 0;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static int load(const char *path, struct diag *d)
{
	struct policy *p = NULL;
	int r = policy_load(path, getuid(), 0, &p, d);

	policy_free(p);
	return r;
}

static void test_load_good_file(void **state)
{
	struct tmpdir *t = *state;
	struct diag d = DIAG_INIT;
	struct policy *p = NULL;

	write_file(t->path, "[global]\nmin_uid = 1234\n", 0644);
	assert_int_equal(policy_load(t->path, getuid(), 0, &p, &d), 0);
	assert_int_equal(p->global.min_uid, 1234);
	assert_string_equal(p->path, t->path);
	policy_free(p);
	diag_clear(&d);
}

static void test_load_rejects_unsafe_files(void **state)
{
	struct tmpdir *t = *state;
	struct diag d = DIAG_INIT;
	char other[160];

	/* Missing. */
	assert_int_equal(load(t->path, &d), -ENOENT);
	assert_true(test_diag_has(&d, DIAG_ERROR, 0, "cannot open: No such file"));
	diag_clear(&d);

	/* Writable by group or others. */
	write_file(t->path, "[global]\n", 0664);
	assert_int_equal(load(t->path, &d), -EPERM);
	assert_true(test_diag_has(&d, DIAG_ERROR, 0, "writable by group or others (mode 0664)"));
	diag_clear(&d);
	write_file(t->path, "[global]\n", 0646);
	assert_int_equal(load(t->path, &d), -EPERM);
	diag_clear(&d);

	/* A symlink to a perfectly good file. */
	snprintf(other, sizeof(other), "%s/real.conf", t->dir);
	write_file(other, "[global]\n", 0644);
	unlink(t->path);
	assert_int_equal(symlink(other, t->path), 0);
	assert_int_equal(load(t->path, &d), -ELOOP);
	assert_true(test_diag_has(&d, DIAG_ERROR, 0, "is a symbolic link"));
	diag_clear(&d);

	/* A FIFO: rejected at once, without blocking the login. */
	unlink(t->path);
	assert_int_equal(mkfifo(t->path, 0644), 0);
	assert_int_equal(load(t->path, &d), -EINVAL);
	assert_true(test_diag_has(&d, DIAG_ERROR, 0, "is not a regular file"));
	diag_clear(&d);

	/* A directory. */
	unlink(t->path);
	assert_int_equal(mkdir(t->path, 0755), 0);
	assert_true(load(t->path, &d) < 0);
	assert_true(d.n_errors == 1);
	diag_clear(&d);
	rmdir(t->path);

	/* Too big. */
	{
		int fd = open(t->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, POLICY_FILE_MAX + 1), 0);
		close(fd);
		assert_int_equal(load(t->path, &d), -EFBIG);
		assert_true(test_diag_has(&d, DIAG_ERROR, 0, "is larger than"));
		diag_clear(&d);
	}

	/* A directory others may write to (not sticky). */
	write_file(t->path, "[global]\n", 0644);
	assert_int_equal(chmod(t->dir, 0777), 0);
	assert_int_equal(load(t->path, &d), -EPERM);
	assert_true(test_diag_has(&d, DIAG_ERROR, 0, "is writable by group or others (mode 0777)"));
	diag_clear(&d);
	assert_int_equal(chmod(t->dir, 01777), 0);
	assert_int_equal(load(t->path, &d), 0);
	assert_int_equal(chmod(t->dir, 0700), 0);
	diag_clear(&d);
}

static void test_load_checks_owner(void **state)
{
	struct tmpdir *t = *state;
	struct diag d = DIAG_INIT;
	struct policy *p = NULL;
	/* Root gives the file away; anybody else owns it already. */
	uid_t owner = geteuid() == 0 ? 4242 : geteuid();
	char want[64];

	snprintf(want, sizeof(want), "is owned by uid %lu, not root", (unsigned long)owner);
	write_file(t->path, "[global]\n", 0644);
	if (geteuid() == 0)
		assert_int_equal(chown(t->path, owner, owner), 0);
	/* Root-only, as the module and the privileged helpers load it. */
	assert_int_equal(policy_load(t->path, 0, 0, &p, &d), -EPERM);
	assert_true(test_diag_has(&d, DIAG_ERROR, 0, want));
	diag_clear(&d);
	/* Trusted explicitly: a user checking their own draft. */
	assert_int_equal(policy_load(t->path, owner, 0, &p, &d), 0);
	policy_free(p);
	diag_clear(&d);
	if (geteuid() != 0)
		return; /* the directory's owner needs chown */
	assert_int_equal(chown(t->path, 0, 0), 0);
	assert_int_equal(chown(t->dir, owner, owner), 0);
	assert_int_equal(policy_load(t->path, 0, 0, &p, &d), -EPERM);
	assert_true(test_diag_has(&d, DIAG_ERROR, 0, want));
	diag_clear(&d);
	assert_int_equal(chown(t->dir, 0, 0), 0);
}

static void test_default_policy_is_valid_and_safe(void **state)
{
	struct diag d = DIAG_INIT;
	struct policy *p = NULL;
	const char *path = getenv("USERNETNS_CONF");
	size_t len;
	char *text;

	assert_non_null(path);
	text = test_read_file(path, &len);
	assert_int_equal(policy_parse(path, text, len, 0, &p, &d), 0);
	assert_int_equal(d.n_errors + d.n_warnings, 0);
	/* As installed it handles nobody. */
	assert_int_equal(p->defaults.mode, POLICY_MODE_NONE);
	assert_int_equal(p->n_rules, 0);
	assert_int_equal(p->global.on_error, POLICY_ON_ERROR_FAIL);
	assert_true(p->global.min_uid >= 1000);
	policy_free(p);
	free(text);
}

/*
 * The dry run warns of SSSD's ignore_group_members, in sssd.conf or a
 * snippet, naming the file and line: its groups list no members, so
 * NSS cannot say a member left.
 */
static void test_sssd_settings(void **state)
{
	char dir[] = "/tmp/uns-sssd.XXXXXX", path[64], want[64];
	struct diag d = DIAG_INIT;

	assert_non_null(mkdtemp(dir));
	policy_check_sssd(dir, &d);
	assert_int_equal(d.n_errors + d.n_warnings, 0);

	snprintf(path, sizeof(path), "%s/sssd.conf", dir);
	test_write_file(path, "[sssd]\ndomains = lab\n\n[domain/lab]\n"
			      "# ignore_group_members = true\n"
			      "ignore_group_members = false\n"
			      "  ignore_group_members\t=  True \n");
	snprintf(path, sizeof(path), "%s/conf.d", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/conf.d/10-big.conf", dir);
	test_write_file(path, "[domain/ad]\nignore_group_members = true\n");
	snprintf(path, sizeof(path), "%s/conf.d/20-off.conf.disabled", dir);
	test_write_file(path, "[domain/ad]\nignore_group_members = true\n");
	policy_check_sssd(dir, &d);
	assert_int_equal(d.n_errors, 0);
	assert_int_equal(d.n_warnings, 2);
	snprintf(want, sizeof(want), "%s/sssd.conf:7: warning: ", dir);
	assert_true(test_diag_has(&d, DIAG_WARNING, 7, want));
	assert_true(test_diag_has(&d, DIAG_WARNING, 7,
				  "ignore_group_members = true in [domain/lab]: its groups' entries list no members"));
	assert_true(test_diag_has(&d, DIAG_WARNING, 7, "usernetns-cleanup --forget USER"));
	snprintf(want, sizeof(want), "%s/conf.d/10-big.conf:2: warning: ", dir);
	assert_true(test_diag_has(&d, DIAG_WARNING, 2, want));
	diag_clear(&d);
	test_sh("rm -rf '%s'", dir);
}

/* What policy_fallback() takes from text, kept invalid as the module keeps it. */
static struct policy_fallback fallback_of(const char *text)
{
	struct policy_fallback f;
	struct diag d = DIAG_INIT;
	struct policy *p = NULL;

	assert_int_equal(policy_parse("test.conf", text, strlen(text), POLICY_KEEP_INVALID, &p, &d),
			 -EINVAL);
	assert_non_null(p);
	assert_true(p->invalid);
	policy_fallback(p, &f);
	policy_free(p);
	diag_clear(&d);
	return f;
}

static void test_fallback_of_unusable_policy(void **state)
{
	struct policy_fallback f;

	/* Nothing read (missing, unsafe): the built-in defaults. */
	policy_fallback(NULL, &f);
	assert_int_equal(f.min_uid, 1000);
	assert_int_equal(f.min_uid_line, 0);
	assert_int_equal(f.on_error, POLICY_ON_ERROR_FAIL);

	/* The broken file's own valid lines in [global]. */
	f = fallback_of("[global]\non_error = ignore\nmin_uid = 500\n[default]\nmode = vteh\n");
	assert_int_equal(f.min_uid, 500);
	assert_int_equal(f.min_uid_line, 3);
	assert_int_equal(f.on_error, POLICY_ON_ERROR_IGNORE);

	/* Rejected values are not the file's word. */
	f = fallback_of("[global]\nmin_uid = 5x\non_error = ignroe\n");
	assert_int_equal(f.min_uid, 1000);
	assert_int_equal(f.min_uid_line, 0);
	assert_int_equal(f.on_error, POLICY_ON_ERROR_FAIL);
	f = fallback_of("[global]\nmin_uid =\n");
	assert_int_equal(f.min_uid_line, 0);

	/* A second [global] is not read; a repeated key keeps the first. */
	f = fallback_of("[global]\nmin_uid = 1500\nmin_uid = 0\n[global]\non_error = ignore\n");
	assert_int_equal(f.min_uid, 1500);
	assert_int_equal(f.min_uid_line, 2);
	assert_int_equal(f.on_error, POLICY_ON_ERROR_FAIL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_policy_has_safe_defaults),
		cmocka_unit_test(test_global_keys),
		cmocka_unit_test(test_rules_in_file_order),
		cmocka_unit_test(test_rules_inherit_default),
		cmocka_unit_test(test_pool_none_stops_inheritance),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_nat_and_egress_keys),
		cmocka_unit_test(test_keys_without_effect),
		cmocka_unit_test(test_syntax_accepted),
		cmocka_unit_test(test_line_numbers_survive_bad_lines),
		cmocka_unit_test(test_every_error_is_reported),
		cmocka_unit_test(test_errors_are_capped),
		cmocka_unit_test(test_hostile_bytes),
		cmocka_unit_test(test_too_many_sections),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_group_templates),
		cmocka_unit_test(test_share),
		cmocka_unit_test(test_share_names_never_clash),
		cmocka_unit_test(test_names_have_one_owner),
		cmocka_unit_test(test_share_host_ends_in_table),
		cmocka_unit_test(test_auto_uplink_in_table),
		cmocka_unit_test(test_table_comment_and_digests),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_overlaps),
		cmocka_unit_test_setup_teardown(test_load_good_file, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_load_rejects_unsafe_files, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_load_checks_owner, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test(test_default_policy_is_valid_and_safe),
		cmocka_unit_test(test_sssd_settings),
		cmocka_unit_test(test_fallback_of_unusable_policy),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
