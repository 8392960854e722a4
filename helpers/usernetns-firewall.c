/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * usernetns-firewall: the host's side of the policy, table inet usernetns
 * (lib/firewall.c renders it): print it, load it (atomically, replacing
 * ours and nothing else), remove it, or say whether it is in place.
 * Loading runs nft(8): no GPL library is linked by anything of ours.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "helper.h"
#include "usernetns/firewall.h"

enum action {
	PRINT,
	LOAD,
	REMOVE,
	STATUS,
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [--print | --load | --remove | --status] [--config FILE]\n"
		"\n"
		"The host's side of the policy: table %s %s, which masquerades mode nat's\n"
		"addresses out of their uplinks and drops what one user sends to another.\n"
		"\n"
		"  -p, --print        print the table the policy makes and check it with nft -c\n"
		"                     (the default)\n"
		"  -l, --load         load it, replacing ours only (root)\n"
		"  -r, --remove       remove it (root)\n"
		"  -s, --status       say whether it is loaded as the policy makes it now,\n"
		"                     forwarding on, uplinks there (root)\n"
		"  -c, --config FILE  read FILE instead of %s\n"
		"  -h, --help         show this help\n"
		"  -V, --version      show the version\n",
		helper_prog, FIREWALL_FAMILY, FIREWALL_TABLE, USERNETNS_POLICY_PATH);
}

static int load(const struct policy *policy)
{
	struct errbuf err = { "" };
	char *table = NULL, *script = NULL;
	int r;

	r = firewall_forwarding(policy, policy->global.forwarding == POLICY_FORWARDING_ENABLE,
				&err);
	if (r < 0) {
		helper_error("not loading: %s", err.msg);
		return HELPER_EXIT_FAILED;
	}
	r = firewall_render(policy, &table, NULL, &err);
	if (r < 0) {
		helper_error("cannot make the table: %s", err.msg);
		return HELPER_EXIT_FAILED;
	}
	r = firewall_load_script(table, &script);
	if (r == 0)
		r = helper_nft_load(script);
	free(table);
	free(script);
	if (r == -ENOENT) {
		helper_error("cannot load table %s %s: %s is not installed (package nftables)",
			     FIREWALL_FAMILY, FIREWALL_TABLE, USERNETNS_NFT);
		return HELPER_EXIT_FAILED;
	}
	if (r < 0) {
		helper_error("nft could not load table %s %s (see above)", FIREWALL_FAMILY,
			     FIREWALL_TABLE);
		return HELPER_EXIT_FAILED;
	}
	syslog(LOG_AUTHPRIV | LOG_NOTICE, "loaded table %s %s from %s", FIREWALL_FAMILY,
	       FIREWALL_TABLE, policy->path);
	return HELPER_EXIT_OK;
}

/* The most loads one --load makes of a policy that changes under it. */
#define LOAD_ROUNDS 5

/* The same file, unchanged?  Its inode, size and times. */
static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/*
 * Load the policy (config, or the installed one), and again while it
 * changed during the load: usernetns-firewall.path starts a load at the
 * first sign of an edit, and an editor that moves the old file away
 * before it writes the new one (vim, emacs) may not be done by then.
 * Each load is whole or nothing.
 */
static int load_settled(const char *config)
{
	const char *path = config ? config : USERNETNS_POLICY_PATH;
	struct stat before, after;

	for (int round = 1;; round++) {
		bool was = stat(path, &before) == 0;
		struct policy *policy;
		int r;

		policy = helper_load_policy(config, false, false, &r);
		if (policy) {
			r = load(policy);
			policy_free(policy);
		}
		if (was && stat(path, &after) == 0 && same_file(&before, &after))
			return r;
		if (!was && stat(path, &after) < 0)
			return r;
		if (round == LOAD_ROUNDS) {
			helper_error("%s kept changing during %d loads; run %s --load again", path,
				     LOAD_ROUNDS, helper_prog);
			return HELPER_EXIT_FAILED;
		}
	}
}

/*
 * Loaded, and as the policy makes it now?  What a login asks (the
 * policy's digest), and what only the host tells: whether every uplink
 * the policy names is there.
 */
static int status(const struct policy *policy)
{
	struct firewall_need need = { .mode = POLICY_MODE_NAT };
	struct firewall_made made;
	struct firewall_status s;
	struct errbuf err = { "" }, why = { "" };
	char problem[128], *table = NULL;
	bool made_ok, stale;

	if (firewall_status(&s, &err) < 0) {
		helper_error("%s", err.msg);
		return HELPER_EXIT_FAILED;
	}
	if (firewall_policy_digest(policy, &need.policy_digest, NULL) < 0)
		need.policy_digest = 0;
	made_ok = firewall_render(policy, &table, &made, &why) == 0;
	free(table);
	/* Asked for no address and no uplink, a loaded table's one problem is staleness. */
	stale = s.table && *firewall_status_problem(&s, &need, problem, sizeof(problem));

	if (!s.table)
		printf("table %s %s: not loaded\n", FIREWALL_FAMILY, FIREWALL_TABLE);
	else if (stale)
		printf("table %s %s: loaded, stale: not what the policy makes now; run usernetns-firewall --load\n",
		       FIREWALL_FAMILY, FIREWALL_TABLE);
	else if (made_ok)
		printf("table %s %s: loaded, as %s makes it\n", FIREWALL_FAMILY, FIREWALL_TABLE,
		       policy->path);
	else
		printf("table %s %s: loaded\n", FIREWALL_FAMILY, FIREWALL_TABLE);
	printf("net.ipv4.ip_forward: %d\n", s.forwarding4);
	printf("net.ipv6.conf.all.forwarding: %d\n", s.forwarding6);
	printf("uplinks: %s\n", !made_ok ? why.msg : made.uplinks[0] ? made.uplinks : "-");
	return s.table && !stale && made_ok ? HELPER_EXIT_OK : HELPER_EXIT_FAILED;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "print", no_argument, NULL, 'p' },	    { "load", no_argument, NULL, 'l' },
		{ "remove", no_argument, NULL, 'r' },	    { "status", no_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' }, { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },	    { 0 }
	};
	enum action action = PRINT;
	const char *config = NULL;
	struct policy *policy;
	int c, r;

	helper_prog = "usernetns-firewall";
	while ((c = getopt_long(argc, argv, "plrsc:hV", options, NULL)) != -1) {
		switch (c) {
		case 'p':
			action = PRINT;
			break;
		case 'l':
			action = LOAD;
			break;
		case 'r':
			action = REMOVE;
			break;
		case 's':
			action = STATUS;
			break;
		case 'c':
			config = optarg;
			break;
		default:
			return helper_standard_option(c, usage, HELPER_EXIT_USAGE);
		}
	}
	r = helper_no_arguments(argc, argv);
	if (r)
		return r;
	/* The host's ruleset is root's: no file capabilities, no setuid. */
	if (action != PRINT && geteuid() != 0) {
		helper_error("--load, --remove and --status are for root");
		return HELPER_EXIT_DENIED;
	}
	openlog(helper_prog, LOG_PID, LOG_AUTHPRIV);
	if (action == REMOVE) {
		r = helper_nft_load(firewall_remove_script());
		if (r < 0) {
			helper_error("nft could not remove table %s %s (%s)", FIREWALL_FAMILY,
				     FIREWALL_TABLE,
				     r == -ENOENT ? USERNETNS_NFT " is not installed" :
						    "see above");
			return HELPER_EXIT_FAILED;
		}
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "removed table %s %s", FIREWALL_FAMILY,
		       FIREWALL_TABLE);
		return HELPER_EXIT_OK;
	}

	if (action == LOAD)
		return load_settled(config);
	policy = helper_load_policy(config, action == PRINT, false, &r);
	if (!policy)
		return r;
	if (action == STATUS)
		r = status(policy);
	else
		r = helper_print_host_table(policy, NULL);
	policy_free(policy);
	return r;
}
