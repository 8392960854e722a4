/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A directory that goes down must refuse logins, never open them on the
 * host.  Users and groups come from a name service of the tests' own
 * (tests/nss-usernetnstest.c) through glibc's real NSS: the sandbox's
 * /etc/nsswitch.conf names it after files, and LD_LIBRARY_PATH finds it.
 * It is up, down (what SSSD's client says without its daemon), or half
 * down (the group answers, the user's group list does not).  Logins go
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

static const char policy_text[] =
	"[global]\n"
	"min_uid = 1000\n"
	"[default]\n"
	"mode = none\n"
	"[group:labnet]\n"
	"mode = veth\n"
	"pool4 = 10.210.0.0/16\n";

static struct netns_id host;

/* What is down: "" (all up), "passwd", "group", "initgroups". */
static void directory(const char *down)
{
	test_write_file(STATE, down);
}

static int reset(void **state)
{
	test_clean_host(false, USERNETNS_STATEDIR "/leases");
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
	assert_int_equal(plan_resolve(policy, "nosuchuser", &plan, &err), -ENOENT);
	assert_string_equal(err.msg, "unknown user 'nosuchuser'");
	policy_free(policy);
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
 * times out, which getgrouplist() does not report.
 */
static void test_initgroups_down(void **state)
{
	pam_handle_t *pamh = NULL;

	directory("initgroups");
	expect_refused("dora",
		       "group 'labnet' lists user 'dora', but the user's group list lacks it: a name service is failing");
	/* A primary group needs no list: ed is placed. */
	assert_int_equal(login("ed", &pamh), PAM_SUCCESS);
	assert_false(on_host());
	logout(pamh);
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
	static const char *const outages[] = { "passwd", "group", "initgroups" };
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
static void setup_world(const char *builddir)
{
	char text[8192], dir[4096];

	assert_int_equal(mkdir(CONFDIR, 0755), 0);
	test_write_file(CONFDIR "/nsswitch.conf",
		   "passwd: files usernetnstest\n"
		   "group: files usernetnstest\n"
		   "shadow: files\n"
		   "hosts: files\n");
	if (mount(CONFDIR "/nsswitch.conf", "/etc/nsswitch.conf", NULL, MS_BIND, NULL) < 0) {
		printf("Bail out! cannot bind a test nsswitch.conf: %s\n", strerror(errno));
		exit(1);
	}
	test_write_file(POLICY, policy_text);
	snprintf(text, sizeof(text),
		 "session required pam_permit.so\n"
		 "session required %s/pam/.libs/pam_usernetns.so conf=" POLICY "\n",
		 builddir);
	test_write_file(CONFDIR "/" SERVICE, text);
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
		cmocka_unit_test_setup(test_passwd_down, reset),
		cmocka_unit_test_setup(test_group_down, reset),
		cmocka_unit_test_setup(test_initgroups_down, reset),
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
	setup_world(builddir);
	assert_int_equal(netns_current(&host), 0);
	return cmocka_run_group_tests_name("nss", tests, NULL, NULL);
}
