/* SPDX-License-Identifier: BSD-3-Clause */
/* The rtnetlink socket, and links: what they are, made, changed, deleted. */
#include "config.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "usernetns/nl.h"
#include "usernetns/rtnl.h"

/* A test build's fault points (nl.h), one for each kind of request. */
static const char *rtnl_fault_point(uint16_t type)
{
	switch (type) {
	case RTM_NEWLINK:
		return "rtnl.newlink";
	case RTM_DELLINK:
		return "rtnl.dellink";
	case RTM_GETLINK:
		return "rtnl.getlink";
	case RTM_NEWADDR:
		return "rtnl.newaddr";
	case RTM_DELADDR:
		return "rtnl.deladdr";
	case RTM_GETADDR:
		return "rtnl.getaddr";
	case RTM_NEWROUTE:
		return "rtnl.newroute";
	case RTM_DELROUTE:
		return "rtnl.delroute";
	case RTM_GETROUTE:
		return "rtnl.getroute";
	case RTM_NEWNEIGH:
		return "rtnl.newneigh";
	case RTM_NEWQDISC:
		return "rtnl.newqdisc";
	case RTM_DELQDISC:
		return "rtnl.delqdisc";
	case RTM_GETQDISC:
		return "rtnl.getqdisc";
	default:
		return "rtnl.other";
	}
}

int rtnl_open(struct rtnl *r, struct errbuf *err)
{
	*r = RTNL_INIT;
	return nl_open(NETLINK_ROUTE, rtnl_fault_point, &r->nl, err);
}

void rtnl_close(struct rtnl *r)
{
	nl_close(r->nl);
	*r = RTNL_INIT;
}

struct link_parse {
	struct rtnl_link *link;
	bool found;
};

static int brport_attr_cb(const struct nlattr *attr, void *data)
{
	struct rtnl_link *l = data;

	if (mnl_attr_get_type(attr) == IFLA_BRPORT_ISOLATED &&
	    mnl_attr_validate(attr, MNL_TYPE_U8) == 0)
		l->isolated = mnl_attr_get_u8(attr) != 0;
	return MNL_CB_OK;
}

static int linkinfo_attr_cb(const struct nlattr *attr, void *data)
{
	struct rtnl_link *l = data;

	switch (mnl_attr_get_type(attr)) {
	case IFLA_INFO_KIND:
		if (mnl_attr_validate(attr, MNL_TYPE_STRING) == 0)
			snprintf(l->kind, sizeof(l->kind), "%.*s",
				 (int)mnl_attr_get_payload_len(attr),
				 (const char *)mnl_attr_get_payload(attr));
		break;
	case IFLA_INFO_SLAVE_DATA:
		/* A bridge port's settings, which is the only master we have. */
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0)
			mnl_attr_parse_nested(attr, brport_attr_cb, l);
		break;
	}
	return MNL_CB_OK;
}

/* IPv6's settings: an array of values indexed by DEVCONF_*, from 0. */
static void read_inet6_conf(const struct nlattr *a, struct rtnl_link *l)
{
	const int32_t *conf = mnl_attr_get_payload(a);
	size_t n = mnl_attr_get_payload_len(a) / sizeof(int32_t);

	if (n <= DEVCONF_DISABLE_IPV6)
		return;
	l->ipv6.known = true;
	l->ipv6.accept_ra = conf[DEVCONF_ACCEPT_RA] != 0;
	l->ipv6.autoconf = conf[DEVCONF_AUTOCONF] != 0;
	l->ipv6.solicits_routers = conf[DEVCONF_RTR_SOLICITS] != 0;
	l->ipv6.accepts_redirects = conf[DEVCONF_ACCEPT_REDIRECTS] != 0;
	l->ipv6.disabled = conf[DEVCONF_DISABLE_IPV6] != 0;
}

/* The link's settings per family (IFLA_AF_SPEC): IPv4's and IPv6's. */
static void read_inet_conf(const struct nlattr *spec, struct rtnl_link *l)
{
	const struct nlattr *af, *a;

	mnl_attr_for_each_nested(af, spec)
	{
		if ((mnl_attr_get_type(af) != AF_INET && mnl_attr_get_type(af) != AF_INET6) ||
		    mnl_attr_validate(af, MNL_TYPE_NESTED) < 0)
			continue;
		mnl_attr_for_each_nested(a, af)
		{
			const uint32_t *conf = mnl_attr_get_payload(a);
			size_t n = mnl_attr_get_payload_len(a) / sizeof(uint32_t);

			if (mnl_attr_get_type(af) == AF_INET6) {
				if (mnl_attr_get_type(a) == IFLA_INET6_CONF)
					read_inet6_conf(a, l);
				continue;
			}
			/* An array of values, the first for setting number 1. */
			if (mnl_attr_get_type(a) == IFLA_INET_CONF &&
			    n >= IPV4_DEVCONF_ROUTE_LOCALNET)
				l->route_localnet = conf[IPV4_DEVCONF_ROUTE_LOCALNET - 1] != 0;
		}
	}
}

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	struct rtnl_link *l = data;

	switch (mnl_attr_get_type(attr)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(l->ifname, sizeof(l->ifname), "%s", mnl_attr_get_str(attr));
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(attr) == RTNL_MAC_LEN) {
			memcpy(l->mac, mnl_attr_get_payload(attr), RTNL_MAC_LEN);
			l->has_mac = true;
		}
		break;
	case IFLA_MTU:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			l->mtu = mnl_attr_get_u32(attr);
		break;
	case IFLA_LINK:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			l->link = (int)mnl_attr_get_u32(attr);
		break;
	case IFLA_MASTER:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			l->master = (int)mnl_attr_get_u32(attr);
		break;
	case IFLA_IFALIAS:
		if (mnl_attr_validate(attr, MNL_TYPE_STRING) == 0)
			snprintf(l->alias, sizeof(l->alias), "%.*s",
				 (int)strnlen(mnl_attr_get_payload(attr),
					      mnl_attr_get_payload_len(attr)),
				 (const char *)mnl_attr_get_payload(attr));
		break;
	case IFLA_LINKINFO:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0)
			mnl_attr_parse_nested(attr, linkinfo_attr_cb, l);
		break;
	case IFLA_STATS64:
		if (mnl_attr_get_payload_len(attr) >= sizeof(struct rtnl_link_stats64)) {
			struct rtnl_link_stats64 s;

			/* Attributes are 4-byte aligned: copied, not read in place. */
			memcpy(&s, mnl_attr_get_payload(attr), sizeof(s));
			l->rx_bytes = s.rx_bytes;
			l->rx_packets = s.rx_packets;
			l->tx_bytes = s.tx_bytes;
			l->tx_packets = s.tx_packets;
			l->has_stats = true;
		}
		break;
	case IFLA_AF_SPEC:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0)
			read_inet_conf(attr, l);
		break;
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_parse *p = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifi)))
		return MNL_CB_OK;
	*p->link = (struct rtnl_link){ .ifindex = ifi->ifi_index, .flags = ifi->ifi_flags };
	mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, p->link);
	p->found = true;
	return MNL_CB_OK;
}

static int link_get(struct rtnl *r, int ifindex, const char *ifname, struct rtnl_link *ret,
		    struct errbuf *err)
{
	struct rtnl_link link;
	struct link_parse p = { .link = &link };
	struct nlmsghdr *nlh = nl_msg(r->nl, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	int rc;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (ifname)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);

	if (ifname)
		rc = nl_request(r->nl, nlh, link_cb, &p, err, "get link '%s'", ifname);
	else
		rc = nl_request(r->nl, nlh, link_cb, &p, err, "get link %d", ifindex);
	if (rc < 0)
		return rc;
	if (!p.found) {
		errbuf_set(err, "failed to get link '%s': no reply", ifname ? ifname : "?");
		return -ENODEV;
	}
	*ret = link;
	return 0;
}

int rtnl_link_get(struct rtnl *r, const char *ifname, struct rtnl_link *ret, struct errbuf *err)
{
	return link_get(r, 0, ifname, ret, err);
}

int rtnl_link_get_index(struct rtnl *r, int ifindex, struct rtnl_link *ret, struct errbuf *err)
{
	return link_get(r, ifindex, NULL, ret, err);
}

struct link_walk {
	rtnl_link_fn fn;
	void *data;
	int r;
};

static int link_walk_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_walk *w = data;
	struct rtnl_link link;
	struct link_parse p = { .link = &link };

	link_cb(nlh, &p);
	if (p.found && w->r == 0)
		w->r = w->fn(&link, w->data);
	return MNL_CB_OK;
}

int rtnl_link_foreach(struct rtnl *r, rtnl_link_fn fn, void *data, struct errbuf *err)
{
	struct link_walk w = { .fn = fn, .data = data };
	struct nlmsghdr *nlh = nl_msg(r->nl, RTM_GETLINK, NLM_F_DUMP);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	int rc;

	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	rc = nl_dump(r->nl, nlh, r->accept_interrupted ? NL_DUMP_ACCEPT_INTERRUPTED : 0,
		     link_walk_cb, &w, err, "list links");
	return rc < 0 ? rc : w.r;
}

int rtnl_veth_create(struct rtnl *r, const struct rtnl_veth *v, struct errbuf *err)
{
	struct nlmsghdr *nlh = nl_msg(r->nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct nlattr *linkinfo, *infodata, *peer;
	struct ifinfomsg *pifi;

	ifi->ifi_family = AF_UNSPEC;
	if (v->up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	mnl_attr_put_strz(nlh, IFLA_IFNAME, v->ifname);
	if (v->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, v->mtu);
	if (v->mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, RTNL_MAC_LEN, v->mac);
	if (v->master > 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)v->master);

	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	infodata = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer's attributes follow an ifinfomsg of its own. */
	pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
	pifi->ifi_family = AF_UNSPEC;
	/*
	 * No IFF_UP for the peer: the kernel configures it before the two
	 * ends know each other, and opening it then fails with ENOTCONN.
	 */
	mnl_attr_put_strz(nlh, IFLA_IFNAME, v->peer_ifname);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)v->peer_netns_fd);
	if (v->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, v->mtu);
	if (v->peer_mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, RTNL_MAC_LEN, v->peer_mac);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, infodata);
	mnl_attr_nest_end(nlh, linkinfo);

	return nl_request(r->nl, nlh, NULL, NULL, err, "create veth '%s'", v->ifname);
}

int rtnl_random_mac(uint8_t ret[RTNL_MAC_LEN])
{
	if (getrandom(ret, RTNL_MAC_LEN, 0) != RTNL_MAC_LEN)
		return -EIO;
	/* Unicast (bit 0 clear), locally administered (bit 1 set). */
	ret[0] = (uint8_t)((ret[0] & 0xfe) | 0x02);
	return 0;
}

int rtnl_link_delete(struct rtnl *r, int ifindex, const char *ifname, struct errbuf *err)
{
	struct nlmsghdr *nlh = nl_msg(r->nl, RTM_DELLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nl_request(r->nl, nlh, NULL, NULL, err, "delete link '%s'", ifname);
}

int rtnl_links_delete(struct rtnl *r, const int *ifindex, size_t n, struct errbuf *err)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	uint32_t group = 0;
	size_t joined = 0;
	int rc;

	if (n == 0)
		return 0;
	/* Group 0 is everybody's default; a random other one is ours. */
	while (group == 0)
		if (getrandom(&group, sizeof(group), 0) != sizeof(group))
			group = (uint32_t)time(NULL) ^ (uint32_t)getpid();
	group &= 0x7fffffff;
	for (size_t i = 0; i < n; i++) {
		nlh = nl_msg(r->nl, RTM_NEWLINK, 0);
		ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = ifindex[i];
		/*
		 * Down in the same request: a group change on a link that is up
		 * is a NETDEV_CHANGE, for which the kernel walks the host's whole
		 * IPv6 routing table; on a link that is down it is nothing, and
		 * the deletion then skips the down the link has had already.
		 */
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = 0;
		mnl_attr_put_u32(nlh, IFLA_GROUP, group);
		rc = nl_request(r->nl, nlh, NULL, NULL, err, "group link %d", ifindex[i]);
		if (rc == -ENODEV)
			continue;
		if (rc < 0)
			return rc;
		joined++;
	}
	if (joined == 0)
		return 0;
	nlh = nl_msg(r->nl, RTM_DELLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, IFLA_GROUP, group);
	rc = nl_request(r->nl, nlh, NULL, NULL, err, "delete %zu links", joined);
	/*
	 * A veth dies with its peer: the kernel tears down a namespace that
	 * lost its last reference asynchronously, and with it our host ends.
	 * If that got to all of them first, nobody is left in the group.
	 */
	if (rc == -ENODEV) {
		if (err)
			err->msg[0] = '\0';
		return 0;
	}
	return rc;
}

int rtnl_link_change(struct rtnl *r, const struct rtnl_link_change *c, struct errbuf *err)
{
	struct nlmsghdr *nlh = nl_msg(r->nl, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = c->ifindex;
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = c->up ? IFF_UP : 0;
	if (c->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, c->mtu);
	if (c->alias)
		mnl_attr_put_strz(nlh, IFLA_IFALIAS, c->alias);
	if (c->set_master)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)c->master);
	if (c->set_isolated) {
		struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO), *data;

		mnl_attr_put_strz(nlh, IFLA_INFO_SLAVE_KIND, "bridge");
		data = mnl_attr_nest_start(nlh, IFLA_INFO_SLAVE_DATA);
		mnl_attr_put_u8(nlh, IFLA_BRPORT_ISOLATED, c->isolated);
		mnl_attr_nest_end(nlh, data);
		mnl_attr_nest_end(nlh, info);
	}
	if (c->set_route_localnet) {
		struct nlattr *spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
		struct nlattr *inet = mnl_attr_nest_start(nlh, AF_INET);
		struct nlattr *conf = mnl_attr_nest_start(nlh, IFLA_INET_CONF);

		/* Each setting an attribute whose type is its number. */
		mnl_attr_put_u32(nlh, IPV4_DEVCONF_ROUTE_LOCALNET, c->route_localnet);
		mnl_attr_nest_end(nlh, conf);
		mnl_attr_nest_end(nlh, inet);
		mnl_attr_nest_end(nlh, spec);
	}
	return nl_request(r->nl, nlh, NULL, NULL, err, "set link '%s'", c->ifname);
}
