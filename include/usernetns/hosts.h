/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Publishing namespaces to the host's name service: the files of
 * hostsfile.h, written for a record when its namespace is made or
 * repaired and removed with it.  Callers hold the user's lock.
 */
#ifndef USERNETNS_HOSTS_H
#define USERNETNS_HOSTS_H

#include <stdbool.h>

#include "usernetns/hostsfile.h"
#include "usernetns/paths.h"
#include "usernetns/state.h"
#include "usernetns/util.h"

/*
 * The entry of rec: its host name (canonical) and namespace name, those
 * that are valid host names (the namespace name not when the record says
 * it is unlisted); the namespace end's addresses.  No names or no
 * addresses: nothing to publish.
 */
void hosts_entry_of(const struct state_record *rec, struct hosts_entry *ret);

/*
 * Write the files of rec's entry where they differ (*ret_changed says
 * whether any did; may be NULL).
 */
int hosts_publish(const struct uns_paths *p, const struct state_record *rec, bool *ret_changed,
		  struct errbuf *err);

/*
 * Remove the files of rec's entry that still hold it (a name or address
 * may have gone to another namespace since); those of keep (NULL: none),
 * the entry about to be published, stay.
 */
int hosts_unpublish(const struct uns_paths *p, const struct state_record *rec,
		    const struct state_record *keep, struct errbuf *err);

#endif
