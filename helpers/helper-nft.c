/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nft(8), run and never linked (GPL): by usernetns-firewall, and by
 * usernetns-create --dry-run to check the host's side it shows.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include "helper.h"
#include "usernetns/firewall.h"

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

int helper_nft_verdict(const char *table, const char *what)
{
	struct errbuf err = { "" };
	int r = helper_nft_check(table, &err);

	if (r == -EBADMSG) {
		helper_error("%s%snft refuses table %s %s %s", what ? what : "", what ? ": " : "",
			     FIREWALL_FAMILY, FIREWALL_TABLE, err.msg);
		return HELPER_EXIT_FAILED;
	}
	if (r < 0)
		helper_error("warning: %s is not checked with nft: %s", what ? what : "the table",
			     err.msg);
	return 0;
}

int helper_print_host_table(const struct policy *policy, const char *heading)
{
	struct errbuf err = { "" };
	char *table = NULL;
	int r;

	r = firewall_render(policy, &table, NULL, &err);
	if (r < 0 && heading) {
		helper_error("warning: the host's side cannot be made: %s", err.msg);
		return 0;
	}
	if (r < 0) {
		helper_error("cannot make the table: %s", err.msg);
		return HELPER_EXIT_FAILED;
	}
	if (heading)
		printf("%s", heading);
	fputs(table, stdout);
	fflush(stdout);
	r = helper_nft_verdict(table, heading ? "the host's side" : NULL);
	free(table);
	return r;
}
