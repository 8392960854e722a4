/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Load through the real module: 200 users logging in at once (and one
 * cleanup removing all they left), and 1000
 * random logins and logouts of 10 users with the invariants checked after
 * each step.  Latencies are reported (as TAP comments), not asserted:
 * speed belongs to the benchmarks.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "pamtest.h"
#include "testutil.h"
#include "usernetns/netns.h"

#define CONFDIR "/run/loadtest"
#define SERVICE "uns-load"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int setup(void **state)
{
	test_clean_host(false, CONFDIR);
	assert_int_equal(mkdir(CONFDIR, 0755), 0);
	test_write_file(CONFDIR "/usernetns.conf", "[group:many]\nmode = veth\npool4 = 10.200.0.0/16\n");
	test_pam_service(CONFDIR "/" SERVICE, NULL, CONFDIR "/usernetns.conf", NULL);
	return 0;
}

struct login_report {
	const char *user;
	int fd;
};

/* In a child: log in; report "OK <ms>" or "FAIL <code>" on fd. */
static int child_login(void *data, struct errbuf *msg)
{
	const struct login_report *l = data;
	pam_handle_t *pamh = NULL;
	double t0 = now_ms();
	int r;

	r = pam_start_confdir(SERVICE, l->user, &test_conversation, CONFDIR, &pamh);
	if (r == PAM_SUCCESS)
		r = pam_open_session(pamh, 0);
	dprintf(l->fd, r == PAM_SUCCESS ? "OK %.3f\n" : "FAIL %.0f\n",
		r == PAM_SUCCESS ? now_ms() - t0 : (double)r);
	return 0;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void test_200_users_at_once(void **state)
{
	enum { N = 200 };
	struct test_child children[N];
	double lat[N];
	int pipefd[2], placed = 0, failed = 0, n = 0;
	char line[4096];
	FILE *in;

	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	for (int i = 0; i < N; i++) {
		char user[16];

		snprintf(user, sizeof(user), "load%03d", i + 1);
		children[i] = test_child_start(child_login,
					       &(struct login_report){ user, pipefd[1] }, NULL);
	}
	close(pipefd[1]);
	in = fdopen(pipefd[0], "r");
	assert_non_null(in);
	while (fgets(line, sizeof(line), in)) {
		if (strncmp(line, "OK ", 3) == 0 && n < N) {
			lat[n++] = strtod(line + 3, NULL);
			placed++;
		} else {
			printf("# %s", line);
			failed++;
		}
	}
	fclose(in);
	for (int i = 0; i < N; i++)
		test_child_wait(&children[i], TEST_WAIT_MS, NULL, 0);
	assert_int_equal(failed, 0);
	assert_int_equal(placed, N);
	assert_int_equal(test_sh("test $(ls /run/netns | wc -l) -eq %d", N), 0);
	assert_int_equal(test_sh("test $(ip -o link show type veth | wc -l) -eq %d", N), 0);
	qsort(lat, (size_t)n, sizeof(lat[0]), compare_double);
	printf("# %d users logged in at once: all placed; per login p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
	       N, lat[n / 2], lat[(n * 99) / 100], lat[n - 1]);

	/*
	 * Their logins are over, so one cleanup removes everything; the
	 * kernel tearing namespaces down takes host ends with it while the
	 * cleanup still means to delete them itself.
	 */
	/* The helpers read the built-in path only. */
	snprintf(line, sizeof(line), "%s", USERNETNS_POLICY_PATH);
	*strrchr(line, '/') = '\0';
	test_sandbox_writable(line);
	assert_int_equal(test_sh("cp " CONFDIR "/usernetns.conf %s && %s/helpers/usernetns-cleanup"
				 " --all >/dev/null", USERNETNS_POLICY_PATH,
				 getenv("USERNETNS_BUILDDIR")), 0);
	assert_int_equal(test_sh("test -z \"$(ls /run/netns)\""), 0);
	assert_int_equal(test_sh("test -z \"$(ip -o link show type veth)\""), 0);
}

/* A login that stays: a process holding a session, closing on request. */
struct holder {
	struct test_child child;
	int cmd;		/* write 'c' to close */
	int user;
};

struct session_pipes {
	const char *user;
	int up[2], down[2];
};

/* In a child: a session of user, open until down says 'c'; up says 'o' once open. */
static int hold_child(void *data, struct errbuf *msg)
{
	struct session_pipes *p = data;
	pam_handle_t *pamh = NULL;
	char c, ok;
	int r;

	close(p->up[0]);
	close(p->down[1]);
	r = pam_start_confdir(SERVICE, p->user, &test_conversation, CONFDIR, &pamh);
	if (r == PAM_SUCCESS)
		r = pam_open_session(pamh, 0);
	ok = r == PAM_SUCCESS ? 'o' : 'f';
	if (write(p->up[1], &ok, 1) != 1 || r != PAM_SUCCESS)
		return 1;
	if (read(p->down[0], &c, 1) != 1)
		return 1;
	r = pam_close_session(pamh, 0);
	pam_end(pamh, r);
	return r == PAM_SUCCESS ? 0 : 1;
}

static struct test_child hold_session(const char *user, int *ret_cmd)
{
	struct session_pipes p = { .user = user };
	struct test_child child;
	char ok;

	assert_int_equal(pipe2(p.up, O_CLOEXEC), 0);
	assert_int_equal(pipe2(p.down, O_CLOEXEC), 0);
	child = test_child_start(hold_child, &p, NULL);
	close(p.up[1]);
	close(p.down[0]);
	if (read(p.up[0], &ok, 1) != 1 || ok != 'o')
		fail_msg("login of %s failed", user);
	close(p.up[0]);
	*ret_cmd = p.down[1];
	return child;
}

static bool same_ns(pid_t pid, const char *name)
{
	char path[64], ns[128];
	struct stat a, b;

	snprintf(path, sizeof(path), "/proc/%ld/ns/net", (long)pid);
	snprintf(ns, sizeof(ns), "/run/netns/%s", name);
	return stat(path, &a) == 0 && stat(ns, &b) == 0 && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}

static void test_random_logins_and_logouts(void **state)
{
	enum { USERS = 10, STEPS = 1000, MAX = 64 };
	struct holder h[MAX];
	int n = 0, logins = 0, logouts = 0, per_user[USERS] = { 0 };
	unsigned int seed = 20261129;
	double t0 = now_ms();

	srand(seed);
	printf("# seed %u\n", seed);
	for (int step = 0; step < STEPS; step++) {
		bool login = n == 0 || (n < MAX && rand() % 100 < 55);
		char user[16], name[32];

		if (login) {
			int u = rand() % USERS;

			snprintf(user, sizeof(user), "user%02d", u + 1);
			h[n].user = u;
			h[n].child = hold_session(user, &h[n].cmd);
			per_user[u]++;
			n++;
			logins++;
		} else {
			int i = rand() % n;
			struct holder x = h[i];

			h[i] = h[--n];
			assert_int_equal(write(x.cmd, "c", 1), 1);
			close(x.cmd);
			if (test_child_wait(&x.child, TEST_WAIT_MS, NULL, 0) != 0)
				fail_msg("step %d: logout of user%02d failed", step, x.user + 1);
			per_user[x.user]--;
			logouts++;
		}
		/* Every open session is in its user's namespace... */
		for (int i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "user-user%02d", h[i].user + 1);
			if (!same_ns(h[i].child.pid, name))
				fail_msg("step %d: session %ld of user%02d is not in %s", step,
					 (long)h[i].child.pid, h[i].user + 1, name);
		}
		/* ...and a user without one has no namespace left. */
		for (int u = 0; u < USERS; u++) {
			struct stat st;

			snprintf(name, sizeof(name), "/run/netns/user-user%02d", u + 1);
			if ((stat(name, &st) == 0) != (per_user[u] > 0))
				fail_msg("step %d: user%02d has %d sessions but its namespace is %s",
					 step, u + 1, per_user[u], per_user[u] ? "missing" : "there");
		}
	}
	while (n > 0) {
		n--;
		assert_int_equal(write(h[n].cmd, "c", 1), 1);
		close(h[n].cmd);
		assert_int_equal(test_child_wait(&h[n].child, TEST_WAIT_MS, NULL, 0), 0);
		logouts++;
	}
	assert_int_equal(test_sh("test -z \"$(ls /run/netns)\""), 0);
	assert_int_equal(test_sh("test $(ip -o link show type veth | wc -l) -eq 0"), 0);
	printf("# %d steps: %d logins, %d logouts, invariants held at every step (%.1f s)\n",
	       STEPS, logins, logouts, (now_ms() - t0) / 1e3);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_200_users_at_once, setup),
		cmocka_unit_test_setup(test_random_logins_and_logouts, setup),
	};

	(void)argc;
	test_use_nss_wrapper(argv);
	test_sandbox();
	return cmocka_run_group_tests_name("load", tests, NULL, NULL);
}
