/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The core as root, in a sandbox (see test_sandbox()): namespaces, veth
 * pairs, leases and records made, reused, repaired and removed for real,
 * and checked with ip(8) and ping(8) from outside.
 */
#include "config.h"

#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <net/if.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "usernetns/ensure.h"
#include "usernetns/lease.h"
#include "usernetns/netns.h"
#include "usernetns/nfnl.h"
#include "usernetns/plan.h"
#include "usernetns/rtnl.h"
#include "usernetns/session.h"

static const struct uns_paths paths = {
	.rundir = "/run/netns",
	.statedir = "/run/test-state",
	.runstatedir = "/run/usernetns",
};

static const char policy_text[] =
	"[default]\n"
	"mode = none\n"
	"pool4 = 10.200.0.0/16\n"
	"pool6 = fd42:200::/48\n"
	"[group:netusers]\n"		/* alice, carol, dave */
	"mode = veth\n"
	"[group:many]\n"		/* user01 ... user30 */
	"mode = veth\n"
	"[user:bob]\n"
	"mode = isolated\n"
	"[user:erin]\n"
	"mode = veth\n"
	"address4 = 10.201.0.2/30\n"
	"mtu = 1400\n"
	"[user:dave]\n"
	"mode = bridge\n"
	"bridge = br0\n"
	"pool4 = 10.50.0.128/25\n"
	"pool6 = none\n";

static struct policy *policy;

static struct plan plan_for(const char *user)
{
	struct errbuf err = { "" };
	struct plan plan;

	if (plan_resolve(policy, &paths, user, &plan, &err) != 0)
		fail_msg("%s: %s", user, err.msg);
	assert_int_equal(plan.verdict, PLAN_HANDLED);
	return plan;
}

static int try_ensure(const char *user, struct ensure_result *ret,
		      struct errbuf *err)
{
	struct plan plan = plan_for(user);
	struct ensure_result res;
	int r;

	r = ensure_netns(&paths, &plan, STATE_LOCK_TIMEOUT_MS, &res, err);
	if (r == 0) {
		close(res.netns_fd);
		if (ret)
			*ret = res;
	}
	return r;
}

static struct ensure_result ensure(const char *user)
{
	struct errbuf err = { "" };
	struct ensure_result res;

	if (try_ensure(user, &res, &err) != 0)
		fail_msg("ensure %s: %s", user, err.msg);
	return res;
}

/* Remove what ensure_netns() made for owner, as a cleanup does. */
static int reap(owner_t owner, unsigned int flags, struct session_close_result *ret,
		struct errbuf *err)
{
	*ret = (struct session_close_result){ 0 };
	return session_reap(&paths, owner, flags, 1000, ret, err);
}

static void remove_user(const char *user, unsigned int flags)
{
	struct plan plan = plan_for(user);
	struct session_close_result res;
	struct errbuf err = { "" };

	if (reap(plan.owner, flags, &res, &err) != 0 || res.outcome != SESSION_REMOVED)
		fail_msg("remove %s: %s", user, err.msg);
}

static const char *fmt(const struct addr_prefix *p)
{
	static char buf[8][ADDR_PREFIX_STRLEN];
	static int i;

	i = (i + 1) % 8;
	return addr_prefix_format(p, buf[i], sizeof(buf[i]));
}

static const char *addr_only(const struct addr_prefix *p)
{
	static char buf[4][ADDR_PREFIX_STRLEN];
	static int i;

	i = (i + 1) % 4;
	return addr_format(p, buf[i], sizeof(buf[i]));
}

static bool netns_mounted(const char *name)
{
	enum netns_state state;
	struct errbuf err;

	return netns_open(paths.rundir, name, &state, NULL, NULL, &err) == 0 &&
	       state == NETNS_MOUNTED;
}

static int count_lines(const char *cmd)
{
	char *out = test_sh_out("%s", cmd);
	int n = 0;

	assert_non_null(out);
	for (const char *s = out; *s; s++)
		n += *s == '\n';
	free(out);
	return n;
}

/* Everything the previous test left: processes, names, links, state. */
static int reset(void **state)
{
	test_clean_host(true, "/run/test-state");
	return 0;
}

/* ---- create, reuse, remove ------------------------------------------------- */

static void test_create_veth(void **state)
{
	struct ensure_result res = ensure("alice");
	struct state_record *rec = &res.record;
	char *out;

	assert_true(res.changes & ENSURE_CREATED);
	assert_true(res.changes & ENSURE_CREATED_LINK);
	assert_true(res.changes & ENSURE_LEASED);
	assert_true(netns_mounted("user-alice"));
	assert_int_equal(rec->phase, STATE_READY);
	assert_string_equal(rec->netns, "user-alice");
	assert_string_equal(rec->host_ifname, "vu1001");
	assert_int_equal(rec->host4.len, 30);
	assert_int_equal(rec->peer6.len, 64);

	/* ip(8) sees the namespace and what is in it. */
	out = test_sh_out("ip netns list");
	assert_non_null(strstr(out, "user-alice"));
	free(out);
	out = test_sh_out("ip -n user-alice -o addr show dev eth0");
	assert_non_null(strstr(out, fmt(&rec->peer4)));
	assert_non_null(strstr(out, fmt(&rec->peer6)));
	free(out);
	out = test_sh_out("ip -o addr show dev vu1001");
	assert_non_null(strstr(out, fmt(&rec->host4)));
	assert_non_null(strstr(out, fmt(&rec->host6)));
	free(out);
	out = test_sh_out("cat /proc/sys/net/ipv6/conf/vu1001/disable_ipv6");
	assert_string_equal(out, "0\n");
	free(out);
	out = test_sh_out("ip -n user-alice -o link show lo");
	assert_non_null(strstr(out, "UP"));
	free(out);
	out = test_sh_out("ip -n user-alice route show default");
	assert_non_null(strstr(out, addr_only(&rec->host4)));
	free(out);
	out = test_sh_out("ip -n user-alice -6 route show default");
	assert_non_null(strstr(out, addr_only(&rec->host6)));
	free(out);

	/* The user's namespace reaches the host end, both families. */
	assert_int_equal(test_sh("ip netns exec user-alice ping -c 1 -W 2 %s >/dev/null",
				 addr_only(&rec->host4)), 0);
	assert_int_equal(test_sh("ip netns exec user-alice ping -6 -c 1 -W 2 %s >/dev/null",
				 addr_only(&rec->host6)), 0);
	/* And the host reaches the namespace. */
	assert_int_equal(test_sh("ping -c 1 -W 2 %s >/dev/null", addr_only(&rec->peer4)), 0);
	/*
	 * Anyone may ping in it: what usernetns-join runs has no privilege
	 * and no way to gain any (ping's file capability is void).
	 */
	out = test_sh_out("ip netns exec user-alice sysctl -n net.ipv4.ping_group_range");
	assert_string_equal(out, "0\t2147483647\n");
	free(out);
	assert_int_equal(test_sh("ip netns exec user-alice setpriv --reuid=1001 --regid=1001"
				 " --clear-groups --inh-caps=-all --no-new-privs"
				 " /bin/sh -c 'ping -c 1 -W 2 %s' >/dev/null", addr_only(&rec->host4)), 0);
}

/*
 * Where the records say the host is: what a helper that may not look at
 * init's namespace goes by, reading a record, not all of them.
 */
static void test_some_host(void **state)
{
	struct netns_id host, now;
	struct ensure_result res;

	assert_int_equal(state_some_host(&paths, &host), -ENOENT);
	res = ensure("bob"); /* mode isolated: no host end, still a host */
	assert_true(res.changes & ENSURE_CREATED);
	res = ensure("alice");
	assert_true(res.changes & ENSURE_CREATED);
	assert_int_equal(netns_current(&now), 0);
	assert_int_equal(state_some_host(&paths, &host), 0);
	assert_true(netns_id_equal(&host, &now));
	assert_true(netns_id_equal(&host, &res.record.host_id));
}

static void test_reuse_changes_nothing(void **state)
{
	struct ensure_result a = ensure("alice"), b;
	char rec1[2048], rec2[2048];

	b = ensure("alice");
	assert_int_equal(b.changes, 0);
	assert_true(netns_id_equal(&a.id, &b.id));
	assert_int_equal(state_format(&a.record, rec1, sizeof(rec1)) > 0, 1);
	assert_int_equal(state_format(&b.record, rec2, sizeof(rec2)) > 0, 1);
	assert_string_equal(rec1, rec2);
	assert_int_equal(count_lines("ip -o link show type veth"), 1);
}

static void test_remove(void **state)
{
	struct ensure_result res = ensure("alice");
	struct errbuf err;
	struct state_record rec;
	struct addr_prefix block;
	struct plan plan = plan_for("alice");
	struct session_close_result gone;

	remove_user("alice", 0);
	assert_false(netns_mounted("user-alice"));
	assert_int_equal(access("/run/netns/user-alice", F_OK), -1);
	assert_int_not_equal(test_sh("ip link show vu1001 >/dev/null 2>&1"), 0);
	assert_int_equal(state_read(&paths, 1001, &rec, &err), -ENOENT);
	/* The lease stays: the next login gets the same addresses. */
	assert_int_equal(lease_get(&paths, &plan.v4.pool, 30, 1001, "alice", false,
				   &block, &err), 0);
	assert_true(addr_prefix_contains(&block, &res.record.peer4));
	/* Removing what is not there says so. */
	assert_int_equal(reap(1001, 0, &gone, &err), 0);
	assert_int_equal(gone.outcome, SESSION_NOTHING);
}

static void test_isolated(void **state)
{
	struct ensure_result res = ensure("bob");
	char *out;

	assert_true(res.changes & ENSURE_CREATED);
	assert_string_equal(res.record.host_ifname, "");
	assert_int_equal(count_lines("ip -n user-bob -o link show"), 1);
	assert_int_equal(count_lines("ip -n user-bob -o link show up"), 1);
	assert_int_equal(count_lines("ip -o link show type veth"), 0);
	/* Nothing to ping over: the kernel's default range (nobody) stays. */
	out = test_sh_out("ip netns exec user-bob sysctl -n net.ipv4.ping_group_range");
	assert_string_equal(out, "1\t0\n");
	free(out);
	assert_int_equal(ensure("bob").changes, 0);
	/* lo taken down by root is brought up by the next login. */
	assert_int_equal(test_sh("ip -n user-bob link set lo down"), 0);
	assert_int_equal(count_lines("ip -n user-bob -o link show up"), 0);
	assert_true(ensure("bob").changes & ENSURE_FIXED_LINK);
	assert_int_equal(count_lines("ip -n user-bob -o link show up"), 1);
}

static void test_fixed_address_and_mtu(void **state)
{
	struct ensure_result res = ensure("erin");
	char *out;

	assert_string_equal(fmt(&res.record.host4), "10.201.0.1/30");
	assert_string_equal(fmt(&res.record.peer4), "10.201.0.2/30");
	out = test_sh_out("ip -n user-erin -o link show eth0");
	assert_non_null(strstr(out, "mtu 1400"));
	free(out);
	out = test_sh_out("ip -o link show vu1005");
	assert_non_null(strstr(out, "mtu 1400"));
	free(out);
	assert_int_equal(test_sh("ip netns exec user-erin ping -c 1 -W 2 10.201.0.1 >/dev/null"), 0);
}

/*
 * Limits each way (tc.h): a token bucket of ours at the root of each
 * end, the namespace end's for what it sends; made again when root takes
 * one away; taken away when the policy no longer has them.
 */
static void with_policy(const char *text, const char *user, struct ensure_result *ret)
{
	struct diag d = DIAG_INIT;
	struct policy *other = NULL, *saved = policy;

	if (test_parse(text, &other, &d) != 0) {
		test_diag_dump(&d);
		fail_msg("%s", "policy rejected");
	}
	policy = other;
	*ret = ensure(user);
	policy = saved;
	policy_free(other);
}

static void test_limits(void **state)
{
	static const char limited[] = "[user:alice]\nmode = veth\npool4 = 10.200.0.0/16\n"
				      "rate_out = 10mbit\nrate_in = 20mbit\n";
	struct ensure_result res;

	with_policy(limited, "alice", &res);
	assert_int_equal(res.record.rate_out, 10000000);
	assert_int_equal(res.record.rate_in, 20000000);
	assert_int_equal(test_sh("tc qdisc show dev vu1001 root | grep -q '^qdisc tbf 554e: root .*rate 20Mbit'"), 0);
	assert_int_equal(test_sh("ip netns exec user-alice tc qdisc show dev eth0 root |"
				 " grep -q '^qdisc tbf 554e: root .*rate 10Mbit'"),
			 0);
	/* A login finds them as they should be: nothing to do. */
	with_policy(limited, "alice", &res);
	assert_false(res.changes & ENSURE_FIXED_LIMITS);
	/* Root took one away, or set another: the next login mends it. */
	assert_int_equal(test_sh("tc qdisc del dev vu1001 root && ip netns exec user-alice"
				 " tc qdisc replace dev eth0 root handle 554e: tbf rate 1gbit burst 64k"
				 " latency 10ms"),
			 0);
	with_policy(limited, "alice", &res);
	assert_true(res.changes & ENSURE_FIXED_LIMITS);
	assert_int_equal(test_sh("tc qdisc show dev vu1001 root | grep -q 'rate 20Mbit'"), 0);
	assert_int_equal(test_sh("ip netns exec user-alice tc qdisc show dev eth0 root | grep -q 'rate 10Mbit'"), 0);
	/* The session still gets through its limits. */
	assert_int_equal(test_sh("ip netns exec user-alice ping -c 1 -W 2 %s >/dev/null",
				 addr_only(&res.record.host4)),
			 0);
	/* Without them in the policy, ours go; anybody else's stays. */
	assert_int_equal(test_sh("tc qdisc replace dev vu1001 root handle 77: tbf rate 5mbit burst 16k latency 10ms"), 0);
	with_policy("[user:alice]\nmode = veth\npool4 = 10.200.0.0/16\n", "alice", &res);
	assert_int_equal(res.record.rate_out, 0);
	assert_int_equal(test_sh("ip netns exec user-alice tc qdisc show dev eth0 root | grep -q 554e:"), 1);
	assert_int_equal(test_sh("tc qdisc show dev vu1001 root | grep -q '^qdisc tbf 77:'"), 0);
	(void)state;
}

static void test_bridge(void **state)
{
	struct errbuf err = { "" };
	struct ensure_result res;
	char *out;

	assert_int_equal(try_ensure("dave", NULL, &err), -ENODEV);
	assert_string_equal(err.msg, "bridge 'br0' does not exist");
	assert_false(netns_mounted("user-dave"));

	assert_int_equal(test_sh("ip link add br0 type bridge && ip link set br0 up"), 0);
	assert_int_equal(try_ensure("dave", NULL, &err), -EADDRNOTAVAIL);
	assert_non_null(strstr(err.msg, "bridge 'br0' has no address whose subnet holds 10.50.0."));

	assert_int_equal(test_sh("ip addr add 10.50.0.1/24 dev br0"), 0);
	res = ensure("dave");
	/* On the bridge's subnet, with the bridge as its gateway. */
	assert_string_equal(fmt(&res.record.host4), "10.50.0.1/24");
	assert_int_equal(res.record.peer4.len, 24);
	assert_int_equal(res.record.host6.family, 0);
	out = test_sh_out("ip -o link show vu1004");
	assert_non_null(strstr(out, "master br0"));
	free(out);
	out = test_sh_out("ip -o addr show dev vu1004 scope global");
	assert_string_equal(out, "");
	free(out);
	/*
	 * A bridge port has no IPv6 of its own: no link-local address, no
	 * routes in the host's tables for the kernel to walk when it goes.
	 */
	out = test_sh_out("cat /proc/sys/net/ipv6/conf/vu1004/disable_ipv6; ip -6 -o addr show dev vu1004;"
			  " ip -6 route show table all dev vu1004");
	assert_string_equal(out, "1\n");
	free(out);
	assert_int_equal(test_sh("ip netns exec user-dave ping -c 1 -W 2 10.50.0.1 >/dev/null"), 0);
	assert_int_equal(ensure("dave").changes, 0);
	/*
	 * A port with a lower hardware address changes the bridge's own: the
	 * session still reaches its gateway (nothing pinned the old one).
	 */
	assert_int_equal(test_sh("ip link add lowport address 02:00:00:00:00:01 type veth peer lowpeer &&"
				 " ip link set lowport master br0 up"),
			 0);
	out = test_sh_out("ip -br link show br0");
	assert_non_null(strstr(out, "02:00:00:00:00:01"));
	free(out);
	assert_int_equal(test_sh("ip netns exec user-dave ping -c 1 -W 2 10.50.0.1 >/dev/null"), 0);
	assert_int_equal(test_sh("ip link del lowport"), 0);
}

/*
 * What the fds of this process refer to, one line each, sorted, without
 * inode numbers (the pipe of this very listing has a new one each time).
 */
static char *list_fds(void)
{
	return test_sh_out("for f in /proc/%ld/fd/*; do readlink \"$f\"; done |"
			   " sed 's/:\\[[0-9]*\\]$//' | sort", (long)getpid());
}

static void test_no_fd_leaks(void **state)
{
	struct errbuf err = { "" };
	char *before = list_fds(), *after;

	/* Success, reuse, failure and removal each leave no fd behind. */
	ensure("alice");
	ensure("alice");
	ensure("bob");
	assert_int_equal(try_ensure("dave", NULL, &err), -ENODEV);
	remove_user("alice", 0);
	remove_user("bob", 0);
	after = list_fds();
	if (strcmp(before, after) != 0) {
		printf("# before:\n%s# after:\n%s", before, after);
		fail_msg("the fds of the process changed");
	}
	free(before);
	free(after);
}

static void test_kernel_explains_failures(void **state)
{
	struct rtnl r = RTNL_INIT;
	struct errbuf err = { "" };
	struct addr_prefix gw;

	/* The kernel's extended ack text reaches the message. */
	assert_int_equal(rtnl_open(&r, &err), 0);
	assert_int_equal(addr_prefix_parse("192.0.2.1/32", AF_INET, false, &gw, NULL), 0);
	assert_true(rtnl_route_replace(&r,
				       &(struct rtnl_route_change){ .dst = { .family = AF_INET },
								    .gateway = gw,
								    .oif = 1,
								    .ifname = "lo" },
				       &err) < 0);
	assert_non_null(strstr(err.msg, "failed to add default route via 192.0.2.1 dev 'lo': "));
	assert_non_null(strstr(err.msg, "(Nexthop has invalid gateway)"));
	rtnl_close(&r);
}

static void test_kernel_explains_nf_tables_failures(void **state)
{
	char buf[NFNL_BUF_SIZE], name[300];
	struct errbuf err = { "" };
	struct nlmsghdr *nlh;
	struct nfnl n;

	/* A table's name longer than nf_tables takes: its policy refuses it. */
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(nfnl_open(&n, &err), 0);
	nlh = nfnl_msg(buf, NFT_MSG_GETTABLE, NFPROTO_INET, 0);
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, name);
	assert_true(nfnl_query(&n, nlh, NULL, NULL, &err, "ask for a table") < 0);
	assert_non_null(strstr(err.msg, "ask for a table: "));
	if (!strstr(err.msg, "(Attribute failed policy validation)"))
		fail_msg("no word of the kernel's: %s", err.msg);
	nfnl_close(&n);
}

/* ---- interoperation with ip(8) ------------------------------------------------ */

static void test_ip_netns_interop(void **state)
{
	struct errbuf err = { "" };
	char *out;

	/* Namespaces ip made live beside ours, in the same run dir. */
	assert_int_equal(test_sh("ip netns add other"), 0);
	ensure("alice");
	out = test_sh_out("ip netns list");
	assert_non_null(strstr(out, "user-alice"));
	assert_non_null(strstr(out, "other"));
	free(out);
	out = test_sh_out("ip netns exec user-alice ip -o -4 addr show dev eth0");
	assert_non_null(strstr(out, "10.200."));
	free(out);
	/* A name ip made is not ours, even if it has a user's name. */
	assert_int_equal(test_sh("ip netns add user-carol"), 0);
	assert_int_equal(try_ensure("carol", NULL, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "was not created by usernetns"));
	assert_int_equal(count_lines("ip -n user-carol -o link show"), 1);
	/* ip netns del removes ours as it removes its own. */
	assert_int_equal(test_sh("ip netns del other"), 0);
	assert_true(netns_mounted("user-alice"));
}

/* ---- repairs -------------------------------------------------------------------- */

static void test_repair_placeholder(void **state)
{
	struct ensure_result res;

	/* An empty file under the name, nothing mounted: a crashed creator. */
	assert_int_equal(test_sh("mkdir -p /run/netns && touch /run/netns/user-alice"), 0);
	res = ensure("alice");
	assert_true(res.changes & ENSURE_REMOVED_PLACEHOLDER);
	assert_true(res.changes & ENSURE_CREATED);
	assert_true(netns_mounted("user-alice"));
}

static void test_repair_missing_veth(void **state)
{
	struct ensure_result a = ensure("alice"), b;

	assert_int_equal(test_sh("ip link del vu1001"), 0);
	b = ensure("alice");
	assert_true(b.changes & ENSURE_CREATED_LINK);
	assert_false(b.changes & ENSURE_CREATED);
	assert_true(netns_id_equal(&a.id, &b.id));
	assert_string_equal(fmt(&a.record.peer4), fmt(&b.record.peer4));
	assert_int_equal(test_sh("ip netns exec user-alice ping -c 1 -W 2 %s >/dev/null",
				 addr_only(&b.record.host4)), 0);
}

static void test_repair_down_links(void **state)
{
	struct ensure_result res = ensure("alice");

	assert_int_equal(test_sh("ip link set vu1001 down && ip -n user-alice link set eth0 down"
				 " && ip -n user-alice link set lo down"), 0);
	res = ensure("alice");
	assert_true(res.changes & ENSURE_FIXED_LINK);
	assert_int_equal(count_lines("ip -n user-alice -o link show up"), 2);
	assert_int_equal(count_lines("ip -o link show vu1001 up"), 1);
	assert_int_equal(test_sh("ip netns exec user-alice ping -c 1 -W 2 %s >/dev/null",
				 addr_only(&res.record.host4)), 0);
}

static void test_repair_addresses_and_routes(void **state)
{
	struct ensure_result res = ensure("alice");
	char *out;

	assert_int_equal(test_sh("ip addr flush dev vu1001 scope global &&"
				 " ip -n user-alice addr flush dev eth0 scope global &&"
				 " ip -n user-alice addr add 192.0.2.9/24 dev eth0"), 0);
	out = test_sh_out("ip -n user-alice route show default");
	assert_string_equal(out, "");
	free(out);
	res = ensure("alice");
	assert_true(res.changes & ENSURE_FIXED_ADDRESSES);
	assert_true(res.changes & ENSURE_FIXED_ROUTES);
	out = test_sh_out("ip -n user-alice -o addr show dev eth0 scope global");
	assert_non_null(strstr(out, fmt(&res.record.peer4)));
	assert_null(strstr(out, "192.0.2.9"));
	free(out);
	assert_int_equal(test_sh("ip netns exec user-alice ping -c 1 -W 2 %s >/dev/null",
				 addr_only(&res.record.host4)), 0);
	assert_int_equal(test_sh("ip netns exec user-alice ping -6 -c 1 -W 2 %s >/dev/null",
				 addr_only(&res.record.host6)), 0);
}

static void test_repair_ghost_namespace(void **state)
{
	struct ensure_result a = ensure("alice"), b;
	char *ghost, *now;

	/* A process keeps the namespace alive after its name is deleted. */
	assert_int_equal(test_sh("ip netns exec user-alice sleep 300 >/dev/null 2>&1 &"), 0);
	assert_true(test_wait_sh(TEST_WAIT_MS, "test -n \"$(ip netns pids user-alice)\""));
	assert_int_equal(test_sh("ip netns del user-alice"), 0);
	assert_false(netns_mounted("user-alice"));
	/* Its host end lives on, and is in the way of a new one. */
	assert_int_equal(test_sh("ip link show vu1001 >/dev/null"), 0);

	b = ensure("alice");
	assert_true(b.changes & ENSURE_CREATED);
	assert_true(b.changes & ENSURE_REPLACED_STALE_LINK);
	assert_false(netns_id_equal(&a.id, &b.id));
	assert_int_equal(test_sh("ip netns exec user-alice ping -c 1 -W 2 %s >/dev/null",
				 addr_only(&b.record.host4)), 0);
	/* The ghost process is still in the old namespace, not the new one. */
	ghost = test_sh_out("stat -L -c %%i /proc/$(pgrep -x sleep)/ns/net");
	now = test_sh_out("stat -L -c %%i /run/netns/user-alice");
	assert_string_not_equal(ghost, now);
	free(ghost);
	free(now);
}

static void test_repair_crash_after_mount(void **state)
{
	struct state_record rec = {
		.owner = 1001,
		.mode = POLICY_MODE_VETH,
		.phase = STATE_CREATING,
	};
	struct errbuf err;
	struct ensure_result res;

	/* As a login that died between mounting and recording would leave. */
	snprintf(rec.name, sizeof(rec.name), "alice");
	snprintf(rec.netns, sizeof(rec.netns), "user-alice");
	assert_int_equal(test_sh("ip netns add user-alice"), 0);
	assert_int_equal(state_write(&paths, &rec, &err), 0);
	res = ensure("alice");
	assert_true(res.changes & ENSURE_ADOPTED);
	assert_int_equal(res.record.phase, STATE_READY);
	assert_int_equal(test_sh("ip netns exec user-alice ping -c 1 -W 2 %s >/dev/null",
				 addr_only(&res.record.host4)), 0);
}

static void test_foreign_interface_is_left_alone(void **state)
{
	struct errbuf err = { "" };
	struct stat st;

	/* A veth pair somebody else made, under alice's host end name. */
	assert_int_equal(test_sh("ip link add vu1001 type veth peer name foreign0"), 0);
	assert_int_equal(try_ensure("alice", NULL, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "interface 'vu1001' exists on the host and was not made by usernetns"));
	/* Untouched, and nothing half-made left behind. */
	assert_int_equal(test_sh("ip link show vu1001 >/dev/null && ip link show foreign0 >/dev/null"), 0);
	assert_false(netns_mounted("user-alice"));
	assert_int_equal(stat("/run/netns/user-alice", &st), -1);
	assert_int_equal(state_read(&paths, 1001, &(struct state_record){ 0 }, &err), -ENOENT);
}

/* ---- the host's own networks ------------------------------------------------------------ */

/*
 * Nothing of user's: no name, no record, no host end, no lease from pool
 * (its directory name; the lease of another family may stay, as leases do).
 */
static void nothing_of(const char *user, const char *netns, const char *ifname,
		       const char *pool)
{
	struct plan plan = plan_for(user);
	struct errbuf err;

	assert_false(netns_mounted(netns));
	assert_int_equal(state_read(&paths, plan.uid, &(struct state_record){ 0 }, &err),
			 -ENOENT);
	assert_int_equal(if_nametoindex(ifname), 0);
	assert_int_equal(test_sh("test ! -e '%s/leases/%s/uid-%lu'", paths.statedir, pool,
				 (unsigned long)plan.uid), 0);
}

/*
 * A block over a network of the host's (the campus LAN) would take its
 * traffic: the lease is refused, with the network named, whether the host
 * reaches it directly, holds the address, or routes to it.  The networks
 * are put where alice's block falls, as learnt from a first login.
 */
static void test_pool_over_a_host_network_is_refused(void **state)
{
	struct ensure_result first = ensure("alice");
	const uint8_t *h = first.record.host4.bytes;
	struct addr_prefix lan6 = first.record.host6, net6;
	char lan24[64], net24[64], other24[64], peer32[64], lan6s[ADDR_PREFIX_STRLEN],
		net6s[ADDR_PREFIX_STRLEN];
	struct {
		char setup[160], expect[200];
		const char *pool;
	} lans[4];

	snprintf(lan24, sizeof(lan24), "%u.%u.%u.%u/24", h[0], h[1], h[2], (h[3] + 8u) % 256u);
	snprintf(net24, sizeof(net24), "%u.%u.%u.0/24", h[0], h[1], h[2]);
	snprintf(other24, sizeof(other24), "%u.%u.%u.1/24", h[0], h[1], (h[2] + 1u) % 256u);
	snprintf(peer32, sizeof(peer32), "%s", addr_only(&first.record.peer4));
	lan6.len = 64;
	lan6.bytes[15] = 0x99;
	net6 = addr_prefix_network(&lan6);
	addr_prefix_format(&lan6, lan6s, sizeof(lan6s));
	addr_prefix_format(&net6, net6s, sizeof(net6s));

	snprintf(lans[0].setup, sizeof(lans[0].setup), "ip addr add %s dev lan0", lan24);
	snprintf(lans[0].expect, sizeof(lans[0].expect),
		 "pool 10.200.0.0/16 overlaps the host's route %s dev lan0", net24);
	snprintf(lans[1].setup, sizeof(lans[1].setup), "ip addr add %s/32 dev lan0", peer32);
	snprintf(lans[1].expect, sizeof(lans[1].expect),
		 "pool 10.200.0.0/16 overlaps the host's route %s/32 dev lan0 (an address of the host)",
		 peer32);
	snprintf(lans[2].setup, sizeof(lans[2].setup),
		 "ip addr add 192.0.2.2/24 dev lan0 && ip route add 10.0.0.0/8 via 192.0.2.1");
	snprintf(lans[2].expect, sizeof(lans[2].expect),
		 "pool 10.200.0.0/16 overlaps the host's route 10.0.0.0/8 dev lan0");
	snprintf(lans[3].setup, sizeof(lans[3].setup), "ip -6 addr add %s dev lan0 nodad", lan6s);
	snprintf(lans[3].expect, sizeof(lans[3].expect),
		 "pool fd42:200::/48 overlaps the host's route %s dev lan0", net6s);
	lans[0].pool = lans[1].pool = lans[2].pool = "10.200.0.0_16_30";
	lans[3].pool = "fd42:200::_48_64";

	for (size_t i = 0; i < ELEMENTSOF(lans); i++) {
		struct errbuf err = { "" };

		test_clean_host(false, "/run/test-state");
		assert_int_equal(test_sh("ip link add lan0 type veth peer name lan1 && ip link set lan1 up && ip link set lan0 up && %s",
					 lans[i].setup), 0);
		if (try_ensure("alice", NULL, &err) != -EADDRINUSE)
			fail_msg("%s: the login was not refused (%s)", lans[i].setup, err.msg);
		if (!strstr(err.msg, lans[i].expect))
			fail_msg("%s: %s", lans[i].setup, err.msg);
		assert_non_null(strstr(err.msg, "namespaces there would take that network's traffic"));
		/* The block is not kept: the next login asks again. */
		nothing_of("alice", "user-alice", "vu1001", lans[i].pool);
	}

	/*
	 * Networks beside the pools are no trouble, nor are other users'
	 * blocks, nor a network inside the pool away from alice's block (the
	 * user whose block it holds is refused; the dry run names it).
	 */
	test_clean_host(false, "/run/test-state");
	assert_int_equal(test_sh("ip link add lan0 type veth peer name lan1 && ip link set lan1 up && ip link set lan0 up &&"
				 " ip addr add 10.201.7.1/24 dev lan0 && ip addr add 192.0.2.2/24 dev lan0 &&"
				 " ip route add 198.51.100.0/24 via 192.0.2.1 && ip addr add %s dev lan0",
				 other24),
			 0);
	ensure("carol");
	ensure("alice");
}

static void test_fixed_block_over_a_host_network_is_refused(void **state)
{
	struct errbuf err = { "" };

	/* erin's fixed 10.201.0.2/30. */
	assert_int_equal(test_sh("ip link add lan0 type veth peer name lan1 && ip link set lan1 up && ip link set lan0 up &&"
				 " ip addr add 10.201.0.0/16 dev lan0"), 0);
	assert_int_equal(try_ensure("erin", NULL, &err), -EADDRINUSE);
	assert_non_null(strstr(err.msg, "the fixed address block 10.201.0.0/30 overlaps the host's route 10.201.0.0/16 dev lan0"));
	nothing_of("erin", "user-erin", "vu1005", "none");
}

/*
 * The check is made when a block is leased (and a fixed link made), not
 * at every login: a network the host gains later does not lock out users
 * who have their addresses already.
 */
static void test_overlap_checked_when_leased(void **state)
{
	ensure("alice");
	assert_int_equal(test_sh("ip link add lan0 type veth peer name lan1 && ip link set lan1 up && ip link set lan0 up &&"
				 " ip addr add 10.200.5.1/24 dev lan0"), 0);
	ensure("alice");
	remove_user("alice", 0);
	ensure("alice");
}

/* ---- removal ------------------------------------------------------------------------ */

static void test_remove_refuses_with_processes(void **state)
{
	struct errbuf err = { "" };
	struct session_close_result res;
	pid_t pid = 0;

	ensure("alice");
	assert_int_equal(test_sh("ip netns exec user-alice sleep 300 >/dev/null 2>&1 &"), 0);
	assert_true(test_wait_sh(TEST_WAIT_MS, "test -n \"$(ip netns pids user-alice)\""));
	assert_int_equal(reap(1001, 0, &res, &err), 0);
	assert_int_equal(res.outcome, SESSION_BUSY);
	pid = res.busy_pid;
	assert_true(pid > 0);
	assert_non_null(strstr(err.msg, "1 process still in namespace 'user-alice'"));
	assert_true(netns_mounted("user-alice"));
	assert_int_equal(test_sh("ip link show vu1001 >/dev/null"), 0);

	remove_user("alice", ENSURE_REMOVE_FORCE);
	assert_false(netns_mounted("user-alice"));
	assert_int_not_equal(test_sh("ip link show vu1001 >/dev/null 2>&1"), 0);
}

static void test_policy_change_retires_old_namespace(void **state)
{
	struct diag d = DIAG_INIT;
	struct policy *other = NULL, *saved = policy;
	struct ensure_result res;

	ensure("alice");
	assert_int_equal(test_parse("[global]\nnetns_name = ns-%U\nhost_ifname = h%U\n"
				    "[user:alice]\nmode = veth\naddress4 = 10.202.0.2/30\n",
				    &other, &d), 0);
	policy = other;
	res = ensure("alice");
	policy = saved;
	assert_true(res.changes & ENSURE_REMOVED_OLD);
	assert_false(netns_mounted("user-alice"));
	assert_true(netns_mounted("ns-1001"));
	assert_int_not_equal(test_sh("ip link show vu1001 >/dev/null 2>&1"), 0);
	assert_int_equal(test_sh("ip netns exec ns-1001 ping -c 1 -W 2 10.202.0.1 >/dev/null"), 0);
	policy_free(other);
	diag_clear(&d);
}

/* ---- concurrency and endurance --------------------------------------------------------- */

static int ensure_child(void *data, struct errbuf *msg)
{
	const char *user = data;
	int r = try_ensure(user, NULL, msg);

	if (r < 0)
		fprintf(stderr, "# %s: %s\n", user, msg->msg);
	return r == 0 ? 0 : 1;
}

/* Run ensure for users[i % n] in `count` processes at once. */
static int ensure_in_parallel(const char *const *users, size_t n, size_t count)
{
	struct test_child children[64];
	int failures = 0;

	assert_true(count <= 64);
	for (size_t i = 0; i < count; i++)
		children[i] = test_child_start(ensure_child, (void *)users[i % n], NULL);
	for (size_t i = 0; i < count; i++)
		if (test_child_wait(&children[i], TEST_WAIT_MS, NULL, 0) != 0)
			failures++;
	return failures;
}

static void test_fifty_concurrent_logins_one_user(void **state)
{
	static const char *const users[] = { "alice" };

	assert_int_equal(ensure_in_parallel(users, 1, 50), 0);
	assert_int_equal(count_lines("ip netns list"), 1);
	assert_int_equal(count_lines("ip -o link show type veth"), 1);
	assert_int_equal(count_lines("ip -n user-alice -o link show type veth"), 1);
	assert_int_equal(count_lines("ls /run/usernetns/users"), 1);
}

static void test_twenty_users_in_parallel(void **state)
{
	const char *users[20];
	char names[20][16];
	char *out;

	for (int i = 0; i < 20; i++) {
		snprintf(names[i], sizeof(names[i]), "user%02d", i + 1);
		users[i] = names[i];
	}
	assert_int_equal(ensure_in_parallel(users, 20, 20), 0);
	assert_int_equal(count_lines("ip netns list"), 20);
	assert_int_equal(count_lines("ip -o link show type veth"), 20);
	/* Twenty distinct /30s. */
	assert_int_equal(count_lines("ip -o -4 addr show scope global | awk '{ print $4 }' | sort -u"),
			 20);
	out = test_sh_out("ip netns exec user-user07 ip -o -4 route show default");
	assert_non_null(strstr(out, "via 10.200."));
	free(out);
}

static void test_hundred_remove_ensure_cycles(void **state)
{
	int failures = 0;

	for (int i = 0; i < 100; i++) {
		struct errbuf err = { "" };
		struct plan plan = plan_for("alice");
		struct session_close_result res;

		if (try_ensure("alice", NULL, &err) != 0) {
			printf("# cycle %d: ensure: %s\n", i, err.msg);
			failures++;
			continue;
		}
		if (reap(plan.owner, 0, &res, &err) != 0 || res.outcome != SESSION_REMOVED) {
			printf("# cycle %d: remove: %s\n", i, err.msg);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
	assert_int_equal(count_lines("ip netns list"), 0);
	assert_int_equal(count_lines("ip -o link show type veth"), 0);
}

static void test_lease_survives_reboot(void **state)
{
	struct ensure_result before = ensure("alice"), after;
	struct ensure_result carol = ensure("carol");

	/* A reboot: every namespace and link gone, /run emptied, /var kept. */
	test_sh("for n in /run/netns/*; do umount -l \"$n\"; done; umount -l /run/netns;"
		"rm -rf /run/netns /run/usernetns;"
		"ip link del vu1001 2>/dev/null; ip link del vu1003 2>/dev/null");
	assert_int_equal(count_lines("ip -o link show type veth"), 0);

	after = ensure("alice");
	assert_true(after.changes & ENSURE_CREATED);
	assert_false(after.changes & ENSURE_LEASED);
	assert_string_equal(fmt(&before.record.peer4), fmt(&after.record.peer4));
	assert_string_equal(fmt(&before.record.peer6), fmt(&after.record.peer6));
	assert_string_not_equal(fmt(&carol.record.peer4), fmt(&after.record.peer4));
}

/* Counts the links st0..st799 a dump lists; a link listed twice is an error. */
static int count_stable(const struct rtnl_link *l, void *data)
{
	unsigned char *seen = data;
	int i;

	if (sscanf(l->ifname, "st%d", &i) == 1 && i >= 0 && i < 800 && seen[i]++)
		return -EEXIST;
	return 0;
}

static int open_rtnl_inside(void *data, struct errbuf *err)
{
	return rtnl_open(data, err);
}

/* In a child: links made and deleted in namespace churn, until killed. */
static int churn_links(void *data, struct errbuf *msg)
{
	execl("/bin/sh", "sh", "-c",
	      "while :; do ip -n churn link add ch0 type veth peer name ch1;"
	      " ip -n churn link del ch0; done",
	      (char *)NULL);
	return 127;
}

/*
 * usernetns-list and usernetns-cleanup list the host's links while
 * namespaces die and take their veths along: the kernel then marks a dump
 * interrupted.  Every listing must still succeed, with every link once,
 * and the socket stay usable.
 */
static void test_link_dumps_while_links_come_and_go(void **state)
{
	static unsigned char seen[800];
	struct errbuf err = { "" };
	struct rtnl rtnl = RTNL_INIT;
	struct rtnl_link lo;
	struct test_child churn;
	int fd;

	assert_int_equal(test_sh("ip netns add churn && for i in $(seq 0 399); do"
				 " echo \"link add st$i type veth peer name st$((i + 400))\"; done |"
				 " ip -n churn -batch -"), 0);
	fd = open("/run/netns/churn", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(netns_run_in(fd, open_rtnl_inside, &rtnl, &err), 0);
	close(fd);
	churn = test_child_start(churn_links, NULL, NULL);
	for (int k = 0; k < 100; k++) {
		size_t n = 0;

		memset(seen, 0, sizeof(seen));
		assert_int_equal(rtnl_link_foreach(&rtnl, count_stable, seen, &err), 0);
		for (size_t i = 0; i < sizeof(seen); i++)
			n += seen[i];
		assert_int_equal(n, 800);
	}
	kill(churn.pid, SIGKILL);
	test_child_wait(&churn, TEST_WAIT_MS, NULL, 0);
	assert_int_equal(rtnl_link_get_index(&rtnl, 1, &lo, &err), 0);
	assert_string_equal(lo.ifname, "lo");
	rtnl_close(&rtnl);
	test_sh("ip netns del churn");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_create_veth, reset),
		cmocka_unit_test_setup(test_reuse_changes_nothing, reset),
		cmocka_unit_test_setup(test_some_host, reset),
		cmocka_unit_test_setup(test_remove, reset),
		cmocka_unit_test_setup(test_isolated, reset),
		cmocka_unit_test_setup(test_fixed_address_and_mtu, reset),
		cmocka_unit_test_setup(test_bridge, reset),
		cmocka_unit_test_setup(test_limits, reset),
		cmocka_unit_test_setup(test_no_fd_leaks, reset),
		cmocka_unit_test_setup(test_kernel_explains_failures, reset),
		cmocka_unit_test_setup(test_kernel_explains_nf_tables_failures, reset),
		cmocka_unit_test_setup(test_ip_netns_interop, reset),
		cmocka_unit_test_setup(test_repair_placeholder, reset),
		cmocka_unit_test_setup(test_repair_missing_veth, reset),
		cmocka_unit_test_setup(test_repair_down_links, reset),
		cmocka_unit_test_setup(test_repair_addresses_and_routes, reset),
		cmocka_unit_test_setup(test_repair_ghost_namespace, reset),
		cmocka_unit_test_setup(test_repair_crash_after_mount, reset),
		cmocka_unit_test_setup(test_foreign_interface_is_left_alone, reset),
		cmocka_unit_test_setup(test_pool_over_a_host_network_is_refused, reset),
		cmocka_unit_test_setup(test_fixed_block_over_a_host_network_is_refused, reset),
		cmocka_unit_test_setup(test_overlap_checked_when_leased, reset),
		cmocka_unit_test_setup(test_remove_refuses_with_processes, reset),
		cmocka_unit_test_setup(test_policy_change_retires_old_namespace, reset),
		cmocka_unit_test_setup(test_fifty_concurrent_logins_one_user, reset),
		cmocka_unit_test_setup(test_twenty_users_in_parallel, reset),
		cmocka_unit_test_setup(test_hundred_remove_ensure_cycles, reset),
		cmocka_unit_test_setup(test_lease_survives_reboot, reset),
		cmocka_unit_test_setup(test_link_dumps_while_links_come_and_go, reset),
	};
	struct diag d = DIAG_INIT;

	(void)argc;
	test_use_nss_wrapper(argv);
	test_sandbox();
	if (test_parse(policy_text, &policy, &d) != 0) {
		test_diag_dump(&d);
		printf("Bail out! test policy rejected\n");
		return 1;
	}
	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
