/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dns-answer ADDRESS NAME IPV4 [LOG]: the tests' resolver.  On ADDRESS
 * port 53, over UDP and TCP, it answers an A query for NAME with IPV4,
 * any other type for NAME with no data, and any other name with NXDOMAIN;
 * with LOG, it appends "udp|tcp SOURCE NAME" for each query there, so
 * that a test sees which way a query came and from where.  Runs until
 * killed.  No recursion, no compression in questions, one question.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define TYPE_A 1
#define CLASS_IN 1

static const char *log_path;

/* The question's name as text ("a.example"), and where the question ends. */
static size_t read_name(const uint8_t *q, size_t len, size_t off, char *name, size_t size)
{
	size_t used = 0;

	while (off < len && q[off] != 0) {
		size_t n = q[off++];

		if (n > 63 || off + n > len || used + n + 2 > size)
			return 0;
		if (used)
			name[used++] = '.';
		memcpy(name + used, q + off, n);
		used += n;
		off += n;
	}
	if (off >= len)
		return 0;
	name[used] = '\0';
	return off + 1;
}

/* The reply to query q in r; its length, or 0 to say nothing. */
static size_t answer(const uint8_t *q, size_t len, const char *want, const uint8_t ip[4],
		     const char *how, const char *from, uint8_t *r, size_t size)
{
	char name[256];
	size_t end;
	uint16_t type;
	bool ours;

	if (len < 12 || (q[2] & 0x80) || q[4] != 0 || q[5] != 1)
		return 0;
	end = read_name(q, len, 12, name, sizeof(name));
	if (end == 0 || end + 4 > len || end + 4 + 16 > size)
		return 0;
	type = (uint16_t)(q[end] << 8 | q[end + 1]);
	ours = strcasecmp(name, want) == 0;
	if (log_path) {
		FILE *f = fopen(log_path, "a");

		if (f) {
			fprintf(f, "%s %s %s\n", how, from, name);
			fclose(f);
		}
	}
	memcpy(r, q, end + 4);
	r[2] = 0x84 | (q[2] & 0x01); /* a response, authoritative, RD echoed */
	r[3] = ours ? 0 : 3;	     /* NOERROR or NXDOMAIN */
	r[6] = r[7] = r[8] = r[9] = r[10] = r[11] = 0;
	if (!ours || type != TYPE_A)
		return end + 4;
	r[7] = 1; /* one answer: the name by pointer, A, IN, TTL 60, 4 bytes */
	memcpy(r + end + 4,
	       (const uint8_t[]){ 0xc0, 12, 0, TYPE_A, 0, CLASS_IN, 0, 0, 0, 60, 0, 4 }, 12);
	memcpy(r + end + 16, ip, 4);
	return end + 20;
}

static void peer_text(const struct sockaddr_in *a, char *buf, size_t size)
{
	inet_ntop(AF_INET, &a->sin_addr, buf, (socklen_t)size);
}

/* Exactly n bytes, or false. */
static bool read_all(int c, uint8_t *buf, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t k = read(c, buf + got, n - got);

		if (k <= 0)
			return false;
		got += (size_t)k;
	}
	return true;
}

/* Queries, each with two bytes of length (RFC 1035, 4.2.2), until the end. */
static void serve_tcp(int c, const char *want, const uint8_t ip[4], const char *from)
{
	struct timeval tv = { .tv_sec = 5 };
	uint8_t len[2], q[512], r[602];

	/* One client at a time: none may keep the others waiting long. */
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (read_all(c, len, 2)) {
		size_t n = (size_t)(len[0] << 8 | len[1]);

		if (n > sizeof(q) || !read_all(c, q, n))
			return;
		n = answer(q, n, want, ip, "tcp", from, r + 2, sizeof(r) - 2);
		if (n == 0)
			return;
		r[0] = (uint8_t)(n >> 8);
		r[1] = (uint8_t)n;
		if (write(c, r, n + 2) < 0)
			return;
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(53) };
	struct pollfd p[2];
	uint8_t ip[4];
	int on = 1;

	if (argc < 4 || argc > 5 || inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[3], ip) != 1) {
		fprintf(stderr, "usage: dns-answer ADDRESS NAME IPV4 [LOG]\n");
		return 2;
	}
	log_path = argc == 5 ? argv[4] : NULL;
	p[0] = (struct pollfd){ .fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0),
				.events = POLLIN };
	p[1] = (struct pollfd){ .fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0),
				.events = POLLIN };
	if (p[0].fd < 0 || p[1].fd < 0 ||
	    setsockopt(p[1].fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    bind(p[0].fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    bind(p[1].fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(p[1].fd, 8) < 0) {
		perror("dns-answer");
		return 1;
	}
	for (;;) {
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		char from[INET_ADDRSTRLEN];
		uint8_t q[512], r[600];

		if (poll(p, 2, -1) < 0)
			continue;
		if (p[0].revents & POLLIN) {
			ssize_t k = recvfrom(p[0].fd, q, sizeof(q), 0, (struct sockaddr *)&peer, &plen);
			size_t n;

			if (k <= 0)
				continue;
			peer_text(&peer, from, sizeof(from));
			n = answer(q, (size_t)k, argv[2], ip, "udp", from, r, sizeof(r));
			if (n)
				sendto(p[0].fd, r, n, 0, (struct sockaddr *)&peer, plen);
		}
		if (p[1].revents & POLLIN) {
			int c = accept4(p[1].fd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);

			if (c < 0)
				continue;
			peer_text(&peer, from, sizeof(from));
			serve_tcp(c, argv[2], ip, from);
			close(c);
		}
	}
}
