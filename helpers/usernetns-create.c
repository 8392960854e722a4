/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * usernetns-create: make the namespace a login of USER would get, by the
 * code path a login takes, without entering it; or, with --dry-run, show
 * what it would be.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <linux/capability.h>

#include "helper.h"
#include "usernetns/egress.h"
#include "usernetns/ensure.h"
#include "usernetns/firewall.h"
#include "usernetns/hostnet.h"

/* Namespaces and links; root-owned state files through the fs uid. */
static const int create_caps[] = { CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SETUID, CAP_SETGID, CAPS_END };
static const int work_caps[] = { CAP_SYS_ADMIN, CAP_NET_ADMIN, CAPS_END };

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [--dry-run] [--config FILE] [USER...]\n"
		"\n"
		"Make the network namespace of each USER (default: yourself) as a login\n"
		"would, without entering it; with --dry-run, only show what it would be.\n"
		"\n"
		"  -n, --dry-run      print the plan; change nothing\n"
		"  -c, --config FILE  read FILE instead of %s\n"
		"                     (root, or with --dry-run)\n"
		"  -h, --help         show this help\n"
		"  -V, --version      show the version\n",
		helper_prog, USERNETNS_POLICY_PATH);
}

/* Does the dry run run inside plan's namespace, whose network is not the host's? */
static bool inside_namespace(const struct plan *plan)
{
	struct netns_id now, id;
	enum netns_state state;
	struct errbuf err = { "" };

	return netns_current(&now) == 0 &&
	       netns_open(USERNETNS_RUNDIR, plan->netns, &state, NULL, &id, &err) == 0 &&
	       state == NETNS_MOUNTED && netns_id_equal(&now, &id);
}

/*
 * What a login would refuse: addresses over one of the host's networks.
 * Only from the host's namespace; inside the user's, its own routes would
 * look like the host's.
 */
static void warn_host_overlap(const struct plan *plan)
{
	const struct plan_addr *a = NULL;
	struct hostnet_overlap o;
	struct rtnl r = RTNL_INIT;
	struct errbuf err = { "" };
	char text[256];
	bool found = false;
	int rc;

	if (inside_namespace(plan)) {
		helper_error(
			"note: run inside %s, so its addresses were not checked against the host's networks",
			plan->netns);
		return;
	}
	rc = rtnl_open(&r, &err);
	if (rc == 0)
		rc = hostnet_check_plan(&r, plan, &found, &a, &o, &err);
	rtnl_close(&r);
	if (rc < 0) {
		helper_error("warning: cannot check the addresses against the host's networks: %s",
			     err.msg);
		return;
	}
	if (found) {
		hostnet_overlap_format(plan_addr_range_name(a), plan_addr_range(a), &o, text,
				       sizeof(text));
		helper_error("warning: %s: a login given addresses there is refused", text);
	}
}

/*
 * dns = host-end sends the queries to the host end, where a resolver of
 * the host's must answer: is anything listening on UDP port 53 there (at
 * gw4, when it is known; before the first login, at any host end of the
 * pool, as a resolver that binds each one as it comes does), or on every
 * address?  Only from the host's namespace.
 */
static void warn_no_resolver(const struct plan *plan, const struct addr_prefix *gw4)
{
	struct addr_prefix end = *gw4;
	const struct addr_prefix *within = NULL;
	struct errbuf err = { "" };
	char a[ADDR_PREFIX_STRLEN], where[96];
	bool found = false;

	if (plan->dns.kind != POLICY_DNS_HOST_END || !policy_mode_has_link(plan->mode) ||
	    inside_namespace(plan))
		return;
	if (end.len) {
		end.len = 32;
		within = &end;
		snprintf(where, sizeof(where), "at %s", addr_format(&end, a, sizeof(a)));
	} else if (plan->v4.source == PLAN_ADDR_POOL) {
		within = &plan->v4.pool;
		snprintf(
			where, sizeof(where),
			"at any host end of %s (one bound to each as it comes is seen once one exists)",
			addr_prefix_format(within, a, sizeof(a)));
	} else {
		snprintf(where, sizeof(where), "at the host end");
	}
	if (hostnet_udp_listening(within, 53, &found, &err) < 0) {
		helper_error("warning: dns = host-end: cannot tell whether a resolver answers: %s",
			     err.msg);
		return;
	}
	if (!found)
		helper_error(
			"warning: dns = host-end: nothing on this host listens on udp port 53 %s, nor on every address: the queries of %s would go unanswered; run a resolver on the host ends (dnsmasq with %s/dnsmasq-usernetns.conf), or set dns = host",
			where, plan->netns, USERNETNS_EXAMPLESDIR);
}

/*
 * After the plans of mode nat: the host's side they need, as
 * usernetns-firewall would load it, and whether nft would (see
 * usernetns-firewall --print).  An exit code.
 */
static int print_host_side(const struct policy *policy)
{
	struct errbuf err = { "" };
	char *table = NULL;
	int rc;

	rc = firewall_render(policy, &table, NULL, &err);
	if (rc < 0) {
		helper_error("warning: the host's side cannot be made: %s", err.msg);
		return 0;
	}
	printf("\nThe host's side (usernetns-firewall --load loads it):\n%s", table);
	fflush(stdout);
	rc = helper_nft_check(table, &err);
	free(table);
	if (rc == -EBADMSG) {
		helper_error("the host's side: nft refuses table %s %s %s", FIREWALL_FAMILY,
			     FIREWALL_TABLE, err.msg);
		return HELPER_EXIT_FAILED;
	}
	if (rc < 0)
		helper_error("warning: the host's side is not checked with nft: %s", err.msg);
	return 0;
}

/*
 * The addresses the namespace's table names: its record's, when it exists
 * and can be read (it is root's); else fixed ones, and for a pool the
 * family alone (egress.h: not known before the first login).  In mode
 * bridge, the gateway is the bridge's address.  0, or an exit code.
 */
static int table_addresses(const struct plan *plan, struct egress_addrs *ret)
{
	const struct plan_addr *pa[2] = { &plan->v4, &plan->v6 };
	struct addr_prefix *peer[2] = { &ret->peer4, &ret->peer6 };
	struct addr_prefix *gw[2] = { &ret->gw4, &ret->gw6 };
	struct errbuf err = { "" };
	struct state_record rec;
	struct rtnl_link bridge;
	struct rtnl r = RTNL_INIT;
	int rc;

	*ret = (struct egress_addrs){ 0 };
	if (state_read(&uns_paths_default, plan->owner, &rec, NULL) == 0 &&
	    state_phase_made(rec.phase) && streq(rec.netns, plan->netns)) {
		*ret = (struct egress_addrs){
			.peer4 = rec.peer4, .peer6 = rec.peer6, .gw4 = rec.host4, .gw6 = rec.host6
		};
		return 0;
	}
	for (int f = 0; f < 2; f++) {
		if (pa[f]->source == PLAN_ADDR_FIXED) {
			*peer[f] = pa[f]->peer;
			*gw[f] = pa[f]->host;
		} else if (pa[f]->source == PLAN_ADDR_POOL) {
			peer[f]->family = gw[f]->family = pa[f]->pool.family;
		}
	}
	if (plan->mode != POLICY_MODE_BRIDGE)
		return 0;
	/* The bridge's subnet holds the pool: its address there is the gateway. */
	rc = rtnl_open(&r, &err);
	if (rc == 0)
		rc = rtnl_link_get(&r, plan->bridge, &bridge, &err);
	for (int f = 0; f < 2 && rc == 0; f++) {
		struct addr_prefix range = pa[f]->source == PLAN_ADDR_POOL ? pa[f]->pool : *peer[f];

		if (!addr_prefix_is_set(&range))
			continue;
		rc = hostnet_bridge_addressing(&r, &bridge, gw[f], &range, &err);
		if (pa[f]->source != PLAN_ADDR_POOL)
			*peer[f] = range;
	}
	rtnl_close(&r);
	if (rc < 0) {
		helper_error("warning: bridge %s: %s; its gateway is not known", plan->bridge,
			     err.msg);
		for (int f = 0; f < 2; f++)
			gw[f]->len = 0;
	}
	return 0;
}

/*
 * With dns = host, the host's resolvers a login would send the queries to
 * now (*ret), as they come from its resolv.conf, and what it leaves out.
 */
static void print_host_resolvers(const struct plan *plan, struct nsdns_targets *ret)
{
	struct nsdns_host host;
	struct errbuf err = { "" };
	char a[ADDR_PREFIX_STRLEN];

	*ret = (struct nsdns_targets){ 0 };
	if (plan->dns.kind != POLICY_DNS_HOST || !policy_mode_has_link(plan->mode))
		return;
	if (nsdns_host_resolvers(plan, NSDNS_RESOLV_CONF, NSDNS_RESOLVED_CONF, &host, &err) < 0) {
		helper_error("warning: dns = host: %s; names would not resolve in %s", err.msg,
			     plan->netns);
		return;
	}
	if (host.t.n) {
		printf("  %-11s ", "resolvers");
		for (size_t i = 0; i < host.t.n; i++)
			printf("%s%s", i ? ", " : "", addr_format(&host.t.addr[i], a, sizeof(a)));
		printf(" (now, from %s)\n", host.from);
	}
	if (host.left_out[0])
		printf("  %-11s %s\n", "left out", host.left_out);
	if (!host.t.n)
		helper_error(
			"warning: dns = host: %s names no resolver a namespace can reach; names would not resolve in %s",
			host.from, plan->netns);
	*ret = host.t;
}

/*
 * The namespace's table a login makes (egress.h), in nft(8)'s words, with
 * its digest, which the live table's first rule carries.  In mode bridge,
 * a deny that holds the gateway is an error, as it is at login.
 */
static int print_namespace_table(const struct plan *plan, const char *path)
{
	struct nsdns_targets host;
	struct egress_addrs a;
	struct nstable *t;
	struct errbuf why;
	char *text = NULL;
	size_t len = 0;
	uint64_t digest = 0;
	FILE *f;
	int r;

	if (plan->verdict != PLAN_HANDLED || !policy_mode_has_link(plan->mode))
		return 0;
	r = table_addresses(plan, &a);
	if (r)
		return r;
	print_host_resolvers(plan, &host);
	warn_no_resolver(plan, &a.gw4);
	nsdns_targets(plan, &a.gw4, &host, &a.dns);
	if (egress_check_gateway(plan, &a.gw4, &why) < 0 ||
	    egress_check_gateway(plan, &a.gw6, &why) < 0) {
		fprintf(stderr, "%s:%u: %s\n", path, plan->deny_line, why.msg);
		return HELPER_EXIT_FAILED;
	}
	t = calloc(1, sizeof(*t));
	f = t ? open_memstream(&text, &len) : NULL;
	if (!f) {
		free(t);
		helper_error("out of memory");
		return HELPER_EXIT_FAILED;
	}
	egress_table(plan, &a, t);
	nstable_print(t, f);
	fclose(f);
	nstable_digest(t, &digest);
	printf("  %-11s table inet %s in %s (its first rule says usernetns %016llx):\n", "filter",
	       NSTABLE_NAME, plan->netns, (unsigned long long)digest);
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		fputs("    ", stdout);
		for (; *line == '\t'; line++)
			fputs("    ", stdout);
		printf("%s\n", line);
	}
	free(text);
	free(t);
	return 0;
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
	warn_host_overlap(&plan);
	*ret_nat |= plan.verdict == PLAN_HANDLED && plan.mode == POLICY_MODE_NAT;
	return 0;
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
	if (res.dns_problem[0]) {
		helper_error("warning: dns = host for %s: %s; names do not resolve in %s",
			     plan.user, res.dns_problem, plan.netns);
		syslog(LOG_AUTHPRIV | LOG_WARNING,
		       "uid %lu: dns = host for %s: %s; names do not resolve in %s",
		       (unsigned long)helper_caller(), plan.user, res.dns_problem, plan.netns);
	}
	if (res.names_held[0]) {
		helper_error("warning: namespace %s of %s: %s; not published for it", plan.netns,
			     plan.user, res.names_held);
		syslog(LOG_AUTHPRIV | LOG_WARNING,
		       "uid %lu: namespace %s of %s: %s; not published for it",
		       (unsigned long)helper_caller(), plan.netns, plan.user, res.names_held);
	}
	if (res.changes)
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "uid %lu: %s namespace %s for %s",
		       (unsigned long)helper_caller(),
		       res.changes & ENSURE_CREATED ? "created" : "repaired", plan.netns,
		       plan.user);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = { { "dry-run", no_argument, NULL, 'n' },
						 { "config", required_argument, NULL, 'c' },
						 { "help", no_argument, NULL, 'h' },
						 { "version", no_argument, NULL, 'V' },
						 { 0 } };
	const char *config = NULL;
	struct policy *policy;
	struct errbuf err = { "" };
	bool dry_run = false, nat = false;
	int c, status = 0;

	helper_prog = "usernetns-create";
	while ((c = getopt_long(argc, argv, "nc:hV", options, NULL)) != -1) {
		switch (c) {
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
			int r = print_host_side(policy);

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
	if (optind == argc)
		status = create_one(policy, NULL);
	for (int i = optind; i < argc; i++) {
		int r = create_one(policy, argv[i]);

		if (r && !status)
			status = r;
	}
	policy_free(policy);
	return status;
}
