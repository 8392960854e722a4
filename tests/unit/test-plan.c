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
	"mode = veth\n";

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
	int r = plan_resolve(*state, NULL, user, &plan, &err);

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

	assert_int_equal(plan_resolve(*state, NULL, "mallory", &p, &err), -ENOENT);
	assert_string_equal(err.msg, "unknown user 'mallory'");
	assert_int_equal(plan_resolve_uid(*state, NULL, 31337, &p, &err), -ENOENT);
	assert_string_equal(err.msg, "unknown uid 31337");
	assert_int_equal(plan_resolve_group(*state, 31337, &p, &err), -ENOENT);
	assert_string_equal(err.msg, "unknown gid 31337");
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

	assert_int_equal(plan_resolve_uid(*state, NULL, 1003, &p, &err), 0);
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
	assert_int_equal(plan_resolve(pol, NULL, "bigid", &p, &err), 0);
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
	assert_int_equal(plan_resolve(pol, NULL, "odd name", &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "user name 'odd name' gives an invalid namespace name"));
	/* With the uid in the template the same user is fine. */
	policy_free(pol);
	assert_int_equal(test_parse("[global]\nnetns_name = uid-%U\n[default]\nmode = isolated\n",
				    &pol, &d), 0);
	assert_int_equal(plan_resolve(pol, NULL, "odd name", &p, &err), 0);
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
	assert_int_equal(plan_resolve(pol, NULL, "bob.netns", &p, &err), 0);
	assert_string_equal(p.netns, "user-bob.netns");
	assert_string_equal(p.hostname, "bob.netns.netns");
	assert_true(p.netns_unlisted);
	f = open_memstream(&out, &len);
	assert_non_null(f);
	plan_print(&p, "/etc/security/usernetns.conf", "/run/netns", f);
	fclose(f);
	assert_non_null(strstr(out, "unlisted    user-bob.netns is not published to the host: another user's host name could be the same\n"));
	free(out);

	assert_int_equal(plan_resolve(pol, NULL, "alice", &p, &err), 0);
	assert_string_equal(p.hostname, "alice.netns");
	assert_false(p.netns_unlisted);
	policy_free(pol);

	/* The same template for both: one name, the user's own. */
	assert_int_equal(test_parse("[global]\nhostname = user-%u\n[default]\nmode = isolated\n",
				    &pol, &d),
			 0);
	assert_int_equal(plan_resolve(pol, NULL, "bob.netns", &p, &err), 0);
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
	static const char unknown[] = "[user:mallory]\nmode = isolated\n"
				      "[group:nosuchgroup]\nmode = isolated\n";
	struct diag d = DIAG_INIT;
	struct policy *pol = NULL;
	char *text;

	assert_int_equal(policy_parse("t", policy_text, strlen(policy_text),
				      POLICY_CHECK_NAMES, &pol, &d), 0);
	assert_int_equal(d.n_errors, 0);
	assert_int_equal(d.n_warnings, 1);
	assert_true(test_diag_has(&d, DIAG_WARNING, 20,
				  "[user:sys]: uid 999 is below min_uid 1000; the section never applies"));
	policy_free(pol);
	diag_clear(&d);

	/*
	 * A user nobody is never matches; a group NSS does not know refuses
	 * every login that reaches it: an error, fixed at once.
	 */
	assert_int_equal(asprintf(&text, "%s%s", policy_text, unknown) > 0, true);
	pol = NULL;
	assert_int_equal(policy_parse("t", text, strlen(text), POLICY_CHECK_NAMES, &pol, &d),
			 -EINVAL);
	assert_null(pol);
	assert_int_equal(d.n_errors, 1);
	assert_true(test_diag_has(&d, DIAG_WARNING, 22,
				  "[user:mallory]: no such user; the section never applies"));
	assert_true(test_diag_has(&d, DIAG_ERROR, 24,
				  "[group:nosuchgroup]: no such group: every login this section is reached for is refused (a misspelt name, or a directory that is offline and has not cached the group)"));
	/* Without the lookups (a login's load) the policy is valid. */
	diag_clear(&d);
	assert_int_equal(policy_parse("t", text, strlen(text), 0, &pol, &d), 0);
	policy_free(pol);
	diag_clear(&d);
	free(text);
}

/*
 * A group NSS says does not exist: whether the user is in it cannot be
 * told (an offline SSSD says so of groups it has not cached), so no
 * section after it, nor [default], may be picked; a section before it
 * that places the user is not affected.
 */
static void test_unknown_group_undecided(void **state)
{
	struct diag d = DIAG_INIT;
	struct policy *pol = NULL;
	struct errbuf err = { "" };
	struct plan p;

	assert_int_equal(test_parse("[default]\nmode = none\n"
				    "[group:staff]\nmode = isolated\n"
				    "[group:nosuchgroup]\nmode = isolated\n"
				    "[group:netusers]\nmode = isolated\n",
				    &pol, &d),
			 0);
	/* carol is in staff, before it. */
	assert_int_equal(plan_resolve(pol, NULL, "carol", &p, &err), 0);
	assert_string_equal(p.rule_name, "staff");
	/* alice is in netusers, after it; bob is in neither. */
	assert_int_equal(plan_resolve(pol, NULL, "alice", &p, &err), -EHOSTDOWN);
	assert_string_equal(err.msg,
			    "[group:nosuchgroup] (test.conf:5): the name service knows no group 'nosuchgroup', so whether user 'alice' is in it cannot be told (an offline SSSD says so of a group it has not cached; a misspelt name too)");
	assert_int_equal(plan_resolve(pol, NULL, "bob", &p, &err), -EHOSTDOWN);
	/* A [user:] section asks no group. */
	policy_free(pol);
	assert_int_equal(test_parse("[group:nosuchgroup]\nmode = isolated\n"
				    "[user:bob]\nmode = isolated\n",
				    &pol, &d),
			 0);
	assert_int_equal(plan_resolve(pol, NULL, "bob", &p, &err), 0);
	assert_int_equal(p.rule_kind, POLICY_RULE_USER);
	policy_free(pol);
	diag_clear(&d);
}

/* A state dir of the test's own, for records of last placements. */
static char history_dir[32];
static struct uns_paths history;

static int history_setup(void **state)
{
	static char run[sizeof(history_dir) + 8];

	snprintf(history_dir, sizeof(history_dir), "/tmp/uns-plan.XXXXXX");
	if (!mkdtemp(history_dir))
		return -1;
	snprintf(run, sizeof(run), "%s/run", history_dir);
	history = (struct uns_paths){ .rundir = run, .statedir = history_dir, .runstatedir = run };
	return 0;
}

static int history_teardown(void **state)
{
	test_sh("rm -rf '%s'", history_dir);
	return 0;
}

/* Record that uid was last placed by section (kind, name), mode, member. */
static void placed(uid_t uid, const char *user, enum policy_rule_kind kind, const char *name,
		   enum policy_mode mode, enum placement_member member)
{
	struct placement pl = { .kind = kind, .mode = mode, .member = member };
	struct errbuf err = { "" };

	snprintf(pl.name, sizeof(pl.name), "%s", name);
	if (placement_note(&history, uid, user, &pl, 1000, &err) < 0)
		fail_msg("%s", err.msg);
}

/*
 * A user is moved out of the [group:] section that placed them last only
 * on the kind of answer that showed them in it saying "no": never on an
 * answer that cannot (an entry that lists nobody, the user's own list).
 */
static void test_move_needs_an_answer_that_can_say_no(void **state)
{
	struct errbuf err = { "" };
	char path[64];
	struct plan p;

	/* Never placed: nothing to judge. */
	assert_int_equal(plan_resolve(*state, &history, "bob", &p, &err), 0);
	assert_int_equal(p.history, PLAN_HISTORY_NONE);
	assert_int_equal(p.verdict, PLAN_MODE_NONE);

	/* netusers' entry lists members, bob not among them: he left. */
	placed(1002, "bob", POLICY_RULE_GROUP, "netusers", POLICY_MODE_VETH, PLACEMENT_MEMBER_ENTRY);
	assert_int_equal(plan_resolve(*state, &history, "bob", &p, &err), 0);
	assert_int_equal(p.history, PLAN_HISTORY_MOVED);
	assert_int_equal(p.verdict, PLAN_MODE_NONE);
	assert_string_equal(p.last.name, "netusers");
	assert_int_equal(p.last.mode, POLICY_MODE_VETH);

	/* His passwd entry no longer names netusers as his primary group. */
	placed(1002, "bob", POLICY_RULE_GROUP, "netusers", POLICY_MODE_VETH, PLACEMENT_MEMBER_PRIMARY);
	assert_int_equal(plan_resolve(*state, &history, "bob", &p, &err), 0);
	assert_int_equal(p.history, PLAN_HISTORY_MOVED);

	/* A member by his own group list alone: its silence says nothing. */
	placed(1002, "bob", POLICY_RULE_GROUP, "netusers", POLICY_MODE_VETH, PLACEMENT_MEMBER_LIST);
	assert_int_equal(plan_resolve(*state, &history, "bob", &p, &err), -EHOSTDOWN);
	assert_string_equal(err.msg,
			    "cannot tell whether user 'bob' left group 'netusers': [group:netusers] (mode veth) placed the user last, a member by their own group list alone, which now lacks the group (an offline directory that has not cached the user's groups answers so); not moving the user to [default] (mode none) on that. If the user left the group: usernetns-cleanup --forget bob");
	/* Without the record (a dry run of somebody else) there is nothing to judge. */
	assert_int_equal(plan_resolve(*state, NULL, "bob", &p, &err), 0);
	assert_int_equal(p.history, PLAN_HISTORY_UNREAD);

	/* The policy dropped the section: the admin's change, not an answer. */
	placed(1002, "bob", POLICY_RULE_GROUP, "gone", POLICY_MODE_VETH, PLACEMENT_MEMBER_LIST);
	assert_int_equal(plan_resolve(*state, &history, "bob", &p, &err), 0);
	assert_int_equal(p.history, PLAN_HISTORY_MOVED);

	/* carol is now placed by staff, a section before netusers: a "yes" decides. */
	placed(1003, "carol", POLICY_RULE_GROUP, "netusers", POLICY_MODE_VETH, PLACEMENT_MEMBER_LIST);
	assert_int_equal(plan_resolve(*state, &history, "carol", &p, &err), 0);
	assert_int_equal(p.history, PLAN_HISTORY_MOVED);
	assert_string_equal(p.rule_name, "staff");

	/* The same section and mode: no move, whatever the membership. */
	placed(1004, "dave", POLICY_RULE_GROUP, "netusers", POLICY_MODE_VETH, PLACEMENT_MEMBER_LIST);
	assert_int_equal(plan_resolve(*state, &history, "dave", &p, &err), 0);
	assert_int_equal(p.history, PLAN_HISTORY_SAME);
	assert_int_equal(p.placed.member, PLACEMENT_MEMBER_PRIMARY);
	/* A mode the policy changed is a move too. */
	placed(1004, "dave", POLICY_RULE_GROUP, "netusers", POLICY_MODE_NAT, PLACEMENT_MEMBER_PRIMARY);
	assert_int_equal(plan_resolve(*state, &history, "dave", &p, &err), 0);
	assert_int_equal(p.history, PLAN_HISTORY_MOVED);

	/* A record that cannot be read decides nothing: refused. */
	snprintf(path, sizeof(path), "%s/placements/1002", history_dir);
	test_write_file(path, "uid=1002 user=bob\nsection=[group:netusers\n");
	assert_int_equal(plan_resolve(*state, &history, "bob", &p, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "/placements/1002 is corrupt or of another version"));
	assert_int_equal(placement_forget(&history, 1002, &err), 0);
	assert_int_equal(plan_resolve(*state, &history, "bob", &p, &err), 0);
	assert_int_equal(p.history, PLAN_HISTORY_NONE);
}

/* An entry that lists nobody cannot say that a user it once listed left. */
static void test_move_from_a_group_that_lists_nobody(void **state)
{
	struct diag d = DIAG_INIT;
	struct policy *pol = NULL;
	struct errbuf err = { "" };
	struct plan p;

	/* tests/nss/group: many lists nobody (its users have it as primary group). */
	assert_int_equal(test_parse("[group:many]\nmode = veth\npool4 = 10.200.0.0/16\n", &pol, &d),
			 0);
	placed(1002, "bob", POLICY_RULE_GROUP, "many", POLICY_MODE_VETH, PLACEMENT_MEMBER_ENTRY);
	assert_int_equal(plan_resolve(pol, &history, "bob", &p, &err), -EHOSTDOWN);
	assert_non_null(strstr(err.msg, "listed by the group's entry, which now lists nobody"));
	/* user01's primary group is many: placed, by that answer. */
	assert_int_equal(plan_resolve(pol, &history, "user01", &p, &err), 0);
	assert_int_equal(p.verdict, PLAN_HANDLED);
	assert_int_equal(p.placed.member, PLACEMENT_MEMBER_PRIMARY);
	assert_true(p.in_group_list);
	policy_free(pol);
	diag_clear(&d);
}

static void test_placement_records(void **state)
{
	struct placement pl = { .kind = POLICY_RULE_GROUP, .name = "domain users",
				.mode = POLICY_MODE_NAT, .member = PLACEMENT_MEMBER_LIST },
			 back;
	char buf[1024];
	uid_t uid;

	assert_true(placement_format(1001, "alice", &pl, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "uid=1001 user=alice\nsection=[group:domain users]\nmode=nat\nmember=list\n");
	assert_int_equal(placement_parse(buf, &uid, &back), 0);
	assert_int_equal(uid, 1001);
	assert_int_equal(back.kind, POLICY_RULE_GROUP);
	assert_string_equal(back.name, "domain users");
	assert_int_equal(back.mode, POLICY_MODE_NAT);
	assert_int_equal(back.member, PLACEMENT_MEMBER_LIST);
	assert_int_equal(placement_parse("uid=1001 user=a\nsection=[default]\nmode=veth\n", &uid,
					 &back),
			 0);
	assert_int_equal(back.kind, POLICY_RULE_DEFAULT);
	/* A membership belongs to a group's section, and only there. */
	assert_int_equal(placement_parse("uid=1001 user=a\nsection=[default]\nmode=veth\nmember=list\n",
					 &uid, &back),
			 -EBADMSG);
	assert_int_equal(placement_parse("uid=1001 user=a\nsection=[group:g]\nmode=veth\n", &uid,
					 &back),
			 -EBADMSG);
	assert_int_equal(placement_parse("gid=1001 group=a\nsection=[default]\nmode=veth\n", &uid,
					 &back),
			 -EBADMSG);
	assert_int_equal(placement_parse("uid=1001 user=a\nsection=[user:]\nmode=veth\n", &uid,
					 &back),
			 -EBADMSG);
	assert_int_equal(placement_parse("uid=1001 user=a\nsection=[default]\nmode=fast\n", &uid,
					 &back),
			 -EBADMSG);
}

/* What the dry run says of a membership and of a move. */
static void test_plan_print_membership_and_move(void **state)
{
	struct errbuf err = { "" };
	char *out = NULL;
	size_t len = 0;
	struct plan p;
	FILE *f;

	placed(1002, "bob", POLICY_RULE_GROUP, "netusers", POLICY_MODE_VETH, PLACEMENT_MEMBER_ENTRY);
	assert_int_equal(plan_resolve(*state, &history, "bob", &p, &err), 0);
	f = open_memstream(&out, &len);
	assert_non_null(f);
	plan_print(&p, "/etc/security/usernetns.conf", "/run/netns", f);
	p = resolve(state, "erin");
	plan_print(&p, "/etc/security/usernetns.conf", "/run/netns", f);
	fclose(f);
	assert_non_null(strstr(out, "bob (uid 1002): not handled: mode none, from [default] at /etc/security/usernetns.conf:4\n"
				    "  moved       from [group:netusers] (mode veth), which placed the user last (a login logs it)\n"));
	assert_non_null(strstr(out, "  member      by the group's entry and the user's group list\n"));
	free(out);
	assert_int_equal(placement_forget(&history, 1002, &err), 0);
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
		cmocka_unit_test(test_unknown_group_undecided),
		cmocka_unit_test(test_plan_print),
		cmocka_unit_test(test_placement_records),
		cmocka_unit_test_setup_teardown(test_move_needs_an_answer_that_can_say_no,
						history_setup, history_teardown),
		cmocka_unit_test_setup_teardown(test_move_from_a_group_that_lists_nobody,
						history_setup, history_teardown),
		cmocka_unit_test_setup_teardown(test_plan_print_membership_and_move,
						history_setup, history_teardown),
	};

	(void)argc;
	test_use_nss_wrapper(argv);
	return cmocka_run_group_tests_name("plan", tests, setup, teardown);
}
