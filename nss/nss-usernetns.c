/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libnss_usernetns.so.2: the host resolves users' namespaces by name,
 * "hosts: files usernetns dns" in nsswitch.conf (nss-usernetns(8)).
 *
 * It answers from the files lib/hosts.c writes (the format is
 * hostsfile.h's).  Being loaded into every program that looks up a name,
 * it links libc alone, never calls the name service itself, keeps no
 * state, and trusts only what root wrote: directories and files must be
 * root's and writable by nobody else, files regular, small and read
 * without following symlinks; anything else is not found.  Names that
 * cannot be ours are not found without a system call, names that could be
 * but are not with one.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netdb.h>
#include <nss.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "usernetns/hostsfile.h"

#define HOSTS_DIR USERNETNS_RUNSTATEDIR "/" HOSTS_DIR_NAME

/* What glibc calls (nss/nss-usernetns.map exports these alone). */
enum nss_status _nss_usernetns_gethostbyname4_r(const char *name, struct gaih_addrtuple **pat,
						char *buffer, size_t buflen, int *errnop,
						int *herrnop, int32_t *ttlp);
enum nss_status _nss_usernetns_gethostbyname3_r(const char *name, int af, struct hostent *host,
						char *buffer, size_t buflen, int *errnop,
						int *herrnop, int32_t *ttlp, char **canonp);
enum nss_status _nss_usernetns_gethostbyname2_r(const char *name, int af, struct hostent *host,
						char *buffer, size_t buflen, int *errnop,
						int *herrnop);
enum nss_status _nss_usernetns_gethostbyname_r(const char *name, struct hostent *host, char *buffer,
					       size_t buflen, int *errnop, int *herrnop);
enum nss_status _nss_usernetns_gethostbyaddr2_r(const void *addr, socklen_t len, int af,
						struct hostent *host, char *buffer, size_t buflen,
						int *errnop, int *herrnop, int32_t *ttlp);
enum nss_status _nss_usernetns_gethostbyaddr_r(const void *addr, socklen_t len, int af,
					       struct hostent *host, char *buffer, size_t buflen,
					       int *errnop, int *herrnop);

/* Written by root alone: root's, and neither group nor others may write. */
static bool trusted(int fd, bool dir)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return false;
	if (dir)
		return S_ISDIR(st.st_mode);
	return S_ISREG(st.st_mode) && st.st_size <= HOSTS_FILE_MAX;
}

static int open_trusted(int dfd, const char *name, bool dir)
{
	int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | (dir ? O_DIRECTORY : O_NONBLOCK);
	int fd = openat(dfd, name, flags);

	if (fd >= 0 && !trusted(fd, dir)) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

/*
 * Is there a file at all?  One openat2() of the whole path that follows
 * no symlink: a miss, which is what every other name looked up on the host
 * is, costs one system call.  1: there is something (to be judged step by
 * step), 0: there is nothing, -1: cannot tell (no openat2, a seccomp
 * filter, a symlink on the way), judge step by step.
 */
static int probe(const char *kind, const char *key)
{
	char path[sizeof(HOSTS_DIR) + 8 + HOSTS_NAME_MAX + 1];
	struct open_how how = {
		.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s/%s", HOSTS_DIR, kind, key) >= sizeof(path))
		return 0;
	fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
}

/*
 * The entry in HOSTS_DIR/kind/key: 1, 0 if there is none we trust, -1
 * with errno for a failure that is not an answer (out of descriptors).
 */
static int read_entry(const char *kind, const char *key, struct hosts_entry *ret)
{
	char text[HOSTS_FILE_MAX + 1];
	int top, dfd = -1, fd = -1, r = 0, saved;
	ssize_t n = -1;

	saved = errno;
	if (probe(kind, key) == 0) {
		errno = saved;
		return 0;
	}
	top = open_trusted(AT_FDCWD, HOSTS_DIR, true);
	if (top >= 0)
		dfd = open_trusted(top, kind, true);
	if (dfd >= 0)
		fd = open_trusted(dfd, key, false);
	if (fd >= 0) {
		do
			n = read(fd, text, sizeof(text));
		while (n < 0 && errno == EINTR);
	}
	if (n >= 0)
		r = hosts_parse(text, (size_t)n, ret) == 0;
	else if (errno == EMFILE || errno == ENFILE || errno == ENOMEM)
		r = -1;
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (top >= 0)
		close(top);
	return r;
}

/* The entry for name, if it is one of ours. */
static int lookup_name(const char *name, struct hosts_entry *ret)
{
	char key[HOSTS_NAME_MAX + 1], bare[HOSTS_NAME_MAX + 2];
	size_t n = strnlen(name, sizeof(bare));
	int r;

	/* "user-alice." is "user-alice", absolutely. */
	if (n > 1 && n < sizeof(bare) && name[n - 1] == '.') {
		memcpy(bare, name, n - 1);
		bare[n - 1] = '\0';
		name = bare;
	}
	if (hosts_name_key(name, key) < 0)
		return 0;
	r = read_entry(HOSTS_BY_NAME, key, ret);
	/* A file under another name than its entry's is not believed. */
	return r > 0 && !hosts_entry_has_name(ret, name) ? 0 : r;
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static enum nss_status not_found(int *errnop, int *herrnop, int h)
{
	*errnop = ENOENT;
	*herrnop = h;
	return NSS_STATUS_NOTFOUND;
}

static enum nss_status fail(int *errnop, int *herrnop)
{
	*errnop = errno;
	*herrnop = NO_RECOVERY;
	return NSS_STATUS_UNAVAIL;
}

static enum nss_status too_small(int *errnop, int *herrnop)
{
	*errnop = ERANGE;
	*herrnop = NETDB_INTERNAL;
	return NSS_STATUS_TRYAGAIN;
}

/* Carve len bytes aligned to align off the buffer, or NULL. */
static void *take(char **pos, size_t *left, size_t len, size_t align)
{
	size_t pad = (align - ((uintptr_t)*pos % align)) % align;
	void *p;

	if (pad > *left || len > *left - pad)
		return NULL;
	p = *pos + pad;
	*pos += pad + len;
	*left -= pad + len;
	return p;
}

static char *take_string(char **pos, size_t *left, const char *s)
{
	char *p = take(pos, left, strlen(s) + 1, 1);

	if (p)
		memcpy(p, s, strlen(s) + 1);
	return p;
}

enum nss_status _nss_usernetns_gethostbyname4_r(const char *name, struct gaih_addrtuple **pat,
						char *buffer, size_t buflen, int *errnop,
						int *herrnop, int32_t *ttlp)
{
	struct gaih_addrtuple *first = NULL, **next = &first;
	struct hosts_entry e;
	char *pos = buffer, *canon;
	size_t left = buflen;
	int saved = errno, r;

	r = lookup_name(name, &e);
	if (r < 0)
		return fail(errnop, herrnop);
	if (r == 0)
		return not_found(errnop, herrnop, HOST_NOT_FOUND);
	if (e.n_addrs == 0)
		return not_found(errnop, herrnop, NO_DATA);
	canon = take_string(&pos, &left, e.names[0]);
	if (!canon)
		return too_small(errnop, herrnop);
	for (size_t i = 0; i < e.n_addrs; i++) {
		struct gaih_addrtuple *t =
			take(&pos, &left, sizeof(*t), alignof(struct gaih_addrtuple));

		if (!t)
			return too_small(errnop, herrnop);
		*t = (struct gaih_addrtuple){ .name = canon, .family = e.addrs[i].family };
		memcpy(t->addr, e.addrs[i].bytes, addr_len(e.addrs[i].family));
		*next = t;
		next = &t->next;
	}
	/* Older glibc hands in a tuple of its own: the first goes there. */
	if (*pat)
		**pat = *first;
	else
		*pat = first;
	if (ttlp)
		*ttlp = 0;
	errno = saved;
	return NSS_STATUS_SUCCESS;
}

/*
 * A hostent in buffer: name, the entry's other names as aliases, and the
 * addresses of family af (one given address for a reverse lookup).
 */
static enum nss_status fill_hostent(const struct hosts_entry *e, int af,
				    const struct hosts_addr *only, struct hostent *host,
				    char *buffer, size_t buflen, int *errnop, int *herrnop)
{
	char *pos = buffer, **aliases, **list;
	size_t left = buflen, n_addrs = 0, k = 0;

	for (size_t i = 0; i < e->n_addrs; i++)
		n_addrs += e->addrs[i].family == af;
	if (only)
		n_addrs = 1;
	if (n_addrs == 0)
		return not_found(errnop, herrnop, NO_DATA);

	host->h_name = take_string(&pos, &left, e->names[0]);
	aliases = take(&pos, &left, e->n_names * sizeof(char *), alignof(char *));
	list = take(&pos, &left, (n_addrs + 1) * sizeof(char *), alignof(char *));
	if (!host->h_name || !aliases || !list)
		return too_small(errnop, herrnop);
	for (size_t i = 1; i < e->n_names; i++) {
		aliases[i - 1] = take_string(&pos, &left, e->names[i]);
		if (!aliases[i - 1])
			return too_small(errnop, herrnop);
	}
	aliases[e->n_names - 1] = NULL;
	for (size_t i = 0; i < (only ? 1 : e->n_addrs); i++) {
		const struct hosts_addr *a = only ? only : &e->addrs[i];

		if (a->family != af)
			continue;
		list[k] = take(&pos, &left, addr_len(af), alignof(uint32_t));
		if (!list[k])
			return too_small(errnop, herrnop);
		memcpy(list[k++], a->bytes, addr_len(af));
	}
	list[k] = NULL;
	host->h_aliases = aliases;
	host->h_addr_list = list;
	host->h_addrtype = af;
	host->h_length = (int)addr_len(af);
	return NSS_STATUS_SUCCESS;
}

enum nss_status _nss_usernetns_gethostbyname3_r(const char *name, int af, struct hostent *host,
						char *buffer, size_t buflen, int *errnop,
						int *herrnop, int32_t *ttlp, char **canonp)
{
	struct hosts_entry e;
	enum nss_status s;
	int saved = errno, r;

	if (af == AF_UNSPEC)
		af = AF_INET;
	if (af != AF_INET && af != AF_INET6) {
		*errnop = EAFNOSUPPORT;
		*herrnop = NO_DATA;
		return NSS_STATUS_UNAVAIL;
	}
	r = lookup_name(name, &e);
	if (r < 0)
		return fail(errnop, herrnop);
	if (r == 0)
		return not_found(errnop, herrnop, HOST_NOT_FOUND);
	s = fill_hostent(&e, af, NULL, host, buffer, buflen, errnop, herrnop);
	if (s != NSS_STATUS_SUCCESS)
		return s;
	if (ttlp)
		*ttlp = 0;
	if (canonp)
		*canonp = host->h_name;
	errno = saved;
	return NSS_STATUS_SUCCESS;
}

enum nss_status _nss_usernetns_gethostbyname2_r(const char *name, int af, struct hostent *host,
						char *buffer, size_t buflen, int *errnop,
						int *herrnop)
{
	return _nss_usernetns_gethostbyname3_r(name, af, host, buffer, buflen, errnop, herrnop,
					       NULL, NULL);
}

enum nss_status _nss_usernetns_gethostbyname_r(const char *name, struct hostent *host, char *buffer,
					       size_t buflen, int *errnop, int *herrnop)
{
	return _nss_usernetns_gethostbyname3_r(name, AF_INET, host, buffer, buflen, errnop, herrnop,
					       NULL, NULL);
}

enum nss_status _nss_usernetns_gethostbyaddr2_r(const void *addr, socklen_t len, int af,
						struct hostent *host, char *buffer, size_t buflen,
						int *errnop, int *herrnop, int32_t *ttlp)
{
	struct hosts_addr a = { .family = af };
	char key[64];
	struct hosts_entry e;
	enum nss_status s;
	int saved = errno, r;

	if ((af != AF_INET && af != AF_INET6) || len != addr_len(af)) {
		*errnop = EAFNOSUPPORT;
		*herrnop = NO_RECOVERY;
		return NSS_STATUS_UNAVAIL;
	}
	memcpy(a.bytes, addr, len);
	if (hosts_addr_key(&a, key, sizeof(key)) < 0)
		return not_found(errnop, herrnop, HOST_NOT_FOUND);
	r = read_entry(HOSTS_BY_ADDR, key, &e);
	if (r < 0)
		return fail(errnop, herrnop);
	if (r == 0 || !hosts_entry_has_addr(&e, &a))
		return not_found(errnop, herrnop, HOST_NOT_FOUND);
	s = fill_hostent(&e, af, &a, host, buffer, buflen, errnop, herrnop);
	if (s != NSS_STATUS_SUCCESS)
		return s;
	if (ttlp)
		*ttlp = 0;
	errno = saved;
	return NSS_STATUS_SUCCESS;
}

enum nss_status _nss_usernetns_gethostbyaddr_r(const void *addr, socklen_t len, int af,
					       struct hostent *host, char *buffer, size_t buflen,
					       int *errnop, int *herrnop)
{
	return _nss_usernetns_gethostbyaddr2_r(addr, len, af, host, buffer, buflen, errnop, herrnop,
					       NULL);
}
