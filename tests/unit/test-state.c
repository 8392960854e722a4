/* SPDX-License-Identifier: BSD-3-Clause */
/* Records and locks on a scratch directory. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "usernetns/ours.h"
#include "usernetns/state.h"

static char dir[64];
static struct uns_paths paths;

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/uns-state-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	paths.runstatedir = dir;
	return 0;
}

static int teardown(void **state)
{
	test_sh("rm -rf '%s'", dir);
	return 0;
}

static struct state_record sample(void)
{
	struct state_record r = {
		.owner = 1001,
		.mode = POLICY_MODE_VETH,
		.phase = STATE_READY,
		.id = { 4, 4026532281 },
		.host_id = { 4, 4026531840 },
		.host_ifindex = 7,
		.peer_ifindex = 2,
		.created = 1764430000,
	};

	snprintf(r.name, sizeof(r.name), "alice");
	snprintf(r.netns, sizeof(r.netns), "user-alice");
	snprintf(r.host_ifname, sizeof(r.host_ifname), "vu1001");
	snprintf(r.peer_ifname, sizeof(r.peer_ifname), "eth0");
	addr_prefix_parse("10.200.3.1/30", AF_INET, true, &r.host4, NULL);
	addr_prefix_parse("10.200.3.2/30", AF_INET, true, &r.peer4, NULL);
	addr_prefix_parse("fd42:200:0:5::1/64", AF_INET6, true, &r.host6, NULL);
	addr_prefix_parse("fd42:200:0:5::2/64", AF_INET6, true, &r.peer6, NULL);
	return r;
}

static void test_round_trip(void **state)
{
	struct state_record a = sample(), b;
	struct errbuf err = { "" };
	char t1[2048], t2[2048];

	assert_int_equal(state_write(&paths, &a, &err), 0);
	assert_int_equal(state_read(&paths, 1001, &b, &err), 0);
	assert_true(state_format(&a, t1, sizeof(t1)) > 0);
	assert_true(state_format(&b, t2, sizeof(t2)) > 0);
	assert_string_equal(t1, t2);
	assert_true(netns_id_equal(&a.id, &b.id));
	assert_string_equal(b.host_ifname, "vu1001");
	assert_true(addr_prefix_equal(&a.peer6, &b.peer6));
	assert_non_null(strstr(t1, "netns=user-alice\n"));
	assert_non_null(strstr(t1, "phase=ready\n"));
	/* A user's record reads as it did before groups existed. */
	assert_non_null(strstr(t1, "uid=1001\nuser=alice\n"));
	assert_null(strstr(t1, "netns_unlisted"));
	assert_false(b.netns_unlisted);

	/* A namespace name kept from the host's name service (plan.netns_unlisted). */
	a.netns_unlisted = true;
	assert_int_equal(state_write(&paths, &a, &err), 0);
	assert_int_equal(state_read(&paths, 1001, &b, &err), 0);
	assert_true(b.netns_unlisted);
	assert_true(state_format(&a, t1, sizeof(t1)) > 0);
	assert_non_null(strstr(t1, "netns_unlisted=yes\n"));
	assert_int_equal(state_parse("uid=1\nnetns=x\nnetns_unlisted=maybe\n", &b), -EBADMSG);
}

static void test_missing_and_corrupt(void **state)
{
	struct state_record r = sample(), out;
	struct errbuf err = { "" };

	assert_int_equal(state_read(&paths, 1001, &out, &err), -ENOENT);
	assert_int_equal(state_write(&paths, &r, &err), 0);
	assert_int_equal(test_sh("echo garbage >> '%s/users/1001'", dir), 0);
	assert_int_equal(state_read(&paths, 1001, &out, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "is corrupt"));
	/* A record under another uid's name is not that uid's. */
	assert_int_equal(state_write(&paths, &r, &err), 0);
	assert_int_equal(test_sh("mv '%s/users/1001' '%s/users/1002'", dir, dir), 0);
	assert_int_equal(state_read(&paths, 1002, &out, &err), -EBADMSG);
	assert_int_equal(state_parse("version=2\nuid=1\nnetns=x\n", &out), -EPROTO);
	assert_int_equal(state_parse("uid=1\n", &out), -EBADMSG);
	/* Unknown keys from a newer version are skipped. */
	assert_int_equal(state_parse("uid=1\nnetns=x\nfuture=1\n", &out), 0);
	/* A group's record: gid and group, read back as the group's. */
	assert_int_equal(state_parse("gid=2000\ngroup=team\nnetns=team-team\n", &out), 0);
	assert_true(out.owner == owner_group(2000));
	assert_string_equal(out.name, "team");
	/* A group's record under a user's name is not that user's. */
	r.owner = owner_group(1001);
	assert_int_equal(state_write(&paths, &r, &err), 0);
	assert_int_equal(test_sh("cp '%s/users/g1001' '%s/users/1001'", dir, dir), 0);
	assert_int_equal(state_read(&paths, 1001, &out, &err), -EBADMSG);
	assert_int_equal(state_read(&paths, owner_group(1001), &out, &err), 0);
}

/* The mark on host ends, and owners' names on disk: one spelling each. */
static void test_owner_marks(void **state)
{
	struct rtnl_link l = { .kind = "veth" };
	char buf[64];
	owner_t o;

	ours_host_alias(owner_user(1001), l.alias, sizeof(l.alias));
	assert_string_equal(l.alias, "usernetns uid=1001");
	assert_true(ours_host_link(&l, &o) && o == owner_user(1001));
	ours_host_alias(owner_group(2000), l.alias, sizeof(l.alias));
	assert_string_equal(l.alias, "usernetns gid=2000");
	assert_true(ours_host_link(&l, &o) && o == owner_group(2000));
	snprintf(l.alias, sizeof(l.alias), "usernetns gid=2000x");
	assert_false(ours_host_link(&l, &o));
	snprintf(l.alias, sizeof(l.alias), "usernetns uid=4294967295");
	assert_false(ours_host_link(&l, &o));
	snprintf(l.alias, sizeof(l.alias), "usernetns uid=1001");
	snprintf(l.kind, sizeof(l.kind), "dummy");
	assert_false(ours_host_link(&l, &o));

	assert_string_equal(owner_file_name(owner_group(2000), buf, sizeof(buf)), "g2000");
	assert_string_equal(owner_file_name(owner_user(0), buf, sizeof(buf)), "0");
	assert_int_equal(owner_parse_file_name("g2000", &o), 0);
	assert_true(o == owner_group(2000));
	assert_int_equal(owner_parse_file_name("1001", &o), 0);
	assert_true(o == owner_user(1001));
	assert_int_equal(owner_parse_file_name("g", &o), -EINVAL);
	assert_int_equal(owner_parse_file_name("01", &o), -EINVAL);
	assert_int_equal(owner_parse_file_name("x1", &o), -EINVAL);
	assert_int_equal(owner_parse_file_name("4294967295", &o), -EINVAL);
	assert_string_equal(owner_describe(owner_group(7), buf, sizeof(buf)), "gid 7");
}

static void test_list_and_remove(void **state)
{
	struct state_record r = sample();
	struct errbuf err = { "" };
	owner_t *v = NULL;
	size_t n = 0;

	assert_int_equal(state_list(&paths, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	r.owner = owner_group(1001);
	assert_int_equal(state_write(&paths, &r, &err), 0);
	r.owner = 1005;
	assert_int_equal(state_write(&paths, &r, &err), 0);
	r.owner = 1001;
	assert_int_equal(state_write(&paths, &r, &err), 0);
	assert_int_equal(state_list(&paths, &v, &n, &err), 0);
	/* Users first, then groups; a gid never reads as the same uid. */
	assert_int_equal(n, 3);
	assert_true(v[0] == owner_user(1001));
	assert_true(v[1] == owner_user(1005));
	assert_true(v[2] == owner_group(1001));
	free(v);
	assert_int_equal(test_sh("test -f '%s/users/g1001'", dir), 0);
	assert_int_equal(state_remove(&paths, 1001, &err), 0);
	assert_int_equal(state_remove(&paths, 1001, &err), 0);
	assert_int_equal(state_list(&paths, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	free(v);
}

static void test_lock_times_out(void **state)
{
	struct errbuf err = { "" };
	int fd, fd2;
	pid_t pid;
	int status;

	assert_int_equal(state_lock(&paths, 1001, 100, &fd, &err), 0);
	pid = fork();
	if (pid == 0) {
		/* Another process: must wait, then give up with a clear message. */
		int r = state_lock(&paths, 1001, 150, &fd2, &err);

		_exit(r == -ETIMEDOUT && strstr(err.msg, "gave up after 150 ms") ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Other users are not blocked by it. */
	assert_int_equal(state_lock(&paths, 1002, 100, &fd2, &err), 0);
	close(fd2);
	close(fd);
	/* Released: free to take. */
	assert_int_equal(state_lock(&paths, 1001, 100, &fd, &err), 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_and_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_and_remove, setup, teardown),
		cmocka_unit_test(test_owner_marks),
		cmocka_unit_test_setup_teardown(test_lock_times_out, setup, teardown),
	};

	return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
