/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam_usernetns.so through a real PAM stack: pam_start_confdir() on a
 * generated service file that names the built module by absolute path,
 * users from nss_wrapper, in the sandbox.  Every return code, logging,
 * shared and closing sessions, lingering processes, on_error, bad
 * policies, threads, forked children and unprivileged closes.
 *
 * What the module logs is caught by defining syslog() here: the program
 * exports it (-rdynamic), so libpam and the module call this one.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "pamtest.h"
#include "testutil.h"
#include "usernetns/netns.h"

#define CONFDIR "/run/pamtest"
#define SERVICE "uns-test"
#define POLICY CONFDIR "/usernetns.conf"

/* ---- PAM stacks ----------------------------------------------------------------- */

static char module_path[4096];

/* The service file: ours after a module that succeeds (test_pam_service()). */
static void write_service(const char *options)
{
	test_pam_service(CONFDIR "/" SERVICE, NULL, POLICY, options);
}

static const char good_policy[] =
	"[global]\n"
	"min_uid = 1000\n"
	"[default]\n"
	"mode = none\n"
	"[group:netusers]\n"
	"mode = veth\n"
	"pool4 = 10.200.0.0/16\n"
	"[user:erin]\n"
	"mode = isolated\n";

static pam_handle_t *start(const char *user)
{
	pam_handle_t *pamh = NULL;

	assert_int_equal(pam_start_confdir(SERVICE, user, &test_conversation, CONFDIR, &pamh),
			 PAM_SUCCESS);
	return pamh;
}

static struct netns_id host;

/* The module's own answer to opening user's session, without the stack. */
static int module_open(const char *user)
{
	int (*open_session)(pam_handle_t *, int, int, const char **);
	const char *args[] = { "conf=" POLICY };
	pam_handle_t *pamh;
	void *module;
	int r;

	module = dlopen(module_path, RTLD_NOW | RTLD_LOCAL);
	assert_non_null(module);
	*(void **)&open_session = dlsym(module, "pam_sm_open_session");
	assert_non_null(open_session);
	pamh = start(user);
	r = open_session(pamh, 0, 1, args);
	pam_end(pamh, PAM_SUCCESS);
	dlclose(module);
	return r;
}

static bool on_host(void)
{
	struct netns_id now;

	assert_int_equal(netns_current(&now), 0);
	return netns_id_equal(&now, &host);
}

static struct netns_id named(const char *name)
{
	enum netns_state state;
	struct netns_id id = { 0 };
	struct errbuf err;

	assert_int_equal(netns_open("/run/netns", name, &state, NULL, &id, &err), 0);
	if (state != NETNS_MOUNTED)
		fail_msg("namespace %s is not there", name);
	return id;
}

static bool exists(const char *name)
{
	enum netns_state state;
	struct errbuf err;

	return netns_open("/run/netns", name, &state, NULL, NULL, &err) == 0 &&
	       state == NETNS_MOUNTED;
}

/* Is this thread in the namespace mounted as name? */
static bool in_ns(const char *name)
{
	struct netns_id now, id = named(name);

	assert_int_equal(netns_current(&now), 0);
	return netns_id_equal(&now, &id);
}

static int count_sessions(uid_t uid)
{
	char *out = test_sh_out("ls /run/usernetns/sessions/%lu 2>/dev/null | wc -l",
				(unsigned long)uid);
	int n = atoi(out);

	free(out);
	return n;
}

static int reset(void **state)
{
	test_clean_host(true, CONFDIR);
	assert_int_equal(mkdir(CONFDIR, 0755), 0);
	test_write_file(POLICY, good_policy);
	write_service("");
	log_clear();
	/* Every test starts on the host. */
	if (!netns_id_equal(&host, &(struct netns_id){ 0 })) {
		int fd = open("/proc/1/ns/net", O_RDONLY | O_CLOEXEC);
		struct errbuf err;

		assert_true(fd >= 0);
		assert_int_equal(netns_enter(fd, &host, &err), 0);
		close(fd);
	}
	return 0;
}

/* ---- the tests -------------------------------------------------------------------- */

static void test_open_places_the_session(void **state)
{
	pam_handle_t *pamh = start("alice");
	const char *env;

	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	/* Verified placement: this thread is in the namespace of the name. */
	assert_true(in_ns("user-alice"));
	env = pam_getenv(pamh, "USERNETNS");
	assert_non_null(env);
	assert_string_equal(env, "user-alice");
	assert_int_equal(count_sessions(1001), 1);
	expect_log("pam_usernetns(uns-test:session): session of alice placed in network namespace user-alice (created)");
	/* It has its link and its address. */
	assert_int_equal(test_sh("ip -o -4 addr show dev eth0 | grep -q 10.200."), 0);

	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	assert_true(on_host());
	assert_false(exists("user-alice"));
	assert_int_equal(count_sessions(1001), 0);
	expect_log("last session of alice closed: its network namespace was removed");
	assert_int_equal(pam_end(pamh, PAM_SUCCESS), PAM_SUCCESS);
}

static void test_isolated_user(void **state)
{
	pam_handle_t *pamh = start("erin");

	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	assert_int_equal(test_sh("test $(ip -o link show | wc -l) -eq 1"), 0);
	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	pam_end(pamh, PAM_SUCCESS);
}

static void test_not_handled_is_ignored(void **state)
{
	pam_handle_t *pamh;

	/* The module's own answer, called directly: PAM_IGNORE. */
	assert_int_equal(module_open("bob"), PAM_IGNORE);

	write_service("debug");
	/* bob: mode none from [default]; the stack goes on without us. */
	pamh = start("bob");
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	assert_true(on_host());
	assert_null(pam_getenv(pamh, "USERNETNS"));
	expect_log("bob is not handled: mode none");
	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	expect_log("no session of bob was placed by this handle");
	pam_end(pamh, PAM_SUCCESS);
	/* root and system users: below min_uid. */
	pamh = start("root");
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	assert_true(on_host());
	expect_log("root is not handled: uid below min_uid");
	pam_end(pamh, PAM_SUCCESS);
	assert_int_equal(test_sh("ls /run/netns 2>/dev/null | wc -l | grep -qx 0"), 0);
}

static void test_unknown_user(void **state)
{
	pam_handle_t *pamh = start("mallory");

	assert_int_equal(pam_open_session(pamh, 0), PAM_USER_UNKNOWN);
	expect_log("unknown user 'mallory'");
	pam_end(pamh, PAM_SUCCESS);
}

static void test_debug_logging_is_optional(void **state)
{
	pam_handle_t *pamh = start("alice");

	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	assert_null(strstr(logbuf, "<7>"));
	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	pam_end(pamh, PAM_SUCCESS);

	log_clear();
	write_service("debug");
	pamh = start("alice");
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	expect_log("<7>pam_usernetns(uns-test:session): alice: namespace inode ");
	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	pam_end(pamh, PAM_SUCCESS);
}

static void test_unknown_options_are_logged(void **state)
{
	pam_handle_t *pamh;

	write_service("debug=1 frobnicate lock_timeout=x");
	pamh = start("alice");
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	expect_log("unknown or malformed option: debug=1");
	expect_log("unknown or malformed option: frobnicate");
	expect_log("option lock_timeout=x: not a number of milliseconds");
	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	pam_end(pamh, PAM_SUCCESS);
}

static void test_two_sessions_share_one_namespace(void **state)
{
	pam_handle_t *a = start("alice"), *b = start("alice");
	struct netns_id first;

	assert_int_equal(pam_open_session(a, 0), PAM_SUCCESS);
	first = named("user-alice");
	/* The second login starts inside the first's namespace, as su would. */
	assert_int_equal(pam_open_session(b, 0), PAM_SUCCESS);
	assert_true(in_ns("user-alice"));
	assert_true(netns_id_equal(&first, &(struct netns_id){ named("user-alice").dev,
							       named("user-alice").ino }));
	expect_log("session of alice placed in network namespace user-alice (existing)");
	assert_int_equal(count_sessions(1001), 2);
	assert_int_equal(test_sh("test $(ip -o link show type veth | wc -l) -eq 1"), 0);

	/* Teardown happens on the last close only. */
	assert_int_equal(pam_close_session(a, 0), PAM_SUCCESS);
	assert_true(exists("user-alice"));
	assert_int_equal(count_sessions(1001), 1);
	assert_int_equal(pam_close_session(b, 0), PAM_SUCCESS);
	assert_false(exists("user-alice"));
	pam_end(a, PAM_SUCCESS);
	pam_end(b, PAM_SUCCESS);
}

static int wait_for_signal(void *data, struct errbuf *msg)
{
	pause();
	return 0;
}

static void test_lingering_process_keeps_namespace(void **state)
{
	pam_handle_t *pamh = start("alice");
	struct test_child child;

	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	/* The user's shell left something running: it inherits the namespace. */
	child = test_child_start(wait_for_signal, NULL, NULL);
	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	expect_log("last session of alice closed: namespace kept, process");
	assert_true(exists("user-alice"));
	pam_end(pamh, PAM_SUCCESS);

	/* Once it is gone, the next logout takes the namespace. */
	kill(child.pid, SIGKILL);
	assert_int_not_equal(test_child_wait(&child, TEST_WAIT_MS, NULL, 0), -1);
	pamh = start("alice");
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	assert_false(exists("user-alice"));
	pam_end(pamh, PAM_SUCCESS);
}

static char lone_thread_path[4096];

/*
 * tests/lone-thread MODE as uid, in the calling thread's namespace: a
 * process that stays inside through a thread only.  Returns once it is.
 */
struct lone_thread {
	const char *mode;
	uid_t uid;
	int out; /* its standard output */
};

static int exec_lone_thread(void *data, struct errbuf *msg)
{
	const struct lone_thread *l = data;

	if (dup2(l->out, STDOUT_FILENO) < 0 || setgroups(0, NULL) < 0 ||
	    setresgid(l->uid, l->uid, l->uid) < 0 || setresuid(l->uid, l->uid, l->uid) < 0)
		return 126;
	execl(lone_thread_path, "lone-thread", l->mode, (char *)NULL);
	return 127;
}

static struct test_child start_lone_thread(const char *mode, uid_t uid)
{
	struct test_child child;
	char ready[8] = "";
	int fds[2];

	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	child = test_child_start(exec_lone_thread, &(struct lone_thread){ mode, uid, fds[1] },
				 NULL);
	close(fds[1]);
	/* One write of "ready\n" (atomic on a pipe), or end of file if it failed. */
	if (read(fds[0], ready, sizeof(ready) - 1) < 0 || strcmp(ready, "ready\n") != 0)
		fail_msg("lone-thread %s did not start", mode);
	close(fds[0]);
	return child;
}

/* The last logout leaves the namespace to a process with a thread inside. */
static void lingering_thread_keeps_namespace(const char *mode, uid_t uid)
{
	pam_handle_t *pamh = start("alice");
	struct test_child child;
	char msg[128];

	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	child = start_lone_thread(mode, uid);
	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	snprintf(msg, sizeof(msg),
		 "last session of alice closed: namespace kept, process %ld still in it",
		 (long)child.pid);
	expect_log(msg);
	assert_true(exists("user-alice"));
	pam_end(pamh, PAM_SUCCESS);

	/* Once it is gone, the next logout takes the namespace. */
	kill(child.pid, SIGKILL);
	assert_int_not_equal(test_child_wait(&child, TEST_WAIT_MS, NULL, 0), -1);
	pamh = start("alice");
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	assert_false(exists("user-alice"));
	pam_end(pamh, PAM_SUCCESS);
}

/* alice's main thread exits: a zombie leader, with no namespace to show. */
static void test_thread_of_exited_leader_keeps_namespace(void **state)
{
	lingering_thread_keeps_namespace("leader-exits", 1001);
}

/*
 * The main thread moves to a namespace of its own.  Root's process: a
 * user needs a user namespace of their own for that (test-helpers.sh has
 * alice do it), and the count does not care whose the process is.
 */
static void test_thread_left_behind_keeps_namespace(void **state)
{
	lingering_thread_keeps_namespace("leader-leaves", 0);
}

static void test_teardown_never(void **state)
{
	pam_handle_t *pamh;

	test_write_file(POLICY, "[global]\nteardown = never\n[group:netusers]\nmode = veth\n"
			   "pool4 = 10.200.0.0/16\n");
	pamh = start("alice");
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	assert_true(exists("user-alice"));
	assert_int_equal(count_sessions(1001), 0);
	pam_end(pamh, PAM_SUCCESS);
}

static void test_failure_with_on_error_fail(void **state)
{
	pam_handle_t *pamh = start("alice");

	/* Somebody else's interface under alice's host end name. */
	assert_int_equal(test_sh("ip link add vu1001 type veth peer name other0"), 0);
	assert_int_equal(pam_open_session(pamh, 0), PAM_SYSTEM_ERR);
	expect_log("<3>pam_usernetns(uns-test:session): cannot place the session of alice in its network namespace: interface 'vu1001' exists on the host and was not made by usernetns for uid 1001");
	expect_log("refusing the session");
	/* Nothing half-done: still on the host, no namespace, no session. */
	assert_true(on_host());
	assert_false(exists("user-alice"));
	assert_int_equal(count_sessions(1001), 0);
	assert_null(pam_getenv(pamh, "USERNETNS"));
	pam_end(pamh, PAM_SUCCESS);
}

/*
 * Mode nat without the host's side (no table loaded): the session is
 * placed, its namespace whole, but it has no way out; the log says so,
 * and what to run.
 */
static void test_nat_without_host_side_is_loud(void **state)
{
	pam_handle_t *pamh;

	test_write_file(POLICY, "[group:netusers]\nmode = nat\npool4 = 10.210.0.0/16\n");
	pamh = start("alice");
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	assert_true(in_ns("user-alice"));
	expect_log("<3>pam_usernetns(uns-test:session): mode nat for alice: the host's side is not in place (table inet usernetns is not loaded): the session has no way out; run usernetns-firewall --load");
	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	pam_end(pamh, PAM_SUCCESS);
}

/*
 * A table loaded before the policy changed: the login finds it stale
 * from the digest in its comment, without running nft, and says so.
 */
static void test_nat_with_stale_table_is_loud(void **state)
{
	static const char policy[] = "[global]\nforwarding = enable\n"
				     "[group:netusers]\nmode = nat\npool4 = 10.210.0.0/16\n"
				     "uplink = lo\n";
	char text[sizeof(policy) + 64];
	pam_handle_t *pamh;

	test_write_file(POLICY, policy);
	assert_int_equal(test_sh("\"$USERNETNS_BUILDDIR/helpers/usernetns-firewall\" --load "
				 "--config " POLICY),
			 0);
	pamh = start("alice");
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	assert_null(strstr(logbuf, "not in place"));
	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	pam_end(pamh, PAM_SUCCESS);

	snprintf(text, sizeof(text), "%s[group:later]\nmode = veth\npool4 = 10.220.0.0/16\n",
		 policy);
	test_write_file(POLICY, text);
	pamh = start("alice");
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	expect_log("<3>pam_usernetns(uns-test:session): mode nat for alice: the host's side is not in place (table inet usernetns is stale: not what the policy makes now)");
	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	pam_end(pamh, PAM_SUCCESS);
	assert_int_equal(test_sh("nft delete table inet usernetns"), 0);
}

static void test_failure_with_on_error_ignore(void **state)
{
	pam_handle_t *pamh;

	test_write_file(POLICY, "[global]\non_error = ignore\n[group:netusers]\nmode = veth\n"
			   "pool4 = 10.200.0.0/16\n");
	assert_int_equal(test_sh("ip link add vu1001 type veth peer name other0"), 0);
	pamh = start("alice");
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	assert_null(pam_getenv(pamh, "USERNETNS"));
	expect_log("it stays on the host network (on_error = ignore)");
	assert_true(on_host());
	assert_false(exists("user-alice"));
	pam_end(pamh, PAM_SUCCESS);
}

static void test_bad_policy_fails_closed_for_everyone(void **state)
{
	pam_handle_t *pamh;

	test_write_file(POLICY, "[global]\nmin_uid = 1000\n[group:netusers]\nmode = vteh\n");
	/* alice would be handled, bob would not: both are refused. */
	pamh = start("alice");
	assert_int_equal(pam_open_session(pamh, 0), PAM_SYSTEM_ERR);
	expect_log(POLICY ":4: mode = vteh: expected none, isolated, veth, bridge or nat");
	expect_log("policy " POLICY " is not usable; refusing the session");
	pam_end(pamh, PAM_SUCCESS);
	pamh = start("bob");
	assert_int_equal(pam_open_session(pamh, 0), PAM_SYSTEM_ERR);
	pam_end(pamh, PAM_SUCCESS);

	/* Unless the broken policy itself says on_error = ignore. */
	test_write_file(POLICY, "[global]\non_error = ignore\n[group:netusers]\nmode = vteh\n");
	pamh = start("alice");
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	expect_log("policy " POLICY " is not usable; it stays on the host network (on_error = ignore)");
	assert_true(on_host());
	pam_end(pamh, PAM_SUCCESS);

	/* A missing or unsafe policy is no better. */
	assert_int_equal(chmod(POLICY, 0666), 0);
	pamh = start("alice");
	assert_int_equal(pam_open_session(pamh, 0), PAM_SYSTEM_ERR);
	expect_log("is writable by group or others");
	pam_end(pamh, PAM_SUCCESS);
	assert_int_equal(unlink(POLICY), 0);
	pamh = start("alice");
	assert_int_equal(pam_open_session(pamh, 0), PAM_SYSTEM_ERR);
	expect_log(POLICY ": cannot open: No such file or directory");
	pam_end(pamh, PAM_SUCCESS);
	assert_false(exists("user-alice"));
}

/*
 * Under a policy that cannot be used, root (uid 0) and sys (999, below
 * min_uid) are left alone, PAM_IGNORE, with a LOG_CRIT line naming the
 * file and the problem; alice (1001, whom the policy would place) and
 * bob (1002, mode none) are refused.  label says which policy.
 */
static void expect_system_accounts_spared(const char *label, const char *problem)
{
	static const char *const spared[] = { "root", "sys" };
	static const char *const refused[] = { "alice", "bob" };
	char needle[512], prefixed[600];
	pam_handle_t *pamh;

	snprintf(needle, sizeof(needle), "policy " POLICY " is not usable (%s", problem);
	/* As journalctl -g pam_usernetns finds it: pam_syslog()'s prefix. */
	snprintf(prefixed, sizeof(prefixed), "<2>pam_usernetns(uns-test:session): %s", needle);
	for (size_t i = 0; i < ELEMENTSOF(spared); i++) {
		log_clear();
		if (module_open(spared[i]) != PAM_IGNORE)
			fail_msg("%s: %s was not left alone", label, spared[i]);
		expect_log(needle);
		expect_log("goes on, on the host network");
		/* Through the stack: the session opens and stays on the host. */
		log_clear();
		pamh = start(spared[i]);
		assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
		assert_true(on_host());
		expect_log(prefixed);
		/* The calling program's identifier, facility authpriv. */
		assert_int_equal(log_priority(prefixed + 3), LOG_AUTHPRIV | LOG_CRIT);
		assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
		pam_end(pamh, PAM_SUCCESS);
	}
	for (size_t i = 0; i < ELEMENTSOF(refused); i++) {
		log_clear();
		if (module_open(refused[i]) != PAM_SYSTEM_ERR)
			fail_msg("%s: %s was not refused", label, refused[i]);
		expect_log("is not usable; refusing the session");
		assert_null(strstr(logbuf, "<2>"));
		pamh = start(refused[i]);
		assert_int_equal(pam_open_session(pamh, 0), PAM_SYSTEM_ERR);
		assert_true(on_host());
		pam_end(pamh, PAM_SUCCESS);
	}
	assert_int_equal(test_sh("ls /run/netns 2>/dev/null | wc -l | grep -qx 0"), 0);
}

/*
 * One typo or one chmod locked everybody out in the field: not even root
 * could log in (ssh with a key, su -, sudo -i, its cron jobs) without a
 * rescue boot.  A second [global], whose min_uid is not read:
 */
static void test_duplicate_global_spares_system_accounts(void **state)
{
	char text[sizeof(good_policy) + 64];

	snprintf(text, sizeof(text), "%s[global]\nmin_uid = 2000\n", good_policy);
	test_write_file(POLICY, text);
	expect_system_accounts_spared("duplicate [global]",
				      POLICY ":10: duplicate section [global] (first at line 1)): ");
}

static void test_writable_policy_spares_system_accounts(void **state)
{
	assert_int_equal(chmod(POLICY, 0666), 0);
	expect_system_accounts_spared("mode 0666",
				      POLICY ": is writable by group or others (mode 0666); run chmod go-w on it): ");
}

static void test_missing_policy_spares_system_accounts(void **state)
{
	assert_int_equal(unlink(POLICY), 0);
	expect_system_accounts_spared("missing", POLICY ": cannot open: No such file or directory): ");
}

static void test_writable_directory_spares_system_accounts(void **state)
{
	assert_int_equal(chmod(CONFDIR, 0777), 0);
	expect_system_accounts_spared("directory writable by others",
				      POLICY ": directory " CONFDIR " is writable by group or others (mode 0777)): ");
	assert_int_equal(chmod(CONFDIR, 0755), 0);
}

/* Open user's session directly: the module's answer, with the log checked. */
static void expect_open(const char *user, int code, const char *needle)
{
	log_clear();
	if (module_open(user) != code) {
		expect_log("(no log)");
		fail_msg("%s: not %d", user, code);
	}
	if (needle)
		expect_log(needle);
	assert_true(on_host());
}

/*
 * Who is spared is decided by min_uid as the broken file's own valid line
 * says, if it is safe to read; else by the built-in 1000.  Root always.
 */
static void test_broken_policy_keeps_its_min_uid(void **state)
{
	/* Lower: sys (999) is one of the users the admin meant to handle. */
	test_write_file(POLICY, "[global]\nmin_uid = 500\n[group:netusers]\nmode = vteh\n");
	expect_open("sys", PAM_SYSTEM_ERR, "is not usable; refusing the session");
	expect_open("root", PAM_IGNORE, "(uid 0: root is never refused for want of a policy)");
	/* Even with min_uid = 0: root in a namespace would be confined in nothing. */
	test_write_file(POLICY, "[global]\nmin_uid = 0\n[group:netusers]\nmode = vteh\n");
	expect_open("root", PAM_IGNORE, "<2>");
	expect_open("sys", PAM_SYSTEM_ERR, NULL);

	/* Higher: alice (1001) is below it, as with a valid policy. */
	test_write_file(POLICY, "[global]\nmin_uid = 2000\n[group:netusers]\nmode = vteh\n");
	expect_open("alice", PAM_IGNORE,
		    "(uid 1001 is below min_uid 2000 (line 2 of the policy)); every other session is refused until the policy is fixed");
	expect_open("user01", PAM_SYSTEM_ERR, "is not usable; refusing the session");

	/* A min_uid that is itself wrong: the built-in 1000. */
	test_write_file(POLICY, "[global]\nmin_uid = 2O00\n");
	expect_open("alice", PAM_SYSTEM_ERR, POLICY ":2: min_uid = 2O00: not a decimal number");
	expect_open("sys", PAM_IGNORE, "(uid 999 is below min_uid 1000 (the built-in default))");

	/* A file others may write is not read: its min_uid counts for nothing. */
	test_write_file(POLICY, "[global]\nmin_uid = 4294967294\n");
	assert_int_equal(chmod(POLICY, 0646), 0);
	expect_open("alice", PAM_SYSTEM_ERR, "is not usable; refusing the session");
	expect_open("bigid", PAM_SYSTEM_ERR, NULL);
	expect_open("sys", PAM_IGNORE, "(the built-in default)");

	/* The broken file's on_error = ignore still holds for the others. */
	test_write_file(POLICY, "[global]\non_error = ignore\n[group:netusers]\nmode = vteh\n");
	expect_open("alice", PAM_IGNORE, "cannot place the session of alice in its network namespace: policy " POLICY " is not usable; it stays on the host network (on_error = ignore)");
	expect_open("root", PAM_IGNORE, "every other session stays on the host network too (on_error = ignore)");
}

/* Log alice in under policy file path: must be refused, with a reason. */
static void expect_refused(const char *label, bool with_line)
{
	pam_handle_t *pamh;
	char needle[128];

	log_clear();
	pamh = start("alice");
	if (pam_open_session(pamh, 0) != PAM_SYSTEM_ERR)
		fail_msg("%s: not refused", label);
	pam_end(pamh, PAM_SUCCESS);
	assert_true(on_host());
	assert_false(exists("user-alice"));
	/* Every problem names the file, and the line where there is one. */
	snprintf(needle, sizeof(needle), "%s%s", POLICY, with_line ? ":" : ": ");
	if (!strstr(logbuf, needle))
		fail_msg("%s: no message naming %s", label, needle);
	if (with_line) {
		const char *s = strstr(logbuf, POLICY ":");

		if (!s || s[strlen(POLICY) + 1] < '1' || s[strlen(POLICY) + 1] > '9')
			fail_msg("%s: no line number in the message", label);
	}
	expect_log("is not usable; refusing the session");
}

static void test_every_bad_policy_fails_closed(void **state)
{
	const char *fixtures = getenv("USERNETNS_FIXTURES");
	char cmd[4096], *list, *name, *save = NULL;
	unsigned int n = 0;

	/* The fixtures: one file per class of mistake. */
	assert_non_null(fixtures);
	list = test_sh_out("ls %s/bad", fixtures);
	assert_non_null(list);
	for (name = strtok_r(list, "\n", &save); name; name = strtok_r(NULL, "\n", &save)) {
		snprintf(cmd, sizeof(cmd), "install -m 0644 %s/bad/%s " POLICY, fixtures, name);
		assert_int_equal(test_sh("%s", cmd), 0);
		expect_refused(name, true);
		n++;
	}
	free(list);

	/* Hostile sizes: a 1 MiB line, 100000 sections. */
	assert_int_equal(test_sh("{ echo '[global]'; printf 'netns_name = '; head -c 1048576 /dev/zero |"
				 " tr '\\0' a; echo; } > " POLICY), 0);
	expect_refused("1 MiB line", true);
	expect_log(POLICY ":2: line is too long (1048589 characters; the limit is 199)");
	assert_int_equal(test_sh("seq 1 100000 | sed 's/.*/[user:u&]\\nmode = isolated/' > " POLICY), 0);
	expect_refused("100000 sections", true);
	expect_log(POLICY ":20001: too many sections (the limit is 10000)");
	n += 2;

	/* The file itself: a symbolic link, writable by others, a FIFO. */
	assert_int_equal(test_sh("printf '[group:netusers]\\nmode = veth\\npool4 = 10.200.0.0/16\\n'"
				 " > " CONFDIR "/real.conf && chmod 0644 " CONFDIR "/real.conf &&"
				 " ln -sf real.conf " POLICY), 0);
	expect_refused("symbolic link", false);
	expect_log(POLICY ": is a symbolic link; the policy must be a regular file");
	assert_int_equal(test_sh("rm " POLICY " && cp " CONFDIR "/real.conf " POLICY
				 " && chmod 0646 " POLICY), 0);
	expect_refused("world-writable", false);
	assert_int_equal(test_sh("rm " POLICY " && mkfifo -m 0644 " POLICY), 0);
	expect_refused("FIFO", false);
	expect_log(POLICY ": is not a regular file");
	n += 3;
	printf("# %u bad policies: every login refused, with the file (and line) named\n", n);
}

static void *sleeper(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

/*
 * The handle of a child's login that ends with its process, the session
 * left open (as a login process that dies): kept where valgrind sees it
 * still reachable when the child exits, as it is.
 */
static pam_handle_t *left_open;

static int login_with_a_thread(void *data, struct errbuf *msg)
{
	pthread_t t;
	int r;

	if (pthread_create(&t, NULL, sleeper, NULL) != 0)
		return 2;
	pam_start_confdir(SERVICE, "alice", &test_conversation, CONFDIR, &left_open);
	r = pam_open_session(left_open, 0);
	if (r != PAM_SYSTEM_ERR)
		return 3;
	if (!strstr(logbuf, "the calling process has 2 threads"))
		return 4;
	if (exists("user-alice"))
		return 5;
	return 0;
}

static void test_multithreaded_caller_is_refused(void **state)
{
	/* In a child: a thread that never ends would outlive the test. */
	assert_int_equal(test_child_run(login_with_a_thread, NULL, NULL, NULL, 0), 0);
}

static int end_silently(void *data, struct errbuf *msg)
{
	return pam_end(data, PAM_SUCCESS | PAM_DATA_SILENT) == PAM_SUCCESS ? 0 : 1;
}

static void test_forked_child_tears_nothing_down(void **state)
{
	pam_handle_t *pamh = start("alice");

	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	/* As sshd's session child: drops the handle without closing. */
	assert_int_equal(test_child_run(end_silently, pamh, NULL, NULL, 0), 0);
	assert_true(exists("user-alice"));
	assert_int_equal(count_sessions(1001), 1);
	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	assert_false(exists("user-alice"));
	pam_end(pamh, PAM_SUCCESS);
}

/* In a network namespace of its own: login and logout; 0, or what went wrong (10-17). */
static int login_from_elsewhere(void *data, struct errbuf *msg)
{
	struct netns_id mgmt, now;
	pam_handle_t *pamh = NULL;

	if (unshare(CLONE_NEWNET) < 0 || netns_current(&mgmt) < 0)
		return 10;
	if (pam_start_confdir(SERVICE, "alice", &test_conversation, CONFDIR, &pamh) !=
		    PAM_SUCCESS ||
	    pam_open_session(pamh, 0) != PAM_SUCCESS)
		return 11;
	if (netns_current(&now) < 0 || netns_id_equal(&now, &mgmt) || !exists("user-alice"))
		return 12;
	if (pam_close_session(pamh, 0) != PAM_SUCCESS)
		return 13;
	pam_end(pamh, PAM_SUCCESS);
	if (netns_current(&now) < 0 || !netns_id_equal(&now, &mgmt))
		return 14;
	if (exists("user-alice"))
		return 15;
	if (if_nametoindex("vu1001") != 0)
		return 16;
	if (!strstr(logbuf, "last session of alice closed: its network namespace was removed"))
		return 17;
	return 0;
}

/*
 * A login service outside init's network namespace (sshd with systemd's
 * NetworkNamespacePath=, or started by ip netns exec mgmt): the user's
 * namespace is made from there, and the logout, which starts inside the
 * user's namespace, finds its way back there and removes it.
 */
static void test_login_service_outside_init_namespace(void **state)
{
	static const char *const why[] = {
		[10] = "cannot make the management namespace",
		[11] = "the login failed",
		[12] = "the session was not placed",
		[13] = "the logout failed",
		[14] = "the logout did not return to the management namespace",
		[15] = "the namespace was kept",
		[16] = "the host end was kept",
		[17] = "the log does not say it was removed",
	};
	int r = test_child_run(login_from_elsewhere, NULL, NULL, NULL, 0);

	assert_true(r >= 0 && r < 128);
	if (r != 0)
		fail_msg("from a management namespace: %s",
			 (size_t)r < ELEMENTSOF(why) && why[r] ? why[r] : "the child failed");
	assert_false(exists("user-alice"));
}

/* As systemd's (sd-pam): the close runs after dropping to the user. */
static int close_as_user(void *data, struct errbuf *msg)
{
	if (setgid(1001) < 0 || setuid(1001) < 0)
		return 2;
	if (pam_close_session(data, 0) != PAM_SUCCESS)
		return 3;
	return strstr(logbuf, "not running as root") ? 0 : 4;
}

static void test_unprivileged_close_does_no_harm(void **state)
{
	pam_handle_t *pamh;

	write_service("debug");
	pamh = start("alice");
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	assert_int_equal(test_child_run(close_as_user, pamh, NULL, NULL, 0), 0);
	assert_true(exists("user-alice"));
	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	pam_end(pamh, PAM_SUCCESS);
}

/* A login whose session stays open: the process is gone. */
static int login_and_go(void *data, struct errbuf *msg)
{
	if (pam_start_confdir(SERVICE, "alice", &test_conversation, CONFDIR, &left_open) !=
		    PAM_SUCCESS ||
	    pam_open_session(left_open, 0) != PAM_SUCCESS)
		return 1;
	return 0;
}

static void test_concurrent_logins(void **state)
{
	struct test_child children[50];
	int failures = 0;

	/* Fifty logins of alice at once, each a process of its own. */
	for (int i = 0; i < 50; i++)
		children[i] = test_child_start(login_and_go, NULL, NULL);
	for (int i = 0; i < 50; i++)
		if (test_child_wait(&children[i], TEST_WAIT_MS, NULL, 0) != 0)
			failures++;
	assert_int_equal(failures, 0);
	assert_int_equal(test_sh("test $(ls /run/netns | wc -l) -eq 1"), 0);
	assert_int_equal(test_sh("test $(ip -o link show type veth | wc -l) -eq 1"), 0);
	/* Their processes died without closing: the next close drops them all. */
	{
		pam_handle_t *pamh = start("alice");

		assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
		assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
		assert_int_equal(count_sessions(1001), 0);
		assert_false(exists("user-alice"));
		pam_end(pamh, PAM_SUCCESS);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_open_places_the_session, reset),
		cmocka_unit_test_setup(test_isolated_user, reset),
		cmocka_unit_test_setup(test_not_handled_is_ignored, reset),
		cmocka_unit_test_setup(test_unknown_user, reset),
		cmocka_unit_test_setup(test_debug_logging_is_optional, reset),
		cmocka_unit_test_setup(test_unknown_options_are_logged, reset),
		cmocka_unit_test_setup(test_two_sessions_share_one_namespace, reset),
		cmocka_unit_test_setup(test_lingering_process_keeps_namespace, reset),
		cmocka_unit_test_setup(test_thread_of_exited_leader_keeps_namespace, reset),
		cmocka_unit_test_setup(test_thread_left_behind_keeps_namespace, reset),
		cmocka_unit_test_setup(test_teardown_never, reset),
		cmocka_unit_test_setup(test_failure_with_on_error_fail, reset),
		cmocka_unit_test_setup(test_failure_with_on_error_ignore, reset),
		cmocka_unit_test_setup(test_nat_without_host_side_is_loud, reset),
		cmocka_unit_test_setup(test_nat_with_stale_table_is_loud, reset),
		cmocka_unit_test_setup(test_bad_policy_fails_closed_for_everyone, reset),
		cmocka_unit_test_setup(test_every_bad_policy_fails_closed, reset),
		cmocka_unit_test_setup(test_duplicate_global_spares_system_accounts, reset),
		cmocka_unit_test_setup(test_writable_policy_spares_system_accounts, reset),
		cmocka_unit_test_setup(test_missing_policy_spares_system_accounts, reset),
		cmocka_unit_test_setup(test_writable_directory_spares_system_accounts, reset),
		cmocka_unit_test_setup(test_broken_policy_keeps_its_min_uid, reset),
		cmocka_unit_test_setup(test_multithreaded_caller_is_refused, reset),
		cmocka_unit_test_setup(test_forked_child_tears_nothing_down, reset),
		cmocka_unit_test_setup(test_login_service_outside_init_namespace, reset),
		cmocka_unit_test_setup(test_unprivileged_close_does_no_harm, reset),
		cmocka_unit_test_setup(test_concurrent_logins, reset),
	};

	const char *builddir = getenv("USERNETNS_BUILDDIR");

	(void)argc;
	if (!builddir) {
		printf("Bail out! USERNETNS_BUILDDIR is not set\n");
		return 1;
	}
	snprintf(module_path, sizeof(module_path), "%s/pam/.libs/pam_usernetns.so",
		 builddir);
	snprintf(lone_thread_path, sizeof(lone_thread_path), "%s/tests/lone-thread", builddir);
	test_use_nss_wrapper(argv);
	test_sandbox();
	assert_int_equal(netns_current(&host), 0);
	return cmocka_run_group_tests_name("pam", tests, NULL, NULL);
}
