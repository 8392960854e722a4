/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A directory that goes down must refuse logins, never open them on the
 * host.  Users and groups come from a name service of the tests' own
 * (tests/nss-usernetnstest.c) through glibc's real NSS: the sandbox's
 * /etc/nsswitch.conf names it after files, and LD_LIBRARY_PATH finds it.
 * It is up, down (what SSSD's client says without its daemon), half
 * down (the group answers, the user's group list does not), or answers
 * as SSSD does offline and with ignore_group_members: "not found" where
 * it has nothing cached, groups without members.  fred is a local user
 * (the sandbox's /etc/passwd) in the directory's group labnet.  Logins go
 * through the module in a real PAM stack; cleanup runs as root.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "pamtest.h"
#include "testutil.h"
#include "usernetns/netns.h"
#include "usernetns/plan.h"

#define CONFDIR "/run/nsstest"
#define SERVICE "uns-nss"
#define POLICY CONFDIR "/usernetns.conf"
#define STATE "/run/nss-usernetnstest"
#define ASKED "/run/nss-usernetnstest.asked"

static const char policy_text[] =
	"[global]\n"
	"min_uid = 1000\n"
	"[default]\n"
	"mode = none\n"
	"[group:labnet]\n" /* line 5 */
	"mode = veth\n"
	"pool4 = 10.210.0.0/16\n";

/* What a login logs when SSSD offline has not cached labnet. */
#define LABNET_UNKNOWN(user)                                                            \
	"[group:labnet] (" POLICY                                                       \
	":5): the name service knows no group 'labnet', so whether user '" user "' is " \
	"in it cannot be told (an offline SSSD says so of a group it has not cached; a "  \
	"misspelt name too)"

static struct netns_id host;

/* What is down, or how it answers: words of tests/nss-usernetnstest.c ("": all up). */
static void directory(const char *down)
{
	test_write_file(STATE, down);
}

static int reset(void **state)
{
	unlink(ASKED);
	test_clean_host(false, USERNETNS_STATEDIR "/leases " USERNETNS_STATEDIR "/placements");
	test_write_file(POLICY, policy_text);
	directory("");
	log_clear();
	return 0;
}

static bool on_host(void)
{
	struct netns_id now;

	assert_int_equal(netns_current(&now), 0);
	return netns_id_equal(&now, &host);
}

/* Open a session of user; PAM's return code, the handle in *ret. */
static int login(const char *user, pam_handle_t **ret)
{
	assert_int_equal(pam_start_confdir(SERVICE, user, &test_conversation, CONFDIR, ret),
			 PAM_SUCCESS);
	return pam_open_session(*ret, 0);
}

static void logout(pam_handle_t *pamh)
{
	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	pam_end(pamh, PAM_SUCCESS);
	assert_true(on_host());
}

/* A login placed in the user's namespace, and its logout. */
static void expect_placed(const char *user)
{
	pam_handle_t *pamh = NULL;
	int r = login(user, &pamh);

	if (r != PAM_SUCCESS)
		fail_msg("login of %s: %s\n%s", user, pam_strerror(pamh, r), logbuf);
	assert_false(on_host());
	logout(pamh);
}

/* A login the policy leaves on the host (mode none: the module ignores it). */
static void expect_not_handled(const char *user)
{
	pam_handle_t *pamh = NULL;
	int r = login(user, &pamh);

	if (r != PAM_SUCCESS)
		fail_msg("login of %s: %s\n%s", user, pam_strerror(pamh, r), logbuf);
	assert_true(on_host());
	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	pam_end(pamh, PAM_SUCCESS);
	assert_int_equal(test_sh("test ! -e /run/netns/user-%s", user), 0);
}

/* The record of user's last placement, or "" without one. */
static char *last_placement(uid_t uid)
{
	char *out = test_sh_out("cat " USERNETNS_STATEDIR "/placements/%lu 2>/dev/null",
				(unsigned long)uid);

	assert_non_null(out);
	return out;
}

/* A refused login: the stack fails, and the process is where it was. */
static void expect_refused(const char *user, const char *why)
{
	pam_handle_t *pamh = NULL;
	int r = login(user, &pamh);

	if (r != PAM_SYSTEM_ERR)
		fail_msg("login of %s: %s, not refused", user, pam_strerror(pamh, r));
	pam_end(pamh, r);
	assert_true(on_host());
	assert_int_equal(test_sh("test ! -e /run/netns/user-%s", user), 0);
	expect_log(why);
	expect_log("refusing the session");
}

static void test_up(void **state)
{
	pam_handle_t *pamh = NULL;
	struct plan plan;
	struct policy *policy = NULL;
	struct diag d = DIAG_INIT;
	struct errbuf err = { "" };

	assert_int_equal(login("dora", &pamh), PAM_SUCCESS);
	assert_false(on_host());
	assert_int_equal(test_sh("mountpoint -q /run/netns/user-dora"), 0);
	logout(pamh);
	/* ed's primary group is labnet. */
	assert_int_equal(login("ed", &pamh), PAM_SUCCESS);
	assert_false(on_host());
	logout(pamh);
	/* A user the directory does not know is still unknown. */
	assert_int_equal(login("nosuchuser", &pamh), PAM_USER_UNKNOWN);
	pam_end(pamh, PAM_USER_UNKNOWN);

	assert_int_equal(test_parse(policy_text, &policy, &d), 0);
	assert_int_equal(plan_resolve(policy, NULL, "nosuchuser", &plan, &err), -ENOENT);
	assert_string_equal(err.msg, "unknown user 'nosuchuser'");
	policy_free(policy);
}

/* What the directory was asked since the last call, a line a question; then nothing. */
static char *questions(void)
{
	char *out = test_read_file(ASKED, NULL);

	assert_non_null(out);
	test_write_file(ASKED, "");
	return out;
}

/*
 * A login asks the name service each question once: the user's entry,
 * the entry of each section's group it reaches, in file order, and the
 * user's group list when the first section whose group is not the user's
 * primary group needs it.  crowd's entry (300 members) does not fit a
 * buffer of 1 KiB, glibc's first: asked again for room, it would be read
 * again (nss_files reads /etc/group again).  A second session, in the
 * namespace the first made, asks the same; the logouts ask nothing.
 */
static void test_each_question_once(void **state)
{
	static const char each_once[] = "getpwnam_r dora\n"
					"getgrnam_r ed\n"
					"initgroups_dyn dora\n"
					"getgrnam_r crowd\n";
	pam_handle_t *first = NULL, *second = NULL;
	char *asked[4];

	test_write_file(POLICY, "[global]\nmin_uid = 1000\n[default]\nmode = none\n"
				"[group:ed]\nmode = isolated\n"
				"[group:crowd]\nmode = veth\npool4 = 10.211.0.0/16\n");
	test_write_file(ASKED, "");
	assert_int_equal(login("dora", &first), PAM_SUCCESS);
	assert_false(on_host());
	asked[0] = questions();
	assert_int_equal(login("dora", &second), PAM_SUCCESS);
	asked[1] = questions();
	assert_int_equal(pam_close_session(second, 0), PAM_SUCCESS);
	pam_end(second, PAM_SUCCESS);
	logout(first);
	asked[2] = questions();
	/* ed's primary group is labnet: no group list is needed. */
	test_write_file(POLICY, policy_text);
	expect_placed("ed");
	asked[3] = questions();
	/* Judged on the host: a failure leaves no session open for the next test. */
	assert_string_equal(asked[0], each_once);
	assert_string_equal(asked[1], each_once);
	assert_string_equal(asked[2], "");
	assert_string_equal(asked[3], "getpwnam_r ed\ngetgrnam_r labnet\n");
	for (size_t i = 0; i < ELEMENTSOF(asked); i++)
		free(asked[i]);
}

/* The users' entries fail: nothing to go on, refuse. */
static void test_passwd_down(void **state)
{
	directory("passwd");
	expect_refused("dora", "cannot look up user 'dora' (a name service failed: ");
}

/*
 * The user is known, the group is not (dora in /etc/passwd, labnet in the
 * directory, say): not "no such group", which would put dora in
 * [default] and on the host.
 */
static void test_group_down(void **state)
{
	directory("group");
	expect_refused("dora", "cannot look up group 'labnet' (a name service failed: ");
}

/*
 * The group answers and lists dora, the user's group list (initgroups)
 * times out, which getgrouplist() does not report: the group's entry is
 * an answer, and she is placed by it.
 */
static void test_initgroups_down(void **state)
{
	directory("initgroups");
	expect_placed("dora");
	/* A primary group needs no list: ed is placed. */
	expect_placed("ed");
}

/*
 * SSSD offline, no group cached: every group "not found", without an
 * error.  Whether anybody is in labnet cannot be told: refused, never
 * [default] on the host; a local user in it too.
 */
static void test_offline_no_group_cached(void **state)
{
	directory("offline");
	expect_refused("dora", LABNET_UNKNOWN("dora"));
	expect_refused("ed", LABNET_UNKNOWN("ed"));
	expect_refused("fred", LABNET_UNKNOWN("fred"));
}

/*
 * A local user in a directory group: SSSD gives group lists to its own
 * users only, the group's entry lists him.  Placed, by the entry; and
 * refused when that entry is not to be had.
 */
static void test_local_user_in_directory_group(void **state)
{
	char *rec;

	expect_placed("fred");
	rec = last_placement(1204);
	if (!strstr(rec, "section=[group:labnet]\nmode=veth\nmember=entry\n"))
		fail_msg("fred's record: %s", rec);
	free(rec);
	directory("offline");
	expect_refused("fred", LABNET_UNKNOWN("fred"));
}

/*
 * ignore_group_members: entries list nobody, a member is known by their
 * own group list.  Offline with those lists not cached, the list holds
 * the primary group alone: a user once placed by labnet is refused, not
 * moved to [default]; back online, placed again.
 */
static void test_members_hidden(void **state)
{
	char *rec;

	directory("members-hidden");
	expect_placed("dora");
	rec = last_placement(1201);
	if (!strstr(rec, "member=list\n"))
		fail_msg("dora's record: %s", rec);
	free(rec);
	directory("members-hidden groups-uncached");
	expect_refused("dora",
		       "cannot tell whether user 'dora' left group 'labnet': [group:labnet] (mode veth) placed the user last, a member by their own group list alone, which now lacks the group");
	/* A primary group is in the passwd entry: ed is placed. */
	expect_placed("ed");
	directory("members-hidden");
	expect_placed("dora");
}

/*
 * dora leaves labnet, and the directory says so: labnet's entry lists
 * its members, without her.  She is placed by the rules that now apply
 * (mode none), and the fall from a namespace to the host is logged, once.
 */
static void test_left_the_group(void **state)
{
	expect_placed("dora");
	directory("dora-left");
	log_clear();
	expect_not_handled("dora");
	expect_log("<4>pam_usernetns(uns-nss:session): dora was last placed by [group:labnet] (mode veth); now [default] gives mode none: the session stays on the host network");
	log_clear();
	expect_not_handled("dora");
	assert_null(strstr(logbuf, "last placed"));
	assert_int_equal(test_sh("test ! -e " USERNETNS_STATEDIR "/placements/1201"), 0);
}

/* A move the policy makes is the policy's to make, and is logged too, once. */
static void test_policy_moves_logged(void **state)
{
	expect_placed("dora");
	test_write_file(POLICY, "[group:labnet]\nmode = isolated\n");
	log_clear();
	expect_placed("dora");
	expect_log("<5>pam_usernetns(uns-nss:session): dora was last placed by [group:labnet] (mode veth); now by [group:labnet] (mode isolated)");
	log_clear();
	expect_placed("dora");
	assert_null(strstr(logbuf, "last placed"));
}

/*
 * With members hidden the directory cannot say that she left: refused,
 * until root, who knows, forgets her placement.
 */
static void test_left_unseen(void **state)
{
	const char *builddir = getenv("USERNETNS_BUILDDIR");
	char *out;

	directory("members-hidden");
	expect_placed("dora");
	directory("members-hidden dora-left");
	expect_refused("dora", "If the user left the group: usernetns-cleanup --forget dora");
	out = test_sh_out("%s/helpers/usernetns-cleanup --forget dora 2>&1; echo status=$?",
			  builddir);
	assert_non_null(out);
	if (!strstr(out, "forgot the last placement of dora: [group:labnet] (mode veth)\nstatus=0"))
		fail_msg("%s", out);
	free(out);
	expect_not_handled("dora");
	out = test_sh_out("%s/helpers/usernetns-cleanup --forget dora 2>&1", builddir);
	assert_non_null(out);
	assert_non_null(strstr(out, "dora: no record of a placement"));
	free(out);
}

/*
 * The dry run: a group NSS does not know is an error (a misspelt name is
 * fixed at once); which answer makes a member; SSSD's settings that hide
 * members, as warnings.
 */
static void test_dry_run(void **state)
{
	const char *builddir = getenv("USERNETNS_BUILDDIR");
	char *out;

	directory("offline");
	out = test_sh_out("%s/helpers/usernetns-create --dry-run dora 2>&1; echo status=$?",
			  builddir);
	assert_non_null(out);
	if (!strstr(out, USERNETNS_POLICY_PATH ":5: [group:labnet]: no such group: every login this section is reached for is refused") ||
	    !strstr(out, "status=1"))
		fail_msg("%s", out);
	free(out);

	directory("");
	test_write_file("/etc/sssd/sssd.conf", "[domain/lab]\nignore_group_members = True\n");
	out = test_sh_out("%s/helpers/usernetns-create --dry-run dora fred 2>&1; echo status=$?",
			  builddir);
	assert_non_null(out);
	if (!strstr(out, "/etc/sssd/sssd.conf:2: warning: ignore_group_members = true in [domain/lab]") ||
	    !strstr(out, "dora (uid 1201): handled by [group:labnet]") ||
	    !strstr(out, "  member      by the group's entry and the user's group list\n") ||
	    !strstr(out, "  member      by the group's entry; the user's group list lacks it\n") ||
	    !strstr(out, "status=0"))
		fail_msg("%s", out);
	free(out);
	unlink("/etc/sssd/sssd.conf");
}

/*
 * A name a directory may hold but no file of ours may: a line break
 * would add a line to the user's record.  Refused, not written, even
 * where the namespace name is made from the uid and would be valid.
 */
static void test_name_with_a_line_break(void **state)
{
	pam_handle_t *pamh = NULL;
	int r;

	test_write_file(POLICY, "[global]\nnetns_name = ns-%U\n[group:labnet]\nmode = veth\n"
			   "pool4 = 10.210.0.0/16\n");
	r = login("mal\nlory", &pamh);
	pam_end(pamh, r);
	test_write_file(POLICY, policy_text);
	assert_int_equal(r, PAM_SYSTEM_ERR);
	assert_true(on_host());
	expect_log("the name service gives uid 1203 a user name that is empty or has control characters; refusing it");
	assert_int_equal(test_sh("test ! -e /run/netns/ns-1203 && test ! -e /run/usernetns/users/1203 &&"
				 " ! ls " USERNETNS_STATEDIR "/leases/*/uid-1203 >/dev/null 2>&1"), 0);
}

/* A lease is kept across logins: an outage must not take it away. */
static void test_cleanup_keeps_leases_during_outage(void **state)
{
	const char *builddir = getenv("USERNETNS_BUILDDIR");
	static const char *const outages[] = { "passwd", "group", "initgroups", "offline",
					       "members-hidden groups-uncached" };
	pam_handle_t *pamh = NULL;
	char *out;

	assert_int_equal(login("dora", &pamh), PAM_SUCCESS);
	logout(pamh);
	assert_int_equal(test_sh("ls " USERNETNS_STATEDIR "/leases/*/uid-1201 >/dev/null"), 0);
	for (size_t i = 0; i < ELEMENTSOF(outages); i++) {
		directory(outages[i]);
		out = test_sh_out("%s/helpers/usernetns-cleanup --all 2>&1", builddir);
		assert_non_null(out);
		if (strstr(out, "released"))
			fail_msg("%s down: cleanup released a lease:\n%s", outages[i], out);
		free(out);
		assert_int_equal(test_sh("ls " USERNETNS_STATEDIR "/leases/*/uid-1201 >/dev/null"), 0);
	}
	/* Up again, the lease is still dora's: she is still in labnet. */
	directory("");
	out = test_sh_out("%s/helpers/usernetns-cleanup --all 2>&1", builddir);
	assert_non_null(out);
	assert_null(strstr(out, "released"));
	free(out);
	assert_int_equal(login("dora", &pamh), PAM_SUCCESS);
	logout(pamh);
}

/* Everything the tests need, before glibc reads nsswitch.conf. */
static void setup_world(void)
{
	char dir[4096];

	assert_int_equal(mkdir(CONFDIR, 0755), 0);
	/* /etc writable here only: an overlay whose upper layer is in the sandbox's /run. */
	if (test_sh("mkdir -p /run/ov/etc.up /run/ov/etc.work && mount -t overlay overlay"
		    " -o lowerdir=/etc,upperdir=/run/ov/etc.up,workdir=/run/ov/etc.work /etc &&"
		    " mkdir -p /etc/sssd && rm -f /etc/sssd/sssd.conf && rm -rf /etc/sssd/conf.d &&"
		    " echo 'fred:x:1204:1204::/tmp:/bin/sh' >>/etc/passwd &&"
		    " echo 'fred:x:1204:' >>/etc/group") != 0) {
		printf("Bail out! cannot overlay /etc\n");
		exit(1);
	}
	test_write_file("/etc/nsswitch.conf",
		   "passwd: files usernetnstest\n"
		   "group: files usernetnstest\n"
		   "shadow: files\n"
		   "hosts: files\n");
	test_write_file(POLICY, policy_text);
	test_pam_service(CONFDIR "/" SERVICE, NULL, POLICY, NULL);
	/* The helpers read the built-in path only. */
	snprintf(dir, sizeof(dir), "%s", USERNETNS_POLICY_PATH);
	*strrchr(dir, '/') = '\0';
	test_sandbox_writable(dir);
	test_write_file(USERNETNS_POLICY_PATH, policy_text);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_up, reset),
		cmocka_unit_test_setup(test_each_question_once, reset),
		cmocka_unit_test_setup(test_passwd_down, reset),
		cmocka_unit_test_setup(test_group_down, reset),
		cmocka_unit_test_setup(test_initgroups_down, reset),
		cmocka_unit_test_setup(test_offline_no_group_cached, reset),
		cmocka_unit_test_setup(test_local_user_in_directory_group, reset),
		cmocka_unit_test_setup(test_members_hidden, reset),
		cmocka_unit_test_setup(test_left_the_group, reset),
		cmocka_unit_test_setup(test_policy_moves_logged, reset),
		cmocka_unit_test_setup(test_left_unseen, reset),
		cmocka_unit_test_setup(test_dry_run, reset),
		cmocka_unit_test_setup(test_name_with_a_line_break, reset),
		cmocka_unit_test_setup(test_cleanup_keeps_leases_during_outage, reset),
	};
	const char *builddir = getenv("USERNETNS_BUILDDIR");
	char path[4096];

	(void)argc;
	if (!builddir) {
		printf("Bail out! USERNETNS_BUILDDIR is not set\n");
		return 1;
	}
	/* The loader reads LD_LIBRARY_PATH at start: set it, then start again. */
	if (!getenv("USERNETNS_NSS_TEST")) {
		snprintf(path, sizeof(path), "%s/tests/.libs", builddir);
		setenv("LD_LIBRARY_PATH", path, 1);
		setenv("USERNETNS_NSS_TEST", "1", 1);
		execv("/proc/self/exe", argv);
		printf("Bail out! cannot re-exec: %s\n", strerror(errno));
		return 1;
	}
	test_sandbox();
	setup_world();
	assert_int_equal(netns_current(&host), 0);
	return cmocka_run_group_tests_name("nss", tests, NULL, NULL);
}
