/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The netlink core (lib/nl.c) and its clients against a kernel of the
 * test's own: the test is linked with --wrap for libmnl's send and
 * receive, so that each request reaches answer(), which queues the
 * datagrams the next receives return.  What a real kernel cannot be made
 * to do on cue is done here on cue: interrupt a dump, refuse the second
 * message of a batch, say nothing.
 */
#include "config.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "usernetns/nfnl.h"
#include "usernetns/nl.h"
#include "usernetns/rtnl.h"

ssize_t __wrap_mnl_socket_sendto(const struct mnl_socket *nl, const void *buf, size_t len);
ssize_t __wrap_mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf, size_t size);

/* ---- the test's kernel --------------------------------------------------------- */

#define DATAGRAM_MAX 8192
#define QUEUE_MAX 16

static struct {
	_Alignas(struct nlmsghdr) char data[DATAGRAM_MAX];
	size_t len;
} queue[QUEUE_MAX];
static size_t queued, read_out;

/* What one test's kernel answers to each request (len bytes at req). */
static void (*answer)(const struct nlmsghdr *req, size_t len);
static unsigned int portid, sends;

ssize_t __wrap_mnl_socket_sendto(const struct mnl_socket *nl, const void *buf, size_t len)
{
	portid = mnl_socket_get_portid(nl);
	sends++;
	answer(buf, len);
	return (ssize_t)len;
}

ssize_t __wrap_mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf, size_t size)
{
	/* As SO_RCVTIMEO ends a wait for nothing. */
	if (read_out == queued) {
		errno = EAGAIN;
		return -1;
	}
	assert_true(queue[read_out].len <= size);
	memcpy(buf, queue[read_out].data, queue[read_out].len);
	return (ssize_t)queue[read_out++].len;
}

static void reset(void)
{
	queued = read_out = 0;
	sends = 0;
}

/* Start the next datagram. */
static void datagram(void)
{
	assert_true(queued < QUEUE_MAX);
	queue[queued++].len = 0;
}

/* A message at the end of the current datagram, answering seq. */
static struct nlmsghdr *put(uint16_t type, uint16_t flags, unsigned int seq)
{
	char *end = queue[queued - 1].data + queue[queued - 1].len;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(end);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = portid;
	return nlh;
}

static void done(struct nlmsghdr *nlh)
{
	queue[queued - 1].len += nlh->nlmsg_len;
	assert_true(queue[queued - 1].len <= DATAGRAM_MAX);
}

/* The answer to req: error (0: the ACK), with the kernel's text if extack. */
static void put_error(const struct nlmsghdr *req, int error, const char *extack)
{
	struct nlmsghdr *nlh =
		put(NLMSG_ERROR, NLM_F_CAPPED | (extack ? NLM_F_ACK_TLVS : 0), req->nlmsg_seq);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	e->error = error;
	e->msg = *req;
	if (extack)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, extack);
	done(nlh);
}

static void put_done(const struct nlmsghdr *req, uint16_t flags)
{
	struct nlmsghdr *nlh = put(NLMSG_DONE, NLM_F_MULTI | flags, req->nlmsg_seq);

	*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = 0;
	done(nlh);
}

static void put_link(const struct nlmsghdr *req, uint16_t flags, int ifindex, const char *ifname)
{
	struct nlmsghdr *nlh = put(RTM_NEWLINK, NLM_F_MULTI | flags, req->nlmsg_seq);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_index = ifindex;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	done(nlh);
}

static void put_rule(const struct nlmsghdr *req, uint16_t flags, uint64_t handle)
{
	struct nlmsghdr *nlh = put((uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWRULE),
				   NLM_F_MULTI | flags, req->nlmsg_seq);
	struct nfgenmsg *nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));

	nfg->nfgen_family = NFPROTO_INET;
	mnl_attr_put_u64(nlh, NFTA_RULE_HANDLE, handle);
	done(nlh);
}

/* ---- what the clients saw -------------------------------------------------------- */

static char seen[256];

static int note_link(const struct rtnl_link *l, void *data)
{
	strcat(seen, l->ifname);
	strcat(seen, " ");
	return 0;
}

static int note_rule(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg))
	{
		if (mnl_attr_get_type(attr) == NFTA_RULE_HANDLE) {
			size_t n = strlen(seen);

			snprintf(seen + n, sizeof(seen) - n, "%llu ",
				 (unsigned long long)mnl_attr_get_u64(attr));
		}
	}
	return MNL_CB_OK;
}

/* ---- requests ------------------------------------------------------------------- */

static void refuse_busy(const struct nlmsghdr *req, size_t len)
{
	assert_true(req->nlmsg_flags & NLM_F_ACK);
	datagram();
	put_error(req, -EBUSY, "Cannot delete it");
}

static void test_request_keeps_the_kernels_words(void **state)
{
	struct rtnl r;
	struct errbuf err = { "" };

	reset();
	answer = refuse_busy;
	assert_int_equal(rtnl_open(&r, &err), 0);
	assert_int_equal(rtnl_link_delete(&r, 7, "x0", &err), -EBUSY);
	assert_string_equal(
		err.msg, "failed to delete link 'x0': Device or resource busy (Cannot delete it)");
	rtnl_close(&r);
}

static void refuse_range(const struct nlmsghdr *req, size_t len)
{
	datagram();
	put_error(req, -ERANGE, "Attribute failed policy validation");
}

static void no_such_table(const struct nlmsghdr *req, size_t len)
{
	datagram();
	put_error(req, -ENOENT, NULL);
}

static void test_nf_tables_query_keeps_the_kernels_words(void **state)
{
	char buf[NFNL_BUF_SIZE];
	struct errbuf err = { "" };
	struct nlmsghdr *nlh;
	struct nfnl n;

	reset();
	answer = refuse_range;
	assert_int_equal(nfnl_open(&n, &err), 0);
	nlh = nfnl_msg(buf, NFT_MSG_GETTABLE, NFPROTO_INET, 0);
	assert_int_equal(nfnl_query(&n, nlh, NULL, NULL, &err, "ask for table t"), -ERANGE);
	assert_non_null(strstr(err.msg, "ask for table t: Numerical result out of range"));
	assert_non_null(strstr(err.msg, "(Attribute failed policy validation)"));

	/* No such table is an answer: err stays as it was. */
	answer = no_such_table;
	snprintf(err.msg, sizeof(err.msg), "as it was");
	nlh = nfnl_msg(buf, NFT_MSG_GETTABLE, NFPROTO_INET, 0);
	assert_int_equal(nfnl_query(&n, nlh, NULL, NULL, &err, "ask for table t"), -ENOENT);
	assert_string_equal(err.msg, "as it was");
	nfnl_close(&n);
}

static void say_nothing(const struct nlmsghdr *req, size_t len)
{
}

static void test_silence_times_out(void **state)
{
	struct rtnl_link l;
	struct errbuf err = { "" };
	struct rtnl r;

	reset();
	answer = say_nothing;
	assert_int_equal(rtnl_open(&r, &err), 0);
	assert_int_equal(rtnl_link_get(&r, "x0", &l, &err), -ETIMEDOUT);
	assert_string_equal(err.msg, "failed to get link 'x0': Connection timed out");
	rtnl_close(&r);
}

/* ---- dumps ---------------------------------------------------------------------- */

/*
 * The first listing changes under the kernel's feet: its second part is
 * marked, and what it held is not what the second listing holds.
 */
static void interrupt_the_first_link_dump(const struct nlmsghdr *req, size_t len)
{
	assert_true(req->nlmsg_flags & NLM_F_DUMP);
	datagram();
	if (sends == 1) {
		put_link(req, 0, 2, "a");
		datagram();
		put_link(req, NLM_F_DUMP_INTR, 3, "gone");
		put_done(req, NLM_F_DUMP_INTR);
		return;
	}
	put_link(req, 0, 2, "a");
	put_link(req, 0, 4, "b");
	put_done(req, 0);
}

static void test_interrupted_dump_is_restarted(void **state)
{
	struct errbuf err = { "" };
	struct rtnl r;

	reset();
	seen[0] = '\0';
	answer = interrupt_the_first_link_dump;
	assert_int_equal(rtnl_open(&r, &err), 0);
	assert_int_equal(rtnl_link_foreach(&r, note_link, NULL, &err), 0);
	assert_int_equal(sends, 2);
	assert_string_equal(seen, "a b ");
	rtnl_close(&r);
}

static void interrupt_every_link_dump(const struct nlmsghdr *req, size_t len)
{
	datagram();
	put_link(req, 0, 2, "a");
	put_link(req, NLM_F_DUMP_INTR, 3, sends == NL_DUMP_TRIES ? "last" : "earlier");
	put_done(req, NLM_F_DUMP_INTR);
}

static void test_dump_interrupted_every_time(void **state)
{
	struct errbuf err = { "" };
	struct rtnl r;

	reset();
	seen[0] = '\0';
	answer = interrupt_every_link_dump;
	assert_int_equal(rtnl_open(&r, &err), 0);
	assert_int_equal(rtnl_link_foreach(&r, note_link, NULL, &err), -EINTR);
	assert_int_equal(sends, NL_DUMP_TRIES);
	assert_string_equal(seen, "");
	assert_string_equal(err.msg, "failed to list links: Interrupted system call");

	/* The inventory's choice: the last listing, as it is. */
	reset();
	r.accept_interrupted = true;
	assert_int_equal(rtnl_link_foreach(&r, note_link, NULL, &err), 0);
	assert_int_equal(sends, NL_DUMP_TRIES);
	assert_string_equal(seen, "a last ");
	rtnl_close(&r);
}

static void interrupt_the_first_rule_dump(const struct nlmsghdr *req, size_t len)
{
	assert_true(req->nlmsg_flags & NLM_F_DUMP);
	datagram();
	put_rule(req, 0, 1);
	put_rule(req, sends == 1 ? NLM_F_DUMP_INTR : 0, 2);
	put_done(req, sends == 1 ? NLM_F_DUMP_INTR : 0);
}

static void test_interrupted_rule_dump_is_restarted(void **state)
{
	char buf[NFNL_BUF_SIZE];
	struct errbuf err = { "" };
	struct nlmsghdr *nlh;
	struct nfnl n;

	reset();
	seen[0] = '\0';
	answer = interrupt_the_first_rule_dump;
	assert_int_equal(nfnl_open(&n, &err), 0);
	nlh = nfnl_msg(buf, NFT_MSG_GETRULE, NFPROTO_INET, NLM_F_DUMP);
	assert_int_equal(nfnl_query(&n, nlh, note_rule, NULL, &err, "list the rules"), 0);
	assert_int_equal(sends, 2);
	assert_string_equal(seen, "1 2 ");
	nfnl_close(&n);
}

/* ---- batches -------------------------------------------------------------------- */

/* The first message of the batch is taken, the second refused. */
static void refuse_the_second(const struct nlmsghdr *req, size_t len)
{
	int left = (int)len, i = 0;

	datagram();
	for (const struct nlmsghdr *h = req; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
		if (!(h->nlmsg_flags & NLM_F_ACK))
			continue;
		if (++i == 2)
			put_error(h, -EEXIST, "Chain exists");
		else
			put_error(h, 0, NULL);
	}
}

/* The whole batch, refused before it is read: the answer is the begin's. */
static void refuse_the_batch(const struct nlmsghdr *req, size_t len)
{
	datagram();
	put_error(req, -EPERM, NULL);
}

static int commit_two(struct nfnl *n, struct errbuf *err)
{
	struct nfnl_batch *b = malloc(sizeof(*b));
	int r;

	assert_non_null(b);
	nfnl_batch_start(n, b);
	for (int i = 0; i < 2; i++) {
		struct nlmsghdr *nlh =
			nfnl_batch_msg(n, b, NFT_MSG_NEWCHAIN, NFPROTO_INET, NLM_F_CREATE);

		mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, "t");
		nfnl_batch_next(b);
	}
	r = nfnl_batch_commit(n, b, err, "make chains");
	nfnl_batch_stop(b);
	free(b);
	return r;
}

static void test_batch_says_which_message_failed(void **state)
{
	struct errbuf err = { "" };
	struct nfnl n;

	reset();
	answer = refuse_the_second;
	assert_int_equal(nfnl_open(&n, &err), 0);
	assert_int_equal(commit_two(&n, &err), -EEXIST);
	assert_string_equal(err.msg, "failed to make chains: File exists (Chain exists)");

	reset();
	answer = refuse_the_batch;
	assert_int_equal(commit_two(&n, &err), -EPERM);
	assert_string_equal(err.msg, "failed to make chains: Operation not permitted");
	nfnl_close(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_keeps_the_kernels_words),
		cmocka_unit_test(test_nf_tables_query_keeps_the_kernels_words),
		cmocka_unit_test(test_silence_times_out),
		cmocka_unit_test(test_interrupted_dump_is_restarted),
		cmocka_unit_test(test_dump_interrupted_every_time),
		cmocka_unit_test(test_interrupted_rule_dump_is_restarted),
		cmocka_unit_test(test_batch_says_which_message_failed),
	};

	return cmocka_run_group_tests_name("nl", tests, NULL, NULL);
}
