/* SPDX-License-Identifier: BSD-3-Clause */
/* Small helpers shared by lib/ files. */
#ifndef USERNETNS_UTIL_H
#define USERNETNS_UTIL_H

#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Context for an error: lib/ functions return -errno and describe the
 * failure here; the caller prints or logs it once.  Every function that
 * takes one accepts NULL (the caller does not care why).  Messages start
 * in lower case: they follow a prefix ("usernetns-join: cannot enter
 * 'user-alice': ...").
 */
struct errbuf {
	char msg[512];
};

/* Describe a failure that has no errno of its own. */
__attribute__((format(printf, 2, 3))) void errbuf_set(struct errbuf *e, const char *fmt, ...);

/*
 * The one way to report a failed call: describe it ("cannot open /x"),
 * append the errno text (": Permission denied") and return r, a -errno,
 * so that a caller writes return errbuf_errno(err, -errno, "...").
 */
__attribute__((format(printf, 3, 4))) int errbuf_errno(struct errbuf *e, int r, const char *fmt,
						       ...);

static inline bool streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/*
 * FNV-1a, 64 bits: a digest that tells one text from another (what a
 * table was made from), not a defence against anybody choosing texts.
 */
uint64_t util_fnv1a64(const void *data, size_t len);

/*
 * Strict decimal, the one way lib/ reads a number: one digit or more, no
 * sign, no white space, at most max.  Without ret_end the digits are all
 * of s; with it they end at the first byte that is not one, where
 * *ret_end points then.  -EINVAL for no digit or a byte after them,
 * -ERANGE above max; *ret is set on success only.
 */
int util_parse_decimal(const char *s, uint64_t max, uint64_t *ret, const char **ret_end);

/* The same, all of s, up to ULONG_MAX. */
int util_parse_ulong(const char *s, unsigned long *ret);

/*
 * The one way an array grows: room for need elements of size bytes in v,
 * which has room for *cap.  v itself when that is enough; else v moved to
 * room doubled from *cap (from first when v has none) until it is, and
 * *cap updated.  NULL without memory: v is then as it was, still the
 * caller's to free.
 */
void *util_grow(void *v, size_t *cap, size_t need, size_t size, size_t first);

/*
 * Read fd to its end into a NUL-terminated buffer (the NUL not counted).
 * -EFBIG when it holds more than max bytes.
 */
int util_read_fd(int fd, size_t max, char **ret_buf, size_t *ret_len);

/*
 * mkdir with exactly mode, whatever the umask; an existing directory is
 * left as it is.
 */
int util_mkdir_mode(const char *path, mode_t mode);

/* mkdir -p: the last directory with mode, missing parents with 0755. */
int util_mkdir_p(const char *path, mode_t mode);

/*
 * Open the directory path (O_DIRECTORY, not following a symlink at its
 * end); with create, make it (and its parents) first if it is missing.
 * The common case, a directory that exists, costs one open().
 */
int util_open_dir(const char *path, bool create, mode_t mode, int *ret_fd);

enum {
	UTIL_SYNC_DATA = 1u << 0, /* the content is on disk before the rename */
	UTIL_SYNC_NAME = 1u << 1, /* and the rename on return (the directory) */
};

/*
 * Replace dirfd/name with content, atomically (a temporary file renamed
 * over it), as durable as sync (UTIL_SYNC_*, 0: as the filesystem pleases).
 */
int util_write_atomic(int dirfd, const char *name, const char *content, size_t len, mode_t mode,
		      unsigned int sync);

/*
 * Read a small regular file into buf (NUL-terminated; a short read is its
 * end, so not for /proc).  -EFBIG when it does not
 * fit, -ENOENT when absent.
 */
int util_read_small(int dirfd, const char *name, char *buf, size_t size);

/*
 * Call fn for each entry of the directory dfd (from where it is: a fresh
 * fd's start; "." and ".." left out) until fn returns non-zero, which is returned; -errno if
 * the directory cannot be read.  getdents64() into a buffer of our own:
 * no DIR, so none of the dup(), fcntl() and fstat() that fdopendir()
 * costs, which a survey of thousands of small directories notices.
 */
int util_dir_foreach(int dfd, int (*fn)(int dfd, const char *name, void *data), void *data);

/*
 * Take an flock on fd, waiting at most timeout_ms.  -ETIMEDOUT when the
 * holder does not let go.
 */
int util_flock_timeout(int fd, int operation, unsigned int timeout_ms);

/* Threads of the calling process (field 20 of /proc/self/stat). */
int util_thread_count(void);

/*
 * A process's start time (field 22 of /proc/PID/stat, clock ticks since
 * boot); the caller's own without a read after util_thread_count().
 */
int util_process_start_time(pid_t pid, unsigned long long *ret);

/* Close every fd from min up, as before an exec. */
void util_close_from(int min);

/*
 * getpwnam_r()/getgrnam_r() with a buffer that grows as needed; *buf is
 * the storage behind the result, to free() after use.  -ENOENT when there
 * is no such entry (and only then: the lookup said so), another -errno
 * when a name service failed (fail closed on that); a service that failed
 * with ENOENT gives -EHOSTDOWN.
 */
int util_getpwnam(const char *name, struct passwd *ret, char **buf);
int util_getpwuid(uid_t uid, struct passwd *ret, char **buf);
int util_getgrnam(const char *name, struct group *ret, char **buf);
int util_getgrgid(gid_t gid, struct group *ret, char **buf);

/*
 * The groups of a user (getgrouplist(), so NSS sources such as LDAP and
 * SSSD count), including gid.  *ret is to free().  getgrouplist() skips
 * a source that fails without a word: what it leaves out is no proof
 * (see plan.c).
 */
int util_getgrouplist(const char *user, gid_t gid, gid_t **ret, size_t *ret_n);

#endif
