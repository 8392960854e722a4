/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Preloaded before nss_wrapper in the tests: glibc's contract for "no such
 * entry" on top of nss_wrapper's files.
 *
 * glibc's getpwnam_r() and friends return 0 with a NULL result when no
 * service knows the name, and an error number only when a service failed
 * (SSSD without its daemon says ENOENT).  nss_wrapper 1.1.12 returns
 * ENOENT for "not found" too, so under it every unknown user or group
 * would look like a failed directory, which usernetns refuses.  This
 * gives the tests what a real system gives; test-nss checks the real
 * thing, through glibc's own NSS.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stddef.h>

#define WRAP(name, type, key_type)                                            \
	int name(key_type key, struct type *ret, char *buf, size_t len,         \
		 struct type **result)                                          \
	{                                                                     \
		static int (*next)(key_type, struct type *, char *, size_t,     \
				   struct type **);                             \
		int e;                                                        \
                                                                              \
		if (!next)                                                    \
			*(void **)&next = dlsym(RTLD_NEXT, #name);              \
		if (!next)                                                    \
			return ENOSYS;                                        \
		e = next(key, ret, buf, len, result);                         \
		return e == ENOENT && !*result ? 0 : e;                       \
	}

WRAP(getpwnam_r, passwd, const char *)
WRAP(getpwuid_r, passwd, uid_t)
WRAP(getgrnam_r, group, const char *)
WRAP(getgrgid_r, group, gid_t)
