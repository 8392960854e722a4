/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ensure_netns(): plan -> live namespace, from any state.
 *
 * Ownership is what keeps this safe on a shared machine: a namespace is
 * ours when the record of the user names its nsfs inode (or says a
 * creation was under way when the process died); a host interface is ours
 * when it carries the alias "usernetns uid=N" (gid=N) or is paired with an
 * interface inside our namespace.  Anything else with one of our names is
 * reported and left alone.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "usernetns/egress.h"
#include "usernetns/ensure.h"
#include "usernetns/fault.h"
#include "usernetns/firewall.h"
#include "usernetns/hostnet.h"
#include "usernetns/hostns.h"
#include "usernetns/hosts.h"
#include "usernetns/lease.h"
#include "usernetns/nsdns.h"
#include "usernetns/nstable.h"
#include "usernetns/ours.h"
#include "usernetns/placement.h"
#include "usernetns/rtnl.h"
#include "usernetns/shield.h"

/* lo is the first interface of every namespace. */
#define LOOPBACK_IFINDEX 1

static const struct rtnl_link_change lo_up = {
	.ifindex = LOOPBACK_IFINDEX,
	.ifname = "lo",
	.up = true,
};

/* Addresses a link may carry before we call it corrupt. */
#define ADDRS_MAX 64

struct ensure_ctx {
	const struct uns_paths *p;
	const struct plan *plan;
	unsigned int lock_timeout_ms; /* for the run dir's lock */
	struct errbuf *err;

	struct rtnl host;  /* in the caller's (host) namespace */
	struct rtnl ns;	   /* in the user's namespace */
	struct nfnl ns_nf; /* there too, when its dns redirect is to be made or removed */
	int nsfd;
	struct netns_id id;
	struct netns_id host_id;
	bool fresh;	     /* made by this call */
	bool wrote_creating; /* this call wrote a "creating" record */
	unsigned int changes;
	char names_held[sizeof(((struct ensure_result *)0)->names_held)];
	struct nsdns_targets dns; /* where the namespace's queries go */
	char dns_problem[sizeof(((struct ensure_result *)0)->dns_problem)];

	bool have_old;
	struct state_record old;
	/* The record as this call found it, for what it published. */
	bool have_found;
	struct state_record found;
	struct state_record rec;

	/* What is in an existing namespace, from one dump of its links. */
	struct rtnl_link ns_lo, ns_peer;
	bool have_ns_peer;
};

/* A setting of the namespace under /proc, and its value. */
struct ns_sysctl {
	char path[96];
	const char *value;
	bool optional; /* its failure is not the login's */
};

/*
 * Write the settings v[0..n) of the namespace the calling thread is in.
 * Through a procfs instance of our own, detached, that goes with the
 * files: every namespace's entry for a name under /proc/sys/net hangs in
 * one dcache hash chain of the machine's /proc, so a lookup there walks
 * one entry for each namespace that ever looked the name up (a
 * millisecond at a thousand namespaces).  A fresh instance holds only
 * ours.  Where the new mount API is missing or refused, the machine's
 * /proc.  Settings that do not exist (IPv6 off in the kernel) are
 * skipped; -errno of the first that fails otherwise.
 */
static int write_ns_sysctls(const struct ns_sysctl *v, size_t n, struct errbuf *err)
{
	int root = -1, r = 0;
#ifdef HAVE_FSOPEN
	int fs;

	fs = fsopen("proc", FSOPEN_CLOEXEC);
	if (fs >= 0) {
		if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
			root = fsmount(fs, FSMOUNT_CLOEXEC,
				       MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
		close(fs);
	}
#endif
	/* /proc/sys/net shows the namespace of the thread that opens it. */
	if (root < 0)
		root = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return errbuf_errno(err, -errno, "cannot open /proc");
	for (size_t i = 0; i < n && r == 0; i++) {
		int fd = openat(root, v[i].path, O_WRONLY | O_CLOEXEC);
		size_t len = strlen(v[i].value);

		if (fd < 0 && errno == ENOENT)
			continue;
		if ((fd < 0 || write(fd, v[i].value, len) != (ssize_t)len) && !v[i].optional)
			r = errbuf_errno(err, -errno, "cannot write /proc/%s", v[i].path);
		if (fd >= 0)
			close(fd);
	}
	close(root);
	return r;
}

#define PING_GROUP_RANGE "sys/net/ipv4/ping_group_range"

/*
 * Let every user of the namespace ping without privilege (ICMP echo
 * sockets), as systemd's default sysctls do on the host: commands run by
 * usernetns-join have no capabilities, so ping's cap_net_raw is void.
 * A convenience, not a guarantee: where the kernel refuses the range (a
 * user namespace that maps fewer groups) the login goes on without it.
 * Only where there is a link to ping over: in mode isolated there is lo
 * alone, and the procfs instance would be a third of a cold login there.
 */
static const struct ns_sysctl ping_for_all = { PING_GROUP_RANGE, "0 2147483647\n", true };

/*
 * IPv6 on the namespace end is ours alone: no router advertisement
 * accepted, no address made from one, no router asked for one, no
 * redirect believed; and no IPv6 at all where the plan gives none.  The kernel takes none of these
 * over rtnetlink (IFLA_INET6_CONF is read-only there), so they are
 * written to the link's settings and to "default", which a namespace end
 * made later starts from.  Disabling comes last: the rest must hold
 * before the link's IPv6 starts.
 */
static size_t ipv6_sysctls(const char *ifname, bool has_ipv6, bool fresh, struct ns_sysctl ret[10])
{
	static const char *const off[] = { "accept_ra", "autoconf", "router_solicitations",
					   "accept_redirects" };
	const char *dev[2] = { "default", ifname };
	size_t n = 0;

	for (size_t d = 0; d < ELEMENTSOF(dev); d++) {
		/* Without IPv6 the rest is moot: it is written when IPv6 comes. */
		if (!dev[d] || !has_ipv6)
			continue;
		for (size_t i = 0; i < ELEMENTSOF(off); i++) {
			snprintf(ret[n].path, sizeof(ret[n].path), "sys/net/ipv6/conf/%s/%s",
				 dev[d], off[i]);
			ret[n++].value = "0\n";
		}
	}
	for (size_t d = 0; d < ELEMENTSOF(dev); d++) {
		/* A fresh namespace has IPv6 on: nothing to write for that. */
		if (!dev[d] || (fresh && has_ipv6))
			continue;
		snprintf(ret[n].path, sizeof(ret[n].path), "sys/net/ipv6/conf/%s/disable_ipv6",
			 dev[d]);
		ret[n++].value = has_ipv6 ? "0\n" : "1\n";
	}
	return n;
}

/* Does the plan give the namespace IPv6 addresses? */
static bool plan_has_ipv6(const struct plan *plan)
{
	return plan->v6.source != PLAN_ADDR_NONE;
}

/* A fresh namespace's settings, before its end is made: unprivileged ping, IPv6 as ours. */
static int set_fresh_sysctls(const struct plan *plan, struct errbuf *err)
{
	struct ns_sysctl v[11];

	v[0] = ping_for_all;
	return write_ns_sysctls(v, 1 + ipv6_sysctls(NULL, plan_has_ipv6(plan), true, v + 1), err);
}

/* Inside an existing namespace: its end's IPv6 as the plan wants it. */
static int fix_ipv6(void *data, struct errbuf *err)
{
	const struct ensure_ctx *c = data;
	struct ns_sysctl v[10];

	return write_ns_sysctls(
		v, ipv6_sysctls(c->plan->peer_ifname, plan_has_ipv6(c->plan), false, v), err);
}

/*
 * The host end has IPv6 only where it holds an IPv6 address of the plan
 * (not in mode bridge, whose addresses are on the bridge).  Otherwise
 * IPv6 gives it a link-local address and three routes in the host's
 * tables (fe80::/64, its address, ff00::/8) that nothing uses: each link
 * that goes down or away has the kernel walk the host's whole IPv6 table
 * (rt6_sync_down_dev()), so at 10,000 users every removal walked 30,000
 * routes, and most of a mass cleanup's time, holding the RTNL lock that
 * logins wait for, was that.  Written to the host's /proc (host ends'
 * names are the host's alone: no shared dcache chain) while the fresh
 * link is down; -ENOENT where the kernel has no IPv6 is nothing to do.
 */
static int host_end_ipv6(const struct plan *plan, const char *ifname, struct errbuf *err)
{
	char path[96];
	int fd;

	if (plan_has_ipv6(plan) && plan->mode != POLICY_MODE_BRIDGE)
		return 0;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || write(fd, "1\n", 2) != 2) {
		int r = errbuf_errno(err, -errno, "cannot write %s", path);

		if (fd >= 0)
			close(fd);
		return r;
	}
	close(fd);
	return 0;
}

/* Does this login make or remove the namespace's dns redirect? */
static bool wants_nf(const struct ensure_ctx *c)
{
	return policy_mode_has_link(c->plan->mode) ||
	       (c->have_found && (c->found.host_ifname[0] || c->found.dns[0]));
}

static int open_ns_rtnl(void *data, struct errbuf *err)
{
	struct ensure_ctx *c = data;
	int r;

	r = rtnl_open(&c->ns, err);
	if (r == 0 && wants_nf(c))
		r = nfnl_open(&c->ns_nf, err);
	if (r == 0 && (c->changes & ENSURE_ADOPTED) && policy_mode_has_link(c->plan->mode))
		r = set_fresh_sysctls(c->plan, err);
	return r;
}

/*
 * Inside the namespace: lo's flags, asked with an ioctl on a datagram
 * socket (three system calls where a netlink socket and a dump take ten).
 */
static int ask_lo(void *data, struct errbuf *err)
{
	struct ensure_ctx *c = data;
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd, r;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errbuf_errno(err, -errno, "cannot open a socket in the namespace");
	r = ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return errbuf_errno(err, r, "cannot ask for the flags of lo");
	c->ns_lo.flags = (unsigned int)(unsigned short)ifr.ifr_flags;
	return 0;
}

/* lo and the peer, if there, from one dump of the namespace's links. */
static int note_ns_link(const struct rtnl_link *l, void *data)
{
	struct ensure_ctx *c = data;

	if (l->ifindex == LOOPBACK_IFINDEX)
		c->ns_lo = *l;
	else if (streq(l->ifname, c->plan->peer_ifname)) {
		c->ns_peer = *l;
		c->have_ns_peer = true;
	}
	return 0;
}

/* Inside a namespace just made: our socket there, lo up, ping allowed. */
static int setup_fresh(void *data, struct errbuf *err)
{
	struct ensure_ctx *c = data;
	int r;

	r = rtnl_open(&c->ns, err);
	if (r == 0 && wants_nf(c))
		r = nfnl_open(&c->ns_nf, err);
	if (r == 0)
		r = rtnl_link_change(&c->ns, &lo_up, err);
	if (r == 0 && policy_mode_has_link(c->plan->mode))
		r = set_fresh_sysctls(c->plan, err);
	return r;
}

static void record_init(struct ensure_ctx *c, enum state_phase phase)
{
	const struct plan *plan = c->plan;
	struct state_record *rec = &c->rec;

	*rec = (struct state_record){
		.owner = plan->owner,
		.mode = plan->mode,
		.phase = phase,
		.host_id = c->host_id,
		.created = c->have_old && c->old.created && !c->fresh ? c->old.created :
									(uint64_t)time(NULL),
	};
	snprintf(rec->name, sizeof(rec->name), "%s", plan->owner_name);
	snprintf(rec->netns, sizeof(rec->netns), "%s", plan->netns);
	snprintf(rec->hostname, sizeof(rec->hostname), "%s", plan->hostname);
	rec->netns_unlisted = plan->netns_unlisted;
	if (policy_mode_has_link(plan->mode)) {
		snprintf(rec->host_ifname, sizeof(rec->host_ifname), "%s", plan->host_ifname);
		snprintf(rec->peer_ifname, sizeof(rec->peer_ifname), "%s", plan->peer_ifname);
	}
}

/* Delete the host link named ifname if it is ours; fine if absent. */
static int delete_host_link(struct ensure_ctx *c, owner_t owner, const char *ifname)
{
	struct rtnl_link l;
	int r;

	r = rtnl_link_get(&c->host, ifname, &l, c->err);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return r;
	if (!ours_host_link_of(&l, owner))
		return 0; /* not ours: leave it be */
	return rtnl_link_delete(&c->host, l.ifindex, ifname, c->err);
}

/* ---- links ---------------------------------------------------------------- */

/* Must the namespace end's IPv6 settings be written (ipv6_sysctls())? */
static bool ipv6_needs_fixing(const struct ensure_ctx *c, const struct rtnl_link *pl)
{
	/* Made now: from "default", which only a namespace made now surely has right. */
	if (c->changes & ENSURE_CREATED_LINK)
		return !c->fresh;
	/* A kernel without IPv6 reports none: nothing to do. */
	if (!pl->ipv6.known)
		return false;
	/* Without IPv6 the rest is moot (ipv6_sysctls()). */
	if (!plan_has_ipv6(c->plan))
		return !pl->ipv6.disabled;
	return pl->ipv6.disabled || pl->ipv6.accept_ra || pl->ipv6.autoconf ||
	       pl->ipv6.solicits_routers || pl->ipv6.accepts_redirects;
}

/* master: ifindex of the bridge the host end joins, or 0. */
static int ensure_links(struct ensure_ctx *c, int master, struct rtnl_link *ret_host,
			struct rtnl_link *ret_peer)
{
	const struct plan *plan = c->plan;
	struct rtnl_link hl = { 0 }, pl = { 0 };
	bool have_host = false, have_peer = false;
	/* Translated queries leave with a loopback source, for a moment (nsdns.h). */
	bool localnet = plan->dns.kind != POLICY_DNS_INHERIT;
	char alias[64], who[OWNER_STRLEN];
	uint8_t mac[2][RTNL_MAC_LEN];
	int r;

	ours_host_alias(plan->owner, alias, sizeof(alias));

	r = rtnl_link_get(&c->host, plan->host_ifname, &hl, c->err);
	if (r == 0)
		have_host = true;
	else if (r != -ENODEV)
		return r;
	if (c->have_ns_peer) {
		pl = c->ns_peer;
		have_peer = true;
	}

	if (have_host && have_peer && ours_link_pair(&hl, &pl)) {
		/* Ours: its other end is inside our namespace. */
	} else {
		if (have_host) {
			if (!ours_host_link_of(&hl, plan->owner)) {
				errbuf_set(
					c->err,
					"interface '%s' exists on the host and was not made by usernetns for %s; rename or delete it",
					plan->host_ifname,
					owner_describe(plan->owner, who, sizeof(who)));
				return -EEXIST;
			}
			/* The end of a ghost: a namespace gone from the run dir. */
			r = rtnl_link_delete(&c->host, hl.ifindex, hl.ifname, c->err);
			if (r < 0 && r != -ENODEV)
				return r;
			c->changes |= ENSURE_REPLACED_STALE_LINK;
		}
		if (have_peer) {
			/* Inside our namespace, so ours; its pair is gone. */
			r = rtnl_link_delete(&c->ns, pl.ifindex, pl.ifname, c->err);
			if (r < 0 && r != -ENODEV)
				return r;
			c->changes |= ENSURE_REPLACED_STALE_LINK;
		}

		/*
		 * Hardware addresses of our choosing, so that both ends are
		 * known without asking the namespace (neighbour entries, below).
		 */
		r = rtnl_random_mac(mac[0]);
		if (r == 0)
			r = rtnl_random_mac(mac[1]);
		if (r < 0)
			return errbuf_errno(c->err, r, "cannot draw hardware addresses");
		r = rtnl_veth_create(&c->host,
				     &(struct rtnl_veth){
					     .ifname = plan->host_ifname,
					     .peer_ifname = plan->peer_ifname,
					     .peer_netns_fd = c->nsfd,
					     .mtu = plan->mtu,
					     .master = master,
					     .mac = mac[0],
					     .peer_mac = mac[1],
				     },
				     c->err);
		if (r < 0)
			return r;
		c->changes |= ENSURE_CREATED_LINK;
		r = rtnl_link_get(&c->host, plan->host_ifname, &hl, c->err);
		if (r < 0)
			return r;
		/*
		 * The peer is as we made it: down, with our MTU and hardware
		 * address, and the host end's IFLA_LINK is its ifindex.  No
		 * need to ask.
		 */
		pl = (struct rtnl_link){ .ifindex = hl.link, .mtu = hl.mtu, .has_mac = true };
		memcpy(pl.mac, mac[1], sizeof(pl.mac));
		snprintf(pl.ifname, sizeof(pl.ifname), "%s", plan->peer_ifname);
		snprintf(pl.kind, sizeof(pl.kind), "veth");
	}

	/*
	 * The kernel ignores IFLA_IFALIAS on creation: mark the host end ours
	 * now, while a fresh one is still down.  Once it is up every change
	 * to it is a NETDEV_CHANGE, on which IPv6 walks the host's whole
	 * routing table (three routes for every veth there); down, nobody is
	 * told.  For the same reason nothing asks the kernel about the host
	 * end once it is up: RTM_GETLINK runs its pending link events too.
	 */
	if (hl.mtu != plan->mtu || !streq(hl.alias, alias) || hl.master != master) {
		r = rtnl_link_change(&c->host,
				     &(struct rtnl_link_change){
					     .ifindex = hl.ifindex,
					     .ifname = hl.ifname,
					     .up = hl.flags & IFF_UP,
					     .mtu = plan->mtu,
					     .alias = streq(hl.alias, alias) ? NULL : alias,
					     .set_master = true,
					     .master = master,
				     },
				     c->err);
		if (r < 0)
			return r;
		/* A fresh link lacks only the alias. */
		if (!(c->changes & ENSURE_CREATED_LINK) || hl.master != master)
			c->changes |= ENSURE_FIXED_LINK;
	}
	/* Bridge ports of users talk to the bridge, not to each other. */
	if (master && hl.isolated != plan->port_isolation) {
		r = rtnl_link_change(&c->host,
				     &(struct rtnl_link_change){
					     .ifindex = hl.ifindex,
					     .ifname = hl.ifname,
					     .up = hl.flags & IFF_UP,
					     .set_isolated = true,
					     .isolated = plan->port_isolation,
				     },
				     c->err);
		if (r < 0)
			return r;
		if (!(c->changes & ENSURE_CREATED_LINK))
			c->changes |= ENSURE_FIXED_LINK;
	}
	/*
	 * Its IPv6 as ours (see ipv6_sysctls()) before it is up: a link made
	 * now in an older namespace starts from settings we may never have
	 * written.
	 */
	if (ipv6_needs_fixing(c, &pl)) {
		r = netns_run_in(c->nsfd, fix_ipv6, c, c->err);
		if (r < 0)
			return r;
		if (!(c->changes & ENSURE_CREATED_LINK))
			c->changes |= ENSURE_FIXED_LINK;
	}
	if (!(pl.flags & IFF_UP) || pl.mtu != plan->mtu || pl.route_localnet != localnet) {
		r = rtnl_link_change(&c->ns,
				     &(struct rtnl_link_change){
					     .ifindex = pl.ifindex,
					     .ifname = pl.ifname,
					     .up = true,
					     .mtu = plan->mtu,
					     .set_route_localnet = pl.route_localnet != localnet,
					     .route_localnet = localnet,
				     },
				     c->err);
		if (r < 0)
			return r;
		if (!(c->changes & ENSURE_CREATED_LINK))
			c->changes |= ENSURE_FIXED_LINK;
	}
	if (c->changes & ENSURE_CREATED_LINK) {
		r = host_end_ipv6(plan, hl.ifname, c->err);
		if (r < 0)
			return r;
	}
	if (!(hl.flags & IFF_UP)) {
		r = rtnl_link_change(&c->host,
				     &(struct rtnl_link_change){
					     .ifindex = hl.ifindex,
					     .ifname = hl.ifname,
					     .up = true,
				     },
				     c->err);
		if (r < 0)
			return r;
		if (!(c->changes & ENSURE_CREATED_LINK))
			c->changes |= ENSURE_FIXED_LINK;
		hl.flags |= IFF_UP;
	}
	*ret_host = hl;
	*ret_peer = pl;
	return 0;
}

/* ---- addresses and routes --------------------------------------------------- */

static bool addr_in(const struct addr_prefix *a, const struct addr_prefix *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (addr_prefix_equal(a, &v[i]))
			return true;
	return false;
}

/* Make the global addresses of a link exactly want[0..n). */
static int ensure_addresses(struct ensure_ctx *c, struct rtnl *r, const struct rtnl_link *l,
			    const struct addr_prefix *want, size_t n_want)
{
	struct addr_prefix have[ADDRS_MAX];
	size_t n_have = 0;
	int rc;

	if (!(c->changes & ENSURE_CREATED_LINK)) {
		rc = rtnl_addr_list(r, l->ifindex, have, ADDRS_MAX, &n_have, c->err);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < n_want; i++) {
		if (addr_in(&want[i], have, n_have))
			continue;
		rc = rtnl_addr_add(r, l->ifindex, l->ifname, &want[i], c->err);
		if (rc < 0)
			return rc;
		if (!(c->changes & ENSURE_CREATED_LINK))
			c->changes |= ENSURE_FIXED_ADDRESSES;
	}
	for (size_t i = 0; i < n_have; i++) {
		if (addr_in(&have[i], want, n_want))
			continue;
		rc = rtnl_addr_del(r, l->ifindex, l->ifname, &have[i], c->err);
		if (rc < 0 && rc != -EADDRNOTAVAIL)
			return rc;
		c->changes |= ENSURE_FIXED_ADDRESSES;
	}
	return 0;
}

/*
 * The routes we made in a namespace (static, main table), and those the
 * network gave it (a router advertisement's default or prefix), from one
 * dump.
 */
struct route_have {
	struct rtnl_route v[2 * EGRESS_ROUTES_MAX];
	bool used[2 * EGRESS_ROUTES_MAX];
	size_t n;
	struct rtnl_route learned[16];
	size_t n_learned;
};

/*
 * Learned from the network: what a router advertisement makes (protocol
 * ra, or a lifetime), and any default route but ours.  The routes of the
 * namespace are ours alone; routes an admin added by hand (other
 * protocols, no lifetime) are left alone.
 */
static bool route_learned(const struct rtnl_route *rt)
{
	return rt->protocol != RTPROT_STATIC &&
	       (rt->protocol == RTPROT_RA || rt->expires || rt->dst.len == 0);
}

static int note_route(const struct rtnl_route *rt, void *data)
{
	struct route_have *h = data;

	if (rt->table != RT_TABLE_MAIN)
		return 0;
	if (rt->protocol != RTPROT_STATIC) {
		if (rt->type == RTN_UNICAST && route_learned(rt) &&
		    h->n_learned < ELEMENTSOF(h->learned))
			h->learned[h->n_learned++] = *rt;
		return 0;
	}
	/* More than we would ever make: the rest go at the next login. */
	if (h->n < ELEMENTSOF(h->v))
		h->v[h->n++] = *rt;
	return 0;
}

/* Is the route h what w asks for, through the peer link? */
static bool route_matches(const struct rtnl_route *h, const struct egress_route *w,
			  const struct addr_prefix *gw, const struct rtnl_link *peer)
{
	if (!addr_prefix_equal(&h->dst, &w->dst))
		return false;
	if (w->prohibit)
		return h->type == RTN_PROHIBIT;
	return h->type == RTN_UNICAST && addr_prefix_equal(&h->gateway, gw) &&
	       h->oif == peer->ifindex;
}

/*
 * Make the routes of peer_addr's family in the namespace exactly what
 * egress_routes() says (have: what is there; NULL for a link just made,
 * which has none).  Routes others made (not RTPROT_STATIC) are left alone.
 */
static int ensure_routes(struct ensure_ctx *c, const struct addr_prefix *peer_addr,
			 const struct addr_prefix *via, const struct rtnl_link *peer,
			 struct route_have *have)
{
	struct egress_route want[EGRESS_ROUTES_MAX];
	struct addr_prefix gw = *via;
	size_t n_want;
	int r;

	gw.len = addr_family_bits(gw.family);
	egress_routes(c->plan, peer_addr, &gw, &c->dns, want, &n_want);
	for (size_t i = 0; i < n_want; i++) {
		bool found = false;

		for (size_t k = 0; have && k < have->n && !found; k++)
			if (!have->used[k] && route_matches(&have->v[k], &want[i], &gw, peer))
				found = have->used[k] = true;
		if (found)
			continue;
		r = rtnl_route_replace(&c->ns,
				       &(struct rtnl_route_change){
					       .dst = want[i].dst,
					       .prohibit = want[i].prohibit,
					       .gateway = gw,
					       .oif = peer->ifindex,
					       .ifname = peer->ifname,
				       },
				       c->err);
		if (r < 0)
			return r;
		if (have)
			c->changes |= ENSURE_FIXED_ROUTES;
	}
	for (size_t k = 0; have && k < have->n; k++) {
		const struct rtnl_route *h = &have->v[k];

		if (have->used[k] || h->dst.family != peer_addr->family)
			continue;
		/* A replaced route of the same destination is gone already. */
		for (size_t i = 0; i < n_want; i++)
			if (addr_prefix_equal(&h->dst, &want[i].dst))
				have->used[k] = true;
		if (have->used[k])
			continue;
		r = rtnl_route_delete(&c->ns,
				      &(struct rtnl_route_change){
					      .dst = h->dst,
					      .prohibit = h->type == RTN_PROHIBIT,
					      .gateway = h->gateway,
					      .oif = h->oif,
					      .ifname = peer->ifname,
				      },
				      c->err);
		if (r < 0 && r != -ESRCH)
			return r;
		c->changes |= ENSURE_FIXED_ROUTES;
	}
	for (size_t k = 0; have && k < have->n_learned; k++) {
		const struct rtnl_route *h = &have->learned[k];

		if (h->dst.family != peer_addr->family)
			continue;
		r = rtnl_route_delete(&c->ns,
				      &(struct rtnl_route_change){
					      .dst = h->dst,
					      .gateway = h->gateway,
					      .oif = h->oif,
					      .ifname = peer->ifname,
					      .protocol = h->protocol,
				      },
				      c->err);
		if (r < 0 && r != -ESRCH)
			return r;
		c->changes |= ENSURE_FIXED_ROUTES;
	}
	return 0;
}

/*
 * The namespace's table (nstable.h): its filter (egress.c) and the
 * redirect of queries to loopback resolvers (nsdns.c).  Made with a
 * fresh namespace.  At every other login: the same digest as recorded and
 * the namespace's nf_tables generation unchanged since is the same table
 * (one small request); else one dump of its rules tells; anything else,
 * and it is made again whole (root changed it, the policy changed).
 */
static int ensure_table(struct ensure_ctx *c)
{
	struct state_record *rec = &c->rec;
	struct egress_addrs addrs = {
		.peer4 = rec->peer4,
		.peer6 = rec->peer6,
		.gw4 = rec->host4,
		.gw6 = rec->host6,
		.dns = c->dns,
	};
	struct nstable *t;
	uint64_t digest;
	bool ok = false;
	int r;

	/* The record keeps the targets, so that a policy back to inherit is seen. */
	r = nsdns_format(&c->dns, rec->dns, sizeof(rec->dns));
	if (r < 0)
		return errbuf_errno(c->err, r, "cannot record the dns targets");
	t = calloc(1, sizeof(*t));
	if (!t)
		return errbuf_errno(c->err, -ENOMEM, "cannot describe the namespace's table");
	egress_table(c->plan, &addrs, t);
	r = nstable_digest(t, &digest);
	if (r < 0) {
		r = errbuf_errno(c->err, r, "cannot describe the namespace's table");
		goto out;
	}
	rec->table_digest = digest;
	if (!c->fresh) {
		uint32_t gen;

		r = nstable_generation(&c->ns_nf, &gen, c->err);
		if (r < 0)
			goto out;
		if (c->have_found && netns_id_equal(&c->found.id, &c->id) &&
		    c->found.table_digest == digest && c->found.table_gen == gen) {
			rec->table_gen = gen;
			goto out;
		}
		r = nstable_check(&c->ns_nf, t, &ok, c->err);
		if (r < 0)
			goto out;
		if (ok) {
			rec->table_gen = gen;
			goto out;
		}
	}
	r = nstable_apply(&c->ns_nf, t, c->fresh, c->err);
	if (r == 0 && !c->fresh)
		c->changes |= ENSURE_FIXED_FILTER;
	if (r == 0)
		r = fault_err("ensure.table", c->err);
	if (r == 0)
		r = nstable_generation(&c->ns_nf, &rec->table_gen, c->err);
out:
	free(t);
	return r;
}

/*
 * Refuse to give out addresses the host already routes to a network of
 * its own: the namespace would take that network's traffic.  Asked when a
 * block is first leased (its two ends) and when a link with fixed
 * addresses is made; a lookup per address, so that the thousandth login
 * costs what the first does (usernetns-create --dry-run checks whole
 * ranges against every route).
 */
static int check_host_routes(struct ensure_ctx *c, const struct plan_addr *a,
			     const struct addr_prefix *host, const struct addr_prefix *peer,
			     int bridge_ifindex)
{
	const struct addr_prefix addrs[] = { *host, *peer };
	struct hostnet_overlap o;
	char text[256];
	bool found;
	int r;

	r = hostnet_find_route(&c->host, addrs, ELEMENTSOF(addrs), bridge_ifindex, &found, &o,
			       c->err);
	if (r < 0)
		return r;
	if (!found)
		return 0;
	hostnet_overlap_format(plan_addr_range_name(a), plan_addr_range(a), &o, text, sizeof(text));
	errbuf_set(c->err, "%s: namespaces there would take that network's traffic; choose another",
		   text);
	return -EADDRINUSE;
}

/* The two ends' addresses of one family, fixed or leased. */
static int resolve_addr(struct ensure_ctx *c, const struct plan_addr *a, int bridge_ifindex,
			struct addr_prefix *ret_host, struct addr_prefix *ret_peer)
{
	struct addr_prefix block;
	int r;

	switch (a->source) {
	case PLAN_ADDR_NONE:
		*ret_host = *ret_peer = (struct addr_prefix){ 0 };
		return 0;
	case PLAN_ADDR_FIXED:
		/* The link will be made (none is paired in the namespace). */
		if (!c->have_ns_peer) {
			r = check_host_routes(c, a, &a->host, &a->peer, bridge_ifindex);
			if (r < 0)
				return r;
		}
		*ret_host = a->host;
		*ret_peer = a->peer;
		return 0;
	case PLAN_ADDR_POOL:
		break;
	}
	r = lease_get(c->p, &a->pool, a->block_len, c->plan->owner, c->plan->owner_name, false,
		      &block, c->err);
	if (r == -ENOENT) {
		r = lease_get(c->p, &a->pool, a->block_len, c->plan->owner, c->plan->owner_name,
			      true, &block, c->err);
		if (r == 0)
			r = addr_block_ends(&block, ret_host, ret_peer);
		if (r == 0)
			r = check_host_routes(c, a, ret_host, ret_peer, bridge_ifindex);
		/* A block over a host network is not kept: the next login asks again. */
		if (r == -EADDRINUSE)
			(void)lease_release(c->p, &a->pool, a->block_len, c->plan->owner, NULL,
					    NULL);
		if (r == 0)
			c->changes |= ENSURE_LEASED;
		return r;
	}
	if (r < 0)
		return r;
	return addr_block_ends(&block, ret_host, ret_peer);
}

/*
 * Permanent neighbour entries on both ends of the pair, as soon as both
 * ends and their addresses are known: the namespace's gateway at the host
 * end's hardware address, and the namespace's addresses at its end's, on
 * the host end.  The neighbour tables limit their dynamic entries
 * (gc_thresh3, 1024 by default) for every namespace together, and each
 * active user took two: the host stopped passing traffic at about 511
 * active users.  Permanent entries do not count, and save an ARP or ND
 * round trip on the first packet each way.
 *
 * Not in mode bridge: a bridge takes the hardware address of a port
 * unless one was set, so the gateway's changes as ports come and go (the
 * pinned one then black-holes the session), and an entry on the bridge
 * would outlive the namespace on a LAN that others share.
 */
static int ensure_neighbours(struct ensure_ctx *c, const struct rtnl_link *hl,
			     const struct rtnl_link *pl)
{
	const struct state_record *rec = &c->rec;
	const struct addr_prefix *gw[2] = { &rec->host4, &rec->host6 };
	const struct addr_prefix *own[2] = { &rec->peer4, &rec->peer6 };
	int r = 0;

	if (c->plan->mode == POLICY_MODE_BRIDGE || !hl->has_mac || !pl->has_mac)
		return 0;
	for (int f = 0; f < 2 && r == 0; f++) {
		struct addr_prefix a;

		if (!addr_prefix_is_set(gw[f]) || !addr_prefix_is_set(own[f]))
			continue;
		a = *gw[f];
		a.len = addr_family_bits(a.family);
		r = rtnl_neigh_set(&c->ns, pl->ifindex, pl->ifname, &a, hl->mac, c->err);
		if (r < 0)
			break;
		a = *own[f];
		a.len = addr_family_bits(a.family);
		r = rtnl_neigh_set(&c->host, hl->ifindex, hl->ifname, &a, pl->mac, c->err);
	}
	if (r == 0)
		r = fault_err("ensure.neighbours", c->err);
	return r;
}

/* A deny the gateway is in: the policy cannot be applied as written. */
static int check_gateway(struct ensure_ctx *c, const struct addr_prefix *gw)
{
	struct errbuf why;
	int r = egress_check_gateway(c->plan, gw, &why);

	if (r < 0)
		errbuf_set(c->err, "line %u of the policy: %s", c->plan->deny_line, why.msg);
	return r;
}

/*
 * Where the namespace's queries go (its routes and table follow): with
 * dns = host, to the host's resolvers as its resolv.conf names them now,
 * so that a change (DHCP) reaches each namespace at its next login.  None
 * is no reason to refuse a login: it goes on, and the caller logs why.
 */
static void find_dns_targets(struct ensure_ctx *c)
{
	struct nsdns_host host = { 0 };
	struct errbuf why = { "" };

	if (c->plan->dns.kind == POLICY_DNS_HOST && policy_mode_has_link(c->plan->mode)) {
		if (nsdns_host_resolvers(c->plan, NSDNS_RESOLV_CONF, NSDNS_RESOLVED_CONF, &host,
					 &why) < 0)
			snprintf(c->dns_problem, sizeof(c->dns_problem), "%s", why.msg);
		else if (host.t.n == 0)
			snprintf(c->dns_problem, sizeof(c->dns_problem),
				 "%s names no resolver a namespace can reach: %s", host.from,
				 host.left_out[0] ? host.left_out : "no nameserver line");
	}
	nsdns_targets(c->plan, &c->rec.host4, &host.t, &c->dns);
}

static int ensure_network(struct ensure_ctx *c)
{
	const struct plan *plan = c->plan;
	struct addr_prefix host[2], peer[2];
	size_t n_host = 0, n_peer = 0;
	struct rtnl_link hl, pl, bridge = { 0 };
	struct state_record *rec = &c->rec;
	struct route_have *have = NULL;
	int r;

	if (plan->mode == POLICY_MODE_BRIDGE) {
		r = rtnl_link_get(&c->host, plan->bridge, &bridge, c->err);
		if (r == -ENODEV)
			errbuf_set(c->err, "bridge '%s' does not exist", plan->bridge);
		if (r < 0)
			return r;
		if (!streq(bridge.kind, "bridge")) {
			errbuf_set(c->err, "'%s' is not a bridge", plan->bridge);
			return -EINVAL;
		}
	}

	r = resolve_addr(c, &plan->v4, bridge.ifindex, &rec->host4, &rec->peer4);
	if (r == 0)
		r = resolve_addr(c, &plan->v6, bridge.ifindex, &rec->host6, &rec->peer6);
	if (r < 0)
		return r;

	if (plan->mode == POLICY_MODE_BRIDGE) {
		/* The host end is a port: the "host" address is the gateway. */
		r = hostnet_bridge_addressing(&c->host, &bridge, &rec->host4, &rec->peer4, c->err);
		if (r == 0)
			r = hostnet_bridge_addressing(&c->host, &bridge, &rec->host6, &rec->peer6,
						      c->err);
		if (r == 0)
			r = check_gateway(c, &rec->host4);
		if (r == 0)
			r = check_gateway(c, &rec->host6);
		if (r < 0)
			return r;
	}

	r = ensure_links(c, bridge.ifindex, &hl, &pl);
	if (r == 0)
		r = fault_err("ensure.links", c->err);
	if (r < 0)
		return r;
	rec->host_ifindex = hl.ifindex;
	rec->peer_ifindex = pl.ifindex;

	/* In bridge mode the host end is a bridge port, without addresses. */
	if (plan->mode != POLICY_MODE_BRIDGE) {
		if (addr_prefix_is_set(&rec->host4))
			host[n_host++] = rec->host4;
		if (addr_prefix_is_set(&rec->host6))
			host[n_host++] = rec->host6;
	}
	if (addr_prefix_is_set(&rec->peer4))
		peer[n_peer++] = rec->peer4;
	if (addr_prefix_is_set(&rec->peer6))
		peer[n_peer++] = rec->peer6;

	r = ensure_addresses(c, &c->host, &hl, host, n_host);
	if (r == 0)
		r = ensure_addresses(c, &c->ns, &pl, peer, n_peer);
	if (r == 0)
		r = fault_err("ensure.addresses", c->err);
	if (r == 0 && (c->changes & (ENSURE_CREATED_LINK | ENSURE_FIXED_ADDRESSES)))
		r = ensure_neighbours(c, &hl, &pl);
	if (r < 0)
		return r;

	find_dns_targets(c);
	/* Fresh links have no routes yet; others are checked in one dump. */
	if (!(c->changes & ENSURE_CREATED_LINK)) {
		have = calloc(1, sizeof(*have));
		if (!have)
			return errbuf_errno(c->err, -ENOMEM, "cannot list routes");
		r = rtnl_route_foreach(&c->ns, note_route, have, c->err);
	}
	if (r == 0 && addr_prefix_is_set(&rec->peer4))
		r = ensure_routes(c, &rec->peer4, &rec->host4, &pl, have);
	if (r == 0 && addr_prefix_is_set(&rec->peer6))
		r = ensure_routes(c, &rec->peer6, &rec->host6, &pl, have);
	free(have);
	if (r == 0)
		r = ensure_table(c);
	return r;
}

/*
 * Mode nat needs the host's side (our table as the policy makes it now,
 * forwarding, its uplink): a session without it has no way out.  Not a
 * reason to refuse a login (the namespace is whole, and isolation does
 * not depend on it), but one to say so loudly: the caller logs what the
 * record says.  One request for the table, whose digest is compared
 * with the plan's (from the policy alone): no nft, no dump of the host's
 * routes.
 */
static void note_host_side(struct ensure_ctx *c)
{
	const struct firewall_need need = {
		.mode = c->plan->mode,
		.v4 = addr_prefix_is_set(&c->rec.peer4),
		.v6 = addr_prefix_is_set(&c->rec.peer6),
		.policy_digest = c->plan->host_table,
		.uplink = c->plan->uplink,
	};
	struct firewall_status s;
	struct errbuf err = { "" };
	char problem[sizeof(c->rec.host_side)];

	if (firewall_status(&s, &err) < 0)
		snprintf(c->rec.host_side, sizeof(c->rec.host_side), "unknown (%.80s)", err.msg);
	else if (*firewall_status_problem(&s, &need, problem, sizeof(problem)))
		snprintf(c->rec.host_side, sizeof(c->rec.host_side), "%s", problem);
	else
		snprintf(c->rec.host_side, sizeof(c->rec.host_side), "ok");
}

/*
 * The host's name files for the namespace (hosts.h): what an earlier
 * login published and this one does not (a new address, a new policy)
 * goes, and the rest is written where it differs.
 */
static int ensure_names(struct ensure_ctx *c)
{
	struct hosts_published done;
	int r;

	if (c->have_found) {
		r = hosts_unpublish(c->p, &c->found, &c->rec, c->err);
		if (r < 0)
			return r;
	}
	r = hosts_publish(c->p, &c->rec, &done, c->err);
	if (r < 0)
		return r;
	if (done.changed && !c->fresh)
		c->changes |= ENSURE_FIXED_NAMES;
	/* Somebody else's name: theirs, and the login goes on without it. */
	if (done.n_held == 1)
		snprintf(c->names_held, sizeof(c->names_held), "%s", done.held);
	else if (done.n_held > 1)
		snprintf(c->names_held, sizeof(c->names_held), "%s, and %zu more", done.held,
			 done.n_held - 1);
	return 0;
}

/* ---- the namespace ------------------------------------------------------------ */

static int ensure_namespace(struct ensure_ctx *c)
{
	const struct plan *plan = c->plan;
	struct ours_found f;
	int r;

	r = ours_netns(c->p->rundir, -1, plan->netns, c->have_old ? &c->old : NULL, &f, &c->nsfd,
		       c->err);
	if (r < 0)
		return r;
	c->id = f.id;

	switch (f.verdict) {
	case OURS_ACTIVE:
		/* Or being removed: a removal that died (or kept it) after marking it. */
		break;
	case OURS_UNFINISHED:
		/* A login died between mounting and recording it. */
		c->changes |= ENSURE_ADOPTED;
		break;
	case OURS_FOREIGN:
		if (f.mounted)
			errbuf_set(
				c->err,
				"network namespace '%s' exists but was not created by usernetns for %s; remove it (ip netns del %s) or rename it",
				plan->netns, plan->user, plan->netns);
		else
			errbuf_set(c->err, "%s/%s exists and is not a network namespace; remove it",
				   c->p->rundir, plan->netns);
		return -EEXIST;
	case OURS_PLACEHOLDER:
		/* Left by a crash, or by a creator that was not ip netns add. */
		r = netns_remove_placeholder(c->p->rundir, plan->netns, c->err);
		if (r < 0)
			return r;
		c->changes |= ENSURE_REMOVED_PLACEHOLDER;
		__attribute__((fallthrough));
	case OURS_MISSING:
		/* Say what we are about to make before making it. */
		record_init(c, STATE_CREATING);
		if (c->have_old && c->old.host_ifname[0] &&
		    streq(c->old.host_ifname, c->rec.host_ifname))
			c->rec.host_ifindex = c->old.host_ifindex;
		r = state_write(c->p, &c->rec, c->err);
		if (r < 0)
			return r;
		c->wrote_creating = true;
		r = fault_err("ensure.recorded-creating", c->err);
		if (r < 0)
			return r;
		c->have_old = true;
		c->old = c->rec;
		r = netns_create(c->p->rundir, plan->netns, c->lock_timeout_ms, setup_fresh, c,
				 &c->nsfd, &c->id, c->err);
		if (r < 0)
			return r;
		c->fresh = true;
		c->changes |= ENSURE_CREATED;
		return fault_err("ensure.created", c->err);
	}

	/* No links, no table: whether lo is up is all there is to check. */
	if (!policy_mode_has_link(plan->mode) && !wants_nf(c) && !(c->changes & ENSURE_ADOPTED)) {
		r = netns_run_in(c->nsfd, ask_lo, c, c->err);
		if (r < 0 || c->ns_lo.flags & IFF_UP)
			return r;
	}
	r = netns_run_in(c->nsfd, open_ns_rtnl, c, c->err);
	if (r < 0)
		return r;
	r = rtnl_link_foreach(&c->ns, note_ns_link, c, c->err);
	if (r == 0 && !(c->ns_lo.flags & IFF_UP)) {
		r = rtnl_link_change(&c->ns, &lo_up, c->err);
		c->changes |= ENSURE_FIXED_LINK;
	}
	return r;
}

/*
 * Undo what this very call made after a later step failed: a namespace,
 * or just the record that announced it.
 *
 * Everything is undone before returning.  A veth pair made in the fresh
 * namespace is deleted from inside it, whether or not its host end got
 * our mark yet: nothing else can have put a link there, and deleting one
 * end deletes both at once.  Left to the kernel's teardown of the
 * unmounted namespace, which runs later from a work queue, the host end
 * would stay on the host unmarked for a while, and a login meanwhile
 * would find a foreign interface in its way.
 */
static void roll_back(struct ensure_ctx *c)
{
	struct errbuf ignored;

	if (!c->fresh) {
		if (c->wrote_creating)
			state_remove(c->p, c->plan->owner, &ignored);
		return;
	}
	if (c->ns.nl && c->plan->peer_ifname[0]) {
		struct rtnl_link peer;

		if (rtnl_link_get(&c->ns, c->plan->peer_ifname, &peer, &ignored) == 0)
			rtnl_link_delete(&c->ns, peer.ifindex, peer.ifname, &ignored);
	}
	/* Marked, but somehow no longer paired: by its mark. */
	if (c->host.nl && c->plan->host_ifname[0]) {
		struct errbuf *saved = c->err;

		c->err = &ignored;
		delete_host_link(c, c->plan->owner, c->plan->host_ifname);
		c->err = saved;
	}
	hosts_unpublish(c->p, &c->rec, NULL, &ignored);
	netns_remove(c->p->rundir, c->plan->netns, &ignored);
	state_remove(c->p, c->plan->owner, &ignored);
}

static int ensure_locked(struct ensure_ctx *c)
{
	const struct plan *plan = c->plan;
	char old_record[2048], new_record[2048];
	int r;

	r = netns_current(&c->host_id);
	if (r < 0)
		return errbuf_errno(c->err, r, "cannot identify the current network namespace");
	r = state_read(c->p, plan->owner, &c->old, c->err);
	if (r == 0)
		c->have_old = true;
	else if (r != -ENOENT)
		return r;
	c->have_found = c->have_old;
	c->found = c->old;

	if (c->have_old && (c->old.host_id.ino || c->old.host_id.dev) &&
	    !netns_id_equal(&c->old.host_id, &c->host_id)) {
		errbuf_set(
			c->err,
			"the namespace of %s was made from another network namespace than this one; run from the host's",
			plan->user);
		return -EXDEV;
	}

	/* A previous policy named the namespace differently: retire it. */
	if (c->have_old && !streq(c->old.netns, plan->netns)) {
		pid_t pid = 0;

		r = ensure_remove_locked(c->p, plan->owner, 0, &pid, c->err);
		if (r == -EBUSY) {
			errbuf_set(
				c->err,
				"namespace '%s' of an earlier policy still has processes (pid %ld); end them or run usernetns-cleanup --force %s",
				c->old.netns, (long)pid, plan->user);
			return r;
		}
		if (r < 0 && r != -ENOENT)
			return r;
		c->have_old = false;
		c->changes |= ENSURE_REMOVED_OLD;
	}

	/* The host's rtnetlink only where there are links, now or before. */
	if (policy_mode_has_link(plan->mode) || (c->have_old && c->old.host_ifname[0])) {
		r = rtnl_open(&c->host, c->err);
		if (r < 0)
			return r;
	}

	/* Links of an earlier policy (other name, or a mode without links). */
	if (c->have_old && c->old.host_ifname[0] &&
	    (!policy_mode_has_link(plan->mode) || !streq(c->old.host_ifname, plan->host_ifname))) {
		r = delete_host_link(c, plan->owner, c->old.host_ifname);
		if (r < 0)
			return r;
		c->old.host_ifname[0] = '\0';
		c->changes |= ENSURE_REMOVED_OLD;
	}

	r = ensure_namespace(c);
	if (r < 0)
		goto fail;

	record_init(c, STATE_READY);
	c->rec.id = c->id;
	if (policy_mode_has_link(plan->mode)) {
		r = ensure_network(c);
		if (r < 0)
			goto fail;
	} else if (c->ns_nf.nl) {
		/* No link, nothing leaves: the table of an earlier policy goes. */
		bool removed = false;

		r = nstable_remove(&c->ns_nf, &removed, c->err);
		if (r < 0)
			goto fail;
		if (removed)
			c->changes |= ENSURE_FIXED_FILTER;
	}
	if (plan->mode == POLICY_MODE_NAT)
		note_host_side(c);
	r = ensure_names(c);
	if (r < 0)
		goto fail;

	if (!c->have_old || state_format(&c->old, old_record, sizeof(old_record)) < 0 ||
	    state_format(&c->rec, new_record, sizeof(new_record)) < 0 ||
	    !streq(old_record, new_record)) {
		r = state_write(c->p, &c->rec, c->err);
		if (r == 0)
			r = fault_err("ensure.recorded-ready", c->err);
		if (r < 0)
			goto fail;
	}
	return 0;
fail:
	roll_back(c);
	return r;
}

int ensure_netns_locked(const struct uns_paths *p, const struct plan *plan,
			unsigned int lock_timeout_ms, struct ensure_result *ret, struct errbuf *err)
{
	struct ensure_ctx c = {
		.p = p,
		.plan = plan,
		.lock_timeout_ms = lock_timeout_ms,
		.err = err,
		.nsfd = -1,
	};
	int r;

	if (plan->verdict != PLAN_HANDLED) {
		errbuf_set(err, "%s is not handled by the policy", plan->user);
		return -EINVAL;
	}
	r = ensure_locked(&c);
	rtnl_close(&c.host);
	rtnl_close(&c.ns);
	nfnl_close(&c.ns_nf);
	if (r < 0) {
		if (c.nsfd >= 0)
			close(c.nsfd);
		return r;
	}
	ret->netns_fd = c.nsfd;
	ret->id = c.id;
	ret->changes = c.changes;
	ret->record = c.rec;
	snprintf(ret->names_held, sizeof(ret->names_held), "%s", c.names_held);
	snprintf(ret->dns_problem, sizeof(ret->dns_problem), "%s", c.dns_problem);
	return 0;
}

struct ensure_call {
	const struct uns_paths *p;
	const struct plan *plan;
	unsigned int lock_timeout_ms;
};

static int ensure_under_lock(void *data, void *out, int *ret_fd, struct errbuf *err)
{
	const struct ensure_call *c = data;
	struct ensure_result *res = out;
	int r;

	r = ensure_netns_locked(c->p, c->plan, c->lock_timeout_ms, res, err);
	if (r == 0)
		*ret_fd = res->netns_fd;
	return r;
}

int ensure_begin(const struct uns_paths *p, const struct plan *plan, unsigned int lock_timeout_ms,
		 struct errbuf *err)
{
	if (plan->verdict != PLAN_HANDLED) {
		errbuf_set(err, "%s is not handled by the policy", plan->user);
		return -EINVAL;
	}
	return placement_note(p, plan->uid, plan->user, &plan->placed, lock_timeout_ms, err);
}

int ensure_netns(const struct uns_paths *p, const struct plan *plan, unsigned int lock_timeout_ms,
		 struct ensure_result *ret, struct errbuf *err)
{
	struct ensure_call c = { p, plan, lock_timeout_ms };
	int fd, r;

	r = ensure_begin(p, plan, lock_timeout_ms, err);
	if (r < 0)
		return r;
	r = shield_run_locked(p, plan->owner, lock_timeout_ms, ensure_under_lock, &c, ret,
			      sizeof(*ret), &fd, err);
	if (r == 0)
		ret->netns_fd = fd;
	return r;
}

int ensure_open_recorded(const struct uns_paths *p, const struct plan *plan, int *ret_fd,
			 struct netns_id *ret_id, struct errbuf *err)
{
	struct state_record rec;
	struct ours_found f;
	int fd, r;

	r = state_read(p, plan->owner, &rec, err);
	if (r == -ENOENT)
		errbuf_set(err, "%s has no namespace: log in, or run usernetns-create", plan->user);
	if (r < 0)
		return r;
	if (rec.phase == STATE_REMOVING) {
		errbuf_set(err, "'%s' is being removed (its last session ended); log in again",
			   rec.netns);
		return -ESTALE;
	}
	if (rec.phase != STATE_READY || !streq(rec.netns, plan->netns)) {
		errbuf_set(
			err,
			"its record is for '%s' and not complete; log in or run usernetns-create",
			rec.netns);
		return -ESTALE;
	}
	r = ours_netns(p->rundir, -1, plan->netns, &rec, &f, &fd, err);
	if (r < 0)
		return r;
	if (f.verdict == OURS_ACTIVE) {
		*ret_fd = fd;
		*ret_id = f.id;
		return 0;
	}
	if (!f.mounted) {
		errbuf_set(err, "it is not there; log in or run usernetns-create");
		return -ENOENT;
	}
	errbuf_set(
		err,
		"the namespace under that name is not the one usernetns made (inode %llu, recorded %llu)",
		(unsigned long long)f.id.ino, (unsigned long long)rec.id.ino);
	return -EPERM;
}

int ensure_join(const struct uns_paths *p, const struct plan *plan, struct errbuf *err)
{
	struct hostns_saved back;
	struct netns_id id;
	struct state_record rec;
	struct errbuf ignored;
	int fd, r;

	r = hostns_save(&back, err);
	if (r < 0)
		return r;
	r = ensure_open_recorded(p, plan, &fd, &id, err);
	if (r < 0) {
		hostns_saved_close(&back);
		return r;
	}
	r = fault_err("join.opened", err);
	if (r == 0)
		r = netns_enter(fd, &id, err);
	close(fd);
	if (r == 0)
		r = fault_err("join.entered", err);
	/*
	 * Inside now, where a removal that has not marked the record yet will
	 * see us.  One that has may already have looked, and found nobody.
	 */
	if (r == 0) {
		r = state_read(p, plan->owner, &rec, err);
		if (r == -ENOENT ||
		    (r == 0 && (rec.phase != STATE_READY || !netns_id_equal(&rec.id, &id)))) {
			errbuf_set(err,
				   "'%s' is being removed (its last session ended); log in again",
				   plan->netns);
			r = -ESTALE;
		}
	}
	/* Back where we came from, whatever happened. */
	if (r < 0 && hostns_restore(&back, &ignored) < 0)
		r = -ENOTRECOVERABLE;
	hostns_saved_close(&back);
	return r;
}

/* ---- removal ------------------------------------------------------------------ */

int ensure_remove_locked(const struct uns_paths *p, owner_t owner, unsigned int flags,
			 pid_t *ret_pid, struct errbuf *err)
{
	struct ensure_ctx c = { .p = p, .err = err, .nsfd = -1 };
	struct state_record rec;
	struct ours_found f;
	struct netns_id now;
	bool ours;
	int r;

	r = state_read(p, owner, &rec, err);
	if (r < 0)
		return r;

	r = netns_current(&now);
	if (r < 0)
		return errbuf_errno(err, r, "cannot identify the current network namespace");
	if ((rec.host_id.ino || rec.host_id.dev) && !netns_id_equal(&rec.host_id, &now)) {
		errbuf_set(err, "not in the host network namespace of '%s'", rec.netns);
		return -EXDEV;
	}

	r = ours_netns(p->rundir, -1, rec.netns, &rec, &f, NULL, err);
	if (r < 0)
		return r;
	ours = f.verdict == OURS_ACTIVE || f.verdict == OURS_UNFINISHED;
	/*
	 * Marked before anybody inside is looked for: usernetns-join, which
	 * takes no lock, enters first and reads the record after
	 * (ensure_join()), so it is either seen inside, or sees this and
	 * backs out.
	 */
	if (ours && rec.phase == STATE_READY) {
		rec.phase = STATE_REMOVING;
		r = state_write(p, &rec, err);
		if (r < 0)
			return r;
		r = fault_err("remove.marked", err);
		if (r < 0) {
			struct errbuf ignored;

			rec.phase = STATE_READY;
			(void)state_write(p, &rec, &ignored);
			return r;
		}
	}
	if (ours && !(flags & ENSURE_REMOVE_FORCE)) {
		size_t n = 0, hidden = 0;
		pid_t pid = 0;

		r = netns_count_processes(&f.id, &n, &pid, &hidden);
		if (r < 0)
			errbuf_errno(err, r, "cannot scan /proc");
		else if (n > 0) {
			errbuf_set(err, "%zu process%s still in namespace '%s' (pid %ld)", n,
				   n == 1 ? "" : "es", rec.netns, (long)pid);
			if (ret_pid)
				*ret_pid = pid;
			r = -EBUSY;
		} else if (hidden > 0) {
			/* Removing it could cut processes we cannot see off. */
			errbuf_set(
				err,
				"cannot tell whether processes remain in namespace '%s': %zu processes are not visible (needs CAP_SYS_PTRACE)",
				rec.netns, hidden);
			r = -EACCES;
		}
		if (r < 0) {
			/* Kept: as it was. */
			struct errbuf ignored;

			rec.phase = STATE_READY;
			(void)state_write(p, &rec, &ignored);
			return r;
		}
	}

	if (rec.host_ifname[0] && !(flags & ENSURE_REMOVE_KEEP_LINK)) {
		r = rtnl_open(&c.host, err);
		if (r < 0)
			return r;
		r = delete_host_link(&c, owner, rec.host_ifname);
		rtnl_close(&c.host);
		if (r == 0)
			r = fault_err("remove.host-link", err);
		if (r < 0)
			return r;
	}
	if (ours)
		r = netns_remove(p->rundir, rec.netns, err);
	else if (f.verdict == OURS_PLACEHOLDER)
		r = netns_remove_placeholder(p->rundir, rec.netns, err);
	if (r == 0)
		r = fault_err("remove.netns", err);
	if (r == 0)
		r = hosts_unpublish(p, &rec, NULL, err);
	if (r < 0)
		return r;
	return state_remove(p, owner, err);
}
