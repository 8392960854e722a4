/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "usernetns/session.h"
#include "usernetns/util.h"

const char *test_fixture(const char *rel)
{
	static char path[4096];
	const char *dir = getenv("USERNETNS_FIXTURES");

	if (!dir) {
		fprintf(stderr, "Bail out! USERNETNS_FIXTURES is not set\n");
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return path;
}

void test_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f)
		fail_msg("cannot write %s: %s", path, strerror(errno));
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0644), 0);
}

int test_login(const struct policy *policy, const char *user,
	       unsigned int lock_timeout_ms, struct errbuf *err)
{
	struct session_open_result res;
	struct plan plan;
	int r;

	r = plan_resolve(policy, &uns_paths_default, user, &plan, err);
	if (r == 0)
		r = session_open(&uns_paths_default, &plan, getpid(), "test", lock_timeout_ms,
				 &res, err);
	if (r == 0)
		close(res.ensure.netns_fd);
	return r;
}

char *test_read_file(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rbe");
	char *buf = NULL;
	size_t cap = 0, len = 0;

	if (!f)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	for (;;) {
		size_t n;

		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	return buf;
}

bool test_diag_has(const struct diag *d, enum diag_level level,
		   unsigned int line, const char *needle)
{
	for (size_t i = 0; i < d->n_entries; i++)
		if (d->entries[i].level == level && d->entries[i].line == line &&
		    strstr(d->entries[i].text, needle))
			return true;
	return false;
}

void test_diag_dump(const struct diag *d)
{
	for (size_t i = 0; i < d->n_entries; i++)
		printf("# %s\n", d->entries[i].text);
}

int test_parse(const char *text, struct policy **ret, struct diag *d)
{
	struct policy *p = NULL;
	int r;

	r = policy_parse("test.conf", text, strlen(text), 0, &p, d);
	if (ret)
		*ret = p;
	else
		policy_free(p);
	return r;
}

void test_use_nss_wrapper(char **argv)
{
	const char *lib = getenv("NSS_WRAPPER_PRELOAD");
	const char *preload = getenv("LD_PRELOAD");
	char path[4096];

	if (preload && lib && strstr(preload, lib))
		return;
	if (!lib) {
		printf("Bail out! NSS_WRAPPER_PRELOAD is not set\n");
		exit(1);
	}
	setenv("LD_PRELOAD", lib, 1);
	snprintf(path, sizeof(path), "%s", test_fixture("../nss/passwd"));
	setenv("NSS_WRAPPER_PASSWD", path, 1);
	snprintf(path, sizeof(path), "%s", test_fixture("../nss/group"));
	setenv("NSS_WRAPPER_GROUP", path, 1);
	execv("/proc/self/exe", argv);
	printf("Bail out! cannot re-exec under nss_wrapper: %s\n", strerror(errno));
	exit(1);
}

/* PID 1 of the sandbox: reap orphans until the test process is done. */
static void reap_until(pid_t test)
{
	int status;
	pid_t pid;

	for (;;) {
		pid = wait(&status);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			exit(1);
		if (pid == test)
			exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
	}
}

/*
 * A writable dir for the sandbox: a tmpfs over it, or over its nearest
 * existing ancestor (then the rest is made inside the tmpfs), so that
 * nothing is written on the machine.
 */
void test_sandbox_writable(const char *statedir)
{
	char path[4096], cwd[4096];
	struct stat st;
	char *slash;

	snprintf(path, sizeof(path), "%s", statedir);
	while (stat(path, &st) < 0 && (slash = strrchr(path, '/')) && slash != path)
		*slash = '\0';
	if (!getcwd(cwd, sizeof(cwd)) || strcmp(path, "/") == 0 ||
	    strncmp(cwd, path, strlen(path)) == 0) {
		printf("Bail out! cannot put a tmpfs over %s for %s without hiding the build;"
		       " configure with --localstatedir=/var\n", path, statedir);
		exit(1);
	}
	if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0 ||
	    util_mkdir_p(statedir, 0755) < 0) {
		printf("Bail out! cannot mount a tmpfs for %s: %s\n", statedir,
		       strerror(errno));
		exit(1);
	}
}

/* fork(), with stdio flushed first so that no TAP line is printed twice. */
static pid_t fork_or_bail(void)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		printf("Bail out! fork: %s\n", strerror(errno));
		exit(1);
	}
	return pid;
}

void test_sandbox(void)
{
	int status;
	pid_t pid;

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root for network namespaces\n");
		exit(0);
	}
	if (unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID) < 0) {
		printf("Bail out! unshare: %s\n", strerror(errno));
		exit(1);
	}
	pid = fork_or_bail();
	if (pid > 0) {
		if (waitpid(pid, &status, 0) < 0)
			exit(1);
		exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
	}

	/* PID 1 of the sandbox; die with the process that started it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
	    mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0) {
		printf("Bail out! sandbox mounts: %s\n", strerror(errno));
		exit(1);
	}
	test_sandbox_writable(USERNETNS_STATEDIR);
	if (test_sh("ip link set lo up") != 0) {
		printf("Bail out! cannot bring lo up in the sandbox\n");
		exit(1);
	}

	/*
	 * The tests run as PID 2 so that they may move between namespaces
	 * while PID 1, whose namespace marks the host, stays put.
	 */
	pid = fork_or_bail();
	if (pid > 0)
		reap_until(pid);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/*
 * A bounded poll: a pause between tries of 1 ms at first, doubling up to
 * max_pause_ms, for at most timeout_ms in all.
 */
struct bound {
	struct timespec start, pause;
	unsigned int timeout_ms;
	long max_pause_ns;
};

static void bound_init(struct bound *b, unsigned int timeout_ms, unsigned int max_pause_ms)
{
	clock_gettime(CLOCK_MONOTONIC, &b->start);
	b->pause = (struct timespec){ 0, 1000000 };
	b->timeout_ms = timeout_ms;
	b->max_pause_ns = (long)max_pause_ms * 1000000;
}

/* Pause before the next try: false (at once) when the time is up. */
static bool bound_pause(struct bound *b)
{
	struct timespec now;
	long elapsed;

	clock_gettime(CLOCK_MONOTONIC, &now);
	elapsed = (now.tv_sec - b->start.tv_sec) * 1000 +
		  (now.tv_nsec - b->start.tv_nsec) / 1000000;
	if (elapsed >= (long)b->timeout_ms)
		return false;
	nanosleep(&b->pause, NULL);
	if (b->pause.tv_nsec < b->max_pause_ns)
		b->pause.tv_nsec *= 2;
	return true;
}

/* Is a process other than PID 1 and us alive (not a zombie)? */
static bool others_alive(void)
{
	struct dirent *e;
	bool alive = false;
	DIR *d = opendir("/proc");

	if (!d)
		return false;
	while (!alive && (e = readdir(d))) {
		char path[300], buf[512], *s;
		long pid = strtol(e->d_name, &s, 10);
		FILE *f;

		if (*s || pid <= 1 || pid == (long)getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
		f = fopen(path, "re");
		if (!f)
			continue;
		/* The state follows the command name's closing parenthesis. */
		if (fgets(buf, sizeof(buf), f) && (s = strrchr(buf, ')')) && s[1] == ' ')
			alive = s[2] != 'Z' && s[2] != 'X';
		fclose(f);
	}
	closedir(d);
	return alive;
}

void test_clean_host(bool kill_others, const char *also)
{
	struct bound b;
	int status;

	if (kill_others) {
		kill(-1, SIGKILL);
		while (waitpid(-1, &status, WNOHANG) > 0)
			;
		/*
		 * A killed process finishes the system call it is in before it
		 * dies (a netlink request making a link, say): wait until none
		 * is left, or only zombies, which hold no namespace.
		 */
		for (bound_init(&b, TEST_WAIT_MS, 16); others_alive();)
			if (!bound_pause(&b)) {
				printf("Bail out! processes of an earlier test do not die\n");
				exit(1);
			}
	}
	test_sh("for n in /run/netns/*; do [ -e \"$n\" ] && umount -l \"$n\"; done 2>/dev/null;"
		"umount -l /run/netns 2>/dev/null; rm -rf /run/netns /run/usernetns %s;"
		"ip -o link show | awk -F': ' '{ print $2 }' | cut -d@ -f1 |"
		" grep -vx lo | while read l; do ip link del \"$l\" 2>/dev/null; done",
		also ? also : "");
}

static char *vformat(const char *fmt, va_list ap)
{
	char *cmd = NULL;

	if (vasprintf(&cmd, fmt, ap) < 0)
		return NULL;
	return cmd;
}

int test_sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int status;

	va_start(ap, fmt);
	cmd = vformat(fmt, ap);
	va_end(ap);
	if (!cmd)
		return -1;
	fflush(NULL);
	status = system(cmd);
	free(cmd);
	if (status < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

char *test_sh_out(const char *fmt, ...)
{
	char *cmd, *out = NULL;
	size_t len = 0, cap = 0;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	cmd = vformat(fmt, ap);
	va_end(ap);
	if (!cmd)
		return NULL;
	fflush(NULL);
	f = popen(cmd, "r");
	free(cmd);
	if (!f)
		return NULL;
	for (;;) {
		size_t n;

		if (len + 1024 > cap) {
			cap = cap ? cap * 2 : 4096;
			out = realloc(out, cap);
			if (!out)
				break;
		}
		n = fread(out + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	pclose(f);
	if (out)
		out[len] = '\0';
	return out;
}

bool test_wait_sh(unsigned int timeout_ms, const char *fmt, ...)
{
	struct bound b;
	va_list ap;
	char *cmd;
	bool done = false;

	va_start(ap, fmt);
	cmd = vformat(fmt, ap);
	va_end(ap);
	if (!cmd)
		return false;
	bound_init(&b, timeout_ms, 64);
	do {
		done = test_sh("%s", cmd) == 0;
	} while (!done && bound_pause(&b));
	free(cmd);
	return done;
}

struct test_child test_child_start(test_child_fn *fn, void *data, const char *fault)
{
	struct test_child c = { .pid = -1, .msg_fd = -1 };
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		fail_msg("pipe: %s", strerror(errno));
	fflush(NULL);
	c.pid = fork();
	if (c.pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (c.pid == 0) {
		struct errbuf msg = { "" };
		int status;

		close(fds[0]);
		if (fault)
			setenv("USERNETNS_FAULT", fault, 1);
		status = fn(data, &msg);
		fflush(NULL);
		if (msg.msg[0] && write(fds[1], msg.msg, strlen(msg.msg)) < 0)
			status = 255;
		_exit(status);
	}
	close(fds[1]);
	c.msg_fd = fds[0];
	return c;
}

/* waitpid() for at most timeout_ms: the pid, 0 when nothing came in time, -1 with errno. */
static pid_t waitpid_bounded(pid_t pid, int *status, int options, unsigned int timeout_ms)
{
	struct bound b;
	pid_t r;

	bound_init(&b, timeout_ms, 16);
	do {
		r = waitpid(pid, status, options | WNOHANG);
		if (r < 0 && errno == EINTR)
			r = 0;
	} while (r == 0 && bound_pause(&b));
	return r;
}

bool test_child_stopped(struct test_child *c, unsigned int timeout_ms)
{
	int status;
	pid_t r;

	if (c->reaped)
		return false;
	r = waitpid_bounded(c->pid, &status, WUNTRACED, timeout_ms);
	if (r < 0)
		fail_msg("waitpid %ld: %s", (long)c->pid, strerror(errno));
	if (r == 0 || WIFSTOPPED(status))
		return r != 0;
	c->reaped = true;
	c->status = status;
	return false;
}

int test_child_wait(struct test_child *c, unsigned int timeout_ms, char *ret_msg, size_t size)
{
	bool hung = false;
	ssize_t n = 0;

	if (!c->reaped) {
		pid_t r = waitpid_bounded(c->pid, &c->status, 0, timeout_ms);

		if (r < 0)
			fail_msg("waitpid %ld: %s", (long)c->pid, strerror(errno));
		if (r == 0) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, &c->status, 0);
			hung = true;
		}
		c->reaped = true;
	}
	/* Written before it ended, or never: nothing to wait for (its own children may hold the pipe). */
	if (ret_msg && fcntl(c->msg_fd, F_SETFL, O_NONBLOCK) == 0)
		n = read(c->msg_fd, ret_msg, size - 1);
	if (ret_msg)
		ret_msg[n > 0 ? n : 0] = '\0';
	close(c->msg_fd);
	c->msg_fd = -1;
	if (hung)
		return -1;
	return WIFEXITED(c->status) ? WEXITSTATUS(c->status) : 128 + WTERMSIG(c->status);
}

int test_child_run(test_child_fn *fn, void *data, const char *fault, char *ret_msg, size_t size)
{
	struct test_child c = test_child_start(fn, data, fault);

	return test_child_wait(&c, TEST_WAIT_MS, ret_msg, size);
}

void test_pam_service(const char *path, const char *secdir, const char *conf, const char *options)
{
	const char *builddir = getenv("USERNETNS_BUILDDIR");
	const char *d = secdir ? secdir : "", *s = secdir ? "/" : "";
	char text[8192];

	if (!builddir) {
		printf("Bail out! USERNETNS_BUILDDIR is not set\n");
		exit(1);
	}
	snprintf(text, sizeof(text),
		 "auth     sufficient %s%spam_rootok.so\n"
		 "auth     required   %s%spam_permit.so\n"
		 "account  required   %s%spam_permit.so\n"
		 "password required   %s%spam_deny.so\n"
		 "session  required   %s%spam_permit.so\n"
		 "session  required   %s/pam/.libs/pam_usernetns.so%s%s%s%s\n",
		 d, s, d, s, d, s, d, s, d, s, builddir, conf ? " conf=" : "", conf ? conf : "",
		 options && options[0] ? " " : "", options ? options : "");
	test_write_file(path, text);
}
