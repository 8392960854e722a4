/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * usernetns-create: make the namespace a login of USER would get.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "usernetns/plan.h"
#include "usernetns/policy.h"

#define PROG "usernetns-create"

enum {
	EXIT_USAGE = 2,
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s --dry-run [--config FILE] USER...\n"
		"\n"
		"Show the namespace, links and addresses a login of each USER would get.\n"
		"\n"
		"  -n, --dry-run      print the plan; change nothing\n"
		"  -c, --config FILE  read FILE instead of %s\n"
		"  -h, --help         show this help\n"
		"  -V, --version      show the version\n",
		PROG, USERNETNS_POLICY_PATH);
}

static void print_diag(const struct diag *d)
{
	for (size_t i = 0; i < d->n_entries; i++)
		fprintf(stderr, "%s\n", d->entries[i].text);
	if (d->n_dropped)
		fprintf(stderr, "%s: %zu more messages not shown\n", PROG,
			d->n_dropped);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	const char *config = USERNETNS_POLICY_PATH;
	bool dry_run = false, own_config = false;
	struct diag diag = DIAG_INIT;
	struct policy *policy = NULL;
	int c, r, status = EXIT_SUCCESS;

	while ((c = getopt_long(argc, argv, "nc:hV", options, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry_run = true;
			break;
		case 'c':
			config = optarg;
			own_config = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("%s %s\n", PROG, PACKAGE_VERSION);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "%s: no USER given\n", PROG);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!dry_run) {
		fprintf(stderr, "%s: only --dry-run is available in this version\n",
			PROG);
		return EXIT_USAGE;
	}

	/* A draft policy of the caller's own is fine to check. */
	r = policy_load(config, own_config ? getuid() : 0, POLICY_CHECK_NAMES,
			&policy, &diag);
	print_diag(&diag);
	if (r < 0) {
		if (diag.n_errors > 0 && r == -EINVAL)
			fprintf(stderr, "%s: %s: %zu error%s; nothing would be created\n",
				PROG, config, diag.n_errors,
				diag.n_errors == 1 ? "" : "s");
		diag_clear(&diag);
		return EXIT_FAILURE;
	}
	diag_clear(&diag);

	for (int i = optind; i < argc; i++) {
		struct errbuf err = { "" };
		struct plan plan;

		r = plan_resolve(policy, argv[i], &plan, &err);
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", PROG, err.msg);
			status = EXIT_FAILURE;
			continue;
		}
		plan_print(&plan, config, USERNETNS_RUNDIR, stdout);
	}
	policy_free(policy);
	return status;
}
