/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the unit tests. */
#ifndef USERNETNS_TESTUTIL_H
#define USERNETNS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cmocka.h>

#include "usernetns/diag.h"
#include "usernetns/policy.h"
#include "usernetns/util.h"

/* $USERNETNS_FIXTURES/rel, in a static buffer. */
const char *test_fixture(const char *rel);

/* Write text to path, mode 0644 (as a policy must be); fails the test if it cannot. */
void test_write_file(const char *path, const char *text);

/*
 * What a login does in lib/: resolve user's plan and open a session of
 * the calling process, waiting at most lock_timeout_ms.  0 or -errno with
 * err saying why.
 */
int test_login(const struct policy *policy, const char *user,
	       unsigned int lock_timeout_ms, struct errbuf *err);

/* The whole file, NUL-terminated; fails the test if unreadable. */
char *test_read_file(const char *path, size_t *ret_len);

/* Is there an error (or warning) at line whose text contains needle? */
bool test_diag_has(const struct diag *d, enum diag_level level,
		   unsigned int line, const char *needle);

/* Print every diagnostic as a TAP comment, to explain a failure. */
void test_diag_dump(const struct diag *d);

/*
 * Parse a policy from a string; returns what policy_parse() returns and
 * leaves the diagnostics in *d.
 */
int test_parse(const char *text, struct policy **ret, struct diag *d);

/*
 * Run under nss_wrapper with the users and groups of tests/nss/: re-execs
 * the test with LD_PRELOAD set ($NSS_WRAPPER_PRELOAD: nss_wrapper, and
 * tests/nss-notfound.c before it) when it is not yet.
 */
void test_use_nss_wrapper(char **argv);

/*
 * Enter a sandbox for tests that need root: new mount, network and PID
 * namespaces, / made private, a fresh /proc, a tmpfs on /run and on the
 * configured persistent state dir, and lo up in the new network
 * namespace, which plays the host.  Forks twice: PID 1 of the new PID
 * namespace reaps orphans, the caller goes on as PID 2, and the original
 * process exits with its status.  Not root: prints a TAP skip plan and
 * exits.
 */
void test_sandbox(void);

/*
 * Make dir exist and be writable inside the sandbox, without writing on
 * the machine: a tmpfs over it or over its nearest existing ancestor.
 */
void test_sandbox_writable(const char *dir);

/*
 * The sandbox's host back to empty, for the next test: every name under
 * /run/netns unmounted and removed, /run/usernetns and the paths in also
 * (space-separated, or NULL) removed, every link but lo deleted.  With
 * kill_others, every process but PID 1 and the caller is killed first.
 */
void test_clean_host(bool kill_others, const char *also);

/*
 * The bound on waiting for what the kernel or another process does in its
 * own time (a namespace torn down, a child that has entered a namespace):
 * tests poll for it, up to this long, and never assume it is done.
 */
#define TEST_WAIT_MS 60000u

/*
 * Run the shell command (printf-style) until it succeeds, at most
 * timeout_ms; returns whether it did.
 */
__attribute__((format(printf, 2, 3)))
bool test_wait_sh(unsigned int timeout_ms, const char *fmt, ...);

/*
 * A child of the test: what a login process, a stopped helper or a
 * crashing one does, run apart from the test and waited for with a bound.
 * fn(data, msg) runs in the child, with USERNETNS_FAULT=fault in its
 * environment when fault is not NULL; the child exits with what fn
 * returns, and what fn puts in msg comes back to the parent.  fn must not
 * use cmocka's assertions (they belong to the parent).
 */
typedef int test_child_fn(void *data, struct errbuf *msg);

struct test_child {
	pid_t pid;
	int msg_fd; /* the read end of the child's message */
	bool reaped;
	int status; /* once reaped: as waitpid() says it */
};

/* Start fn in a child, stdio flushed first so that no TAP line is printed twice. */
struct test_child test_child_start(test_child_fn *fn, void *data, const char *fault);

/*
 * Wait at most timeout_ms for the child to end: its exit status, 128 +
 * the signal that killed it (as a shell says it), or -1 when it did not
 * end in time (it is killed then).  Its message in ret_msg (at most size
 * bytes, NUL-terminated) when ret_msg is not NULL.
 */
int test_child_wait(struct test_child *c, unsigned int timeout_ms, char *ret_msg, size_t size);

/* Wait at most timeout_ms for the child to stop (SIGSTOP, a fault point's stop). */
bool test_child_stopped(struct test_child *c, unsigned int timeout_ms);

/* test_child_start(), then test_child_wait() bounded by TEST_WAIT_MS. */
int test_child_run(test_child_fn *fn, void *data, const char *fault, char *ret_msg,
		   size_t size);

/*
 * Write a PAM service file at path that names the built module by
 * absolute path: its session stack is pam_permit.so (as pam_unix in
 * Debian's common-session: a PAM_IGNORE of ours leaves the stack's
 * PAM_SUCCESS), then ours with conf=conf (when conf is not NULL) and
 * options (NULL: none); auth lets root in without a password (as su and
 * login ask), account succeeds, password fails.  The other modules by
 * name, or in secdir when it is not NULL (for pam_wrapper).
 */
void test_pam_service(const char *path, const char *secdir, const char *conf,
		      const char *options);

/* Run a shell command (printf-style); returns its exit status. */
__attribute__((format(printf, 1, 2)))
int test_sh(const char *fmt, ...);

/* Run a shell command and return its standard output (to free()). */
__attribute__((format(printf, 1, 2)))
char *test_sh_out(const char *fmt, ...);

#endif
