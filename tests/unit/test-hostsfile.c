/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The files the host's name service answers from (lib/hostsfile.c), the
 * entry a record publishes and who may replace or remove its files
 * (lib/hosts.c, on a scratch directory), and what records keep of the
 * dns redirect and where dns = host finds the host's resolvers
 * (lib/nsdns.c).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "usernetns/hosts.h"
#include "usernetns/hostsfile.h"
#include "usernetns/nsdns.h"

static void test_name_rules(void **state)
{
	static const char *const good[] = {
		"user-alice", "alice.netns", "a", "x1", "user_with_underscore", "A.B-C.d",
		"1host",      "10.0.0.1a",
	};
	static const char *const bad[] = {
		"",	     ".",	  "a..b",      ".a",	     "a.",	   "-a",
		"a-",	     "a-.b",	  "a b",       "a/b",	     "a:b",	   "10.0.0.1",
		"12",	     "1.2.3.4.5", "ümlaut",    "a\nb",	     "tab\there", "a@b",
		"user+tag",
	};
	char long_label[80], long_name[300], key[HOSTS_NAME_MAX + 1];

	for (size_t i = 0; i < ELEMENTSOF(good); i++)
		if (!hosts_name_valid(good[i]))
			fail_msg("'%s' should be a valid name", good[i]);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		if (hosts_name_valid(bad[i]))
			fail_msg("'%s' should not be a valid name", bad[i]);

	/* A label has at most 63 bytes, a name 253. */
	memset(long_label, 'a', 63);
	long_label[63] = '\0';
	assert_true(hosts_name_valid(long_label));
	long_label[63] = 'a';
	long_label[64] = '\0';
	assert_false(hosts_name_valid(long_label));
	memset(long_name, 'a', sizeof(long_name));
	for (size_t i = 60; i < sizeof(long_name); i += 61)
		long_name[i] = '.';
	long_name[253] = '\0';
	assert_true(hosts_name_valid(long_name));
	long_name[253] = 'a';
	long_name[254] = '\0';
	assert_false(hosts_name_valid(long_name));

	/* Keys are the name in lower case; invalid names have none. */
	assert_int_equal(hosts_name_key("User-Alice.NetNS", key), 0);
	assert_string_equal(key, "user-alice.netns");
	assert_int_equal(hosts_name_key("a b", key), -EINVAL);
}

static struct hosts_entry entry(void)
{
	struct hosts_entry e = { .n_names = 2, .n_addrs = 2 };

	snprintf(e.names[0], sizeof(e.names[0]), "alice.netns");
	snprintf(e.names[1], sizeof(e.names[1]), "user-alice");
	e.addrs[0].family = AF_INET;
	inet_pton(AF_INET, "10.200.0.2", e.addrs[0].bytes);
	e.addrs[1].family = AF_INET6;
	inet_pton(AF_INET6, "fd42:200::2", e.addrs[1].bytes);
	return e;
}

static void test_format_and_parse(void **state)
{
	struct hosts_entry e = entry(), back;
	char text[HOSTS_FILE_MAX], key[64];
	int len;

	len = hosts_format(&e, text, sizeof(text));
	assert_true(len > 0);
	assert_string_equal(text, "usernetns-hosts 1\n"
				  "name alice.netns\n"
				  "name user-alice\n"
				  "addr 10.200.0.2\n"
				  "addr fd42:200::2\n");
	assert_int_equal(hosts_parse(text, (size_t)len, &back), 0);
	assert_memory_equal(&back, &e, sizeof(e));
	assert_true(hosts_entry_has_name(&back, "USER-ALICE"));
	assert_false(hosts_entry_has_name(&back, "user-bob"));
	assert_true(hosts_entry_has_addr(&back, &e.addrs[1]));
	assert_int_equal(hosts_addr_key(&e.addrs[1], key, sizeof(key)), 0);
	assert_string_equal(key, "fd42:200::2");
	/* Too small a buffer says so. */
	assert_int_equal(hosts_format(&e, text, 20), -ENAMETOOLONG);

	/* The owner, second: what lib/hosts.c decides by; the module skips it. */
	snprintf(e.owner, sizeof(e.owner), "uid=1001");
	len = hosts_format(&e, text, sizeof(text));
	assert_true(len > 0);
	assert_string_equal(text, "usernetns-hosts 1\n"
				  "owner uid=1001\n"
				  "name alice.netns\n"
				  "name user-alice\n"
				  "addr 10.200.0.2\n"
				  "addr fd42:200::2\n");
	assert_int_equal(hosts_parse(text, (size_t)len, &back), 0);
	assert_memory_equal(&back, &e, sizeof(e));
	snprintf(e.owner, sizeof(e.owner), "uid 1001");
	assert_int_equal(hosts_format(&e, text, sizeof(text)), -EINVAL);
}

static void test_parse_is_strict(void **state)
{
	static const char *const bad[] = {
		"",
		"usernetns-hosts 1\n",				      /* no name */
		"usernetns-hosts 2\nname a\n",			      /* another version */
		"name a\n",					      /* no header */
		"usernetns-hosts 1\nname a",			      /* no final newline */
		"usernetns-hosts 1\nname a b\n",		      /* not a name */
		"usernetns-hosts 1\nname ../etc\n",		      /* nor this */
		"usernetns-hosts 1\nname a\naddr 10.0.0.300\n",	      /* not an address */
		"usernetns-hosts 1\nname a\naddr 10.0.0.1/24\n",      /* nor this */
		"usernetns-hosts 1\nname a\nname b\nname c\n",	      /* too many names */
		"usernetns-hosts 1\nname a\naddr ::1\naddr ::2\naddr ::3\n", /* addresses */
		"usernetns-hosts 1\nname a\nalias b\n",		      /* an unknown line */
		"usernetns-hosts 1\nname a\n\n",		      /* an empty line */
		"usernetns-hosts 1\r\nname a\n",		      /* CRLF */
		"usernetns-hosts 1\nowner \nname a\n",		      /* an empty owner */
		"usernetns-hosts 1\nowner uid 1\nname a\n",	      /* not one word */
		"usernetns-hosts 1\nowner UID=1\nname a\n",	      /* nor this */
		"usernetns-hosts 1\nowner uid=12345678901234\nname a\n", /* too long */
		"usernetns-hosts 1\nname a\nowner uid=1\n",	      /* not second */
		"usernetns-hosts 1\nowner uid=1\nowner uid=2\nname a\n", /* twice */
	};
	struct hosts_entry e;
	char big[HOSTS_FILE_MAX + 64];

	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		if (hosts_parse(bad[i], strlen(bad[i]), &e) != -EBADMSG)
			fail_msg("accepted: '%s'", bad[i]);
	/* A NUL inside, and a file too large. */
	assert_int_equal(hosts_parse("usernetns-hosts 1\nname a\0b\n", 26, &e), -EBADMSG);
	memset(big, 'a', sizeof(big));
	memcpy(big, "usernetns-hosts 1\nname ", 23);
	big[sizeof(big) - 1] = '\n';
	assert_int_equal(hosts_parse(big, sizeof(big), &e), -EBADMSG);
}

static struct state_record record(const char *netns, const char *hostname, const char *peer4,
				  const char *peer6)
{
	struct state_record rec = { .owner = 1001 };
	struct errbuf err;

	snprintf(rec.netns, sizeof(rec.netns), "%s", netns);
	snprintf(rec.hostname, sizeof(rec.hostname), "%s", hostname);
	if (peer4)
		assert_int_equal(addr_prefix_parse(peer4, AF_INET, true, &rec.peer4, &err), 0);
	if (peer6)
		assert_int_equal(addr_prefix_parse(peer6, AF_INET6, true, &rec.peer6, &err), 0);
	return rec;
}

static void test_entry_of_a_record(void **state)
{
	struct state_record rec = record("user-alice", "alice.netns", "10.200.0.2/30",
					 "fd42:200::2/64");
	struct hosts_entry e;

	/* The host name first: it is the canonical one.  And whose it is. */
	hosts_entry_of(&rec, &e);
	assert_string_equal(e.owner, "uid=1001");
	assert_int_equal(e.n_names, 2);
	assert_string_equal(e.names[0], "alice.netns");
	assert_string_equal(e.names[1], "user-alice");
	assert_int_equal(e.n_addrs, 2);

	/* Without a template, the namespace name alone. */
	rec = record("user-alice", "", "10.200.0.2/30", NULL);
	hosts_entry_of(&rec, &e);
	assert_int_equal(e.n_names, 1);
	assert_string_equal(e.names[0], "user-alice");

	/* A namespace name no host name can be is not published. */
	rec = record("user-a+b", "ab.netns", "10.200.0.2/30", NULL);
	hosts_entry_of(&rec, &e);
	assert_int_equal(e.n_names, 1);
	assert_string_equal(e.names[0], "ab.netns");

	/* A namespace name a host name could be (plan.netns_unlisted): not published. */
	rec = record("user-bob.netns", "bob.netns.netns", "10.200.0.2/30", NULL);
	rec.netns_unlisted = true;
	hosts_entry_of(&rec, &e);
	assert_int_equal(e.n_names, 1);
	assert_string_equal(e.names[0], "bob.netns.netns");

	/* A group's namespace is the group's. */
	rec = record("team-vpnteam", "", "10.220.0.2/30", NULL);
	rec.owner = owner_group(3000);
	hosts_entry_of(&rec, &e);
	assert_string_equal(e.owner, "gid=3000");

	/* Nothing to look up without addresses (mode isolated). */
	rec = record("user-alice", "alice.netns", NULL, NULL);
	hosts_entry_of(&rec, &e);
	assert_int_equal(e.n_names, 0);
}

/* ---- who may write and remove a file (lib/hosts.c) ---------------------------- */

static char dir[64];
static struct uns_paths paths;

static int scratch_setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/uns-hosts-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	paths.runstatedir = dir;
	return 0;
}

static int scratch_teardown(void **state)
{
	test_sh("rm -rf '%s'", dir);
	return 0;
}

/* The text of a name or address file, "" when there is none. */
static const char *file_text(const char *kind, const char *key)
{
	static char text[HOSTS_FILE_MAX + 1];
	char path[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s/%s/%s", dir, HOSTS_DIR_NAME, kind, key);
	f = fopen(path, "r");
	if (!f)
		return "";
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static void put_file(const char *kind, const char *key, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s/%s/%s", dir, HOSTS_DIR_NAME, kind, key);
	test_write_file(path, text);
}

/* A namespace of owner with its record written: it is live. */
static struct state_record live(owner_t owner, const char *netns, const char *hostname,
				const char *peer4)
{
	struct state_record rec = record(netns, hostname, peer4, NULL);
	struct errbuf err = { "" };

	rec.owner = owner;
	rec.phase = STATE_READY;
	snprintf(rec.name, sizeof(rec.name), "%s", netns);
	if (state_write(&paths, &rec, &err) < 0)
		fail_msg("%s", err.msg);
	return rec;
}

static struct hosts_published publish(const struct state_record *rec)
{
	struct hosts_published done;
	struct errbuf err = { "" };

	if (hosts_publish(&paths, rec, &done, &err) < 0)
		fail_msg("%s", err.msg);
	return done;
}

static const char bob_text[] = "usernetns-hosts 1\n"
			       "owner uid=1002\n"
			       "name user-bob\n"
			       "addr 10.200.0.6\n";

/*
 * The issue's: with hostname = %u, a user called user-bob has bob's
 * namespace name as host name.  The policy refuses that; behind it, no
 * owner replaces or removes a name another's live namespace holds, and a
 * stale one (its record gone, or no longer naming it) is taken over.
 */
static void test_a_name_stays_with_its_owner(void **state)
{
	struct state_record bob = live(1002, "user-bob", "", "10.200.0.6/30");
	struct state_record mallory = live(1003, "user-user-bob", "user-bob", "10.200.0.10/30");
	struct hosts_published done;
	struct errbuf err = { "" };
	char path[256];

	done = publish(&bob);
	assert_true(done.changed);
	assert_int_equal(done.n_held, 0);
	assert_string_equal(file_text("name", "user-bob"), bob_text);
	assert_string_equal(file_text("addr", "10.200.0.6"), bob_text);

	/* mallory gets the rest of hers, and bob keeps his name, however often she tries. */
	for (int i = 0; i < 2; i++) {
		done = publish(&mallory);
		assert_int_equal(done.n_held, 1);
		assert_string_equal(done.held, "user-bob is held by the namespace of uid 1002");
		assert_string_equal(file_text("name", "user-bob"), bob_text);
		assert_non_null(strstr(file_text("name", "user-user-bob"), "owner uid=1003\n"));
		assert_non_null(strstr(file_text("addr", "10.200.0.10"), "owner uid=1003\n"));
	}
	/* Whatever the case of the name. */
	snprintf(mallory.hostname, sizeof(mallory.hostname), "USER-Bob");
	done = publish(&mallory);
	assert_int_equal(done.n_held, 1);
	assert_string_equal(file_text("name", "user-bob"), bob_text);

	/* Her teardown removes hers, not his. */
	assert_int_equal(hosts_unpublish(&paths, &mallory, NULL, &err), 0);
	assert_string_equal(file_text("name", "user-bob"), bob_text);
	assert_string_equal(file_text("name", "user-user-bob"), "");
	assert_string_equal(file_text("addr", "10.200.0.10"), "");

	/* bob's namespace gone without its files (a crash): his name is free. */
	assert_int_equal(state_remove(&paths, 1002, &err), 0);
	done = publish(&mallory);
	assert_int_equal(done.n_held, 0);
	assert_non_null(strstr(file_text("name", "user-bob"), "owner uid=1003\n"));
	/* ...and now hers while her namespace lives: bob is the one left out. */
	bob = live(1002, "user-bob", "", "10.200.0.6/30");
	done = publish(&bob);
	assert_int_equal(done.n_held, 1);
	assert_string_equal(done.held, "user-bob is held by the namespace of uid 1003");
	/* Until her record no longer names it (a policy without that host name). */
	mallory = live(1003, "user-user-bob", "", "10.200.0.10/30");
	done = publish(&bob);
	assert_int_equal(done.n_held, 0);
	assert_string_equal(file_text("name", "user-bob"), bob_text);

	/* Files of before owners were written, and files that are not ours: replaced. */
	put_file("name", "user-bob", "usernetns-hosts 1\nname user-bob\naddr 10.9.9.9\n");
	done = publish(&bob);
	assert_int_equal(done.n_held, 0);
	assert_string_equal(file_text("name", "user-bob"), bob_text);
	put_file("name", "user-bob", "junk\n");
	publish(&bob);
	assert_string_equal(file_text("name", "user-bob"), bob_text);

	/* A holder whose record cannot be read keeps the name: not taken on a doubt. */
	put_file("name", "user-bob", "usernetns-hosts 1\nowner uid=1004\nname user-bob\naddr 10.9.9.9\n");
	snprintf(path, sizeof(path), "%s/users/1004", dir);
	test_write_file(path, "not a record\n");
	done = publish(&bob);
	assert_int_equal(done.n_held, 1);
	assert_string_equal(done.held, "user-bob is held by the namespace of uid 1004");

	/* An old file of bob's own (written before owners were) goes with his namespace. */
	put_file("name", "user-bob", "usernetns-hosts 1\nname user-bob\naddr 10.9.9.9\n");
	assert_int_equal(hosts_unpublish(&paths, &bob, NULL, &err), 0);
	assert_string_equal(file_text("name", "user-bob"), "");
}

static void test_dns_targets(void **state)
{
	struct plan plan = { .mode = POLICY_MODE_VETH };
	struct addr_prefix host4;
	struct state_record rec = { .owner = 1001, .name = "alice", .netns = "user-alice" }, back;
	struct nsdns_targets t, host;
	char text[64], record[2048];
	struct errbuf err;

	assert_int_equal(addr_prefix_parse("10.200.0.1/30", AF_INET, true, &host4, &err), 0);

	/* inherit: none. */
	nsdns_targets(&plan, &host4, NULL, &t);
	assert_int_equal(t.n, 0);
	assert_int_equal(nsdns_format(&t, text, sizeof(text)), 0);
	assert_string_equal(text, "");

	/* host-end: the host end's address alone. */
	plan.dns.kind = POLICY_DNS_HOST_END;
	nsdns_targets(&plan, &host4, NULL, &t);
	assert_int_equal(t.n, 1);
	assert_int_equal(nsdns_format(&t, text, sizeof(text)), 0);
	assert_string_equal(text, "10.200.0.1");

	/* Addresses: as given, and back from the record. */
	plan.dns.kind = POLICY_DNS_ADDRS;
	plan.dns.n = 2;
	assert_int_equal(addr_prefix_parse("192.0.2.53/32", AF_INET, true, &plan.dns.addr[0], &err),
			 0);
	assert_int_equal(addr_prefix_parse("192.0.2.54/32", AF_INET, true, &plan.dns.addr[1], &err),
			 0);
	nsdns_targets(&plan, &host4, NULL, &t);
	assert_int_equal(nsdns_format(&t, text, sizeof(text)), 0);
	assert_string_equal(text, "192.0.2.53,192.0.2.54");
	snprintf(rec.dns, sizeof(rec.dns), "%s", text);
	assert_true(state_format(&rec, record, sizeof(record)) > 0);
	assert_int_equal(state_parse(record, &back), 0);
	assert_string_equal(back.dns, "192.0.2.53,192.0.2.54");

	/* host: the host's resolvers, as read. */
	plan.dns.kind = POLICY_DNS_HOST;
	host = t;
	host.n = 1;
	nsdns_targets(&plan, &host4, &host, &t);
	assert_int_equal(nsdns_format(&t, text, sizeof(text)), 0);
	assert_string_equal(text, "192.0.2.53");

	/* A mode without a link has no redirect, whatever dns says. */
	plan.mode = POLICY_MODE_ISOLATED;
	nsdns_targets(&plan, &host4, &host, &t);
	assert_int_equal(t.n, 0);
}

/* resolv_conf (and resolved's) with these lines; the host's resolvers for plan. */
static struct nsdns_host host_resolvers(const struct plan *plan, const char *resolv,
					const char *resolved)
{
	/* Static: h.from points at one of them. */
	static char path[300], rpath[300];
	struct nsdns_host h;
	struct errbuf err = { "" };

	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	snprintf(rpath, sizeof(rpath), "%s/resolved.conf", dir);
	test_write_file(path, resolv);
	unlink(rpath);
	if (resolved)
		test_write_file(rpath, resolved);
	assert_int_equal(nsdns_host_resolvers(plan, path, rpath, &h, &err), 0);
	return h;
}

static const char *targets_text(const struct nsdns_host *h)
{
	static char text[128];

	assert_int_equal(nsdns_format(&h->t, text, sizeof(text)), 0);
	return text;
}

/*
 * dns = host: the nameservers of the host's resolv.conf a namespace can
 * reach, as glibc reads them; systemd-resolved's stub stands for its
 * upstream servers.
 */
static void test_host_resolvers(void **state)
{
	struct plan plan = { .mode = POLICY_MODE_NAT, .dns.kind = POLICY_DNS_HOST };
	struct errbuf err = { "" };
	struct nsdns_host h;
	char path[300];

	assert_int_equal(addr_prefix_parse("10.210.0.0/16", AF_INET, false, &plan.ranges[0], &err),
			 0);
	plan.n_ranges = 1;

	/* A stock Debian 12 with DHCP: the LAN's resolvers, in order. */
	h = host_resolvers(&plan,
			   "# Generated by dhclient\ndomain example.org\nsearch example.org\n"
			   "nameserver 192.168.1.1\nnameserver\t10.0.0.53 # second\n",
			   NULL);
	assert_string_equal(targets_text(&h), "192.168.1.1,10.0.0.53");
	assert_string_equal(h.left_out, "");
	assert_non_null(strstr(h.from, "/resolv.conf"));

	/* Only the first three count (glibc's), each once; what cannot be reached is said. */
	h = host_resolvers(&plan,
			   "nameserver 127.0.0.1\nnameserver fe80::1%eth0\nnameserver 10.210.3.1\n"
			   "nameserver 192.0.2.1\n",
			   NULL);
	assert_string_equal(targets_text(&h), "");
	assert_string_equal(
		h.left_out,
		"127.0.0.1 (the host's loopback, not the namespace's), fe80::1 (IPv6: the redirect is IPv4), 10.210.3.1 (in users' ranges)");
	h = host_resolvers(&plan, "nameserver 192.0.2.1\nnameserver 192.0.2.1\n  nameserver 192.0.2.9\n"
			   "nameserverx 192.0.2.8\n;nameserver 192.0.2.7\n", NULL);
	assert_string_equal(targets_text(&h), "192.0.2.1");

	/* systemd-resolved: its upstream servers. */
	h = host_resolvers(&plan, "nameserver 127.0.0.53\noptions edns0 trust-ad\n",
			   "nameserver 198.51.100.53\nnameserver 2001:db8::53\n");
	assert_string_equal(targets_text(&h), "198.51.100.53");
	assert_non_null(strstr(h.from, "/resolved.conf"));
	assert_string_equal(h.left_out, "2001:db8::53 (IPv6: the redirect is IPv4)");
	h = host_resolvers(&plan, "nameserver 127.0.0.53\n", NULL);
	assert_string_equal(targets_text(&h), "");
	assert_non_null(strstr(h.left_out, "systemd-resolved's stub (cannot open "));
	h = host_resolvers(&plan, "nameserver 127.0.0.53\n", "# no upstream\n");
	assert_string_equal(
		h.left_out,
		"systemd-resolved's stub (its upstream servers give none a namespace can reach)");

	/* No resolv.conf at all: an error naming it. */
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(nsdns_host_resolvers(&plan, path, path, &h, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/none: No such file or directory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_rules),
		cmocka_unit_test(test_format_and_parse),
		cmocka_unit_test(test_parse_is_strict),
		cmocka_unit_test(test_entry_of_a_record),
		cmocka_unit_test_setup_teardown(test_a_name_stays_with_its_owner, scratch_setup,
						scratch_teardown),
		cmocka_unit_test(test_dns_targets),
		cmocka_unit_test_setup_teardown(test_host_resolvers, scratch_setup, scratch_teardown),
	};

	return cmocka_run_group_tests_name("hostsfile", tests, NULL, NULL);
}
