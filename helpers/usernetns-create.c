/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * usernetns-create: make the namespace a login of USER would get, by the
 * code path a login takes, without entering it; or, with --dry-run, show
 * what it would be.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <linux/capability.h>

#include "create-reload.h"
#include "helper.h"
#include "usernetns/dryrun.h"
#include "usernetns/ensure.h"
#include "usernetns/firewall.h"

/* Namespaces and links; root-owned state files through the fs uid. */
static const int create_caps[] = { CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SETUID, CAP_SETGID, CAPS_END };
static const int work_caps[] = { CAP_SYS_ADMIN, CAP_NET_ADMIN, CAPS_END };

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [--dry-run] [--config FILE] [USER...]\n"
		"       %s --reload\n"
		"\n"
		"Make the network namespace of each USER (default: yourself) as a login\n"
		"would, without entering it; with --dry-run, only show what it would be.\n"
		"\n"
		"  -n, --dry-run      print the plan; change nothing\n"
		"  -r, --reload       apply the policy to every live namespace (root)\n"
		"  -c, --config FILE  read FILE instead of %s\n"
		"                     (root, or with --dry-run)\n"
		"  -h, --help         show this help\n"
		"  -V, --version      show the version\n",
		helper_prog, helper_prog, USERNETNS_POLICY_PATH);
}

/*
 * The namespace's table a login makes, with what it takes from the host
 * (lib/dryrun.c), and what a login would find wrong about it.  An exit
 * code: a deny that holds the gateway is an error, as it is at login.
 */
static int print_namespace_table(const struct plan *plan, const char *path)
{
	struct nsdns_targets host;
	struct egress_addrs a;
	struct errbuf why = { "" };
	int r;

	if (plan->verdict != PLAN_HANDLED || !policy_mode_has_link(plan->mode))
		return 0;
	if (dryrun_table_addresses(&uns_paths_default, plan, &a, &why) < 0)
		helper_error("%s", why.msg);
	if (dryrun_host_resolvers(plan, stdout, &host, &why) < 0)
		helper_error("%s", why.msg);
	if (dryrun_check_resolver(&uns_paths_default, plan, &a.gw4, &why) < 0)
		helper_error("%s", why.msg);
	nsdns_targets(plan, &a.gw4, &host, &a.dns);
	r = dryrun_print_table(plan, &a, stdout, &why);
	if (r == -EINVAL)
		fprintf(stderr, "%s:%u: %s\n", path, plan->deny_line, why.msg);
	else if (r < 0)
		helper_error("%s", why.msg);
	return r < 0 ? HELPER_EXIT_FAILED : 0;
}

static int dry_run_one(const struct policy *policy, const char *config, const char *user,
		       bool *ret_nat)
{
	struct errbuf err = { "" };
	struct plan plan;
	uid_t uid;
	int r;

	r = helper_target_uid(user, &uid);
	if (r)
		return r;
	/*
	 * The record of the last placement is root's: root's dry run shows a
	 * move, or the refusal, a login would make; others' cannot read it.
	 */
	r = plan_resolve_uid(policy, geteuid() == 0 ? &uns_paths_default : NULL, uid, &plan, &err);
	if (r < 0) {
		helper_error("%s", err.msg);
		return HELPER_EXIT_FAILED;
	}
	plan_print(&plan, config ? config : USERNETNS_POLICY_PATH, USERNETNS_RUNDIR, stdout);
	r = print_namespace_table(&plan, config ? config : USERNETNS_POLICY_PATH);
	if (r)
		return r;
	if (dryrun_check_host_networks(&uns_paths_default, &plan, &err) < 0)
		helper_error("%s", err.msg);
	*ret_nat |= plan.verdict == PLAN_HANDLED && plan.mode == POLICY_MODE_NAT;
	return 0;
}

/* "PROG: warning: text" on standard error, and "uid N: text" in the log. */
__attribute__((format(printf, 1, 2))) static void warn_logged(const char *fmt, ...)
{
	char text[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	helper_error("warning: %s", text);
	syslog(LOG_AUTHPRIV | LOG_WARNING, "uid %lu: %s", (unsigned long)helper_caller(), text);
}

static void print_result(const struct plan *plan, const struct ensure_result *res)
{
	const struct state_record *rec = &res->record;
	char h[ADDR_PREFIX_STRLEN], p[ADDR_PREFIX_STRLEN];
	const char *what = res->changes & ENSURE_CREATED ? "created" :
			   res->changes			 ? "repaired" :
							   "already in place";

	printf("%s: namespace %s %s", plan->user, plan->netns, what);
	if (rec->host_ifname[0] && addr_prefix_is_set(&rec->peer4))
		printf(" (%s %s <-> %s %s)", rec->host_ifname,
		       addr_prefix_is_set(&rec->host4) ?
			       addr_prefix_format(&rec->host4, h, sizeof(h)) :
			       "-",
		       rec->peer_ifname, addr_prefix_format(&rec->peer4, p, sizeof(p)));
	else if (rec->host_ifname[0])
		printf(" (%s <-> %s)", rec->host_ifname, rec->peer_ifname);
	printf("\n");
}

static int create_one(const struct policy *policy, const char *user)
{
	struct ensure_result res;
	struct errbuf err = { "" };
	struct plan plan;
	int r;

	r = helper_plan(policy, user, true, &plan);
	if (r)
		return r;
	if (plan.verdict != PLAN_HANDLED) {
		helper_error("%s is not handled by the policy (%s)", plan.user,
			     plan.verdict == PLAN_BELOW_MIN_UID ? "uid below min_uid" :
								  "mode none");
		return HELPER_EXIT_FAILED;
	}

	r = helper_work_begin(work_caps, &err);
	if (r == 0)
		r = ensure_netns(&uns_paths_default, &plan, STATE_LOCK_TIMEOUT_MS, &res, &err);
	helper_work_end();
	if (r < 0) {
		helper_error("cannot create '%s': %s", plan.netns, err.msg);
		syslog(LOG_AUTHPRIV | LOG_WARNING, "uid %lu: creating %s for %s failed: %s",
		       (unsigned long)helper_caller(), plan.netns, plan.user, err.msg);
		return HELPER_EXIT_FAILED;
	}
	close(res.netns_fd);
	print_result(&plan, &res);
	if (res.record.host_side[0] && !streq(res.record.host_side, "ok"))
		helper_error(
			"warning: mode nat for %s: the host's side is not in place (%s): run usernetns-firewall --load",
			plan.user, res.record.host_side);
	if (res.dns_problem[0])
		warn_logged("dns = host for %s: %s; names do not resolve in %s", plan.user,
			    res.dns_problem, plan.netns);
	if (res.names_held[0])
		warn_logged("namespace %s of %s: %s; not published for it", plan.netns, plan.user,
			    res.names_held);
	if (res.changes)
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "uid %lu: %s namespace %s for %s",
		       (unsigned long)helper_caller(),
		       res.changes & ENSURE_CREATED ? "created" : "repaired", plan.netns,
		       plan.user);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "dry-run", no_argument, NULL, 'n' }, { "config", required_argument, NULL, 'c' },
		{ "reload", no_argument, NULL, 'r' },  { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' }, { 0 }
	};
	const char *config = NULL;
	struct policy *policy;
	struct errbuf err = { "" };
	bool dry_run = false, nat = false, reload = false;
	int c, status = 0;

	helper_prog = "usernetns-create";
	while ((c = getopt_long(argc, argv, "nc:rhV", options, NULL)) != -1) {
		switch (c) {
		case 'r':
			reload = true;
			break;
		case 'n':
			dry_run = true;
			break;
		case 'c':
			config = optarg;
			break;
		default:
			return helper_standard_option(c, usage, HELPER_EXIT_USAGE);
		}
	}

	if (reload && (dry_run || config || optind < argc)) {
		helper_error("--reload takes no user, --config or --dry-run: it is the policy's");
		return HELPER_EXIT_USAGE;
	}
	if (dry_run) {
		/* Nothing privileged in a dry run: no capability survives. */
		if (caps_drop_all(&err) < 0) {
			helper_error("%s", err.msg);
			return HELPER_EXIT_FAILED;
		}
		policy = helper_load_policy(config, true, true, &status);
		if (!policy)
			return status;
		if (optind == argc)
			status = dry_run_one(policy, config, NULL, &nat);
		for (int i = optind; i < argc; i++) {
			int r = dry_run_one(policy, config, argv[i], &nat);

			if (r && !status)
				status = r;
		}
		if (nat) {
			/* After the plans of mode nat: the host's side they need. */
			int r = helper_print_host_table(
				policy,
				"\nThe host's side (usernetns-firewall --load loads it):\n");

			if (r && !status)
				status = r;
		}
		policy_free(policy);
		return status;
	}

	status = helper_start("usernetns-create", create_caps);
	if (status)
		return status;
	openlog(helper_prog, LOG_PID, LOG_AUTHPRIV);
	policy = helper_load_policy(config, false, false, &status);
	if (!policy)
		return status;
	if (reload)
		status = create_reload(policy, work_caps);
	else if (optind == argc)
		status = create_one(policy, NULL);
	for (int i = optind; i < argc; i++) {
		int r = create_one(policy, argv[i]);

		if (r && !status)
			status = r;
	}
	policy_free(policy);
	return status;
}
