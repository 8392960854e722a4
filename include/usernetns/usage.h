/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Usage that outlives namespaces: what each owner's namespaces sent,
 * received and had refused, added up per day (UTC) in one file per owner
 * under the persistent state dir, so that a month's traffic survives
 * logouts, crashes and reboots.
 *
 * statedir/usage/<owner>  ("1001", "g2000"; 0600 in a 0700 directory):
 *   usernetns-usage 1
 *   2026-12-04 sent_bytes=N received_bytes=N sent_packets=N received_packets=N refused_packets=N
 *   2026-12-05 ...
 * one line a day with traffic, in order; replaced atomically (a temporary
 * file renamed over it, synced) at each addition, under .<owner>.lock.  At most USAGE_DAYS_MAX
 * lines: beyond them the oldest day takes the next one's counts (the
 * totals stay whole, an old day gets more than it had).
 */
#ifndef USERNETNS_USAGE_H
#define USERNETNS_USAGE_H

#include <stdint.h>
#include <time.h>

#include "usernetns/owner.h"
#include "usernetns/paths.h"
#include "usernetns/util.h"

#define USAGE_DAYS_MAX 1000

/* "2026-12-05" and its NUL. */
#define USAGE_DAY_STRLEN 11

/* Directions as the session sees them: sent is what left its namespace. */
struct usage_counts {
	uint64_t sent_bytes;
	uint64_t received_bytes;
	uint64_t sent_packets;
	uint64_t received_packets;
	uint64_t refused_packets;
};

/* a += b, each counter stopping at UINT64_MAX. */
void usage_counts_add(struct usage_counts *a, const struct usage_counts *b);

/* The UTC day of t as "YYYY-MM-DD"; -EOVERFLOW if t has none. */
int usage_day(time_t t, char buf[USAGE_DAY_STRLEN]);

/* Is s a day of the calendar, written "YYYY-MM-DD"? */
bool usage_day_valid(const char *s);

/* How long an addition waits for another to the same owner's file. */
#define USAGE_LOCK_TIMEOUT_MS 2000

/*
 * Add c to owner's usage of the UTC day of when.  Additions to one
 * owner's file take turns on a lock of its own (.OWNER.lock beside it),
 * held only by root's processes for the read and the rename.
 */
int usage_add(const struct uns_paths *p, owner_t owner, time_t when, const struct usage_counts *c,
	      struct errbuf *err);

/*
 * owner's totals over the days from since ("YYYY-MM-DD", included; NULL
 * for all), and the first and last day counted (empty strings when none).
 * An owner without a file has zero usage.  -EBADMSG, described as
 * FILE:LINE, for a file that is not ours.
 */
int usage_total(const struct uns_paths *p, owner_t owner, const char *since,
		struct usage_counts *ret, char ret_first[USAGE_DAY_STRLEN],
		char ret_last[USAGE_DAY_STRLEN], struct errbuf *err);

/* An owner's totals (usage_total()). */
struct usage_owner_total {
	owner_t owner;
	struct usage_counts c;
	char first[USAGE_DAY_STRLEN], last[USAGE_DAY_STRLEN];
};

/*
 * The totals since since (NULL: all days) of owners (NULL: everybody's
 * who has a usage file, sorted; else the n given, in their order), all
 * read before returning.  *ret to free().
 */
int usage_totals(const struct uns_paths *p, const owner_t *owners, size_t n, const char *since,
		 struct usage_owner_total **ret, size_t *ret_n, struct errbuf *err);

/* The owners that have a usage file, sorted (owner_compare()); *ret to free(). */
int usage_owners(const struct uns_paths *p, owner_t **ret, size_t *ret_n, struct errbuf *err);

#endif
