/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ra-send IF PREFIX: a router on the LAN, as the tests play it.  Sends one
 * Router Advertisement to all nodes (ff02::1) out of IF, offering itself
 * as the default router and PREFIX (a /64) for addresses made from it
 * (SLAAC).  Needs CAP_NET_RAW, in the namespace that plays the router.
 */
#include "config.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct {
		struct nd_router_advert ra;
		struct nd_opt_prefix_info prefix;
	} msg = {
		.ra = {
			.nd_ra_type = ND_ROUTER_ADVERT,
			.nd_ra_curhoplimit = 64,
			.nd_ra_router_lifetime = htons(1800),
		},
		.prefix = {
			.nd_opt_pi_type = ND_OPT_PREFIX_INFORMATION,
			.nd_opt_pi_len = 4, /* in units of 8 bytes */
			.nd_opt_pi_prefix_len = 64,
			.nd_opt_pi_flags_reserved =
				ND_OPT_PI_FLAG_ONLINK | ND_OPT_PI_FLAG_AUTO,
			.nd_opt_pi_valid_time = htonl(86400),
			.nd_opt_pi_preferred_time = htonl(14400),
		},
	};
	struct sockaddr_in6 to = { .sin6_family = AF_INET6 };
	int fd, hops = 255;
	unsigned int index;

	if (argc != 3 || !(index = if_nametoindex(argv[1])) ||
	    inet_pton(AF_INET6, argv[2], &msg.prefix.nd_opt_pi_prefix) != 1) {
		fprintf(stderr, "usage: ra-send IF PREFIX\n");
		return 2;
	}
	inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
	to.sin6_scope_id = index;
	fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	/* Neighbour discovery is only believed from the link itself (RFC 4861). */
	if (fd < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof(index)) < 0 ||
	    sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		perror("ra-send");
		return 1;
	}
	close(fd);
	return 0;
}
