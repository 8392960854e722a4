/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include "usernetns/caps.h"
#include "usernetns/shield.h"

/*
 * What the child says: its result and message, then the caller's data,
 * which starts at a + 1: aligned for anything, as malloc()'s memory is.
 */
struct answer {
	_Alignas(max_align_t) int result;
	struct errbuf err;
};

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
	/* Signals the parent blocked must not keep the child from dying. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	return 0;
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
