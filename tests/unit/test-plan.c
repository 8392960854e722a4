/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Resolving users to plans, with the users and groups of tests/nss/
 * served by nss_wrapper (so getpwnam_r and getgrouplist are the real
 * calls a login makes).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "usernetns/plan.h"

/*
 * tests/nss/group: netusers = alice, carol (and dave, whose primary group
 * it is); staff = carol, erin; labs = erin; netadmin = bob.
 */
static const char policy_text[] =
	"[global]\n"				/* 1 */
	"min_uid = 1000\n"
	"admin_group = netadmin\n"
	"[default]\n"				/* 4 */
	"mode = none\n"
	"pool4 = 10.200.0.0/16\n"
	"pool6 = fd42:200::/48\n"
	"[group:staff]\n"			/* 8 */
	"mode = isolated\n"
	"[group:netusers]\n"			/* 10 */
	"mode = veth\n"
	"mtu = 1400\n"
	"[group:labs]\n"			/* 13 */
	"mode = veth\n"
	"pool4 = 10.210.0.0/16\n"
	"prefix4 = 29\n"
	"[user:alice]\n"			/* 17 */
	"mode = veth\n"
	"address4 = 10.201.0.2/30\n"
	"[user:sys]\n"				/* 20 */
	"mode = veth\n"
	"[group:nosuchgroup]\n"			/* 22 */
	"mode = isolated\n";

static int setup(void **state)
{
	struct diag d = DIAG_INIT;
	struct policy *p = NULL;

	if (test_parse(policy_text, &p, &d) != 0) {
		test_diag_dump(&d);
		return -1;
	}
	diag_clear(&d);
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	policy_free(*state);
	return 0;
}

static struct plan resolve(void **state, const char *user)
{
	struct errbuf err = { "" };
	struct plan plan;
	int r = plan_resolve(*state, user, &plan, &err);

	if (r != 0)
		fail_msg("%s: %s", user, err.msg);
	return plan;
}

static const char *fmt(const struct addr_prefix *p)
{
	static char buf[4][ADDR_PREFIX_STRLEN];
	static int i;

	i = (i + 1) % 4;
	return addr_prefix_format(p, buf[i], sizeof(buf[i]));
}

static void test_user_section_beats_groups(void **state)
{
	/* alice is in netusers, but [user:alice] wins. */
	struct plan p = resolve(state, "alice");

	assert_int_equal(p.verdict, PLAN_HANDLED);
	assert_int_equal(p.rule_kind, POLICY_RULE_USER);
	assert_string_equal(p.rule_name, "alice");
	assert_int_equal(p.rule_line, 17);
	assert_int_equal(p.uid, 1001);
	assert_int_equal(p.mode, POLICY_MODE_VETH);
	assert_string_equal(p.netns, "user-alice");
	assert_string_equal(p.host_ifname, "vu1001");
	assert_string_equal(p.peer_ifname, "eth0");
	assert_int_equal(p.v4.source, PLAN_ADDR_FIXED);
	assert_string_equal(fmt(&p.v4.host), "10.201.0.1/30");
	assert_string_equal(fmt(&p.v4.peer), "10.201.0.2/30");
	assert_string_equal(fmt(&p.v4.block), "10.201.0.0/30");
	/* The fixed IPv4 address does not stop IPv6 from [default]. */
	assert_int_equal(p.v6.source, PLAN_ADDR_POOL);
	/* [user:alice] does not set mtu: [default]'s, not netusers'. */
	assert_int_equal(p.mtu, 1500);
}

static void test_first_group_in_file_order(void **state)
{
	/* carol: staff and netusers; staff comes first in the file. */
	struct plan p = resolve(state, "carol");

	assert_int_equal(p.verdict, PLAN_HANDLED);
	assert_int_equal(p.rule_kind, POLICY_RULE_GROUP);
	assert_string_equal(p.rule_name, "staff");
	assert_int_equal(p.mode, POLICY_MODE_ISOLATED);
	assert_int_equal(p.v4.source, PLAN_ADDR_NONE);
	assert_string_equal(p.netns, "user-carol");

	/* erin: staff and labs; staff again. */
	p = resolve(state, "erin");
	assert_string_equal(p.rule_name, "staff");
}

static void test_group_inherits_pool(void **state)
{
	/* dave's primary group is netusers; he is in no member list. */
	struct plan p = resolve(state, "dave");

	assert_int_equal(p.verdict, PLAN_HANDLED);
	assert_string_equal(p.rule_name, "netusers");
	assert_int_equal(p.rule_line, 10);
	assert_int_equal(p.mtu, 1400);
	assert_int_equal(p.v4.source, PLAN_ADDR_POOL);
	assert_string_equal(fmt(&p.v4.pool), "10.200.0.0/16");
	assert_int_equal(p.v4.block_len, 30);
	assert_int_equal(p.v6.source, PLAN_ADDR_POOL);
	assert_string_equal(fmt(&p.v6.pool), "fd42:200::/48");
	assert_int_equal(p.v6.block_len, 64);
	assert_string_equal(p.host_ifname, "vu1004");
}

static void test_default_and_mode_none(void **state)
{
	/* bob is in netadmin only, which has no section. */
	struct plan p = resolve(state, "bob");

	assert_int_equal(p.verdict, PLAN_MODE_NONE);
	assert_int_equal(p.rule_kind, POLICY_RULE_DEFAULT);
	assert_int_equal(p.rule_line, 4);
	assert_string_equal(p.netns, "");
}

static void test_below_min_uid(void **state)
{
	/* Even with a [user:sys] section: min_uid keeps system users out. */
	struct plan p = resolve(state, "sys");

	assert_int_equal(p.verdict, PLAN_BELOW_MIN_UID);
	assert_int_equal(p.uid, 999);
	p = resolve(state, "root");
	assert_int_equal(p.verdict, PLAN_BELOW_MIN_UID);
}

static void test_unknown_user(void **state)
{
	struct errbuf err = { "" };
	struct plan p;

	assert_int_equal(plan_resolve(*state, "mallory", &p, &err), -ENOENT);
	assert_string_equal(err.msg, "unknown user 'mallory'");
	assert_int_equal(plan_resolve_uid(*state, 31337, &p, &err), -ENOENT);
	assert_string_equal(err.msg, "unknown uid 31337");
}

/* Who is left alone while the policy cannot be used. */
static void test_fallback_exempt(void **state)
{
	struct policy_fallback f = { .on_error = POLICY_ON_ERROR_FAIL, .min_uid = 1000 };
	struct errbuf why = { "" };

	assert_int_equal(plan_fallback_exempt(&f, "sys", &why), 1);
	assert_string_equal(why.msg, "uid 999 is below min_uid 1000 (the built-in default)");
	assert_int_equal(plan_fallback_exempt(&f, "alice", &why), 0);
	assert_string_equal(why.msg, "uid 1001 is not below min_uid 1000 (the built-in default)");
	assert_int_equal(plan_fallback_exempt(&f, "mallory", &why), -ENOENT);
	assert_string_equal(why.msg, "unknown user 'mallory'");

	f = (struct policy_fallback){ .min_uid = 2000, .min_uid_line = 7 };
	assert_int_equal(plan_fallback_exempt(&f, "alice", &why), 1);
	assert_string_equal(why.msg, "uid 1001 is below min_uid 2000 (line 7 of the policy)");

	/* Root, whatever min_uid says. */
	f = (struct policy_fallback){ .min_uid = 0, .min_uid_line = 2 };
	assert_int_equal(plan_fallback_exempt(&f, "root", &why), 1);
	assert_string_equal(why.msg, "uid 0: root is never refused for want of a policy");
	assert_int_equal(plan_fallback_exempt(&f, "daemon", &why), 0);
}

static void test_resolve_by_uid(void **state)
{
	struct errbuf err = { "" };
	struct plan p;

	assert_int_equal(plan_resolve_uid(*state, 1003, &p, &err), 0);
	assert_string_equal(p.user, "carol");
	assert_string_equal(p.rule_name, "staff");
}

static void test_largest_uid_fits(void **state)
{
	struct diag d = DIAG_INIT;
	struct policy *pol = NULL;
	struct errbuf err = { "" };
	struct plan p;

	assert_int_equal(test_parse("[default]\nmode = veth\npool4 = 10.200.0.0/16\n", &pol, &d), 0);
	assert_int_equal(plan_resolve(pol, "bigid", &p, &err), 0);
	assert_int_equal(p.verdict, PLAN_HANDLED);
	assert_string_equal(p.host_ifname, "vu4294967294");
	assert_string_equal(p.netns, "user-bigid");
	policy_free(pol);
	diag_clear(&d);
}

static void test_bad_namespace_name_from_user_name(void **state)
{
	struct diag d = DIAG_INIT;
	struct policy *pol = NULL;
	struct errbuf err = { "" };
	struct plan p;

	/* "odd name" has a space: as a namespace name it would need quoting. */
	assert_int_equal(test_parse("[default]\nmode = isolated\n", &pol, &d), 0);
	assert_int_equal(plan_resolve(pol, "odd name", &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "user name 'odd name' gives an invalid namespace name"));
	/* With the uid in the template the same user is fine. */
	policy_free(pol);
	assert_int_equal(test_parse("[global]\nnetns_name = uid-%U\n[default]\nmode = isolated\n",
				    &pol, &d), 0);
	assert_int_equal(plan_resolve(pol, "odd name", &p, &err), 0);
	assert_string_equal(p.netns, "uid-1006");
	policy_free(pol);
	diag_clear(&d);
}

/*
 * A namespace name a host name could be is not published: with hostname =
 * %u.netns, bob.netns's user-bob.netns is what a user called user-bob
 * would have as host name.
 */
static void test_netns_name_a_host_name_could_be(void **state)
{
	struct diag d = DIAG_INIT;
	struct policy *pol = NULL;
	struct errbuf err = { "" };
	struct plan p;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	assert_int_equal(test_parse("[global]\nhostname = %u.netns\n[default]\nmode = veth\n"
				    "pool4 = 10.200.0.0/16\n",
				    &pol, &d),
			 0);
	assert_int_equal(plan_resolve(pol, "bob.netns", &p, &err), 0);
	assert_string_equal(p.netns, "user-bob.netns");
	assert_string_equal(p.hostname, "bob.netns.netns");
	assert_true(p.netns_unlisted);
	f = open_memstream(&out, &len);
	assert_non_null(f);
	plan_print(&p, "/etc/security/usernetns.conf", "/run/netns", f);
	fclose(f);
	assert_non_null(strstr(out, "unlisted    user-bob.netns is not published to the host: another user's host name could be the same\n"));
	free(out);

	assert_int_equal(plan_resolve(pol, "alice", &p, &err), 0);
	assert_string_equal(p.hostname, "alice.netns");
	assert_false(p.netns_unlisted);
	policy_free(pol);

	/* The same template for both: one name, the user's own. */
	assert_int_equal(test_parse("[global]\nhostname = user-%u\n[default]\nmode = isolated\n",
				    &pol, &d),
			 0);
	assert_int_equal(plan_resolve(pol, "bob.netns", &p, &err), 0);
	assert_string_equal(p.hostname, "user-bob.netns");
	assert_false(p.netns_unlisted);
	policy_free(pol);
	diag_clear(&d);
}

static void test_netns_name_rules(void **state)
{
	assert_true(policy_netns_name_valid("user-alice"));
	assert_true(policy_netns_name_valid(".hidden"));
	assert_false(policy_netns_name_valid(""));
	assert_false(policy_netns_name_valid("."));
	assert_false(policy_netns_name_valid(".."));
	assert_false(policy_netns_name_valid("a/b"));
	assert_false(policy_netns_name_valid("a b"));
	assert_false(policy_netns_name_valid("a\tb"));
}

static void test_check_names_warns(void **state)
{
	struct diag d = DIAG_INIT;
	struct policy *pol = NULL;

	assert_int_equal(policy_parse("t", policy_text, strlen(policy_text),
				      POLICY_CHECK_NAMES, &pol, &d), 0);
	assert_int_equal(d.n_errors, 0);
	assert_int_equal(d.n_warnings, 2);
	assert_true(test_diag_has(&d, DIAG_WARNING, 20,
				  "[user:sys]: uid 999 is below min_uid 1000; the section never applies"));
	assert_true(test_diag_has(&d, DIAG_WARNING, 22,
				  "[group:nosuchgroup]: no such group; the section never applies"));
	policy_free(pol);
	diag_clear(&d);
}

static void test_plan_print(void **state)
{
	struct plan p = resolve(state, "dave");
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	plan_print(&p, "/etc/security/usernetns.conf", "/run/netns", f);
	fclose(f);
	assert_non_null(strstr(out, "dave (uid 1004): handled by [group:netusers] at /etc/security/usernetns.conf:10\n"));
	assert_non_null(strstr(out, "namespace   user-dave (/run/netns/user-dave)\n"));
	assert_non_null(strstr(out, "host end    vu1004\n"));
	assert_non_null(strstr(out, "ipv4        a /30 block leased from pool 10.200.0.0/16"));
	free(out);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_section_beats_groups),
		cmocka_unit_test(test_first_group_in_file_order),
		cmocka_unit_test(test_group_inherits_pool),
		cmocka_unit_test(test_default_and_mode_none),
		cmocka_unit_test(test_below_min_uid),
		cmocka_unit_test(test_unknown_user),
		cmocka_unit_test(test_fallback_exempt),
		cmocka_unit_test(test_resolve_by_uid),
		cmocka_unit_test(test_largest_uid_fits),
		cmocka_unit_test(test_bad_namespace_name_from_user_name),
		cmocka_unit_test(test_netns_name_a_host_name_could_be),
		cmocka_unit_test(test_netns_name_rules),
		cmocka_unit_test(test_check_names_warns),
		cmocka_unit_test(test_plan_print),
	};

	(void)argc;
	test_use_nss_wrapper(argv);
	return cmocka_run_group_tests_name("plan", tests, setup, teardown);
}
