/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One netlink socket over libmnl, under every protocol usernetns speaks:
 * rtnl.c (links, addresses, routes) and nfnl.c (nf_tables) open it, and
 * another family of rtnetlink (traffic control) builds its messages with
 * nl_msg() on the socket of a struct rtnl.  libmnl only: the PAM and NSS
 * modules are loaded into programs of any licence.
 *
 * A socket acts in the network namespace it was opened in.  Every wait
 * for the kernel is bounded (a reply that never comes would hang a
 * login).  Every call returns 0 or -errno, and on failure err says
 * "failed to <what>: <strerror>", followed by the kernel's own
 * explanation (its extended ACK) in parentheses when it gave one.
 */
#ifndef USERNETNS_NL_H
#define USERNETNS_NL_H

#include <libmnl/libmnl.h>
#include <stdint.h>

#include "usernetns/util.h"

/*
 * Test builds (fault.h) only: the name of the fault point of a request of
 * this message type (the first of a batch), NULL for none.  A request or
 * dump fails or crashes at POINT before it is sent and at POINT.done
 * after the kernel's answer; a batch before it is sent.
 */
typedef const char *nl_fault_point_fn(uint16_t type);

struct nl;

/*
 * A socket of protocol (NETLINK_ROUTE, NETLINK_NETFILTER), acting in the
 * calling thread's network namespace, bound, with the kernel's extended
 * ACKs (NETLINK_EXT_ACK), errors without our request copied back
 * (NETLINK_CAP_ACK) and dumps filtered in the kernel
 * (NETLINK_GET_STRICT_CHK).  point_of names the fault points of its
 * requests, or is NULL.  *ret is NULL on failure.
 */
int nl_open(int protocol, nl_fault_point_fn *point_of, struct nl **ret, struct errbuf *err);
/* nl may be NULL. */
void nl_close(struct nl *nl);

/* A sequence number not used before on nl, for messages built elsewhere. */
unsigned int nl_seq(struct nl *nl);

/* The largest request nl_msg() has room for. */
#define NL_REQUEST_MAX 4096

/*
 * A request of type with NLM_F_REQUEST | flags, built in nl's request
 * buffer (NL_REQUEST_MAX bytes, zeroed: libmnl leaves attribute padding
 * as it finds it).  Valid until the next nl_msg() on nl.
 */
struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags);

/*
 * A request that changes something or asks for one object: send nlh
 * (built anywhere) with NLM_F_ACK and a fresh sequence number, hand every
 * reply but the ACK to cb (NULL: none expected), and wait for the ACK.
 */
int nl_request(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, struct errbuf *err,
	       const char *what_fmt, ...) __attribute__((format(printf, 6, 7)));

/* How many times a dump is started again while the kernel marks it interrupted. */
#define NL_DUMP_TRIES 8

/*
 * A dump still interrupted after NL_DUMP_TRIES is taken as it is instead
 * of failing with -EINTR: for a caller that checks again whatever it acts
 * on (struct rtnl's accept_interrupted).
 */
#define NL_DUMP_ACCEPT_INTERRUPTED 0x1

/*
 * A dump (nlh with NLM_F_DUMP): hand cb every message of one consistent
 * listing.  The kernel marks a dump interrupted (NLM_F_DUMP_INTR) when
 * what it lists changed while it listed it; the whole dump is then read
 * and started again, and cb sees nothing of an interrupted one, so that
 * no caller has to undo what it saw.  flags: NL_DUMP_*.
 */
int nl_dump(struct nl *nl, struct nlmsghdr *nlh, unsigned int flags, mnl_cb_t cb, void *data,
	    struct errbuf *err, const char *what_fmt, ...) __attribute__((format(printf, 7, 8)));

/*
 * A batch (len bytes at batch, messages one after the other, their
 * sequence numbers from nl_seq()), sent at once.  Each message with
 * NLM_F_ACK gets an answer; an answer to any other message is the
 * kernel's for the whole batch, refused before it was read.  0 when
 * every answer is, else the first error with its extended ACK.
 */
int nl_batch_commit(struct nl *nl, const void *batch, size_t len, struct errbuf *err,
		    const char *what_fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
