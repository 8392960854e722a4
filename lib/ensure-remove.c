/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Removing what ensure_netns() made: for good (the last logout, a
 * cleanup, a new policy's other name), or because the call that made it
 * failed later.
 */
#include "config.h"

#include <errno.h>

#include "ensure-internal.h"
#include "usernetns/fault.h"
#include "usernetns/hosts.h"
#include "usernetns/nstable.h"
#include "usernetns/ours.h"

/*
 * Undo what this very call made: a namespace, or just the record that
 * announced it.
 *
 * Everything is undone before returning.  A veth pair made in the fresh
 * namespace is deleted from inside it, whether or not its host end got
 * our mark yet: nothing else can have put a link there, and deleting one
 * end deletes both at once.  Left to the kernel's teardown of the
 * unmounted namespace, which runs later from a work queue, the host end
 * would stay on the host unmarked for a while, and a login meanwhile
 * would find a foreign interface in its way.
 */
void ensure_roll_back(struct ensure_ctx *c)
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
	if (c->host.nl && c->plan->host_ifname[0])
		ensure_delete_host_link(&c->host, c->plan->owner, c->plan->host_ifname, &ignored);
	hosts_unpublish(c->p, &c->rec, NULL, &ignored);
	netns_remove(c->p->rundir, c->plan->netns, &ignored);
	state_remove(c->p, c->plan->owner, &ignored);
}

/* b - a, each counter, or b's own when one went down (a new link or table counts from zero). */
static struct usage_counts counts_since(const struct usage_counts *a, const struct usage_counts *b)
{
	const uint64_t x[] = { a->sent_bytes, a->received_bytes, a->sent_packets,
			       a->received_packets, a->refused_packets };
	uint64_t y[] = { b->sent_bytes, b->received_bytes, b->sent_packets, b->received_packets,
			 b->refused_packets };

	for (size_t i = 0; i < ELEMENTSOF(y); i++)
		y[i] = y[i] >= x[i] ? y[i] - x[i] : y[i];
	return (struct usage_counts){ .sent_bytes = y[0],
				      .received_bytes = y[1],
				      .sent_packets = y[2],
				      .received_packets = y[3],
				      .refused_packets = y[4] };
}

/*
 * What the host end l of rec passed, and what the namespace's filter
 * refused, since they were last counted, added to the owner's usage
 * (usage.h); rec's count moved on.  The host end received what the
 * namespace sent.  Another link than the one counted counts from zero.
 */
static int count_usage(const struct uns_paths *p, const struct rtnl_link *l,
		       const struct nstable_refused *refused, struct state_record *rec,
		       struct errbuf *err)
{
	struct usage_counts now, since, zero = { 0 };
	int r;

	if (!l->has_stats)
		return 0;
	now = (struct usage_counts){ .sent_bytes = l->rx_bytes,
				     .received_bytes = l->tx_bytes,
				     .sent_packets = l->rx_packets,
				     .received_packets = l->tx_packets,
				     .refused_packets = refused->packets };
	since = counts_since(l->ifindex == rec->counted_ifindex ? &rec->counted : &zero, &now);
	if (since.sent_packets || since.received_packets || since.refused_packets) {
		r = usage_add(p, rec->owner, time(NULL), &since, err);
		if (r < 0)
			return r;
	}
	rec->counted = now;
	rec->counted_ifindex = l->ifindex;
	return 0;
}

int ensure_remove_locked(const struct uns_paths *p, owner_t owner, unsigned int flags,
			 struct ensure_removal *ret, struct errbuf *err)
{
	struct nstable_refused refused = { 0 };
	struct state_record rec;
	struct ours_found f;
	struct netns_id now;
	int nsfd = -1, r;
	bool ours;

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

	r = ours_netns(p->rundir, -1, rec.netns, &rec, &f, &nsfd, err);
	if (r < 0)
		return r;
	/*
	 * What its filter refused, while it is there to ask: for the usage.
	 * Not a reason to keep it (a namespace without a table is fine).
	 */
	if (f.verdict == OURS_ACTIVE && nsfd >= 0 && rec.host_ifname[0])
		(void)nstable_refused_in(nsfd, &refused, NULL);
	if (nsfd >= 0)
		close(nsfd);
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
			if (ret)
				ret->busy_pid = pid;
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

	if (rec.host_ifname[0]) {
		struct rtnl host = RTNL_INIT;
		struct rtnl_link l;

		r = rtnl_open(&host, err);
		if (r < 0)
			return r;
		r = ensure_find_host_link(&host, owner, rec.host_ifname, &l, err);
		if (r > 0) {
			struct errbuf why;

			/*
			 * Nobody is inside: what its host end counted is all it
			 * will.  A count that fails loses this namespace's
			 * usage, not its removal; the caller says so.
			 */
			if (count_usage(p, &l, &refused, &rec, &why) < 0 && ret)
				snprintf(ret->uncounted, sizeof(ret->uncounted), "%.159s", why.msg);
			if (!(flags & ENSURE_REMOVE_KEEP_LINK))
				r = rtnl_link_delete(&host, l.ifindex, rec.host_ifname, err);
			else
				r = 0;
		}
		rtnl_close(&host);
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
