/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fault injection for the tests: named points on every step that changes
 * state, where a test build can kill the process (a crash) or make the
 * step fail with an errno.  Only the library built with
 * -DUSERNETNS_FAULTS (tests/ links it; the installed module and helpers
 * never do) has them; elsewhere FAULT() is the constant 0.
 *
 * Control, from the environment of a test build:
 *   USERNETNS_FAULT=POINT=ACTION[@N]  at the Nth time POINT is reached
 *                                     (default 1st), ACTION: crash, stop
 *                                     (SIGSTOP, then go on), or an errno
 *                                     name (EEXIST, ENOMEM, ...)
 *   USERNETNS_FAULT=trace             append each point reached to the
 *                                     file USERNETNS_FAULT_TRACE
 */
#ifndef USERNETNS_FAULT_H
#define USERNETNS_FAULT_H

#include <string.h>

#include "usernetns/util.h"

#ifdef USERNETNS_FAULTS
int fault_point(const char *point);
#define FAULT(point) fault_point(point)
#else
#define FAULT(point) 0
#endif

/* 0, or the injected -errno with err saying so. */
static inline int fault_err(const char *point, struct errbuf *err)
{
	int r = FAULT(point);

	if (r < 0)
		errbuf_set(err, "injected failure at %s: %s", point, strerror(-r));
	return r;
}

#endif
