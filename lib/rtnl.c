/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "usernetns/fault.h"
#include "usernetns/rtnl.h"

/* Large enough for any dump message the kernel sends in one datagram. */
#define RTNL_BUF_SIZE 32768

/* Our requests are far smaller than this. */
#define RTNL_REQUEST_MAX 1024

/* A reply that never comes would hang a login: bound every wait. */
#define RTNL_RECV_TIMEOUT_SEC 5

struct rtnl_call {
	mnl_cb_t cb;
	void *data;
	char extack[256];
};

int rtnl_open(struct rtnl *r, struct errbuf *err)
{
	struct timeval tv = { .tv_sec = RTNL_RECV_TIMEOUT_SEC };
	int one = 1;

	*r = RTNL_INIT;
	r->buf = malloc(RTNL_BUF_SIZE);
	if (!r->buf) {
		errbuf_set(err, "out of memory");
		return -ENOMEM;
	}
	r->buf_size = RTNL_BUF_SIZE;

	r->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!r->nl) {
		int e = errno;

		errbuf_errno(err, -e, "cannot open an rtnetlink socket");
		rtnl_close(r);
		return -e;
	}
	/* The kernel's own explanation of a failure, without our request. */
	mnl_socket_setsockopt(r->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(r->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	/* Let dumps filter by interface in the kernel (Linux 4.20+). */
	mnl_socket_setsockopt(r->nl, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(r->nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	if (mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		errbuf_errno(err, -e, "cannot bind an rtnetlink socket");
		rtnl_close(r);
		return -e;
	}
	r->portid = mnl_socket_get_portid(r->nl);
	/* Distinct from other sockets' numbers, for readable traces. */
	r->seq = (unsigned int)time(NULL);
	return 0;
}

void rtnl_close(struct rtnl *r)
{
	if (r->nl)
		mnl_socket_close(r->nl);
	free(r->buf);
	*r = RTNL_INIT;
}

/* ---- the call helper -------------------------------------------------- */

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	struct rtnl_call *c = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		snprintf(c->extack, sizeof(c->extack), "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl_call *c = data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP; /* the ACK */

	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
		if (mnl_nlmsg_size(off) <= nlh->nlmsg_len)
			mnl_attr_parse(nlh, (unsigned int)off, extack_attr_cb, c);
	}
	errno = e->error < 0 ? -e->error : EIO;
	return MNL_CB_ERROR;
}

static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	/* A dump the kernel could not finish ends in a negative errno. */
	if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(int))) {
		int e = *(const int *)mnl_nlmsg_get_payload(nlh);

		if (e < 0) {
			errno = -e;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

static int noop_cb(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_OK;
}

static int overrun_cb(const struct nlmsghdr *nlh, void *data)
{
	errno = ENOSPC;
	return MNL_CB_ERROR;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl_call *c = data;

	return c->cb ? c->cb(nlh, c->data) : MNL_CB_OK;
}

#ifdef USERNETNS_FAULTS
static const char *rtnl_type_name(uint16_t type)
{
	switch (type) {
	case RTM_NEWLINK:
		return "newlink";
	case RTM_DELLINK:
		return "dellink";
	case RTM_GETLINK:
		return "getlink";
	case RTM_NEWADDR:
		return "newaddr";
	case RTM_DELADDR:
		return "deladdr";
	case RTM_GETADDR:
		return "getaddr";
	case RTM_NEWROUTE:
		return "newroute";
	case RTM_GETROUTE:
		return "getroute";
	default:
		return "other";
	}
}

/*
 * Test builds fail or crash a request before it is sent ("rtnl.newlink")
 * or after its ACK ("rtnl.newlink.done").  Returns a positive errno.
 */
static int rtnl_fault(uint16_t type, bool done)
{
	char point[32];

	snprintf(point, sizeof(point), "rtnl.%s%s", rtnl_type_name(type), done ? ".done" : "");
	return -FAULT(point);
}
#else
static inline int rtnl_fault(uint16_t type, bool done)
{
	return 0;
}
#endif

static struct nlmsghdr *rtnl_msg(struct rtnl *r, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	/*
	 * libmnl leaves attribute padding as it finds it: start from zeros,
	 * so that no stale byte of an earlier reply goes to the kernel.
	 */
	memset(r->buf, 0, RTNL_REQUEST_MAX);
	nlh = mnl_nlmsg_put_header(r->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

/*
 * How often a dump is started again when the kernel says it was interrupted
 * (NLM_F_DUMP_INTR: what it lists changed while it was listing, as when
 * namespaces die and take their veths with them).
 */
#define DUMP_TRIES 8

/* One read from the socket; SO_RCVTIMEO keeps signals from restarting it. */
static ssize_t rtnl_recv(struct rtnl *r)
{
	ssize_t n;

	do
		n = mnl_socket_recvfrom(r->nl, r->buf, r->buf_size);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		errno = ETIMEDOUT;
	return n;
}

/*
 * The whole reply to the dump request req, its parts gathered in *ret
 * (NULL when it came in one read, left in r->buf), started again while the
 * kernel marks it interrupted: the callbacks then see one consistent
 * listing, and no caller has to undo what it saw of a broken one.  *seq
 * gets the sequence number of the attempt kept.
 */
static int dump_whole(struct rtnl *r, const struct nlmsghdr *req, unsigned int *seq, char **ret,
		      size_t *ret_len)
{
	union {
		struct nlmsghdr nlh;
		char bytes[RTNL_REQUEST_MAX];
	} copy;
	char *all = NULL;
	size_t len = 0, cap = 0;
	bool interrupted = true;

	/* The replies overwrite r->buf, where the request was built. */
	if (req->nlmsg_len > sizeof(copy))
		return -EMSGSIZE;
	memcpy(copy.bytes, req, req->nlmsg_len);
	for (int t = 0; t < DUMP_TRIES && interrupted; t++) {
		struct nlmsghdr *nlh = &copy.nlh;
		bool end = false;

		interrupted = false;
		len = 0;
		nlh->nlmsg_seq = *seq = ++r->seq;
		if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0)
			goto fail;
		while (!end) {
			const struct nlmsghdr *h = (const struct nlmsghdr *)r->buf;
			ssize_t n = rtnl_recv(r);
			int left = (int)n;

			if (n < 0)
				goto fail;
			for (; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
				if (h->nlmsg_seq != *seq)
					continue; /* mnl_cb_run2() will say */
				if (h->nlmsg_flags & NLM_F_DUMP_INTR)
					interrupted = true;
				if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
					end = true;
			}
			/* The usual small dump, whole in one read: no copy. */
			if (end && !interrupted && len == 0) {
				free(all);
				*ret = NULL;
				*ret_len = (size_t)n;
				return 0;
			}
			if (len + (size_t)n > cap) {
				size_t want = cap ? cap : r->buf_size;
				char *grown;

				while (want < len + (size_t)n)
					want *= 2;
				grown = realloc(all, want);
				if (!grown)
					goto fail;
				all = grown;
				cap = want;
			}
			memcpy(all + len, r->buf, (size_t)n);
			len += (size_t)n;
		}
	}
	r->dump_interrupted = interrupted;
	if (interrupted && !r->accept_interrupted) {
		free(all);
		return -EINTR;
	}
	if (interrupted) {
		/* Taken as it is: libmnl would refuse the marked messages (EINTR). */
		int left = (int)len;

		for (struct nlmsghdr *h = (struct nlmsghdr *)all; mnl_nlmsg_ok(h, left);
		     h = mnl_nlmsg_next(h, &left))
			h->nlmsg_flags &= (uint16_t)~NLM_F_DUMP_INTR;
	}
	*ret = all;
	*ret_len = len;
	return 0;
fail:
	free(all);
	return -errno;
}

/* Control messages: the ACK or error, the end of a dump, overruns. */
static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP] = noop_cb,
	[NLMSG_ERROR] = error_cb,
	[NLMSG_DONE] = done_cb,
	[NLMSG_OVERRUN] = overrun_cb,
};

/*
 * How a call ended: 0, or -e with err saying "failed to <what>: <strerror>",
 * plus the kernel's extack text, if any.
 */
static int rtnl_outcome(const struct rtnl_call *c, uint16_t type, int ret, int e,
			struct errbuf *err, const char *what_fmt, va_list ap)
{
	char what[256];

	if (e == 0 && ret == MNL_CB_STOP) {
		e = rtnl_fault(type, true);
		if (e == 0)
			return 0;
	} else if (e == 0) {
		e = errno ? errno : EIO;
	}
	vsnprintf(what, sizeof(what), what_fmt, ap);
	if (c->extack[0])
		errbuf_set(err, "failed to %s: %s (%s)", what, strerror(e), c->extack);
	else
		errbuf_errno(err, -e, "failed to %s", what);
	return -e;
}

/*
 * A request that changes something (or asks for one object): send nlh
 * with NLM_F_ACK and a fresh sequence number, hand every reply to cb, and
 * wait for the ACK.  0 or -errno, err as rtnl_outcome() says.
 */
static int rtnl_request(struct rtnl *r, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
			struct errbuf *err, const char *what_fmt, ...)
	__attribute__((format(printf, 6, 7)));

static int rtnl_request(struct rtnl *r, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
			struct errbuf *err, const char *what_fmt, ...)
{
	struct rtnl_call c = { .cb = cb, .data = data };
	uint16_t type = nlh->nlmsg_type; /* r->buf gets the replies */
	int ret = MNL_CB_ERROR, e;
	unsigned int seq;
	va_list ap;

	e = rtnl_fault(type, false);
	if (e == 0) {
		nlh->nlmsg_flags |= NLM_F_ACK;
		nlh->nlmsg_seq = seq = ++r->seq;
		if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0)
			e = errno;
	}
	while (e == 0) {
		ssize_t n = rtnl_recv(r);

		if (n < 0) {
			e = errno;
			break;
		}
		errno = 0;
		ret = mnl_cb_run2(r->buf, (size_t)n, seq, r->portid, data_cb, &c, ctl_cbs,
				  ELEMENTSOF(ctl_cbs));
		if (ret <= MNL_CB_STOP)
			break;
	}
	va_start(ap, what_fmt);
	e = rtnl_outcome(&c, type, ret, e, err, what_fmt, ap);
	va_end(ap);
	return e;
}

/*
 * A dump: hand cb every message of one consistent listing (dump_whole()).
 * 0 or -errno, err as rtnl_outcome() says.
 */
static int rtnl_dump(struct rtnl *r, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
		     struct errbuf *err, const char *what_fmt, ...)
	__attribute__((format(printf, 6, 7)));

static int rtnl_dump(struct rtnl *r, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
		     struct errbuf *err, const char *what_fmt, ...)
{
	struct rtnl_call c = { .cb = cb, .data = data };
	uint16_t type = nlh->nlmsg_type;
	int ret = MNL_CB_ERROR, e;
	char *all = NULL;
	unsigned int seq;
	size_t len = 0;
	va_list ap;

	e = rtnl_fault(type, false);
	if (e == 0)
		e = -dump_whole(r, nlh, &seq, &all, &len);
	if (e == 0) {
		errno = 0;
		ret = mnl_cb_run2(all ? all : r->buf, len, seq, r->portid, data_cb, &c, ctl_cbs,
				  ELEMENTSOF(ctl_cbs));
		free(all);
	}
	va_start(ap, what_fmt);
	e = rtnl_outcome(&c, type, ret, e, err, what_fmt, ap);
	va_end(ap);
	return e;
}

/* ---- links ------------------------------------------------------------ */

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
	struct nlmsghdr *nlh = rtnl_msg(r, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	int rc;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (ifname)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);

	if (ifname)
		rc = rtnl_request(r, nlh, link_cb, &p, err, "get link '%s'", ifname);
	else
		rc = rtnl_request(r, nlh, link_cb, &p, err, "get link %d", ifindex);
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
	struct nlmsghdr *nlh = rtnl_msg(r, RTM_GETLINK, NLM_F_DUMP);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	int rc;

	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	rc = rtnl_dump(r, nlh, link_walk_cb, &w, err, "list links");
	return rc < 0 ? rc : w.r;
}

int rtnl_veth_create(struct rtnl *r, const struct rtnl_veth *v, struct errbuf *err)
{
	struct nlmsghdr *nlh = rtnl_msg(r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
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

	return rtnl_request(r, nlh, NULL, NULL, err, "create veth '%s'", v->ifname);
}

int rtnl_random_mac(uint8_t ret[RTNL_MAC_LEN])
{
	if (getrandom(ret, RTNL_MAC_LEN, 0) != RTNL_MAC_LEN)
		return -EIO;
	/* Unicast (bit 0 clear), locally administered (bit 1 set). */
	ret[0] = (uint8_t)((ret[0] & 0xfe) | 0x02);
	return 0;
}

int rtnl_neigh_set(struct rtnl *r, int ifindex, const char *ifname, const struct addr_prefix *addr,
		   const uint8_t mac[RTNL_MAC_LEN], struct errbuf *err)
{
	struct nlmsghdr *nlh = rtnl_msg(r, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE);
	struct ndmsg *nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	char a[ADDR_PREFIX_STRLEN];

	nd->ndm_family = (uint8_t)addr->family;
	nd->ndm_ifindex = ifindex;
	nd->ndm_state = NUD_PERMANENT;
	mnl_attr_put(nlh, NDA_DST, addr->family == AF_INET ? 4 : 16, addr->bytes);
	mnl_attr_put(nlh, NDA_LLADDR, RTNL_MAC_LEN, mac);
	return rtnl_request(r, nlh, NULL, NULL, err, "add the neighbour %s on '%s'",
			    addr_format(addr, a, sizeof(a)), ifname);
}

int rtnl_link_delete(struct rtnl *r, int ifindex, const char *ifname, struct errbuf *err)
{
	struct nlmsghdr *nlh = rtnl_msg(r, RTM_DELLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return rtnl_request(r, nlh, NULL, NULL, err, "delete link '%s'", ifname);
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
		nlh = rtnl_msg(r, RTM_NEWLINK, 0);
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
		rc = rtnl_request(r, nlh, NULL, NULL, err, "group link %d", ifindex[i]);
		if (rc == -ENODEV)
			continue;
		if (rc < 0)
			return rc;
		joined++;
	}
	if (joined == 0)
		return 0;
	nlh = rtnl_msg(r, RTM_DELLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, IFLA_GROUP, group);
	rc = rtnl_request(r, nlh, NULL, NULL, err, "delete %zu links", joined);
	/*
	 * A veth dies with its peer: the kernel tears down a namespace that
	 * lost its last reference asynchronously, and with it our host ends.
	 * If that got to all of them first, nobody is left in the group.
	 */
	if (rc == -ENODEV) {
		err->msg[0] = '\0';
		return 0;
	}
	return rc;
}

int rtnl_link_change(struct rtnl *r, const struct rtnl_link_change *c, struct errbuf *err)
{
	struct nlmsghdr *nlh = rtnl_msg(r, RTM_NEWLINK, 0);
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
	return rtnl_request(r, nlh, NULL, NULL, err, "set link '%s'", c->ifname);
}

/* ---- addresses -------------------------------------------------------- */

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
	len = ifa->ifa_family == AF_INET ? 4 : 16;
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
	struct nlmsghdr *nlh = rtnl_msg(r, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	int rc;

	ifa->ifa_family = AF_UNSPEC;
	ifa->ifa_index = (uint32_t)ifindex;
	rc = rtnl_dump(r, nlh, addr_cb, &c, err, "list addresses of link %d", ifindex);
	if (rc < 0)
		return rc;
	if (c.overflow) {
		errbuf_set(err, "link %d has more than %zu addresses", ifindex, max);
		return -E2BIG;
	}
	*ret_n = c.n;
	return 0;
}

static int addr_change(struct rtnl *r, uint16_t type, uint16_t flags, int ifindex,
		       const struct addr_prefix *a, struct ifaddrmsg **ret_ifa)
{
	struct nlmsghdr *nlh = rtnl_msg(r, type, flags);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	size_t len = a->family == AF_INET ? 4 : 16;

	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = (uint8_t)a->len;
	ifa->ifa_index = (uint32_t)ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put(nlh, IFA_LOCAL, len, a->bytes);
	mnl_attr_put(nlh, IFA_ADDRESS, len, a->bytes);
	*ret_ifa = ifa;
	return 0;
}

int rtnl_addr_add(struct rtnl *r, int ifindex, const char *ifname, const struct addr_prefix *a,
		  struct errbuf *err)
{
	char buf[ADDR_PREFIX_STRLEN];
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh;

	addr_change(r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, ifindex, a, &ifa);
	nlh = (struct nlmsghdr *)r->buf;
	if (a->family == AF_INET && a->len <= 30) {
		/* As "ip addr add ... brd +" would. */
		struct addr_prefix b = *a;

		for (unsigned int i = b.len; i < 32; i++)
			b.bytes[i / 8] |= (uint8_t)(0x80u >> (i % 8));
		mnl_attr_put(nlh, IFA_BROADCAST, 4, b.bytes);
	}
	if (a->family == AF_INET6) {
		/* A point-to-point link has nobody to collide with. */
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	}
	return rtnl_request(r, nlh, NULL, NULL, err, "add address %s to '%s'",
			    addr_prefix_format(a, buf, sizeof(buf)), ifname);
}

int rtnl_addr_del(struct rtnl *r, int ifindex, const char *ifname, const struct addr_prefix *a,
		  struct errbuf *err)
{
	char buf[ADDR_PREFIX_STRLEN];
	struct ifaddrmsg *ifa;

	addr_change(r, RTM_DELADDR, 0, ifindex, a, &ifa);
	return rtnl_request(r, (struct nlmsghdr *)r->buf, NULL, NULL, err,
			    "delete address %s from '%s'", addr_prefix_format(a, buf, sizeof(buf)),
			    ifname);
}

/* ---- routes ----------------------------------------------------------- */

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
	len = rtm->rtm_family == AF_INET ? 4 : 16;
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
	struct nlmsghdr *nlh = rtnl_msg(r, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	int rc;

	/* AF_UNSPEC: both families, every table, in one dump. */
	rtm->rtm_family = AF_UNSPEC;
	rc = rtnl_dump(r, nlh, route_walk_cb, &w, err, "list routes");
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
	struct nlmsghdr *nlh = rtnl_msg(r, RTM_GETROUTE, 0);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	struct route_lookup l = { .route = ret };
	size_t len = addr->family == AF_INET ? 4 : 16;
	char text[ADDR_PREFIX_STRLEN];
	struct errbuf why;
	int rc;

	rtm->rtm_family = (uint8_t)addr->family;
	rtm->rtm_dst_len = (uint8_t)(len * 8);
	/* The FIB entry that matched, as ip route get ... fibmatch shows. */
	rtm->rtm_flags = RTM_F_FIB_MATCH;
	mnl_attr_put(nlh, RTA_DST, len, addr->bytes);
	rc = rtnl_request(r, nlh, route_lookup_cb, &l, &why, "look up the route to %s",
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
	struct nlmsghdr *nlh = rtnl_msg(r, type, flags);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	size_t len = c->dst.family == AF_INET ? 4 : 16;
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

	return rtnl_request(r, nlh, NULL, NULL, err, "%s", what);
}

int rtnl_route_delete(struct rtnl *r, const struct rtnl_route_change *c, struct errbuf *err)
{
	char what[160];
	struct nlmsghdr *nlh = route_msg(r, RTM_DELROUTE, 0, c, what, sizeof(what));

	return rtnl_request(r, nlh, NULL, NULL, err, "%s", what);
}
