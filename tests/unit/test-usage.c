/* SPDX-License-Identifier: BSD-3-Clause */
/* Usage files on a scratch state dir: days, totals, order, limits, bad files. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "usernetns/usage.h"

struct fixture {
	char dir[64];
	struct uns_paths paths;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/uns-usage-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->paths.statedir = f->dir;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	test_sh("rm -rf '%s'", f->dir);
	free(f);
	return 0;
}

/* 2026-12-04 00:00 UTC, and days after it. */
#define DEC4 ((time_t)1796342400)
#define DAY ((time_t)86400)

static void add(struct fixture *f, owner_t o, time_t when, uint64_t sent, uint64_t received)
{
	struct usage_counts c = { .sent_bytes = sent,
				  .received_bytes = received,
				  .sent_packets = 1,
				  .received_packets = 2,
				  .refused_packets = 3 };
	struct errbuf err = { "" };

	if (usage_add(&f->paths, o, when, &c, &err) != 0)
		fail_msg("usage_add: %s", err.msg);
}

static struct usage_counts total(struct fixture *f, owner_t o, const char *since, char *first,
				 char *last)
{
	char a[USAGE_DAY_STRLEN], b[USAGE_DAY_STRLEN];
	struct usage_counts c;
	struct errbuf err = { "" };

	if (usage_total(&f->paths, o, since, &c, first ? first : a, last ? last : b, &err) != 0)
		fail_msg("usage_total: %s", err.msg);
	return c;
}

static void test_days(void **state)
{
	char day[USAGE_DAY_STRLEN];

	assert_int_equal(usage_day(DEC4 + 3600, day), 0);
	assert_string_equal(day, "2026-12-04");
	assert_true(usage_day_valid("2026-12-04"));
	assert_true(usage_day_valid("2024-02-29"));
	assert_false(usage_day_valid("2026-02-29"));
	assert_false(usage_day_valid("1900-02-29"));
	assert_true(usage_day_valid("2000-02-29"));
	assert_false(usage_day_valid("2026-13-01"));
	assert_false(usage_day_valid("2026-04-31"));
	assert_false(usage_day_valid("2026-1-01"));
	assert_false(usage_day_valid("2026-12-04 "));
	assert_false(usage_day_valid("26-12-04"));
	assert_false(usage_day_valid("0000-01-01"));
	(void)state;
}

/* Additions of a day add up; other days and owners stay apart. */
static void test_adds_up(void **state)
{
	struct fixture *f = *state;
	char first[USAGE_DAY_STRLEN], last[USAGE_DAY_STRLEN];
	struct usage_counts c;

	add(f, 1001, DEC4 + 10, 100, 1000);
	add(f, 1001, DEC4 + 20, 50, 500);
	add(f, 1001, DEC4 + DAY, 7, 70);
	add(f, owner_group(2000), DEC4, 1, 1);
	c = total(f, 1001, NULL, first, last);
	assert_int_equal(c.sent_bytes, 157);
	assert_int_equal(c.received_bytes, 1570);
	assert_int_equal(c.sent_packets, 3);
	assert_int_equal(c.received_packets, 6);
	assert_int_equal(c.refused_packets, 9);
	assert_string_equal(first, "2026-12-04");
	assert_string_equal(last, "2026-12-05");
	c = total(f, 1001, "2026-12-05", first, last);
	assert_int_equal(c.sent_bytes, 7);
	assert_string_equal(first, "2026-12-05");
	c = total(f, 1001, "2026-12-06", first, last);
	assert_int_equal(c.sent_bytes, 0);
	assert_string_equal(first, "");
	c = total(f, owner_group(2000), NULL, NULL, NULL);
	assert_int_equal(c.sent_bytes, 1);
	/* Nobody's file: nothing used. */
	c = total(f, 1002, NULL, first, last);
	assert_int_equal(c.sent_bytes, 0);
	assert_string_equal(first, "");
	{
		owner_t *owners;
		size_t n;

		assert_int_equal(usage_owners(&f->paths, &owners, &n, NULL), 0);
		assert_int_equal(n, 2);
		assert_int_equal(owners[0], 1001);
		assert_int_equal(owners[1], owner_group(2000));
		free(owners);
	}
	assert_int_equal(test_sh("test \"$(stat -c %%a '%s/usage' '%s/usage/1001')\" = "
				 "\"$(printf '700\\n600')\"",
				 f->dir, f->dir),
			 0);
}

/* A clock set back lands on its own day, in order. */
static void test_clock_back(void **state)
{
	struct fixture *f = *state;
	struct usage_counts c;

	add(f, 1001, DEC4 + 2 * DAY, 1, 0);
	add(f, 1001, DEC4, 10, 0);
	add(f, 1001, DEC4 + DAY, 100, 0);
	add(f, 1001, DEC4, 1000, 0);
	c = total(f, 1001, "2026-12-05", NULL, NULL);
	assert_int_equal(c.sent_bytes, 101);
	c = total(f, 1001, NULL, NULL, NULL);
	assert_int_equal(c.sent_bytes, 1111);
	assert_int_equal(test_sh("cut -c1-10 '%s/usage/1001' | tail -n 3 | tr '\\n' ' ' |"
				 " grep -qx '2026-12-04 2026-12-05 2026-12-06 '",
				 f->dir),
			 0);
}

/* Counters stop at the top rather than wrap. */
static void test_saturates(void **state)
{
	struct fixture *f = *state;

	add(f, 1001, DEC4, UINT64_MAX - 1, 0);
	add(f, 1001, DEC4, 5, 0);
	assert_true(total(f, 1001, NULL, NULL, NULL).sent_bytes == UINT64_MAX);
}

/* Past the most days a file keeps, the oldest takes the next one's counts. */
static void test_days_max(void **state)
{
	struct fixture *f = *state;
	char first[USAGE_DAY_STRLEN], last[USAGE_DAY_STRLEN];

	for (time_t d = 0; d < USAGE_DAYS_MAX + 2; d++)
		add(f, 1001, DEC4 + d * DAY, 1, 0);
	assert_int_equal(total(f, 1001, NULL, first, last).sent_bytes, USAGE_DAYS_MAX + 2);
	assert_string_equal(first, "2026-12-04");
	assert_int_equal(test_sh("test $(wc -l <'%s/usage/1001') = %d", f->dir, USAGE_DAYS_MAX + 1),
			 0);
	assert_int_equal(test_sh("sed -n 2p '%s/usage/1001' | grep -q '^2026-12-04 sent_bytes=3 '",
				 f->dir),
			 0);
}

/* A file that is not ours is an error naming its line, and is not replaced. */
static void test_bad_files(void **state)
{
	static const struct {
		const char *text, *error;
	} cases[] = {
		{ "something else\n", "usage/1001:1: not a usage file of usernetns" },
		{ "usernetns-usage 1\n2026-12-04 sent_bytes=1", "usage/1001:2: the last line is cut short" },
		{ "usernetns-usage 1\n2026-12-04 sent_bytes=x\n", "usage/1001:2: not a day's usage" },
		{ "usernetns-usage 1\n2026-12-04 sent_bytes=1 color=2\n",
		  "usage/1001:2: not a day's usage" },
		{ "usernetns-usage 1\n2026-12-04 sent_bytes=18446744073709551616\n",
		  "usage/1001:2: not a day's usage" },
		{ "usernetns-usage 1\n2026-02-30 sent_bytes=1\n", "usage/1001:2: not a day's usage" },
		{ "usernetns-usage 1\n2026-12-05\n2026-12-04\n", "usage/1001:3: a day out of order" },
		{ "usernetns-usage 1\n2026-12-05\n2026-12-05\n", "usage/1001:3: a day out of order" },
	};
	struct fixture *f = *state;

	add(f, 1001, DEC4, 1, 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct usage_counts c = { .sent_bytes = 1 }, t;
		struct errbuf err = { "" };
		char a[USAGE_DAY_STRLEN], b[USAGE_DAY_STRLEN], path[128];
		FILE *file;

		snprintf(path, sizeof(path), "%s/usage/1001", f->dir);
		file = fopen(path, "w");
		assert_non_null(file);
		fputs(cases[i].text, file);
		fclose(file);
		assert_int_equal(usage_total(&f->paths, 1001, NULL, &t, a, b, &err), -EBADMSG);
		assert_non_null(strstr(err.msg, cases[i].error));
		err.msg[0] = '\0';
		assert_int_equal(usage_add(&f->paths, 1001, DEC4, &c, &err), -EBADMSG);
		assert_non_null(strstr(err.msg, cases[i].error));
		assert_int_equal(test_sh("printf '%%s' '%s' | cmp -s - '%s'", cases[i].text, path), 0);
	}
}

/* Additions take turns: one waits for another, with a bound. */
static void test_lock(void **state)
{
	struct fixture *f = *state;
	struct usage_counts c = { .sent_bytes = 1 };
	struct errbuf err = { "" };
	char path[128];
	int fd;

	add(f, 1001, DEC4, 1, 0);
	snprintf(path, sizeof(path), "%s/usage/.1001.lock", f->dir);
	fd = open(path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_int_equal(usage_add(&f->paths, 1001, DEC4, &c, &err), -ETIMEDOUT);
	assert_non_null(strstr(err.msg, "cannot lock"));
	assert_non_null(strstr(err.msg, "usage/.1001.lock"));
	close(fd);
	add(f, 1001, DEC4, 1, 0);
	assert_int_equal(total(f, 1001, NULL, NULL, NULL).sent_bytes, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_days),
		cmocka_unit_test_setup_teardown(test_adds_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_saturates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_days_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
