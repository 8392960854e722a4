/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Whose a namespace is: a user's, keyed by the uid, or (shared) a
 * group's, keyed by the gid.  One key for both, so that locks, records,
 * sessions, leases and the mark on host ends are kept the same way for
 * either, and uids and gids never meet: a group's key has bit 32 set.
 * On disk a user's key is the uid ("1001", "uid=1001"), as it always
 * was; a group's is "g2000", "gid=2000".
 */
#ifndef USERNETNS_OWNER_H
#define USERNETNS_OWNER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef uint64_t owner_t;

#define OWNER_GROUP_BIT (UINT64_C(1) << 32)

static inline owner_t owner_user(uid_t uid)
{
	return (owner_t)uid;
}

static inline owner_t owner_group(gid_t gid)
{
	return OWNER_GROUP_BIT | (owner_t)gid;
}

static inline bool owner_is_group(owner_t o)
{
	return (o & OWNER_GROUP_BIT) != 0;
}

/* The uid or the gid. */
static inline uint32_t owner_id(owner_t o)
{
	return (uint32_t)o;
}

/* Enough for "gid=4294967294" and its NUL. */
#define OWNER_STRLEN 16

/* The name of o's lock, record and session directory: "1001", "g2000". */
const char *owner_file_name(owner_t o, char *buf, size_t size);

/* The inverse; -EINVAL for anything else (ids above (uid_t)-2 too). */
int owner_parse_file_name(const char *s, owner_t *ret);

/* Sorting and searching owners (qsort(), bsearch()): users, then groups. */
int owner_compare(const void *a, const void *b);

/*
 * The owners a directory has files or directories for (by their file
 * names; anything else is skipped), sorted.  Takes dfd, closing it.
 * *ret is to free(); -errno on failure.
 */
int owner_list_dir(int dfd, owner_t **ret, size_t *ret_n);

struct errbuf;

/* The same for the directory at path, which may not exist (no owners then). */
int owner_list_path(const char *path, owner_t **ret, size_t *ret_n, struct errbuf *err);

/* "uid=1001" or "gid=2000": records, leases, the mark on host ends. */
const char *owner_key(owner_t o, char *buf, size_t size);

/*
 * Parse "uid=N" or "gid=N" at the start of s; *ret_end (may be NULL) is
 * where it stopped.  -EINVAL if s does not start so.
 */
int owner_parse_key(const char *s, owner_t *ret, const char **ret_end);

/* For messages: "uid 1001", "gid 2000". */
const char *owner_describe(owner_t o, char *buf, size_t size);

#endif
