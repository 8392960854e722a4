/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crash at every step, and fail at every step.
 *
 * Built against the test build of the library (-DUSERNETNS_FAULTS), this
 * first records every fault point a login (session_open(), what the PAM
 * module runs) and a logout (session_close()) pass, then for each one:
 *   - kills the process there, and checks that the next login succeeds
 *     and leaves exactly what a clean login leaves, and the logout after
 *     it exactly what a clean logout leaves;
 *   - makes the step fail with EEXIST, EBUSY, ENOBUFS, ENOMEM and EPERM,
 *     and checks that the login fails cleanly, leaving nothing half made.
 * "Exactly" is a normalised text snapshot (tests/integration/snapshot.sh)
 * of names, mounts, links, addresses, routes, records and leases.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "usernetns/ensure.h"
#include "usernetns/session.h"

#define TRACE "/run/fault-trace"
#define ID_FILE "/run/fault-session-id"

/* Every step a login can take: link, addresses, routes, dns, names. */
static const char policy_text[] =
	"[global]\n"
	"hostname = %u.netns\n"
	"[group:netusers]\n"
	"mode = veth\n"
	"pool4 = 10.200.0.0/16\n"
	"pool6 = fd42:200::/48\n"
	"dns = host-end\n";

static const char *const injected[] = { "EEXIST", "EBUSY", "ENOBUFS", "ENOMEM", "EPERM" };

static struct policy *policy;
static char snapshot_cmd[4096];
static char *clean_up, *clean_down, *clean_down_noleases;
static unsigned int crashes, failures, logins;

struct point {
	char name[64];
	int count;
};

static struct point open_points[64], close_points[64];
static size_t n_open_points, n_close_points;

static char *snapshot(const char *extra)
{
	return test_sh_out("%s %s", snapshot_cmd, extra);
}

/* Nothing of alice left, leases and her last placement too: the start of every case. */
static void reset(void)
{
	test_clean_host(false, USERNETNS_STATEDIR "/leases " USERNETNS_STATEDIR "/placements " TRACE
			       " " ID_FILE);
}

enum outcome {
	OK,
	FAILED,
	CRASHED,
};

/*
 * In a child, as a login process would: login (open) or logout (close),
 * with fault (may be NULL) set.  The child's session id is kept in
 * ID_FILE between the two.
 */
static enum outcome run_as(const char *user, bool open, const char *fault, char *ret_err,
			   size_t size)
{
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct errbuf err = { "" };
		int r;

		close(pipefd[0]);
		if (fault)
			setenv("USERNETNS_FAULT", fault, 1);
		struct plan plan;

		if (plan_resolve(policy, &uns_paths_default, user, &plan, &err) < 0)
			_exit(3);
		if (open) {
			struct session_open_result res;

			r = session_open(&uns_paths_default, &plan, getpid(), "faults",
					 STATE_LOCK_TIMEOUT_MS, &res, &err);
			/*
			 * A failed login has undone what it made by the time
			 * it returns: nothing is left for the kernel to tear
			 * down later, when a test (or a login) may look.
			 */
			/* A group's worker killed at a crash point: a crash, not a failure. */
			if (r == -ECHILD)
				_exit(5);
			if (r < 0 && if_nametoindex(plan.host_ifname) != 0) {
				dprintf(pipefd[1], "left the host end %s behind (%s)",
					plan.host_ifname, err.msg);
				_exit(4);
			}
			if (r == 0) {
				FILE *f = fopen(ID_FILE, "we");

				if (!f || fprintf(f, "%s", res.id) < 0 || fclose(f) != 0)
					_exit(3);
			}
		} else {
			struct session_close_result res;
			char id[SESSION_ID_MAX] = "";
			FILE *f = fopen(ID_FILE, "re");

			if (f) {
				if (!fgets(id, sizeof(id), f))
					id[0] = '\0';
				fclose(f);
			}
			r = session_close(&uns_paths_default, plan.owner, id[0] ? id : NULL,
					  POLICY_TEARDOWN_LAST_LOGOUT, STATE_LOCK_TIMEOUT_MS,
					  &res, &err);
		}
		if (r < 0 && write(pipefd[1], err.msg, strlen(err.msg)) < 0)
			_exit(3);
		_exit(r < 0 ? 1 : 0);
	}
	close(pipefd[1]);
	n = read(pipefd[0], ret_err, size - 1);
	ret_err[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if ((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ||
	    (WIFEXITED(status) && WEXITSTATUS(status) == 5))
		return CRASHED;
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 3)
		fail_msg("the test child could not run");
	if (WEXITSTATUS(status) == 4)
		fail_msg("%s: %s", fault ? fault : "no fault", ret_err);
	return WEXITSTATUS(status) == 0 ? OK : FAILED;
}

static enum outcome run(bool open, const char *fault, char *ret_err, size_t size)
{
	return run_as("alice", open, fault, ret_err, size);
}

static void must(bool open, const char *what)
{
	char err[1024];

	if (run(open, NULL, err, sizeof(err)) != OK)
		fail_msg("%s: %s failed: %s", what, open ? "login" : "logout", err);
	logins += open;
}

static void expect_snapshot(const char *want, const char *extra, const char *what)
{
	char *now = snapshot(extra);

	if (strcmp(now, want) != 0) {
		printf("# expected:\n%s# got:\n%s", want, now);
		free(now);
		fail_msg("%s: the state differs from a clean run's", what);
	}
	free(now);
}

/* Read the trace of points into v, counting repeats. */
static size_t read_points(struct point *v, size_t max)
{
	char *text = test_sh_out("cat " TRACE " 2>/dev/null"), *line, *save = NULL;
	size_t n = 0;

	assert_non_null(text);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t i;

		for (i = 0; i < n && strcmp(v[i].name, line) != 0; i++)
			;
		if (i == n) {
			assert_true(n < max);
			snprintf(v[n].name, sizeof(v[n].name), "%s", line);
			n++;
		}
		v[i].count++;
	}
	free(text);
	return n;
}

static void test_clean_run_and_points(void **state)
{
	reset();
	setenv("USERNETNS_FAULT", "trace", 1);
	setenv("USERNETNS_FAULT_TRACE", TRACE, 1);
	must(true, "traced login");
	unsetenv("USERNETNS_FAULT");
	n_open_points = read_points(open_points, 64);
	clean_up = snapshot("nosessions");

	unlink(TRACE);
	setenv("USERNETNS_FAULT", "trace", 1);
	must(false, "traced logout");
	unsetenv("USERNETNS_FAULT");
	n_close_points = read_points(close_points, 64);
	clean_down = snapshot("");
	clean_down_noleases = snapshot("noleases");

	/* The login passes the steps that change state, each one at least. */
	assert_true(n_open_points >= 15);
	assert_true(n_close_points >= 4);
	assert_non_null(strstr(clean_up, "== namespace user-alice"));
	assert_null(strstr(clean_down, "user-alice"));
	for (size_t i = 0; i < n_open_points; i++)
		printf("# login point %s x%d\n", open_points[i].name, open_points[i].count);
	for (size_t i = 0; i < n_close_points; i++)
		printf("# logout point %s x%d\n", close_points[i].name, close_points[i].count);
}

static void test_crash_at_every_login_step(void **state)
{
	char spec[128], what[160], err[1024];

	for (size_t i = 0; i < n_open_points; i++)
		for (int k = 1; k <= open_points[i].count; k++) {
			snprintf(spec, sizeof(spec), "%.63s=crash@%d", open_points[i].name, k);
			snprintf(what, sizeof(what), "crash at %.120s", spec);
			reset();
			if (run(true, spec, err, sizeof(err)) != CRASHED)
				fail_msg("%s: the login did not crash", spec);
			crashes++;
			/* The next login repairs whatever the crash left. */
			must(true, what);
			expect_snapshot(clean_up, "nosessions", what);
			must(false, what);
			expect_snapshot(clean_down, "", what);
		}
	printf("# %u crashes during login, each repaired\n", crashes);
}

static void test_crash_at_every_logout_step(void **state)
{
	char spec[128], what[160], err[1024];
	unsigned int n = 0;

	for (size_t i = 0; i < n_close_points; i++)
		for (int k = 1; k <= close_points[i].count; k++) {
			snprintf(spec, sizeof(spec), "%.63s=crash@%d", close_points[i].name, k);
			snprintf(what, sizeof(what), "crash at %.120s", spec);
			reset();
			must(true, what);
			if (run(false, spec, err, sizeof(err)) != CRASHED)
				fail_msg("%s: the logout did not crash", spec);
			n++;
			/* The next login works, and its logout cleans up. */
			must(true, what);
			expect_snapshot(clean_up, "nosessions", what);
			must(false, what);
			expect_snapshot(clean_down, "", what);
		}
	crashes += n;
	printf("# %u crashes during logout, each repaired\n", n);
}

static void test_failure_at_every_login_step(void **state)
{
	char spec[128], what[160], err[1024];

	for (size_t i = 0; i < n_open_points; i++)
		for (int k = 1; k <= open_points[i].count; k++)
		for (size_t e = 0; e < ELEMENTSOF(injected); e++) {
			snprintf(spec, sizeof(spec), "%.63s=%s@%d", open_points[i].name,
				 injected[e], k);
			snprintf(what, sizeof(what), "failure %.120s", spec);
			reset();
			if (run(true, spec, err, sizeof(err)) != FAILED)
				fail_msg("%s: the login did not fail", spec);
			if (!strstr(err, "injected failure at") && !strstr(err, strerror(EEXIST)) &&
			    !strstr(err, "failed to"))
				fail_msg("%s: unclear message: %s", spec, err);
			failures++;
			/* Nothing half made: as if there had been no login. */
			expect_snapshot(clean_down_noleases, "noleases", what);
			must(true, what);
			expect_snapshot(clean_up, "nosessions", what);
		}
	printf("# %u injected failures during login, each clean\n", failures);
}

static void test_failure_during_logout(void **state)
{
	char spec[128], what[160], err[1024];
	unsigned int n = 0;

	for (size_t i = 0; i < n_close_points; i++)
		for (size_t e = 0; e < ELEMENTSOF(injected); e++) {
			snprintf(spec, sizeof(spec), "%.63s=%s", close_points[i].name, injected[e]);
			snprintf(what, sizeof(what), "failure %.120s", spec);
			reset();
			must(true, what);
			if (run(false, spec, err, sizeof(err)) != FAILED)
				fail_msg("%s: the logout did not fail", spec);
			n++;
			/* Whatever it left, the next login and logout are whole. */
			must(true, what);
			expect_snapshot(clean_up, "nosessions", what);
			must(false, what);
			expect_snapshot(clean_down, "", what);
		}
	failures += n;
	printf("# %u injected failures during logout; %u logins in all\n", n, logins);
}

/*
 * In a child, with fault (may be NULL) set in its environment: fn(data),
 * whose result is the child's exit status.
 */
static pid_t spawn(int (*fn)(const void *data), const void *data, const char *fault)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int status;

		if (fault)
			setenv("USERNETNS_FAULT", fault, 1);
		status = fn(data);
		fflush(NULL);
		_exit(status);
	}
	return pid;
}

/* A login of user: 0, or 1 when it failed. */
static int login_child(const void *data)
{
	const char *user = data;
	struct errbuf err = { "" };
	int r;

	r = test_login(policy, user, STATE_LOCK_TIMEOUT_MS, &err);
	if (r < 0)
		printf("# login of %s: %s\n", user, err.msg);
	return r < 0 ? 1 : 0;
}

static pid_t spawn_login(const char *user, const char *fault)
{
	return spawn(login_child, user, fault);
}

/*
 * The exit status of pid, waiting at most far beyond what a login's
 * bounded waits add up to; -1 (and pid killed) if it hung.
 */
static int wait_bounded(pid_t pid)
{
	int status;

	for (unsigned int ms = 0; ms < 2 * TEST_WAIT_MS; ms += 10) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		assert_true(r >= 0);
		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/*
 * The helpers run as their caller, who may stop them at any moment: a
 * login (or a helper) of one user stopped where it holds anything other
 * users need must not keep them from logging in.  Stopped while making
 * the run dir a mount point (the first namespace since boot) and while
 * claiming a lease, alice blocks nobody: carol logs in, and alice, once
 * she goes on, too.
 */
static void test_stopped_login_blocks_nobody(void **state)
{
	static const char *const points[] = { "netns.rundir", "lease.linked" };

	for (size_t i = 0; i < ELEMENTSOF(points); i++) {
		char spec[64];
		pid_t alice, carol;
		int status;

		reset();
		snprintf(spec, sizeof(spec), "%s=stop", points[i]);
		alice = spawn_login("alice", spec);
		assert_int_equal(waitpid(alice, &status, WUNTRACED), alice);
		if (!WIFSTOPPED(status))
			fail_msg("%s: alice's login did not stop there", points[i]);
		carol = spawn_login("carol", NULL);
		status = wait_bounded(carol);
		kill(alice, SIGCONT);
		if (status != 0)
			fail_msg("stopped at %s, alice %s carol's login", points[i],
				 status < 0 ? "hangs" : "fails");
		if (wait_bounded(alice) != 0)
			fail_msg("alice's login, stopped at %s, failed when it went on",
				 points[i]);
		assert_int_equal(test_sh("mountpoint -q /run/netns/user-alice &&"
					 " mountpoint -q /run/netns/user-carol"), 0);
		printf("# stopped at %s, alice blocked nobody\n", points[i]);
	}
}

/*
 * In a child: join alice's namespace as usernetns-join does (no lock),
 * with fault set.  Exit 0: joined, and the namespace is still alice's,
 * named; 1: refused as being removed, and back in the namespace it came
 * from; 2: anything else.
 */
static int join_child(const void *data)
{
	struct errbuf err = { "" };
	struct netns_id before, after;
	struct plan plan;
	int r;

	if (netns_current(&before) < 0 || plan_resolve(policy, NULL, "alice", &plan, &err) < 0)
		return 2;
	r = ensure_join(&uns_paths_default, &plan, &err);
	if (netns_current(&after) < 0)
		return 2;
	if (r == -ESTALE && netns_id_equal(&before, &after))
		return 1;
	if (r == 0 && test_sh("mountpoint -q /run/netns/user-alice") == 0)
		return 0;
	printf("# join: %d %s\n", r, err.msg);
	return 2;
}

static pid_t spawn_join(const char *fault)
{
	return spawn(join_child, NULL, fault);
}

/* Remove alice's namespace as the last logout does: 0, 1 when busy, 2 otherwise. */
static int remove_child(const void *data)
{
	struct session_close_result res;
	struct errbuf err = { "" };

	if (session_close(&uns_paths_default, owner_user(1001), NULL, POLICY_TEARDOWN_LAST_LOGOUT,
			  STATE_LOCK_TIMEOUT_MS, &res, &err) < 0)
		return 2;
	return res.outcome == SESSION_REMOVED ? 0 : res.outcome == SESSION_BUSY ? 1 : 2;
}

static pid_t spawn_remove(const char *fault)
{
	return spawn(remove_child, NULL, fault);
}

static void stopped(pid_t pid, const char *what)
{
	int status;

	assert_int_equal(waitpid(pid, &status, WUNTRACED), pid);
	if (!WIFSTOPPED(status))
		fail_msg("%s did not stop there", what);
}

/*
 * usernetns-join takes no lock (its caller may stop it), so a removal
 * (the last logout, a cleanup) may run while a join is on its way in.
 * Never may the join end up in a namespace without name and links: it is
 * either inside before the removal looks (which keeps the namespace), or
 * it comes back out with an error.
 */
static void test_join_races_removal(void **state)
{
	char why[256];
	pid_t join, removal;

	/* Stopped with the namespace open, not yet inside: removed meanwhile. */
	reset();
	assert_int_equal(run_as("alice", true, NULL, why, sizeof(why)), OK);
	join = spawn_join("join.opened=stop");
	stopped(join, "the join, after opening");
	removal = spawn_remove(NULL);
	assert_int_equal(wait_bounded(removal), 0);
	assert_int_not_equal(test_sh("mountpoint -q /run/netns/user-alice"), 0);
	kill(join, SIGCONT);
	if (wait_bounded(join) != 1)
		fail_msg("a join that entered a namespace removed meanwhile did not back out");

	/* Stopped inside: the removal sees it and keeps the namespace. */
	reset();
	assert_int_equal(run_as("alice", true, NULL, why, sizeof(why)), OK);
	join = spawn_join("join.entered=stop");
	stopped(join, "the join, inside");
	removal = spawn_remove(NULL);
	assert_int_equal(wait_bounded(removal), 1);
	kill(join, SIGCONT);
	if (wait_bounded(join) != 0)
		fail_msg("a join inside a namespace the removal kept did not go on");

	/* A removal stopped after marking the record: a join meanwhile backs out. */
	reset();
	assert_int_equal(run_as("alice", true, NULL, why, sizeof(why)), OK);
	removal = spawn_remove("remove.marked=stop");
	stopped(removal, "the removal, after marking");
	join = spawn_join(NULL);
	if (wait_bounded(join) != 1)
		fail_msg("a join while the namespace was being removed did not back out");
	kill(removal, SIGCONT);
	assert_int_equal(wait_bounded(removal), 0);
	assert_int_not_equal(test_sh("mountpoint -q /run/netns/user-alice"), 0);
}

/*
 * A group's namespace (share = group): a member's login dies at any step
 * of making it (the worker under the group's lock is killed: the login
 * fails), and another member's login repairs it, as a clean run leaves it.
 */
/*
 * The group's state alone: a member's record of their last placement,
 * and the member's lock it was written under, are that member's.
 */
#define FORGET_MEMBERS "rm -rf " USERNETNS_STATEDIR "/placements /run/usernetns/locks/[0-9]*"

static char *group_snapshot(const char *extra)
{
	test_sh(FORGET_MEMBERS);
	return snapshot(extra);
}

static void expect_group_snapshot(const char *want, const char *extra, const char *what)
{
	test_sh(FORGET_MEMBERS);
	expect_snapshot(want, extra, what);
}

static void test_member_crash_repaired_by_another(void **state)
{
	static const char group_text[] = "[group:netusers]\n"
					 "mode = veth\n"
					 "share = group\n"
					 "netns_name = team-%g\n"
					 "pool4 = 10.220.0.0/16\n"
					 "dns = host-end\n";
	struct policy *user_policy = policy, *group_policy = NULL;
	struct point points[64] = { 0 };
	char spec[128], what[160], err[1024], *up, *down;
	struct diag d = DIAG_INIT;
	unsigned int n = 0;
	size_t n_points;

	assert_int_equal(test_parse(group_text, &group_policy, &d), 0);
	policy = group_policy;
	reset();
	setenv("USERNETNS_FAULT", "trace", 1);
	setenv("USERNETNS_FAULT_TRACE", TRACE, 1);
	if (run_as("alice", true, NULL, err, sizeof(err)) != OK)
		fail_msg("a traced group login failed: %s", err);
	unsetenv("USERNETNS_FAULT");
	n_points = read_points(points, 64);
	up = group_snapshot("nosessions");
	assert_non_null(strstr(up, "== namespace team-netusers"));
	if (run_as("alice", false, NULL, err, sizeof(err)) != OK)
		fail_msg("the group logout failed: %s", err);
	down = group_snapshot("");
	assert_null(strstr(down, "team-netusers"));

	for (size_t i = 0; i < n_points; i++)
		for (int k = 1; k <= points[i].count; k++) {
			snprintf(spec, sizeof(spec), "%.63s=crash@%d", points[i].name, k);
			snprintf(what, sizeof(what), "group, crash at %.120s", spec);
			reset();
			if (run_as("alice", true, spec, err, sizeof(err)) != CRASHED)
				fail_msg("%s: alice's login did not die: %s", spec, err);
			n++;
			/* Carol, another member, finds what the crash left and repairs it. */
			if (run_as("carol", true, NULL, err, sizeof(err)) != OK)
				fail_msg("%s: carol's login failed: %s", what, err);
			expect_group_snapshot(up, "nosessions", what);
			if (run_as("carol", false, NULL, err, sizeof(err)) != OK)
				fail_msg("%s: carol's logout failed: %s", what, err);
			expect_group_snapshot(down, "", what);
		}
	printf("# %u crashes of a member while making the group's namespace, each repaired by another\n",
	       n);
	assert_true(n >= 15);
	free(up);
	free(down);
	policy_free(group_policy);
	policy = user_policy;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_run_and_points),
		cmocka_unit_test(test_crash_at_every_login_step),
		cmocka_unit_test(test_crash_at_every_logout_step),
		cmocka_unit_test(test_failure_at_every_login_step),
		cmocka_unit_test(test_failure_during_logout),
		cmocka_unit_test(test_stopped_login_blocks_nobody),
		cmocka_unit_test(test_member_crash_repaired_by_another),
		cmocka_unit_test(test_join_races_removal),
	};
	struct diag d = DIAG_INIT;
	const char *srcdir = getenv("USERNETNS_FIXTURES");

	(void)argc;
	if (!srcdir) {
		printf("Bail out! USERNETNS_FIXTURES is not set\n");
		return 1;
	}
	snprintf(snapshot_cmd, sizeof(snapshot_cmd), "%s/../integration/snapshot.sh %s",
		 srcdir, USERNETNS_STATEDIR);
	test_use_nss_wrapper(argv);
	test_sandbox();
	if (test_parse(policy_text, &policy, &d) != 0) {
		printf("Bail out! test policy rejected\n");
		return 1;
	}
	return cmocka_run_group_tests_name("faults", tests, NULL, NULL);
}
