/* SPDX-License-Identifier: BSD-3-Clause */
/* Addresses over rtnetlink: a link's own, and its neighbours'. */
#include "config.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "usernetns/nl.h"
#include "usernetns/rtnl.h"

struct addr_collect {
	int ifindex;
	struct addr_prefix *v;
	size_t max, n;
	bool overflow;
};

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_collect *c = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *local = NULL, *address = NULL, *attr;
	const struct nlattr *use;
	struct addr_prefix a = { 0 };
	size_t len;

	if (nlh->nlmsg_type != RTM_NEWADDR || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifa)))
		return MNL_CB_OK;
	if ((int)ifa->ifa_index != c->ifindex || ifa->ifa_scope != RT_SCOPE_UNIVERSE)
		return MNL_CB_OK;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return MNL_CB_OK;

	mnl_attr_for_each(attr, nlh, sizeof(*ifa))
	{
		if (mnl_attr_get_type(attr) == IFA_LOCAL)
			local = attr;
		else if (mnl_attr_get_type(attr) == IFA_ADDRESS)
			address = attr;
	}
	/* IFA_LOCAL is the interface's own address where both are given. */
	use = local ? local : address;
	len = addr_family_bytes(ifa->ifa_family);
	if (!use || mnl_attr_get_payload_len(use) != len)
		return MNL_CB_OK;
	a.family = ifa->ifa_family;
	a.len = ifa->ifa_prefixlen;
	memcpy(a.bytes, mnl_attr_get_payload(use), len);
	if (c->n < c->max)
		c->v[c->n++] = a;
	else
		c->overflow = true;
	return MNL_CB_OK;
}

int rtnl_addr_list(struct rtnl *r, int ifindex, struct addr_prefix *ret, size_t max, size_t *ret_n,
		   struct errbuf *err)
{
	struct addr_collect c = { .ifindex = ifindex, .v = ret, .max = max };
	struct nlmsghdr *nlh = nl_msg(r->nl, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	int rc;

	ifa->ifa_family = AF_UNSPEC;
	ifa->ifa_index = (uint32_t)ifindex;
	rc = nl_dump(r->nl, nlh, 0, addr_cb, &c, err, "list addresses of link %d", ifindex);
	if (rc < 0)
		return rc;
	if (c.overflow) {
		errbuf_set(err, "link %d has more than %zu addresses", ifindex, max);
		return -E2BIG;
	}
	*ret_n = c.n;
	return 0;
}

/* The message that adds or deletes address a of link ifindex. */
static struct nlmsghdr *addr_msg(struct rtnl *r, uint16_t type, uint16_t flags, int ifindex,
				 const struct addr_prefix *a)
{
	struct nlmsghdr *nlh = nl_msg(r->nl, type, flags);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	size_t len = addr_family_bytes(a->family);

	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = (uint8_t)a->len;
	ifa->ifa_index = (uint32_t)ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put(nlh, IFA_LOCAL, len, a->bytes);
	mnl_attr_put(nlh, IFA_ADDRESS, len, a->bytes);
	return nlh;
}

int rtnl_addr_add(struct rtnl *r, int ifindex, const char *ifname, const struct addr_prefix *a,
		  struct errbuf *err)
{
	struct nlmsghdr *nlh = addr_msg(r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, ifindex, a);
	char buf[ADDR_PREFIX_STRLEN];

	if (a->family == AF_INET && a->len <= 30) {
		/* As "ip addr add ... brd +" would. */
		struct addr_prefix b = addr_prefix_last(a);

		mnl_attr_put(nlh, IFA_BROADCAST, 4, b.bytes);
	}
	if (a->family == AF_INET6) {
		/* A point-to-point link has nobody to collide with. */
		((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	}
	return nl_request(r->nl, nlh, NULL, NULL, err, "add address %s to '%s'",
			  addr_prefix_format(a, buf, sizeof(buf)), ifname);
}

int rtnl_addr_del(struct rtnl *r, int ifindex, const char *ifname, const struct addr_prefix *a,
		  struct errbuf *err)
{
	struct nlmsghdr *nlh = addr_msg(r, RTM_DELADDR, 0, ifindex, a);
	char buf[ADDR_PREFIX_STRLEN];

	return nl_request(r->nl, nlh, NULL, NULL, err, "delete address %s from '%s'",
			  addr_prefix_format(a, buf, sizeof(buf)), ifname);
}

/* ---- neighbours --------------------------------------------------------- */

int rtnl_neigh_set(struct rtnl *r, int ifindex, const char *ifname, const struct addr_prefix *addr,
		   const uint8_t mac[RTNL_MAC_LEN], struct errbuf *err)
{
	struct nlmsghdr *nlh = nl_msg(r->nl, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE);
	struct ndmsg *nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	char a[ADDR_PREFIX_STRLEN];

	nd->ndm_family = (uint8_t)addr->family;
	nd->ndm_ifindex = ifindex;
	nd->ndm_state = NUD_PERMANENT;
	mnl_attr_put(nlh, NDA_DST, addr_family_bytes(addr->family), addr->bytes);
	mnl_attr_put(nlh, NDA_LLADDR, RTNL_MAC_LEN, mac);
	return nl_request(r->nl, nlh, NULL, NULL, err, "add the neighbour %s on '%s'",
			  addr_format(addr, a, sizeof(a)), ifname);
}
