/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam-session SERVICE USER COMMAND [ARG...]: what a service manager does
 * for a unit with PAMName=SERVICE (systemd's user@.service uses the
 * systemd-user stack), and what su and login do: the account and session
 * stacks of SERVICE for USER; COMMAND as USER in a child, which inherits
 * whatever the stack did to the process; when it ends, the session is
 * closed.  Exits with COMMAND's status.
 */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

static int conv(int n, const struct pam_message **msg, struct pam_response **resp,
		void *data)
{
	return PAM_CONV_ERR;
}

int main(int argc, char **argv)
{
	static const struct pam_conv conversation = { conv, NULL };
	pam_handle_t *pamh = NULL;
	struct passwd *pw;
	int r, status;
	pid_t child;

	if (argc < 4) {
		fprintf(stderr, "usage: pam-session SERVICE USER COMMAND [ARG...]\n");
		return 2;
	}
	pw = getpwnam(argv[2]);
	if (!pw) {
		fprintf(stderr, "pam-session: no user %s\n", argv[2]);
		return 2;
	}
	r = pam_start(argv[1], argv[2], &conversation, &pamh);
	if (r == PAM_SUCCESS)
		r = pam_acct_mgmt(pamh, PAM_SILENT);
	if (r == PAM_SUCCESS)
		r = pam_open_session(pamh, PAM_SILENT);
	if (r != PAM_SUCCESS) {
		fprintf(stderr, "pam-session: %s for %s: %s\n", argv[1], argv[2],
			pam_strerror(pamh, r));
		return 1;
	}
	fflush(stdout);
	child = fork();
	if (child < 0) {
		perror("pam-session: fork");
		return 1;
	}
	if (child == 0) {
		if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
		    setuid(pw->pw_uid) < 0) {
			perror("pam-session: cannot become the user");
			_exit(1);
		}
		execvp(argv[3], argv + 3);
		perror("pam-session: exec");
		_exit(127);
	}
	while (waitpid(child, &status, 0) < 0)
		;
	r = pam_close_session(pamh, PAM_SILENT);
	if (r != PAM_SUCCESS)
		fprintf(stderr, "pam-session: closing: %s\n", pam_strerror(pamh, r));
	pam_end(pamh, r);
	if (r != PAM_SUCCESS)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
