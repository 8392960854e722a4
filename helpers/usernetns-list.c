/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * usernetns-list: the namespaces usernetns made, one row each.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include <linux/capability.h>

#include "helper.h"
#include "usernetns/report.h"
#include "usernetns/targets.h"

/* The records are root's (0600): only to read them. */
static const int read_caps[] = { CAP_DAC_READ_SEARCH, CAPS_END };
/* And to count other users' processes: optional. */
static const int all_caps[] = { CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE, CAPS_END };
static const int ptrace_caps[] = { CAP_SYS_PTRACE, CAPS_END };
/* --stats: into each namespace, to ask its nf_tables (root's). */
static const int stats_caps[] = { CAP_SYS_ADMIN, CAP_NET_ADMIN, CAPS_END };

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [--json] [--stats] [-u USER]\n"
		"       %s --usage [--since YYYY-MM-DD] [--json] [-u USER]\n"
		"       %s --openmetrics|--prometheus [--stats] [-u USER] [-o FILE]\n"
		"\n"
		"List the network namespaces usernetns made: yours, or everybody's for\n"
		"root and members of admin_group.\n"
		"\n"
		"  -j, --json       print JSON instead of a table\n"
		"  -s, --stats      with what each namespace's filter refused (root)\n"
		"  -U, --usage      what namespaces sent and received, kept past them\n"
		"      --since DAY  --usage from DAY (UTC) on\n"
		"      --openmetrics  all of it as metrics, OpenMetrics text\n"
		"      --prometheus   the same in Prometheus' text format (node_exporter)\n"
		"  -o, --output FILE  the metrics into FILE, replaced whole (0644)\n"
		"  -u, --user USER  only USER's\n"
		"  -h, --help       show this help\n"
		"  -V, --version    show the version\n",
		helper_prog, helper_prog, helper_prog);
}

/*
 * What each namespace's filter refused: a question to its own nf_tables,
 * from inside it, which needs CAP_SYS_ADMIN and CAP_NET_ADMIN (root's; a
 * read of every namespace's counter is not for everybody's list).
 */
static int read_stats(struct inventory *inv, struct errbuf *err)
{
	int r;

	if (caps_raise(stats_caps, NULL) < 0) {
		errbuf_set(err, "--stats needs CAP_SYS_ADMIN and CAP_NET_ADMIN: run it as root");
		return -EPERM;
	}
	r = report_read_refused(&uns_paths_default, inv, err);
	caps_lower();
	return r;
}

/*
 * The metrics on stdout, or into output whole (report_metrics_to_file()),
 * written with the caller's own rights: the capability raised is for
 * reading the usage files.
 */
static int write_metrics(const struct inventory *inv, const struct report_host_side *fw,
			 const owner_t *owners, size_t n, enum report_metrics_format fmt,
			 const char *output, struct errbuf *err)
{
	if (!output)
		return report_metrics(&uns_paths_default, inv, fw, owners, n, fmt, stdout, err);
	return report_metrics_to_file(&uns_paths_default, inv, fw, owners, n, fmt, output, err);
}

int main(int argc, char **argv)
{
	static const struct option options[] = { { "json", no_argument, NULL, 'j' },
						 { "stats", no_argument, NULL, 's' },
						 { "user", required_argument, NULL, 'u' },
						 { "help", no_argument, NULL, 'h' },
						 { "version", no_argument, NULL, 'V' },
						 { "usage", no_argument, NULL, 'U' },
						 { "since", required_argument, NULL, 'S' },
						 { "openmetrics", no_argument, NULL, 'O' },
						 { "prometheus", no_argument, NULL, 'P' },
						 { "output", required_argument, NULL, 'o' },
						 { 0 } };
	struct inventory inv = { 0 };
	struct report_host_side fw = { 0 };
	struct errbuf err = { "" };
	struct policy *policy;
	const char *user = NULL, *since = NULL, *output = NULL;
	bool json = false, stats = false, usage_wanted = false, all, ptrace;
	int metrics = -1; /* enum report_metrics_format, or none */
	uid_t target;
	owner_t owners[2];
	size_t n_owners = 0;
	int c, r;

	helper_prog = "usernetns-list";
	while ((c = getopt_long(argc, argv, "jsUu:o:hV", options, NULL)) != -1) {
		switch (c) {
		case 'U':
			usage_wanted = true;
			break;
		case 'O':
			metrics = REPORT_OPENMETRICS;
			break;
		case 'P':
			metrics = REPORT_PROMETHEUS;
			break;
		case 'o':
			output = optarg;
			break;
		case 'S':
			since = optarg;
			if (!usage_day_valid(since)) {
				helper_error("--since '%s': expected a day, YYYY-MM-DD", since);
				return HELPER_EXIT_USAGE;
			}
			break;
		case 'j':
			json = true;
			break;
		case 's':
			stats = true;
			break;
		case 'u':
			user = optarg;
			break;
		default:
			return helper_standard_option(c, usage, HELPER_EXIT_USAGE);
		}
	}
	r = helper_no_arguments(argc, argv);
	if (r)
		return r;
	if (output && metrics < 0) {
		helper_error("%s", "--output goes with --openmetrics or --prometheus");
		return HELPER_EXIT_USAGE;
	}
	if (metrics >= 0 && (json || usage_wanted || since)) {
		helper_error("%s", "--openmetrics and --prometheus go with --stats and -u alone");
		return HELPER_EXIT_USAGE;
	}
	if ((since || usage_wanted) && (stats || (since && !usage_wanted))) {
		helper_error("%s", since && !usage_wanted ?
					   "--since goes with --usage" :
					   "--usage and --stats do not go together");
		return HELPER_EXIT_USAGE;
	}

	r = helper_start(helper_prog, read_caps);
	if (r)
		return r;
	ptrace = caps_raise(ptrace_caps, &err) == 0;
	caps_lower();

	policy = helper_load_policy(NULL, false, false, &r);
	if (!policy)
		return r;
	/* Everybody's for those who may act for anybody; else one's own, and one's group's. */
	all = !user && helper_is_admin(policy);
	if (!all) {
		r = helper_target(policy, user, &target);
		if (r) {
			policy_free(policy);
			return r;
		}
		n_owners = targets_of_user(policy, target, true, owners);
	}
	report_host_side_expect(policy, &fw);
	policy_free(policy);

	r = caps_raise(ptrace ? all_caps : read_caps, &err);
	if (r < 0) {
		helper_error("%s", err.msg);
		return HELPER_EXIT_FAILED;
	}
	if (usage_wanted) {
		r = report_usage(&uns_paths_default, all ? NULL : owners, n_owners, since, json,
				 stdout, &err);
		caps_drop_all(NULL);
		if (r < 0) {
			helper_error("%s", err.msg);
			return HELPER_EXIT_FAILED;
		}
		return HELPER_EXIT_OK;
	}
	r = inventory_collect(&uns_paths_default, all ? NULL : owners, n_owners, 0, &inv, &err);
	/* Asking the kernel needs CAP_NET_ADMIN: root may, others see the login's. */
	fw.live = r == 0 && firewall_status(&fw.status, NULL) == 0;
	caps_lower();
	if (r == 0 && stats)
		r = read_stats(&inv, &err);
	/* The usage files are root's (0600): read with the records' capability. */
	if (r == 0 && metrics >= 0) {
		r = caps_raise(read_caps, &err);
		if (r == 0)
			r = write_metrics(&inv, &fw, all ? NULL : owners, n_owners,
					  (enum report_metrics_format)metrics, output, &err);
		caps_lower();
	}
	caps_drop_all(NULL);
	if (metrics >= 0)
		; /* printed above */
	else if (r == 0 && json)
		report_json(&inv, &fw, stats, stdout);
	else if (r == 0)
		r = report_table(&inv, &fw, stats, stdout, &err);
	inventory_free(&inv);
	if (r < 0) {
		helper_error("%s", err.msg);
		return HELPER_EXIT_FAILED;
	}
	return HELPER_EXIT_OK;
}
