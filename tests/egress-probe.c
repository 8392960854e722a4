/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * egress-probe: what an unprivileged process in a session tries, to get
 * somewhere its policy refuses, with the socket options any user may set.
 *
 *   egress-probe [-d IF] [-u IF] [-s SRC] [-t SEC] tcp|udp|ping ADDR [PORT]
 *   egress-probe raw|packet
 *
 *   -d IF   SO_BINDTODEVICE (unprivileged since Linux 5.7): skips the routes
 *   -u IF   IP_UNICAST_IF / IPV6_UNICAST_IF: the same for unbound sends
 *   -s SRC  IP_FREEBIND / IPV6_FREEBIND and bind to SRC: a forged source
 *   -t SEC  how long to wait for an answer (default 5)
 *
 * ADDR may carry a zone (fe80::1%eth0).  Prints one line and exits 0 when
 * it got through ("ok" and what the server answered), 1 when refused at
 * once ("EPERM", the errno's name), 3 when a datagram left but nothing
 * answered ("sent"), 4 when a connection timed out ("timed out": no
 * refusal, no answer), 2 on bad usage.  raw and packet try to open such a
 * socket.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#ifndef IP_UNICAST_IF
#define IP_UNICAST_IF 50
#endif

static int refused(int e)
{
	const char *name = strerrorname_np(e);

	printf("%s\n", name ? name : strerror(e));
	return 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: egress-probe [-d IF] [-u IF] [-s SRC] [-t SEC] tcp|udp|ping ADDR "
			"[PORT]\n       egress-probe raw|packet\n");
	return 2;
}

/* Wait for fd to be readable for at most sec seconds. */
static int wait_readable(int fd, int sec)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, sec * 1000);
	while (r < 0 && errno == EINTR);
	return r;
}

int main(int argc, char **argv)
{
	const char *bind_dev = NULL, *unicast_if = NULL, *source = NULL;
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV }, *dst, *src = NULL;
	char answer[256] = "";
	int opt, sec = 5, fd, one = 1;
	bool tcp, ping;
	ssize_t n;

	while ((opt = getopt(argc, argv, "d:u:s:t:")) != -1) {
		switch (opt) {
		case 'd':
			bind_dev = optarg;
			break;
		case 'u':
			unicast_if = optarg;
			break;
		case 's':
			source = optarg;
			break;
		case 't':
			sec = atoi(optarg);
			break;
		default:
			return usage();
		}
	}
	if (optind == argc - 1 && (!strcmp(argv[optind], "raw") || !strcmp(argv[optind], "packet"))) {
		fd = !strcmp(argv[optind], "raw") ? socket(AF_INET, SOCK_RAW, IPPROTO_RAW) :
						    socket(AF_PACKET, SOCK_RAW, 0);
		if (fd < 0)
			return refused(errno);
		printf("ok\n");
		return 0;
	}
	if (argc - optind < 2)
		return usage();
	tcp = !strcmp(argv[optind], "tcp");
	ping = !strcmp(argv[optind], "ping");
	if (!tcp && !ping && strcmp(argv[optind], "udp"))
		return usage();
	hints.ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM;
	if (getaddrinfo(argv[optind + 1], ping ? "0" : argv[optind + 2] ? argv[optind + 2] : "7",
			&hints, &dst) != 0 ||
	    (source && getaddrinfo(source, "0", &hints, &src) != 0))
		return usage();
	fd = socket(dst->ai_family, hints.ai_socktype | SOCK_CLOEXEC,
		    !ping ? 0 : dst->ai_family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	if (fd < 0)
		return refused(errno);
	if (bind_dev &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, bind_dev, (socklen_t)strlen(bind_dev)) < 0)
		return refused(errno);
	if (unicast_if) {
		int index = (int)if_nametoindex(unicast_if);
		/* IPv4 takes it in network order, IPv6 in host order. */
		int v4 = (int)htonl((uint32_t)index);

		if (dst->ai_family == AF_INET ?
			    setsockopt(fd, IPPROTO_IP, IP_UNICAST_IF, &v4, sizeof(v4)) < 0 :
			    setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_IF, &index, sizeof(index)) < 0)
			return refused(errno);
	}
	if (src) {
		if ((dst->ai_family == AF_INET ?
			     setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one)) :
			     setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one))) < 0 ||
		    bind(fd, src->ai_addr, src->ai_addrlen) < 0)
			return refused(errno);
	}

	if (tcp) {
		struct timeval tv = { .tv_sec = sec };

		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (connect(fd, dst->ai_addr, dst->ai_addrlen) < 0) {
			/* SO_SNDTIMEO ends a connect() with EINPROGRESS. */
			if (errno == EINPROGRESS || errno == EAGAIN || errno == ETIMEDOUT) {
				printf("timed out\n");
				return 4;
			}
			return refused(errno);
		}
		n = read(fd, answer, sizeof(answer) - 1);
		if (n < 0)
			return refused(errno);
		answer[n > 0 ? n : 0] = '\0';
		answer[strcspn(answer, "\n")] = '\0';
		printf("ok %s\n", answer);
		return 0;
	}
	if (ping) {
		struct icmphdr echo = { .type = ICMP_ECHO };
		struct icmp6_hdr echo6 = { .icmp6_type = ICMP6_ECHO_REQUEST };
		const void *msg = dst->ai_family == AF_INET ? (const void *)&echo : (const void *)&echo6;

		/*
		 * Connected, as ping(8) in effect is: IPv6 ping sockets report
		 * neither a refused send nor, unconnected, the ICMP error that
		 * answers it.
		 */
		if (connect(fd, dst->ai_addr, dst->ai_addrlen) < 0 ||
		    send(fd, msg, sizeof(echo), 0) < 0)
			return refused(errno);
	} else if (sendto(fd, "probe\n", 6, 0, dst->ai_addr, dst->ai_addrlen) < 0) {
		return refused(errno);
	}
	if (wait_readable(fd, sec) <= 0) {
		printf("sent\n");
		return 3;
	}
	n = recv(fd, answer, sizeof(answer) - 1, 0);
	if (n < 0)
		return refused(errno);
	answer[ping ? 0 : n] = '\0';
	answer[strcspn(answer, "\n")] = '\0';
	printf("ok%s%s\n", *answer ? " " : "", answer);
	return 0;
}
