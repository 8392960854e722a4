/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam-service PATH [--secdir DIR] [--conf FILE] [OPTION...]: the shell
 * tests' way to test_pam_service() (tests/testutil.h), the one writer of
 * a PAM service that names the built module.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "testutil.h"

int main(int argc, char **argv)
{
	const char *secdir = NULL, *conf = NULL;
	char options[1024] = "";
	int i = 2;

	if (argc < 2) {
		fprintf(stderr, "usage: pam-service PATH [--secdir DIR] [--conf FILE] [OPTION...]\n");
		return 2;
	}
	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "--secdir") == 0)
			secdir = argv[i + 1];
		else if (strcmp(argv[i], "--conf") == 0)
			conf = argv[i + 1];
		else
			break;
	}
	for (; i < argc; i++)
		snprintf(options + strlen(options), sizeof(options) - strlen(options), "%s%s",
			 options[0] ? " " : "", argv[i]);
	test_pam_service(argv[1], secdir, conf, options);
	return 0;
}
