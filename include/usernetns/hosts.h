/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Publishing namespaces to the host's name service: the files of
 * hostsfile.h, written for a record when its namespace is made or
 * repaired and removed with it.  Callers hold the owner's lock.
 *
 * A name is one owner's: each file names the owner that wrote it, and
 * no owner replaces or removes a file that another owner's namespace
 * still holds (that owner's record exists and still publishes the name
 * or address).  The policy check sees to it that templates never give
 * one name to two owners; this is the defence behind it, for what a
 * check of templates cannot see (user names that differ only in case,
 * names of a previous policy).
 */
#ifndef USERNETNS_HOSTS_H
#define USERNETNS_HOSTS_H

#include <stdbool.h>

#include "usernetns/hostsfile.h"
#include "usernetns/paths.h"
#include "usernetns/state.h"
#include "usernetns/util.h"

/*
 * The entry of rec: its owner, its host name (canonical) and namespace
 * name, those that are valid host names (the namespace name not when the
 * record says it is unlisted); the namespace end's addresses.  No names
 * or no addresses: nothing to publish.
 */
void hosts_entry_of(const struct state_record *rec, struct hosts_entry *ret);

/* What hosts_publish() did. */
struct hosts_published {
	bool changed; /* a file was written */
	/*
	 * Files another owner's live namespace holds, left to it: how many,
	 * and which and whose, a sentence for the caller's log ("" if none).
	 */
	size_t n_held;
	char held[HOSTS_NAME_MAX + 96];
};

/*
 * Write the files of rec's entry where they differ, except those another
 * owner holds; a file of an owner whose record is gone or no longer
 * publishes it (a crash, a changed policy) is stale and replaced.  A
 * held file is not an error: the name is somebody else's, and refusing
 * the login would let whoever holds it lock its owner out.  ret may be
 * NULL.
 */
int hosts_publish(const struct uns_paths *p, const struct state_record *rec,
		  struct hosts_published *ret, struct errbuf *err);

/*
 * Remove the files of rec's entry that are still rec's owner's (a name or
 * address may have gone to another namespace since); those of keep
 * (NULL: none), the entry about to be published, stay.
 */
int hosts_unpublish(const struct uns_paths *p, const struct state_record *rec,
		    const struct state_record *keep, struct errbuf *err);

#endif
