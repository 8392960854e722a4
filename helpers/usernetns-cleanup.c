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
#include "usernetns/cleanup.h"
#include "usernetns/placement.h"

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

static unsigned int cleanup_flags(const struct options *o)
{
	return (o->force ? CLEANUP_FORCE : 0) | (o->as_teardown ? CLEANUP_AS_TEARDOWN : 0);
}

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

static const char *plural(size_t n, const char *many)
{
	return n == 1 ? "" : many;
}

static void say_pids(const struct netns_id *id)
{
	pid_t pids[16];
	size_t n = 0;

	if (netns_list_pids(id, pids, 16, &n) < 0 || n == 0)
		return;
	printf("  processes inside:");
	for (size_t i = 0; i < n; i++)
		printf(" %ld", (long)pids[i]);
	printf("%s\n", n == 16 ? " ..." : "");
}

/* What is to be done, before anything is: all of a dry run. */
static void print_plan(const struct options *o, const struct cleanup_item *it)
{
	const struct inventory_entry *e = &it->ns;
	char b[ADDR_PREFIX_STRLEN], who[OWNER_STRLEN];

	switch (it->verdict) {
	case CLEANUP_IN_USE:
		printf("kept %s of %s: %zu session%s, %zu process%s\n", e->rec.netns, e->rec.name,
		       e->sessions, plural(e->sessions, "s"), e->processes,
		       plural(e->processes, "es"));
		return;
	case CLEANUP_KEPT_BY_POLICY:
		printf("kept %s of %s: unused, but teardown = never\n", e->rec.netns, e->rec.name);
		return;
	case CLEANUP_FORCED:
		printf("%s %s of %s with %zu session%s and %zu process%s (--force)\n",
		       o->dry_run ? "would remove" : "removing", e->rec.netns, e->rec.name,
		       e->sessions, plural(e->sessions, "s"), e->processes,
		       plural(e->processes, "es"));
		say_pids(&e->found);
		break;
	case CLEANUP_STALE:
		break;
	}
	if (!o->dry_run)
		return;
	switch (it->kind) {
	case CLEANUP_NAMESPACE:
		printf("would remove %s of %s: %s\n", e->rec.netns, e->rec.name, it->why);
		break;
	case CLEANUP_ORPHAN_LINK:
		printf("would remove host interface %s (of %s, %s)\n", it->link.ifname,
		       owner_describe(it->link.owner, who, sizeof(who)), it->why);
		break;
	case CLEANUP_LEASE:
		printf("would release lease %s of %s: %s\n",
		       addr_prefix_format(&it->lease.block, b, sizeof(b)),
		       owner_describe(it->lease.owner, who, sizeof(who)), it->why);
		break;
	}
}

/* What was done, and the log of it. */
static void print_outcome(const struct options *o, const struct cleanup_item *it)
{
	const struct state_record *rec = &it->ns.rec;
	uid_t caller = helper_caller();
	char b[ADDR_PREFIX_STRLEN], who[OWNER_STRLEN];

	if (it->kind == CLEANUP_LEASE)
		addr_prefix_format(&it->lease.block, b, sizeof(b));
	if (it->outcome == CLEANUP_FAILED) {
		if (it->kind == CLEANUP_NAMESPACE)
			helper_error("cannot remove '%s': %s", rec->netns, it->msg);
		else if (it->kind == CLEANUP_ORPHAN_LINK)
			helper_error("cannot remove host interface %s: %s", it->link.ifname,
				     it->msg);
		else
			helper_error("cannot release lease %s: %s", b, it->msg);
		return;
	}
	if (it->kind == CLEANUP_NAMESPACE && it->outcome == CLEANUP_KEPT &&
	    it->verdict != CLEANUP_IN_USE && it->verdict != CLEANUP_KEPT_BY_POLICY)
		printf("kept %s of %s: in use again\n", rec->netns, rec->name);
	if (it->outcome != CLEANUP_REMOVED)
		return;
	switch (it->kind) {
	case CLEANUP_NAMESPACE:
		printf("removed %s of %s: %s\n", rec->netns, rec->name, it->why);
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "uid %lu removed %s of %s%s",
		       (unsigned long)caller, rec->netns, rec->name, o->force ? " (--force)" : "");
		break;
	case CLEANUP_ORPHAN_LINK:
		printf("removed host interface %s (of %s, no record named it)\n", it->link.ifname,
		       owner_describe(it->link.owner, who, sizeof(who)));
		break;
	case CLEANUP_LEASE:
		owner_describe(it->lease.owner, who, sizeof(who));
		printf("released lease %s of %s: %s\n", b, who, it->why);
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "uid %lu released lease %s of %s",
		       (unsigned long)caller, b, who);
		break;
	}
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
		struct plan plan;
		uid_t uid;

		if (o->by_uid) {
			uid = o->uid;
			snprintf(name, sizeof(name), "uid %lu", (unsigned long)uid);
			r = helper_may_manage(policy, uid, name);
		} else {
			r = helper_target_uid(user, &uid);
			if (r == 0)
				r = helper_may_manage(policy, uid, user ? user : "yourself");
		}
		if (r) {
			free(only);
			return r;
		}
		only[m++] = owner_user(uid);
		/*
		 * One's own group's namespace too, when unused, and that of
		 * the user of --uid (a user manager's last stop): not another's
		 * named here, and never with --force (it would take every
		 * member's processes out of it).
		 */
		if ((!user || o->by_uid) && !o->force &&
		    plan_resolve_uid(policy, NULL, uid, &plan, NULL) == 0 &&
		    owner_is_group(plan.owner))
			only[m++] = plan.owner;
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
	char label[POLICY_NAME_MAX + 16];
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
		policy_section_label(last.kind, last.name, label, sizeof(label));
		printf("%s the last placement of %s: %s (mode %s)\n",
		       o->dry_run ? "would forget" : "forgot", argv[i], label,
		       policy_mode_to_string(last.mode));
		if (!o->dry_run)
			syslog(LOG_AUTHPRIV | LOG_NOTICE,
			       "uid %lu forgot the last placement of %s: %s (mode %s)",
			       (unsigned long)helper_caller(), argv[i], label,
			       policy_mode_to_string(last.mode));
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
	struct cleanup_plan plan = { 0 };
	struct options o = { 0 };
	struct errbuf err = { "" };
	struct policy *policy;
	size_t n_only = 0, removed = 0, kept = 0, failures = 0;
	owner_t *only = NULL;
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
		case 'U': {
			unsigned long v;

			if (util_parse_ulong(optarg, &v) < 0 || v >= UINT32_MAX) {
				helper_error("--uid %s: not a uid", optarg);
				return HELPER_EXIT_USAGE;
			}
			o.by_uid = true;
			o.uid = (uid_t)v;
			break;
		}
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

	r = helper_work_begin(work_caps, &err);
	if (r == 0)
		r = cleanup_collect(&uns_paths_default, policy, only, n_only, cleanup_flags(&o),
				    &plan, &err);
	if (r < 0) {
		helper_error("%s", err.msg);
		failures++;
	}
	for (size_t i = 0; i < plan.n; i++)
		print_plan(&o, &plan.v[i]);
	if (!o.dry_run)
		failures += cleanup_apply(&uns_paths_default, &plan, cleanup_flags(&o));
	for (size_t i = 0; i < plan.n; i++) {
		const struct cleanup_item *it = &plan.v[i];

		if (!o.dry_run)
			print_outcome(&o, it);
		bool kept_anyway =
			it->verdict == CLEANUP_IN_USE || it->verdict == CLEANUP_KEPT_BY_POLICY;

		if (o.dry_run ? !kept_anyway : it->outcome == CLEANUP_REMOVED)
			removed++;
		else if (kept_anyway || it->outcome == CLEANUP_KEPT || it->outcome == CLEANUP_GONE)
			kept++;
	}
	if (r == 0) {
		if (plan.hidden_processes > 0)
			printf("note: %zu processes could not be inspected\n",
			       plan.hidden_processes);
		printf("%zu %s, %zu kept%s\n", removed, o.dry_run ? "to remove" : "removed", kept,
		       failures ? ", some failures (see above)" : "");
	}
	helper_work_end();
	cleanup_plan_free(&plan);
	policy_free(policy);
	free(only);
	return failures ? HELPER_EXIT_FAILED : HELPER_EXIT_OK;
}
