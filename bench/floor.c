/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * floor: the kernel work of one login and nothing else, as a lower bound
 * for the benchmarks.  A named namespace (placeholder, unshare, bind
 * mount), one veth request with the peer placed in it, an address on each
 * end, lo and both ends up, a default route: the same as a usernetns login
 * in mode veth with IPv4, without policy, locks, records, leases or any
 * check.  Like a login it also lets everybody ping in the namespace
 * (net.ipv4.ping_group_range, written the way lib/ensure.c writes it).
 * Prints the microseconds it took.
 *
 * floor NAME HOST_IFNAME HOST_IFINDEX HOST_ADDR PEER_ADDR PREFIX
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#define PEER_IFINDEX 2	/* a fresh namespace has only lo, ifindex 1 */

static char buf[8192];
static unsigned int seq;

static void die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Send one request, wait for its ACK. */
static void call(struct mnl_socket *nl, struct nlmsghdr *nlh, const char *what)
{
	unsigned int portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int r;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die(what);
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			die(what);
		r = mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL);
	} while (r > 0);
	if (r < 0)
		die(what);
}

static struct nlmsghdr *msg(uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, 1024);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

static struct mnl_socket *open_socket(void)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink socket");
	return nl;
}

static void link_up(struct mnl_socket *nl, int ifindex)
{
	struct nlmsghdr *nlh = msg(RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_index = ifindex;
	ifi->ifi_flags = ifi->ifi_change = IFF_UP;
	call(nl, nlh, "link up");
}

static void add_addr(struct mnl_socket *nl, int ifindex, struct in_addr a, int len)
{
	struct nlmsghdr *nlh = msg(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (uint8_t)len;
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, 4, &a);
	mnl_attr_put(nlh, IFA_ADDRESS, 4, &a);
	call(nl, nlh, "address");
}

/* In a procfs instance of its own: see open_ping_group_range() in lib/ensure.c. */
static void ping_for_all(void)
{
	int fs, mnt, fd;

	fs = fsopen("proc", FSOPEN_CLOEXEC);
	if (fs < 0 || fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		die("procfs");
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				    MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		die("procfs");
	fd = openat(mnt, "sys/net/ipv4/ping_group_range", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0 2147483647\n", 13) != 13)
		die("ping_group_range");
	close(fd);
	close(mnt);
	close(fs);
}

int main(int argc, char **argv)
{
	struct in_addr host, peer;
	struct timespec t0, t1;
	struct mnl_socket *ns_nl, *host_nl;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi, *pifi;
	struct nlattr *info, *data, *peer_attr;
	struct rtmsg *rtm;
	char path[256];
	int fd, orig, nsfd, host_ifindex, len;

	if (argc != 7 || inet_pton(AF_INET, argv[4], &host) != 1 ||
	    inet_pton(AF_INET, argv[5], &peer) != 1) {
		fprintf(stderr, "usage: floor NAME HOST_IFNAME HOST_IFINDEX HOST_ADDR PEER_ADDR PREFIX\n");
		return 2;
	}
	host_ifindex = atoi(argv[3]);
	len = atoi(argv[6]);
	snprintf(path, sizeof(path), "/run/netns/%s", argv[1]);

	clock_gettime(CLOCK_MONOTONIC, &t0);

	/* The named namespace, as ip netns add makes it (run dir ready). */
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		die("placeholder");
	close(fd);
	orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0 || unshare(CLONE_NEWNET) < 0)
		die("unshare");
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0)
		die("bind mount");
	nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	ns_nl = open_socket();
	link_up(ns_nl, 1);
	ping_for_all();
	if (nsfd < 0 || setns(orig, CLONE_NEWNET) < 0)
		die("setns");

	/* One request: the pair, host end up, peer inside the namespace. */
	host_nl = open_socket();
	nlh = msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = host_ifindex;
	ifi->ifi_flags = ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, argv[2]);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer_attr = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
	pifi->ifi_index = PEER_IFINDEX;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth0");
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)nsfd);
	mnl_attr_nest_end(nlh, peer_attr);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	call(host_nl, nlh, "veth");

	add_addr(host_nl, host_ifindex, host, len);
	link_up(ns_nl, PEER_IFINDEX);
	add_addr(ns_nl, PEER_IFINDEX, peer, len);

	nlh = msg(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_GATEWAY, 4, &host);
	mnl_attr_put_u32(nlh, RTA_OIF, PEER_IFINDEX);
	call(ns_nl, nlh, "route");

	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.1f\n", (double)(t1.tv_sec - t0.tv_sec) * 1e6 +
				 (double)(t1.tv_nsec - t0.tv_nsec) / 1e3);
	return 0;
}
