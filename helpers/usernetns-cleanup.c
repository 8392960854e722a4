/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * usernetns-cleanup: remove what usernetns made and nobody uses any more,
 * and nothing else (lib/cleanup.c judges): namespaces with no session and
 * no process, names left half-made, host ends of lost namespaces, records
 * of vanished ones, and the leases of users the policy no longer gives
 * addresses.  With --forget, the records of users' last placements
 * (lib/placement.c), which nothing else removes while the directory
 * cannot say that a user left a group.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

#include <linux/capability.h>

#include "helper.h"
#include "usernetns/cleanup-report.h"
#include "usernetns/placement.h"
#include "usernetns/targets.h"

static const int cleanup_caps[] = { CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SYS_PTRACE,
				    CAP_SETUID,	   CAP_SETGID,	  CAPS_END };
static const int work_caps[] = { CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SYS_PTRACE, CAPS_END };

struct options {
	bool dry_run;
	bool force;
	bool all;
	bool as_teardown;
	bool forget;
	bool by_uid; /* --uid: uid, with the group's namespace */
	uid_t uid;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [--dry-run] [--force] [--as-teardown] [--all | --uid UID | USER...]\n"
		"       %s [--dry-run] --forget USER...\n"
		"\n"
		"Remove the network namespaces of USER (default: yourself), or with --all of\n"
		"everybody, that no session and no process uses; records, names and host\n"
		"interfaces left behind; and the address leases of users the policy no\n"
		"longer gives addresses.  Never anything usernetns did not make.\n"
		"\n"
		"  -n, --dry-run  say what would be done; change nothing\n"
		"  -f, --force    also remove namespaces with processes (named first;\n"
		"                 root and admin_group only)\n"
		"  -a, --all      everybody's (root and admin_group only)\n"
		"  -t, --as-teardown  unused namespaces only where the policy's teardown\n"
		"                 removes them (kept under teardown = never)\n"
		"  -U, --uid UID  the user of that uid, and the group's namespace the\n"
		"                 policy puts them in (what a user manager's stop runs)\n"
		"      --forget   forget the section that last placed each USER, so that\n"
		"                 their next login is placed by what the directory answers\n"
		"                 now (root and admin_group only)\n"
		"  -h, --help     show this help\n"
		"  -V, --version  show the version\n",
		helper_prog, helper_prog);
}

/* Whose: everybody's (*ret_only NULL), or the users named, if allowed. */
static int targets(const struct options *o, const struct policy *policy, int argc, char **argv,
		   owner_t **ret_only, size_t *ret_n)
{
	size_t n = argc > 0 ? (size_t)argc : 1, m = 0;
	owner_t *only;
	int r;

	/*
	 * A namespace removed with processes inside lives on with them, out
	 * of sight: with --force a user could pile them up without bound.
	 */
	if ((o->force || o->all) && !helper_is_admin(policy)) {
		helper_error(
			o->force ?
				"--force is for root and members of admin_group; end the processes in your namespace first" :
				"--all is for root and members of admin_group");
		return HELPER_EXIT_DENIED;
	}
	*ret_only = NULL;
	*ret_n = 0;
	if (o->all)
		return 0;
	/* Each user's own, and the group's namespace the policy puts them in. */
	only = calloc(2 * n, sizeof(*only));
	if (!only) {
		helper_error("out of memory");
		return HELPER_EXIT_FAILED;
	}
	for (size_t i = 0; i < n; i++) {
		const char *user = argc > 0 ? argv[i] : NULL;
		char name[32];
		uid_t uid = o->uid;

		if (o->by_uid) {
			snprintf(name, sizeof(name), "uid %lu", (unsigned long)uid);
			r = helper_may_manage(policy, uid, name);
		} else {
			r = helper_target(policy, user, &uid);
		}
		if (r) {
			free(only);
			return r;
		}
		/*
		 * One's own group's namespace too, when unused, and that of
		 * the user of --uid (a user manager's last stop): not another's
		 * named here, and never with --force (it would take every
		 * member's processes out of it).
		 */
		m += targets_of_user(policy, uid, (!user || o->by_uid) && !o->force, only + m);
	}
	*ret_only = only;
	*ret_n = m;
	return 0;
}

/*
 * --forget: the directory cannot say that these users left the group
 * that last placed them (SSSD's ignore_group_members); the admin can.
 */
static int forget(const struct options *o, const struct policy *policy, int argc, char **argv)
{
	char what[POLICY_LABEL_MAX + 32];
	struct errbuf err = { "" };
	int status = HELPER_EXIT_OK;

	if (!helper_is_admin(policy)) {
		helper_error("--forget is for root and members of admin_group");
		return HELPER_EXIT_DENIED;
	}
	for (int i = 0; i < argc; i++) {
		struct placement last;
		uid_t uid;
		int r;

		r = helper_target_uid(argv[i], &uid);
		if (r) {
			status = r;
			continue;
		}
		r = caps_fs_root(true, &err);
		if (r == 0) {
			r = placement_read(&uns_paths_default, uid, &last, &err);
			if (r == 0 && !o->dry_run)
				r = placement_forget(&uns_paths_default, uid, &err);
		}
		caps_fs_root(false, NULL);
		if (r == -ENOENT) {
			printf("%s: no record of a placement\n", argv[i]);
			continue;
		}
		if (r < 0) {
			helper_error("%s", err.msg);
			status = HELPER_EXIT_FAILED;
			continue;
		}
		cleanup_report_placement(&last, what, sizeof(what));
		printf("%s the last placement of %s: %s\n", o->dry_run ? "would forget" : "forgot",
		       argv[i], what);
		if (!o->dry_run)
			syslog(LOG_AUTHPRIV | LOG_NOTICE,
			       "uid %lu forgot the last placement of %s: %s",
			       (unsigned long)helper_caller(), argv[i], what);
	}
	return status;
}

int main(int argc, char **argv)
{
	static const struct option options[] = { { "dry-run", no_argument, NULL, 'n' },
						 { "force", no_argument, NULL, 'f' },
						 { "all", no_argument, NULL, 'a' },
						 { "as-teardown", no_argument, NULL, 't' },
						 { "uid", required_argument, NULL, 'U' },
						 { "forget", no_argument, NULL, 'F' },
						 { "help", no_argument, NULL, 'h' },
						 { "version", no_argument, NULL, 'V' },
						 { 0 } };
	struct cleanup_report_count count = { 0 };
	char done[CLEANUP_REPORT_DONE_MAX];
	struct cleanup_plan plan = { 0 };
	struct options o = { 0 };
	struct errbuf err = { "" };
	struct policy *policy;
	size_t n_only = 0, failures = 0;
	owner_t *only = NULL;
	unsigned int flags;
	uint64_t v;
	int c, r;

	helper_prog = "usernetns-cleanup";
	while ((c = getopt_long(argc, argv, "nfatU:hV", options, NULL)) != -1) {
		switch (c) {
		case 'n':
			o.dry_run = true;
			break;
		case 'f':
			o.force = true;
			break;
		case 'a':
			o.all = true;
			break;
		case 't':
			o.as_teardown = true;
			break;
		case 'F':
			o.forget = true;
			break;
		case 'U':
			if (util_parse_decimal(optarg, UINT32_MAX - 1, &v, NULL) < 0) {
				helper_error("--uid %s: not a uid", optarg);
				return HELPER_EXIT_USAGE;
			}
			o.by_uid = true;
			o.uid = (uid_t)v;
			break;
		default:
			return helper_standard_option(c, usage, HELPER_EXIT_USAGE);
		}
	}
	if ((o.all || o.by_uid) && optind < argc) {
		helper_error("%s and USER... do not go together", o.all ? "--all" : "--uid");
		return HELPER_EXIT_USAGE;
	}
	if (o.all && o.by_uid) {
		helper_error("--all and --uid do not go together");
		return HELPER_EXIT_USAGE;
	}
	if (o.forget && (o.all || o.by_uid || o.force || o.as_teardown || optind == argc)) {
		helper_error("--forget takes USER... and no other option but --dry-run");
		return HELPER_EXIT_USAGE;
	}

	r = helper_start(helper_prog, cleanup_caps);
	if (r)
		return r;
	openlog(helper_prog, LOG_PID, LOG_AUTHPRIV);
	policy = helper_load_policy(NULL, false, false, &r);
	if (!policy)
		return r;
	if (o.forget) {
		r = forget(&o, policy, argc - optind, argv + optind);
		policy_free(policy);
		return r;
	}
	r = targets(&o, policy, argc - optind, argv + optind, &only, &n_only);
	if (r) {
		policy_free(policy);
		return r;
	}

	flags = (o.force ? CLEANUP_FORCE : 0) | (o.as_teardown ? CLEANUP_AS_TEARDOWN : 0);
	r = helper_work_begin(work_caps, &err);
	if (r == 0)
		r = cleanup_collect(&uns_paths_default, policy, only, n_only, flags, &plan, &err);
	if (r < 0) {
		helper_error("%s", err.msg);
		failures++;
	}
	for (size_t i = 0; i < plan.n; i++)
		cleanup_report_plan(&plan.v[i], o.dry_run, stdout);
	if (!o.dry_run)
		failures += cleanup_apply(&uns_paths_default, &plan, flags);
	for (size_t i = 0; i < plan.n; i++) {
		if (!o.dry_run && cleanup_report_outcome(&plan.v[i], stdout, &err) < 0)
			helper_error("%s", err.msg);
		else if (!o.dry_run && cleanup_report_done(&plan.v[i], done))
			syslog(LOG_AUTHPRIV | LOG_NOTICE, "uid %lu %s%s",
			       (unsigned long)helper_caller(), done,
			       o.force && plan.v[i].kind == CLEANUP_NAMESPACE ? " (--force)" : "");
		cleanup_report_count(&count, &plan.v[i], o.dry_run);
	}
	if (r == 0)
		cleanup_report_summary(&plan, &count, o.dry_run, failures, stdout);
	helper_work_end();
	cleanup_plan_free(&plan);
	policy_free(policy);
	free(only);
	return failures ? HELPER_EXIT_FAILED : HELPER_EXIT_OK;
}
