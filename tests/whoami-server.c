/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * whoami-server PORT [LOG] [ADDR]: plays a server on "the internet" in
 * the tests.  It answers every TCP connection and every UDP datagram,
 * IPv4 or IPv6, with the address it came from (and closes the
 * connection): what a host beyond the uplink sees of a session (after
 * masquerade, the host's address).  With LOG, each datagram's source is
 * appended there too, so that a test sees what arrived even where no
 * answer can go back; with ADDR, it listens on that address only.  Runs
 * until killed.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* "a.b.c.d" or an IPv6 address, as a session's peer shows it. */
static const char *shown(const struct sockaddr_in6 *peer, char *text, size_t size)
{
	if (!inet_ntop(AF_INET6, &peer->sin6_addr, text, (socklen_t)size))
		snprintf(text, size, "?");
	/* IPv4 arrives as ::ffff:a.b.c.d on a dual-stack socket. */
	return strncmp(text, "::ffff:", 7) == 0 && strchr(text, '.') ? text + 7 : text;
}

static int listening(int type, const struct sockaddr_in6 *addr)
{
	int fd, off = 0, on = 1;

	fd = socket(AF_INET6, type | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    bind(fd, (const struct sockaddr *)addr, sizeof(*addr)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 16) < 0)) {
		perror("whoami-server");
		exit(1);
	}
	/*
	 * Room for thousands of datagrams at once (test-active.sh): on a
	 * busy machine the server reads them later than they come.  Root
	 * only, past rmem_max; without it, the default.
	 */
	if (type == SOCK_DGRAM) {
		int size = 32 << 20;

		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct sockaddr_in6 addr = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	struct pollfd p[2];
	const char *log = argc > 2 && *argv[2] ? argv[2] : NULL;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: whoami-server PORT [LOG] [ADDR]\n");
		return 2;
	}
	addr.sin6_port = htons((uint16_t)atoi(argv[1]));
	if (argc > 3) {
		struct in_addr v4;

		if (inet_pton(AF_INET, argv[3], &v4) == 1) {
			/* An IPv4 address, as the dual-stack socket takes it. */
			addr.sin6_addr.s6_addr[10] = addr.sin6_addr.s6_addr[11] = 0xff;
			memcpy(&addr.sin6_addr.s6_addr[12], &v4, 4);
		} else if (inet_pton(AF_INET6, argv[3], &addr.sin6_addr) != 1) {
			fprintf(stderr, "whoami-server: %s: not an address\n", argv[3]);
			return 2;
		}
	}
	p[0] = (struct pollfd){ .fd = listening(SOCK_STREAM, &addr), .events = POLLIN };
	p[1] = (struct pollfd){ .fd = listening(SOCK_DGRAM, &addr), .events = POLLIN };
	for (;;) {
		struct sockaddr_in6 peer;
		socklen_t len = sizeof(peer);
		char text[INET6_ADDRSTRLEN + 2], buf[512];
		const char *who;
		int c;

		if (poll(p, 2, -1) < 0)
			continue;
		if (p[0].revents & POLLIN) {
			c = accept4(p[0].fd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
			if (c >= 0) {
				if (dprintf(c, "%s\n", shown(&peer, text, sizeof(text))) < 0) {
					/* The client went: nothing to tell it. */
				}
				close(c);
			}
		}
		len = sizeof(peer);
		if ((p[1].revents & POLLIN) &&
		    recvfrom(p[1].fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &len) >= 0) {
			who = shown(&peer, text, sizeof(text));
			if (log) {
				FILE *f = fopen(log, "a");

				if (f) {
					fprintf(f, "%s\n", who);
					fclose(f);
				}
			}
			if (sendto(p[1].fd, who, strlen(who), 0, (struct sockaddr *)&peer, len) < 0) {
				/* No way back (a forged source, say): the log has it. */
			}
		}
	}
}
