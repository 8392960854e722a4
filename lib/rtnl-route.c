/* SPDX-License-Identifier: BSD-3-Clause */
/* Routes over rtnetlink: listed, looked up, added and deleted. */
#include "config.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

#include "usernetns/nl.h"
#include "usernetns/rtnl.h"

struct route_walk {
	rtnl_route_fn fn;
	void *data;
	int r;
};

/* An IPv4 or IPv6 RTM_NEWROUTE into *route; false for anything else. */
static bool route_parse(const struct nlmsghdr *nlh, struct rtnl_route *ret)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct rtnl_route route;
	const struct nlattr *attr;
	size_t len;

	if (nlh->nlmsg_type != RTM_NEWROUTE || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*rtm)))
		return false;
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return false;
	len = addr_family_bytes(rtm->rtm_family);
	route = (struct rtnl_route){
		.dst = { .family = rtm->rtm_family, .len = rtm->rtm_dst_len },
		.table = rtm->rtm_table,
		.type = rtm->rtm_type,
		.protocol = rtm->rtm_protocol,
	};
	mnl_attr_for_each(attr, nlh, sizeof(*rtm))
	{
		switch (mnl_attr_get_type(attr)) {
		case RTA_DST:
			if (mnl_attr_get_payload_len(attr) == len)
				memcpy(route.dst.bytes, mnl_attr_get_payload(attr), len);
			break;
		case RTA_TABLE:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
				route.table = mnl_attr_get_u32(attr);
			break;
		case RTA_OIF:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
				route.oif = (int)mnl_attr_get_u32(attr);
			break;
		case RTA_GATEWAY:
			if (mnl_attr_get_payload_len(attr) == len) {
				route.gateway.family = rtm->rtm_family;
				route.gateway.len = (unsigned int)len * 8;
				memcpy(route.gateway.bytes, mnl_attr_get_payload(attr), len);
			}
			break;
		case RTA_CACHEINFO:
			if (mnl_attr_get_payload_len(attr) >= sizeof(struct rta_cacheinfo))
				route.expires =
					((const struct rta_cacheinfo *)mnl_attr_get_payload(attr))
						->rta_expires != 0;
			break;
		}
	}
	*ret = route;
	return true;
}

static int route_walk_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_walk *w = data;
	struct rtnl_route route;

	if (w->r == 0 && route_parse(nlh, &route))
		w->r = w->fn(&route, w->data);
	return MNL_CB_OK;
}

int rtnl_route_foreach(struct rtnl *r, rtnl_route_fn fn, void *data, struct errbuf *err)
{
	struct route_walk w = { .fn = fn, .data = data };
	struct nlmsghdr *nlh = nl_msg(r->nl, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	int rc;

	/* AF_UNSPEC: both families, every table, in one dump. */
	rtm->rtm_family = AF_UNSPEC;
	rc = nl_dump(r->nl, nlh, 0, route_walk_cb, &w, err, "list routes");
	return rc < 0 ? rc : w.r;
}

struct route_lookup {
	struct rtnl_route *route;
	bool found;
};

static int route_lookup_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_lookup *l = data;

	if (!l->found)
		l->found = route_parse(nlh, l->route);
	return MNL_CB_OK;
}

int rtnl_route_lookup(struct rtnl *r, const struct addr_prefix *addr, struct rtnl_route *ret,
		      bool *ret_found, struct errbuf *err)
{
	struct nlmsghdr *nlh = nl_msg(r->nl, RTM_GETROUTE, 0);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	struct route_lookup l = { .route = ret };
	size_t len = addr_family_bytes(addr->family);
	char text[ADDR_PREFIX_STRLEN];
	struct errbuf why;
	int rc;

	rtm->rtm_family = (uint8_t)addr->family;
	rtm->rtm_dst_len = (uint8_t)(len * 8);
	/* The FIB entry that matched, as ip route get ... fibmatch shows. */
	rtm->rtm_flags = RTM_F_FIB_MATCH;
	mnl_attr_put(nlh, RTA_DST, len, addr->bytes);
	rc = nl_request(r->nl, nlh, route_lookup_cb, &l, &why, "look up the route to %s",
			addr_format(addr, text, sizeof(text)));
	*ret_found = rc == 0 && l.found;
	/* No route at all is an answer, not a failure. */
	if (rc == -ENETUNREACH || rc == -EHOSTUNREACH)
		return 0;
	if (rc < 0 && err)
		*err = why;
	return rc;
}

/* The message that adds (replacing) or deletes c, and what it is for messages. */
static struct nlmsghdr *route_msg(struct rtnl *r, uint16_t type, uint16_t flags,
				  const struct rtnl_route_change *c, char *what, size_t size)
{
	struct nlmsghdr *nlh = nl_msg(r->nl, type, flags);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	size_t len = addr_family_bytes(c->dst.family);
	char dst[ADDR_PREFIX_STRLEN], gw[ADDR_PREFIX_STRLEN];

	rtm->rtm_family = (uint8_t)c->dst.family;
	rtm->rtm_dst_len = (uint8_t)c->dst.len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = (uint8_t)(c->protocol ? c->protocol : RTPROT_STATIC);
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = (uint8_t)(c->prohibit ? RTN_PROHIBIT : RTN_UNICAST);
	if (c->dst.len)
		mnl_attr_put(nlh, RTA_DST, len, c->dst.bytes);
	if (c->dst.len)
		addr_prefix_format(&c->dst, dst, sizeof(dst));
	else
		snprintf(dst, sizeof(dst), "default");
	if (c->prohibit) {
		snprintf(what, size, "%s prohibit route %s",
			 type == RTM_NEWROUTE ? "add" : "delete", dst);
	} else if (addr_prefix_is_set(&c->gateway)) {
		mnl_attr_put(nlh, RTA_GATEWAY, len, c->gateway.bytes);
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)c->oif);
		snprintf(what, size, "%s %s%s via %s dev '%s'",
			 type == RTM_NEWROUTE ? "add" : "delete", dst, c->dst.len ? "" : " route",
			 addr_format(&c->gateway, gw, sizeof(gw)), c->ifname);
	} else {
		/* On the link, as a router advertisement's prefix is. */
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)c->oif);
		snprintf(what, size, "%s %s%s dev '%s'", type == RTM_NEWROUTE ? "add" : "delete",
			 dst, c->dst.len ? "" : " route", c->ifname);
	}
	return nlh;
}

int rtnl_route_replace(struct rtnl *r, const struct rtnl_route_change *c, struct errbuf *err)
{
	char what[160];
	struct nlmsghdr *nlh =
		route_msg(r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, c, what, sizeof(what));

	return nl_request(r->nl, nlh, NULL, NULL, err, "%s", what);
}

int rtnl_route_delete(struct rtnl *r, const struct rtnl_route_change *c, struct errbuf *err)
{
	char what[160];
	struct nlmsghdr *nlh = route_msg(r, RTM_DELROUTE, 0, c, what, sizeof(what));

	return nl_request(r->nl, nlh, NULL, NULL, err, "%s", what);
}
