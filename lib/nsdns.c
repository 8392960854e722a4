/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usernetns/nsdns.h"

/* What loopback resolvers resolv.conf may name. */
static const struct addr_prefix loopbacks[] = {
	{ .family = AF_INET, .len = 32, .bytes = { 127, 0, 0, 1 } },
	{ .family = AF_INET, .len = 32, .bytes = { 127, 0, 0, 53 } },
	{ .family = AF_INET, .len = 32, .bytes = { 127, 0, 0, 54 } },
};

static const uint8_t protos[] = { IPPROTO_UDP, IPPROTO_TCP };

static const struct addr_prefix loopback_net = { .family = AF_INET, .len = 8, .bytes = { 127 } };

void nsdns_targets(const struct plan *plan, const struct addr_prefix *host4,
		   struct nsdns_targets *ret)
{
	*ret = (struct nsdns_targets){ 0 };
	if (!policy_mode_has_link(plan->mode))
		return;
	switch (plan->dns.kind) {
	case POLICY_DNS_INHERIT:
		return;
	case POLICY_DNS_HOST_END:
		if (addr_prefix_is_set(host4)) {
			ret->addr[0] = *host4;
			/* Length 0: not known yet (a dry run), and so it stays. */
			if (host4->len)
				ret->addr[0].len = 32;
			ret->n = 1;
		}
		return;
	case POLICY_DNS_ADDRS:
		ret->n = plan->dns.n;
		memcpy(ret->addr, plan->dns.addr, plan->dns.n * sizeof(plan->dns.addr[0]));
		return;
	}
}

int nsdns_format(const struct nsdns_targets *t, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < t->n; i++) {
		char a[ADDR_PREFIX_STRLEN];
		int k = snprintf(buf + used, size - used, "%s%s", i ? "," : "",
				 addr_format(&t->addr[i], a, sizeof(a)));

		if (k < 0 || (size_t)k >= size - used)
			return -ENAMETOOLONG;
		used += (size_t)k;
	}
	return 0;
}

int nsdns_parse(const char *s, struct nsdns_targets *ret)
{
	struct nsdns_targets t = { 0 };
	char buf[POLICY_DNS_MAX * 16 + 1];

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	for (char *item = buf, *next; *buf && item; item = next) {
		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		if (t.n == POLICY_DNS_MAX || inet_pton(AF_INET, item, t.addr[t.n].bytes) != 1)
			return -EINVAL;
		t.addr[t.n].family = AF_INET;
		t.addr[t.n].len = 32;
		t.n++;
	}
	*ret = t;
	return 0;
}

void nsdns_rules(const struct nsdns_targets *t, struct nstable *out)
{
	char a[ADDR_PREFIX_STRLEN], l[ADDR_PREFIX_STRLEN];

	if (t->n == 0)
		return;
	/*
	 * Of k resolvers still to choose from, each takes a query with
	 * chance 1/k (numgen random mod k == 0), the last one every query
	 * left: each the same share.
	 */
	for (size_t i = 0; i < t->n; i++)
		for (size_t p = 0; p < ELEMENTSOF(protos); p++)
			for (size_t k = 0; k < ELEMENTSOF(loopbacks); k++) {
				struct nstable_rule r = {
					.chain = NSTABLE_DNS,
					.family = AF_INET,
					.nets_of = NSTABLE_NETS_DST,
					.proto = protos[p],
					.th_min = 53,
					.th_max = 53,
					.random_one_in = (uint32_t)(t->n - i),
					.verdict = NSTABLE_DNAT,
					.to = t->addr[i],
					.unknown = "the host end",
				};

				snprintf(r.why, sizeof(r.why),
					 "dns: %s %s port 53 to %s (%zu of %zu)",
					 protos[p] == IPPROTO_UDP ? "udp" : "tcp",
					 addr_format(&loopbacks[k], l, sizeof(l)),
					 addr_format(&t->addr[i], a, sizeof(a)), i + 1, t->n);
				nstable_add(out, &r, &loopbacks[k], 1);
			}
	/* What the translation leaves behind: a loopback source, leaving. */
	nstable_add(
		out,
		&(struct nstable_rule){ .chain = NSTABLE_DNS_SOURCE,
					.family = AF_INET,
					.iface = NSTABLE_OIF_NOT_LO,
					.nets_of = NSTABLE_NETS_SRC,
					.verdict = NSTABLE_MASQUERADE,
					.why = "dns: loopback source leaving, as this namespace" },
		&loopback_net, 1);
	/*
	 * With route_localnet, the namespace end would take packets for its
	 * loopback from the wire (from a neighbour on a bridge, say) and
	 * hand them to services bound to 127.0.0.1.  Only the replies to
	 * translated queries may come that way.
	 */
	nstable_add(out,
		    &(struct nstable_rule){
			    .chain = NSTABLE_IN,
			    .family = AF_INET,
			    .iface = NSTABLE_IIF_NOT_LO,
			    .nets_of = NSTABLE_NETS_DST,
			    .ct_original = true,
			    .verdict = NSTABLE_DROP,
			    .why = "dns: the loopback reached from outside only by replies" },
		    &loopback_net, 1);
}
