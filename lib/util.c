/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "usernetns/util.h"

/* NSS entries larger than this are treated as an error, not grown into. */
#define NSS_BUF_MAX (1u << 20)

void errbuf_set(struct errbuf *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

int util_parse_ulong(const char *s, unsigned long *ret)
{
	unsigned long v = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s; s++) {
		unsigned int d;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		d = (unsigned int)(*s - '0');
		if (v > (ULONG_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}

int util_read_fd(int fd, size_t max, char **ret_buf, size_t *ret_len)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap + 1);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap > max) {
				free(buf);
				return -EFBIG;
			}
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
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

/* Run an NSS *_r lookup, growing the buffer on ERANGE. */
#define NSS_LOOKUP(call, result)                                        \
	do {                                                            \
		size_t size = 1024;                                     \
		int e;                                                  \
		for (;;) {                                              \
			char *nb = realloc(*buf, size);                 \
			if (!nb)                                        \
				return -ENOMEM;                         \
			*buf = nb;                                      \
			e = (call);                                     \
			if (e != ERANGE)                                \
				break;                                  \
			if (size >= NSS_BUF_MAX)                        \
				return -ERANGE;                         \
			size *= 2;                                      \
		}                                                       \
		if (e != 0)                                             \
			return e > 0 ? -e : -EIO;                       \
		if (!(result))                                          \
			return -ENOENT;                                 \
	} while (0)

int util_getpwnam(const char *name, struct passwd *ret, char **buf)
{
	struct passwd *res = NULL;

	NSS_LOOKUP(getpwnam_r(name, ret, *buf, size, &res), res);
	return 0;
}

int util_getpwuid(uid_t uid, struct passwd *ret, char **buf)
{
	struct passwd *res = NULL;

	NSS_LOOKUP(getpwuid_r(uid, ret, *buf, size, &res), res);
	return 0;
}

int util_getgrnam(const char *name, struct group *ret, char **buf)
{
	struct group *res = NULL;

	NSS_LOOKUP(getgrnam_r(name, ret, *buf, size, &res), res);
	return 0;
}

int util_getgrouplist(const char *user, gid_t gid, gid_t **ret, size_t *ret_n)
{
	int n = 32;

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
