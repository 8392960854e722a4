/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What usernetns-cleanup says of a cleanup plan (cleanup.h): what is to
 * be done, before anything is (all of a dry run), what was done, and the
 * count of both.
 */
#ifndef USERNETNS_CLEANUP_REPORT_H
#define USERNETNS_CLEANUP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <limits.h>
#include <stdio.h>

#include "usernetns/cleanup.h"
#include "usernetns/placement.h"

/*
 * What is to be done with it, on out: every item of a dry run; of a run,
 * what is kept and what goes with --force (the rest is said once done).
 */
void cleanup_report_plan(const struct cleanup_item *it, bool dry_run, FILE *out);

/*
 * What was done with it, on out; -EIO with what could not be done in err
 * (nothing on out) for an item that failed.
 */
int cleanup_report_outcome(const struct cleanup_item *it, FILE *out, struct errbuf *err);

/* Room for what cleanup_report_done() says. */
#define CLEANUP_REPORT_DONE_MAX (NAME_MAX + POLICY_NAME_MAX + 64)

/*
 * What to log of it once done: a namespace removed or a lease released
 * ("removed user-alice of alice"), in buf; false for anything else.
 */
bool cleanup_report_done(const struct cleanup_item *it, char buf[CLEANUP_REPORT_DONE_MAX]);

struct cleanup_report_count {
	size_t removed; /* or to remove, in a dry run */
	size_t kept;
};

/* Count it: removed (or to remove), or kept. */
void cleanup_report_count(struct cleanup_report_count *c, const struct cleanup_item *it,
			  bool dry_run);

/* The last lines: processes not inspected, and "N removed, N kept". */
void cleanup_report_summary(const struct cleanup_plan *plan, const struct cleanup_report_count *c,
			    bool dry_run, bool failures, FILE *out);

/* A last placement as --forget says it: "[group:netusers] (mode nat)". */
const char *cleanup_report_placement(const struct placement *pl, char *buf, size_t size);

#endif
