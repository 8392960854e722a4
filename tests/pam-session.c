/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam-session SERVICE USER COMMAND [ARG...]: what a service manager does
 * for a unit with PAMName=SERVICE (systemd's user@.service uses the
 * systemd-user stack): the account and session stacks of SERVICE for
 * USER, then COMMAND as USER.  The session stays open (as for a user
 * manager), so whatever the stack did to the process, COMMAND inherits.
 */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
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
	int r;

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
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		perror("pam-session: cannot become the user");
		return 1;
	}
	execvp(argv[3], argv + 3);
	perror("pam-session: exec");
	return 127;
}
