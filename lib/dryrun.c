/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "usernetns/dryrun.h"
#include "usernetns/hostnet.h"
#include "usernetns/netns.h"
#include "usernetns/nstable.h"
#include "usernetns/rtnl.h"
#include "usernetns/state.h"

/* Does the dry run run inside plan's namespace, whose network is not the host's? */
static bool inside_namespace(const struct uns_paths *paths, const struct plan *plan)
{
	struct netns_id now, id;
	enum netns_state state;
	struct errbuf err = { "" };

	return netns_current(&now) == 0 &&
	       netns_open(paths->rundir, plan->netns, &state, NULL, &id, &err) == 0 &&
	       state == NETNS_MOUNTED && netns_id_equal(&now, &id);
}

int dryrun_check_host_networks(const struct uns_paths *paths, const struct plan *plan,
			       struct errbuf *warning)
{
	const struct plan_addr *a = NULL;
	struct hostnet_overlap o;
	struct rtnl r = RTNL_INIT;
	struct errbuf err = { "" };
	char text[256];
	bool found = false;
	int rc;

	if (inside_namespace(paths, plan)) {
		errbuf_set(
			warning,
			"note: run inside %s, so its addresses were not checked against the host's networks",
			plan->netns);
		return -EOPNOTSUPP;
	}
	rc = rtnl_open(&r, &err);
	if (rc == 0)
		rc = hostnet_check_plan(&r, plan, &found, &a, &o, &err);
	rtnl_close(&r);
	if (rc < 0) {
		errbuf_set(warning,
			   "warning: cannot check the addresses against the host's networks: %s",
			   err.msg);
		return rc;
	}
	if (!found)
		return 0;
	hostnet_overlap_format(plan_addr_range_name(a), plan_addr_range(a), &o, text, sizeof(text));
	errbuf_set(warning, "warning: %s: a login given addresses there is refused", text);
	return -EADDRINUSE;
}

int dryrun_check_resolver(const struct uns_paths *paths, const struct plan *plan,
			  const struct addr_prefix *gw4, struct errbuf *warning)
{
	struct addr_prefix end = *gw4;
	const struct addr_prefix *within = NULL;
	struct errbuf err = { "" };
	char a[ADDR_PREFIX_STRLEN], where[96];
	bool found = false;
	int r;

	if (plan->dns.kind != POLICY_DNS_HOST_END || !policy_mode_has_link(plan->mode) ||
	    inside_namespace(paths, plan))
		return 0;
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
	r = hostnet_udp_listening(within, 53, &found, &err);
	if (r < 0) {
		errbuf_set(warning,
			   "warning: dns = host-end: cannot tell whether a resolver answers: %s",
			   err.msg);
		return r;
	}
	if (found)
		return 0;
	errbuf_set(
		warning,
		"warning: dns = host-end: nothing on this host listens on udp port 53 %s, nor on every address: the queries of %s would go unanswered; run a resolver on the host ends (dnsmasq with %s/dnsmasq-usernetns.conf), or set dns = host",
		where, plan->netns, USERNETNS_EXAMPLESDIR);
	return -ENOENT;
}

int dryrun_table_addresses(const struct uns_paths *paths, const struct plan *plan,
			   struct egress_addrs *ret, struct errbuf *warning)
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
	if (state_read(paths, plan->owner, &rec, NULL) == 0 && state_phase_made(rec.phase) &&
	    streq(rec.netns, plan->netns)) {
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
		errbuf_set(warning, "warning: bridge %s: %s; its gateway is not known",
			   plan->bridge, err.msg);
		for (int f = 0; f < 2; f++)
			gw[f]->len = 0;
	}
	return rc;
}

int dryrun_host_resolvers(const struct plan *plan, FILE *out, struct nsdns_targets *ret,
			  struct errbuf *warning)
{
	struct nsdns_host host;
	struct errbuf err = { "" };
	char a[ADDR_PREFIX_STRLEN];
	int r;

	*ret = (struct nsdns_targets){ 0 };
	if (plan->dns.kind != POLICY_DNS_HOST || !policy_mode_has_link(plan->mode))
		return 0;
	r = nsdns_host_resolvers(plan, NSDNS_RESOLV_CONF, NSDNS_RESOLVED_CONF, &host, &err);
	if (r < 0) {
		errbuf_set(warning, "warning: dns = host: %s; names would not resolve in %s",
			   err.msg, plan->netns);
		return r;
	}
	if (host.t.n) {
		fprintf(out, "  %-11s ", "resolvers");
		for (size_t i = 0; i < host.t.n; i++)
			fprintf(out, "%s%s", i ? ", " : "",
				addr_format(&host.t.addr[i], a, sizeof(a)));
		fprintf(out, " (now, from %s)\n", host.from);
	}
	if (host.left_out[0])
		fprintf(out, "  %-11s %s\n", "left out", host.left_out);
	*ret = host.t;
	if (host.t.n)
		return 0;
	errbuf_set(
		warning,
		"warning: dns = host: %s names no resolver a namespace can reach; names would not resolve in %s",
		host.from, plan->netns);
	return -ENOENT;
}

int dryrun_print_table(const struct plan *plan, const struct egress_addrs *addrs, FILE *out,
		       struct errbuf *err)
{
	struct nstable *t;
	char *text = NULL, *save = NULL;
	size_t len = 0;
	uint64_t digest = 0;
	FILE *f;
	int r;

	r = egress_check_gateway(plan, &addrs->gw4, err);
	if (r == 0)
		r = egress_check_gateway(plan, &addrs->gw6, err);
	if (r < 0)
		return r;
	t = calloc(1, sizeof(*t));
	f = t ? open_memstream(&text, &len) : NULL;
	if (!f) {
		free(t);
		errbuf_set(err, "out of memory");
		return -ENOMEM;
	}
	egress_table(plan, addrs, t);
	nstable_print(t, f);
	fclose(f);
	nstable_digest(t, &digest);
	fprintf(out, "  %-11s table inet %s in %s (its first rule says usernetns %016llx):\n",
		"filter", NSTABLE_NAME, plan->netns, (unsigned long long)digest);
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		fputs("    ", out);
		for (; *line == '\t'; line++)
			fputs("    ", out);
		fprintf(out, "%s\n", line);
	}
	free(text);
	free(t);
	return 0;
}
