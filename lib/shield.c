/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/magic.h>

#include "usernetns/caps.h"
#include "usernetns/shield.h"
#include "usernetns/state.h"

/*
 * What the child says: its result and message, then the caller's data,
 * which starts at a + 1: aligned for anything, as malloc()'s memory is.
 */
struct answer {
	_Alignas(max_align_t) int result;
	struct errbuf err;
};

/*
 * The cgroup2 mount's path; "" if none.  Where systemd and every
 * distribution mount it (unified, or beside v1 in the hybrid layout) one
 * statfs tells; elsewhere the first cgroup2 in /proc/self/mountinfo,
 * which has a line for every mount, a network namespace's name among them.
 */
static void cgroup2_mount(char *buf, size_t size)
{
	static const char *const usual[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	char line[4096];
	struct statfs sfs;
	FILE *f;

	for (size_t i = 0; i < sizeof(usual) / sizeof(usual[0]); i++)
		if (statfs(usual[i], &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC) {
			snprintf(buf, size, "%s", usual[i]);
			return;
		}
	buf[0] = '\0';
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX];
		const char *dash = strstr(line, " - ");

		if (dash && strncmp(dash + 3, "cgroup2 ", 8) == 0 &&
		    sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1) {
			snprintf(buf, size, "%s", mnt);
			break;
		}
	}
	fclose(f);
}

/*
 * Out of a cgroup its user controls.  systemd delegates a user's manager
 * its cgroup (user@UID.service, owned by the user): whatever runs there
 * (a terminal's su, a user service starting a helper) could be frozen
 * (cgroup.freeze) or starved (cpu.max) by that user, lock and all.  If our
 * cgroup or one above it belongs to anybody but root, move to a leaf of
 * root's at the top, or fail: never hold the lock where a user can freeze.
 */
static int leave_user_cgroup(struct errbuf *err)
{
	char mnt[PATH_MAX], line[PATH_MAX], dir[2 * PATH_MAX], *s;
	bool delegated = false;
	struct stat st;
	FILE *f;
	int fd;

	cgroup2_mount(mnt, sizeof(mnt));
	if (!mnt[0])
		return 0; /* no cgroup2: nothing of the user's to freeze us with */
	f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return errbuf_errno(err, -errno, "cannot read /proc/self/cgroup");
	dir[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(dir, sizeof(dir), "%s%s", mnt, line + 3);
		}
	fclose(f);
	/* From our cgroup up to (not including) the mount: anybody's but root's? */
	while (strlen(dir) > strlen(mnt)) {
		if (lstat(dir, &st) == 0 && st.st_uid != 0) {
			delegated = true;
			break;
		}
		s = strrchr(dir, '/');
		if (!s || (size_t)(s - dir) < strlen(mnt))
			break;
		*s = '\0';
	}
	if (!delegated)
		return 0;
	snprintf(dir, sizeof(dir), "%s/usernetns-shield", mnt);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return errbuf_errno(err, -errno, "cannot make cgroup %s", dir);
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0) {
		errbuf_set(err, "cgroup %s is not root's", dir);
		return -EPERM;
	}
	snprintf(dir, sizeof(dir), "%s/usernetns-shield/cgroup.procs", mnt);
	fd = open(dir, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0\n", 2) != 2) {
		int r = -errno;

		if (fd >= 0)
			close(fd);
		return errbuf_errno(err, r ? r : -EIO,
				    "cannot leave a cgroup its user controls (into %s)", dir);
	}
	close(fd);
	return 0;
}

/* Leave the caller's user no hold on this process. */
static int become_unreachable(struct errbuf *err)
{
	static const int setid[] = { CAP_SETUID, CAP_SETGID, CAPS_END };
	sigset_t none;

	/* A helper holds CAP_SETUID and CAP_SETGID permitted only. */
	if (geteuid() != 0 && caps_reload() < 0) {
		errbuf_set(err, "cannot read this process's capabilities");
		return -EPERM;
	}
	if (geteuid() != 0 && caps_raise(setid, err) < 0)
		return -EPERM;
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return errbuf_errno(err, -errno,
				    "cannot become root for a shared namespace's lock");
	/* Out of the terminal's process group and session: no ^Z, no SIGHUP. */
	if (setsid() < 0)
		return errbuf_errno(err, -errno, "cannot start a session of its own");
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* Signals the parent blocked or ignored must not keep the child from dying. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	/*
	 * Nothing of the caller's that would slow the work under the lock:
	 * its priority, scheduling class, I/O class, timer slack, umask.
	 */
	umask(077);
	setpriority(PRIO_PROCESS, 0, 0);
	sched_setscheduler(0, SCHED_OTHER, &(struct sched_param){ 0 });
	syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, 0 /* the default */);
	prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0);
	return leave_user_cgroup(err);
}

static void child(int sock, shield_fn fn, void *data, size_t out_size)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct answer *a;
	struct iovec iov;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fd = -1;

	a = calloc(1, sizeof(*a) + out_size);
	if (!a)
		_exit(1);
	a->result = become_unreachable(&a->err);
	if (a->result == 0)
		a->result = fn(data, a + 1, &fd, &a->err);
	iov = (struct iovec){ .iov_base = a, .iov_len = sizeof(*a) + out_size };
	if (fd >= 0) {
		struct cmsghdr *c;

		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	_exit(sendmsg(sock, &msg, MSG_NOSIGNAL) == (ssize_t)iov.iov_len ? 0 : 1);
}

int shield_run(shield_fn fn, void *data, void *out, size_t out_size, int *ret_fd,
	       struct errbuf *err)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct answer *a;
	struct iovec iov;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	int sv[2], status, r;
	ssize_t n;
	pid_t pid;

	*ret_fd = -1;
	/*
	 * A child of a multi-threaded process may deadlock on a lock another
	 * thread held at the fork (malloc's, stdio's): such callers are
	 * services of root's (a user's su or helper has one thread), and do
	 * the work themselves.
	 */
	if (util_thread_count() != 1)
		return fn(data, out, ret_fd, err);
	a = calloc(1, sizeof(*a) + out_size);
	if (!a) {
		errbuf_set(err, "out of memory");
		return -ENOMEM;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		r = errbuf_errno(err, -errno, "cannot make a socket pair");
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		r = errbuf_errno(err, -errno, "cannot fork");
		close(sv[0]);
		close(sv[1]);
		goto out;
	}
	if (pid == 0) {
		close(sv[0]);
		child(sv[1], fn, data, out_size);
	}
	close(sv[1]);
	iov = (struct iovec){ .iov_base = a, .iov_len = sizeof(*a) + out_size };
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	do
		n = recvmsg(sv[0], &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	close(sv[0]);
	/* A caller that reaps every child (a SIGCHLD handler) may be first. */
	status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)iov.iov_len) {
		errbuf_set(err, "the process that held the shared namespace's lock died (%s)",
			   WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "no answer");
		r = -ECHILD;
		goto out;
	}
	c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
	r = a->result;
	if (r < 0 && err)
		*err = a->err;
	/* On failure the caller's out stays as it was, as without a shield. */
	if (r >= 0 && out_size)
		memcpy(out, a + 1, out_size);
out:
	free(a);
	return r;
}

struct locked_call {
	const struct uns_paths *p;
	owner_t owner;
	unsigned int lock_timeout_ms;
	shield_fn fn;
	void *data;
};

static int run_locked(void *data, void *out, int *ret_fd, struct errbuf *err)
{
	const struct locked_call *c = data;
	int lockfd, r;

	r = state_lock(c->p, c->owner, c->lock_timeout_ms, &lockfd, err);
	if (r < 0)
		return r;
	r = c->fn(c->data, out, ret_fd, err);
	close(lockfd);
	return r;
}

int shield_run_locked(const struct uns_paths *p, owner_t owner, unsigned int lock_timeout_ms,
		      shield_fn fn, void *data, void *out, size_t out_size, int *ret_fd,
		      struct errbuf *err)
{
	struct locked_call c = { p, owner, lock_timeout_ms, fn, data };
	int fd = -1, r;

	if (owner_is_group(owner))
		r = shield_run(run_locked, &c, out, out_size, &fd, err);
	else
		r = run_locked(&c, out, &fd, err);
	if (r >= 0 && ret_fd) {
		*ret_fd = fd;
		return r;
	}
	if (ret_fd)
		*ret_fd = -1;
	if (fd >= 0)
		close(fd);
	return r;
}
