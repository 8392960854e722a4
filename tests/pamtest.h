/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * For the tests that drive the module through libpam: a conversation that
 * answers nothing (a session stack asks nothing), and what the module
 * logs, caught: a test program that links tests/pamtest.c defines
 * syslog() and vsyslog() itself and exports them (-rdynamic), so libpam
 * and the module call these.
 */
#ifndef USERNETNS_PAMTEST_H
#define USERNETNS_PAMTEST_H

#include <stddef.h>

#include <security/pam_appl.h>

extern const struct pam_conv test_conversation;

/* Everything logged since log_clear(), "<PRIORITY>message" lines. */
extern char logbuf[1 << 16];

void log_clear(void);

/* Fail the test, showing the log, unless it contains needle. */
void expect_log(const char *needle);

/*
 * The whole priority (facility | level) of the first line logged that
 * contains needle, or -1: the lines show the level alone.
 */
int log_priority(const char *needle);

#endif
