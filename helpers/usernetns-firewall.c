/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * usernetns-firewall: the host's side of the policy, table inet usernetns
 * (lib/firewall.c renders it): print it, load it (atomically, replacing
 * ours and nothing else), remove it, or say whether it is in place.
 * Loading runs nft(8): no GPL library is linked by anything of ours.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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
		"  -p, --print        print the table the policy makes (the default)\n"
		"  -l, --load         load it, replacing ours only (root)\n"
		"  -r, --remove       remove it (root)\n"
		"  -s, --status       say whether it is loaded, forwarding on, uplinks there (root)\n"
		"  -c, --config FILE  read FILE instead of %s\n"
		"  -h, --help         show this help\n"
		"  -V, --version      show the version\n",
		helper_prog, FIREWALL_FAMILY, FIREWALL_TABLE, USERNETNS_POLICY_PATH);
}

/* nft -f - with script on its standard input; its messages go to ours. */
static int run_nft(const char *script)
{
	int pipefd[2], status;
	size_t len = strlen(script), done = 0;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (dup2(pipefd[0], STDIN_FILENO) < 0)
			_exit(126);
		execl(USERNETNS_NFT, "nft", "-f", "-", (char *)NULL);
		helper_error("cannot run %s: %s", USERNETNS_NFT, strerror(errno));
		_exit(127);
	}
	close(pipefd[0]);
	while (done < len) {
		ssize_t n = write(pipefd[1], script + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		done += (size_t)n;
	}
	close(pipefd[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static int render(const struct policy *policy, char **ret)
{
	struct rtnl rtnl = RTNL_INIT;
	struct errbuf err = { "" };
	int r;

	r = rtnl_open(&rtnl, &err);
	if (r == 0)
		r = firewall_render(policy, &rtnl, ret, &err);
	rtnl_close(&rtnl);
	if (r < 0)
		helper_error("cannot make the table: %s", err.msg);
	return r;
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
	if (render(policy, &table) < 0)
		return HELPER_EXIT_FAILED;
	r = firewall_load_script(table, &script);
	if (r == 0)
		r = run_nft(script);
	free(table);
	free(script);
	if (r < 0) {
		helper_error("nft could not load table %s %s (see above)", FIREWALL_FAMILY,
			     FIREWALL_TABLE);
		return HELPER_EXIT_FAILED;
	}
	syslog(LOG_AUTHPRIV | LOG_NOTICE, "loaded table %s %s from %s", FIREWALL_FAMILY,
	       FIREWALL_TABLE, policy->path);
	return HELPER_EXIT_OK;
}

static int status(void)
{
	struct firewall_status s;
	struct errbuf err = { "" };

	if (firewall_status(&s, &err) < 0) {
		helper_error("%s", err.msg);
		return HELPER_EXIT_FAILED;
	}
	printf("table %s %s: %s\n", FIREWALL_FAMILY, FIREWALL_TABLE,
	       s.table ? "loaded" : "not loaded");
	printf("net.ipv4.ip_forward: %d\n", s.forwarding4);
	printf("net.ipv6.conf.all.forwarding: %d\n", s.forwarding6);
	printf("uplinks: %s%s%s\n", s.uplinks[0] ? s.uplinks : "-",
	       s.missing[0] ? ", missing: " : "", s.missing);
	return s.table && !s.missing[0] ? HELPER_EXIT_OK : HELPER_EXIT_FAILED;
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
	char *table = NULL;
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
	if (optind != argc) {
		helper_error("unexpected argument '%s'", argv[optind]);
		return HELPER_EXIT_USAGE;
	}
	/* The host's ruleset is root's: no file capabilities, no setuid. */
	if (action != PRINT && geteuid() != 0) {
		helper_error("--load, --remove and --status are for root");
		return HELPER_EXIT_DENIED;
	}
	openlog(helper_prog, LOG_PID, LOG_AUTHPRIV);
	if (action == REMOVE) {
		if (run_nft(firewall_remove_script()) < 0) {
			helper_error("nft could not remove table %s %s (see above)",
				     FIREWALL_FAMILY, FIREWALL_TABLE);
			return HELPER_EXIT_FAILED;
		}
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "removed table %s %s", FIREWALL_FAMILY,
		       FIREWALL_TABLE);
		return HELPER_EXIT_OK;
	}
	if (action == STATUS)
		return status();

	policy = helper_load_policy(config, action == PRINT, false, &r);
	if (!policy)
		return r;
	if (action == LOAD) {
		r = load(policy);
	} else {
		r = render(policy, &table) < 0 ? HELPER_EXIT_FAILED : HELPER_EXIT_OK;
		if (table)
			fputs(table, stdout);
		free(table);
	}
	policy_free(policy);
	return r;
}
