/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What lib/util.c reads of /proc/PID/stat: the thread count a login checks
 * before setns(), and the start time that names a session's process; and
 * its primitives: the strict decimal parser, the growing array.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

static void test_parse_decimal(void **state)
{
	static const char *const bad[] = { "", "-1", "+1", " 1", "1 ", "0x10", "1e3" };
	const char *end = NULL;
	unsigned long ul = 7;
	uint64_t v = 7;

	assert_int_equal(util_parse_decimal("0", 10, &v, NULL), 0);
	assert_int_equal(v, 0);
	assert_int_equal(util_parse_decimal("0042", 100, &v, NULL), 0);
	assert_int_equal(v, 42);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		v = 7;
		assert_int_equal(util_parse_decimal(bad[i], UINT64_MAX, &v, NULL), -EINVAL);
		assert_int_equal(v, 7); /* untouched */
	}

	/* At most max, whatever max is. */
	assert_int_equal(util_parse_decimal("255", 255, &v, NULL), 0);
	assert_int_equal(v, 255);
	assert_int_equal(util_parse_decimal("256", 255, &v, NULL), -ERANGE);
	assert_int_equal(util_parse_decimal("3", 2, &v, NULL), -ERANGE);
	assert_int_equal(util_parse_decimal("18446744073709551615", UINT64_MAX, &v, NULL), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(util_parse_decimal("18446744073709551616", UINT64_MAX, &v, NULL),
			 -ERANGE);
	assert_int_equal(util_parse_decimal("99999999999999999999999", UINT64_MAX, &v, NULL),
			 -ERANGE);

	/* As far as the digits go, and where they end. */
	assert_int_equal(util_parse_decimal("1001 user=alice", UINT32_MAX, &v, &end), 0);
	assert_int_equal(v, 1001);
	assert_string_equal(end, " user=alice");
	assert_int_equal(util_parse_decimal("12", UINT32_MAX, &v, &end), 0);
	assert_string_equal(end, "");
	end = NULL;
	assert_int_equal(util_parse_decimal("user", UINT32_MAX, &v, &end), -EINVAL);
	assert_null(end);

	assert_int_equal(util_parse_ulong("4294967296", &ul), 0);
	assert_true(ul == 4294967296ul);
	assert_int_equal(util_parse_ulong("1a", &ul), -EINVAL);
	assert_int_equal(util_parse_ulong("18446744073709551616", &ul), -ERANGE);
}

static void test_grow(void **state)
{
	size_t cap = 0, cap2;
	int *v = NULL, *w;

	/* The first room, then the same array while it has room. */
	v = util_grow(v, &cap, 1, sizeof(*v), 16);
	assert_non_null(v);
	assert_int_equal(cap, 16);
	for (int i = 0; i < 16; i++)
		v[i] = i;
	assert_ptr_equal(util_grow(v, &cap, 16, sizeof(*v), 16), v);
	assert_int_equal(cap, 16);

	/* Doubled until there is room, what it held kept. */
	v = util_grow(v, &cap, 17, sizeof(*v), 16);
	assert_non_null(v);
	assert_int_equal(cap, 32);
	v = util_grow(v, &cap, 100, sizeof(*v), 16);
	assert_non_null(v);
	assert_int_equal(cap, 128);
	for (int i = 0; i < 16; i++)
		assert_int_equal(v[i], i);

	/* Too much: NULL, and the array and its room as they were. */
	cap2 = cap;
	assert_null(util_grow(v, &cap2, SIZE_MAX, sizeof(*v), 16));
	assert_int_equal(cap2, cap);
	assert_null(util_grow(v, &cap2, SIZE_MAX / 2, sizeof(*v), 16));
	assert_int_equal(cap2, cap);
	assert_int_equal(v[15], 15);

	/* No first room given: one. */
	cap2 = 0;
	w = util_grow(NULL, &cap2, 1, sizeof(*w), 0);
	assert_non_null(w);
	assert_int_equal(cap2, 1);
	free(w);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thread_count),
		cmocka_unit_test(test_start_time),
		cmocka_unit_test(test_parse_decimal),
		cmocka_unit_test(test_grow),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
