/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam-login CONFDIR SERVICE USER: one login through a real PAM stack
 * (pam_start_confdir() and pam_open_session()), as sshd or login make it;
 * prints the microseconds each took: "OPEN START".  pam_start_confdir()
 * reads the stack and loads its modules; pam_open_session() is where the
 * module does its work.  The session stays open when the process exits,
 * as after a crash: the namespace remains for later logins.
 */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include <security/pam_appl.h>

static int conv(int n, const struct pam_message **msg, struct pam_response **resp,
		void *data)
{
	return PAM_CONV_ERR;
}

int main(int argc, char **argv)
{
	static const struct pam_conv conversation = { conv, NULL };
	struct timespec t0, t1, t2;
	pam_handle_t *pamh = NULL;
	int r;

	if (argc != 4) {
		fprintf(stderr, "usage: pam-login CONFDIR SERVICE USER\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = pam_start_confdir(argv[2], argv[3], &conversation, argv[1], &pamh);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (r == PAM_SUCCESS)
		r = pam_open_session(pamh, 0);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	if (r != PAM_SUCCESS) {
		fprintf(stderr, "pam-login: %s: %s\n", argv[3], pam_strerror(pamh, r));
		return 1;
	}
	printf("%.1f %.1f\n",
	       (double)(t2.tv_sec - t1.tv_sec) * 1e6 + (double)(t2.tv_nsec - t1.tv_nsec) / 1e3,
	       (double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3);
	return 0;
}
