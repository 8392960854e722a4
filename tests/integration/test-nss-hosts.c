/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libnss_usernetns.so.2, the built module, loaded with dlopen() as glibc
 * loads it, and called at every entry point: answers for names and
 * addresses of both families, each buffer size too small by a byte, and
 * every file it must not believe (another owner, writable by others, a
 * symlink, a FIFO, a directory, too large, malformed, under another name).
 * Names that cannot be ours are answered without a system call: checked
 * under a seccomp filter that kills the process on open.  In the sandbox:
 * its /run is a tmpfs of its own.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netdb.h>
#include <nss.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "testutil.h"
#include "usernetns/hostsfile.h"

#define DIR USERNETNS_RUNSTATEDIR "/" HOSTS_DIR_NAME

typedef enum nss_status (*byname4_fn)(const char *, struct gaih_addrtuple **, char *, size_t,
				      int *, int *, int32_t *);
typedef enum nss_status (*byname3_fn)(const char *, int, struct hostent *, char *, size_t, int *,
				      int *, int32_t *, char **);
typedef enum nss_status (*byname2_fn)(const char *, int, struct hostent *, char *, size_t, int *,
				      int *);
typedef enum nss_status (*byname_fn)(const char *, struct hostent *, char *, size_t, int *, int *);
typedef enum nss_status (*byaddr2_fn)(const void *, socklen_t, int, struct hostent *, char *,
				      size_t, int *, int *, int32_t *);
typedef enum nss_status (*byaddr_fn)(const void *, socklen_t, int, struct hostent *, char *,
				     size_t, int *, int *);

static byname4_fn byname4;
static byname3_fn byname3;
static byname2_fn byname2;
static byname_fn byname;
static byaddr2_fn byaddr2;
static byaddr_fn byaddr;

/* alice's as the library writes them; bob's as it did before it named owners. */
static const char alice[] = "usernetns-hosts 1\n"
			    "owner uid=1001\n"
			    "name alice.netns\n"
			    "name user-alice\n"
			    "addr 10.200.0.2\n"
			    "addr fd42:200::2\n";
static const char bob[] = "usernetns-hosts 1\n"
			  "name user-bob\n"
			  "addr 10.200.0.6\n";

static void put(const char *kind, const char *key, const char *text, mode_t mode)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s/%s", DIR, kind, key);
	assert_int_equal(test_sh("mkdir -p %s/%s && rm -rf '%s'", DIR, kind, path), 0);
	test_write_file(path, text);
	assert_int_equal(chmod(path, mode), 0);
}

/* alice's and bob's files, as the library writes them. */
static int published(void **state)
{
	assert_int_equal(test_sh("rm -rf %s && mkdir -p -m 0755 %s", DIR, DIR), 0);
	put("name", "alice.netns", alice, 0644);
	put("name", "user-alice", alice, 0644);
	put("addr", "10.200.0.2", alice, 0644);
	put("addr", "fd42:200::2", alice, 0644);
	put("name", "user-bob", bob, 0644);
	put("addr", "10.200.0.6", bob, 0644);
	return 0;
}

static const char *text(int family, const void *bytes)
{
	static char buf[4][INET6_ADDRSTRLEN];
	static int next;
	char *b = buf[next++ % 4];

	return inet_ntop(family, bytes, b, INET6_ADDRSTRLEN);
}

/* ---- names ------------------------------------------------------------------ */

static void test_byname4(void **state)
{
	struct gaih_addrtuple *pat = NULL;
	char buf[1024];
	int e = 0, h = 0, saved;
	int32_t ttl = -1;

	errno = saved = 4242;
	assert_int_equal(byname4("user-alice", &pat, buf, sizeof(buf), &e, &h, &ttl),
			 NSS_STATUS_SUCCESS);
	assert_int_equal(errno, saved);
	assert_int_equal(ttl, 0);
	assert_non_null(pat);
	assert_string_equal(pat->name, "alice.netns");
	assert_int_equal(pat->family, AF_INET);
	assert_string_equal(text(AF_INET, pat->addr), "10.200.0.2");
	assert_non_null(pat->next);
	assert_int_equal(pat->next->family, AF_INET6);
	assert_string_equal(text(AF_INET6, pat->next->addr), "fd42:200::2");
	assert_null(pat->next->next);

	/* The host name, any case, with a final dot. */
	pat = NULL;
	assert_int_equal(byname4("Alice.NETNS.", &pat, buf, sizeof(buf), &e, &h, &ttl),
			 NSS_STATUS_SUCCESS);
	assert_string_equal(pat->name, "alice.netns");

	/* Older glibc hands in a tuple to fill. */
	{
		struct gaih_addrtuple mine = { 0 }, *p = &mine;

		assert_int_equal(byname4("user-bob", &p, buf, sizeof(buf), &e, &h, &ttl),
				 NSS_STATUS_SUCCESS);
		assert_ptr_equal(p, &mine);
		assert_string_equal(mine.name, "user-bob");
		assert_string_equal(text(AF_INET, mine.addr), "10.200.0.6");
	}

	pat = NULL;
	assert_int_equal(byname4("user-carol", &pat, buf, sizeof(buf), &e, &h, &ttl),
			 NSS_STATUS_NOTFOUND);
	assert_int_equal(e, ENOENT);
	assert_int_equal(h, HOST_NOT_FOUND);
}

static void test_byname3_families(void **state)
{
	struct hostent he;
	char buf[1024], *canon = NULL;
	int e = 0, h = 0;
	int32_t ttl = -1;

	assert_int_equal(byname3("user-alice", AF_INET, &he, buf, sizeof(buf), &e, &h, &ttl, &canon),
			 NSS_STATUS_SUCCESS);
	assert_string_equal(he.h_name, "alice.netns");
	assert_ptr_equal(canon, he.h_name);
	assert_string_equal(he.h_aliases[0], "user-alice");
	assert_null(he.h_aliases[1]);
	assert_int_equal(he.h_addrtype, AF_INET);
	assert_int_equal(he.h_length, 4);
	assert_string_equal(text(AF_INET, he.h_addr_list[0]), "10.200.0.2");
	assert_null(he.h_addr_list[1]);

	assert_int_equal(byname3("alice.netns", AF_INET6, &he, buf, sizeof(buf), &e, &h, &ttl,
				 &canon),
			 NSS_STATUS_SUCCESS);
	assert_int_equal(he.h_length, 16);
	assert_string_equal(text(AF_INET6, he.h_addr_list[0]), "fd42:200::2");

	/* bob has no IPv6 address: his name is known, with no data. */
	assert_int_equal(byname3("user-bob", AF_INET6, &he, buf, sizeof(buf), &e, &h, &ttl, &canon),
			 NSS_STATUS_NOTFOUND);
	assert_int_equal(h, NO_DATA);
	assert_int_equal(byname3("user-bob", AF_INET, &he, buf, sizeof(buf), &e, &h, &ttl, &canon),
			 NSS_STATUS_SUCCESS);
	assert_null(he.h_aliases[0]);

	/* Another family is not ours to answer. */
	assert_int_equal(byname3("user-bob", AF_UNIX, &he, buf, sizeof(buf), &e, &h, &ttl, &canon),
			 NSS_STATUS_UNAVAIL);
	assert_int_equal(e, EAFNOSUPPORT);

	/* The older entry points go the same way. */
	assert_int_equal(byname2("user-alice", AF_INET6, &he, buf, sizeof(buf), &e, &h),
			 NSS_STATUS_SUCCESS);
	assert_int_equal(he.h_addrtype, AF_INET6);
	assert_int_equal(byname("user-alice", &he, buf, sizeof(buf), &e, &h), NSS_STATUS_SUCCESS);
	assert_int_equal(he.h_addrtype, AF_INET);
	assert_int_equal(byname("nobody-here", &he, buf, sizeof(buf), &e, &h), NSS_STATUS_NOTFOUND);
}

/* ---- addresses ------------------------------------------------------------------ */

static void test_byaddr(void **state)
{
	struct hostent he;
	uint8_t a4[4], a6[16];
	char buf[1024];
	int e = 0, h = 0;
	int32_t ttl = -1;

	inet_pton(AF_INET, "10.200.0.2", a4);
	inet_pton(AF_INET6, "fd42:200::2", a6);
	assert_int_equal(byaddr2(a4, 4, AF_INET, &he, buf, sizeof(buf), &e, &h, &ttl),
			 NSS_STATUS_SUCCESS);
	assert_string_equal(he.h_name, "alice.netns");
	assert_string_equal(he.h_aliases[0], "user-alice");
	assert_string_equal(text(AF_INET, he.h_addr_list[0]), "10.200.0.2");
	assert_null(he.h_addr_list[1]);
	assert_int_equal(byaddr(a6, 16, AF_INET6, &he, buf, sizeof(buf), &e, &h),
			 NSS_STATUS_SUCCESS);
	assert_string_equal(he.h_name, "alice.netns");
	assert_string_equal(text(AF_INET6, he.h_addr_list[0]), "fd42:200::2");

	inet_pton(AF_INET, "10.200.0.99", a4);
	assert_int_equal(byaddr2(a4, 4, AF_INET, &he, buf, sizeof(buf), &e, &h, &ttl),
			 NSS_STATUS_NOTFOUND);
	assert_int_equal(h, HOST_NOT_FOUND);
	/* A length that is not the family's. */
	assert_int_equal(byaddr2(a4, 16, AF_INET, &he, buf, sizeof(buf), &e, &h, &ttl),
			 NSS_STATUS_UNAVAIL);
	assert_int_equal(e, EAFNOSUPPORT);
}

/* ---- buffers too small by any number of bytes ------------------------------------ */

static void test_small_buffers(void **state)
{
	uint8_t a6[16];
	int e, h;
	int32_t ttl;

	inet_pton(AF_INET6, "fd42:200::2", a6);
	for (int fn = 0; fn < 4; fn++) {
		size_t need = 0;

		/* The smallest buffer that works, then every smaller one fails with ERANGE. */
		for (size_t len = 0; len <= 1024 && !need; len++) {
			char *buf = malloc(len ? len : 1);
			struct gaih_addrtuple *pat = NULL;
			struct hostent he;
			enum nss_status s = NSS_STATUS_UNAVAIL;

			e = h = 0;
			switch (fn) {
			case 0:
				s = byname4("user-alice", &pat, buf, len, &e, &h, &ttl);
				break;
			case 1:
				s = byname3("user-alice", AF_INET6, &he, buf, len, &e, &h, &ttl, NULL);
				break;
			case 2:
				s = byaddr2(a6, 16, AF_INET6, &he, buf, len, &e, &h, &ttl);
				break;
			case 3:
				s = byname2("alice.netns", AF_INET, &he, buf, len, &e, &h);
				break;
			}
			if (s == NSS_STATUS_SUCCESS) {
				need = len;
			} else {
				if (s != NSS_STATUS_TRYAGAIN || e != ERANGE || h != NETDB_INTERNAL)
					fail_msg("entry point %d, %zu bytes: status %d, errno %d, h_errno %d",
						 fn, len, s, e, h);
			}
			free(buf);
		}
		if (!need)
			fail_msg("entry point %d never succeeded", fn);
		/* Enough for the names, the pointers and the addresses. */
		assert_true(need > strlen("alice.netns"));
	}
}

/* ---- files not to believe -------------------------------------------------------- */

static enum nss_status lookup(const char *name)
{
	struct gaih_addrtuple *pat = NULL;
	char buf[1024];
	int e, h;
	int32_t ttl;

	return byname4(name, &pat, buf, sizeof(buf), &e, &h, &ttl);
}

/* In a child: 0 when the name is not found, 1 otherwise. */
static int not_found(void *data, struct errbuf *msg)
{
	return lookup(data) == NSS_STATUS_NOTFOUND ? 0 : 1;
}

static void test_hostile_files(void **state)
{
	uint8_t a4[4];
	struct hostent he;
	char buf[1024];
	int e, h;
	int32_t ttl;

	assert_int_equal(lookup("user-bob"), NSS_STATUS_SUCCESS);

	/* Another owner. */
	assert_int_equal(test_sh("chown 1000 %s/name/user-bob", DIR), 0);
	assert_int_equal(lookup("user-bob"), NSS_STATUS_NOTFOUND);
	published(state);

	/* Writable by its group, or by others. */
	assert_int_equal(test_sh("chmod 0664 %s/name/user-bob", DIR), 0);
	assert_int_equal(lookup("user-bob"), NSS_STATUS_NOTFOUND);
	assert_int_equal(test_sh("chmod 0646 %s/name/user-bob", DIR), 0);
	assert_int_equal(lookup("user-bob"), NSS_STATUS_NOTFOUND);
	published(state);

	/* A symlink, even to a good file. */
	assert_int_equal(test_sh("rm %s/name/user-bob && ln -s %s/name/user-alice %s/name/user-bob",
				 DIR, DIR, DIR),
			 0);
	assert_int_equal(lookup("user-bob"), NSS_STATUS_NOTFOUND);
	published(state);

	/* A FIFO: not read, so nothing waits for a writer. */
	assert_int_equal(test_sh("rm %s/name/user-bob && mkfifo -m 0644 %s/name/user-bob", DIR, DIR),
			 0);
	assert_int_equal(lookup("user-bob"), NSS_STATUS_NOTFOUND);
	published(state);

	/* A directory, a file too large, a malformed one. */
	assert_int_equal(test_sh("rm %s/name/user-bob && mkdir %s/name/user-bob", DIR, DIR), 0);
	assert_int_equal(lookup("user-bob"), NSS_STATUS_NOTFOUND);
	published(state);
	assert_int_equal(test_sh("head -c 2000 /dev/zero | tr '\\0' x >> %s/name/user-bob", DIR), 0);
	assert_int_equal(lookup("user-bob"), NSS_STATUS_NOTFOUND);
	put("name", "user-bob", "usernetns-hosts 1\nname user-bob\naddr 10.200.0.6/30\n", 0644);
	assert_int_equal(lookup("user-bob"), NSS_STATUS_NOTFOUND);
	put("name", "user-bob", "usernetns-hosts 1\nowner uid 1002\nname user-bob\naddr 10.200.0.6\n",
	    0644);
	assert_int_equal(lookup("user-bob"), NSS_STATUS_NOTFOUND);
	published(state);

	/* An entry under a name it does not hold, or an address it does not have. */
	put("name", "user-bob", alice, 0644);
	assert_int_equal(lookup("user-bob"), NSS_STATUS_NOTFOUND);
	put("addr", "10.200.0.6", alice, 0644);
	inet_pton(AF_INET, "10.200.0.6", a4);
	assert_int_equal(byaddr2(a4, 4, AF_INET, &he, buf, sizeof(buf), &e, &h, &ttl),
			 NSS_STATUS_NOTFOUND);
	published(state);

	/* Directories: writable by others, or a symlink in place of one. */
	assert_int_equal(test_sh("chmod 0777 %s/name", DIR), 0);
	assert_int_equal(lookup("user-bob"), NSS_STATUS_NOTFOUND);
	assert_int_equal(test_sh("chmod 0755 %s/name && chmod 0775 %s", DIR, DIR), 0);
	assert_int_equal(lookup("user-bob"), NSS_STATUS_NOTFOUND);
	assert_int_equal(test_sh("chmod 0755 %s && mv %s/name %s/real && ln -s real %s/name", DIR,
				 DIR, DIR, DIR),
			 0);
	assert_int_equal(lookup("user-bob"), NSS_STATUS_NOTFOUND);

	/* Nothing published at all: not found, not unavailable. */
	assert_int_equal(test_sh("rm -rf %s", DIR), 0);
	assert_int_equal(lookup("user-bob"), NSS_STATUS_NOTFOUND);

	/* Lookups never block on a writer: a FIFO read in a child would hang it. */
	published(state);
	assert_int_equal(test_sh("rm %s/name/user-bob && mkfifo -m 0644 %s/name/user-bob", DIR, DIR),
			 0);
	assert_int_equal(test_child_run(not_found, (void *)"user-bob", NULL, NULL, 0), 0);
}

/* ---- names that cannot be ours: no system call ---------------------------------- */

struct no_open {
	const char *name;
	const struct sock_fprog *prog;
};

/* In a child: no open or stat from now on (it dies, SIGSYS), then name looked up. */
static int not_found_unopened(void *data, struct errbuf *msg)
{
	const struct no_open *n = data;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, n->prog) < 0)
		return 3;
	return not_found((void *)n->name, msg);
}

/*
 * A child that dies (SIGSYS) on any open or stat, then looks name up:
 * its exit status, or 128 + SIGSYS.
 */
static int under_no_open(const char *name)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_newfstatat, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_statx, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#ifdef __NR_open
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_open, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = ELEMENTSOF(f), .filter = f };

	return test_child_run(not_found_unopened, &(struct no_open){ name, &prog }, NULL, NULL, 0);
}

static void test_foreign_names_cost_no_system_call(void **state)
{
	static const char *const foreign[] = {
		"",	"10.200.0.2", "www.example.com..", "a b", "-x",	 "x-.y", "fd42::2",
		"a/b", "..",	      "user-alice/",	   "ümlaut", "a@b",
	};
	char longname[400];
	int status;

	/* The filter works: a name that could be ours is looked for, and dies. */
	status = under_no_open("user-alice");
	assert_int_equal(status, 128 + SIGSYS);

	for (size_t i = 0; i < ELEMENTSOF(foreign); i++) {
		status = under_no_open(foreign[i]);
		if (status != 0)
			fail_msg("'%s' was looked for on disk (status %d)", foreign[i], status);
	}
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	status = under_no_open(longname);
	assert_int_equal(status, 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_byname4, published),
		cmocka_unit_test_setup(test_byname3_families, published),
		cmocka_unit_test_setup(test_byaddr, published),
		cmocka_unit_test_setup(test_small_buffers, published),
		cmocka_unit_test_setup(test_hostile_files, published),
		cmocka_unit_test_setup(test_foreign_names_cost_no_system_call, published),
	};
	const char *builddir = getenv("USERNETNS_BUILDDIR");
	char path[4096];
	void *h;

	(void)argc;
	(void)argv;
	test_sandbox();
	snprintf(path, sizeof(path), "%s/nss/.libs/libnss_usernetns.so.2", builddir ? builddir : ".");
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		printf("Bail out! %s\n", dlerror());
		return 1;
	}
	byname4 = (byname4_fn)dlsym(h, "_nss_usernetns_gethostbyname4_r");
	byname3 = (byname3_fn)dlsym(h, "_nss_usernetns_gethostbyname3_r");
	byname2 = (byname2_fn)dlsym(h, "_nss_usernetns_gethostbyname2_r");
	byname = (byname_fn)dlsym(h, "_nss_usernetns_gethostbyname_r");
	byaddr2 = (byaddr2_fn)dlsym(h, "_nss_usernetns_gethostbyaddr2_r");
	byaddr = (byaddr_fn)dlsym(h, "_nss_usernetns_gethostbyaddr_r");
	if (!byname4 || !byname3 || !byname2 || !byname || !byaddr2 || !byaddr) {
		printf("Bail out! an entry point is missing\n");
		return 1;
	}
	/* Nothing else is exported: the module keeps its internals to itself. */
	if (dlsym(h, "hosts_parse")) {
		printf("Bail out! the module exports its internals\n");
		return 1;
	}
	return cmocka_run_group_tests_name("nss-hosts", tests, NULL, NULL);
}
