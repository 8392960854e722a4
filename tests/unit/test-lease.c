/* SPDX-License-Identifier: BSD-3-Clause */
/* Leases on a scratch state dir: allocation, stability, release, crashes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "usernetns/lease.h"

struct fixture {
	char dir[64];
	struct uns_paths paths;
	struct addr_prefix pool4, pool6, tiny;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/uns-lease-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->paths.statedir = f->dir;
	addr_prefix_parse("10.200.0.0/16", AF_INET, false, &f->pool4, NULL);
	addr_prefix_parse("fd42:200::/48", AF_INET6, false, &f->pool6, NULL);
	addr_prefix_parse("10.99.0.0/28", AF_INET, false, &f->tiny, NULL);
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

static struct addr_prefix get(struct fixture *f, const struct addr_prefix *pool,
			      unsigned int len, uid_t uid, bool allocate)
{
	struct errbuf err = { "" };
	struct addr_prefix b;

	if (lease_get(&f->paths, pool, len, uid, "someone", allocate, &b, &err) != 0)
		fail_msg("lease_get(%lu): %s", (unsigned long)uid, err.msg);
	return b;
}

static void test_allocate_is_stable(void **state)
{
	struct fixture *f = *state;
	struct addr_prefix a = get(f, &f->pool4, 30, 1001, true);
	struct addr_prefix b = get(f, &f->pool4, 30, 1001, false);
	struct addr_prefix c = get(f, &f->pool4, 30, 1001, true);

	assert_true(addr_prefix_contains(&f->pool4, &a));
	assert_int_equal(a.len, 30);
	assert_true(addr_prefix_equal(&a, &b));
	assert_true(addr_prefix_equal(&a, &c));
}

static void test_users_get_distinct_blocks(void **state)
{
	struct fixture *f = *state;
	struct addr_prefix v[200];

	for (int i = 0; i < 200; i++)
		v[i] = get(f, &f->pool4, 30, (uid_t)(1000 + i), true);
	for (int i = 0; i < 200; i++)
		for (int j = i + 1; j < 200; j++)
			assert_false(addr_prefix_overlaps(&v[i], &v[j]));
	/* IPv6 too, with /64s. */
	assert_int_equal(get(f, &f->pool6, 64, 1000, true).len, 64);
	assert_false(addr_prefix_equal(&v[0], &v[1]));
}

static void test_hashed_start_survives_lost_state(void **state)
{
	struct fixture *f = *state;
	struct addr_prefix a = get(f, &f->pool4, 30, 4242, true), b;

	/* Even an emptied state dir gives the user the same block. */
	test_sh("rm -rf '%s/leases'", f->dir);
	b = get(f, &f->pool4, 30, 4242, true);
	assert_true(addr_prefix_equal(&a, &b));
}

static void test_lookup_without_allocate(void **state)
{
	struct fixture *f = *state;
	struct errbuf err = { "" };
	struct addr_prefix b;

	assert_int_equal(lease_get(&f->paths, &f->pool4, 30, 7, "x", false, &b, &err),
			 -ENOENT);
	/* Nothing was created by looking. */
	char path[128];

	snprintf(path, sizeof(path), "%s/leases", f->dir);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_pool_full(void **state)
{
	struct fixture *f = *state;
	struct errbuf err = { "" };
	struct addr_prefix b;

	/* A /28 holds four /30 blocks. */
	for (uid_t u = 1; u <= 4; u++)
		get(f, &f->tiny, 30, u, true);
	assert_int_equal(lease_get(&f->paths, &f->tiny, 30, 5, "e", true, &b, &err),
			 -ENOSPC);
	assert_string_equal(err.msg, "pool 10.99.0.0/28 is full: all 4 blocks of /30 are leased");
	/* Releasing one makes room. */
	assert_int_equal(lease_release(&f->paths, &f->tiny, 30, 2, NULL, &err), 0);
	get(f, &f->tiny, 30, 5, true);
}

static void test_release(void **state)
{
	struct fixture *f = *state;
	struct errbuf err = { "" };
	struct addr_prefix b;

	get(f, &f->pool4, 30, 1001, true);
	assert_int_equal(lease_release(&f->paths, &f->pool4, 30, 1001, NULL, &err), 0);
	assert_int_equal(lease_get(&f->paths, &f->pool4, 30, 1001, "a", false, &b, &err),
			 -ENOENT);
	/* Releasing twice is fine. */
	assert_int_equal(lease_release(&f->paths, &f->pool4, 30, 1001, NULL, &err), 0);
}

static void test_crash_before_index_is_repaired(void **state)
{
	struct fixture *f = *state;
	struct addr_prefix a = get(f, &f->pool4, 30, 1001, true), b;
	char dir[64];

	/* A crash after the block file, before the uid index. */
	assert_int_equal(lease_pool_dirname(&f->pool4, 30, dir, sizeof(dir)), 0);
	assert_int_equal(test_sh("rm '%s/leases/%s/uid-1001'", f->dir, dir), 0);
	b = get(f, &f->pool4, 30, 1001, true);
	assert_true(addr_prefix_equal(&a, &b));
	/* One block file for the uid, not two. */
	assert_int_equal(test_sh("test $(grep -l '^uid=1001 ' '%s/leases/%s'/[0-9]* | wc -l) -eq 1",
				 f->dir, dir), 0);
}

static void test_corrupt_index_is_not_trusted(void **state)
{
	struct fixture *f = *state;
	struct addr_prefix a = get(f, &f->pool4, 30, 1001, true);
	struct addr_prefix other = get(f, &f->pool4, 30, 1002, true), b;
	uint64_t idx;
	char dir[64];

	/* Point uid 1001's index at uid 1002's block. */
	assert_int_equal(addr_block_index(&f->pool4, &other, &idx), 0);
	assert_int_equal(lease_pool_dirname(&f->pool4, 30, dir, sizeof(dir)), 0);
	assert_int_equal(test_sh("echo %lu > '%s/leases/%s/uid-1001'",
				 (unsigned long)idx, f->dir, dir), 0);
	b = get(f, &f->pool4, 30, 1001, true);
	assert_false(addr_prefix_equal(&b, &other));
	assert_true(addr_prefix_equal(&a, &b));
}

/* A group's lease is its own: the same id as a user's, another owner. */
static void test_group_owner(void **state)
{
	struct fixture *f = *state;
	struct errbuf err = { "" };
	struct addr_prefix u, g, again;
	char dir[64];

	u = get(f, &f->pool4, 30, 1001, true);
	assert_int_equal(lease_get(&f->paths, &f->pool4, 30, owner_group(1001), "team", true, &g,
				   &err),
			 0);
	assert_false(addr_prefix_equal(&u, &g));
	assert_int_equal(lease_get(&f->paths, &f->pool4, 30, owner_group(1001), "team", false,
				   &again, &err),
			 0);
	assert_true(addr_prefix_equal(&g, &again));
	assert_int_equal(lease_pool_dirname(&f->pool4, 30, dir, sizeof(dir)), 0);
	assert_int_equal(test_sh("test -f '%s/leases/%s/gid-1001' && grep -q '^gid=1001 group=team$' "
				 "'%s/leases/%s'/[0-9]*",
				 f->dir, dir, f->dir, dir),
			 0);
	assert_int_equal(lease_release(&f->paths, &f->pool4, 30, owner_group(1001), NULL, &err), 0);
	assert_int_equal(lease_get(&f->paths, &f->pool4, 30, owner_group(1001), "team", false,
				   &again, &err),
			 -ENOENT);
	/* The user's lease of the same id is untouched. */
	again = get(f, &f->pool4, 30, 1001, false);
	assert_true(addr_prefix_equal(&u, &again));
}

/* An index emptied by a crash: cleanup still releases the block it found. */
static void test_release_without_index(void **state)
{
	struct fixture *f = *state;
	struct errbuf err = { "" };
	struct addr_prefix b = get(f, &f->pool4, 30, 1001, true), again;
	char dir[64];

	assert_int_equal(lease_pool_dirname(&f->pool4, 30, dir, sizeof(dir)), 0);
	assert_int_equal(test_sh(": > '%s/leases/%s/uid-1001'", f->dir, dir), 0);
	assert_int_equal(lease_release(&f->paths, &f->pool4, 30, 1001, &b, &err), 0);
	assert_int_equal(test_sh("! grep -l '^uid=1001 ' '%s/leases/%s'/[0-9]* 2>/dev/null", f->dir,
				 dir),
			 0);
	assert_int_equal(lease_get(&f->paths, &f->pool4, 30, 1001, "someone", false, &again, &err),
			 -ENOENT);
	/* A block of somebody else's is never released for another owner. */
	b = get(f, &f->pool4, 30, 1002, true);
	assert_int_equal(lease_release(&f->paths, &f->pool4, 30, 1001, &b, &err), 0);
	again = get(f, &f->pool4, 30, 1002, false);
	assert_true(addr_prefix_equal(&b, &again));
}

static int count_cb(const struct lease_entry *e, void *data)
{
	int *n = data;

	if (e->owner == owner_user(1001))
		assert_string_equal(e->name, "someone");
	if (e->owner == owner_group(1001))
		assert_string_equal(e->name, "team");
	(*n)++;
	return 0;
}

static void test_foreach(void **state)
{
	struct fixture *f = *state;
	struct errbuf err = { "" };
	int n = 0;

	get(f, &f->pool4, 30, 1001, true);
	get(f, &f->pool4, 30, 1002, true);
	get(f, &f->pool6, 64, 1001, true);
	assert_int_equal(lease_foreach(&f->paths, count_cb, &n, &err), 0);
	assert_int_equal(n, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_allocate_is_stable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_users_get_distinct_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hashed_start_survives_lost_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_without_allocate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_before_index_is_repaired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_index_is_not_trusted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_without_index, setup, teardown),
	};

	return cmocka_run_group_tests_name("lease", tests, NULL, NULL);
}
