/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the helpers print, made in lib/: usernetns-list's table and JSON
 * (lib/report.c) and usernetns-cleanup's lines (lib/cleanup-report.c), to
 * the letter, from inventories made up here.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "usernetns/cleanup-report.h"
#include "usernetns/report.h"

/* Nobody has these: printed as numbers. */
#define UID_A 4000000001u
#define UID_B 4000000002u
#define GID_T 4000000003u

static struct addr_prefix prefix(const char *s)
{
	struct addr_prefix p;

	assert_int_equal(addr_prefix_parse(s, 0, true, &p, NULL), 0);
	return p;
}

/* A user's namespace in mode nat and a group's with two members, one with hidden processes. */
static struct inventory sample(struct inventory_entry v[2])
{
	memset(v, 0, 2 * sizeof(v[0]));
	v[0].rec = (struct state_record){ .owner = owner_user(UID_A),
					  .name = "ann",
					  .netns = "user-ann",
					  .mode = POLICY_MODE_NAT,
					  .host_ifname = "vu1",
					  .peer4 = prefix("10.200.0.2/30"),
					  .peer6 = prefix("fd42::2/64"),
					  .created = 86400,
					  .host_side = "ok",
					  .id = { 4, 4026532999 } };
	v[0].state = OURS_ACTIVE;
	v[0].host_link_known = true;
	v[0].host_link = false;
	v[0].sessions = 1;
	v[0].processes = 3;
	v[0].refused_known = true;
	v[0].refused_packets = 7;
	v[0].refused_bytes = 420;
	v[1].rec = (struct state_record){ .owner = owner_group(GID_T),
					  .name = "team",
					  .netns = "team-team",
					  .mode = POLICY_MODE_ISOLATED,
					  .created = 0 };
	v[1].state = OURS_MISSING;
	v[1].members[0] = (struct session_member){ UID_B, 2 };
	v[1].members[1] = (struct session_member){ (uid_t)-1, 1 };
	v[1].n_members = 2;
	return (struct inventory){ .v = v, .n = 2, .hidden_processes = 5 };
}

/* What fn printed on a stream of its own. */
#define PRINTED(call)                                                                      \
	({                                                                                 \
		char *text_ = NULL;                                                        \
		size_t len_ = 0;                                                           \
		FILE *out = open_memstream(&text_, &len_);                                 \
		assert_non_null(out);                                                      \
		call;                                                                      \
		assert_int_equal(fclose(out), 0);                                          \
		text_;                                                                     \
	})

static void test_table(void **state)
{
	struct report_host_side h = { 0 };
	struct inventory_entry v[2];
	struct inventory inv = sample(v);
	struct errbuf err = { "" };
	char *text;
	int r;

	text = PRINTED(r = report_table(&inv, &h, true, out, &err));
	assert_int_equal(r, 0);
	assert_string_equal(
		text,
		"NAME       USER  UID          MODE      STATE    HOST-IF    ADDRESSES                 SESSIONS  PROCS  CREATED               HOST-SIDE      REFUSED  SENT  RECEIVED\n"
		"user-ann   ann   4000000001   nat       active   vu1(gone)  10.200.0.2/30 fd42::2/64  1         3+     1970-01-02T00:00:00Z  ok (at login)  7        -     -\n"
		"team-team  team  g4000000003  isolated  missing  -          -                         0         0+     1970-01-01T00:00:00Z  -              -        -     -\n"
		"team-team (group team): 4000000002 2 ? 1\n"
		"(PROCS: only processes you may inspect; 5 others are not counted)\n");
	free(text);
}

/* What went through a host end that is there: the table's bytes for people, JSON's all four. */
static void test_traffic(void **state)
{
	struct report_host_side h = { 0 };
	struct inventory_entry v[2];
	struct inventory inv = sample(v);
	struct errbuf err = { "" };
	char *text;
	int r;

	inv.n = 1;
	v[0].host_link = true;
	v[0].traffic = (struct usage_counts){ .sent_bytes = 5 << 20,
					      .received_bytes = 812,
					      .sent_packets = 3600,
					      .received_packets = 9 };
	text = PRINTED(r = report_table(&inv, &h, true, out, &err));
	assert_int_equal(r, 0);
	assert_non_null(strstr(text, "REFUSED  SENT    RECEIVED\n"));
	assert_non_null(strstr(text, "  7        5.0MiB  812B\n"));
	free(text);
	text = PRINTED(report_json(&inv, &h, false, out));
	assert_non_null(strstr(text, "\"traffic\": { \"sent_bytes\": 5242880, \"received_bytes\": 812, "
				     "\"sent_packets\": 3600, \"received_packets\": 9 }"));
	free(text);
	(void)state;
}

static void test_json(void **state)
{
	struct report_host_side h = { 0 };
	struct inventory_entry v[2];
	struct inventory inv = sample(v);
	char *text;

	inv.hidden_processes = 0;
	text = PRINTED(report_json(&inv, &h, false, out));
	assert_string_equal(
		text,
		"{\"namespaces\":[\n"
		"{ \"name\": \"user-ann\", \"user\": \"ann\", \"uid\": 4000000001, \"mode\": \"nat\", \"state\": \"active\", \"host_interface\": \"vu1\", \"host_interface_present\": false, \"addresses\": [ \"10.200.0.2/30\", \"fd42::2/64\" ], \"sessions\": 1, \"processes\": 3, \"created\": \"1970-01-02T00:00:00Z\", \"host_side\": \"ok (at login)\", \"traffic\": null, \"netns_inode\": 4026532999 },\n"
		"{ \"name\": \"team-team\", \"group\": \"team\", \"gid\": 4000000003, \"mode\": \"isolated\", \"state\": \"missing\", \"host_interface\": null, \"host_interface_present\": null, \"addresses\": [ ], \"sessions\": 0, \"members\": [ { \"user\": \"4000000002\", \"uid\": 4000000002, \"sessions\": 2 }, { \"user\": \"?\", \"uid\": null, \"sessions\": 1 } ], \"processes\": 0, \"created\": \"1970-01-01T00:00:00Z\", \"traffic\": null, \"netns_inode\": 0 }\n"
		"],\n"
		"\"process_counts_complete\": true}\n");
	free(text);
}

static void test_cleanup_lines(void **state)
{
	struct cleanup_item it[3] = { 0 };
	struct cleanup_plan plan = { .v = it, .n = 3, .hidden_processes = 2 };
	struct cleanup_report_count count = { 0 };
	char done[CLEANUP_REPORT_DONE_MAX], *text;
	struct errbuf err = { "" };

	it[0].kind = CLEANUP_NAMESPACE;
	it[0].verdict = CLEANUP_STALE;
	snprintf(it[0].why, sizeof(it[0].why), "unused");
	snprintf(it[0].ns.rec.netns, sizeof(it[0].ns.rec.netns), "user-ann");
	snprintf(it[0].ns.rec.name, sizeof(it[0].ns.rec.name), "ann");
	it[1].kind = CLEANUP_ORPHAN_LINK;
	it[1].verdict = CLEANUP_STALE;
	snprintf(it[1].why, sizeof(it[1].why), "no record names it");
	snprintf(it[1].link.ifname, sizeof(it[1].link.ifname), "vu9");
	it[1].link.owner = owner_user(9);
	it[2].kind = CLEANUP_LEASE;
	it[2].verdict = CLEANUP_STALE;
	snprintf(it[2].why, sizeof(it[2].why), "team gets no addresses from the policy");
	it[2].lease.block = prefix("10.220.0.4/30");
	it[2].lease.owner = owner_group(7);

	text = PRINTED(for (size_t i = 0; i < 3; i++) cleanup_report_plan(&it[i], true, out));
	assert_string_equal(text, "would remove user-ann of ann: unused\n"
				  "would remove host interface vu9 (of uid 9, no record names it)\n"
				  "would release lease 10.220.0.4/30 of gid 7: team gets no addresses from the policy\n");
	free(text);

	/* Done: the first removed, the second failed, the third released. */
	it[0].outcome = CLEANUP_REMOVED;
	it[1].outcome = CLEANUP_FAILED;
	snprintf(it[1].msg, sizeof(it[1].msg), "Device or resource busy");
	it[2].outcome = CLEANUP_REMOVED;
	text = PRINTED(assert_int_equal(cleanup_report_outcome(&it[0], out, &err), 0);
		       assert_int_equal(cleanup_report_outcome(&it[1], out, &err), -EIO);
		       assert_string_equal(err.msg,
					   "cannot remove host interface vu9: Device or resource busy");
		       assert_int_equal(cleanup_report_outcome(&it[2], out, &err), 0);
		       for (size_t i = 0; i < 3; i++) cleanup_report_count(&count, &it[i], false);
		       cleanup_report_summary(&plan, &count, false, true, out));
	assert_string_equal(text, "removed user-ann of ann: unused\n"
				  "released lease 10.220.0.4/30 of gid 7: team gets no addresses from the policy\n"
				  "note: 2 processes could not be inspected\n"
				  "2 removed, 0 kept, some failures (see above)\n");
	free(text);
	assert_true(cleanup_report_done(&it[0], done));
	assert_string_equal(done, "removed user-ann of ann");
	assert_false(cleanup_report_done(&it[1], done));
	assert_true(cleanup_report_done(&it[2], done));
	assert_string_equal(done, "released lease 10.220.0.4/30 of gid 7");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_traffic),
		cmocka_unit_test(test_cleanup_lines),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
