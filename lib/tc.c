/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include "usernetns/nl.h"
#include "usernetns/policy.h"
#include "usernetns/tc.h"

uint32_t tc_limit_burst(const struct tc_limit *l, unsigned int mtu)
{
	uint64_t packets = 4 * (uint64_t)(mtu + POLICY_LINK_HEADER), ms = l->rate / 8 / 1000;

	if (l->burst)
		return l->burst;
	return (uint32_t)(ms > packets ? (ms > UINT32_MAX ? UINT32_MAX : ms) : packets);
}

uint32_t tc_limit_queue(const struct tc_limit *l, unsigned int mtu)
{
	uint64_t q = l->rate / 8 * TC_LIMIT_QUEUE_MS / 1000 + tc_limit_burst(l, mtu);

	return q > UINT32_MAX ? UINT32_MAX : (uint32_t)q;
}

static void put_tcmsg(struct nlmsghdr *nlh, int ifindex, uint32_t handle)
{
	struct tcmsg *t = mnl_nlmsg_put_extra_header(nlh, sizeof(*t));

	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = ifindex;
	t->tcm_handle = handle;
	t->tcm_parent = TC_H_ROOT;
}

/* What an interface has at its root, as far as a limit of ours goes. */
struct root_qdisc {
	int ifindex;
	bool found, tbf;
	uint32_t handle;
	uint64_t rate_bytes;
	uint32_t limit;
};

static int tbf_options_cb(const struct nlattr *a, void *data)
{
	struct root_qdisc *q = data;

	switch (mnl_attr_get_type(a)) {
	case TCA_TBF_PARMS:
		if (mnl_attr_get_payload_len(a) >= sizeof(struct tc_tbf_qopt)) {
			const struct tc_tbf_qopt *o = mnl_attr_get_payload(a);

			if (q->rate_bytes == 0)
				q->rate_bytes = o->rate.rate;
			q->limit = o->limit;
		}
		break;
	case TCA_TBF_RATE64:
		if (mnl_attr_validate(a, MNL_TYPE_U64) == 0)
			q->rate_bytes = mnl_attr_get_u64(a);
		break;
	}
	return MNL_CB_OK;
}

static int qdisc_attr_cb(const struct nlattr *a, void *data)
{
	struct root_qdisc *q = data;

	switch (mnl_attr_get_type(a)) {
	case TCA_KIND:
		q->tbf = mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0 &&
			 streq(mnl_attr_get_str(a), "tbf");
		break;
	case TCA_OPTIONS:
		mnl_attr_parse_nested(a, tbf_options_cb, q);
		break;
	}
	return MNL_CB_OK;
}

static int qdisc_cb(const struct nlmsghdr *nlh, void *data)
{
	struct root_qdisc *q = data;
	const struct tcmsg *t = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWQDISC || t->tcm_ifindex != q->ifindex ||
	    t->tcm_parent != TC_H_ROOT)
		return MNL_CB_OK;
	q->found = true;
	q->handle = t->tcm_handle;
	/* A rate of 2^32 bytes a second and more comes in TCA_TBF_RATE64 alone. */
	q->rate_bytes = 0;
	mnl_attr_parse(nlh, sizeof(*t), qdisc_attr_cb, q);
	return MNL_CB_OK;
}

static int root_qdisc(struct rtnl *r, int ifindex, const char *ifname, struct root_qdisc *ret,
		      struct errbuf *err)
{
	struct nlmsghdr *nlh = nl_msg(r->nl, RTM_GETQDISC, NLM_F_DUMP);

	/* With strict checking (nl.c) the kernel lists this interface's alone. */
	put_tcmsg(nlh, ifindex, 0);
	((struct tcmsg *)mnl_nlmsg_get_payload(nlh))->tcm_parent = 0;
	*ret = (struct root_qdisc){ .ifindex = ifindex };
	return nl_dump(r->nl, nlh, 0, qdisc_cb, ret, err, "list the qdiscs of '%s'", ifname);
}

static bool is_ours(const struct root_qdisc *q)
{
	return q->found && q->handle == TC_LIMIT_HANDLE;
}

int tc_limit_check(struct rtnl *r, int ifindex, const char *ifname, unsigned int mtu,
		   const struct tc_limit *l, bool *ret_ok, struct errbuf *err)
{
	struct root_qdisc q;
	int rc = root_qdisc(r, ifindex, ifname, &q, err);

	if (rc < 0)
		return rc;
	if (!l->rate)
		*ret_ok = !is_ours(&q);
	else
		*ret_ok = is_ours(&q) && q.tbf && q.rate_bytes == l->rate / 8 &&
			  q.limit == tc_limit_queue(l, mtu);
	return 0;
}

int tc_limit_set(struct rtnl *r, int ifindex, const char *ifname, unsigned int mtu,
		 const struct tc_limit *l, struct errbuf *err)
{
	uint64_t bytes = l->rate / 8;
	struct tc_tbf_qopt o = { 0 };
	struct nlmsghdr *nlh;
	struct nlattr *opts;

	if (!l->rate) {
		struct root_qdisc q;
		int rc = root_qdisc(r, ifindex, ifname, &q, err);

		if (rc < 0 || !is_ours(&q))
			return rc;
		nlh = nl_msg(r->nl, RTM_DELQDISC, 0);
		put_tcmsg(nlh, ifindex, TC_LIMIT_HANDLE);
		return nl_request(r->nl, nlh, NULL, NULL, err, "remove the limit of '%s'", ifname);
	}
	/*
	 * The link layer said, so that the kernel counts whole frames and
	 * wants no rate table of ours.
	 */
	o.rate.rate = bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;
	o.rate.linklayer = TC_LINKLAYER_ETHERNET;
	o.limit = tc_limit_queue(l, mtu);
	nlh = nl_msg(r->nl, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE);
	put_tcmsg(nlh, ifindex, TC_LIMIT_HANDLE);
	mnl_attr_put_strz(nlh, TCA_KIND, "tbf");
	opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put(nlh, TCA_TBF_PARMS, sizeof(o), &o);
	if (bytes > UINT32_MAX)
		mnl_attr_put_u64(nlh, TCA_TBF_RATE64, bytes);
	mnl_attr_put_u32(nlh, TCA_TBF_BURST, tc_limit_burst(l, mtu));
	mnl_attr_nest_end(nlh, opts);
	return nl_request(r->nl, nlh, NULL, NULL, err, "limit '%s' to %llu bit/s", ifname,
			  (unsigned long long)l->rate);
}
