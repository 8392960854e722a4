/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "usernetns/egress.h"
#include "usernetns/nsdns.h"

/* ---- routes ------------------------------------------------------------------- */

struct route_set {
	struct egress_route *v;
	size_t n;
};

/* Add dst; a prohibition replaces an allowance of the same destination. */
static void put(struct route_set *s, const struct addr_prefix *dst, bool prohibit)
{
	for (size_t i = 0; i < s->n; i++)
		if (addr_prefix_equal(&s->v[i].dst, dst)) {
			s->v[i].prohibit |= prohibit;
			return;
		}
	if (s->n < EGRESS_ROUTES_MAX)
		s->v[s->n++] = (struct egress_route){ .dst = *dst, .prohibit = prohibit };
}

/* Add dst as reached, whatever was said of it before. */
static void put_reached(struct route_set *s, const struct addr_prefix *dst)
{
	put(s, dst, false);
	for (size_t i = 0; i < s->n; i++)
		if (addr_prefix_equal(&s->v[i].dst, dst))
			s->v[i].prohibit = false;
}

/*
 * May dst be prohibited?  Not the connected block itself (the kernel's
 * route there must stay), nor a network that holds the gateway and is
 * more specific than the connected route (it would win over it).
 */
static bool may_prohibit(const struct addr_prefix *dst, const struct addr_prefix *connected,
			 const struct addr_prefix *gateway)
{
	if (addr_prefix_equal(dst, connected))
		return false;
	return !(addr_prefix_contains(dst, gateway) && dst->len > connected->len);
}

/* Does entry e concern family (a protocol alone concerns both)? */
static bool entry_of_family(const struct policy_egress *e, int family)
{
	return !addr_prefix_is_set(&e->net) || e->net.family == family;
}

/* Does the filter let queries to the targets of dns = host through, whatever the lists say? */
static bool host_resolvers_exempt(const struct plan *plan, const struct nsdns_targets *dns)
{
	return plan->dns.kind == POLICY_DNS_HOST && dns && dns->n > 0;
}

void egress_routes(const struct plan *plan, const struct addr_prefix *peer,
		   const struct addr_prefix *gateway, const struct nsdns_targets *dns,
		   struct egress_route ret[EGRESS_ROUTES_MAX], size_t *ret_n)
{
	struct route_set s = { .v = ret };
	struct addr_prefix connected = addr_prefix_network(peer), any = { .family = peer->family };
	struct addr_prefix gw = *gateway;
	bool allow_any = plan->allow.n == 0;

	gw.len = addr_family_bits(gw.family);
	for (size_t i = 0; i < plan->allow.n; i++) {
		const struct policy_egress *a = &plan->allow.v[i];

		if (!entry_of_family(a, peer->family))
			continue;
		/* A protocol alone goes anywhere: its filter rule decides. */
		if (!addr_prefix_is_set(&a->net) || a->net.len == 0)
			allow_any = true;
		else
			put(&s, &a->net, false);
	}
	put(&s, &any, !allow_any);
	for (size_t i = 0; i < plan->deny.n; i++) {
		const struct policy_egress *d = &plan->deny.v[i];

		if (!d->proto && d->net.family == peer->family &&
		    may_prohibit(&d->net, &connected, &gw))
			put(&s, &d->net, true);
	}
	for (size_t i = 0; i < plan->n_ranges; i++)
		if (plan->ranges[i].family == peer->family &&
		    may_prohibit(&plan->ranges[i], &connected, &gw))
			put(&s, &plan->ranges[i], true);
	/* The host's resolvers: none is in a range (nsdns_host_resolvers()). */
	for (size_t i = 0; host_resolvers_exempt(plan, dns) && i < dns->n; i++) {
		const struct addr_prefix *a = &dns->addr[i];

		if (a->family != peer->family || addr_prefix_contains(&connected, a))
			continue;
		put_reached(&s, a);
	}
	*ret_n = s.n;
}

/* ---- the namespace's table ---------------------------------------------------- */

void egress_table(const struct plan *plan, const struct egress_addrs *addrs, struct nstable *t)
{
	egress_filter(plan, addrs, t);
	nsdns_rules(&addrs->dns, t);
}

/* ---- the filter ---------------------------------------------------------------- */

/*
 * The ICMPv6 types of the link (MLD 130-132 and 143, neighbour discovery
 * 133-137), which the kernel alone sends: ICMP sockets send echo requests
 * only, raw ones need CAP_NET_RAW.  Their source may be ::, before an
 * address is ready.
 */
#define ICMPV6_LINK_FIRST 130
#define ICMPV6_LINK_LAST 143

static const struct addr_prefix v6_link_local = { .family = AF_INET6,
						  .len = 10,
						  .bytes = { 0xfe, 0x80 } };
static const struct addr_prefix v4_loopback = { .family = AF_INET, .len = 8, .bytes = { 127 } };

static void add(struct nstable *t, const struct nstable_rule *r)
{
	nstable_add(t, r, NULL, 0);
}

/* The networks of the entries of l of family that name no protocol. */
static size_t entry_nets(const struct policy_egress_list *l, int family, struct addr_prefix *ret)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		if (!l->v[i].proto && l->v[i].net.family == family)
			ret[n++] = l->v[i].net;
	return n;
}

/* A rule for each entry of l with a protocol, with verdict. */
static void add_proto_entries(struct nstable *t, const struct policy_egress_list *l,
			      const bool families[2], enum nstable_verdict verdict, const char *why)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct policy_egress *e = &l->v[i];
		struct nstable_rule r = {
			.chain = NSTABLE_OUT,
			.family = e->net.family,
			.iface = NSTABLE_IF_ANY,
			.nets_of =
				addr_prefix_is_set(&e->net) ? NSTABLE_NETS_DST : NSTABLE_NETS_NONE,
			.proto = e->proto,
			.th_min = e->port_min,
			.th_max = e->port_max,
			.verdict = verdict,
		};
		char entry[POLICY_EGRESS_STRLEN];

		if (!e->proto)
			continue;
		/* An entry of a family the namespace has not: nothing to say. */
		if (e->net.family && !families[e->net.family == AF_INET6])
			continue;
		snprintf(r.why, sizeof(r.why), "%s %s", why,
			 policy_egress_format(e, entry, sizeof(entry)));
		nstable_add(t, &r, &e->net, addr_prefix_is_set(&e->net));
	}
}

/* A rule matching destinations nets of family, if there are any. */
static void add_nets(struct nstable *t, int family, const struct addr_prefix *nets, size_t n,
		     enum nstable_verdict verdict, const char *why)
{
	struct nstable_rule r = {
		.chain = NSTABLE_OUT,
		.family = family,
		.nets_of = NSTABLE_NETS_DST,
		.verdict = verdict,
	};

	if (n == 0)
		return;
	snprintf(r.why, sizeof(r.why), "%s", why);
	nstable_add(t, &r, nets, n);
}

/* One address of the namespace's (family 0: not known yet; see egress_addrs). */
static struct addr_prefix one_address(const struct addr_prefix *a)
{
	struct addr_prefix x = *a;

	if (x.len == 0)
		return (struct addr_prefix){ 0 };
	x.len = addr_family_bits(x.family);
	return x;
}

void egress_filter(const struct plan *plan, const struct egress_addrs *addrs, struct nstable *t)
{
	const struct addr_prefix *peer[2] = { &addrs->peer4, &addrs->peer6 };
	const struct addr_prefix *gw[2] = { &addrs->gw4, &addrs->gw6 };
	static const int families[2] = { AF_INET, AF_INET6 };
	static const char *const family_names[2] = { "IPv4", "IPv6" };
	bool has[2] = { addr_prefix_is_set(&addrs->peer4), addr_prefix_is_set(&addrs->peer6) };
	struct addr_prefix nets[POLICY_RANGES_MAX];
	struct nstable_rule r;
	size_t n;

	if (!policy_mode_has_link(plan->mode))
		return;

	add(t, &(struct nstable_rule){ .chain = NSTABLE_OUT,
				       .iface = NSTABLE_OIF_LO,
				       .verdict = NSTABLE_ACCEPT,
				       .why = "the loopback stays inside" });
	if (has[1])
		add(t, &(struct nstable_rule){
			       .chain = NSTABLE_OUT,
			       .proto = IPPROTO_ICMPV6,
			       .icmp_type = true,
			       .th_min = ICMPV6_LINK_FIRST,
			       .th_max = ICMPV6_LINK_LAST,
			       .verdict = NSTABLE_ACCEPT,
			       .why = "neighbour discovery and MLD, the kernel's own" });
	for (int f = 0; f < 2; f++) {
		if (has[f])
			continue;
		r = (struct nstable_rule){ .chain = NSTABLE_OUT,
					   .family = families[f],
					   .verdict = NSTABLE_REFUSED };
		snprintf(r.why, sizeof(r.why), "no %s in this namespace", family_names[f]);
		add(t, &r);
	}

	/*
	 * The source as it leaves: the namespace's own address; and, for
	 * IPv6, its link-local one; and for IPv4 with dns, the loopback of a
	 * query the redirect translates, whose source the masquerade after
	 * it turns into the namespace's (a loopback source goes nowhere else:
	 * the kernel keeps it off the wire).  Nothing forged leaves.
	 */
	for (int f = 0; f < 2; f++) {
		size_t k = 0;

		if (!has[f])
			continue;
		nets[k++] = one_address(peer[f]);
		if (f == 1)
			nets[k++] = v6_link_local;
		else if (plan->dns.kind != POLICY_DNS_INHERIT)
			nets[k++] = v4_loopback;
		r = (struct nstable_rule){ .chain = NSTABLE_OUT,
					   .family = families[f],
					   .nets_of = NSTABLE_NETS_SRC,
					   .nets_not = true,
					   .verdict = NSTABLE_DROP_COUNTED,
					   .why = "a source not this namespace's: forged",
					   .unknown = "this namespace's address" };
		nstable_add(t, &r, nets, k);
	}

	/* Where it goes. */
	for (int f = 0; f < 2; f++) {
		struct addr_prefix g;

		if (!has[f])
			continue;
		g = one_address(gw[f]);
		r = (struct nstable_rule){ .chain = NSTABLE_OUT,
					   .family = families[f],
					   .nets_of = NSTABLE_NETS_DST,
					   .verdict = NSTABLE_ACCEPT,
					   .why = "the gateway, the way out",
					   .unknown = "the gateway" };
		nstable_add(t, &r, &g, 1);
	}
	for (size_t p = 0; has[0] && host_resolvers_exempt(plan, &addrs->dns) && p < 2; p++) {
		r = (struct nstable_rule){ .chain = NSTABLE_OUT,
					   .family = AF_INET,
					   .nets_of = NSTABLE_NETS_DST,
					   .proto = p ? IPPROTO_TCP : IPPROTO_UDP,
					   .th_min = 53,
					   .th_max = 53,
					   .verdict = NSTABLE_ACCEPT,
					   .why = "dns = host: the host's resolvers, port 53" };
		nstable_add(t, &r, addrs->dns.addr, addrs->dns.n);
	}
	for (int f = 0; f < 2; f++) {
		if (!has[f])
			continue;
		n = entry_nets(&plan->deny, families[f], nets);
		add_nets(t, families[f], nets, n, NSTABLE_REFUSED, "denied networks");
	}
	add_proto_entries(t, &plan->deny, has, NSTABLE_REFUSED, "denied:");
	for (int f = 0; f < 2; f++) {
		size_t k = 0;

		if (!has[f])
			continue;
		for (size_t i = 0; i < plan->n_ranges; i++)
			if (plan->ranges[i].family == families[f])
				nets[k++] = plan->ranges[i];
		add_nets(t, families[f], nets, k, NSTABLE_REFUSED, "every user's addresses");
	}
	if (plan->allow.n > 0) {
		for (int f = 0; f < 2; f++) {
			if (!has[f])
				continue;
			n = entry_nets(&plan->allow, families[f], nets);
			add_nets(t, families[f], nets, n, NSTABLE_ACCEPT, "allowed networks");
		}
		add_proto_entries(t, &plan->allow, has, NSTABLE_ACCEPT, "allowed:");
		add(t, &(struct nstable_rule){ .chain = NSTABLE_OUT,
					       .verdict = NSTABLE_REFUSED,
					       .why = "what the allow list leaves out" });
	}
}

int egress_check_gateway(const struct plan *plan, const struct addr_prefix *gw, struct errbuf *err)
{
	struct addr_prefix g = *gw;
	char entry[POLICY_EGRESS_STRLEN], a[ADDR_PREFIX_STRLEN], label[POLICY_LABEL_MAX];

	if (plan->mode != POLICY_MODE_BRIDGE || !addr_prefix_is_set(gw))
		return 0;
	g.len = addr_family_bits(g.family);
	for (size_t i = 0; i < plan->deny.n; i++) {
		const struct policy_egress *d = &plan->deny.v[i];

		if (d->proto || !addr_prefix_is_set(&d->net) || !addr_prefix_contains(&d->net, &g))
			continue;
		errbuf_set(
			err,
			"%s: deny %s holds %s, the gateway of bridge %s, which a namespace on the bridge always reaches (its way out); deny the networks around it",
			plan_rule_label(plan, label, sizeof(label)),
			policy_egress_format(d, entry, sizeof(entry)),
			addr_format(&g, a, sizeof(a)), plan->bridge);
		return -EINVAL;
	}
	return 0;
}
