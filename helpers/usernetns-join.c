/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * usernetns-join: run a command inside a user's namespace, as
 * "ip netns exec" would, without any privilege left when it runs.
 *
 * The namespace comes from the policy and the user's record, never from
 * the command line: the name from netns_name and the uid, the namespace
 * mounted under that name must be the one whose inode the record holds.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <syslog.h>
#include <unistd.h>

#include <linux/capability.h>

#include "helper.h"
#include "usernetns/ensure.h"

/* Like env(1) and timeout(1): our failures, then the command's. */
enum {
	JOIN_EXIT_FAILED = 125,
	JOIN_EXIT_CANNOT_RUN = 126,
	JOIN_EXIT_NOT_FOUND = 127,
};

/* Enter the namespace and mount its /sys; read root's record of it. */
static const int join_caps[] = { CAP_SYS_ADMIN, CAP_DAC_READ_SEARCH, CAPS_END };

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [-u USER] [--] [COMMAND [ARG...]]\n"
		"\n"
		"Run COMMAND (default: your login shell) in the network namespace of\n"
		"USER (default: yourself), with no privileges.\n"
		"\n"
		"  -u, --user USER    whose namespace (root and admin_group only for others)\n"
		"  -c, --config FILE  read FILE instead of %s (root only)\n"
		"  -h, --help         show this help\n"
		"  -V, --version      show the version\n",
		helper_prog, USERNETNS_POLICY_PATH);
}

/* Our exit codes here are 125: the command's own are the rest. */
static int failed(int helper_code)
{
	return helper_code ? JOIN_EXIT_FAILED : 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = { { "user", required_argument, NULL, 'u' },
						 { "config", required_argument, NULL, 'c' },
						 { "help", no_argument, NULL, 'h' },
						 { "version", no_argument, NULL, 'V' },
						 { 0 } };
	const char *user = NULL, *config = NULL;
	char shell[PATH_MAX] = "/bin/sh", env[NAME_MAX + 16];
	struct errbuf err = { "" };
	struct policy *policy;
	struct plan plan;
	int c, r;

	helper_prog = "usernetns-join";
	/* '+': options end at the command, as for env(1). */
	while ((c = getopt_long(argc, argv, "+u:c:hV", options, NULL)) != -1) {
		switch (c) {
		case 'u':
			user = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		default:
			return helper_standard_option(c, usage, JOIN_EXIT_FAILED);
		}
	}

	if (helper_start(helper_prog, join_caps))
		return JOIN_EXIT_FAILED;
	openlog(helper_prog, LOG_PID, LOG_AUTHPRIV);
	/* Every failure of ours is 125, a refused --config too. */
	policy = helper_load_policy(config, false, false, &r);
	if (!policy)
		return JOIN_EXIT_FAILED;
	r = helper_plan(policy, user, false, &plan);
	policy_free(policy);
	if (r)
		return failed(r);
	if (plan.verdict != PLAN_HANDLED) {
		helper_error("%s has no namespace: the policy does not handle them", plan.user);
		return JOIN_EXIT_FAILED;
	}
	if (optind == argc) {
		struct passwd pw;
		char *buf = NULL;

		if (util_getpwuid(helper_caller(), &pw, &buf) == 0 && pw.pw_shell[0])
			snprintf(shell, sizeof(shell), "%s", pw.pw_shell);
		free(buf);
	}

	/* Into the very namespace usernetns made, and not one being removed (ensure.h). */
	r = caps_raise(join_caps, &err);
	if (r == 0)
		r = ensure_join(&uns_paths_default, &plan, &err);
	if (r == 0)
		r = netns_exec_prepare(plan.netns, &err);
	caps_lower();
	if (r < 0) {
		helper_error("cannot enter '%s': %s", plan.netns, err.msg);
		if (r == -EPERM)
			syslog(LOG_AUTHPRIV | LOG_WARNING, "uid %lu: refused to enter %s: %s",
			       (unsigned long)helper_caller(), plan.netns, err.msg);
		return JOIN_EXIT_FAILED;
	}

	syslog(LOG_AUTHPRIV | LOG_INFO, "uid %lu entered %s (of %s)",
	       (unsigned long)helper_caller(), plan.netns, plan.user);
	closelog();

	/* Nothing privileged, and nothing inherited, reaches the command. */
	util_close_from(3);
	if (caps_drop_all(&err) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		helper_error("cannot drop privileges: %s", err.msg[0] ? err.msg : strerror(errno));
		return JOIN_EXIT_FAILED;
	}
	snprintf(env, sizeof(env), "%s", plan.netns);
	if (setenv("USERNETNS", env, 1) < 0) {
		helper_error("cannot set USERNETNS: %s", strerror(errno));
		return JOIN_EXIT_FAILED;
	}

	if (optind == argc) {
		execl(shell, shell, (char *)NULL);
		r = errno;
		helper_error("cannot run %s: %s", shell, strerror(r));
	} else {
		execvp(argv[optind], argv + optind);
		r = errno;
		helper_error("cannot run %s: %s", argv[optind], strerror(r));
	}
	return r == ENOENT ? JOIN_EXIT_NOT_FOUND : JOIN_EXIT_CANNOT_RUN;
}
