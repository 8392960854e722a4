/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "usernetns/hostnet.h"
#include "usernetns/ours.h"

/* Routes over the prefix, before their links are judged. */
struct candidates {
	struct hostnet_overlap *v;
	int *oif;
	size_t n, cap, oif_cap;
};

struct overlap_walk {
	const struct addr_prefix *prefix;
	struct candidates *c;
	bool oom;
};

/* A route to a network: unicast or local, not a default route. */
static bool is_network(const struct rtnl_route *route)
{
	return route->dst.len > 0 && (route->type == RTN_UNICAST || route->type == RTN_LOCAL);
}

static int note_route(const struct rtnl_route *route, void *data)
{
	struct overlap_walk *w = data;
	struct candidates *c = w->c;
	struct hostnet_overlap *v;
	int *oif;

	if (!is_network(route) || route->dst.family != w->prefix->family ||
	    !addr_prefix_overlaps(&route->dst, w->prefix))
		return 0;
	v = util_grow(c->v, &c->cap, c->n + 1, sizeof(*v), 16);
	if (v)
		c->v = v;
	oif = util_grow(c->oif, &c->oif_cap, c->n + 1, sizeof(*oif), 16);
	if (oif)
		c->oif = oif;
	if (!v || !oif) {
		w->oom = true;
		return -ENOMEM;
	}
	c->v[c->n] = (struct hostnet_overlap){ .route = route->dst, .table = route->table };
	c->oif[c->n] = route->oif;
	c->n++;
	return 0;
}

struct link_judge {
	struct candidates *c;
	int except;
	bool *keep; /* per candidate: on a link of the host's own */
};

static int judge_link(const struct rtnl_link *l, void *data)
{
	struct link_judge *j = data;
	bool ours = l->ifindex == j->except || ours_host_link(l, NULL);

	for (size_t i = 0; i < j->c->n; i++)
		if (j->c->oif[i] == l->ifindex && !ours) {
			j->keep[i] = true;
			snprintf(j->c->v[i].ifname, sizeof(j->c->v[i].ifname), "%s", l->ifname);
		}
	return 0;
}

int hostnet_find_overlap(struct rtnl *r, const struct addr_prefix *prefix, int except_ifindex,
			 bool *ret_found, struct hostnet_overlap *ret, struct errbuf *err)
{
	struct candidates c = { 0 };
	struct overlap_walk w = { .prefix = prefix, .c = &c };
	bool *keep = NULL;
	int rc;

	/*
	 * Routes first, then links: a host end is marked before it gets an
	 * address, so every route of ours in the first dump is on a link
	 * the second shows marked, even while other logins make theirs.  A
	 * link gone in between took its routes with it.
	 */
	*ret_found = false;
	rc = rtnl_route_foreach(r, note_route, &w, err);
	if (w.oom)
		errbuf_set(err, "out of memory");
	if (rc == 0 && c.n > 0) {
		keep = calloc(c.n, sizeof(*keep));
		if (!keep) {
			errbuf_set(err, "out of memory");
			rc = -ENOMEM;
		}
		for (size_t i = 0; keep && i < c.n; i++)
			keep[i] = c.oif[i] == 0; /* multipath: no single link */
		if (rc == 0)
			rc = rtnl_link_foreach(r, judge_link,
					       &(struct link_judge){ &c, except_ifindex, keep },
					       err);
	}
	for (size_t i = 0; rc == 0 && i < c.n && !*ret_found; i++)
		if (keep[i]) {
			*ret = c.v[i];
			*ret_found = true;
		}
	free(keep);
	free(c.v);
	free(c.oif);
	return rc < 0 ? rc : 0;
}

int hostnet_find_route(struct rtnl *r, const struct addr_prefix *addrs, size_t n,
		       int except_ifindex, bool *ret_found, struct hostnet_overlap *ret,
		       struct errbuf *err)
{
	*ret_found = false;
	for (size_t i = 0; i < n; i++) {
		struct rtnl_route route;
		struct rtnl_link link = { 0 };
		bool found;
		int rc;

		rc = rtnl_route_lookup(r, &addrs[i], &route, &found, err);
		if (rc < 0)
			return rc;
		if (!found || !is_network(&route) || route.oif == except_ifindex)
			continue;
		if (route.oif != 0) {
			rc = rtnl_link_get_index(r, route.oif, &link, err);
			if (rc == -ENODEV) /* gone with its routes */
				continue;
			if (rc < 0)
				return rc;
			if (ours_host_link(&link, NULL))
				continue;
		}
		/* Without rules of the admin's, the kernel merges the local table into main. */
		*ret = (struct hostnet_overlap){
			.route = route.dst,
			.table = route.type == RTN_LOCAL ? RT_TABLE_LOCAL : route.table,
		};
		snprintf(ret->ifname, sizeof(ret->ifname), "%s", link.ifname);
		*ret_found = true;
		return 0;
	}
	return 0;
}

int hostnet_check_plan(struct rtnl *r, const struct plan *plan, bool *ret_found,
		       const struct plan_addr **ret_addr, struct hostnet_overlap *ret,
		       struct errbuf *err)
{
	const struct plan_addr *families[] = { &plan->v4, &plan->v6 };
	struct rtnl_link bridge = { 0 };
	int rc;

	*ret_found = false;
	if (plan->verdict != PLAN_HANDLED || !policy_mode_has_link(plan->mode))
		return 0;
	if (plan->mode == POLICY_MODE_BRIDGE) {
		rc = rtnl_link_get(r, plan->bridge, &bridge, err);
		if (rc < 0 && rc != -ENODEV)
			return rc;
	}
	for (size_t i = 0; i < ELEMENTSOF(families); i++) {
		const struct addr_prefix *prefix = plan_addr_range(families[i]);

		if (!prefix)
			continue;
		rc = hostnet_find_overlap(r, prefix, bridge.ifindex, ret_found, ret, err);
		if (rc < 0)
			return rc;
		if (*ret_found) {
			*ret_addr = families[i];
			return 0;
		}
	}
	return 0;
}

void hostnet_overlap_format(const char *what, const struct addr_prefix *prefix,
			    const struct hostnet_overlap *o, char *buf, size_t size)
{
	char p[ADDR_PREFIX_STRLEN], q[ADDR_PREFIX_STRLEN], table[32] = "";

	if (o->table == RT_TABLE_LOCAL)
		snprintf(table, sizeof(table), " (an address of the host)");
	else if (o->table != RT_TABLE_MAIN)
		snprintf(table, sizeof(table), " table %u", o->table);
	snprintf(buf, size, "%s %s overlaps the host's route %s%s%s%s", what,
		 addr_prefix_format(prefix, p, sizeof(p)),
		 addr_prefix_format(&o->route, q, sizeof(q)), o->ifname[0] ? " dev " : "",
		 o->ifname, table);
}

int hostnet_bridge_addressing(struct rtnl *r, const struct rtnl_link *bridge,
			      struct addr_prefix *ret_gw, struct addr_prefix *peer,
			      struct errbuf *err)
{
	struct addr_prefix have[64];
	char pbuf[ADDR_PREFIX_STRLEN];
	size_t n;
	int rc;

	if (!addr_prefix_is_set(peer))
		return 0;
	rc = rtnl_addr_list(r, bridge->ifindex, have, ELEMENTSOF(have), &n, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct addr_prefix subnet = addr_prefix_network(&have[i]);

		if (have[i].family == peer->family && addr_prefix_contains(&subnet, peer)) {
			peer->len = have[i].len;
			*ret_gw = have[i];
			return 0;
		}
	}
	errbuf_set(err, "bridge '%s' has no address whose subnet holds %s", bridge->ifname,
		   addr_prefix_format(peer, pbuf, sizeof(pbuf)));
	return -EADDRNOTAVAIL;
}

/* ---- who listens ------------------------------------------------------------------ */

/* More than /proc/net/udp of any host is (about 130 bytes a socket). */
#define PROC_UDP_MAX (64u << 20)

/* An address as /proc/net/udp{,6} writes it: 32-bit words in host order, in hex. */
static bool parse_proc_addr(const char *hex, struct addr_prefix *ret)
{
	size_t words = strlen(hex) / 8;

	if ((words != 1 && words != 4) || strlen(hex) % 8)
		return false;
	*ret = (struct addr_prefix){ .family = words == 1 ? AF_INET : AF_INET6,
				     .len = (uint8_t)(words * 32) };
	for (size_t i = 0; i < words; i++) {
		char word[9];
		uint32_t v;

		memcpy(word, hex + 8 * i, 8);
		word[8] = '\0';
		v = (uint32_t)strtoul(word, NULL, 16);
		memcpy(ret->bytes + 4 * i, &v, sizeof(v));
	}
	return true;
}

/* Does a socket bound to a take what is sent to within (or to every address)? */
static bool takes(const struct addr_prefix *a, const struct addr_prefix *within)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const uint8_t zero[16] = { 0 };
	struct addr_prefix v4 = { .family = AF_INET, .len = 32 };

	if (!memcmp(a->bytes, zero, addr_family_bytes(a->family)))
		return true;
	if (a->family == AF_INET6) {
		if (memcmp(a->bytes, mapped, sizeof(mapped)) != 0)
			return false;
		memcpy(v4.bytes, a->bytes + 12, 4);
		a = &v4;
	}
	return within && addr_prefix_contains(within, a);
}

/* Scan one of /proc/self/net/udp{,6}: a socket taking port at within? */
static int scan_udp(const char *path, const struct addr_prefix *within, uint16_t port,
		    bool *ret_found, struct errbuf *err)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : errbuf_errno(err, -errno, "cannot open %s", path);
	r = util_read_fd(fd, PROC_UDP_MAX, &buf, &len);
	close(fd);
	if (r < 0)
		return errbuf_errno(err, r, "cannot read %s", path);
	/* The first line names the columns. */
	line = strtok_r(buf, "\n", &save);
	while (!*ret_found && (line = strtok_r(NULL, "\n", &save))) {
		char local[33];
		unsigned int lport, state;
		struct addr_prefix a;

		/* "sl: local:port remote:port state ..."; unconnected sockets are state 7. */
		if (sscanf(line, " %*u: %32[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", local, &lport,
			   &state) != 3)
			continue;
		if (lport == port && state == 7 && parse_proc_addr(local, &a) && takes(&a, within))
			*ret_found = true;
	}
	free(buf);
	return 0;
}

int hostnet_udp_listening(const struct addr_prefix *within, uint16_t port, bool *ret_found,
			  struct errbuf *err)
{
	bool found = false;
	int r;

	r = scan_udp("/proc/self/net/udp", within, port, &found, err);
	if (r == 0 && !found)
		r = scan_udp("/proc/self/net/udp6", within, port, &found, err);
	if (r == 0)
		*ret_found = found;
	return r;
}
