/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lone-thread MODE: a process that stays in the network namespace it was
 * started in through a thread only, which a look at /proc/PID/ns/net
 * alone does not see.  It starts a thread, which stays, and then its main
 * thread
 *   leader-exits   calls pthread_exit(): the process lives on in the
 *                  thread, its leader a zombie with no namespace to show;
 *   leader-leaves  moves to a new network namespace (made in a user
 *                  namespace of its own when not root: what any user may
 *                  do where the kernel lets them).
 * Prints "ready" once the leader is gone or away; runs until killed.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The bound the tests give what happens in its own time (docs/internals.md). */
#define WAIT_MS 60000

static _Noreturn void wait_forever(void)
{
	for (;;)
		pause();
}

static void say_ready(void)
{
	static const char ready[] = "ready\n";

	if (write(STDOUT_FILENO, ready, sizeof(ready) - 1) != sizeof(ready) - 1)
		_exit(1);
}

/* The state of the process's leader: field 3 of /proc/self/stat. */
static char leader_state(void)
{
	char buf[512], *s;
	FILE *f = fopen("/proc/self/stat", "re");
	size_t n;

	if (!f)
		return '?';
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	s = strrchr(buf, ')');
	return s && s[1] == ' ' ? s[2] : '?';
}

static void *wait_for_leader(void *arg)
{
	struct timespec ms = { 0, 1000000 };

	(void)arg;
	/* A zombie once past exit_notify(), its namespaces dropped before. */
	for (int i = 0; leader_state() != 'Z'; i++) {
		if (i == WAIT_MS) {
			fprintf(stderr, "lone-thread: the main thread never exited\n");
			_exit(1);
		}
		nanosleep(&ms, NULL);
	}
	say_ready();
	wait_forever();
}

static void *stay(void *arg)
{
	(void)arg;
	wait_forever();
}

static void start(void *(*fn)(void *))
{
	pthread_t t;
	int r = pthread_create(&t, NULL, fn, NULL);

	if (r != 0) {
		fprintf(stderr, "lone-thread: pthread_create: %s\n", strerror(r));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "leader-exits") == 0) {
		start(wait_for_leader);
		pthread_exit(NULL);
	}
	if (argc == 2 && strcmp(argv[1], "leader-leaves") == 0) {
		/* A user namespace needs a process of one thread. */
		if (geteuid() != 0 && unshare(CLONE_NEWUSER) < 0) {
			fprintf(stderr, "lone-thread: unshare(CLONE_NEWUSER): %s\n",
				strerror(errno));
			return 1;
		}
		start(stay);
		/* The calling thread only: the other stays where it was. */
		if (unshare(CLONE_NEWNET) < 0) {
			fprintf(stderr, "lone-thread: unshare(CLONE_NEWNET): %s\n",
				strerror(errno));
			return 1;
		}
		say_ready();
		wait_forever();
	}
	fprintf(stderr, "usage: lone-thread leader-exits|leader-leaves\n");
	return 2;
}
