/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include "helper.h"
#include "usernetns/hostns.h"
#include "usernetns/netns.h"

const char *helper_prog = "usernetns";

void helper_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", helper_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void helper_version(void)
{
	printf("%s %s\n", helper_prog, PACKAGE_VERSION);
}

int helper_standard_option(int c, void (*usage)(FILE *out), int usage_code)
{
	switch (c) {
	case 'h':
		usage(stdout);
		return HELPER_EXIT_OK;
	case 'V':
		helper_version();
		return HELPER_EXIT_OK;
	default:
		usage(stderr);
		return usage_code;
	}
}

uid_t helper_caller(void)
{
	return getuid();
}

int helper_start(const char *prog, const int *caps)
{
	struct errbuf err = { "" };

	helper_prog = prog;
	/* A file the policy opens must not land on a closed standard fd. */
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			if (open("/dev/null", O_RDWR) != fd)
				return HELPER_EXIT_FAILED;
		}
	if (caps_init(prog, caps, &err) < 0) {
		helper_error("%s", err.msg);
		return HELPER_EXIT_DENIED;
	}
	return 0;
}

static void print_diag(const struct diag *d)
{
	for (size_t i = 0; i < d->n_entries; i++)
		fprintf(stderr, "%s\n", d->entries[i].text);
	if (d->n_dropped)
		helper_error("%zu more messages not shown", d->n_dropped);
}

struct policy *helper_load_policy(const char *config, bool dry_run, bool check_names,
				  int *ret_status)
{
	struct diag diag = DIAG_INIT;
	struct policy *policy = NULL;
	struct errbuf err = { "" };
	uid_t trusted = 0;
	int r;

	*ret_status = HELPER_EXIT_FAILED;
	if (config && helper_caller() != 0) {
		if (!dry_run) {
			helper_error(
				"--config is only for root, or with --dry-run: privileged actions use %s",
				USERNETNS_POLICY_PATH);
			*ret_status = HELPER_EXIT_DENIED;
			return NULL;
		}
		/* Whatever the file says, nothing privileged follows. */
		if (caps_drop_all(&err) < 0) {
			helper_error("%s", err.msg);
			return NULL;
		}
		trusted = helper_caller();
	} else if (config && dry_run) {
		trusted = helper_caller();
	}
	r = policy_load(config ? config : USERNETNS_POLICY_PATH, trusted,
			check_names ? POLICY_CHECK_NAMES : 0, &policy, &diag);
	print_diag(&diag);
	if (r == 0)
		*ret_status = 0;
	if (r < 0) {
		if (r == -EINVAL && diag.n_errors > 0)
			helper_error("%s: %zu error%s; nothing was done",
				     config ? config : USERNETNS_POLICY_PATH, diag.n_errors,
				     diag.n_errors == 1 ? "" : "s");
		diag_clear(&diag);
		return NULL;
	}
	diag_clear(&diag);
	return policy;
}

/* The caller's groups as the kernel has them (not a group file's list). */
static int caller_groups(gid_t *groups, size_t max)
{
	int n = getgroups((int)max - 1, groups);

	if (n < 0)
		return -errno;
	groups[n++] = getgid();
	return n;
}

bool helper_is_admin(const struct policy *policy)
{
	gid_t groups[NGROUPS_MAX + 1];
	struct errbuf err;
	int n = caller_groups(groups, NGROUPS_MAX + 1);

	/* No uid is (uid_t)-1: only root and admin_group may act for it. */
	return n >= 0 &&
	       plan_may_manage(policy, helper_caller(), groups, (size_t)n, (uid_t)-1, &err) == 0;
}

int helper_may_manage(const struct policy *policy, uid_t target, const char *label)
{
	struct errbuf err = { "" };
	gid_t groups[NGROUPS_MAX + 1];
	int n, r;

	n = caller_groups(groups, NGROUPS_MAX + 1);
	if (n < 0) {
		helper_error("cannot read the groups of this process: %s", strerror(-n));
		return HELPER_EXIT_FAILED;
	}
	r = plan_may_manage(policy, helper_caller(), groups, (size_t)n, target, &err);
	if (r == -EPERM) {
		helper_error("not allowed to act for %s: %s", label, err.msg);
		return HELPER_EXIT_DENIED;
	}
	if (r < 0) {
		helper_error("%s", err.msg);
		return HELPER_EXIT_FAILED;
	}
	return 0;
}

int helper_target_uid(const char *user, uid_t *ret)
{
	struct passwd pw;
	char *buf = NULL;
	int r;

	if (!user) {
		*ret = helper_caller();
		return 0;
	}
	r = util_getpwnam(user, &pw, &buf);
	if (r == 0)
		*ret = pw.pw_uid;
	free(buf);
	if (r == -ENOENT) {
		helper_error("unknown user '%s'", user);
		return HELPER_EXIT_FAILED;
	}
	if (r < 0) {
		helper_error("cannot look up user '%s': %s", user, strerror(-r));
		return HELPER_EXIT_FAILED;
	}
	return 0;
}

int helper_plan(const struct policy *policy, const char *user, bool history, struct plan *ret)
{
	struct errbuf err = { "" };
	uid_t uid;
	int r;

	r = helper_target_uid(user, &uid);
	if (r)
		return r;
	r = helper_may_manage(policy, uid, user ? user : "yourself");
	if (r)
		return r;
	/* The record of the last placement is root's: read as root, as a login does. */
	r = history ? caps_fs_root(true, &err) : 0;
	if (r == 0)
		r = plan_resolve_uid(policy, history ? &uns_paths_default : NULL, uid, ret, &err);
	if (history)
		caps_fs_root(false, NULL);
	if (r < 0) {
		helper_error("%s", err.msg);
		return HELPER_EXIT_FAILED;
	}
	return 0;
}

int helper_work_begin(const int *caps, struct errbuf *err)
{
	int r;

	r = caps_fs_root(true, err);
	if (r == 0)
		r = caps_raise(caps, err);
	if (r == 0)
		r = hostns_enter(&uns_paths_default, NULL, err);
	return r;
}

void helper_work_end(void)
{
	caps_lower();
	caps_fs_root(false, NULL);
}

/* ---- nft(8) ---------------------------------------------------------------------- */

/* How a child that never reached nft says why. */
enum {
	NFT_NO_NAMESPACE = 125,
	NFT_CANNOT_RUN = 126,
	NFT_NOT_INSTALLED = 127,
};

/*
 * In the child that checks: a network namespace of its own, whose
 * ruleset is empty, so that nft asks the kernel about our table alone.
 * Who may not make one (anybody but root, and root after a dry run
 * dropped every capability) makes it in a user namespace of its own,
 * where it has CAP_NET_ADMIN over that network namespace alone, and
 * passes that on to nft.  No uid is mapped: nft needs no file.
 */
static int own_netns(struct errbuf *err)
{
	if (unshare(CLONE_NEWNET) == 0)
		return 0;
	if (errno != EPERM)
		return errbuf_errno(err, -errno, "cannot make a network namespace to check it in");
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
		return errbuf_errno(err, -errno,
				    "cannot make a user and network namespace to check it in");
	return caps_pass_on(CAP_NET_ADMIN, err);
}

/* The child: nft on in; to check, in a namespace of its own, its messages on out. */
static _Noreturn void nft_child(int in, int out, bool check)
{
	struct errbuf err = { "" };
	int e;

	if (dup2(in, STDIN_FILENO) < 0)
		_exit(NFT_CANNOT_RUN);
	if (check) {
		if (dup2(out, STDOUT_FILENO) < 0 || dup2(out, STDERR_FILENO) < 0)
			_exit(NFT_CANNOT_RUN);
		if (own_netns(&err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			_exit(NFT_NO_NAMESPACE);
		}
		execl(USERNETNS_NFT, "nft", "-c", "-f", "-", (char *)NULL);
	} else {
		execl(USERNETNS_NFT, "nft", "-f", "-", (char *)NULL);
	}
	e = errno;
	if (e == ENOENT)
		_exit(NFT_NOT_INSTALLED);
	/* Checking, the parent says it; loading, this is on the caller's stderr. */
	fprintf(stderr, "%s%scannot run %s: %s\n", check ? "" : helper_prog, check ? "" : ": ",
		USERNETNS_NFT, strerror(e));
	_exit(NFT_CANNOT_RUN);
}

/*
 * nft with script on its standard input: to load it, or with check only
 * to check it (nft -c, in a namespace of its own, its messages kept in
 * *ret_output).  The exit status as waitpid() says it, or -errno.
 */
static int nft_spawn(const char *script, bool check, char **ret_output)
{
	int in, out[2] = { -1, -1 }, status, r = 0;
	size_t len = strlen(script), done = 0, n_out;
	pid_t pid;

	/* A file, not a pipe: whole before nft starts, so nothing here waits on it. */
	in = memfd_create("usernetns-table", MFD_CLOEXEC);
	if (in < 0)
		return -errno;
	while (done < len && r == 0) {
		ssize_t n = write(in, script + done, len - done);

		if (n < 0 && errno != EINTR)
			r = -errno;
		else if (n > 0)
			done += (size_t)n;
	}
	if (r == 0 && lseek(in, 0, SEEK_SET) < 0)
		r = -errno;
	if (r == 0 && check && pipe2(out, O_CLOEXEC) < 0)
		r = -errno;
	if (r < 0) {
		close(in);
		return r;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(in);
		if (check) {
			close(out[0]);
			close(out[1]);
		}
		return r;
	}
	if (pid == 0)
		nft_child(in, out[1], check);
	close(in);
	if (check) {
		close(out[1]);
		r = util_read_fd(out[0], 65536, ret_output, &n_out);
		close(out[0]);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return r < 0 ? r : status;
}

int helper_nft_load(const char *script)
{
	int status = nft_spawn(script, false, NULL);

	if (status < 0) {
		helper_error("cannot run %s: %s", USERNETNS_NFT, strerror(-status));
		return status;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == NFT_NOT_INSTALLED)
		return -ENOENT;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

/*
 * nft's reason, from its output: its first error,
 * "/dev/stdin:4:10-20: Error: what" as "at line 4:10-20: what", or its
 * first line.  Whether the error is in the table (it names a place in
 * it), not about nft itself (netlink refused to a user namespace, say).
 */
static bool nft_reason(const char *output, struct errbuf *why)
{
	static const char input[] = "/dev/stdin:", error[] = ": Error: ";
	const char *start = output, *mark = strstr(output, error), *end;

	if (mark) {
		start = mark;
		while (start > output && start[-1] != '\n')
			start--;
	}
	end = start + strcspn(start, "\n");
	if (mark && strncmp(start, input, strlen(input)) == 0) {
		errbuf_set(why, "at line %.*s: %.*s", (int)(mark - start - strlen(input)),
			   start + strlen(input), (int)(end - mark - strlen(error)),
			   mark + strlen(error));
		return true;
	}
	errbuf_set(why, "%.*s", (int)(end - start), start);
	return false;
}

int helper_nft_check(const char *table, struct errbuf *why)
{
	char *output = NULL;
	int status, r;

	status = nft_spawn(table, true, &output);
	if (status < 0) {
		free(output);
		return errbuf_errno(why, status, "cannot run %s", USERNETNS_NFT);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		r = 0;
	else if (WIFEXITED(status) && WEXITSTATUS(status) == NFT_NOT_INSTALLED) {
		errbuf_set(why, "%s is not installed (package nftables)", USERNETNS_NFT);
		r = -ENOENT;
	} else if (WIFEXITED(status) && (WEXITSTATUS(status) == NFT_NO_NAMESPACE ||
					 WEXITSTATUS(status) == NFT_CANNOT_RUN)) {
		nft_reason(output, why);
		r = -EPERM;
	} else if (nft_reason(output, why)) {
		r = -EBADMSG;
	} else {
		/* Not the table's fault: nft could not ask (a user namespace refused). */
		char reason[sizeof(why->msg)];

		snprintf(reason, sizeof(reason), "%s", why->msg[0] ? why->msg : "it said nothing");
		errbuf_set(why, "nft ended with status %d: %s",
			   WIFEXITED(status) ? WEXITSTATUS(status) : -1, reason);
		r = -EPERM;
	}
	free(output);
	return r;
}
