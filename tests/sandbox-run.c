/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sandbox-run COMMAND [ARG...]: run a (shell) test in the sandbox the C
 * tests use (see test_sandbox()), as PID 2 of its own PID namespace, on a
 * network namespace that plays the host and a tmpfs /run.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: sandbox-run COMMAND [ARG...]\n");
		return 2;
	}
	test_sandbox();
	fflush(NULL);
	execvp(argv[1], argv + 1);
	printf("Bail out! cannot run %s: %s\n", argv[1], strerror(errno));
	return 1;
}
