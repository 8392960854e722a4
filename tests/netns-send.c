/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * netns-send RUNDIR PREFIX ADDRESS PORT: one UDP datagram from inside each
 * namespace named PREFIX* under RUNDIR to ADDRESS:PORT (IPv4), all in one
 * go, as that many active sessions would send at once; the datagram
 * carries the namespace's name.  Prints "sent N, refused M" and exits 0
 * when none was refused.  As root.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	unsigned long sent = 0, refused = 0;
	struct dirent *e;
	int home;
	DIR *d;

	if (argc != 5 || inet_pton(AF_INET, argv[3], &to.sin_addr) != 1) {
		fprintf(stderr, "usage: netns-send RUNDIR PREFIX ADDRESS PORT\n");
		return 2;
	}
	to.sin_port = htons((uint16_t)atoi(argv[4]));
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	d = opendir(argv[1]);
	if (home < 0 || !d) {
		perror("netns-send");
		return 2;
	}
	while ((e = readdir(d))) {
		int ns, s;

		if (strncmp(e->d_name, argv[2], strlen(argv[2])) != 0)
			continue;
		ns = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC);
		if (ns < 0 || setns(ns, CLONE_NEWNET) < 0) {
			perror(e->d_name);
			return 2;
		}
		close(ns);
		s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (s < 0 || sendto(s, e->d_name, strlen(e->d_name), 0, (struct sockaddr *)&to,
				    sizeof(to)) < 0) {
			if (refused++ < 5)
				fprintf(stderr, "%s: %s\n", e->d_name, strerror(errno));
		} else {
			sent++;
		}
		if (s >= 0)
			close(s);
		if (setns(home, CLONE_NEWNET) < 0) {
			perror("netns-send: back home");
			return 2;
		}
	}
	closedir(d);
	printf("sent %lu, refused %lu\n", sent, refused);
	return refused ? 1 : 0;
}
