/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <limits.h>
#include <linux/netlink.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "usernetns/fault.h"
#include "usernetns/nl.h"

/*
 * Room for any datagram the kernel sends.  The kernel sizes the parts of
 * a dump by the largest buffer a socket has read with, up to 32 KiB:
 * fewer reads than libmnl's 8 KiB.
 */
#define NL_BUF_SIZE 32768

/* A reply that never comes would hang a login: bound every wait. */
#define NL_RECV_TIMEOUT_SEC 5

#define NL_EXTACK_MAX 256

struct nl {
	struct mnl_socket *sock;
	nl_fault_point_fn *point_of;
	unsigned int portid;
	unsigned int seq;
	/* Apart, so that a dump can be sent again after its replies came. */
	_Alignas(struct nlmsghdr) char req[NL_REQUEST_MAX];
	_Alignas(struct nlmsghdr) char buf[NL_BUF_SIZE];
};

/* For messages about the socket itself. */
static const char *protocol_name(int protocol)
{
	switch (protocol) {
	case NETLINK_ROUTE:
		return "rtnetlink";
	case NETLINK_NETFILTER:
		return "netfilter";
	default:
		return "netlink";
	}
}

int nl_open(int protocol, nl_fault_point_fn *point_of, struct nl **ret, struct errbuf *err)
{
	struct timeval tv = { .tv_sec = NL_RECV_TIMEOUT_SEC };
	struct nl *nl;
	int one = 1, r;

	*ret = NULL;
	nl = malloc(sizeof(*nl));
	if (!nl)
		return errbuf_errno(err, -ENOMEM, "cannot open a %s socket",
				    protocol_name(protocol));
	nl->point_of = point_of;
	nl->sock = mnl_socket_open2(protocol, SOCK_CLOEXEC);
	if (!nl->sock) {
		r = errbuf_errno(err, -errno, "cannot open a %s socket", protocol_name(protocol));
		free(nl);
		return r;
	}
	/* The kernel's own explanation of a failure, without our request. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	/* Let dumps filter in the kernel, by interface for rtnetlink (Linux 4.20+). */
	mnl_socket_setsockopt(nl->sock, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = errbuf_errno(err, -errno, "cannot bind a %s socket", protocol_name(protocol));
		nl_close(nl);
		return r;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	/* Distinct from other sockets' numbers, for readable traces. */
	nl->seq = (unsigned int)time(NULL);
	*ret = nl;
	return 0;
}

void nl_close(struct nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl);
}

unsigned int nl_seq(struct nl *nl)
{
	return ++nl->seq;
}

struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	memset(nl->req, 0, sizeof(nl->req));
	nlh = mnl_nlmsg_put_header(nl->req);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

/* ---- sending and receiving ----------------------------------------------------- */

static int nl_send(struct nl *nl, const void *msg, size_t len)
{
	return mnl_socket_sendto(nl->sock, msg, len) < 0 ? -errno : 0;
}

/* One read into nl->buf; SO_RCVTIMEO keeps signals from restarting it. */
static ssize_t nl_recv(struct nl *nl)
{
	ssize_t n;

	do
		n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		errno = ETIMEDOUT;
	return n;
}

/* The kernel's own words for a failure (NLMSGERR_ATTR_MSG), if it gave some. */
static void read_extack(const struct nlmsghdr *nlh, char *buf, size_t size)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	size_t off = sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* Without NETLINK_CAP_ACK (an older kernel) our whole request comes back. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < sizeof(e->msg))
			return;
		off += e->msg.nlmsg_len - sizeof(e->msg);
	}
	if (mnl_nlmsg_size(off) > nlh->nlmsg_len)
		return;
	mnl_attr_for_each(attr, nlh, off)
	{
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(buf, size, "%s", mnl_attr_get_str(attr));
	}
}

/*
 * The one error formatter: "failed to <what>: <strerror e>", then the
 * kernel's extack text, if any.  Returns -e.
 */
static int nl_fail(struct errbuf *err, int e, const char *extack, const char *what_fmt, va_list ap)
{
	char what[256];

	vsnprintf(what, sizeof(what), what_fmt, ap);
	if (extack[0])
		errbuf_set(err, "failed to %s: %s (%s)", what, strerror(e), extack);
	else
		errbuf_errno(err, -e, "failed to %s", what);
	return -e;
}

#ifdef USERNETNS_FAULTS
/* The positive errno a test build injects at the point of type plus suffix, or 0. */
static int nl_fault(const struct nl *nl, uint16_t type, const char *suffix)
{
	const char *point = nl->point_of ? nl->point_of(type) : NULL;
	char name[64];

	if (!point)
		return 0;
	snprintf(name, sizeof(name), "%s%s", point, suffix);
	return -FAULT(name);
}
#else
static inline int nl_fault(const struct nl *nl, uint16_t type, const char *suffix)
{
	return 0;
}
#endif

/* ---- requests and dumps --------------------------------------------------------- */

struct nl_call {
	mnl_cb_t cb;
	void *data;
	char extack[NL_EXTACK_MAX];
};

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_call *c = data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP; /* the ACK */
	read_extack(nlh, c->extack, sizeof(c->extack));
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
	struct nl_call *c = data;

	return c->cb ? c->cb(nlh, c->data) : MNL_CB_OK;
}

/* Control messages: the ACK or error, the end of a dump, overruns. */
static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP] = noop_cb,
	[NLMSG_ERROR] = error_cb,
	[NLMSG_DONE] = done_cb,
	[NLMSG_OVERRUN] = overrun_cb,
};

static int run_callbacks(struct nl *nl, struct nl_call *c, const void *buf, size_t len,
			 unsigned int seq)
{
	errno = 0;
	return mnl_cb_run2(buf, len, seq, nl->portid, data_cb, c, ctl_cbs, ELEMENTSOF(ctl_cbs));
}

/*
 * How a request or dump of type ended: ret from the callbacks, or e, a
 * positive errno that came before them.  0, or -errno with err set.
 */
static int call_end(struct nl *nl, const struct nl_call *c, uint16_t type, int ret, int e,
		    struct errbuf *err, const char *what_fmt, va_list ap)
{
	if (e == 0 && ret == MNL_CB_STOP) {
		e = nl_fault(nl, type, ".done");
		if (e == 0)
			return 0;
	} else if (e == 0) {
		e = errno ? errno : EIO;
	}
	return nl_fail(err, e, c->extack, what_fmt, ap);
}

int nl_request(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, struct errbuf *err,
	       const char *what_fmt, ...)
{
	struct nl_call c = { .cb = cb, .data = data };
	int ret = MNL_CB_ERROR, e;
	unsigned int seq = 0;
	va_list ap;

	e = nl_fault(nl, nlh->nlmsg_type, "");
	if (e == 0) {
		nlh->nlmsg_flags |= NLM_F_ACK;
		nlh->nlmsg_seq = seq = nl_seq(nl);
		e = -nl_send(nl, nlh, nlh->nlmsg_len);
	}
	while (e == 0) {
		ssize_t n = nl_recv(nl);

		if (n < 0) {
			e = errno;
			break;
		}
		ret = run_callbacks(nl, &c, nl->buf, (size_t)n, seq);
		if (ret <= MNL_CB_STOP)
			break;
	}
	va_start(ap, what_fmt);
	e = call_end(nl, &c, nlh->nlmsg_type, ret, e, err, what_fmt, ap);
	va_end(ap);
	return e;
}

/* A dump's replies as read, and the sequence number they answer. */
struct listing {
	char *all; /* NULL: the one read left in nl->buf */
	size_t len, cap;
	unsigned int seq;
};

static int listing_add(struct listing *l, const char *buf, size_t n)
{
	char *grown = util_grow(l->all, &l->cap, l->len + n, 1, NL_BUF_SIZE);

	if (!grown)
		return -ENOMEM;
	l->all = grown;
	memcpy(l->all + l->len, buf, n);
	l->len += n;
	return 0;
}

/*
 * Send the dump nlh and read its replies to the end (NLMSG_DONE, or an
 * error); true in *ret_interrupted when one of them is marked so.
 */
static int listing_read(struct nl *nl, struct nlmsghdr *nlh, struct listing *l,
			bool *ret_interrupted)
{
	bool end = false, interrupted = false;
	int r;

	l->len = 0;
	nlh->nlmsg_seq = l->seq = nl_seq(nl);
	r = nl_send(nl, nlh, nlh->nlmsg_len);
	while (r == 0 && !end) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)nl->buf;
		ssize_t n = nl_recv(nl);
		int left = (int)n;

		if (n < 0)
			return -errno;
		for (; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
			if (h->nlmsg_seq != l->seq)
				continue; /* mnl_cb_run2() will say */
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				interrupted = true;
			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
				end = true;
		}
		/* The usual small dump, whole in one read: no copy. */
		if (end && !interrupted && l->len == 0) {
			free(l->all);
			*l = (struct listing){ .len = (size_t)n, .seq = l->seq };
			break;
		}
		r = listing_add(l, nl->buf, (size_t)n);
	}
	*ret_interrupted = interrupted;
	return r;
}

int nl_dump(struct nl *nl, struct nlmsghdr *nlh, unsigned int flags, mnl_cb_t cb, void *data,
	    struct errbuf *err, const char *what_fmt, ...)
{
	struct nl_call c = { .cb = cb, .data = data };
	struct listing l = { 0 };
	bool interrupted = true;
	int ret = MNL_CB_ERROR, e;
	va_list ap;

	e = nl_fault(nl, nlh->nlmsg_type, "");
	for (int t = 0; e == 0 && interrupted && t < NL_DUMP_TRIES; t++)
		e = -listing_read(nl, nlh, &l, &interrupted);
	if (e == 0 && interrupted && !(flags & NL_DUMP_ACCEPT_INTERRUPTED))
		e = EINTR;
	if (e == 0 && interrupted) {
		/* Taken as it is: libmnl would refuse the marked messages (EINTR). */
		int left = (int)l.len;

		for (struct nlmsghdr *h = (struct nlmsghdr *)l.all; mnl_nlmsg_ok(h, left);
		     h = mnl_nlmsg_next(h, &left))
			h->nlmsg_flags &= (uint16_t)~NLM_F_DUMP_INTR;
	}
	if (e == 0)
		ret = run_callbacks(nl, &c, l.all ? l.all : nl->buf, l.len, l.seq);
	va_start(ap, what_fmt);
	e = call_end(nl, &c, nlh->nlmsg_type, ret, e, err, what_fmt, ap);
	va_end(ap);
	free(l.all);
	return e;
}

/* ---- batches -------------------------------------------------------------------- */

int nl_batch_commit(struct nl *nl, const void *batch, size_t len, struct errbuf *err,
		    const char *what_fmt, ...)
{
	const struct nlmsghdr *first = batch;
	unsigned int lo = UINT_MAX, hi = 0, expected = 0, answered = 0;
	char extack[NL_EXTACK_MAX] = "";
	int left = (int)len, e, failed = 0;
	va_list ap;

	/* The messages that asked for an answer: their numbers follow one another. */
	for (const struct nlmsghdr *h = batch; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left))
		if (h->nlmsg_flags & NLM_F_ACK) {
			expected++;
			lo = h->nlmsg_seq < lo ? h->nlmsg_seq : lo;
			hi = h->nlmsg_seq > hi ? h->nlmsg_seq : hi;
		}
	e = nl_fault(nl, first->nlmsg_type, "");
	if (e == 0)
		e = -nl_send(nl, batch, len);
	while (e == 0 && answered < expected) {
		ssize_t n = nl_recv(nl);

		if (n < 0) {
			e = errno;
			break;
		}
		left = (int)n;
		for (const struct nlmsghdr *h = (const struct nlmsghdr *)nl->buf;
		     mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
			const struct nlmsgerr *ack = mnl_nlmsg_get_payload(h);
			bool whole = h->nlmsg_seq < lo || h->nlmsg_seq > hi;

			if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_pid != nl->portid ||
			    h->nlmsg_len < mnl_nlmsg_size(sizeof(*ack)))
				continue;
			if ((ack->error || whole) && !failed) {
				failed = ack->error < 0 ? -ack->error : EPROTO;
				read_extack(h, extack, sizeof(extack));
			}
			answered = whole ? expected : answered + 1;
		}
	}
	/* The kernel's refusal says more than a wait for the rest of its answers. */
	if (failed)
		e = failed;
	if (e == 0)
		return 0;
	va_start(ap, what_fmt);
	e = nl_fail(err, e, extack, what_fmt, ap);
	va_end(ap);
	return e;
}
