/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What lib/util.c reads of /proc/PID/stat: the thread count a login checks
 * before setns(), and the start time that names a session's process.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "usernetns/util.h"

/* Field 22 of /proc/PID/stat, read here independently of lib/util.c. */
static unsigned long long start_time_of(pid_t pid)
{
	char path[64], buf[1024], *s;
	unsigned long long start = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	s = strrchr(buf, ')');
	assert_non_null(s);
	/* Fields 3 to 21 skipped, 22 read. */
	assert_int_equal(sscanf(s + 2, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s"
				       " %*s %*s %*s %*s %*s %llu",
				&start),
			 1);
	return start;
}

static void *wait_forever(void *data)
{
	pause();
	return data;
}

static void test_thread_count(void **state)
{
	pthread_t t;

	assert_int_equal(util_thread_count(), 1);
	assert_int_equal(pthread_create(&t, NULL, wait_forever, NULL), 0);
	assert_int_equal(util_thread_count(), 2);
	pthread_cancel(t);
	pthread_join(t, NULL);
	assert_int_equal(util_thread_count(), 1);
}

/* In a child: its own start time, not the parent's it inherited. */
static int own_start_time(void *data, struct errbuf *msg)
{
	unsigned long long mine = 0, parent = 0;

	if (util_process_start_time(getpid(), &mine) < 0 ||
	    util_process_start_time(getppid(), &parent) < 0)
		return 1;
	return mine != parent && mine == start_time_of(getpid()) &&
			       parent == start_time_of(getppid()) ?
		       0 :
		       2;
}

static void test_start_time(void **state)
{
	unsigned long long v = 0;

	/* Our own, before and after the thread count kept it. */
	assert_int_equal(util_process_start_time(getpid(), &v), 0);
	assert_int_equal(v, start_time_of(getpid()));
	assert_int_equal(util_thread_count(), 1);
	v = 0;
	assert_int_equal(util_process_start_time(getpid(), &v), 0);
	assert_int_equal(v, start_time_of(getpid()));

	/*
	 * A child asks for its own, not the parent's it inherited.  Three
	 * clock ticks after the parent began at least, so that they differ.
	 */
	usleep(30000);
	assert_int_equal(test_child_run(own_start_time, NULL, NULL, NULL, 0), 0);

	/* A process that is not there. */
	assert_int_equal(util_process_start_time(0x3ffffffe, &v), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thread_count),
		cmocka_unit_test(test_start_time),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
