/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Settings under /proc that rtnetlink does not take: the namespace's
 * (unprivileged ping, IPv6 on its end) and the host end's IPv6.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "ensure-internal.h"

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
int ensure_fresh_sysctls(const struct plan *plan, struct errbuf *err)
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

/*
 * Its IPv6 as ours (see ipv6_sysctls()) before it is up: a link made
 * now in an older namespace starts from settings we may never have
 * written.
 */
int ensure_ipv6_end(struct ensure_ctx *c, const struct rtnl_link *pl)
{
	int r;

	if (!ipv6_needs_fixing(c, pl))
		return 0;
	r = netns_run_in(c->nsfd, fix_ipv6, c, c->err);
	if (r == 0 && !(c->changes & ENSURE_CREATED_LINK))
		c->changes |= ENSURE_FIXED_LINK;
	return r;
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
int ensure_host_end_ipv6(const struct plan *plan, const char *ifname, struct errbuf *err)
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
