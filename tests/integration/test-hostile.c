/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A hostile machine: tiny fd limits, a full /run, a run dir that is not a
 * shared mount, a network namespace limit reached, a login lock held by a
 * stopped process.  Each must end in a clean failure or a success: never a
 * hang, never a half-made namespace.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "usernetns/session.h"
#include "usernetns/shield.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

static const char policy_text[] =
	"[group:netusers]\nmode = veth\npool4 = 10.200.0.0/16\npool6 = fd42:200::/48\n";

static struct policy *policy;

/* Far beyond what any bounded wait of a login adds up to. */
#define HANG_MS 120000

static int reset(void **state)
{
	test_clean_host(false, NULL);
	return 0;
}

/* Nothing of alice's: no name, no record, no host end, no session. */
static bool nothing_half_made(void)
{
	return test_sh("test ! -e /run/netns/user-alice && test ! -e /run/usernetns/users/1001 &&"
		       " ! ip link show vu1001 >/dev/null 2>&1 &&"
		       " test -z \"$(ls /run/usernetns/sessions/1001 2>/dev/null)\"") == 0;
}

/* All of alice's: her namespace, linked, addressed. */
static bool complete(void)
{
	return test_sh("mountpoint -q /run/netns/user-alice &&"
		       " ip netns exec user-alice ping -c 1 -W 2 $(ip netns exec user-alice"
		       " ip -4 route show default | cut -d' ' -f3) >/dev/null") == 0;
}

/*
 * Log alice in from a child with setup() applied first; the child's exit
 * code says what session_open() returned (0 or the errno), and its
 * message goes to the TAP output.  A hang is a failure.
 */
static int login_with(void (*setup)(void *), void *arg, unsigned int lock_timeout_ms,
		      char *msg, size_t size)
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
		if (setup)
			setup(arg);
		r = test_login(policy, "alice", lock_timeout_ms, &err);
		if (r < 0 && write(pipefd[1], err.msg, strlen(err.msg)) < 0)
			_exit(255);
		_exit(r < 0 ? -r : 0);
	}
	close(pipefd[1]);
	/*
	 * Every wait of a login is bounded (lock_timeout_ms, and 5 s per
	 * netlink reply): a login still running after many times that
	 * hangs, however slow the machine.
	 */
	if (poll(&(struct pollfd){ .fd = pipefd[0], .events = POLLIN }, 1,
		 (int)(HANG_MS + 2 * lock_timeout_ms)) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("the login hung");
	}
	n = read(pipefd[0], msg, size - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void set_nofile(void *arg)
{
	struct rlimit rl = { .rlim_cur = (rlim_t)(long)arg, .rlim_max = (rlim_t)(long)arg };

	setrlimit(RLIMIT_NOFILE, &rl);
}

static void test_tiny_fd_limits(void **state)
{
	int successes = 0, failures = 0;

	for (long limit = 4; limit <= 24; limit++) {
		char msg[1024];
		int r;

		reset(state);
		r = login_with(set_nofile, (void *)limit, 1000, msg, sizeof(msg));
		if (r == 0) {
			if (!complete())
				fail_msg("RLIMIT_NOFILE %ld: success, but incomplete", limit);
			successes++;
		} else {
			if (!nothing_half_made())
				fail_msg("RLIMIT_NOFILE %ld: failed (%s) and left things behind",
					 limit, msg);
			failures++;
		}
	}
	printf("# RLIMIT_NOFILE 4..24: %d clean failures, %d successes\n", failures,
	       successes);
	assert_true(failures > 0);
	assert_true(successes > 0);
}

static void test_full_run(void **state)
{
	int successes = 0, failures = 0;

	for (int kib = 4; kib <= 64; kib *= 2) {
		char opts[32], msg[1024];
		int r;

		reset(state);
		/* A /run of a few KiB, on top of the sandbox's. */
		snprintf(opts, sizeof(opts), "size=%dk,mode=0755", kib);
		assert_int_equal(mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, opts), 0);
		r = login_with(NULL, NULL, 1000, msg, sizeof(msg));
		if (r == 0) {
			if (!complete())
				fail_msg("/run of %d KiB: success, but incomplete", kib);
			successes++;
		} else {
			if (!nothing_half_made())
				fail_msg("/run of %d KiB: failed (%s) and left things behind",
					 kib, msg);
			printf("# /run of %d KiB: %s\n", kib, msg);
			failures++;
		}
		reset(state);
		assert_int_equal(umount2("/run", MNT_DETACH), 0);
	}
	printf("# /run of 4..64 KiB: %d clean failures, %d successes\n", failures, successes);
	assert_true(failures > 0);
	assert_true(successes > 0);
}

static void test_run_dir_not_shared(void **state)
{
	char msg[1024];

	/* A plain directory, and then a private mount, under the name. */
	assert_int_equal(test_sh("mkdir -p /run/netns"), 0);
	assert_int_equal(login_with(NULL, NULL, 1000, msg, sizeof(msg)), 0);
	assert_true(complete());
	assert_int_equal(test_sh("findmnt -n -o PROPAGATION /run/netns | grep -q shared"), 0);

	reset(state);
	assert_int_equal(test_sh("mkdir -p /run/netns && mount -t tmpfs tmpfs /run/netns &&"
				 " mount --make-private /run/netns"), 0);
	assert_int_equal(login_with(NULL, NULL, 1000, msg, sizeof(msg)), 0);
	assert_true(complete());
	assert_int_equal(test_sh("findmnt -n -o PROPAGATION /run/netns | grep -q shared"), 0);
	/* ip(8) and we agree on it: it sees alice's namespace. */
	assert_int_equal(test_sh("ip netns list | grep -q user-alice"), 0);

	/*
	 * A mount namespace made before a name (a service's, or another
	 * session's) sees it go and come back.
	 */
	{
		struct session_close_result res;
		struct errbuf err = { "" };

		assert_int_equal(test_sh("unshare -m --propagation slave sh -c"
					 " 'touch /run/other-ready; exec sleep 60' & echo $! >/run/other;"
					 " for i in $(seq 1200); do [ -e /run/other-ready ] && break;"
					 " sleep 0.05; done; test -e /run/other-ready"), 0);
		assert_int_equal(test_sh("nsenter -t $(cat /run/other) -m mountpoint -q /run/netns/user-alice"), 0);
		assert_int_equal(session_reap(&uns_paths_default, 1001, 0, 1000, &res, &err), 0);
		assert_int_equal(res.outcome, SESSION_REMOVED);
		assert_int_not_equal(test_sh("nsenter -t $(cat /run/other) -m test -e /run/netns/user-alice"), 0);
		assert_int_equal(login_with(NULL, NULL, 1000, msg, sizeof(msg)), 0);
		assert_int_equal(test_sh("nsenter -t $(cat /run/other) -m mountpoint -q /run/netns/user-alice"), 0);
		test_sh("kill $(cat /run/other); rm -f /run/other /run/other-ready");
	}
}

/*
 * /run/netns is world-readable, so any user can take iproute2's flock on
 * it: a login must not wait on that, neither when /run/netns is still a
 * plain directory (the first namespace since boot) nor later.
 */
static void test_run_dir_locked_by_a_user(void **state)
{
	struct session_close_result res;
	char msg[1024];

	assert_int_equal(test_sh("mkdir -p /run/netns"), 0);
	for (int pass = 0; pass < 2; pass++) {
		assert_int_equal(test_sh("setpriv --reuid=1002 --regid=1002 --clear-groups"
					 " flock -o /run/netns sleep 300 >/dev/null 2>&1 &"
					 " echo $! >/run/holder"), 0);
		assert_true(test_wait_sh(TEST_WAIT_MS, "! flock -n /run/netns true"));
		if (login_with(NULL, NULL, 5000, msg, sizeof(msg)) != 0)
			fail_msg("%s, a user's lock of /run/netns: %s",
				 pass ? "a mount point" : "a plain directory", msg);
		assert_true(complete());
		assert_int_equal(test_sh("findmnt -n -o PROPAGATION /run/netns | grep -q shared"), 0);
		assert_int_equal(test_sh("kill $(cat /run/holder); pkill -u 1002; rm /run/holder"), 0);
		assert_int_equal(session_reap(&uns_paths_default, 1001, 0, 1000, &res,
					      &(struct errbuf){ "" }), 0);
		assert_int_equal(res.outcome, SESSION_REMOVED);
	}
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		_exit(254);
	close(fd);
}

/*
 * In a user namespace of our own (root mapped to root), whose limit on
 * network namespaces is ours to lower without touching the machine's:
 * a host namespace of its own, then the limit set to what is in use.
 */
static void limit_netns(void *arg)
{
	const char *limit = arg;

	if (unshare(CLONE_NEWUSER) < 0)
		_exit(253);
	write_file("/proc/self/setgroups", "deny");
	write_file("/proc/self/uid_map", "0 0 1");
	write_file("/proc/self/gid_map", "0 0 1");
	if (unshare(CLONE_NEWNS | CLONE_NEWNET) < 0)
		_exit(252);
	if (mount("tmpfs", "/run", "tmpfs", 0, "mode=0755") < 0)
		_exit(251);
	if (system("ip link set lo up") != 0)
		_exit(250);
	write_file("/proc/sys/user/max_net_namespaces", limit);
}

static void test_netns_limit_reached(void **state)
{
	char msg[1024];
	int r;

	/* One allowed, and it is the new host: no room for alice's. */
	r = login_with(limit_netns, (void *)(uintptr_t)"1", 1000, msg, sizeof(msg));
	assert_int_equal(r, ENOSPC);
	assert_non_null(strstr(msg, "failed to create a new network namespace \"user-alice\": No space left on device"));
	/* (The child's /run went with it; ours was never touched.) */
	assert_true(nothing_half_made());
	/* Room for one more: it works. */
	r = login_with(limit_netns, (void *)(uintptr_t)"2", 1000, msg, sizeof(msg));
	if (r != 0)
		fail_msg("with room for one namespace: %s", msg);
}

static void test_lock_held_by_stopped_process(void **state)
{
	struct errbuf err = { "" };
	char msg[1024];
	int status, r;
	pid_t holder;

	holder = fork();
	assert_true(holder >= 0);
	if (holder == 0) {
		int fd;

		if (state_lock(&uns_paths_default, 1001, 1000, &fd, &err) < 0)
			_exit(1);
		raise(SIGSTOP);
		_exit(0);
	}
	assert_int_equal(waitpid(holder, &status, WUNTRACED), holder);
	assert_true(WIFSTOPPED(status));

	r = login_with(NULL, NULL, 500, msg, sizeof(msg));
	assert_int_equal(r, ETIMEDOUT);
	assert_non_null(strstr(msg, "gave up after 500 ms waiting for another login of uid 1001 to finish"));
	assert_true(nothing_half_made());

	kill(holder, SIGKILL);
	assert_int_equal(waitpid(holder, &status, 0), holder);
	r = login_with(NULL, NULL, 500, msg, sizeof(msg));
	assert_int_equal(r, 0);
	assert_true(complete());
}

/* What the shielded child reports of itself, when the test lets it go. */
struct shield_probe {
	int pid_fd, go_fd;
};

struct shield_seen {
	uid_t ruid, euid, suid;
	pid_t sid;
	int dumpable;
	char cgroup[256]; /* its cgroup2 path */
	int nice;
	mode_t umask;
};

static int probe(void *data, void *out, int *ret_fd, struct errbuf *err)
{
	const struct shield_probe *p = data;
	struct shield_seen *seen = out;
	pid_t me = getpid();
	char c;

	if (write(p->pid_fd, &me, sizeof(me)) != sizeof(me) || read(p->go_fd, &c, 1) != 1)
		return -EIO;
	getresuid(&seen->ruid, &seen->euid, &seen->suid);
	seen->sid = getsid(0);
	seen->dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	seen->nice = getpriority(PRIO_PROCESS, 0);
	seen->umask = umask(077);
	{
		char line[512];
		FILE *f = fopen("/proc/self/cgroup", "re");

		while (f && fgets(line, sizeof(line), f))
			if (strncmp(line, "0::", 3) == 0)
				snprintf(seen->cgroup, sizeof(seen->cgroup), "%.*s",
					 (int)strcspn(line + 3, "\n"), line + 3);
		if (f)
			fclose(f);
	}
	return 0;
}

/*
 * A group's lock is held only in a shielded child: called from a process
 * like su (real uid the user's, effective root), the child is out of the
 * user's reach: the user cannot stop it, and it is in a session of its own.
 */
static void test_shield_out_of_users_reach(void **state)
{
	int to_test[2], go[2], status;
	pid_t caller, worker = 0, user;
	char *mnt, cgroup_dir[512];

	/* A cgroup delegated to the user, as systemd gives a user's manager. */
	mnt = test_sh_out("awk '$(NF-2) == \"cgroup2\" { print $5; exit }' /proc/self/mountinfo | tr -d '\\n'");
	assert_non_null(mnt);
	if (!mnt[0])
		fail_msg("no cgroup2 mount: the test needs one, as every systemd machine has");
	snprintf(cgroup_dir, sizeof(cgroup_dir), "%s/usernetns-test-user", mnt);
	assert_int_equal(test_sh("mkdir -p %s && chown 1001 %s", cgroup_dir, cgroup_dir), 0);

	assert_int_equal(pipe(to_test), 0);
	assert_int_equal(pipe(go), 0);
	caller = fork();
	assert_true(caller >= 0);
	if (caller == 0) {
		struct shield_probe pr = { to_test[1], go[0] };
		struct shield_seen seen = { 0 };
		struct errbuf err = { "" };
		int fd, r;

		/* As a member would call it: niced, a loose umask, in a cgroup of its own. */
		if (test_sh("echo %d > %s/cgroup.procs", (int)getpid(), cgroup_dir) != 0 ||
		    setpriority(PRIO_PROCESS, 0, 19) < 0)
			_exit(11);
		umask(0);
		if (setresuid(1001, 0, 0) < 0)
			_exit(10);
		r = shield_run(probe, &pr, &seen, sizeof(seen), &fd, &err);
		if (r != 0)
			printf("# shield_run: %s\n", err.msg);
		printf("# worker: cgroup %s, nice %d, umask %03o\n", seen.cgroup, seen.nice,
		       (unsigned int)seen.umask);
		fflush(stdout);
		_exit(r == 0 && fd == -1 && seen.ruid == 0 && seen.euid == 0 && seen.suid == 0 &&
				      seen.sid != getsid(0) && seen.dumpable == 0 &&
				      strcmp(seen.cgroup, "/usernetns-shield") == 0 && seen.nice == 0 &&
				      seen.umask == 077 ?
			      0 :
			      20);
	}
	close(to_test[1]);
	close(go[0]);
	assert_int_equal(read(to_test[0], &worker, sizeof(worker)), sizeof(worker));
	/* The user tries to stop the worker, and the caller (which they may). */
	user = fork();
	assert_true(user >= 0);
	if (user == 0) {
		if (setresuid(1001, 1001, 1001) < 0)
			_exit(10);
		if (kill(worker, SIGSTOP) == 0 || errno != EPERM)
			_exit(21);
		if (kill(caller, SIGSTOP) != 0)
			_exit(22);
		_exit(0);
	}
	assert_int_equal(waitpid(user, &status, 0), user);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The stopped caller does not stop the worker: it answers and ends. */
	assert_int_equal(write(go[1], "x", 1), 1);
	/* Done: a zombie of the stopped caller (or gone), within a bound. */
	assert_true(test_wait_sh(10000,
				 "s=$(sed 's/.*) //' /proc/%d/stat 2>/dev/null | cut -c1); "
				 "[ -z \"$s\" ] || [ \"$s\" = Z ]",
				 (int)worker));
	kill(caller, SIGCONT);
	assert_int_equal(waitpid(caller, &status, 0), caller);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(to_test[0]);
	close(go[1]);
	/* Both cgroups empty now: removed, so the machine keeps none. */
	assert_int_equal(test_sh("rmdir %s %s/usernetns-shield", cgroup_dir, mnt), 0);
	free(mnt);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_tiny_fd_limits, reset),
		cmocka_unit_test_setup(test_full_run, reset),
		cmocka_unit_test_setup(test_run_dir_not_shared, reset),
		cmocka_unit_test_setup(test_run_dir_locked_by_a_user, reset),
		cmocka_unit_test_setup(test_netns_limit_reached, reset),
		cmocka_unit_test_setup(test_lock_held_by_stopped_process, reset),
		cmocka_unit_test(test_shield_out_of_users_reach),
	};
	struct diag d = DIAG_INIT;

	(void)argc;
	test_use_nss_wrapper(argv);
	test_sandbox();
	if (test_parse(policy_text, &policy, &d) != 0) {
		printf("Bail out! test policy rejected\n");
		return 1;
	}
	return cmocka_run_group_tests_name("hostile", tests, NULL, NULL);
}
