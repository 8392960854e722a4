/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The namespace itself: the one under the plan's name if it is ours
 * (ours_netns()), adopted from a login that died while making it, or
 * made; inside it, the sockets the other steps use and its lo.
 */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ensure-internal.h"
#include "usernetns/fault.h"
#include "usernetns/ours.h"

/* lo is the first interface of every namespace. */
#define LOOPBACK_IFINDEX 1

static const struct rtnl_link_change lo_up = {
	.ifindex = LOOPBACK_IFINDEX,
	.ifname = "lo",
	.up = true,
};

/* Inside the namespace: the sockets the other steps use there. */
static int open_sockets(struct ensure_ctx *c, struct errbuf *err)
{
	int r;

	r = rtnl_open(&c->ns, err);
	if (r == 0 && ensure_table_wanted(c))
		r = nfnl_open(&c->ns_nf, err);
	return r;
}

static int open_ns_rtnl(void *data, struct errbuf *err)
{
	struct ensure_ctx *c = data;
	int r;

	r = open_sockets(c, err);
	if (r == 0 && (c->changes & ENSURE_ADOPTED) && policy_mode_has_link(c->plan->mode))
		r = ensure_fresh_sysctls(c->plan, err);
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

	r = open_sockets(c, err);
	if (r == 0)
		r = rtnl_link_change(&c->ns, &lo_up, err);
	if (r == 0 && policy_mode_has_link(c->plan->mode))
		r = ensure_fresh_sysctls(c->plan, err);
	return r;
}

void ensure_record_init(struct ensure_ctx *c, enum state_phase phase)
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

int ensure_namespace(struct ensure_ctx *c)
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
		ensure_record_init(c, STATE_CREATING);
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
	if (!policy_mode_has_link(plan->mode) && !ensure_table_wanted(c) &&
	    !(c->changes & ENSURE_ADOPTED)) {
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
