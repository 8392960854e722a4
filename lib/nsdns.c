/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "usernetns/nsdns.h"

/* What loopback resolvers resolv.conf may name. */
static const struct addr_prefix loopbacks[] = {
	{ .family = AF_INET, .len = 32, .bytes = { 127, 0, 0, 1 } },
	{ .family = AF_INET, .len = 32, .bytes = { 127, 0, 0, 53 } },
	{ .family = AF_INET, .len = 32, .bytes = { 127, 0, 0, 54 } },
};

static const uint8_t protos[] = { IPPROTO_UDP, IPPROTO_TCP };

static const struct addr_prefix loopback_net = { .family = AF_INET, .len = 8, .bytes = { 127 } };

/* ---- the host's resolvers (dns = host) ----------------------------------------- */

/* glibc's MAXNS: the nameservers of resolv.conf it uses. */
#define RESOLV_NAMESERVERS 3
/* More than any resolv.conf is. */
#define RESOLV_CONF_MAX (64 * 1024)

/* A nameserver as resolv.conf writes it: an address, IPv6 with a %scope. */
typedef char nameserver_t[INET6_ADDRSTRLEN + IFNAMSIZ + 2];

/*
 * The first max nameservers of a resolv.conf, as glibc reads them: the
 * keyword at the start of a line, blanks, the address up to a blank.
 */
static int read_nameservers(const char *path, nameserver_t *ret, size_t max, size_t *ret_n,
			    struct errbuf *err)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0, n = 0;
	int fd, r;

	/* O_NONBLOCK: a FIFO in its place must not hang a login. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errbuf_errno(err, -errno, "cannot open %s", path);
	r = util_read_fd(fd, RESOLV_CONF_MAX, &buf, &len);
	close(fd);
	if (r < 0)
		return errbuf_errno(err, r, "cannot read %s", path);
	for (line = strtok_r(buf, "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t k;

		if (strncmp(line, "nameserver", 10) != 0 || (line[10] != ' ' && line[10] != '\t'))
			continue;
		line += 10 + strspn(line + 10, " \t");
		k = strcspn(line, " \t\r");
		if (k == 0 || k >= sizeof(ret[0]))
			continue;
		memcpy(ret[n], line, k);
		ret[n++][k] = '\0';
	}
	free(buf);
	*ret_n = n;
	return 0;
}

/* systemd-resolved's stub listeners, 127.0.0.53 and 127.0.0.54. */
static bool is_resolved_stub(const struct addr_prefix *a)
{
	return a->bytes[0] == 127 && a->bytes[1] == 0 && a->bytes[2] == 0 &&
	       (a->bytes[3] == 53 || a->bytes[3] == 54);
}

/* Say that a nameserver is left out, and why. */
static void leave_out(struct nsdns_host *h, const char *name, const char *why)
{
	size_t used = strlen(h->left_out);

	snprintf(h->left_out + used, sizeof(h->left_out) - used, "%s%s (%s)", used ? ", " : "",
		 name, why);
}

/*
 * Take the usable nameservers of path into h, up to POLICY_DNS_MAX in all;
 * *ret_stub says whether it names systemd-resolved's stub.
 */
static int take_nameservers(const struct plan *plan, const char *path, struct nsdns_host *h,
			    bool *ret_stub, struct errbuf *err)
{
	nameserver_t names[RESOLV_NAMESERVERS];
	size_t n = 0;
	int r;

	r = read_nameservers(path, names, ELEMENTSOF(names), &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct addr_prefix a = { .family = AF_INET, .len = 32 };
		struct in6_addr six;
		bool dup = false, user = false;

		if (inet_pton(AF_INET, names[i], a.bytes) != 1) {
			names[i][strcspn(names[i], "%")] = '\0';
			leave_out(h, names[i],
				  inet_pton(AF_INET6, names[i], &six) == 1 ?
					  "IPv6: the redirect is IPv4" :
					  "not an address");
			continue;
		}
		if (ret_stub && is_resolved_stub(&a)) {
			*ret_stub = true;
			continue;
		}
		if (!policy_dns_address_ok(&a)) {
			leave_out(h, names[i],
				  a.bytes[0] == 127 ? "the host's loopback, not the namespace's" :
						      "no resolver's address");
			continue;
		}
		for (size_t k = 0; k < plan->n_ranges; k++)
			user |= addr_prefix_contains(&plan->ranges[k], &a);
		if (user) {
			leave_out(h, names[i], "in users' ranges");
			continue;
		}
		for (size_t k = 0; k < h->t.n; k++)
			dup |= addr_prefix_equal(&h->t.addr[k], &a);
		if (!dup && h->t.n < POLICY_DNS_MAX)
			h->t.addr[h->t.n++] = a;
	}
	return 0;
}

int nsdns_host_resolvers(const struct plan *plan, const char *resolv_conf,
			 const char *resolved_conf, struct nsdns_host *ret, struct errbuf *err)
{
	struct nsdns_host h = { .from = resolv_conf };
	struct errbuf why = { "" };
	bool stub = false;
	int r;

	r = take_nameservers(plan, resolv_conf, &h, &stub, err);
	if (r < 0)
		return r;
	if (stub) {
		size_t before = h.t.n;

		/* Its upstream servers: what the stub would ask, reached from the namespace. */
		r = take_nameservers(plan, resolved_conf, &h, NULL, &why);
		if (r < 0)
			leave_out(&h, "systemd-resolved's stub", why.msg);
		else if (h.t.n == before)
			leave_out(&h, "systemd-resolved's stub",
				  "its upstream servers give none a namespace can reach");
		else if (before == 0)
			h.from = resolved_conf;
	}
	*ret = h;
	return 0;
}

void nsdns_targets(const struct plan *plan, const struct addr_prefix *host4,
		   const struct nsdns_targets *host, struct nsdns_targets *ret)
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
	case POLICY_DNS_HOST:
		if (host)
			*ret = *host;
		return;
	}
}

void nsdns_login_targets(const struct plan *plan, const struct addr_prefix *host4,
			 struct nsdns_targets *ret, char *problem, size_t size)
{
	struct nsdns_host host = { 0 };
	struct errbuf why = { "" };

	problem[0] = '\0';
	if (plan->dns.kind == POLICY_DNS_HOST && policy_mode_has_link(plan->mode)) {
		if (nsdns_host_resolvers(plan, NSDNS_RESOLV_CONF, NSDNS_RESOLVED_CONF, &host,
					 &why) < 0)
			snprintf(problem, size, "%s", why.msg);
		else if (host.t.n == 0)
			snprintf(problem, size, "%s names no resolver a namespace can reach: %s",
				 host.from,
				 host.left_out[0] ? host.left_out : "no nameserver line");
	}
	nsdns_targets(plan, host4, &host.t, ret);
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
