/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * whoami-server PORT: plays a server on "the internet" in the tests.  It
 * answers every TCP connection, IPv4 or IPv6, with the address it came
 * from, and closes it: what a host beyond the uplink sees of a session
 * (after masquerade, the host's address).  Runs until killed.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in6 addr = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	int fd, off = 0, on = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: whoami-server PORT\n");
		return 2;
	}
	addr.sin6_port = htons((uint16_t)atoi(argv[1]));
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 16) < 0) {
		perror("whoami-server");
		return 1;
	}
	for (;;) {
		struct sockaddr_in6 peer;
		socklen_t len = sizeof(peer);
		char text[INET6_ADDRSTRLEN + 2];
		const char *shown;
		int c = accept4(fd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);

		if (c < 0)
			continue;
		if (!inet_ntop(AF_INET6, &peer.sin6_addr, text, sizeof(text)))
			snprintf(text, sizeof(text), "?");
		/* IPv4 arrives as ::ffff:a.b.c.d on a dual-stack socket. */
		shown = strncmp(text, "::ffff:", 7) == 0 && strchr(text, '.') ? text + 7 : text;
		if (dprintf(c, "%s\n", shown) < 0) {
			/* The client went: nothing to tell it. */
		}
		close(c);
	}
}
