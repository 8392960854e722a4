/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a PAM module logs, caught: a test program that links
 * tests/logcapture.c defines syslog() and vsyslog() itself and exports
 * them (-rdynamic), so libpam and the module call these.
 */
#ifndef USERNETNS_LOGCAPTURE_H
#define USERNETNS_LOGCAPTURE_H

#include <stddef.h>

/* Everything logged since log_clear(), "<PRIORITY>message" lines. */
extern char logbuf[1 << 16];

void log_clear(void);

/* Fail the test, showing the log, unless it contains needle. */
void expect_log(const char *needle);

#endif
