/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Traffic control over rtnetlink (nl.h, on a struct rtnl's socket): a
 * limit on what an interface sends, as a token bucket (sch_tbf) at its
 * root.  A limit on both ends of a pair limits a namespace each way: the
 * namespace end's for what it sends, the host end's for what it receives.
 *
 * Why a token bucket alone: it is in every kernel (Debian 12's has CAKE
 * and fq_codel as modules, kernels built for VMs often have neither),
 * and with a queue of a few milliseconds at the rate it adds little
 * latency at the limit (measured in bench/: dataplane's limits).
 * Ours is told from anybody else's by its handle, TC_LIMIT_HANDLE.
 */
#ifndef USERNETNS_TC_H
#define USERNETNS_TC_H

#include <stdbool.h>
#include <stdint.h>

#include "usernetns/rtnl.h"
#include "usernetns/util.h"

/* "554e:" ("UN"), the root qdisc's handle: ours, and no one else's. */
#define TC_LIMIT_HANDLE 0x554e0000u

/* How long a packet may wait at the limit: the queue holds this much of the rate. */
#define TC_LIMIT_QUEUE_MS 4u

struct tc_limit {
	uint64_t rate;	/* bits per second; 0: none */
	uint32_t burst; /* bytes above the rate at once; 0: tc_limit_burst() chooses */
};

/*
 * The burst a limit gets: l's own, else what lets a TCP sender fill the
 * rate without a long queue, a millisecond of the rate and at least four
 * packets of mtu (with their Ethernet headers).
 */
uint32_t tc_limit_burst(const struct tc_limit *l, unsigned int mtu);

/* The bytes its queue holds: TC_LIMIT_QUEUE_MS of the rate, and the burst. */
uint32_t tc_limit_queue(const struct tc_limit *l, unsigned int mtu);

/*
 * Make l the limit of what ifindex (named ifname, in messages) sends,
 * replacing its root qdisc; with no rate, take ours away (anybody
 * else's is left alone).
 */
int tc_limit_set(struct rtnl *r, int ifindex, const char *ifname, unsigned int mtu,
		 const struct tc_limit *l, struct errbuf *err);

/*
 * Is what ifindex has at its root what tc_limit_set(l) makes (with no
 * rate: not ours)?  *ret_ok says; -errno when it cannot be asked.
 */
int tc_limit_check(struct rtnl *r, int ifindex, const char *ifname, unsigned int mtu,
		   const struct tc_limit *l, bool *ret_ok, struct errbuf *err);

#endif
