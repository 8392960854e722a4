/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "usernetns/paths.h"
#include "usernetns/util.h"

/* NSS entries larger than this are treated as an error, not grown into. */
#define NSS_BUF_MAX (1u << 20)
/*
 * The first buffer for an entry.  An entry that does not fit is the
 * question asked again, from the start (nss_files reads /etc/group
 * again, a directory answers again), so it should fit at once: a passwd
 * entry is a short line; a group entry names every member, and 64 KiB
 * holds some 4,000 of them (300 members of eight letters take 5 KiB: four
 * questions from 1 KiB doubling, as glibc's own getgrnam() grows).
 * nss_files reads every line before the one asked for into the same
 * buffer: one large group makes every group lookup after it need room
 * for it.  The buffer then grows fourfold, to NSS_BUF_MAX in two more.
 */
#define NSS_BUF_PASSWD 1024
#define NSS_BUF_GROUP (64u << 10)
/* A group list as long as this is one question; a longer one, two. */
#define NSS_GROUPS_FIRST 256

void errbuf_set(struct errbuf *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

int errbuf_errno(struct errbuf *e, int r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!e)
		return r;
	va_start(ap, fmt);
	n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(e->msg))
		snprintf(e->msg + n, sizeof(e->msg) - (size_t)n, ": %s", strerror(-r));
	return r;
}

uint64_t util_fnv1a64(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

int util_parse_decimal(const char *s, uint64_t max, uint64_t *ret, const char **ret_end)
{
	const char *p = s;
	uint64_t v = 0;

	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned int d = (unsigned int)(*p - '0');

		if (d > max || v > (max - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (p == s || (!ret_end && *p))
		return -EINVAL;
	*ret = v;
	if (ret_end)
		*ret_end = p;
	return 0;
}

int util_parse_ulong(const char *s, unsigned long *ret)
{
	uint64_t v;
	int r = util_parse_decimal(s, ULONG_MAX, &v, NULL);

	if (r == 0)
		*ret = (unsigned long)v;
	return r;
}

void *util_grow(void *v, size_t *cap, size_t need, size_t size, size_t first)
{
	size_t c = *cap;
	void *grown;

	if (v && need <= c)
		return v;
	if (!v || c == 0)
		c = first ? first : 1;
	while (c < need) {
		if (c > SIZE_MAX / 2) {
			errno = ENOMEM;
			return NULL;
		}
		c *= 2;
	}
	/* Said here, not left to reallocarray(): a sanitizer aborts there. */
	if (size && c > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	grown = reallocarray(v, c, size);
	if (grown)
		*cap = c;
	return grown;
}

int util_read_fd(int fd, size_t max, char **ret_buf, size_t *ret_len)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;

	for (;;) {
		/* Room for a byte more and the NUL. */
		char *nb = util_grow(buf, &cap, len + 2, 1, 4096);
		ssize_t n;

		if (!nb) {
			free(buf);
			return -ENOMEM;
		}
		buf = nb;
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			free(buf);
			return -e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			free(buf);
			return -EFBIG;
		}
	}
	buf[len] = '\0';
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

/*
 * An error a *_r lookup returned, as -errno.  Only "0 and no result" means
 * that there is no such entry: any other return is a failure of a name
 * service.  glibc passes on the errno of the last service asked, and a
 * service that is down often says ENOENT (SSSD without its daemon, LDAP
 * without its server); that must not read as "no such user" or "no such
 * group", which would open a login on the host instead of refusing it.
 */
static int nss_error(int e)
{
	if (e <= 0 || e == ENOENT)
		return -EHOSTDOWN;
	return -e;
}

/* Run an NSS *_r lookup from a buffer of first bytes, growing it on ERANGE. */
#define NSS_LOOKUP(call, result, first)                 \
	do {                                            \
		size_t size = (first);                  \
		int e;                                  \
		for (;;) {                              \
			char *nb = realloc(*buf, size); \
			if (!nb)                        \
				return -ENOMEM;         \
			*buf = nb;                      \
			e = (call);                     \
			if (e != ERANGE)                \
				break;                  \
			if (size >= NSS_BUF_MAX)        \
				return -ERANGE;         \
			size *= 4;                      \
		}                                       \
		if (e != 0)                             \
			return nss_error(e);            \
		if (!(result))                          \
			return -ENOENT;                 \
	} while (0)

int util_getpwnam(const char *name, struct passwd *ret, char **buf)
{
	struct passwd *res = NULL;

	NSS_LOOKUP(getpwnam_r(name, ret, *buf, size, &res), res, NSS_BUF_PASSWD);
	return 0;
}

int util_getpwuid(uid_t uid, struct passwd *ret, char **buf)
{
	struct passwd *res = NULL;

	NSS_LOOKUP(getpwuid_r(uid, ret, *buf, size, &res), res, NSS_BUF_PASSWD);
	return 0;
}

int util_getgrnam(const char *name, struct group *ret, char **buf)
{
	struct group *res = NULL;

	NSS_LOOKUP(getgrnam_r(name, ret, *buf, size, &res), res, NSS_BUF_GROUP);
	return 0;
}

int util_getgrgid(gid_t gid, struct group *ret, char **buf)
{
	struct group *res = NULL;

	NSS_LOOKUP(getgrgid_r(gid, ret, *buf, size, &res), res, NSS_BUF_GROUP);
	return 0;
}

int util_getgrouplist(const char *user, gid_t gid, gid_t **ret, size_t *ret_n)
{
	int n = NSS_GROUPS_FIRST;

	for (;;) {
		gid_t *v = malloc((size_t)n * sizeof(*v));
		int want = n;

		if (!v)
			return -ENOMEM;
		if (getgrouplist(user, gid, v, &want) >= 0) {
			*ret = v;
			*ret_n = (size_t)want;
			return 0;
		}
		free(v);
		/* glibc reports the size it needs in want; grow at least 2x. */
		if (want <= n)
			want = n * 2;
		if (want > 65536)
			return -E2BIG;
		n = want;
	}
}

const struct uns_paths uns_paths_default = {
	.rundir = USERNETNS_RUNDIR,
	.statedir = USERNETNS_STATEDIR,
	.runstatedir = USERNETNS_RUNSTATEDIR,
};

int util_mkdir_mode(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0)
		return errno == EEXIST ? 0 : -errno;
	/*
	 * The creator's umask must not decide who may use the directory (a
	 * helper run under umask 077 would lock everybody else out).
	 */
	if (chmod(path, mode) < 0)
		return -errno;
	return 0;
}

int util_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);
	int r;

	if (n == 0 || n >= sizeof(buf))
		return -ENAMETOOLONG;
	/* Usually only the last one is missing: one call, not one per level. */
	r = util_mkdir_mode(path, mode);
	if (r != -ENOENT)
		return r;
	memcpy(buf, path, n + 1);
	/* Parents are made traversable: mode is for the last one only. */
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		r = util_mkdir_mode(buf, 0755);
		if (r < 0)
			return r;
		*s = '/';
	}
	return util_mkdir_mode(buf, mode);
}

int util_open_dir(const char *path, bool create, mode_t mode, int *ret_fd)
{
	int fd, r;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		r = util_mkdir_p(path, mode);
		if (r < 0)
			return r;
		fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

int util_dir_foreach(int dfd, int (*fn)(int dfd, const char *name, void *data), void *data)
{
	char buf[16384] __attribute__((aligned(8)));

	for (;;) {
		ssize_t n = getdents64(dfd, buf, sizeof(buf));

		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		for (ssize_t off = 0; off < n;) {
			const struct dirent64 *e = (const struct dirent64 *)(buf + off);
			int r;

			off += e->d_reclen;
			if (streq(e->d_name, ".") || streq(e->d_name, ".."))
				continue;
			r = fn(dfd, e->d_name, data);
			if (r != 0)
				return r;
		}
	}
}

int util_write_atomic(int dirfd, const char *name, const char *content, size_t len, mode_t mode,
		      unsigned int sync)
{
	char tmp[NAME_MAX + 1];
	size_t done = 0;
	int fd, r = 0;

	/* One writer per name at a time (callers hold a lock): a fixed name. */
	if ((size_t)snprintf(tmp, sizeof(tmp), ".%s.tmp", name) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = write(fd, content + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		done += (size_t)n;
	}
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && sync & UTIL_SYNC_DATA && fdatasync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dirfd, tmp, 0);
		return r;
	}
	if (sync & UTIL_SYNC_NAME && fsync(dirfd) < 0)
		return -errno;
	return 0;
}

int util_read_small(int dirfd, const char *name, char *buf, size_t size)
{
	size_t len = 0;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		size_t want = size - len;
		ssize_t n = read(fd, buf + len, want);

		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == size) {
			close(fd);
			return -EFBIG;
		}
		/*
		 * Short: the end of a regular file (these are ours, never
		 * /proc's), without one more read to hear it again.
		 */
		if ((size_t)n < want)
			break;
	}
	close(fd);
	buf[len] = '\0';
	return 0;
}

int util_flock_timeout(int fd, int operation, unsigned int timeout_ms)
{
	struct timespec start, now, pause = { 0, 1000000 }; /* 1 ms */

	if (flock(fd, operation | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK)
		return -errno;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		long elapsed;

		nanosleep(&pause, NULL);
		if (flock(fd, operation | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -errno;
		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (now.tv_sec - start.tv_sec) * 1000 +
			  (now.tv_nsec - start.tv_nsec) / 1000000;
		if (elapsed >= (long)timeout_ms)
			return -ETIMEDOUT;
		/* Back off to 16 ms: waiters poll, the holder is not slowed. */
		if (pause.tv_nsec < 16000000)
			pause.tv_nsec *= 2;
	}
}

/*
 * Fields of /proc/PID/stat (pid 0: our own), numbered as in proc(5), in
 * ascending order.
 */
static int proc_stat_fields(pid_t pid, const unsigned int *field, unsigned long long *ret, size_t n)
{
	char path[64], buf[1024], *s;
	const char *end;
	uint64_t v;
	unsigned int k = 3;
	ssize_t len;
	int fd;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/stat");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -EIO;
	buf[len] = '\0';
	/* The command name (field 2) may hold spaces and ')': past the last ')'. */
	s = strrchr(buf, ')');
	if (!s || s[1] != ' ')
		return -EIO;
	s += 2; /* field 3 */
	for (size_t i = 0; i < n; i++) {
		if (field[i] < k)
			return -EINVAL;
		for (; k < field[i]; k++) {
			s = strchr(s, ' ');
			if (!s)
				return -EIO;
			s++;
		}
		if (util_parse_decimal(s, ULLONG_MAX, &v, &end) < 0 ||
		    (*end != ' ' && *end != '\n' && *end))
			return -EIO;
		ret[i] = v;
	}
	return 0;
}

/*
 * Our own start time cannot change: util_thread_count() keeps it from the
 * same read, for util_process_start_time() (keyed by pid, for a fork).
 */
static pid_t self_pid;
static unsigned long long self_start;

int util_process_start_time(pid_t pid, unsigned long long *ret)
{
	static const unsigned int start = 22;

	if (pid == self_pid && pid != 0) {
		*ret = self_start;
		return 0;
	}
	return proc_stat_fields(pid, &start, ret, 1);
}

int util_thread_count(void)
{
	static const unsigned int fields[] = { 20, 22 };
	unsigned long long v[2];
	int r;

	/* Field 20: one read, where listing /proc/self/task takes four calls. */
	r = proc_stat_fields(0, fields, v, 2);
	if (r < 0)
		return r;
	self_pid = getpid();
	self_start = v[1];
	return v[0] < 1 || v[0] > INT32_MAX ? -EIO : (int)v[0];
}

void util_close_from(int min)
{
	DIR *d;
	struct dirent *e;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned int)min, ~0u, 0) == 0)
		return;
#endif
	d = opendir("/proc/self/fd");
	if (!d) {
		for (int fd = min; fd < 65536; fd++)
			close(fd);
		return;
	}
	while ((e = readdir(d))) {
		uint64_t fd;

		if (util_parse_decimal(e->d_name, INT32_MAX, &fd, NULL) == 0 &&
		    fd >= (uint64_t)min && (int)fd != dirfd(d))
			close((int)fd);
	}
	closedir(d);
}
